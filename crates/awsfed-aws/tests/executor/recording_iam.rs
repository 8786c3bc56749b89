//! An in-memory IAM that records every call: the executor's seam ([`IamApi`]) implemented without
//! AWS, so a property test can give the executor any plan and check each write it makes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use awsfed_aws::{CallError, Entity, IamApi, NewPolicy, NewRole, PolicyVersion};

#[derive(Debug, Clone, Default)]
pub struct Role {
    pub path: String,
    pub tags: BTreeMap<String, String>,
    pub attached: BTreeSet<String>,
    pub inline: BTreeSet<String>,
    pub instance_profiles: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub path: String,
    pub tags: BTreeMap<String, String>,
    /// (version id, document, created), oldest first.
    pub versions: Vec<(String, String, f64)>,
    pub default: String,
    pub next: u32,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub account_id: String,
    pub roles: BTreeMap<String, Role>,
    /// By ARN.
    pub policies: BTreeMap<String, Policy>,
    /// Provider ARN → tags.
    pub providers: BTreeMap<String, BTreeMap<String, String>>,
    pub users: BTreeMap<String, crate::recording_users::User>,
    pub groups: BTreeMap<String, crate::recording_users::Group>,
}

/// One write as made: the operation and the role, policy ARN or provider ARN it touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub operation: &'static str,
    pub role: Option<String>,
    pub policy: Option<String>,
    pub provider: Option<String>,
    /// For creates: the path and tags asked for.
    pub path: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// For CreateRole and UpdateAssumeRolePolicy: the trust policy written.
    pub trust: Option<String>,
}

pub struct RecordingIam {
    pub state: Mutex<State>,
    pub writes: Mutex<Vec<Recorded>>,
    /// Every CreatePolicyVersion is sent twice, as the SDK does when the first answer is lost.
    pub repeat_version_creates: bool,
    /// Writes on IAM users and groups: the operation and `user NAME` or `group NAME`.
    pub user_writes: Mutex<Vec<(&'static str, String)>>,
}

pub(crate) fn missing_entity(operation: &'static str, what: &str) -> CallError {
    missing(operation, what)
}

fn missing(operation: &'static str, what: &str) -> CallError {
    CallError::new(operation, "NoSuchEntity", &format!("{what} does not exist"))
}

impl RecordingIam {
    pub fn new(state: State) -> Self {
        Self {
            state: Mutex::new(state),
            writes: Mutex::new(Vec::new()),
            repeat_version_creates: false,
            user_writes: Mutex::new(Vec::new()),
        }
    }

    fn record(&self, operation: &'static str, role: Option<&str>, policy: Option<&str>) {
        self.writes.lock().unwrap().push(Recorded {
            operation,
            role: role.map(str::to_owned),
            policy: policy.map(str::to_owned),
            provider: None,
            path: None,
            tags: BTreeMap::new(),
            trust: None,
        });
    }

    fn with_role<T>(
        &self,
        operation: &'static str,
        role: &str,
        f: impl FnOnce(&mut Role) -> T,
    ) -> Result<T, CallError> {
        let mut state = self.state.lock().unwrap();
        state
            .roles
            .get_mut(role)
            .map(f)
            .ok_or_else(|| missing(operation, role))
    }

    fn with_policy<T>(
        &self,
        operation: &'static str,
        arn: &str,
        f: impl FnOnce(&mut Policy) -> Result<T, CallError>,
    ) -> Result<T, CallError> {
        let mut state = self.state.lock().unwrap();
        match state.policies.get_mut(arn) {
            Some(policy) => f(policy),
            None => Err(missing(operation, arn)),
        }
    }

    fn role_write(&self, operation: &'static str, role: &str) -> Result<(), CallError> {
        self.record(operation, Some(role), None);
        self.with_role(operation, role, |_| ())
    }

    fn new_version(policy: &mut Policy, document: &str) -> Result<(), CallError> {
        if policy.versions.len() >= 5 {
            return Err(CallError::new(
                "iam:CreatePolicyVersion",
                "LimitExceeded",
                "a managed policy can have up to 5 versions",
            ));
        }
        policy.next += 1;
        let id = format!("v{}", policy.next);
        policy
            .versions
            .push((id.clone(), document.to_owned(), f64::from(policy.next)));
        policy.default = id;
        Ok(())
    }
}

impl IamApi for RecordingIam {
    async fn create_saml_provider(
        &self,
        name: &str,
        _metadata: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), CallError> {
        let mut state = self.state.lock().unwrap();
        let arn = format!("arn:aws:iam::{}:saml-provider/{name}", state.account_id);
        self.writes.lock().unwrap().push(Recorded {
            operation: "CreateSAMLProvider",
            role: None,
            policy: None,
            provider: Some(arn.clone()),
            path: None,
            tags: tags.clone(),
            trust: None,
        });
        if state.providers.contains_key(&arn) {
            return Err(CallError::new(
                "iam:CreateSAMLProvider",
                "EntityAlreadyExists",
                &arn,
            ));
        }
        state.providers.insert(arn, tags.clone());
        Ok(())
    }

