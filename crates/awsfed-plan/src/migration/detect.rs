//! Which accounts the model moves, and how far each has got: from the migration tag on the
//! account's roles, or, without it, from the trusts deployed.

use awsfed_compile::DesiredState;
use awsfed_model::{Model, TopologyKind};
use awsfed_policy::{PolicyDocument, Principal};
use awsfed_snapshot::{AccountSnapshot, RoleSnapshot, Snapshot};

use super::{AccountMigration, MIGRATION_TAG_KEY, Migration, MigrationStage};
use crate::ownership::{is_ours, is_under_path};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "role {role} in account {account} carries {MIGRATION_TAG_KEY}={value}, which is not FROM/TO/STAGE (hub-and-spoke, direct or identity-center, then expand or switch)"
    )]
    BadTag {
        account: String,
        role: String,
        value: String,
    },
    #[error(
        "account {account} is being moved from {from} to {to} (stage {stage}), but the model now says {model}"
    )]
    ModelDisagrees {
        account: String,
        from: &'static str,
        to: &'static str,
        stage: &'static str,
        model: &'static str,
    },
    #[error(
        "account {account} moves to hub-and-spoke, or back to it, but the model has no hub for its groups"
    )]
    NoHub { account: String },
}

impl MigrationError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            MigrationError::BadTag { .. } => {
                "the tag is awsfed's: remove it by hand, or set it back to what `awsfed migrate status` showed"
            }
            MigrationError::ModelDisagrees { .. } => {
                "to go back, run `awsfed migrate rollback` with the model still saying the new topology, then change the model back; otherwise put the account's topology back as the migration says"
            }
            MigrationError::NoHub { .. } => {
                "keep `topology.hub_account` (and the groups' hubs) in the model until every account has left hub-and-spoke"
            }
        }
    }
}

/// How an account's roles are trusted today: by its SAML provider, by other roles, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrustedBy {
    pub saml_provider: bool,
    pub roles: bool,
}

/// The topology the trusts of an account's own roles (not hub roles) show: `None` when awsfed owns
/// no such role there, or when they are trusted both ways (an expand stage).
pub fn deployed_topology(
    account: &AccountSnapshot,
    role_path: &str,
    hub_role_path: &str,
) -> (Option<TopologyKind>, TrustedBy) {
    let mut all = TrustedBy::default();
    let mut kinds = Vec::new();
    for role in account_roles(account, role_path, hub_role_path) {
        let by = trusted_by(&role.trust_policy);
        all.saml_provider |= by.saml_provider;
        all.roles |= by.roles;
        kinds.push(by);
    }
    let topology = match (all.saml_provider, all.roles) {
        (true, false) => Some(TopologyKind::Direct),
        (false, true) => Some(TopologyKind::HubAndSpoke),
        _ => None,
    };
    (topology, all)
}

/// The roles awsfed owns in the account, hub roles left out: the ones a migration changes.
pub(crate) fn account_roles<'a>(
    account: &'a AccountSnapshot,
    role_path: &'a str,
    hub_role_path: &'a str,
) -> impl Iterator<Item = &'a RoleSnapshot> {
    account.roles.iter().filter(move |r| {
        is_ours(&r.path, &r.tags, role_path) && !is_under_path(&r.path, hub_role_path)
    })
}

fn trusted_by(trust: &PolicyDocument) -> TrustedBy {
    let mut by = TrustedBy::default();
    for statement in &trust.statement {
        let Some(Principal::Typed(principals)) = &statement.principal else {
            continue;
        };
        for (kind, values) in principals {
            match kind.as_str() {
                "Federated" if values.0.iter().any(|v| v.contains(":saml-provider/")) => {
                    by.saml_provider = true;
                }
                "AWS" => by.roles = true,
                _ => {}
            }
        }
    }
    by
}

fn parse_topology(word: &str) -> Option<TopologyKind> {
    [
        TopologyKind::HubAndSpoke,
        TopologyKind::Direct,
        TopologyKind::IdentityCenter,
    ]
    .into_iter()
    .find(|t| t.as_str() == word)
}

/// `FROM/TO/STAGE` of a migration tag.
fn parse_tag(value: &str) -> Option<(TopologyKind, TopologyKind, MigrationStage)> {
    let mut parts = value.split('/');
    let from = parse_topology(parts.next()?)?;
    let to = parse_topology(parts.next()?)?;
    let stage = match parts.next()? {
        "expand" => MigrationStage::Expanded,
        "switch" => MigrationStage::Switched,
        _ => return None,
    };
    (parts.next().is_none() && from != to).then_some((from, to, stage))
}

