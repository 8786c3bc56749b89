//! Service-managed StackSets, for estates too large to deploy account by account.
//!
//! A StackSet deploys one template to many accounts, so awsfed groups roles into *role classes*:
//! roles that are the same in every account once the account's own id is written as the
//! `AWS::AccountId` pseudo parameter (a direct role trusts `arn:…:${AWS::AccountId}:saml-provider/…`).
//! Direct roles of a permission set usually form one class. Spoke roles of a permission set differ
//! where different groups reach it in different accounts (the trust names those groups' hub roles),
//! so a permission set can need several classes; each class is one StackSet. The SAML provider of
//! the direct accounts is a class of its own.
//!
//! Hub accounts keep a plain per-account template (`accounts/`): each hub role is different, spoke
//! trusts in other accounts name hub roles by ARN so the hub must be deployed first, and a hub role
//! must never be recreated (spoke trusts keep its old unique id). A hub account's template that
//! would pass CloudFormation's quotas is split into parts like in the per-account export
//! (`accounts/<account>.template.json`, `accounts/<account>-2.template.json`, …), one stack each,
//! listed in `account_stacks` with `part` and `parts`.
//!
//! Deployment targets are organizational units ("Create a stack set with service-managed
//! permissions", CloudFormation User Guide): an OU whose accounts in the model all belong to the
//! class is targeted whole, so accounts joining it later get the roles too (automatic deployment);
//! otherwise the target keeps the class's accounts only (`AccountFilterType: INTERSECTION`). A
//! target OU includes its child OUs. StackSets never deploy to the organization's management
//! account, even when a target OU contains it.

use std::collections::{BTreeMap, BTreeSet};

use awsfed_model::Model;
use serde_json::{Map, Value, json};

use super::Export;
use super::cloudformation::{
    PartLimits, PartPaths, Template, account_file_stems, account_templates, is_empty,
    metadata_document, parts_note, role_resource, template_size_note,
};
use super::names::{NameRequest, allocate, logical_id, short_hash};
use awsfed_compile::{DesiredAccount, DesiredRole, DesiredState, RoleKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSetOptions {
    /// The one region stack instances are created in. IAM is global: deploying the same StackSet
    /// to two regions makes the second stack fail on names that already exist.
    pub region: String,
    /// The organization's management account, when known (from Organizations): it gets a plain
    /// stack like an account the model names or tags `management`.
    pub management_account_id: Option<String>,
    /// Every account of the organization with its OU path, when known: an OU is targeted whole
    /// only when the class holds every one of its accounts (but the management account), not only
    /// every account the model lists. `None`: the model's accounts stand for the organization.
    pub organization_accounts: Option<Vec<(String, Option<String>)>>,
}

impl Default for StackSetOptions {
    fn default() -> Self {
        Self {
            region: "us-east-1".to_owned(),
            management_account_id: None,
            organization_accounts: None,
        }
    }
}

/// What the export writes, as data: the StackSets engine (`awsfed plan --engine stacksets`)
/// deploys exactly this.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackSetLayout {
    pub stack_sets: Vec<StackSetSpec>,
    pub account_stacks: Vec<AccountStackSpec>,
}

/// One service-managed StackSet: a role class (or the SAML provider of the direct accounts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSetSpec {
    pub name: String,
    pub description: String,
    /// The template, as the export writes it.
    pub template: String,
    /// Parameter values; a value `{{…}}` is a placeholder the user must fill in.
    pub parameters: Vec<(String, String)>,
    /// 1: the SAML provider; 2: roles (their trusts name the provider or hub roles).
    pub order: u8,
    /// (account name, account id) of the class's accounts.
    pub accounts: Vec<(String, String)>,
    pub targets: Vec<LayoutTarget>,
}

/// One deployment target: an OU path (`None`: the organization root), whole or narrowed to some
/// of its accounts (`AccountFilterType: INTERSECTION`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutTarget {
    pub ou: Option<String>,
    pub accounts: Option<Vec<String>>,
    /// The ids of the class's accounts this target deploys to.
    pub members: Vec<String>,
}

