//! Terraform JSON (`*.tf.json`, "JSON Configuration Syntax", Terraform docs) for one root module:
//! `providers.tf.json` with one aliased `aws` provider per account, which assumes a role in that
//! account, and one file per account with its IAM resources.
//!
//! In `.tf.json` every string where an expression is expected is a string template, so literal
//! `${` and `%{` (IAM policy variables such as `${aws:username}`) are escaped as `$${` and `%%{`.
//! `variable` descriptions and defaults, `provider` aliases, `depends_on` and `terraform` settings
//! are read literally and are not escaped.
//!
//! Trusts name principals in other accounts by literal ARN, so a spoke role gets `depends_on` on
//! the hub roles its trust names, and a federated role on the SAML provider it trusts: IAM rejects
//! a trust policy naming a principal that does not exist yet.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_model::Model;
use serde_json::{Map, Value, json};

use super::Export;
use super::cloudformation::{account_file_stems, is_empty, metadata_document};
use super::names::{NameRequest, allocate, terraform_identifier};
use awsfed_compile::{DesiredAccount, DesiredState};

/// The file the metadata is copied to, next to the configuration.
const METADATA_FILE: &str = "saml-metadata.xml";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerraformOptions {
    /// Default of the `region` variable. IAM is global; the provider needs a region for STS.
    pub region: String,
    /// Default of the `assume_role_name` variable: the role Terraform assumes in every account.
    pub assume_role_name: String,
}

impl Default for TerraformOptions {
    fn default() -> Self {
        Self {
            region: "us-east-1".to_owned(),
            assume_role_name: "OrganizationAccountAccessRole".to_owned(),
        }
    }
}

/// `providers.tf.json`, `<account>.tf.json` per account, and the SAML metadata
/// (`saml-metadata.xml`) when the model names a metadata file.
pub fn terraform(desired: &DesiredState, model: &Model, options: &TerraformOptions) -> Export {
    let accounts: Vec<&DesiredAccount> = desired.accounts.iter().filter(|a| !is_empty(a)).collect();
    let metadata = metadata_document(model);
    let names = Names::new(&accounts);
    let stems = account_file_stems(accounts.iter().map(|a| a.name.as_str()));
    let mut export = Export::default();

    export.push_json(
        "providers.tf.json",
        &providers(desired, &accounts, &names, options, metadata.is_some()),
    );
    if let Some(xml) = metadata {
        export.push_text(METADATA_FILE, xml.to_owned());
    }
    for account in &accounts {
        export.push_json(
            format!("{}.tf.json", stems[&account.name]),
            &account_file(account, &names, metadata.is_some()),
        );
    }

    if let Some(ic) = &desired.identity_center {
        export.push_json(
            "identity-center.tf.json",
            &super::identity_center::module(ic),
        );
        export.notes.push("identity-center.tf.json manages Identity Center through the provider aws.identity_center, with the credentials Terraform runs with: those of the management account or Identity Center's delegated administrator account.".to_owned());
    }
    export.notes.push(format!(
        "Terraform assumes the role `{}` (variable assume_role_name) in every account through one aliased provider per account; the credentials you run Terraform with must be allowed to assume it. Apply the whole configuration at once: spoke roles depend on the hub roles their trusts name.",
        options.assume_role_name
    ));
    if metadata.is_none() && accounts.iter().any(|a| a.saml_provider.is_some()) {
        export.notes.push("The model names no SAML metadata file: pass the metadata XML as the variable saml_metadata_document (for example `-var \"saml_metadata_document=$(cat idp.xml)\"`).".to_owned());
    }
    if accounts.iter().any(|a| a.saml_provider.is_some()) {
        export.notes.push(format!(
            "Where an account already has a SAML provider named {}, import it (`terraform import`) before applying, or the create fails.",
            desired.provider_name
        ));
    }
    export.finish()
}

/// Every Terraform name, unique per resource type across the whole module.
struct Names {
    aliases: BTreeMap<String, String>,
    providers: BTreeMap<String, String>,
    roles: BTreeMap<String, String>,
    role_policies: BTreeMap<String, String>,
    policies: BTreeMap<String, String>,
    attachments: BTreeMap<String, String>,
    /// ARN → the resource address that creates it.
    by_arn: BTreeMap<String, String>,
}

fn key(parts: &[&str]) -> String {
    parts.join("\u{0}")
}

fn request(parts: &[&str]) -> NameRequest {
    let joined = parts.join("_");
    let (base, _) = terraform_identifier(&joined);
    // Clean only when nothing was replaced and no part holds the separator (so the parts can be
    // told apart again).
    let clean = parts
        .iter()
        .all(|p| terraform_identifier(p).1 && !p.contains('_'))
        && base == joined;
    NameRequest {
        key: key(parts),
        base,
        clean,
    }
}

