//! The one integration-test binary of the `awsfed` command line. Each module tests one area through
//! the real binary; shared helpers live in `support`.

mod support;

/// `who-can`, `access`, `audit`, `graph`, `verify`, `diff`, `simulate`: access analysis snapshots,
/// and `verify` on an organisation deployed to moto and scanned.
mod access;

/// The CLI contract: every command's help (the reference in docs/cli.md) and the hand-written
/// JSON schemas against the types that read them.
mod cli;
/// `compile`, `compare` and `schema`: output snapshots, determinism, atomic writes.
mod compile;
/// `console` against moto behind the trust gate and a local stand-in for the federation endpoint.
mod console;
/// `scan`, `plan`, `apply`, `bootstrap` against moto organisations of 100+ accounts, with faults.
mod deploy;
/// The IAM-users hub deployed to a 50-account organisation on moto: users, IAM groups, memberships
/// and policies applied, the next plan empty, hand changes (a membership removed, foreign users and
/// groups under and outside awsfed's path) handled by ownership, scan and verify.
mod deploy_iam_users;
/// Identity Center deployed to moto beside hub-and-spoke and direct accounts: apply, converged plan
/// (its calls counted), drift, foreign permission sets, import.
mod deploy_identity_center;
/// Hub policies for OU grants on moto: plan reads Organizations' tree and names a wholly granted OU
/// by `aws:ResourceOrgPaths`; not once the OU holds an account the grant does not cover.
mod deploy_org_paths;
/// Issue 10 on moto: apply touches nothing awsfed does not own (foreign resources, spoke trusts
/// that would admit a foreign hub role, edited plans, removed accounts), survives lost
/// policy-version answers, and deletes roles whose attachments span several list pages.
mod deploy_ownership;
/// Every IAM list awsfed reads (scan, deletions) read to its last page, through a proxy that splits
/// each answer into pages of one or two items.
mod deploy_paging;
/// Progress of `apply` (both engines) and of a plan's reading on a real pseudo-terminal, piped and
/// with `TERM=dumb`: bars, plain lines, the same result.
mod deploy_progress;
/// The StackSets engine on a 100-account moto organisation: apply, converged plan, an account
/// joining a targeted OU, a role class removed, then scan and verify.
mod deploy_stacksets;
/// Helpers of the deploy tests: private moto servers, organisations, models, the fault proxy.
mod deploy_support;
/// A hub per team deployed to moto (two hub accounts), and `organization.complete` checked against
/// Organizations at plan time.
mod deploy_teams;
/// `exec --server` with boto3, the JavaScript SDK v3 and the AWS CLI as the command, across session
/// renewals.
mod exec_server;
/// The user's files: `--out` folders, atomic output files, bounded reads of every file input,
/// escaped untrusted text, `configure` through a symlink.
mod files;
/// The fuzz targets' code over seed corpora from the examples and their mutations (stable Rust).
mod fuzz_corpus;
/// Identity Center as the third topology: the model section, its limits, topology by OU.
mod identity_center;
/// `migrate` on a moto organisation: stages, proof, rollback, SIGKILL mid-stage.
mod migrate;
/// "Nothing else" at the trust gate: every sign-in of a migration's moving accounts (and a sample
/// of the others), the old way and the new, at each checkpoint, against the model, the stage
/// proofs' output and awsfed's evaluator.
mod migrate_gate;
/// `migrate` into and out of Identity Center on moto: stages, rollback both ways, snapshots.
mod migrate_identity_center;
/// `bootstrap` mid-migration when the hub policies name OUs by their Organizations path.
mod migrate_org_paths;
/// A migration signed in through the trust gate, the old way and the new way, at every stage.
mod migrate_signin;
/// `saml inspect`: reports on real IdP responses.
mod saml;
/// The AWS CLI, boto3 and the JavaScript SDK v3 as clients of a `credential_process` profile and of
/// `awsfed env`, against moto behind the trust gate.
mod sdk_clients;
/// Sign-in end to end against moto behind the trust gate: login, creds, exec, env, whoami,
/// configure, the AWS CLI, cache and lock.
mod signin;
/// Sign-in commands without AWS: usage, errors, hints, JSON output, configure, sessions served from
/// a cache the test writes.
mod signin_cli;
/// IAM-user sign-in against moto behind the trust gate: one MFA session for every target, the
/// roles reached exactly, MFA context decided by iam-simulate.
mod signin_iam_users;
/// The sign-in prompt on a real pseudo-terminal: a pasted response longer than a terminal line.
mod signin_prompt;
/// Helpers of the sign-in tests (isolated home and cache, moto, the test IdP, the trust gate).
mod signin_support;
/// A hub per team: each team's accounts behind its own hub in compile and every export; grants
/// across hubs refused.
mod teams;
/// `validate`: diagnostics for every kind of bad input, exit codes, warnings.
mod validate;
