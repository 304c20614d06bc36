//! Speculative offer operations — RESERVE, UNRESERVE, CREATE, DESTROY,
//! GROW_VOLUME, SHRINK_VOLUME — as Mesos 1.11's `_accept`, `Http::_operation`
//! and `_apply` apply them.
//!
//! Each operation converts some of an agent's resources
//! ([`resources::operation_conversions`], Mesos's `getResourceConversions`):
//! RESERVE pushes a dynamic reservation onto unreserved (or less reserved)
//! resources, UNRESERVE pops it, CREATE turns reserved disk into a
//! persistent volume, DESTROY back, GROW and SHRINK resize a volume. Who
//! asks makes the first half differ:
//!
//! - a framework, in ACCEPT ([`MasterProcess::apply_operation`]): the
//!   operation is checked as an operator's would be (for a framework), and
//!   authorized by the approvers of the framework's principal; one that
//!   fails is dropped — OPERATION_ERROR to an HTTP framework that gave it
//!   an `id` — and the rest of the ACCEPT goes on. A valid one converts
//!   what is left of its offers, and the allocator's books of what the
//!   framework holds;
//! - an operator, through the operator API
//!   ([`MasterProcess::apply_operator_operation`]): it converts the agent's
//!   unallocated resources; outstanding offers on the agent are rescinded
//!   until the operation's resources are free, else `409 Conflict`.
//!
//! The second half is shared ([`MasterProcess::apply_to_agent`]): the
//! master's view of the agent (its total and checkpointed resources)
//! follows, and the agent is told: `ApplyOperationMessage` to an agent with
//! the RESOURCE_PROVIDER capability (the master tracks the operation until
//! the agent reports it finished; GET_OPERATIONS lists it), or its complete
//! checkpointed resources in `CheckpointResourcesMessage` to an older one.
//!
//! An operation status the agent reports is forwarded to the framework
//! when the operation carried an id (it asked for feedback, and
//! acknowledges through ACKNOWLEDGE_OPERATION_STATUS); otherwise the
//! master acknowledges it to the agent itself.

pub(crate) mod validation;

use crate::authorization::Check;
use crate::frameworks::ToScheduler;
use crate::master::MasterProcess;
use allocator::{ResourceConversion, apply_conversions, operation_conversions, unallocated};
use http::StatusCode;
use libprocess::{Context, Response, Upid};
use proto::mesos::internal::{
    AcknowledgeOperationStatusMessage, ApplyOperationMessage, CheckpointResourcesMessage,
    FrameworkErrorMessage, ResourceVersionUuid, UpdateOperationStatusMessage,
};
use proto::mesos::scheduler::call;
use proto::mesos::slave_info::capability::Type as Capability;
use proto::mesos::{
    Filters, FrameworkId, Operation, OperationState, OperationStatus, Resource, SlaveId, Uuid,
    offer, resource,
};
use resources::{Resources, needs_checkpointing};
use validation::{AgentCapabilities, Requester};

/// Every resource an operation names, to read or change in place.
pub(crate) fn resources_of(operation: &mut offer::Operation) -> Vec<&mut Resource> {
    let mut named: Vec<&mut Resource> = Vec::new();
    if let Some(reserve) = &mut operation.reserve {
        named.extend(reserve.resources.iter_mut().chain(&mut reserve.source));
    }
    if let Some(unreserve) = &mut operation.unreserve {
        named.extend(&mut unreserve.resources);
    }
    if let Some(create) = &mut operation.create {
        named.extend(&mut create.volumes);
    }
    if let Some(destroy) = &mut operation.destroy {
        named.extend(&mut destroy.volumes);
    }
    if let Some(grow) = &mut operation.grow_volume {
        named.extend([&mut grow.volume, &mut grow.addition]);
    }
    if let Some(shrink) = &mut operation.shrink_volume {
        named.push(&mut shrink.volume);
    }
    named
}

