//! The operator API's queries, answered from a [`ReadView`] as Mesos 1.11's
//! `Master::ReadOnlyHandler::get*` and `Master::Http::get*` answer them.
//!
//! The view comes already without the frameworks, tasks and executors the
//! asker may not see ([`ReadView::visible_to`]); what is left to hide is by
//! role (`VIEW_ROLE`): the roles of `GET_ROLES`, and in `GET_AGENTS` (and
//! `GET_STATE`'s agents) each agent's resources reserved to a hidden role —
//! in its info, total, allocated and offered resources, and in recovered
//! agents' infos — and `GET_OPERATIONS`' operations whose consumed
//! resources are reserved to a hidden role.

use super::{Call, Format, devolve, encode, evolve};
use crate::agents::{Agent, Agents};
use crate::authorization::Viewer;
use crate::cluster::machine_key;
use crate::master::MasterProcess;
use crate::read_view::{FrameworkView, ReadView};
use http::StatusCode;
use libprocess::{Context, Reply, Response};
use proto::mesos::SlaveInfo;
use proto::mesos::v1::master::response::{
    self, GetAgents, GetExecutors, GetFrameworks, GetOperations, GetState, GetTasks,
};
use proto::mesos::v1::master::{Response as V1Response, call::Type};
use proto::mesos::v1::{self as v1, maintenance, quota};
use resources::{ResourceFormat, Resources};
use serde_json::{Value as Json, json};
use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn seconds(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs_f64())
        .unwrap_or_default()
}

fn time_info(at: SystemTime) -> v1::TimeInfo {
    evolve(&crate::master::time_info(at))
}

/// An empty response to a call of `kind`: the response's type has the
/// call's name (but not its number).
fn reply(kind: Type) -> V1Response {
    V1Response {
        r#type: response::Type::from_str_name(kind.as_str_name()).map(|t| t as i32),
        ..V1Response::default()
    }
}

/// Answers a query call from the view, as `viewer` may see it, on a
/// rendering thread.
pub(super) fn answer(view: &ReadView, viewer: &Viewer, verbosity: u32, call: Call) -> Response {
    let kind = call.call.r#type();
    let mut response = reply(kind);
    match kind {
        Type::GetHealth => response.get_health = Some(response::GetHealth { healthy: true }),
        Type::GetFlags => {
            response.get_flags = Some(response::GetFlags {
                flags: view
                    .flags
                    .to_mesos_map()
                    .into_iter()
                    .map(|(name, value)| v1::Flag {
                        name,
                        value: Some(value),
                    })
                    .collect(),
            });
        }
        Type::GetVersion => {
            let build = version::VersionInfo::current();
            response.get_version = Some(response::GetVersion {
                version_info: v1::VersionInfo {
                    version: build.version,
                    build_date: Some(build.build_date),
                    build_time: Some(build.build_time),
                    build_user: Some(build.build_user),
                    git_sha: build.git_sha,
                    git_branch: None,
                    git_tag: build.git_tag,
                },
            });
        }
        Type::GetLoggingLevel => {
            response.get_logging_level = Some(response::GetLoggingLevel { level: verbosity });
        }
        Type::GetState => response.get_state = Some(state(view, viewer)),
        Type::GetAgents => response.get_agents = Some(agents(view, viewer)),
        Type::GetFrameworks => response.get_frameworks = Some(frameworks(view)),
        Type::GetExecutors => response.get_executors = Some(executors(view)),
        Type::GetOperations => response.get_operations = Some(operations(view, viewer)),
        Type::GetTasks => response.get_tasks = Some(tasks(view)),
        Type::GetRoles => response.get_roles = Some(roles(view, viewer)),
        Type::GetWeights => {
            // Mesos leaves the payload out when no weight was ever set.
            if !view.cluster.weights.is_empty() {
                response.get_weights = Some(response::GetWeights {
                    weight_infos: view
                        .cluster
                        .weights
                        .iter()
                        .map(|(role, weight)| v1::WeightInfo {
                            weight: *weight,
                            role: Some(role.clone()),
                        })
                        .collect(),
                });
            }
        }
        Type::GetMaster => {
            response.get_master = Some(response::GetMaster {
                master_info: Some(evolve(&view.info)),
                start_time: Some(seconds(view.start_time)),
                elected_time: view.elected_time.map(seconds),
            });
        }
        Type::GetMaintenanceSchedule => {
            response.get_maintenance_schedule = Some(response::GetMaintenanceSchedule {
                schedule: evolve::<maintenance::Schedule>(&view.cluster.schedule),
            });
        }
        Type::GetMaintenanceStatus => {
            response.get_maintenance_status = Some(response::GetMaintenanceStatus {
                status: evolve(&maintenance_status(view)),
            });
        }
        Type::GetQuota => {
            response.get_quota = Some(response::GetQuota {
                status: quota::QuotaStatus {
                    configs: view.cluster.quotas.values().map(evolve).collect(),
                    ..quota::QuotaStatus::default()
                },
            });
        }
        other => unreachable!("{} is not a query", other.as_str_name()),
    }
    match call.format {
        Format::Json => {
            let mut json = response_json(&response);
            write_agent_infos_as_v0(&mut json, view, viewer);
            Response::json(json.to_string())
        }
        Format::Protobuf => encode(call.format, &response),
    }
}

