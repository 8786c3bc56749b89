//! What awsfed's tests share (a dev-dependency only): the iam-simulate oracle client, required
//! test tools and, with feature `snapshot`, roles for hand-built snapshots. See the README.

mod oracle;
#[cfg(feature = "snapshot")]
pub mod snapshot;
#[cfg(feature = "snapshot")]
pub mod three_topologies;
mod tool;

pub use oracle::{Oracle, repo_root, skip_oracle};
pub use tool::required_tool;