    async fn update_saml_provider(&self, arn: &str, _metadata: &str) -> Result<(), CallError> {
        self.writes.lock().unwrap().push(Recorded {
            operation: "UpdateSAMLProvider",
            role: None,
            policy: None,
            provider: Some(arn.to_owned()),
            path: None,
            tags: BTreeMap::new(),
            trust: None,
        });
        Ok(())
    }

    async fn delete_saml_provider(&self, arn: &str) -> Result<(), CallError> {
        self.writes.lock().unwrap().push(Recorded {
            operation: "DeleteSAMLProvider",
            role: None,
            policy: None,
            provider: Some(arn.to_owned()),
            path: None,
            tags: BTreeMap::new(),
            trust: None,
        });
        self.state.lock().unwrap().providers.remove(arn);
        Ok(())
    }

    async fn create_role(&self, role: &NewRole<'_>) -> Result<(), CallError> {
        self.writes.lock().unwrap().push(Recorded {
            operation: "CreateRole",
            role: Some(role.name.to_owned()),
            policy: None,
            provider: None,
            path: Some(role.path.to_owned()),
            tags: role.tags.clone(),
            trust: Some(role.trust_policy.to_owned()),
        });
        let mut state = self.state.lock().unwrap();
        if state.roles.contains_key(role.name) {
            return Err(CallError::new(
                "iam:CreateRole",
                "EntityAlreadyExists",
                role.name,
            ));
        }
        state.roles.insert(
            role.name.to_owned(),
            Role {
                path: role.path.to_owned(),
                tags: role.tags.clone(),
                ..Role::default()
            },
        );
        Ok(())
    }

    async fn get_role(&self, role: &str) -> Result<Entity, CallError> {
        self.with_role("iam:GetRole", role, |r| Entity {
            path: r.path.clone(),
            tags: r.tags.clone(),
        })
    }

    async fn update_assume_role_policy(&self, role: &str, doc: &str) -> Result<(), CallError> {
        self.record("UpdateAssumeRolePolicy", Some(role), None);
        if let Some(write) = self.writes.lock().unwrap().last_mut() {
            write.trust = Some(doc.to_owned());
        }
        self.with_role("iam:UpdateAssumeRolePolicy", role, |_| ())
    }

    async fn update_role(
        &self,
        role: &str,
        _max: u32,
        _description: &str,
    ) -> Result<(), CallError> {
        self.role_write("UpdateRole", role)
    }

    async fn put_role_policy(&self, role: &str, name: &str, _doc: &str) -> Result<(), CallError> {
        self.record("PutRolePolicy", Some(role), None);
        self.with_role("iam:PutRolePolicy", role, |r| {
            r.inline.insert(name.to_owned());
        })
    }

    async fn delete_role_policy(&self, role: &str, name: &str) -> Result<(), CallError> {
        self.record("DeleteRolePolicy", Some(role), None);
        self.with_role("iam:DeleteRolePolicy", role, |r| {
            r.inline.remove(name);
        })
    }

    async fn list_role_policies(&self, role: &str) -> Result<Vec<String>, CallError> {
        self.with_role("iam:ListRolePolicies", role, |r| {
            r.inline.iter().cloned().collect()
        })
    }

    async fn attach_role_policy(&self, role: &str, arn: &str) -> Result<(), CallError> {
        self.record("AttachRolePolicy", Some(role), Some(arn));
        self.with_role("iam:AttachRolePolicy", role, |r| {
            r.attached.insert(arn.to_owned());
        })
    }

    async fn detach_role_policy(&self, role: &str, arn: &str) -> Result<(), CallError> {
        self.record("DetachRolePolicy", Some(role), Some(arn));
        self.with_role("iam:DetachRolePolicy", role, |r| {
            r.attached.remove(arn);
        })
    }

    async fn list_attached_role_policies(&self, role: &str) -> Result<Vec<String>, CallError> {
        self.with_role("iam:ListAttachedRolePolicies", role, |r| {
            r.attached.iter().cloned().collect()
        })
    }

    async fn put_role_permissions_boundary(&self, role: &str, _arn: &str) -> Result<(), CallError> {
        self.role_write("PutRolePermissionsBoundary", role)
    }

    async fn delete_role_permissions_boundary(&self, role: &str) -> Result<(), CallError> {
        self.role_write("DeleteRolePermissionsBoundary", role)
    }

    async fn tag_role(&self, role: &str, tags: &BTreeMap<String, String>) -> Result<(), CallError> {
        self.record("TagRole", Some(role), None);
        self.with_role("iam:TagRole", role, |r| r.tags.extend(tags.clone()))
    }

    async fn untag_role(&self, role: &str, keys: &[String]) -> Result<(), CallError> {
        self.record("UntagRole", Some(role), None);
        self.with_role("iam:UntagRole", role, |r| {
            r.tags.retain(|k, _| !keys.contains(k));
        })
    }

