//! Mesos's State abstraction: named, versioned variables kept in a swappable
//! [`Storage`] backend.
//!
//! The master keeps exactly one thing here that must survive a restart: the
//! registry (the agents it has admitted, quotas, weights, maintenance). The
//! Registrar reads it as a [`Variable`], changes it, and writes it back. This
//! crate makes that write safe when several writers race, and durable before
//! it is acknowledged.
//!
//! # Two layers
//!
//! [`Storage`] is the backend contract, deliberately small so that a new
//! backend is easy to write and to verify: `get` an entry by name, `set` an
//! entry only if the stored one still has the expected version, `expunge` an
//! entry only if its version matches, and list `names`. Entries are Mesos's own
//! `mesos.internal.state.Entry` messages, stored as their protobuf bytes, so
//! data written here stays readable by tools that know Mesos's format.
//!
//! [`State`] sits on top and gives callers Mesos's variable semantics:
//!
//! - [`State::fetch`] always returns a [`Variable`]. A name that was never
//!   stored yields an empty value with a fresh version, so "create" and
//!   "update" are the same operation for the caller.
//! - [`State::store`] is a compare-and-swap. It succeeds only if nobody stored
//!   the variable since it was fetched, and then returns the variable at its
//!   new version; otherwise it returns `None` and the caller fetches again.
//! - [`State::expunge`] removes a variable, again only at the version fetched.
//!
//! Versions are random UUIDs (v4), opaque to callers; every successful store
//! mints a new one, even when the value did not change.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use state::{InMemoryStorage, State};
//! use std::sync::Arc;
//!
//! let state = State::new(Arc::new(InMemoryStorage::new()));
//!
//! let registry = state.fetch("registry").await?;
//! assert!(registry.value().is_empty());
//!
//! let stored = state.store(registry.mutate(b"v1".to_vec())).await?.expect("nobody raced us");
//!
//! // A second store from the stale variable loses the race.
//! assert!(state.store(registry.mutate(b"v2".to_vec())).await?.is_none());
//! assert_eq!(state.fetch("registry").await?.value(), stored.value());
//! # Ok::<(), state::StateError>(())
//! # }).unwrap();
//! ```
//!
//! # Backends
//!
//! - [`InMemoryStorage`]: a map behind a lock; for tests and for
//!   `--registry=in_memory`, where losing the registry on restart is accepted.
//! - [`EmbeddedStorage`]: the durable default (`--registry=replicated_log`):
//!   a single redb file under `--work_dir`. Every `set` and `expunge` is one
//!   write transaction that checks the version and commits with fsync before
//!   it returns, so an acknowledged store survives a crash of the process or
//!   the machine. A file that is not a valid store, or an entry that does not
//!   decode, is an error when the store is opened: the master refuses to start
//!   rather than silently begin with an empty registry.
//!
//! - [`ZooKeeperStorage`] (`--registry=zk`): entries in a ZooKeeper
//!   ensemble, for masters in an HA cluster that must all see the registry
//!   the last leader wrote.
//!   ZooKeeper limits a request to about 1 MB, so values are compressed and
//!   large ones written as immutable chunks before one version-checked write
//!   of a small head znode commits them (see the type's module for the
//!   layout).
//!
//! [`Backend`] turns the master's `--registry`, `--work_dir` and `--zk` flags
//! into one of these, so the master (or a test through `MasterBuilder`) picks
//! a backend by flag or hands in any `Arc<dyn Storage>` of its own.
//!
//! Every backend passes the same conformance suite (`tests/conformance`).

mod backend;
mod embedded;
mod error;
mod in_memory;
mod state;
mod storage;
mod zookeeper;

pub use backend::Backend;
pub use embedded::EmbeddedStorage;
pub use error::StateError;
pub use in_memory::InMemoryStorage;
pub use state::{State, Variable};
pub use storage::{Entry, Storage};
pub use zookeeper::{ZooKeeperConfig, ZooKeeperStorage};
