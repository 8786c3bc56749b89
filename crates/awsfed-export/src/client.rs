//! The client file (`awsfed export client`): every target a compiled model gives, with the hops
//! that reach it and the groups that take each path. `awsfed-signin` owns the format and reads it;
//! this is where the desired state becomes one.

use std::collections::BTreeMap;

use awsfed_compile::{DesiredAccount, DesiredIamUsers, DesiredState, Hop, Target};
use awsfed_signin::{
    CLIENT_FILE_VERSION, ClientAccount, ClientFile, ClientHop, ClientIamUsers, ClientPath,
    ClientTarget, IdentityProviderInfo,
};

/// The client file for a compiled model; `signin_url` is where users start an IdP sign-in.
pub fn client_file(desired: &DesiredState, signin_url: Option<String>) -> ClientFile {
    let accounts = desired
        .accounts
        .iter()
        .map(|a| ClientAccount {
            name: a.name.clone(),
            id: a.id.clone(),
            region: a.region.clone(),
        })
        .collect();
    let mut targets: BTreeMap<String, ClientTarget> = BTreeMap::new();
    for group in &desired.groups {
        for target in &group.targets {
            let hops: Vec<ClientHop> = target.hops.iter().map(client_hop).collect();
            let path = path_of(&mut targets, target, hops);
            path.groups.push(group.group.clone());
        }
    }
    let hub = desired
        .accounts
        .iter()
        .find_map(|a| a.iam_users.as_ref().map(|users| (a, users)));
    if let Some((account, users)) = hub {
        for user in &users.users {
            for target in &user.targets {
                let hops = std::iter::once(ClientHop::IamUser {
                    account_id: account.id.clone(),
                })
                .chain(target.hops.iter().map(client_hop))
                .collect();
                let path = path_of(&mut targets, target, hops);
                path.users.push(user.name.clone());
            }
        }
    }
    let mut targets: Vec<ClientTarget> = targets.into_values().collect();
    for target in &mut targets {
        for path in &mut target.paths {
            path.groups.sort();
            path.groups.dedup();
            path.users.sort();
        }
        target
            .paths
            .sort_by(|a, b| (&a.groups, &a.users).cmp(&(&b.groups, &b.users)));
    }
    ClientFile {
        version: CLIENT_FILE_VERSION,
        identity_provider: IdentityProviderInfo {
            provider_name: desired.provider_name.clone(),
            signin_url,
            browser_port: None,
        },
        accounts,
        targets,
        iam_users: hub.map(|(account, users)| iam_users(&desired.partition, account, users)),
    }
}

/// The path of `target` with these hops, added (with no groups or users yet) when new.
fn path_of<'t>(
    targets: &'t mut BTreeMap<String, ClientTarget>,
    target: &Target,
    hops: Vec<ClientHop>,
) -> &'t mut ClientPath {
    let entry = targets
        .entry(target.name())
        .or_insert_with(|| ClientTarget {
            name: target.name(),
            account_name: target.account_name.clone(),
            account_id: target.account_id.clone(),
            permission_set: target.permission_set.clone(),
            max_session_duration: target.max_session_duration,
            paths: Vec::new(),
        });
    // A user's target may last longer than a group's chained one.
    entry.max_session_duration = entry.max_session_duration.max(target.max_session_duration);
    let index = match entry.paths.iter().position(|p| p.hops == hops) {
        Some(index) => index,
        None => {
            entry.paths.push(ClientPath {
                groups: Vec::new(),
                users: Vec::new(),
                hops,
            });
            entry.paths.len() - 1
        }
    };
    &mut entry.paths[index]
}

/// What signing in as one of the hub's IAM users needs. The MFA device is the virtual one the
/// self-service policy lets each user create, named after them (`mfa/${aws:username}`).
fn iam_users(partition: &str, account: &DesiredAccount, users: &DesiredIamUsers) -> ClientIamUsers {
    ClientIamUsers {
        account_id: account.id.clone(),
        account_name: account.name.clone(),
        path: users.path.clone(),
        mfa_serial: format!("arn:{partition}:iam::{}:mfa/{{user}}", account.id),
        session_duration: users.mfa_max_age,
        source_identity: users.source_identity,
        without_mfa: users
            .users
            .iter()
            .filter(|u| !u.mfa)
            .map(|u| u.name.clone())
            .collect(),
    }
}