/// Marks the resources of a framework's operation as allocated to the
/// offers' role where the framework left it out (Mesos's
/// `injectAllocationInfo`).
fn inject_allocation(operation: &mut offer::Operation, role: &str) {
    for resource in resources_of(operation) {
        if resource.allocation_info.is_none() {
            resource.allocation_info = Some(resource::AllocationInfo {
                role: Some(role.to_owned()),
            });
        }
    }
}

/// Mesos's `validateAndUpgradeResources`: the operation's resources are
/// valid, and read in the post-refinement format from here on. Moving a
/// reservation (RESERVE with a `source`) is for operators only in 1.11.
fn upgrade_resources(operation: &mut offer::Operation) -> Result<(), Refusal> {
    for resource in resources_of(operation) {
        Resources::validate(std::slice::from_ref(&*resource)).map_err(|error| {
            Refusal::Dropped(format!(
                "Operation attempted with invalid resources: {error}"
            ))
        })?;
        crate::agents::upgrade(std::slice::from_mut(resource));
    }
    if operation
        .reserve
        .as_ref()
        .is_some_and(|r| !r.source.is_empty())
    {
        return Err(Refusal::Dropped(
            "Operation attempted with invalid resources: Reservation updates are not yet \
             implemented for the scheduler API."
                .to_owned(),
        ));
    }
    Ok(())
}

/// Why a framework's operation is not applied.
enum Refusal {
    /// Dropped with this error ([`MasterProcess::drop_operation`]).
    Dropped(String),
    /// Already answered (or nobody left to answer).
    Handled,
}

fn without_allocation(conversions: &[ResourceConversion]) -> Vec<ResourceConversion> {
    conversions
        .iter()
        .map(|conversion| {
            ResourceConversion::new(
                unallocated(&conversion.consumed),
                unallocated(&conversion.converted),
            )
        })
        .collect()
}

fn is_terminal_operation(state: OperationState) -> bool {
    use OperationState::*;
    matches!(
        state,
        OperationFinished
            | OperationFailed
            | OperationError
            | OperationDropped
            | OperationGoneByOperator
    )
}

impl MasterProcess {
    /// Mesos's checks of a speculative operation on `agent_id` by
    /// `requester` (with `principal`); the resources must be in the
    /// post-refinement format.
    pub(crate) fn validate_operation(
        &self,
        agent_id: &str,
        operation: &offer::Operation,
        principal: Option<&str>,
        requester: Requester<'_>,
    ) -> Result<(), String> {
        let agent = self
            .agents
            .registered
            .get(agent_id)
            .ok_or_else(|| "No agent found with specified ID".to_owned())?;
        let capabilities = AgentCapabilities::of(agent);
        let missing = || format!("{} without its payload", operation.r#type().as_str_name());
        match operation.r#type() {
            offer::operation::Type::Reserve => validation::reserve(
                operation.reserve.as_ref().ok_or_else(missing)?,
                principal,
                capabilities,
                requester,
            ),
            offer::operation::Type::Unreserve => {
                validation::unreserve(operation.unreserve.as_ref().ok_or_else(missing)?)
            }
            offer::operation::Type::Create => validation::create(
                operation.create.as_ref().ok_or_else(missing)?,
                &agent.checkpointed_resources,
                principal,
                capabilities,
                requester,
            ),
            offer::operation::Type::Destroy => {
                let checkpointed = Resources::from_protos(&agent.checkpointed_resources)
                    .map_err(|error| error.to_string())?;
                validation::destroy(
                    operation.destroy.as_ref().ok_or_else(missing)?,
                    &checkpointed,
                    &self.used_on_agent(agent_id),
                )
            }
            offer::operation::Type::GrowVolume => validation::grow_volume(
                operation.grow_volume.as_ref().ok_or_else(missing)?,
                capabilities,
            ),
            offer::operation::Type::ShrinkVolume => validation::shrink_volume(
                operation.shrink_volume.as_ref().ok_or_else(missing)?,
                capabilities,
            ),
            other => Err(format!(
                "{} is not a speculative operation",
                other.as_str_name()
            )),
        }
    }

