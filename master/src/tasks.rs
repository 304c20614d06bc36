//! Tasks: launching them from accepted offers, their status updates and
//! acknowledgements, kills and reconciliation, following Mesos 1.11's
//! `Master::accept`/`_accept`, `statusUpdate`, `forward`, `updateTask`,
//! `removeTask`, `acknowledge`, `kill` and `reconcile`.
//!
//! # Launching
//!
//! ACCEPT's offers must be outstanding, the framework's, and on one agent;
//! otherwise every task to launch gets TASK_DROPPED (TASK_LOST for a
//! framework that is not PARTITION_AWARE) with REASON_INVALID_OFFERS. A
//! task that fails validation (duplicate id, wrong agent, neither or both
//! of command and executor, no resources, more than the offers hold) gets
//! TASK_ERROR with REASON_TASK_INVALID. Valid tasks are recorded in
//! TASK_STAGING and sent to the agent in `RunTaskMessage` (a task group in
//! `RunTaskGroupMessage`); what the operations leave of the offers goes
//! back to the allocator with the call's filters.
//!
//! # Status updates
//!
//! An agent's `StatusUpdateMessage` is forwarded to the framework (dropped
//! if it is not connected: the agent retries until acknowledged) and the
//! task's state follows the update's `latest_state`. A terminal task's
//! resources go back to the allocator; the task itself moves to the
//! framework's completed tasks once its terminal update is acknowledged.
//! Acknowledgements are relayed to the agent as
//! `StatusUpdateAcknowledgementMessage`. Updates the master makes itself
//! carry the empty pid and need no acknowledgement.

use crate::authorization::Check;
use crate::frameworks::ToScheduler;
use crate::master::{MasterProcess, time_info};
use crate::offers::now;
use bytes::Bytes;
use libprocess::Context;
use proto::mesos::internal::{
    ExecutorToFrameworkMessage, ExitedExecutorMessage, FrameworkToExecutorMessage, KillTaskMessage,
    RunTaskGroupMessage, RunTaskMessage, ShutdownExecutorMessage, StatusUpdate,
    StatusUpdateAcknowledgementMessage, StatusUpdateMessage,
};
use proto::mesos::scheduler::call;
use proto::mesos::{
    ExecutorInfo, FrameworkId, Resource, SlaveId, Task, TaskId, TaskInfo, TaskState, TaskStatus,
    offer, resource, task_status,
};
use resources::Resources;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

/// (framework id, task id).
pub(crate) type TaskKey = (String, String);

/// A task as the master keeps it, shared (an `Arc`) between the master's
/// maps, the frameworks' completed tasks and the read views. Its endpoint
/// JSON and its resources are worked out at most once per version of the
/// task, by the first rendering thread that needs them: a `/master/state`
/// of 200,000 tasks copies their JSON rather than rendering each again.
/// Changing the task ([`Tasks::get_mut`]) makes a new version (copied if a
/// read view still holds the old one) with nothing worked out yet.
#[derive(Debug)]
pub(crate) struct TaskRecord {
    task: Task,
    /// `,` and the task's JSON: the comma that separates it from the task
    /// before it in a list, so that a list is written one piece per task.
    json_text: OnceLock<Bytes>,
    parsed_resources: OnceLock<Resources>,
}

impl TaskRecord {
    pub fn new(task: Task) -> Arc<TaskRecord> {
        Arc::new(TaskRecord {
            task,
            json_text: OnceLock::new(),
            parsed_resources: OnceLock::new(),
        })
    }

    pub fn task(&self) -> &Task {
        &self.task
    }

    /// Mesos's `json(Task)` of this version, as an element of a JSON list:
    /// with the comma before it unless it is the `first`. Shares the text
    /// (no copy).
    pub fn json_in_list(&self, first: bool) -> Bytes {
        let listed = self.listed_json();
        if first {
            listed.slice(1..)
        } else {
            listed.clone()
        }
    }

    fn listed_json(&self) -> &Bytes {
        self.json_text.get_or_init(|| {
            let json = crate::json::task(&self.task).to_string();
            Bytes::from([",", &json].concat())
        })
    }

    /// The task's resources, parsed.
    pub fn resources(&self) -> &Resources {
        self.parsed_resources
            .get_or_init(|| Resources::from_protos(&self.task.resources).unwrap_or_default())
    }
}

impl Clone for TaskRecord {
    /// A copy to change: nothing worked out of the original applies.
    fn clone(&self) -> TaskRecord {
        TaskRecord {
            task: self.task.clone(),
            json_text: OnceLock::new(),
            parsed_resources: OnceLock::new(),
        }
    }
}

impl std::ops::Deref for TaskRecord {
    type Target = Task;

    fn deref(&self) -> &Task {
        &self.task
    }
}

/// Live tasks by framework id, then task id: a framework's tasks are one
/// map, in the order the endpoints list them. Persistent maps: a clone
/// shares every entry (O(1)).
#[derive(Debug, Default, Clone)]
pub(crate) struct TaskTable(imbl::OrdMap<String, imbl::OrdMap<String, Arc<TaskRecord>>>);

impl TaskTable {
    pub fn get(&self, framework_id: &str, task_id: &str) -> Option<&Arc<TaskRecord>> {
        self.0.get(framework_id)?.get(task_id)
    }

    fn get_mut(&mut self, framework_id: &str, task_id: &str) -> Option<&mut Arc<TaskRecord>> {
        self.0.get_mut(framework_id)?.get_mut(task_id)
    }

    /// Adds `record`, returning the one it replaces.
    fn insert(&mut self, record: Arc<TaskRecord>) -> Option<Arc<TaskRecord>> {
        let (framework_id, task_id) = key_of(&record);
        if let Some(tasks) = self.0.get_mut(&framework_id) {
            return tasks.insert(task_id, record);
        }
        self.0
            .insert(framework_id, imbl::OrdMap::unit(task_id, record));
        None
    }

    fn remove(&mut self, framework_id: &str, task_id: &str) -> Option<Arc<TaskRecord>> {
        let tasks = self.0.get_mut(framework_id)?;
        let removed = tasks.remove(task_id);
        if tasks.is_empty() {
            self.0.remove(framework_id);
        }
        removed
    }

    /// Framework `id`'s live tasks, in task id order.
    pub fn of_framework(&self, id: &str) -> impl Iterator<Item = &Arc<TaskRecord>> {
        self.0.get(id).into_iter().flat_map(|tasks| tasks.values())
    }

    /// Every live task, by framework, then task id.
    pub fn values(&self) -> impl Iterator<Item = &Arc<TaskRecord>> {
        self.0.values().flat_map(|tasks| tasks.values())
    }

    /// The tasks for which `keep(framework id, task)` holds.
    pub fn filtered(&self, keep: impl Fn(&str, &TaskRecord) -> bool) -> TaskTable {
        let mut kept = self.clone();
        for (framework_id, tasks) in self.0.iter() {
            for (task_id, task) in tasks.iter() {
                if !keep(framework_id, task) {
                    kept.remove(framework_id, task_id);
                }
            }
        }
        kept
    }
}

