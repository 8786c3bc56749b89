//! Raw model → validated [`Model`]: every reference resolved, every default filled in, every rule
//! that can be checked without compiling checked. Quota rules that depend on the compiled policies
//! (trust and policy sizes) live in the compiler.

use std::collections::{BTreeMap, BTreeSet};

use crate::account_hubs;
use crate::duration::parse_duration;
use crate::identity_center::{self, CustomerManagedPolicy};
use crate::message::{
    AccountsMessage, GroupsMessage, NamingMessage, PermissionSetsMessage, PolicyArnProblem,
    RoleKind, SettingsMessage, UnfitSource,
};
use crate::metadata::idp_entity_id;
use crate::model::{
    Account, BrowserSignIn, Discover, Grant, Group, Hub, IdentityProvider, Model, PermissionSet,
    ProviderMetadata, Quotas, defaults, role_name_safe,
};
use crate::naming;
use crate::raw::{
    IdentitySource, RawDiscover, RawGrant, RawIdentityProvider, RawModel, RawOrganization,
    TagValues, TopologyKind,
};
use crate::selector::{closest, select};
use crate::{Code, Diagnostic, Diagnostics, Span, Spanned};
use awsfed_policy::{Arn, ArnError};

/// Reads the IdP metadata file named in the model (a path relative to the model file) and returns its
/// text, or a message saying why it cannot.
pub type ReadMetadata<'a> = dyn FnMut(&str) -> Result<String, String> + 'a;

/// Resolves and validates. The model is returned when there is no error; warnings may accompany it.
pub fn resolve(raw: &RawModel, read_metadata: &mut ReadMetadata) -> (Option<Model>, Diagnostics) {
    let mut d = Diagnostics::default();
    check_version(raw, &mut d);
    let partition = partition(raw, &mut d);
    let naming = naming::naming(raw, &mut d);
    let quotas = quotas(raw, &mut d);
    let identity_provider = raw
        .identity_provider
        .as_ref()
        .map(|idp| identity_provider(idp, read_metadata, &mut d));
    let identity_center = raw
        .identity_center
        .as_ref()
        .map(|section| identity_center::identity_center(section, &partition, &mut d));
    let organization_id = raw
        .organization
        .as_ref()
        .map(|o| organization_id(o, &mut d));
    let mut accounts = accounts(raw, &mut d);
    let hubs = hubs(raw, &accounts, &mut d);
    account_hubs::assign(raw, &mut accounts, &hubs, &mut d);
    let permission_sets = permission_sets(raw, &partition, &mut d);
    let groups = groups(raw, &accounts, &permission_sets, &hubs, &mut d);
    let iam_users = raw.iam_users.as_ref().and_then(|section| {
        let default_hub = match &raw.topology.default_hub {
            Some(name) => hubs.iter().position(|h| h.name == name.value),
            None => (hubs.len() == 1).then_some(0),
        };
        crate::iam_users::iam_users(section, &naming, &hubs, default_hub, &groups, &mut d)
    });
    let allow_warnings = allow_warnings(raw, &mut d);

    let model = Model {
        partition,
        identity_provider,
        identity_center,
        iam_users,
        organization_id,
        organization_complete: raw.organization.as_ref().is_some_and(|o| o.complete),
        naming,
        quotas,
        hubs,
        accounts,
        permission_sets,
        groups,
        allow_warnings,
        discover: raw
            .discover
            .as_ref()
            .map(|section| discover(section, &mut d)),
        stack_sets: raw
            .stack_sets
            .as_ref()
            .map(|section| crate::stack_sets::stack_sets(section, &mut d))
            .unwrap_or_default(),
    };
    identity_center::check(
        &model,
        raw.identity_provider.as_ref().map(|idp| idp.name.span),
        raw.topology.default.span,
        &mut d,
    );
    check_topology(raw, &model, &mut d);
    account_hubs::check(&model, &mut d);
    check_role_names(&model, &mut d);
    naming::check_role_name_collisions(&model, &mut d);
    check_chained_sessions(&model, &mut d);
    d.sort();
    if d.has_errors() {
        (None, d)
    } else {
        (Some(model), d)
    }
}

