//! A migration signed in through the trust gate (iam-simulate deciding every `AssumeRoleWithSAML`
//! and `AssumeRole` against the trusts `awsfed migrate` writes into moto): a user signing in the
//! old way (hub role, then AssumeRole) and one signing in the new way (straight into the account)
//! at each stage, and the stage proof's verdict beside the gate's.

use std::path::PathBuf;
use std::process::Command;

use crate::signin_support::{Setup, World, awsfed, free_port, run, text};

const HUB_DEVELOPERS: &str = "arn:aws:iam::111111111111:role/awsfed/hub/developers";
const DEV_READONLY: &str = "arn:aws:iam::444444444444:role/awsfed/ReadOnly";
const PROD_READONLY: &str = "arn:aws:iam::222222222222:role/awsfed/ReadOnly";

/// The model and what the IdP and users get from it, for one topology of `dev`.
struct Side {
    desired: PathBuf,
    client: PathBuf,
}

fn model(world: &World) -> PathBuf {
    world.dir.path().join("model/awsfed.yaml")
}

fn deploy(world: &World, args: &[&str]) -> (i32, String, String) {
    let mut command = awsfed(world.dir.path());
    command
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .arg("-c")
        .arg(model(world))
        .args(["--endpoint-url", &world.moto_url])
        .args(args);
    run(command)
}