/// Every live task the master knows, whether or not its framework is
/// registered (an agent may bring back tasks of frameworks that have not
/// resubscribed after a master failover). Its maps are persistent: a clone
/// shares every entry (O(1)), as the read view ([`crate::read_view`])
/// copies what it renders.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tasks {
    tasks: TaskTable,
    by_agent: imbl::HashMap<String, imbl::HashSet<TaskKey>>,
    /// Live tasks per state, for the `master/tasks_*` gauges.
    states: HashMap<i32, usize>,
    usage: Usage,
}

/// What the tasks that have not ended use, per agent and per framework:
/// kept as tasks come, change state and go, so that an endpoint shows the
/// sums without adding up every task (persistent maps: O(1) to copy).
#[derive(Debug, Default, Clone)]
pub(crate) struct Usage {
    pub by_agent: imbl::HashMap<String, Resources>,
    pub by_framework: imbl::HashMap<String, Resources>,
}

impl Usage {
    fn add(&mut self, task: &TaskRecord) {
        if is_terminal(task.state()) {
            return;
        }
        let resources = task.resources();
        *self
            .by_agent
            .entry(task.slave_id.value.clone())
            .or_default() += resources;
        *self
            .by_framework
            .entry(task.framework_id.value.clone())
            .or_default() += resources;
    }

    fn remove(&mut self, task: &TaskRecord) {
        if is_terminal(task.state()) {
            return;
        }
        let resources = task.resources();
        for (sums, key) in [
            (&mut self.by_agent, &task.slave_id.value),
            (&mut self.by_framework, &task.framework_id.value),
        ] {
            if let Some(sum) = sums.get_mut(key) {
                *sum -= resources;
                if sum.is_empty() {
                    sums.remove(key);
                }
            }
        }
    }
}

