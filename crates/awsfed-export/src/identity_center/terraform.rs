//! `identity-center.tf.json`: the permission sets with their policy attachments and the account
//! assignments as `aws_ssoadmin_*` resources, through a provider aliased `identity_center` in the
//! instance's region, run with the management (or delegated administrator) account's credentials.
//! Directory groups are looked up by display name (`aws_identitystore_group` data sources) or, with
//! `groups: create`, created.

use awsfed_model::GroupSource;
use serde_json::{Map, Value, json};

use super::{assignment_key, assignment_names, group_names, permission_set_names};
use crate::names::{NameRequest, allocate, terraform_identifier};
use awsfed_compile::{DesiredIdentityCenter, PermissionsBoundary, PolicyReference};
use std::collections::BTreeMap;

const PROVIDER: &str = "aws.identity_center";

/// A literal string for a place that reads string templates (`${` and `%{` escaped).
fn literal(text: &str) -> String {
    text.replace("${", "$${").replace("%{", "%%{")
}

pub(crate) fn module(identity_center: &DesiredIdentityCenter) -> Value {
    let groups = group_names(identity_center, terraform_identifier, "_");
    let sets = permission_set_names(identity_center, terraform_identifier, "_");
    let mut variables = Map::new();
    let mut variable = |name: &str, default: Option<&String>, description: &str| {
        let mut v = json!({ "type": "string", "description": description });
        if let Some(default) = default {
            v["default"] = json!(default);
        }
        variables.insert(name.to_owned(), v);
    };
    variable(
        "identity_center_region",
        identity_center.region.as_ref(),
        "Region of the IAM Identity Center instance.",
    );
    variable(
        "identity_center_instance_arn",
        identity_center.instance_arn.as_ref(),
        "ARN of the IAM Identity Center instance.",
    );
    variable(
        "identity_store_id",
        identity_center.identity_store_id.as_ref(),
        "Id of the instance's identity store.",
    );
    let instance = "${var.identity_center_instance_arn}";
    let mut resources: Map<String, Value> = Map::new();
    let mut add = |kind: &str, name: &str, body: Value| {
        resources
            .entry(kind.to_owned())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("an object")
            .insert(name.to_owned(), body);
    };
    let mut data = Map::new();
    let mut group_ids = Map::new();
    for (group, id) in &groups {
        match identity_center.groups {
            GroupSource::Lookup => {
                data.insert(
                    id.clone(),
                    json!({
                        "provider": PROVIDER,
                        "identity_store_id": "${var.identity_store_id}",
                        "alternate_identifier": { "unique_attribute": {
                            "attribute_path": "DisplayName",
                            "attribute_value": literal(group)
                        } }
                    }),
                );
                group_ids.insert(
                    group.clone(),
                    json!(format!("${{data.aws_identitystore_group.{id}.group_id}}")),
                );
            }
            GroupSource::Create => {
                add(
                    "aws_identitystore_group",
                    id,
                    json!({
                        "provider": PROVIDER,
                        "identity_store_id": "${var.identity_store_id}",
                        "display_name": literal(group)
                    }),
                );
                group_ids.insert(
                    group.clone(),
                    json!(format!("${{aws_identitystore_group.{id}.group_id}}")),
                );
            }
        }
    }
    let attachments = attachment_names(identity_center, &sets);
    for set in &identity_center.permission_sets {
        let id = &sets[&set.name];
        let arn = format!("${{aws_ssoadmin_permission_set.{id}.arn}}");
        let mut body = json!({
            "provider": PROVIDER,
            "instance_arn": instance,
            "name": literal(&set.name),
            "description": literal(&set.description),
            "session_duration": set.session_duration,
            "tags": set.tags.iter().map(|(k, v)| (literal(k), json!(literal(v)))).collect::<Map<_, _>>()
        });
        if let Some(relay) = &set.relay_state {
            body["relay_state"] = json!(literal(relay));
        }
        add("aws_ssoadmin_permission_set", id, body);
        for policy in &set.managed_policies {
            add(
                "aws_ssoadmin_managed_policy_attachment",
                &attachments[&managed_key(&set.name, policy)],
                json!({
                    "provider": PROVIDER,
                    "instance_arn": instance,
                    "permission_set_arn": arn,
                    "managed_policy_arn": literal(policy)
                }),
            );
        }
        for policy in &set.customer_managed_policies {
            add(
                "aws_ssoadmin_customer_managed_policy_attachment",
                &attachments[&customer_managed_key(&set.name, policy)],
                json!({
                    "provider": PROVIDER,
                    "instance_arn": instance,
                    "permission_set_arn": arn,
                    "customer_managed_policy_reference": { "name": literal(&policy.name), "path": literal(&policy.path) }
                }),
            );
        }
        if let Some(policy) = &set.inline_policy {
            let text = serde_json::to_string(policy).expect("a policy always serialises");
            add(
                "aws_ssoadmin_permission_set_inline_policy",
                id,
                json!({
                    "provider": PROVIDER,
                    "instance_arn": instance,
                    "permission_set_arn": arn,
                    "inline_policy": literal(&text)
                }),
            );
        }
        if let Some(boundary) = &set.permissions_boundary {
            let boundary = match boundary {
                PermissionsBoundary::ManagedPolicyArn(a) => {
                    json!({ "managed_policy_arn": literal(a) })
                }
                PermissionsBoundary::CustomerManagedPolicy(p) => json!({
                    "customer_managed_policy_reference": { "name": literal(&p.name), "path": literal(&p.path) }
                }),
            };
            add(
                "aws_ssoadmin_permissions_boundary_attachment",
                id,
                json!({
                    "provider": PROVIDER,
                    "instance_arn": instance,
                    "permission_set_arn": arn,
                    "permissions_boundary": boundary
                }),
            );
        }
    }
    let assignment_names = assignment_names(
        identity_center,
        |a| {
            let joined = format!("{}_{}_{}", a.group, a.permission_set, a.account_name);
            terraform_identifier(&joined).0
        },
        "_",
    );
    for a in &identity_center.assignments {
        add(
            "aws_ssoadmin_account_assignment",
            &assignment_names[&assignment_key(a)],
            json!({
                "provider": PROVIDER,
                "instance_arn": instance,
                "permission_set_arn": format!("${{aws_ssoadmin_permission_set.{}.arn}}", sets[&a.permission_set]),
                "principal_id": group_ids[&a.group],
                "principal_type": "GROUP",
                "target_id": a.account_id,
                "target_type": "AWS_ACCOUNT"
            }),
        );
    }
    let mut module = json!({
        "//": "Generated by awsfed from the model: change the model and export again instead of editing. IAM Identity Center permission sets and account assignments; run with the management (or delegated administrator) account's credentials.",
        "variable": variables,
        "provider": { "aws": [{ "alias": "identity_center", "region": "${var.identity_center_region}" }] },
        "resource": resources
    });
    if !data.is_empty() {
        module["data"] = json!({ "aws_identitystore_group": data });
    }
    module
}

