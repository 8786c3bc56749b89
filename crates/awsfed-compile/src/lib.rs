//! awsfed's compiler: the resolved model → the desired state of every account for both
//! topologies (SAML providers, hub roles, spoke and direct roles, their trusts, hub policies
//! within IAM's quotas, the IdP's Role values), and the side-by-side comparison of topologies.

mod compare;
mod compile;
#[cfg(test)]
mod compile_properties;
mod desired;
mod hub_account_trust;
mod identity_center;

pub use compare::{Comparison, GroupReach, TopologyFigures, compare};
pub use compile::{
    CompileOptions, OrganizationPaths, REQUIRE_MFA_POLICY, SELF_SERVICE_POLICY, compile,
    compile_with,
};
pub use desired::*;
pub use hub_account_trust::{account_root, narrowed_to_hub_path, narrowed_to_principal_arns};
pub use identity_center::{
    DesiredAssignment, DesiredIdentityCenter, DesiredPermissionSet, PermissionsBoundary,
    PolicyReference, compile_identity_center,
};
