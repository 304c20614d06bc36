//! What an agent keeps under `--work_dir` to survive a simulator restart.
//!
//! A real agent checkpoints its id, frameworks, tasks, every status
//! update (and acknowledgement), its dynamic reservations and persistent
//! volumes and its unacknowledged operations under its meta directory, and
//! a restarted agent recovers them and *reregisters* with the same id,
//! reporting its tasks and checkpointed resources and resending what was
//! never acknowledged. A simulated agent keeps
//! the same facts in one file per agent, `<work_dir>/meta/agents/<n>.pb`,
//! rewritten (write then rename, so a crash leaves the old or the new one)
//! whenever they change. The message types are this crate's own; the
//! Mesos types inside them are the wire types.

use std::path::{Path, PathBuf};

use prost::Message;
use proto::mesos::internal::{StatusUpdate, UpdateOperationStatusMessage, archive};
use proto::mesos::{
    DrainConfig, ExecutorInfo, FrameworkId, FrameworkInfo, Operation, Resource, SlaveId, Task,
    TaskId, TaskInfo,
};

use crate::SimError;

/// One agent's durable state.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct AgentCheckpoint {
    #[prost(message, optional, tag = "1")]
    pub slave_id: Option<SlaveId>,
    #[prost(message, repeated, tag = "2")]
    pub frameworks: Vec<FrameworkCheckpoint>,
    #[prost(message, repeated, tag = "3")]
    pub completed_frameworks: Vec<archive::Framework>,
    #[prost(message, repeated, tag = "4")]
    pub streams: Vec<StreamCheckpoint>,
    #[prost(message, optional, tag = "5")]
    pub drain_config: Option<DrainConfig>,
    /// Dynamic reservations and persistent volumes.
    #[prost(message, repeated, tag = "6")]
    pub checkpointed_resources: Vec<Resource>,
    #[prost(message, repeated, tag = "7")]
    pub operations: Vec<OperationCheckpoint>,
}

/// An operation whose status update is not yet acknowledged.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct OperationCheckpoint {
    #[prost(message, optional, tag = "1")]
    pub operation: Option<Operation>,
    #[prost(message, optional, tag = "2")]
    pub update: Option<UpdateOperationStatusMessage>,
}

/// A framework with tasks on the agent.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct FrameworkCheckpoint {
    #[prost(message, optional, tag = "1")]
    pub info: Option<FrameworkInfo>,
    #[prost(string, optional, tag = "2")]
    pub pid: Option<String>,
    #[prost(message, repeated, tag = "3")]
    pub tasks: Vec<TaskCheckpoint>,
    #[prost(message, repeated, tag = "4")]
    pub completed_tasks: Vec<Task>,
    /// Executors other than the generated command executors.
    #[prost(message, repeated, tag = "5")]
    pub executors: Vec<ExecutorInfo>,
}

/// A task not yet completed (running, or terminal but unacknowledged).
#[derive(Clone, PartialEq, Message)]
pub(crate) struct TaskCheckpoint {
    #[prost(message, optional, tag = "1")]
    pub task: Option<Task>,
    #[prost(message, optional, tag = "2")]
    pub info: Option<TaskInfo>,
    #[prost(string, tag = "3")]
    pub container_id: String,
}

/// A task's status updates not yet acknowledged, oldest first.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct StreamCheckpoint {
    #[prost(message, optional, tag = "1")]
    pub framework_id: Option<FrameworkId>,
    #[prost(message, optional, tag = "2")]
    pub task_id: Option<TaskId>,
    #[prost(message, repeated, tag = "3")]
    pub pending: Vec<StatusUpdate>,
}

/// Reads and writes one agent's checkpoint file.
#[derive(Debug, Clone)]
pub(crate) struct Checkpointer {
    path: PathBuf,
}

impl Checkpointer {
    /// The checkpoint of agent `slave(<index>)` under `work_dir`.
    pub(crate) fn new(work_dir: &Path, index: usize) -> Checkpointer {
        Checkpointer {
            path: work_dir
                .join("meta")
                .join("agents")
                .join(format!("{index}.pb")),
        }
    }

    fn error(&self, reason: impl ToString) -> SimError {
        SimError::Checkpoint {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// The last checkpoint, if the agent ever wrote one.
    pub(crate) fn load(&self) -> Result<Option<AgentCheckpoint>, SimError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => AgentCheckpoint::decode(bytes.as_slice())
                .map(Some)
                .map_err(|error| self.error(error)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(self.error(error)),
        }
    }

    /// Replaces the checkpoint with `checkpoint`.
    pub(crate) fn store(&self, checkpoint: &AgentCheckpoint) -> Result<(), SimError> {
        let parent = self.path.parent().expect("the path has a directory");
        std::fs::create_dir_all(parent).map_err(|error| self.error(error))?;
        let staging = self.path.with_extension("pb.new");
        std::fs::write(&staging, checkpoint.encode_to_vec()).map_err(|error| self.error(error))?;
        std::fs::rename(&staging, &self.path).map_err(|error| self.error(error))
    }
}
