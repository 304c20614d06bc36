//! Operator RESERVE_RESOURCES and CREATE_VOLUMES against a `mesos-sim`
//! agent, end to end: the agent applies them (`ApplyOperationMessage`, or
//! `CheckpointResourcesMessage` when it lacks the RESOURCE_PROVIDER
//! capability), the operations finish and are acknowledged (gone from
//! GET_OPERATIONS), `/master/slaves` shows the reservation and the volume,
//! and a new master recovering the same registry gets both back from the
//! reregistering agent.

mod common;

use std::sync::Arc;

use common::wait_for_metric;
use detector::StandaloneMasterDetector;
use libprocess::{Config, Runtime};
use mesos_sim::{AGENT_CAPABILITIES, Fleet, FleetConfig, master_info};
use proto::mesos::slave_info::capability::Type as Capability;
use serde_json::{Value as Json, json};

fn reserved_disk(size: f64) -> Json {
    json!({
        "name": "disk", "type": "SCALAR", "scalar": {"value": size},
        "reservations": [{"type": "DYNAMIC", "role": "web"}]
    })
}

fn volume(size: f64) -> Json {
    let mut volume = reserved_disk(size);
    volume["disk"] = json!({
        "persistence": {"id": "data"},
        "volume": {"container_path": "data", "mode": "RW"}
    });
    volume
}

async fn operations(master: &master::Master) -> Vec<Json> {
    let answer = common::operator_call(master, json!({"type": "GET_OPERATIONS"})).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    answer.json()["get_operations"]["operations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// What `/master/slaves` says is reserved to `web` on the only agent:
/// (plain reserved disk, volume ids with their sizes).
async fn reserved_to_web(master: &master::Master) -> (f64, Vec<(String, f64)>) {
    let slaves = common::get_json(master, "/master/slaves").await;
    let full = slaves["slaves"][0]["reserved_resources_full"]["web"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut plain = 0.0;
    let mut volumes = Vec::new();
    for resource in full {
        let size = resource["scalar"]["value"].as_f64().unwrap();
        match resource["disk"]["persistence"]["id"].as_str() {
            Some(id) => volumes.push((id.to_owned(), size)),
            None => plain += size,
        }
    }
    (plain, volumes)
}

/// Polls (each look yields to the master) until `/master/slaves` and
/// GET_OPERATIONS agree with `expected` and nothing is pending.
async fn settle(master: &master::Master, expected: &(f64, Vec<(String, f64)>)) {
    common::ha::patiently("the operations to finish", async {
        loop {
            if &reserved_to_web(master).await == expected && operations(master).await.is_empty() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
}

/// Reserves 100 of disk to `web` and makes a volume of 10 of it on one
/// simulated agent advertising `capabilities`, then fails the master over.
async fn reserve_create_and_fail_over(capabilities: Vec<Capability>) {
    let storage = Arc::new(state::InMemoryStorage::new());
    let first =
        common::start_with(master::MasterBuilder::new(common::flags(&[])).storage(storage.clone()))
            .await;
    let detector = Arc::new(StandaloneMasterDetector::new(Some(master_info(
        &common::master_upid(&first),
    ))));
    let agents = Runtime::start(Config::loopback()).await.unwrap();
    let config = FleetConfig {
        capabilities,
        ..FleetConfig::new(1)
    };
    let fleet = Fleet::start(&agents, config, detector.clone())
        .await
        .unwrap();
    wait_for_metric(&first, "master/slaves_active", 1.0).await;
    let agent_id = registered_id(&fleet).await;

    let reserve = json!({"type": "RESERVE_RESOURCES", "reserve_resources": {
        "agent_id": {"value": agent_id}, "resources": [reserved_disk(100.0)]
    }});
    let answer = common::operator_call(&first, reserve).await;
    assert_eq!(answer.status, 202, "{}", answer.text());
    settle(&first, &(100.0, Vec::new())).await;

    let create = json!({"type": "CREATE_VOLUMES", "create_volumes": {
        "agent_id": {"value": agent_id}, "volumes": [volume(10.0)]
    }});
    let answer = common::operator_call(&first, create).await;
    assert_eq!(answer.status, 202, "{}", answer.text());
    let expected = (90.0, vec![("data".to_owned(), 10.0)]);
    settle(&first, &expected).await;
    assert_eq!(
        fleet.statuses().await[0].pending_operations,
        0,
        "the agent's reports were acknowledged"
    );

    // A new master recovers the registry; the agent brings its
    // reservation and volume back.
    first.runtime.shutdown().await;
    let second =
        common::start_with(master::MasterBuilder::new(common::flags(&[])).storage(storage)).await;
    detector.appoint(Some(master_info(&common::master_upid(&second))));
    wait_for_metric(&second, "master/slave_reregistrations", 1.0).await;
    assert_eq!(reserved_to_web(&second).await, expected);

    fleet.stop().await;
    agents.shutdown().await;
}

#[tokio::test]
async fn operations_on_a_simulated_agent_finish_and_outlive_a_failover() {
    reserve_create_and_fail_over(AGENT_CAPABILITIES.to_vec()).await;
}

#[tokio::test]
async fn an_agent_without_resource_providers_checkpoints_what_it_is_sent() {
    let mut capabilities = AGENT_CAPABILITIES.to_vec();
    capabilities.retain(|capability| *capability != Capability::ResourceProvider);
    reserve_create_and_fail_over(capabilities).await;
}

/// The id the fleet's one agent was given: the master counts the agent
/// active before the agent has read its `SlaveRegisteredMessage`.
async fn registered_id(fleet: &Fleet) -> String {
    let started = std::time::Instant::now();
    loop {
        if let Some(id) = fleet.statuses().await[0].slave_id.clone() {
            return id;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the agent never learned its id"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
