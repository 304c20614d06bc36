//! Each registry operation follows Mesos's rules: what it changes, when the
//! registry already is as it asks, and when it is refused (changing nothing).
//! Run through a Registrar over in-memory storage, so every outcome is also
//! the durable one.

mod common;

use common::*;
use proto::mesos::internal::Registry;
use proto::mesos::maintenance::{Schedule, Window};
use proto::mesos::quota::QuotaConfig;
use proto::mesos::value::Scalar;
use proto::mesos::{
    DrainState, DurationInfo, MachineId, SlaveId, TimeInfo, Unavailability, WeightInfo,
    machine_info,
};
use registry::{AgentGc, Operation, Outcome, Pruned, Registrar};
use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

fn at(seconds: i64) -> TimeInfo {
    TimeInfo {
        nanoseconds: seconds * 1_000_000_000,
    }
}

fn id(n: usize) -> SlaveId {
    SlaveId { value: agent_id(n) }
}

async fn apply(registrar: &Registrar, operation: Operation) -> Outcome {
    registrar
        .apply(operation)
        .await
        .expect("the store succeeds")
}

async fn assert_refused(registrar: &Registrar, operation: Operation, reason: &str) {
    let before = registrar.registry().await.unwrap();
    match apply(registrar, operation).await {
        Outcome::Refused(text) => assert!(text.contains(reason), "{text}"),
        other => panic!("expected a refusal containing {reason:?}, got {other:?}"),
    }
    assert_eq!(
        registrar.registry().await.unwrap(),
        before,
        "a refusal changes nothing"
    );
}

fn capabilities(registry: &Registry) -> Vec<&str> {
    registry
        .minimum_capabilities
        .iter()
        .map(|capability| capability.capability.as_str())
        .collect()
}

#[tokio::test]
async fn admitting_an_agent_twice_is_refused() {
    let registrar = in_memory_registrar().await;
    assert_eq!(
        apply(&registrar, Operation::AdmitAgent(agent(0))).await,
        Outcome::Mutated
    );
    assert_refused(
        &registrar,
        Operation::AdmitAgent(agent(0)),
        "already admitted",
    )
    .await;
    assert_eq!(
        admitted_ids(&registrar.registry().await.unwrap()),
        [agent_id(0)]
    );
}

#[tokio::test]
#[allow(deprecated)] // `role`: the pre-refinement field older masters read.
async fn admitted_resources_are_kept_in_the_format_older_masters_read() {
    let registrar = in_memory_registrar().await;
    apply(&registrar, Operation::AdmitAgent(agent(0))).await;
    let registry = registrar.registry().await.unwrap();
    let stored = &registry.slaves.unwrap().slaves[0].info;
    assert!(
        stored
            .resources
            .iter()
            .all(|resource| resource.role.as_deref() == Some("*"))
    );
    assert!(
        stored
            .resources
            .iter()
            .all(|resource| resource.reservations.is_empty())
    );
}

#[tokio::test]
async fn an_agent_without_an_id_is_refused() {
    let registrar = in_memory_registrar().await;
    let mut info = agent(0);
    info.id = None;
    assert_refused(&registrar, Operation::AdmitAgent(info), "has no id").await;
}

#[tokio::test]
async fn updating_an_agent_needs_it_admitted_and_a_change() {
    let registrar = in_memory_registrar().await;
    assert_refused(
        &registrar,
        Operation::UpdateAgent(agent(0)),
        "not yet admitted",
    )
    .await;
    apply(&registrar, Operation::AdmitAgent(agent(0))).await;
    assert_eq!(
        apply(&registrar, Operation::UpdateAgent(agent(0))).await,
        Outcome::Unchanged
    );

    let mut moved = agent(0);
    moved.hostname = "elsewhere".into();
    assert_eq!(
        apply(&registrar, Operation::UpdateAgent(moved)).await,
        Outcome::Mutated
    );
    let registry = registrar.registry().await.unwrap();
    assert_eq!(
        registry.slaves.unwrap().slaves[0].info.hostname,
        "elsewhere"
    );
}

