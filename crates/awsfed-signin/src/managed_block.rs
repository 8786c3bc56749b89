//! `~/.aws/config` editing: awsfed owns exactly one block, between two marker lines, and never
//! changes a byte outside it. Profiles that were in the block and are no longer wanted are
//! removed (they are awsfed's); a profile of the same name defined outside the block is the
//! user's, so awsfed leaves it alone and skips its own.

use std::collections::{BTreeMap, BTreeSet};

pub const BEGIN_MARKER: &str =
    "# >>> awsfed managed profiles (written by `awsfed configure`; edits inside are replaced) >>>";
pub const END_MARKER: &str = "# <<< awsfed managed profiles <<<";

/// One `[profile NAME]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub comment: Option<String>,
    pub lines: Vec<(String, String)>,
}

/// The new file and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub text: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub updated: Vec<String>,
    /// Wanted profiles skipped because the user defines them outside the block.
    pub skipped: Vec<String>,
}

impl Edit {
    pub fn changed(&self, old: &str) -> bool {
        self.text != old
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    #[error(
        "line {line} opens an awsfed block, but there is no closing marker `{END_MARKER}` after it"
    )]
    Unclosed { line: usize },
    #[error("line {line} closes an awsfed block that was never opened")]
    UnopenedEnd { line: usize },
    #[error(
        "the file has more than one awsfed block (lines {first} and {second}); remove one by hand"
    )]
    TwoBlocks { first: usize, second: usize },
}

/// Lines `[start, end]` (inclusive, 0-based) of the block, if there is one.
fn find_block(lines: &[&str]) -> Result<Option<(usize, usize)>, BlockError> {
    let mut block = None;
    let mut open: Option<usize> = None;
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim_end();
        if trimmed == BEGIN_MARKER {
            if let Some((first, _)) = block {
                return Err(BlockError::TwoBlocks {
                    first: first + 1,
                    second: index + 1,
                });
            }
            if open.is_some() {
                return Err(BlockError::Unclosed { line: index + 1 });
            }
            open = Some(index);
        } else if trimmed == END_MARKER {
            match open.take() {
                Some(start) => block = Some((start, index)),
                None => return Err(BlockError::UnopenedEnd { line: index + 1 }),
            }
        }
    }
    match open {
        Some(start) => Err(BlockError::Unclosed { line: start + 1 }),
        None => Ok(block),
    }
}

/// `[profile NAME]` → NAME; `[default]` → `default`.
fn section_name(line: &str) -> Option<String> {
    let inner = line.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
    if inner == "default" {
        return Some("default".to_owned());
    }
    Some(inner.strip_prefix("profile")?.trim().to_owned())
}

/// Replaces (or appends) the managed block so that it holds exactly `profiles`.
pub fn apply(existing: &str, profiles: &[Profile]) -> Result<Edit, BlockError> {
    let lines: Vec<&str> = existing.lines().collect();
    let block = find_block(&lines)?;
    let (before, old_block, after): (&[&str], &[&str], &[&str]) = match block {
        Some((start, end)) => (&lines[..start], &lines[start..=end], &lines[end + 1..]),
        None => (&lines[..], &[], &[]),
    };
    let outside: BTreeSet<String> = before
        .iter()
        .chain(after)
        .filter_map(|l| section_name(l))
        .collect();
    let old_sections = sections(old_block);
    let old_names: BTreeSet<String> = old_sections.iter().map(|(n, _)| n.clone()).collect();

    let mut edit = Edit {
        text: String::new(),
        added: Vec::new(),
        removed: Vec::new(),
        updated: Vec::new(),
        skipped: Vec::new(),
    };
    let mut body = String::new();
    let mut kept = BTreeSet::new();
    for profile in profiles {
        if outside.contains(&profile.name) {
            edit.skipped.push(profile.name.clone());
            continue;
        }
        let rendered = render(profile);
        match old_sections.iter().find(|(name, _)| *name == profile.name) {
            None => edit.added.push(profile.name.clone()),
            Some((_, text)) if *text != rendered => edit.updated.push(profile.name.clone()),
            Some(_) => {}
        }
        kept.insert(profile.name.clone());
        body.push_str(&rendered);
    }
    edit.removed = old_names.difference(&kept).cloned().collect();

    let mut text = String::new();
    for line in before {
        text.push_str(line);
        text.push('\n');
    }
    if !body.is_empty() {
        if block.is_none()
            && !before.is_empty()
            && before.last().is_some_and(|l| !l.trim().is_empty())
        {
            text.push('\n');
        }
        text.push_str(BEGIN_MARKER);
        text.push('\n');
        text.push_str(&body);
        text.push_str(END_MARKER);
        text.push('\n');
    }
    for line in after {
        text.push_str(line);
        text.push('\n');
    }
    // Keep a file that had no final newline byte-identical outside the block.
    if block.is_none() && body.is_empty() {
        text = existing.to_owned();
    } else if !existing.is_empty() && !existing.ends_with('\n') && !after.is_empty() {
        text.pop();
    }
    edit.text = text;
    Ok(edit)
}

/// `key = value` of each profile inside awsfed's block that has `key` (profile → value): what an
/// earlier `awsfed configure` wrote, such as a region, so a later run can keep it.
pub fn block_values(existing: &str, key: &str) -> Result<BTreeMap<String, String>, BlockError> {
    let lines: Vec<&str> = existing.lines().collect();
    let Some((start, end)) = find_block(&lines)? else {
        return Ok(BTreeMap::new());
    };
    let mut values = BTreeMap::new();
    for (name, text) in sections(&lines[start..=end]) {
        let value = text.lines().find_map(|line| {
            let (k, v) = line.split_once('=')?;
            (k.trim() == key).then(|| v.trim().to_owned())
        });
        if let Some(value) = value {
            values.insert(name, value);
        }
    }
    Ok(values)
}

