use std::time::{Duration, Instant};

use awsfed_saml::{Limits, SamlError, ValidationOptions, parse_saml_response};
use proptest::prelude::*;

use crate::support::{at, corpus_dir, real_fixture_dir};

/// What the cargo-fuzz target does with one input (`fuzz/fuzz_targets/decode_parse.rs`).
fn exercise(bytes: &[u8]) -> Result<(), SamlError> {
    let response = parse_saml_response(bytes)?;
    let problems = response.problems(at("2024-01-01T00:01:00Z"), &ValidationOptions::default());
    let _ = response.session_name_for_second_hop();
    let _ = serde_json::to_string(&response).expect("serializable");
    for problem in problems {
        let _ = problem.to_string();
    }
    Ok(())
}

/// Runs `exercise` and checks it stays within a generous time bound (debug build, shared CI).
fn bounded(name: &str, bytes: &[u8]) -> Result<(), SamlError> {
    let started = Instant::now();
    let result = exercise(bytes);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "{name} took {took:?}");
    result
}

fn files_in(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).expect("readable");
            (
                path.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                bytes,
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn seed_corpus_runs_without_panic_and_gives_the_expected_outcome() {
    let files = files_in(&corpus_dir());
    assert!(files.len() >= 30, "the seed corpus went missing");
    for (name, bytes) in &files {
        let result = bounded(name, bytes);
        let parsed = result.is_ok();
        let expected_ok = name.starts_with("valid-")
            || name.starts_with("role-values")
            || name.starts_with("session-attributes")
            || name.starts_with("url-safe")
            || name.starts_with("percent-encoded-base64")
            || name.starts_with("plus-as-space")
            || name.starts_with("utf8-bom")
            || name.starts_with("nested-assertions")
            || name.starts_with("big-attribute")
            || name.starts_with("status-failure")
            || name.starts_with("encrypted-assertion")
            || name.starts_with("cdata")
            || name.starts_with("char-references")
            || name.starts_with("undeclared-prefixes-few");
        assert_eq!(parsed, expected_ok, "{name}: {result:?}");
    }
}

#[test]
fn corpus_details() {
    let read = |name: &str| std::fs::read(corpus_dir().join(name)).expect(name);
    // Only the Response's own Assertion counts; one hidden in Advice does not.
    let nested = parse_saml_response(read("nested-assertions.xml")).unwrap();
    assert_eq!(nested.roles().len(), 1);
    assert_eq!(nested.roles()[0].role.name, "Admin");
    // Text is joined across CDATA, comments and character references.
    for name in ["cdata-and-comments.xml", "char-references.xml"] {
        let response = parse_saml_response(read(name)).unwrap();
        assert_eq!(response.roles().len(), 1, "{name}");
    }
    let malformed = parse_saml_response(read("role-values-malformed.xml")).unwrap();
    assert_eq!(malformed.aws().unwrap().malformed_roles.len(), 8);
    assert_eq!(
        parse_saml_response(read("doctype-bare.xml")),
        Err(SamlError::DoctypeRejected)
    );
    assert!(matches!(
        parse_saml_response(read("unclosed-deep-nesting.xml")),
        Err(SamlError::MalformedXml { .. })
    ));
    assert!(
        parse_saml_response(read("plus-as-space.b64"))
            .unwrap()
            .input_form
            .spaces_read_as_plus
    );
    assert!(matches!(
        parse_saml_response(read("deflated-redirect.b64")),
        Err(SamlError::DecodedNotXml { .. })
    ));
}

#[test]
fn real_samples_run_through_the_fuzz_path() {
    for (name, bytes) in files_in(&real_fixture_dir()) {
        let _ = bounded(&name, &bytes);
    }
}

#[test]
fn generated_hostile_inputs_are_refused_quickly() {
    let limits = Limits::default();
    // Right at the input limit: a single ~1 MiB attribute value.
    let prefix = "<Response><Assertion><AttributeStatement><Attribute Name=\"x\"><AttributeValue>";
    let suffix = "</AttributeValue></Attribute></AttributeStatement></Assertion></Response>";
    let filler = "x".repeat(limits.max_input_bytes - prefix.len() - suffix.len());
    let huge = format!("{prefix}{filler}{suffix}");
    assert_eq!(huge.len(), limits.max_input_bytes);
    assert!(bounded("huge-attribute", huge.as_bytes()).is_ok());

    // Deep nesting at the size limit: refused by depth, not by the stack.
    let depth = 10_000;
    let deep = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    assert_eq!(
        bounded("deep", deep.as_bytes()),
        Err(SamlError::TooDeep {
            limit: limits.max_depth
        })
    );

    // Many nodes.
    let wide = format!("<Response>{}</Response>", "<a/>".repeat(200_000));
    assert_eq!(
        bounded("wide", wide.as_bytes()),
        Err(SamlError::TooManyNodes {
            limit: limits.max_nodes
        })
    );

    // Many attributes on one element, each name distinct.
    let attributes: String = (0..20_000).map(|i| format!(" a{i}=\"v\"")).collect();
    assert_eq!(
        bounded("attributes", format!("<Response{attributes}/>").as_bytes()),
        Err(SamlError::TooManyAttributes {
            limit: limits.max_attributes_per_element
        })
    );
    // Namespaces piled up along a deep chain, then many elements resolving a prefix.
    let declarations: String = (0..60)
        .map(|i| format!(" xmlns:n{i}=\"urn:{i}\""))
        .collect();
    let chain = format!("<a{declarations}>").repeat(60);
    let users = "<n0:x/>".repeat(40_000);
    let _ = bounded(
        "namespaces",
        format!("{chain}{users}{}", "</a>".repeat(60)).as_bytes(),
    );

    // Thousands of undeclared prefixes: the repair gives up after a few.
    let prefixes: String = (0..5000).map(|i| format!("<p{i}:x/>")).collect();
    assert!(matches!(
        bounded(
            "prefixes",
            format!("<Response>{prefixes}</Response>").as_bytes()
        ),
        Err(SamlError::MalformedXml { .. })
    ));
}

/// One structure-aware change to a real sample.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Duplicate(usize, usize),
    Remove(usize, usize),
    /// Splice in a token that matters to the parser.
    Token(usize, &'static str),
}

const TOKENS: &[&str] = &[
    "<",
    ">",
    "</",
    "/>",
    "<!DOCTYPE x>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&#0;",
    "&#x10FFFF;",
    "&undefined;",
    "xmlns:saml2=\"\"",
    "saml2:",
    "\"",
    "'",
    "=",
    ",",
    "arn:aws:iam::1:role/x",
    ":saml-provider/",
    "\u{feff}",
    "%2B",
    "%",
    "NotOnOrAfter=\"2030-01-01T00:00:00Z\"",
    "<Assertion>",
    "</Assertion>",
    "<EncryptedAssertion/>",
    "\u{0}",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip(at, byte)),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), 1usize..4096).prop_map(|(at, len)| Mutation::Duplicate(at, len)),
        (any::<usize>(), 1usize..512).prop_map(|(at, len)| Mutation::Remove(at, len)),
        (any::<usize>(), proptest::sample::select(TOKENS))
            .prop_map(|(at, token)| Mutation::Token(at, token)),
    ]
}

