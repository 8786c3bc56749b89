//! The IdP side: which values of the SAML attribute `https://aws.amazon.com/SAML/Attributes/Role`
//! each directory group's members must receive, written for any IdP (`idp.json`, `idp.csv`), for
//! Okta's AWS Account Federation app with group mapping (`okta.json`, `okta.csv`) and for a
//! Microsoft Entra ID enterprise application (`entra-app-roles.json`, `entra-assignments.json`).
//!
//! A Role value is `role-arn,provider-arn`; AWS accepts the two ARNs in either order ("Configure
//! SAML assertions for the authentication response", IAM User Guide).
//!
//! Okta ("Enable group-based role mapping in Okta", Okta docs) derives the Role values from group
//! names `aws#<account>#<role>#<account-id>` with one Group Filter regex and one Role Value Pattern
//! for all accounts: the provider name and a role path are written into the pattern, so every
//! account must use the same ones. awsfed gives every account the same provider name; the pattern
//! holds the path every role awsfed owns shares (`/awsfed/`), and the Okta group's role part holds
//! the rest of the role's path with its name (`hub/developers` for the hub role
//! `/awsfed/hub/developers`), captured by a Group Filter that admits `/` in the role part.
//!
//! Entra ID sends the values of the app roles assigned to a user ("appRole resource type",
//! Microsoft Graph): a value is at most 120 characters and an app role needs a GUID id, which awsfed
//! derives from the value (UUID version 5), so exporting again gives the same ids.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use uuid::Uuid;

use super::Export;
use awsfed_compile::{DesiredState, RoleValue};

/// The SAML attribute AWS reads the role pairs from.
const ROLE_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
/// Okta's documented Group Filter for `aws#[account alias]#[role name]#[account #]` group names.
const OKTA_GROUP_FILTER: &str = r"^aws\#\S+\#(?{{role}}[\w\-]+)\#(?{{accountid}}\d+)$";
/// The same, with every character IAM allows in a role name.
const OKTA_GROUP_FILTER_WIDE: &str = r"^aws\#\S+\#(?{{role}}[\w+=,.@\-]+)\#(?{{accountid}}\d+)$";
/// The default one, also admitting the `/` of a path below the pattern's (hub roles' `hub/NAME`).
const OKTA_GROUP_FILTER_PATH: &str = r"^aws\#\S+\#(?{{role}}[\w\-/]+)\#(?{{accountid}}\d+)$";
/// The wide one, also admitting `/`.
const OKTA_GROUP_FILTER_WIDE_PATH: &str =
    r"^aws\#\S+\#(?{{role}}[\w+=,.@\-/]+)\#(?{{accountid}}\d+)$";
/// Entra ID's limit on an app role value.
const ENTRA_VALUE_MAX: usize = 120;

/// The order of the two ARNs in a Role value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RoleValueOrder {
    /// `role-arn,provider-arn`, as AWS documents it.
    #[default]
    RoleFirst,
    ProviderFirst,
}

impl RoleValueOrder {
    fn provider_first(self) -> bool {
        self == RoleValueOrder::ProviderFirst
    }

    fn as_str(self) -> &'static str {
        match self {
            RoleValueOrder::RoleFirst => "role-first",
            RoleValueOrder::ProviderFirst => "provider-first",
        }
    }
}

pub fn idp(desired: &DesiredState, order: RoleValueOrder) -> Export {
    let mut export = Export::default();
    export.push_json("idp.json", &generic_json(desired, order));
    export.push_text("idp.csv", generic_csv(desired, order));
    let (okta_json, okta_csv, mut okta_notes) = okta(desired);
    export.push_json("okta.json", &okta_json);
    export.push_text("okta.csv", okta_csv);
    let (app_roles, assignments, mut entra_notes) = entra(desired, order);
    export.push_json("entra-app-roles.json", &app_roles);
    export.push_json("entra-assignments.json", &assignments);
    export.notes.append(&mut okta_notes);
    export.notes.append(&mut entra_notes);
    export.finish()
}

