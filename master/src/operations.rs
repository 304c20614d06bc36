//! Speculative offer operations — RESERVE, UNRESERVE, CREATE, DESTROY —
//! as Mesos 1.11's `_accept` and `_apply` apply them.
//!
//! Each operation converts some of the accepted offers' resources (Mesos's
//! `getResourceConversions`): RESERVE pushes a dynamic reservation onto
//! unreserved (or less reserved) resources, UNRESERVE pops it, CREATE
//! turns reserved disk into a persistent volume, DESTROY back. The master
//! applies the conversions at once to what is left of the offers, to the
//! allocator's books and to its view of the agent, then tells the agent:
//! `ApplyOperationMessage` to an agent with the RESOURCE_PROVIDER
//! capability (it answers with `UpdateOperationStatusMessage`), or its
//! complete checkpointed resources in `CheckpointResourcesMessage` to an
//! older one.
//!
//! An operation status the agent reports is forwarded to the framework
//! when the operation carried an id (it asked for feedback, and
//! acknowledges through ACKNOWLEDGE_OPERATION_STATUS); otherwise the
//! master acknowledges it to the agent itself.

use crate::frameworks::ToScheduler;
use crate::master::MasterProcess;
use allocator::ResourceConversion;
use libprocess::{Context, Upid};
use proto::mesos::internal::{
    AcknowledgeOperationStatusMessage, ApplyOperationMessage, CheckpointResourcesMessage,
    ResourceVersionUuid, UpdateOperationStatusMessage,
};
use proto::mesos::scheduler::call;
use proto::mesos::{FrameworkId, Resource, SlaveId, Uuid, offer, resource};
use resources::Resources;
use std::collections::HashMap;

/// An operation sent to an agent and not finished yet.
#[derive(Debug, Clone)]
pub(crate) struct PendingOperation {
    pub framework_id: String,
    pub agent_id: String,
    /// Set when the framework asked for status updates.
    pub operation_id: Option<String>,
    /// Its last reported state is terminal: it goes once acknowledged.
    pub terminal: bool,
}

/// Operations by their uuid (the bytes of the `UUID` message).
#[derive(Debug, Default)]
pub(crate) struct Operations {
    pub pending: HashMap<Vec<u8>, PendingOperation>,
}