fn check_version(raw: &RawModel, d: &mut Diagnostics) {
    if raw.version.value != 1 {
        d.push(
            Diagnostic::of(&SettingsMessage::UnsupportedVersion {
                version: raw.version.value,
            })
            .at(raw.version.span),
        );
    }
}

fn partition(raw: &RawModel, d: &mut Diagnostics) -> String {
    match &raw.partition {
        None => "aws".to_owned(),
        Some(p) if ["aws", "aws-cn", "aws-us-gov"].contains(&p.value.as_str()) => p.value.clone(),
        Some(p) => {
            d.push(
                Diagnostic::of(&SettingsMessage::UnknownPartition {
                    partition: p.value.clone(),
                })
                .at(p.span),
            );
            "aws".to_owned()
        }
    }
}

fn organization_id(o: &RawOrganization, d: &mut Diagnostics) -> String {
    let valid = o.id.value.len() >= 12
        && o.id.value.len() <= 34
        && o.id.value.starts_with("o-")
        && o.id.value[2..]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !valid {
        d.push(
            Diagnostic::of(&SettingsMessage::MalformedOrganizationId {
                id: o.id.value.clone(),
            })
            .at(o.id.span),
        );
    }
    o.id.value.clone()
}

fn quotas(raw: &RawModel, d: &mut Diagnostics) -> Quotas {
    let mut quotas = Quotas::default();
    let mut read = |value: &Option<Spanned<usize>>, default: usize, max: usize, quota| {
        let Some(value) = value else { return default };
        if value.value < default || value.value > max {
            d.push(
                Diagnostic::of(&SettingsMessage::QuotaOutOfRange {
                    quota,
                    value: value.value,
                    default,
                    max,
                })
                .at(value.span),
            );
            return default;
        }
        value.value
    };
    quotas.trust_policy_size = read(
        &raw.quotas.trust_policy_size,
        defaults::TRUST_POLICY_SIZE,
        defaults::TRUST_POLICY_SIZE_MAX,
        "trust policy size",
    );
    quotas.managed_policies_per_role = read(
        &raw.quotas.managed_policies_per_role,
        defaults::MANAGED_POLICIES_PER_ROLE,
        defaults::MANAGED_POLICIES_PER_ROLE_MAX,
        "managed policies per role",
    );
    quotas.roles_per_account = read(
        &raw.quotas.roles_per_account,
        defaults::ROLES_PER_ACCOUNT,
        defaults::ROLES_PER_ACCOUNT_MAX,
        "roles per account",
    );
    quotas
}

fn identity_provider(
    idp: &RawIdentityProvider,
    read_metadata: &mut ReadMetadata,
    d: &mut Diagnostics,
) -> IdentityProvider {
    let name = &idp.name;
    check_provider_name(name, d);
    let metadata = idp
        .metadata_file
        .as_ref()
        .and_then(|file| provider_metadata(file, read_metadata, d));
    let session_name_from = idp
        .session_name_from
        .as_ref()
        .map_or(IdentitySource::Email, |s| s.value);
    check_identity_source(
        idp.session_name_from.as_ref(),
        "RoleSessionName",
        idp.name.span,
        d,
    );
    let source_identity = source_identity(idp, session_name_from, d);
    let session_tags = session_tags(&idp.session_tags, d);
    let mut audiences = audiences(&idp.audiences, d);
    let browser_sign_in = idp
        .browser_sign_in
        .as_ref()
        .and_then(|browser| browser_sign_in(&browser.port, d));
    if let Some(browser) = browser_sign_in {
        audiences.push(browser.audience());
    }
    audiences.sort();
    audiences.dedup();
    IdentityProvider {
        name: name.value.clone(),
        metadata,
        session_name_from,
        source_identity,
        session_tags,
        audiences,
        span: name.span,
        audiences_span: idp.audiences.first().map_or(name.span, |a| a.span),
        browser_sign_in,
    }
}

fn check_provider_name(name: &Spanned<String>, d: &mut Diagnostics) {
    if name.value.is_empty()
        || name.value.len() > 128
        || !name
            .value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        d.push(
            Diagnostic::of(&SettingsMessage::MalformedProviderName {
                name: name.value.clone(),
            })
            .at(name.span),
        );
    }
}