/// Compiles the model as it is now and exports its client file.
fn side(world: &World, name: &str) -> Side {
    let desired = world.dir.path().join(format!("desired-{name}.json"));
    let output = awsfed(world.dir.path())
        .arg("-c")
        .arg(model(world))
        .args(["compile", "--output", "json"])
        .output()
        .expect("compile");
    assert!(output.status.success(), "compile: {}", text(&output.stderr));
    std::fs::write(&desired, &output.stdout).expect("desired");
    let out = world.dir.path().join(format!("client-{name}"));
    let output = awsfed(world.dir.path())
        .arg("-c")
        .arg(model(world))
        .args([
            "export",
            "client",
            "--signin-url",
            "https://idp.awsfed.test/aws",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("export client");
    assert!(
        output.status.success(),
        "export client: {}",
        text(&output.stderr)
    );
    Side {
        desired,
        client: out.join("client.json"),
    }
}

/// A developer signs in to `target` with the IdP values and client file of `side`: the exit code.
fn sign_in(world: &World, side: &Side, target: &str) -> i32 {
    let response = Command::new(&world.tools.python)
        .args(["-W", "ignore"])
        .arg(crate::support::repo().join("tests/support/idp.py"))
        .args(["response", "--keys"])
        .arg(&world.keys)
        .arg("--desired")
        .arg(&side.desired)
        .args(["--user", "dev@example.com", "--groups", "developers"])
        .args(["--source-identity", "dev@example.com"])
        .output()
        .expect("idp.py runs");
    assert!(
        response.status.success(),
        "idp.py: {}",
        text(&response.stderr)
    );
    let saml = world.dir.path().join(format!("saml-{}.b64", free_port()));
    std::fs::write(&saml, &response.stdout).expect("response");
    let home = world.home(&format!("user-{}", free_port()));
    let mut command = world.awsfed(&home);
    command
        .env(awsfed_env::AWSFED_CLIENT, &side.client)
        .args(["creds", target, "--saml-file"])
        .arg(&saml);
    run(command).0
}

fn gate_says(world: &World, call: &str) -> Option<(u64, u64)> {
    world.gate_calls().get(call).copied()
}

fn edit_model(world: &World, from: &str, to: &str) {
    let text = std::fs::read_to_string(model(world)).expect("model");
    assert!(text.contains(from), "the example holds {from}");
    std::fs::write(model(world), text.replacen(from, to, 1)).expect("model");
}

fn proof_line(stderr: &str, idp: &str) -> String {
    stderr
        .lines()
        .find(|l| l.contains(idp))
        .unwrap_or_else(|| panic!("a proof line for {idp}: {stderr}"))
        .to_owned()
}

#[test]
fn old_and_new_sign_in_at_every_stage_agree_with_the_proof() {
    let Some(world) = World::start_with(
        "hub-and-spoke",
        Setup {
            apply: true,
            ..Setup::default()
        },
    ) else {
        return;
    };
    let old = side(&world, "old");
    edit_model(
        &world,
        "tags: { env: dev } }",
        "tags: { env: dev }, topology: direct }",
    );
    let new = side(&world, "new");

    // Deployed hub-and-spoke: only the old way in.
    world.reset_gate();
    assert_eq!(sign_in(&world, &old, "dev/ReadOnly"), 0);
    assert_eq!(
        gate_says(&world, &format!("AssumeRole {DEV_READONLY}")),
        Some((1, 0))
    );
    assert_ne!(sign_in(&world, &new, "dev/ReadOnly"), 0);
    assert_eq!(
        gate_says(&world, &format!("AssumeRoleWithSAML {DEV_READONLY}")),
        Some((1, 1)),
        "the gate refuses the new way before expand"
    );

    // Expand: the proof says every intended path works with the old, both and the new values; the
    // gate lets both users in, and prod (not moving) is unchanged.
    let (code, _, stderr) = deploy(&world, &["migrate", "next"]);
    assert_eq!(code, 0, "{stderr}");
    for idp in [
        "old Role values",
        "old and new Role values",
        "new Role values",
    ] {
        assert!(
            proof_line(&stderr, idp).ends_with("every intended path, nothing else"),
            "{stderr}"
        );
    }
    world.reset_gate();
    for (side, target) in [
        (&old, "dev/ReadOnly"),
        (&new, "dev/ReadOnly"),
        (&old, "prod/ReadOnly"),
        (&new, "prod/ReadOnly"),
        (&new, "dev/Deployer"),
    ] {
        assert_eq!(sign_in(&world, side, target), 0, "{target} after expand");
    }
    let calls = world.gate_calls();
    assert_eq!(
        calls.get(&format!("AssumeRole {DEV_READONLY}")),
        Some(&(1, 0)),
        "{calls:?}"
    );
    assert_eq!(
        calls.get(&format!("AssumeRoleWithSAML {DEV_READONLY}")),
        Some(&(1, 0)),
        "{calls:?}"
    );
    assert_eq!(
        calls.get(&format!("AssumeRole {PROD_READONLY}")),
        Some(&(2, 0)),
        "{calls:?}"
    );
    assert!(calls.values().all(|(_, denied)| *denied == 0), "{calls:?}");

    // Switch confirmed, then contract: the proof checks the new values; the gate lets the new way
    // in and refuses the old way's hop into dev, while the hub still reaches prod.
    let (code, _, stderr) = deploy(&world, &["migrate", "confirm-switch"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = deploy(&world, &["migrate", "next"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        proof_line(&stderr, "new Role values").ends_with("every intended path, nothing else"),
        "{stderr}"
    );
    world.reset_gate();
    assert_eq!(sign_in(&world, &new, "dev/ReadOnly"), 0);
    assert_eq!(sign_in(&world, &new, "prod/ReadOnly"), 0);
    assert_ne!(sign_in(&world, &old, "dev/ReadOnly"), 0);
    let calls = world.gate_calls();
    assert_eq!(
        calls.get(&format!("AssumeRoleWithSAML {DEV_READONLY}")),
        Some(&(1, 0)),
        "{calls:?}"
    );
    assert_eq!(
        calls.get(&format!("AssumeRoleWithSAML {HUB_DEVELOPERS}")),
        Some(&(2, 0)),
        "{calls:?}"
    );
    assert_eq!(
        calls.get(&format!("AssumeRole {DEV_READONLY}")),
        Some(&(1, 1)),
        "the old hop into dev is refused: {calls:?}"
    );
    let (code, stdout, stderr) = deploy(&world, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}
