//! Writing a folder of generated files so that a failure leaves nothing half-written: everything goes
//! into a temporary folder beside the target, which then replaces the target in one rename.

use std::path::Path;

use crate::error::CommandError;

/// A generated file: path relative to the output folder (`/`-separated) and contents.
pub struct OutputFile {
    pub path: String,
    pub contents: String,
}

pub fn write_folder(out: &Path, files: &[OutputFile]) -> Result<(), CommandError> {
    let fail = |what: &str, e: std::io::Error| {
        CommandError::failed(format!("error: cannot {what} `{}`: {e}", out.display()))
            .hint("check the folder's permissions and free space; nothing was written")
    };
    for file in files {
        if file
            .path
            .split('/')
            .any(|part| part.is_empty() || part == "..")
        {
            return Err(CommandError::failed(format!(
                "error: refusing to write `{}` outside the output folder",
                file.path
            )));
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| fail("create the parent of", e))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_owned());
    let staging = parent.join(format!(".{name}.awsfed-tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let result = (|| {
        for file in files {
            let path = staging.join(&file.path);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, &file.contents)?;
        }
        Ok::<(), std::io::Error>(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(fail("write", e));
    }
    // Replace the old folder: move it aside, move the new one in, then delete the old one.
    let old = parent.join(format!(".{name}.awsfed-old-{}", std::process::id()));
    let had_old = out.exists();
    if had_old {
        std::fs::rename(out, &old).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staging);
            fail("replace", e)
        })?;
    }
    if let Err(e) = std::fs::rename(&staging, out) {
        if had_old {
            let _ = std::fs::rename(&old, out);
        }
        let _ = std::fs::remove_dir_all(&staging);
        return Err(fail("replace", e));
    }
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}