/// Every account of the desired state whose deployed topology differs from the model's, or whose
/// roles carry a migration tag.
pub fn detect(
    model: &Model,
    desired: &DesiredState,
    actual: &Snapshot,
) -> Result<Migration, MigrationError> {
    let mut accounts = Vec::new();
    for account in &desired.accounts {
        let snapshot = actual.accounts.iter().find(|a| a.id == account.id);
        let found = match snapshot {
            Some(snapshot) => account_migration(model, account, snapshot)?,
            None => None,
        };
        if let Some(found) =
            found.or_else(|| super::identity_center::leaving(account, snapshot, actual, model))
        {
            accounts.push(found);
        }
    }
    accounts.sort_by(|a, b| a.account_name.cmp(&b.account_name));
    Ok(Migration { accounts })
}

fn account_migration(
    model: &Model,
    account: &awsfed_compile::DesiredAccount,
    snapshot: &AccountSnapshot,
) -> Result<Option<AccountMigration>, MigrationError> {
    let role_path = &model.naming.role_path;
    let hub_role_path = &model.naming.hub_role_path;
    let roles: Vec<&RoleSnapshot> = account_roles(snapshot, role_path, hub_role_path).collect();
    if roles.is_empty() {
        return Ok(None);
    }
    let mut tagged = Vec::new();
    for role in &roles {
        let Some(value) = role.tags.get(MIGRATION_TAG_KEY) else {
            continue;
        };
        let parsed = parse_tag(value).ok_or_else(|| MigrationError::BadTag {
            account: account.id.clone(),
            role: role.name.clone(),
            value: value.clone(),
        })?;
        tagged.push(parsed);
    }
    let migration = |from, to, stage| AccountMigration {
        account_id: account.id.clone(),
        account_name: account.name.clone(),
        from,
        to,
        stage,
    };
    if let Some(&(from, to, _)) = tagged.first() {
        if to != account.topology {
            return Err(MigrationError::ModelDisagrees {
                account: account.id.clone(),
                from: from.as_str(),
                to: to.as_str(),
                stage: tagged[0].2.tag_word(),
                model: account.topology.as_str(),
            });
        }
        // One confirmed switch is the operator's word for the whole account; an expand counts only
        // once every role has it (an interrupted expand stage is still under way).
        let stage = if tagged.iter().any(|t| t.2 == MigrationStage::Switched) {
            MigrationStage::Switched
        } else if tagged.len() == roles.len()
            && super::identity_center::expand_complete(from, account, roles.len())
        {
            MigrationStage::Expanded
        } else {
            MigrationStage::Planned
        };
        return Ok(Some(migration(from, to, stage)));
    }
    let (deployed, by) = deployed_topology(snapshot, role_path, hub_role_path);
    let from = match deployed {
        Some(topology) if topology == account.topology => return Ok(None),
        Some(topology) => topology,
        // Trusted by neither (edited by hand): the ordinary plan puts the trusts back.
        None if !by.saml_provider => return Ok(None),
        // Trusted both ways without a tag: an expand stage that stopped before its tags.
        None => match account.topology {
            TopologyKind::Direct => TopologyKind::HubAndSpoke,
            _ => TopologyKind::Direct,
        },
    };
    Ok(Some(migration(
        from,
        account.topology,
        MigrationStage::Planned,
    )))
}

/// A new account (no roles of awsfed yet, so [`detect`] cannot see a stage in it) whose OU's other
/// accounts are moving to its topology joins their migration at its stage: it gets the paths they
/// have (both while the IdP may still send the old Role values) and their tag, so the next stages
/// carry it along. Returns whether it joined.
pub fn join_new_account(migration: &mut Migration, model: &Model, account_id: &str) -> bool {
    let Some(account) = model.accounts.iter().find(|a| a.id == account_id) else {
        return false;
    };
    if account.ou.is_none() || migration.get(account_id).is_some() {
        return false;
    }
    let same_ou = |id: &str| {
        model
            .accounts
            .iter()
            .any(|a| a.id == id && a.ou == account.ou)
    };
    let Some(peer) = migration
        .accounts
        .iter()
        .find(|m| m.to == account.topology && same_ou(&m.account_id))
    else {
        return false;
    };
    let Some(stage) = migration.stage() else {
        return false;
    };
    let joined = AccountMigration {
        account_id: account.id.clone(),
        account_name: account.name.clone(),
        from: peer.from,
        to: peer.to,
        stage,
    };
    migration.accounts.push(joined);
    migration
        .accounts
        .sort_by(|a, b| a.account_name.cmp(&b.account_name));
    true
}
