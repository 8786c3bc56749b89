//! Exporters: the desired state written as files other tools deploy or read: CloudFormation
//! templates (one stack per account, or service-managed StackSets for large estates), Terraform
//! JSON, the IdP side (generic, Okta, Microsoft Entra ID) and `~/.aws/config` profiles.
//!
//! Everything here is pure: functions take the desired state (and the model where they need what
//! the desired state does not carry, such as the SAML metadata document) and return file contents
//! with relative, `/`-separated paths. The same input always gives the same bytes: maps are sorted
//! and nothing carries a timestamp. Writing the files is the caller's job.

mod aws_config;
mod client;
mod cloudformation;
mod identity_center;
mod idp;
mod idp_delta;
mod names;
mod stacksets;
mod terraform;

// The exporter tests' hand-built desired state is test data, so it lives under tests/ (not a test
// target of its own: the unit tests beside each exporter use it).
#[cfg(test)]
#[path = "../tests/fixture/desired.rs"]
mod fixture;

pub use aws_config::{AwsConfigOptions, aws_config, profile_name_part};
pub use client::client_file;
pub use cloudformation::cloudformation;
pub use idp::{RoleValueOrder, idp};
pub use idp_delta::{GroupDelta, IdpDelta, OktaSettings, idp_delta};
pub use stacksets::{
    AccountStackSpec, LayoutTarget, StackSetLayout, StackSetOptions, StackSetSpec,
    layout as stackset_layout, stacksets,
};
pub use terraform::{TerraformOptions, terraform};

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// Relative to the output folder, `/`-separated.
    pub path: String,
    pub contents: String,
}

/// What an exporter produced: the files, and what the user must know or do before deploying them
/// (printed by the CLI, one note a paragraph).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Export {
    /// Sorted by path.
    pub files: Vec<ExportFile>,
    pub notes: Vec<String>,
}

impl Export {
    fn push_json(&mut self, path: impl Into<String>, value: &serde_json::Value) {
        self.files.push(ExportFile {
            path: path.into(),
            contents: pretty_json(value),
        });
    }

    fn push_text(&mut self, path: impl Into<String>, contents: String) {
        self.files.push(ExportFile {
            path: path.into(),
            contents,
        });
    }

    fn finish(mut self) -> Self {
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("the model has no directory group named `{group}`")]
    UnknownGroup { group: String },
    #[error(
        "`{name}` is not a valid role session name: use 2 to 64 letters, digits or any of `+=,.@_-`"
    )]
    InvalidSessionName { name: String },
}

/// Two-space indented JSON with a final newline.
fn pretty_json(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a JSON value always serialises");
    text.push('\n');
    text
}
