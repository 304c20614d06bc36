//! Agents, masters and storages shared by the Registrar's tests.

#![allow(dead_code)] // Each test file uses its own part of this module.

use async_trait::async_trait;
use proto::mesos::{MasterInfo, Resource, SlaveId, SlaveInfo, value};
use registry::{Registrar, RegistrarConfig, Registry};
use state::{Entry, InMemoryStorage, State, StateError, Storage};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{Semaphore, mpsc};
use uuid::Uuid;

pub fn master(id: &str) -> MasterInfo {
    MasterInfo {
        id: id.to_owned(),
        ip: 0x0100_007f,
        port: 5050,
        hostname: Some("master".into()),
        ..Default::default()
    }
}

pub fn agent_id(n: usize) -> String {
    format!("master-S{n}")
}

/// An agent as it registers: a hostname, an id and a typical resource set.
pub fn agent(n: usize) -> SlaveInfo {
    let scalar = |name: &str, amount: f64| Resource {
        name: name.into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value: amount }),
        ..Default::default()
    };
    SlaveInfo {
        hostname: format!("agent-{n}.example.org"),
        port: Some(5051),
        id: Some(SlaveId { value: agent_id(n) }),
        resources: vec![
            scalar("cpus", 8.0),
            scalar("mem", 32768.0),
            scalar("disk", 102400.0),
        ],
        ..Default::default()
    }
}

pub fn admitted_ids(registry: &Registry) -> Vec<String> {
    registry
        .slaves
        .iter()
        .flat_map(|slaves| &slaves.slaves)
        .map(|slave| slave.info.id.clone().unwrap().value)
        .collect()
}

pub fn unreachable_ids(registry: &Registry) -> Vec<String> {
    registry
        .unreachable
        .iter()
        .flat_map(|list| &list.slaves)
        .map(|slave| slave.id.value.clone())
        .collect()
}

pub fn gone_ids(registry: &Registry) -> Vec<String> {
    registry
        .gone
        .iter()
        .flat_map(|list| &list.slaves)
        .map(|slave| slave.id.value.clone())
        .collect()
}

/// A Registrar recovered over a fresh in-memory storage.
pub async fn in_memory_registrar() -> Registrar {
    let state = State::new(Arc::new(InMemoryStorage::new()));
    Registrar::recover(state, master("master"), RegistrarConfig::default())
        .await
        .expect("recover")
        .0
}

/// An in-memory storage that a test drives: every `set` (and, if asked,
/// every `get`) announces itself and waits for a permit, so that a test can
/// hold a store in flight; and stores can be made to fail.
#[derive(Debug)]
pub struct GatedStorage {
    inner: InMemoryStorage,
    entered: mpsc::UnboundedSender<()>,
    permits: Semaphore,
    gate_gets: bool,
    fail_sets: AtomicBool,
}

impl GatedStorage {
    /// A storage gating `set`s, and the receiver that gets one message per
    /// gated call that started.
    pub fn new() -> (Arc<GatedStorage>, mpsc::UnboundedReceiver<()>) {
        Self::build(false)
    }

    /// A storage gating `get`s as well as `set`s.
    pub fn gating_gets() -> (Arc<GatedStorage>, mpsc::UnboundedReceiver<()>) {
        Self::build(true)
    }

    fn build(gate_gets: bool) -> (Arc<GatedStorage>, mpsc::UnboundedReceiver<()>) {
        let (entered, calls) = mpsc::unbounded_channel();
        let storage = GatedStorage {
            inner: InMemoryStorage::new(),
            entered,
            permits: Semaphore::new(0),
            gate_gets,
            fail_sets: AtomicBool::new(false),
        };
        (Arc::new(storage), calls)
    }

    /// Lets `count` more gated calls complete.
    pub fn release(&self, count: usize) {
        self.permits.add_permits(count);
    }

    /// Makes every later `set` fail once it is let through.
    pub fn fail_sets(&self) {
        self.fail_sets.store(true, Ordering::SeqCst);
    }

    async fn gate(&self) {
        self.entered.send(()).unwrap();
        self.permits.acquire().await.unwrap().forget();
    }
}

#[async_trait]
impl Storage for GatedStorage {
    async fn get(&self, name: &str) -> Result<Option<Entry>, StateError> {
        if self.gate_gets {
            self.gate().await;
        }
        self.inner.get(name).await
    }

    async fn set(&self, entry: &Entry, expected: Uuid) -> Result<bool, StateError> {
        self.gate().await;
        if self.fail_sets.load(Ordering::SeqCst) {
            return Err(StateError::CorruptEntry {
                name: entry.name.clone(),
                reason: "the disk is on fire".into(),
            });
        }
        self.inner.set(entry, expected).await
    }

    async fn expunge(&self, entry: &Entry) -> Result<bool, StateError> {
        self.inner.expunge(entry).await
    }

    async fn names(&self) -> Result<Vec<String>, StateError> {
        self.inner.names().await
    }
}

/// Recovers a Registrar over `storage`, letting recovery's one store through.
pub async fn recover_gated(
    storage: &Arc<GatedStorage>,
    calls: &mut mpsc::UnboundedReceiver<()>,
) -> Registrar {
    storage.release(1);
    let registrar = Registrar::recover(
        State::new(Arc::clone(storage) as Arc<dyn Storage>),
        master("master"),
        RegistrarConfig::default(),
    )
    .await
    .expect("recover")
    .0;
    calls.recv().await.unwrap();
    registrar
}