/// The IdP metadata file the model names, read and checked to be SAML IdP metadata.
fn provider_metadata(
    file: &Spanned<String>,
    read_metadata: &mut ReadMetadata,
    d: &mut Diagnostics,
) -> Option<ProviderMetadata> {
    match read_metadata(&file.value) {
        Err(why) => {
            d.push(
                Diagnostic::of(&SettingsMessage::UnreadableMetadata {
                    file: file.value.clone(),
                    why,
                })
                .at(file.span),
            );
            None
        }
        Ok(document) => match idp_entity_id(&document) {
            Ok(entity_id) => Some(ProviderMetadata {
                file: file.value.clone(),
                entity_id,
                document,
            }),
            Err(why) => {
                d.push(
                    Diagnostic::of(&SettingsMessage::NotSamlMetadata {
                        file: file.value.clone(),
                        why,
                    })
                    .at(file.span),
                );
                None
            }
        },
    }
}

/// Where SourceIdentity comes from when `source_identity` is true (default: the session name's
/// source).
fn source_identity(
    idp: &RawIdentityProvider,
    session_name_from: IdentitySource,
    d: &mut Diagnostics,
) -> Option<IdentitySource> {
    match &idp.source_identity {
        Some(s) if s.value => {
            check_identity_source(
                idp.source_identity_from
                    .as_ref()
                    .or(idp.session_name_from.as_ref()),
                "SourceIdentity",
                s.span,
                d,
            );
            Some(
                idp.source_identity_from
                    .as_ref()
                    .map_or(session_name_from, |s| s.value),
            )
        }
        _ => {
            if let Some(from) = &idp.source_identity_from {
                d.push(Diagnostic::of(&SettingsMessage::UnusedSourceIdentityFrom).at(from.span));
            }
            None
        }
    }
}

/// The session tag keys, sorted, each checked against STS's rules.
fn session_tags(tags: &[Spanned<String>], d: &mut Diagnostics) -> Vec<String> {
    let mut session_tags = Vec::new();
    for tag in tags {
        if tag.value.is_empty() || tag.value.len() > 128 || tag.value.starts_with("aws:") {
            d.push(
                Diagnostic::of(&SettingsMessage::MalformedTagKey {
                    key: tag.value.clone(),
                })
                .at(tag.span),
            );
        }
        session_tags.push(tag.value.clone());
    }
    if session_tags.len() > 50 {
        d.push(
            Diagnostic::of(&SettingsMessage::TooManySessionTags {
                count: session_tags.len(),
            })
            .at(tags[50].span),
        );
    }
    session_tags.sort();
    session_tags
}

/// The SAML audiences as written (the global sign-in endpoint when none is), each checked to be
/// an AWS sign-in endpoint.
fn audiences(written: &[Spanned<String>], d: &mut Diagnostics) -> Vec<String> {
    let mut audiences: Vec<String> = Vec::new();
    for audience in written {
        if !awsfed_policy::is_sign_in_endpoint(&audience.value) {
            d.push(
                Diagnostic::of(&SettingsMessage::UnknownAudience {
                    audience: audience.value.clone(),
                })
                .at(audience.span),
            );
        }
        if audiences.contains(&audience.value) {
            d.push(
                Diagnostic::of(&SettingsMessage::DuplicateAudience {
                    audience: audience.value.clone(),
                })
                .at(audience.span),
            );
        }
        audiences.push(audience.value.clone());
    }
    if audiences.is_empty() {
        audiences.push(defaults::GLOBAL_SIGN_IN_AUDIENCE.to_owned());
    }
    audiences
}

/// Ports under 1024 need root to listen on, and `awsfed login` runs as the user.
fn browser_sign_in(port: &Spanned<u32>, d: &mut Diagnostics) -> Option<BrowserSignIn> {
    match u16::try_from(port.value) {
        Ok(value) if value >= 1024 => Some(BrowserSignIn { port: value }),
        _ => {
            d.push(
                Diagnostic::of(&SettingsMessage::BrowserPortOutOfRange { port: port.value })
                    .at(port.span),
            );
            None
        }
    }
}