/// Profile sections inside the old block, each with its rendered text (comment included).
fn sections(block: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut pending_comment = String::new();
    for line in block.iter().skip(1).take(block.len().saturating_sub(2)) {
        if let Some(name) = section_name(line) {
            out.push((name, format!("{pending_comment}{line}\n")));
            pending_comment.clear();
        } else if line.starts_with('#') {
            pending_comment.push_str(line);
            pending_comment.push('\n');
        } else if let Some((_, text)) = out.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    out
}

fn render(profile: &Profile) -> String {
    let mut text = String::new();
    if let Some(comment) = &profile.comment {
        text.push_str(&format!("# {comment}\n"));
    }
    text.push_str(&format!("[profile {}]\n", profile.name));
    for (key, value) in &profile.lines {
        text.push_str(&format!("{key} = {value}\n"));
    }
    text
}

/// A unified diff of the file, for `--dry-run`.
pub fn diff(old: &str, new: &str, path: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(path, path)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str, target: &str) -> Profile {
        Profile {
            name: name.to_owned(),
            comment: Some(format!("{target} (awsfed)")),
            lines: vec![(
                "credential_process".to_owned(),
                format!("awsfed creds {target}"),
            )],
        }
    }

    const USER: &str = "[default]\nregion = eu-west-1\n\n[profile mine]\nregion = us-east-1\n";

    #[test]
    fn appends_a_block_and_never_touches_other_lines() {
        let edit = apply(USER, &[profile("dev-Admin", "dev/Admin")]).expect("edit");
        assert!(edit.text.starts_with(USER));
        assert_eq!(edit.added, vec!["dev-Admin"]);
        insta::assert_snapshot!(edit.text, @r"
        [default]
        region = eu-west-1

        [profile mine]
        region = us-east-1

        # >>> awsfed managed profiles (written by `awsfed configure`; edits inside are replaced) >>>
        # dev/Admin (awsfed)
        [profile dev-Admin]
        credential_process = awsfed creds dev/Admin
        # <<< awsfed managed profiles <<<
        ");
        // Applying again changes nothing.
        let again = apply(&edit.text, &[profile("dev-Admin", "dev/Admin")]).expect("edit");
        assert_eq!(again.text, edit.text);
        assert!(again.added.is_empty() && again.removed.is_empty() && again.updated.is_empty());
    }

    #[test]
    fn stale_profiles_in_the_block_are_removed_and_lines_after_it_kept() {
        let first = apply(USER, &[profile("a-X", "a/X"), profile("b-X", "b/X")]).expect("edit");
        let with_after = format!("{}[profile later]\nregion = x\n", first.text);
        let edit = apply(&with_after, &[profile("b-X", "b/X")]).expect("edit");
        assert_eq!(edit.removed, vec!["a-X"]);
        assert!(edit.text.starts_with(USER));
        assert!(
            edit.text
                .ends_with("# <<< awsfed managed profiles <<<\n[profile later]\nregion = x\n")
        );
        assert!(!edit.text.contains("a/X"));
        let none = apply(&edit.text, &[]).expect("edit");
        assert_eq!(none.text, format!("{USER}\n[profile later]\nregion = x\n"));
    }

    #[test]
    fn user_profiles_of_the_same_name_win() {
        let edit = apply(USER, &[profile("mine", "a/X")]).expect("edit");
        assert_eq!(edit.skipped, vec!["mine"]);
        assert_eq!(edit.text, USER);
    }

    #[test]
    fn values_written_inside_the_block_are_read_back() {
        let mut with_region = profile("dev-Admin", "dev/Admin");
        with_region
            .lines
            .push(("region".to_owned(), "eu-west-1".to_owned()));
        let edit = apply(USER, &[with_region, profile("b-X", "b/X")]).expect("edit");
        let regions = block_values(&edit.text, "region").expect("read");
        // `[profile mine]`'s region is outside the block: not awsfed's.
        assert_eq!(
            regions.into_iter().collect::<Vec<_>>(),
            [("dev-Admin".to_owned(), "eu-west-1".to_owned())]
        );
    }

    #[test]
    fn broken_blocks_are_refused() {
        let unclosed = format!("{USER}{BEGIN_MARKER}\n[profile x]\n");
        assert_eq!(apply(&unclosed, &[]), Err(BlockError::Unclosed { line: 6 }));
        let stray = format!("{END_MARKER}\n");
        assert_eq!(apply(&stray, &[]), Err(BlockError::UnopenedEnd { line: 1 }));
    }

    #[test]
    fn diff_shows_only_the_block() {
        let edit = apply(USER, &[profile("dev-Admin", "dev/Admin")]).expect("edit");
        insta::assert_snapshot!(diff(USER, &edit.text, "~/.aws/config"), @r"
        --- ~/.aws/config
        +++ ~/.aws/config
        @@ -4,2 +4,8 @@
         [profile mine]
         region = us-east-1
        +
        +# >>> awsfed managed profiles (written by `awsfed configure`; edits inside are replaced) >>>
        +# dev/Admin (awsfed)
        +[profile dev-Admin]
        +credential_process = awsfed creds dev/Admin
        +# <<< awsfed managed profiles <<<
        ");
    }
}