    /// What the live tasks and executors on an agent use.
    fn used_on_agent(&self, agent_id: &str) -> Resources {
        let tasks = self
            .tasks
            .on_agent(agent_id)
            .into_iter()
            .filter_map(|(framework, task)| self.tasks.get(&framework, &task))
            .filter(|task| !crate::tasks::is_terminal(task.state()))
            .map(|task| task.resources.clone());
        let executors = self
            .frameworks
            .registered
            .values()
            .filter_map(|framework| framework.executors.get(agent_id))
            .flat_map(|executors| executors.values())
            .map(|executor| executor.resources.clone());
        tasks
            .chain(executors)
            .filter_map(|resources| Resources::from_protos(&resources).ok())
            .fold(Resources::new(), |sum, used| &sum + &used)
    }

    /// Applies a speculative operation from ACCEPT to what is left of the
    /// offers (`available`, allocated to `role`), the allocator and the
    /// agent — if it is valid, and the framework's principal is allowed to
    /// (Mesos's `_accept`); otherwise it is dropped
    /// ([`MasterProcess::drop_operation`]) and the rest of the ACCEPT goes
    /// on. A volume GROW or SHRINK resizes leaves `available` for `resized`.
    #[allow(clippy::too_many_arguments)] // One ACCEPT's running state.
    pub(crate) fn apply_operation(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        agent_id: &str,
        role: &str,
        mut operation: offer::Operation,
        available: &mut Resources,
        resized: &mut Resources,
    ) {
        let agent_pb = SlaveId {
            value: agent_id.to_owned(),
        };
        let outcome = upgrade_resources(&mut operation)
            .and_then(|()| {
                inject_allocation(&mut operation, role);
                self.admit_operation(ctx, framework_id, agent_id, &operation)
            })
            .and_then(|()| {
                operation_conversions(&operation).map_err(|e| Refusal::Dropped(e.to_string()))
            })
            .and_then(|conversions| {
                apply_conversions(&agent_pb, available, &conversions)
                    .map(|after| (conversions, after))
                    .map_err(|e| Refusal::Dropped(e.to_string()))
            });
        let (conversions, after) = match outcome {
            Ok(applied) => applied,
            Err(Refusal::Dropped(error)) => {
                return self.drop_operation(ctx, framework_id, &operation, &error);
            }
            Err(Refusal::Handled) => return,
        };
        let framework_pb = FrameworkId {
            value: framework_id.to_owned(),
        };
        if let Err(error) = self.allocator.lock().update_allocation(
            &framework_pb,
            &agent_pb,
            available,
            &conversions,
        ) {
            tracing::error!(framework = framework_id, %error, "the allocator refused the operation");
            return;
        }
        let kind = operation.r#type();
        if matches!(
            kind,
            offer::operation::Type::GrowVolume | offer::operation::Type::ShrinkVolume
        ) {
            let volume = conversions
                .iter()
                .fold(Resources::new(), |sum, c| &sum + &c.converted);
            *available = &after - &volume;
            *resized = &*resized + &volume;
        } else {
            *available = after;
        }
        tracing::info!(framework = framework_id, agent = agent_id, operation = ?kind, "applying offer operation");
        self.apply_to_agent(
            ctx,
            agent_id,
            Some(framework_id),
            operation,
            &without_allocation(&conversions),
        );
    }

