//! The operator calls that change the cluster, as Mesos 1.11's
//! `Master::Http` handles them: each is checked against the master's state,
//! made durable through the Registrar where Mesos records it (weights,
//! quotas, maintenance, agent deactivation, draining, gone), and only then
//! applied to the master, the allocator and the agents. The answer waits
//! for all of that: `200 OK` once done. Under `--acls`, each call is
//! authorized first (Mesos's `UPDATE_WEIGHT`, `UPDATE_QUOTA_WITH_CONFIG`,
//! maintenance, agent and `TEARDOWN_FRAMEWORK` actions): `403` if denied.

use super::Call;
use crate::authorization::{Check, authorize};
use crate::cluster::{MachineKey, machine_key};
use crate::master::{MasterProcess, time_info};
use allocator::Quota;
use authorizer::Action;
use http::StatusCode;
use libprocess::{Context, Reply, Response};
use proto::mesos::internal::{DrainSlaveMessage, ShutdownMessage};
use proto::mesos::maintenance::Schedule;
use proto::mesos::quota::QuotaConfig;
use proto::mesos::v1::master::Call as V1Call;
use proto::mesos::{
    DrainConfig, DrainInfo, DrainState, MachineId, MachineInfo, SlaveId, Unavailability,
    WeightInfo, machine_info,
};
use registry::{Operation, Outcome};
use std::collections::BTreeSet;
use std::time::SystemTime;
use tokio::sync::oneshot;

fn bad_request(message: impl Into<String>) -> Reply {
    Response::bad_request(message.into()).into()
}

