//! Many accounts at once: bounded concurrency, one IAM client (one bootstrap-role session, one
//! retry partition) per account, reused between reading and applying.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use awsfed_plan::{AccountQuotas, Phase, Plan};
use awsfed_snapshot::AccountSnapshot;
use tokio::sync::{OnceCell, Semaphore};
use tokio::task::JoinSet;

use crate::execute::execute;
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

    /// Applies a plan phase by phase: every account finishes a phase before any starts the next,
    /// because later phases name what earlier ones create in other accounts. An account that
    /// fails stops there; the others go on.
    pub async fn apply(self: &Arc<Self>, plan: &Plan, progress: Progress) -> ApplyReport {
        let mut report = ApplyReport::default();
        let protected = self.caller.role();
        for phase in Phase::ALL {
            let work: Vec<(String, Vec<awsfed_plan::Action>)> = plan
                .accounts
                .iter()
                .filter(|a| !report.failed.contains_key(&a.account_id))
                .map(|a| {
                    (
                        a.account_id.clone(),
                        a.changes
                            .iter()
                            .filter(|c| c.phase == phase)
                            .map(|c| c.action.clone())
                            .collect::<Vec<_>>(),
                    )
                })
                .filter(|(_, actions)| !actions.is_empty())
                .collect();
            if work.is_empty() {
                continue;
            }
            progress(Event::PhaseStarted {
                phase,
                accounts: work.len(),
            });
            let semaphore = Arc::new(Semaphore::new(self.concurrency));
            let mut tasks = JoinSet::new();
            for (account_id, actions) in work {
                let fleet = Arc::clone(self);
                let semaphore = Arc::clone(&semaphore);
                let progress = Arc::clone(&progress);
                let protected = protected.clone();
                tasks.spawn(async move {
                    let _permit = semaphore.acquire_owned().await;
                    let mut applied = 0;
                    let result: Result<(), AwsError> = async {
                        let iam = fleet.iam(&account_id).await?;
                        for action in &actions {
                            if let awsfed_plan::Action::DeleteRole { role } = action
                                && protected.as_deref() == Some(&format!("{account_id}/{role}"))
                            {
                                return Err(AwsError::Refused(format!(
                                    "role {role} is the role awsfed is running as; it is not deleted"
                                )));
                            }
                            execute(&iam, &account_id, &fleet.connection.partition, action)
                                .await
                                .map_err(|e| match e {
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
                                })?;
                            applied += 1;
                            progress(Event::ChangeApplied {
                                account_id: account_id.clone(),
                                summary: action.summary(),
                            });
                        }
                        Ok(())
                    }
                    .await;
                    match &result {
                        Ok(()) => progress(Event::AccountApplied {
                            account_id: account_id.clone(),
                        }),
                        Err(e) => progress(Event::AccountFailed {
                            account_id: account_id.clone(),
                            error: e.to_string(),
                        }),
                    }
                    (account_id, applied, result)
                });
            }
            while let Some(joined) = tasks.join_next().await {
                match joined {
                    Ok((account_id, applied, result)) => {
                        report.changes_applied += applied;
                        if let Err(e) = result {
                            report.failed.insert(account_id, e.to_string());
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
}
