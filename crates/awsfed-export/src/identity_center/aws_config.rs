//! `~/.aws/config` for Identity Center targets: one `sso-session` section naming the access portal
//! and its region, and one profile per (account, permission set) with `sso_session`,
//! `sso_account_id` and `sso_role_name` ("Configure IAM Identity Center authentication with the AWS
//! CLI", AWS CLI User Guide). `aws sso login --sso-session awsfed` signs in; the CLI and SDKs then
//! fetch and renew role credentials themselves.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::aws_config::profile_name_part;
use awsfed_compile::DesiredIdentityCenter;

/// The `sso-session` section's name.
pub(crate) const SESSION: &str = "awsfed";

/// The sections, or `None` when no start URL is known (the model gives neither `start_url` nor an
/// identity store id); `group` keeps only that directory group's targets. Empty when no target is
/// left: an `sso-session` section no profile names would only confuse.
pub(crate) fn profiles(
    identity_center: &DesiredIdentityCenter,
    group: Option<&str>,
    region: Option<&str>,
) -> Option<String> {
    let start_url = identity_center.start_url.as_deref()?;
    let sso_region = identity_center.region.as_deref()?;
    let targets: BTreeSet<(&str, &str, &str)> = identity_center
        .assignments
        .iter()
        .filter(|a| group.is_none_or(|g| g == a.group))
        .map(|a| {
            (
                a.account_name.as_str(),
                a.permission_set.as_str(),
                a.account_id.as_str(),
            )
        })
        .collect();
    if targets.is_empty() {
        return Some(String::new());
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# the AWS access portal of the Identity Center instance: `aws sso login --sso-session {SESSION}`"
    );
    let _ = writeln!(out, "[sso-session {SESSION}]");
    let _ = writeln!(out, "sso_start_url = {start_url}");
    let _ = writeln!(out, "sso_region = {sso_region}");
    let _ = writeln!(out, "sso_registration_scopes = sso:account:access");
    for (account, set, id) in targets {
        let _ = writeln!(
            out,
            "\n# {account}/{set}: Identity Center, permission set {set} in {id}\n[profile {}-{}]",
            profile_name_part(account),
            profile_name_part(set)
        );
        let _ = writeln!(out, "sso_session = {SESSION}");
        let _ = writeln!(out, "sso_account_id = {id}");
        let _ = writeln!(out, "sso_role_name = {set}");
        if let Some(region) = region {
            let _ = writeln!(out, "region = {region}");
        }
    }
    Some(out)
}