/// RoleSessionName and SourceIdentity must be 2–64 characters of `[\w+=,.@-]`
/// (AssumeRoleWithSAML API reference); sign-in fails for a user whose value breaks that.
fn check_identity_source(
    source: Option<&Spanned<IdentitySource>>,
    attribute: &'static str,
    fallback: Span,
    d: &mut Diagnostics,
) {
    let (value, span) = source.map_or((IdentitySource::Email, fallback), |s| (s.value, s.span));
    if let Some(source) = UnfitSource::of(value) {
        d.push(Diagnostic::of(&SettingsMessage::SessionNameSource { attribute, source }).at(span));
    }
}

fn accounts(raw: &RawModel, d: &mut Diagnostics) -> Vec<Account> {
    let ou_topologies = ou_topologies(raw, d);
    let mut seen_ids: BTreeMap<&str, &str> = BTreeMap::new();
    let mut accounts = Vec::new();
    for (name, account) in &raw.accounts {
        if name.value.is_empty()
            || name.value.contains('#')
            || name.value.contains('/')
            || name.value.trim() != name.value
        {
            d.push(
                Diagnostic::of(&AccountsMessage::MalformedAccountName {
                    name: name.value.clone(),
                })
                .at(name.span),
            );
        }
        let id = &account.id;
        if id.value.len() != 12 || !id.value.chars().all(|c| c.is_ascii_digit()) {
            d.push(
                Diagnostic::of(&AccountsMessage::MalformedAccountId {
                    id: id.value.clone(),
                })
                .at(id.span),
            );
        } else if let Some(other) = seen_ids.insert(&id.value, &name.value) {
            d.push(
                Diagnostic::of(&AccountsMessage::DuplicateAccountId {
                    id: id.value.clone(),
                    first: (*other).to_owned(),
                    second: name.value.clone(),
                })
                .at(id.span),
            );
        }
        let mut tags = BTreeMap::new();
        for (key, value) in &account.tags {
            if key.value.is_empty() || key.value.len() > 128 || value.value.len() > 256 {
                d.push(
                    Diagnostic::of(&AccountsMessage::MalformedTag {
                        key: key.value.clone(),
                    })
                    .at(key.span),
                );
            }
            tags.insert(key.value.clone(), value.value.clone());
        }
        let ou = account
            .ou
            .as_ref()
            .map(|ou| ou.value.trim_matches('/').to_owned());
        let topology = account.topology.as_ref().map_or_else(
            || {
                identity_center::by_deepest_ou(&ou_topologies, ou.as_deref())
                    .unwrap_or(raw.topology.default.value)
            },
            |t| t.value,
        );
        let region = account
            .region
            .as_ref()
            .or(raw.default_region.as_ref())
            .map(|region| checked_region(region, d));
        accounts.push(Account {
            name: name.value.clone(),
            id: id.value.clone(),
            tags,
            ou,
            topology,
            hub: None,
            region,
            description: account.description.clone(),
            span: name.span,
        });
    }
    accounts
}

/// A Region code such as `eu-west-1` (the rule of `awsfed_policy::is_region_code`), reported
/// where it is written when it is not one, so a typo does not reach every profile.
fn checked_region(region: &Spanned<String>, d: &mut Diagnostics) -> String {
    let well_formed = awsfed_policy::is_region_code(&region.value);
    if !well_formed {
        d.push(
            Diagnostic::of(&AccountsMessage::MalformedRegion {
                region: region.value.clone(),
            })
            .at(region.span),
        );
    }
    region.value.clone()
}

/// The codes under `allow_warnings`; a name that is no code is an error that names the nearest one.
fn allow_warnings(raw: &RawModel, d: &mut Diagnostics) -> BTreeSet<Code> {
    let mut codes = BTreeSet::new();
    for name in &raw.allow_warnings {
        match name.value.parse::<Code>() {
            Ok(code) => {
                codes.insert(code);
            }
            Err(unknown) => d.push(
                Diagnostic::of(&SettingsMessage::UnknownCode {
                    name: name.value.clone(),
                    nearest: unknown.nearest,
                })
                .at(name.span),
            ),
        }
    }
    codes
}