/// One plain stack: a hub account or the management account (or one part of its template).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountStackSpec {
    pub account: String,
    pub account_id: String,
    /// The template's file stem in the export (`identity`, `identity-2`): a stack name part.
    pub stem: String,
    pub template: String,
    pub hub: bool,
    pub reason: String,
}

/// The StackSets layout of a desired state (see [`stacksets`]).
pub fn layout(desired: &DesiredState, model: &Model, options: &StackSetOptions) -> StackSetLayout {
    build(desired, model, options).1
}

/// `stacksets.json` (the manifest), `stacksets/<name>.template.json` per StackSet and
/// `accounts/<account>.template.json` for the accounts deployed as plain stacks.
pub fn stacksets(desired: &DesiredState, model: &Model, options: &StackSetOptions) -> Export {
    build(desired, model, options).0
}

fn build(
    desired: &DesiredState,
    model: &Model,
    options: &StackSetOptions,
) -> (Export, StackSetLayout) {
    let metadata = metadata_document(model);
    let management = management_accounts(model, options.management_account_id.as_deref());
    let mut export = Export::default();
    let mut layout = StackSetLayout::default();
    let mut classes = Classes {
        partition: &desired.partition,
        provider: Vec::new(),
        roles: BTreeMap::new(),
    };
    let account_stacks = account_stacks(
        desired,
        metadata,
        &management,
        &mut classes,
        &mut export,
        &mut layout,
    );

    let ous = OuIndex::new(model, options, &management);
    let mut stack_sets = Vec::new();
    for (key, name, members) in classes.all() {
        let path = format!("stacksets/{name}.template.json");
        let (template, parameters, description) = class_template(&key, desired, metadata);
        let contents = super::pretty_json(&template);
        let resources = template["Resources"].as_object().map_or(0, Map::len);
        if let Some(note) = template_size_note(&path, &contents, resources) {
            export.notes.push(note);
        }
        let targets = ous.targets(&members);
        let instances: Vec<Value> = targets
            .iter()
            .map(|target| target.to_json(&options.region))
            .collect();
        layout.stack_sets.push(StackSetSpec {
            name: name.clone(),
            description: description.clone(),
            template: contents.clone(),
            parameters: parameters.iter().map(parameter_value).collect(),
            order: key.order(),
            accounts: members
                .iter()
                .map(|a| (a.name.clone(), a.id.clone()))
                .collect(),
            targets: targets.iter().map(InstanceTarget::layout).collect(),
        });
        export.push_text(&path, contents);
        let accounts: Vec<&str> = members.iter().map(|a| a.name.as_str()).collect();
        stack_sets.push(json!({
            "name": name,
            "class": key.describe(),
            "template": path,
            "order": key.order(),
            "accounts": accounts,
            "create_stack_set": create_stack_set(&name, &description, parameters),
            "stack_instances": instances,
        }));
    }

    let mut notes = notes(desired, &management, &classes, metadata.is_some(), options);
    let manifest = json!({
        "description": "awsfed StackSets: create each stack set (create_stack_set), then its stack instances (one CreateStackInstances call per entry of stack_instances), in `order`; accounts in account_stacks are deployed as plain stacks. Replace {{ou:PATH}} with the id of that OU and {{root}} with the organization root's id first.",
        "region": options.region,
        "account_stacks": account_stacks,
        "stack_sets": stack_sets,
        "notes": notes,
    });
    export.push_json("stacksets.json", &manifest);
    export.notes.append(&mut notes);
    (export.finish(), layout)
}

