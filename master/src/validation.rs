//! Checks on what agents send, as Mesos's `src/master/validation.cpp` makes
//! them. A message that fails is logged and dropped; the agent retries.

use proto::mesos::internal::{RegisterSlaveMessage, ReregisterSlaveMessage};
use proto::mesos::{SlaveInfo, TaskState};
use resources::Resources;
use std::collections::HashSet;

/// Mesos's rule for ids (agent, task, framework): not empty, not `.` or
/// `..`, and no `/`, whitespace or other control characters.
pub fn validate_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("ID must not be empty".into());
    }
    if id == "." || id == ".." {
        return Err("'.' and '..' are disallowed".into());
    }
    if id.contains('/') {
        return Err(format!("'{id}' contains the path separator '/'"));
    }
    if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("'{id}' contains invalid characters"));
    }
    Ok(())
}

fn validate_agent_info(info: &SlaveInfo) -> Result<(), String> {
    if let Some(id) = &info.id {
        validate_id(&id.value)?;
    }
    Resources::validate(&info.resources).map_err(|e| e.to_string())
}

pub fn register_agent(message: &RegisterSlaveMessage) -> Result<(), String> {
    validate_agent_info(&message.slave)?;
    if !message.checkpointed_resources.is_empty() && !message.slave.checkpoint() {
        return Err("Checkpointed resources provided when checkpointing is not enabled".into());
    }
    Resources::validate(&message.checkpointed_resources).map_err(|e| e.to_string())
}

pub fn reregister_agent(message: &ReregisterSlaveMessage) -> Result<(), String> {
    let info = &message.slave;
    validate_agent_info(info)?;
    Resources::validate(&message.checkpointed_resources).map_err(|e| e.to_string())?;

    let mut frameworks = HashSet::new();
    for framework in &message.frameworks {
        let Some(id) = &framework.id else {
            return Err("Framework without a FrameworkID".into());
        };
        validate_id(&id.value).map_err(|e| format!("Invalid FrameworkID: {e}"))?;
        if !frameworks.insert(id.value.as_str()) {
            return Err(format!(
                "Framework has a duplicate FrameworkID: '{}'",
                id.value
            ));
        }
    }

    let mut executors = HashSet::new();
    for executor in &message.executor_infos {
        validate_id(&executor.executor_id.value)
            .map_err(|e| format!("Executor has an invalid ExecutorID: {e}"))?;
        Resources::validate(&executor.resources).map_err(|e| e.to_string())?;
        let framework = executor
            .framework_id
            .as_ref()
            .map(|id| id.value.as_str())
            .unwrap_or_default();
        if !frameworks.contains(framework) {
            return Err(format!("Executor has an invalid FrameworkID '{framework}'"));
        }
        if !executors.insert((framework, executor.executor_id.value.as_str())) {
            return Err(format!(
                "Framework '{framework}' has a duplicate ExecutorID '{}'",
                executor.executor_id.value
            ));
        }
    }

    for task in &message.tasks {
        validate_id(&task.task_id.value).map_err(|e| format!("Task has an invalid TaskID: {e}"))?;
        if Some(&task.slave_id) != info.id.as_ref() {
            return Err(format!(
                "Task has an invalid SlaveID '{}'",
                task.slave_id.value
            ));
        }
        if !frameworks.contains(task.framework_id.value.as_str()) {
            return Err(format!(
                "Task has an invalid FrameworkID '{}'",
                task.framework_id.value
            ));
        }
        // Command executors' ids are made up by the agent, so only running
        // tasks must name an executor the agent reported.
        if let Some(executor) = &task.executor_id
            && task.state() == TaskState::TaskRunning
            && !executors.contains(&(task.framework_id.value.as_str(), executor.value.as_str()))
        {
            return Err(format!(
                "Task has an invalid ExecutorID '{}'",
                executor.value
            ));
        }
        Resources::validate(&task.resources)
            .map_err(|e| format!("Task uses invalid resources: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::mesos::{SlaveId, Task, TaskId};

    #[test]
    fn ids_follow_mesos_rules() {
        assert!(validate_id("a0a9caee-S0").is_ok());
        for bad in ["", ".", "..", "a/b", "a b", "a\tb"] {
            assert!(validate_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_task_must_belong_to_a_reported_framework_and_this_agent() {
        let agent = SlaveId {
            value: "m-S0".into(),
        };
        let mut message = ReregisterSlaveMessage {
            slave: SlaveInfo {
                hostname: "h".into(),
                id: Some(agent.clone()),
                ..Default::default()
            },
            tasks: vec![Task {
                task_id: TaskId { value: "t".into() },
                slave_id: agent,
                ..Default::default()
            }],
            ..Default::default()
        };
        let error = reregister_agent(&message).unwrap_err();
        assert!(error.contains("invalid FrameworkID"), "{error}");
        message.tasks[0].slave_id.value = "other".into();
        let error = reregister_agent(&message).unwrap_err();
        assert!(error.contains("invalid SlaveID"), "{error}");
    }

    #[test]
    fn checkpointed_resources_need_checkpointing() {
        let message = RegisterSlaveMessage {
            slave: SlaveInfo {
                hostname: "h".into(),
                checkpoint: Some(false),
                ..Default::default()
            },
            checkpointed_resources: Resources::parse("disk(role):10", "*").unwrap().to_protos(),
            ..Default::default()
        };
        assert!(register_agent(&message).is_err());
    }
}