fn generic_json(desired: &DesiredState, order: RoleValueOrder) -> Value {
    let groups: Vec<Value> = desired
        .groups
        .iter()
        .map(|group| {
            let values: Vec<Value> = group
                .role_values
                .iter()
                .map(|v| {
                    json!({
                        "attribute_value": v.attribute(order.provider_first()),
                        "role_arn": v.role_arn,
                        "provider_arn": v.provider_arn,
                        "account_name": v.account_name,
                        "account_id": v.account_id,
                        "role_name": v.role_name,
                    })
                })
                .collect();
            json!({ "group": group.group, "role_values": values })
        })
        .collect();
    json!({
        "attribute": ROLE_ATTRIBUTE,
        "order": order.as_str(),
        "provider_name": desired.provider_name,
        "groups": groups,
    })
}

fn generic_csv(desired: &DesiredState, order: RoleValueOrder) -> String {
    let mut rows = vec![csv_row(&[
        "group",
        "role_arn",
        "provider_arn",
        "attribute_value",
    ])];
    for group in &desired.groups {
        for value in &group.role_values {
            rows.push(csv_row(&[
                &group.group,
                &value.role_arn,
                &value.provider_arn,
                &value.attribute(order.provider_first()),
            ]));
        }
    }
    rows.concat()
}

