//! Mesos's JSON for the read-only endpoints (`/master/state`,
//! `/master/state-summary`, `/master/slaves`, `/master/frameworks`,
//! `/master/tasks`, `/master/roles`, ...): the keys, nesting and value types
//! Mesos 1.11 writes (`src/master/readonly_handler.cpp`,
//! `src/common/http.cpp`), rendered from a [`ReadView`] off the master.

use crate::agents::{Agent, Agents};
use crate::authorization::Viewer;
use crate::read_view::{FrameworkView, ReadView};
use crate::tasks::TaskRecord;
use bytes::Bytes;
use proto::mesos::{MasterInfo, SlaveInfo, Task, TaskState, TaskStatus, framework_info, value};
use resources::{Ranges, ResourceQuantities, Resources, Set, Value};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value as Json, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

fn seconds(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs_f64())
        .unwrap_or_default()
}

/// Resources summed by name, as Mesos's endpoints summarise them: the four
/// usual scalars always present (in the order Mesos happens to print
/// them), revocable ones suffixed `_revocable`, ranges and sets as text.
/// Serialised straight into a body, or as a [`Json`] by [`resources_summary`].
struct ResourcesSummary<'a>(&'a Resources);

impl Serialize for ResourcesSummary<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut scalars: Vec<(String, f64)> = ["disk", "mem", "gpus", "cpus"]
            .into_iter()
            .map(|name| (name.to_owned(), 0.0))
            .collect();
        let mut ranges: BTreeMap<String, Ranges> = BTreeMap::new();
        let mut sets: BTreeMap<String, Set> = BTreeMap::new();
        for resource in self.0.iter() {
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
        let mut map = serializer.serialize_map(Some(scalars.len() + ranges.len() + sets.len()))?;
        for (name, sum) in &scalars {
            map.serialize_entry(name, sum)?;
        }
        for (name, value) in &ranges {
            map.serialize_entry(name, &value.to_string())?;
        }
        for (name, value) in &sets {
            map.serialize_entry(name, &value.to_string())?;
        }
        map.end()
    }
}

/// [`ResourcesSummary`] as a value.
pub fn resources_summary(resources: &Resources) -> Json {
    serde_json::to_value(ResourcesSummary(resources)).expect("a summary is JSON")
}

/// A JSON object of `entries`, serialised as they come.
struct Entries<I>(I);

impl<I, K, V> Serialize for Entries<I>
where
    I: Iterator<Item = (K, V)> + Clone,
    K: Serialize,
    V: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.clone())
    }
}

/// Full resources, one JSON object per resource in the endpoint format,
/// without those reserved to a role `viewer` may not see.
struct ResourcesFull<'a>(&'a Resources, &'a Viewer);

impl Serialize for ResourcesFull<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let ResourcesFull(resources, viewer) = *self;
        serializer.collect_seq(
            resources
                .iter()
                .filter_map(|r| r.to_proto_in(resources::ResourceFormat::Endpoint))
                .filter(|r| viewer.resource(r))
                .map(|r| proto::json::to_value(&r)),
        )
    }
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
/// recovered ones; serialised as it is written.
struct AgentInfoJson<'a>(&'a SlaveInfo);

impl AgentInfoJson<'_> {
    fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        let info = self.0;
        map.serialize_entry("id", crate::agents::agent_id(info))?;
        map.serialize_entry("hostname", &info.hostname)?;
        map.serialize_entry("port", &info.port())?;
        map.serialize_entry("attributes", &attributes(info))?;
        if let Some(domain) = &info.domain {
            map.serialize_entry("domain", &proto::json::to_value(domain))?;
        }
        Ok(())
    }
}

impl Serialize for AgentInfoJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.serialize_fields(&mut map)?;
        map.end()
    }
}

/// Mesos's `SlaveWriter`: what `/state`, `/slaves` and `/state-summary`
/// show of a registered agent; with `full`, the `*_full` fields `/slaves`
/// adds. Reservations to roles the view's viewer may not see, and resources
/// reserved to them, are left out, as Mesos's writers skip them. Serialised
/// straight into a `/state` body: no [`Json`] of 10,000 agents is built.
struct AgentJson<'a> {
    view: &'a ReadView,
    agent: &'a Agent,
    full: bool,
}

