//! `~/.aws/config` profiles for the targets of directory groups.
//!
//! A target reached with one SAML hop (direct) gets a profile whose `credential_process` runs
//! `awsfed creds ACCOUNT/PERMISSION_SET`. A target reached through a hub gets the SDKs' own role
//! chaining ("Assume role credentials", AWS SDKs and Tools Reference Guide): a `<group>-hub` profile
//! whose `credential_process` signs in to the hub role, and a profile per target with `role_arn`
//! and `source_profile` pointing at it. Role chaining caps the chained session at one hour whatever
//! the role's maximum, so `duration_seconds` is 3600.

use std::collections::BTreeMap;

use super::{Export, ExportError, identity_center};
use awsfed_compile::{DesiredState, GroupMapping, Hop, Target};

/// What goes in `role_session_name` when no session name is given: not a valid session name, so a
/// profile left unfilled fails at once instead of signing in under a shared name.
const SESSION_NAME_PLACEHOLDER: &str = "<your-session-name>";
/// Role chaining caps a session at one hour ("Role chaining", IAM User Guide).
const CHAINED_SESSION_SECONDS: u32 = 3_600;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsConfigOptions {
    /// Only this directory group's targets; all groups when `None`.
    pub group: Option<String>,
    /// `role_session_name` of chained profiles: it must be what the hub session's trust conditions
    /// expect (the identity the IdP sends). A placeholder when `None`.
    pub session_name: Option<String>,
    /// `region` of every profile.
    pub region: Option<String>,
}

/// One file, `aws-config`, to append to `~/.aws/config`.
pub fn aws_config(
    desired: &DesiredState,
    options: &AwsConfigOptions,
) -> Result<Export, ExportError> {
    let groups: Vec<&GroupMapping> = match &options.group {
        Some(name) => vec![
            desired
                .groups
                .iter()
                .find(|g| &g.group == name)
                .ok_or_else(|| ExportError::UnknownGroup {
                    group: name.clone(),
                })?,
        ],
        None => desired.groups.iter().collect(),
    };
    if let Some(name) = &options.session_name
        && !awsfed_policy::is_valid_session_name(name)
    {
        return Err(ExportError::InvalidSessionName { name: name.clone() });
    }
    let session_name = options
        .session_name
        .as_deref()
        .unwrap_or(SESSION_NAME_PLACEHOLDER);

    let mut profiles: BTreeMap<String, Profile> = BTreeMap::new();
    let mut notes = Vec::new();
    for group in groups {
        for target in &group.targets {
            for profile in target_profiles(group, target, session_name, options.region.as_deref()) {
                match profiles.get(&profile.name) {
                    None => {
                        profiles.insert(profile.name.clone(), profile);
                    }
                    Some(existing) if existing.lines == profile.lines => {}
                    Some(existing) => notes.push(format!(
                        "Profile {} is reachable by {} and {}; it goes through the hub role of {} (the first group by name). Change its source_profile to {} to go through the other.",
                        profile.name,
                        existing.group,
                        profile.group,
                        existing.group,
                        hub_profile_name(&profile.group)
                    )),
                }
            }
        }
    }

    let sso_sections = desired.identity_center.as_ref().map(|ic| {
        identity_center::profiles(ic, options.group.as_deref(), options.region.as_deref())
    });
    let has_sso_profiles = matches!(&sso_sections, Some(Some(s)) if !s.is_empty());
    let mut text = header(options, session_name, has_sso_profiles);
    // Hub profiles first: chained profiles name them.
    let (hubs, targets): (Vec<&Profile>, Vec<&Profile>) = profiles.values().partition(|p| p.is_hub);
    for profile in hubs.into_iter().chain(targets) {
        text.push('\n');
        text.push_str(&profile.render());
    }

    match sso_sections {
        // No Identity Center target for this selection: no sso-session section either.
        Some(Some(sections)) if sections.is_empty() => {}
        Some(Some(sections)) => {
            text.push('\n');
            text.push_str(&sections);
            notes.push(format!(
                "Identity Center profiles sign in with `aws sso login --sso-session {}` (AWS CLI v2); the AWS CLI and SDKs then fetch and renew their credentials.",
                identity_center::SESSION
            ));
        }
        Some(None) => notes.push("No Identity Center profiles: set `identity_center.start_url` in the model (or an `identity_store_id` of the form d-…, whose default portal URL awsfed derives) so the sso-session section can name the access portal.".to_owned()),
        None => {}
    }
    let mut export = Export::default();
    export.push_text("aws-config", text);
    if options.session_name.is_none() && profiles.values().any(|p| p.chained) {
        notes.push(format!(
            "The chained profiles carry role_session_name = {SESSION_NAME_PLACEHOLDER}: replace it with your own session name (what your sign-in sends, for example your e-mail address), or export again with a session name."
        ));
    }
    export.notes = notes;
    Ok(export.finish())
}

