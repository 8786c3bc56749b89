//! A small hand-built desired state for the exporter tests: both topologies, a hub account that is
//! also a spoke, an OU holding both topologies, a spoke trust in the narrowed form, an inline policy
//! with a policy variable, and an account marked as the management account.
//!
//! | account    | id           | topology      | OU            | roles |
//! |------------|--------------|---------------|---------------|-------|
//! | dev        | 333333333333 | hub-and-spoke | Workloads/Dev | Admin, ReadOnly (spokes) |
//! | identity   | 111111111111 | hub-and-spoke | Security      | hub-developers, hub-platform-admins, ReadOnly (spoke) |
//! | management | 555555555555 | direct        | (root)        | Admin |
//! | prod       | 222222222222 | direct        | Workloads/Prod| Admin, ReadOnly |
//! | sandbox    | 444444444444 | direct        | Workloads/Dev | ReadOnly |
//! | staging    | 666666666666 | hub-and-spoke | Workloads/Dev | Admin, ReadOnly (narrowed trust) |

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use awsfed_model::{
    Account, Hub, IdentityProvider, IdentitySource, Model, Naming, ProviderMetadata, Quotas, Span,
    TopologyKind,
};
use awsfed_policy::{PolicyDocument, Principal, Statement, StringList};

use super::ExportFile;
use awsfed_compile::{
    DesiredAccount, DesiredPolicy, DesiredProvider, DesiredRole, DesiredState, GroupMapping, Hop,
    HubPolicyForm, RoleKind, RoleValue, Target, TrustForm,
};

const PARTITION: &str = "aws";
const PROVIDER: &str = "corp";
const PATH: &str = "/awsfed/";
const HUB_ACCOUNT: &str = "111111111111";
const AUDIENCES: [&str; 2] = [
    "https://eu-west-1.signin.aws.amazon.com/saml",
    "https://signin.aws.amazon.com/saml",
];

/// (name, id, topology, OU, tags)
const ACCOUNTS: [(&str, &str, TopologyKind, Option<&str>); 6] = [
    (
        "dev",
        "333333333333",
        TopologyKind::HubAndSpoke,
        Some("Workloads/Dev"),
    ),
    (
        "identity",
        HUB_ACCOUNT,
        TopologyKind::HubAndSpoke,
        Some("Security"),
    ),
    ("management", "555555555555", TopologyKind::Direct, None),
    (
        "prod",
        "222222222222",
        TopologyKind::Direct,
        Some("Workloads/Prod"),
    ),
    (
        "sandbox",
        "444444444444",
        TopologyKind::Direct,
        Some("Workloads/Dev"),
    ),
    (
        "staging",
        "666666666666",
        TopologyKind::HubAndSpoke,
        Some("Workloads/Dev"),
    ),
];

fn id_of(account: &str) -> &'static str {
    ACCOUNTS
        .iter()
        .find(|a| a.0 == account)
        .map(|a| a.1)
        .expect("fixture account")
}

fn role_arn(account: &str, role: &str) -> String {
    format!("arn:{PARTITION}:iam::{}:role{PATH}{role}", id_of(account))
}

fn provider_arn(account: &str) -> String {
    format!(
        "arn:{PARTITION}:iam::{}:saml-provider/{PROVIDER}",
        id_of(account)
    )
}

fn hub_role(group: &str) -> String {
    format!("hub-{group}")
}

/// The model: only what the exporters read from it (metadata, account tags) is filled in.
pub(crate) fn model(with_metadata: bool) -> Model {
    let accounts: Vec<Account> = ACCOUNTS
        .iter()
        .map(|(name, id, topology, ou)| Account {
            name: (*name).to_owned(),
            id: (*id).to_owned(),
            tags: if *name == "management" {
                BTreeMap::from([("role".to_owned(), "management".to_owned())])
            } else {
                BTreeMap::new()
            },
            ou: ou.map(str::to_owned),
            topology: *topology,
            description: None,
            span: Span::NONE,
        })
        .collect();
    Model {
        partition: PARTITION.to_owned(),
        identity_provider: IdentityProvider {
            name: PROVIDER.to_owned(),
            metadata: with_metadata.then(|| ProviderMetadata {
                file: "corp-idp.xml".to_owned(),
                entity_id: "http://idp.example.com/corp".to_owned(),
                document: metadata_xml(),
            }),
            session_name_from: IdentitySource::Email,
            source_identity: Some(IdentitySource::Email),
            session_tags: Vec::new(),
            audiences: AUDIENCES.iter().map(|a| (*a).to_owned()).collect(),
            span: Span::NONE,
            audiences_span: Span::NONE,
            browser_sign_in: None,
        },
        organization_id: None,
        naming: Naming {
            role_path: PATH.to_owned(),
            role_name: "{permission_set}".to_owned(),
            hub_role_name: "hub-{group}".to_owned(),
        },
        quotas: Quotas::default(),
        hubs: vec![Hub {
            name: "main".to_owned(),
            account: 1,
            span: Span::NONE,
        }],
        accounts,
        permission_sets: Vec::new(),
        groups: Vec::new(),
        allow_warnings: BTreeSet::new(),
        discover: None,
    }
}