/// The resources an operation names, with the offers' role as their
/// allocation when the framework gave none (Mesos's `injectAllocationInfo`).
fn named_resources(operation: &offer::Operation, role: &str) -> Vec<Resource> {
    let mut resources = match operation.r#type() {
        offer::operation::Type::Reserve => operation
            .reserve
            .as_ref()
            .map(|r| r.resources.clone())
            .unwrap_or_default(),
        offer::operation::Type::Unreserve => operation
            .unreserve
            .as_ref()
            .map(|r| r.resources.clone())
            .unwrap_or_default(),
        offer::operation::Type::Create => operation
            .create
            .as_ref()
            .map(|c| c.volumes.clone())
            .unwrap_or_default(),
        offer::operation::Type::Destroy => operation
            .destroy
            .as_ref()
            .map(|d| d.volumes.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    for resource in &mut resources {
        if resource.allocation_info.is_none() {
            resource.allocation_info = Some(resource::AllocationInfo {
                role: Some(role.to_owned()),
            });
        }
    }
    resources
}

/// A volume without what makes it persistent: what CREATE consumes and
/// DESTROY gives back.
fn strip_persistence(volume: &Resource) -> Resource {
    let mut stripped = volume.clone();
    match &mut stripped.disk {
        Some(disk) if disk.source.is_some() => {
            disk.persistence = None;
            disk.volume = None;
        }
        _ => stripped.disk = None,
    }
    stripped
}

fn parse(resources: &[Resource]) -> Result<Resources, String> {
    Resources::from_protos(resources).map_err(|e| e.to_string())
}

/// Mesos's `getResourceConversions` for the speculative operations, and
/// the operation's own checks: the reservation's role must be one of the
/// framework's, its principal the framework's.
fn conversions(
    operation: &offer::Operation,
    resources: &[Resource],
    roles: &std::collections::BTreeSet<String>,
    principal: Option<&str>,
) -> Result<Vec<ResourceConversion>, String> {
    if resources.is_empty() {
        return Err("no resources".to_owned());
    }
    match operation.r#type() {
        offer::operation::Type::Reserve => {
            for resource in resources {
                let Some(top) = resource.reservations.last() else {
                    return Err(
                        "Invalid RESERVE operation: expecting a dynamic reservation".to_owned()
                    );
                };
                if top.r#type() != resource::reservation_info::Type::Dynamic {
                    return Err(
                        "Invalid RESERVE operation: expecting a dynamic reservation".to_owned()
                    );
                }
                if !top.role.as_ref().is_some_and(|role| roles.contains(role)) {
                    return Err(format!(
                        "Invalid RESERVE operation: role {:?} is not one of the framework's",
                        top.role.clone().unwrap_or_default()
                    ));
                }
                if principal.is_some() && top.principal.as_deref() != principal {
                    return Err(
                        "Invalid RESERVE operation: the reservation's principal is not the framework's"
                            .to_owned(),
                    );
                }
            }
            let reserved = parse(resources)?;
            let source = operation
                .reserve
                .as_ref()
                .map(|r| r.source.as_slice())
                .unwrap_or_default();
            let consumed = if source.is_empty() {
                reserved.pop_reservation()
            } else {
                parse(source)?
            };
            Ok(vec![ResourceConversion::new(consumed, reserved)])
        }
        offer::operation::Type::Unreserve => resources
            .iter()
            .map(|resource| {
                let reserved = parse(std::slice::from_ref(resource))?;
                if !reserved.iter().all(|r| r.is_dynamically_reserved()) {
                    return Err(
                        "Invalid UNRESERVE operation: resources are not dynamically reserved"
                            .to_owned(),
                    );
                }
                Ok(ResourceConversion::new(
                    reserved.clone(),
                    reserved.pop_reservation(),
                ))
            })
            .collect(),
        offer::operation::Type::Create => resources
            .iter()
            .map(|volume| {
                let created = parse(std::slice::from_ref(volume))?;
                if !created.iter().all(|r| r.is_persistent_volume()) {
                    return Err("Invalid CREATE operation: expecting persistent volumes".to_owned());
                }
                Ok(ResourceConversion::new(
                    parse(&[strip_persistence(volume)])?,
                    created,
                ))
            })
            .collect(),
        offer::operation::Type::Destroy => resources
            .iter()
            .map(|volume| {
                let destroyed = parse(std::slice::from_ref(volume))?;
                Ok(ResourceConversion::new(
                    destroyed,
                    parse(&[strip_persistence(volume)])?,
                ))
            })
            .collect(),
        other => Err(format!("{other:?} is not a speculative operation")),
    }
}

/// `resources` with `conversions` applied, failing when one's consumed
/// resources are not there.
fn apply(resources: &Resources, conversions: &[ResourceConversion]) -> Result<Resources, String> {
    let mut result = resources.clone();
    for conversion in conversions {
        if !result.contains(&conversion.consumed) {
            return Err(format!(
                "{} are not available in {result}",
                conversion.consumed
            ));
        }
        result = &(&result - &conversion.consumed) + &conversion.converted;
    }
    Ok(result)
}

fn unallocated(conversions: &[ResourceConversion]) -> Vec<ResourceConversion> {
    conversions
        .iter()
        .map(|conversion| {
            let (mut consumed, mut converted) =
                (conversion.consumed.clone(), conversion.converted.clone());
            consumed.unallocate();
            converted.unallocate();
            ResourceConversion::new(consumed, converted)
        })
        .collect()
}

/// Resources an agent checkpoints: dynamic reservations and volumes.
fn needs_checkpointing(resource: &resources::Resource) -> bool {
    resource.is_dynamically_reserved() || resource.is_persistent_volume()
}

