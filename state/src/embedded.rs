//! The durable default backend: one redb file under the master's work
//! directory, no server.

use crate::storage::version_of;
use crate::{Entry, StateError, Storage};
use async_trait::async_trait;
use prost::Message;
use redb::{Database, Durability, ReadableDatabase, ReadableTable, Table, TableDefinition};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use uuid::Uuid;

/// Each entry is kept under its name as its `mesos.internal.state.Entry`
/// protobuf bytes, the same bytes Mesos's own storages write.
const ENTRIES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("entries");

/// Entries in a redb database file, `<dir>/registry.redb`.
///
/// `set` and `expunge` each run as one write transaction: the version check
/// and the write cannot be separated by another writer (redb admits one write
/// transaction at a time), and the commit is fsynced before the call returns.
/// redb's copy-on-write pages and checksummed commit slots mean that a crash
/// at any point leaves the file at the last committed transaction.
///
/// redb calls block, so every operation runs on tokio's blocking thread pool.
/// Only one process can have the file open at a time.
#[derive(Debug, Clone)]
pub struct EmbeddedStorage {
    db: Arc<Database>,
    path: PathBuf,
}

impl EmbeddedStorage {
    /// The name of the database file inside the directory given to
    /// [`EmbeddedStorage::open`].
    pub const FILE_NAME: &'static str = "registry.redb";

    /// Opens the store in `dir`, creating the directory and an empty store if
    /// they do not exist.
    ///
    /// Fails, rather than starting empty, when the file is not a redb
    /// database, is damaged, is held open by another process, or holds an
    /// entry that does not decode.
    pub async fn open(dir: impl AsRef<Path>) -> Result<Self, StateError> {
        let dir = dir.as_ref().to_owned();
        tokio::task::spawn_blocking(move || Self::open_blocking(&dir)).await?
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open_blocking(dir: &Path) -> Result<Self, StateError> {
        std::fs::create_dir_all(dir).map_err(|source| StateError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join(Self::FILE_NAME);
        let db = create_with_table(&path).map_err(|source| StateError::Open {
            path: path.clone(),
            source,
        })?;
        // A new file's directory entry is not durable until the directory is
        // synced; without this, a crash right after the first commit could
        // lose the whole file.
        sync_dir(dir).map_err(|source| StateError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
        let storage = EmbeddedStorage {
            db: Arc::new(db),
            path,
        };
        // Decoding every entry now turns damaged data into a startup error
        // instead of a failure deep inside the first registry operation.
        storage.check_every_entry()?;
        Ok(storage)
    }

    fn check_every_entry(&self) -> Result<(), StateError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ENTRIES)?;
        for item in table.iter()? {
            let (name, bytes) = item?;
            decode_entry(name.value(), bytes.value())?;
        }
        Ok(())
    }

    /// Runs a blocking redb operation off the async runtime.
    async fn run<T, F>(&self, operation: F) -> Result<T, StateError>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T, StateError> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || operation(&db)).await?
    }
}

#[async_trait]
impl Storage for EmbeddedStorage {
    async fn get(&self, name: &str) -> Result<Option<Entry>, StateError> {
        let name = name.to_owned();
        self.run(move |db| {
            let txn = db.begin_read()?;
            let table = txn.open_table(ENTRIES)?;
            let bytes = table.get(name.as_str())?;
            bytes
                .map(|bytes| decode_entry(&name, bytes.value()))
                .transpose()
        })
        .await
    }

    async fn set(&self, entry: &Entry, expected: Uuid) -> Result<bool, StateError> {
        version_of(entry)?;
        let name = entry.name.clone();
        let bytes = entry.encode_to_vec();
        self.run(move |db| {
            write_if_version(
                db,
                &name,
                |stored| stored.is_none_or(|stored| stored == expected),
                |table| table.insert(name.as_str(), bytes.as_slice()).map(drop),
            )
        })
        .await
    }

    async fn expunge(&self, entry: &Entry) -> Result<bool, StateError> {
        let expected = version_of(entry)?;
        let name = entry.name.clone();
        self.run(move |db| {
            write_if_version(
                db,
                &name,
                |stored| stored == Some(expected),
                |table| table.remove(name.as_str()).map(drop),
            )
        })
        .await
    }

    async fn names(&self) -> Result<Vec<String>, StateError> {
        self.run(|db| {
            let txn = db.begin_read()?;
            let table = txn.open_table(ENTRIES)?;
            // Keys come out of the B-tree already sorted.
            let mut names = Vec::new();
            for item in table.iter()? {
                names.push(item?.0.value().to_owned());
            }
            Ok(names)
        })
        .await
    }
}

/// Opens (or creates) the database and makes sure the entries table exists,
/// so that readers never meet a missing table.
fn create_with_table(path: &Path) -> Result<Database, redb::Error> {
    let db = Database::create(path)?;
    let txn = db.begin_write()?;
    txn.open_table(ENTRIES)?;
    txn.commit()?;
    Ok(db)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// In one durable write transaction: reads the version stored under `name`
/// and, if `accepts` it, applies `change` and commits. Returns whether it did.
fn write_if_version(
    db: &Database,
    name: &str,
    accepts: impl FnOnce(Option<Uuid>) -> bool,
    change: impl FnOnce(&mut Table<'_, &str, &[u8]>) -> Result<(), redb::StorageError>,
) -> Result<bool, StateError> {
    let mut txn = db.begin_write()?;
    // Immediate is redb's default; it is spelled out because the whole
    // contract of this backend rests on it.
    txn.set_durability(Durability::Immediate)?;
    {
        let mut table = txn.open_table(ENTRIES)?;
        let stored = table
            .get(name)?
            .map(|bytes| decode_entry(name, bytes.value()).and_then(|entry| version_of(&entry)))
            .transpose()?;
        if !accepts(stored) {
            // Dropping the transaction uncommitted discards it.
            return Ok(false);
        }
        change(&mut table)?;
    }
    txn.commit()?;
    Ok(true)
}

/// Decodes the entry stored under `name`, checking that it is a whole Entry
/// that belongs there.
fn decode_entry(name: &str, bytes: &[u8]) -> Result<Entry, StateError> {
    let corrupt = |reason: String| StateError::CorruptEntry {
        name: name.to_owned(),
        reason,
    };
    let entry = proto::decode::<Entry>(bytes).map_err(|error| corrupt(error.to_string()))?;
    if entry.name != name {
        return Err(corrupt(format!("it is named '{}'", entry.name)));
    }
    version_of(&entry)?;
    Ok(entry)
}
