//! Many accounts at once: bounded concurrency, one IAM client (one bootstrap-role session, one
//! retry partition) per account, reused between reading and applying.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use awsfed_plan::{AccountQuotas, Action, ForeignRoles, Phase, Plan};
use awsfed_snapshot::{AccountSnapshot, Snapshot};
use tokio::sync::{OnceCell, Semaphore};
use tokio::task::JoinSet;

use crate::execute::execute;
use crate::guard::{Guard, Scope};
use crate::iam::IamApi;
use crate::reach::{Caller, ReachOptions, iam_client};
use crate::read::{ReadOptions, read_account, read_quotas};
use crate::{AwsError, Connection};

/// What happened, for progress output.
#[derive(Debug, Clone)]
pub enum Event {
    AccountRead {
        account_id: String,
    },
    PhaseStarted {
        phase: Phase,
        accounts: usize,
    },
    ChangeApplied {
        account_id: String,
        summary: String,
    },
    /// The account finished the current phase (a progress bar counts these).
    AccountApplied {
        account_id: String,
    },
    AccountFailed {
        account_id: String,
        error: String,
    },
    /// A stack set operation polled: CloudFormation's status of `operation` (CreateStackInstances,
    /// UpdateStackSet, DeleteStackInstances) on `stack_set` at poll number `poll`.
    OperationPolled {
        stack_set: String,
        operation: &'static str,
        status: String,
        poll: usize,
    },
}

pub type Progress = Arc<dyn Fn(Event) + Send + Sync>;

#[derive(Debug, Default)]
pub struct ApplyReport {
    pub changes_applied: usize,
    /// Account id → what failed (with the AWS error).
    pub failed: BTreeMap<String, String>,
}

type ClientCell = Arc<OnceCell<aws_sdk_iam::Client>>;