impl Serialize for AgentJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let AgentJson { view, agent, full } = *self;
        let viewer = &view.viewer;
        let agents = &view.agents;
        let id = agent.id();
        let used = view.agent_used(id);
        let offered = view.agent_offered(id);
        let reservations = agent.total.reservations();
        let visible_reservations = reservations.iter().filter(|(role, _)| viewer.role(role));
        let unreserved = agent.total.unreserved();
        let mut map = serializer.serialize_map(None)?;
        AgentInfoJson(&agent.info).serialize_fields(&mut map)?;
        map.serialize_entry("pid", &agent.pid.to_string())?;
        map.serialize_entry("registered_time", &seconds(agent.registered_time))?;
        if let Some(at) = agent.reregistered_time {
            map.serialize_entry("reregistered_time", &seconds(at))?;
        }
        map.serialize_entry("resources", &ResourcesSummary(&agent.total))?;
        map.serialize_entry("used_resources", &ResourcesSummary(&used))?;
        map.serialize_entry("offered_resources", &ResourcesSummary(&offered))?;
        let summaries = visible_reservations
            .clone()
            .map(|(role, resources)| (role, ResourcesSummary(resources)));
        map.serialize_entry("reserved_resources", &Entries(summaries))?;
        map.serialize_entry("unreserved_resources", &ResourcesSummary(&unreserved))?;
        map.serialize_entry("active", &agent.active)?;
        map.serialize_entry("deactivated", &agents.deactivated.contains(id))?;
        map.serialize_entry("version", &agent.version)?;
        let capabilities: Vec<&str> = agent
            .capabilities
            .iter()
            .map(|c| c.r#type().as_str_name())
            .collect();
        map.serialize_entry("capabilities", &capabilities)?;
        if let Some(drain) = agents.draining.get(id) {
            map.serialize_entry("drain_info", &proto::json::to_value(drain))?;
        }
        if full {
            let full_lists = visible_reservations
                .map(|(role, resources)| (role, ResourcesFull(resources, viewer)));
            map.serialize_entry("reserved_resources_full", &Entries(full_lists))?;
            for (key, resources) in [
                ("unreserved_resources_full", &unreserved),
                ("used_resources_full", &used),
                ("offered_resources_full", &offered),
            ] {
                map.serialize_entry(key, &ResourcesFull(resources, viewer))?;
            }
        }
        map.end()
    }
}

/// [`AgentJson`] as an object, to add to.
fn agent(view: &ReadView, agent: &Agent, full: bool) -> Map<String, Json> {
    match serde_json::to_value(AgentJson { view, agent, full }) {
        Ok(Json::Object(object)) => object,
        _ => unreachable!("an agent serialises as an object"),
    }
}

fn recovered_agents(agents: &Agents) -> Json {
    let infos: Vec<AgentInfoJson<'_>> = agents.recovered.values().map(AgentInfoJson).collect();
    serde_json::to_value(infos).expect("agents' infos are JSON")
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
            .map(|a| agent(view, a, true))
            .collect::<Vec<_>>(),
        "recovered_slaves": recovered_agents(agents),
    })
}

/// `/master/flags` (and `/flags`).
pub fn flags(view: &ReadView) -> Json {
    json!({ "flags": view.flags.to_mesos_map() })
}

/// `/master/state`.
pub fn state(master: &ReadView) -> Document<'_> {
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
    out.insert("recovered_slaves".into(), recovered_agents(&master.agents));
    // Since Mesos 1.5 agents' tasks always have their frameworks listed,
    // so these two stay empty, as Mesos keeps them for compatibility.
    out.insert("orphan_tasks".into(), json!([]));
    out.insert("unregistered_frameworks".into(), json!([]));
    Document::streamed(
        out,
        master,
        &[List::Agents, List::Frameworks, List::CompletedFrameworks],
    )
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
            let mut out = agent(view, a, false);
            let tasks: Vec<_> = view.agent_tasks(a.id()).collect();
            count_states(&mut out, tasks.iter().copied());
            let mut frameworks: Vec<&str> = tasks
                .iter()
                .map(|task| task.framework_id.value.as_str())
                .collect();
            frameworks.sort_unstable();
            frameworks.dedup();
            out.insert("framework_ids".into(), json!(frameworks));
            Json::Object(out)
        })
        .collect();
    let frameworks: Vec<Json> = view
        .frameworks
        .iter()
        .map(|f| {
            let tasks = || view.framework_tasks(f.id());
            let mut out = framework_summary(f, &view.framework_used(f.id()));
            count_states(&mut out, tasks().chain(f.completed_tasks.iter()));
            let mut agents: Vec<&str> = tasks().map(|t| t.slave_id.value.as_str()).collect();
            agents.sort_unstable();
            agents.dedup();
            out.insert("slave_ids".into(), json!(agents));
            Json::Object(out)
        })
        .collect();
    json!({
        "hostname": view.info.hostname(),
        "slaves": slaves,
        "frameworks": frameworks,
    })
}

