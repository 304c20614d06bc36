//! Hook modules: the `Hook` kind's method contract and `--hooks`.
//!
//! A `Hook` module answers any of these methods (each optional: a module
//! that does not implement one leaves that point as it is). Inputs and
//! results are Mesos's JSON of the named messages.
//!
//! | method | input | result |
//! |---|---|---|
//! | `master_launch_task_label_decorator` | `{"task_info": TaskInfo, "framework_info": FrameworkInfo, "slave_info": SlaveInfo}` | `Labels` the task launches with, or none to leave them |
//! | `master_launch_task_resource_decorator` | `{"task_info": TaskInfo, "slave_resources": [Resource]}` | `[Resource]` the task launches with, or none |
//! | `master_agent_lost` | `{"slave_info": SlaveInfo}` | none |

use crate::{Instance, Kind, ModuleError, ModuleManager};
use hooks::{Hook, HookError, HookManager};
use proto::json::to_value;
use proto::mesos::{FrameworkInfo, Labels, Resource, SlaveInfo, TaskInfo};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;

impl ModuleManager {
    /// Creates the hook modules `names` lists (the comma-separated value of
    /// `--hooks`) and registers them in `hooks`, in that order.
    pub fn install_hooks(&self, names: &str, hooks: &mut HookManager) -> Result<(), ModuleError> {
        let mut seen = HashSet::new();
        for name in names.split(',') {
            if !seen.insert(name) {
                return Err(ModuleError::DuplicateHook {
                    module: name.to_owned(),
                });
            }
            let instance = self.create(name, Kind::Hook)?;
            hooks.register(name, Arc::new(ModuleHook(instance)));
        }
        Ok(())
    }
}

/// A loaded `Hook` module seen as a [`Hook`].
#[derive(Debug)]
struct ModuleHook(Instance);

impl ModuleHook {
    fn call(&self, method: &str, input: Value) -> Result<Option<Value>, HookError> {
        self.0
            .call(method, &input)
            .map_err(|e| HookError(e.to_string()))
    }

    /// Decodes a method's result as Mesos's JSON of `M`.
    fn decode<M>(&self, method: &str, result: &Value) -> Result<M, HookError>
    where
        M: prost::Message + prost::Name + Default,
    {
        proto::json::from_value(result).map_err(|e| {
            HookError(format!(
                "Module '{}' returned from '{method}' something that is not a {}: {e}",
                self.0.module(),
                M::full_name()
            ))
        })
    }
}

impl Hook for ModuleHook {
    fn master_launch_task_label_decorator(
        &self,
        task: &TaskInfo,
        framework: &FrameworkInfo,
        agent: &SlaveInfo,
    ) -> Result<Option<Labels>, HookError> {
        const METHOD: &str = "master_launch_task_label_decorator";
        let input = json!({
            "task_info": to_value(task),
            "framework_info": to_value(framework),
            "slave_info": to_value(agent),
        });
        self.call(METHOD, input)?
            .map(|labels| self.decode(METHOD, &labels))
            .transpose()
    }

    fn master_launch_task_resource_decorator(
        &self,
        task: &TaskInfo,
        agent_resources: &[Resource],
    ) -> Result<Option<Vec<Resource>>, HookError> {
        const METHOD: &str = "master_launch_task_resource_decorator";
        let input = json!({
            "task_info": to_value(task),
            "slave_resources": agent_resources.iter().map(to_value).collect::<Vec<_>>(),
        });
        let Some(result) = self.call(METHOD, input)? else {
            return Ok(None);
        };
        let Value::Array(resources) = result else {
            return Err(HookError(format!(
                "Module '{}' returned from '{METHOD}' {result} where a JSON array of resources \
                 was expected",
                self.0.module()
            )));
        };
        resources
            .iter()
            .map(|resource| self.decode(METHOD, resource))
            .collect::<Result<_, _>>()
            .map(Some)
    }

    fn master_agent_lost(&self, agent: &SlaveInfo) -> Result<(), HookError> {
        self.call(
            "master_agent_lost",
            json!({ "slave_info": to_value(agent) }),
        )
        .map(drop)
    }
}
