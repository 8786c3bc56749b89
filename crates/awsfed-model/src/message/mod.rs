//! What a diagnostic says, typed: each group of codes has an enum here whose variants carry the
//! data their message needs, and renders the code, the text and the help in one place, so that
//! raising a diagnostic is naming what happened ([`Diagnostic::of`]) and a message reads the same
//! wherever it is raised. [`Diagnostic::of`] is the only way to make a diagnostic.

mod accounts;
mod compiler;
mod groups;
mod iam_users;
mod identity_center;
mod naming;
mod permission_sets;
mod reading;
mod settings;
mod stack_sets;

pub use accounts::AccountsMessage;
pub use compiler::{HubPolicyChoice, IamLimit, NarrowedTrust};
pub use groups::GroupsMessage;
pub use iam_users::IamUsersMessage;
pub use identity_center::IdentityCenterMessage;
pub use naming::{HubPathProblem, NamingMessage, RoleKind};
pub use permission_sets::{PermissionSetsMessage, PolicyArnProblem};
pub use reading::ReadingMessage;
pub use settings::{SettingsMessage, UnfitSource};
pub use stack_sets::StackSetsMessage;

use crate::{Code, Diagnostic, Severity};

/// A typed diagnostic message.
pub trait Message {
    fn code(&self) -> Code;
    /// The code's severity; a code documented with several severities says which of them this
    /// message has.
    fn severity(&self) -> Severity {
        let code = self.code();
        debug_assert_eq!(
            code.severities().len(),
            1,
            "`{code}` has several severities"
        );
        code.severities()[0]
    }
    fn text(&self) -> String;
    /// How to fix it, when there is something to say.
    fn help(&self) -> Option<String> {
        None
    }
}

impl Diagnostic {
    /// The diagnostic `message` renders.
    pub fn of(message: &impl Message) -> Self {
        let diagnostic = Self::new(message.severity(), message.code(), message.text());
        match message.help() {
            Some(help) => diagnostic.help(help),
            None => diagnostic,
        }
    }
}

/// `s` when `count` is not one.
fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// `policy` or `policies`.
fn policies(count: usize) -> &'static str {
    if count == 1 { "policy" } else { "policies" }
}
