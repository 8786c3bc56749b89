//! Shared helpers of the core integration tests: loading the example models.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use awsfed_model::{Model, load, resolve};
use awsfed_snapshot::{RoleSnapshot, Snapshot};
use serde_json::Value;

pub mod oracle;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Loads and validates `examples/NAME/awsfed.yaml`.
pub fn example(name: &str) -> Model {
    load_model(&repo_root().join("examples").join(name).join("awsfed.yaml"))
}

pub fn load_model(path: &Path) -> Model {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = load::decode(&bytes).expect("UTF-8 model");
    let raw = load::parse(text).expect("model parses");
    let base = path.parent().unwrap().to_owned();
    let mut read = |file: &str| std::fs::read_to_string(base.join(file)).map_err(|e| e.to_string());
    let (model, diagnostics) = resolve(&raw, &mut read);
    model.unwrap_or_else(|| panic!("{}: {diagnostics:?}", path.display()))
}

/// Accounts of the hub-and-spoke example.
pub const PROD: &str = "222222222222";
pub const HUB: &str = "111111111111";

pub fn role<'a>(snapshot: &'a mut Snapshot, account: &str, name: &str) -> &'a mut RoleSnapshot {
    snapshot
        .accounts
        .iter_mut()
        .find(|a| a.id == account)
        .unwrap()
        .roles
        .iter_mut()
        .find(|r| r.name == name)
        .unwrap()
}

/// Edits statement 0 of a role's trust as JSON.
pub fn edit_trust(
    snapshot: &mut Snapshot,
    account: &str,
    name: &str,
    edit: impl FnOnce(&mut Value),
) {
    let role = role(snapshot, account, name);
    let mut trust = serde_json::to_value(&role.trust_policy).unwrap();
    edit(&mut trust["Statement"][0]);
    role.trust_policy = serde_json::from_value(trust).unwrap();
}

/// A copy of `from` (in the same account) named `name`, with `edit` applied.
pub fn add_role(
    snapshot: &mut Snapshot,
    account: &str,
    from: &str,
    name: &str,
    edit: impl FnOnce(&mut RoleSnapshot),
) {
    let mut copy = role(snapshot, account, from).clone();
    copy.arn = copy.arn.replace(&format!("/{from}"), &format!("/{name}"));
    copy.name = name.to_owned();
    copy.role_id = format!("AROA{}", name.to_ascii_uppercase().replace('-', ""));
    edit(&mut copy);
    let account = snapshot
        .accounts
        .iter_mut()
        .find(|a| a.id == account)
        .unwrap();
    account.roles.push(copy);
    account.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
}

/// Gives a role administrator access, and nothing else.
pub fn admin(role: &mut RoleSnapshot) {
    role.inline_policies.clear();
    role.permissions_boundary = None;
    role.managed_policy_arns = vec!["arn:aws:iam::aws:policy/AdministratorAccess".into()];
}
