//! The awsfed model: `awsfed.yaml` read with the place of every value ([`raw`]), then validated
//! once into the [`Model`] the compiler consumes. Problems are [`Diagnostic`]s that point at a line
//! and column and say how to fix them.
//!
//! This crate does no I/O: the caller reads files and hands over their contents.

mod account_hubs;
mod code;
mod diagnostic;
pub mod duration;
pub mod iam_users;
pub mod identity_center;
pub mod load;
pub mod message;
pub mod metadata;
mod model;
mod naming;
pub mod raw;
mod resolve;
pub mod selector;
mod span;
mod stack_sets;

pub use code::{Code, UnknownCode, reference as diagnostics_reference};
pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use model::*;
pub use resolve::{ReadMetadata, resolve};
pub use span::{Span, Spanned};
pub use stack_sets::{Amount, DEFAULT_STACK_SET_REGION, StackSetSettings, is_region};

/// The JSON Schema of the model format, generated from the raw types.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(raw::RawModel);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    text.push('\n');
    text
}