/// An OU path as written (`Workloads/Dev`, surrounding slashes allowed), without the slashes.
pub(crate) fn ou_path(ou: &Spanned<String>, d: &mut Diagnostics) -> Option<String> {
    let path = ou.value.trim_matches('/');
    if path.is_empty() || path.split('/').any(str::is_empty) {
        d.push(
            Diagnostic::of(&AccountsMessage::MalformedOu {
                ou: ou.value.clone(),
            })
            .at(ou.span),
        );
        return None;
    }
    Some(path.to_owned())
}

/// `topology.ous`, with the OU paths trimmed of surrounding slashes.
fn ou_topologies(raw: &RawModel, d: &mut Diagnostics) -> Vec<(String, TopologyKind)> {
    let mut ous = Vec::new();
    for (ou, topology) in &raw.topology.ous {
        if let Some(path) = ou_path(ou, d) {
            ous.push((path, topology.value));
        }
    }
    ous
}

fn hubs(raw: &RawModel, accounts: &[Account], d: &mut Diagnostics) -> Vec<Hub> {
    let topology = &raw.topology;
    let mut hubs = Vec::new();
    let mut add = |hub: String, account: &Spanned<String>, d: &mut Diagnostics| match accounts
        .binary_search_by(|a| a.name.as_str().cmp(&account.value))
    {
        Ok(index) => hubs.push(Hub {
            name: hub,
            account: index,
            span: account.span,
        }),
        Err(_) => d.push(
            Diagnostic::of(&AccountsMessage::UnknownHubAccount {
                account: account.value.clone(),
                closest: closest(&account.value, accounts.iter().map(|a| a.name.as_str()))
                    .map(str::to_owned),
            })
            .at(account.span),
        ),
    };
    if let Some(hub_account) = &topology.hub_account {
        if !topology.hubs.is_empty() {
            d.push(Diagnostic::of(&AccountsMessage::ConflictingHubs).at(hub_account.span));
        }
        add("default".to_owned(), hub_account, d);
    }
    for (name, account) in &topology.hubs {
        add(name.value.clone(), account, d);
    }
    hubs.sort_by(|a, b| a.name.cmp(&b.name));
    hubs
}

fn permission_sets(raw: &RawModel, partition: &str, d: &mut Diagnostics) -> Vec<PermissionSet> {
    let mut sets = Vec::new();
    for (name, set) in &raw.permission_sets {
        let mut managed_policies: Vec<(String, Span)> = Vec::new();
        for arn in &set.managed_policies {
            if let Err(problem) = check_policy_arn(&arn.value, partition) {
                d.push(
                    Diagnostic::of(&PermissionSetsMessage::MalformedManagedPolicyArn {
                        arn: arn.value.clone(),
                        problem,
                        partition: partition.to_owned(),
                    })
                    .at(arn.span),
                );
            }
            if managed_policies
                .iter()
                .any(|(known, _)| known == &arn.value)
            {
                d.push(
                    Diagnostic::of(&PermissionSetsMessage::DuplicatePolicy {
                        policy: arn.value.clone(),
                    })
                    .at(arn.span),
                );
            }
            managed_policies.push((arn.value.clone(), arn.span));
        }
        managed_policies.sort();
        managed_policies.dedup_by(|a, b| a.0 == b.0);
        let (managed_policies, managed_policy_spans) = managed_policies.into_iter().unzip();
        let customer_managed_policies =
            customer_managed_policies(&set.customer_managed_policies, d);
        if let Some(boundary) = &set.permissions_boundary
            && let Err(problem) = check_policy_arn(&boundary.value, partition)
        {
            d.push(
                Diagnostic::of(&PermissionSetsMessage::MalformedBoundaryArn {
                    arn: boundary.value.clone(),
                    problem,
                })
                .at(boundary.span),
            );
        }
        let (session_duration, session_duration_span) = match &set.session_duration {
            None => (defaults::MIN_SESSION_SECONDS, name.span),
            Some(text) => match parse_duration(&text.value) {
                Err(why) => {
                    d.push(
                        Diagnostic::of(&PermissionSetsMessage::MalformedDuration { why })
                            .at(text.span),
                    );
                    (defaults::MIN_SESSION_SECONDS, text.span)
                }
                Ok(seconds)
                    if !(defaults::MIN_SESSION_SECONDS..=defaults::MAX_SESSION_SECONDS)
                        .contains(&seconds) =>
                {
                    d.push(
                        Diagnostic::of(&PermissionSetsMessage::SessionDurationOutOfRange {
                            seconds,
                        })
                        .at(text.span),
                    );
                    (
                        seconds.clamp(defaults::MIN_SESSION_SECONDS, defaults::MAX_SESSION_SECONDS),
                        text.span,
                    )
                }
                Ok(seconds) => (seconds, text.span),
            },
        };
        sets.push(PermissionSet {
            name: name.value.clone(),
            description: set.description.clone(),
            managed_policies,
            managed_policy_spans,
            customer_managed_policies,
            inline_policy: set.inline_policy.as_ref().map(|p| p.value.0.clone()),
            inline_policy_span: set.inline_policy.as_ref().map_or(name.span, |p| p.span),
            permissions_boundary: set.permissions_boundary.as_ref().map(|b| b.value.clone()),
            session_duration,
            relay_state: set.relay_state.as_ref().map(|r| r.value.clone()),
            relay_state_span: set.relay_state.as_ref().map_or(name.span, |r| r.span),
            span: name.span,
            session_duration_span,
        });
    }
    sets
}

