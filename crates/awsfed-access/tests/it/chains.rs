//! Role chaining to a fixed point: paths of any length through roles awsfed did not build, cycles
//! that stop, and who-can finding the same chains backwards.

use awsfed_access::{Estate, IdpMapping, PathView, analyze, analyze_target};
use awsfed_compile::compile;
use awsfed_policy::PolicyDocument;
use awsfed_snapshot::Snapshot;

use crate::support::{PROD, add_role, admin, example};

/// A trust that admits sessions of the named roles of the prod account.
fn trusting(names: &[&str]) -> PolicyDocument {
    let arns: Vec<String> = names
        .iter()
        .map(|n| format!("\"arn:aws:iam::{PROD}:role/awsfed/{n}\""))
        .collect();
    PolicyDocument::from_json(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":[{}]}},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}}]}}"#,
        arns.join(",")
    ))
    .unwrap()
}

/// prod/Admin → Ops → Ops2, and Ops2 → Ops back (a cycle).
fn chained_estate() -> (Snapshot, IdpMapping) {
    let model = example("hub-and-spoke");
    let state = compile(&model);
    let mut snapshot = Snapshot::from_desired(&state);
    add_role(&mut snapshot, PROD, "Admin", "Ops", |r| {
        admin(r);
        r.max_session_duration = 43_200;
        r.trust_policy = trusting(&["Admin", "Ops2"]);
    });
    add_role(&mut snapshot, PROD, "Admin", "Ops2", |r| {
        admin(r);
        r.trust_policy = trusting(&["Ops"]);
    });
    let mapping = IdpMapping::from_compiled(model.idp(), &state.groups);
    (snapshot, mapping)
}

#[test]
fn chains_of_any_length_are_followed_and_cycles_stop() {
    let (snapshot, mapping) = chained_estate();
    let estate = Estate::new(&snapshot, None);
    let analysis = analyze(&estate, &mapping);
    let ops2 = format!("arn:aws:iam::{PROD}:role/awsfed/Ops2");
    let path = analysis
        .paths
        .iter()
        .find(|p| {
            mapping.groups[p.group].name == "platform-admins"
                && estate.role(p.target).role.arn == ops2
        })
        .expect("platform-admins reaches Ops2 through three AssumeRole hops");
    let hops: Vec<(&str, &str)> = path
        .chain
        .iter()
        .map(|&h| {
            let hop = &analysis.hops[h];
            (hop.from.as_str(), hop.role_arn.as_str())
        })
        .collect();
    let hub = "arn:aws:iam::111111111111:role/awsfed/hub/platform-admins";
    let admin = format!("arn:aws:iam::{PROD}:role/awsfed/Admin");
    let ops = format!("arn:aws:iam::{PROD}:role/awsfed/Ops");
    assert_eq!(
        hops,
        [
            (hub, admin.as_str()),
            (admin.as_str(), ops.as_str()),
            (ops.as_str(), ops2.as_str())
        ]
    );
    // Role chaining caps every hop after the first at one hour, whatever the role allows.
    let to_ops = analysis
        .paths
        .iter()
        .find(|p| estate.role(p.target).role.arn == ops)
        .unwrap();
    assert_eq!(to_ops.max_session_seconds, 3_600);
    let view = PathView::new(&analysis, path, true);
    assert_eq!(view.via.as_deref(), Some(hub));
    assert_eq!(view.through, [admin.clone(), ops.clone()]);
    assert_eq!(view.hops.len(), 4);
    // Groups that do not reach prod/Admin do not reach Ops either.
    let reaching: Vec<&str> = analysis
        .paths
        .iter()
        .filter(|p| estate.role(p.target).role.arn == ops)
        .map(|p| mapping.groups[p.group].name.as_str())
        .collect();
    assert_eq!(reaching, ["platform-admins"]);
}

#[test]
fn who_can_finds_the_chains_backwards() {
    let (snapshot, mapping) = chained_estate();
    let estate = Estate::new(&snapshot, None);
    let analysis = analyze(&estate, &mapping);
    for name in ["Ops", "Ops2", "Admin"] {
        let target = estate
            .role_index(&format!("arn:aws:iam::{PROD}:role/awsfed/{name}"))
            .unwrap();
        let narrow = analyze_target(&estate, &mapping, target);
        let key = |a: &awsfed_access::Analysis<'_, '_>, p: &awsfed_access::AccessPath| {
            let chain: Vec<String> = p
                .chain
                .iter()
                .map(|&h| a.hops[h].role_arn.clone())
                .collect();
            (p.group, a.hops[p.saml_hop].role_arn.clone(), chain)
        };
        let want: Vec<_> = analysis
            .paths
            .iter()
            .filter(|p| p.target == target)
            .map(|p| key(&analysis, p))
            .collect();
        let got: Vec<_> = narrow.paths.iter().map(|p| key(&narrow, p)).collect();
        assert!(!want.is_empty(), "{name}");
        assert_eq!(got, want, "who-can {name}");
    }
}
