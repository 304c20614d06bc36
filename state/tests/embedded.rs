//! The conformance suite against [`EmbeddedStorage`], and what only a store
//! on disk has to get right: surviving reopen, keeping Mesos's entry format,
//! and refusing damaged data instead of starting empty.

mod conformance;

use prost::Message;
use redb::{Database, ReadableDatabase, TableDefinition};
use state::{Backend, EmbeddedStorage, Entry, State, StateError, Storage};
use std::path::Path;
use std::sync::Arc;
use tempfile::TempDir;

async fn open() -> (Arc<dyn Storage>, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let storage = EmbeddedStorage::open(dir.path()).await.unwrap();
    (Arc::new(storage), dir)
}

conformance_suite!(open);

/// The table the store keeps entries in: part of the on-disk format.
const ENTRIES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("entries");

/// Writes `bytes` under `name` behind the store's back.
fn write_raw(dir: &Path, name: &str, bytes: &[u8]) {
    let db = Database::create(dir.join(EmbeddedStorage::FILE_NAME)).unwrap();
    let txn = db.begin_write().unwrap();
    txn.open_table(ENTRIES)
        .unwrap()
        .insert(name, bytes)
        .unwrap();
    txn.commit().unwrap();
}

fn read_raw(dir: &Path, name: &str) -> Option<Vec<u8>> {
    let db = Database::create(dir.join(EmbeddedStorage::FILE_NAME)).unwrap();
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(ENTRIES).unwrap();
    table.get(name).unwrap().map(|bytes| bytes.value().to_vec())
}

async fn store_value(state: &State, name: &str, value: &[u8]) {
    let variable = state.fetch(name).await.unwrap();
    state.store(variable.mutate(value)).await.unwrap().unwrap();
}

#[tokio::test]
async fn stored_variables_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::from_flags("replicated_log", Some(dir.path()), None).unwrap();
    {
        let state = State::new(backend.open().await.unwrap());
        store_value(&state, "registry", b"agents").await;
        store_value(&state, "other", b"x").await;
        let doomed = state.fetch("other").await.unwrap();
        assert!(state.expunge(&doomed).await.unwrap());
    }
    let state = State::new(backend.open().await.unwrap());
    assert_eq!(state.names().await.unwrap(), ["registry"]);
    assert_eq!(state.fetch("registry").await.unwrap().value(), b"agents");
}

#[tokio::test]
async fn entries_are_stored_as_mesos_entry_protobufs() {
    let dir = tempfile::tempdir().unwrap();
    {
        let state = State::new(Arc::new(EmbeddedStorage::open(dir.path()).await.unwrap()));
        store_value(&state, "registry", b"agents").await;
    }
    let bytes = read_raw(dir.path(), "registry").unwrap();
    let entry: Entry = proto::decode(&bytes).unwrap();
    assert_eq!(entry.name, "registry");
    assert_eq!(entry.uuid.len(), 16);
    assert_eq!(entry.value, b"agents");
}

#[tokio::test]
async fn a_file_that_is_not_a_store_is_an_open_error_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(EmbeddedStorage::FILE_NAME);
    let garbage = b"this is not a redb database, and it is long enough to have a header".repeat(64);
    std::fs::write(&file, &garbage).unwrap();

    let error = EmbeddedStorage::open(dir.path()).await.unwrap_err();
    assert!(matches!(error, StateError::Open { .. }), "{error:?}");
    assert!(
        error.to_string().contains(EmbeddedStorage::FILE_NAME),
        "{error}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), garbage);
}

#[tokio::test]
async fn an_entry_that_does_not_decode_is_an_open_error_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    write_raw(dir.path(), "registry", b"\xff\xff not protobuf");

    let error = EmbeddedStorage::open(dir.path()).await.unwrap_err();
    assert!(
        matches!(&error, StateError::CorruptEntry { name, .. } if name == "registry"),
        "{error:?}"
    );
    assert_eq!(
        read_raw(dir.path(), "registry").unwrap(),
        b"\xff\xff not protobuf"
    );
}

#[tokio::test]
async fn an_entry_missing_required_fields_is_an_open_error() {
    let dir = tempfile::tempdir().unwrap();
    // prost would happily decode this with an empty uuid; Mesos would not.
    let without_uuid = [0x0a, 0x08]
        .into_iter()
        .chain(*b"registry")
        .chain([0x1a, 0x00])
        .collect::<Vec<u8>>();
    write_raw(dir.path(), "registry", &without_uuid);

    let error = EmbeddedStorage::open(dir.path()).await.unwrap_err();
    assert!(error.to_string().contains("uuid"), "{error}");
}

#[tokio::test]
async fn an_entry_filed_under_another_name_is_an_open_error() {
    let dir = tempfile::tempdir().unwrap();
    let entry = Entry {
        name: "other".into(),
        uuid: uuid::Uuid::new_v4().as_bytes().to_vec(),
        value: b"x".to_vec(),
    };
    write_raw(dir.path(), "registry", &entry.encode_to_vec());

    let error = EmbeddedStorage::open(dir.path()).await.unwrap_err();
    assert!(
        matches!(&error, StateError::CorruptEntry { name, .. } if name == "registry"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_store_open_elsewhere_cannot_be_opened_twice() {
    let dir = tempfile::tempdir().unwrap();
    let _first = EmbeddedStorage::open(dir.path()).await.unwrap();
    let error = EmbeddedStorage::open(dir.path()).await.unwrap_err();
    assert!(matches!(error, StateError::Open { .. }), "{error:?}");
}

#[tokio::test]
async fn open_creates_missing_directories() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("work").join("dir");
    let storage = EmbeddedStorage::open(&nested).await.unwrap();
    assert_eq!(storage.path(), nested.join(EmbeddedStorage::FILE_NAME));
    assert!(storage.path().exists());
}