/// `customer_managed_policies`: `Name` or `/path/Name`, sorted, without duplicates.
fn customer_managed_policies(
    written: &[Spanned<String>],
    d: &mut Diagnostics,
) -> Vec<CustomerManagedPolicy> {
    let mut policies = Vec::new();
    for text in written {
        match CustomerManagedPolicy::parse(&text.value) {
            Ok(policy) if policies.contains(&policy) => d.push(
                Diagnostic::of(&PermissionSetsMessage::DuplicatePolicy {
                    policy: text.value.clone(),
                })
                .at(text.span),
            ),
            Ok(policy) => policies.push(policy),
            Err(why) => d.push(
                Diagnostic::of(&PermissionSetsMessage::MalformedPolicyReference {
                    reference: text.value.clone(),
                    why,
                })
                .at(text.span),
            ),
        }
    }
    policies.sort();
    policies
}

/// `arn:PARTITION:iam::aws|ACCOUNT:policy/[PATH/]NAME`.
fn check_policy_arn(arn: &str, partition: &str) -> Result<(), PolicyArnProblem> {
    let [arn_partition, service, region, account, resource] = match Arn::split(arn) {
        Ok(parts) => parts,
        Err(ArnError::MissingPrefix { .. }) => return Err(PolicyArnProblem::MissingPrefix),
        Err(ArnError::TooFewParts { .. }) => return Err(PolicyArnProblem::TooFewParts),
        Err(ArnError::EmptyPart { part, .. }) => return Err(PolicyArnProblem::EmptyPart(part)),
    };
    if arn_partition != partition {
        return Err(PolicyArnProblem::OtherPartition {
            found: arn_partition.to_owned(),
            model: partition.to_owned(),
        });
    }
    if service != "iam" || !region.is_empty() {
        return Err(PolicyArnProblem::NotIam);
    }
    if account != "aws" && (account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit())) {
        return Err(PolicyArnProblem::MalformedAccount(account.to_owned()));
    }
    let Some(name) = resource.strip_prefix("policy/") else {
        return Err(PolicyArnProblem::NotPolicy);
    };
    if name.is_empty() || name.ends_with('/') || name.contains("//") {
        return Err(PolicyArnProblem::MissingName);
    }
    Ok(())
}

