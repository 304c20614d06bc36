//! While a store is in flight, operations queue; then they all go into one
//! store, and no caller hears its outcome before its batch is durable.

mod common;

use common::*;
use prost::Message;
use registry::{Operation, Outcome, Registrar};
use tokio::task::JoinHandle;

fn admit(registrar: &Registrar, n: usize) -> JoinHandle<Outcome> {
    let registrar = registrar.clone();
    tokio::spawn(async move {
        registrar
            .apply(Operation::AdmitAgent(agent(n)))
            .await
            .unwrap()
    })
}

async fn until_queued(registrar: &Registrar, count: u64) {
    while registrar.metrics().queued_operations < count {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn operations_arriving_during_a_store_share_the_next_store() {
    let (storage, mut sets) = GatedStorage::new();
    let registrar = recover_gated(&storage, &mut sets).await;

    let first = admit(&registrar, 0);
    sets.recv().await.unwrap();
    // The first store is in flight: these ten queue behind it. One of them
    // admits agent 0 again.
    let queued: Vec<_> = (1..=9).chain([0]).map(|n| admit(&registrar, n)).collect();
    until_queued(&registrar, 10).await;
    tokio::task::yield_now().await;
    assert!(
        !first.is_finished(),
        "no answer before the store is durable"
    );

    storage.release(1);
    assert_eq!(first.await.unwrap(), Outcome::Mutated);
    sets.recv().await.unwrap();
    assert_eq!(
        registrar.metrics().queued_operations,
        0,
        "all ten left the queue for one store"
    );
    assert!(queued.iter().all(|task| !task.is_finished()));

    storage.release(1);
    let mut outcomes = Vec::new();
    for task in queued {
        outcomes.push(task.await.unwrap());
    }
    assert!(
        outcomes[..9]
            .iter()
            .all(|outcome| *outcome == Outcome::Mutated)
    );
    assert!(
        matches!(&outcomes[9], Outcome::Refused(reason) if reason.contains("already admitted"))
    );
    assert!(sets.try_recv().is_err(), "the batch took exactly one store");
    assert_eq!(
        registrar.metrics().stores,
        3,
        "recovery, the first admission, the batch"
    );
    assert_eq!(admitted_ids(&registrar.registry().await.unwrap()).len(), 10);
}

#[tokio::test]
async fn a_read_sees_every_operation_sent_before_it() {
    let (storage, mut sets) = GatedStorage::new();
    let registrar = recover_gated(&storage, &mut sets).await;

    let admission = admit(&registrar, 0);
    sets.recv().await.unwrap();
    let read = tokio::spawn({
        let registrar = registrar.clone();
        async move { registrar.registry().await.unwrap() }
    });
    tokio::task::yield_now().await;
    assert!(
        !read.is_finished(),
        "the read waits for the admission's store"
    );
    storage.release(1);
    admission.await.unwrap();
    assert_eq!(admitted_ids(&read.await.unwrap()), [agent_id(0)]);
}

#[tokio::test]
async fn every_batch_is_stored_even_when_nothing_changed() {
    let registrar = in_memory_registrar().await;
    let before = registrar.metrics().stores;
    let outcome = registrar
        .apply(Operation::RemoveAgent(agent(0)))
        .await
        .unwrap();
    assert!(!outcome.accepted());
    assert_eq!(registrar.metrics().stores, before + 1);
}

#[tokio::test]
async fn metrics_report_the_stored_registry_size() {
    let registrar = in_memory_registrar().await;
    for n in 0..3 {
        registrar
            .apply(Operation::AdmitAgent(agent(n)))
            .await
            .unwrap();
    }
    let metrics = registrar.metrics();
    let registry = registrar.registry().await.unwrap();
    assert_eq!(metrics.registry_size_bytes, registry.encoded_len() as u64);
    assert_eq!(metrics.queued_operations, 0);
    assert_eq!(metrics.stores, 4);
}

#[tokio::test]
async fn every_store_is_reported_to_the_observer() {
    let observed = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = std::sync::Arc::clone(&observed);
    let state = registry::State::new(std::sync::Arc::new(state::InMemoryStorage::new()));
    let (registrar, _) = Registrar::recover_observed(
        state,
        master("master"),
        registry::RegistrarConfig::default(),
        move |_elapsed| {
            counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        },
    )
    .await
    .unwrap();
    for n in 0..2 {
        registrar
            .apply(Operation::AdmitAgent(agent(n)))
            .await
            .unwrap();
    }
    // Recovery's store and one per batch, as `stores` counts them.
    assert_eq!(observed.load(std::sync::atomic::Ordering::Relaxed), 3);
    assert_eq!(registrar.metrics().stores, 3);
}
