//! A mixed model on one moto organisation of 106 accounts: the Dev OU on Identity Center, the rest
//! hub-and-spoke with some direct accounts. One organisation per module (seeding costs most of the
//! time). moto serves sso-admin and identitystore but not the tag and permissions-boundary calls of
//! permission sets; `tests/support/moto_identity_center.py` adds those over moto's own objects.
//! The test runs the whole life: applied, planned again, drifted by hand, imported.

use serde_json::Value;

use crate::deploy_support::{ModelSpec, Moto, Org, Workspace, moto_enabled, python};

/// Runs boto3 against moto's sso-admin and identitystore in eu-west-1; `code` sees `sso`, `store`,
/// `instance`, `store_id` and `out` (a dict printed as JSON).
pub(crate) fn boto(endpoint: &str, code: &str) -> Value {
    let script = format!(
        "import boto3, json\nkw = dict(endpoint_url='{endpoint}', region_name='eu-west-1', aws_access_key_id='testing', aws_secret_access_key='testing')\nsso = boto3.client('sso-admin', **kw)\nstore = boto3.client('identitystore', **kw)\ni = sso.list_instances()['Instances'][0]\ninstance, store_id = i['InstanceArn'], i['IdentityStoreId']\nout = {{}}\n{code}\nprint(json.dumps(out, default=str))\n"
    );
    let output = std::process::Command::new(python())
        .args(["-c", &script])
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "boto3 failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// The permission sets by name: (arn, session duration, managed policy ARNs).
fn permission_sets(endpoint: &str) -> Value {
    boto(
        endpoint,
        "for arn in sso.list_permission_sets(InstanceArn=instance)['PermissionSets']:\n    d = sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)['PermissionSet']\n    m = [p['Arn'] for p in sso.list_managed_policies_in_permission_set(InstanceArn=instance, PermissionSetArn=arn)['AttachedManagedPolicies']]\n    out[d['Name']] = {'arn': arn, 'session': d.get('SessionDuration'), 'managed': m}",
    )
}

/// Workload accounts in Workloads/Prod and Workloads/Dev (with the identity account, 106).
const ACCOUNTS: (usize, usize) = (60, 45);

fn model(org: &Org) -> String {
    let spec = ModelSpec::with_direct((0..org.workloads.len()).step_by(10).collect());
    spec.yaml(org)
        .replace(
            "topology: { default: hub-and-spoke, hub_account: identity }",
            "identity_center:\n  region: eu-west-1\n  groups: create\ntopology:\n  default: hub-and-spoke\n  hub_account: identity\n  ous:\n    Workloads/Dev: identity-center\n",
        )
}

/// `Identity Center: planned with N calls (W writes).` → (N, W).
fn calls(stderr: &str) -> (usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("Identity Center: planned with"))
        .unwrap_or_else(|| panic!("the plan reports its Identity Center calls:\n{stderr}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

#[test]
fn a_mixed_organisation_of_106_accounts_on_identity_center() {
    if !moto_enabled() {
        return;
    }
    let moto = Moto::start_identity_center();
    let e = moto.endpoint.as_str();
    let org = Org::create(e, ACCOUNTS.0, ACCOUNTS.1);
    assert!(org.account_count() >= 100);
    let ws = Workspace::new();
    ws.write_model(&model(&org));

    // From empty: permission sets, groups and 90 assignments (two groups × 45 Dev accounts).
    let first = ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(2);
    assert!(
        first.stdout().contains("create permission set Admin"),
        "{}",
        first.stdout()
    );
    assert!(first.stdout().contains("create directory group developers"));
    let applied = ws.run(e, &["apply"]).expect_code(0);
    assert!(
        applied.stderr().contains("Identity Center: applied with"),
        "{}",
        applied.stderr()
    );
    let sets = permission_sets(e);
    assert_eq!(sets["Admin"]["session"], "PT1H", "{sets}");
    // Every tenth workload account picks direct itself; the others of Dev are identity-center.
    let dev_account = &org
        .workloads
        .iter()
        .enumerate()
        .find(|(i, w)| w.2 == "dev" && i % 10 != 0)
        .unwrap()
        .1
        .1;
    let assigned = boto(
        e,
        &format!(
            "out['n'] = len(sso.list_account_assignments(InstanceArn=instance, AccountId='{dev_account}', PermissionSetArn='{}')['AccountAssignments'])",
            sets["Admin"]["arn"].as_str().unwrap()
        ),
    );
    assert_eq!(
        assigned["n"], 2,
        "platform-admins and developers hold Admin there"
    );

    // Converged: no changes, and reading took no writes.
    let converged = ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    assert!(
        converged.stdout().contains("matches the model"),
        "{}",
        converged.stdout()
    );
    let (total, writes) = calls(&converged.stderr());
    assert_eq!(writes, 0);
    eprintln!("a converged Identity Center plan made {total} calls");

    // Drift by hand: a longer session and a policy added; someone else's set beside awsfed's.
    let admin = sets["Admin"]["arn"].as_str().unwrap().to_owned();
    boto(
        e,
        &format!(
            "sso.update_permission_set(InstanceArn=instance, PermissionSetArn='{admin}', SessionDuration='PT12H')\nsso.attach_managed_policy_to_permission_set(InstanceArn=instance, PermissionSetArn='{admin}', ManagedPolicyArn='arn:aws:iam::aws:policy/ReadOnlyAccess')\nf = sso.create_permission_set(InstanceArn=instance, Name='Foreign', SessionDuration='PT2H')['PermissionSet']['PermissionSetArn']\ng = store.get_group_id(IdentityStoreId=store_id, AlternateIdentifier={{'UniqueAttribute': {{'AttributePath': 'displayName', 'AttributeValue': 'developers'}}}})['GroupId']\nsso.create_account_assignment(InstanceArn=instance, TargetId='{dev_account}', TargetType='AWS_ACCOUNT', PermissionSetArn=f, PrincipalType='GROUP', PrincipalId=g)"
        ),
    );
    let drifted = ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(2);
    let text = drifted.stdout();
    assert!(
        text.contains("permission set Admin:")
            && text.contains("session duration, managed policies"),
        "{text}"
    );
    assert!(text.contains("provision permission set Admin"), "{text}");
    assert!(
        !text.contains("Foreign"),
        "someone else's set is never planned: {text}"
    );
    ws.run(e, &["apply"]).expect_code(0);
    let after = permission_sets(e);
    assert_eq!(after["Admin"]["session"], "PT1H");
    assert_eq!(after["Admin"]["managed"], serde_json::json!([]));
    assert_eq!(after["Foreign"]["session"], "PT2H", "left alone");
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);

    import_and_take_over(&ws, e, dev_account);
}

/// Adoption: a set made by hand without a description, assigned to a group and to a single user,
/// is imported with the rest of the instance; `--adopt` tags it, and the first plan on the written
/// model is empty (no description invented, the user's assignment left alone).
fn import_and_take_over(ws: &Workspace, e: &str, dev_account: &str) {
    boto(
        e,
        &format!(
            "u = store.create_user(IdentityStoreId=store_id, UserName='ana', DisplayName='Ana', Name={{'GivenName': 'Ana', 'FamilyName': 'B'}})['UserId']\nf = [a for a in sso.list_permission_sets(InstanceArn=instance)['PermissionSets'] if sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=a)['PermissionSet']['Name'] == 'Foreign'][0]\nsso.create_account_assignment(InstanceArn=instance, TargetId='{dev_account}', TargetType='AWS_ACCOUNT', PermissionSetArn=f, PrincipalType='USER', PrincipalId=u)"
        ),
    );
    let imported = ws
        .run(
            e,
            &[
                "import",
                "identity-center",
                "--region",
                "eu-west-1",
                "--adopt",
                "--out",
                "imported.yaml",
            ],
        )
        .expect_code(0);
    assert!(
        imported.stderr().contains("Adopted 3 permission set(s)"),
        "{}",
        imported.stderr()
    );
    let yaml = std::fs::read_to_string(ws.path().join("imported.yaml")).expect("written");
    let foreign: String = yaml
        .lines()
        .skip_while(|line| *line != "  \"Foreign\":")
        .skip(1)
        .take_while(|line| line.starts_with("    "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!foreign.is_empty(), "Foreign is imported:\n{yaml}");
    assert!(!foreign.contains("description"), "{foreign}");
    assert!(foreign.contains("session_duration: \"2h\""), "{foreign}");
    assert!(
        yaml.contains(&format!(
            "has Foreign in {dev_account} (left alone by awsfed)"
        )),
        "the user's assignment is listed, not modelled:\n{yaml}"
    );
    ws.write_model(&yaml);
    let plan = ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
    assert!(
        plan.stdout().contains("matches the model"),
        "{}",
        plan.stdout()
    );
    let sets = permission_sets(e);
    assert_eq!(sets["Foreign"]["session"], "PT2H");
}
