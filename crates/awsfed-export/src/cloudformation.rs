//! CloudFormation: one template per account, holding everything awsfed owns there: the SAML
//! provider, the hub roles and their managed policies, and the spoke and direct roles.
//!
//! Within a template, references between resources are written as `Ref` / `Fn::GetAtt` rather than
//! literal ARNs, so CloudFormation creates what a trust or an attachment names first (IAM rejects a
//! trust policy naming a principal that does not exist yet, "IAM JSON policy elements: Principal",
//! IAM User Guide): a role trusting the account's SAML provider refers to it with `Ref` (which
//! returns the provider's ARN, `AWS::IAM::SAMLProvider` return values), a spoke role in a hub account
//! refers to the hub roles there with `Fn::GetAtt Arn`, and a hub role attaches its assume policies
//! with `Ref` (the ARN, `AWS::IAM::ManagedPolicy`). Permission policies keep literal ARNs: a hub
//! policy names spoke roles that trust the hub role, so a reference there would be a cycle, and a
//! policy may name a role that does not exist yet.
//!
//! A template that would pass CloudFormation's quotas (1 MB, 500 resources; a hub account with
//! hundreds of groups) is split into parts, each its own stack: see [`account_templates`].

use std::collections::{BTreeMap, BTreeSet};

use awsfed_model::Model;
use awsfed_policy::PolicyDocument;
use serde_json::{Map, Value, json};

use super::names::{NameRequest, allocate, file_stem, logical_id};
use super::{Export, pretty_json};
use awsfed_compile::{DesiredAccount, DesiredPolicy, DesiredRole, DesiredState, RoleKind};

/// The logical id of the SAML provider; one per template.
pub(super) const PROVIDER_ID: &str = "SamlProvider";
/// The template parameter that carries the metadata when the model names no metadata file.
pub(super) const METADATA_PARAMETER: &str = "SamlMetadataDocument";

/// One template per account that has anything awsfed owns, `<account>.template.json`.
pub fn cloudformation(desired: &DesiredState, model: &Model) -> Export {
    let metadata = metadata_document(model);
    let stems = account_file_stems(desired.accounts.iter().map(|a| a.name.as_str()));
    let mut part_paths = PartPaths::new(&stems);
    let mut export = Export::default();
    let mut skipped = Vec::new();
    for account in &desired.accounts {
        // Identity Center accounts are in identity-center.template.json.
        if account.topology == awsfed_model::TopologyKind::IdentityCenter {
            continue;
        }
        if is_empty(account) {
            skipped.push(account.name.as_str());
            continue;
        }
        let parts = account_templates(desired, account, metadata, PartLimits::default());
        let paths = part_paths.paths("", &stems[&account.name], parts.len());
        if parts.len() > 1 {
            export.notes.push(parts_note(account, &paths));
        }
        for (path, part) in paths.into_iter().zip(parts) {
            if let Some(note) = template_size_note(&path, &part.contents, part.resources) {
                export.notes.push(note);
            }
            export.push_text(path, part.contents);
        }
    }
    export
        .notes
        .extend(deployment_notes(desired, metadata.is_some()));
    if let Some(ic) = &desired.identity_center {
        let (template, notes) = super::identity_center::template(ic);
        export.push_text("identity-center.template.json", template);
        export.notes.extend(notes);
    }
    if !skipped.is_empty() {
        export.notes.push(format!(
            "No template for {}: awsfed owns nothing there (no grant reaches the account).",
            skipped.join(", ")
        ));
    }
    export.finish()
}

/// The SAML metadata XML of the model, when it names a metadata file.
pub(super) fn metadata_document(model: &Model) -> Option<&str> {
    model
        .identity_provider
        .as_ref()?
        .metadata
        .as_ref()
        .map(|m| m.document.as_str())
}

pub(super) fn is_empty(account: &DesiredAccount) -> bool {
    account.saml_provider.is_none() && account.roles.is_empty() && account.policies.is_empty()
}

/// Account name → file stem, unique across the accounts.
pub(super) fn account_file_stems<'a>(
    names: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, String> {
    allocate(
        names.map(|n| NameRequest::new(n, file_stem(n))).collect(),
        "-",
    )
}

/// CloudFormation accepts a template of up to 1 MB from S3 and up to 500 resources in a stack
/// ("CloudFormation quotas"). A per-account template that would pass either margin below is split
/// into parts, each deployed as its own stack; the margins leave room for the model to grow a little
/// between exports.
pub(super) const PART_MAX_BYTES: usize = 900_000;
pub(super) const PART_MAX_RESOURCES: usize = 450;
/// CloudFormation's quotas themselves, for the note on a part that cannot be made small enough.
const TEMPLATE_QUOTA_BYTES: usize = 1_000_000;
const TEMPLATE_QUOTA_RESOURCES: usize = 500;

/// The limits a part must stay within.
#[derive(Debug, Clone, Copy)]
pub(super) struct PartLimits {
    pub bytes: usize,
    pub resources: usize,
}