/// The `TASK_*` counts of `/state-summary`.
fn count_states<'a>(out: &mut Map<String, Json>, tasks: impl Iterator<Item = &'a Arc<TaskRecord>>) {
    let mut counts: HashMap<&'static str, usize> = HashMap::new();
    for task in tasks {
        *counts.entry(task.state().as_str_name()).or_default() += 1;
    }
    for state in SUMMARY_TASK_STATES {
        let count = counts.get(state).copied().unwrap_or_default();
        out.insert(state.into(), json!(count));
    }
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

/// Mesos's `json(ContainerStatus)`: the container, its networks (labels
/// as a plain list) and cgroup.
fn container_status(status: &proto::mesos::ContainerStatus) -> Json {
    let mut out = Map::new();
    if let Some(id) = &status.container_id {
        out.insert("container_id".into(), proto::json::to_value(id));
    }
    if !status.network_infos.is_empty() {
        let networks = status
            .network_infos
            .iter()
            .map(|info| {
                let mut json = proto::json::to_value(info);
                if let Some(labels) = json.get_mut("labels") {
                    *labels = labels["labels"].take();
                }
                json
            })
            .collect();
        out.insert("network_infos".into(), Json::Array(networks));
    }
    if let Some(cgroup) = &status.cgroup_info {
        out.insert("cgroup_info".into(), proto::json::to_value(cgroup));
    }
    Json::Object(out)
}

/// Mesos's `json(TaskStatus)`.
fn task_status(status: &TaskStatus) -> Json {
    let mut out = Map::new();
    out.insert("state".into(), json!(status.state().as_str_name()));
    out.insert("timestamp".into(), json!(status.timestamp));
    if let Some(labels) = &status.labels {
        out.insert(
            "labels".into(),
            json!(proto::json::to_value(labels)["labels"]),
        );
    }
    if let Some(container) = &status.container_status {
        out.insert("container_status".into(), container_status(container));
    }
    if let Some(healthy) = status.healthy {
        out.insert("healthy".into(), json!(healthy));
    }
    Json::Object(out)
}

fn task_resources(task: &Task) -> Resources {
    Resources::from_protos(&task.resources).unwrap_or_default()
}

/// Mesos's `json(Task)`.
pub(crate) fn task(task: &Task) -> Json {
    let resources = task_resources(task);
    let role = task
        .resources
        .first()
        .and_then(|r| r.allocation_info.as_ref())
        .and_then(|a| a.role.clone())
        .unwrap_or_default();
    let mut out = Map::new();
    out.insert("id".into(), json!(task.task_id.value));
    out.insert("name".into(), json!(task.name));
    out.insert("framework_id".into(), json!(task.framework_id.value));
    out.insert(
        "executor_id".into(),
        json!(
            task.executor_id
                .as_ref()
                .map(|id| id.value.as_str())
                .unwrap_or_default()
        ),
    );
    out.insert("slave_id".into(), json!(task.slave_id.value));
    out.insert("state".into(), json!(task.state().as_str_name()));
    out.insert("resources".into(), resources_summary(&resources));
    if !task.limits.is_empty() {
        out.insert(
            "limits".into(),
            Json::Object(
                task.limits
                    .iter()
                    .map(|(name, limit)| (name.clone(), json!(limit.value)))
                    .collect(),
            ),
        );
    }
    out.insert("role".into(), json!(role));
    out.insert(
        "statuses".into(),
        Json::Array(task.statuses.iter().map(task_status).collect()),
    );
    if let Some(user) = &task.user {
        out.insert("user".into(), json!(user));
    }
    if let Some(labels) = &task.labels {
        out.insert(
            "labels".into(),
            json!(proto::json::to_value(labels)["labels"]),
        );
    }
    if let Some(discovery) = &task.discovery {
        out.insert("discovery".into(), proto::json::to_value(discovery));
    }
    if let Some(container) = &task.container {
        out.insert("container".into(), proto::json::to_value(container));
    }
    if let Some(check) = &task.health_check {
        out.insert("health_check".into(), proto::json::to_value(check));
    }
    Json::Object(out)
}

fn offered(framework: &FrameworkView) -> Resources {
    framework
        .offers
        .iter()
        .fold(Resources::new(), |sum, o| &sum + &o.resources)
}

/// Mesos's `Summary<Framework>`: what `/state-summary` shows of one.
fn framework_summary(framework: &FrameworkView, used: &Resources) -> Map<String, Json> {
    let info = &framework.info;
    let mut out = Map::new();
    out.insert("id".into(), json!(framework.id()));
    out.insert("name".into(), json!(info.name));
    out.insert("used_resources".into(), resources_summary(used));
    out.insert(
        "offered_resources".into(),
        resources_summary(&offered(framework)),
    );
    out.insert(
        "capabilities".into(),
        Json::Array(
            info.capabilities
                .iter()
                .filter_map(|c| {
                    c.r#type
                        .and_then(|t| framework_info::capability::Type::try_from(t).ok())
                })
                .map(|t| json!(t.as_str_name()))
                .collect(),
        ),
    );
    out.insert("hostname".into(), json!(info.hostname()));
    out.insert("webui_url".into(), json!(info.webui_url()));
    out.insert("active".into(), json!(framework.active));
    out.insert("connected".into(), json!(framework.connected));
    out.insert("recovered".into(), json!(framework.recovered));
    out
}

/// Mesos's `FullFrameworkWriter`, written into `out`: its fields, then its
/// task lists spliced from the tasks' JSON text ([`TaskRecord::json_in_list`]).
fn write_framework(
    view: &ReadView,
    framework: &FrameworkView,
    out: &mut impl Body,
) -> io::Result<()> {
    let tasks = view.framework_tasks(framework.id());
    let used = view.framework_used(framework.id());
    let info = &framework.info;
    let mut fields = framework_summary(framework, &used);
    fields.insert("user".into(), json!(info.user));
    fields.insert("failover_timeout".into(), json!(info.failover_timeout()));
    fields.insert("checkpoint".into(), json!(info.checkpoint()));
    fields.insert(
        "registered_time".into(),
        json!(seconds(framework.registered_time)),
    );
    fields.insert(
        "unregistered_time".into(),
        json!(framework.unregistered_time.map(seconds).unwrap_or_default()),
    );
    if let Some(principal) = &info.principal {
        fields.insert("principal".into(), json!(principal));
    }
    fields.insert("resources".into(), resources_summary(&used));
    if let Some(at) = framework.reregistered_time {
        fields.insert("reregistered_time".into(), json!(seconds(at)));
    }
    let multi_role = info
        .capabilities
        .iter()
        .any(|c| c.r#type() == framework_info::capability::Type::MultiRole);
    if multi_role {
        fields.insert("roles".into(), json!(info.roles));
    } else {
        fields.insert("role".into(), json!(info.role()));
    }
    fields.insert(
        "offers".into(),
        framework
            .offers
            .iter()
            .map(|offer| {
                json!({
                    "id": offer.id,
                    "framework_id": framework.id(),
                    "slave_id": offer.agent_id,
                    "resources": resources_summary(&offer.resources),
                })
            })
            .collect(),
    );
    fields.insert(
        "executors".into(),
        framework
            .executors
            .iter()
            .map(|(agent, executor)| {
                let mut json = proto::json::to_value(executor);
                json["slave_id"] = json!(agent);
                json
            })
            .collect(),
    );
    fields.insert("offer_constraints".into(), json!({}));
    // One walk over the live tasks: the unreachable (few) are kept aside
    // for their own list.
    let mut unreachable = Vec::new();
    let reachable = tasks.filter(|task| {
        let is_unreachable = task.state() == TaskState::TaskUnreachable;
        if is_unreachable {
            unreachable.push(*task);
        }
        !is_unreachable
    });
    let mut object = ObjectWriter::open(out, &fields)?;
    object.field("tasks", |out| write_tasks(out, reachable))?;
    object.field("unreachable_tasks", |out| {
        write_tasks(out, unreachable.into_iter())
    })?;
    object.field("completed_tasks", |out| {
        write_tasks(out, framework.completed_tasks.iter())
    })?;
    object.close()
}

/// A body being written, which may take a piece of text held elsewhere
/// without copying it: the tasks' JSON, in a streamed body.
pub trait Body: Write {
    fn write_shared(&mut self, piece: Bytes) -> io::Result<()> {
        self.write_all(&piece)
    }
}

impl Body for Vec<u8> {}

impl<W: Write> Body for flate2::write::GzEncoder<W> {}

impl Body for libprocess::PipeWriter {
    fn write_shared(&mut self, piece: Bytes) -> io::Result<()> {
        libprocess::PipeWriter::write_shared(self, piece)
    }
}

/// A JSON array of the tasks' JSON text, one shared piece per task.
fn write_tasks<'a>(
    out: &mut impl Body,
    tasks: impl Iterator<Item = &'a Arc<TaskRecord>>,
) -> io::Result<()> {
    out.write_all(b"[")?;
    for (n, task) in tasks.enumerate() {
        out.write_shared(task.json_in_list(n == 0))?;
    }
    out.write_all(b"]")
}

/// A JSON array of `items`, each written by `write`.
fn write_array<W: Write, T>(
    out: &mut W,
    items: impl Iterator<Item = T>,
    mut write: impl FnMut(&mut W, T) -> io::Result<()>,
) -> io::Result<()> {
    out.write_all(b"[")?;
    for (n, item) in items.enumerate() {
        if n > 0 {
            out.write_all(b",")?;
        }
        write(out, item)?;
    }
    out.write_all(b"]")
}

/// A JSON object being written: the fields of a `Value` map, then fields
/// written directly.
struct ObjectWriter<'a, W> {
    out: &'a mut W,
    empty: bool,
}