    async fn list_instance_profiles_for_role(&self, role: &str) -> Result<Vec<String>, CallError> {
        self.with_role("iam:ListInstanceProfilesForRole", role, |r| {
            r.instance_profiles.clone()
        })
    }

    async fn delete_role(&self, role: &str) -> Result<(), CallError> {
        self.record("DeleteRole", Some(role), None);
        let mut state = self.state.lock().unwrap();
        state
            .roles
            .remove(role)
            .map(drop)
            .ok_or_else(|| missing("iam:DeleteRole", role))
    }

    async fn create_policy(&self, policy: &NewPolicy<'_>) -> Result<(), CallError> {
        let mut state = self.state.lock().unwrap();
        let arn = format!(
            "arn:aws:iam::{}:policy{}{}",
            state.account_id, policy.path, policy.name
        );
        self.writes.lock().unwrap().push(Recorded {
            operation: "CreatePolicy",
            role: None,
            policy: Some(arn.clone()),
            provider: None,
            path: Some(policy.path.to_owned()),
            tags: policy.tags.clone(),
            trust: None,
        });
        if state.policies.contains_key(&arn) {
            return Err(CallError::new(
                "iam:CreatePolicy",
                "EntityAlreadyExists",
                &arn,
            ));
        }
        let mut created = Policy {
            path: policy.path.to_owned(),
            tags: policy.tags.clone(),
            ..Policy::default()
        };
        Self::new_version(&mut created, policy.document)?;
        state.policies.insert(arn, created);
        Ok(())
    }

    async fn get_policy(&self, arn: &str) -> Result<Entity, CallError> {
        self.with_policy("iam:GetPolicy", arn, |p| {
            Ok(Entity {
                path: p.path.clone(),
                tags: p.tags.clone(),
            })
        })
    }

    async fn list_policy_versions(&self, arn: &str) -> Result<Vec<PolicyVersion>, CallError> {
        self.with_policy("iam:ListPolicyVersions", arn, |p| {
            Ok(p.versions
                .iter()
                .map(|(id, _, created)| PolicyVersion {
                    id: id.clone(),
                    is_default: *id == p.default,
                    created: *created,
                })
                .collect())
        })
    }

    async fn get_policy_version(&self, arn: &str, version: &str) -> Result<String, CallError> {
        self.with_policy("iam:GetPolicyVersion", arn, |p| {
            p.versions
                .iter()
                .find(|(id, _, _)| id == version)
                .map(|(_, doc, _)| doc.clone())
                .ok_or_else(|| missing("iam:GetPolicyVersion", version))
        })
    }

    async fn create_policy_version(&self, arn: &str, document: &str) -> Result<(), CallError> {
        self.record("CreatePolicyVersion", None, Some(arn));
        let repeat = self.repeat_version_creates;
        self.with_policy("iam:CreatePolicyVersion", arn, |p| {
            Self::new_version(p, document)?;
            if repeat {
                Self::new_version(p, document)?;
            }
            Ok(())
        })
    }

    async fn set_default_policy_version(&self, arn: &str, version: &str) -> Result<(), CallError> {
        self.record("SetDefaultPolicyVersion", None, Some(arn));
        self.with_policy("iam:SetDefaultPolicyVersion", arn, |p| {
            p.default = version.to_owned();
            Ok(())
        })
    }

    async fn delete_policy_version(&self, arn: &str, version: &str) -> Result<(), CallError> {
        self.record("DeletePolicyVersion", None, Some(arn));
        self.with_policy("iam:DeletePolicyVersion", arn, |p| {
            if p.default == version {
                return Err(CallError::new(
                    "iam:DeletePolicyVersion",
                    "DeleteConflict",
                    "cannot delete the default version",
                ));
            }
            p.versions.retain(|(id, _, _)| id != version);
            Ok(())
        })
    }

    async fn tag_policy(
        &self,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), CallError> {
        self.record("TagPolicy", None, Some(arn));
        self.with_policy("iam:TagPolicy", arn, |p| {
            p.tags.extend(tags.clone());
            Ok(())
        })
    }

    async fn list_entities_for_policy(&self, arn: &str) -> Result<Vec<String>, CallError> {
        let state = self.state.lock().unwrap();
        if !state.policies.contains_key(arn) {
            return Err(missing("iam:ListEntitiesForPolicy", arn));
        }
        Ok(state
            .roles
            .iter()
            .filter(|(_, r)| r.attached.contains(arn))
            .map(|(name, _)| name.clone())
            .collect())
    }

    async fn delete_policy(&self, arn: &str) -> Result<(), CallError> {
        self.record("DeletePolicy", None, Some(arn));
        let mut state = self.state.lock().unwrap();
        state
            .policies
            .remove(arn)
            .map(drop)
            .ok_or_else(|| missing("iam:DeletePolicy", arn))
    }
}