#[tokio::test]
async fn unreachable_agents_move_lists_and_come_back() {
    let registrar = in_memory_registrar().await;
    let unreachable = |n| Operation::MarkAgentUnreachable {
        info: agent(n),
        at: at(100),
    };
    assert_refused(&registrar, unreachable(0), "not yet admitted").await;

    apply(&registrar, Operation::AdmitAgent(agent(0))).await;
    apply(&registrar, Operation::DeactivateAgent(id(0))).await;
    assert_eq!(apply(&registrar, unreachable(0)).await, Outcome::Mutated);
    let registry = registrar.registry().await.unwrap();
    assert!(admitted_ids(&registry).is_empty());
    let entry = &registry.unreachable.as_ref().unwrap().slaves[0];
    assert_eq!(
        (entry.id.value.as_str(), entry.timestamp),
        (agent_id(0).as_str(), at(100))
    );
    assert!(entry.deactivated(), "deactivation travels with the agent");

    assert_eq!(
        apply(&registrar, Operation::MarkAgentReachable(agent(0))).await,
        Outcome::Mutated
    );
    let registry = registrar.registry().await.unwrap();
    assert_eq!(admitted_ids(&registry), [agent_id(0)]);
    assert!(unreachable_ids(&registry).is_empty());
    assert!(registry.slaves.unwrap().slaves[0].deactivated());

    // Already admitted (a master failed over): nothing to do.
    assert_eq!(
        apply(&registrar, Operation::MarkAgentReachable(agent(0))).await,
        Outcome::Unchanged
    );
}

#[tokio::test]
async fn an_unknown_agent_marked_reachable_is_admitted() {
    let registrar = in_memory_registrar().await;
    assert_eq!(
        apply(&registrar, Operation::MarkAgentReachable(agent(7))).await,
        Outcome::Mutated
    );
    assert_eq!(
        admitted_ids(&registrar.registry().await.unwrap()),
        [agent_id(7)]
    );
}

#[tokio::test]
async fn removing_an_agent_needs_it_admitted() {
    let registrar = in_memory_registrar().await;
    apply(&registrar, Operation::AdmitAgent(agent(0))).await;
    apply(&registrar, Operation::AdmitAgent(agent(1))).await;
    assert_eq!(
        apply(&registrar, Operation::RemoveAgent(agent(0))).await,
        Outcome::Mutated
    );
    assert_refused(
        &registrar,
        Operation::RemoveAgent(agent(0)),
        "not yet admitted",
    )
    .await;
    assert_eq!(
        admitted_ids(&registrar.registry().await.unwrap()),
        [agent_id(1)]
    );
    // Removed agents can be admitted again.
    assert_eq!(
        apply(&registrar, Operation::AdmitAgent(agent(0))).await,
        Outcome::Mutated
    );
}

#[tokio::test]
async fn agents_are_marked_gone_once_from_either_list() {
    let registrar = in_memory_registrar().await;
    let gone = |n| Operation::MarkAgentGone {
        id: id(n),
        at: at(5),
    };
    assert_refused(&registrar, gone(0), "Failed to find agent").await;

    apply(&registrar, Operation::AdmitAgent(agent(0))).await;
    apply(&registrar, Operation::AdmitAgent(agent(1))).await;
    apply(
        &registrar,
        Operation::MarkAgentUnreachable {
            info: agent(1),
            at: at(1),
        },
    )
    .await;
    assert_eq!(apply(&registrar, gone(0)).await, Outcome::Mutated);
    assert_eq!(apply(&registrar, gone(1)).await, Outcome::Mutated);
    assert_refused(&registrar, gone(0), "already marked as gone").await;

    let registry = registrar.registry().await.unwrap();
    assert!(admitted_ids(&registry).is_empty());
    assert!(unreachable_ids(&registry).is_empty());
    assert_eq!(gone_ids(&registry), [agent_id(0), agent_id(1)]);
    // A gone agent never comes back through admission checks on its id.
    assert_refused(
        &registrar,
        Operation::RemoveAgent(agent(0)),
        "not yet admitted",
    )
    .await;
}