impl Default for PartLimits {
    fn default() -> Self {
        Self {
            bytes: PART_MAX_BYTES,
            resources: PART_MAX_RESOURCES,
        }
    }
}

/// One template of an account: the exact text written, and how many resources it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AccountPart {
    pub contents: String,
    pub resources: usize,
}

/// Everything awsfed owns in one account: one template, or several parts when one template would
/// pass [`PartLimits`].
///
/// Parts are filled in order: the SAML provider (and policies attached to no hub role) first, then
/// each hub role together with the managed policies attached to it, then the account's other roles
/// (spoke roles trusting hub roles, direct roles trusting the provider). So whatever a role names is
/// in its own part or an earlier one, and deploying the parts in order never names a principal that
/// does not exist yet. Within a part references stay `Ref` / `Fn::GetAtt`; what another part creates
/// is named by its ARN built with `Fn::Sub` (`arn:${AWS::Partition}:iam::${AWS::AccountId}:…`).
pub(super) fn account_templates(
    desired: &DesiredState,
    account: &DesiredAccount,
    metadata: Option<&str>,
    limits: PartLimits,
) -> Vec<AccountPart> {
    let ids = AccountIds::new(account);
    let units = units(account);
    let whole = Assignment {
        roles: vec![0; account.roles.len()],
        policies: vec![0; account.policies.len()],
        parts: 1,
    };
    let text = pretty_json(&part_template(desired, account, metadata, &ids, &whole, 0));
    let count = resource_count(account);
    if text.len() <= limits.bytes && count <= limits.resources {
        return vec![AccountPart {
            contents: text,
            resources: count,
        }];
    }

    let sizes = unit_sizes(desired, account, metadata, &ids, &units);
    let mut budget = limits.bytes;
    let mut parts = Vec::new();
    // The sizes are exact but for the last entry's comma and the description of each part, so the
    // first packing nearly always fits; when it does not, pack again with the overflow taken off.
    for _ in 0..4 {
        let assignment = pack(account, &units, &sizes, budget, limits.resources);
        parts = (0..assignment.parts)
            .map(|part| {
                let template = part_template(desired, account, metadata, &ids, &assignment, part);
                let resources = template["Resources"].as_object().map_or(0, Map::len);
                AccountPart {
                    contents: pretty_json(&template),
                    resources,
                }
            })
            .collect::<Vec<_>>();
        let over = parts
            .iter()
            .map(|p| p.contents.len().saturating_sub(limits.bytes))
            .max()
            .unwrap_or(0);
        if over == 0 {
            break;
        }
        budget = budget.saturating_sub(over);
    }
    parts
}

/// The file name of each part of an account's template: `<stem>.template.json`, then
/// `<stem>-2.template.json`, … A stem taken by another account's file gets `_` appended until it is
/// free, so part files never collide with other accounts' files.
pub(super) struct PartPaths {
    taken: BTreeSet<String>,
}

impl PartPaths {
    pub(super) fn new(stems: &BTreeMap<String, String>) -> Self {
        Self {
            taken: stems.values().map(|s| s.to_ascii_lowercase()).collect(),
        }
    }

    /// `prefix` goes before the file name (`accounts/` for StackSets).
    pub(super) fn paths(&mut self, prefix: &str, stem: &str, parts: usize) -> Vec<String> {
        let mut paths = vec![format!("{prefix}{stem}.template.json")];
        for part in 2..=parts {
            let mut name = format!("{stem}-{part}");
            while self.taken.contains(&name.to_ascii_lowercase()) {
                name.push('_');
            }
            self.taken.insert(name.to_ascii_lowercase());
            paths.push(format!("{prefix}{name}.template.json"));
        }
        paths
    }
}

/// The note for an account split into parts.
pub(super) fn parts_note(account: &DesiredAccount, paths: &[String]) -> String {
    format!(
        "The template of account {} would pass CloudFormation's quotas (1 MB from S3, 500 resources per stack), so it is split into {} parts, each deployed as its own stack in that account: {}. Deploy {} first: it creates the SAML provider, which the roles in the later parts trust by its ARN (Fn::Sub), not by a reference CloudFormation could order. Then deploy the later parts in order: each hub role is in one part with its managed policies, and the account's other roles come last because they trust hub roles of earlier parts.",
        account.name,
        paths.len(),
        paths.join(", "),
        paths[0]
    )
}

fn resource_count(account: &DesiredAccount) -> usize {
    usize::from(account.saml_provider.is_some()) + account.roles.len() + account.policies.len()
}

/// The logical ids of an account's roles and policies, the same in every part.
struct AccountIds {
    roles: BTreeMap<String, String>,
    policies: BTreeMap<String, String>,
}

impl AccountIds {
    fn new(account: &DesiredAccount) -> Self {
        Self {
            roles: allocate(
                account
                    .roles
                    .iter()
                    .map(|r| NameRequest::new(&r.name, logical_id("Role", &r.name)))
                    .collect(),
                "",
            ),
            policies: allocate(
                account
                    .policies
                    .iter()
                    .map(|p| NameRequest::new(&p.name, logical_id("Policy", &p.name)))
                    .collect(),
                "",
            ),
        }
    }
}

