//! Moving hub roles to their own path (`naming.hub_role_path`) without a sign-in gap.
//!
//! IAM cannot change a role's path, and role names are unique in an account whatever the path
//! ("IAM identifiers", IAM User Guide), so the hub roles of the new layout are new roles with new
//! names. Users keep signing in with the Role values the IdP sends until it is switched to the new
//! ones, so the move is staged as DESIGN.md's migrations are:
//!
//! 1. *expand* — this plan: the new hub roles and their policies are created first; every spoke
//!    trust the plan updates keeps what it admits today (the old hub roles) beside the new hub
//!    roles; the old hub roles and their policies stay.
//! 2. *switch* — the administrator exports the IdP side again and the IdP sends the new values.
//! 3. *contract* — the next plan, once the new hub roles exist: spoke trusts shrink to the new hub
//!    roles, and the old hub roles and their policies are deleted last.
//!
//! An old hub role is a role awsfed owns in an account that gets new hub roles, not in the desired
//! state, trusted by that account's SAML provider, and not on the hub path.

use std::collections::BTreeSet;

use awsfed_compile::{DesiredState, RoleKind, narrowed_to_principal_arns};
use awsfed_model::defaults;
use awsfed_policy::{PolicyDocument, StringList, iam_size};
use awsfed_snapshot::Snapshot;

use super::ownership::is_ours;

#[derive(Debug, Default)]
pub(crate) struct HubMove {
    /// ARNs of the old hub roles kept during the expand stage.
    old_hub_roles: BTreeSet<String>,
    /// ARNs of the awsfed policies attached to them.
    old_hub_policies: BTreeSet<String>,
    /// `arn:P:iam::ID:root` of the accounts whose hub roles move.
    hub_roots: BTreeSet<String>,
    hub_path: String,
}

/// The move this plan starts, if any: an account gets hub roles it does not have yet while old
/// hub roles are still there.
pub(crate) fn hub_move(desired: &DesiredState, actual: &Snapshot, role_path: &str) -> HubMove {
    let mut found = HubMove::default();
    for account in &desired.accounts {
        let hub_roles: Vec<_> = account
            .roles
            .iter()
            .filter(|r| matches!(r.kind, RoleKind::Hub { .. }))
            .collect();
        let (Some(first), Some(provider)) = (hub_roles.first(), &account.saml_provider) else {
            continue;
        };
        let Some(snapshot) = actual.accounts.iter().find(|a| a.id == account.id) else {
            continue;
        };
        let exists = |name: &str| snapshot.roles.iter().any(|r| r.name == name);
        if hub_roles.iter().all(|r| exists(&r.name)) {
            continue;
        }
        let desired_names: BTreeSet<&str> = account.roles.iter().map(|r| r.name.as_str()).collect();
        for role in &snapshot.roles {
            let federated = serde_json::to_string(&role.trust_policy)
                .is_ok_and(|text| text.contains(&format!("\"{}\"", provider.arn)));
            if is_ours(&role.path, &role.tags, role_path)
                && !desired_names.contains(role.name.as_str())
                && role.path != first.path
                && federated
            {
                found.old_hub_roles.insert(role.arn.clone());
                found.old_hub_policies.extend(
                    role.managed_policy_arns
                        .iter()
                        .filter(|arn| snapshot.policies.iter().any(|p| &p.arn == *arn))
                        .cloned(),
                );
                found.hub_roots.insert(format!(
                    "arn:{}:iam::{}:root",
                    desired.partition, account.id
                ));
                found.hub_path.clone_from(&first.path);
            }
        }
    }
    found
}

impl HubMove {
    pub(crate) fn is_moving(&self) -> bool {
        !self.old_hub_roles.is_empty()
    }

    /// Whether the expand stage keeps this role or policy (by ARN).
    pub(crate) fn keeps(&self, arn: &str) -> bool {
        self.old_hub_roles.contains(arn) || self.old_hub_policies.contains(arn)
    }

    /// The trust to write during the expand stage: the desired statements, plus the deployed ones
    /// when they admit old hub roles (by ARN, or the hub account narrowed by `aws:PrincipalArn`).
    /// `None` when the desired trust can be written as it is.
    ///
    /// Both lists together can pass the trust policy quota where each alone fits (about 17 groups
    /// at 2,048 characters), and IAM would refuse the update. The expanded trust then takes the
    /// compact form: the desired statements with the hub accounts as principal, narrowed by
    /// `ArnLike aws:PrincipalArn` to the new hub path and to the old hub roles by exact ARN (an
    /// ARN without wildcards matches itself only). Checked against IAM's default quota, which
    /// every account has at least.
    pub(crate) fn expanded_trust(
        &self,
        desired: &PolicyDocument,
        deployed: &PolicyDocument,
    ) -> Option<PolicyDocument> {
        if !self.is_moving() {
            return None;
        }
        let text = serde_json::to_string(deployed).ok()?;
        let admitted = |arn: &String| text.contains(&format!("\"{arn}\""));
        if !self
            .old_hub_roles
            .iter()
            .chain(&self.hub_roots)
            .any(admitted)
        {
            return None;
        }
        let mut statements = desired.statement.clone();
        statements.extend(
            deployed
                .statement
                .iter()
                .filter(|s| !desired.statement.contains(s))
                .cloned(),
        );
        let union = PolicyDocument::new(statements);
        if iam_size(&union) <= defaults::TRUST_POLICY_SIZE {
            return Some(union);
        }
        // Old hub roles the deployed trust names; when it names only the hub account (narrowed),
        // every old hub role, as the narrowed form admits (their own policies still name exact
        // spoke roles).
        let mut old: Vec<String> = self
            .old_hub_roles
            .iter()
            .filter(|a| admitted(a))
            .cloned()
            .collect();
        if old.is_empty() {
            old = self.old_hub_roles.iter().cloned().collect();
        }
        let roots = StringList::sorted(self.hub_roots.iter().cloned());
        let patterns = StringList::sorted(
            self.hub_roots
                .iter()
                .map(|root| {
                    format!(
                        "{}{}*",
                        root.trim_end_matches("root"),
                        format_args!("role{}", self.hub_path)
                    )
                })
                .chain(old),
        );
        let compact = desired
            .statement
            .iter()
            .map(|s| narrowed_to_principal_arns(s.clone(), roots.clone(), patterns.clone()))
            .collect();
        let compact = PolicyDocument::new(compact);
        // When even the compact form does not fit, the union goes to the plan's quota check,
        // which holds the account back and says why.
        Some(if iam_size(&compact) <= defaults::TRUST_POLICY_SIZE {
            compact
        } else {
            union
        })
    }

    pub(crate) fn hint(&self) -> Option<String> {
        self.is_moving().then(|| {
            format!(
                "hub roles move to {}: this apply creates the new hub roles first and lets the spoke trusts it updates admit the old and the new ones; the {} old hub role{} stay. Next: `awsfed export idp` and switch the IdP to the new Role values, then plan and apply again to remove the old hub roles (IAM cannot change a role's path, so the new ones are new roles)",
                self.hub_path,
                self.old_hub_roles.len(),
                if self.old_hub_roles.len() == 1 { "" } else { "s" }
            )
        })
    }
}
