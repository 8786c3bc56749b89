//! What awsfed's tests share (a dev-dependency only): the iam-simulate oracle client and required
//! test tools. See the README.

mod oracle;
mod tool;

pub use oracle::{Oracle, repo_root, skip_oracle};
pub use tool::required_tool;
