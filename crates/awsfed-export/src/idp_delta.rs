//! What the IdP must change when a migration switches: the difference between the IdP side of two
//! desired states, in the formats `awsfed export idp` writes (Role attribute values, Okta groups and
//! their members, Entra ID app roles and assignments). It is computed from the two exports
//! themselves, so it names exactly what the files of each say.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::{Export, RoleValueOrder, idp};
use awsfed_compile::DesiredState;

/// The IdP side's changes, per directory group and per object to create or delete.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IdpDelta {
    /// Sorted by group; groups without changes left out.
    pub groups: Vec<GroupDelta>,
    /// Okta groups (`aws#ACCOUNT#ROLE#ID`) to create, and those no directory group needs any more.
    pub okta_groups_to_create: Vec<String>,
    pub okta_groups_to_delete: Vec<String>,
    /// Entra ID app roles (as entra-app-roles.json writes them) to add to the app registration,
    /// and the values of those to disable and remove.
    pub entra_app_roles_to_add: Vec<Value>,
    pub entra_app_roles_to_remove: Vec<String>,
    /// Set when okta.json's Group Filter or Role Value Pattern differs between the two.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub okta_settings: Option<OktaSettings>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OktaSettings {
    pub group_filter: String,
    pub role_value_pattern: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GroupDelta {
    pub group: String,
    /// Values of `https://aws.amazon.com/SAML/Attributes/Role`.
    pub add_role_values: Vec<String>,
    pub remove_role_values: Vec<String>,
    pub add_okta_groups: Vec<String>,
    pub remove_okta_groups: Vec<String>,
    /// Entra ID app role values to assign to the group, and to unassign.
    pub add_app_roles: Vec<String>,
    pub remove_app_roles: Vec<String>,
}

