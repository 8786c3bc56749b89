//! CloudFormation: one template per account, holding everything awsfed owns there: the SAML
//! provider, the hub roles and their managed policies, and the spoke and direct roles.
//!
//! Within a template, references between resources are written as `Ref` / `Fn::GetAtt` rather than
//! literal ARNs, so CloudFormation creates what a trust or an attachment names first (IAM rejects a
//! trust policy naming a principal that does not exist yet, "IAM JSON policy elements: Principal",
//! IAM User Guide): a role trusting the account's SAML provider refers to it with `Ref` (which
//! returns the provider's ARN, `AWS::IAM::SAMLProvider` return values), a spoke role in a hub account
//! refers to the hub roles there with `Fn::GetAtt Arn`, and a hub role attaches its assume policies
//! with `Ref` (the ARN, `AWS::IAM::ManagedPolicy`). Permission policies keep literal ARNs: a hub
//! policy names spoke roles that trust the hub role, so a reference there would be a cycle, and a
//! policy may name a role that does not exist yet.

use std::collections::BTreeMap;

use awsfed_model::Model;
use awsfed_policy::PolicyDocument;
use serde_json::{Map, Value, json};

use super::names::{NameRequest, allocate, file_stem, logical_id};
use super::{Export, pretty_json};
use crate::desired::{DesiredAccount, DesiredPolicy, DesiredRole, DesiredState, RoleKind};

/// The logical id of the SAML provider; one per template.
pub(super) const PROVIDER_ID: &str = "SamlProvider";
/// The template parameter that carries the metadata when the model names no metadata file.
pub(super) const METADATA_PARAMETER: &str = "SamlMetadataDocument";

/// One template per account that has anything awsfed owns, `<account>.template.json`.
pub fn cloudformation(desired: &DesiredState, model: &Model) -> Export {
    let metadata = metadata_document(model);
    let stems = account_file_stems(desired.accounts.iter().map(|a| a.name.as_str()));
    let mut export = Export::default();
    let mut skipped = Vec::new();
    for account in &desired.accounts {
        if is_empty(account) {
            skipped.push(account.name.as_str());
            continue;
        }
        let path = format!("{}.template.json", stems[&account.name]);
        let template = account_template(desired, account, metadata);
        if let Some(note) = template_size_note(&path, &template) {
            export.notes.push(note);
        }
        export.push_json(path, &template);
    }
    export
        .notes
        .extend(deployment_notes(desired, metadata.is_some()));
    if !skipped.is_empty() {
        export.notes.push(format!(
            "No template for {}: awsfed owns nothing there (no grant reaches the account).",
            skipped.join(", ")
        ));
    }
    export.finish()
}

/// The SAML metadata XML of the model, when it names a metadata file.
pub(super) fn metadata_document(model: &Model) -> Option<&str> {
    model
        .identity_provider
        .metadata
        .as_ref()
        .map(|m| m.document.as_str())
}

pub(super) fn is_empty(account: &DesiredAccount) -> bool {
    account.saml_provider.is_none() && account.roles.is_empty() && account.policies.is_empty()
}

/// Account name → file stem, unique across the accounts.
pub(super) fn account_file_stems<'a>(
    names: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, String> {
    allocate(
        names.map(|n| NameRequest::new(n, file_stem(n))).collect(),
        "-",
    )
}

/// Everything awsfed owns in one account, as one template.
pub(super) fn account_template(
    desired: &DesiredState,
    account: &DesiredAccount,
    metadata: Option<&str>,
) -> Value {
    let role_ids = allocate(
        account
            .roles
            .iter()
            .map(|r| NameRequest::new(&r.name, logical_id("Role", &r.name)))
            .collect(),
        "",
    );
    let policy_ids = allocate(
        account
            .policies
            .iter()
            .map(|p| NameRequest::new(&p.name, logical_id("Policy", &p.name)))
            .collect(),
        "",
    );

    // ARN → the intrinsic function that returns it, for what this template creates.
    let mut refs = Refs::new();
    if let Some(provider) = &account.saml_provider {
        refs.insert(provider.arn.clone(), json!({ "Ref": PROVIDER_ID }));
    }
    for role in &account.roles {
        if matches!(role.kind, RoleKind::Hub { .. }) {
            refs.insert(
                role.arn.clone(),
                json!({ "Fn::GetAtt": [role_ids[&role.name], "Arn"] }),
            );
        }
    }
    for policy in &account.policies {
        refs.insert(
            policy.arn.clone(),
            json!({ "Ref": policy_ids[&policy.name] }),
        );
    }

    let mut template = Template::new(account_description(desired, account));
    if let Some(provider) = &account.saml_provider {
        template.add_provider(&provider.name, metadata);
    }
    for policy in &account.policies {
        template.resource(&policy_ids[&policy.name], policy_resource(policy));
    }
    for role in &account.roles {
        // A role never names itself; skipping its own entry keeps a reference cycle impossible.
        let mut own = refs.clone();
        own.remove(&role.arn);
        template.resource(&role_ids[&role.name], role_resource(role, &own));
    }
    template.into_value()
}

