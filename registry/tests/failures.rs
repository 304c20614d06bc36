//! Failures are never silent: a store that fails, outlasts
//! `--registry_store_timeout` or meets another writer stops the Registrar for
//! good, and a registry that cannot be fetched or read fails recovery and is
//! left as it was.

mod common;

use common::*;
use prost::Message;
use proto::mesos::internal::Registry;
use proto::mesos::internal::registry::{Slave, Slaves};
use registry::{Operation, Outcome, REGISTRY_VARIABLE, Registrar, RegistrarConfig, RegistrarError};
use state::{InMemoryStorage, State, Storage};
use std::sync::Arc;
use std::time::Duration;

fn is_aborted_by(error: &RegistrarError, cause: impl Fn(&RegistrarError) -> bool) -> bool {
    matches!(error, RegistrarError::Aborted(inner) if cause(inner))
}

/// Applies `operation` on a task of its own, so that it can be queued
/// behind a store in flight.
fn spawn_apply(
    registrar: &Registrar,
    operation: Operation,
) -> tokio::task::JoinHandle<Result<Outcome, RegistrarError>> {
    let registrar = registrar.clone();
    tokio::spawn(async move { registrar.apply(operation).await })
}

#[tokio::test(start_paused = true)]
async fn a_store_outlasting_the_timeout_stops_the_registrar() {
    let (storage, mut sets) = GatedStorage::new();
    let registrar = recover_gated(&storage, &mut sets).await;

    let in_flight = spawn_apply(&registrar, Operation::AdmitAgent(agent(0)));
    sets.recv().await.unwrap();
    let queued = spawn_apply(&registrar, Operation::AdmitAgent(agent(1)));
    // The store never completes; the paused clock jumps to the timeout.
    let timed_out = |e: &RegistrarError| matches!(e, RegistrarError::StoreTimeout(d) if *d == Duration::from_secs(20));
    let error = in_flight.await.unwrap().unwrap_err();
    assert!(is_aborted_by(&error, timed_out), "{error}");
    assert!(
        error.to_string().contains("--registry_store_timeout"),
        "{error}"
    );
    let error = queued.await.unwrap().unwrap_err();
    assert!(is_aborted_by(&error, timed_out), "{error}");

    assert!(timed_out(&*registrar.failed().await));
    let later = registrar
        .apply(Operation::AdmitAgent(agent(2)))
        .await
        .unwrap_err();
    assert!(is_aborted_by(&later, timed_out), "{later}");
    assert!(
        registrar.registry().await.is_err(),
        "nothing is served once stopped"
    );
}