fn client_hop(hop: &Hop) -> ClientHop {
    match hop {
        Hop::Saml {
            role_arn,
            provider_arn,
            max_session_duration,
        } => ClientHop::Saml {
            role_arn: role_arn.clone(),
            provider_arn: provider_arn.clone(),
            max_session_duration: *max_session_duration,
        },
        Hop::AssumeRole {
            role_arn,
            max_session_duration,
        } => ClientHop::AssumeRole {
            role_arn: role_arn.clone(),
            max_session_duration: *max_session_duration,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use awsfed_signin::SignInError;

    use super::*;

    fn compile_example(name: &str) -> DesiredState {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name)
            .join("awsfed.yaml");
        let bytes = std::fs::read(&path).expect("example");
        let text = awsfed_model::load::decode(&bytes).expect("UTF-8");
        let raw = awsfed_model::load::parse(text).expect("parses");
        let base = path.parent().map(Path::to_owned).unwrap_or_default();
        let mut read =
            |file: &str| std::fs::read_to_string(base.join(file)).map_err(|e| e.to_string());
        let (model, diagnostics) = awsfed_model::resolve(&raw, &mut read);
        let model = model.unwrap_or_else(|| panic!("{diagnostics:?}"));
        awsfed_compile::compile(&model)
    }

    #[test]
    fn mixed_example_client_file() {
        let file = client_file(
            &compile_example("mixed"),
            Some("https://idp.example.com/aws".to_owned()),
        );
        insta::assert_snapshot!("mixed_client_file", file.to_json());
        // Round trip, and lookups by name and by account id.
        let back = ClientFile::from_json(&file.to_json(), Path::new("client.json")).expect("reads");
        assert_eq!(back, file);
        assert_eq!(
            back.target("prod-web/ReadOnly")
                .expect("by name")
                .account_id,
            "200000000001"
        );
        assert_eq!(
            back.target("200000000001/ReadOnly").expect("by id").name,
            "prod-web/ReadOnly"
        );
        let Err(SignInError::UnknownTarget { suggestions, .. }) = back.target("prod-web/Admn")
        else {
            panic!("an unknown target");
        };
        assert_eq!(suggestions, vec!["prod-web/Admin".to_owned()]);
    }

    /// The IAM-users example: every user's target is `iam-user` then `assume-role` into the spoke
    /// role at its full session (no chaining), with the users who reach it; the hub's section
    /// names the account, the MFA device pattern, the MFA session length and the exempt users.
    #[test]
    fn iam_users_example_client_file() {
        let file = client_file(&compile_example("iam-users"), None);
        insta::assert_snapshot!("iam_users_client_file", file.to_json());
        let users = file.iam_users.as_ref().expect("iam_users section");
        assert_eq!(
            users.mfa_serial_of("ada"),
            "arn:aws:iam::111111111111:mfa/ada"
        );
        assert_eq!(users.without_mfa, ["break-glass"]);
        let readonly = file.target("prod/ReadOnly").expect("prod/ReadOnly");
        assert_eq!(readonly.max_session_duration, 8 * 3_600);
        assert_eq!(readonly.paths.len(), 1);
        assert_eq!(readonly.paths[0].users, ["grace", "linus", "margaret"]);
        assert!(matches!(
            readonly.paths[0].hops.as_slice(),
            [ClientHop::IamUser { account_id }, ClientHop::AssumeRole { max_session_duration: 28_800, .. }]
                if account_id == "111111111111"
        ));
        let back = ClientFile::from_json(&file.to_json(), Path::new("client.json")).expect("reads");
        assert_eq!(back, file);
    }

    #[test]
    fn every_direct_target_is_one_saml_hop_and_every_hub_target_two() {
        let file = client_file(&compile_example("mixed"), None);
        for target in &file.targets {
            for path in &target.paths {
                let direct = target.account_name.starts_with("prod-");
                assert_eq!(
                    path.hops.len(),
                    if direct { 1 } else { 2 },
                    "{}",
                    target.name
                );
                assert!(path.first_role().is_some());
                if let Some(ClientHop::AssumeRole {
                    max_session_duration,
                    ..
                }) = path.hops.get(1)
                {
                    assert!(*max_session_duration >= 3_600);
                }
            }
        }
    }
}