/// Metadata long enough for IAM's 1,000-character minimum; the certificate is filler.
fn metadata_xml() -> String {
    let certificate = "MIIDpDCCAoygAwIBAgIGAXsample".repeat(40);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://idp.example.com/corp">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso/saml"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"#
    )
}

fn saml_trust(account: &str) -> PolicyDocument {
    PolicyDocument::new(vec![
        Statement::allow(StringList::sorted([
            "sts:AssumeRoleWithSAML",
            "sts:SetSourceIdentity",
        ]))
        .with_principal(Principal::federated(provider_arn(account)))
        .with_condition("StringEquals", "SAML:aud", StringList::sorted(AUDIENCES)),
    ])
}

fn spoke_trust(groups: &[&str]) -> PolicyDocument {
    PolicyDocument::new(vec![
        Statement::allow(StringList::sorted([
            "sts:AssumeRole",
            "sts:SetSourceIdentity",
        ]))
        .with_principal(Principal::aws(StringList::sorted(
            groups.iter().map(|g| role_arn("identity", &hub_role(g))),
        )))
        .with_condition("Null", "sts:SourceIdentity", StringList::one("false")),
    ])
}

/// The narrowed form: the hub account, limited to the hub roles' ARNs.
fn narrowed_spoke_trust(groups: &[&str]) -> PolicyDocument {
    PolicyDocument::new(vec![
        Statement::allow(StringList::sorted([
            "sts:AssumeRole",
            "sts:SetSourceIdentity",
        ]))
        .with_principal(Principal::aws(StringList::one(format!(
            "arn:{PARTITION}:iam::{HUB_ACCOUNT}:root"
        ))))
        .with_condition(
            "ArnLike",
            "aws:PrincipalArn",
            StringList::sorted(groups.iter().map(|g| role_arn("identity", &hub_role(g)))),
        )
        .with_condition("Null", "sts:SourceIdentity", StringList::one("false")),
    ])
}

fn managed_tags() -> BTreeMap<String, String> {
    BTreeMap::from([("awsfed:managed".to_owned(), "true".to_owned())])
}

fn permission_set_role(
    account: &str,
    permission_set: &str,
    kind: RoleKind,
    trust_policy: PolicyDocument,
    trust_form: TrustForm,
) -> DesiredRole {
    let (managed, duration) = match permission_set {
        "Admin" => ("arn:aws:iam::aws:policy/AdministratorAccess", 3_600),
        _ => ("arn:aws:iam::aws:policy/ReadOnlyAccess", 28_800),
    };
    let direct = matches!(kind, RoleKind::Direct { .. });
    let mut inline_policies = BTreeMap::new();
    let mut permissions_boundary = None;
    if direct && permission_set == "ReadOnly" {
        // A policy variable (`${...}`) and the account's own id: exporters must keep the first
        // literal and may abstract the second.
        inline_policies.insert(
            "deny-private-data".to_owned(),
            PolicyDocument::new(vec![Statement {
                effect: awsfed_policy::Effect::Deny,
                ..Statement::allow(StringList::sorted([
                    "s3:GetObject",
                    "secretsmanager:GetSecretValue",
                ]))
                .with_resource(StringList::sorted([
                    format!(
                        "arn:aws:secretsmanager:*:{}:secret:private/${{aws:PrincipalTag/team}}/*",
                        id_of(account)
                    ),
                    "arn:aws:s3:::private-${aws:PrincipalAccount}/*".to_owned(),
                ]))
            }]),
        );
        permissions_boundary = Some(format!("arn:aws:iam::{}:policy/Boundary", id_of(account)));
    }
    DesiredRole {
        name: permission_set.to_owned(),
        path: PATH.to_owned(),
        arn: role_arn(account, permission_set),
        description: format!(
            "awsfed: permission set {permission_set} ({})",
            if direct { "direct" } else { "spoke" }
        ),
        kind,
        max_session_duration: duration,
        trust_policy,
        trust_form,
        managed_policy_arns: vec![managed.to_owned()],
        inline_policies,
        permissions_boundary,
        tags: managed_tags(),
    }
}