impl Tasks {
    pub fn get(&self, framework_id: &str, task_id: &str) -> Option<&Task> {
        self.tasks
            .get(framework_id, task_id)
            .map(|record| &record.task)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Task> {
        self.tasks.values().map(|record| &record.task)
    }

    /// Every live task, sharing its entries with the master's (O(1)).
    pub fn shared_copy(&self) -> TaskTable {
        self.tasks.clone()
    }

    /// The keys of the live tasks on each agent, shared likewise.
    pub fn shared_by_agent(&self) -> imbl::HashMap<String, imbl::HashSet<TaskKey>> {
        self.by_agent.clone()
    }

    /// What the live tasks use, sharing its entries with the master's (O(1)).
    pub fn shared_usage(&self) -> Usage {
        self.usage.clone()
    }

    pub fn insert(&mut self, task: Task) {
        let key = key_of(&task);
        *self.states.entry(task.state).or_default() += 1;
        self.by_agent
            .entry(task.slave_id.value.clone())
            .or_default()
            .insert(key.clone());
        let record = TaskRecord::new(task);
        self.usage.add(&record);
        if let Some(old) = self.tasks.insert(record) {
            self.count_out(old.state);
            self.usage.remove(&old);
        }
    }

    pub fn remove(&mut self, framework_id: &str, task_id: &str) -> Option<Arc<TaskRecord>> {
        let key = (framework_id.to_owned(), task_id.to_owned());
        let task = self.tasks.remove(framework_id, task_id)?;
        self.count_out(task.state);
        self.usage.remove(&task);
        if let Some(keys) = self.by_agent.get_mut(&task.slave_id.value) {
            keys.remove(&key);
            if keys.is_empty() {
                self.by_agent.remove(&task.slave_id.value);
            }
        }
        Some(task)
    }

    fn count_out(&mut self, state: i32) {
        if let Some(count) = self.states.get_mut(&state) {
            *count = count.saturating_sub(1);
        }
    }

    /// Changes a task's state, keeping the per-state counts.
    fn set_state(&mut self, framework_id: &str, task_id: &str, state: TaskState) {
        let Some(before) = self.tasks.get(framework_id, task_id).cloned() else {
            return;
        };
        self.usage.remove(&before);
        let Some(task) = self.get_mut(framework_id, task_id) else {
            return;
        };
        task.state = state as i32;
        self.count_out(before.state);
        *self.states.entry(state as i32).or_default() += 1;
        let after = self.tasks.get(framework_id, task_id).cloned();
        let after = after.expect("changed just now");
        self.usage.add(&after);
    }

    /// The task to change, as a new version of its record: neither its
    /// state ([`Tasks::set_state`] keeps the counts and usage) nor its
    /// resources.
    fn get_mut(&mut self, framework_id: &str, task_id: &str) -> Option<&mut Task> {
        let record = self.tasks.get_mut(framework_id, task_id)?;
        let record = Arc::make_mut(record);
        record.json_text = OnceLock::new();
        record.parsed_resources = OnceLock::new();
        Some(&mut record.task)
    }

    pub fn on_agent(&self, agent_id: &str) -> Vec<TaskKey> {
        self.by_agent
            .get(agent_id)
            .map(|keys| keys.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn count(&self, state: TaskState) -> usize {
        self.states.get(&(state as i32)).copied().unwrap_or(0)
    }
}

fn key_of(task: &Task) -> TaskKey {
    (task.framework_id.value.clone(), task.task_id.value.clone())
}

pub(crate) fn is_terminal(state: TaskState) -> bool {
    use TaskState::*;
    matches!(
        state,
        TaskFinished
            | TaskFailed
            | TaskKilled
            | TaskLost
            | TaskError
            | TaskDropped
            | TaskGone
            | TaskGoneByOperator
    )
}

/// A status update made by the master (no uuid to acknowledge).
pub(crate) fn master_update(
    framework_id: &FrameworkId,
    agent_id: Option<SlaveId>,
    task_id: TaskId,
    state: TaskState,
    reason: task_status::Reason,
    message: String,
) -> StatusUpdate {
    let timestamp = seconds_now();
    StatusUpdate {
        framework_id: framework_id.clone(),
        executor_id: None,
        slave_id: agent_id.clone(),
        status: TaskStatus {
            task_id,
            state: state as i32,
            message: Some(message),
            source: Some(task_status::Source::Master as i32),
            reason: Some(reason as i32),
            slave_id: agent_id,
            timestamp: Some(timestamp),
            ..TaskStatus::default()
        },
        timestamp,
        uuid: None,
        latest_state: None,
    }
}

fn seconds_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// Resources without an allocation get the offers' role, as Mesos's
/// `injectAllocationInfo` for frameworks with a single role.
fn inject_allocation(resources: &mut [Resource], role: &str) {
    for resource in resources {
        if resource.allocation_info.is_none() {
            resource.allocation_info = Some(resource::AllocationInfo {
                role: Some(role.to_owned()),
            });
        }
    }
}

/// Mesos's `validation::task` checks that do not depend on other tasks.
fn validate_task_id(task_id: &str) -> Result<(), String> {
    if task_id.is_empty() {
        return Err("ID must not be empty".to_owned());
    }
    if task_id.contains(['/', '\0']) || task_id == "." || task_id == ".." {
        return Err(format!("'{task_id}' contains invalid characters"));
    }
    Ok(())
}

impl MasterProcess {
    /// Publishes the task state gauges.
    pub(crate) fn publish_task_counts(&self) {
        let metrics = &self.scheduler_metrics;
        let count = |state| self.tasks.count(state) as f64;
        metrics.tasks_staging.set(count(TaskState::TaskStaging));
        metrics.tasks_starting.set(count(TaskState::TaskStarting));
        metrics.tasks_running.set(count(TaskState::TaskRunning));
        metrics.tasks_killing.set(count(TaskState::TaskKilling));
        metrics
            .tasks_unreachable
            .set(count(TaskState::TaskUnreachable));
    }

    /// Answers each task of an ACCEPT the master refuses as a whole with a
    /// master-generated update: TASK_DROPPED for a partition-aware framework,
    /// TASK_LOST for an older one, as Mesos does.
    fn fail_refused_tasks<'a>(
        &mut self,
        ctx: &mut Context<Self>,
        framework_pb: &FrameworkId,
        partition_aware: bool,
        tasks: impl Iterator<Item = &'a TaskInfo>,
        reason: task_status::Reason,
        message: &str,
    ) {
        let state = if partition_aware {
            TaskState::TaskDropped
        } else {
            TaskState::TaskLost
        };
        for task in tasks {
            let update = master_update(
                framework_pb,
                Some(task.slave_id.clone()),
                task.task_id.clone(),
                state,
                reason,
                message.to_owned(),
            );
            self.send_master_update(ctx, update);
        }
    }

    /// ACCEPT: launches tasks (and task groups) on the offers' agent and
    /// gives back what is left of the offers.
    pub(crate) fn accept(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        accept: call::Accept,
    ) {
        let Some(framework) = self.frameworks.get(framework_id) else {
            return;
        };
        let partition_aware = framework.partition_aware();
        let framework_pb = framework.framework_id();
        let launched_tasks = || {
            accept.operations.iter().flat_map(|operation| {
                let launch = operation.launch.iter().flat_map(|l| l.task_infos.iter());
                let group = operation
                    .launch_group
                    .iter()
                    .flat_map(|l| l.task_group.tasks.iter());
                launch.chain(group)
            })
        };
        if let Err(error) = self.validate_offers(framework_id, &accept.offer_ids) {
            tracing::warn!(framework = framework_id, %error, "ACCEPT with invalid offers");
            self.fail_refused_tasks(
                ctx,
                &framework_pb,
                partition_aware,
                launched_tasks(),
                task_status::Reason::InvalidOffers,
                &format!("Task launched with invalid offers: {error}"),
            );
            for offer_id in &accept.offer_ids {
                if self
                    .offers
                    .outstanding
                    .get(&offer_id.value)
                    .is_some_and(|o| o.framework_id == framework_id)
                {
                    self.discard_offer(&offer_id.value, None);
                }
            }
            self.allocate_soon(ctx);
            return;
        }

        let mut offered = Resources::new();
        let mut agent_id = String::new();
        let mut role = String::new();
        for offer_id in &accept.offer_ids {
            let record = self.take_offer(&offer_id.value).expect("validated");
            offered = &offered + &record.resources;
            agent_id = record.agent_id;
            role = record.role;
        }
        let agent_pb = SlaveId {
            value: agent_id.clone(),
        };
        let agent_state = self
            .agents
            .registered
            .get(&agent_id)
            .map(|agent| agent.connected);
        if agent_state != Some(true) {
            let (reason, what) = match agent_state {
                None => (task_status::Reason::SlaveRemoved, "removed"),
                Some(_) => (task_status::Reason::SlaveDisconnected, "disconnected"),
            };
            self.fail_refused_tasks(
                ctx,
                &framework_pb,
                partition_aware,
                launched_tasks(),
                reason,
                &format!("Agent {agent_id} is {what}"),
            );
            self.recover_resources(&framework_pb, &agent_pb, &offered, None);
            self.allocate_soon(ctx);
            return;
        }

        let mut available = offered.clone();
        // Volumes GROW or SHRINK resized: out of reach of the ACCEPT's later
        // operations, as in Mesos, and back to the allocator at the end.
        let mut resized = Resources::new();
        for operation in accept.operations {
            match operation.r#type() {
                offer::operation::Type::Launch => {
                    for task in operation.launch.map(|l| l.task_infos).unwrap_or_default() {
                        self.launch_task(ctx, framework_id, &agent_id, &role, task, &mut available);
                    }
                }
                offer::operation::Type::LaunchGroup => {
                    if let Some(group) = operation.launch_group {
                        self.launch_group(
                            ctx,
                            framework_id,
                            &agent_id,
                            &role,
                            group,
                            &mut available,
                        );
                    }
                }
                offer::operation::Type::Reserve
                | offer::operation::Type::Unreserve
                | offer::operation::Type::Create
                | offer::operation::Type::Destroy
                | offer::operation::Type::GrowVolume
                | offer::operation::Type::ShrinkVolume => {
                    self.apply_operation(
                        ctx,
                        framework_id,
                        &agent_id,
                        &role,
                        operation,
                        &mut available,
                        &mut resized,
                    );
                }
                other => {
                    tracing::warn!(framework = framework_id, operation = ?other, "ignoring an offer operation this master does not apply yet");
                }
            }
        }
        // What the operations converted goes back without the ACCEPT's
        // filters (Mesos offers it again at once); only what is left of the
        // offers as they came is declined.
        let converted = &(&available + &resized) - &offered;
        if !converted.is_empty() {
            self.recover_resources(&framework_pb, &agent_pb, &converted, None);
        }
        let declined = &available - &converted;
        self.recover_resources(&framework_pb, &agent_pb, &declined, accept.filters.as_ref());
        self.publish_task_counts();
    }

    /// Validates a task against the framework's tasks, the agent and what
    /// is left of the offers; returns the resources it takes (with a new
    /// executor's) and whether its executor is new.
    fn validate_task(
        &self,
        framework_id: &str,
        agent_id: &str,
        task: &TaskInfo,
        available: &Resources,
        pending: &HashSet<String>,
    ) -> Result<(Resources, bool), String> {
        let framework = self.frameworks.get(framework_id).expect("caller checked");
        validate_task_id(&task.task_id.value).map_err(|e| format!("Task ID is invalid: {e}"))?;
        if framework.tasks.contains(&task.task_id.value) || pending.contains(&task.task_id.value) {
            return Err(format!("Task has duplicate ID: {}", task.task_id.value));
        }
        if task.slave_id.value != agent_id {
            return Err(format!("Task uses invalid agent: {}", task.slave_id.value));
        }
        if task.executor.is_some() == task.command.is_some() {
            return Err(
                "Task should have at least one (but not both) of CommandInfo or \
                        ExecutorInfo present"
                    .to_owned(),
            );
        }
        if task.resources.is_empty() {
            return Err("Task uses no resources".to_owned());
        }
        let mut needed = Resources::from_protos(&task.resources)
            .map_err(|e| format!("Task uses invalid resources: {e}"))?;
        let mut new_executor = true;
        if let Some(executor) = &task.executor {
            if executor
                .framework_id
                .as_ref()
                .is_some_and(|id| id.value != framework_id)
            {
                return Err("ExecutorInfo has an invalid FrameworkID".to_owned());
            }
            let known = framework
                .executors
                .get(agent_id)
                .and_then(|executors| executors.get(&executor.executor_id.value));
            match known {
                Some(known) => {
                    let mut comparable = executor.clone();
                    comparable.framework_id = known.framework_id.clone();
                    let mut known = known.clone();
                    known.resources.clear();
                    comparable.resources.clear();
                    if comparable != known {
                        return Err(format!(
                            "ExecutorInfo is not compatible with ExecutorInfo of existing executor {}",
                            executor.executor_id.value
                        ));
                    }
                    new_executor = false;
                }
                None => {
                    let executor_resources = Resources::from_protos(&executor.resources)
                        .map_err(|e| format!("Executor uses invalid resources: {e}"))?;
                    needed = &needed + &executor_resources;
                }
            }
        }
        if !available.contains(&needed) {
            return Err(format!(
                "Task uses more resources {needed} than available {available}"
            ));
        }
        Ok((needed, new_executor))
    }

    fn launch_task(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        agent_id: &str,
        role: &str,
        mut task: TaskInfo,
        available: &mut Resources,
    ) {
        inject_allocation(&mut task.resources, role);
        if let Some(executor) = &mut task.executor {
            inject_allocation(&mut executor.resources, role);
            if executor.framework_id.is_none() {
                executor.framework_id = Some(FrameworkId {
                    value: framework_id.to_owned(),
                });
            }
        }
        if let Some(error) = self.unauthorized_launch(framework_id, &task) {
            return self.refuse_task_for(
                ctx,
                framework_id,
                &task,
                task_status::Reason::TaskUnauthorized,
                error,
            );
        }
        let (needed, new_executor) =
            match self.validate_task(framework_id, agent_id, &task, available, &HashSet::new()) {
                Ok(valid) => valid,
                Err(error) => {
                    return self.refuse_task(ctx, framework_id, &task, error);
                }
            };
        *available = &*available - &needed;
        if let Some(executor) = &task.executor
            && new_executor
        {
            self.launch_executor(framework_id, agent_id, executor.clone());
        }
        self.add_task(framework_id, &task);
        let (framework, agent) = (
            self.frameworks.get(framework_id).expect("caller checked"),
            self.agents
                .registered
                .get(agent_id)
                .expect("caller checked"),
        );
        tracing::info!(framework = framework_id, task = %task.task_id.value, agent = agent_id, "launching task");
        let message = RunTaskMessage {
            framework: framework.info.clone(),
            task,
            resource_version_uuids: resource_versions(agent),
            pid: Some(framework.pid_text()),
            launch_executor: Some(new_executor),
            ..RunTaskMessage::default()
        };
        ctx.send_protobuf(&agent.pid, &message);
    }

    fn launch_group(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        agent_id: &str,
        role: &str,
        mut group: offer::operation::LaunchGroup,
        available: &mut Resources,
    ) {
        let mut executor = group.executor.clone();
        inject_allocation(&mut executor.resources, role);
        if executor.framework_id.is_none() {
            executor.framework_id = Some(FrameworkId {
                value: framework_id.to_owned(),
            });
        }
        let known = self
            .frameworks
            .get(framework_id)
            .and_then(|f| f.executors.get(agent_id))
            .is_some_and(|executors| executors.contains_key(&executor.executor_id.value));
        let mut needed = Resources::new();
        let mut error = None;
        if !known {
            match Resources::from_protos(&executor.resources) {
                Ok(resources) => needed = resources,
                Err(e) => error = Some(format!("Executor uses invalid resources: {e}")),
            }
        }
        // All tasks of a group must be authorized; the first refusal is
        // every task's.
        let unauthorized = group
            .task_group
            .tasks
            .iter()
            .find_map(|task| self.unauthorized_launch(framework_id, task));
        if let Some(error) = unauthorized {
            for task in &group.task_group.tasks {
                self.refuse_task_for(
                    ctx,
                    framework_id,
                    task,
                    task_status::Reason::TaskGroupUnauthorized,
                    error.clone(),
                );
            }
            return;
        }
        let mut pending = HashSet::new();
        for task in &mut group.task_group.tasks {
            inject_allocation(&mut task.resources, role);
            if error.is_some() {
                break;
            }
            if task.executor.is_some() {
                error = Some(format!(
                    "Task '{}' should not have 'ExecutorInfo' set",
                    task.task_id.value
                ));
                break;
            }
            // Validated as a command task of the group's executor.
            let mut as_command = task.clone();
            as_command.command.get_or_insert_with(Default::default);
            let remaining = &*available - &needed;
            match self.validate_task(framework_id, agent_id, &as_command, &remaining, &pending) {
                Ok((resources, _)) => {
                    needed = &needed + &resources;
                    pending.insert(task.task_id.value.clone());
                }
                Err(e) => error = Some(e),
            }
        }
        if error.is_none() && !available.contains(&needed) {
            error = Some(format!(
                "Task group uses more resources {needed} than available {available}"
            ));
        }
        if let Some(error) = error {
            for task in &group.task_group.tasks {
                self.refuse_task(ctx, framework_id, task, error.clone());
            }
            return;
        }
        *available = &*available - &needed;
        if !known {
            self.launch_executor(framework_id, agent_id, executor.clone());
        }
        for task in &mut group.task_group.tasks {
            task.executor = Some(executor.clone());
            self.add_task(framework_id, task);
            task.executor = None;
        }
        let (framework, agent) = (
            self.frameworks.get(framework_id).expect("caller checked"),
            self.agents
                .registered
                .get(agent_id)
                .expect("caller checked"),
        );
        let message = RunTaskGroupMessage {
            framework: framework.info.clone(),
            executor,
            task_group: group.task_group,
            resource_version_uuids: resource_versions(agent),
            launch_executor: Some(!known),
        };
        ctx.send_protobuf(&agent.pid, &message);
    }

    /// Why the framework's principal may not launch `task` (`RUN_TASK`),
    /// in Mesos's words; `None` when it may.
    fn unauthorized_launch(&self, framework_id: &str, task: &TaskInfo) -> Option<String> {
        let framework = self.frameworks.get(framework_id)?;
        let check = Check::task_launch(task, &framework.info);
        (!framework.approvers.approved(&check)).then(|| format!("Not authorized to {check}"))
    }

    /// A task that failed validation: TASK_ERROR, as Mesos.
    fn refuse_task(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        task: &TaskInfo,
        error: String,
    ) {
        self.refuse_task_for(
            ctx,
            framework_id,
            task,
            task_status::Reason::TaskInvalid,
            error,
        );
    }

    /// A task refused for `reason`: TASK_ERROR.
    fn refuse_task_for(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        task: &TaskInfo,
        reason: task_status::Reason,
        error: String,
    ) {
        tracing::warn!(framework = framework_id, task = %task.task_id.value, %error, "refusing task");
        let update = master_update(
            &FrameworkId {
                value: framework_id.to_owned(),
            },
            Some(task.slave_id.clone()),
            task.task_id.clone(),
            TaskState::TaskError,
            reason,
            error,
        );
        self.send_master_update(ctx, update);
    }

    /// A new executor launched from offered resources: recorded, and its
    /// resources counted as used until it exits.
    fn launch_executor(&mut self, framework_id: &str, agent_id: &str, executor: ExecutorInfo) {
        let used = Resources::from_protos(&executor.resources).unwrap_or_default();
        let agent = SlaveId {
            value: agent_id.to_owned(),
        };
        if let Err(error) = self
            .allocator
            .lock()
            .transition_offered_to_allocated(&agent, &used)
        {
            tracing::error!(%error, "the allocator refused the launched executor's resources");
        }
        self.add_executor(framework_id, agent_id, executor);
    }

    fn add_executor(&mut self, framework_id: &str, agent_id: &str, executor: ExecutorInfo) {
        if let Some(framework) = self.frameworks.get_mut(framework_id) {
            framework
                .executors
                .entry(agent_id.to_owned())
                .or_default()
                .insert(executor.executor_id.value.clone(), executor);
        }
    }

    fn add_task(&mut self, framework_id: &str, info: &TaskInfo) {
        let framework = self
            .frameworks
            .get_mut(framework_id)
            .expect("caller checked");
        framework.tasks.insert(info.task_id.value.clone());
        let task = Task {
            name: info.name.clone(),
            task_id: info.task_id.clone(),
            framework_id: framework.framework_id(),
            executor_id: info.executor.as_ref().map(|e| e.executor_id.clone()),
            slave_id: info.slave_id.clone(),
            state: TaskState::TaskStaging as i32,
            resources: info.resources.clone(),
            labels: info.labels.clone(),
            discovery: info.discovery.clone(),
            container: info.container.clone(),
            health_check: info.health_check.clone(),
            kill_policy: info.kill_policy,
            // As Mesos: the command's user, else the executor's; none else.
            user: info
                .command
                .as_ref()
                .and_then(|c| c.user.clone())
                .or_else(|| {
                    info.executor
                        .as_ref()
                        .and_then(|e| e.command.as_ref()?.user.clone())
                }),
            limits: info.limits.clone(),
            ..Task::default()
        };
        let used = Resources::from_protos(&task.resources).unwrap_or_default();
        if let Err(error) = self
            .allocator
            .lock()
            .transition_offered_to_allocated(&task.slave_id, &used)
        {
            tracing::error!(%error, "the allocator refused the launched task's resources");
        }
        self.task_added_event(&task);
        self.tasks.insert(task);
    }

    /// Sends an update the master made to the framework and applies it to
    /// the task, if the master knows it, as Mesos's `forward` + `updateTask`
    /// + `removeTask` for master-generated (terminal) updates.
    pub(crate) fn send_master_update(&mut self, ctx: &mut Context<Self>, update: StatusUpdate) {
        let framework_id = update.framework_id.value.clone();
        let task_id = update.status.task_id.value.clone();
        let state = update.status.state();
        match state {
            TaskState::TaskError => self.scheduler_metrics.tasks_error.increment(),
            TaskState::TaskDropped => self.scheduler_metrics.tasks_dropped.increment(),
            TaskState::TaskLost if self.tasks.get(&framework_id, &task_id).is_none() => {
                self.scheduler_metrics.tasks_lost.increment()
            }
            _ => {}
        }
        if let Some(framework) = self.frameworks.get(&framework_id) {
            framework.send(
                ctx,
                ToScheduler::Update(Box::new(StatusUpdateMessage {
                    update: update.clone(),
                    pid: Some("@0.0.0.0:0".to_owned()),
                })),
            );
        }
        if self.tasks.get(&framework_id, &task_id).is_some() {
            self.update_task(&framework_id, &task_id, &update);
            if is_terminal(state) {
                self.remove_task(&framework_id, &task_id);
            }
        }
    }

    /// An agent's `StatusUpdateMessage`.
    pub(crate) fn status_update(
        &mut self,
        ctx: &mut Context<Self>,
        _from: libprocess::Upid,
        message: StatusUpdateMessage,
    ) {
        let metrics = self.scheduler_metrics.clone();
        metrics.messages_status_update.increment();
        let update = &message.update;
        let Some(agent_id) = update.slave_id.as_ref().map(|id| id.value.clone()) else {
            metrics.invalid_status_updates.increment();
            return;
        };
        if !self.agents.registered.contains_key(&agent_id) {
            tracing::warn!(agent = %agent_id, "ignoring status update from an unknown or removed agent");
            metrics.invalid_status_updates.increment();
            return;
        }
        if update.uuid.as_ref().is_none_or(|uuid| uuid.len() != 16) {
            tracing::warn!(agent = %agent_id, "ignoring status update without a valid uuid");
            metrics.invalid_status_updates.increment();
            return;
        }
        let framework_id = update.framework_id.value.clone();
        let task_id = update.status.task_id.value.clone();
        tracing::debug!(framework = %framework_id, task = %task_id, state = ?update.status.state(), "status update");
        let mut valid = true;
        match self.frameworks.get(&framework_id) {
            Some(framework) if framework.connected => {
                if let Some(task) = self.tasks.get_mut(&framework_id, &task_id) {
                    task.status_update_state = Some(update.status.state);
                    task.status_update_uuid = update.status.uuid.clone();
                }
                framework.send(ctx, ToScheduler::Update(Box::new(message.clone())));
            }
            _ => {
                tracing::warn!(framework = %framework_id, "received status update for an unknown or disconnected framework");
                valid = false;
            }
        }
        if self.tasks.get(&framework_id, &task_id).is_none() {
            tracing::warn!(framework = %framework_id, task = %task_id, "could not look up the task of a status update");
            metrics.invalid_status_updates.increment();
            return;
        }
        self.update_task(&framework_id, &task_id, &message.update);
        if valid {
            metrics.valid_status_updates.increment();
        } else {
            metrics.invalid_status_updates.increment();
        }
        self.publish_task_counts();
    }

    /// Mesos's `updateTask`.
    pub(crate) fn update_task(&mut self, framework_id: &str, task_id: &str, update: &StatusUpdate) {
        let Some(task) = self.tasks.get(framework_id, task_id) else {
            return;
        };
        let status = &update.status;
        let new_state = update
            .latest_state
            .and_then(|s| TaskState::try_from(s).ok())
            .unwrap_or(status.state());
        let old_state = task.state();
        let ends = |state| is_terminal(state) || state == TaskState::TaskUnreachable;
        let transitioned = !ends(old_state) && ends(new_state);
        if !is_terminal(old_state) {
            self.tasks.set_state(framework_id, task_id, new_state);
        }
        let task = self
            .tasks
            .get_mut(framework_id, task_id)
            .expect("looked up");
        if task
            .statuses
            .last()
            .is_some_and(|last| last.state == status.state)
        {
            task.statuses.pop();
        }
        let mut kept = status.clone();
        kept.data = None;
        task.statuses.push(kept);
        let updated = task.clone();
        if transitioned {
            let resources = Resources::from_protos(&task.resources).unwrap_or_default();
            let (framework, agent) = (task.framework_id.clone(), task.slave_id.clone());
            if let Err(error) = self.allocator.lock().recover_resources(
                &framework,
                &agent,
                &resources,
                None,
                true,
                now(),
            ) {
                tracing::error!(%error, "the allocator refused the ended task's resources");
            }
            let metrics = &self.scheduler_metrics;
            match status.state() {
                TaskState::TaskFinished => metrics.tasks_finished.increment(),
                TaskState::TaskFailed => metrics.tasks_failed.increment(),
                TaskState::TaskKilled => metrics.tasks_killed.increment(),
                TaskState::TaskLost => metrics.tasks_lost.increment(),
                TaskState::TaskError => metrics.tasks_error.increment(),
                TaskState::TaskDropped => metrics.tasks_dropped.increment(),
                TaskState::TaskGone => metrics.tasks_gone.increment(),
                TaskState::TaskGoneByOperator => metrics.tasks_gone_by_operator.increment(),
                _ => {}
            }
        }
        self.task_updated_event(&updated, status);
    }

    /// Mesos's `removeTask`: the task leaves the live ones for its
    /// framework's completed tasks.
    pub(crate) fn remove_task(&mut self, framework_id: &str, task_id: &str) {
        let Some(task) = self.tasks.remove(framework_id, task_id) else {
            return;
        };
        if !is_terminal(task.state()) && task.state() != TaskState::TaskUnreachable {
            let resources = Resources::from_protos(&task.resources).unwrap_or_default();
            if let Err(error) = self.allocator.lock().recover_resources(
                &task.framework_id,
                &task.slave_id,
                &resources,
                None,
                true,
                now(),
            ) {
                tracing::error!(%error, "the allocator refused the removed task's resources");
            }
        }
        let max = self.flags.max_completed_tasks_per_framework;
        if let Some(framework) = self.frameworks.get_mut(framework_id) {
            framework.complete_task(task, max);
        }
        self.publish_task_counts();
    }

    /// ACKNOWLEDGE (or a driver's `StatusUpdateAcknowledgementMessage`).
    pub(crate) fn acknowledge(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        acknowledge: call::Acknowledge,
    ) {
        let metrics = self.scheduler_metrics.clone();
        metrics.messages_status_update_acknowledgement.increment();
        let agent_id = acknowledge.slave_id.value.clone();
        let Some(agent) = self.agents.registered.get(&agent_id) else {
            tracing::warn!(framework = framework_id, agent = %agent_id, "cannot relay an acknowledgement to an unknown agent");
            metrics.invalid_status_update_acknowledgements.increment();
            return;
        };
        if !agent.connected {
            tracing::warn!(framework = framework_id, agent = %agent_id, "cannot relay an acknowledgement to a disconnected agent");
            metrics.invalid_status_update_acknowledgements.increment();
            return;
        }
        let pid = agent.pid.clone();
        let task_id = acknowledge.task_id.value.clone();
        if let Some(task) = self.tasks.get(framework_id, &task_id) {
            let acknowledged_terminal = task
                .status_update_state
                .and_then(|s| TaskState::try_from(s).ok())
                .is_some_and(is_terminal)
                && task.status_update_uuid.as_deref() == Some(acknowledge.uuid.as_slice());
            if acknowledged_terminal {
                self.remove_task(framework_id, &task_id);
            }
        }
        ctx.send_protobuf(
            &pid,
            &StatusUpdateAcknowledgementMessage {
                slave_id: acknowledge.slave_id,
                framework_id: FrameworkId {
                    value: framework_id.to_owned(),
                },
                task_id: acknowledge.task_id,
                uuid: acknowledge.uuid,
            },
        );
        metrics.valid_status_update_acknowledgements.increment();
    }

    /// KILL: the agent is asked to kill a known task; an unknown one is
    /// reconciled instead, as Mesos does.
    pub(crate) fn kill(&mut self, ctx: &mut Context<Self>, framework_id: &str, kill: call::Kill) {
        self.scheduler_metrics.messages_kill_task.increment();
        let task_id = kill.task_id.value.clone();
        let Some(task) = self.tasks.get(framework_id, &task_id) else {
            tracing::warn!(framework = framework_id, task = %task_id, "cannot kill an unknown task; reconciling it");
            self.reconcile(
                ctx,
                framework_id,
                vec![call::reconcile::Task {
                    task_id: kill.task_id,
                    slave_id: kill.slave_id,
                }],
            );
            return;
        };
        let agent = self
            .agents
            .registered
            .get(&task.slave_id.value)
            .filter(|agent| agent.connected);
        let Some(agent) = agent else {
            tracing::warn!(framework = framework_id, task = %task_id, "cannot kill a task on a disconnected or removed agent");
            return;
        };
        ctx.send_protobuf(
            &agent.pid,
            &KillTaskMessage {
                framework_id: FrameworkId {
                    value: framework_id.to_owned(),
                },
                task_id: kill.task_id,
                kill_policy: kill.kill_policy,
            },
        );
    }

    /// RECONCILE: implicit (no tasks: the latest state of every task the
    /// master knows of the framework) or explicit, answered with updates
    /// carrying REASON_RECONCILIATION.
    pub(crate) fn reconcile(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        tasks: Vec<call::reconcile::Task>,
    ) {
        self.scheduler_metrics.messages_reconcile_tasks.increment();
        let Some(framework) = self.frameworks.get(framework_id) else {
            return;
        };
        let framework_pb = framework.framework_id();
        let partition_aware = framework.partition_aware();
        let latest = |task: &Task| {
            let mut update = master_update(
                &framework_pb,
                Some(task.slave_id.clone()),
                task.task_id.clone(),
                task.state(),
                task_status::Reason::Reconciliation,
                "Reconciliation: Latest task state".to_owned(),
            );
            update.executor_id = task.executor_id.clone();
            update.status.executor_id = task.executor_id.clone();
            update
        };
        let mut updates = Vec::new();
        if tasks.is_empty() {
            for task_id in &framework.tasks {
                if let Some(task) = self.tasks.get(framework_id, task_id) {
                    updates.push(latest(task));
                }
            }
        } else {
            for wanted in tasks {
                let task_id = wanted.task_id.value.clone();
                let agent_id = wanted.slave_id.as_ref().map(|a| a.value.clone());
                if let Some(task) = self.tasks.get(framework_id, &task_id) {
                    updates.push(latest(task));
                    continue;
                }
                let (state, message) = match &agent_id {
                    Some(agent) if self.agents.recovered.contains_key(agent) => continue,
                    Some(agent) if self.agents.registered.contains_key(agent) => (
                        TaskState::TaskGone,
                        "Reconciliation: Task is unknown to the agent",
                    ),
                    Some(agent) if self.agents.unreachable.contains_key(agent) => (
                        TaskState::TaskUnreachable,
                        "Reconciliation: Task is unreachable",
                    ),
                    Some(agent) if self.agents.gone.contains_key(agent) => (
                        TaskState::TaskGoneByOperator,
                        "Reconciliation: Task is gone",
                    ),
                    _ => (TaskState::TaskUnknown, "Reconciliation: Task is unknown"),
                };
                let state = if partition_aware {
                    state
                } else {
                    TaskState::TaskLost
                };
                updates.push(master_update(
                    &framework_pb,
                    wanted.slave_id,
                    wanted.task_id,
                    state,
                    task_status::Reason::Reconciliation,
                    message.to_owned(),
                ));
            }
        }
        if let Some(framework) = self.frameworks.get(framework_id) {
            for update in updates {
                framework.send(
                    ctx,
                    ToScheduler::Update(Box::new(StatusUpdateMessage {
                        update,
                        pid: Some("@0.0.0.0:0".to_owned()),
                    })),
                );
            }
        }
    }

    /// An agent left for good or became unreachable: its offers are
    /// rescinded, its tasks become TASK_UNREACHABLE (or TASK_LOST for
    /// frameworks that are not partition aware; TASK_GONE when removed) and
    /// every framework is told it is lost.
    pub(crate) fn agent_lost(
        &mut self,
        ctx: &mut Context<Self>,
        agent_id: &str,
        unreachable: bool,
    ) {
        let agent_pb = SlaveId {
            value: agent_id.to_owned(),
        };
        for (framework_id, task_id) in self.tasks.on_agent(agent_id) {
            let Some(task) = self.tasks.get(&framework_id, &task_id) else {
                continue;
            };
            if is_terminal(task.state()) {
                self.remove_task(&framework_id, &task_id);
                continue;
            }
            let partition_aware = self
                .frameworks
                .get(&framework_id)
                .is_some_and(|f| f.partition_aware());
            let (state, reason) = match (unreachable, partition_aware) {
                (_, false) => (TaskState::TaskLost, task_status::Reason::SlaveRemoved),
                (true, true) => (
                    TaskState::TaskUnreachable,
                    task_status::Reason::SlaveRemoved,
                ),
                (false, true) => (
                    TaskState::TaskGoneByOperator,
                    task_status::Reason::SlaveRemovedByOperator,
                ),
            };
            let mut update = master_update(
                &FrameworkId {
                    value: framework_id.clone(),
                },
                Some(agent_pb.clone()),
                task.task_id.clone(),
                state,
                reason,
                format!(
                    "Agent {agent_id} is {}",
                    if unreachable {
                        "unreachable"
                    } else {
                        "removed"
                    }
                ),
            );
            update.executor_id = task.executor_id.clone();
            update.status.executor_id = task.executor_id.clone();
            if unreachable {
                update.status.unreachable_time = Some(time_info(SystemTime::now()));
            }
            self.update_task(&framework_id, &task_id, &update);
            if let Some(framework) = self.frameworks.get(&framework_id) {
                framework.send(
                    ctx,
                    ToScheduler::Update(Box::new(StatusUpdateMessage {
                        update,
                        pid: Some("@0.0.0.0:0".to_owned()),
                    })),
                );
            }
            self.remove_task(&framework_id, &task_id);
        }
        let lost = proto::mesos::internal::LostSlaveMessage { slave_id: agent_pb };
        for framework in self.frameworks.registered.values_mut() {
            framework.executors.remove(agent_id);
        }
        self.rescind_agent_offers(ctx, agent_id);
        self.rescind_inverse_offers(ctx, agent_id);
        for framework in self.frameworks.registered.values() {
            framework.send(ctx, ToScheduler::LostAgent(lost.clone()));
        }
        self.publish_task_counts();
    }

    /// Tasks an agent brought back when it reregistered: the master
    /// knows them again (their frameworks may resubscribe later).
    pub(crate) fn adopt_agent_tasks(&mut self, agent_id: &str) {
        let Some(agent) = self.agents.registered.get(agent_id) else {
            return;
        };
        let tasks: Vec<Task> = agent.tasks.clone();
        let executors: Vec<ExecutorInfo> = agent.executors.clone();
        for task in tasks {
            if is_terminal(task.state())
                || self
                    .tasks
                    .get(&task.framework_id.value, &task.task_id.value)
                    .is_some()
            {
                continue;
            }
            if let Some(framework) = self.frameworks.get_mut(&task.framework_id.value) {
                framework.tasks.insert(task.task_id.value.clone());
            }
            self.tasks.insert(task);
        }
        for executor in executors {
            if let Some(framework_id) = &executor.framework_id {
                self.add_executor(&framework_id.value.clone(), agent_id, executor.clone());
            }
        }
        self.publish_task_counts();
    }
}

impl MasterProcess {
    /// MESSAGE (a driver's `FrameworkToExecutorMessage`): relayed to the
    /// executor's agent.
    pub(crate) fn framework_message(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        message: call::Message,
    ) {
        let metrics = self.scheduler_metrics.clone();
        metrics.messages_framework_to_executor.increment();
        let agent = self
            .agents
            .registered
            .get(&message.slave_id.value)
            .filter(|agent| agent.connected);
        let Some(agent) = agent else {
            tracing::warn!(framework = framework_id, agent = %message.slave_id.value, "cannot relay a framework message to a missing or disconnected agent");
            metrics.invalid_framework_to_executor_messages.increment();
            return;
        };
        ctx.send_protobuf(
            &agent.pid,
            &FrameworkToExecutorMessage {
                slave_id: message.slave_id,
                framework_id: FrameworkId {
                    value: framework_id.to_owned(),
                },
                executor_id: message.executor_id,
                data: message.data,
            },
        );
        metrics.valid_framework_to_executor_messages.increment();
    }

