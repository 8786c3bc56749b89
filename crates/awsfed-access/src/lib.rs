//! Who can reach what: access paths from directory groups through the SAML hop and AssumeRole hops
//! of any length (followed to a fixed point) to account roles, each hop decided by the
//! `awsfed-policy` evaluator, and the audit findings built on them.
//!
//! Input is an estate — a [`Snapshot`](awsfed_snapshot::Snapshot) read from AWS, or the one a
//! compiled model would deploy ([`Snapshot::from_desired`](awsfed_snapshot::Snapshot::from_desired))
//! — and the IdP mapping ([`IdpMapping`]), from the compiler or from an IdP description file.

pub mod audit;
mod compare;
mod estate;
mod fixed_point;
pub mod iam_users;
pub mod identity_center;
mod idp;
pub mod migration_proof;
mod paths;
mod unknown_org_paths;
mod view;

pub use compare::{PathChange, PathKey, compare_paths, path_keys};
pub use estate::{CompiledRole, Estate, RoleRef, arn_account, arn_resource};
pub use fixed_point::{analyze, analyze_target, analyze_with};
pub use idp::{
    IDP_FORMAT, IamUsersIntent, IdpDescription, IdpGroup, IdpMapping, Intent, MAX_IDP_FILE_BYTES,
    RolePair, SessionAttributes, parse_role_value,
};
pub use paths::{
    AccessPath, ActionCheck, Analysis, EXAMPLE_SESSION_NAME, HopEvaluator, HopKind, HopOutcome,
    Stage, UserPath, chained_candidates, chained_context, chained_from, resource_context,
    saml_context, session_arn, session_arn_named,
};
pub use unknown_org_paths::UnknownOrgPaths;
pub use view::{PathView, graph_dot, graph_mermaid};
