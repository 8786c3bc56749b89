//! Arbitrary bytes through decode, parse and validate: nothing may panic, and every input
//! must finish quickly (libFuzzer's `-timeout` catches the slow ones).
//!
//! Run (see crates/awsfed-saml/README.md):
//! `cargo fuzz run decode_parse --sanitizer none crates/awsfed-saml/fuzz-corpus`
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use awsfed_saml::{ValidationOptions, parse_saml_response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(response) = parse_saml_response(data) {
        let now = UNIX_EPOCH + Duration::from_secs(1_704_067_260);
        for problem in response.problems(now, &ValidationOptions::default()) {
            let _ = problem.to_string();
        }
        let _ = response.session_name_for_second_hop();
        let _ = response.canonical_base64();
    }
});
