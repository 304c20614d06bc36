//! The Registrar: the master's durable record of agents, quota, weights and
//! maintenance.
//!
//! Mesos keeps one protobuf, `mesos.internal.Registry`, as the state variable
//! `registry`: the master that last led, every admitted agent, agents that
//! are unreachable or gone (with when), maintenance schedules and machine
//! modes, quota configs, role weights, and the minimum capabilities a master
//! needs to read it. The master consults it on failover to know which agents
//! to expect back, and changes it before acting on anything that must
//! survive a restart: an agent is told it is registered only after its
//! admission is durable.
//!
//! # Using it
//!
//! The master calls [`Registrar::recover`] once elected, with the [`State`]
//! over the storage `--registry` chose and its own `MasterInfo`; it gets the
//! recovered [`Registry`] and a running [`Registrar`]. Every change is then
//! an [`Operation`] passed to [`Registrar::apply`], which answers with an
//! [`Outcome`] once the change is durable:
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use proto::mesos::{MasterInfo, SlaveId, SlaveInfo};
//! use registry::{Operation, Outcome, Registrar, RegistrarConfig};
//! use state::{InMemoryStorage, State};
//! use std::sync::Arc;
//!
//! let state = State::new(Arc::new(InMemoryStorage::new()));
//! let master = MasterInfo { id: "m1".into(), ip: 0, port: 5050, ..Default::default() };
//! let (registrar, recovered) = Registrar::recover(state, master, RegistrarConfig::default()).await?;
//! assert!(recovered.slaves.is_none());
//!
//! let agent = SlaveInfo {
//!     hostname: "agent-1".into(),
//!     id: Some(SlaveId { value: "m1-S0".into() }),
//!     ..Default::default()
//! };
//! let admit = Operation::AdmitAgent(agent);
//! assert_eq!(registrar.apply(admit.clone()).await?, Outcome::Mutated);
//! // Mesos's rule: admitting an agent twice is refused, and changes nothing.
//! assert!(matches!(registrar.apply(admit).await?, Outcome::Refused(_)));
//! # Ok::<(), registry::RegistrarError>(())
//! # }).unwrap();
//! ```
//!
//! # Batching
//!
//! Operations are applied in arrival order by one tokio task that owns the
//! registry. While a store is in flight, arriving operations queue; when it
//! completes, the whole queue is applied and written in one store. So the
//! number of stores follows the storage's speed, not the rate of operations:
//! with an fsync of a few milliseconds, thousands of admissions share a
//! store under load.
//!
//! # Failures
//!
//! Three outcomes are kept apart:
//! - an operation that does not apply to the registry as it is (admitting an
//!   agent twice) is [`Outcome::Refused`]: nothing changed, the master goes
//!   on;
//! - a registry that cannot be fetched or decoded at recovery is an `Err`
//!   from [`Registrar::recover`]: the master does not start, and the stored
//!   data is left alone;
//! - a store that fails, times out (`--registry_store_timeout`) or finds the
//!   registry changed by another master stops the Registrar: every queued
//!   and later operation fails with [`RegistrarError::Aborted`] and
//!   [`Registrar::failed`] resolves. The master must exit, as Mesos's does,
//!   and recover from storage when restarted; it never goes on with a
//!   registry that may differ from the durable one.
//!
//! # Housekeeping
//!
//! [`AgentGc`] carries `--registry_max_agent_age` and
//! `--registry_max_agent_count`; the master calls
//! [`Registrar::collect_garbage`] every `--registry_gc_interval`.
//! [`Registrar::metrics`] gives the figures Mesos publishes under
//! `registrar/`.

mod error;
mod gc;
mod operation;
mod registrar;

pub use error::RegistrarError;
pub use gc::{AgentGc, time_info};
pub use operation::{Operation, Outcome};
pub use proto::mesos::internal::Registry;
pub use registrar::{Pruned, REGISTRY_VARIABLE, Registrar, RegistrarConfig, RegistrarMetrics};
#[doc(no_inline)]
pub use state::State;
