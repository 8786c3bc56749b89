//! What a diagnostic says, typed: each group of codes has an enum here whose variants carry the
//! data their message needs, and renders the code, the text and the help in one place, so that
//! raising a diagnostic is naming what happened ([`Diagnostic::of`]) and a message reads the same
//! wherever it is raised. The codes of the model's other checks (`resolve`, `load`, `selector`) are
//! still written where they are raised.

mod compiler;
mod iam_users;
mod identity_center;
mod naming;

pub use compiler::{HubPolicyChoice, IamLimit, NarrowedTrust};
pub use iam_users::IamUsersMessage;
pub use identity_center::IdentityCenterMessage;
pub use naming::{HubPathProblem, NamingMessage};

use crate::{Code, Diagnostic, Severity};

/// A typed diagnostic message.
pub trait Message {
    fn code(&self) -> Code;
    fn text(&self) -> String;
    /// How to fix it, when there is something to say.
    fn help(&self) -> Option<String> {
        None
    }
}

impl Diagnostic {
    /// The diagnostic `message` renders, with its code's severity (a code documented with several
    /// severities takes [`Diagnostic::of_severity`]).
    pub fn of(message: &impl Message) -> Self {
        let code = message.code();
        debug_assert_eq!(
            code.severities().len(),
            1,
            "`{code}` has several severities"
        );
        Self::of_severity(code.severities()[0], message)
    }

    pub fn of_severity(severity: Severity, message: &impl Message) -> Self {
        let diagnostic = Self::new(severity, message.code(), message.text());
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