/// Profile names go in `[profile NAME]`: keep them to characters every tool reads back. `awsfed
/// configure` names its profiles with this rule too, so both write the same names.
pub fn profile_name_part(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._@+=-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn hub_profile_name(group: &str) -> String {
    format!("{}-hub", profile_name_part(group))
}

fn target_profile_name(target: &Target) -> String {
    format!(
        "{}-{}",
        profile_name_part(&target.account_name),
        profile_name_part(&target.permission_set)
    )
}

/// An argument for `credential_process`, which the SDKs split like a shell: quote it when needed.
fn argument(text: &str) -> String {
    if text.is_empty() || text.contains(|c: char| c.is_whitespace() || "\"'\\".contains(c)) {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        text.to_owned()
    }
}

#[derive(Debug)]
struct Profile {
    name: String,
    group: String,
    comment: String,
    lines: Vec<(String, String)>,
    is_hub: bool,
    chained: bool,
}

impl Profile {
    fn render(&self) -> String {
        let mut text = format!("# {}\n[profile {}]\n", self.comment, self.name);
        for (key, value) in &self.lines {
            text.push_str(&format!("{key} = {value}\n"));
        }
        text
    }
}

fn target_profiles(
    group: &GroupMapping,
    target: &Target,
    session_name: &str,
    region: Option<&str>,
) -> Vec<Profile> {
    let with_region = |mut lines: Vec<(String, String)>| {
        if let Some(region) = region {
            lines.push(("region".to_owned(), region.to_owned()));
        }
        lines
    };
    match target.hops.as_slice() {
        [Hop::Saml { .. }] => vec![Profile {
            name: target_profile_name(target),
            group: group.group.clone(),
            comment: format!(
                "{}: SAML sign-in straight into {} (direct)",
                target.name(),
                target.account_id
            ),
            lines: with_region(vec![(
                "credential_process".to_owned(),
                format!("awsfed creds {}", argument(&target.name())),
            )]),
            is_hub: false,
            chained: false,
        }],
        [
            Hop::Saml {
                role_arn: hub_arn, ..
            },
            Hop::AssumeRole { role_arn, .. },
        ] => {
            let hub = hub_profile_name(&group.group);
            vec![
                Profile {
                    name: hub.clone(),
                    group: group.group.clone(),
                    comment: format!(
                        "hub role of directory group {}: SAML sign-in; the chained profiles below use it as source_profile",
                        group.group
                    ),
                    lines: with_region(vec![(
                        "credential_process".to_owned(),
                        format!("awsfed creds --role-arn {}", argument(hub_arn)),
                    )]),
                    is_hub: true,
                    chained: false,
                },
                Profile {
                    name: target_profile_name(target),
                    group: group.group.clone(),
                    comment: format!(
                        "{}: through the hub role of {} (role chaining: sessions last at most one hour)",
                        target.name(),
                        group.group
                    ),
                    lines: with_region(vec![
                        ("role_arn".to_owned(), role_arn.clone()),
                        ("source_profile".to_owned(), hub),
                        ("role_session_name".to_owned(), session_name.to_owned()),
                        (
                            "duration_seconds".to_owned(),
                            CHAINED_SESSION_SECONDS
                                .min(target.max_session_duration)
                                .to_string(),
                        ),
                    ]),
                    is_hub: false,
                    chained: true,
                },
            ]
        }
        // Paths of other shapes are not produced by the compiler; awsfed's own commands reach them.
        _ => Vec::new(),
    }
}

fn header(options: &AwsConfigOptions, session_name: &str, identity_center: bool) -> String {
    let scope = match &options.group {
        Some(group) => format!("directory group {group}"),
        None => "every directory group".to_owned(),
    };
    let identity_center = if identity_center {
        format!(
            "#
# Identity Center targets: each `<account>-<permission-set>` profile names the `sso-session {}`
# section (the AWS access portal and its region); `aws sso login --sso-session {0}` signs in once and
# the AWS CLI and SDKs fetch and renew the role credentials themselves.
",
            identity_center::SESSION
        )
    } else {
        String::new()
    };
    format!(
        "# AWS CLI and SDK profiles generated by awsfed for {scope}; append them to ~/.aws/config.
#
# Direct targets (one SAML sign-in into the target account): the profile's credential_process runs
# `awsfed creds ACCOUNT/PERMISSION_SET`, which signs in with your IdP and caches the credentials.
#
# Hub-and-spoke targets: `<group>-hub` signs in to your group's hub role (credential_process), and
# each `<account>-<permission-set>` profile assumes the target role from it (role_arn +
# source_profile), with role_session_name = {session_name}. Role chaining limits these sessions to
# one hour, hence duration_seconds = 3600.
{identity_center}#
# Use a profile with `aws --profile NAME ...` or AWS_PROFILE=NAME. Generated: export again rather
# than editing.
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    fn text(options: &AwsConfigOptions) -> String {
        let export = aws_config(&fixture::desired(), options).expect("export");
        assert_eq!(export.files.len(), 1);
        export.files[0].contents.clone()
    }

    #[test]
    fn snapshot_all_groups() {
        let export = aws_config(
            &fixture::desired(),
            &AwsConfigOptions {
                region: Some("eu-west-1".to_owned()),
                ..AwsConfigOptions::default()
            },
        )
        .expect("export");
        insta::assert_snapshot!("all_groups", export.files[0].contents);
        insta::assert_snapshot!("all_groups_notes", export.notes.join("\n\n"));
    }

    #[test]
    fn snapshot_one_group_with_a_session_name() {
        insta::assert_snapshot!(
            "developers",
            text(&AwsConfigOptions {
                group: Some("developers".to_owned()),
                session_name: Some("ada@example.com".to_owned()),
                region: None,
            })
        );
    }

    #[test]
    fn chained_profiles_never_ask_for_more_than_an_hour() {
        let all = text(&AwsConfigOptions::default());
        for line in all.lines().filter(|l| l.starts_with("duration_seconds")) {
            assert_eq!(line, "duration_seconds = 3600");
        }
        assert!(all.contains("[profile dev-ReadOnly]\nrole_arn = arn:aws:iam::333333333333:role/awsfed/ReadOnly\nsource_profile = developers-hub\n"));
    }

    #[test]
    fn profiles_are_deduplicated_by_name() {
        let all = text(&AwsConfigOptions::default());
        // dev/Admin is reached by both groups: one profile, from the first group by name.
        assert_eq!(all.matches("[profile dev-Admin]").count(), 1);
        let export = aws_config(&fixture::desired(), &AwsConfigOptions::default()).expect("export");
        assert!(
            export
                .notes
                .iter()
                .any(|n| n.starts_with("Profile dev-Admin"))
        );
    }

    #[test]
    fn unknown_group_and_bad_session_name_are_errors() {
        let desired = fixture::desired();
        assert_eq!(
            aws_config(
                &desired,
                &AwsConfigOptions {
                    group: Some("nobody".to_owned()),
                    ..AwsConfigOptions::default()
                }
            ),
            Err(ExportError::UnknownGroup {
                group: "nobody".to_owned()
            })
        );
        assert!(matches!(
            aws_config(
                &desired,
                &AwsConfigOptions {
                    session_name: Some("has space".to_owned()),
                    ..AwsConfigOptions::default()
                }
            ),
            Err(ExportError::InvalidSessionName { .. })
        ));
    }

    #[test]
    fn names_and_arguments_are_made_safe() {
        assert_eq!(hub_profile_name("Platform Admins"), "Platform-Admins-hub");
        assert_eq!(argument("prod/Admin"), "prod/Admin");
        assert_eq!(argument("my acct/Admin"), "\"my acct/Admin\"");
    }
}
