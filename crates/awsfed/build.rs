//! Links the `awsfed` executable at a fixed address (not position-independent) on Linux with glibc.
//!
//! Why: `credential_process` starts awsfed for every AWS call a tool makes, and on a cache hit
//! most of that start was the dynamic loader applying the binary's relative relocations (over
//! 100,000 in a release build: every vtable, string table and GOT entry the AWS SDK brings) and
//! the copy-on-write page faults of writing them; a fixed-address executable has none, which
//! brings the cached `awsfed creds` within 1 ms of `/bin/true` (`scripts/bench-creds`). The cost:
//! the executable's own code and data are not at a random address (the stack, heap and shared
//! libraries still are), as with Go's default builds of the other credential helpers. Only the
//! link of this binary changes; the test binaries and the libraries keep their defaults.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
