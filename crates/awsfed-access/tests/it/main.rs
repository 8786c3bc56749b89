//! awsfed-access's integration tests: one binary, one module per subject.

/// Access paths on the example models, and hops compared with iam-simulate.
mod access;
/// Each audit rule, positive and negative.
mod audit;
/// Role chaining to a fixed point.
mod chains;
/// The IAM-users hub: every (user, role) hop from the MFA session against iam-simulate and the grants.
mod iam_users;
/// Identity Center paths in a mixed model: every hop compared with iam-simulate.
mod identity_center;
/// The stage proof of migrations into and out of Identity Center; the expand state against
/// iam-simulate.
mod migration_identity_center;
/// Hub policies naming OU grants by `aws:ResourceOrgPaths`: paths and hops against iam-simulate.
mod org_paths;
/// Generated estates: access equals what iam-simulate allows hop by hop.
mod soundness;
/// Loading the example models; the oracle client.
mod support;
/// A hub per team: one team's hub roles never enter another team's accounts (evaluator and oracle).
mod teams;
/// Chaining on from roles IAM users entered, on generated adversarial estates, against iam-simulate.
mod user_chains;
