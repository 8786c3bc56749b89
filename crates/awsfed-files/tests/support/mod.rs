//! Looking at folders after a write.
#![allow(dead_code)] // each test binary uses part of it

use std::collections::BTreeMap;
use std::path::Path;

use awsfed_files::MARKER;

/// Every entry under `dir` (files with contents, folders with a trailing `/`), without the marker.
pub fn tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("dir") {
            let path = entry.expect("entry").path();
            let relative = path
                .strip_prefix(dir)
                .expect("inside")
                .display()
                .to_string();
            if relative == MARKER {
                continue;
            }
            if path.is_dir() {
                out.insert(format!("{relative}/"), String::new());
                pending.push(path);
            } else {
                out.insert(relative, std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    out
}

pub fn siblings(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
