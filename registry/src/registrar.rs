//! The Registrar task: recovery, batching, and stopping on failure.

use crate::operation::Working;
use crate::{AgentGc, Operation, Outcome, RegistrarError};
use prost::Message;
use proto::mesos::MasterInfo;
use proto::mesos::internal::Registry;
use proto::mesos::internal::registry::Master;
use state::{State, Variable};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant, timeout};

/// The state variable the registry is kept in, as in Mesos.
pub const REGISTRY_VARIABLE: &str = "registry";

/// The Registrar's time limits: `--registry_fetch_timeout` and
/// `--registry_store_timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrarConfig {
    /// How long reading the registry at recovery may take.
    pub fetch_timeout: Duration,
    /// How long each store of the registry may take.
    pub store_timeout: Duration,
}

impl Default for RegistrarConfig {
    /// Mesos's defaults: one minute to fetch, twenty seconds to store.
    fn default() -> Self {
        RegistrarConfig {
            fetch_timeout: Duration::from_secs(60),
            store_timeout: Duration::from_secs(20),
        }
    }
}

/// The Registrar's figures, for the master to publish under Mesos's names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegistrarMetrics {
    /// `registrar/queued_operations`: operations waiting for the next store.
    pub queued_operations: u64,
    /// `registrar/registry_size_bytes`: the size of the registry last stored.
    pub registry_size_bytes: u64,
    /// `registrar/state_fetch_ms`: how long the recovery fetch took.
    pub state_fetch: Duration,
    /// `registrar/state_store_ms`: how long the last store took.
    pub state_store: Duration,
    /// How many stores the Registrar has made, recovery's included.
    pub stores: u64,
}

/// The agent ids [`Registrar::collect_garbage`] asked the registry to forget.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    pub unreachable: BTreeSet<String>,
    pub gone: BTreeSet<String>,
}

/// A handle on the running Registrar; clones share it.
///
/// The Registrar is a tokio task that owns the registry. Operations sent
/// with [`Registrar::apply`] are applied in the order they arrive. While a
/// store is in flight, new operations wait; when it completes, all of them
/// are applied and written in one store, and each caller gets its
/// operation's [`Outcome`] only once that store is durable.
///
/// A failed store, a store that outlasts `--registry_store_timeout`, or a
/// store that finds the registry changed by someone else stops the
/// Registrar for good: every waiting and later operation fails with
/// [`RegistrarError::Aborted`], and [`Registrar::failed`] resolves. The
/// master must then exit, as Mesos's does.
#[derive(Debug, Clone)]
pub struct Registrar {
    commands: mpsc::UnboundedSender<Command>,
    shared: Arc<Shared>,
}

#[derive(Debug)]
enum Command {
    Apply {
        operation: Operation,
        reply: oneshot::Sender<Result<Outcome, RegistrarError>>,
    },
    Read {
        reply: oneshot::Sender<Registry>,
    },
}

#[derive(Debug)]
struct Shared {
    queued: AtomicU64,
    metrics: Mutex<RegistrarMetrics>,
    failure: watch::Sender<Option<Arc<RegistrarError>>>,
}

