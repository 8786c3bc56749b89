//! IAM policy documents, ARNs, wildcard matching and (later) the policy evaluator.
//!
//! The document types accept every form IAM accepts on input (one statement or a list, a string or a
//! list of strings, JSON booleans and numbers as condition values) and write one canonical form, so the
//! same policy always serialises to the same bytes.

mod document;
mod size;
mod string_list;

pub use document::{Conditions, Effect, POLICY_VERSION, PolicyDocument, Principal, Statement};
pub use size::iam_size;
pub use string_list::StringList;