impl<'a, W: Write> ObjectWriter<'a, W> {
    /// Opens the object with `fields`.
    fn open(out: &'a mut W, fields: &Map<String, Json>) -> io::Result<ObjectWriter<'a, W>> {
        let mut text = serde_json::to_vec(fields)?;
        text.pop(); // the closing brace, written by `close`
        out.write_all(&text)?;
        Ok(ObjectWriter {
            out,
            empty: fields.is_empty(),
        })
    }

    /// Adds field `key`, its value written by `write`.
    fn field(&mut self, key: &str, write: impl FnOnce(&mut W) -> io::Result<()>) -> io::Result<()> {
        if !std::mem::take(&mut self.empty) {
            self.out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *self.out, key)?;
        self.out.write_all(b":")?;
        write(self.out)
    }

    fn close(self) -> io::Result<()> {
        self.out.write_all(b"}")
    }
}

/// A list the size of the cluster, written straight into a body.
#[derive(Debug, Clone, Copy)]
pub enum List {
    /// The registered agents, as `slaves`.
    Agents,
    Frameworks,
    CompletedFrameworks,
}

impl List {
    fn key(self) -> &'static str {
        match self {
            List::Agents => "slaves",
            List::Frameworks => "frameworks",
            List::CompletedFrameworks => "completed_frameworks",
        }
    }