#[tokio::test]
async fn a_failed_store_stops_the_registrar() {
    let (storage, mut sets) = GatedStorage::new();
    let registrar = recover_gated(&storage, &mut sets).await;
    storage.fail_sets();
    storage.release(1);

    let error = registrar
        .apply(Operation::AdmitAgent(agent(0)))
        .await
        .unwrap_err();
    let store_failed = |e: &RegistrarError| matches!(e, RegistrarError::Store(_));
    assert!(is_aborted_by(&error, store_failed), "{error}");
    assert!(error.to_string().contains("the disk is on fire"), "{error}");
    assert!(store_failed(&registrar.failure().expect("stopped")));
    assert!(
        registrar
            .apply(Operation::AdmitAgent(agent(1)))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_master_whose_registry_was_taken_over_stops() {
    let storage: Arc<dyn Storage> = Arc::new(InMemoryStorage::new());
    let recover = |id: &str| {
        let state = State::new(Arc::clone(&storage));
        Registrar::recover(state, master(id), RegistrarConfig::default())
    };
    let (old, _) = recover("old").await.unwrap();
    old.apply(Operation::AdmitAgent(agent(0))).await.unwrap();
    let (new, recovered) = recover("new").await.unwrap();
    assert_eq!(admitted_ids(&recovered), [agent_id(0)]);

    let error = old
        .apply(Operation::AdmitAgent(agent(1)))
        .await
        .unwrap_err();
    assert!(
        is_aborted_by(&error, |e| matches!(e, RegistrarError::VersionMismatch)),
        "{error}"
    );

    // The new leader is unaffected, and the old one's admission never landed.
    new.apply(Operation::AdmitAgent(agent(2))).await.unwrap();
    let registry = new.registry().await.unwrap();
    assert_eq!(admitted_ids(&registry), [agent_id(0), agent_id(2)]);
    assert_eq!(registry.master.unwrap().info.id, "new");
}

#[tokio::test(start_paused = true)]
async fn a_fetch_outlasting_the_timeout_fails_recovery() {
    let (storage, _calls) = GatedStorage::gating_gets();
    let config = RegistrarConfig {
        fetch_timeout: Duration::from_secs(5),
        ..RegistrarConfig::default()
    };
    let error = Registrar::recover(State::new(storage), master("m"), config)
        .await
        .unwrap_err();
    assert!(
        matches!(error, RegistrarError::FetchTimeout(d) if d == Duration::from_secs(5)),
        "{error}"
    );
}

/// Stores `value` as the registry variable behind the Registrar's back.
async fn store_raw(state: &State, value: Vec<u8>) {
    let variable = state.fetch(REGISTRY_VARIABLE).await.unwrap();
    state.store(variable.mutate(value)).await.unwrap().unwrap();
}

async fn assert_recovery_refuses(value: Vec<u8>, expected: &str) {
    let state = State::new(Arc::new(InMemoryStorage::new()));
    store_raw(&state, value.clone()).await;
    let error = Registrar::recover(state.clone(), master("m"), RegistrarConfig::default())
        .await
        .unwrap_err();
    assert!(matches!(error, RegistrarError::Corrupt(_)), "{error:?}");
    assert!(error.to_string().contains(expected), "{error}");
    let left = state.fetch(REGISTRY_VARIABLE).await.unwrap();
    assert_eq!(left.value(), value, "the stored registry is left alone");
}

#[tokio::test]
async fn an_unreadable_registry_fails_recovery_and_is_left_alone() {
    assert_recovery_refuses(b"\xff\xff\xff not a registry".to_vec(), "unreadable").await;
}

#[tokio::test]
async fn a_registry_missing_required_fields_fails_recovery() {
    // `slaves` (field 2) holding one `Slave` (field 1) of zero bytes: an
    // admitted agent without its required `info`. prost alone would accept it.
    let agent_without_info = vec![0x12, 0x02, 0x0a, 0x00];
    assert!(Registry::decode(&agent_without_info[..]).is_ok());
    assert_recovery_refuses(agent_without_info, "info").await;
}

#[tokio::test]
async fn a_registry_written_by_mesos_is_recovered_with_the_new_master() {
    let state = State::new(Arc::new(InMemoryStorage::new()));
    let stored = Registry {
        slaves: Some(Slaves {
            slaves: vec![Slave {
                info: agent(0),
                drain_info: None,
                deactivated: None,
            }],
        }),
        ..Default::default()
    };
    store_raw(&state, stored.encode_to_vec()).await;
    let (registrar, recovered) =
        Registrar::recover(state.clone(), master("next"), RegistrarConfig::default())
            .await
            .unwrap();
    assert_eq!(admitted_ids(&recovered), [agent_id(0)]);
    assert_eq!(recovered.master.as_ref().unwrap().info.id, "next");
    // The new master info is durable before recovery returns.
    let durable: Registry =
        proto::decode(state.fetch(REGISTRY_VARIABLE).await.unwrap().value()).unwrap();
    assert_eq!(durable, recovered);
    // And the recovered agents are admitted: admitting again is refused.
    let again = registrar
        .apply(Operation::AdmitAgent(agent(0)))
        .await
        .unwrap();
    assert!(!again.accepted());
}
