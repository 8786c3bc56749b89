//! What a killed awsfed leaves beside a target: a staging folder (`--out DIR`, see
//! [`crate::staging`]) or a temporary file ([`crate::replace_file`]), both named
//! `.TARGET.awsfed-tmp-PID-N` ([`crate::replace::temporary_beside`]). Before writing a target,
//! awsfed removes such leftovers of processes that are gone, and only what it can tell is its own.

use std::path::{Path, PathBuf};

/// The leftovers beside `target` (in `parent`) named exactly `.TARGET.awsfed-tmp-PID-N` (decimal
/// digits) whose process PID is gone (a running awsfed's are left to it).
pub(crate) fn of_gone_processes(parent: &Path, target_name: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let prefix = format!(".{target_name}.awsfed-tmp-");
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.strip_prefix(&prefix)
                .and_then(pid_of)
                .is_some_and(|pid| !is_running(pid))
        })
        .map(|entry| entry.path())
        .collect();
    found.sort();
    found
}

/// The PID of a `PID-N` suffix.
fn pid_of(suffix: &str) -> Option<u32> {
    let (pid, unique) = suffix.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(unique)).then(|| pid.parse().ok())?
}

/// Whether a process with this id exists (Linux: `/proc/PID`). Another process reusing the id
/// only keeps a leftover longer.
fn is_running(pid: u32) -> bool {
    pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_awsfeds_names_are_recognised() {
        assert_eq!(pid_of("123-0"), Some(123));
        for suffix in [
            "123",
            "123-",
            "-0",
            "12a-0",
            "123-0-1",
            "123-0.json",
            "+1-0",
        ] {
            assert_eq!(pid_of(suffix), None, "{suffix}");
        }
    }

    #[test]
    fn a_running_process_keeps_its_leftovers() {
        let dir = tempfile::tempdir().expect("dir");
        let dead = u32::MAX - 1;
        for name in [
            format!(".out.awsfed-tmp-{dead}-0"),
            format!(".out.awsfed-tmp-{}-0", std::process::id()),
            format!(".other.awsfed-tmp-{dead}-0"),
            format!(".out.awsfed-tmp-{dead}"),
            "out".to_owned(),
        ] {
            std::fs::write(dir.path().join(name), "").expect("write");
        }
        assert_eq!(
            of_gone_processes(dir.path(), "out"),
            [dir.path().join(format!(".out.awsfed-tmp-{dead}-0"))]
        );
    }
}