impl MasterProcess {
    /// Applies `operation` through the Registrar, then `then` on the
    /// master; the reply is `then`'s response, or `400` with the registry's
    /// reason if it refused the operation.
    fn change_through_registrar(
        &self,
        ctx: &Context<Self>,
        operation: Operation,
        then: impl FnOnce(&mut Self, &mut Context<Self>) -> Response + Send + 'static,
    ) -> Reply {
        let (answer, answered) = oneshot::channel();
        self.apply(ctx, operation, move |master, ctx, outcome| {
            let response = match outcome {
                Ok(Outcome::Refused(reason)) => Response::bad_request(reason),
                Ok(_) => then(master, ctx),
                // The master stops on a registry failure (see `apply`'s
                // callers); the client learns it could not be recorded.
                Err(error) => Response::text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("Failed to update the registry: {error}"),
                ),
            };
            let _ = answer.send(response);
        });
        Reply::later(async move {
            answered.await.unwrap_or_else(|_| {
                Response::text(StatusCode::SERVICE_UNAVAILABLE, "The master stopped")
            })
        })
    }

    /// `UPDATE_WEIGHTS` (and `PUT /weights`).
    pub(crate) fn update_weights(
        &mut self,
        ctx: &Context<Self>,
        weights: Vec<WeightInfo>,
    ) -> Reply {
        for info in &weights {
            let role = info.role.clone().unwrap_or_default();
            if let Err(error) = resources::roles::validate(&role) {
                return bad_request(format!("Invalid role '{role}': {error}"));
            }
            if info.weight <= 0.0 {
                return bad_request(format!(
                    "Invalid weight '{}' for role '{role}': weights must be positive",
                    info.weight
                ));
            }
        }
        let applied = weights.clone();
        self.change_through_registrar(ctx, Operation::UpdateWeights(weights), move |master, _| {
            for info in &applied {
                master
                    .cluster
                    .weights
                    .insert(info.role.clone().unwrap_or_default(), info.weight);
            }
            master.allocator.lock().update_weights(&applied);
            Response::new(StatusCode::OK)
        })
    }

    /// `UPDATE_QUOTA`: each config replaces its role's quota; one with no
    /// guarantees and no limits removes it.
    pub(crate) fn update_quota(
        &mut self,
        ctx: &Context<Self>,
        configs: Vec<proto::mesos::quota::QuotaConfig>,
    ) -> Reply {
        let mut quotas = Vec::new();
        for config in &configs {
            if let Err(error) = resources::roles::validate(&config.role) {
                return bad_request(format!("Invalid role '{}': {error}", config.role));
            }
            match Quota::from_config(config) {
                Ok(quota) => quotas.push((config.clone(), quota)),
                Err(error) => return bad_request(format!("Invalid QuotaConfig: {error}")),
            }
        }
        self.change_through_registrar(ctx, Operation::UpdateQuota(configs), move |master, _| {
            for (config, quota) in quotas {
                if config.guarantees.is_empty() && config.limits.is_empty() {
                    master.cluster.quotas.remove(&config.role);
                } else {
                    master
                        .cluster
                        .quotas
                        .insert(config.role.clone(), config.clone());
                }
                master.allocator.lock().update_quota(&config.role, quota);
            }
            Response::new(StatusCode::OK)
        })
    }

    /// `UPDATE_MAINTENANCE_SCHEDULE` (and `POST /maintenance/schedule`):
    /// machines new to the schedule start DRAINING; machines left out of
    /// it are forgotten, unless they are DOWN.
    pub(crate) fn update_schedule(&mut self, ctx: &Context<Self>, schedule: Schedule) -> Reply {
        let mut scheduled: Vec<(MachineKey, MachineId, Unavailability)> = Vec::new();
        for window in &schedule.windows {
            if window.machine_ids.is_empty() {
                return bad_request("List of machines in the maintenance window is empty");
            }
            for id in &window.machine_ids {
                if id.hostname.as_deref().unwrap_or_default().is_empty()
                    && id.ip.as_deref().unwrap_or_default().is_empty()
                {
                    return bad_request("Both 'hostname' and 'ip' for a machine are empty");
                }
                let key = machine_key(id);
                if scheduled.iter().any(|(k, _, _)| *k == key) {
                    return bad_request(format!(
                        "Machine '{}' appears more than once in the schedule",
                        key.0
                    ));
                }
                scheduled.push((key, id.clone(), window.unavailability));
            }
        }
        for (key, machine) in &self.cluster.machines {
            if machine.mode() == machine_info::Mode::Down
                && !scheduled.iter().any(|(k, _, _)| k == key)
            {
                return bad_request(format!(
                    "Machine '{}' is deactivated and cannot be removed from the schedule",
                    key.0
                ));
            }
        }
        self.change_through_registrar(
            ctx,
            Operation::UpdateSchedule(schedule.clone()),
            move |master, _| {
                let known = master.cluster.machines.clone();
                master.cluster.machines = scheduled
                    .into_iter()
                    .map(|(key, id, unavailability)| {
                        let machine = known.get(&key).cloned().unwrap_or(MachineInfo {
                            id,
                            mode: Some(machine_info::Mode::Draining as i32),
                            unavailability: None,
                        });
                        let machine = MachineInfo {
                            unavailability: Some(unavailability),
                            ..machine
                        };
                        (key, machine)
                    })
                    .collect();
                master.cluster.schedule = schedule;
                Response::new(StatusCode::OK)
            },
        )
    }

    /// `START_MAINTENANCE` (and `POST /machine/down`): scheduled machines go
    /// DOWN; their agents are told to shut down and are removed.
    pub(crate) fn start_maintenance(
        &mut self,
        ctx: &Context<Self>,
        machines: Vec<MachineId>,
    ) -> Reply {
        let keys: BTreeSet<MachineKey> = machines.iter().map(machine_key).collect();
        for key in &keys {
            if !self.cluster.machines.contains_key(key) {
                return bad_request(format!(
                    "Machine '{}' is not part of a maintenance schedule",
                    key.0
                ));
            }
            if self.cluster.is_down(key) {
                return bad_request(format!("Machine '{}' is already deactivated", key.0));
            }
        }
        self.change_through_registrar(
            ctx,
            Operation::StartMaintenance(machines),
            move |master, ctx| {
                for key in &keys {
                    if let Some(machine) = master.cluster.machines.get_mut(key) {
                        machine.mode = Some(machine_info::Mode::Down as i32);
                    }
                }
                let down: Vec<String> = master
                    .agents
                    .registered
                    .values()
                    .filter(|agent| {
                        let ip = agent.pid.address().ip().to_string();
                        keys.contains(&(agent.info.hostname.clone(), ip))
                    })
                    .map(|agent| agent.id().to_owned())
                    .collect();
                for id in down {
                    master.shut_agent_down(ctx, &id, "Operator started maintenance");
                }
                Response::new(StatusCode::OK)
            },
        )
    }

    /// `STOP_MAINTENANCE` (and `POST /machine/up`): DOWN machines come back
    /// UP and leave the schedule.
    pub(crate) fn stop_maintenance(
        &mut self,
        ctx: &Context<Self>,
        machines: Vec<MachineId>,
    ) -> Reply {
        let keys: BTreeSet<MachineKey> = machines.iter().map(machine_key).collect();
        for key in &keys {
            if !self.cluster.is_down(key) {
                return bad_request(format!("Machine '{}' is not in DOWN mode", key.0));
            }
        }
        self.change_through_registrar(
            ctx,
            Operation::StopMaintenance(machines),
            move |master, _| {
                for key in &keys {
                    master.cluster.machines.remove(key);
                }
                for window in &mut master.cluster.schedule.windows {
                    window
                        .machine_ids
                        .retain(|id| !keys.contains(&machine_key(id)));
                }
                master
                    .cluster
                    .schedule
                    .windows
                    .retain(|window| !window.machine_ids.is_empty());
                Response::new(StatusCode::OK)
            },
        )
    }

    fn knows_agent(&self, id: &str) -> bool {
        self.agents.registered.contains_key(id)
            || self.agents.recovered.contains_key(id)
            || self.agents.unreachable.contains_key(id)
    }

    /// `DEACTIVATE_AGENT`: no more offers of the agent's resources.
    pub(crate) fn deactivate_agent_call(&mut self, ctx: &Context<Self>, id: SlaveId) -> Reply {
        if !self.knows_agent(&id.value) {
            return bad_request("Unknown agent");
        }
        self.change_through_registrar(
            ctx,
            Operation::DeactivateAgent(id.clone()),
            move |master, ctx| {
                master.agents.deactivated.insert(id.value.clone());
                master.deactivate(ctx, &id.value);
                master.publish_counts();
                Response::new(StatusCode::OK)
            },
        )
    }

    /// `REACTIVATE_AGENT`: a deactivated (or drained) agent's resources are
    /// offered again.
    pub(crate) fn reactivate_agent_call(&mut self, ctx: &Context<Self>, id: SlaveId) -> Reply {
        if !self.agents.deactivated.contains(&id.value) {
            return bad_request("Agent is not deactivated");
        }
        if self
            .agents
            .draining
            .get(&id.value)
            .is_some_and(|drain| drain.state() == DrainState::Draining)
        {
            return bad_request("Agent is still in the DRAINING state");
        }
        self.change_through_registrar(ctx, Operation::ReactivateAgent(id.clone()), move |master, _| {
            master.agents.draining.remove(&id.value);
            master.agents.deactivated.remove(&id.value);
            let Some(agent) = master.agents.registered.get_mut(&id.value) else {
                return Response::text(
                    StatusCode::CONFLICT,
                    "Agent removed while processing the call",
                );
            };
            if agent.connected {
                tracing::info!(agent = %id.value, "reactivating agent");
                agent.active = true;
                if let Err(error) = master.allocator.lock().activate_agent(&id) {
                    tracing::error!(agent = %id.value, %error, "the allocator cannot activate the agent");
                }
            }
            master.publish_counts();
            Response::new(StatusCode::OK)
        })
    }

    /// `DRAIN_AGENT`: the agent is deactivated and told to kill its tasks
    /// (`DrainSlaveMessage`); with `mark_gone` it is marked gone once drained.
    pub(crate) fn drain_agent_call(
        &mut self,
        ctx: &Context<Self>,
        drain: proto::mesos::v1::master::call::DrainAgent,
    ) -> Reply {
        let id = SlaveId {
            value: drain.agent_id.value.clone(),
        };
        if let Some(agent) = self.agents.registered.get(&id.value) {
            let ip = agent.pid.address().ip().to_string();
            if self
                .cluster
                .machines
                .contains_key(&(agent.info.hostname.clone(), ip.clone()))
            {
                return bad_request(format!(
                    "Agent {} is part of a maintenance schedule under Machine {}",
                    id.value, agent.info.hostname
                ));
            }
            if !agent.has_capability(proto::mesos::slave_info::capability::Type::AgentDraining) {
                return bad_request(format!("Agent {} is not capable of draining", id.value));
            }
        } else if !self.knows_agent(&id.value) {
            return bad_request("Unknown agent");
        }
        let max_grace_period = drain
            .max_grace_period
            .map(|period| proto::mesos::DurationInfo {
                nanoseconds: period
                    .seconds
                    .saturating_mul(1_000_000_000)
                    .saturating_add(i64::from(period.nanos)),
            });
        let config = DrainConfig {
            max_grace_period,
            mark_gone: drain.mark_gone,
        };
        let operation = Operation::DrainAgent {
            id: id.clone(),
            max_grace_period,
            mark_gone: drain.mark_gone.unwrap_or(false),
        };
        self.change_through_registrar(ctx, operation, move |master, ctx| {
            let info = DrainInfo {
                state: DrainState::Draining as i32,
                config,
            };
            master.agents.draining.insert(id.value.clone(), info);
            master.agents.deactivated.insert(id.value.clone());
            if let Some(agent) = master.agents.registered.get(&id.value) {
                let pid = agent.pid.clone();
                ctx.send_protobuf(&pid, &DrainSlaveMessage { config });
                master.deactivate(ctx, &id.value);
            }
            master.publish_counts();
            Response::new(StatusCode::OK)
        })
    }

    /// `MARK_AGENT_GONE`: the agent is shut down and may never come back.
    pub(crate) fn mark_agent_gone_call(&mut self, ctx: &Context<Self>, id: SlaveId) -> Reply {
        let value = id.value.clone();
        if self.agents.gone.contains_key(&value) {
            return Response::new(StatusCode::OK).into();
        }
        let busy = if self.agents.marking_unreachable.contains(&value) {
            Some("unreachable")
        } else if self.agents.removing.contains(&value) {
            Some("removed")
        } else {
            None
        };
        if let Some(transition) = busy {
            return Response::text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("Agent '{value}' is being transitioned to {transition}"),
            )
            .into();
        }
        if !self.knows_agent(&value) {
            return Response::text(StatusCode::NOT_FOUND, format!("Agent '{value}' not found"))
                .into();
        }
        let at = time_info(SystemTime::now());
        self.change_through_registrar(
            ctx,
            Operation::MarkAgentGone { id, at },
            move |master, ctx| {
                tracing::info!(agent = %value, "marked agent gone");
                master.agents.gone.insert(value.clone(), at);
                master.agents.recovered.remove(&value);
                master.agents.unreachable.remove(&value);
                master.shut_agent_down(ctx, &value, "Agent has been marked gone");
                Response::new(StatusCode::OK)
            },
        )
    }

    /// Tells a registered agent to shut down and forgets it.
    fn shut_agent_down(&mut self, ctx: &mut Context<Self>, id: &str, reason: &str) {
        let Some(agent) = self.agents.registered.get(id) else {
            return;
        };
        let pid = agent.pid.clone();
        ctx.send_protobuf(
            &pid,
            &ShutdownMessage {
                message: Some(reason.to_owned()),
            },
        );
        self.forget_agent(ctx, id, false);
        self.publish_counts();
    }

    /// `TEARDOWN` (and `POST /teardown`): the framework is removed, its
    /// tasks killed.
    pub(crate) fn teardown_call(&mut self, ctx: &mut Context<Self>, framework_id: &str) -> Reply {
        if !self.frameworks.registered.contains_key(framework_id) {
            return bad_request("No framework found with specified ID");
        }
        self.remove_framework(ctx, framework_id);
        Response::new(StatusCode::OK).into()
    }
}