/// What must stay in one part: the provider, a hub role with its policies, or one other role or
/// policy. Indexes into the account's roles and policies.
#[derive(Debug, Default)]
struct Unit {
    provider: bool,
    roles: Vec<usize>,
    policies: Vec<usize>,
}

impl Unit {
    fn resources(&self) -> usize {
        usize::from(self.provider) + self.roles.len() + self.policies.len()
    }
}

/// The units of an account, in the order parts are filled.
fn units(account: &DesiredAccount) -> Vec<Unit> {
    let mut units = Vec::new();
    if account.saml_provider.is_some() {
        units.push(Unit {
            provider: true,
            ..Unit::default()
        });
    }
    let hub_of = |index: usize| {
        account.roles.iter().position(|r| {
            matches!(r.kind, RoleKind::Hub { .. }) && r.name == account.policies[index].attached_to
        })
    };
    // Policies attached to no hub role of the account: first, so any role naming them comes later.
    for index in (0..account.policies.len()).filter(|&i| hub_of(i).is_none()) {
        units.push(Unit {
            policies: vec![index],
            ..Unit::default()
        });
    }
    let (hubs, others): (Vec<usize>, Vec<usize>) = (0..account.roles.len())
        .partition(|&i| matches!(account.roles[i].kind, RoleKind::Hub { .. }));
    for role in hubs {
        units.push(Unit {
            roles: vec![role],
            policies: (0..account.policies.len())
                .filter(|&i| hub_of(i) == Some(role))
                .collect(),
            ..Unit::default()
        });
    }
    for role in others {
        units.push(Unit {
            roles: vec![role],
            ..Unit::default()
        });
    }
    units
}

/// The part of each role and policy (the provider is always in part 0).
struct Assignment {
    roles: Vec<usize>,
    policies: Vec<usize>,
    parts: usize,
}

/// Fills parts with units in order, starting a new part when the next unit would pass `budget`
/// bytes or `max_resources` resources. A unit larger than a part on its own gets a part of its own.
fn pack(
    account: &DesiredAccount,
    units: &[Unit],
    sizes: &UnitSizes,
    budget: usize,
    max_resources: usize,
) -> Assignment {
    let mut assignment = Assignment {
        roles: vec![0; account.roles.len()],
        policies: vec![0; account.policies.len()],
        parts: 1,
    };
    let mut bytes = sizes.header;
    let mut resources = 0;
    for (unit, &size) in units.iter().zip(&sizes.units) {
        let count = unit.resources();
        if resources > 0 && (bytes + size > budget || resources + count > max_resources) {
            assignment.parts += 1;
            bytes = sizes.header;
            resources = 0;
        }
        bytes += size;
        resources += count;
        let part = assignment.parts - 1;
        unit.roles.iter().for_each(|&r| assignment.roles[r] = part);
        unit.policies
            .iter()
            .for_each(|&p| assignment.policies[p] = part);
    }
    assignment
}

struct UnitSizes {
    /// A part without resources.
    header: usize,
    units: Vec<usize>,
}

/// The bytes each unit adds to a part, as pretty JSON inside `Resources`, taking for each role the
/// longer of its forms (references within the part, or ARNs of what other parts create).
fn unit_sizes(
    desired: &DesiredState,
    account: &DesiredAccount,
    metadata: Option<&str>,
    ids: &AccountIds,
    units: &[Unit],
) -> UnitSizes {
    let local = refs(account, ids, |_| true);
    let remote = refs(account, ids, |_| false);
    let role_size = |index: usize| {
        let role = &account.roles[index];
        let id = &ids.roles[&role.name];
        [&local, &remote]
            .into_iter()
            .map(|refs| {
                let mut own = refs.clone();
                own.remove(&role.arn);
                entry_size(id, &role_resource(role, &own))
            })
            .max()
            .unwrap_or(0)
    };
    let policy_size = |index: usize| {
        let policy = &account.policies[index];
        entry_size(&ids.policies[&policy.name], &policy_resource(policy))
    };
    let mut skeleton = Template::new(part_description(desired, account, 99, 99, true, &[]));
    let provider_size = account.saml_provider.as_ref().map_or(0, |provider| {
        skeleton.add_provider(&provider.name, metadata);
        let resource = skeleton.resources.remove(PROVIDER_ID).unwrap_or_default();
        entry_size(PROVIDER_ID, &resource)
    });
    // `"Resources": {}` becomes `{`, a newline, the entries and `  }`: a few bytes of slack.
    let header = pretty_json(&skeleton.into_value()).len() + 16;
    let units = units
        .iter()
        .map(|unit| {
            (if unit.provider { provider_size } else { 0 })
                + unit.roles.iter().map(|&r| role_size(r)).sum::<usize>()
                + unit.policies.iter().map(|&p| policy_size(p)).sum::<usize>()
        })
        .collect();
    UnitSizes { header, units }
}