#[tokio::test]
async fn draining_deactivates_and_needs_the_agent_draining_capability() {
    let registrar = in_memory_registrar().await;
    let drain = |n| Operation::DrainAgent {
        id: id(n),
        max_grace_period: Some(DurationInfo {
            nanoseconds: 60_000_000_000,
        }),
        mark_gone: true,
    };
    // Unknown agents: nothing to drain.
    assert_eq!(apply(&registrar, drain(0)).await, Outcome::Unchanged);
    assert_eq!(
        apply(&registrar, Operation::MarkAgentDrained(id(0))).await,
        Outcome::Unchanged
    );

    apply(&registrar, Operation::AdmitAgent(agent(0))).await;
    apply(&registrar, Operation::AdmitAgent(agent(1))).await;
    assert_refused(
        &registrar,
        Operation::MarkAgentDrained(id(0)),
        "is not DRAINING",
    )
    .await;
    assert_eq!(apply(&registrar, drain(0)).await, Outcome::Mutated);
    assert_eq!(
        apply(&registrar, Operation::DeactivateAgent(id(1))).await,
        Outcome::Mutated
    );

    let registry = registrar.registry().await.unwrap();
    let slave = &registry.slaves.as_ref().unwrap().slaves[0];
    let drain_info = slave.drain_info.as_ref().unwrap();
    assert_eq!(drain_info.state(), DrainState::Draining);
    assert_eq!(drain_info.config.mark_gone, Some(true));
    assert!(slave.deactivated());
    assert_eq!(capabilities(&registry), ["AGENT_DRAINING"]);

    assert_eq!(
        apply(&registrar, Operation::MarkAgentDrained(id(0))).await,
        Outcome::Mutated
    );
    let registry = registrar.registry().await.unwrap();
    let drain_info = registry.slaves.as_ref().unwrap().slaves[0]
        .drain_info
        .unwrap();
    assert_eq!(drain_info.state(), DrainState::Drained);

    // The capability goes with the last deactivated agent.
    assert_eq!(
        apply(&registrar, Operation::ReactivateAgent(id(0))).await,
        Outcome::Mutated
    );
    assert_eq!(
        capabilities(&registrar.registry().await.unwrap()),
        ["AGENT_DRAINING"]
    );
    assert_eq!(
        apply(&registrar, Operation::ReactivateAgent(id(1))).await,
        Outcome::Mutated
    );
    let registry = registrar.registry().await.unwrap();
    assert!(capabilities(&registry).is_empty());
    assert!(
        registry
            .slaves
            .unwrap()
            .slaves
            .iter()
            .all(|slave| slave.drain_info.is_none() && !slave.deactivated())
    );
}

fn machine(name: &str) -> MachineId {
    MachineId {
        hostname: Some(name.into()),
        ip: None,
    }
}

fn window(names: &[&str], start_seconds: i64) -> Window {
    Window {
        machine_ids: names.iter().map(|name| machine(name)).collect(),
        unavailability: Unavailability {
            start: at(start_seconds),
            duration: None,
        },
    }
}

#[tokio::test]
async fn maintenance_schedules_drain_machines_then_take_them_down_and_back_up() {
    let registrar = in_memory_registrar().await;
    let schedule = Schedule {
        windows: vec![window(&["a", "b"], 10), window(&["c"], 20)],
    };
    assert_eq!(
        apply(&registrar, Operation::UpdateSchedule(schedule.clone())).await,
        Outcome::Mutated
    );
    let registry = registrar.registry().await.unwrap();
    assert_eq!(registry.schedules, [schedule]);
    let machines = &registry.machines.as_ref().unwrap().machines;
    assert_eq!(machines.len(), 3);
    assert!(
        machines
            .iter()
            .all(|m| m.info.mode() == machine_info::Mode::Draining)
    );

    assert_eq!(
        apply(&registrar, Operation::StartMaintenance(vec![machine("a")])).await,
        Outcome::Mutated
    );
    assert_eq!(
        apply(
            &registrar,
            Operation::StartMaintenance(vec![machine("zzz")])
        )
        .await,
        Outcome::Unchanged
    );
    let registry = registrar.registry().await.unwrap();
    let mode_of = |name: &str| {
        registry
            .machines
            .as_ref()
            .unwrap()
            .machines
            .iter()
            .find(|m| m.info.id == machine(name))
            .map(|m| m.info.mode())
    };
    assert_eq!(mode_of("a"), Some(machine_info::Mode::Down));
    assert_eq!(mode_of("b"), Some(machine_info::Mode::Draining));

    // Stopping maintenance forgets the machines and empties their windows.
    assert_eq!(
        apply(
            &registrar,
            Operation::StopMaintenance(vec![machine("a"), machine("c")])
        )
        .await,
        Outcome::Mutated
    );
    let registry = registrar.registry().await.unwrap();
    assert_eq!(registry.machines.unwrap().machines.len(), 1);
    assert_eq!(
        registry.schedules,
        [Schedule {
            windows: vec![window(&["b"], 10)]
        }]
    );

    // A new schedule drops machines it no longer names and moves windows.
    let moved = Schedule {
        windows: vec![window(&["d"], 30)],
    };
    apply(&registrar, Operation::UpdateSchedule(moved)).await;
    let registry = registrar.registry().await.unwrap();
    let machines = registry.machines.unwrap().machines;
    assert_eq!(machines.len(), 1);
    assert_eq!(machines[0].info.id, machine("d"));
    assert_eq!(machines[0].info.unavailability.unwrap().start, at(30));
}

fn quota(role: &str, guarantee: f64, limit: Option<f64>) -> QuotaConfig {
    QuotaConfig {
        role: role.into(),
        guarantees: [("cpus".to_owned(), Scalar { value: guarantee })].into(),
        limits: limit
            .map(|value| ("cpus".to_owned(), Scalar { value }))
            .into_iter()
            .collect(),
    }
}

