//! Operator calls that change the cluster: each is recorded in the registry
//! (a master recovering the same registry has it), reaches the agents
//! (`DrainSlaveMessage`, `ShutdownMessage`) and shows in the queries and
//! JSON endpoints.

mod common;

use common::FakeAgent;
use serde_json::{Value as Json, json};
use std::sync::Arc;

async fn query(master: &master::Master, kind: &str) -> Json {
    let answer = common::operator_call(master, json!({ "type": kind })).await;
    assert_eq!(answer.status, 200, "{kind}: {}", answer.text());
    answer.json()
}

#[tokio::test]
async fn weights_and_quotas_are_recorded_and_survive_a_failover() {
    let storage: Arc<dyn state::Storage> = Arc::new(state::InMemoryStorage::default());
    let builder = || master::MasterBuilder::new(common::flags(&[])).storage(Arc::clone(&storage));
    let master = common::start_with(builder()).await;

    let update = json!({"type": "UPDATE_WEIGHTS", "update_weights": {"weight_infos": [
        {"role": "golden", "weight": 2.5}
    ]}});
    assert_eq!(common::operator_call(&master, update).await.status, 200);
    let invalid = json!({"type": "UPDATE_WEIGHTS", "update_weights": {"weight_infos": [
        {"role": "golden", "weight": -1}
    ]}});
    assert_eq!(common::operator_call(&master, invalid).await.status, 400);
    let quota = json!({"type": "UPDATE_QUOTA", "update_quota": {"quota_configs": [
        {"role": "golden", "guarantees": {"cpus": {"value": 1}}, "limits": {"cpus": {"value": 2}}}
    ]}});
    let answer = common::operator_call(&master, quota).await;
    assert_eq!(answer.status, 200, "{}", answer.text());

    let weights = query(&master, "GET_WEIGHTS").await;
    assert_eq!(
        weights["get_weights"]["weight_infos"],
        json!([{"weight": 2.5, "role": "golden"}])
    );
    let roles = common::get_json(&master, "/master/roles").await;
    assert_eq!(roles["roles"][0]["name"], "golden");
    assert_eq!(roles["roles"][0]["weight"], 2.5);
    assert_eq!(
        roles["roles"][0]["quota"]["guarantee"],
        json!({"cpus": 1.0})
    );
    // The deprecated calls, as Mesos 1.9+ reads them.
    let set = json!({"type": "SET_QUOTA", "set_quota": {"quota_request": {
        "role": "old", "guarantee": [{"name": "mem", "type": "SCALAR", "scalar": {"value": 64}}]
    }}});
    assert_eq!(common::operator_call(&master, set).await.status, 200);
    let quota = query(&master, "GET_QUOTA").await;
    let configs = &quota["get_quota"]["status"]["configs"];
    assert_eq!(configs[1]["role"], "old");
    assert_eq!(configs[1]["limits"], json!({"mem": {"value": 64.0}}));
    let remove = json!({"type": "REMOVE_QUOTA", "remove_quota": {"role": "old"}});
    assert_eq!(common::operator_call(&master, remove).await.status, 200);

    master.runtime.shutdown().await;

    let recovered = common::start_with(builder()).await;
    let quota = query(&recovered, "GET_QUOTA").await;
    assert_eq!(quota["get_quota"]["status"]["configs"][0]["role"], "golden");
    assert_eq!(quota["get_quota"]["status"]["configs"][1], Json::Null);
    let weights = query(&recovered, "GET_WEIGHTS").await;
    assert_eq!(weights["get_weights"]["weight_infos"][0]["weight"], 2.5);
}

#[tokio::test]
async fn weights_flag_applies_when_the_registry_has_none() {
    let master = common::start(&["--weights=golden=3,other=0.5"]).await;
    let weights = query(&master, "GET_WEIGHTS").await;
    assert_eq!(
        weights["get_weights"]["weight_infos"],
        json!([{"weight": 3.0, "role": "golden"}, {"weight": 0.5, "role": "other"}])
    );
}

#[tokio::test]
async fn deactivated_drained_and_reactivated_agents() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    let id = agent.register().await;

    let deactivate =
        json!({"type": "DEACTIVATE_AGENT", "deactivate_agent": {"agent_id": {"value": id}}});
    assert_eq!(common::operator_call(&master, deactivate).await.status, 200);
    let state = common::get_json(&master, "/master/state").await;
    assert_eq!(state["slaves"][0]["deactivated"], true);
    assert_eq!(state["slaves"][0]["active"], false);

    let reactivate =
        json!({"type": "REACTIVATE_AGENT", "reactivate_agent": {"agent_id": {"value": id}}});
    assert_eq!(
        common::operator_call(&master, reactivate.clone())
            .await
            .status,
        200
    );
    let again = common::operator_call(&master, reactivate).await;
    assert_eq!(
        (again.status, again.text().as_str()),
        (400, "Agent is not deactivated")
    );
    assert_eq!(
        common::get_json(&master, "/master/state").await["slaves"][0]["active"],
        true
    );

    let drain = json!({"type": "DRAIN_AGENT", "drain_agent": {
        "agent_id": {"value": id}, "max_grace_period": {"seconds": 10}
    }});
    let answer = common::operator_call(&master, drain).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let message = agent.expect("mesos.internal.DrainSlaveMessage").await;
    let drained: proto::mesos::internal::DrainSlaveMessage = message.decode();
    assert_eq!(
        drained.config.max_grace_period.map(|p| p.nanoseconds),
        Some(10_000_000_000)
    );
    let agents = query(&master, "GET_AGENTS").await;
    assert_eq!(
        agents["get_agents"]["agents"][0]["drain_info"]["state"],
        "DRAINING"
    );
    let unknown =
        json!({"type": "DEACTIVATE_AGENT", "deactivate_agent": {"agent_id": {"value": "nope"}}});
    assert_eq!(
        common::operator_call(&master, unknown).await.text(),
        "Unknown agent"
    );
}