/// Accounts deployed as plain stacks: hubs, and accounts the model marks as the management
/// account (StackSets skip the management account). Their templates go into `export`, their
/// manifest entries are returned; every other account joins its StackSet classes.
fn account_stacks<'a>(
    desired: &'a DesiredState,
    metadata: Option<&str>,
    management: &BTreeSet<&str>,
    classes: &mut Classes<'a>,
    export: &mut Export,
    layout: &mut StackSetLayout,
) -> Vec<Value> {
    let stems = account_file_stems(desired.accounts.iter().map(|a| a.name.as_str()));
    let mut part_paths = PartPaths::new(&stems);
    let mut account_stacks = Vec::new();
    for account in desired.accounts.iter().filter(|a| !is_empty(a)) {
        let hub = is_hub(account);
        let marked = management.contains(account.name.as_str());
        if !(hub || marked) {
            classes.add(account);
            continue;
        }
        let parts = account_templates(desired, account, metadata, PartLimits::default());
        let paths = part_paths.paths("accounts/", &stems[&account.name], parts.len());
        if parts.len() > 1 {
            export.notes.push(parts_note(account, &paths));
        }
        let reason = match (hub, marked) {
            (true, true) => "hub account; marked as the management account",
            (true, false) => "hub account",
            _ => "marked as the management account: StackSets do not deploy there",
        };
        let count = parts.len();
        for (index, (path, part)) in paths.into_iter().zip(parts).enumerate() {
            if let Some(note) = template_size_note(&path, &part.contents, part.resources) {
                export.notes.push(note);
            }
            let mut stack = json!({
                "account": account.name,
                "account_id": account.id,
                "reason": reason,
                "template": path,
                // Hubs first: spoke trusts name hub roles, which must exist.
                "order": if hub { 1 } else { 2 },
            });
            if count > 1 {
                // The parts of one account go in this order: the first creates the provider.
                stack["part"] = json!(index + 1);
                stack["parts"] = json!(count);
            }
            layout.account_stacks.push(AccountStackSpec {
                account: account.name.clone(),
                account_id: account.id.clone(),
                stem: path
                    .trim_start_matches("accounts/")
                    .trim_end_matches(".template.json")
                    .to_owned(),
                template: part.contents.clone(),
                hub,
                reason: reason.to_owned(),
            });
            export.push_text(&path, part.contents);
            account_stacks.push(stack);
        }
    }
    account_stacks
}

/// A StackSet class's template, its parameters and its description.
fn class_template(
    key: &ClassKey,
    desired: &DesiredState,
    metadata: Option<&str>,
) -> (Value, Vec<Value>, String) {
    match key {
        ClassKey::Provider => {
            let description = format!(
                "awsfed: the IAM SAML provider {} of the direct accounts.",
                desired.provider_name
            );
            let mut template = Template::new(description.clone());
            template.add_provider(&desired.provider_name, metadata);
            let parameters = if metadata.is_some() {
                Vec::new()
            } else {
                vec![json!({
                    "ParameterKey": super::cloudformation::METADATA_PARAMETER,
                    "ParameterValue": "{{saml-metadata-xml}}"
                })]
            };
            (template.into_value(), parameters, description)
        }
        ClassKey::Role {
            kind,
            role,
            content,
        } => {
            let description = format!(
                "awsfed: the {kind} role {role}, the same in each account it is deployed to (the account's own id is AWS::AccountId)."
            );
            let mut template = Template::new(description.clone());
            let resource: Value =
                serde_json::from_str(content).expect("the class content is JSON awsfed wrote");
            template.resource(&logical_id("Role", role).0, resource);
            (template.into_value(), Vec::new(), description)
        }
    }
}

/// The `CreateStackSet` request of a class (service-managed, deployed automatically to accounts
/// that join its OUs).
/// A CloudFormation parameter (`ParameterKey`, `ParameterValue`) as a pair.
fn parameter_value(parameter: &Value) -> (String, String) {
    let text = |key: &str| parameter[key].as_str().unwrap_or_default().to_owned();
    (text("ParameterKey"), text("ParameterValue"))
}

fn create_stack_set(name: &str, description: &str, parameters: Vec<Value>) -> Value {
    let mut create = Map::new();
    create.insert("StackSetName".into(), json!(name));
    create.insert("Description".into(), json!(description));
    create.insert("PermissionModel".into(), json!("SERVICE_MANAGED"));
    create.insert(
        "AutoDeployment".into(),
        json!({ "Enabled": true, "RetainStacksOnAccountRemoval": false }),
    );
    create.insert("Capabilities".into(), json!(["CAPABILITY_NAMED_IAM"]));
    if !parameters.is_empty() {
        create.insert("Parameters".into(), Value::Array(parameters));
    }
    Value::Object(create)
}

