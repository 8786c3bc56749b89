//! Every IAM list awsfed reads, read to its last page. IAM may end a page early ("Using
//! pagination", IAM API Reference: `IsTruncated` can be true with fewer than `MaxItems` results),
//! while moto pages only a few calls and only at 100. The fault proxy's `--page-items 2` splits
//! every IAM list answer into pages of one or two items, so a read that stopped at the first page
//! would miss most of what the account holds: the scan would differ from the direct one, the plan
//! would not converge, and a deletion would leave attachments behind (IAM and moto then refuse to
//! delete the role or policy).

use crate::deploy_support::{
    Deployment, ModelSpec, Proxy, moto_enabled, org_tool, policy, role, roles,
};
use crate::support::read_tree;

/// The IAM list calls a scan and the deletion of a role and of a policy make, each of which must
/// have been answered with a truncated page at least once.
const PAGED: [&str; 7] = [
    "GetAccountAuthorizationDetails",
    "ListPolicyTags",
    "ListRolePolicies",
    "ListAttachedRolePolicies",
    "ListPolicyVersions",
    "ListEntitiesForPolicy",
    "ListInstanceProfilesForRole",
];

#[test]
fn scans_and_deletions_read_every_page_of_every_iam_list() {
    if !moto_enabled() {
        return;
    }
    let Deployment {
        moto,
        org,
        ws,
        mut spec,
    } = Deployment::new(1, 1, ModelSpec::hub_and_spoke());
    let e = moto.endpoint.as_str();
    let proxy = Proxy::start(e, &["--page-items", "2"]);
    let p = proxy.endpoint.as_str();
    let applied = ws.run(p, &["apply"]);
    assert_eq!(applied.code(), 0, "{}", applied.stderr());
    ws.run(p, &["plan", "--detailed-exitcode"]).expect_code(0);
    ws.run(p, &["scan", "--out", "paged"]).expect_code(0);
    ws.run(e, &["scan", "--out", "direct"]).expect_code(0);
    assert_eq!(
        read_tree(&ws.path().join("paged")),
        read_tree(&ws.path().join("direct")),
        "a scan through one- and two-item pages differs from the direct one"
    );

    // Lists longer than a page on what the next apply deletes: the dev account's ReadOnly role
    // (inline and managed policies, two instance profiles) and the hub's developers policy (five
    // versions, three roles).
    let hub = org.identity.as_str();
    let (_, dev, _) = &org.workloads[0];
    for (command, count) in [("put-inline-policies", "5"), ("attach-policies", "5")] {
        org_tool(
            e,
            &[
                command,
                "--account",
                dev,
                "--role",
                "ReadOnly",
                "--count",
                count,
            ],
        );
    }
    // The role is in two instance profiles (a list of two: a page of one, then one more), so its
    // deletion is refused, naming both, until they are gone.
    let in_profiles = |remove: bool| {
        let mut args = vec![
            "instance-profiles",
            "--account",
            dev,
            "--role",
            "ReadOnly",
            "--count",
            "2",
        ];
        args.extend(remove.then_some("--remove"));
        org_tool(e, &args)
    };
    in_profiles(false);
    let assume = "developers-assume";
    org_tool(
        e,
        &[
            "add-policy-versions",
            "--account",
            hub,
            "--policy",
            assume,
            "--count",
            "4",
        ],
    );
    // Held by a role awsfed keeps (its extra attachment is drift, detached among the updates)
    // and by the hub account's ReadOnly, which the apply deletes after the policy: so when the
    // policy is deleted, ListEntitiesForPolicy lists two roles (developers and ReadOnly).
    for holder in ["platform-admins", "ReadOnly"] {
        org_tool(
            e,
            &[
                "attach-policy",
                "--account",
                hub,
                "--role",
                holder,
                "--policy",
                assume,
            ],
        );
    }
    let before = roles(e, hub);
    assert_eq!(policy(&before, assume).expect(assume)["versions"], 5);
    assert_eq!(policy(&before, assume).expect(assume)["attachments"], 3);

    spec.developers = false;
    ws.write_model(&spec.yaml(&org));
    let refused = ws.run(p, &["apply"]);
    assert_eq!(refused.code(), 1, "{}", refused.stderr());
    assert!(
        refused.stderr().contains(
            "role ReadOnly is in instance profiles ReadOnly-profile-00, ReadOnly-profile-01"
        ),
        "{}",
        refused.stderr()
    );
    let refused_role = role(&roles(e, dev), "ReadOnly").cloned().expect("kept");
    assert_eq!(
        refused_role["inline"].as_array().map(Vec::len),
        Some(6),
        "{refused_role}"
    );
    in_profiles(true);
    let applied = ws.run(p, &["apply"]);
    assert_eq!(applied.code(), 0, "{}", applied.stderr());
    let dev_after = roles(e, dev);
    assert!(role(&dev_after, "ReadOnly").is_none(), "{dev_after}");
    let hub_after = roles(e, hub);
    assert!(policy(&hub_after, assume).is_none(), "{hub_after}");
    assert!(role(&hub_after, "developers").is_none(), "{hub_after}");
    assert!(role(&hub_after, "ReadOnly").is_none(), "{hub_after}");
    let admins = role(&hub_after, "platform-admins").expect("platform-admins is kept");
    assert!(!admins["managed"].to_string().contains(assume), "{admins}");
    ws.run(p, &["plan", "--detailed-exitcode"]).expect_code(0);

    let stats = proxy.stats();
    let paged = &stats["paged"];
    eprintln!("truncated pages served: {paged}");
    // Every non-default version was deleted before the policy, as IAM requires ("Deleting IAM
    // policies", IAM User Guide); moto deletes a policy with versions left, so count them here.
    assert_eq!(stats["by_action"]["DeletePolicyVersion"], 4, "{stats}");
    for action in PAGED {
        assert!(
            paged[action].as_u64().unwrap_or(0) > 0,
            "{action} was never answered with a truncated page: {paged}"
        );
    }
}
