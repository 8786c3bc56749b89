use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use awsfed_compile::PermissionsBoundary;
use awsfed_snapshot::{IdentityCenterSnapshot, PermissionSetSnapshot, PrincipalType};

use crate::cli::Cli;
use crate::commands::deploy::{self, ReachArgs};
use crate::error::CommandError;

/// Write a model from what an existing IAM Identity Center instance holds.
///
/// Reads the instance (the one `ListInstances` finds, or --instance-arn) from the management or
/// delegated-administrator account: its permission sets (managed and customer managed policies,
/// inline policy, boundary, session, relay state) and the group assignments in every active account
/// of the organisation, and writes a model (YAML, with comments) in which every account is
/// identity-center. Assignments to single users cannot be modelled and are listed in a comment.
/// awsfed changes only permission sets carrying the awsfed:managed tag: with --adopt the imported
/// sets are tagged so, and `awsfed plan` on the written model is empty.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Write a model from an Identity Center instance's permission sets and assignments.
    IdentityCenter(IdentityCenterArgs),
}

#[derive(Debug, clap::Args)]
pub struct IdentityCenterArgs {
    /// The region of the instance.
    #[arg(long)]
    pub region: String,
    /// The instance, when the account sees several.
    #[arg(long, value_name = "ARN")]
    pub instance_arn: Option<String>,
    /// Where to write the model (stdout without it).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Tag every imported permission set awsfed:managed=true (with the digest of its content), so
    /// awsfed manages it from now on.
    #[arg(long)]
    pub adopt: bool,
    #[command(flatten)]
    pub reach: ReachArgs,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let What::IdentityCenter(args) = &args.what;
    let runtime = deploy::runtime()?;
    let yaml = runtime.block_on(async {
        let fleet = deploy::fleet(cli, &args.reach, "aws").await?;
        let organization = awsfed_aws::read_organization(
            fleet.connection(),
            awsfed_aws::OrganizationOptions {
                tags: false,
                policies: false,
            },
        )
        .await
        .map_err(|e| deploy::aws_error(&e))?;
        let accounts: BTreeMap<String, String> = organization
            .accounts
            .iter()
            .filter(|a| a.status == "ACTIVE")
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect();
        let clients = crate::commands::deploy_identity_center::clients(&fleet, &args.region);
        let choice = awsfed_aws::InstanceChoice {
            instance_arn: args.instance_arn.clone(),
            identity_store_id: None,
        };
        let ids: BTreeSet<String> = accounts.keys().cloned().collect();
        let instance = awsfed_aws::read_identity_center(&clients, &choice, &ids, &BTreeSet::new())
            .await
            .map_err(|e| deploy::aws_error(&e))?;
        let yaml = model_yaml(&instance, &accounts);
        if args.adopt {
            adopt(&clients, &yaml, &instance).await?;
        }
        Ok::<_, CommandError>(yaml)
    })?;
    match &args.out {
        Some(out) => crate::write::write_file(out, &yaml)?,
        None => crate::commands::print_stdout(&yaml),
    }
    Ok(ExitCode::SUCCESS)
}