impl Shared {
    fn update_metrics(&self, update: impl FnOnce(&mut RegistrarMetrics)) {
        // Metrics are plain numbers: one left half-written by a panic is
        // still a number.
        update(&mut self.metrics.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

impl Registrar {
    /// Recovers the registry from `state` and starts the Registrar.
    ///
    /// Fetches the registry variable (within `config.fetch_timeout`),
    /// records `master` as the registry's master, and stores it back (within
    /// `config.store_timeout`); returns the running Registrar and the
    /// registry as recovered, with which the master restores its agents,
    /// quotas, weights and maintenance. A registry never stored recovers
    /// empty; one that does not decode is an error, never reset.
    pub async fn recover(
        state: State,
        master: MasterInfo,
        config: RegistrarConfig,
    ) -> Result<(Registrar, Registry), RegistrarError> {
        Registrar::recover_observed(state, master, config, |_| {}).await
    }

    /// [`Registrar::recover`], calling `on_store` with the duration of
    /// every successful store of the registry, recovery's included: the
    /// master keeps `registrar/state_store_ms`'s statistics with it.
    pub async fn recover_observed(
        state: State,
        master: MasterInfo,
        config: RegistrarConfig,
        on_store: impl Fn(Duration) + Send + Sync + 'static,
    ) -> Result<(Registrar, Registry), RegistrarError> {
        let started = Instant::now();
        let variable = timeout(config.fetch_timeout, state.fetch(REGISTRY_VARIABLE))
            .await
            .map_err(|_| RegistrarError::FetchTimeout(config.fetch_timeout))?
            .map_err(RegistrarError::Fetch)?;
        let mut registry: Registry =
            proto::decode(variable.value()).map_err(RegistrarError::Corrupt)?;
        let fetched_in = started.elapsed();
        tracing::info!(
            bytes = variable.value().len(),
            elapsed = ?fetched_in,
            "fetched the registry"
        );

        registry.master = Some(Master { info: master });
        let (failure, _) = watch::channel(None);
        let shared = Arc::new(Shared {
            queued: AtomicU64::new(0),
            metrics: Mutex::new(RegistrarMetrics {
                state_fetch: fetched_in,
                ..RegistrarMetrics::default()
            }),
            failure,
        });
        let mut actor = Actor {
            state,
            variable,
            working: Working::new(registry),
            config,
            shared: Arc::clone(&shared),
            on_store: Box::new(on_store),
        };
        actor.store().await?;
        tracing::info!("recovered the registrar");

        let recovered = actor.working.registry.clone();
        let (commands, receiver) = mpsc::unbounded_channel();
        tokio::spawn(actor.run(receiver));
        Ok((Registrar { commands, shared }, recovered))
    }

    /// Applies `operation` in the next batch and returns its outcome once
    /// the batch is durable.
    pub async fn apply(&self, operation: Operation) -> Result<Outcome, RegistrarError> {
        let (reply, outcome) = oneshot::channel();
        self.shared.queued.fetch_add(1, Ordering::Relaxed);
        if self
            .commands
            .send(Command::Apply { operation, reply })
            .is_err()
        {
            self.shared.queued.fetch_sub(1, Ordering::Relaxed);
            return Err(self.stopped());
        }
        outcome.await.unwrap_or_else(|_| Err(self.stopped()))
    }

    /// The registry with every operation applied before this call, once
    /// those are durable: what `/registrar(1)/registry` shows.
    pub async fn registry(&self) -> Result<Registry, RegistrarError> {
        let (reply, registry) = oneshot::channel();
        self.commands
            .send(Command::Read { reply })
            .map_err(|_| self.stopped())?;
        registry.await.map_err(|_| self.stopped())
    }

    /// Drops the unreachable and gone agents that `gc` selects at `now`, and
    /// returns their ids (for the master to forget them too). Stores nothing
    /// when there is nothing to drop.
    pub async fn collect_garbage(
        &self,
        gc: AgentGc,
        now: SystemTime,
    ) -> Result<Pruned, RegistrarError> {
        let Some(prune) = gc.select(&self.registry().await?, now) else {
            return Ok(Pruned::default());
        };
        let Operation::Prune { unreachable, gone } = &prune else {
            unreachable!("AgentGc::select makes only Prune operations");
        };
        let pruned = Pruned {
            unreachable: unreachable.clone(),
            gone: gone.clone(),
        };
        self.apply(prune).await?;
        Ok(pruned)
    }

    /// The Registrar's current figures.
    pub fn metrics(&self) -> RegistrarMetrics {
        let metrics = *self
            .shared
            .metrics
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        RegistrarMetrics {
            queued_operations: self.shared.queued.load(Ordering::Relaxed),
            ..metrics
        }
    }

    /// Why the Registrar stopped, if it has.
    pub fn failure(&self) -> Option<Arc<RegistrarError>> {
        self.shared.failure.borrow().clone()
    }

    /// Resolves when the Registrar stops, with the reason; pending for as
    /// long as it runs. The master selects on this to exit.
    pub async fn failed(&self) -> Arc<RegistrarError> {
        let mut failure = self.shared.failure.subscribe();
        // The sender lives in `shared`, which `self` keeps alive.
        let failed = failure
            .wait_for(Option::is_some)
            .await
            .expect("the failure channel's sender is alive");
        Arc::clone(failed.as_ref().expect("waited for a failure"))
    }

    fn stopped(&self) -> RegistrarError {
        match self.failure() {
            Some(failure) => RegistrarError::Aborted(failure),
            // The task ended without failing: its runtime was shut down.
            None => RegistrarError::Aborted(Arc::new(RegistrarError::RuntimeGone)),
        }
    }
}

/// The task behind [`Registrar`]: the only owner of the registry.
struct Actor {
    state: State,
    /// The registry variable at its last stored version.
    variable: Variable,
    /// The registry, equal to the stored one except while a batch is being
    /// applied and stored.
    working: Working,
    config: RegistrarConfig,
    shared: Arc<Shared>,
    on_store: Box<dyn Fn(Duration) + Send + Sync>,
}

impl Actor {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        while let Some(first) = commands.recv().await {
            // Everything that arrived during the previous store goes into
            // this batch.
            let mut batch = vec![first];
            while let Ok(next) = commands.try_recv() {
                batch.push(next);
            }
            if self.process(batch).await.is_err() {
                // Returning drops `commands`: operations still queued see
                // the failure already recorded.
                return;
            }
        }
    }

    /// Applies the batch's operations in order, stores the result once, and
    /// only then answers.
    async fn process(&mut self, batch: Vec<Command>) -> Result<(), Arc<RegistrarError>> {
        let mut applied = Vec::new();
        let mut readers = Vec::new();
        for command in batch {
            match command {
                Command::Apply { operation, reply } => {
                    self.shared.queued.fetch_sub(1, Ordering::Relaxed);
                    applied.push((reply, self.working.apply(operation)));
                }
                Command::Read { reply } => readers.push(reply),
            }
        }
        if !applied.is_empty() {
            // Mesos writes every batch, even one that changed nothing: the
            // store is also how a master learns that another one took over.
            if let Err(error) = self.store().await {
                let error = Arc::new(error);
                tracing::error!(%error, "registrar aborting");
                // Recorded before any caller hears of it, so that every
                // later call reports this failure.
                self.shared.failure.send_replace(Some(Arc::clone(&error)));
                for (reply, _) in applied {
                    let _caller_gone = reply.send(Err(RegistrarError::Aborted(Arc::clone(&error))));
                }
                return Err(error);
            }
        }
        for (reply, outcome) in applied {
            let _caller_gone = reply.send(Ok(outcome));
        }
        for reply in readers {
            let _caller_gone = reply.send(self.working.registry.clone());
        }
        Ok(())
    }

    /// Stores the working registry over the version last stored.
    async fn store(&mut self) -> Result<(), RegistrarError> {
        let value = self.working.registry.encode_to_vec();
        let size = value.len() as u64;
        let started = Instant::now();
        let stored = timeout(
            self.config.store_timeout,
            self.state.store(self.variable.mutate(value)),
        )
        .await
        .map_err(|_| RegistrarError::StoreTimeout(self.config.store_timeout))?
        .map_err(RegistrarError::Store)?
        .ok_or(RegistrarError::VersionMismatch)?;
        let elapsed = started.elapsed();
        self.variable = stored;
        tracing::debug!(bytes = size, ?elapsed, "stored the registry");
        self.shared.update_metrics(|metrics| {
            metrics.registry_size_bytes = size;
            metrics.state_store = elapsed;
            metrics.stores += 1;
        });
        (self.on_store)(elapsed);
        Ok(())
    }
}