fn spoke(account: &str, permission_set: &str, groups: &[&str]) -> DesiredRole {
    permission_set_role(
        account,
        permission_set,
        RoleKind::Spoke {
            permission_set: permission_set.to_owned(),
        },
        spoke_trust(groups),
        TrustForm::HubRoles,
    )
}

fn direct(account: &str, permission_set: &str) -> DesiredRole {
    permission_set_role(
        account,
        permission_set,
        RoleKind::Direct {
            permission_set: permission_set.to_owned(),
        },
        saml_trust(account),
        TrustForm::SamlProvider,
    )
}

fn hub(group: &str, spokes: &[(&str, &str)]) -> (DesiredRole, DesiredPolicy) {
    let name = hub_role(group);
    let policy_name = format!("{name}-assume");
    let policy_arn = format!("arn:{PARTITION}:iam::{HUB_ACCOUNT}:policy{PATH}{policy_name}");
    let role = DesiredRole {
        name: name.clone(),
        path: PATH.to_owned(),
        arn: role_arn("identity", &name),
        kind: RoleKind::Hub {
            group: group.to_owned(),
            hub: "main".to_owned(),
        },
        description: format!("awsfed: hub role of directory group {group}"),
        max_session_duration: 3_600,
        trust_policy: saml_trust("identity"),
        trust_form: TrustForm::SamlProvider,
        managed_policy_arns: vec![policy_arn.clone()],
        inline_policies: BTreeMap::new(),
        permissions_boundary: None,
        tags: managed_tags(),
    };
    let policy = DesiredPolicy {
        name: policy_name,
        path: PATH.to_owned(),
        arn: policy_arn,
        description: format!("awsfed: the spoke roles directory group {group} may assume"),
        document: PolicyDocument::new(vec![
            Statement::allow(StringList::sorted([
                "sts:AssumeRole",
                "sts:SetSourceIdentity",
            ]))
            .with_resource(StringList::sorted(
                spokes.iter().map(|(account, ps)| role_arn(account, ps)),
            )),
        ]),
        attached_to: name,
        form: HubPolicyForm::ExactArns,
        tags: managed_tags(),
    };
    (role, policy)
}

fn account(name: &str, roles: Vec<DesiredRole>, policies: Vec<DesiredPolicy>) -> DesiredAccount {
    let (_, id, topology, ou) = ACCOUNTS
        .iter()
        .find(|a| a.0 == name)
        .expect("fixture account");
    let federated = roles
        .iter()
        .any(|r| !matches!(r.kind, RoleKind::Spoke { .. }));
    let mut roles = roles;
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    DesiredAccount {
        name: name.to_owned(),
        id: (*id).to_owned(),
        topology: *topology,
        ou: ou.map(str::to_owned),
        hubs: if name == "identity" {
            vec!["main".to_owned()]
        } else {
            Vec::new()
        },
        saml_provider: federated.then(|| DesiredProvider {
            name: PROVIDER.to_owned(),
            arn: provider_arn(name),
            metadata_file: Some("corp-idp.xml".to_owned()),
            entity_id: Some("http://idp.example.com/corp".to_owned()),
        }),
        roles,
        policies,
    }
}

/// developers: hub-and-spoke Admin on dev, ReadOnly on dev, identity and staging; direct ReadOnly
/// on prod and sandbox. platform-admins: hub-and-spoke Admin on dev and staging, ReadOnly on
/// staging; direct Admin on prod and management.
pub(crate) fn desired() -> DesiredState {
    let developer_spokes = [
        ("dev", "Admin"),
        ("dev", "ReadOnly"),
        ("identity", "ReadOnly"),
        ("staging", "ReadOnly"),
    ];
    let admin_spokes = [
        ("dev", "Admin"),
        ("staging", "Admin"),
        ("staging", "ReadOnly"),
    ];
    let (hub_developers, developers_policy) = hub("developers", &developer_spokes);
    let (hub_admins, admins_policy) = hub("platform-admins", &admin_spokes);
    let both = ["developers", "platform-admins"];
    let mut staging_read_only = spoke("staging", "ReadOnly", &both);
    staging_read_only.trust_policy = narrowed_spoke_trust(&both);
    staging_read_only.trust_form = TrustForm::HubAccountsByRoleName;

    let accounts = vec![
        account(
            "dev",
            vec![
                spoke("dev", "Admin", &both),
                spoke("dev", "ReadOnly", &["developers"]),
            ],
            Vec::new(),
        ),
        account(
            "identity",
            vec![
                hub_developers,
                hub_admins,
                spoke("identity", "ReadOnly", &["developers"]),
            ],
            vec![developers_policy, admins_policy],
        ),
        account(
            "management",
            vec![direct("management", "Admin")],
            Vec::new(),
        ),
        account(
            "prod",
            vec![direct("prod", "Admin"), direct("prod", "ReadOnly")],
            Vec::new(),
        ),
        account("sandbox", vec![direct("sandbox", "ReadOnly")], Vec::new()),
        account(
            "staging",
            vec![
                spoke("staging", "Admin", &["platform-admins"]),
                staging_read_only,
            ],
            Vec::new(),
        ),
    ];

    let groups = vec![
        group(
            "developers",
            &developer_spokes,
            &[("prod", "ReadOnly"), ("sandbox", "ReadOnly")],
        ),
        group(
            "platform-admins",
            &admin_spokes,
            &[("management", "Admin"), ("prod", "Admin")],
        ),
    ];

    DesiredState {
        partition: PARTITION.to_owned(),
        provider_name: PROVIDER.to_owned(),
        accounts,
        groups,
        notes: Vec::new(),
    }
}

