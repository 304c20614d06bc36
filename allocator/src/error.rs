use proto::mesos as pb;
use resources::Resources;
use thiserror::Error;

/// What the allocator refuses. Mesos aborts the master on most of these
/// (they are the master's bugs); here the master gets them as errors.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AllocatorError {
    #[error("unknown framework {0}")]
    UnknownFramework(String),
    #[error("framework {0} was already added")]
    FrameworkExists(String),
    #[error("unknown agent {0}")]
    UnknownAgent(String),
    #[error("agent {0} was already added")]
    AgentExists(String),
    #[error("resources must be allocated to exactly one role, not {0}")]
    NotOneRole(String),
    #[error("agent {agent} has not offered or allocated {resources} to framework {framework}")]
    NotOfferedOrAllocated {
        framework: String,
        agent: String,
        resources: String,
    },
    #[error("cannot apply conversion on agent {agent}: {reason}")]
    Conversion { agent: String, reason: String },
    #[error("agent {0} has no maintenance scheduled")]
    NoMaintenance(String),
    #[error("invalid --min_allocatable_resources '{text}': {reason}")]
    MinAllocatableResources { text: String, reason: String },
    #[error("invalid quota for role '{role}': {reason}")]
    Quota { role: String, reason: String },
    /// An allocator across a boundary (a module) failed or answered
    /// nonsense; its own message.
    #[error("{0}")]
    Failed(String),
}

impl AllocatorError {
    pub fn unknown_framework(id: &pb::FrameworkId) -> AllocatorError {
        AllocatorError::UnknownFramework(id.value.clone())
    }

    pub fn unknown_agent(id: &pb::SlaveId) -> AllocatorError {
        AllocatorError::UnknownAgent(id.value.clone())
    }

    /// `agent` was asked for `resources` back that `framework` does not hold
    /// there.
    pub fn not_offered_or_allocated(
        framework: &pb::FrameworkId,
        agent: &pb::SlaveId,
        resources: &Resources,
    ) -> AllocatorError {
        AllocatorError::NotOfferedOrAllocated {
            framework: framework.value.clone(),
            agent: agent.value.clone(),
            resources: resources.to_string(),
        }
    }
}