    /// Mesos's admission of a framework's operation in `accept` and
    /// `_accept`: feedback (an `id`) only where it can be given, then the
    /// operation checks (the operator path's, for a framework), then the
    /// framework's approvers on the operator path's authorization checks.
    fn admit_operation(
        &self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        agent_id: &str,
        operation: &offer::Operation,
    ) -> Result<(), Refusal> {
        let framework = self.frameworks.get(framework_id).ok_or(Refusal::Handled)?;
        let agent = self
            .agents
            .registered
            .get(agent_id)
            .ok_or_else(|| Refusal::Dropped("No agent found with specified ID".to_owned()))?;
        if operation.id.is_some() {
            if framework.http.is_none() {
                // Mesos answers the driver with an error, which aborts it.
                let message = "The 'id' field was set in an offer operation, but operation \
                               feedback is not supported for the SchedulerDriver API";
                tracing::warn!(framework = framework_id, "dropping an operation: {message}");
                let error = FrameworkErrorMessage {
                    message: format!(
                        "{message}; please use the HTTP scheduler API for this feature"
                    ),
                };
                framework.send(ctx, ToScheduler::Error(error));
                return Err(Refusal::Handled);
            }
            if !agent.has_capability(Capability::ResourceProvider) {
                return Err(Refusal::Dropped(format!(
                    "Operation requested feedback, but agent {agent_id} does not have the \
                     required RESOURCE_PROVIDER capability"
                )));
            }
            if !agent.has_capability(Capability::AgentOperationFeedback) {
                return Err(Refusal::Dropped(format!(
                    "Operation on agent default resources requested feedback, but agent \
                     {agent_id} does not have the required AGENT_OPERATION_FEEDBACK and \
                     RESOURCE_PROVIDER capabilities"
                )));
            }
        }
        let principal = framework.info.principal.as_deref();
        let roles = framework.roles();
        self.validate_operation(
            agent_id,
            operation,
            principal,
            Requester::Framework { roles: &roles },
        )
        .map_err(|error| Refusal::Dropped(format!("{error}; on agent {}", agent.label())))?;
        match Check::offer_operation(operation)
            .into_iter()
            .find(|check| !framework.approvers.approved(check))
        {
            Some(check) => Err(Refusal::Dropped(format!(
                // Mesos's words, slip included.
                "Principal '{}' no authorized to {check}",
                principal.unwrap_or_default()
            ))),
            None => Ok(()),
        }
    }

    /// Mesos's `drop` of a framework's operation: logged, and reported to
    /// an HTTP framework as OPERATION_ERROR if it asked for feedback.
    fn drop_operation(
        &self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        operation: &offer::Operation,
        error: &str,
    ) {
        let kind = operation.r#type();
        tracing::warn!(framework = framework_id, operation = ?kind, %error, "dropping an offer operation");
        let Some(framework) = self.frameworks.get(framework_id) else {
            return;
        };
        let Some(operation_id) = operation.id.clone() else {
            return;
        };
        if framework.http.is_none() {
            return;
        }
        let status = OperationStatus {
            operation_id: Some(operation_id),
            state: OperationState::OperationError as i32,
            message: Some(error.to_owned()),
            ..OperationStatus::default()
        };
        let update = UpdateOperationStatusMessage {
            framework_id: Some(FrameworkId {
                value: framework_id.to_owned(),
            }),
            status,
            ..UpdateOperationStatusMessage::default()
        };
        framework.send(ctx, ToScheduler::OperationStatus(Box::new(update)));
    }

    /// Mesos's `Http::_operation`: an operator's validated and authorized
    /// operation on an agent's unallocated resources. Offers on the agent
    /// are rescinded, one at a time, until what the operation consumes is
    /// free; then the allocator, the master's view and the agent follow.
    /// `202 Accepted`, or `409 Conflict` if the resources are not there.
    pub(crate) fn apply_operator_operation(
        &mut self,
        ctx: &mut Context<Self>,
        agent_id: &str,
        operation: offer::Operation,
    ) -> Response {
        let kind = operation.r#type().as_str_name();
        let conversions = match operation_conversions(&operation) {
            Ok(conversions) => conversions,
            Err(error) => {
                return Response::bad_request(format!("Invalid {kind} operation: {error}"));
            }
        };
        if !self.agents.registered.contains_key(agent_id) {
            return Response::bad_request("No agent found with specified ID");
        }
        let mut required = conversions
            .iter()
            .fold(Resources::new(), |sum, c| &sum + &c.consumed);
        let agent_pb = SlaveId {
            value: agent_id.to_owned(),
        };
        // Mesos assumes the allocator's free resources may be offered any
        // moment, so it frees the operation's resources from offers first;
        // the default filter keeps them from going straight back.
        let mut offers: Vec<(String, Resources)> = self
            .offers
            .outstanding
            .iter()
            .filter(|(_, record)| record.agent_id == agent_id)
            .map(|(id, record)| (id.clone(), unallocated(&record.resources)))
            .collect();
        offers.sort_by(|(left, _), (right, _)| left.cmp(right));
        let mut recovered = Resources::new();
        for (offer_id, resources) in offers {
            if &required - &resources == required {
                continue;
            }
            required = &required - &resources;
            recovered = &recovered + &resources;
            tracing::info!(offer = %offer_id, agent = agent_id, "rescinding offer to make room for an operator's {kind}");
            self.rescind_offer(ctx, &offer_id, Some(&Filters::default()));
            if apply_conversions(&agent_pb, &recovered, &conversions).is_ok() {
                break;
            }
        }
        if let Err(error) = self
            .allocator
            .lock()
            .update_available(&agent_pb, &conversions)
        {
            return Response::text(StatusCode::CONFLICT, error.to_string());
        }
        tracing::info!(
            agent = agent_id,
            operation = kind,
            "applying an operator's operation"
        );
        self.apply_to_agent(ctx, agent_id, None, operation, &conversions);
        Response::new(StatusCode::ACCEPTED)
    }

