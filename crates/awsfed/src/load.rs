//! Reading the model file and the files it names, then validating it.

use std::path::{Path, PathBuf};

use awsfed_files::ReadError;
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
            None => Err(CommandError::diagnostics(render_diagnostics(
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
    let bytes = match awsfed_files::read_bytes(path, load::MAX_MODEL_BYTES as u64) {
        Ok(bytes) => bytes,
        Err(ReadError::TooLarge { size, .. }) => {
            let diagnostic = load::too_large(usize::try_from(size).unwrap_or(usize::MAX));
            return Err(CommandError::diagnostics(render_diagnostics(
                path,
                "",
                &Diagnostics(vec![diagnostic]),
            )));
        }
        Err(ReadError::Io { source, .. }) => {
            return Err(CommandError::bad_input(format!(
                "cannot read model `{}`: {source}",
                path.display()
            ))
            .hint("name the model with -c FILE (default ./awsfed.yaml)"));
        }
        Err(e) => {
            return Err(crate::read::read_error(e)
                .hint("name the model with -c FILE (default ./awsfed.yaml)"));
        }
    };
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
    let mut read_metadata = |file: &str| crate::read::read_model_file(&base.join(file));
    let (model, diagnostics) = awsfed_model::resolve(&raw, &mut read_metadata);
    Ok(Loaded {
        path: path.to_owned(),
        text,
        model,
        diagnostics,
    })
}

/// Compile notes that are errors make the desired state undeployable.
pub fn undeployable(notes: &[Diagnostic]) -> bool {
    notes.iter().any(Diagnostic::is_error)
}