/// The bytes of `"id": value,` and its line break as an entry of `Resources` in [`pretty_json`]:
/// two levels deep, so every line of the value is indented by four more spaces.
fn entry_size(id: &str, value: &Value) -> usize {
    let text = serde_json::to_string_pretty(value).expect("a JSON value always serialises");
    let key = serde_json::to_string(id).expect("a string always serialises");
    let lines = text.bytes().filter(|&b| b == b'\n').count() + 1;
    4 * lines + key.len() + ": ".len() + text.len() + ",\n".len()
}

/// ARN → the intrinsic function that returns it, for what the account's templates create: `Ref` /
/// `Fn::GetAtt` where `local` says the resource is in the same part, otherwise its ARN with
/// `Fn::Sub`. `local` is given the resource's kind and index (`None` for the provider).
fn refs(account: &DesiredAccount, ids: &AccountIds, local: impl Fn(Resource) -> bool) -> Refs {
    let mut refs = Refs::new();
    if let Some(provider) = &account.saml_provider {
        let reference = if local(Resource::Provider) {
            json!({ "Ref": PROVIDER_ID })
        } else {
            sub_arn(&provider.arn, account)
        };
        refs.insert(provider.arn.clone(), reference);
    }
    for (index, role) in account.roles.iter().enumerate() {
        if matches!(role.kind, RoleKind::Hub { .. }) {
            let reference = if local(Resource::Role(index)) {
                json!({ "Fn::GetAtt": [ids.roles[&role.name], "Arn"] })
            } else {
                sub_arn(&role.arn, account)
            };
            refs.insert(role.arn.clone(), reference);
        }
    }
    for (index, policy) in account.policies.iter().enumerate() {
        let reference = if local(Resource::Policy(index)) {
            json!({ "Ref": ids.policies[&policy.name] })
        } else {
            sub_arn(&policy.arn, account)
        };
        refs.insert(policy.arn.clone(), reference);
    }
    refs
}

#[derive(Debug, Clone, Copy)]
enum Resource {
    Provider,
    Role(usize),
    Policy(usize),
}

/// An IAM ARN of the account, with the partition and account id as pseudo parameters (what the
/// stack's account gives): `arn:${AWS::Partition}:iam::${AWS::AccountId}:saml-provider/corp`. IAM
/// names cannot hold `$`, so nothing else needs escaping for `Fn::Sub`.
fn sub_arn(arn: &str, account: &DesiredAccount) -> Value {
    let prefix = format!(
        "arn:{}:iam::{}:",
        awsfed_policy::Arn::partition_of(arn),
        account.id
    );
    match arn.strip_prefix(&prefix) {
        Some(rest) if !rest.contains('$') => {
            json!({ "Fn::Sub": format!("arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:{rest}") })
        }
        _ => json!(arn),
    }
}

/// Part `part` of the account's templates under `assignment` (the whole template when there is one
/// part).
fn part_template(
    desired: &DesiredState,
    account: &DesiredAccount,
    metadata: Option<&str>,
    ids: &AccountIds,
    assignment: &Assignment,
    part: usize,
) -> Value {
    let refs = refs(account, ids, |resource| match resource {
        Resource::Provider => part == 0,
        Resource::Role(i) => assignment.roles[i] == part,
        Resource::Policy(i) => assignment.policies[i] == part,
    });
    let roles: Vec<&DesiredRole> = account
        .roles
        .iter()
        .enumerate()
        .filter(|(i, _)| assignment.roles[*i] == part)
        .map(|(_, r)| r)
        .collect();
    let provider = part == 0 && account.saml_provider.is_some();
    let description = if assignment.parts == 1 {
        account_description(desired, account, provider, &roles)
    } else {
        part_description(
            desired,
            account,
            part + 1,
            assignment.parts,
            provider,
            &roles,
        )
    };
    let mut template = Template::new(description);
    if let (true, Some(provider)) = (provider, &account.saml_provider) {
        template.add_provider(&provider.name, metadata);
    }
    for (index, policy) in account.policies.iter().enumerate() {
        if assignment.policies[index] == part {
            template.resource(&ids.policies[&policy.name], policy_resource(policy));
        }
    }
    for role in roles {
        // A role never names itself; skipping its own entry keeps a reference cycle impossible.
        let mut own = refs.clone();
        own.remove(&role.arn);
        template.resource(&ids.roles[&role.name], role_resource(role, &own));
    }
    template.into_value()
}

fn part_description(
    desired: &DesiredState,
    account: &DesiredAccount,
    part: usize,
    parts: usize,
    provider: bool,
    roles: &[&DesiredRole],
) -> String {
    let mut description = contents_description(desired, provider, roles);
    if description.is_empty() {
        description = "managed policies".to_owned();
    }
    format!(
        "awsfed: SAML federation of account {} ({}, {}), part {part} of {parts}: {description}. Deploy the parts in order, part 1 first. Generated from the awsfed model; change the model and export again instead of editing this file.",
        account.name,
        account.id,
        account.topology.as_str(),
    )
}

