//! A hub per team on moto: two hub accounts, each team's OU behind its own hub. `apply` creates
//! each team's hub roles in its hub account and spoke trusts that name only that hub's roles; a
//! model claiming `organization.complete` while Organizations lists accounts it lacks is refused
//! before anything is planned, naming them. (moto enforces no policy: who may enter what is the
//! evaluator's and iam-simulate's to decide, in awsfed-access's `teams` test.)

use serde_json::Value;

use crate::deploy_support::{
    Moto, Workspace, create_org, moto_enabled, role_names, roles, trust_text,
};

/// The teams model for the organisation `created` by moto_org.py: `Teams/Web` and `Teams/Data`
/// with three accounts each (the first of each is the team's hub), `Security` with one.
fn teams_model(created: &Value, complete: bool) -> String {
    let mut yaml = String::from(
        "version: 1\nallow_warnings: [session-name-source]\nidentity_provider:\n  name: corp\n  metadata_file: corp-idp.xml\n  session_name_from: email\n  source_identity: true\ntopology:\n  default: hub-and-spoke\n  hubs: { web: web-0, data: data-0 }\n  default_hub: web\n  ou_hubs: { Teams/Web: web, Teams/Data: data }\n",
    );
    yaml.push_str(&format!(
        "organization: {{ id: {}, complete: {complete} }}\naccounts:\n",
        created["organization"].as_str().unwrap()
    ));
    let mut counts = std::collections::BTreeMap::new();
    for account in created["accounts"].as_array().unwrap() {
        let ou = account["ou"].as_str().unwrap();
        let team = match ou {
            "Teams/Web" => "web",
            "Teams/Data" => "data",
            _ => "security",
        };
        let n = counts.entry(team).or_insert(0);
        let name = if team == "security" {
            team.to_owned()
        } else {
            format!("{team}-{n}")
        };
        *n += 1;
        yaml.push_str(&format!(
            "  {name}: {{ id: \"{}\", ou: {ou} }}\n",
            account["id"].as_str().unwrap()
        ));
    }
    yaml.push_str("permission_sets:\n  Admin:\n    inline_policy: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: '*', Resource: '*' }] }\n    session_duration: 1h\n  ReadOnly:\n    inline_policy: { Version: '2012-10-17', Statement: [{ Effect: Allow, Action: ['s3:Get*', 's3:List*'], Resource: '*' }] }\n    session_duration: 1h\n");
    yaml.push_str("groups:\n  web-admins: [ { accounts: { ous: [Teams/Web] }, permission_set: Admin }, { accounts: security, permission_set: ReadOnly } ]\n  data-admins:\n    hub: data\n    grants: [ { accounts: { ous: [Teams/Data] }, permission_set: Admin }, { accounts: security, permission_set: ReadOnly } ]\n");
    yaml
}

#[test]
fn two_hubs_deploy_and_a_false_complete_claim_is_refused() {
    if !moto_enabled() {
        return;
    }
    let moto = Moto::start();
    let e = moto.endpoint.as_str();
    let created = create_org(e, &["Teams/Web=3", "Teams/Data=3", "Security=1"]);
    let id = |i: usize| created["accounts"][i]["id"].as_str().unwrap().to_owned();
    let (web_hub, web_spoke, data_hub, data_spoke, security) = (id(0), id(1), id(3), id(4), id(6));
    let ws = Workspace::new();
    ws.write_model(&teams_model(&created, false));
    ws.run(e, &["apply"]).expect_code(0);

    let web = roles(e, &web_hub);
    let data = roles(e, &data_hub);
    assert!(role_names(&web).contains(&"web-admins".to_owned()), "{web}");
    assert!(
        !role_names(&web).contains(&"data-admins".to_owned()),
        "{web}"
    );
    assert!(
        role_names(&data).contains(&"data-admins".to_owned()),
        "{data}"
    );
    assert!(
        !role_names(&data).contains(&"web-admins".to_owned()),
        "{data}"
    );
    let web_role = format!("arn:aws:iam::{web_hub}:role/awsfed/hub/web-admins");
    let data_role = format!("arn:aws:iam::{data_hub}:role/awsfed/hub/data-admins");
    let web_trust = trust_text(&roles(e, &web_spoke), "Admin");
    assert!(
        web_trust.contains(&web_role) && !web_trust.contains(&data_hub),
        "{web_trust}"
    );
    let data_trust = trust_text(&roles(e, &data_spoke), "Admin");
    assert!(
        data_trust.contains(&data_role) && !data_trust.contains(&web_hub),
        "{data_trust}"
    );
    let shared = trust_text(&roles(e, &security), "ReadOnly");
    assert!(
        shared.contains(&web_role) && shared.contains(&data_role),
        "{shared}"
    );
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);

    // The organisation also holds its management account, which the model does not list.
    ws.write_model(&teams_model(&created, true));
    let refused = ws.run(e, &["plan"]).expect_code(1);
    let management = created["management"].as_str().unwrap();
    insta::assert_snapshot!(
        refused
            .stderr()
            .replace(management, "<management>")
            .replace(created["organization"].as_str().unwrap(), "<organization>")
    );
    ws.run(e, &["apply"]).expect_code(1);
    // Listed, the claim holds and the plan is empty again.
    let mut listed = teams_model(&created, true);
    listed = listed.replacen(
        "accounts:\n",
        &format!("accounts:\n  management: {{ id: \"{management}\" }}\n"),
        1,
    );
    ws.write_model(&listed);
    ws.run(e, &["plan", "--detailed-exitcode"]).expect_code(0);
}
