//! The marker file: the list of files awsfed wrote into an output folder, each with the SHA-256 of
//! what it wrote. A file is awsfed's only while it is listed here *and* still holds those bytes; a
//! file someone edited, or one the marker was edited to name, is the user's.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The marker's name inside an output folder.
pub const MARKER: &str = ".awsfed-out";

/// The most a marker is read: 5,000 accounts' files at ~100 bytes a line is 500 KB.
const MAX_MARKER_BYTES: u64 = 16 * 1024 * 1024;

const HEADER: &str = "# Written by awsfed. The files below are awsfed's (SHA-256, path); the next `--out` into this\n\
# folder replaces them. awsfed refuses to write here while the folder holds any other file.\n";

/// Relative path (`/`-separated) → SHA-256 (lower-case hex).
pub type Listing = BTreeMap<String, String>;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The SHA-256 of a file, read in pieces (an awsfed-written file can be hundreds of megabytes).
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buffer[..read]);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn render(listing: &Listing) -> String {
    let mut out = HEADER.to_owned();
    for (path, digest) in listing {
        out.push_str(digest);
        out.push_str("  ");
        out.push_str(path);
        out.push('\n');
    }
    out
}

/// The folder's marker; empty when there is none or it cannot be read as one (then nothing in the
/// folder counts as awsfed's). Lines naming a path that could leave the folder are ignored.
pub fn read(folder: &Path) -> Listing {
    let Ok(text) = crate::read::read_text(&folder.join(MARKER), MAX_MARKER_BYTES) else {
        return Listing::new();
    };
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once("  "))
        .filter(|(digest, path)| {
            digest.len() == 64
                && digest.bytes().all(|b| b.is_ascii_hexdigit())
                && is_relative_inside(path)
        })
        .map(|(digest, path)| (path.to_owned(), digest.to_ascii_lowercase()))
        .collect()
}

/// A `/`-separated relative path that stays inside its folder: no empty, `.` or `..` part.
pub fn is_relative_inside(path: &str) -> bool {
    !path.is_empty()
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_reads_back_and_ignores_paths_leaving_the_folder() {
        let dir = tempfile::tempdir().expect("dir");
        let mut listing = Listing::new();
        listing.insert("accounts/a.json".into(), sha256_hex(b"a"));
        listing.insert("idp.json".into(), sha256_hex(b"b"));
        let mut text = render(&listing);
        text.push_str(&format!("{}  ../escape\n", sha256_hex(b"c")));
        text.push_str(&format!("{}  /etc/passwd\n", sha256_hex(b"c")));
        text.push_str("not a line\n");
        std::fs::write(dir.path().join(MARKER), text).expect("write");
        assert_eq!(read(dir.path()), listing);
    }

    #[test]
    fn sha256_of_a_file_matches_that_of_its_bytes() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("f");
        let bytes = vec![7u8; 200_000];
        std::fs::write(&file, &bytes).expect("write");
        assert_eq!(sha256_file(&file).expect("hash"), sha256_hex(&bytes));
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