#[tokio::test]
async fn quota_configs_are_set_replaced_and_removed_with_the_quota_v2_capability() {
    let registrar = in_memory_registrar().await;
    apply(
        &registrar,
        Operation::UpdateQuota(vec![quota("eng", 4.0, Some(8.0)), quota("ops", 1.0, None)]),
    )
    .await;
    let registry = registrar.registry().await.unwrap();
    assert_eq!(registry.quota_configs.len(), 2);
    assert_eq!(capabilities(&registry), ["QUOTA_V2"]);

    apply(
        &registrar,
        Operation::UpdateQuota(vec![quota("eng", 2.0, None)]),
    )
    .await;
    let registry = registrar.registry().await.unwrap();
    assert_eq!(registry.quota_configs[0], quota("eng", 2.0, None));

    // The default quota (nothing guaranteed, no limits) is not stored.
    let default = |role: &str| QuotaConfig {
        role: role.into(),
        ..Default::default()
    };
    apply(
        &registrar,
        Operation::UpdateQuota(vec![default("eng"), default("ops")]),
    )
    .await;
    let registry = registrar.registry().await.unwrap();
    assert!(registry.quota_configs.is_empty());
    assert!(capabilities(&registry).is_empty());
}

#[tokio::test]
async fn an_invalid_quota_config_refuses_the_whole_update() {
    let registrar = in_memory_registrar().await;
    let update =
        Operation::UpdateQuota(vec![quota("ops", 1.0, None), quota("eng", 8.0, Some(4.0))]);
    assert_refused(&registrar, update, "above the limit").await;
    assert_refused(
        &registrar,
        Operation::UpdateQuota(vec![quota("eng", -1.0, None)]),
        "non-negative",
    )
    .await;
}

#[tokio::test]
async fn weights_change_only_when_they_differ() {
    let registrar = in_memory_registrar().await;
    let weight = |role: &str, weight: f64| WeightInfo {
        weight,
        role: Some(role.into()),
    };
    assert_eq!(
        apply(&registrar, Operation::UpdateWeights(vec![])).await,
        Outcome::Unchanged
    );
    assert_eq!(
        apply(
            &registrar,
            Operation::UpdateWeights(vec![weight("eng", 2.0)])
        )
        .await,
        Outcome::Mutated
    );
    assert_eq!(
        apply(
            &registrar,
            Operation::UpdateWeights(vec![weight("eng", 2.0)])
        )
        .await,
        Outcome::Unchanged
    );
    assert_eq!(
        apply(
            &registrar,
            Operation::UpdateWeights(vec![weight("eng", 3.0), weight("ops", 1.5)])
        )
        .await,
        Outcome::Mutated
    );
    let registry = registrar.registry().await.unwrap();
    let stored: Vec<_> = registry.weights.iter().map(|w| w.info.clone()).collect();
    assert_eq!(stored, [weight("eng", 3.0), weight("ops", 1.5)]);
}

#[tokio::test]
async fn garbage_collection_forgets_old_and_surplus_unreachable_and_gone_agents() {
    let registrar = in_memory_registrar().await;
    let now = SystemTime::now();
    let hours_ago = |hours: u64| registry::time_info(now - Duration::from_secs(3600 * hours));
    for n in 0..4 {
        apply(&registrar, Operation::AdmitAgent(agent(n))).await;
    }
    // Unreachable in this order: 0 (fresh), 1 (fresh), 2 (three days ago).
    for (n, hours) in [(0, 1), (1, 2), (2, 72)] {
        apply(
            &registrar,
            Operation::MarkAgentUnreachable {
                info: agent(n),
                at: hours_ago(hours),
            },
        )
        .await;
    }
    apply(
        &registrar,
        Operation::MarkAgentGone {
            id: id(3),
            at: hours_ago(1),
        },
    )
    .await;

    let gc = AgentGc {
        max_age: Duration::from_secs(24 * 3600),
        max_count: 2,
    };
    let pruned = registrar.collect_garbage(gc, now).await.unwrap();
    let set = |ids: &[String]| ids.iter().cloned().collect::<BTreeSet<_>>();
    // Agent 0 goes for the count (the oldest addition), agent 2 for its age.
    assert_eq!(
        pruned,
        Pruned {
            unreachable: set(&[agent_id(0), agent_id(2)]),
            gone: BTreeSet::new()
        }
    );
    let registry = registrar.registry().await.unwrap();
    assert_eq!(unreachable_ids(&registry), [agent_id(1)]);
    assert_eq!(gone_ids(&registry), [agent_id(3)]);

    let stores = registrar.metrics().stores;
    assert_eq!(
        registrar.collect_garbage(gc, now).await.unwrap(),
        Pruned::default()
    );
    assert_eq!(
        registrar.metrics().stores,
        stores,
        "nothing to collect stores nothing"
    );
}