pub struct Fleet {
    connection: Connection,
    caller: Caller,
    reach: ReachOptions,
    concurrency: usize,
    clients: Mutex<HashMap<String, ClientCell>>,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fleet")
            .field("caller", &self.caller)
            .field("reach", &self.reach)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl Fleet {
    pub fn new(
        connection: Connection,
        caller: Caller,
        reach: ReachOptions,
        concurrency: usize,
    ) -> Arc<Self> {
        Arc::new(Self {
            connection,
            caller,
            reach,
            concurrency: concurrency.max(1),
            clients: Mutex::new(HashMap::new()),
        })
    }

    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Accounts (or Identity Center requests) worked on at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// SDK attempts per call.
    pub fn max_attempts(&self) -> u32 {
        self.reach.max_attempts
    }

    /// The IAM client of an account, assuming the bootstrap role the first time.
    pub async fn iam(&self, account_id: &str) -> Result<aws_sdk_iam::Client, AwsError> {
        let cell = {
            let mut clients = self
                .clients
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            clients.entry(account_id.to_owned()).or_default().clone()
        };
        cell.get_or_try_init(|| iam_client(&self.connection, &self.caller, account_id, &self.reach))
            .await
            .cloned()
    }

    /// Reads accounts concurrently. Accounts that could not be read are returned with their error.
    pub async fn read_accounts(
        self: &Arc<Self>,
        accounts: Vec<(String, Option<String>)>,
        options: ReadOptions,
        progress: Progress,
    ) -> (Vec<AccountSnapshot>, BTreeMap<String, AwsError>) {
        let options = Arc::new(options);
        let (read, failed) = self
            .each_account(accounts, move |fleet, account_id, name| {
                let options = Arc::clone(&options);
                let progress = Arc::clone(&progress);
                async move {
                    let result = async {
                        let iam = fleet.iam(&account_id).await?;
                        read_account(&iam, &account_id, name, &options).await
                    }
                    .await;
                    match &result {
                        Ok(_) => progress(Event::AccountRead { account_id }),
                        Err(e) => progress(Event::AccountFailed {
                            account_id,
                            error: e.to_string(),
                        }),
                    }
                    result
                }
            })
            .await;
        (read.into_values().collect(), failed)
    }

    /// Reads the quotas of accounts concurrently (one call each, on the client reading reused).
    /// Accounts whose quotas could not be read are returned with their error.
    pub async fn read_quotas(
        self: &Arc<Self>,
        accounts: Vec<String>,
    ) -> (BTreeMap<String, AccountQuotas>, BTreeMap<String, AwsError>) {
        let accounts = accounts.into_iter().map(|id| (id, ())).collect();
        self.each_account(accounts, |fleet, account_id, ()| async move {
            read_quotas(&fleet.iam(&account_id).await?).await
        })
        .await
    }

    /// Runs `work` on each account, at most `concurrency` at once; what each returned, by account.
    async fn each_account<A, T, F, W>(
        self: &Arc<Self>,
        accounts: Vec<(String, A)>,
        work: F,
    ) -> (BTreeMap<String, T>, BTreeMap<String, AwsError>)
    where
        A: Send + 'static,
        T: Send + 'static,
        F: Fn(Arc<Self>, String, A) -> W,
        W: Future<Output = Result<T, AwsError>> + Send + 'static,
    {
        let semaphore = Arc::new(Semaphore::new(self.concurrency));
        let mut tasks = JoinSet::new();
        for (account_id, item) in accounts {
            let semaphore = Arc::clone(&semaphore);
            let running = work(Arc::clone(self), account_id.clone(), item);
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                (account_id, running.await)
            });
        }
        let mut done = BTreeMap::new();
        let mut failed = BTreeMap::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((account_id, Ok(value))) => {
                    done.insert(account_id, value);
                }
                Ok((account_id, Err(e))) => {
                    failed.insert(account_id, e);
                }
                Err(e) => {
                    failed.insert(
                        "(task)".to_owned(),
                        AwsError::Refused(format!("a reading task failed: {e}")),
                    );
                }
            }
        }
        (done, failed)
    }

    /// What every account's [`Guard`] allows, from the plan's path and provider (which `apply`
    /// has checked against the model), the roles awsfed must never write, and the roles awsfed
    /// does not own in `state` (what was read for this apply), which no trust may admit.
    pub fn scope(&self, plan: &Plan, state: &Snapshot) -> Scope {
        Scope {
            role_path: plan.role_path.clone(),
            provider_name: plan.provider_name.clone(),
            partition: self.connection.partition.clone(),
            protected_roles: self.caller.role().into_iter().collect(),
            bootstrap_role: self.reach.bootstrap_role.clone(),
            foreign_roles: Arc::new(ForeignRoles::new(&state.accounts, &plan.role_path)),
            users_path: plan.users_path.clone(),
        }
    }

    /// Applies a plan phase by phase: every account finishes a phase before any starts the next,
    /// because later phases name what earlier ones create in other accounts. An account that
    /// fails stops there; the others go on.
    ///
    /// `state` is what was read from the accounts for this apply: each account's writes are checked
    /// against it ([`Guard`]). An account of the plan that is not in `state`, not among the plan's
    /// fingerprints or not in `members` (the organisation's active accounts) is refused whole.
    pub async fn apply(
        self: &Arc<Self>,
        plan: &Plan,
        state: &Snapshot,
        members: &Members,
        progress: Progress,
    ) -> ApplyReport {
        let mut report = ApplyReport::default();
        let scope = self.scope(plan, state);
        let mut guards: HashMap<String, Guard> = HashMap::new();
        for account in &plan.accounts {
            if account.changes.is_empty() {
                continue;
            }
            let read = state.accounts.iter().find(|a| a.id == account.account_id);
            let refusal = if !plan.fingerprints.contains_key(&account.account_id) {
                Some("the plan did not read this account, so nothing is changed there")
            } else if !members.contains(&account.account_id) {
                Some(
                    "not an active account of the organisation (removed, suspended or closed since the plan), so nothing is changed there",
                )
            } else if read.is_none() {
                Some("not read for this apply, so nothing is changed there")
            } else {
                None
            };
            match (refusal, read) {
                (None, Some(read)) => {
                    guards.insert(account.account_id.clone(), Guard::new(read, &scope));
                }
                (why, _) => {
                    let why = why.unwrap_or_default().to_owned();
                    progress(Event::AccountFailed {
                        account_id: account.account_id.clone(),
                        error: why.clone(),
                    });
                    report.failed.insert(account.account_id.clone(), why);
                }
            }
        }
        for phase in Phase::ALL {
            self.apply_phase(plan, phase, &mut guards, &mut report, &progress)
                .await;
        }
        for account in &plan.accounts {
            if !account.conflicts.is_empty() && !report.failed.contains_key(&account.account_id) {
                report.failed.insert(
                    account.account_id.clone(),
                    format!(
                        "{} conflict(s): {}",
                        account.conflicts.len(),
                        account
                            .conflicts
                            .iter()
                            .map(|c| c.resource.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        report
    }

    async fn apply_phase(
        self: &Arc<Self>,
        plan: &Plan,
        phase: Phase,
        guards: &mut HashMap<String, Guard>,
        report: &mut ApplyReport,
        progress: &Progress,
    ) {
        let work: Vec<(String, Vec<Action>, Guard)> = plan
            .accounts
            .iter()
            .filter(|a| !report.failed.contains_key(&a.account_id))
            .filter_map(|a| {
                let actions: Vec<Action> = a
                    .changes
                    .iter()
                    .filter(|c| c.phase == phase)
                    .map(|c| c.action.clone())
                    .collect();
                if actions.is_empty() {
                    return None;
                }
                let guard = guards.remove(&a.account_id)?;
                Some((a.account_id.clone(), actions, guard))
            })
            .collect();
        if work.is_empty() {
            return;
        }
        progress(Event::PhaseStarted {
            phase,
            accounts: work.len(),
        });
        let semaphore = Arc::new(Semaphore::new(self.concurrency));
        let mut tasks = JoinSet::new();
        for (account_id, actions, mut guard) in work {
            let fleet = Arc::clone(self);
            let semaphore = Arc::clone(&semaphore);
            let progress = Arc::clone(progress);
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                let result = match fleet.iam(&account_id).await {
                    Ok(iam) => apply_actions(&iam, &mut guard, &actions, &progress).await,
                    Err(e) => (0, Err(e)),
                };
                match &result.1 {
                    Ok(()) => progress(Event::AccountApplied {
                        account_id: account_id.clone(),
                    }),
                    Err(e) => progress(Event::AccountFailed {
                        account_id: account_id.clone(),
                        error: e.to_string(),
                    }),
                }
                (account_id, guard, result)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((account_id, guard, (applied, result))) => {
                    report.changes_applied += applied;
                    match result {
                        Ok(()) => {
                            guards.insert(account_id, guard);
                        }
                        Err(e) => {
                            report.failed.insert(account_id, e.to_string());
                        }
                    }
                }
                Err(e) => {
                    report
                        .failed
                        .insert("(task)".to_owned(), format!("an apply task failed: {e}"));
                }
            }
        }
    }
}

/// Runs one account's actions of a phase in order; how many were applied, and the first failure.
pub async fn apply_actions<C: IamApi>(
    iam: &C,
    guard: &mut Guard,
    actions: &[Action],
    progress: &Progress,
) -> (usize, Result<(), AwsError>) {
    let mut applied = 0;
    for action in actions {
        if let Err(e) = execute(iam, guard, action).await {
            let e = match e {
                AwsError::Call {
                    operation,
                    code,
                    message,
                } => AwsError::Call {
                    operation: format!("{} ({operation})", action.summary()),
                    code,
                    message,
                },
                other => other,
            };
            return (applied, Err(e));
        }
        applied += 1;
        progress(Event::ChangeApplied {
            account_id: guard.account_id().to_owned(),
            summary: action.summary(),
        });
    }
    (applied, Ok(()))
}

/// The accounts an apply may change: the organisation's active accounts. When the caller's account
/// is in no organisation there is no membership to check (nor to lose): the accounts the plan read
/// through the bootstrap role are the bound.
#[derive(Debug, Clone)]
pub enum Members {
    Organization(BTreeSet<String>),
    NoOrganization,
}

impl Members {
    pub fn contains(&self, account_id: &str) -> bool {
        match self {
            Members::Organization(active) => active.contains(account_id),
            Members::NoOrganization => true,
        }
    }
}
