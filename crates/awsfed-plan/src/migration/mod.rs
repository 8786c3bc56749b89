//! Moving accounts between topologies (hub-and-spoke, direct, Identity Center) without anyone losing or gaining
//! access: DESIGN.md's *migration*, in three stages that are each an ordinary plan.
//!
//! 1. *expand* — every role of a migrating account trusts both the old path and the new one (its
//!    account's SAML provider and the hub roles), the SAML provider is created where the new
//!    topology needs it, and the hub policies keep granting the account. Users keep signing in the
//!    old way; the new way already works.
//! 2. *switch* — the IdP side changes (Role values, Okta groups, Entra app roles). awsfed cannot see
//!    the IdP, so the operator confirms it (`awsfed migrate confirm-switch`), which records the
//!    stage on the roles.
//! 3. *contract* — the old path goes: trusts shrink to the new topology's, hub policies stop
//!    granting the account, a provider the new topology does not need is deleted.
//!
//! The stage lives in a tag on every role of the migrating account ([`MIGRATION_TAG_KEY`]), not in
//! a local file, so any machine can continue the migration: the next plan reads it back with the
//! account. Without the tag, the topology deployed is read from the trusts (a role trusted by its
//! account's SAML provider is direct, one trusted by hub roles is a spoke): when it differs from the
//! model, `plan` proposes the expand stage instead of swapping the trust, which would lock out
//! everyone still signing in the old way until the IdP changes.
//!
//! Role chaining caps a chained session at one hour ("Role chaining", IAM User Guide, "Methods to
//! assume a role"): a hub-and-spoke session started just before the contract stage keeps working
//! for at most that long, which is the switch window [`MigrationCost`] reports.

mod cost;
mod detect;
mod identity_center;
mod stage;
mod union;

use serde::Serialize;

use awsfed_model::TopologyKind;

pub use cost::{cost_between, migration_cost};
pub use detect::{MigrationError, deployed_topology, detect, join_new_account};
pub use identity_center::{identity_center_read_accounts, stage_identity_center_plan};
pub use stage::{
    MigrationCost, StageCost, StageStates, StageTarget, contracting, direct_session,
    identity_center_session, old_entry_session, stage_states,
};
pub use union::union_states;

/// The tag on every role of a migrating account: `FROM/TO/STAGE`, for example
/// `hub-and-spoke/direct/expand`. Tag values may hold letters, digits, spaces and `_.:/=+-@`
/// ("Tagging IAM resources", IAM User Guide).
pub const MIGRATION_TAG_KEY: &str = "awsfed:migration";

/// The last stage applied to an account, as its roles record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MigrationStage {
    /// The model moves the account; nothing applied yet (or the expand stage is under way).
    Planned,
    /// Both paths are trusted; the IdP may switch.
    Expanded,
    /// The operator confirmed the IdP switch; the old path may go.
    Switched,
}

impl MigrationStage {
    /// The stage word in the migration tag.
    pub fn tag_word(self) -> &'static str {
        match self {
            MigrationStage::Planned => "planned",
            MigrationStage::Expanded => "expand",
            MigrationStage::Switched => "switch",
        }
    }

    /// What `migrate status` calls the account's position.
    pub fn label(self) -> &'static str {
        match self {
            MigrationStage::Planned => "expand pending",
            MigrationStage::Expanded => "expanded, waiting for the IdP switch",
            MigrationStage::Switched => "switched, contract pending",
        }
    }

    /// Which sign-in paths work in this stage: `old`, `new` or `both`.
    pub fn working_paths(self) -> &'static str {
        match self {
            MigrationStage::Planned => "old",
            MigrationStage::Expanded | MigrationStage::Switched => "both",
        }
    }
}

/// One account moving between topologies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountMigration {
    pub account_id: String,
    pub account_name: String,
    pub from: TopologyKind,
    pub to: TopologyKind,
    pub stage: MigrationStage,
}

impl AccountMigration {
    /// The migration tag's value for a stage.
    pub fn tag_value(&self, stage: MigrationStage) -> String {
        format!(
            "{}/{}/{}",
            self.from.as_str(),
            self.to.as_str(),
            stage.tag_word()
        )
    }
}

/// Every account the model moves, sorted by account name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Migration {
    pub accounts: Vec<AccountMigration>,
}

impl Migration {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    pub fn get(&self, account_id: &str) -> Option<&AccountMigration> {
        self.accounts.iter().find(|a| a.account_id == account_id)
    }

    /// The stage the migration as a whole is at: the earliest of its accounts, except that one
    /// confirmed switch confirms it for every account (the IdP is one for all of them).
    pub fn stage(&self) -> Option<MigrationStage> {
        let earliest = self.accounts.iter().map(|a| a.stage).min()?;
        if earliest == MigrationStage::Expanded
            && self
                .accounts
                .iter()
                .any(|a| a.stage == MigrationStage::Switched)
        {
            return Some(MigrationStage::Switched);
        }
        Some(earliest)
    }
}

#[cfg(test)]
mod identity_center_tests;
#[cfg(test)]
mod tests;