    fn write(self, view: &ReadView, out: &mut impl Body) -> io::Result<()> {
        let frameworks = match self {
            List::Agents => {
                // Each agent serialised into a scratch buffer, then written
                // whole: the body is not called for every token.
                let mut text = Vec::with_capacity(2048);
                return write_array(out, view.agents.registered.values(), |out, agent| {
                    let agent = AgentJson {
                        view,
                        agent,
                        full: false,
                    };
                    text.clear();
                    serde_json::to_writer(&mut text, &agent)?;
                    out.write_all(&text)
                });
            }
            List::Frameworks => &view.frameworks,
            List::CompletedFrameworks => &view.completed_frameworks,
        };
        write_array(out, frameworks.iter(), |out, framework| {
            write_framework(view, framework, out)
        })
    }
}

/// What a JSON endpoint renders: a `Value`, or an object whose last fields
/// are lists the size of the cluster, written straight into the body when
/// it is serialised, so that no `Value` of every agent and task is built.
pub enum Document<'a> {
    Value(Json),
    Streamed {
        fields: Map<String, Json>,
        view: &'a ReadView,
        lists: &'static [List],
    },
}

impl From<Json> for Document<'_> {
    fn from(value: Json) -> Self {
        Document::Value(value)
    }
}

impl<'a> Document<'a> {
    fn streamed(
        fields: Map<String, Json>,
        view: &'a ReadView,
        lists: &'static [List],
    ) -> Document<'a> {
        Document::Streamed {
            fields,
            view,
            lists,
        }
    }

    /// The document's own fields, if it is an object, to take out what a
    /// client may not see.
    pub fn fields_mut(&mut self) -> Option<&mut Map<String, Json>> {
        match self {
            Document::Value(value) => value.as_object_mut(),
            Document::Streamed { fields, .. } => Some(fields),
        }
    }

    /// True for a document the size of the cluster, worth streaming.
    pub fn is_large(&self) -> bool {
        matches!(self, Document::Streamed { .. })
    }

    /// Writes the document's JSON text to `out`.
    pub fn write(&self, out: &mut impl Body) -> io::Result<()> {
        match self {
            Document::Value(value) => Ok(serde_json::to_writer(out, value)?),
            Document::Streamed {
                fields,
                view,
                lists,
            } => {
                let mut object = ObjectWriter::open(out, fields)?;
                for list in lists.iter() {
                    object.field(list.key(), |out| list.write(view, out))?;
                }
                object.close()
            }
        }
    }
}

