//! Mesos's JSON for the read-only endpoints (`/master/state`,
//! `/master/state-summary`, `/master/slaves`, `/master/frameworks`,
//! `/master/tasks`, `/master/roles`, ...): the keys, nesting and value types
//! Mesos 1.11 writes (`src/master/readonly_handler.cpp`,
//! `src/common/http.cpp`), rendered from a [`ReadView`] off the master.

use crate::agents::{Agent, Agents};
use crate::read_view::ReadView;
use proto::mesos::{MasterInfo, SlaveInfo, value};
use resources::{Ranges, ResourceQuantities, Resources, Set, Value};
use serde_json::{Map, Value as Json, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

fn seconds(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs_f64())
        .unwrap_or_default()
}

/// Resources summed by name, as Mesos's endpoints summarise them: the four
/// usual scalars always present (in the order Mesos happens to print
/// them), revocable ones suffixed `_revocable`, ranges and sets as text.
pub fn resources_summary(resources: &Resources) -> Json {
    let mut scalars: Vec<(String, f64)> = ["disk", "mem", "gpus", "cpus"]
        .into_iter()
        .map(|name| (name.to_owned(), 0.0))
        .collect();
    let mut ranges: BTreeMap<String, Ranges> = BTreeMap::new();
    let mut sets: BTreeMap<String, Set> = BTreeMap::new();
    for resource in resources.iter() {
        let suffix = if resource.is_revocable() {
            "_revocable"
        } else {
            ""
        };
        let name = format!("{}{suffix}", resource.name());
        match resource.value() {
            Value::Scalar(scalar) => match scalars.iter_mut().find(|(n, _)| *n == name) {
                Some((_, sum)) => *sum += scalar.as_f64(),
                None => scalars.push((name, scalar.as_f64())),
            },
            Value::Ranges(value) => ranges.entry(name).or_default().add_assign(value),
            Value::Set(value) => sets.entry(name).or_default().add_assign(value),
        }
    }
    let mut out = Map::new();
    for (name, sum) in scalars {
        out.insert(name, json!(sum));
    }
    for (name, value) in ranges {
        out.insert(name, json!(value.to_string()));
    }
    for (name, value) in sets {
        out.insert(name, json!(value.to_string()));
    }
    Json::Object(out)
}

/// Full resources, one JSON object per resource in the endpoint format.
fn resources_full(resources: &Resources) -> Json {
    Json::Array(
        resources
            .iter()
            .filter_map(|r| r.to_proto_in(resources::ResourceFormat::Endpoint))
            .map(|r| proto::json::to_value(&r))
            .collect(),
    )
}

/// An attribute's value as Mesos writes it: numbers for scalars, text for
/// the rest.
fn attributes(info: &SlaveInfo) -> Json {
    let mut out = Map::new();
    for attribute in &info.attributes {
        let value = match attribute.r#type() {
            value::Type::Scalar => json!(
                attribute
                    .scalar
                    .as_ref()
                    .map(|s| s.value)
                    .unwrap_or_default()
            ),
            value::Type::Ranges => {
                let text = attribute
                    .ranges
                    .as_ref()
                    .map(|ranges| {
                        let items: Vec<String> = ranges
                            .range
                            .iter()
                            .map(|r| format!("{}-{}", r.begin, r.end))
                            .collect();
                        format!("[{}]", items.join(", "))
                    })
                    .unwrap_or_default();
                json!(text)
            }
            value::Type::Set => json!(format!(
                "{{{}}}",
                attribute
                    .set
                    .as_ref()
                    .map(|s| s.item.join(", "))
                    .unwrap_or_default()
            )),
            value::Type::Text => json!(
                attribute
                    .text
                    .as_ref()
                    .map(|t| t.value.as_str())
                    .unwrap_or_default()
            ),
        };
        out.insert(attribute.name.clone(), value);
    }
    Json::Object(out)
}

/// Mesos's `json(SlaveInfo)`: what `/state` shows of any agent, including
/// recovered ones.
fn agent_info(info: &SlaveInfo) -> Map<String, Json> {
    let mut out = Map::new();
    out.insert(
        "id".into(),
        json!(
            info.id
                .as_ref()
                .map(|id| id.value.as_str())
                .unwrap_or_default()
        ),
    );
    out.insert("hostname".into(), json!(info.hostname));
    out.insert("port".into(), json!(info.port()));
    out.insert("attributes".into(), attributes(info));
    if let Some(domain) = &info.domain {
        out.insert("domain".into(), proto::json::to_value(domain));
    }
    out
}

/// Mesos's `SlaveWriter`; with `full`, the `*_full` fields `/slaves` adds.
fn agent(agents: &Agents, agent: &Agent, full: bool) -> Json {
    let mut out = agent_summary(agents, agent);
    if full {
        let reservations = agent.total.reservations();
        let used = Resources::new();
        let offered = Resources::new();
        out.insert(
            "reserved_resources_full".into(),
            Json::Object(
                reservations
                    .iter()
                    .map(|(role, resources)| (role.clone(), resources_full(resources)))
                    .collect(),
            ),
        );
        out.insert(
            "unreserved_resources_full".into(),
            resources_full(&agent.total.unreserved()),
        );
        out.insert("used_resources_full".into(), resources_full(&used));
        out.insert("offered_resources_full".into(), resources_full(&offered));
    }
    Json::Object(out)
}