fn account_description(desired: &DesiredState, account: &DesiredAccount) -> String {
    let mut parts = Vec::new();
    if account.saml_provider.is_some() {
        parts.push(format!("SAML provider {}", desired.provider_name));
    }
    let hub = account
        .roles
        .iter()
        .filter(|r| matches!(r.kind, RoleKind::Hub { .. }))
        .count();
    let spoke = account
        .roles
        .iter()
        .filter(|r| matches!(r.kind, RoleKind::Spoke { .. }))
        .count();
    let direct = account.roles.len() - hub - spoke;
    for (count, what) in [(hub, "hub"), (spoke, "spoke"), (direct, "direct")] {
        if count > 0 {
            parts.push(format!(
                "{count} {what} role{}",
                if count == 1 { "" } else { "s" }
            ));
        }
    }
    format!(
        "awsfed: SAML federation of account {} ({}, {}): {}. Generated from the awsfed model; change the model and export again instead of editing this file.",
        account.name,
        account.id,
        account.topology.as_str(),
        parts.join(", ")
    )
}

/// A template being built: resources keep the order they are added in.
pub(super) struct Template {
    description: String,
    parameters: Map<String, Value>,
    resources: Map<String, Value>,
}

impl Template {
    /// CloudFormation limits a template description to 1,024 bytes.
    pub(super) fn new(mut description: String) -> Self {
        if description.len() > 1_024 {
            let mut end = 1_021;
            while !description.is_char_boundary(end) {
                end -= 1;
            }
            description.truncate(end);
            description.push_str("...");
        }
        Self {
            description,
            parameters: Map::new(),
            resources: Map::new(),
        }
    }

    pub(super) fn resource(&mut self, id: &str, resource: Value) {
        self.resources.insert(id.to_owned(), resource);
    }

    /// The SAML provider, with the metadata inline, or taken from a parameter when the model has
    /// none.
    pub(super) fn add_provider(&mut self, name: &str, metadata: Option<&str>) {
        let document = match metadata {
            Some(xml) => json!(xml),
            None => {
                self.parameters.insert(
                    METADATA_PARAMETER.to_owned(),
                    json!({
                        "Type": "String",
                        "Description": "SAML metadata XML of the identity provider (the model names no metadata file).",
                        // IAM's minimum for SAMLMetadataDocument: catches an empty value early.
                        "MinLength": 1000
                    }),
                );
                json!({ "Ref": METADATA_PARAMETER })
            }
        };
        self.resource(
            PROVIDER_ID,
            json!({
                "Type": "AWS::IAM::SAMLProvider",
                "Properties": { "Name": name, "SamlMetadataDocument": document }
            }),
        );
    }

    pub(super) fn into_value(self) -> Value {
        let mut template = Map::new();
        template.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        template.insert("Description".into(), json!(self.description));
        if !self.parameters.is_empty() {
            template.insert("Parameters".into(), Value::Object(self.parameters));
        }
        template.insert("Resources".into(), Value::Object(self.resources));
        Value::Object(template)
    }
}

/// A template passed directly may be 51,200 bytes; a larger one must be uploaded to S3 first
/// ("CloudFormation quotas").
pub(super) fn template_size_note(path: &str, template: &Value) -> Option<String> {
    let size = pretty_json(template).len();
    (size > 51_200).then(|| {
        format!(
            "{path} is {size} bytes, more than the 51,200 bytes CloudFormation accepts in a request: upload it to S3 and deploy it by URL (up to 1 MB)."
        )
    })
}

