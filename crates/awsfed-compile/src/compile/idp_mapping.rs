//! The IdP side: each directory group's SAML Role values and every target it reaches.

use awsfed_model::{AccountIndex, defaults};

use super::{Compiler, GroupIndex, RoleKey};
use crate::desired::{GroupMapping, Hop, RoleValue, Target};

impl Compiler<'_> {
    /// Every group's mapping. With targets this is the largest part of compiling a big estate
    /// (hundreds of thousands of targets) and each group is independent, so the groups are spread
    /// over the machine's cores; the result is in group order whatever the thread count.
    pub(super) fn group_mappings(&self) -> Vec<GroupMapping> {
        let count = self.model.groups.len();
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(count);
        if threads <= 1 || !self.group_targets {
            return (0..count).map(|g| self.group_mapping(g)).collect();
        }
        let mut mappings: Vec<(GroupIndex, GroupMapping)> = std::thread::scope(|scope| {
            // Interleaved, so one thread does not get all the large groups.
            let workers: Vec<_> = (0..threads)
                .map(|first| {
                    scope.spawn(move || {
                        (first..count)
                            .step_by(threads)
                            .map(|g| (g, self.group_mapping(g)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| {
                    worker
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        mappings.sort_unstable_by_key(|(g, _)| *g);
        mappings.into_iter().map(|(_, mapping)| mapping).collect()
    }

    pub(super) fn group_mapping(&self, g: GroupIndex) -> GroupMapping {
        let model = self.model;
        let mut role_values = Vec::new();
        let mut targets = Vec::new();
        let mut hub_hop = None;
        // Without a SAML IdP there is no hub role: the group's members are IAM users, whose targets
        // are in the users' part of the desired state.
        if !self.group_spokes[g].is_empty()
            && self.hub_role_arns[g].is_some()
            && let Some(hub_account) = model.hub_account_of(&model.groups[g])
        {
            let name = self.hub_role_name(g);
            let max_session_duration = self.group_spokes[g]
                .iter()
                .map(|&(_, s)| model.permission_sets[s].session_duration)
                .max()
                .unwrap_or(defaults::MIN_SESSION_SECONDS);
            let role_arn = self.hub_role_arn(g);
            role_values.push(self.role_value(hub_account, role_arn.clone(), &name));
            hub_hop = Some(Hop::Saml {
                role_arn,
                provider_arn: self.provider_arns[hub_account].clone(),
                max_session_duration,
            });
        }
        let mut keys: Vec<(RoleKey, bool)> = self.group_direct[g]
            .iter()
            .map(|&k| (k, true))
            .chain(self.group_spokes[g].iter().map(|&k| (k, false)))
            .collect();
        keys.sort();
        for ((account, set), direct) in keys {
            let permission_set = &model.permission_sets[set];
            let role_name = &self.set_role_names[set];
            if direct {
                role_values.push(self.role_value(
                    account,
                    self.role_arn(account, role_name),
                    role_name,
                ));
            }
            if !self.group_targets {
                continue;
            }
            let role_arn = self.role_arn(account, role_name);
            let (hops, max_session_duration) = if direct {
                (
                    vec![Hop::Saml {
                        role_arn,
                        provider_arn: self.provider_arns[account].clone(),
                        max_session_duration: permission_set.session_duration,
                    }],
                    permission_set.session_duration,
                )
            } else {
                let Some(hub) = hub_hop.clone() else { continue };
                let chained = permission_set
                    .session_duration
                    .min(defaults::CHAINED_SESSION_SECONDS);
                (
                    vec![
                        hub,
                        Hop::AssumeRole {
                            role_arn,
                            max_session_duration: chained,
                        },
                    ],
                    chained,
                )
            };
            targets.push(Target {
                account_name: model.accounts[account].name.clone(),
                account_id: model.accounts[account].id.clone(),
                permission_set: permission_set.name.clone(),
                hops,
                max_session_duration,
            });
        }
        role_values.sort();
        role_values.dedup();
        GroupMapping {
            group: model.groups[g].name.clone(),
            role_values,
            targets,
        }
    }

    fn role_value(&self, account: AccountIndex, role_arn: String, role_name: &str) -> RoleValue {
        let model = self.model;
        RoleValue {
            role_arn,
            provider_arn: self.provider_arns[account].clone(),
            account_name: model.accounts[account].name.clone(),
            account_id: model.accounts[account].id.clone(),
            role_name: role_name.to_owned(),
        }
    }
}
