//! Mesos's JSON for `/master/state` and `/master/slaves`: the keys, nesting
//! and value types Mesos 1.11 writes (`src/master/readonly_handler.cpp`,
//! `src/common/http.cpp`), for what this master has so far.

use crate::agents::Agent;
use crate::master::MasterProcess;
use libprocess::Upid;
use proto::mesos::{MasterInfo, SlaveInfo, value};
use resources::{Ranges, Resources, Set, Value};
use serde_json::{Map, Value as Json, json};
use std::collections::BTreeMap;
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
fn agent(master: &MasterProcess, agent: &Agent, full: bool) -> Json {
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
    out.insert(
        "deactivated".into(),
        json!(master.agents.deactivated.contains(id)),
    );
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
    if let Some(drain) = master.agents.draining.get(id) {
        out.insert("drain_info".into(), proto::json::to_value(drain));
    }
    if full {
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

fn recovered_agents(master: &MasterProcess) -> Json {
    Json::Array(
        master
            .agents
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
pub fn slaves(master: &MasterProcess) -> Json {
    json!({
        "slaves": master
            .agents
            .registered
            .values()
            .map(|a| agent(master, a, true))
            .collect::<Vec<_>>(),
        "recovered_slaves": recovered_agents(master),
    })
}

/// `/master/state`.
pub fn state(master: &MasterProcess, pid: &Upid) -> Json {
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
    out.insert("pid".into(), json!(pid.to_string()));
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
            .map(|a| agent(master, a, false))
            .collect(),
    );
    out.insert("recovered_slaves".into(), recovered_agents(master));
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