/// ARN → `Ref` / `Fn::GetAtt` that returns it.
pub(super) type Refs = BTreeMap<String, Value>;

/// `AWS::IAM::Role`. Trust principals and managed policy ARNs found in `refs` become references.
pub(super) fn role_resource(role: &DesiredRole, refs: &Refs) -> Value {
    let mut properties = Map::new();
    properties.insert("RoleName".into(), json!(role.name));
    properties.insert("Path".into(), json!(role.path));
    if !role.description.is_empty() {
        properties.insert("Description".into(), json!(role.description));
    }
    properties.insert(
        "AssumeRolePolicyDocument".into(),
        trust_with_refs(&role.trust_policy, refs),
    );
    properties.insert(
        "MaxSessionDuration".into(),
        json!(role.max_session_duration),
    );
    if !role.managed_policy_arns.is_empty() {
        let arns: Vec<Value> = role
            .managed_policy_arns
            .iter()
            .map(|arn| refs.get(arn).cloned().unwrap_or_else(|| json!(arn)))
            .collect();
        properties.insert("ManagedPolicyArns".into(), Value::Array(arns));
    }
    if !role.inline_policies.is_empty() {
        let policies: Vec<Value> = role
            .inline_policies
            .iter()
            .map(|(name, document)| {
                json!({ "PolicyName": name, "PolicyDocument": document_value(document) })
            })
            .collect();
        properties.insert("Policies".into(), Value::Array(policies));
    }
    if let Some(boundary) = &role.permissions_boundary {
        properties.insert("PermissionsBoundary".into(), json!(boundary));
    }
    if !role.tags.is_empty() {
        properties.insert("Tags".into(), tags(&role.tags));
    }
    json!({ "Type": "AWS::IAM::Role", "Properties": properties })
}

/// `AWS::IAM::ManagedPolicy` (it takes no tags in CloudFormation; awsfed knows its policies by
/// path and name).
pub(super) fn policy_resource(policy: &DesiredPolicy) -> Value {
    let mut properties = Map::new();
    properties.insert("ManagedPolicyName".into(), json!(policy.name));
    properties.insert("Path".into(), json!(policy.path));
    if !policy.description.is_empty() {
        properties.insert("Description".into(), json!(policy.description));
    }
    properties.insert("PolicyDocument".into(), document_value(&policy.document));
    json!({ "Type": "AWS::IAM::ManagedPolicy", "Properties": properties })
}

pub(super) fn document_value(document: &PolicyDocument) -> Value {
    serde_json::to_value(document).expect("a policy document always serialises")
}

fn trust_with_refs(document: &PolicyDocument, refs: &Refs) -> Value {
    let mut value = document_value(document);
    if refs.is_empty() {
        return value;
    }
    if let Some(statements) = value.get_mut("Statement").and_then(Value::as_array_mut) {
        for statement in statements {
            if let Some(Value::Object(principal)) = statement.get_mut("Principal") {
                for principals in principal.values_mut() {
                    match principals {
                        Value::Array(items) => items.iter_mut().for_each(|v| replace(v, refs)),
                        other => replace(other, refs),
                    }
                }
            }
        }
    }
    value
}

fn replace(value: &mut Value, refs: &Refs) {
    if let Some(reference) = value.as_str().and_then(|s| refs.get(s)) {
        *value = reference.clone();
    }
}

/// CloudFormation's tag list form.
pub(super) fn tags(tags: &BTreeMap<String, String>) -> Value {
    Value::Array(
        tags.iter()
            .map(|(key, value)| json!({ "Key": key, "Value": value }))
            .collect(),
    )
}