    /// An executor's message to its framework, relayed by its agent.
    pub(crate) fn executor_message(
        &mut self,
        ctx: &mut Context<Self>,
        _from: libprocess::Upid,
        message: ExecutorToFrameworkMessage,
    ) {
        let metrics = self.scheduler_metrics.clone();
        metrics.messages_executor_to_framework.increment();
        match self.frameworks.get(&message.framework_id.value) {
            Some(framework) if framework.connected => {
                framework.send(ctx, ToScheduler::Message(message));
                metrics.valid_executor_to_framework_messages.increment();
            }
            _ => {
                tracing::warn!(framework = %message.framework_id.value, "dropping an executor message for a missing or disconnected framework");
                metrics.invalid_executor_to_framework_messages.increment();
            }
        }
    }

    /// An agent reports an executor gone: forgotten, and its framework told.
    pub(crate) fn exited_executor(
        &mut self,
        ctx: &mut Context<Self>,
        _from: libprocess::Upid,
        message: ExitedExecutorMessage,
    ) {
        let Some(framework) = self.frameworks.get_mut(&message.framework_id.value) else {
            return;
        };
        let mut exited = None;
        if let Some(executors) = framework.executors.get_mut(&message.slave_id.value) {
            exited = executors.remove(&message.executor_id.value);
            if executors.is_empty() {
                framework.executors.remove(&message.slave_id.value);
            }
        }
        framework.send(ctx, ToScheduler::ExecutorExited(message.clone()));
        // Its resources are free again, as Mesos's `removeExecutor`.
        if let Some(executor) = exited {
            let resources = Resources::from_protos(&executor.resources).unwrap_or_default();
            if let Err(error) = self.allocator.lock().recover_resources(
                &message.framework_id,
                &message.slave_id,
                &resources,
                None,
                true,
                now(),
            ) {
                tracing::error!(%error, "the allocator refused the exited executor's resources");
            }
        }
    }