#[tokio::test]
async fn a_machine_down_for_maintenance_loses_its_agent_until_it_is_up() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    agent.register().await;
    let machine = json!({"hostname": "localhost", "ip": "127.0.0.1"});

    let schedule = json!({"type": "UPDATE_MAINTENANCE_SCHEDULE", "update_maintenance_schedule": {
        "schedule": {"windows": [{"machine_ids": [machine], "unavailability": {
            "start": {"nanoseconds": 0}
        }}]}
    }});
    let answer = common::operator_call(&master, schedule).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let status = query(&master, "GET_MAINTENANCE_STATUS").await;
    assert_eq!(
        status["get_maintenance_status"]["status"]["draining_machines"][0]["id"],
        machine
    );
    let schedule = common::get_json(&master, "/master/maintenance/schedule").await;
    assert_eq!(schedule["windows"][0]["machine_ids"][0], machine);

    let down = json!({"type": "START_MAINTENANCE", "start_maintenance": {"machines": [machine]}});
    assert_eq!(common::operator_call(&master, down).await.status, 200);
    agent.expect("mesos.internal.ShutdownMessage").await;
    assert_eq!(
        common::get_json(&master, "/master/slaves").await["slaves"],
        json!([])
    );
    let status = common::get_json(&master, "/master/maintenance/status").await;
    assert_eq!(status["down_machines"][0], machine);

    let up = json!({"type": "STOP_MAINTENANCE", "stop_maintenance": {"machines": [machine]}});
    assert_eq!(common::operator_call(&master, up).await.status, 200);
    let schedule = query(&master, "GET_MAINTENANCE_SCHEDULE").await;
    assert_eq!(schedule["get_maintenance_schedule"]["schedule"], json!({}));
}

#[tokio::test]
async fn an_agent_marked_gone_is_shut_down_and_listed_nowhere() {
    let master = common::start(&[]).await;
    let mut agent = FakeAgent::start(&master).await;
    let id = agent.register().await;

    let gone = json!({"type": "MARK_AGENT_GONE", "mark_agent_gone": {"agent_id": {"value": id}}});
    assert_eq!(
        common::operator_call(&master, gone.clone()).await.status,
        200
    );
    let shutdown: proto::mesos::internal::ShutdownMessage = agent
        .expect("mesos.internal.ShutdownMessage")
        .await
        .decode();
    assert_eq!(
        shutdown.message.as_deref(),
        Some("Agent has been marked gone")
    );
    assert_eq!(
        query(&master, "GET_AGENTS").await["get_agents"]["agents"],
        json!([])
    );
    // Marking it again is no error, as in Mesos.
    assert_eq!(common::operator_call(&master, gone).await.status, 200);
    let unknown =
        json!({"type": "MARK_AGENT_GONE", "mark_agent_gone": {"agent_id": {"value": "nope"}}});
    assert_eq!(common::operator_call(&master, unknown).await.status, 404);
}

#[tokio::test]
async fn changes_the_acls_deny_are_forbidden_and_leave_the_cluster_as_it_was() {
    let acls = json!({
        "permissive": false,
        "update_weights": [{"principals": {"type": "ANY"}, "roles": {"values": ["allowed"]}}]
    });
    let master = common::start(&[&format!("--acls={acls}")]).await;
    let weight = |role: &str| {
        json!({"type": "UPDATE_WEIGHTS", "update_weights": {"weight_infos": [
            {"role": role, "weight": 2}
        ]}})
    };
    let denied = common::operator_call(&master, weight("denied")).await;
    assert_eq!(denied.status, 403, "{}", denied.text());
    let allowed = common::operator_call(&master, weight("allowed")).await;
    assert_eq!(allowed.status, 200, "{}", allowed.text());
    let gone = json!({"type": "MARK_AGENT_GONE", "mark_agent_gone": {"agent_id": {"value": "x"}}});
    assert_eq!(common::operator_call(&master, gone).await.status, 403);
    let weights = common::get_json(&master, "/master/weights").await;
    assert_eq!(weights, json!([{"weight": 2.0, "role": "allowed"}]));
}
