//! No function of the crates' sources is longer than [`MAX_LINES`] lines (STYLE.md: "functions under
//! ~100 lines"): a long function is split into steps named after what they do. Tests are left out
//! (`#[cfg(test)]` modules, inline or in their own files), since a test reads as one story.
//!
//! The sources are rustfmt'd (CI checks it), so a function is found by its `fn` line and ends at
//! the first `}` at the `fn` line's own indentation.

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 100;

/// Functions allowed to stay longer, each with why (`crate/src/file.rs`, name). Keep it empty.
const ALLOWED: &[(&str, &str)] = &[];

/// A function: where it starts and how many lines it has, `fn` line to closing brace.
#[derive(Debug, PartialEq, Eq)]
struct Function {
    name: String,
    line: usize,
    lines: usize,
}

/// The module files below `src/` reached from `lib.rs`, `main.rs` and `bin/*.rs`, each with
/// whether it is test code (declared under `#[cfg(test)]`, or below such a module).
fn module_files(src: &Path) -> Vec<(PathBuf, bool)> {
    let mut roots: Vec<PathBuf> = ["lib.rs", "main.rs"]
        .iter()
        .map(|root| src.join(root))
        .filter(|path| path.is_file())
        .collect();
    if let Ok(bins) = std::fs::read_dir(src.join("bin")) {
        roots.extend(bins.filter_map(Result::ok).map(|entry| entry.path()));
    }
    let mut files = Vec::new();
    let mut pending: Vec<(PathBuf, bool)> = roots.into_iter().map(|root| (root, false)).collect();
    while let Some((file, test)) = pending.pop() {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        for (child, child_test) in declared_modules(&file, &text) {
            pending.push((child, test || child_test));
        }
        files.push((file, test));
    }
    files.sort();
    files
}

/// The files of the `mod NAME;` declarations in `file`, each with whether `#[cfg(test)]` precedes
/// it (a `#[path = "…"]` attribute is followed).
fn declared_modules(file: &Path, text: &str) -> Vec<(PathBuf, bool)> {
    let dir = file.parent().expect("a source file has a folder");
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    // `foo.rs` declares its modules in `foo/`; `lib.rs`, `main.rs` and `mod.rs` in their folder.
    let module_dir = if ["lib", "main", "mod"].contains(&stem) || file.starts_with(dir.join("bin"))
    {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    let mut modules = Vec::new();
    let (mut test, mut path) = (false, None);
    for line in text.lines().map(str::trim) {
        if line == "#[cfg(test)]" {
            test = true;
        } else if let Some(rest) = line.strip_prefix("#[path = \"") {
            path = rest.strip_suffix("\"]").map(|p| dir.join(p));
        } else if line.starts_with("#[") {
        } else {
            let name = line
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ")
                .strip_prefix("mod ")
                .and_then(|rest| rest.strip_suffix(';'));
            if let Some(name) = name {
                let file = path.take().unwrap_or_else(|| {
                    let flat = module_dir.join(format!("{name}.rs"));
                    if flat.is_file() {
                        flat
                    } else {
                        module_dir.join(name).join("mod.rs")
                    }
                });
                modules.push((file, test));
            }
            test = false;
            path = None;
        }
    }
    modules
}

/// The width of a line's leading white space.
fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The name of the function a line starts, if it starts one.
fn function_name(line: &str) -> Option<&str> {
    let mut rest = line.trim_start();
    for qualifier in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        rest = rest.strip_prefix(qualifier).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    Some(&rest[..end])
}

/// Every function of a source file outside `#[cfg(test)]` modules written in it.
fn functions(text: &str) -> Vec<Function> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut skip_until: Option<(usize, usize)> = None; // (indentation, from line) of a test module
    let mut after_cfg_test = false;
    for (index, line) in lines.iter().enumerate() {
        if let Some((width, _)) = skip_until {
            if indent(line) == width && line.trim() == "}" {
                skip_until = None;
            }
            continue;
        }
        let trimmed = line.trim();
        if trimmed == "#[cfg(test)]" {
            after_cfg_test = true;
            continue;
        }
        if after_cfg_test && trimmed.starts_with("mod ") && trimmed.ends_with('{') {
            skip_until = Some((indent(line), index));
            after_cfg_test = false;
            continue;
        }
        if !trimmed.starts_with("#[") {
            after_cfg_test = false;
        }
        let Some(name) = function_name(line) else {
            continue;
        };
        if let Some(lines) = length(&lines[index..]) {
            found.push(Function {
                name: name.to_owned(),
                line: index + 1,
                lines,
            });
        }
    }
    found
}

