//! An agent's own resources and the offer operations applied to them, as a
//! Mesos 1.11 agent keeps them (`Slave::applyOperation`,
//! `checkpointResourcesMessage`, the operation status update manager).
//!
//! The agent's *total* is its command-line resources with its
//! *checkpointed* ones — dynamic reservations and persistent volumes — in
//! place of what they were made from. Both change in one of two ways:
//!
//! - `ApplyOperationMessage` (sent to agents with the RESOURCE_PROVIDER
//!   capability): the speculative operation (RESERVE, CREATE, ...) is
//!   applied to the total at once and reported `OPERATION_FINISHED` in an
//!   `UpdateOperationStatusMessage`, which is resent until the master (or,
//!   through it, the framework) acknowledges it; the operation is kept,
//!   and listed in `UpdateSlaveMessage`, until then.
//! - `CheckpointResourcesMessage` (to older agents): the master sends the
//!   complete set of checkpointed resources, which replaces the agent's.
//!
//! [`AgentResources`] is the bookkeeping; the agent sends and retries.
//! Nothing here allocates for an agent that never sees an operation.

use std::collections::BTreeMap;

use proto::mesos::internal::{
    AcknowledgeOperationStatusMessage, ApplyOperationMessage, UpdateOperationStatusMessage,
};
use proto::mesos::{Operation, OperationState, OperationStatus, Resource, SlaveId, Uuid};
use resources::{Resources, needs_checkpointing, operation_conversions};

/// An operation the agent applied whose final status is not yet
/// acknowledged.
#[derive(Debug, Clone)]
pub(crate) struct TrackedOperation {
    pub operation: Operation,
    /// The status update being delivered.
    pub update: UpdateOperationStatusMessage,
}

/// What an agent has and what it did to it.
#[derive(Debug, Clone)]
pub(crate) struct AgentResources {
    /// `--resources`: what `SlaveInfo.resources` says.
    command_line: Resources,
    /// Dynamic reservations and persistent volumes.
    checkpointed: Resources,
    total: Resources,
    /// By operation UUID.
    operations: BTreeMap<Vec<u8>, TrackedOperation>,
}

impl AgentResources {
    /// An agent with `command_line` resources and nothing checkpointed;
    /// copies of `command_line` share its storage.
    pub(crate) fn new(command_line: &Resources) -> AgentResources {
        AgentResources {
            command_line: command_line.clone(),
            checkpointed: Resources::new(),
            total: command_line.clone(),
            operations: BTreeMap::new(),
        }
    }

    /// What `RegisterSlaveMessage` and `ReregisterSlaveMessage` carry as
    /// `checkpointed_resources`.
    pub(crate) fn checkpointed(&self) -> Vec<Resource> {
        self.checkpointed.to_protos()
    }

    /// Operations not yet acknowledged, as `UpdateSlaveMessage` lists them.
    pub(crate) fn operations(&self) -> impl Iterator<Item = &TrackedOperation> {
        self.operations.values()
    }

    pub(crate) fn operation(&self, uuid: &[u8]) -> Option<&TrackedOperation> {
        self.operations.get(uuid)
    }

    pub(crate) fn pending_operations(&self) -> usize {
        self.operations.len()
    }

    /// Takes back operations checkpointed before a restart.
    pub(crate) fn restore(&mut self, operations: Vec<TrackedOperation>) {
        for tracked in operations {
            self.operations
                .insert(tracked.operation.uuid.value.clone(), tracked);
        }
    }

    /// Mesos's `checkpointResourcesMessage`: `resources` become the
    /// checkpointed ones, and the total follows. Resources that do not fit
    /// the command line are refused (a Mesos agent exits on them).
    pub(crate) fn checkpoint(
        &mut self,
        resources: &[Resource],
    ) -> Result<(), resources::ResourcesError> {
        let checkpointed = Resources::from_protos(resources)?;
        self.total = self.command_line.apply_checkpointed(&checkpointed)?;
        self.checkpointed = checkpointed;
        Ok(())
    }

    /// Mesos's `applyOperation` for the agent's own resources: the
    /// conversions (without allocation) are applied to the total and the
    /// operation is finished at once; one whose resources are not there
    /// fails instead. `status_uuid` identifies the status to acknowledge.
    /// Returns the update to deliver; an operation applied already is not
    /// applied again.
    pub(crate) fn apply(
        &mut self,
        slave_id: &SlaveId,
        message: ApplyOperationMessage,
        status_uuid: Vec<u8>,
    ) -> &UpdateOperationStatusMessage {
        let key = message.operation_uuid.value.clone();
        if self.operations.contains_key(&key) {
            return &self.operations[&key].update;
        }
        let info = message.operation_info;
        let applied = operation_conversions(&info).and_then(|conversions| {
            let unallocated: Vec<_> = conversions
                .into_iter()
                .map(|mut conversion| {
                    conversion.consumed.unallocate();
                    conversion.converted.unallocate();
                    conversion
                })
                .collect();
            self.total.apply(&unallocated)
        });
        let (state, message_text) = match applied {
            Ok(total) => {
                self.total = total;
                self.checkpointed = self.total.filter(needs_checkpointing);
                (OperationState::OperationFinished, None)
            }
            Err(error) => (OperationState::OperationFailed, Some(error.to_string())),
        };
        let status =
            |state: OperationState, message: Option<String>, uuid: Option<Uuid>| OperationStatus {
                operation_id: info.id.clone(),
                state: state as i32,
                message,
                uuid,
                slave_id: Some(slave_id.clone()),
                ..OperationStatus::default()
            };
        let finished = status(state, message_text, Some(Uuid { value: status_uuid }));
        let operation = Operation {
            framework_id: message.framework_id.clone(),
            slave_id: Some(slave_id.clone()),
            info: info.clone(),
            latest_status: finished.clone(),
            statuses: vec![finished.clone()],
            uuid: message.operation_uuid.clone(),
        };
        let update = UpdateOperationStatusMessage {
            framework_id: message.framework_id,
            slave_id: Some(slave_id.clone()),
            status: finished.clone(),
            // One status per stream: the latest is the one sent.
            latest_status: Some(finished),
            operation_uuid: Some(message.operation_uuid.clone()),
        };
        &self
            .operations
            .entry(key)
            .or_insert(TrackedOperation { operation, update })
            .update
    }

    /// An acknowledgement of an operation's status: the operation is done
    /// with when it names the status being delivered. Whether it did.
    pub(crate) fn acknowledge(
        &mut self,
        acknowledgement: &AcknowledgeOperationStatusMessage,
    ) -> bool {
        let key = &acknowledgement.operation_uuid.value;
        let matches = self.operations.get(key).is_some_and(|tracked| {
            tracked.update.status.uuid.as_ref() == Some(&acknowledgement.status_uuid)
        });
        if matches {
            self.operations.remove(key);
        }
        matches
    }
}