/// Mesos's JSON writes agents' infos as the v0 `SlaveInfo` they are kept
/// as (so with `checkpoint`, which v1's `AgentInfo` lacks); its protobuf
/// answers carry the v1 message. Only the resources `viewer` may see are in
/// them.
pub(crate) fn write_agent_infos_as_v0(json: &mut Json, view: &ReadView, viewer: &Viewer) {
    let pointer = if json.get("get_state").is_some() {
        "/get_state/get_agents"
    } else {
        "/get_agents"
    };
    let Some(Json::Object(agents)) = json.pointer_mut(pointer) else {
        return;
    };
    if let Some(Json::Array(list)) = agents.get_mut("agents") {
        for (entry, agent) in list.iter_mut().zip(view.agents.registered.values()) {
            entry["agent_info"] = proto::json::to_value(&*visible_info(&agent.info, viewer));
        }
    }
    if let Some(Json::Array(list)) = agents.get_mut("recovered_agents") {
        for (entry, info) in list.iter_mut().zip(view.agents.recovered.values()) {
            *entry = proto::json::to_value(&*visible_info(info, viewer));
        }
    }
}

/// Whether `viewer` may see `resource`: unreserved, or reserved to roles it
/// may view (`VIEW_ROLE`).
pub(crate) fn visible_resource(viewer: &Viewer, resource: &v1::Resource) -> bool {
    viewer.sees_everything() || viewer.resource(&devolve(resource))
}

/// `info` with only the resources `viewer` may see.
fn visible_info<'a>(info: &'a SlaveInfo, viewer: &Viewer) -> Cow<'a, SlaveInfo> {
    if viewer.sees_everything() {
        return Cow::Borrowed(info);
    }
    let mut info = info.clone();
    info.resources.retain(|resource| viewer.resource(resource));
    Cow::Owned(info)
}

/// `GET_METRICS`: the runtime's metrics registry as name/value pairs.
pub(super) fn get_metrics(ctx: &Context<MasterProcess>, call: Call) -> Reply {
    let mut response = reply(Type::GetMetrics);
    response.get_metrics = Some(response::GetMetrics {
        metrics: ctx
            .runtime()
            .metrics()
            .snapshot()
            .into_iter()
            .map(|(name, value)| v1::Metric {
                name,
                value: Some(value),
            })
            .collect(),
    });
    encode(call.format, &response).into()
}

/// `SET_LOGGING_LEVEL`: raises (or lowers) the verbosity for `duration`,
/// then goes back to the level from before, as libprocess's logging does.
pub(super) fn set_logging_level(
    master: &mut MasterProcess,
    ctx: &mut Context<MasterProcess>,
    call: Call,
) -> Response {
    let payload = call
        .call
        .set_logging_level
        .expect("validated: the payload is present");
    let duration = Duration::from_nanos(u64::try_from(payload.duration.nanoseconds).unwrap_or(0));
    let logging = &mut master.operator.logging;
    if let Some(revert) = logging.revert.take() {
        revert.cancel();
    } else {
        logging.original = ctx.runtime().verbosity();
    }
    ctx.runtime().set_verbosity(payload.level);
    if payload.level != logging.original {
        logging.revert = Some(ctx.delay(duration, |master: &mut MasterProcess, ctx| {
            master.operator.logging.revert = None;
            ctx.runtime()
                .set_verbosity(master.operator.logging.original);
        }));
    }
    Response::new(StatusCode::OK)
}

