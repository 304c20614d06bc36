//! One behavioural suite every [`Storage`] backend must pass.
//!
//! Each check is a function taking a fresh, empty backend. A backend's test
//! file runs all of them with [`conformance_suite!`], naming an async function
//! that opens such a backend and returns it together with whatever must stay
//! alive while it is in use (a temporary directory, say).

use state::{Entry, State, Storage, Variable};
use std::sync::Arc;
use uuid::Uuid;

/// Expands to one `#[tokio::test]` per conformance check, each against a
/// backend made by `$open`.
#[macro_export]
macro_rules! conformance_suite {
    ($open:path) => {
        $crate::conformance_suite!(@checks $open;
            fetch_of_missing_name_is_empty_at_a_fresh_version,
            store_then_fetch_returns_the_value,
            store_with_stale_version_fails_and_changes_nothing,
            store_mints_a_new_version_even_for_the_same_value,
            expunge_removes_the_variable,
            expunge_with_stale_version_fails,
            expunge_of_missing_name_fails,
            store_after_expunge_recreates_the_variable,
            names_lists_stored_variables_sorted,
            large_values_round_trip,
            many_variables_are_kept_apart,
            concurrent_stores_of_one_version_have_one_winner,
            concurrent_increments_lose_no_update,
            storage_rejects_an_entry_whose_version_is_not_a_uuid,
        );
    };
    (@checks $open:path; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let (storage, _keep_alive) = $open().await;
                $crate::conformance::$check(storage).await;
            }
        )*
    };
}

async fn fetch(state: &State, name: &str) -> Variable {
    state.fetch(name).await.expect("fetch")
}

async fn store(state: &State, variable: Variable) -> Option<Variable> {
    state.store(variable).await.expect("store")
}

pub async fn fetch_of_missing_name_is_empty_at_a_fresh_version(storage: Arc<dyn Storage>) {
    let state = State::new(storage);
    let first = fetch(&state, "missing").await;
    assert_eq!(first.name(), "missing");
    assert!(first.value().is_empty());
    // Each fetch of a missing name mints its own version.
    assert_ne!(first, fetch(&state, "missing").await);
    assert!(state.names().await.unwrap().is_empty());
}

pub async fn store_then_fetch_returns_the_value(storage: Arc<dyn Storage>) {
    let state = State::new(storage);
    let variable = fetch(&state, "registry").await;
    let stored = store(&state, variable.mutate(b"agents".to_vec()))
        .await
        .expect("first store of a new variable succeeds");
    assert_eq!(stored.value(), b"agents");
    assert_eq!(fetch(&state, "registry").await, stored);
}

pub async fn store_with_stale_version_fails_and_changes_nothing(storage: Arc<dyn Storage>) {
    let state = State::new(storage);
    let stale = fetch(&state, "registry").await;
    let current = store(&state, stale.mutate(b"one".to_vec())).await.unwrap();
    assert_eq!(store(&state, stale.mutate(b"two".to_vec())).await, None);
    assert_eq!(fetch(&state, "registry").await, current);
    // The version from the successful store is the one that works now.
    let next = store(&state, current.mutate(b"three".to_vec()))
        .await
        .unwrap();
    assert_eq!(fetch(&state, "registry").await.value(), next.value());
}

pub async fn store_mints_a_new_version_even_for_the_same_value(storage: Arc<dyn Storage>) {
    let state = State::new(storage);
    let first = store(&state, fetch(&state, "v").await.mutate(b"x".to_vec()))
        .await
        .unwrap();
    let second = store(&state, first.clone()).await.unwrap();
    assert_eq!(first.value(), second.value());
    assert_ne!(first, second);
    assert_eq!(store(&state, first).await, None);
}

pub async fn expunge_removes_the_variable(storage: Arc<dyn Storage>) {
    let state = State::new(storage);
    let stored = store(&state, fetch(&state, "gone").await.mutate(b"x".to_vec()))
        .await
        .unwrap();
    assert!(state.expunge(&stored).await.unwrap());
    assert!(state.names().await.unwrap().is_empty());
    let refetched = fetch(&state, "gone").await;
    assert!(refetched.value().is_empty());
    assert_ne!(refetched, stored);
}

pub async fn expunge_with_stale_version_fails(storage: Arc<dyn Storage>) {
    let state = State::new(storage);
    let stale = store(&state, fetch(&state, "kept").await.mutate(b"1".to_vec()))
        .await
        .unwrap();
    let current = store(&state, stale.mutate(b"2".to_vec())).await.unwrap();
    assert!(!state.expunge(&stale).await.unwrap());
    assert_eq!(fetch(&state, "kept").await, current);
}

