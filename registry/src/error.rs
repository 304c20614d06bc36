use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

/// Why the Registrar could not recover or apply an operation.
///
/// Every one of these is fatal for the master holding the Registrar, as in
/// Mesos: the master exits and its supervisor restarts it, so that it
/// recovers from storage instead of carrying on with a registry that may
/// differ from the durable one. An operation that merely does not apply is
/// not an error: see [`crate::Outcome::Refused`].
#[derive(Debug, Error)]
pub enum RegistrarError {
    /// Reading the registry from storage failed.
    #[error("failed to fetch the registry: {0}")]
    Fetch(#[source] state::StateError),
    /// Reading the registry took longer than `--registry_fetch_timeout`.
    #[error("failed to fetch the registry within {0:?} (--registry_fetch_timeout)")]
    FetchTimeout(Duration),
    /// The stored registry does not decode. It is left as it is for the
    /// operator to look at; the master never starts over an empty registry.
    #[error("the stored registry is unreadable: {0}")]
    Corrupt(#[source] proto::Error),
    /// Writing the registry failed.
    #[error("failed to store the registry: {0}")]
    Store(#[source] state::StateError),
    /// Writing the registry took longer than `--registry_store_timeout`.
    #[error("failed to store the registry within {0:?} (--registry_store_timeout)")]
    StoreTimeout(Duration),
    /// Someone else stored the registry since this Registrar read it:
    /// another master has taken over.
    #[error("failed to store the registry: it was changed by another writer (version mismatch)")]
    VersionMismatch,
    /// The Registrar's task ended without failing: the tokio runtime it ran
    /// on was shut down.
    #[error("the registrar's task is gone: its runtime was shut down")]
    RuntimeGone,
    /// An earlier failure stopped the Registrar; it accepts no operations.
    #[error("the registrar has stopped: {0}")]
    Aborted(Arc<RegistrarError>),
}