fn role_value(account: &str, role: &str) -> RoleValue {
    RoleValue {
        role_arn: role_arn(account, role),
        provider_arn: provider_arn(account),
        account_name: account.to_owned(),
        account_id: id_of(account).to_owned(),
        role_name: role.to_owned(),
    }
}

fn group(name: &str, spokes: &[(&str, &str)], directs: &[(&str, &str)]) -> GroupMapping {
    let hub = hub_role(name);
    let mut role_values = vec![role_value("identity", &hub)];
    role_values.extend(directs.iter().map(|(a, ps)| role_value(a, ps)));
    role_values.sort();
    let saml = |account: &str, role: &str, max: u32| Hop::Saml {
        role_arn: role_arn(account, role),
        provider_arn: provider_arn(account),
        max_session_duration: max,
    };
    let mut targets: Vec<Target> = spokes
        .iter()
        .map(|(account, ps)| Target {
            account_name: (*account).to_owned(),
            account_id: id_of(account).to_owned(),
            permission_set: (*ps).to_owned(),
            hops: vec![
                saml("identity", &hub, 3_600),
                Hop::AssumeRole {
                    role_arn: role_arn(account, ps),
                    max_session_duration: 3_600,
                },
            ],
            max_session_duration: 3_600,
        })
        .chain(directs.iter().map(|(account, ps)| {
            let max = if *ps == "Admin" { 3_600 } else { 28_800 };
            Target {
                account_name: (*account).to_owned(),
                account_id: id_of(account).to_owned(),
                permission_set: (*ps).to_owned(),
                hops: vec![saml(account, ps, max)],
                max_session_duration: max,
            }
        }))
        .collect();
    targets.sort_by(|a, b| {
        (&a.account_name, &a.permission_set).cmp(&(&b.account_name, &b.permission_set))
    });
    GroupMapping {
        group: name.to_owned(),
        role_values,
        targets,
    }
}

/// How to provide cfn-lint.
const CFN_LINT_HOW: &str =
    "run the tests with scripts/test (it installs cfn-lint and sets AWSFED_CFN_LINT)";

/// Runs cfn-lint (the binary `AWSFED_CFN_LINT` names) on the templates among `files`; fails with
/// cfn-lint's findings, when the binary cannot be run, and when the variable is unset, unless
/// `AWSFED_SKIP_CFN_LINT=1` says to skip it: a missing tool never passes quietly.
pub(crate) fn cfn_lint(files: &[ExportFile]) {
    let Some(binary) = awsfed_testkit::required_tool(
        awsfed_signin::env_vars::AWSFED_CFN_LINT,
        awsfed_signin::env_vars::AWSFED_SKIP_CFN_LINT,
        CFN_LINT_HOW,
    ) else {
        return;
    };
    static RUN: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "awsfed-cfn-lint-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let mut paths: Vec<PathBuf> = Vec::new();
    for file in files.iter().filter(|f| f.path.ends_with(".template.json")) {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("a file path has a parent"))
            .expect("create a temporary folder");
        std::fs::write(&path, &file.contents).expect("write a template");
        paths.push(path);
    }
    assert!(!paths.is_empty(), "no templates to lint");
    let output = Command::new(&binary).args(&paths).output();
    let _ = std::fs::remove_dir_all(&dir);
    let output = output.unwrap_or_else(|error| {
        panic!(
            "AWSFED_CFN_LINT is set to {}, which cannot be run ({error}); install cfn-lint (python3 -m venv .venv && .venv/bin/pip install cfn-lint) and point the variable at it, or unset it",
            PathBuf::from(&binary).display()
        )
    });
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.trim().is_empty(),
        "cfn-lint reported problems in {} templates (exit {:?}):\n{stdout}{}",
        paths.len(),
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
}