fn account_description(
    desired: &DesiredState,
    account: &DesiredAccount,
    provider: bool,
    roles: &[&DesiredRole],
) -> String {
    format!(
        "awsfed: SAML federation of account {} ({}, {}): {}. Generated from the awsfed model; change the model and export again instead of editing this file.",
        account.name,
        account.id,
        account.topology.as_str(),
        contents_description(desired, provider, roles)
    )
}

/// "SAML provider corp, 2 hub roles, 1 spoke role".
fn contents_description(desired: &DesiredState, provider: bool, roles: &[&DesiredRole]) -> String {
    let mut parts = Vec::new();
    if provider {
        parts.push(format!("SAML provider {}", desired.provider_name));
    }
    let hub = roles
        .iter()
        .filter(|r| matches!(r.kind, RoleKind::Hub { .. }))
        .count();
    let spoke = roles
        .iter()
        .filter(|r| matches!(r.kind, RoleKind::Spoke { .. }))
        .count();
    let direct = roles.len() - hub - spoke;
    for (count, what) in [(hub, "hub"), (spoke, "spoke"), (direct, "direct")] {
        if count > 0 {
            parts.push(format!(
                "{count} {what} role{}",
                if count == 1 { "" } else { "s" }
            ));
        }
    }
    parts.join(", ")
}

/// A template being built: resources keep the order they are added in.
pub(super) struct Template {
    description: String,
    parameters: Map<String, Value>,
    resources: Map<String, Value>,
}

impl Template {
    /// CloudFormation limits a template description to 1,024 bytes.
    pub(super) fn new(mut description: String) -> Self {
        if description.len() > 1_024 {
            let mut end = 1_021;
            while !description.is_char_boundary(end) {
                end -= 1;
            }
            description.truncate(end);
            description.push_str("...");
        }
        Self {
            description,
            parameters: Map::new(),
            resources: Map::new(),
        }
    }

    pub(super) fn resource(&mut self, id: &str, resource: Value) {
        self.resources.insert(id.to_owned(), resource);
    }

    /// The SAML provider, with the metadata inline, or taken from a parameter when the model has
    /// none.
    pub(super) fn add_provider(&mut self, name: &str, metadata: Option<&str>) {
        let document = match metadata {
            Some(xml) => json!(xml),
            None => {
                self.parameters.insert(
                    METADATA_PARAMETER.to_owned(),
                    json!({
                        "Type": "String",
                        "Description": "SAML metadata XML of the identity provider (the model names no metadata file).",
                        // IAM's minimum for SAMLMetadataDocument: catches an empty value early.
                        "MinLength": 1000
                    }),
                );
                json!({ "Ref": METADATA_PARAMETER })
            }
        };
        self.resource(
            PROVIDER_ID,
            json!({
                "Type": "AWS::IAM::SAMLProvider",
                "Properties": { "Name": name, "SamlMetadataDocument": document }
            }),
        );
    }

    pub(super) fn into_value(self) -> Value {
        let mut template = Map::new();
        template.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        template.insert("Description".into(), json!(self.description));
        if !self.parameters.is_empty() {
            template.insert("Parameters".into(), Value::Object(self.parameters));
        }
        template.insert("Resources".into(), Value::Object(self.resources));
        Value::Object(template)
    }
}

/// A template passed directly may be 51,200 bytes; a larger one must be uploaded to S3 first, and
/// may be 1 MB there, with up to 500 resources ("CloudFormation quotas").
pub(super) fn template_size_note(path: &str, contents: &str, resources: usize) -> Option<String> {
    let size = contents.len();
    if size > TEMPLATE_QUOTA_BYTES || resources > TEMPLATE_QUOTA_RESOURCES {
        return Some(format!(
            "{path} is {size} bytes with {resources} resources, more than CloudFormation accepts in one template (1 MB from S3, 500 resources) even after splitting: a single hub role with its managed policies is that large. Reduce what the role's group is granted."
        ));
    }
    (size > 51_200).then(|| {
        format!(
            "{path} is {size} bytes, more than the 51,200 bytes CloudFormation accepts in a request: upload it to S3 and deploy it by URL (up to 1 MB)."
        )
    })
}

/// ARN → `Ref` / `Fn::GetAtt` that returns it.
pub(super) type Refs = BTreeMap<String, Value>;

