//! Identity Center exports: the permission sets and account assignments as CloudFormation
//! (`AWS::SSO::PermissionSet`, `AWS::SSO::Assignment`) and Terraform (`aws_ssoadmin_*`), and
//! `~/.aws/config` profiles with an `sso-session` section, with which the AWS CLI signs in itself
//! (`aws sso login`).
//!
//! Both templates are deployed in the management account or Identity Center's delegated
//! administrator account, in the instance's region ("Delegated administration", IAM Identity Center
//! User Guide). Assignments name groups by their identity store `GroupId`, which only the identity
//! store knows: CloudFormation takes it as a parameter per group, Terraform looks it up by display
//! name (or creates the group, with `groups: create`).

mod aws_config;
mod cloudformation;
mod terraform;

pub(crate) use aws_config::{SESSION, profiles};
pub(crate) use cloudformation::template;
pub(crate) use terraform::module;

use std::collections::BTreeMap;

use awsfed_compile::{DesiredAssignment, DesiredIdentityCenter};

use super::names::{NameRequest, allocate};

/// The directory groups the assignments name, sorted, each with a unique name derived by
/// `derive` (a logical id or a Terraform identifier).
fn group_names(
    identity_center: &DesiredIdentityCenter,
    derive: fn(&str) -> (String, bool),
    sep: &str,
) -> BTreeMap<String, String> {
    let requests = identity_center
        .assignments
        .iter()
        .map(|a| NameRequest::new(a.group.clone(), derive(&a.group)))
        .collect();
    allocate(requests, sep)
}

/// Permission set name → unique derived name.
fn permission_set_names(
    identity_center: &DesiredIdentityCenter,
    derive: fn(&str) -> (String, bool),
    sep: &str,
) -> BTreeMap<String, String> {
    let requests = identity_center
        .permission_sets
        .iter()
        .map(|s| NameRequest::new(s.name.clone(), derive(&s.name)))
        .collect();
    allocate(requests, sep)
}

/// What identifies an assignment: its group, permission set and account id.
fn assignment_key(assignment: &DesiredAssignment) -> String {
    format!(
        "{}\u{0}{}\u{0}{}",
        assignment.group, assignment.permission_set, assignment.account_id
    )
}

/// Assignment key ([`assignment_key`]) → unique name, derived by `derive` from the group,
/// permission set and account name. Never clean: the three names are joined, so two assignments can
/// derive one base and both then get a hash.
fn assignment_names(
    identity_center: &DesiredIdentityCenter,
    derive: impl Fn(&DesiredAssignment) -> String,
    sep: &str,
) -> BTreeMap<String, String> {
    let requests = identity_center
        .assignments
        .iter()
        .map(|a| NameRequest::new(assignment_key(a), (derive(a), false)))
        .collect();
    allocate(requests, sep)
}