/// Resources as Mesos's endpoints show them (with the legacy `role`
/// field), as v1 protos.
fn endpoint_resources(resources: &Resources) -> Vec<v1::Resource> {
    resources
        .iter()
        .filter_map(|r| r.to_proto_in(ResourceFormat::Endpoint))
        .map(|r| evolve(&r))
        .collect()
}

/// The operations agents were sent and have not finished, agent by agent
/// (Mesos's `getOperations`); under `--acls`, those whose consumed
/// resources the viewer may see (`VIEW_ROLE`).
fn operations(view: &ReadView, viewer: &Viewer) -> GetOperations {
    let visible = |operation: &proto::mesos::Operation| {
        viewer.sees_everything()
            || resources::consumed_resources(&operation.info)
                .is_ok_and(|consumed| consumed.to_protos().iter().all(|r| viewer.resource(r)))
    };
    GetOperations {
        operations: view
            .agents
            .registered
            .values()
            .flat_map(|agent| &agent.operations)
            .filter(|operation| visible(operation))
            .map(evolve)
            .collect(),
    }
}

/// What `viewer` may see of an agent: Mesos's `createAgentResponse` with
/// approvers.
fn agent(view: &ReadView, viewer: &Viewer, agent: &Agent) -> response::get_agents::Agent {
    let mut record = agent_record(
        &view.agents,
        agent,
        &view.agent_used(agent.id()),
        &view.agent_offered(agent.id()),
    );
    if !viewer.sees_everything() {
        for resources in [
            &mut record.agent_info.resources,
            &mut record.total_resources,
            &mut record.allocated_resources,
            &mut record.offered_resources,
        ] {
            resources.retain(|resource| visible_resource(viewer, resource));
        }
    }
    record
}

/// What the API shows of an agent, given what is allocated and offered of it.
pub(crate) fn agent_record(
    agents: &Agents,
    agent: &Agent,
    allocated: &Resources,
    offered: &Resources,
) -> response::get_agents::Agent {
    let id = agent.id();
    response::get_agents::Agent {
        agent_info: evolve(&agent.info),
        active: agent.active,
        deactivated: Some(agents.deactivated.contains(id)),
        version: agent.version.clone(),
        pid: Some(agent.pid.to_string()),
        registered_time: Some(time_info(agent.registered_time)),
        reregistered_time: agent.reregistered_time.map(time_info),
        total_resources: endpoint_resources(&agent.total),
        allocated_resources: endpoint_resources(allocated),
        offered_resources: endpoint_resources(offered),
        capabilities: agent.capabilities.iter().map(evolve).collect(),
        resource_providers: agent
            .resource_providers
            .iter()
            .filter_map(|provider| {
                Some(response::get_agents::agent::ResourceProvider {
                    resource_provider_info: evolve(provider.info.as_ref()?),
                    total_resources: provider.total_resources.iter().map(evolve).collect(),
                })
            })
            .collect(),
        drain_info: agents.draining.get(id).map(evolve),
        estimated_drain_start_time: None,
    }
}

pub(crate) fn agents(view: &ReadView, viewer: &Viewer) -> GetAgents {
    GetAgents {
        agents: view
            .agents
            .registered
            .values()
            .map(|a| agent(view, viewer, a))
            .collect(),
        recovered_agents: view
            .agents
            .recovered
            .values()
            .map(|info| evolve(&*visible_info(info, viewer)))
            .collect(),
    }
}

pub(crate) fn state(view: &ReadView, viewer: &Viewer) -> GetState {
    GetState {
        get_tasks: Some(tasks(view)),
        get_executors: Some(executors(view)),
        get_frameworks: Some(frameworks(view)),
        get_agents: Some(agents(view, viewer)),
    }
}

pub(crate) fn framework(
    view: &ReadView,
    framework: &FrameworkView,
) -> response::get_frameworks::Framework {
    let id = framework.id();
    let allocated = view.framework_used(id);
    let offered = framework
        .offers
        .iter()
        .fold(Resources::new(), |sum, offer| &sum + &offer.resources);
    response::get_frameworks::Framework {
        framework_info: evolve(&framework.info),
        active: framework.active,
        connected: framework.connected,
        recovered: framework.recovered,
        registered_time: Some(time_info(framework.registered_time)),
        reregistered_time: Some(time_info(
            framework
                .reregistered_time
                .unwrap_or(framework.registered_time),
        )),
        unregistered_time: framework.unregistered_time.map(time_info),
        offers: Vec::new(),
        inverse_offers: Vec::new(),
        allocated_resources: endpoint_resources(&allocated),
        offered_resources: endpoint_resources(&offered),
        offer_constraints: Some(Default::default()),
    }
}

