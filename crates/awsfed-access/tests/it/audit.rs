//! Audit rules: each finds its mistake in an otherwise clean estate (positive) and stays silent on
//! the clean one (negative). The clean estate is what the hub-and-spoke example deploys.

use crate::support::{HUB, PROD, add_role, admin, edit_trust, example, role};
use awsfed_access::audit::{RULES, audit};
use awsfed_access::{Estate, IdpMapping, Intent, RolePair, analyze};
use awsfed_compile::compile;
use awsfed_policy::PolicyDocument;
use awsfed_snapshot::Snapshot;
use serde_json::{Value, json};

const NOW: i64 = 1_764_000_000_000; // 2025-11-24

fn clean() -> (Snapshot, IdpMapping) {
    let model = example("hub-and-spoke");
    let state = compile(&model);
    (
        Snapshot::from_desired(&state),
        IdpMapping::from_compiled(model.idp(), &state.groups).with_intent(Intent::from_compiled(
            &model.naming.role_path,
            &state.groups,
        )),
    )
}

fn rules_found(snapshot: &Snapshot, mapping: &IdpMapping) -> Vec<&'static str> {
    let estate = Estate::new(snapshot, None);
    let analysis = analyze(&estate, mapping);
    let mut rules: Vec<_> = audit(&analysis, NOW).into_iter().map(|f| f.rule).collect();
    rules.sort();
    rules.dedup();
    rules
}

/// Asserts the clean estate does not have the rule and the mutated one does.
fn check(rule: &str, mutate: impl FnOnce(&mut Snapshot, &mut IdpMapping)) {
    assert!(RULES.iter().any(|r| r.id == rule), "unknown rule {rule}");
    let (clean_snapshot, clean_mapping) = clean();
    assert!(
        !rules_found(&clean_snapshot, &clean_mapping).contains(&rule),
        "{rule} on the clean estate"
    );
    let (mut snapshot, mut mapping) = clean();
    mutate(&mut snapshot, &mut mapping);
    let found = rules_found(&snapshot, &mapping);
    assert!(found.contains(&rule), "{rule} not found; found {found:?}");
}

#[test]
fn the_clean_estate_has_no_findings() {
    let (snapshot, mapping) = clean();
    assert_eq!(rules_found(&snapshot, &mapping), Vec::<&str>::new());
}

#[test]
fn trust_account_root() {
    check("trust-account-root", |s, _| {
        edit_trust(s, PROD, "Admin", |st| {
            st["Principal"] = json!({"AWS": format!("arn:aws:iam::{HUB}:root")});
            st.as_object_mut().unwrap().remove("Condition");
        })
    });
}

#[test]
fn trust_organization() {
    check("trust-organization", |s, _| {
        edit_trust(s, PROD, "Admin", |st| {
            st["Principal"] = json!("*");
            st["Condition"] = json!({"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg1"}});
        })
    });
}

#[test]
fn hub_assume_any() {
    check("hub-assume-any", |s, _| {
        role(s, HUB, "developers").inline_policies.insert(
            "anything".into(),
            PolicyDocument::from_json(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
            )
            .unwrap(),
        );
    });
}

#[test]
fn spoke_trust_unbound() {
    check("spoke-trust-unbound", |s, _| {
        edit_trust(s, PROD, "Admin", |st| {
            st.as_object_mut().unwrap().remove("Condition");
        })
    });
}

#[test]
fn saml_aud_missing() {
    check("saml-aud-missing", |s, _| {
        edit_trust(s, HUB, "developers", |st| {
            st.as_object_mut().unwrap().remove("Condition");
        })
    });
}