/// The deprecated `SET_QUOTA`'s request as a config, as Mesos 1.9+ reads
/// it: its guarantee is both the guarantees and the limits.
fn quota_config_of(request: &proto::mesos::v1::quota::QuotaRequest) -> QuotaConfig {
    let scalars: std::collections::HashMap<String, proto::mesos::value::Scalar> = request
        .guarantee
        .iter()
        .filter_map(|r| Some((r.name.clone(), super::devolve(r.scalar.as_ref()?))))
        .collect();
    QuotaConfig {
        role: request.role().to_owned(),
        guarantees: scalars.clone(),
        limits: scalars,
    }
}

/// The authorizer's checks for a state-changing call, as Mesos's
/// handlers ask for them.
// Mesos still serves the deprecated SET_QUOTA and REMOVE_QUOTA.
#[allow(deprecated)]
fn checks(master: &MasterProcess, call: &V1Call) -> Vec<Check> {
    use proto::mesos::v1::master::call::Type;
    let machines = |ids: &[proto::mesos::v1::MachineId]| -> Vec<MachineId> {
        ids.iter().map(super::devolve).collect()
    };
    match call.r#type() {
        Type::UpdateWeights => call
            .update_weights
            .iter()
            .flat_map(|u| &u.weight_infos)
            .map(|w| Check::update_weight(&super::devolve(w)))
            .collect(),
        Type::UpdateQuota => call
            .update_quota
            .iter()
            .flat_map(|u| &u.quota_configs)
            .map(|config| Check::update_quota(&config.role))
            .collect(),
        Type::SetQuota => call
            .set_quota
            .iter()
            .map(|set| Check::update_quota(set.quota_request.role()))
            .collect(),
        Type::RemoveQuota => call
            .remove_quota
            .iter()
            .map(|remove| Check::update_quota(&remove.role))
            .collect(),
        Type::UpdateMaintenanceSchedule => {
            let ids: Vec<_> = call
                .update_maintenance_schedule
                .iter()
                .flat_map(|u| &u.schedule.windows)
                .flat_map(|w| w.machine_ids.clone())
                .collect();
            Check::maintenance(Action::UpdateMaintenanceSchedule, &machines(&ids))
        }
        Type::StartMaintenance => Check::maintenance(
            Action::StartMaintenance,
            &machines(
                call.start_maintenance
                    .as_ref()
                    .map(|s| s.machines.as_slice())
                    .unwrap_or_default(),
            ),
        ),
        Type::StopMaintenance => Check::maintenance(
            Action::StopMaintenance,
            &machines(
                call.stop_maintenance
                    .as_ref()
                    .map(|s| s.machines.as_slice())
                    .unwrap_or_default(),
            ),
        ),
        Type::DeactivateAgent => vec![Check::agent_action(Action::DeactivateAgent)],
        Type::ReactivateAgent => vec![Check::agent_action(Action::ReactivateAgent)],
        Type::DrainAgent => vec![Check::agent_action(Action::DrainAgent)],
        Type::MarkAgentGone => vec![Check::agent_action(Action::MarkAgentGone)],
        Type::Teardown => call
            .teardown
            .as_ref()
            .and_then(|t| master.frameworks.registered.get(&t.framework_id.value))
            .map(|framework| Check::teardown(&framework.info))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// Authorizes a state-changing call (`403` if the principal may not make
/// it), then runs it on the master.
pub(super) fn dispatch(
    master: &mut MasterProcess,
    ctx: &mut Context<MasterProcess>,
    call: Call,
) -> Reply {
    if master.authorizer.is_none() {
        return run(master, ctx, call.call);
    }
    let principal = call.principal.as_ref().and_then(|p| p.value.clone());
    let authorized = authorize(
        master.authorizer.clone(),
        principal,
        checks(master, &call.call),
    );
    let process = ctx.handle();
    Reply::later(async move {
        match authorized.await {
            Ok(true) => match process
                .call(move |master, ctx| run(master, ctx, call.call))
                .await
            {
                Ok(reply) => reply.into_response().await,
                Err(error) => Response::text(StatusCode::SERVICE_UNAVAILABLE, error.to_string()),
            },
            Ok(false) => Response::forbidden(""),
            Err(error) => Response::text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Authorization failed: {error}"),
            ),
        }
    })
}

