//! What each fuzz target does with one input, shared by the cargo-fuzz targets (`fuzz_targets/`)
//! and the stable corpus test (`crates/awsfed/tests/it/fuzz_corpus.rs`, which includes this file),
//! so both run exactly the same code. Nothing here may panic or run long on any input.

use std::path::Path;

/// The SAML metadata every fuzzed model's `metadata_file` reads.
const METADATA: &str = include_str!("../../examples/hub-and-spoke/corp-idp.xml");

/// The model loader: bytes → UTF-8 → YAML (with its limits) → validated model, diagnostics rendered.
pub fn model(data: &[u8]) {
    let Ok(text) = awsfed_model::load::decode(data) else {
        return;
    };
    let Ok(raw) = awsfed_model::load::parse(text) else {
        return;
    };
    let mut read_metadata = |_: &str| Ok::<String, String>(METADATA.to_owned());
    let (_model, diagnostics) = awsfed_model::resolve(&raw, &mut read_metadata);
    for diagnostic in &diagnostics.0 {
        let _ = diagnostic.message.len();
    }
}

/// The SAML metadata reader (`metadata_file`).
pub fn metadata(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = awsfed_model::metadata::idp_entity_id(text);
    }
}

/// The snapshot reader: a whole snapshot file, and the same text as one account file of a folder.
pub fn snapshot(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = awsfed_snapshot::read_snapshot_file("snapshot.json", text);
    let _ = awsfed_snapshot::read_snapshot_folder(
        None,
        Some(("identity-center.json", text)),
        &[("accounts/1.json".to_owned(), text.to_owned())],
    );
}

/// The plan readers of both engines (`awsfed apply PLAN`), and the plan's rendering when it reads.
pub fn plan(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(plan) = awsfed_plan::Plan::from_json("plan.json", text) {
        let _ = awsfed_plan::render_text(&plan, false);
    }
    // The StackSets engine's plan file, told apart by the engine it records; read back, it is
    // rendered and compared (as `apply FILE` compares it with the fresh plan).
    use awsfed_plan::stacksets::{StackSetPlanFile, plan_file_engine, render_stackset_plan};
    let _ = plan_file_engine("plan.json", text);
    if let Ok(file) = StackSetPlanFile::from_json("plan.json", text) {
        let _ = render_stackset_plan(&file.plan, &|id| id.to_owned());
        let fresh = awsfed_plan::stacksets::StackSetPlan::default();
        let _ = awsfed_plan::stacksets::stackset_plan_difference(&fresh, &file.plan);
    }
}

/// The client file of `awsfed login`/`creds`, and a target lookup in it.
pub fn client_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(file) = awsfed_signin::ClientFile::from_json(text, Path::new("client.json")) {
        let _ = file.target("prod/Admin");
        if let Some(first) = file.targets.first() {
            let _ = file.target(&first.name);
        }
    }
}
