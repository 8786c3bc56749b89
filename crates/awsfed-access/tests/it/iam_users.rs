//! The IAM-users hub (`examples/iam-users`): every (IAM user, role) hop, from the user's MFA session
//! and with its long-term keys alone, decided by awsfed's evaluator and by iam-simulate alike,
//! action by action; the hops allowed with MFA are exactly the model's grants (what `who-can`
//! shows), and without MFA only the exempt user's.

use std::collections::BTreeSet;

use awsfed_access::Estate;
use awsfed_access::iam_users::{SignIn, user_context, user_hop, user_identity};
use awsfed_compile::compile;
use awsfed_policy::Decision;
use awsfed_snapshot::Snapshot;
use serde_json::{Value, json};

use crate::support::example;
use crate::support::oracle::{Oracle, chain_json, context_json, skip_oracle};

#[test]
fn user_hops_agree_with_the_oracle_and_the_grants() {
    let model = example("iam-users");
    let state = compile(&model);
    let snapshot = Snapshot::from_desired(&state);
    let estate = Estate::new(&snapshot, None);
    let mut simulations = Vec::new();
    let mut decided = Vec::new();
    let mut allowed = BTreeSet::new();
    let mut without_mfa = BTreeSet::new();
    let mut hops = 0;
    for account in &snapshot.accounts {
        for user in &account.users {
            let identity = user_identity(&estate, account, user);
            assert!(identity.problems.is_empty(), "{:?}", identity.problems);
            let documents: Vec<Value> = user
                .managed_policy_arns
                .iter()
                .chain(
                    account
                        .groups
                        .iter()
                        .filter(|g| user.groups.contains(&g.name))
                        .flat_map(|g| &g.managed_policy_arns),
                )
                .enumerate()
                .map(|(i, arn)| json!({"name": format!("identity-{i}"), "policy": estate.document(arn).expect("a managed policy")}))
                .collect();
            for (target, mfa) in (0..estate.roles.len()).flat_map(|t| [(t, true), (t, false)]) {
                let hop = user_hop(&estate, account, user, &identity, target, mfa, false);
                hops += 1;
                if hop.allowed {
                    if mfa {
                        allowed.insert((user.arn.clone(), hop.role_arn.clone()));
                    } else {
                        without_mfa.insert((user.arn.clone(), hop.role_arn.clone()));
                    }
                }
                let to = estate.role(target);
                let source_identity = hop
                    .checks
                    .iter()
                    .any(|c| c.action == "sts:SetSourceIdentity");
                for check in &hop.checks {
                    let sign_in = SignIn {
                        mfa,
                        source_identity,
                    };
                    let mut context = user_context(&estate, account, user, &check.action, sign_in);
                    awsfed_access::resource_context(&estate, &mut context, &to.account.id);
                    simulations.push(json!({
                        "request": {
                            "principal": user.arn,
                            "action": check.action,
                            "resource": {"resource": to.role.arn, "accountId": to.account.id},
                            "contextVariables": context_json(&context),
                        },
                        "identityPolicies": documents,
                        "serviceControlPolicies": chain_json(&estate, estate.service_control(&account.id)),
                        "resourceControlPolicies": chain_json(&estate, estate.resource_control(&to.account.id)),
                        "resourcePolicy": to.role.trust_policy,
                    }));
                    decided.push(check.decision);
                }
            }
        }
    }
    // The allowed hops are the model's grants: each user's targets, nothing else.
    let hub = state
        .accounts
        .iter()
        .find_map(|a| a.iam_users.as_ref())
        .expect("the hub");
    let granted: BTreeSet<(String, String)> = hub
        .users
        .iter()
        .flat_map(|u| {
            u.targets
                .iter()
                .map(|t| (u.arn.clone(), t.hops[0].role_arn().to_owned()))
        })
        .collect();
    assert_eq!(allowed, granted);
    // Without MFA (long-term keys alone) only the user the model exempts gets anywhere.
    let exempt: BTreeSet<(String, String)> = granted
        .iter()
        .filter(|(user, _)| user.ends_with("/break-glass"))
        .cloned()
        .collect();
    assert!(!exempt.is_empty());
    assert_eq!(without_mfa, exempt);
    let mapping = awsfed_access::IdpMapping::without_saml();
    let analysis = awsfed_access::analyze(&estate, &mapping);
    let shown: BTreeSet<(String, String)> = analysis
        .user_paths
        .iter()
        .map(|p| {
            let user = analysis.users[p.user].user.arn.clone();
            (user, estate.role(p.target).role.arn.clone())
        })
        .collect();
    assert_eq!(shown, granted, "the paths are exactly the allowed hops");
    if skip_oracle() {
        return;
    }
    let answers = Oracle::start().run(simulations.clone());
    let mut agree = 0;
    for ((simulation, ours), theirs) in simulations.iter().zip(&decided).zip(&answers) {
        assert_eq!(
            (*ours == Decision::Allow),
            (*theirs == Decision::Allow),
            "evaluator {ours:?}, oracle {theirs:?}: {simulation}"
        );
        agree += 1;
    }
    println!(
        "{hops} user hops ({} allowed with MFA, {} without), {} actions: evaluator and iam-simulate agree on {agree}",
        allowed.len(),
        without_mfa.len(),
        simulations.len()
    );
}