impl Names {
    fn new(accounts: &[&DesiredAccount]) -> Self {
        let mut aliases = Vec::new();
        let mut providers = Vec::new();
        let mut roles = Vec::new();
        let mut role_policies = Vec::new();
        let mut policies = Vec::new();
        let mut attachments = Vec::new();
        for account in accounts {
            let a = account.name.as_str();
            aliases.push(request(&[a]));
            if account.saml_provider.is_some() {
                providers.push(request(&[a]));
            }
            for role in &account.roles {
                roles.push(request(&[a, &role.name]));
                for policy in role.inline_policies.keys() {
                    role_policies.push(request(&[a, &role.name, policy]));
                }
                for arn in &role.managed_policy_arns {
                    // The policy's name: the last segment of its path.
                    let short = arn.rsplit('/').next().unwrap_or(arn);
                    let mut req = request(&[a, &role.name, short]);
                    req.key = key(&[a, &role.name, arn]);
                    req.clean = false;
                    attachments.push(req);
                }
            }
            for policy in &account.policies {
                policies.push(request(&[a, &policy.name]));
            }
        }
        let mut names = Self {
            aliases: allocate(aliases, "_"),
            providers: allocate(providers, "_"),
            roles: allocate(roles, "_"),
            role_policies: allocate(role_policies, "_"),
            policies: allocate(policies, "_"),
            attachments: allocate(attachments, "_"),
            by_arn: BTreeMap::new(),
        };
        for account in accounts {
            let a = account.name.as_str();
            if let Some(provider) = &account.saml_provider {
                let address = format!("aws_iam_saml_provider.{}", names.providers[&key(&[a])]);
                names.by_arn.insert(provider.arn.clone(), address);
            }
            for role in &account.roles {
                let address = format!("aws_iam_role.{}", names.roles[&key(&[a, &role.name])]);
                names.by_arn.insert(role.arn.clone(), address);
            }
            for policy in &account.policies {
                let address = format!(
                    "aws_iam_policy.{}",
                    names.policies[&key(&[a, &policy.name])]
                );
                names.by_arn.insert(policy.arn.clone(), address);
            }
        }
        names
    }
}

/// A literal string for a place that reads string templates.
fn literal(text: &str) -> String {
    text.replace("${", "$${").replace("%{", "%%{")
}

fn providers(
    desired: &DesiredState,
    accounts: &[&DesiredAccount],
    names: &Names,
    options: &TerraformOptions,
    has_metadata: bool,
) -> Value {
    let mut variables = Map::new();
    variables.insert(
        "region".into(),
        json!({
            "type": "string",
            "default": options.region,
            "description": "Region of the AWS providers (IAM is global; STS calls go to this region)."
        }),
    );
    variables.insert(
        "assume_role_name".into(),
        json!({
            "type": "string",
            "default": options.assume_role_name,
            "description": "Role Terraform assumes in every account to manage awsfed's IAM resources."
        }),
    );
    if !has_metadata && accounts.iter().any(|a| a.saml_provider.is_some()) {
        variables.insert(
            "saml_metadata_document".into(),
            json!({
                "type": "string",
                "description": "SAML metadata XML of the identity provider (the model names no metadata file)."
            }),
        );
    }
    let providers: Vec<Value> = accounts
        .iter()
        .map(|account| {
            json!({
                "alias": names.aliases[&key(&[&account.name])],
                "region": "${var.region}",
                "assume_role": {
                    "role_arn": format!(
                        "arn:{}:iam::{}:role/${{var.assume_role_name}}",
                        literal(&desired.partition),
                        literal(&account.id)
                    )
                }
            })
        })
        .collect();
    json!({
        "//": "Generated by awsfed from the model: change the model and export again instead of editing. One aliased aws provider per account.",
        "terraform": {
            "required_providers": { "aws": { "source": "hashicorp/aws", "version": ">= 5.0" } }
        },
        "variable": variables,
        "provider": { "aws": providers }
    })
}

fn tags(tags: &BTreeMap<String, String>) -> Value {
    Value::Object(
        tags.iter()
            .map(|(k, v)| (literal(k), json!(literal(v))))
            .collect(),
    )
}