/// Runs an authorized state-changing call.
#[allow(deprecated)]
fn run(master: &mut MasterProcess, ctx: &mut Context<MasterProcess>, call: V1Call) -> Reply {
    use proto::mesos::v1::master::call::Type;
    let devolve = |id: &proto::mesos::v1::AgentId| SlaveId {
        value: id.value.clone(),
    };
    match call.r#type() {
        Type::UpdateWeights => {
            let update = call.update_weights.unwrap_or_default();
            master.update_weights(
                ctx,
                update.weight_infos.iter().map(super::devolve).collect(),
            )
        }
        Type::UpdateQuota => {
            let update = call.update_quota.unwrap_or_default();
            master.update_quota(
                ctx,
                update.quota_configs.iter().map(super::devolve).collect(),
            )
        }
        Type::UpdateMaintenanceSchedule => {
            let update = call.update_maintenance_schedule.expect("validated");
            master.update_schedule(ctx, super::devolve(&update.schedule))
        }
        Type::StartMaintenance => {
            let start = call.start_maintenance.expect("validated");
            master.start_maintenance(ctx, start.machines.iter().map(super::devolve).collect())
        }
        Type::StopMaintenance => {
            let stop = call.stop_maintenance.expect("validated");
            master.stop_maintenance(ctx, stop.machines.iter().map(super::devolve).collect())
        }
        Type::DeactivateAgent => {
            let agent = call.deactivate_agent.expect("validated").agent_id;
            master.deactivate_agent_call(ctx, devolve(&agent))
        }
        Type::ReactivateAgent => {
            let agent = call.reactivate_agent.expect("validated").agent_id;
            master.reactivate_agent_call(ctx, devolve(&agent))
        }
        Type::DrainAgent => master.drain_agent_call(ctx, call.drain_agent.expect("validated")),
        Type::MarkAgentGone => {
            let agent = call.mark_agent_gone.expect("validated").agent_id;
            master.mark_agent_gone_call(ctx, devolve(&agent))
        }
        Type::Teardown => {
            let framework = call.teardown.expect("validated").framework_id;
            master.teardown_call(ctx, &framework.value)
        }
        Type::SetQuota => {
            let request = call.set_quota.expect("validated").quota_request;
            master.update_quota(ctx, vec![quota_config_of(&request)])
        }
        Type::RemoveQuota => {
            let role = call.remove_quota.expect("validated").role;
            master.update_quota(
                ctx,
                vec![QuotaConfig {
                    role,
                    ..QuotaConfig::default()
                }],
            )
        }
        other => unreachable!("{} does not change the cluster", other.as_str_name()),
    }
}
