use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use awsfed_saml::{SamlError, Timestamp};

/// The real IdP samples, copied into the repository with their SOURCES.md and licence.
pub fn real_fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/saml/real")
}

pub fn real_fixture(name: &str) -> Vec<u8> {
    let path = real_fixture_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The seed corpus shared with the cargo-fuzz target.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz-corpus")
}

/// `SystemTime` for an `xs:dateTime`.
pub fn at(text: &str) -> SystemTime {
    let timestamp = Timestamp::parse_xs_datetime(text).expect(text);
    let seconds = u64::try_from(timestamp.unix_seconds()).expect("after 1970");
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

/// The variant name of an error, for compact tables.
pub fn kind(error: &SamlError) -> String {
    let debug = format!("{error:?}");
    debug
        .split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_owned()
}