/// `AWS::IAM::Role`. Trust principals and managed policy ARNs found in `refs` become references.
pub(super) fn role_resource(role: &DesiredRole, refs: &Refs) -> Value {
    let mut properties = Map::new();
    properties.insert("RoleName".into(), json!(role.name));
    properties.insert("Path".into(), json!(role.path));
    if !role.description.is_empty() {
        properties.insert("Description".into(), json!(role.description));
    }
    properties.insert(
        "AssumeRolePolicyDocument".into(),
        trust_with_refs(&role.trust_policy, refs),
    );
    properties.insert(
        "MaxSessionDuration".into(),
        json!(role.max_session_duration),
    );
    if !role.managed_policy_arns.is_empty() {
        let arns: Vec<Value> = role
            .managed_policy_arns
            .iter()
            .map(|arn| refs.get(arn).cloned().unwrap_or_else(|| json!(arn)))
            .collect();
        properties.insert("ManagedPolicyArns".into(), Value::Array(arns));
    }
    if !role.inline_policies.is_empty() {
        let policies: Vec<Value> = role
            .inline_policies
            .iter()
            .map(|(name, document)| {
                json!({ "PolicyName": name, "PolicyDocument": document_value(document) })
            })
            .collect();
        properties.insert("Policies".into(), Value::Array(policies));
    }
    if let Some(boundary) = &role.permissions_boundary {
        properties.insert("PermissionsBoundary".into(), json!(boundary));
    }
    if !role.tags.is_empty() {
        properties.insert("Tags".into(), tags(&role.tags));
    }
    json!({ "Type": "AWS::IAM::Role", "Properties": properties })
}

/// `AWS::IAM::ManagedPolicy` (it takes no tags in CloudFormation; awsfed knows its policies by
/// path and name).
pub(super) fn policy_resource(policy: &DesiredPolicy) -> Value {
    let mut properties = Map::new();
    properties.insert("ManagedPolicyName".into(), json!(policy.name));
    properties.insert("Path".into(), json!(policy.path));
    if !policy.description.is_empty() {
        properties.insert("Description".into(), json!(policy.description));
    }
    properties.insert("PolicyDocument".into(), document_value(&policy.document));
    json!({ "Type": "AWS::IAM::ManagedPolicy", "Properties": properties })
}

pub(super) fn document_value(document: &PolicyDocument) -> Value {
    serde_json::to_value(document).expect("a policy document always serialises")
}

fn trust_with_refs(document: &PolicyDocument, refs: &Refs) -> Value {
    let mut value = document_value(document);
    if refs.is_empty() {
        return value;
    }
    if let Some(statements) = value.get_mut("Statement").and_then(Value::as_array_mut) {
        for statement in statements {
            if let Some(Value::Object(principal)) = statement.get_mut("Principal") {
                for principals in principal.values_mut() {
                    match principals {
                        Value::Array(items) => items.iter_mut().for_each(|v| replace(v, refs)),
                        other => replace(other, refs),
                    }
                }
            }
        }
    }
    value
}

fn replace(value: &mut Value, refs: &Refs) {
    if let Some(reference) = value.as_str().and_then(|s| refs.get(s)) {
        *value = reference.clone();
    }
}

/// CloudFormation's tag list form.
pub(super) fn tags(tags: &BTreeMap<String, String>) -> Value {
    Value::Array(
        tags.iter()
            .map(|(key, value)| json!({ "Key": key, "Value": value }))
            .collect(),
    )
}

