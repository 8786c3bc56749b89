//! Reading the model file and the files it names, then validating it.

use std::path::{Path, PathBuf};

use awsfed_model::{Diagnostic, Diagnostics, Model, load};

use crate::error::CommandError;
use crate::render::render_diagnostics;

/// A model file read and validated.
#[derive(Debug)]
pub struct Loaded {
    pub path: PathBuf,
    pub text: String,
    /// `None` when the model has errors.
    pub model: Option<Model>,
    pub diagnostics: Diagnostics,
}

impl Loaded {
    /// The validated model, or the diagnostics as a bad-input error.
    pub fn into_model(self) -> Result<(Model, Diagnostics, String, PathBuf), CommandError> {
        match self.model {
            Some(model) => Ok((model, self.diagnostics, self.text, self.path)),
            None => Err(CommandError::bad_input(render_diagnostics(
                &self.path,
                &self.text,
                &self.diagnostics,
            ))),
        }
    }
}

/// Reads and validates. Only I/O failures on the model file itself are errors here; everything the
/// model gets wrong comes back as diagnostics.
pub fn load(path: &Path) -> Result<Loaded, CommandError> {
    let unreadable = |e: std::io::Error| {
        CommandError::bad_input(format!(
            "error: cannot read model `{}`: {e}",
            path.display()
        ))
        .hint("name the model with -c FILE (default ./awsfed.yaml)")
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    let too_large = |len: usize| {
        let diagnostic = load::too_large(len);
        CommandError::bad_input(render_diagnostics(path, "", &Diagnostics(vec![diagnostic])))
    };
    if size > load::MAX_MODEL_BYTES as u64 {
        return Err(too_large(usize::try_from(size).unwrap_or(usize::MAX)));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    let text = match load::decode(&bytes) {
        Ok(text) => text.to_owned(),
        Err(diagnostic) => {
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            return Ok(Loaded {
                path: path.to_owned(),
                text: lossy,
                model: None,
                diagnostics: Diagnostics(vec![diagnostic]),
            });
        }
    };
    let raw = match load::parse(&text) {
        Ok(raw) => raw,
        Err(diagnostic) => {
            return Ok(Loaded {
                path: path.to_owned(),
                text,
                model: None,
                diagnostics: Diagnostics(vec![diagnostic]),
            });
        }
    };
    let base = path.parent().map(Path::to_owned).unwrap_or_default();
    let mut read_metadata = |file: &str| read_limited(&base.join(file));
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut read_metadata);
    Ok(Loaded {
        path: path.to_owned(),
        text,
        model,
        diagnostics,
    })
}

/// Reads a file the model names, refusing anything larger than IAM would accept as metadata.
fn read_limited(path: &Path) -> Result<String, String> {
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > awsfed_model::metadata::MAX_METADATA_CHARS as u64 * 4 {
        return Err(format!(
            "it is {size} bytes, far larger than any SAML metadata"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_owned())
}

/// Compile notes that are errors make the desired state undeployable.
pub fn undeployable(notes: &[Diagnostic]) -> bool {
    notes.iter().any(Diagnostic::is_error)
}
