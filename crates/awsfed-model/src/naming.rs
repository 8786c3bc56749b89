//! `naming`: the IAM paths and name patterns of awsfed's roles, and the rules that keep hub roles
//! apart from every other role.
//!
//! Why hub roles have their own path: a spoke trust too long to list its hub roles names the hub
//! account narrowed by `ArnLike aws:PrincipalArn` ("IAM JSON policy elements: Condition operators",
//! IAM User Guide). In an ARN pattern `*` matches any characters, `/` included, so the pattern must
//! end in a path that only hub roles use: a name prefix inside a shared path is no boundary, since
//! any role whose name matches it passes. A role name cannot hold `/` ("IAM identifiers", IAM User
//! Guide), so `role/awsfed/hub/*` admits exactly the roles whose path starts with `/awsfed/hub/`.
//!
//! Role names are unique in an account whatever their path, and without regard to case ("IAM
//! identifiers": "names are not distinguished by case"), so a hub role and a permission set's role
//! in the same account may not share a name.

use std::collections::BTreeMap;

use crate::message::{HubPathProblem, NamingMessage};
use crate::model::{Model, Naming, defaults};
use crate::raw::RawModel;
use crate::{Diagnostic, Diagnostics, Spanned};

pub(crate) fn naming(raw: &RawModel, d: &mut Diagnostics) -> Naming {
    let role_path = match &raw.naming.role_path {
        None => defaults::ROLE_PATH.to_owned(),
        Some(path) => {
            check_path(path, "role_path", d);
            path.value.clone()
        }
    };
    let hub_role_path = match &raw.naming.hub_role_path {
        None => format!("{role_path}{}", defaults::HUB_ROLE_PATH_BELOW_ROLE_PATH),
        Some(path) => {
            if check_path(path, "hub_role_path", d) {
                check_hub_path(path, &role_path, d);
            }
            path.value.clone()
        }
    };
    Naming {
        role_path,
        hub_role_path,
        role_name: name_pattern(
            &raw.naming.role_name,
            defaults::ROLE_NAME,
            &["{permission_set}"],
            d,
        ),
        hub_role_name: name_pattern(
            &raw.naming.hub_role_name,
            defaults::HUB_ROLE_NAME,
            &["{group}", "{hub}"],
            d,
        ),
    }
}

/// Whether `path` is an IAM path awsfed can own; an error when not.
fn check_path(path: &Spanned<String>, key: &str, d: &mut Diagnostics) -> bool {
    let p = &path.value;
    let valid = p.starts_with('/')
        && p.ends_with('/')
        && p.len() > 1
        && p.len() <= 512
        && p.chars().all(|c| c.is_ascii() && ('!'..='~').contains(&c));
    if !valid {
        d.push(
            Diagnostic::of(&NamingMessage::MalformedRolePath {
                path: p.clone(),
                key: key.to_owned(),
            })
            .at(path.span),
        );
    }
    valid
}

/// The hub path must lie strictly below `role_path`: below, because awsfed owns only what is under
/// `role_path`; strictly, because permission-set roles live at `role_path` itself and a narrowed
/// spoke trust (`…:role{hub_role_path}*`) would admit every one of them.
fn check_hub_path(path: &Spanned<String>, role_path: &str, d: &mut Diagnostics) {
    let hub = &path.value;
    let problem = if hub == role_path {
        Some(HubPathProblem::IsRolePath)
    } else if role_path.starts_with(hub.as_str()) {
        Some(HubPathProblem::AboveRolePath)
    } else if !hub.starts_with(role_path) {
        Some(HubPathProblem::OutsideRolePath)
    } else {
        None
    };
    if let Some(problem) = problem {
        d.push(
            Diagnostic::of(&NamingMessage::HubPathNotExclusive {
                hub_role_path: hub.clone(),
                role_path: role_path.to_owned(),
                problem,
            })
            .at(path.span),
        );
    }
}

fn name_pattern(
    value: &Option<Spanned<String>>,
    default: &str,
    allowed: &[&str],
    d: &mut Diagnostics,
) -> String {
    let Some(value) = value else {
        return default.to_owned();
    };
    let mut rest = value.value.clone();
    for placeholder in allowed {
        rest = rest.replace(placeholder, "x");
    }
    if rest.contains('{') || rest.contains('}') {
        d.push(
            Diagnostic::of(&NamingMessage::UnknownPlaceholder {
                template: value.value.clone(),
                allowed: allowed.iter().map(|p| (*p).to_owned()).collect(),
            })
            .at(value.span),
        );
    } else if !rest
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    {
        d.push(
            Diagnostic::of(&NamingMessage::MalformedRoleName {
                template: value.value.clone(),
            })
            .at(value.span),
        );
    }
    value.value.clone()
}

/// A hub role and a permission set's role in the same account with the same name (ignoring case):
/// IAM would refuse the second.
pub(crate) fn check_role_name_collisions(model: &Model, d: &mut Diagnostics) {
    // Per account, the lower-cased role name of each permission set granted there.
    let mut set_roles: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for grant in model.groups.iter().flat_map(|g| &g.grants) {
        let name = model
            .naming
            .role_name(&model.permission_sets[grant.permission_set].name);
        for &account in &grant.accounts {
            set_roles
                .entry((account, name.to_lowercase()))
                .or_insert(grant.permission_set);
        }
    }
    let hub_and_spoke = |group: &crate::Group| {
        group
            .grants
            .iter()
            .flat_map(|g| &g.accounts)
            .any(|&a| model.accounts[a].topology == crate::raw::TopologyKind::HubAndSpoke)
    };
    // Only groups with a hub-and-spoke grant get a hub role.
    for group in model.groups.iter().filter(|g| hub_and_spoke(g)) {
        let Some(hub) = group.hub else { continue };
        let hub = &model.hubs[hub];
        let name = model.naming.hub_role_name(&group.name, &hub.name);
        let Some(&set) = set_roles.get(&(hub.account, name.to_lowercase())) else {
            continue;
        };
        d.push(
            Diagnostic::of(&NamingMessage::RoleNameCollision {
                group: group.name.clone(),
                set: model.permission_sets[set].name.clone(),
                name,
                account: model.accounts[hub.account].name.clone(),
            })
            .at(group.span),
        );
    }
}