impl IdpDelta {
    /// Role values added plus removed: the IdP changes the switch makes.
    pub fn change_count(&self) -> usize {
        self.groups
            .iter()
            .map(|g| g.add_role_values.len() + g.remove_role_values.len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The same delta, the other way (a rollback after the switch).
    pub fn reversed(&self) -> IdpDelta {
        IdpDelta {
            groups: self
                .groups
                .iter()
                .map(|g| GroupDelta {
                    group: g.group.clone(),
                    add_role_values: g.remove_role_values.clone(),
                    remove_role_values: g.add_role_values.clone(),
                    add_okta_groups: g.remove_okta_groups.clone(),
                    remove_okta_groups: g.add_okta_groups.clone(),
                    add_app_roles: g.remove_app_roles.clone(),
                    remove_app_roles: g.add_app_roles.clone(),
                })
                .collect(),
            okta_groups_to_create: self.okta_groups_to_delete.clone(),
            okta_groups_to_delete: self.okta_groups_to_create.clone(),
            entra_app_roles_to_add: Vec::new(),
            entra_app_roles_to_remove: self
                .entra_app_roles_to_add
                .iter()
                .filter_map(|r| r["value"].as_str().map(str::to_owned))
                .collect(),
            okta_settings: None,
        }
    }
}

fn file(export: &Export, path: &str) -> Value {
    export
        .files
        .iter()
        .find(|f| f.path == path)
        .and_then(|f| serde_json::from_str(&f.contents).ok())
        .unwrap_or(Value::Null)
}

/// Group → strings, from a list of objects with a group key and a list of values.
fn per_group(
    doc: &Value,
    list: &str,
    group_key: &str,
    values_key: &str,
    value: impl Fn(&Value) -> Option<String>,
) -> PerGroup {
    doc[list]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| {
            let name = g[group_key].as_str()?.to_owned();
            let values = g[values_key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(&value)
                .collect();
            Some((name, values))
        })
        .collect()
}

fn added_removed(
    before: Option<&BTreeSet<String>>,
    after: Option<&BTreeSet<String>>,
) -> (Vec<String>, Vec<String>) {
    let empty = BTreeSet::new();
    let before = before.unwrap_or(&empty);
    let after = after.unwrap_or(&empty);
    (
        after.difference(before).cloned().collect(),
        before.difference(after).cloned().collect(),
    )
}

/// Each directory group's values in one IdP file.
type PerGroup = std::collections::BTreeMap<String, BTreeSet<String>>;

/// Each group's values in the three IdP files: Role attribute values, Okta groups, Entra app roles.
struct GroupValues {
    role_values: PerGroup,
    okta_groups: PerGroup,
    app_roles: PerGroup,
}

fn app_role(v: &Value) -> Option<String> {
    v["value"].as_str().map(str::to_owned)
}

impl GroupValues {
    fn of(export: &Export) -> Self {
        let string = |v: &Value| v.as_str().map(str::to_owned);
        let attribute = |v: &Value| v["attribute_value"].as_str().map(str::to_owned);
        Self {
            role_values: per_group(
                &file(export, "idp.json"),
                "groups",
                "group",
                "role_values",
                attribute,
            ),
            okta_groups: per_group(
                &file(export, "okta.json"),
                "assignments",
                "directory_group",
                "okta_groups",
                string,
            ),
            app_roles: per_group(
                &file(export, "entra-assignments.json"),
                "assignments",
                "directory_group",
                "app_roles",
                app_role,
            ),
        }
    }
}

/// What the IdP changes to go from the IdP side of `old` to that of `new`.
pub fn idp_delta(old: &DesiredState, new: &DesiredState, order: RoleValueOrder) -> IdpDelta {
    let (before, after) = (idp(old, order), idp(new, order));
    let (values_before, values_after) = (GroupValues::of(&before), GroupValues::of(&after));
    let all = |m: &PerGroup| -> BTreeSet<String> { m.values().flatten().cloned().collect() };
    let (okta_create, okta_delete) = added_removed(
        Some(&all(&values_before.okta_groups)),
        Some(&all(&values_after.okta_groups)),
    );
    let roles = |e: &Export| -> Vec<Value> {
        file(e, "entra-app-roles.json")["appRoles"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let before_roles: BTreeSet<String> = roles(&before).iter().filter_map(app_role).collect();
    let after_roles = roles(&after);
    let after_values: BTreeSet<String> = after_roles.iter().filter_map(app_role).collect();
    IdpDelta {
        groups: group_deltas(&values_before, &values_after),
        okta_groups_to_create: okta_create,
        okta_groups_to_delete: okta_delete,
        entra_app_roles_to_add: after_roles
            .into_iter()
            .filter(|r| app_role(r).is_some_and(|v| !before_roles.contains(&v)))
            .collect(),
        entra_app_roles_to_remove: before_roles.difference(&after_values).cloned().collect(),
        okta_settings: okta_settings(&file(&before, "okta.json"), &file(&after, "okta.json")),
    }
}

/// Each group's changes, sorted by group; groups without changes left out.
fn group_deltas(before: &GroupValues, after: &GroupValues) -> Vec<GroupDelta> {
    let names: BTreeSet<&String> = before
        .role_values
        .keys()
        .chain(after.role_values.keys())
        .collect();
    names
        .into_iter()
        .map(|name| {
            let (add_role_values, remove_role_values) =
                added_removed(before.role_values.get(name), after.role_values.get(name));
            let (add_okta_groups, remove_okta_groups) =
                added_removed(before.okta_groups.get(name), after.okta_groups.get(name));
            let (add_app_roles, remove_app_roles) =
                added_removed(before.app_roles.get(name), after.app_roles.get(name));
            GroupDelta {
                group: name.clone(),
                add_role_values,
                remove_role_values,
                add_okta_groups,
                remove_okta_groups,
                add_app_roles,
                remove_app_roles,
            }
        })
        .filter(|g| {
            g != &GroupDelta {
                group: g.group.clone(),
                ..GroupDelta::default()
            }
        })
        .collect()
}

/// Okta's group filter and role value pattern, when they change.
fn okta_settings(okta_old: &Value, okta_new: &Value) -> Option<OktaSettings> {
    let settings = |doc: &Value| {
        (
            doc["group_filter"].clone(),
            doc["role_value_pattern"].clone(),
        )
    };
    (settings(okta_old) != settings(okta_new)).then(|| OktaSettings {
        group_filter: okta_new["group_filter"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        role_value_pattern: okta_new["role_value_pattern"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    })
}