fn groups(
    raw: &RawModel,
    accounts: &[Account],
    sets: &[PermissionSet],
    hubs: &[Hub],
    d: &mut Diagnostics,
) -> Vec<Group> {
    let default_hub = default_hub(raw, hubs, d);
    let mut groups = Vec::new();
    let mut hub_role_names: BTreeMap<String, &str> = BTreeMap::new();
    for (name, group) in &raw.groups {
        let hub = match group.hub() {
            None => default_hub,
            Some(hub) => named_hub(hub, hubs, d),
        };
        let safe = role_name_safe(&name.value);
        if let Some(other) = hub_role_names.insert(safe.clone(), &name.value) {
            d.push(
                Diagnostic::of(&GroupsMessage::HubRoleNameCollision {
                    first: (*other).to_owned(),
                    second: name.value.clone(),
                    name: safe,
                })
                .at(name.span),
            );
        }
        let grants = grants(name, group.grants(), accounts, sets, d);
        if grants.is_empty() && !d.has_errors() {
            d.push(
                Diagnostic::of(&GroupsMessage::GroupWithoutGrants {
                    group: name.value.clone(),
                })
                .at(name.span),
            );
        }
        groups.push(Group {
            name: name.value.clone(),
            description: match group {
                crate::raw::RawGroup::Detailed(details) => details.description.clone(),
                _ => None,
            },
            hub,
            grants,
            span: name.span,
        });
    }
    groups
}

/// The hub of groups that name none: `topology.default_hub`, or the only hub.
fn default_hub(raw: &RawModel, hubs: &[Hub], d: &mut Diagnostics) -> Option<usize> {
    match (&raw.topology.default_hub, hubs.len()) {
        (Some(name), _) => match hubs.iter().position(|h| h.name == name.value) {
            Some(index) => Some(index),
            None => {
                d.push(
                    Diagnostic::of(&GroupsMessage::UnknownDefaultHub {
                        hub: name.value.clone(),
                        hubs: hubs.iter().map(|h| h.name.clone()).collect(),
                    })
                    .at(name.span),
                );
                None
            }
        },
        (None, 1) => Some(0),
        (None, _) => None,
    }
}

/// The hub a group names.
fn named_hub(hub: &Spanned<String>, hubs: &[Hub], d: &mut Diagnostics) -> Option<usize> {
    let index = hubs.iter().position(|h| h.name == hub.value);
    if index.is_none() {
        d.push(
            Diagnostic::of(&GroupsMessage::UnknownGroupHub {
                hub: hub.value.clone(),
                closest: closest(&hub.value, hubs.iter().map(|h| h.name.as_str()))
                    .map(str::to_owned),
            })
            .at(hub.span),
        );
    }
    index
}

/// A group's grants: each permission set looked up, each selector resolved, overlaps warned of.
fn grants(
    group: &Spanned<String>,
    written: &[RawGrant],
    accounts: &[Account],
    sets: &[PermissionSet],
    d: &mut Diagnostics,
) -> Vec<Grant> {
    let mut grants: Vec<Grant> = Vec::new();
    for grant in written {
        let permission_set = permission_set_index(&grant.permission_set, sets, d);
        let selected = select(&grant.accounts, accounts, d);
        let Some(permission_set) = permission_set else {
            continue;
        };
        if let Some(previous) = grants.iter().find(|g| {
            g.permission_set == permission_set && g.accounts.iter().any(|a| selected.contains(a))
        }) {
            d.push(
                Diagnostic::of(&GroupsMessage::OverlappingGrants {
                    group: group.value.clone(),
                    set: grant.permission_set.value.clone(),
                    previous_line: previous.span.line,
                })
                .at(grant.accounts.span),
            );
        }
        grants.push(Grant {
            accounts: selected,
            permission_set,
            ous: crate::selector::ou_only(&grant.accounts.value),
            span: grant.accounts.span,
        });
    }
    grants
}

/// The index in `sets` (sorted by name) of the permission set a grant names.
fn permission_set_index(
    name: &Spanned<String>,
    sets: &[PermissionSet],
    d: &mut Diagnostics,
) -> Option<usize> {
    let found = sets.binary_search_by(|s| s.name.as_str().cmp(&name.value));
    if found.is_err() {
        d.push(
            Diagnostic::of(&GroupsMessage::UnknownPermissionSet {
                set: name.value.clone(),
                closest: closest(&name.value, sets.iter().map(|s| s.name.as_str()))
                    .map(str::to_owned),
            })
            .at(name.span),
        );
    }
    found.ok()
}

