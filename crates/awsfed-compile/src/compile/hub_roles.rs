//! Hub roles: one per directory group in its hub account, entered with SAML.

use std::collections::BTreeMap;

use awsfed_model::{AccountIndex, defaults};

use super::{Compiler, GroupIndex};
use crate::desired::{DesiredPolicy, DesiredRole, RoleKind, TrustForm};

impl Compiler<'_> {
    pub(super) fn hub_role_name(&self, group: GroupIndex) -> String {
        self.hub_role_names[group].clone()
    }

    /// The hub role's ARN, under the hub path. Only called for groups with a hub.
    pub(super) fn hub_role_arn(&self, group: GroupIndex) -> String {
        self.hub_role_arns[group].clone().unwrap_or_default()
    }

    /// A group's hub role: entered with SAML, allowed to assume exactly its spoke roles.
    pub(super) fn hub_role(
        &mut self,
        group: GroupIndex,
        hub_account: AccountIndex,
    ) -> (DesiredRole, Vec<DesiredPolicy>) {
        let model = self.model;
        let name = self.hub_role_name(group);
        let arn = self.hub_role_arn(group);
        let spokes = self.group_spokes[group].clone();
        // The hub session is what refreshes spoke sessions without the IdP: give it the longest
        // session any of the group's permission sets allows.
        let max_session_duration = spokes
            .iter()
            .map(|&(_, set)| model.permission_sets[set].session_duration)
            .max()
            .unwrap_or(defaults::MIN_SESSION_SECONDS);
        let policies = self.hub_policies(group, hub_account, &name, &spokes);
        let (hub_trust, _) = self.provider_trust(hub_account, true);
        let hub = model.groups[group]
            .hub
            .map_or(String::new(), |h| model.hubs[h].name.clone());
        let role = DesiredRole {
            name: name.clone(),
            path: model.naming.hub_role_path.clone(),
            arn,
            kind: RoleKind::Hub {
                group: model.groups[group].name.clone(),
                hub,
            },
            description: format!(
                "awsfed hub role of directory group {}",
                model.groups[group].name
            ),
            max_session_duration,
            trust_policy: hub_trust,
            trust_form: TrustForm::SamlProvider,
            user_trust_form: None,
            managed_policy_arns: policies.iter().map(|p| p.arn.clone()).collect(),
            inline_policies: BTreeMap::new(),
            permissions_boundary: None,
            tags: self.tags(),
        };

        (role, policies)
    }
}