/// The IAM-users audit rules on the example, changed by hand: the exempt user reaches its roles
/// without MFA, a group policy allowing every role is wider than the grants, and a key older than
/// the model's 90 days is reported; the model as compiled has no other IAM-user finding.
#[test]
fn audit_names_users_without_mfa_wider_group_policies_and_old_keys() {
    use awsfed_access::audit::audit;
    use awsfed_access::{IdpMapping, Intent, analyze};
    let model = example("iam-users");
    let state = compile(&model);
    let hub = state
        .accounts
        .iter()
        .find_map(|a| a.iam_users.as_ref())
        .expect("the hub");
    let mapping = IdpMapping {
        intent: Some(
            Intent::from_compiled(&model.naming.role_path, &state.groups).with_iam_users(hub, 90),
        ),
        ..IdpMapping::without_saml()
    };
    let now = awsfed_policy::parse_date_millis("2026-11-30T00:00:00Z").unwrap();
    let findings = |snapshot: &Snapshot| -> Vec<String> {
        let estate = Estate::new(snapshot, None);
        let analysis = analyze(&estate, &mapping);
        audit(&analysis, now)
            .into_iter()
            .filter(|f| f.rule.starts_with("iam-") || f.rule == "access-key-too-old")
            .map(|f| format!("{} {} {}: {}", f.severity, f.rule, f.location, f.message))
            .collect()
    };
    let snapshot = Snapshot::from_desired(&state);
    let as_compiled = findings(&snapshot);
    assert!(
        as_compiled
            .iter()
            .all(|f| f.contains("iam-user-without-mfa") && f.contains("/break-glass")),
        "{as_compiled:#?}"
    );
    assert_eq!(as_compiled.len(), 4, "{as_compiled:#?}");

    let mut changed = snapshot.clone();
    let account = changed
        .accounts
        .iter_mut()
        .find(|a| !a.users.is_empty())
        .unwrap();
    let auditors = account
        .groups
        .iter_mut()
        .find(|g| g.name == "auditors")
        .unwrap();
    auditors.inline_policies.insert(
        "by-hand".to_owned(),
        awsfed_policy::PolicyDocument::from_json(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
        )
        .unwrap(),
    );
    let ada = account.users.iter_mut().find(|u| u.name == "ada").unwrap();
    ada.credentials = Some(awsfed_snapshot::UserCredentials {
        access_keys: vec![
            awsfed_snapshot::AccessKeySnapshot {
                id: "AKIAOLDEXAMPLE000001".to_owned(),
                status: "Active".to_owned(),
                created: "2026-07-01T00:00:00Z".to_owned(),
            },
            awsfed_snapshot::AccessKeySnapshot {
                id: "AKIANEWEXAMPLE000002".to_owned(),
                status: "Active".to_owned(),
                created: "2026-11-01T00:00:00Z".to_owned(),
            },
        ],
        mfa_devices: Vec::new(),
        login_profile: true,
    });
    insta::assert_snapshot!(findings(&changed).join("\n"));
}
