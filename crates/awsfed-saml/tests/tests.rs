//! The crate's one integration-test binary.

/// Paths and small helpers shared by the modules below.
mod support;

/// Every real IdP sample in `tests/fixtures/saml/real`: exact roles, attributes and errors.
mod real_fixtures;

/// Hand-built responses for the paths no real sample covers (tags, skew, limits, messages).
mod synthetic;

/// proptest invariants: decoder round trips, the Role pair splitter.
mod properties;

/// The seed corpus of the fuzz target, plus random and mutated input: no panic, bounded time.
mod fuzz_corpus;
