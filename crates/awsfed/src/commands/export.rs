use std::path::PathBuf;
use std::process::ExitCode;

use awsfed_export::{
    self as export, AwsConfigOptions, Export, RoleValueOrder, StackSetOptions, TerraformOptions,
};
use clap::ValueEnum;

use crate::cli::Cli;
use crate::commands::{print_stderr, print_stdout};
use crate::error::CommandError;
use crate::load::{load, undeployable};
use crate::render::render_diagnostics;
use crate::write::{OutputFile, write_folder};
use awsfed_files::message::{self, Level};

/// Export the compiled model for other tools: CloudFormation templates (one per account),
/// service-managed StackSets for large estates, Terraform JSON, the IdP side (generic JSON/CSV, Okta,
/// Entra ID) or `~/.aws/config` profiles. Files are written atomically: a failed export leaves
/// nothing half-written.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(value_enum)]
    pub format: Format,
    /// Folder to write, replacing what awsfed wrote there before. Without it, a single-file export
    /// prints to stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write into a folder that holds files awsfed did not write: awsfed's files are replaced and
    /// every other file is kept.
    #[arg(long)]
    pub force: bool,
    /// Region of the StackSets administration and of Terraform's providers and profiles.
    #[arg(long)]
    pub region: Option<String>,
    /// Order of the pair in SAML `Role` attribute values (idp).
    #[arg(long, value_enum, default_value_t = Order::RoleFirst)]
    pub order: Order,
    /// Only this directory group's profiles (aws-config).
    #[arg(long)]
    pub group: Option<String>,
    /// RoleSessionName for chained profiles (aws-config); by default a placeholder to fill in.
    #[arg(long)]
    pub session_name: Option<String>,
    /// Role Terraform assumes in each account.
    #[arg(long, default_value = "OrganizationAccountAccessRole")]
    pub assume_role_name: String,
    /// Where users start the IdP's sign-in to AWS, written into the client file (client).
    #[arg(long, value_name = "URL")]
    pub signin_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Cloudformation,
    Stacksets,
    Terraform,
    Idp,
    AwsConfig,
    /// The client file of `awsfed login`/`creds`: accounts and every target with its hops.
    Client,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Order {
    /// `role-arn,provider-arn`, as AWS documents it.
    RoleFirst,
    /// `provider-arn,role-arn`, as Okta and some IdPs write it.
    ProviderFirst,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let (model, diagnostics, text, path) = load(&cli.config)?.into_model()?;
    let state = awsfed_compile::compile(&model);
    let mut problems = diagnostics.clone();
    problems
        .0
        .extend(state.notes.iter().filter(|n| n.is_error()).cloned());
    if undeployable(&state.notes) {
        print_stderr(&render_diagnostics(&path, &text, &problems));
        return Err(CommandError::bad_input(
            "the compiled state does not fit IAM's quotas (see above); nothing was exported",
        ));
    }
    if matches!(
        args.format,
        Format::Cloudformation | Format::Stacksets | Format::Terraform
    ) {
        super::deploy::refuse_iam_users(&model, super::deploy::UsersRefusal::Export)?;
    }
    let region = args.region.clone();
    let exported: Export = match args.format {
        Format::Cloudformation => export::cloudformation(&state, &model),
        Format::Stacksets => {
            let mut options = StackSetOptions::default();
            if let Some(region) = region {
                options.region = region;
            }
            export::stacksets(&state, &model, &options)
        }
        Format::Terraform => {
            let mut options = TerraformOptions {
                assume_role_name: args.assume_role_name.clone(),
                ..TerraformOptions::default()
            };
            if let Some(region) = region {
                options.region = region;
            }
            export::terraform(&state, &model, &options)
        }
        Format::Idp => export::idp(
            &state,
            match args.order {
                Order::RoleFirst => RoleValueOrder::RoleFirst,
                Order::ProviderFirst => RoleValueOrder::ProviderFirst,
            },
        ),
        Format::AwsConfig => export::aws_config(
            &state,
            &AwsConfigOptions {
                group: args.group.clone(),
                session_name: args.session_name.clone(),
                region,
            },
        )
        .map_err(|e| CommandError::bad_input(e.to_string()))?,
        Format::Client => super::export_client::client(&state, &model, args.signin_url.clone()),
    };
    for note in &exported.notes {
        message::print(Level::Note, format_args!("{note}"));
    }
    match &args.out {
        Some(out) => {
            let files: Vec<OutputFile> = exported
                .files
                .iter()
                .map(|f| OutputFile {
                    path: f.path.clone(),
                    contents: f.contents.clone(),
                })
                .collect();
            write_folder(out, &files, args.force)?;
            print_stderr(&format!(
                "wrote {} files to {}\n",
                files.len(),
                out.display()
            ));
        }
        None => match exported.files.as_slice() {
            [one] => print_stdout(&one.contents),
            files => {
                return Err(CommandError::bad_input(format!(
                    "this export has {} files; name a folder for them",
                    files.len()
                ))
                .hint("add --out DIR"));
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}
