//! The only awsfed crate that talks to AWS. Everything else is pure and tests without it.
//!
//! Endpoints: `--endpoint-url` or `AWS_ENDPOINT_URL` point every client at a local endpoint (the
//! tests use moto on 127.0.0.1). IAM and Organizations are global services served from us-east-1.

mod bounded;
mod connect;
mod error;
mod execute;
mod execute_users;
mod federation;
mod fleet;
mod guard;
mod iam;
mod identity_center;
mod organization;
mod policy_versions;
mod reach;
mod read;
mod read_users;
mod removal;
mod signin;
mod stacksets;

pub use connect::{BEHAVIOR_VERSION, ConnectOptions, Connection, connect};
pub use error::AwsError;
pub use execute::execute;
pub use federation::{FederationError, get_signin_token_answer};
pub use fleet::{ApplyReport, Event, Fleet, Members, Progress, apply_actions};
pub use guard::{Guard, Scope, Write};
pub use iam::{
    CallError, Entity, GroupEntity, IamApi, IamUserApi, NewPolicy, NewRole, PolicyVersion,
};
pub use identity_center::{
    Calls, IdentityCenterClients, IdentityCenterGuard, IdentityCenterReport, InstanceChoice,
    adopt_permission_sets, apply_identity_center, read_identity_center,
};
pub use organization::{OrganizationOptions, members, ou_path, read_organization};
pub use policy_versions::{KEPT_VERSIONS, VERSIONS_TAG_KEY};
pub use reach::{Caller, ReachOptions, caller, iam_client, retry_config};
pub use read::{ReadOptions, document, read_account, read_quotas};
pub use signin::{CallerIdentity, DEFAULT_SOURCE_PROFILE, SigninSts};
pub use stacksets::{Engine, EngineReport, roles_by_default_engine};