fn account_file(account: &DesiredAccount, names: &Names, has_metadata: bool) -> Value {
    let a = account.name.as_str();
    let provider = format!("aws.{}", names.aliases[&key(&[a])]);
    let mut resources = Map::new();

    if let Some(saml) = &account.saml_provider {
        let document = if has_metadata {
            format!("${{file(\"${{path.module}}/{METADATA_FILE}\")}}")
        } else {
            "${var.saml_metadata_document}".to_owned()
        };
        resources.insert(
            "aws_iam_saml_provider".into(),
            json!({
                names.providers[&key(&[a])].clone(): {
                    "provider": provider,
                    "name": literal(&saml.name),
                    "saml_metadata_document": document
                }
            }),
        );
    }

    let policies = policy_resources(account, names, &provider);
    if !policies.is_empty() {
        resources.insert("aws_iam_policy".into(), Value::Object(policies));
    }

    let mut roles = Map::new();
    let mut role_policies = Map::new();
    let mut attachments = Map::new();
    for role in &account.roles {
        let role_name = &names.roles[&key(&[a, &role.name])];
        roles.insert(role_name.clone(), role_resource(role, names, &provider));

        let role_ref = format!("${{aws_iam_role.{role_name}.name}}");
        for (policy_name, document) in &role.inline_policies {
            role_policies.insert(
                names.role_policies[&key(&[a, &role.name, policy_name])].clone(),
                json!({
                    "provider": provider,
                    "name": literal(policy_name),
                    "role": role_ref,
                    "policy": literal(&document.to_json())
                }),
            );
        }
        for arn in &role.managed_policy_arns {
            let policy_arn = match names.by_arn.get(arn) {
                Some(address) => format!("${{{address}.arn}}"),
                None => literal(arn),
            };
            attachments.insert(
                names.attachments[&key(&[a, &role.name, arn])].clone(),
                json!({ "provider": provider, "role": role_ref, "policy_arn": policy_arn }),
            );
        }
    }
    for (kind, map) in [
        ("aws_iam_role", roles),
        ("aws_iam_role_policy", role_policies),
        ("aws_iam_role_policy_attachment", attachments),
    ] {
        if !map.is_empty() {
            resources.insert(kind.into(), Value::Object(map));
        }
    }

    json!({
        "//": format!(
            "awsfed: account {} ({}, {}). Generated from the model: change the model and export again instead of editing.",
            account.name, account.id, account.topology.as_str()
        ),
        "resource": resources
    })
}

/// The account's hub policies, by resource name.
fn policy_resources(account: &DesiredAccount, names: &Names, provider: &str) -> Map<String, Value> {
    let a = account.name.as_str();
    let mut policies = Map::new();
    for policy in &account.policies {
        let mut body = Map::new();
        body.insert("provider".into(), json!(provider));
        body.insert("name".into(), json!(literal(&policy.name)));
        body.insert("path".into(), json!(literal(&policy.path)));
        if !policy.description.is_empty() {
            body.insert("description".into(), json!(literal(&policy.description)));
        }
        body.insert("policy".into(), json!(literal(&policy.document.to_json())));
        if !policy.tags.is_empty() {
            body.insert("tags".into(), tags(&policy.tags));
        }
        policies.insert(
            names.policies[&key(&[a, &policy.name])].clone(),
            Value::Object(body),
        );
    }
    policies
}

/// One `aws_iam_role`: it depends on the roles of this export its trust names, so Terraform
/// creates those first (IAM refuses a trust naming a role that does not exist).
fn role_resource(role: &awsfed_compile::DesiredRole, names: &Names, provider: &str) -> Value {
    let mut body = Map::new();
    body.insert("provider".into(), json!(provider));
    body.insert("name".into(), json!(literal(&role.name)));
    body.insert("path".into(), json!(literal(&role.path)));
    if !role.description.is_empty() {
        body.insert("description".into(), json!(literal(&role.description)));
    }
    body.insert(
        "assume_role_policy".into(),
        json!(literal(&role.trust_policy.to_json())),
    );
    body.insert(
        "max_session_duration".into(),
        json!(role.max_session_duration),
    );
    if let Some(boundary) = &role.permissions_boundary {
        body.insert("permissions_boundary".into(), json!(literal(boundary)));
    }
    if !role.tags.is_empty() {
        body.insert("tags".into(), tags(&role.tags));
    }
    let depends_on: BTreeSet<&str> = trust_principals(role)
        .filter_map(|arn| names.by_arn.get(arn).map(String::as_str))
        .collect();
    if !depends_on.is_empty() {
        body.insert("depends_on".into(), json!(depends_on));
    }
    Value::Object(body)
}