fn is_hub(account: &DesiredAccount) -> bool {
    !account.hubs.is_empty()
        || !account.policies.is_empty()
        || account
            .roles
            .iter()
            .any(|r| matches!(r.kind, RoleKind::Hub { .. }))
}

/// Accounts named `management` or carrying a tag whose key or value is `management` (awsfed cannot
/// know which account is the organization's management account offline), and the management
/// account Organizations names when it is known.
fn management_accounts<'m>(model: &'m Model, known: Option<&str>) -> BTreeSet<&'m str> {
    model
        .accounts
        .iter()
        .filter(|a| {
            known == Some(a.id.as_str())
                || a.name.eq_ignore_ascii_case("management")
                || a.tags.iter().any(|(k, v)| {
                    k.eq_ignore_ascii_case("management") || v.eq_ignore_ascii_case("management")
                })
        })
        .map(|a| a.name.as_str())
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ClassKey<'a> {
    Provider,
    Role {
        kind: &'a str,
        role: &'a str,
        content: &'a str,
    },
}

impl ClassKey<'_> {
    /// 1: the SAML provider; 2: roles (their trusts name the provider or hub roles).
    fn order(&self) -> u8 {
        match self {
            ClassKey::Provider => 1,
            ClassKey::Role { .. } => 2,
        }
    }

    fn name_key(&self) -> String {
        match self {
            ClassKey::Provider => "provider".to_owned(),
            ClassKey::Role {
                kind,
                role,
                content,
            } => format!("{kind}\u{0}{role}\u{0}{content}"),
        }
    }

    fn describe(&self) -> Value {
        match self {
            ClassKey::Provider => json!({ "kind": "saml-provider" }),
            ClassKey::Role { kind, role, .. } => json!({ "kind": kind, "role": role }),
        }
    }
}

/// Members of a class, sorted by account name.
type Members<'a> = Vec<&'a DesiredAccount>;

struct Classes<'a> {
    partition: &'a str,
    provider: Members<'a>,
    /// (kind, role name) → account-independent role resource (JSON) → accounts.
    roles: BTreeMap<(&'static str, String), BTreeMap<String, Members<'a>>>,
}

impl<'a> Classes<'a> {
    fn add(&mut self, account: &'a DesiredAccount) {
        if account.saml_provider.is_some() {
            self.provider.push(account);
        }
        for role in &account.roles {
            let content = account_independent(role, &account.id, self.partition);
            self.roles
                .entry((kind_label(role), role.name.clone()))
                .or_default()
                .entry(content)
                .or_default()
                .push(account);
        }
    }

    /// Every class with its StackSet name: the SAML provider's first, then the roles'.
    fn all(&self) -> Vec<(ClassKey<'_>, String, Members<'a>)> {
        let names = self.names();
        let provider = (!self.provider.is_empty()).then(|| {
            (
                ClassKey::Provider,
                "awsfed-saml-provider".to_owned(),
                self.provider.clone(),
            )
        });
        let roles = self.roles.iter().flat_map(|((kind, role), variants)| {
            variants.iter().map(|(content, members)| {
                let key = ClassKey::Role {
                    kind,
                    role: role.as_str(),
                    content: content.as_str(),
                };
                let name = names[&key.name_key()].clone();
                (key, name, members.clone())
            })
        });
        provider.into_iter().chain(roles).collect()
    }

