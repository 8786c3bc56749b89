//! Ownership enforced where Identity Center changes are made: before every write the executor asks
//! the [`IdentityCenterGuard`], built from the instance as read for this apply (not from the plan,
//! which is input). A permission set is awsfed's when it carries the managed tag
//! ([`awsfed_plan::is_managed_tagged`]); assignments carry no tags, so an assignment is written only
//! through one of awsfed's permission sets. Anything else is refused.

use std::collections::BTreeMap;

use awsfed_plan::{IdentityCenterAction, is_managed_tagged};
use awsfed_snapshot::IdentityCenterSnapshot;

use crate::AwsError;

#[derive(Debug, Clone)]
pub struct IdentityCenterGuard {
    /// Permission set name → (ARN, ours).
    sets: BTreeMap<String, (String, bool)>,
    /// Directory group display name → id.
    groups: BTreeMap<String, String>,
}

/// What the guard allows a change to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// Create the permission set (none of that name exists).
    Create,
    /// Nothing to do: the permission set exists and is awsfed's (an earlier, interrupted apply).
    AlreadyThere,
    /// Write through this permission set ARN.
    Set(String),
    /// No permission set involved (a directory group).
    Free,
}

impl IdentityCenterGuard {
    pub fn new(instance: &IdentityCenterSnapshot) -> Self {
        Self {
            sets: instance
                .permission_sets
                .iter()
                .map(|s| (s.name.clone(), (s.arn.clone(), is_managed_tagged(&s.tags))))
                .collect(),
            groups: instance
                .groups
                .iter()
                .map(|g| (g.display_name.clone(), g.id.clone()))
                .collect(),
        }
    }

    /// Refuses a change on a permission set awsfed does not own.
    pub fn check(&self, action: &IdentityCenterAction) -> Result<Allowed, AwsError> {
        let Some(name) = action.permission_set() else {
            return Ok(Allowed::Free);
        };
        let creating = matches!(action, IdentityCenterAction::CreatePermissionSet { .. });
        match (self.sets.get(name), creating) {
            (None, true) => Ok(Allowed::Create),
            (Some((_, true)), true) => Ok(Allowed::AlreadyThere),
            (Some((arn, true)), false) => Ok(Allowed::Set(arn.clone())),
            (Some((_, false)), _) => Err(AwsError::Refused(format!(
                "refused to {}: permission set {name} does not carry awsfed's managed tag, so awsfed neither changes it nor its assignments",
                action.summary()
            ))),
            (None, false) => Err(AwsError::Refused(format!(
                "refused to {}: permission set {name} does not exist",
                action.summary()
            ))),
        }
    }

    /// Records a permission set this apply created (tagged as awsfed's on creation).
    pub fn created(&mut self, name: &str, arn: &str) {
        self.sets.insert(name.to_owned(), (arn.to_owned(), true));
    }

    pub fn group_id(&self, name: &str) -> Option<&str> {
        self.groups.get(name).map(String::as_str)
    }

    pub fn created_group(&mut self, name: &str, id: &str) {
        self.groups.insert(name.to_owned(), id.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use awsfed_model::{MANAGED_TAG_KEY, MANAGED_TAG_VALUE};
    use awsfed_snapshot::{PermissionSetSnapshot, PrincipalType, SNAPSHOT_FORMAT};

    use super::*;

    fn set(name: &str, ours: bool) -> PermissionSetSnapshot {
        PermissionSetSnapshot {
            arn: format!("arn:aws:sso:::permissionSet/ssoins-1/ps-{name}"),
            name: name.to_owned(),
            description: None,
            session_duration: None,
            relay_state: None,
            managed_policies: Vec::new(),
            customer_managed_policies: Vec::new(),
            inline_policy: None,
            permissions_boundary: None,
            tags: if ours {
                BTreeMap::from([(MANAGED_TAG_KEY.to_owned(), MANAGED_TAG_VALUE.to_owned())])
            } else {
                // A copied digest tag is not the managed tag.
                BTreeMap::from([("awsfed:digest".to_owned(), "x".to_owned())])
            },
            provisioned_accounts: Vec::new(),
        }
    }

    #[test]
    fn a_foreign_permission_set_and_its_assignments_are_refused() {
        let guard = IdentityCenterGuard::new(&IdentityCenterSnapshot {
            format: SNAPSHOT_FORMAT,
            instance_arn: "arn:aws:sso:::instance/ssoins-1".to_owned(),
            identity_store_id: "d-1".to_owned(),
            region: "eu-west-1".to_owned(),
            permission_sets: vec![set("Ours", true), set("Foreign", false)],
            assignments: Vec::new(),
            users: Vec::new(),
            groups: Vec::new(),
        });
        let foreign = [
            IdentityCenterAction::CreatePermissionSet {
                name: "Foreign".to_owned(),
                description: String::new(),
                session_duration: "PT1H".to_owned(),
                relay_state: None,
            },
            IdentityCenterAction::DeleteInlinePolicy {
                permission_set: "Foreign".to_owned(),
            },
            IdentityCenterAction::CreateAssignment {
                group: "g".to_owned(),
                permission_set: "Foreign".to_owned(),
                account_id: "111111111111".to_owned(),
            },
            IdentityCenterAction::DeleteAssignment {
                principal: "group g".to_owned(),
                principal_id: "g".to_owned(),
                principal_type: PrincipalType::Group,
                permission_set: "Foreign".to_owned(),
                account_id: "111111111111".to_owned(),
            },
            IdentityCenterAction::DeletePermissionSet {
                name: "Foreign".to_owned(),
            },
        ];
        for action in &foreign {
            let error = guard.check(action).unwrap_err();
            assert!(
                error
                    .to_string()
                    .contains("does not carry awsfed's managed tag"),
                "{error}"
            );
        }
        assert_eq!(
            guard
                .check(&IdentityCenterAction::DeletePermissionSet {
                    name: "Ours".to_owned()
                })
                .unwrap(),
            Allowed::Set("arn:aws:sso:::permissionSet/ssoins-1/ps-Ours".to_owned())
        );
        assert!(
            guard
                .check(&IdentityCenterAction::DeletePermissionSet {
                    name: "Missing".to_owned()
                })
                .is_err()
        );
    }
}