pub async fn expunge_of_missing_name_fails(storage: Arc<dyn Storage>) {
    let state = State::new(storage);
    let never_stored = fetch(&state, "missing").await;
    assert!(!state.expunge(&never_stored).await.unwrap());
}

/// Mesos's semantics: with nothing stored under a name there is no version to
/// conflict with, so even a variable fetched before an expunge stores.
pub async fn store_after_expunge_recreates_the_variable(storage: Arc<dyn Storage>) {
    let state = State::new(storage);
    let stored = store(&state, fetch(&state, "again").await.mutate(b"1".to_vec()))
        .await
        .unwrap();
    assert!(state.expunge(&stored).await.unwrap());
    let recreated = store(&state, stored.mutate(b"2".to_vec())).await.unwrap();
    assert_eq!(fetch(&state, "again").await, recreated);
}

pub async fn names_lists_stored_variables_sorted(storage: Arc<dyn Storage>) {
    let state = State::new(storage);
    for name in ["b", "c", "a"] {
        store(&state, fetch(&state, name).await).await.unwrap();
    }
    // Fetching alone stores nothing.
    fetch(&state, "d").await;
    assert_eq!(state.names().await.unwrap(), ["a", "b", "c"]);
}

pub async fn large_values_round_trip(storage: Arc<dyn Storage>) {
    let state = State::new(storage);
    // Larger than ZooKeeper's 1 MB znode limit, like a registry with many
    // thousands of agents.
    let value: Vec<u8> = (0..5 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let stored = store(&state, fetch(&state, "big").await.mutate(value.clone()))
        .await
        .unwrap();
    let fetched = fetch(&state, "big").await;
    assert_eq!(fetched, stored);
    assert!(fetched.into_value() == value);
}

pub async fn many_variables_are_kept_apart(storage: Arc<dyn Storage>) {
    let state = State::new(storage);
    let count = 500;
    for i in 0..count {
        let variable = fetch(&state, &format!("var-{i:04}")).await;
        store(&state, variable.mutate(format!("value-{i}")))
            .await
            .unwrap();
    }
    let names = state.names().await.unwrap();
    assert_eq!(names.len(), count);
    for (i, name) in names.iter().enumerate() {
        assert_eq!(name, &format!("var-{i:04}"));
        assert_eq!(
            fetch(&state, name).await.value(),
            format!("value-{i}").as_bytes()
        );
    }
}

pub async fn concurrent_stores_of_one_version_have_one_winner(storage: Arc<dyn Storage>) {
    let state = State::new(storage);
    for round in 0..20 {
        let base = fetch(&state, "contended").await;
        let (left, right) = tokio::join!(
            tokio::spawn({
                let state = state.clone();
                let variable = base.mutate(format!("left-{round}"));
                async move { state.store(variable).await.unwrap() }
            }),
            tokio::spawn({
                let state = state.clone();
                let variable = base.mutate(format!("right-{round}"));
                async move { state.store(variable).await.unwrap() }
            }),
        );
        let winners: Vec<Variable> = [left.unwrap(), right.unwrap()]
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one store wins");
        assert_eq!(fetch(&state, "contended").await, winners[0]);
    }
}

/// Writers that retry on a lost race, as the Registrar does, never overwrite
/// each other's updates.
pub async fn concurrent_increments_lose_no_update(storage: Arc<dyn Storage>) {
    let state = State::new(storage);
    let (writers, increments) = (4, 25);
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let state = state.clone();
            tokio::spawn(async move {
                for _ in 0..increments {
                    loop {
                        let variable = fetch(&state, "counter").await;
                        let count = decode_count(variable.value());
                        let next = variable.mutate((count + 1).to_le_bytes().to_vec());
                        if store(&state, next).await.is_some() {
                            break;
                        }
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let total = decode_count(fetch(&state, "counter").await.value());
    assert_eq!(total, writers * increments);
}

fn decode_count(value: &[u8]) -> u64 {
    if value.is_empty() {
        0
    } else {
        u64::from_le_bytes(value.try_into().expect("an 8-byte counter"))
    }
}

pub async fn storage_rejects_an_entry_whose_version_is_not_a_uuid(storage: Arc<dyn Storage>) {
    let entry = Entry {
        name: "bad".into(),
        uuid: vec![1, 2, 3],
        value: Vec::new(),
    };
    assert!(storage.set(&entry, Uuid::new_v4()).await.is_err());
    assert!(storage.expunge(&entry).await.is_err());
    assert_eq!(storage.get("bad").await.unwrap(), None);
}