    /// StackSet names: `awsfed-<kind>-<role>`, with a hash of the template when a role has
    /// several classes. StackSet names are letters, digits and `-`, starting with a letter.
    fn names(&self) -> BTreeMap<String, String> {
        let mut requests = Vec::new();
        for ((kind, role), variants) in &self.roles {
            let role_part: String = role
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            for content in variants.keys() {
                let mut base = format!("awsfed-{kind}-{role_part}");
                if variants.len() > 1 {
                    base = format!("{base}-{:08x}", short_hash(content));
                }
                let key = ClassKey::Role {
                    kind,
                    role,
                    content,
                }
                .name_key();
                let clean = role_part == *role;
                requests.push(NameRequest { key, base, clean });
            }
        }
        allocate(requests, "-")
    }

    fn variants(&self) -> impl Iterator<Item = (&str, &str, usize)> {
        self.roles
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|((kind, role), v)| (*kind, role.as_str(), v.len()))
    }
}

fn kind_label(role: &DesiredRole) -> &'static str {
    match role.kind {
        RoleKind::Hub { .. } => "hub",
        RoleKind::Spoke { .. } => "spoke",
        RoleKind::Direct { .. } => "direct",
    }
}

/// The role resource with the account's own id replaced by `AWS::AccountId`, as compact JSON: two
/// roles with the same text belong to one class.
fn account_independent(role: &DesiredRole, account_id: &str, partition: &str) -> String {
    let mut resource = role_resource(role, &BTreeMap::new());
    with_account_id_parameter(&mut resource, account_id, partition);
    serde_json::to_string(&resource).expect("a JSON value always serialises")
}

/// Strings holding the account id in an ARN become `Fn::Sub` with `${AWS::AccountId}`; a string
/// that is the id becomes `Ref AWS::AccountId`. `Fn::Sub` reads every `${…}`, so IAM policy
/// variables already in the string are escaped as `${!…}`, which it writes back as `${…}`. The
/// partition in those ARNs becomes `${AWS::Partition}` too, as cfn-lint recommends.
fn with_account_id_parameter(value: &mut Value, account_id: &str, partition: &str) {
    match value {
        Value::String(text) if text == account_id => {
            *value = json!({ "Ref": "AWS::AccountId" });
        }
        Value::String(text) if text.contains(&format!(":{account_id}:")) => {
            let sub = text
                .replace("${", "${!")
                .replace(&format!(":{account_id}:"), ":${AWS::AccountId}:")
                .replace(&format!("arn:{partition}:"), "arn:${AWS::Partition}:");
            *value = json!({ "Fn::Sub": sub });
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| with_account_id_parameter(v, account_id, partition)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| with_account_id_parameter(v, account_id, partition)),
        _ => {}
    }
}

/// The OU of every account (the model's, or the organization's when known) but the management
/// accounts, to tell whether a class covers an OU.
struct OuIndex {
    /// (account id, OU path).
    accounts: Vec<(String, Option<String>)>,
}

/// One stack instance target: an OU, whole or narrowed to some of its accounts.
struct InstanceTarget {
    /// `None`: the organization root (accounts the model gives no OU).
    ou: Option<String>,
    /// Account ids, when only some of the OU's accounts are targeted.
    accounts: Option<Vec<String>>,
    /// The ids of the class's accounts the target deploys to.
    members: Vec<String>,
}

impl InstanceTarget {
    fn layout(&self) -> LayoutTarget {
        LayoutTarget {
            ou: self.ou.clone(),
            accounts: self.accounts.clone(),
            members: self.members.clone(),
        }
    }

    fn to_json(&self, region: &str) -> Value {
        let (path, id) = match &self.ou {
            Some(ou) => (ou.clone(), format!("{{{{ou:{ou}}}}}")),
            None => ("(root)".to_owned(), "{{root}}".to_owned()),
        };
        let mut targets = Map::new();
        targets.insert("OrganizationalUnitIds".into(), json!([id]));
        if let Some(accounts) = &self.accounts {
            targets.insert("AccountFilterType".into(), json!("INTERSECTION"));
            targets.insert("Accounts".into(), json!(accounts));
        }
        json!({
            "ou_path": path,
            "DeploymentTargets": Value::Object(targets),
            "Regions": [region],
        })
    }
}

