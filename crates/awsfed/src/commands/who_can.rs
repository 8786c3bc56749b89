use std::fmt::Write;
use std::process::ExitCode;

use awsfed_access::{Estate, PathView, analyze_target};

use crate::cli::{Cli, OutputFormat};
use crate::commands::access::{InputArgs, hours};
use crate::commands::{print_stdout, to_json};
use crate::error::CommandError;

/// Show which directory groups and IAM users can reach one role, through which hops, and the
/// conditions each hop depends on.
///
/// The conditions: SAML:aud, SourceIdentity, the session-name binding, SCPs and RCPs that let the
/// hop through. IAM users (`iam-user:NAME`) are shown with the AssumeRole hop from their MFA
/// session (MFA and SourceIdentity conditions), or from their long-term keys when those alone reach
/// the role, and any role chained through after it. The role is ACCOUNT/ROLE: the account's name or
/// id, and the role's name (in an Identity Center account, the permission set's name names its
/// reserved role).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The role, as ACCOUNT/ROLE (`prod/Admin`, `222222222222/Admin`).
    #[arg(value_name = "ACCOUNT/ROLE")]
    pub target: String,
    #[command(flatten)]
    pub input: InputArgs,
}

pub fn run(cli: &Cli, args: &Args) -> Result<ExitCode, CommandError> {
    let Some((account, role)) = args.target.split_once('/') else {
        return Err(
            CommandError::bad_input(format!("`{}` is not ACCOUNT/ROLE", args.target)).hint(
                "name the account (name or 12-digit id) and the role: `awsfed who-can prod/Admin`",
            ),
        );
    };
    let input = args.input.load(cli)?;
    let estate = Estate::new(&input.snapshot, input.organization_id.clone());
    crate::commands::access::warn_unknown_org_paths(&estate);
    let in_account = |r: &awsfed_access::RoleRef<'_>| {
        r.account.id == account || r.account.name.as_deref() == Some(account)
    };
    let found = estate
        .roles
        .iter()
        .position(|r| in_account(r) && r.role.name == role)
        .or_else(|| {
            estate.roles.iter().position(|r| {
                in_account(r)
                    && awsfed_snapshot::reserved_role_permission_set(&r.role.path, &r.role.name)
                        == Some(role)
            })
        });
    let Some(target) = found else {
        let in_account: Vec<&str> = estate
            .roles
            .iter()
            .filter(|r| in_account(r))
            .map(|r| r.role.name.as_str())
            .collect();
        let hint = if in_account.is_empty() {
            "the account is not in the estate: name it by its name or 12-digit id".to_owned()
        } else {
            format!("roles in `{account}`: {}", in_account.join(", "))
        };
        return Err(
            CommandError::bad_input(format!("no role `{role}` in account `{account}`")).hint(hint),
        );
    };
    let analysis = analyze_target(&estate, &input.mapping, target);
    let views = PathView::all(&analysis, true);
    match cli.output {
        OutputFormat::Json => print_stdout(&to_json(&views)),
        OutputFormat::Text => {
            let role = estate.role(target);
            let mut out = format!("{}\n", role.role.arn);
            if views.is_empty() {
                out.push_str("no directory group or IAM user reaches this role\n");
            }
            for view in &views {
                let _ = writeln!(
                    out,
                    "\n{}  (session up to {})",
                    view.group,
                    hours(view.max_session_seconds)
                );
                for (i, hop) in view.hops.iter().enumerate() {
                    let kind = match hop.kind {
                        awsfed_access::HopKind::Saml if view.identity_center => {
                            "SAML (Identity Center)"
                        }
                        awsfed_access::HopKind::Saml => "SAML",
                        // An IAM user's own hop: from its MFA session, or its keys alone.
                        awsfed_access::HopKind::AssumeRole if i == 0 => match &view.iam_user {
                            Some(user) if user.mfa => "AssumeRole (MFA session)",
                            Some(_) => "AssumeRole (long-term keys alone)",
                            None => "AssumeRole",
                        },
                        awsfed_access::HopKind::AssumeRole => "AssumeRole",
                    };
                    let _ = writeln!(out, "  {kind}: {} -> {}", hop.from, hop.role_arn);
                    let _ = writeln!(out, "    actions: {}", hop.actions.join(", "));
                    if !hop.audiences.is_empty() {
                        let _ = writeln!(out, "    audiences: {}", hop.audiences.join(", "));
                    }
                    for condition in &hop.conditions {
                        let _ = writeln!(out, "    needs: {condition}");
                    }
                    for statement in &hop.statements {
                        let _ = writeln!(out, "    allowed by: {statement}");
                    }
                }
            }
            print_stdout(&out);
        }
    }
    Ok(ExitCode::SUCCESS)
}