    /// Mesos's `_apply`, the half both paths share: the agent's total and
    /// checkpointed resources take the (unallocated) `conversions`, and the
    /// agent is told — `ApplyOperationMessage` (the operation tracked until
    /// finished) if it has the RESOURCE_PROVIDER capability, else its
    /// checkpointed resources.
    pub(crate) fn apply_to_agent(
        &mut self,
        ctx: &mut Context<Self>,
        agent_id: &str,
        framework_id: Option<&str>,
        operation: offer::Operation,
        conversions: &[ResourceConversion],
    ) {
        let Some(agent) = self.agents.registered.get_mut(agent_id) else {
            return;
        };
        let agent_pb = SlaveId {
            value: agent_id.to_owned(),
        };
        match apply_conversions(&agent_pb, &agent.total, conversions) {
            Ok(total) => agent.total = total,
            Err(error) => {
                tracing::error!(agent = agent_id, %error, "the agent's total does not hold the operation's resources")
            }
        }
        agent.checkpointed_resources = agent.total.filter(needs_checkpointing).to_protos();
        let resource_provider_capable =
            agent.has_capability(proto::mesos::slave_info::capability::Type::ResourceProvider);
        if resource_provider_capable && let Some(version) = agent.resource_version.clone() {
            let uuid = Uuid {
                value: uuid::Uuid::new_v4().as_bytes().to_vec(),
            };
            let framework_pb = framework_id.map(|id| FrameworkId {
                value: id.to_owned(),
            });
            agent.operations.push(Operation {
                framework_id: framework_pb.clone(),
                slave_id: Some(agent_pb.clone()),
                info: operation.clone(),
                latest_status: OperationStatus {
                    operation_id: operation.id.clone(),
                    state: OperationState::OperationPending as i32,
                    slave_id: Some(agent_pb),
                    ..OperationStatus::default()
                },
                statuses: Vec::new(),
                uuid: uuid.clone(),
            });
            let message = ApplyOperationMessage {
                framework_id: framework_pb,
                operation_info: operation,
                operation_uuid: uuid,
                resource_version_uuid: ResourceVersionUuid {
                    resource_provider_id: None,
                    uuid: version,
                },
            };
            ctx.send_protobuf(&agent.pid, &message);
        } else {
            let message = CheckpointResourcesMessage {
                resources: agent.checkpointed_resources.clone(),
            };
            ctx.send_protobuf(&agent.pid, &message);
        }
    }