impl OuIndex {
    fn new(model: &Model, options: &StackSetOptions, management: &BTreeSet<&str>) -> Self {
        let skipped: BTreeSet<&str> = model
            .accounts
            .iter()
            .filter(|a| management.contains(a.name.as_str()))
            .map(|a| a.id.as_str())
            .chain(options.management_account_id.as_deref())
            .collect();
        let accounts = match &options.organization_accounts {
            Some(accounts) => accounts.clone(),
            None => model
                .accounts
                .iter()
                .map(|a| (a.id.clone(), a.ou.clone()))
                .collect(),
        };
        Self {
            accounts: accounts
                .into_iter()
                .filter(|(id, _)| !skipped.contains(id.as_str()))
                .collect(),
        }
    }

    fn targets(&self, members: &[&DesiredAccount]) -> Vec<InstanceTarget> {
        let names: BTreeSet<&str> = members.iter().map(|a| a.id.as_str()).collect();
        let class_ous: BTreeSet<&str> = members.iter().filter_map(|a| a.ou.as_deref()).collect();
        let mut whole: Vec<&str> = Vec::new();
        let mut targets = Vec::new();
        for ou in class_ous {
            if whole.iter().any(|w| is_within(ou, w)) {
                continue;
            }
            let covers_all = self
                .accounts
                .iter()
                .filter(|(_, a_ou)| a_ou.as_deref().is_some_and(|a_ou| is_within(a_ou, ou)))
                .all(|(id, _)| names.contains(id.as_str()));
            let within = |a: &&&DesiredAccount| {
                a.ou.as_deref().is_some_and(|a_ou| {
                    if covers_all {
                        is_within(a_ou, ou)
                    } else {
                        a_ou == ou
                    }
                })
            };
            let deployed: Vec<String> = members
                .iter()
                .filter(within)
                .map(|a| a.id.clone())
                .collect();
            if covers_all {
                whole.push(ou);
            }
            targets.push(InstanceTarget {
                ou: Some(ou.to_owned()),
                accounts: (!covers_all).then(|| deployed.clone()),
                members: deployed,
            });
        }
        let rootless: Vec<String> = members
            .iter()
            .filter(|a| a.ou.is_none())
            .map(|a| a.id.clone())
            .collect();
        if !rootless.is_empty() {
            targets.push(InstanceTarget {
                ou: None,
                accounts: Some(rootless.clone()),
                members: rootless,
            });
        }
        targets
    }
}