/// The fields `/state`, `/slaves` and `/state-summary` all show of an agent.
fn agent_summary(agents: &Agents, agent: &Agent) -> Map<String, Json> {
    let id = agent.id();
    let mut out = agent_info(&agent.info);
    out.insert("pid".into(), json!(agent.pid.to_string()));
    out.insert(
        "registered_time".into(),
        json!(seconds(agent.registered_time)),
    );
    if let Some(at) = agent.reregistered_time {
        out.insert("reregistered_time".into(), json!(seconds(at)));
    }
    // Frameworks do not use or get offered anything yet.
    let used = Resources::new();
    let offered = Resources::new();
    let reservations = agent.total.reservations();
    out.insert("resources".into(), resources_summary(&agent.total));
    out.insert("used_resources".into(), resources_summary(&used));
    out.insert("offered_resources".into(), resources_summary(&offered));
    out.insert(
        "reserved_resources".into(),
        Json::Object(
            reservations
                .iter()
                .map(|(role, resources)| (role.clone(), resources_summary(resources)))
                .collect(),
        ),
    );
    out.insert(
        "unreserved_resources".into(),
        resources_summary(&agent.total.unreserved()),
    );
    out.insert("active".into(), json!(agent.active));
    out.insert("deactivated".into(), json!(agents.deactivated.contains(id)));
    out.insert("version".into(), json!(agent.version));
    out.insert(
        "capabilities".into(),
        Json::Array(
            agent
                .capabilities
                .iter()
                .map(|c| json!(c.r#type().as_str_name()))
                .collect(),
        ),
    );
    if let Some(drain) = agents.draining.get(id) {
        out.insert("drain_info".into(), proto::json::to_value(drain));
    }
    out
}

fn recovered_agents(agents: &Agents) -> Json {
    Json::Array(
        agents
            .recovered
            .values()
            .map(|info| Json::Object(agent_info(info)))
            .collect(),
    )
}

fn master_info(info: &MasterInfo) -> Json {
    let mut out = Map::new();
    out.insert("id".into(), json!(info.id));
    out.insert("pid".into(), json!(info.pid()));
    out.insert("port".into(), json!(info.port));
    out.insert("hostname".into(), json!(info.hostname()));
    if let Some(domain) = &info.domain {
        out.insert("domain".into(), proto::json::to_value(domain));
    }
    Json::Object(out)
}

/// `/master/slaves`.
pub fn slaves(view: &ReadView) -> Json {
    let agents = &view.agents;
    json!({
        "slaves": agents
            .registered
            .values()
            .map(|a| agent(agents, a, true))
            .collect::<Vec<_>>(),
        "recovered_slaves": recovered_agents(agents),
    })
}

/// `/master/flags` (and `/flags`).
pub fn flags(view: &ReadView) -> Json {
    json!({ "flags": view.flags.to_mesos_map() })
}

/// `/master/state`.
pub fn state(master: &ReadView) -> Json {
    let build = version::VersionInfo::current();
    let flags = &master.flags;
    let counts = master.agents.counts();
    let mut out = Map::new();
    out.insert("version".into(), json!(build.version));
    if let Some(sha) = &build.git_sha {
        out.insert("git_sha".into(), json!(sha));
    }
    if let Some(tag) = &build.git_tag {
        out.insert("git_tag".into(), json!(tag));
    }
    out.insert("build_date".into(), json!(build.build_date));
    out.insert("build_time".into(), json!(build.build_time));
    out.insert("build_user".into(), json!(build.build_user));
    out.insert("start_time".into(), json!(seconds(master.start_time)));
    if let Some(elected) = master.elected_time {
        out.insert("elected_time".into(), json!(seconds(elected)));
    }
    out.insert("id".into(), json!(master.info.id));
    out.insert("pid".into(), json!(master.pid.to_string()));
    out.insert("hostname".into(), json!(master.info.hostname()));
    out.insert(
        "capabilities".into(),
        Json::Array(
            master
                .info
                .capabilities
                .iter()
                .map(|c| json!(c.r#type().as_str_name()))
                .collect(),
        ),
    );
    out.insert("activated_slaves".into(), json!(counts.active as f64));
    out.insert("deactivated_slaves".into(), json!(counts.inactive as f64));
    out.insert(
        "unreachable_slaves".into(),
        json!(counts.unreachable as f64),
    );
    if let Some(domain) = &master.info.domain {
        out.insert("domain".into(), proto::json::to_value(domain));
    }
    if let Some(leader) = &master.leader {
        out.insert("leader".into(), json!(leader.pid()));
        out.insert("leader_info".into(), master_info(leader));
    }
    if let Some(cluster) = &flags.cluster {
        out.insert("cluster".into(), json!(cluster));
    }
    if let Some(log_dir) = &flags.log_dir {
        out.insert("log_dir".into(), json!(log_dir));
    }
    if let Some(file) = &flags.external_log_file {
        out.insert("external_log_file".into(), json!(file));
    }
    out.insert("flags".into(), json!(flags.to_mesos_map()));
    out.insert(
        "slaves".into(),
        master
            .agents
            .registered
            .values()
            .map(|a| agent(&master.agents, a, false))
            .collect(),
    );
    out.insert("recovered_slaves".into(), recovered_agents(&master.agents));
    for empty in [
        "frameworks",
        "completed_frameworks",
        "orphan_tasks",
        "unregistered_frameworks",
    ] {
        out.insert(empty.into(), json!([]));
    }
    Json::Object(out)
}

/// The task states `/master/state-summary` counts, in Mesos's order.
const SUMMARY_TASK_STATES: [&str; 10] = [
    "TASK_STAGING",
    "TASK_STARTING",
    "TASK_RUNNING",
    "TASK_KILLING",
    "TASK_FINISHED",
    "TASK_KILLED",
    "TASK_FAILED",
    "TASK_LOST",
    "TASK_ERROR",
    "TASK_UNREACHABLE",
];

/// `/master/state-summary`: agents and frameworks without their tasks,
/// with task counts by state.
pub fn state_summary(view: &ReadView) -> Json {
    let agents = &view.agents;
    let slaves: Vec<Json> = agents
        .registered
        .values()
        .map(|a| {
            let mut out = agent_summary(agents, a);
            for state in SUMMARY_TASK_STATES {
                let count = a
                    .tasks
                    .iter()
                    .filter(|task| task.state().as_str_name() == state)
                    .count();
                out.insert(state.into(), json!(count));
            }
            let mut frameworks: Vec<&str> = a
                .tasks
                .iter()
                .map(|task| task.framework_id.value.as_str())
                .collect();
            frameworks.sort_unstable();
            frameworks.dedup();
            out.insert("framework_ids".into(), json!(frameworks));
            Json::Object(out)
        })
        .collect();
    json!({
        "hostname": view.info.hostname(),
        "slaves": slaves,
        "frameworks": [],
    })
}

/// Resource quantities as an object of scalar sums by name.
fn quantities(quantities: &ResourceQuantities) -> Json {
    Json::Object(
        quantities
            .iter()
            .map(|(name, value)| (name.to_owned(), json!(value.as_f64())))
            .collect(),
    )
}

/// The roles Mesos lists: those with reservations, weights or quotas, and
/// their ancestors, in name order.
pub(crate) fn known_roles(view: &ReadView) -> Vec<String> {
    let mut roles = BTreeSet::new();
    let mut add = |role: &str| {
        let mut name = role;
        loop {
            if !roles.insert(name.to_owned()) {
                break;
            }
            match name.rfind('/') {
                Some(slash) => name = &name[..slash],
                None => break,
            }
        }
    };
    for agent in view.agents.registered.values() {
        for role in agent.total.reservations().keys() {
            add(role);
        }
    }
    for role in view.cluster.weights.keys() {
        add(role);
    }
    for role in view.cluster.quotas.keys() {
        add(role);
    }
    roles.into_iter().collect()
}

/// What is reserved to `role` (and its subroles) across the agents.
pub(crate) fn reserved_to(view: &ReadView, role: &str) -> ResourceQuantities {
    let mut reserved = ResourceQuantities::new();
    for agent in view.agents.registered.values() {
        reserved +=
            &ResourceQuantities::from_resources(&agent.total.reserved_to_role_subtree(role));
    }
    reserved
}

/// `/master/roles`.
pub fn roles(view: &ReadView) -> Json {
    let roles: Vec<Json> = known_roles(view)
        .into_iter()
        .map(|name| {
            let quota = view.cluster.quotas.get(&name);
            let scalars = |map: Option<&HashMap<String, proto::mesos::value::Scalar>>| -> Json {
                Json::Object(
                    map.into_iter()
                        .flatten()
                        .map(|(name, scalar)| (name.clone(), json!(scalar.value)))
                        .collect(),
                )
            };
            let reserved = reserved_to(view, &name);
            // Nothing is allocated or offered until frameworks are served,
            // so a role consumes its reservations only.
            let allocated = ResourceQuantities::new();
            let offered = ResourceQuantities::new();
            json!({
                "name": name,
                "weight": view.cluster.weight(&name),
                "quota": {
                    "role": name,
                    "guarantee": scalars(quota.map(|q| &q.guarantees)),
                    "limit": scalars(quota.map(|q| &q.limits)),
                    "consumed": quantities(&reserved),
                },
                "resources": quantities(&(allocated.clone() + &offered)),
                "allocated": quantities(&allocated),
                "offered": quantities(&offered),
                "reserved": quantities(&reserved),
                "frameworks": [],
            })
        })
        .collect();
    json!({ "roles": roles })
}