fn apply(mut bytes: Vec<u8>, mutation: &Mutation) -> Vec<u8> {
    let len = bytes.len().max(1);
    match mutation {
        Mutation::Truncate(at) => bytes.truncate(at % len),
        Mutation::Flip(at, byte) => {
            if let Some(slot) = bytes.get_mut(at % len) {
                *slot ^= byte | 1;
            }
        }
        Mutation::Insert(at, inserted) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, inserted.iter().copied());
        }
        Mutation::Duplicate(at, count) => {
            let start = at % len;
            let end = (start + count).min(bytes.len());
            let slice = bytes
                .get(start..end)
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            bytes.splice(end..end, slice);
        }
        Mutation::Remove(at, count) => {
            let start = at % len;
            let end = (start + count).min(bytes.len());
            if start < end {
                bytes.drain(start..end);
            }
        }
        Mutation::Token(at, token) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, token.bytes());
        }
    }
    bytes
}

fn samples() -> Vec<Vec<u8>> {
    files_in(&real_fixture_dir())
        .into_iter()
        .chain(files_in(&corpus_dir()))
        .filter(|(name, _)| !name.ends_with(".md") && !name.starts_with("LICENSE"))
        .map(|(_, bytes)| bytes)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arbitrary bytes: never a panic.
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = bounded("random", &bytes);
    }

    /// Arbitrary text starting like XML: reaches the parser rather than the decoder.
    #[test]
    fn random_markup_never_panics(text in "<[a-zA-Z:]{1,8}( [a-z:]{1,5}=\"[^\"]{0,10}\")*>[^&]{0,200}") {
        let _ = bounded("markup", text.as_bytes());
    }

    /// Real samples with up to four structure-aware mutations: never a panic.
    #[test]
    fn mutated_samples_never_panic(index in any::<usize>(), mutations in proptest::collection::vec(mutation(), 1..5)) {
        let samples = samples();
        let mut bytes = samples[index % samples.len()].clone();
        for mutation in &mutations {
            bytes = apply(bytes, mutation);
        }
        let _ = bounded("mutated", &bytes);
    }
}