impl MasterProcess {
    /// Applies a speculative operation from ACCEPT to what is left of the
    /// offers (`available`, allocated to `role`), the allocator and the
    /// agent; an invalid one is dropped, as Mesos drops it.
    pub(crate) fn apply_operation(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        agent_id: &str,
        role: &str,
        operation: offer::Operation,
        available: &mut Resources,
    ) {
        let Some(framework) = self.frameworks.get(framework_id) else {
            return;
        };
        let kind = operation.r#type();
        let named = named_resources(&operation, role);
        let outcome = conversions(
            &operation,
            &named,
            &framework.roles(),
            framework.info.principal.as_deref(),
        )
        .and_then(|conversions| apply(available, &conversions).map(|after| (conversions, after)));
        let (conversions, after) = match outcome {
            Ok(applied) => applied,
            Err(error) => {
                tracing::warn!(framework = framework_id, operation = ?kind, %error, "dropping an invalid offer operation");
                return;
            }
        };
        let framework_pb = FrameworkId {
            value: framework_id.to_owned(),
        };
        let agent_pb = SlaveId {
            value: agent_id.to_owned(),
        };
        if let Err(error) =
            self.allocator
                .update_allocation(&framework_pb, &agent_pb, available, &conversions)
        {
            tracing::error!(framework = framework_id, %error, "the allocator refused the operation");
            return;
        }
        *available = after;
        let Some(agent) = self.agents.registered.get_mut(agent_id) else {
            return;
        };
        match apply(&agent.total, &unallocated(&conversions)) {
            Ok(total) => agent.total = total,
            Err(error) => {
                tracing::error!(agent = agent_id, %error, "the agent's total does not hold the operation's resources")
            }
        }
        agent.checkpointed_resources = agent.total.filter(needs_checkpointing).to_protos();
        tracing::info!(framework = framework_id, agent = agent_id, operation = ?kind, "applying offer operation");
        let resource_provider_capable =
            agent.has_capability(proto::mesos::slave_info::capability::Type::ResourceProvider);
        if resource_provider_capable && let Some(version) = agent.resource_version.clone() {
            let uuid = Uuid {
                value: uuid::Uuid::new_v4().as_bytes().to_vec(),
            };
            self.operations.pending.insert(
                uuid.value.clone(),
                PendingOperation {
                    framework_id: framework_id.to_owned(),
                    agent_id: agent_id.to_owned(),
                    operation_id: operation.id.as_ref().map(|id| id.value.clone()),
                    terminal: false,
                },
            );
            let message = ApplyOperationMessage {
                framework_id: Some(framework_pb),
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

    /// An agent's report on an operation: to the framework if it asked for
    /// feedback, acknowledged by the master otherwise.
    pub(crate) fn operation_status(
        &mut self,
        ctx: &mut Context<Self>,
        from: Upid,
        message: UpdateOperationStatusMessage,
    ) {
        let Some(uuid) = message.operation_uuid.clone() else {
            return;
        };
        let Some(pending) = self.operations.pending.get_mut(&uuid.value) else {
            tracing::warn!(%from, "ignoring the status of an unknown operation");
            return;
        };
        pending.terminal = is_terminal_operation(
            message
                .latest_status
                .as_ref()
                .unwrap_or(&message.status)
                .state(),
        );
        let pending = pending.clone();
        if pending.operation_id.is_none() && pending.terminal {
            self.operations.pending.remove(&uuid.value);
        }
        let framework = self
            .frameworks
            .get(&pending.framework_id)
            .filter(|framework| framework.connected);
        match (pending.operation_id, framework) {
            (Some(_), Some(framework)) => {
                framework.send(ctx, ToScheduler::OperationStatus(Box::new(message)));
            }
            (Some(_), None) => {
                tracing::warn!(framework = %pending.framework_id, "dropping an operation status for a disconnected framework");
            }
            (None, _) => {
                let Some(status_uuid) = message.status.uuid.clone() else {
                    return;
                };
                if let Some(agent) = self.agents.registered.get(&pending.agent_id) {
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

    /// ACKNOWLEDGE_OPERATION_STATUS: relayed to the operation's agent.
    pub(crate) fn acknowledge_operation_status(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        acknowledge: call::AcknowledgeOperationStatus,
    ) {
        let operation = self.operations.pending.iter().find(|(_, pending)| {
            pending.framework_id == framework_id
                && pending.operation_id.as_deref() == Some(acknowledge.operation_id.value.as_str())
        });
        let agent_id = match (&acknowledge.slave_id, operation) {
            (Some(agent), _) => agent.value.clone(),
            (None, Some((_, pending))) => pending.agent_id.clone(),
            (None, None) => {
                tracing::warn!(
                    framework = framework_id,
                    "cannot relay an operation acknowledgement without an agent"
                );
                return;
            }
        };
        let operation_uuid = operation.map(|(uuid, _)| Uuid {
            value: uuid.clone(),
        });
        if let Some(uuid) = &operation_uuid
            && operation.is_some_and(|(_, pending)| pending.terminal)
        {
            self.operations.pending.remove(&uuid.value);
        }
        let (Some(agent), Some(operation_uuid)) =
            (self.agents.registered.get(&agent_id), operation_uuid)
        else {
            tracing::warn!(framework = framework_id, agent = %agent_id, "cannot relay an operation acknowledgement");
            return;
        };
        ctx.send_protobuf(
            &agent.pid,
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

fn is_terminal_operation(state: proto::mesos::OperationState) -> bool {
    use proto::mesos::OperationState::*;
    matches!(
        state,
        OperationFinished
            | OperationFailed
            | OperationError
            | OperationDropped
            | OperationGoneByOperator
    )
}
