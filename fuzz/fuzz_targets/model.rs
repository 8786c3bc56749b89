//! Arbitrary bytes through the model reader: nothing may panic, and every input must finish
//! quickly (libFuzzer's `-timeout`). Run with `scripts/fuzz` (see fuzz/README.md).
#![no_main]

#[path = "../src/exercise.rs"]
#[allow(dead_code)] // each target calls one of its functions
mod exercise;

libfuzzer_sys::fuzz_target!(|data: &[u8]| exercise::model(data));
