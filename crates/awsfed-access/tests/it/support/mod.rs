//! Shared helpers of the core integration tests: loading the example models.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use awsfed_model::{Model, load, resolve};

pub mod oracle;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Loads and validates `examples/NAME/awsfed.yaml`.
pub fn example(name: &str) -> Model {
    load_model(&repo_root().join("examples").join(name).join("awsfed.yaml"))
}

pub fn load_model(path: &Path) -> Model {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = load::decode(&bytes).expect("UTF-8 model");
    let raw = load::parse(text).expect("model parses");
    let base = path.parent().unwrap().to_owned();
    let mut read = |file: &str| std::fs::read_to_string(base.join(file)).map_err(|e| e.to_string());
    let (model, diagnostics) = resolve(&raw, &mut read);
    model.unwrap_or_else(|| panic!("{}: {diagnostics:?}", path.display()))
}
