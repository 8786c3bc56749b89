//! The three-topologies example (`examples/three-topologies`: hub-and-spoke, direct and Identity
//! Center accounts side by side), as the Identity Center and migration tests use it (feature
//! `snapshot`).

use awsfed_model::Model;
use awsfed_snapshot::{DirectoryGroupSnapshot, IdentityCenterSnapshot, SNAPSHOT_FORMAT};

use crate::repo_root;

/// The example's IdP metadata (`corp-idp.xml`).
pub fn metadata() -> String {
    let path = repo_root().join("examples/three-topologies/corp-idp.xml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The example with each account of `moves` (by id) put in another topology
/// (`hub-and-spoke`, `direct` or `identity-center`), in place of the one it names if it does.
pub fn model(moves: &[(&str, &str)]) -> Model {
    let path = repo_root().join("examples/three-topologies/awsfed.yaml");
    let mut yaml =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for (id, topology) in moves {
        let line = yaml
            .lines()
            .find(|l| l.contains(&format!("{{ id: \"{id}\", ")))
            .unwrap_or_else(|| panic!("no account {id} in the example"))
            .to_owned();
        // An account that names its topology (prod-web: direct) has it replaced.
        let moved = match line.find("topology: ") {
            Some(at) => {
                let end = line[at..].find(',').map_or(line.len(), |n| at + n);
                format!("{}topology: {topology}{}", &line[..at], &line[end..])
            }
            None => line.replace(
                &format!("{{ id: \"{id}\", "),
                &format!("{{ id: \"{id}\", topology: {topology}, "),
            ),
        };
        yaml = yaml.replace(&line, &moved);
    }
    let raw = awsfed_model::load::parse(&yaml).expect("the example parses");
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut |_| Ok(metadata()));
    model.unwrap_or_else(|| panic!("the example is valid: {diagnostics:?}"))
}

/// The example's Identity Center instance before awsfed wrote anything: only the directory
/// `groups` (provisioned by the IdP), each with the id `id-NAME`.
pub fn instance(groups: &[&str]) -> IdentityCenterSnapshot {
    IdentityCenterSnapshot {
        format: SNAPSHOT_FORMAT,
        instance_arn: "arn:aws:sso:::instance/ssoins-72231e4c1a2b3c4d".to_owned(),
        identity_store_id: "d-9067a1b2c3".to_owned(),
        region: "eu-west-1".to_owned(),
        permission_sets: Vec::new(),
        assignments: Vec::new(),
        users: Vec::new(),
        groups: groups
            .iter()
            .map(|name| DirectoryGroupSnapshot {
                display_name: (*name).to_owned(),
                id: format!("id-{name}"),
            })
            .collect(),
    }
}
