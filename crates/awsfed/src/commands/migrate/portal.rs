//! The people side of a move into or out of Identity Center: which account assignments carry the
//! access once the switch is made. Users of an Identity Center account sign in through the AWS
//! access portal, where every assignment of their groups shows up ("Using the AWS access
//! portal", IAM Identity Center User Guide); the IdP's Role values for those accounts go away
//! (the IdP delta beside it lists them), and the reverse when an account leaves Identity Center.

use std::collections::BTreeSet;
use std::fmt::Write;

use awsfed_compile::{DesiredAssignment, DesiredState};
use serde::Serialize;

/// Assignments that begin or end carrying the access at the switch.
#[derive(Debug, Default, Serialize)]
pub struct PortalDelta {
    /// In the new state, not the old: users reach these accounts through the access portal.
    pub assignments_to_use: Vec<DesiredAssignment>,
    /// In the old state, not the new: users stop using them (the contract stage deletes them).
    pub assignments_to_leave: Vec<DesiredAssignment>,
}

impl PortalDelta {
    pub fn is_empty(&self) -> bool {
        self.assignments_to_use.is_empty() && self.assignments_to_leave.is_empty()
    }
}

fn assignments(state: &DesiredState) -> BTreeSet<&DesiredAssignment> {
    state
        .identity_center
        .iter()
        .flat_map(|c| &c.assignments)
        .collect()
}

/// What changes for users between `old` and `new`.
pub fn portal_delta(old: &DesiredState, new: &DesiredState) -> PortalDelta {
    let (before, after) = (assignments(old), assignments(new));
    PortalDelta {
        assignments_to_use: after.difference(&before).map(|a| (*a).clone()).collect(),
        assignments_to_leave: before.difference(&after).map(|a| (*a).clone()).collect(),
    }
}

/// The lines `migrate plan` prints under the IdP delta (nothing for a move between hub-and-spoke
/// and direct).
pub fn portal_text(delta: &PortalDelta) -> String {
    let mut out = String::new();
    if delta.is_empty() {
        return out;
    }
    let line = |out: &mut String, sign: char, a: &DesiredAssignment| {
        let _ = writeln!(
            out,
            "  {sign} group {}: {} in {} ({})",
            a.group, a.permission_set, a.account_name, a.account_id
        );
    };
    if !delta.assignments_to_use.is_empty() {
        out.push_str(
            "\nIdentity Center at the switch: users sign in through the access portal, where these assignments carry the access:\n",
        );
        for a in &delta.assignments_to_use {
            line(&mut out, '+', a);
        }
    }
    if !delta.assignments_to_leave.is_empty() {
        out.push_str(
            "\nIdentity Center at the switch: users stop using these assignments (the IdP's Role values carry the access; the next stage deletes them):\n",
        );
        for a in &delta.assignments_to_leave {
            line(&mut out, '-', a);
        }
    }
    out
}
