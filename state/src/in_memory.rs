//! A backend that keeps entries in the process: fast, and gone on restart.

use crate::storage::version_of;
use crate::{Entry, StateError, Storage};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use uuid::Uuid;

/// Entries in a map behind a lock. Each operation holds the lock for its whole
/// check-then-write, which is what makes `set` and `expunge` atomic.
#[derive(Debug, Default)]
pub struct InMemoryStorage {
    // A BTreeMap so that `names` comes out sorted without extra work.
    entries: Mutex<BTreeMap<String, Entry>>,
}

impl InMemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> MutexGuard<'_, BTreeMap<String, Entry>> {
        // Every critical section below either completes its single map
        // operation or changes nothing, so a panic elsewhere while the lock
        // was held cannot have left the map half-updated.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Storage for InMemoryStorage {
    async fn get(&self, name: &str) -> Result<Option<Entry>, StateError> {
        Ok(self.entries().get(name).cloned())
    }

    async fn set(&self, entry: &Entry, expected: Uuid) -> Result<bool, StateError> {
        // Reject a malformed version before it is stored, so that every
        // stored entry has one to compare against later.
        version_of(entry)?;
        let mut entries = self.entries();
        if let Some(current) = entries.get(&entry.name)
            && version_of(current)? != expected
        {
            return Ok(false);
        }
        entries.insert(entry.name.clone(), entry.clone());
        Ok(true)
    }

    async fn expunge(&self, entry: &Entry) -> Result<bool, StateError> {
        let expected = version_of(entry)?;
        let mut entries = self.entries();
        match entries.get(&entry.name) {
            Some(current) if version_of(current)? == expected => {
                entries.remove(&entry.name);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn names(&self) -> Result<Vec<String>, StateError> {
        Ok(self.entries().keys().cloned().collect())
    }
}
