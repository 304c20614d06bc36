//! The backend contract every storage engine implements.

use crate::StateError;
use async_trait::async_trait;
use uuid::Uuid;

/// One stored variable: its name, its version (a UUID as 16 bytes) and its
/// opaque value. This is Mesos's `mesos.internal.state.Entry`, so the bytes a
/// backend writes are the ones Mesos would write.
pub use proto::mesos::internal::state::Entry;

/// A place to keep [`Entry`]s by name, with compare-and-swap on their
/// versions.
///
/// Implementations must make `set` and `expunge` atomic with respect to each
/// other: the version check and the write happen as one step, so of two
/// writers holding the same version exactly one succeeds. A durable backend
/// must not return from `set` or `expunge` before the change is durable.
///
/// A `false` from `set` or `expunge` is the normal outcome of losing a race;
/// `Err` is reserved for the backend itself failing.
#[async_trait]
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// The entry stored under `name`, if any.
    async fn get(&self, name: &str) -> Result<Option<Entry>, StateError>;

    /// Stores `entry` under its name if the entry stored there now has version
    /// `expected`, or if there is none. Returns `false`, changing nothing,
    /// when another version is stored.
    async fn set(&self, entry: &Entry, expected: Uuid) -> Result<bool, StateError>;

    /// Removes the entry stored under `entry.name` if it has `entry`'s version.
    /// Returns `false` when there is no such entry or its version differs.
    async fn expunge(&self, entry: &Entry) -> Result<bool, StateError>;

    /// The names of all stored entries, sorted.
    async fn names(&self) -> Result<Vec<String>, StateError>;
}

/// The version of `entry`, which must be a 16-byte UUID.
pub(crate) fn version_of(entry: &Entry) -> Result<Uuid, StateError> {
    Uuid::from_slice(&entry.uuid).map_err(|_| StateError::InvalidVersion {
        name: entry.name.clone(),
        len: entry.uuid.len(),
    })
}
