//! Signing in from the command line, without the AWS SDK.
//!
//! ```text
//! client file ──resolve──▶ access path (1 or 2 hops)
//!                              │
//!   cache (per hop, 0600) ◀────┤ fresh? hand it out
//!                              │ stale: lock, re-check, then
//!   assertion (only for hop 1) ┴─▶ Sts::assume_role_with_saml ─▶ Sts::assume_role ─▶ cache
//! ```
//!
//! * [`ClientFile`] is what `awsfed export client` writes: accounts and every target with its hops.
//! * [`SignIn`] walks a target's hops, reusing cached hops and calling an [`Sts`] for the rest. The
//!   real STS lives in `awsfed-aws`; tests use a fake.
//! * [`Cache`] keeps one file per hop under the XDG cache folder, written atomically with mode 0600,
//!   and a lock file so parallel `credential_process` calls make one STS call per hop.
//! * [`console`] builds the federation endpoint's requests that open the AWS console as a session.
//! * [`managed_block`] edits `~/.aws/config` inside one marked block and nowhere else.
//! * [`shared_files`] finds the credential settings of a profile in the AWS shared files.

mod cache;
mod client_file;
pub mod console;
mod credentials;
mod durations;
mod error;
pub mod managed_block;
pub mod shared_files;
mod signin;
mod sts;

pub use cache::{Cache, CachedHop, HopKey};
pub use client_file::{
    CLIENT_FILE_VERSION, ClientAccount, ClientFile, ClientHop, ClientIamUsers, ClientPath,
    ClientTarget, IdentityProviderInfo,
};
pub use credentials::{Credentials, MIN_HANDED_OUT_SECONDS, shell_quote};
pub use durations::{DurationMemory, step_down};
pub use error::SignInError;
pub use signin::{AssertionSource, Destination, SignIn, SignInReport};
pub use sts::{
    AssumeRoleRequest, SamlHopRequest, SessionTokenRequest, Sts, StsError, StsErrorKind,
};