fn managed_key(set: &str, arn: &str) -> String {
    format!("managed\u{0}{set}\u{0}{arn}")
}

fn customer_managed_key(set: &str, policy: &PolicyReference) -> String {
    format!("customer\u{0}{set}\u{0}{}{}", policy.path, policy.name)
}

/// One unique resource name per policy attachment, `<set>_<policy name>`: two policies of one
/// name (an AWS managed one under a job-function path, or customer managed ones under two paths)
/// or a set and policy name that join the same way must not overwrite each other.
fn attachment_names(
    identity_center: &DesiredIdentityCenter,
    sets: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut requests = Vec::new();
    for set in &identity_center.permission_sets {
        let id = &sets[&set.name];
        for arn in &set.managed_policies {
            let short = arn.rsplit('/').next().unwrap_or(arn);
            let (base, clean) = terraform_identifier(&format!("{id}_{short}"));
            requests.push(NameRequest::new(managed_key(&set.name, arn), (base, clean)));
        }
        for policy in &set.customer_managed_policies {
            let (base, clean) = terraform_identifier(&format!("{id}_{}", policy.name));
            requests.push(NameRequest::new(
                customer_managed_key(&set.name, policy),
                (base, clean),
            ));
        }
    }
    allocate(requests, "_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use awsfed_compile::{DesiredAssignment, DesiredPermissionSet};

    fn set(name: &str, managed: &[&str], customer: &[(&str, &str)]) -> DesiredPermissionSet {
        DesiredPermissionSet {
            name: name.to_owned(),
            description: format!("awsfed permission set {name}"),
            session_duration: "PT1H".to_owned(),
            session_seconds: 3600,
            relay_state: None,
            managed_policies: managed.iter().map(|p| (*p).to_owned()).collect(),
            customer_managed_policies: customer
                .iter()
                .map(|(path, name)| PolicyReference {
                    path: (*path).to_owned(),
                    name: (*name).to_owned(),
                })
                .collect(),
            inline_policy: None,
            permissions_boundary: None,
            tags: BTreeMap::new(),
        }
    }

    /// Policies that end in the same name, and a set and policy name that join the same way, each
    /// get their own attachment resource.
    #[test]
    fn attachments_of_one_name_do_not_overwrite_each_other() {
        let identity_center = DesiredIdentityCenter {
            instance_arn: None,
            identity_store_id: None,
            region: Some("eu-west-1".to_owned()),
            start_url: None,
            groups: GroupSource::Lookup,
            permission_sets: vec![
                set(
                    "A",
                    &[
                        "arn:aws:iam::aws:policy/ViewOnlyAccess",
                        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
                        "arn:aws:iam::aws:policy/b_c",
                    ],
                    &[("/one/", "Deny"), ("/two/", "Deny")],
                ),
                set("A_b", &["arn:aws:iam::aws:policy/c"], &[]),
            ],
            assignments: vec![DesiredAssignment {
                group: "g".to_owned(),
                permission_set: "A".to_owned(),
                account_name: "a".to_owned(),
                account_id: "111111111111".to_owned(),
            }],
        };
        let module = module(&identity_center);
        let count = |kind: &str| module["resource"][kind].as_object().map_or(0, |o| o.len());
        assert_eq!(count("aws_ssoadmin_managed_policy_attachment"), 4);
        assert_eq!(count("aws_ssoadmin_customer_managed_policy_attachment"), 2);
    }
}