/// How many lines the function starting at `lines[0]` has; `None` for a declaration without a
/// body (`fn f();` in a trait).
fn length(lines: &[&str]) -> Option<usize> {
    let width = indent(lines[0]);
    for (offset, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if offset > 0 && indent(line) == width && trimmed == "}" {
            return Some(offset + 1);
        }
        // A body on one line, or none; a line at the `fn` line's indentation other than the
        // signature's `) -> T {`, `where` and `{` ends the function too.
        if offset == 0 && (trimmed.ends_with(';') || trimmed.ends_with('}')) {
            return trimmed.ends_with('}').then_some(1);
        }
        if offset > 0
            && !trimmed.is_empty()
            && indent(line) <= width
            && !(trimmed.starts_with(')') || trimmed.starts_with("where") || trimmed == "{")
        {
            return (trimmed.ends_with(';') || trimmed.ends_with('}')).then_some(offset + 1);
        }
    }
    None
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

fn same_file(a: &Path, b: &Path) -> bool {
    a.canonicalize()
        .ok()
        .is_some_and(|a| b.canonicalize().ok() == Some(a))
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn no_source_function_is_longer_than_the_limit() {
    let crates = workspace().join("crates");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&crates)
        .expect("the crates folder")
        .map(|entry| entry.expect("a crate").path())
        .collect();
    entries.sort();
    let mut too_long = Vec::new();
    let mut checked = 0;
    for krate in entries {
        let src = krate.join("src");
        let modules = module_files(&src);
        let mut unreached = rust_files(&src);
        unreached.retain(|file| !modules.iter().any(|(module, _)| same_file(module, file)));
        assert!(
            unreached.is_empty(),
            "files no `mod` declaration reaches, so this check does not see them: {unreached:?}"
        );
        for (file, test) in modules {
            if test {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("a source file");
            let shown = file
                .strip_prefix(&crates)
                .unwrap_or(&file)
                .display()
                .to_string();
            for function in functions(&text) {
                checked += 1;
                if function.lines > MAX_LINES
                    && !ALLOWED.contains(&(shown.as_str(), function.name.as_str()))
                {
                    too_long.push(format!(
                        "crates/{shown}:{} `{}` has {} lines",
                        function.line, function.name, function.lines
                    ));
                }
            }
        }
    }
    assert!(
        checked > 1000,
        "only {checked} functions found: the scan is broken"
    );
    assert!(
        too_long.is_empty(),
        "functions longer than {MAX_LINES} lines (split them into named steps):\n{}",
        too_long.join("\n")
    );
}

#[test]
fn the_scan_measures_functions_and_leaves_out_tests() {
    let body = "    let x = 1;\n".repeat(99);
    let text = format!(
        "pub fn long() {{\n{body}    x;\n}}\n\npub(crate) fn signature(\n    a: u8,\n) -> u8\nwhere\n    u8: Copy,\n{{\n    a\n}}\n\nfn one() -> u8 {{ 1 }}\n\ntrait T {{\n    fn declared(&self);\n}}\n\n#[cfg(test)]\nmod tests {{\n    fn long_test() {{\n{body}{body}    }}\n}}\n"
    );
    let found = functions(&text);
    let names: Vec<(&str, usize)> = found.iter().map(|f| (f.name.as_str(), f.lines)).collect();
    assert_eq!(names, [("long", 102), ("signature", 8), ("one", 1)]);
}

#[test]
fn test_modules_in_their_own_files_are_found() {
    let text = "mod a;\n#[cfg(test)]\nmod tests;\n#[cfg(test)]\n#[path = \"b_tests.rs\"]\nmod b;\npub mod c;\n";
    let found = declared_modules(Path::new("/x/src/lib.rs"), text);
    assert_eq!(
        found,
        [
            (PathBuf::from("/x/src/a/mod.rs"), false),
            (PathBuf::from("/x/src/tests/mod.rs"), true),
            (PathBuf::from("/x/src/b_tests.rs"), true),
            (PathBuf::from("/x/src/c/mod.rs"), false),
        ]
    );
}