fn deployment_notes(desired: &DesiredState, has_metadata: bool) -> Vec<String> {
    let mut notes = vec![
        "Each template creates named IAM resources: deploy it with the CAPABILITY_NAMED_IAM capability, as a stack in the account it names.".to_owned(),
    ];
    // Accounts whose stacks must come first: hub accounts other accounts' spoke trusts name.
    let hub_accounts: Vec<&str> = desired
        .accounts
        .iter()
        .filter(|a| {
            a.roles
                .iter()
                .any(|r| matches!(r.kind, RoleKind::Hub { .. }))
        })
        .map(|a| a.name.as_str())
        .collect();
    let has_spokes = desired.accounts.iter().any(|a| {
        a.roles
            .iter()
            .any(|r| matches!(r.kind, RoleKind::Spoke { .. }))
    });
    if !hub_accounts.is_empty() && has_spokes {
        notes.push(format!(
            "Deploy the stack of the hub account{} {} first: spoke roles trust the hub roles by ARN, and IAM rejects a trust policy naming a role that does not exist yet. Never delete and recreate a hub role: spoke trusts keep the old role's unique id and stop working until they are saved again.",
            if hub_accounts.len() == 1 { "" } else { "s" },
            hub_accounts.join(", ")
        ));
    }
    if desired.accounts.iter().any(|a| a.saml_provider.is_some()) {
        notes.push(format!(
            "A stack fails if the account already has a SAML provider named {}: import the existing provider into the stack (resource import) or delete it first.",
            desired.provider_name
        ));
        if !has_metadata {
            notes.push(format!(
                "The model names no SAML metadata file, so each template with a SAML provider takes the metadata XML as the parameter {METADATA_PARAMETER}. CloudFormation limits a parameter value to 4,096 bytes; if your metadata is larger, add `metadata_file` to the model and export again to have it inlined."
            ));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::fixture;

    #[test]
    fn one_template_per_account() {
        let export = cloudformation(&fixture::desired(), &fixture::model(true));
        let paths: Vec<&str> = export.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "dev.template.json",
                "identity.template.json",
                "management.template.json",
                "prod.template.json",
                "sandbox.template.json",
                "staging.template.json"
            ]
        );
        for file in &export.files {
            insta::assert_snapshot!(file.path.clone(), file.contents);
        }
        insta::assert_snapshot!("notes", export.notes.join("\n\n"));
    }

    #[test]
    fn same_account_references_use_intrinsic_functions() {
        let export = cloudformation(&fixture::desired(), &fixture::model(true));
        let identity: Value = serde_json::from_str(
            &export
                .files
                .iter()
                .find(|f| f.path == "identity.template.json")
                .expect("identity template")
                .contents,
        )
        .expect("valid JSON");
        let resources = &identity["Resources"];
        let hub = &resources["RoleHubDevelopers"]["Properties"];
        assert_eq!(
            hub["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Federated"],
            json!({ "Ref": "SamlProvider" })
        );
        assert!(
            hub["ManagedPolicyArns"]
                .as_array()
                .expect("list")
                .contains(&json!({ "Ref": "PolicyHubDevelopersAssume" }))
        );
        // The spoke role in the hub account trusts the hub role there by GetAtt.
        let spoke = &resources["RoleReadOnly"]["Properties"]["AssumeRolePolicyDocument"];
        assert_eq!(
            spoke["Statement"][0]["Principal"]["AWS"],
            json!({ "Fn::GetAtt": ["RoleHubDevelopers", "Arn"] })
        );
    }

    #[test]
    fn metadata_becomes_a_parameter_without_a_metadata_file() {
        let export = cloudformation(&fixture::desired(), &fixture::model(false));
        let prod: Value = serde_json::from_str(
            &export
                .files
                .iter()
                .find(|f| f.path == "prod.template.json")
                .expect("prod template")
                .contents,
        )
        .expect("valid JSON");
        assert_eq!(prod["Parameters"][METADATA_PARAMETER]["Type"], "String");
        assert_eq!(
            prod["Resources"][PROVIDER_ID]["Properties"]["SamlMetadataDocument"],
            json!({ "Ref": METADATA_PARAMETER })
        );
        assert!(export.notes.iter().any(|n| n.contains("4,096 bytes")));
    }

    #[test]
    fn output_is_deterministic() {
        let a = cloudformation(&fixture::desired(), &fixture::model(true));
        let b = cloudformation(&fixture::desired(), &fixture::model(true));
        assert_eq!(a, b);
    }

    #[test]
    fn templates_pass_cfn_lint() {
        for with_metadata in [true, false] {
            let export = cloudformation(&fixture::desired(), &fixture::model(with_metadata));
            fixture::cfn_lint(&export.files);
        }
    }
}
