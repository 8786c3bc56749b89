//! awsfed's core: the compiler (model → desired state for both topologies), the side-by-side
//! comparison of the two topologies, and the exporters.

/// Access paths, audit findings: who can reach what.
pub mod access;
/// Audit findings on access paths and trusts.
pub mod audit;
mod compare;
mod compile;
#[cfg(test)]
mod compile_properties;
mod desired;
pub mod export;
/// Desired state against a snapshot → ordered plan (what `awsfed plan`/`apply` execute).
pub mod plan;
pub mod snapshot;

pub use compare::{Comparison, GroupReach, TopologyFigures, compare};
pub use compile::{CompileOptions, compile, compile_with};
pub use desired::*;