/// Tags each imported permission set as awsfed's, with the digest of the content the model asks for
/// (the same content it has: the model was written from it).
async fn adopt(
    clients: &awsfed_aws::IdentityCenterClients,
    yaml: &str,
    instance: &IdentityCenterSnapshot,
) -> Result<(), CommandError> {
    let raw = awsfed_model::load::parse(yaml)
        .map_err(|e| CommandError::failed(format!("the imported model does not parse: {e:?}")))?;
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut |_| Err("no files".to_owned()));
    let model = model.ok_or_else(|| {
        CommandError::failed(format!("the imported model is not valid: {diagnostics:?}"))
    })?;
    let desired = awsfed_compile::compile(&model)
        .identity_center
        .unwrap_or_else(|| awsfed_compile::DesiredIdentityCenter {
            instance_arn: None,
            identity_store_id: None,
            region: None,
            start_url: None,
            groups: awsfed_model::GroupSource::Lookup,
            permission_sets: Vec::new(),
            assignments: Vec::new(),
        });
    let adopted: Vec<(String, String)> = desired
        .permission_sets
        .iter()
        .filter_map(|set| {
            let found = instance
                .permission_sets
                .iter()
                .find(|s| s.name == set.name)?;
            Some((
                found.arn.clone(),
                awsfed_plan::identity_center::permission_set_digest(set),
            ))
        })
        .collect();
    awsfed_aws::adopt_permission_sets(clients, &instance.instance_arn, &adopted)
        .await
        .map_err(|e| deploy::aws_error(&e))?;
    crate::commands::print_stderr(&format!(
        "Adopted {} permission set(s): tagged awsfed:managed=true.\n",
        adopted.len()
    ));
    Ok(())
}

