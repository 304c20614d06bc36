//! Hooks: the points where modules named by `--hooks` may change what the
//! master does.
//!
//! Mesos's master calls three hook points, and so do we:
//! - when launching a task, a hook may replace the task's labels
//!   ([`Hook::master_launch_task_label_decorator`]) or its resources
//!   ([`Hook::master_launch_task_resource_decorator`]);
//! - when an agent is lost, hooks are told ([`Hook::master_agent_lost`]).
//!
//! Every method has a default that changes nothing, so a hook implements only
//! the points it cares about. The [`HookManager`] runs the hooks in the order
//! `--hooks` names them; each sees what the previous one produced. A failing
//! hook is logged and skipped, never fatal, as in Mesos.

use proto::mesos::{FrameworkInfo, Labels, Resource, SlaveInfo, TaskInfo};
use std::fmt::Debug;
use std::sync::Arc;
use thiserror::Error;

/// A hook's failure, logged by the manager with the hook's name.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct HookError(pub String);

/// The master's hook points.
pub trait Hook: Send + Sync + Debug {
    /// New labels for `task`, or `None` to leave them.
    fn master_launch_task_label_decorator(
        &self,
        _task: &TaskInfo,
        _framework: &FrameworkInfo,
        _agent: &SlaveInfo,
    ) -> Result<Option<Labels>, HookError> {
        Ok(None)
    }

    /// New resources for `task`, or `None` to leave them.
    fn master_launch_task_resource_decorator(
        &self,
        _task: &TaskInfo,
        _agent_resources: &[Resource],
    ) -> Result<Option<Vec<Resource>>, HookError> {
        Ok(None)
    }

    /// `agent` was lost (removed after failing health checks).
    fn master_agent_lost(&self, _agent: &SlaveInfo) -> Result<(), HookError> {
        Ok(())
    }
}

/// The hooks in force, in `--hooks` order.
#[derive(Debug, Default, Clone)]
pub struct HookManager {
    hooks: Vec<(String, Arc<dyn Hook>)>,
}

impl HookManager {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `hook` under `name` (the module name `--hooks` used).
    pub fn register(&mut self, name: impl Into<String>, hook: Arc<dyn Hook>) {
        self.hooks.push((name.into(), hook));
    }

    pub fn is_empty(&self) -> bool {
        self.hooks.is_empty()
    }

    /// The labels `task` launches with after every hook had its say.
    pub fn master_launch_task_label_decorator(
        &self,
        task: &TaskInfo,
        framework: &FrameworkInfo,
        agent: &SlaveInfo,
    ) -> Option<Labels> {
        let mut task = task.clone();
        for (name, hook) in &self.hooks {
            match hook.master_launch_task_label_decorator(&task, framework, agent) {
                Ok(Some(labels)) => task.labels = Some(labels),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(hook = %name, %error, "master label decorator hook failed")
                }
            }
        }
        task.labels
    }

    /// The resources `task` launches with after every hook had its say.
    pub fn master_launch_task_resource_decorator(
        &self,
        task: &TaskInfo,
        agent_resources: &[Resource],
    ) -> Vec<Resource> {
        let mut task = task.clone();
        for (name, hook) in &self.hooks {
            match hook.master_launch_task_resource_decorator(&task, agent_resources) {
                Ok(Some(resources)) => task.resources = resources,
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(hook = %name, %error, "master resource decorator hook failed")
                }
            }
        }
        task.resources
    }

    /// Tells every hook that `agent` was lost.
    pub fn master_agent_lost(&self, agent: &SlaveInfo) {
        for (name, hook) in &self.hooks {
            if let Err(error) = hook.master_agent_lost(agent) {
                tracing::warn!(hook = %name, %error, "master agent lost hook failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::mesos::Label;
    use std::sync::Mutex;

    fn label(key: &str) -> Labels {
        Labels {
            labels: vec![Label {
                key: key.into(),
                value: None,
            }],
        }
    }

    /// Appends a label named after itself; fails when told to.
    #[derive(Debug)]
    struct Tagger {
        tag: &'static str,
        fail: bool,
        lost: Mutex<Vec<String>>,
    }

    impl Tagger {
        fn new(tag: &'static str, fail: bool) -> Arc<Self> {
            Arc::new(Self {
                tag,
                fail,
                lost: Mutex::default(),
            })
        }
    }

    impl Hook for Tagger {
        fn master_launch_task_label_decorator(
            &self,
            task: &TaskInfo,
            _framework: &FrameworkInfo,
            _agent: &SlaveInfo,
        ) -> Result<Option<Labels>, HookError> {
            if self.fail {
                return Err(HookError(format!("{} refuses", self.tag)));
            }
            let mut labels = task.labels.clone().unwrap_or_default();
            labels.labels.extend(label(self.tag).labels);
            Ok(Some(labels))
        }

        fn master_agent_lost(&self, agent: &SlaveInfo) -> Result<(), HookError> {
            self.lost.lock().unwrap().push(agent.hostname.clone());
            Ok(())
        }
    }

    #[derive(Debug)]
    struct Silent;
    impl Hook for Silent {}

    #[test]
    fn hooks_run_in_order_each_seeing_the_previous_result_and_failures_are_skipped() {
        let mut manager = HookManager::new();
        manager.register("first", Tagger::new("a", false));
        manager.register("broken", Tagger::new("x", true));
        manager.register("silent", Arc::new(Silent));
        manager.register("second", Tagger::new("b", false));
        let task = TaskInfo {
            labels: Some(label("original")),
            ..Default::default()
        };
        let labels = manager
            .master_launch_task_label_decorator(
                &task,
                &FrameworkInfo::default(),
                &SlaveInfo::default(),
            )
            .unwrap();
        let keys: Vec<&str> = labels.labels.iter().map(|l| l.key.as_str()).collect();
        assert_eq!(keys, ["original", "a", "b"]);
    }

    #[test]
    fn without_hooks_nothing_changes() {
        let manager = HookManager::new();
        let task = TaskInfo {
            resources: vec![Resource {
                name: "cpus".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(
            manager.master_launch_task_resource_decorator(&task, &[]),
            task.resources
        );
        assert_eq!(
            manager.master_launch_task_label_decorator(
                &task,
                &FrameworkInfo::default(),
                &SlaveInfo::default()
            ),
            None
        );
    }

    #[test]
    fn every_hook_hears_of_a_lost_agent() {
        let (a, b) = (Tagger::new("a", false), Tagger::new("b", false));
        let mut manager = HookManager::new();
        manager.register("a", a.clone());
        manager.register("b", b.clone());
        let agent = SlaveInfo {
            hostname: "agent-1".into(),
            ..Default::default()
        };
        manager.master_agent_lost(&agent);
        assert_eq!(*a.lost.lock().unwrap(), ["agent-1"]);
        assert_eq!(*b.lost.lock().unwrap(), ["agent-1"]);
    }
}