/// `ou` is `parent` or one of its descendants.
fn is_within(ou: &str, parent: &str) -> bool {
    ou == parent
        || ou
            .strip_prefix(parent)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn notes(
    desired: &DesiredState,
    management: &BTreeSet<&str>,
    classes: &Classes,
    has_metadata: bool,
    options: &StackSetOptions,
) -> Vec<String> {
    let mut notes = Vec::new();
    let named: Vec<&str> = management.iter().copied().collect();
    notes.push(format!(
        "StackSets never deploy to the organization's management account, even when it is in a targeted OU: if the management account is in the model, deploy it with its own stack (a template in accounts/) or with `awsfed apply`. awsfed cannot tell which account is the management account offline{}.",
        if named.is_empty() {
            "; no account is named or tagged `management`".to_owned()
        } else {
            format!(
                "; the model marks {} (named or tagged `management`), which got {} own template in accounts/",
                named.join(", "),
                if named.len() == 1 { "its" } else { "their" }
            )
        }
    ));
    notes.push("OU ids are not known offline: replace each {{ou:PATH}} in stacksets.json with the id (ou-…) of the OU at PATH, and {{root}} with the organization root's id (r-…); `aws organizations list-organizational-units-for-parent` lists them.".to_owned());
    notes.push("A stack instance target without an account filter deploys to every account in the OU and its child OUs, including accounts the model does not list and accounts that join later (automatic deployment is on, and stacks are deleted when an account leaves). Targets with AccountFilterType INTERSECTION deploy to the listed accounts only; new accounts in those OUs need a new export.".to_owned());
    notes.push(format!(
        "Deploy in `order`: first the hub accounts' stacks and the SAML provider StackSet, then the role StackSets (spoke trusts name hub roles, direct trusts name the provider, and IAM rejects a trust that names a principal that does not exist). Create stack instances in one region only ({}): IAM is global, and a second region would try to create the same roles again. Service-managed StackSets need trusted access with AWS Organizations and run from the management account or a delegated administrator; each needs the CAPABILITY_NAMED_IAM capability.",
        options.region
    ));
    let variants: Vec<String> = classes
        .variants()
        .map(|(kind, role, n)| format!("the {kind} role {role} ({n} StackSets)"))
        .collect();
    if !variants.is_empty() {
        notes.push(format!(
            "Some roles differ between accounts (different groups reach them, so their trusts name different hub roles) and are split into several StackSets: {}. The StackSet names carry a hash of the template; when grants change, accounts can move between these StackSets, so review the change before deploying it.",
            variants.join(", ")
        ));
    }
    if !has_metadata && !classes.provider.is_empty() {
        notes.push(format!(
            "The model names no SAML metadata file: set the parameter {} of the awsfed-saml-provider StackSet (placeholder {{{{saml-metadata-xml}}}}) to the metadata XML; a parameter value is at most 4,096 bytes.",
            super::cloudformation::METADATA_PARAMETER
        ));
    }
    if desired
        .accounts
        .iter()
        .any(|a| a.ou.is_none() && !is_empty(a))
    {
        notes.push("Accounts without an OU in the model are targeted through the organization root with an account filter.".to_owned());
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;

    fn manifest(export: &Export) -> Value {
        serde_json::from_str(
            &export
                .files
                .iter()
                .find(|f| f.path == "stacksets.json")
                .expect("manifest")
                .contents,
        )
        .expect("valid JSON")
    }

    #[test]
    fn snapshot() {
        let export = stacksets(
            &fixture::desired(),
            &fixture::model(true),
            &StackSetOptions::default(),
        );
        let paths: Vec<&str> = export.files.iter().map(|f| f.path.as_str()).collect();
        insta::assert_json_snapshot!("paths", paths);
        for file in &export.files {
            insta::assert_snapshot!(file.path.replace('/', "__"), file.contents);
        }
    }

    #[test]
    fn direct_roles_share_a_class_across_accounts() {
        let export = stacksets(
            &fixture::desired(),
            &fixture::model(true),
            &StackSetOptions::default(),
        );
        let manifest = manifest(&export);
        let read_only = manifest["stack_sets"]
            .as_array()
            .expect("list")
            .iter()
            .find(|s| s["name"] == "awsfed-direct-ReadOnly")
            .expect("one StackSet for the direct ReadOnly roles");
        assert_eq!(read_only["accounts"], json!(["prod", "sandbox"]));
        // prod is alone in its OU: the whole OU. sandbox shares Workloads/Dev with spoke accounts.
        assert_eq!(
            read_only["stack_instances"],
            json!([
                {
                    "ou_path": "Workloads/Dev",
                    "DeploymentTargets": {
                        "OrganizationalUnitIds": ["{{ou:Workloads/Dev}}"],
                        "AccountFilterType": "INTERSECTION",
                        "Accounts": ["444444444444"]
                    },
                    "Regions": ["us-east-1"]
                },
                {
                    "ou_path": "Workloads/Prod",
                    "DeploymentTargets": { "OrganizationalUnitIds": ["{{ou:Workloads/Prod}}"] },
                    "Regions": ["us-east-1"]
                }
            ])
        );
        let template: Value = serde_json::from_str(
            &export
                .files
                .iter()
                .find(|f| f.path == "stacksets/awsfed-direct-ReadOnly.template.json")
                .expect("template")
                .contents,
        )
        .expect("valid JSON");
        let role = &template["Resources"]["RoleReadOnly"]["Properties"];
        assert_eq!(
            role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Federated"],
            json!({ "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:saml-provider/corp" })
        );
        // A policy variable next to the account id is escaped for Fn::Sub.
        assert_eq!(
            role["Policies"][0]["PolicyDocument"]["Statement"][0]["Resource"][1],
            json!({ "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:*:${AWS::AccountId}:secret:private/${!aws:PrincipalTag/team}/*" })
        );
    }

    #[test]
    fn hubs_and_marked_management_accounts_get_plain_stacks() {
        let export = stacksets(
            &fixture::desired(),
            &fixture::model(true),
            &StackSetOptions::default(),
        );
        let manifest = manifest(&export);
        let stacks: Vec<&str> = manifest["account_stacks"]
            .as_array()
            .expect("list")
            .iter()
            .map(|s| s["account"].as_str().expect("name"))
            .collect();
        assert_eq!(stacks, ["identity", "management"]);
        assert!(export.notes[0].contains("management"));
        // No StackSet targets a hub account or the marked management account.
        for set in manifest["stack_sets"].as_array().expect("list") {
            let accounts = set["accounts"].as_array().expect("list");
            assert!(
                !accounts.contains(&json!("identity")) && !accounts.contains(&json!("management"))
            );
        }
    }

    #[test]
    fn spoke_roles_reached_by_different_groups_split_into_classes() {
        let export = stacksets(
            &fixture::desired(),
            &fixture::model(true),
            &StackSetOptions::default(),
        );
        let manifest = manifest(&export);
        let spoke_admin: Vec<&Value> = manifest["stack_sets"]
            .as_array()
            .expect("list")
            .iter()
            .filter(|s| s["class"] == json!({ "kind": "spoke", "role": "Admin" }))
            .collect();
        assert_eq!(spoke_admin.len(), 2);
        for set in spoke_admin {
            let name = set["name"].as_str().expect("name");
            assert!(
                name.starts_with("awsfed-spoke-Admin-") && name.len() == 27,
                "{name}"
            );
        }
    }

    #[test]
    fn ou_targets_cover_child_ous_once() {
        let accounts = [
            ("a", Some("W")),
            ("b", Some("W/X")),
            ("c", Some("W/Y")),
            ("d", Some("V")),
            ("e", None),
        ];
        let index = OuIndex {
            accounts: accounts
                .iter()
                .map(|(n, o)| (format!("{n}-id"), o.map(str::to_owned)))
                .collect(),
        };
        let desired: Vec<DesiredAccount> = accounts
            .iter()
            .map(|(name, ou)| DesiredAccount {
                name: (*name).to_owned(),
                id: format!("{name}-id"),
                topology: awsfed_model::TopologyKind::Direct,
                ou: ou.map(str::to_owned),
                region: None,
                hubs: Vec::new(),
                hub: None,
                saml_provider: None,
                roles: Vec::new(),
                policies: Vec::new(),
                iam_users: None,
            })
            .collect();
        // Everything under W: W whole, its children not repeated.
        let members: Vec<&DesiredAccount> = desired[..3].iter().collect();
        let targets = index.targets(&members);
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].ou.as_deref(), Some("W"));
        assert!(targets[0].accounts.is_none());
        // W without W/Y: W narrowed to a, W/X whole; e through the root.
        let members: Vec<&DesiredAccount> = [&desired[0], &desired[1], &desired[4]]
            .into_iter()
            .collect();
        let targets = index.targets(&members);
        let shape: Vec<(Option<&str>, Option<Vec<String>>)> = targets
            .iter()
            .map(|t| (t.ou.as_deref(), t.accounts.clone()))
            .collect();
        assert_eq!(
            shape,
            [
                (Some("W"), Some(vec!["a-id".to_owned()])),
                (Some("W/X"), None),
                (None, Some(vec!["e-id".to_owned()])),
            ]
        );
        assert!(is_within("W/X", "W") && !is_within("WX", "W"));
    }

    #[test]
    fn templates_pass_cfn_lint() {
        for with_metadata in [true, false] {
            let export = stacksets(
                &fixture::desired(),
                &fixture::model(with_metadata),
                &StackSetOptions::default(),
            );
            fixture::cfn_lint(&export.files);
        }
    }
}