/// A YAML string: JSON's quoting is YAML's.
fn q(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// The model of an instance: every account identity-center, one grant per group and permission set
/// listing its accounts by name.
pub fn model_yaml(
    instance: &IdentityCenterSnapshot,
    accounts: &BTreeMap<String, String>,
) -> String {
    let name_of = |id: &str| -> String {
        accounts
            .get(id)
            .filter(|n| !n.is_empty() && !n.contains(['#', '/']) && n.trim() == n.as_str())
            .cloned()
            .unwrap_or_else(|| format!("account-{id}"))
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Imported by `awsfed import identity-center` from {} ({}).\n# Every account is identity-center: permission sets and account assignments as the instance\n# holds them. awsfed changes only permission sets tagged awsfed:managed=true (`--adopt` tags them).\nversion: 1\nidentity_center:\n  # instance_arn: {}   (found with ListInstances when left out)\n  # identity_store_id: {}\n  region: {}\n  groups: lookup                 # groups come from the identity store (SCIM); looked up by name\ntopology:\n  default: identity-center",
        instance.instance_arn,
        instance.region,
        q(&instance.instance_arn),
        q(&instance.identity_store_id),
        q(&instance.region)
    );
    let used: BTreeSet<&str> = instance
        .assignments
        .iter()
        .map(|a| a.account_id.as_str())
        .collect();
    let _ = writeln!(out, "accounts:");
    if used.is_empty() {
        let _ = writeln!(out, "  {{}}");
    }
    for id in &used {
        let _ = writeln!(out, "  {}: {{ id: {} }}", q(&name_of(id)), q(id));
    }
    let _ = writeln!(out, "permission_sets:");
    let any_account = used.iter().next().copied().unwrap_or("000000000000");
    for set in &instance.permission_sets {
        write_permission_set(&mut out, set, any_account);
    }
    if instance.permission_sets.is_empty() {
        let _ = writeln!(out, "  {{}}");
    }
    write_groups(&mut out, instance, &name_of);
    out
}

/// One permission set under `permission_sets:`; a customer managed boundary is written as an ARN
/// in `any_account` (the model names it by ARN, Identity Center by path and name).
fn write_permission_set(out: &mut String, set: &PermissionSetSnapshot, any_account: &str) {
    let _ = writeln!(out, "  {}:", q(&set.name));
    if let Some(description) = set.description.as_ref().filter(|d| !d.is_empty()) {
        let _ = writeln!(out, "    description: {}", q(description));
    }
    if !set.managed_policies.is_empty() {
        let list: Vec<String> = set.managed_policies.iter().map(|p| q(p)).collect();
        let _ = writeln!(out, "    managed_policies: [{}]", list.join(", "));
    }
    if !set.customer_managed_policies.is_empty() {
        let list: Vec<String> = set
            .customer_managed_policies
            .iter()
            .map(|p| q(&format!("{}{}", p.path, p.name)))
            .collect();
        let _ = writeln!(
            out,
            "    customer_managed_policies: [{}]   # must exist in each account",
            list.join(", ")
        );
    }
    if let Some(document) = &set.inline_policy {
        let _ = writeln!(out, "    inline_policy: {}", document.to_json());
    }
    match &set.permissions_boundary {
        Some(PermissionsBoundary::ManagedPolicyArn(arn)) => {
            let _ = writeln!(out, "    permissions_boundary: {}", q(arn));
        }
        Some(PermissionsBoundary::CustomerManagedPolicy(p)) => {
            let _ = writeln!(
                out,
                "    permissions_boundary: {}   # by path and name in each account",
                q(&format!(
                    "arn:aws:iam::{any_account}:policy{}{}",
                    p.path, p.name
                ))
            );
        }
        None => {}
    }
    let session = set.session_duration.as_deref().unwrap_or("PT1H");
    let _ = writeln!(
        out,
        "    session_duration: {}",
        q(&session.trim_start_matches("PT").to_lowercase())
    );
    if let Some(relay_state) = &set.relay_state {
        let _ = writeln!(out, "    relay_state: {}", q(relay_state));
    }
}

/// `groups:`, one grant per group and permission set; assignments to users (or to groups the
/// store does not name) are listed in a comment, as the model grants to directory groups only.
fn write_groups(
    out: &mut String,
    instance: &IdentityCenterSnapshot,
    name_of: &dyn Fn(&str) -> String,
) {
    let mut grants: BTreeMap<&str, BTreeMap<&str, BTreeSet<String>>> = BTreeMap::new();
    let mut users = Vec::new();
    for assignment in &instance.assignments {
        let Some(set) = instance.permission_set(&assignment.permission_set_arn) else {
            continue;
        };
        match (
            assignment.principal_type,
            instance.group_name(&assignment.principal_id),
        ) {
            (PrincipalType::Group, Some(group)) => {
                grants
                    .entry(group)
                    .or_default()
                    .entry(set.name.as_str())
                    .or_default()
                    .insert(name_of(&assignment.account_id));
            }
            _ => users.push(format!(
                "{} {} has {} in {} (left alone by awsfed)",
                format!("{:?}", assignment.principal_type).to_lowercase(),
                assignment.principal_id,
                set.name,
                assignment.account_id
            )),
        }
    }
    let _ = writeln!(out, "groups:");
    if grants.is_empty() {
        let _ = writeln!(out, "  {{}}");
    }
    for (group, sets) in &grants {
        let _ = writeln!(out, "  {}:", q(group));
        for (set, names) in sets {
            let list: Vec<String> = names.iter().map(|n| q(n)).collect();
            let _ = writeln!(
                out,
                "    - {{ accounts: [{}], permission_set: {} }}",
                list.join(", "),
                q(set)
            );
        }
    }
    if !users.is_empty() {
        let _ = writeln!(
            out,
            "# Not imported (the model grants to directory groups only):"
        );
        for user in users {
            let _ = writeln!(out, "#   {user}");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use awsfed_compile::PolicyReference;
    use awsfed_snapshot::{
        AssignmentSnapshot, DirectoryGroupSnapshot, PermissionSetSnapshot, SNAPSHOT_FORMAT,
    };

    use super::*;

    fn instance() -> IdentityCenterSnapshot {
        let set = |name: &str, session: &str| PermissionSetSnapshot {
            arn: format!("arn:aws:sso:::permissionSet/ssoins-1/ps-{name}"),
            name: name.to_owned(),
            description: Some(format!("{name} access")),
            session_duration: Some(session.to_owned()),
            relay_state: None,
            managed_policies: Vec::new(),
            customer_managed_policies: Vec::new(),
            inline_policy: None,
            permissions_boundary: None,
            tags: BTreeMap::new(),
            provisioned_accounts: Vec::new(),
        };
        let mut admin = set("Admin", "PT1H");
        admin.managed_policies = vec!["arn:aws:iam::aws:policy/AdministratorAccess".to_owned()];
        let mut read_only = set("ReadOnly", "PT8H");
        read_only.customer_managed_policies = vec![PolicyReference {
            path: "/shared/".to_owned(),
            name: "DenySecrets".to_owned(),
        }];
        read_only.inline_policy = Some(
            awsfed_policy::PolicyDocument::from_json(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}"#,
            )
            .unwrap(),
        );
        read_only.permissions_boundary = Some(PermissionsBoundary::ManagedPolicyArn(
            "arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned(),
        ));
        read_only.relay_state = Some("https://console.aws.amazon.com/".to_owned());
        let assign = |set: &str, account: &str, kind, principal: &str| AssignmentSnapshot {
            permission_set_arn: format!("arn:aws:sso:::permissionSet/ssoins-1/ps-{set}"),
            account_id: account.to_owned(),
            principal_type: kind,
            principal_id: principal.to_owned(),
        };
        IdentityCenterSnapshot {
            format: SNAPSHOT_FORMAT,
            instance_arn: "arn:aws:sso:::instance/ssoins-1".to_owned(),
            identity_store_id: "d-1".to_owned(),
            region: "eu-west-1".to_owned(),
            permission_sets: vec![admin, read_only],
            assignments: vec![
                assign("Admin", "111111111111", PrincipalType::Group, "g-admins"),
                assign("Admin", "222222222222", PrincipalType::Group, "g-admins"),
                assign("ReadOnly", "222222222222", PrincipalType::Group, "g-devs"),
                assign("ReadOnly", "222222222222", PrincipalType::User, "u-1"),
            ],
            users: Vec::new(),
            groups: vec![
                DirectoryGroupSnapshot {
                    display_name: "admins".to_owned(),
                    id: "g-admins".to_owned(),
                },
                DirectoryGroupSnapshot {
                    display_name: "developers".to_owned(),
                    id: "g-devs".to_owned(),
                },
            ],
        }
    }

    /// The written model is valid, and once its permission sets are adopted (tagged with the
    /// digest the import computes), planning it against the instance it came from changes nothing.
    #[test]
    fn an_imported_model_plans_nothing_once_adopted() {
        let accounts = BTreeMap::from([
            ("111111111111".to_owned(), "shared".to_owned()),
            ("222222222222".to_owned(), "sandbox/x".to_owned()),
        ]);
        let mut instance = instance();
        let yaml = model_yaml(&instance, &accounts);
        insta::assert_snapshot!(yaml);
        let raw = awsfed_model::load::parse(&yaml).expect("the model parses");
        let (model, diagnostics) = awsfed_model::resolve(&raw, &mut |_| Err("none".to_owned()));
        let model = model.unwrap_or_else(|| panic!("the model is valid: {diagnostics:?}"));
        let desired = awsfed_compile::compile(&model)
            .identity_center
            .expect("identity-center accounts");
        let before = awsfed_plan::plan_identity_center(&desired, &instance);
        assert_eq!(
            before.conflicts.len(),
            2,
            "not adopted yet: {:?}",
            before.conflicts
        );
        for set in &mut instance.permission_sets {
            let wanted = desired
                .permission_sets
                .iter()
                .find(|d| d.name == set.name)
                .unwrap();
            set.tags.insert(
                awsfed_model::MANAGED_TAG_KEY.to_owned(),
                awsfed_model::MANAGED_TAG_VALUE.to_owned(),
            );
            set.tags.insert(
                awsfed_plan::DIGEST_TAG_KEY.to_owned(),
                awsfed_plan::identity_center::permission_set_digest(wanted),
            );
        }
        let after = awsfed_plan::plan_identity_center(&desired, &instance);
        assert!(after.is_empty(), "{:#?}", after.changes);
        assert!(after.conflicts.is_empty());
    }
}