    /// SHUTDOWN: the agent is asked to stop one of the framework's executors.
    pub(crate) fn shutdown_executor(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        shutdown: call::Shutdown,
    ) {
        let agent = self
            .agents
            .registered
            .get(&shutdown.slave_id.value)
            .filter(|agent| agent.connected);
        let Some(agent) = agent else {
            tracing::warn!(framework = framework_id, agent = %shutdown.slave_id.value, "cannot shut down an executor on a missing or disconnected agent");
            return;
        };
        ctx.send_protobuf(
            &agent.pid,
            &ShutdownExecutorMessage {
                executor_id: Some(shutdown.executor_id),
                framework_id: Some(FrameworkId {
                    value: framework_id.to_owned(),
                }),
            },
        );
    }

    /// REQUEST: handed to the allocator, which acknowledges it.
    pub(crate) fn request(&mut self, framework_id: &str, requests: &[proto::mesos::Request]) {
        self.scheduler_metrics.messages_resource_request.increment();
        let id = FrameworkId {
            value: framework_id.to_owned(),
        };
        if let Err(error) = self.allocator.lock().request_resources(&id, requests) {
            tracing::warn!(framework = framework_id, %error, "the allocator refused the request");
        }
    }
}

/// The agent's resource version, for `resource_version_uuids`.
fn resource_versions(
    agent: &crate::agents::Agent,
) -> Vec<proto::mesos::internal::ResourceVersionUuid> {
    agent
        .resource_version
        .iter()
        .map(|uuid| proto::mesos::internal::ResourceVersionUuid {
            resource_provider_id: None,
            uuid: uuid.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staging(framework: &str, task: &str) -> Task {
        Task {
            framework_id: FrameworkId {
                value: framework.into(),
            },
            task_id: TaskId { value: task.into() },
            state: TaskState::TaskStaging as i32,
            ..Task::default()
        }
    }

    fn text(task: &TaskRecord) -> String {
        String::from_utf8(task.json_in_list(true).to_vec()).unwrap()
    }

    #[test]
    fn a_listed_task_is_its_json_with_a_comma_before_all_but_the_first() {
        let task = TaskRecord::new(staging("f", "t"));
        let first = text(&task);
        let json: serde_json::Value = serde_json::from_str(&first).unwrap();
        assert_eq!(json["id"], "t");
        assert_eq!(task.json_in_list(false), format!(",{first}").as_bytes());
    }

    #[test]
    fn a_changed_task_is_rendered_anew_while_older_views_keep_theirs() {
        let mut tasks = Tasks::default();
        tasks.insert(staging("f", "t"));
        let json = |table: &TaskTable| text(table.get("f", "t").unwrap());
        let before = tasks.shared_copy();
        assert!(json(&before).contains("\"TASK_STAGING\""));

        tasks.set_state("f", "t", TaskState::TaskRunning);
        let after = tasks.shared_copy();
        assert!(json(&after).contains("\"TASK_RUNNING\""));
        assert!(
            json(&before).contains("\"TASK_STAGING\""),
            "a view taken before the change shows the task as it was"
        );
        assert_eq!(tasks.count(TaskState::TaskRunning), 1);
        assert_eq!(tasks.count(TaskState::TaskStaging), 0);
    }

    #[test]
    fn usage_follows_tasks_until_they_end() {
        let with_cpus = |task: &str, cpus: &str| Task {
            slave_id: SlaveId { value: "a".into() },
            resources: Resources::parse(cpus, "*").unwrap().to_protos(),
            ..staging("f", task)
        };
        let mut tasks = Tasks::default();
        tasks.insert(with_cpus("t1", "cpus:1"));
        tasks.insert(with_cpus("t2", "cpus:2"));
        let used = |tasks: &Tasks| tasks.shared_usage().by_agent.get("a").cloned();
        assert_eq!(used(&tasks), Some(Resources::parse("cpus:3", "*").unwrap()));
        assert_eq!(
            tasks.shared_usage().by_framework.get("f").cloned(),
            Some(Resources::parse("cpus:3", "*").unwrap())
        );

        tasks.set_state("f", "t1", TaskState::TaskRunning);
        assert_eq!(used(&tasks), Some(Resources::parse("cpus:3", "*").unwrap()));
        tasks.set_state("f", "t1", TaskState::TaskFinished);
        assert_eq!(used(&tasks), Some(Resources::parse("cpus:2", "*").unwrap()));
        tasks.remove("f", "t1");
        assert_eq!(used(&tasks), Some(Resources::parse("cpus:2", "*").unwrap()));
        tasks.remove("f", "t2");
        assert_eq!(used(&tasks), None, "nothing is left in use");
        assert!(tasks.shared_usage().by_framework.is_empty());
    }

    #[test]
    fn an_unshared_task_changes_in_place_and_drops_what_was_worked_out() {
        let mut tasks = Tasks::default();
        tasks.insert(staging("f", "t"));
        let json = |tasks: &Tasks| text(tasks.tasks.get("f", "t").unwrap());
        assert!(json(&tasks).contains("\"TASK_STAGING\""));
        tasks.set_state("f", "t", TaskState::TaskKilling);
        assert!(json(&tasks).contains("\"TASK_KILLING\""));
    }

    #[test]
    fn the_table_lists_a_frameworks_tasks_in_task_id_order_and_forgets_empty_frameworks() {
        let mut tasks = Tasks::default();
        for (framework, task) in [("f2", "b"), ("f1", "c"), ("f2", "a"), ("f1", "a")] {
            tasks.insert(staging(framework, task));
        }
        let ids = |table: &TaskTable, framework: &str| -> Vec<String> {
            let listed = table.of_framework(framework);
            listed.map(|task| task.task_id.value.clone()).collect()
        };
        let table = tasks.shared_copy();
        assert_eq!(ids(&table, "f1"), ["a", "c"]);
        assert_eq!(ids(&table, "f2"), ["a", "b"]);
        let all: Vec<_> = table
            .values()
            .map(|t| (t.framework_id.value.as_str(), t.task_id.value.as_str()))
            .collect();
        assert_eq!(all, [("f1", "a"), ("f1", "c"), ("f2", "a"), ("f2", "b")]);
        let without_a = table.filtered(|_, task| task.task_id.value != "a");
        assert_eq!(ids(&without_a, "f1"), ["c"]);
        assert_eq!(ids(&table, "f1"), ["a", "c"], "the original is untouched");

        tasks.remove("f2", "a");
        tasks.remove("f2", "b");
        assert!(tasks.shared_copy().0.get("f2").is_none());
        assert!(ids(&tasks.shared_copy(), "f2").is_empty());
    }
}