#[test]
fn saml_aud_global_only() {
    check("saml-aud-global-only", |s, _| {
        edit_trust(s, HUB, "developers", |st| {
            st["Condition"] =
                json!({"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}});
        })
    });
}

#[test]
fn saml_aud_global_only_next_to_the_browser_listener() {
    check("saml-aud-global-only", |s, _| {
        edit_trust(s, HUB, "developers", |st| {
            st["Condition"] = json!({"StringEquals": {"SAML:aud": [
                "https://signin.aws.amazon.com/saml",
                "http://127.0.0.1:43821/saml"
            ]}});
        })
    });
}

#[test]
fn broken_mapping() {
    check("broken-mapping", |_, m| {
        m.groups[0].roles[0].role_arn = format!("arn:aws:iam::{HUB}:role/awsfed/hub-gone");
    });
}

#[test]
fn orphan_role() {
    check("orphan-role", |_, m| {
        m.groups.remove(0);
    });
}

#[test]
fn missing_session_action() {
    check("missing-session-action", |s, _| {
        edit_trust(s, PROD, "Admin", |st| {
            st["Action"] = json!("sts:AssumeRole")
        })
    });
}

#[test]
fn chained_session_too_long() {
    check("chained-session-too-long", |s, _| {
        role(s, PROD, "Admin").max_session_duration = 7_200;
    });
}

#[test]
fn mfa_unsatisfiable() {
    check("mfa-unsatisfiable", |s, _| {
        edit_trust(s, PROD, "Admin", |st| {
            st["Condition"]["Bool"] = json!({"aws:MultiFactorAuthPresent": "true"});
        })
    });
}

#[test]
fn dangling_principal() {
    check("dangling-principal", |s, _| {
        edit_trust(s, PROD, "Admin", |st| {
            let mut list = match st["Principal"]["AWS"].take() {
                Value::Array(v) => v,
                one => vec![one],
            };
            list.push(json!("AROAEXAMPLEEXAMPLE1234"));
            st["Principal"]["AWS"] = Value::Array(list);
        })
    });
}

#[test]
fn provider_other_account() {
    check("provider-other-account", |s, _| {
        edit_trust(s, HUB, "developers", |st| {
            st["Principal"] =
                json!({"Federated": format!("arn:aws:iam::{PROD}:saml-provider/corp")});
        })
    });
}

#[test]
fn metadata_expiring() {
    check("metadata-expiring", |s, _| {
        let account = s.accounts.iter_mut().find(|a| a.id == HUB).unwrap();
        account.saml_providers[0].valid_until = Some("2025-12-04T00:00:00Z".into());
    });
    // Far from expiry: no finding.
    let (mut snapshot, mapping) = clean();
    let account = snapshot.accounts.iter_mut().find(|a| a.id == HUB).unwrap();
    account.saml_providers[0].valid_until = Some("2027-01-01T00:00:00Z".into());
    assert!(!rules_found(&snapshot, &mapping).contains(&"metadata-expiring"));
}

/// The issue's reproduction: a group enters an administrator role in the hub account whose name
/// matches the narrowed spoke trust's pattern (`ArnLike aws:PrincipalArn …:role/awsfed/hub-*`), and
/// from there a spoke role no grant gives it.
fn hub_ops_escalation(s: &mut Snapshot, m: &mut IdpMapping) {
    // A permission-set role beside the hub roles, where a `hub-*` name prefix would admit it.
    add_role(s, HUB, "developers", "hub-ops", |r| {
        admin(r);
        r.path = "/awsfed/".into();
        r.arn = format!("arn:aws:iam::{HUB}:role/awsfed/hub-ops");
    });
    edit_trust(s, PROD, "ReadOnly", |st| {
        st["Principal"] = json!({"AWS": format!("arn:aws:iam::{HUB}:root")});
        st["Condition"]["ArnLike"] =
            json!({"aws:PrincipalArn": format!("arn:aws:iam::{HUB}:role/awsfed/hub-*")});
    });
    let value = RolePair {
        role_arn: format!("arn:aws:iam::{HUB}:role/awsfed/hub-ops"),
        provider_arn: format!("arn:aws:iam::{HUB}:saml-provider/corp"),
    };
    m.groups.push(awsfed_access::IdpGroup {
        name: "id-admins".into(),
        roles: vec![value.clone()],
    });
    m.intent
        .as_mut()
        .unwrap()
        .granted
        .insert("id-admins".into(), [value.role_arn].into());
}

#[test]
fn access_escalation() {
    check("access-escalation", hub_ops_escalation);
}

/// What the finding says: the whole chain with each hop's conditions, and the hop to cut.
#[test]
fn access_escalation_names_the_chain_and_the_fix() {
    let (mut snapshot, mut mapping) = clean();
    hub_ops_escalation(&mut snapshot, &mut mapping);
    let estate = Estate::new(&snapshot, None);
    let analysis = analyze(&estate, &mapping);
    let findings: Vec<_> = audit(&analysis, NOW)
        .into_iter()
        .filter(|f| f.rule == "access-escalation")
        .collect();
    insta::assert_json_snapshot!(findings);
}

/// Without a model's intent, a path of two AssumeRole hops: a role in the spoke trusting the
/// spoke's administrator role, which only that chain reaches.
#[test]
fn access_escalation_without_a_model() {
    check("access-escalation", |s, m| {
        m.intent = None;
        add_role(s, PROD, "Admin", "Ops", |r| {
            r.trust_policy = PolicyDocument::from_json(&format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{PROD}:role/awsfed/Admin"}},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}}]}}"#
            ))
            .unwrap();
        });
    });
}

#[test]
fn unowned_role_under_path() {
    check("unowned-role-under-path", |s, _| {
        add_role(s, HUB, "developers", "hub-lookalike", |r| {
            r.tags.clear();
        });
    });
    // The same role outside the path is no finding.
    let (mut snapshot, mapping) = clean();
    add_role(&mut snapshot, HUB, "developers", "elsewhere", |r| {
        r.tags.clear();
        r.path = "/other/".into();
        r.arn = format!("arn:aws:iam::{HUB}:role/other/elsewhere");
    });
    assert!(!rules_found(&snapshot, &mapping).contains(&"unowned-role-under-path"));
}

#[test]
fn every_rule_has_a_test() {
    let source = include_str!("audit.rs");
    for rule in RULES {
        assert!(
            source.contains(&format!("check(\"{}\"", rule.id)),
            "rule {} has no positive/negative test",
            rule.id
        );
    }
}

/// An IAM user of the hub account, allowed to assume any role, with these groups.
fn iam_user(snapshot: &mut Snapshot, name: &str, groups: &[&str]) -> String {
    let arn = format!("arn:aws:iam::{HUB}:user/awsfed/users/{name}");
    let account = snapshot.accounts.iter_mut().find(|a| a.id == HUB).unwrap();
    account.users.push(awsfed_snapshot::UserSnapshot {
        name: name.to_owned(),
        path: "/awsfed/users/".to_owned(),
        arn: arn.clone(),
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        managed_policy_arns: Vec::new(),
        inline_policies: [("assume".to_owned(), assume_anything())].into(),
        tags: Default::default(),
        credentials: None,
    });
    arn
}

/// User `rotator` in the hub, with an access key created a year before NOW.
fn user_with_old_key(snapshot: &mut Snapshot) {
    iam_user(snapshot, "rotator", &[]);
    let account = snapshot.accounts.iter_mut().find(|a| a.id == HUB).unwrap();
    account.users.last_mut().unwrap().credentials = Some(awsfed_snapshot::UserCredentials {
        access_keys: vec![awsfed_snapshot::AccessKeySnapshot {
            id: "AKIAEXAMPLEOLDKEY001".to_owned(),
            status: "Active".to_owned(),
            created: "2024-11-24T00:00:00Z".to_owned(),
        }],
        mfa_devices: Vec::new(),
        login_profile: false,
    });
}

fn assume_anything() -> PolicyDocument {
    PolicyDocument::from_json(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
    )
    .unwrap()
}

/// The intent of a model with an IAM-users hub whose keys may be 90 days old.
fn with_iam_users(mapping: &mut IdpMapping) {
    if let Some(intent) = mapping.intent.as_mut() {
        intent.iam_users = Some(awsfed_access::IamUsersIntent {
            groups: Default::default(),
            access_key_max_age_days: 90,
        });
    }
}

#[test]
fn iam_users_rules() {
    // A trust admitting a user by ARN, with no MFA condition anywhere on the path.
    check("iam-user-without-mfa", |s, _| {
        let user = iam_user(s, "keys-only", &[]);
        let trust = &mut role(s, PROD, "Admin").trust_policy;
        trust.statement.push(
            awsfed_policy::Statement::allow(awsfed_policy::StringList::one("sts:AssumeRole"))
                .with_principal(awsfed_policy::Principal::aws(
                    awsfed_policy::StringList::one(user),
                )),
        );
    });
    // A group the model does not have, allowed to assume anything.
    check("iam-group-policy-wider", |s, m| {
        with_iam_users(m);
        let account = s.accounts.iter_mut().find(|a| a.id == HUB).unwrap();
        account.groups.push(awsfed_snapshot::IamGroupSnapshot {
            name: "wide".to_owned(),
            path: "/awsfed/users/".to_owned(),
            arn: format!("arn:aws:iam::{HUB}:group/awsfed/users/wide"),
            managed_policy_arns: Vec::new(),
            inline_policies: [("assume".to_owned(), assume_anything())].into(),
        });
    });
    check("access-key-too-old", |s, m| {
        with_iam_users(m);
        user_with_old_key(s);
    });
    // Without a model's limit, a key's age is no finding.
    let (mut snapshot, mapping) = clean();
    user_with_old_key(&mut snapshot);
    assert!(!rules_found(&snapshot, &mapping).contains(&"access-key-too-old"));
}
