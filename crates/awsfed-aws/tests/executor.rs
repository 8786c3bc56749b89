//! The plan executor against a recording IAM: for any state and any plan it is given, no write
//! touches a resource outside awsfed's ownership (decided here on its own, from the state the
//! account started in), no trust written admits a role awsfed does not own, and policy updates
//! leave at most four versions.

#[path = "executor/recording_iam.rs"]
mod recording_iam;
#[path = "executor/recording_users.rs"]
mod recording_users;

use std::collections::{BTreeMap, BTreeSet};

use std::sync::Arc;

use awsfed_aws::{Guard, KEPT_VERSIONS, Scope, VERSIONS_TAG_KEY, execute};
use awsfed_plan::{Action, ForeignRoles};
use awsfed_policy::PolicyDocument;
use awsfed_snapshot::{AccountSnapshot, ManagedPolicySnapshot, RoleSnapshot, SamlProviderSnapshot};
use proptest::prelude::*;
use recording_iam::{Policy, Recorded, RecordingIam, Role, State};

const ACCOUNT: &str = "111111111111";
const ROLE_PATH: &str = "/awsfed/";
const PATHS: [&str; 4] = ["/awsfed/", "/awsfed/hub/", "/", "/other/"];
const ROLES: [&str; 7] = [
    "Admin",
    "hub-developers",
    "Unrelated",
    "Custom",
    "New",
    "OrganizationAccountAccessRole",
    "deployer",
];
/// The bootstrap role and the role awsfed runs as.
const PROTECTED: [&str; 2] = ["OrganizationAccountAccessRole", "deployer"];
const POLICIES: [&str; 3] = ["hub-admins-assume", "hub-developers-assume", "Custom"];
const PROVIDERS: [&str; 2] = ["corp", "other"];
const DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

fn document() -> PolicyDocument {
    PolicyDocument::from_json(DOCUMENT).expect("a policy document")
}

fn managed_tags(tagged: bool) -> BTreeMap<String, String> {
    if tagged {
        BTreeMap::from([("awsfed:managed".to_owned(), "true".to_owned())])
    } else {
        BTreeMap::new()
    }
}

fn policy_arn(path: &str, name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy{path}{name}")
}

fn provider_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:saml-provider/{name}")
}

