//! Registry garbage collection: every `--registry_gc_interval` after
//! recovery, the leader prunes unreachable and gone agents older than
//! `--registry_max_agent_age` (or beyond `--registry_max_agent_count`) from
//! the registry, then forgets them, as Mesos's `doRegistryGc` does.

mod common;

use common::wait_for_metric;
use proto::mesos::SlaveId;
use proto::mesos::internal::Registry;
use proto::mesos::internal::registry::{
    GoneSlave, GoneSlaves, UnreachableSlave, UnreachableSlaves,
};
use registry::{REGISTRY_VARIABLE, time_info};
use state::{InMemoryStorage, State};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const HOUR: Duration = Duration::from_secs(3600);

fn ids<'a>(ids: impl Iterator<Item = &'a SlaveId>) -> Vec<String> {
    ids.map(|id| id.value.clone()).collect()
}

#[tokio::test]
async fn old_unreachable_and_gone_agents_are_pruned_after_recovery() {
    let now = SystemTime::now();
    let unreachable = |id: &str, age: Duration| UnreachableSlave {
        id: SlaveId { value: id.into() },
        timestamp: time_info(now - age),
        drain_info: None,
        deactivated: None,
    };
    let gone = |id: &str, age: Duration| GoneSlave {
        id: SlaveId { value: id.into() },
        timestamp: time_info(now - age),
    };
    let registry = Registry {
        unreachable: Some(UnreachableSlaves {
            slaves: vec![
                unreachable("old-1", HOUR * 2),
                unreachable("recent", Duration::ZERO),
                unreachable("old-2", HOUR * 3),
            ],
        }),
        gone: Some(GoneSlaves {
            slaves: vec![
                gone("old-gone", HOUR * 5),
                gone("recent-gone", Duration::ZERO),
            ],
        }),
        ..Default::default()
    };
    let storage = Arc::new(InMemoryStorage::new());
    let state = State::new(storage.clone());
    let empty = state.fetch(REGISTRY_VARIABLE).await.unwrap();
    state
        .store(empty.mutate(prost::Message::encode_to_vec(&registry)))
        .await
        .unwrap()
        .expect("nobody else stores");

    let flags = common::flags(&[
        "--registry_gc_interval=1secs",
        "--registry_max_agent_age=1hrs",
    ]);
    let master = common::start_with(master::MasterBuilder::new(flags).storage(storage)).await;
    assert_eq!(common::metric(&master, "master/slaves_unreachable"), 3.0);

    wait_for_metric(&master, "master/slaves_unreachable", 1.0).await;
    let stored = master.state.fetch(REGISTRY_VARIABLE).await.unwrap();
    let stored: Registry = proto::decode(stored.value()).unwrap();
    let unreachable = stored.unreachable.unwrap_or_default();
    assert_eq!(ids(unreachable.slaves.iter().map(|s| &s.id)), ["recent"]);
    let gone = stored.gone.unwrap_or_default();
    assert_eq!(ids(gone.slaves.iter().map(|s| &s.id)), ["recent-gone"]);
}