fn deployment_notes(desired: &DesiredState, has_metadata: bool) -> Vec<String> {
    let mut notes = vec![
        "Each template creates named IAM resources: deploy it with the CAPABILITY_NAMED_IAM capability, as a stack in the account it names.".to_owned(),
    ];
    // Accounts whose stacks must come first: hub accounts other accounts' spoke trusts name.
    let hub_accounts: Vec<&str> = desired
        .accounts
        .iter()
        .filter(|a| {
            a.roles
                .iter()
                .any(|r| matches!(r.kind, RoleKind::Hub { .. }))
        })
        .map(|a| a.name.as_str())
        .collect();
    let has_spokes = desired.accounts.iter().any(|a| {
        a.roles
            .iter()
            .any(|r| matches!(r.kind, RoleKind::Spoke { .. }))
    });
    if !hub_accounts.is_empty() && has_spokes {
        notes.push(format!(
            "Deploy the stack of the hub account{} {} first: spoke roles trust the hub roles by ARN, and IAM rejects a trust policy naming a role that does not exist yet. Never delete and recreate a hub role: spoke trusts keep the old role's unique id and stop working until they are saved again.",
            if hub_accounts.len() == 1 { "" } else { "s" },
            hub_accounts.join(", ")
        ));
    }
    if desired.accounts.iter().any(|a| a.saml_provider.is_some()) {
        notes.push(format!(
            "A stack fails if the account already has a SAML provider named {}: import the existing provider into the stack (resource import) or delete it first.",
            desired.provider_name
        ));
        if !has_metadata {
            notes.push(format!(
                "The model names no SAML metadata file, so each template with a SAML provider takes the metadata XML as the parameter {METADATA_PARAMETER}. CloudFormation limits a parameter value to 4,096 bytes; if your metadata is larger, add `metadata_file` to the model and export again to have it inlined."
            ));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    #[test]
    fn one_template_per_account() {
        let export = cloudformation(&fixture::desired(), &fixture::model(true));
        let paths: Vec<&str> = export.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "dev.template.json",
                "identity.template.json",
                "management.template.json",
                "prod.template.json",
                "sandbox.template.json",
                "staging.template.json"
            ]
        );
        for file in &export.files {
            insta::assert_snapshot!(file.path.clone(), file.contents);
        }
        insta::assert_snapshot!("notes", export.notes.join("\n\n"));
    }

    #[test]
    fn same_account_references_use_intrinsic_functions() {
        let export = cloudformation(&fixture::desired(), &fixture::model(true));
        let identity: Value = serde_json::from_str(
            &export
                .files
                .iter()
                .find(|f| f.path == "identity.template.json")
                .expect("identity template")
                .contents,
        )
        .expect("valid JSON");
        let resources = &identity["Resources"];
        let hub = &resources["RoleHubDevelopers"]["Properties"];
        assert_eq!(
            hub["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Federated"],
            json!({ "Ref": "SamlProvider" })
        );
        assert!(
            hub["ManagedPolicyArns"]
                .as_array()
                .expect("list")
                .contains(&json!({ "Ref": "PolicyHubDevelopersAssume" }))
        );
        // The spoke role in the hub account trusts the hub role there by GetAtt.
        let spoke = &resources["RoleReadOnly"]["Properties"]["AssumeRolePolicyDocument"];
        assert_eq!(
            spoke["Statement"][0]["Principal"]["AWS"],
            json!({ "Fn::GetAtt": ["RoleHubDevelopers", "Arn"] })
        );
    }

    #[test]
    fn metadata_becomes_a_parameter_without_a_metadata_file() {
        let export = cloudformation(&fixture::desired(), &fixture::model(false));
        let prod: Value = serde_json::from_str(
            &export
                .files
                .iter()
                .find(|f| f.path == "prod.template.json")
                .expect("prod template")
                .contents,
        )
        .expect("valid JSON");
        assert_eq!(prod["Parameters"][METADATA_PARAMETER]["Type"], "String");
        assert_eq!(
            prod["Resources"][PROVIDER_ID]["Properties"]["SamlMetadataDocument"],
            json!({ "Ref": METADATA_PARAMETER })
        );
        assert!(export.notes.iter().any(|n| n.contains("4,096 bytes")));
    }

    #[test]
    fn output_is_deterministic() {
        let a = cloudformation(&fixture::desired(), &fixture::model(true));
        let b = cloudformation(&fixture::desired(), &fixture::model(true));
        assert_eq!(a, b);
    }

    /// The fixture with `hubs` more hub roles in the hub account `identity`, each with an assume
    /// policy naming `arns` spoke roles.
    fn large_hub(hubs: usize, arns: usize) -> DesiredState {
        use awsfed_policy::{Statement, StringList};
        let mut desired = fixture::desired();
        let identity = desired
            .accounts
            .iter_mut()
            .find(|a| a.name == "identity")
            .expect("identity");
        let role = identity
            .roles
            .iter()
            .find(|r| r.name == "hub-developers")
            .expect("hub role")
            .clone();
        let policy = identity.policies[0].clone();
        for index in 0..hubs {
            let name = format!("hub-g{index:04}");
            let mut new_policy = policy.clone();
            new_policy.name = format!("{name}-assume");
            new_policy.arn = format!("arn:aws:iam::111111111111:policy/awsfed/{name}-assume");
            new_policy.attached_to = name.clone();
            new_policy.document = PolicyDocument::new(vec![
                Statement::allow(StringList::sorted(["sts:AssumeRole"])).with_resource(
                    StringList::sorted((0..arns).map(|i| {
                        format!(
                            "arn:aws:iam::{:012}:role/awsfed/PermissionSet{index}",
                            200_000 + i
                        )
                    })),
                ),
            ]);
            let mut new_role = role.clone();
            new_role.arn = format!("arn:aws:iam::111111111111:role/awsfed/{name}");
            new_role.name = name;
            new_role.managed_policy_arns = vec![new_policy.arn.clone()];
            identity.roles.push(new_role);
            identity.policies.push(new_policy);
        }
        identity.roles.sort_by(|a, b| a.name.cmp(&b.name));
        identity.policies.sort_by(|a, b| a.name.cmp(&b.name));
        desired
    }

    /// Every `Ref` and `Fn::GetAtt` in `value` names something `template` defines.
    fn assert_references_resolve(value: &Value, template: &Value) {
        match value {
            Value::Object(map) => {
                let target = match (map.get("Ref"), map.get("Fn::GetAtt")) {
                    (Some(Value::String(id)), _) => Some(id.as_str()),
                    (_, Some(Value::Array(items))) => items[0].as_str(),
                    _ => None,
                };
                if let Some(id) = target {
                    assert!(
                        id.starts_with("AWS::")
                            || template["Resources"].get(id).is_some()
                            || template["Parameters"].get(id).is_some(),
                        "{id} is not in this part"
                    );
                }
                map.values()
                    .for_each(|v| assert_references_resolve(v, template));
            }
            Value::Array(items) => items
                .iter()
                .for_each(|v| assert_references_resolve(v, template)),
            _ => {}
        }
    }

    #[test]
    fn hub_account_past_the_quotas_is_split_into_parts() {
        // Too many bytes (300 roles with large policies), then too many resources (600 small ones).
        for (hubs, arns) in [(300, 120), (600, 1)] {
            let desired = large_hub(hubs, arns);
            let identity = desired
                .accounts
                .iter()
                .find(|a| a.name == "identity")
                .expect("identity");
            let export = cloudformation(&desired, &fixture::model(true));
            assert_eq!(export, cloudformation(&desired, &fixture::model(true)));
            let mut parts: Vec<(&str, Value)> = export
                .files
                .iter()
                .filter(|f| f.path.starts_with("identity"))
                .map(|f| {
                    let template = serde_json::from_str(&f.contents).expect("valid JSON");
                    assert!(
                        f.contents.len() <= PART_MAX_BYTES,
                        "{} is {} bytes",
                        f.path,
                        f.contents.len()
                    );
                    (f.path.as_str(), template)
                })
                .collect();
            // Files are sorted by path; parts go in their number's order.
            parts.sort_by_key(|(path, _)| {
                path.trim_start_matches("identity")
                    .trim_end_matches(".template.json")
                    .trim_start_matches('-')
                    .parse::<usize>()
                    .unwrap_or(1)
            });
            assert!(parts.len() > 1, "{hubs} hub roles in one template");
            assert_eq!(parts[0].0, "identity.template.json");
            for (index, (path, _)) in parts.iter().enumerate().skip(1) {
                assert_eq!(*path, format!("identity-{}.template.json", index + 1));
            }
            assert!(
                export.notes.iter().any(|n| n.contains("split into")
                    && n.contains("Deploy identity.template.json first"))
            );

            let mut roles: BTreeMap<&str, usize> = BTreeMap::new();
            let mut policies: BTreeMap<&str, usize> = BTreeMap::new();
            for (index, (path, template)) in parts.iter().enumerate() {
                let resources = template["Resources"].as_object().expect("resources");
                assert!(resources.len() <= PART_MAX_RESOURCES, "{path}");
                assert_eq!(resources.contains_key(PROVIDER_ID), index == 0, "{path}");
                assert_references_resolve(template, template);
                let provider_arn = if index == 0 {
                    json!({ "Ref": PROVIDER_ID })
                } else {
                    json!({ "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:saml-provider/corp" })
                };
                for resource in resources.values() {
                    let properties = &resource["Properties"];
                    if let Some(name) = properties["RoleName"].as_str() {
                        *roles.entry(name).or_default() += 1;
                        if name.starts_with("hub-") {
                            assert_eq!(
                                properties["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
                                    ["Federated"],
                                provider_arn
                            );
                            // Its policies are in the same part, attached with Ref.
                            for arn in properties["ManagedPolicyArns"].as_array().expect("list") {
                                assert!(arn.get("Ref").is_some(), "{name}: {arn}");
                            }
                        }
                    }
                    if let Some(name) = properties["ManagedPolicyName"].as_str() {
                        *policies.entry(name).or_default() += 1;
                    }
                }
            }
            let expected_roles: BTreeMap<&str, usize> = identity
                .roles
                .iter()
                .map(|r| (r.name.as_str(), 1))
                .collect();
            let expected_policies: BTreeMap<&str, usize> = identity
                .policies
                .iter()
                .map(|p| (p.name.as_str(), 1))
                .collect();
            assert_eq!(roles, expected_roles);
            assert_eq!(policies, expected_policies);

            // The spoke role in the hub account comes last and trusts hub-developers of part 1 by ARN.
            let (_, last) = parts.last().expect("parts");
            assert_eq!(
                last["Resources"]["RoleReadOnly"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
                    [0]["Principal"]["AWS"],
                json!({ "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/awsfed/hub/hub-developers" })
            );
            fixture::cfn_lint(&export.files);
        }
    }

    #[test]
    fn part_files_do_not_collide_with_other_accounts() {
        let stems = BTreeMap::from([
            ("identity".to_owned(), "identity".to_owned()),
            ("identity-2".to_owned(), "identity-2".to_owned()),
        ]);
        let mut paths = PartPaths::new(&stems);
        assert_eq!(
            paths.paths("accounts/", "identity", 3),
            [
                "accounts/identity.template.json",
                "accounts/identity-2_.template.json",
                "accounts/identity-3.template.json"
            ]
        );
        assert_eq!(
            paths.paths("accounts/", "identity-2", 2),
            [
                "accounts/identity-2.template.json",
                "accounts/identity-2-2.template.json"
            ]
        );
    }

    #[test]
    fn templates_pass_cfn_lint() {
        for with_metadata in [true, false] {
            let export = cloudformation(&fixture::desired(), &fixture::model(with_metadata));
            fixture::cfn_lint(&export.files);
        }
    }
}