/// Every policy ARN a plan may name: each name under each path, and an AWS managed policy.
fn policy_arns() -> Vec<String> {
    let mut arns: Vec<String> = POLICIES
        .iter()
        .flat_map(|n| PATHS.iter().map(move |p| policy_arn(p, n)))
        .collect();
    arns.push("arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned());
    arns
}

/// The test's own ownership rule (path under /awsfed/ and the managed tag).
fn is_ours(path: &str, tags: &BTreeMap<String, String>) -> bool {
    path.starts_with(ROLE_PATH) && tags.get("awsfed:managed").map(String::as_str) == Some("true")
}

/// (path index, tagged, attached policy indexes, in an instance profile).
type StartRole = (usize, bool, Vec<usize>, bool);

/// An account's starting state: which roles, policies and providers exist, where, tagged or not.
#[derive(Debug, Clone)]
struct Start {
    /// Per role of [`ROLES`].
    roles: Vec<Option<StartRole>>,
    /// Per policy of [`POLICIES`]: (path index, tagged).
    policies: Vec<Option<(usize, bool)>>,
    /// Per provider of [`PROVIDERS`]: tagged.
    providers: Vec<Option<bool>>,
}

fn start() -> impl Strategy<Value = Start> {
    let role = proptest::option::of((
        0..PATHS.len(),
        any::<bool>(),
        proptest::collection::vec(0..POLICIES.len(), 0..3),
        proptest::bool::weighted(0.1),
    ));
    (
        proptest::collection::vec(role, ROLES.len()),
        proptest::collection::vec(
            proptest::option::of((0..PATHS.len(), any::<bool>())),
            POLICIES.len(),
        ),
        proptest::collection::vec(proptest::option::of(any::<bool>()), PROVIDERS.len()),
    )
        .prop_map(|(roles, policies, providers)| Start {
            roles,
            policies,
            providers,
        })
}

impl Start {
    fn policy_arn(&self, index: usize) -> Option<String> {
        self.policies[index].map(|(path, _)| policy_arn(PATHS[path], POLICIES[index]))
    }

    /// What IAM holds (the recording client's state) and what awsfed read (the snapshot).
    fn build(&self) -> (State, AccountSnapshot) {
        let mut state = State {
            account_id: ACCOUNT.to_owned(),
            ..State::default()
        };
        let mut snapshot = AccountSnapshot::empty(ACCOUNT);
        for (index, policy) in self.policies.iter().enumerate() {
            let Some((path, tagged)) = *policy else {
                continue;
            };
            let arn = policy_arn(PATHS[path], POLICIES[index]);
            state.policies.insert(
                arn.clone(),
                Policy {
                    path: PATHS[path].to_owned(),
                    tags: managed_tags(tagged),
                    versions: vec![("v1".to_owned(), DOCUMENT.to_owned(), 1.0)],
                    default: "v1".to_owned(),
                    next: 1,
                },
            );
            snapshot.policies.push(ManagedPolicySnapshot {
                arn,
                name: POLICIES[index].to_owned(),
                path: PATHS[path].to_owned(),
                document: document(),
                tags: managed_tags(tagged),
                other_versions: Vec::new(),
            });
        }
        for (index, role) in self.roles.iter().enumerate() {
            let Some((path, tagged, attached, profile)) = role else {
                continue;
            };
            let attached: BTreeSet<String> = attached
                .iter()
                .filter_map(|i| self.policy_arn(*i))
                .collect();
            let name = ROLES[index];
            state.roles.insert(
                name.to_owned(),
                Role {
                    path: PATHS[*path].to_owned(),
                    tags: managed_tags(*tagged),
                    attached: attached.clone(),
                    inline: BTreeSet::new(),
                    instance_profiles: if *profile {
                        vec!["ec2".to_owned()]
                    } else {
                        Vec::new()
                    },
                },
            );
            snapshot.roles.push(RoleSnapshot {
                name: name.to_owned(),
                path: PATHS[*path].to_owned(),
                arn: format!("arn:aws:iam::{ACCOUNT}:role{}{name}", PATHS[*path]),
                role_id: String::new(),
                trust_policy: document(),
                inline_policies: BTreeMap::new(),
                managed_policy_arns: attached.into_iter().collect(),
                permissions_boundary: None,
                max_session_duration: 3600,
                description: None,
                tags: managed_tags(*tagged),
            });
        }
        for (index, provider) in self.providers.iter().enumerate() {
            let Some(tagged) = *provider else { continue };
            let arn = provider_arn(PROVIDERS[index]);
            state.providers.insert(arn.clone(), managed_tags(tagged));
            snapshot.saml_providers.push(SamlProviderSnapshot {
                arn,
                name: PROVIDERS[index].to_owned(),
                metadata_document: String::new(),
                valid_until: None,
                tags: managed_tags(tagged),
            });
        }
        (state, snapshot)
    }
}

/// The hub path a narrowed spoke trust admits.
const HUB_PATTERN: &str = "arn:aws:iam::111111111111:role/awsfed/hub/*";

/// A trust as plans write them: exact role ARNs (any role name under any path), the account
/// narrowed to the hub path, or the model's SAML provider.
fn trust() -> impl Strategy<Value = PolicyDocument> {
    let role_arn = (
        proptest::sample::select(PATHS.to_vec()),
        proptest::sample::select(ROLES.to_vec()),
    )
        .prop_map(|(path, name)| format!("arn:aws:iam::{ACCOUNT}:role{path}{name}"));
    let statement = |principal: String, condition: &str| {
        format!(
            r#"{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{principal}{condition}}}"#
        )
    };
    prop_oneof![
        proptest::collection::vec(role_arn, 1..3).prop_map(move |arns| {
            let arns = serde_json::to_string(&arns).expect("JSON");
            statement(format!(r#"{{"AWS":{arns}}}"#), "")
        }),
        Just(statement(
            format!(r#"{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}}"#),
            &format!(r#","Condition":{{"ArnLike":{{"aws:PrincipalArn":"{HUB_PATTERN}"}}}}"#),
        )),
        Just(statement(
            format!(r#"{{"Federated":"{}"}}"#, provider_arn("corp")),
            ""
        )),
    ]
    .prop_map(|statement| {
        PolicyDocument::from_json(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#
        ))
        .expect("a trust")
    })
}

fn action() -> impl Strategy<Value = Action> {
    let role = proptest::sample::select(ROLES.to_vec()).prop_map(str::to_owned);
    let path = proptest::sample::select(PATHS.to_vec()).prop_map(str::to_owned);
    let policy = proptest::sample::select(policy_arns());
    let provider = proptest::sample::select(PROVIDERS.to_vec()).prop_map(str::to_owned);
    let name = proptest::sample::select(POLICIES.to_vec()).prop_map(str::to_owned);
    prop_oneof![
        provider.clone().prop_map(|name| Action::CreateSamlProvider {
            name,
            metadata_document: "<m/>".to_owned(),
            tags: managed_tags(true),
        }),
        provider.clone().prop_map(|n| Action::UpdateSamlProvider {
            arn: provider_arn(&n),
            metadata_document: "<m/>".to_owned(),
        }),
        provider.prop_map(|n| Action::DeleteSamlProvider {
            arn: provider_arn(&n)
        }),
        (
            role.clone(),
            path.clone(),
            any::<bool>(),
            proptest::collection::vec(policy.clone(), 0..3),
            trust(),
        )
            .prop_map(|(name, path, tagged, managed_policy_arns, trust_policy)| Action::CreateRole {
                name,
                path,
                description: String::new(),
                max_session_duration: 3600,
                trust_policy,
                managed_policy_arns,
                inline_policies: BTreeMap::from([("inline".to_owned(), document())]),
                permissions_boundary: None,
                tags: managed_tags(tagged),
            }),
        (role.clone(), trust()).prop_map(|(role, trust_policy)| Action::UpdateTrust {
            role,
            trust_policy,
            previous: document(),
        }),
        role.clone().prop_map(|role| Action::UpdateRole {
            role,
            max_session_duration: 3600,
            description: String::new(),
        }),
        role.clone().prop_map(|role| Action::PutInlinePolicy {
            role,
            name: "inline".to_owned(),
            document: document(),
            previous: None,
        }),
        role.clone().prop_map(|role| Action::DeleteInlinePolicy {
            role,
            name: "inline".to_owned(),
        }),
        (role.clone(), policy.clone())
            .prop_map(|(role, policy_arn)| Action::AttachPolicy { role, policy_arn }),
        (role.clone(), policy.clone())
            .prop_map(|(role, policy_arn)| Action::DetachPolicy { role, policy_arn }),
        (role.clone(), policy.clone())
            .prop_map(|(role, policy_arn)| Action::PutPermissionsBoundary { role, policy_arn }),
        role.clone()
            .prop_map(|role| Action::DeletePermissionsBoundary { role }),
        role.clone().prop_map(|role| Action::TagRole {
            role,
            tags: managed_tags(true),
        }),
        (name, path, any::<bool>(), role.clone()).prop_map(|(name, path, tagged, attach_to)| {
            Action::CreatePolicy {
                name,
                path,
                description: String::new(),
                document: document(),
                tags: managed_tags(tagged),
                attach_to,
            }
        }),
        policy.clone().prop_map(|arn| Action::UpdatePolicy {
            arn,
            document: PolicyDocument::from_json(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#
            )
            .expect("document"),
            previous: document(),
            tags: managed_tags(true),
            restores: None,
        }),
        policy.prop_map(|arn| Action::DeletePolicy { arn }),
        role.prop_map(|role| Action::DeleteRole { role }),
    ]
}

/// What apply gives every guard; the roles awsfed does not own come from the account read.
fn scope(snapshot: &AccountSnapshot) -> Scope {
    Scope {
        role_path: ROLE_PATH.to_owned(),
        provider_name: "corp".to_owned(),
        partition: "aws".to_owned(),
        protected_roles: BTreeSet::from([format!("{ACCOUNT}/deployer")]),
        bootstrap_role: "OrganizationAccountAccessRole".to_owned(),
        foreign_roles: Arc::new(ForeignRoles::new([snapshot], ROLE_PATH)),
        users_path: format!("{ROLE_PATH}users/"),
    }
}

/// Runs every action (going on after refusals, which an apply would not) with one guard.
fn run(iam: &RecordingIam, snapshot: &AccountSnapshot, actions: &[Action]) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    let mut guard = Guard::new(snapshot, &scope(snapshot));
    runtime.block_on(async {
        let mut errors = Vec::new();
        for action in actions {
            if let Err(e) = execute(iam, &mut guard, action).await {
                errors.push(e.to_string());
            }
        }
        errors
    })
}

/// The first write that touches something awsfed does not own, judged from the starting state.
fn first_violation(start: &State, writes: &[Recorded]) -> Option<String> {
    let mut roles: BTreeSet<String> = start
        .roles
        .iter()
        .filter(|(_, r)| is_ours(&r.path, &r.tags))
        .map(|(n, _)| n.clone())
        .collect();
    let mut policies: BTreeSet<String> = start
        .policies
        .iter()
        .filter(|(_, p)| is_ours(&p.path, &p.tags))
        .map(|(a, _)| a.clone())
        .collect();
    for write in writes {
        let bad = |why: &str| Some(format!("{why}: {write:?}"));
        if let Some(trust) = &write.trust
            && admits_a_foreign_role(start, trust)
        {
            return bad("a trust admitting a role awsfed does not own was written");
        }
        if let Some(role) = &write.role
            && PROTECTED.contains(&role.as_str())
        {
            return bad("a protected role was written");
        }
        match write.operation {
            "CreateRole" => {
                let role = write.role.clone().unwrap_or_default();
                let path = write.path.clone().unwrap_or_default();
                if !is_ours(&path, &write.tags)
                    || start.roles.contains_key(&role) && !roles.contains(&role)
                {
                    return bad("a role created outside ownership or over a foreign one");
                }
                roles.insert(role);
            }
            "CreatePolicy" => {
                let arn = write.policy.clone().unwrap_or_default();
                let path = write.path.clone().unwrap_or_default();
                if !is_ours(&path, &write.tags)
                    || start.policies.contains_key(&arn) && !policies.contains(&arn)
                {
                    return bad("a policy created outside ownership or over a foreign one");
                }
                policies.insert(arn);
            }
            "CreateSAMLProvider" | "UpdateSAMLProvider" => {
                if write.provider.as_deref() != Some(provider_arn("corp").as_str()) {
                    return bad("a provider other than the model's was written");
                }
            }
            "DeleteSAMLProvider" => {
                let arn = write.provider.clone().unwrap_or_default();
                if start.providers.get(&arn).is_none_or(BTreeMap::is_empty) {
                    return bad("an untagged provider was deleted");
                }
            }
            _ => {
                if let Some(role) = &write.role
                    && !roles.contains(role)
                {
                    return bad("a role awsfed does not own was written");
                }
                let policy = write.policy.as_deref().unwrap_or_default();
                let under_path = policy.contains(":policy/awsfed/") && !policy.contains("::aws:");
                let policy_write = write.role.is_none();
                if (policy_write || write.operation == "AttachRolePolicy")
                    && write.policy.is_some()
                    && (policy_write || under_path)
                    && !policies.contains(policy)
                {
                    return bad("a policy awsfed does not own was written or attached");
                }
            }
        }
    }
    None
}

/// The test's own reading of the trusts [`trust`] makes: a role ARN admits the start state's role
/// of that name (names are unique in an account, whatever the path); the account narrowed to the
/// hub path admits the roles under it.
fn admits_a_foreign_role(start: &State, trust: &str) -> bool {
    let foreign: Vec<(&String, String)> = start
        .roles
        .iter()
        .filter(|(_, r)| !is_ours(&r.path, &r.tags))
        .map(|(name, r)| (name, format!("arn:aws:iam::{ACCOUNT}:role{}{name}", r.path)))
        .collect();
    let trust: serde_json::Value = serde_json::from_str(trust).expect("trust JSON");
    let principals = &trust["Statement"][0]["Principal"]["AWS"];
    let principals: Vec<&str> = match principals {
        serde_json::Value::String(one) => vec![one.as_str()],
        serde_json::Value::Array(many) => many.iter().filter_map(|v| v.as_str()).collect(),
        _ => Vec::new(),
    };
    principals.iter().any(|principal| {
        if principal.ends_with(":root") {
            let prefix = HUB_PATTERN.trim_end_matches('*');
            foreign.iter().any(|(_, arn)| arn.starts_with(prefix))
        } else {
            let name = principal.rsplit('/').next().unwrap_or_default();
            foreign.iter().any(|(foreign, _)| foreign.as_str() == name)
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_write_touches_what_awsfed_does_not_own(
        start in start(),
        actions in proptest::collection::vec(action(), 1..12),
    ) {
        let (state, snapshot) = start.build();
        let iam = RecordingIam::new(state.clone());
        run(&iam, &snapshot, &actions);
        let writes = iam.writes.lock().unwrap().clone();
        prop_assert_eq!(first_violation(&state, &writes), None);
    }
}

/// The checker above is not vacuous: an executor without the guard's refusals would be caught.
#[test]
fn the_checker_catches_a_write_on_a_foreign_role() {
    let (state, _) = Start {
        roles: vec![
            None,
            Some((0, false, Vec::new(), false)),
            None,
            None,
            None,
            None,
            None,
        ],
        policies: vec![None; 3],
        providers: vec![None; 2],
    }
    .build();
    let write = Recorded {
        operation: "AttachRolePolicy",
        role: Some("hub-developers".to_owned()),
        policy: Some(policy_arn("/awsfed/", "hub-developers-assume")),
        provider: None,
        path: None,
        tags: BTreeMap::new(),
        trust: None,
    };
    assert!(first_violation(&state, &[write]).is_some());
}

/// Issue 10, defect 1, at the executor: a plan file asking to attach awsfed's new policy to the
/// foreign `/awsfed/hub-developers` and the foreign `/awsfed/hub-admins-assume` to awsfed's role
/// is refused, and neither is touched.
#[test]
fn attachments_to_and_from_foreign_resources_are_refused() {
    let start = Start {
        // Admin is ours; hub-developers (under the path, untagged) is not.
        roles: vec![
            Some((0, true, Vec::new(), false)),
            Some((0, false, Vec::new(), false)),
            None,
            None,
            None,
            None,
            None,
        ],
        // hub-admins-assume: under the path, untagged.
        policies: vec![Some((0, false)), None, None],
        providers: vec![None; 2],
    };
    let (state, snapshot) = start.build();
    let iam = RecordingIam::new(state.clone());
    let errors = run(
        &iam,
        &snapshot,
        &[
            Action::CreatePolicy {
                name: "hub-developers-assume".to_owned(),
                path: "/awsfed/".to_owned(),
                description: String::new(),
                document: document(),
                tags: managed_tags(true),
                attach_to: "hub-developers".to_owned(),
            },
            Action::AttachPolicy {
                role: "Admin".to_owned(),
                policy_arn: policy_arn("/awsfed/", "hub-admins-assume"),
            },
        ],
    );
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(iam.writes.lock().unwrap().is_empty(), "nothing was written");
    insta::assert_snapshot!(errors.join("\n"), @r"
    refused in account 111111111111: role hub-developers is not under /awsfed/ with tag awsfed:managed=true; awsfed changes only what it owns
    refused in account 111111111111: policy arn:aws:iam::111111111111:policy/awsfed/hub-admins-assume is under awsfed's path but awsfed does not own it; it is attached to none of awsfed's roles; awsfed changes only what it owns
    ");
}

/// A policy document allowing one action, for versions of distinct content.
fn allowing(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

fn digest_of(json: &str) -> String {
    awsfed_plan::policy_digest(&PolicyDocument::from_json(json).expect("document"))
}

/// The hub policy with `versions` (id = position + 1, the last the default), tagged as awsfed
/// tags it: managed, the digest of the default, and the record of the versions awsfed wrote.
fn with_versions(versions: &[&str], written: &[&str]) -> (State, AccountSnapshot, String) {
    let (mut state, snapshot) = Start {
        roles: vec![None; 7],
        policies: vec![Some((0, true)), None, None],
        providers: vec![None; 2],
    }
    .build();
    let arn = policy_arn("/awsfed/", "hub-admins-assume");
    let policy = state.policies.get_mut(&arn).expect("policy");
    policy.versions = versions
        .iter()
        .zip(1..)
        .map(|(document, n)| (format!("v{n}"), (*document).to_owned(), f64::from(n)))
        .collect();
    policy.next = u32::try_from(versions.len()).expect("few");
    policy.default = format!("v{}", versions.len());
    let default = versions.last().expect("a default");
    policy
        .tags
        .insert("awsfed:digest".to_owned(), digest_of(default));
    let record: Vec<String> = written.iter().map(|d| digest_of(d)).collect();
    policy
        .tags
        .insert(VERSIONS_TAG_KEY.to_owned(), record.join(" "));
    (state, snapshot, arn)
}

/// Issue 10, defect 6: the SDK sends a CreatePolicyVersion again when its answer is lost. With four
/// versions held, the update still succeeds, the new document is the default and at most four
/// versions remain; a second update with the same content creates nothing. Only versions awsfed
/// wrote are pruned: one someone else added is kept through every update.
#[test]
fn policy_updates_survive_a_repeated_create_and_keep_four_versions() {
    let (ours_a, foreign, ours_b, ours_c) = (
        allowing("s3:GetObject"),
        allowing("s3:PutObject"),
        allowing("s3:ListBucket"),
        allowing("s3:GetBucketPolicy"),
    );
    // v4, the default, is awsfed's by its digest tag alone (written before the record existed).
    let (state, snapshot, arn) =
        with_versions(&[&ours_a, &foreign, &ours_b, &ours_c], &[&ours_a, &ours_b]);
    let mut iam = RecordingIam::new(state);
    iam.repeat_version_creates = true;
    let new = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/awsfed/Admin"}]}"#;
    let update = Action::UpdatePolicy {
        arn: arn.clone(),
        document: PolicyDocument::from_json(new).expect("document"),
        previous: document(),
        tags: managed_tags(true),
        restores: None,
    };
    for _ in 0..3 {
        let errors = run(&iam, &snapshot, std::slice::from_ref(&update));
        assert!(errors.is_empty(), "{errors:?}");
        let state = iam.state.lock().unwrap();
        let held = &state.policies[&arn];
        assert!(held.versions.len() <= KEPT_VERSIONS, "{held:?}");
        let default = held.versions.iter().find(|(id, _, _)| *id == held.default);
        assert_eq!(default.map(|(_, d, _)| d.as_str()), Some(new));
        assert!(
            held.versions
                .iter()
                .any(|(id, d, _)| id == "v2" && *d == foreign),
            "the version awsfed did not write is kept: {held:?}"
        );
        // The record lists exactly awsfed's versions still held.
        let record: BTreeSet<&str> = held.tags[VERSIONS_TAG_KEY].split(' ').collect();
        let ours: BTreeSet<String> = held
            .versions
            .iter()
            .filter(|(id, _, _)| id != "v2")
            .map(|(_, d, _)| digest_of(d))
            .collect();
        assert_eq!(
            record,
            ours.iter().map(String::as_str).collect(),
            "{held:?}"
        );
    }
    let creates = iam
        .writes
        .lock()
        .unwrap()
        .iter()
        .filter(|w| w.operation == "CreatePolicyVersion")
        .count();
    assert_eq!(
        creates, 1,
        "the content was found the second and third time"
    );
}

/// Five versions, four of them added by someone else: awsfed deletes none of theirs and the
/// update is refused, naming them; the policy is as it was.
#[test]
fn versions_awsfed_did_not_write_are_never_pruned() {
    let foreign: Vec<String> = (0..4).map(|n| allowing(&format!("s3:Get{n}"))).collect();
    let ours = allowing("s3:GetObject");
    let mut versions: Vec<&str> = foreign.iter().map(String::as_str).collect();
    versions.push(&ours);
    let (state, snapshot, arn) = with_versions(&versions, &[&ours]);
    let iam = RecordingIam::new(state);
    let update = Action::UpdatePolicy {
        arn: arn.clone(),
        document: PolicyDocument::from_json(&allowing("s3:ListAllMyBuckets")).expect("document"),
        previous: document(),
        tags: managed_tags(true),
        restores: None,
    };
    let errors = run(&iam, &snapshot, &[update]);
    insta::assert_snapshot!(errors.join("\n"), @"policy arn:aws:iam::111111111111:policy/awsfed/hub-admins-assume holds 5 versions, 4 of which (v1, v2, v3, v4) awsfed did not write and does not delete, leaving no room for a new one; delete the versions you do not need and run again");
    let state = iam.state.lock().unwrap();
    let held = &state.policies[&arn];
    let documents: Vec<&str> = held.versions.iter().map(|(_, d, _)| d.as_str()).collect();
    assert_eq!(documents, versions, "nothing was deleted");
    assert_eq!(held.default, "v5");
    let deletes = iam
        .writes
        .lock()
        .unwrap()
        .iter()
        .filter(|w| w.operation == "DeletePolicyVersion")
        .count();
    assert_eq!(deletes, 0);
}

/// A spoke trust naming a hub role whose name a foreign role holds is refused at the call, and the
/// checker above would catch it written.
#[test]
fn a_trust_admitting_a_foreign_role_is_refused() {
    // Admin is ours; hub-developers lives under the hub path, untagged.
    let start = Start {
        roles: vec![
            Some((0, true, Vec::new(), false)),
            Some((1, false, Vec::new(), false)),
            None,
            None,
            None,
            None,
            None,
        ],
        policies: vec![None; 3],
        providers: vec![None; 2],
    };
    let (state, snapshot) = start.build();
    let naming = PolicyDocument::from_json(&format!(
        r#"{{"Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:role/awsfed/hub/hub-developers"}}}}]}}"#
    ))
    .expect("trust");
    let iam = RecordingIam::new(state.clone());
    let errors = run(
        &iam,
        &snapshot,
        &[
            Action::UpdateTrust {
                role: "Admin".to_owned(),
                trust_policy: naming.clone(),
                previous: document(),
            },
            Action::CreateRole {
                name: "New".to_owned(),
                path: ROLE_PATH.to_owned(),
                description: String::new(),
                max_session_duration: 3600,
                trust_policy: naming.clone(),
                managed_policy_arns: Vec::new(),
                inline_policies: BTreeMap::new(),
                permissions_boundary: None,
                tags: managed_tags(true),
            },
        ],
    );
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(iam.writes.lock().unwrap().is_empty(), "nothing was written");
    let write = Recorded {
        operation: "UpdateAssumeRolePolicy",
        role: Some("Admin".to_owned()),
        policy: None,
        provider: None,
        path: None,
        tags: BTreeMap::new(),
        trust: Some(naming.to_json()),
    };
    assert!(first_violation(&state, &[write]).is_some());
}

/// An update back to a document a version still holds (a migration's rollback): that version is
/// made the default again, the versions awsfed wrote after it are deleted and its record lists
/// what it listed before; nothing is created. One someone else wrote after it is kept. Stopped
/// after SetDefaultPolicyVersion (the earlier version is the default, the newer still there), a
/// rerun finishes the deletion.
#[test]
fn an_update_back_to_a_held_document_restores_that_version() {
    let (before, foreign, expanded) = (
        allowing("s3:GetObject"),
        allowing("s3:PutObject"),
        allowing("s3:ListBucket"),
    );
    let restore = |versions: &[&str], written: &[&str], stopped: bool| {
        let (mut state, snapshot, arn) = with_versions(versions, written);
        if stopped {
            state.policies.get_mut(&arn).expect("policy").default = "v1".to_owned();
        }
        let iam = RecordingIam::new(state);
        let update = Action::UpdatePolicy {
            arn: arn.clone(),
            document: PolicyDocument::from_json(&before).expect("document"),
            previous: document(),
            tags: managed_tags(true),
            restores: Some("v1".to_owned()),
        };
        let errors = run(&iam, &snapshot, &[update]);
        assert!(errors.is_empty(), "{errors:?}");
        let state = iam.state.lock().unwrap();
        let held = state.policies[&arn].clone();
        let operations: Vec<&str> = iam
            .writes
            .lock()
            .unwrap()
            .iter()
            .map(|w| w.operation)
            .filter(|o| o.contains("PolicyVersion"))
            .collect();
        (held, operations.join(" "))
    };

    let (held, operations) = restore(&[&before, &expanded], &[&before, &expanded], false);
    assert_eq!(held.default, "v1");
    assert_eq!(held.versions, [("v1".to_owned(), before.clone(), 1.0)]);
    assert_eq!(held.tags[VERSIONS_TAG_KEY], digest_of(&before));
    assert_eq!(operations, "SetDefaultPolicyVersion DeletePolicyVersion");

    let (held, operations) = restore(&[&before, &expanded], &[&before, &expanded], true);
    assert_eq!(held.versions, [("v1".to_owned(), before.clone(), 1.0)]);
    assert_eq!(held.tags[VERSIONS_TAG_KEY], digest_of(&before));
    assert_eq!(
        operations, "DeletePolicyVersion",
        "the default was set already"
    );

    let (held, _) = restore(
        &[&before, &foreign, &expanded],
        &[&before, &expanded],
        false,
    );
    let ids: Vec<&str> = held.versions.iter().map(|(id, _, _)| id.as_str()).collect();
    assert_eq!(ids, ["v1", "v2"], "the version someone else wrote stays");
    assert_eq!(held.default, "v1");
    assert_eq!(held.tags[VERSIONS_TAG_KEY], digest_of(&before));
}