fn trust_principals(role: &awsfed_compile::DesiredRole) -> impl Iterator<Item = &str> {
    role.trust_policy
        .statement
        .iter()
        .filter_map(|s| match &s.principal {
            Some(awsfed_policy::Principal::Typed(map)) => Some(map.values()),
            _ => None,
        })
        .flatten()
        .flat_map(|values| values.iter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    fn file(export: &Export, path: &str) -> Value {
        serde_json::from_str(
            &export
                .files
                .iter()
                .find(|f| f.path == path)
                .unwrap_or_else(|| panic!("{path} exported"))
                .contents,
        )
        .expect("valid JSON")
    }

    fn export() -> Export {
        terraform(
            &fixture::desired(),
            &fixture::model(true),
            &TerraformOptions::default(),
        )
    }

    #[test]
    fn snapshot() {
        let export = export();
        let paths: Vec<&str> = export.files.iter().map(|f| f.path.as_str()).collect();
        insta::assert_json_snapshot!("paths", paths);
        for file in export.files.iter().filter(|f| f.path.ends_with(".json")) {
            insta::assert_snapshot!(file.path.clone(), file.contents);
        }
    }

    #[test]
    fn one_aliased_provider_per_account() {
        let providers = file(&export(), "providers.tf.json");
        let aws = providers["provider"]["aws"].as_array().expect("list");
        let aliases: Vec<&str> = aws
            .iter()
            .map(|p| p["alias"].as_str().expect("alias"))
            .collect();
        assert_eq!(
            aliases,
            [
                "dev",
                "identity",
                "management",
                "prod",
                "sandbox",
                "staging"
            ]
        );
        assert_eq!(
            aws[0]["assume_role"]["role_arn"],
            "arn:aws:iam::333333333333:role/${var.assume_role_name}"
        );
    }

    #[test]
    fn spoke_roles_depend_on_the_hub_roles_they_trust() {
        let export = export();
        let dev = file(&export, "dev.tf.json");
        assert_eq!(
            dev["resource"]["aws_iam_role"]["dev_Admin"]["depends_on"],
            json!([
                "aws_iam_role.identity_hub-developers",
                "aws_iam_role.identity_hub-platform-admins"
            ])
        );
        let identity = file(&export, "identity.tf.json");
        let hub = &identity["resource"]["aws_iam_role"]["identity_hub-developers"];
        assert_eq!(hub["depends_on"], json!(["aws_iam_saml_provider.identity"]));
        assert_eq!(hub["provider"], "aws.identity");
        let attachment = &identity["resource"]["aws_iam_role_policy_attachment"]["identity_hub-developers_hub-developers-assume"];
        assert_eq!(
            attachment["policy_arn"],
            "${aws_iam_policy.identity_hub-developers-assume.arn}"
        );
        assert_eq!(
            attachment["role"],
            "${aws_iam_role.identity_hub-developers.name}"
        );
    }

    #[test]
    fn policy_variables_are_escaped() {
        let prod = file(&export(), "prod.tf.json");
        let policy =
            prod["resource"]["aws_iam_role_policy"]["prod_ReadOnly_deny-private-data"]["policy"]
                .as_str()
                .expect("policy");
        assert!(
            policy.contains("private-$${aws:PrincipalAccount}/*"),
            "{policy}"
        );
        assert!(!policy.replace("$${", "").contains("${"), "{policy}");
        let document: awsfed_policy::PolicyDocument =
            serde_json::from_str(&policy.replace("$${", "${")).expect("a policy document");
        assert_eq!(document.statement.len(), 1);
    }

    #[test]
    fn metadata_is_a_variable_without_a_metadata_file() {
        let export = terraform(
            &fixture::desired(),
            &fixture::model(false),
            &TerraformOptions::default(),
        );
        assert!(!export.files.iter().any(|f| f.path == METADATA_FILE));
        let providers = file(&export, "providers.tf.json");
        assert_eq!(
            providers["variable"]["saml_metadata_document"]["type"],
            "string"
        );
        let prod = file(&export, "prod.tf.json");
        assert_eq!(
            prod["resource"]["aws_iam_saml_provider"]["prod"]["saml_metadata_document"],
            "${var.saml_metadata_document}"
        );
    }

    #[test]
    fn resource_names_are_valid_and_unique() {
        let export = export();
        let mut seen = BTreeSet::new();
        for file in export
            .files
            .iter()
            .filter(|f| f.path.ends_with(".tf.json") && f.path != "providers.tf.json")
        {
            let value: Value = serde_json::from_str(&file.contents).expect("valid JSON");
            for (kind, resources) in value["resource"].as_object().expect("resources") {
                for name in resources.as_object().expect("by name").keys() {
                    assert!(
                        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                            && name
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                        "{name}"
                    );
                    assert!(seen.insert(format!("{kind}.{name}")), "{kind}.{name} twice");
                }
            }
        }
    }

    #[test]
    fn colliding_account_and_role_names_get_distinct_resource_names() {
        // "a_b" + "c" and "a" + "b_c" both read `a_b_c`.
        let names = allocate(vec![request(&["a_b", "c"]), request(&["a", "b_c"])], "_");
        let (x, y) = (&names[&key(&["a_b", "c"])], &names[&key(&["a", "b_c"])]);
        assert_ne!(x, y);
        assert!(x.starts_with("a_b_c_") && y.starts_with("a_b_c_"));
        // A name without separators stays as it is.
        let names = allocate(vec![request(&["prod", "Admin"])], "_");
        assert_eq!(names[&key(&["prod", "Admin"])], "prod_Admin");
    }
}