/// One CSV record as RFC 4180 writes it: a field holding a comma, a double quote or a line break is
/// quoted, with its double quotes doubled; records end with CRLF.
fn csv_row(fields: &[&str]) -> String {
    let mut row = fields
        .iter()
        .map(|field| {
            if field.contains([',', '"', '\r', '\n']) {
                format!("\"{}\"", field.replace('"', "\"\""))
            } else {
                (*field).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    row.push_str("\r\n");
    row
}

/// The Okta group a Role value maps to: its role part is the role's path below `common_path` and
/// its name, so the Role Value Pattern `…:role{common_path}${role}` gives back the role ARN.
fn okta_group(value: &RoleValue, common_path: &str) -> String {
    format!(
        "aws#{}#{}#{}",
        value.account_name,
        okta_role(value, common_path),
        value.account_id
    )
}

fn okta_role(value: &RoleValue, common_path: &str) -> String {
    let path = role_path(&value.role_arn, &value.role_name).unwrap_or("/");
    let below = path.strip_prefix(common_path).unwrap_or_default();
    format!("{below}{}", value.role_name)
}

/// The longest path every role path starts with (`/awsfed/` for `/awsfed/` and `/awsfed/hub/`).
fn common_path<'a>(paths: impl IntoIterator<Item = &'a str>) -> String {
    let mut common: Option<&str> = None;
    for path in paths {
        common = Some(match common {
            None => path,
            Some(c) => {
                let shared = c
                    .bytes()
                    .zip(path.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                // Back to the last `/` both share, so the prefix is a whole path.
                let end = c[..shared].rfind('/').map_or(0, |i| i + 1);
                &c[..end]
            }
        });
    }
    match common {
        Some(c) if !c.is_empty() => c.to_owned(),
        _ => "/".to_owned(),
    }
}

fn okta(desired: &DesiredState) -> (Value, String, Vec<String>) {
    let mut notes = Vec::new();
    let values: BTreeSet<&RoleValue> = desired.groups.iter().flat_map(|g| &g.role_values).collect();

    // The pattern holds the path all roles share; each group's role part holds the rest.
    let path = common_path(
        values
            .iter()
            .filter_map(|v| role_path(&v.role_arn, &v.role_name)),
    );
    let default_role = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let wide = values
        .iter()
        .any(|v| !v.role_name.chars().all(default_role));
    let below = values
        .iter()
        .any(|v| okta_role(v, &path).len() > v.role_name.len());
    if wide {
        notes.push("Okta: some role names hold characters outside `[\\w-]` that Okta's default Group Filter does not match; okta.json gives a Group Filter widened to every character IAM allows in a role name.".to_owned());
    }
    if let Some(example) = values
        .iter()
        .find(|v| okta_role(v, &path).len() > v.role_name.len())
    {
        notes.push(format!("Okta: hub roles live below {path} on a path of their own, which no other role uses; their Okta groups carry the rest of that path in the role part (for example `{}`), and okta.json's Group Filter admits `/` there.", okta_group(example, &path)));
    }
    let filter = match (wide, below) {
        (false, false) => OKTA_GROUP_FILTER,
        (true, false) => OKTA_GROUP_FILTER_WIDE,
        (false, true) => OKTA_GROUP_FILTER_PATH,
        (true, true) => OKTA_GROUP_FILTER_WIDE_PATH,
    };

    let unfit: Vec<&str> = values
        .iter()
        .filter(|v| v.account_name.contains('#') || v.account_name.contains(char::is_whitespace))
        .map(|v| v.account_name.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !unfit.is_empty() {
        notes.push(format!(
            "Okta: the account name{} {} hold{} `#` or white space, which the group names `aws#<account>#<role>#<account-id>` cannot carry (the Group Filter reads the account part as `\\S+` between `#` separators): rename the account{} in the model or map these roles by hand.",
            if unfit.len() == 1 { "" } else { "s" },
            unfit.join(", "),
            if unfit.len() == 1 { "s" } else { "" },
            if unfit.len() == 1 { "" } else { "s" },
        ));
    }

    let pattern = format!(
        "arn:{p}:iam::${{accountid}}:saml-provider/{provider},arn:{p}:iam::${{accountid}}:role{path}${{role}}",
        p = desired.partition,
        provider = desired.provider_name
    );

    let groups: Vec<Value> = values
        .iter()
        .map(|v| {
            json!({
                "name": okta_group(v, &path),
                "account_name": v.account_name,
                "account_id": v.account_id,
                "role_name": v.role_name,
                "role_arn": v.role_arn,
            })
        })
        .collect();
    let assignments: Vec<Value> = desired
        .groups
        .iter()
        .map(|g| {
            let names: Vec<String> = g.role_values.iter().map(|v| okta_group(v, &path)).collect();
            json!({ "directory_group": g.group, "okta_groups": names })
        })
        .collect();
    let mut csv = csv_row(&["directory_group", "okta_group"]);
    for group in &desired.groups {
        for value in &group.role_values {
            csv.push_str(&csv_row(&[&group.group, &okta_group(value, &path)]));
        }
    }
    notes.push(format!(
        "Okta: in the AWS Account Federation app, turn on Use Group Mapping with the Group Filter and Role Value Pattern of okta.json; it works because every account has the SAML provider {} and every role awsfed owns is under the path {path}. Create the Okta groups listed there and make each directory group a member of its Okta groups (okta.csv), or assign the Okta groups directly.",
        desired.provider_name
    ));
    let json = json!({
        "app": "AWS Account Federation",
        "use_group_mapping": true,
        "group_filter": filter,
        "role_value_pattern": pattern,
        "okta_groups": groups,
        "assignments": assignments,
    });
    (json, csv, notes)
}

/// The path of a role ARN (`/awsfed/` in `arn:aws:iam::1:role/awsfed/Admin`).
fn role_path<'a>(arn: &'a str, name: &str) -> Option<&'a str> {
    let (_, rest) = arn.split_once(":role")?;
    rest.strip_suffix(name)
}

/// The namespace of awsfed's app role ids: UUID v5 of a fixed URL in the URL namespace.
fn app_role_namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:awsfed:entra:app-role")
}

/// The app role id of a value: the same value always gets the same id.
fn app_role_id(value: &str) -> Uuid {
    Uuid::new_v5(&app_role_namespace(), value.as_bytes())
}

fn entra(desired: &DesiredState, order: RoleValueOrder) -> (Value, Value, Vec<String>) {
    let mut notes = Vec::new();
    let values: BTreeSet<&RoleValue> = desired.groups.iter().flat_map(|g| &g.role_values).collect();
    let mut too_long = Vec::new();
    let app_role = |v: &RoleValue| {
        let value = v.attribute(order.provider_first());
        json!({
            "allowedMemberTypes": ["User"],
            "description": format!("AWS role {} in account {} ({})", v.role_name, v.account_name, v.account_id),
            "displayName": format!("{} {}", v.account_name, v.role_name),
            "id": app_role_id(&value).to_string(),
            "isEnabled": true,
            "value": value,
        })
    };
    let roles: Vec<Value> = values
        .iter()
        .map(|v| {
            let role = app_role(v);
            if v.attribute(order.provider_first()).len() > ENTRA_VALUE_MAX {
                too_long.push(format!("{} {}", v.account_name, v.role_name));
            }
            role
        })
        .collect();
    if !too_long.is_empty() {
        notes.push(format!(
            "Entra ID: an app role value is at most {ENTRA_VALUE_MAX} characters; the values of {} are longer and will be rejected: shorten the role or provider name, or send the Role attribute through a claims transformation instead.",
            too_long.join(", ")
        ));
    }
    let by_value: BTreeMap<String, &Value> = roles
        .iter()
        .map(|r| (r["value"].as_str().unwrap_or_default().to_owned(), r))
        .collect();
    let assignments: Vec<Value> = desired
        .groups
        .iter()
        .map(|g| {
            let roles: Vec<Value> = g
                .role_values
                .iter()
                .map(|v| {
                    let role = by_value[&v.attribute(order.provider_first())];
                    json!({ "id": role["id"], "displayName": role["displayName"], "value": role["value"] })
                })
                .collect();
            json!({ "directory_group": g.group, "app_roles": roles })
        })
        .collect();
    notes.push("Entra ID: add the app roles of entra-app-roles.json to the enterprise application's app registration (manifest `appRoles`, or PATCH the application with the file as the body; a PATCH replaces the whole list, so keep the roles it already has, such as msiam_access), then assign each directory group its app roles (entra-assignments.json). The ids are derived from the values and stay the same on every export.".to_owned());
    (
        json!({ "appRoles": roles }),
        json!({ "assignments": assignments }),
        notes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    fn contents<'a>(export: &'a Export, path: &str) -> &'a str {
        &export
            .files
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("{path} exported"))
            .contents
    }

    #[test]
    fn snapshot() {
        let export = idp(&fixture::desired(), RoleValueOrder::RoleFirst);
        for file in &export.files {
            insta::assert_snapshot!(file.path.clone(), file.contents);
        }
        insta::assert_snapshot!("notes", export.notes.join("\n\n"));
    }

    #[test]
    fn provider_first_swaps_the_pair() {
        let export = idp(&fixture::desired(), RoleValueOrder::ProviderFirst);
        let csv = contents(&export, "idp.csv");
        let line = csv.lines().nth(1).expect("a row");
        assert!(
            line.ends_with("\"arn:aws:iam::111111111111:saml-provider/corp,arn:aws:iam::111111111111:role/awsfed/hub/hub-developers\""),
            "{line}"
        );
    }

    #[test]
    fn csv_quotes_as_rfc_4180_says() {
        assert_eq!(csv_row(&["a", "b"]), "a,b\r\n");
        assert_eq!(csv_row(&["a,b", "c"]), "\"a,b\",c\r\n");
        assert_eq!(csv_row(&["say \"hi\"", ""]), "\"say \"\"hi\"\"\",\r\n");
        assert_eq!(csv_row(&["two\nlines"]), "\"two\nlines\"\r\n");
    }

    #[test]
    fn okta_groups_follow_the_default_pattern() {
        let export = idp(&fixture::desired(), RoleValueOrder::RoleFirst);
        let okta: Value = serde_json::from_str(contents(&export, "okta.json")).expect("JSON");
        // Hub roles' Okta groups carry `hub/` in the role part, so the filter admits `/`.
        assert_eq!(okta["group_filter"], OKTA_GROUP_FILTER_PATH);
        assert_eq!(
            okta["role_value_pattern"],
            "arn:aws:iam::${accountid}:saml-provider/corp,arn:aws:iam::${accountid}:role/awsfed/${role}"
        );
        assert_eq!(
            okta["assignments"][0],
            json!({
                "directory_group": "developers",
                "okta_groups": [
                    "aws#identity#hub/hub-developers#111111111111",
                    "aws#prod#ReadOnly#222222222222",
                    "aws#sandbox#ReadOnly#444444444444"
                ]
            })
        );
    }

    /// What Okta does with okta.json: the Group Filter picks `role` and `accountid` out of each Okta
    /// group name, and the Role Value Pattern turns them into the Role value. Every group's values
    /// must come back, hub roles under their own path included.
    #[test]
    fn okta_pattern_produces_every_role_value() {
        let desired = fixture::desired();
        let export = idp(&desired, RoleValueOrder::RoleFirst);
        let okta: Value = serde_json::from_str(contents(&export, "okta.json")).expect("JSON");
        let filter = okta["group_filter"].as_str().expect("filter");
        assert_eq!(filter, OKTA_GROUP_FILTER_PATH);
        // Okta writes named groups as `(?{{name}}…)`.
        let filter = regex::Regex::new(
            &filter
                .replace("(?{{role}}", "(?P<role>")
                .replace("(?{{accountid}}", "(?P<accountid>"),
        )
        .expect("the Group Filter is a regular expression");
        let pattern = okta["role_value_pattern"].as_str().expect("pattern");
        let mut checked = 0;
        for (group, assignment) in desired
            .groups
            .iter()
            .zip(okta["assignments"].as_array().expect("assignments"))
        {
            let names = assignment["okta_groups"].as_array().expect("names");
            assert_eq!(names.len(), group.role_values.len());
            for (name, value) in names.iter().zip(&group.role_values) {
                let name = name.as_str().expect("a name");
                let captures = filter
                    .captures(name)
                    .unwrap_or_else(|| panic!("{name} passes the filter"));
                let produced = pattern
                    .replace("${accountid}", &captures["accountid"])
                    .replace("${role}", &captures["role"]);
                assert_eq!(produced, value.attribute(true), "{name}");
                checked += 1;
            }
        }
        assert!(
            desired
                .groups
                .iter()
                .flat_map(|g| &g.role_values)
                .any(|v| v.role_arn.contains(":role/awsfed/hub/")),
            "the fixture has hub roles under their own path"
        );
        assert!(checked > 5, "{checked}");
    }

    #[test]
    fn common_path_is_a_whole_path() {
        assert_eq!(common_path(["/awsfed/", "/awsfed/hub/"]), "/awsfed/");
        assert_eq!(common_path(["/awsfed/hub/"]), "/awsfed/hub/");
        assert_eq!(common_path(["/awsfed/hubx/", "/awsfed/hub/"]), "/awsfed/");
        assert_eq!(common_path(["/a/", "/b/"]), "/");
        assert_eq!(common_path([]), "/");
    }

    #[test]
    fn okta_flags_names_the_pattern_cannot_carry() {
        let mut desired = fixture::desired();
        let value = &mut desired.groups[0].role_values[1];
        value.account_name = "prod eu".to_owned();
        value.role_name = "Read.Only".to_owned();
        let export = idp(&desired, RoleValueOrder::RoleFirst);
        let okta: Value = serde_json::from_str(contents(&export, "okta.json")).expect("JSON");
        assert_eq!(okta["group_filter"], OKTA_GROUP_FILTER_WIDE_PATH);
        assert!(export.notes.iter().any(|n| n.contains("prod eu")));
    }

    #[test]
    fn entra_ids_are_stable_uuids_derived_from_the_value() {
        let value = "arn:aws:iam::1:role/awsfed/Admin,arn:aws:iam::1:saml-provider/corp";
        let id = app_role_id(value);
        assert_eq!(id.get_version_num(), 5);
        assert_eq!(id, app_role_id(value));
        assert_ne!(id, app_role_id("other"));
        // RFC 4122's example: the DNS namespace and "python.org".
        assert_eq!(
            Uuid::new_v5(&Uuid::NAMESPACE_DNS, b"python.org").to_string(),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d"
        );
    }

    #[test]
    fn entra_flags_values_over_120_characters() {
        let mut desired = fixture::desired();
        desired.groups[0].role_values[1].role_arn =
            format!("arn:aws:iam::222222222222:role/awsfed/{}", "R".repeat(64));
        let export = idp(&desired, RoleValueOrder::RoleFirst);
        assert!(export.notes.iter().any(|n| n.contains("at most 120")));
    }
}