fn frameworks(view: &ReadView) -> GetFrameworks {
    GetFrameworks {
        frameworks: view.frameworks.iter().map(|f| framework(view, f)).collect(),
        completed_frameworks: view
            .completed_frameworks
            .iter()
            .map(|f| framework(view, f))
            .collect(),
        ..GetFrameworks::default()
    }
}

fn executors(view: &ReadView) -> GetExecutors {
    GetExecutors {
        executors: view
            .frameworks
            .iter()
            .flat_map(|f| &f.executors)
            .map(|(agent, executor)| response::get_executors::Executor {
                executor_info: evolve(executor),
                agent_id: v1::AgentId {
                    value: agent.clone(),
                },
            })
            .collect(),
        ..GetExecutors::default()
    }
}

fn tasks(view: &ReadView) -> GetTasks {
    // In framework, then task id order, as the view keeps them.
    let live: Vec<&proto::mesos::Task> = view.tasks.values().map(|t| t.task()).collect();
    let (unreachable, live): (Vec<_>, Vec<_>) = live
        .into_iter()
        .partition(|t| t.state() == proto::mesos::TaskState::TaskUnreachable);
    GetTasks {
        tasks: live.into_iter().map(evolve).collect(),
        unreachable_tasks: unreachable.into_iter().map(evolve).collect(),
        completed_tasks: view
            .frameworks
            .iter()
            .chain(&view.completed_frameworks)
            .flat_map(|f| f.completed_tasks.iter().map(|t| evolve(t.task())))
            .collect(),
        ..GetTasks::default()
    }
}

fn roles(view: &ReadView, viewer: &Viewer) -> response::GetRoles {
    response::GetRoles {
        roles: crate::json::known_roles(view)
            .into_iter()
            .filter(|name| viewer.role(name))
            .map(|name| v1::Role {
                weight: view.cluster.weight(&name),
                frameworks: Vec::new(),
                // Allocated plus offered: nothing until frameworks are served.
                resources: Vec::new(),
                name,
            })
            .collect(),
    }
}

/// Machines draining or down, from the schedule's modes.
pub(crate) fn maintenance_status(view: &ReadView) -> proto::mesos::maintenance::ClusterStatus {
    use proto::mesos::machine_info::Mode;
    use proto::mesos::maintenance::{ClusterStatus, cluster_status::DrainingMachine};
    let mut status = ClusterStatus::default();
    for machine in view.cluster.machines.values() {
        match machine.mode() {
            Mode::Draining => status.draining_machines.push(DrainingMachine {
                id: machine.id.clone(),
                statuses: Vec::new(),
            }),
            Mode::Down => status.down_machines.push(machine.id.clone()),
            Mode::Up => {}
        }
    }
    status.draining_machines.sort_by_key(|m| machine_key(&m.id));
    status
}

/// The lists Mesos writes even when empty (its hand-written serializers
/// for these calls), under each payload that has them.
const ALWAYS_WRITTEN: [(&str, &[&str]); 4] = [
    (
        "get_tasks",
        &["tasks", "unreachable_tasks", "completed_tasks"],
    ),
    ("get_executors", &["executors"]),
    ("get_frameworks", &["frameworks", "completed_frameworks"]),
    ("get_agents", &["agents", "recovered_agents"]),
];

/// A response in Mesos's JSON: the JSON mapping, plus the empty lists its
/// serializers for state, agents, frameworks, executors and tasks write.
pub(crate) fn response_json(response: &V1Response) -> Json {
    let mut value = proto::json::to_value(response);
    fill_lists(&mut value);
    if let Some(state) = value.get_mut("get_state") {
        fill_lists(state);
    }
    value
}

pub(crate) fn fill_lists(value: &mut Json) {
    for (payload, lists) in ALWAYS_WRITTEN {
        if let Some(Json::Object(fields)) = value.get_mut(payload) {
            for list in lists {
                fields.entry(*list).or_insert_with(|| json!([]));
            }
        }
    }
}