    /// An agent's report on an operation (Mesos's `updateOperationStatus`):
    /// recorded on the operation, then to the framework if it asked for
    /// feedback, else acknowledged by the master; a terminal operation no
    /// one acknowledges is forgotten at once.
    pub(crate) fn operation_status(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: UpdateOperationStatusMessage,
    ) {
        let Some(uuid) = message.operation_uuid.clone() else {
            return;
        };
        let agent_id = match (&message.slave_id, self.agents.by_pid(&from)) {
            (Some(id), _) => id.value.clone(),
            (None, Some(agent)) => agent.id().to_owned(),
            (None, None) => {
                tracing::warn!(%from, "ignoring an operation status from an unknown agent");
                return;
            }
        };
        let Some(agent) = self.agents.registered.get_mut(&agent_id) else {
            tracing::warn!(%from, agent = %agent_id, "ignoring an operation status: the agent is not registered");
            return;
        };
        let Some(index) = agent.operations.iter().position(|op| op.uuid == uuid) else {
            tracing::warn!(%from, "ignoring the status of an unknown operation");
            return;
        };
        let operation = &mut agent.operations[index];
        let status = message.latest_status.as_ref().unwrap_or(&message.status);
        if !is_terminal_operation(operation.latest_status.state()) {
            operation.latest_status = status.clone();
        }
        if operation.statuses.last() != Some(status) {
            operation.statuses.push(status.clone());
        }
        let operation = operation.clone();
        let terminal = is_terminal_operation(operation.latest_status.state());
        let framework = operation
            .framework_id
            .as_ref()
            .filter(|_| operation.info.id.is_some())
            .map(|id| self.frameworks.get(&id.value).filter(|f| f.connected));
        match framework {
            Some(Some(framework)) => {
                framework.send(ctx, ToScheduler::OperationStatus(Box::new(message)));
            }
            Some(None) => {
                tracing::warn!(framework = ?operation.framework_id, "dropping an operation status for a disconnected framework");
            }
            None => {
                if terminal {
                    agent_operations_remove(self, &agent_id, &uuid);
                }
                let Some(status_uuid) = message.status.uuid.clone() else {
                    return;
                };
                if let Some(agent) = self.agents.registered.get(&agent_id) {
                    ctx.send_protobuf(
                        &agent.pid,
                        &AcknowledgeOperationStatusMessage {
                            status_uuid,
                            operation_uuid: uuid,
                            resource_provider_id: None,
                        },
                    );
                }
            }
        }
    }

    /// ACKNOWLEDGE_OPERATION_STATUS: relayed to the operation's agent; a
    /// terminal operation is forgotten once acknowledged.
    pub(crate) fn acknowledge_operation_status(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        acknowledge: call::AcknowledgeOperationStatus,
    ) {
        let is_it = |operation: &Operation| {
            operation
                .framework_id
                .as_ref()
                .is_some_and(|id| id.value == framework_id)
                && operation.info.id.as_ref().map(|id| id.value.as_str())
                    == Some(acknowledge.operation_id.value.as_str())
        };
        let found = self.agents.registered.iter().find_map(|(agent_id, agent)| {
            if acknowledge
                .slave_id
                .as_ref()
                .is_some_and(|id| &id.value != agent_id)
            {
                return None;
            }
            let operation = agent.operations.iter().find(|op| is_it(op))?;
            Some((
                agent_id.clone(),
                agent.pid.clone(),
                operation.uuid.clone(),
                is_terminal_operation(operation.latest_status.state()),
            ))
        });
        let Some((agent_id, pid, operation_uuid, terminal)) = found else {
            tracing::warn!(
                framework = framework_id,
                operation = %acknowledge.operation_id.value,
                "cannot relay an acknowledgement of an unknown operation"
            );
            return;
        };
        if terminal {
            agent_operations_remove(self, &agent_id, &operation_uuid);
        }
        ctx.send_protobuf(
            &pid,
            &AcknowledgeOperationStatusMessage {
                status_uuid: Uuid {
                    value: acknowledge.uuid,
                },
                operation_uuid,
                resource_provider_id: acknowledge.resource_provider_id,
            },
        );
    }
}

/// Forgets a finished operation of an agent.
fn agent_operations_remove(master: &mut MasterProcess, agent_id: &str, uuid: &Uuid) {
    if let Some(agent) = master.agents.registered.get_mut(agent_id) {
        agent.operations.retain(|operation| &operation.uuid != uuid);
    }
}
