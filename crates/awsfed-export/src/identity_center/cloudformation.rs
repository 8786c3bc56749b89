//! `identity-center.template.json`: one `AWS::SSO::PermissionSet` per permission set and one
//! `AWS::SSO::Assignment` per (group, permission set, account). CloudFormation provisions a
//! permission set to the accounts that hold it when it changes ("AWS::SSO::PermissionSet",
//! CloudFormation User Guide), so no separate provisioning step is needed.

use serde_json::{Map, Value, json};

use super::{assignment_key, assignment_names, group_names, permission_set_names};
use crate::names::logical_id;
use awsfed_compile::{DesiredIdentityCenter, DesiredPermissionSet, PermissionsBoundary};

/// CloudFormation's resources per template ("CloudFormation quotas").
const MAX_RESOURCES: usize = 500;
const INSTANCE_PARAMETER: &str = "InstanceArn";

/// The template, and a note when it passes CloudFormation's resource quota.
pub(crate) fn template(identity_center: &DesiredIdentityCenter) -> (String, Vec<String>) {
    let group_ids = group_names(identity_center, |g| logical_id("GroupId", g), "");
    let set_ids = permission_set_names(identity_center, |s| logical_id("PermissionSet", s), "");
    let mut parameters = Map::new();
    let mut instance = json!({
        "Type": "String",
        "Description": "ARN of the IAM Identity Center instance",
        "AllowedPattern": "arn:aws[a-z-]*:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}"
    });
    if let Some(arn) = &identity_center.instance_arn {
        instance["Default"] = json!(arn);
    }
    parameters.insert(INSTANCE_PARAMETER.into(), instance);
    for (group, id) in &group_ids {
        parameters.insert(
            id.clone(),
            json!({
                "Type": "String",
                "Description": format!("Identity store GroupId of the directory group `{group}` (aws identitystore get-group-id)"),
                "MinLength": 1,
                "MaxLength": 47
            }),
        );
    }
    let mut resources = Map::new();
    for set in &identity_center.permission_sets {
        resources.insert(set_ids[&set.name].clone(), permission_set(set));
    }
    let assignment_ids = assignment_names(
        identity_center,
        |a| {
            let joined = format!("{} {} {}", a.group, a.permission_set, a.account_name);
            logical_id("Assignment", &joined).0
        },
        "",
    );
    for a in &identity_center.assignments {
        resources.insert(
            assignment_ids[&assignment_key(a)].clone(),
            json!({
                "Type": "AWS::SSO::Assignment",
                "Properties": {
                    "InstanceArn": { "Ref": INSTANCE_PARAMETER },
                    "PermissionSetArn": { "Fn::GetAtt": [set_ids[&a.permission_set], "PermissionSetArn"] },
                    "PrincipalId": { "Ref": group_ids[&a.group] },
                    "PrincipalType": "GROUP",
                    "TargetId": a.account_id,
                    "TargetType": "AWS_ACCOUNT"
                }
            }),
        );
    }
    let mut notes = vec![format!(
        "identity-center.template.json: deploy it in the management account (or Identity Center's delegated administrator account){}; give each GroupId parameter the group's id from the identity store (`aws identitystore get-group-id --identity-store-id {} --alternate-identifier ...`).",
        identity_center
            .region
            .as_deref()
            .map_or(String::new(), |r| format!(" in {r}")),
        identity_center.identity_store_id.as_deref().unwrap_or("ID")
    )];
    if resources.len() > MAX_RESOURCES {
        notes.push(format!(
            "identity-center.template.json has {} resources; a CloudFormation stack holds at most {MAX_RESOURCES}. Deploy Identity Center with `awsfed apply` or the Terraform export instead.",
            resources.len()
        ));
    }
    let template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "awsfed: IAM Identity Center permission sets and account assignments. Generated from the model; change the model and export again instead of editing.",
        "Parameters": parameters,
        "Resources": resources
    });
    (crate::pretty_json(&template), notes)
}

fn permission_set(set: &DesiredPermissionSet) -> Value {
    let mut properties = Map::new();
    properties.insert("InstanceArn".into(), json!({ "Ref": INSTANCE_PARAMETER }));
    properties.insert("Name".into(), json!(set.name));
    properties.insert("Description".into(), json!(set.description_to_write()));
    properties.insert("SessionDuration".into(), json!(set.session_duration));
    if let Some(relay) = &set.relay_state {
        properties.insert("RelayStateType".into(), json!(relay));
    }
    if !set.managed_policies.is_empty() {
        properties.insert("ManagedPolicies".into(), json!(set.managed_policies));
    }
    if !set.customer_managed_policies.is_empty() {
        let references: Vec<Value> = set
            .customer_managed_policies
            .iter()
            .map(|p| json!({ "Name": p.name, "Path": p.path }))
            .collect();
        properties.insert("CustomerManagedPolicyReferences".into(), json!(references));
    }
    if let Some(policy) = &set.inline_policy {
        properties.insert("InlinePolicy".into(), json!(policy));
    }
    if let Some(boundary) = &set.permissions_boundary {
        let value = match boundary {
            PermissionsBoundary::ManagedPolicyArn(arn) => json!({ "ManagedPolicyArn": arn }),
            PermissionsBoundary::CustomerManagedPolicy(p) => {
                json!({ "CustomerManagedPolicyReference": { "Name": p.name, "Path": p.path } })
            }
        };
        properties.insert("PermissionsBoundary".into(), value);
    }
    let tags: Vec<Value> = set
        .tags
        .iter()
        .map(|(k, v)| json!({ "Key": k, "Value": v }))
        .collect();
    properties.insert("Tags".into(), json!(tags));
    json!({ "Type": "AWS::SSO::PermissionSet", "Properties": properties })
}
