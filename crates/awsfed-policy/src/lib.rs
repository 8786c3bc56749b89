//! IAM policy documents, ARNs, wildcard matching and the policy evaluator; and the one home of the
//! other AWS identifier rules every crate checks: session names and sign-in endpoints.
//!
//! The document types accept every form IAM accepts on input (one statement or a list, a string or a
//! list of strings, JSON booleans and numbers as condition values) and write one canonical form, so the
//! same policy always serialises to the same bytes.
//!
//! To decide a request, compile each document into a [`Policy`] of its [`PolicyKind`], gather them in
//! a [`PolicySet`] and call [`evaluate`]; see the module docs of `evaluator` for the AWS rules and the
//! documentation pages they come from.

mod arn;
mod cidr;
pub mod civil;
mod condition;
mod date;
mod document;
mod error;
mod evaluator;
mod policy;
mod principal;
mod request;
mod session_name;
mod sign_in_endpoint;
pub mod simulation;
mod size;
mod string_list;
mod variables;
mod wildcard;

pub use arn::{Arn, ArnError};
pub use date::parse_date_millis;
pub use document::{Conditions, Effect, POLICY_VERSION, PolicyDocument, Principal, Statement};
pub use error::{Location, PolicyError, Problem};
pub use evaluator::{
    Decision, Evaluation, Gate, OrgChain, OrgLevel, PolicyRefs, PolicySet, StatementRef, evaluate,
    evaluate_refs,
};
pub use policy::{Policy, PolicyKind};
pub use principal::PrincipalMatch;
pub use request::{Caller, CallerKind, Context, ContextValue, Request};
pub use session_name::{
    SESSION_NAME_MAX_CHARS, SESSION_NAME_MIN_CHARS, is_valid_session_name, sanitize_session_name,
};
pub use sign_in_endpoint::{is_region_code, is_sign_in_endpoint};
pub use size::{iam_size, iam_size_of};
pub use string_list::StringList;
pub use variables::Template;
pub use wildcard::{PatternPiece, Wildcard, wildcard_match};
