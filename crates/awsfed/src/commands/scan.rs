use std::path::PathBuf;
use std::process::ExitCode;

use awsfed_aws::{OrganizationOptions, ReadOptions};
use awsfed_snapshot::{OrganizationSnapshot, SNAPSHOT_FORMAT, Snapshot};

use crate::cli::Cli;
use crate::commands::deploy::{self, ReachArgs};
use crate::error::CommandError;
use crate::progress::{Reporter, Step};
use crate::write::{OutputFile, write_folder};
use awsfed_files::message::{self, Level};

/// Read the actual IAM state of every account into a snapshot folder.
///
/// Later analysis reads it offline: `organization.json` (the OU tree, account tags, SCPs and RCPs with their targets),
/// `identity-center.json` (when the model has identity-center accounts: the instance's permission
/// sets with their policies, boundary, session and tags, where each is provisioned, the account
/// assignments and directory groups) and
/// `accounts/ACCOUNT-ID.json` (roles with trust, inline and attached policies, boundaries, tags;
/// customer managed policies; SAML providers with metadata and expiry). The accounts are the
/// model's, or with `--all-accounts` every active account of the organisation.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The snapshot folder (replacing what awsfed wrote there before).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write into a folder that holds files awsfed did not write: awsfed's files are replaced and
    /// every other file is kept.
    #[arg(long)]
    pub force: bool,
    /// Every active account of the organisation instead of the model's.
    #[arg(long)]
    pub all_accounts: bool,
    #[command(flatten)]
    pub reach: ReachArgs,
}

/// The accounts to read (id, name), awsfed's path, and the provider whose metadata matters.
type ScanTargets = (Vec<(String, Option<String>)>, String, Option<String>);

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let runtime = deploy::runtime()?;
    let (snapshot, failed) = runtime.block_on(async {
        let fleet = deploy::fleet(cli, &args.reach, "aws").await?;
        let organization = match awsfed_aws::read_organization(
            fleet.connection(),
            OrganizationOptions {
                tags: true,
                policies: true,
            },
        )
        .await
        {
            Ok(organization) => Some(organization),
            Err(e) if !args.all_accounts => {
                message::print(
                    Level::Warning,
                    format_args!(
                        "the organisation was not read ({e}); the snapshot has accounts only"
                    ),
                );
                None
            }
            Err(e) => return Err(deploy::aws_error(&e)),
        };
        let mut identity_center = None;
        let (accounts, role_path, provider): ScanTargets = if args.all_accounts {
            let organization: &OrganizationSnapshot = organization
                .as_ref()
                .ok_or_else(|| CommandError::failed("--all-accounts needs the organisation"))?;
            (
                organization
                    .accounts
                    .iter()
                    .filter(|a| a.status == "ACTIVE")
                    .map(|a| (a.id.clone(), Some(a.name.clone())))
                    .collect(),
                awsfed_model::defaults::ROLE_PATH.to_owned(),
                None,
            )
        } else {
            let model = deploy::load_model(cli, &args.reach, Some(&fleet)).await?;
            if let Some(wanted) = deploy::desired(&model)?.identity_center {
                let (instance, _) =
                    crate::commands::deploy_identity_center::read(&fleet, &wanted).await?;
                identity_center = Some(instance);
            }
            (
                model
                    .accounts
                    .iter()
                    .map(|a| (a.id.clone(), Some(a.name.clone())))
                    .collect(),
                model.naming.role_path.clone(),
                model.identity_provider.as_ref().map(|idp| idp.name.clone()),
            )
        };
        let reporter = Reporter::new(accounts.len(), Step::Scan);
        let (read, failed) = fleet
            .read_accounts(
                accounts,
                ReadOptions {
                    full: true,
                    provider_name: provider,
                    role_path,
                },
                reporter.progress(),
            )
            .await;
        reporter.finish();
        Ok::<_, CommandError>((
            Snapshot {
                format: SNAPSHOT_FORMAT,
                organization,
                identity_center,
                accounts: read,
            },
            failed,
        ))
    })?;
    write_folder(&args.out, &snapshot_files(&snapshot), args.force)?;
    crate::commands::print_stderr(&format!(
        "Scanned {} accounts into {}.\n",
        snapshot.accounts.len(),
        args.out.display()
    ));
    if failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let mut message = format!("{} account(s) could not be read:\n", failed.len());
    for (account, error) in &failed {
        message.push_str(&format!("  {account}: {error}\n"));
    }
    Err(CommandError::failed(message)
        .hint("the snapshot holds the other accounts; check the bootstrap role in the failed ones"))
}

/// The snapshot folder's files: the organisation, the Identity Center instance, one per account.
fn snapshot_files(snapshot: &Snapshot) -> Vec<OutputFile> {
    let mut files = Vec::new();
    if let Some(organization) = &snapshot.organization {
        files.push(OutputFile {
            path: "organization.json".to_owned(),
            contents: crate::commands::to_json(organization),
        });
    }
    if let Some(identity_center) = &snapshot.identity_center {
        files.push(OutputFile {
            path: "identity-center.json".to_owned(),
            contents: crate::commands::to_json(identity_center),
        });
    }
    for account in &snapshot.accounts {
        files.push(OutputFile {
            path: format!("accounts/{}.json", account.id),
            contents: crate::commands::to_json(account),
        });
    }
    files
}