/// `/master/frameworks`.
pub fn frameworks(view: &ReadView) -> Document<'_> {
    let mut out = Map::new();
    out.insert("unregistered_frameworks".into(), json!([]));
    Document::streamed(out, view, &[List::Frameworks, List::CompletedFrameworks])
}

/// `/master/tasks`: `limit` (100) tasks from `offset` of the live,
/// unreachable and completed ones, newest (`order=des`, the default) or
/// oldest first by their first status, filtered by `framework_id` and
/// `task_id`.
pub fn tasks(view: &ReadView, query: &TasksQuery) -> Json {
    let mut selected: Vec<&Arc<TaskRecord>> = view
        .frameworks
        .iter()
        .chain(&view.completed_frameworks)
        .filter(|f| query.framework_id.as_deref().is_none_or(|id| id == f.id()))
        .flat_map(|f| view.framework_tasks(f.id()).chain(f.completed_tasks.iter()))
        .filter(|t| {
            query
                .task_id
                .as_deref()
                .is_none_or(|id| id == t.task_id.value)
        })
        .collect();
    let started = |t: &Task| {
        t.statuses
            .first()
            .and_then(|s| s.timestamp)
            .unwrap_or_default()
    };
    selected.sort_by(|a, b| started(a).total_cmp(&started(b)));
    if !query.ascending {
        selected.reverse();
    }
    json!({
        "tasks": selected
            .into_iter()
            .skip(query.offset)
            .take(query.limit)
            .map(|record| task(record))
            .collect::<Vec<_>>(),
    })
}

/// The query of `/master/tasks`.
#[derive(Debug, Clone)]
pub struct TasksQuery {
    pub limit: usize,
    pub offset: usize,
    pub ascending: bool,
    pub framework_id: Option<String>,
    pub task_id: Option<String>,
}

impl TasksQuery {
    /// Mesos's defaults for what is missing or not a number.
    pub fn parse(param: impl Fn(&str) -> Option<String>) -> TasksQuery {
        let number = |name: &str| param(name).and_then(|v| v.parse::<usize>().ok());
        TasksQuery {
            limit: number("limit").unwrap_or(100),
            offset: number("offset").unwrap_or(0),
            ascending: param("order").as_deref() == Some("asc"),
            framework_id: param("framework_id"),
            task_id: param("task_id"),
        }
    }
}