fn check_topology(raw: &RawModel, model: &Model, d: &mut Diagnostics) {
    let hub_and_spoke_grants = model
        .groups
        .iter()
        .flat_map(|g| g.grants.iter().map(move |grant| (g, grant)))
        .filter(|(_, grant)| {
            grant
                .accounts
                .iter()
                .any(|&a| model.accounts[a].topology == TopologyKind::HubAndSpoke)
        });
    for (group, grant) in hub_and_spoke_grants {
        if group.hub.is_none() {
            let group_name = group.name.clone();
            let diagnostic = if model.hubs.is_empty() {
                Diagnostic::of(&GroupsMessage::NoHubAccount { group: group_name })
                    .at(raw.topology.default.span)
            } else {
                Diagnostic::of(&GroupsMessage::GroupWithoutHub { group: group_name }).at(group.span)
            };
            d.push(diagnostic);
            break;
        }
        let _ = grant;
    }
    if model.hubs.is_empty()
        && raw.topology.default.value == TopologyKind::HubAndSpoke
        && !model.groups.iter().any(|g| !g.grants.is_empty())
    {
        d.push(Diagnostic::of(&GroupsMessage::DefaultWithoutHub).at(raw.topology.default.span));
    }
}

fn check_role_names(model: &Model, d: &mut Diagnostics) {
    let check = |path: &str, name: String, span: Span, role: RoleKind, d: &mut Diagnostics| {
        if name.len() > defaults::ROLE_NAME_LENGTH {
            d.push(Diagnostic::of(&NamingMessage::RoleNameTooLong { role, name }).at(span));
        } else if path.len() + name.len() > defaults::SWITCH_ROLE_PATH_AND_NAME {
            d.push(
                Diagnostic::of(&NamingMessage::SwitchRoleTooLong {
                    role,
                    path: path.to_owned(),
                    name,
                })
                .at(span),
            );
        }
    };
    for set in &model.permission_sets {
        check(
            &model.naming.role_path,
            model.naming.role_name(&set.name),
            set.span,
            RoleKind::PermissionSet,
            d,
        );
    }
    for group in &model.groups {
        if let Some(hub) = group.hub {
            check(
                &model.naming.hub_role_path,
                model
                    .naming
                    .hub_role_name(&group.name, &model.hubs[hub].name),
                group.span,
                RoleKind::Hub,
                d,
            );
        }
    }
}

fn check_chained_sessions(model: &Model, d: &mut Diagnostics) {
    // IAM users assume spoke roles from a user session, which is no role chaining: only hub roles
    // entered with SAML chain.
    if model.identity_provider.is_none() {
        return;
    }
    for (index, set) in model.permission_sets.iter().enumerate() {
        if set.session_duration <= defaults::CHAINED_SESSION_SECONDS {
            continue;
        }
        let chained = model.groups.iter().flat_map(|g| &g.grants).any(|grant| {
            grant.permission_set == index
                && grant
                    .accounts
                    .iter()
                    .any(|&a| model.accounts[a].topology == TopologyKind::HubAndSpoke)
        });
        if chained {
            d.push(
                Diagnostic::of(&PermissionSetsMessage::ChainedSessionCapped {
                    set: set.name.clone(),
                    seconds: set.session_duration,
                })
                .at(set.session_duration_span),
            );
        }
    }
}

/// The `discover` section. It must narrow the organisation: adding every account by accident is
/// what an empty section would do.
fn discover(section: &Spanned<RawDiscover>, d: &mut Diagnostics) -> Discover {
    let raw = &section.value;
    if raw.ous.is_empty() && raw.tags.is_empty() {
        d.push(Diagnostic::of(&SettingsMessage::EmptyDiscover).at(section.span));
    }
    let mut ous = Vec::new();
    for ou in &raw.ous {
        if let Some(path) = ou_path(ou, d) {
            ous.push(path);
        }
    }
    ous.sort();
    ous.dedup();
    let tags = raw
        .tags
        .iter()
        .map(|(key, values)| {
            let accepted = match &values.value {
                TagValues::One(one) => vec![one.clone()],
                TagValues::Any(any) => any.clone(),
            };
            (key.value.clone(), accepted)
        })
        .collect();
    Discover { ous, tags }
}
