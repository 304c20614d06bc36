//! Variables with compare-and-swap on top of any [`Storage`].

use crate::storage::version_of;
use crate::{Entry, StateError, Storage};
use std::sync::Arc;
use uuid::Uuid;

/// A named value as read at one version.
///
/// Only [`State`] makes variables, so a variable always carries a version it
/// handed out; [`Variable::mutate`] changes the value but keeps that version,
/// which is what lets [`State::store`] notice a concurrent writer.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    entry: Entry,
}

impl Variable {
    /// The variable's name.
    pub fn name(&self) -> &str {
        &self.entry.name
    }

    /// The value as fetched or stored; empty for a variable never stored.
    pub fn value(&self) -> &[u8] {
        &self.entry.value
    }

    /// The value, without copying it.
    pub fn into_value(self) -> Vec<u8> {
        self.entry.value
    }

    /// The same variable, at the same version, with a new value: store it to
    /// make the change.
    pub fn mutate(&self, value: impl Into<Vec<u8>>) -> Variable {
        Variable {
            entry: Entry {
                name: self.entry.name.clone(),
                uuid: self.entry.uuid.clone(),
                value: value.into(),
            },
        }
    }
}

/// Named variables over a [`Storage`] backend. Cheap to clone: clones share
/// the backend.
#[derive(Debug, Clone)]
pub struct State {
    storage: Arc<dyn Storage>,
}

impl State {
    /// State kept in `storage`.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        State { storage }
    }

    /// The variable `name` at its current version. A name never stored (or
    /// expunged) gives an empty value at a fresh version, ready to store.
    pub async fn fetch(&self, name: &str) -> Result<Variable, StateError> {
        let entry = match self.storage.get(name).await? {
            Some(entry) => entry,
            None => Entry {
                name: name.to_owned(),
                uuid: fresh_version(),
                value: Vec::new(),
            },
        };
        Ok(Variable { entry })
    }

    /// Stores `variable`'s value if nobody stored the variable since it was
    /// fetched, and returns it at its new version; `None` when it was stored
    /// in between (fetch again, reapply the change, and retry).
    ///
    /// A store always mints a new version, even when the value is unchanged,
    /// so a successful store also invalidates every older copy.
    pub async fn store(&self, variable: Variable) -> Result<Option<Variable>, StateError> {
        let expected = version_of(&variable.entry)?;
        let entry = Entry {
            uuid: fresh_version(),
            ..variable.entry
        };
        let stored = self.storage.set(&entry, expected).await?;
        Ok(stored.then_some(Variable { entry }))
    }

    /// Removes `variable` if it is still at the version fetched. Returns
    /// `false` when it was stored in between or is already gone.
    pub async fn expunge(&self, variable: &Variable) -> Result<bool, StateError> {
        self.storage.expunge(&variable.entry).await
    }

    /// The names of all stored variables, sorted.
    pub async fn names(&self) -> Result<Vec<String>, StateError> {
        self.storage.names().await
    }
}

fn fresh_version() -> Vec<u8> {
    Uuid::new_v4().as_bytes().to_vec()
}
