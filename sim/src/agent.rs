//! One simulated agent: a libprocess process `slave(N)` that behaves on the
//! wire as a Mesos 1.11 agent does (`src/slave/slave.cpp`).
//!
//! # Registration
//!
//! When a leader is detected the agent waits a random fraction of
//! `--registration_backoff_factor`, links to the master and sends
//! `RegisterSlaveMessage` (no id yet) or `ReregisterSlaveMessage` (with its
//! id, frameworks, tasks, executors and completed frameworks), retrying
//! after a random delay below a bound that doubles up to one minute until
//! `SlaveRegisteredMessage`/`SlaveReregisteredMessage` arrives from that
//! master. It then sends `UpdateSlaveMessage` (its unacknowledged
//! operations, no resource providers) and resumes its status updates.
//!
//! # Offer operations
//!
//! `ApplyOperationMessage` (RESERVE, UNRESERVE, CREATE, DESTROY, GROW and
//! SHRINK volumes) is applied to the agent's resources at once and
//! reported `OPERATION_FINISHED` (or `OPERATION_FAILED` if the resources
//! are not there) in `UpdateOperationStatusMessage`, resent on the same
//! schedule as task status updates until `AcknowledgeOperationStatusMessage`
//! names it; `CheckpointResourcesMessage` replaces the agent's reservations
//! and volumes. Both survive a restart (with a work directory) and go to
//! every master in `checkpointed_resources`; unacknowledged operations are
//! listed in `UpdateSlaveMessage` (see [`crate::operations`]).
//!
//! # Health
//!
//! Every `PingSlaveMessage` is answered with `PongSlaveMessage` to its
//! sender (`slave-observer(N)`). When no ping arrives within the master's
//! announced total ping timeout (75 s if it announced none) the agent
//! re-detects the master and reregisters; so does a ping that says the
//! master considers the agent disconnected.
//!
//! # Tasks and status updates
//!
//! `RunTaskMessage`/`RunTaskGroupMessage` from the master start tasks
//! through the fleet's [`TaskRunner`](crate::TaskRunner): `TASK_STARTING`,
//! `TASK_RUNNING`, then the terminal state the runner reports.
//! `KillTaskMessage` sends `TASK_KILLING` (to frameworks with that
//! capability) and stops the task. Each task's updates form a stream, as in
//! the agent's task status update manager: one update in flight at a time,
//! the next sent when the master acknowledges the previous one, an
//! unacknowledged one resent after 10 s, then 20 s, 40 s, ... up to 10
//! minutes, and nothing sent while disconnected (everything pending is
//! resent on reregistration). A task acknowledged in a terminal state is
//! completed; a framework with nothing left is archived.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libprocess::{Context, Process, Timer, Upid};
use proto::mesos::internal::DrainSlaveMessage;
use proto::mesos::internal::{
    AcknowledgeOperationStatusMessage, ApplyOperationMessage, CheckpointResourcesMessage,
    ExitedExecutorMessage, KillTaskMessage, PingSlaveMessage, PongSlaveMessage,
    RegisterSlaveMessage, ReregisterSlaveMessage, RunTaskGroupMessage, RunTaskMessage,
    ShutdownFrameworkMessage, ShutdownMessage, SlaveRegisteredMessage, SlaveReregisteredMessage,
    StatusUpdate, StatusUpdateAcknowledgementMessage, StatusUpdateMessage, UpdateFrameworkMessage,
    UpdateSlaveMessage, archive, update_slave_message,
};
use proto::mesos::{
    ContainerId, ContainerStatus, DrainConfig, ExecutorId, ExecutorInfo, FrameworkId,
    FrameworkInfo, NetworkInfo, SlaveId, SlaveInfo, Task, TaskId, TaskInfo, TaskState, TaskStatus,
    Uuid, framework_info, network_info, slave_info, task_status,
};
use tokio::sync::oneshot;

use crate::checkpoint::{
    AgentCheckpoint, Checkpointer, FrameworkCheckpoint, OperationCheckpoint, StreamCheckpoint,
    TaskCheckpoint,
};
use crate::operations::{AgentResources, TrackedOperation};
use crate::rng::Rng;
use crate::runner::{RunningTask, TaskExit, TaskRunner};

/// The version the agent reports, as `MESOS_VERSION`.
pub const MESOS_VERSION: &str = "1.11.0";

/// `STATUS_UPDATE_RETRY_INTERVAL_MIN` and `_MAX` in `slave/constants.hpp`.
pub const STATUS_UPDATE_RETRY_INTERVAL_MIN: Duration = Duration::from_secs(10);
pub const STATUS_UPDATE_RETRY_INTERVAL_MAX: Duration = Duration::from_secs(600);
/// `REGISTER_RETRY_INTERVAL_MAX`.
pub const REGISTER_RETRY_INTERVAL_MAX: Duration = Duration::from_secs(60);
/// `DEFAULT_MASTER_PING_TIMEOUT()`: 15 s agent ping timeout times 5.
pub const DEFAULT_MASTER_PING_TIMEOUT: Duration = Duration::from_secs(75);
/// `MAX_COMPLETED_FRAMEWORKS`.
const MAX_COMPLETED_FRAMEWORKS: usize = 50;
/// Completed tasks kept per framework: a command executor runs one task and
/// the agent keeps 150 completed executors per framework by default.
const MAX_COMPLETED_TASKS_PER_FRAMEWORK: usize = 150;

/// The agent capabilities a 1.11 agent advertises, in its order.
pub const AGENT_CAPABILITIES: [slave_info::capability::Type; 8] = [
    slave_info::capability::Type::MultiRole,
    slave_info::capability::Type::HierarchicalRole,
    slave_info::capability::Type::ReservationRefinement,
    slave_info::capability::Type::ResourceProvider,
    slave_info::capability::Type::ResizeVolume,
    slave_info::capability::Type::AgentOperationFeedback,
    slave_info::capability::Type::AgentDraining,
    slave_info::capability::Type::TaskResourceLimits,
];

/// What every agent of a fleet shares.
#[derive(Debug)]
pub(crate) struct Shared {
    /// `SlaveInfo` without an id.
    pub slave_info: SlaveInfo,
    /// `slave_info.resources`, for arithmetic.
    pub resources: resources::Resources,
    pub capabilities: Vec<slave_info::Capability>,
    /// The ip put into `ContainerStatus.network_infos`.
    pub ip: String,
    pub work_dir: Option<PathBuf>,
    pub seed: u64,
    pub registration_backoff_factor: Duration,
    pub runner: Arc<dyn TaskRunner>,
    /// The leader the fleet's detector last reported.
    pub leader: RwLock<Option<Upid>>,
}

/// A snapshot of one agent, for tests and the simulator's progress log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentStatus {
    pub pid: Upid,
    /// The id the master gave it, once it has one.
    pub slave_id: Option<String>,
    /// Registered (or reregistered) with the current master.
    pub registered: bool,
    /// Pings answered since the simulator started.
    pub pings: u64,
    /// Tasks not yet completed: running, or terminal but unacknowledged.
    pub tasks: usize,
    /// Status updates waiting for an acknowledgement.
    pub pending_updates: usize,
    /// Operations whose status waits for an acknowledgement.
    pub pending_operations: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Disconnected,
    Running,
    Terminating,
}

struct Framework {
    info: FrameworkInfo,
    pid: Option<String>,
    tasks: BTreeMap<String, LiveTask>,
    completed_tasks: VecDeque<Task>,
    /// Executors other than generated command executors, by id.
    executors: BTreeMap<String, ExecutorInfo>,
}

impl Framework {
    fn has_capability(&self, capability: framework_info::capability::Type) -> bool {
        self.info
            .capabilities
            .iter()
            .any(|c| c.r#type == Some(capability as i32))
    }

    fn idle(&self) -> bool {
        self.tasks.is_empty() && self.executors.is_empty()
    }
}

struct LiveTask {
    task: Task,
    info: TaskInfo,
    container_id: String,
    executor_pid: Option<u32>,
    /// Stops the running task; dropping it stops it too.
    kill: Option<oneshot::Sender<()>>,
}

impl LiveTask {
    fn executor_id(&self) -> String {
        self.task
            .executor_id
            .as_ref()
            .map_or_else(|| self.task.task_id.value.clone(), |id| id.value.clone())
    }
}

/// (framework id, task id)
type StreamKey = (String, String);

#[derive(Default)]
struct UpdateStream {
    pending: VecDeque<StatusUpdate>,
    /// Counts forwards, so that a retry timer of an earlier one is ignored.
    attempt: u64,
    timer: Option<Timer>,
}

impl UpdateStream {
    fn cancel_timer(&mut self) {
        if let Some(timer) = self.timer.take() {
            timer.cancel();
        }
    }
}

/// Delivery of one operation's status update.
struct OperationRetry {
    /// Counts sends, so that a retry timer of an earlier one is ignored.
    attempt: u64,
    timer: Timer,
}

/// One simulated agent.
pub(crate) struct Agent {
    shared: Arc<Shared>,
    info: SlaveInfo,
    resource_version: Vec<u8>,
    state: State,
    master: Option<Upid>,
    registration_timer: Option<Timer>,
    ping_timer: Option<Timer>,
    ping_generation: u64,
    ping_timeout: Duration,
    pings: u64,
    rng: Rng,
    frameworks: BTreeMap<String, Framework>,
    completed_frameworks: VecDeque<archive::Framework>,
    streams: BTreeMap<StreamKey, UpdateStream>,
    drain: Option<DrainConfig>,
    checkpointer: Option<Checkpointer>,
    resources: AgentResources,
    /// By operation UUID.
    operation_retries: BTreeMap<Vec<u8>, OperationRetry>,
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

fn is_terminal(state: i32) -> bool {
    matches!(
        TaskState::try_from(state),
        Ok(TaskState::TaskFinished
            | TaskState::TaskFailed
            | TaskState::TaskKilled
            | TaskState::TaskError
            | TaskState::TaskLost
            | TaskState::TaskDropped
            | TaskState::TaskGone
            | TaskState::TaskGoneByOperator)
    )
}

/// Mesos's `protobuf::createTask`: the agent's record of a task it was given.
fn create_task(info: &TaskInfo, state: TaskState, framework_id: &FrameworkId) -> Task {
    Task {
        name: info.name.clone(),
        task_id: info.task_id.clone(),
        framework_id: framework_id.clone(),
        executor_id: info
            .executor
            .as_ref()
            .map(|executor| executor.executor_id.clone()),
        slave_id: info.slave_id.clone(),
        state: state as i32,
        resources: info.resources.clone(),
        limits: info.limits.clone(),
        labels: info.labels.clone(),
        discovery: info.discovery.clone(),
        container: info.container.clone(),
        health_check: info.health_check.clone(),
        kill_policy: info.kill_policy,
        user: info
            .command
            .as_ref()
            .and_then(|command| command.user.clone())
            .or_else(|| {
                info.executor
                    .as_ref()
                    .and_then(|executor| executor.command.as_ref())
                    .and_then(|command| command.user.clone())
            }),
        ..Task::default()
    }
}

/// A pid the agent can send to: the empty UPID (`@0.0.0.0:0`, what v1
/// frameworks have) is none.
fn framework_pid(pid: Option<String>) -> Option<String> {
    pid.filter(|pid| Upid::parse_lenient(pid).is_valid())
}

impl Agent {
    /// Agent `slave(<index>)`, picking up where `checkpoint` left off.
    pub(crate) fn new(
        shared: Arc<Shared>,
        index: usize,
        checkpoint: Option<AgentCheckpoint>,
    ) -> Agent {
        let mut rng = Rng::for_agent(shared.seed, index);
        let checkpointer = shared
            .work_dir
            .as_deref()
            .map(|work_dir| Checkpointer::new(work_dir, index));
        let mut agent = Agent {
            info: shared.slave_info.clone(),
            // A new resource version every start, as a restarted agent has.
            resource_version: rng.uuid(),
            state: State::Disconnected,
            master: None,
            registration_timer: None,
            ping_timer: None,
            ping_generation: 0,
            ping_timeout: DEFAULT_MASTER_PING_TIMEOUT,
            pings: 0,
            rng,
            frameworks: BTreeMap::new(),
            completed_frameworks: VecDeque::new(),
            streams: BTreeMap::new(),
            drain: None,
            checkpointer,
            resources: AgentResources::new(&shared.resources),
            operation_retries: BTreeMap::new(),
            shared,
        };
        if let Some(checkpoint) = checkpoint {
            agent.restore(checkpoint);
        }
        agent
    }

    fn restore(&mut self, checkpoint: AgentCheckpoint) {
        self.info.id = checkpoint.slave_id;
        self.drain = checkpoint.drain_config;
        if let Err(error) = self
            .resources
            .checkpoint(&checkpoint.checkpointed_resources)
        {
            tracing::error!(%error, "the checkpointed resources do not fit the agent's; dropping them");
        }
        self.resources.restore(
            checkpoint
                .operations
                .into_iter()
                .filter_map(|checkpointed| {
                    Some(TrackedOperation {
                        operation: checkpointed.operation?,
                        update: checkpointed.update?,
                    })
                })
                .collect(),
        );
        self.completed_frameworks = checkpoint.completed_frameworks.into();
        for framework in checkpoint.frameworks {
            let Some(info) = framework.info else { continue };
            let Some(id) = info.id.as_ref().map(|id| id.value.clone()) else {
                continue;
            };
            let tasks = framework
                .tasks
                .into_iter()
                .filter_map(|task| {
                    let (Some(record), Some(info)) = (task.task, task.info) else {
                        return None;
                    };
                    Some((
                        record.task_id.value.clone(),
                        LiveTask {
                            task: record,
                            info,
                            container_id: task.container_id,
                            executor_pid: None,
                            kill: None,
                        },
                    ))
                })
                .collect();
            let executors = framework
                .executors
                .into_iter()
                .map(|executor| (executor.executor_id.value.clone(), executor))
                .collect();
            self.frameworks.insert(
                id,
                Framework {
                    info,
                    pid: framework.pid,
                    tasks,
                    completed_tasks: framework.completed_tasks.into(),
                    executors,
                },
            );
        }
        for stream in checkpoint.streams {
            let (Some(framework_id), Some(task_id)) = (stream.framework_id, stream.task_id) else {
                continue;
            };
            self.streams.insert(
                (framework_id.value, task_id.value),
                UpdateStream {
                    pending: stream.pending.into(),
                    ..UpdateStream::default()
                },
            );
        }
    }

    /// Writes the durable state, when the fleet has a work directory.
    fn checkpoint(&self) {
        let Some(checkpointer) = &self.checkpointer else {
            return;
        };
        let checkpoint = AgentCheckpoint {
            slave_id: self.info.id.clone(),
            frameworks: self
                .frameworks
                .values()
                .map(|framework| FrameworkCheckpoint {
                    info: Some(framework.info.clone()),
                    pid: framework.pid.clone(),
                    tasks: framework
                        .tasks
                        .values()
                        .map(|task| TaskCheckpoint {
                            task: Some(task.task.clone()),
                            info: Some(task.info.clone()),
                            container_id: task.container_id.clone(),
                        })
                        .collect(),
                    completed_tasks: framework.completed_tasks.iter().cloned().collect(),
                    executors: framework.executors.values().cloned().collect(),
                })
                .collect(),
            completed_frameworks: self.completed_frameworks.iter().cloned().collect(),
            streams: self
                .streams
                .iter()
                .filter(|(_, stream)| !stream.pending.is_empty())
                .map(|((framework_id, task_id), stream)| StreamCheckpoint {
                    framework_id: Some(FrameworkId {
                        value: framework_id.clone(),
                    }),
                    task_id: Some(TaskId {
                        value: task_id.clone(),
                    }),
                    pending: stream.pending.iter().cloned().collect(),
                })
                .collect(),
            drain_config: self.drain,
            checkpointed_resources: self.resources.checkpointed(),
            operations: self
                .resources
                .operations()
                .map(|tracked| OperationCheckpoint {
                    operation: Some(tracked.operation.clone()),
                    update: Some(tracked.update.clone()),
                })
                .collect(),
        };
        if let Err(error) = checkpointer.store(&checkpoint) {
            tracing::error!(%error, "failed to checkpoint the agent");
        }
    }

    pub(crate) fn status(&self, pid: &Upid) -> AgentStatus {
        AgentStatus {
            pid: pid.clone(),
            slave_id: self.info.id.as_ref().map(|id| id.value.clone()),
            registered: self.state == State::Running,
            pings: self.pings,
            tasks: self.frameworks.values().map(|f| f.tasks.len()).sum(),
            pending_updates: self.streams.values().map(|s| s.pending.len()).sum(),
            pending_operations: self.resources.pending_operations(),
        }
    }

    fn slave_id(&self) -> SlaveId {
        self.info.id.clone().unwrap_or_default()
    }

    fn is_from_master(&self, from: &Upid, what: &str) -> bool {
        if self.master.as_ref() == Some(from) {
            return true;
        }
        tracing::warn!(
            %from, master = ?self.master.as_ref().map(ToString::to_string),
            "ignoring {what} because it is not from the expected master"
        );
        false
    }

    // ---- Detection and registration ----

    /// A (possibly new, possibly no) leading master was detected.
    pub(crate) fn detected(&mut self, ctx: &mut Context<Self>, leader: Option<Upid>) {
        if self.state != State::Terminating {
            self.state = State::Disconnected;
        }
        self.cancel_ping_timer();
        if let Some(timer) = self.registration_timer.take() {
            timer.cancel();
        }
        self.master = leader.clone();
        let Some(master) = leader else {
            tracing::info!(agent = %ctx.pid(), "lost leading master");
            return;
        };
        if self.state == State::Terminating {
            return;
        }
        tracing::debug!(agent = %ctx.pid(), %master, "new master detected");
        let factor = self.shared.registration_backoff_factor;
        let delay = factor.mul_f64(self.rng.fraction());
        self.registration_timer = Some(ctx.delay(delay, move |agent: &mut Agent, ctx| {
            agent.register(ctx, factor * 2);
        }));
    }

    /// The detector's answer again, as after a discarded detection.
    fn redetect(&mut self, ctx: &mut Context<Self>) {
        let leader = self
            .shared
            .leader
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        self.detected(ctx, leader);
    }

    /// `doReliableRegistration`.
    fn register(&mut self, ctx: &mut Context<Self>, max_backoff: Duration) {
        let Some(master) = self.master.clone() else {
            return;
        };
        if self.state != State::Disconnected {
            return;
        }
        ctx.link(&master);
        if self.info.id.is_none() {
            ctx.send_protobuf(&master, &self.register_message());
        } else {
            ctx.send_protobuf(&master, &self.reregister_message());
        }
        let max_backoff = max_backoff.min(REGISTER_RETRY_INTERVAL_MAX);
        let delay = max_backoff.mul_f64(self.rng.fraction());
        if let Some(timer) = self.registration_timer.take() {
            timer.cancel();
        }
        self.registration_timer = Some(ctx.delay(delay, move |agent: &mut Agent, ctx| {
            agent.register(ctx, max_backoff * 2);
        }));
    }

    fn resource_version(&self) -> Uuid {
        Uuid {
            value: self.resource_version.clone(),
        }
    }

    fn register_message(&self) -> RegisterSlaveMessage {
        RegisterSlaveMessage {
            slave: self.info.clone(),
            checkpointed_resources: self.resources.checkpointed(),
            version: Some(MESOS_VERSION.to_owned()),
            agent_capabilities: self.shared.capabilities.clone(),
            resource_version_uuid: Some(self.resource_version()),
        }
    }

    fn reregister_message(&self) -> ReregisterSlaveMessage {
        let mut message = ReregisterSlaveMessage {
            slave: self.info.clone(),
            checkpointed_resources: self.resources.checkpointed(),
            version: Some(MESOS_VERSION.to_owned()),
            agent_capabilities: self.shared.capabilities.clone(),
            resource_version_uuid: Some(self.resource_version()),
            ..ReregisterSlaveMessage::default()
        };
        for framework in self.frameworks.values() {
            message.frameworks.push(framework.info.clone());
            message
                .tasks
                .extend(framework.tasks.values().map(|task| task.task.clone()));
            // Generated command executors are not reported: the master
            // does not keep them.
            message
                .executor_infos
                .extend(framework.executors.values().cloned());
        }
        message.completed_frameworks = self.completed_frameworks.iter().cloned().collect();
        message
    }

    fn update_slave_message(&self) -> UpdateSlaveMessage {
        UpdateSlaveMessage {
            slave_id: self.slave_id(),
            update_oversubscribed_resources: Some(false),
            oversubscribed_resources: Vec::new(),
            operations: Some(update_slave_message::Operations {
                operations: self
                    .resources
                    .operations()
                    .map(|tracked| tracked.operation.clone())
                    .collect(),
            }),
            resource_version_uuid: Some(self.resource_version()),
            resource_providers: Some(update_slave_message::ResourceProviders::default()),
        }
    }

    fn registered(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        message: SlaveRegisteredMessage,
    ) {
        if !self.is_from_master(from, "registration") {
            return;
        }
        self.ping_timeout = announced_ping_timeout(message.connection.as_ref());
        match self.state {
            State::Disconnected => {
                tracing::info!(agent = %ctx.pid(), id = %message.slave_id.value, "registered with master");
                self.state = State::Running;
                if let Some(timer) = self.registration_timer.take() {
                    timer.cancel();
                }
                self.info.id = Some(message.slave_id);
                self.checkpoint();
                self.reset_ping_timer(ctx);
            }
            State::Running => {
                if self.info.id.as_ref() != Some(&message.slave_id) {
                    tracing::error!(
                        agent = %ctx.pid(), given = %message.slave_id.value,
                        "registered but got a different id; shutting this agent down"
                    );
                    self.shut_down(ctx);
                    return;
                }
                tracing::warn!(agent = %ctx.pid(), "already registered");
            }
            State::Terminating => return,
        }
        self.announce_and_resume(ctx);
    }

    fn reregistered(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        message: SlaveReregisteredMessage,
    ) {
        if !self.is_from_master(from, "reregistration") {
            return;
        }
        if self.info.id.as_ref() != Some(&message.slave_id) {
            tracing::error!(
                agent = %ctx.pid(), given = %message.slave_id.value,
                "reregistered but got a different id; shutting this agent down"
            );
            self.shut_down(ctx);
            return;
        }
        self.ping_timeout = announced_ping_timeout(message.connection.as_ref());
        match self.state {
            State::Disconnected => {
                tracing::info!(agent = %ctx.pid(), "reregistered with master");
                self.state = State::Running;
                if let Some(timer) = self.registration_timer.take() {
                    timer.cancel();
                }
                self.reset_ping_timer(ctx);
            }
            State::Running => tracing::warn!(agent = %ctx.pid(), "already reregistered"),
            State::Terminating => return,
        }
        self.announce_and_resume(ctx);
        self.reconcile(ctx, &message);
    }

    /// After (re)registration: tell the master the resource state, then
    /// resend whatever status updates wait.
    fn announce_and_resume(&mut self, ctx: &mut Context<Self>) {
        if let Some(master) = &self.master {
            ctx.send_protobuf(master, &self.update_slave_message());
        }
        self.resume(ctx);
    }

    /// Tasks the master knows but this agent does not end as LOST (or
    /// DROPPED for partition-aware frameworks).
    fn reconcile(&mut self, ctx: &mut Context<Self>, message: &SlaveReregisteredMessage) {
        for reconciliation in &message.reconciliations {
            let framework = self.frameworks.get(&reconciliation.framework_id.value);
            let partition_aware = reconciliation.framework.as_ref().is_some_and(|info| {
                info.capabilities.iter().any(|c| {
                    c.r#type == Some(framework_info::capability::Type::PartitionAware as i32)
                })
            });
            let unknown: Vec<TaskId> = reconciliation
                .statuses
                .iter()
                .filter(|status| {
                    framework.is_none_or(|f| !f.tasks.contains_key(&status.task_id.value))
                })
                .map(|status| status.task_id.clone())
                .collect();
            for task_id in unknown {
                let state = if partition_aware {
                    TaskState::TaskDropped
                } else {
                    TaskState::TaskLost
                };
                let update = self.agent_update(
                    &reconciliation.framework_id,
                    &task_id,
                    state,
                    "Reconciliation: task unknown to the agent",
                    task_status::Reason::Reconciliation,
                );
                self.status_update(ctx, update);
            }
        }
    }

    // ---- Health ----

    fn ping(&mut self, ctx: &mut Context<Self>, from: &Upid, message: PingSlaveMessage) {
        self.pings += 1;
        if !message.connected && self.state == State::Running {
            tracing::info!(
                agent = %ctx.pid(),
                "master marked the agent as disconnected but the agent considers itself registered; forcing reregistration"
            );
            self.redetect(ctx);
        }
        self.reset_ping_timer(ctx);
        ctx.send_protobuf(from, &PongSlaveMessage {});
    }

    fn cancel_ping_timer(&mut self) {
        if let Some(timer) = self.ping_timer.take() {
            timer.cancel();
        }
    }

    fn reset_ping_timer(&mut self, ctx: &mut Context<Self>) {
        self.cancel_ping_timer();
        self.ping_generation += 1;
        let generation = self.ping_generation;
        self.ping_timer = Some(ctx.delay(self.ping_timeout, move |agent: &mut Agent, ctx| {
            // A later ping may have raced this timer; only the latest counts.
            if agent.ping_generation == generation {
                tracing::info!(
                    agent = %ctx.pid(), timeout = ?agent.ping_timeout,
                    "no pings from master received within the ping timeout"
                );
                agent.redetect(ctx);
            }
        }));
    }

    // ---- Tasks ----

    fn run_task(&mut self, ctx: &mut Context<Self>, from: &Upid, message: RunTaskMessage) {
        if !self.is_from_master(from, "run task message") {
            return;
        }
        self.launch(
            ctx,
            message.framework,
            message.pid,
            vec![message.task],
            None,
            message.launch_executor,
        );
    }

    fn run_task_group(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        message: RunTaskGroupMessage,
    ) {
        if !self.is_from_master(from, "run task group message") {
            return;
        }
        self.launch(
            ctx,
            message.framework,
            None,
            message.task_group.tasks,
            Some(message.executor),
            message.launch_executor,
        );
    }

    fn launch(
        &mut self,
        ctx: &mut Context<Self>,
        framework_info: FrameworkInfo,
        pid: Option<String>,
        tasks: Vec<TaskInfo>,
        group_executor: Option<ExecutorInfo>,
        launch_executor: Option<bool>,
    ) {
        let Some(framework_id) = framework_info.id.clone() else {
            tracing::error!(agent = %ctx.pid(), "ignoring tasks of a framework without an id");
            return;
        };
        if self.state == State::Terminating {
            return;
        }
        let framework = self
            .frameworks
            .entry(framework_id.value.clone())
            .or_insert_with(|| Framework {
                info: framework_info.clone(),
                pid: None,
                tasks: BTreeMap::new(),
                completed_tasks: VecDeque::new(),
                executors: BTreeMap::new(),
            });
        framework.info = framework_info;
        if let Some(pid) = framework_pid(pid) {
            framework.pid = Some(pid);
        }

        if self.drain.is_some() {
            self.refuse_while_draining(ctx, &framework_id, &tasks, group_executor, launch_executor);
            return;
        }

        for info in tasks {
            let executor = group_executor.clone().or_else(|| info.executor.clone());
            let framework = self
                .frameworks
                .get_mut(&framework_id.value)
                .expect("inserted above");
            if let Some(mut executor) = executor {
                executor.framework_id = Some(framework_id.clone());
                framework
                    .executors
                    .insert(executor.executor_id.value.clone(), executor);
            }
            let mut task = create_task(&info, TaskState::TaskStaging, &framework_id);
            if let Some(executor) = &group_executor {
                task.executor_id = Some(executor.executor_id.clone());
            }
            let task_id = info.task_id.value.clone();
            let container_id = self.rng.uuid_string();
            let framework = self
                .frameworks
                .get_mut(&framework_id.value)
                .expect("inserted above");
            framework.tasks.insert(
                task_id.clone(),
                LiveTask {
                    task,
                    info,
                    container_id,
                    executor_pid: None,
                    kill: None,
                },
            );
            self.start_task(ctx, &framework_id.value, &task_id, false);
        }
        self.checkpoint();
    }

    /// Tasks that arrive while draining are dropped.
    fn refuse_while_draining(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &FrameworkId,
        tasks: &[TaskInfo],
        group_executor: Option<ExecutorInfo>,
        launch_executor: Option<bool>,
    ) {
        let partition_aware = self.frameworks[&framework_id.value]
            .has_capability(framework_info::capability::Type::PartitionAware);
        let state = if partition_aware {
            TaskState::TaskDropped
        } else {
            TaskState::TaskLost
        };
        for info in tasks {
            let update = self.agent_update(
                framework_id,
                &info.task_id,
                state,
                "Task was received while agent was already draining",
                task_status::Reason::SlaveDraining,
            );
            self.status_update(ctx, update);
        }
        if launch_executor == Some(true)
            && let Some(master) = &self.master
        {
            // The master expects an executor for these tasks; tell it none runs.
            let executor_id = group_executor
                .map(|executor| executor.executor_id)
                .or_else(|| {
                    tasks
                        .first()
                        .and_then(|info| info.executor.clone())
                        .map(|e| e.executor_id)
                })
                .or_else(|| {
                    tasks.first().map(|info| ExecutorId {
                        value: info.task_id.value.clone(),
                    })
                });
            if let Some(executor_id) = executor_id {
                ctx.send_protobuf(
                    master,
                    &ExitedExecutorMessage {
                        slave_id: self.slave_id(),
                        framework_id: framework_id.clone(),
                        executor_id,
                        status: -1,
                    },
                );
            }
        }
        if self.frameworks[&framework_id.value].idle() {
            self.remove_framework(ctx, &framework_id.value);
        }
    }

    fn sandbox(&self, framework_id: &str, task: &LiveTask) -> Option<PathBuf> {
        let work_dir = self.shared.work_dir.as_ref()?;
        let path = work_dir
            .join("slaves")
            .join(self.slave_id().value)
            .join("frameworks")
            .join(framework_id)
            .join("executors")
            .join(task.executor_id())
            .join("runs")
            .join(&task.container_id);
        match std::fs::create_dir_all(&path) {
            Ok(()) => Some(path),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "cannot create the sandbox");
                None
            }
        }
    }

    /// Starts (or, after a restart, takes over) a task through the runner.
    fn start_task(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        task_id: &str,
        recovering: bool,
    ) {
        let Some(task) = self
            .frameworks
            .get(framework_id)
            .and_then(|framework| framework.tasks.get(task_id))
        else {
            return;
        };
        let (kill, killed) = oneshot::channel();
        let started = if recovering {
            self.shared.runner.recover(&task.info, killed)
        } else {
            let sandbox = self.sandbox(framework_id, task);
            self.shared
                .runner
                .start(&task.info, sandbox.as_deref(), killed)
        };
        match started {
            Ok(RunningTask { pid, exit }) => {
                if let Some(task) = self.task_mut(framework_id, task_id) {
                    task.executor_pid = pid;
                    task.kill = Some(kill);
                }
                if !recovering {
                    self.executor_update(
                        ctx,
                        framework_id,
                        task_id,
                        TaskState::TaskStarting,
                        None,
                        None,
                    );
                    self.executor_update(
                        ctx,
                        framework_id,
                        task_id,
                        TaskState::TaskRunning,
                        None,
                        None,
                    );
                }
                let agent = ctx.handle();
                let (framework_id, task_id) = (framework_id.to_owned(), task_id.to_owned());
                tokio::spawn(async move {
                    let exit = exit.await;
                    agent.dispatch(move |agent, ctx| {
                        agent.task_ended(ctx, &framework_id, &task_id, exit)
                    });
                });
            }
            Err(exit) => self.task_ended(ctx, framework_id, task_id, exit),
        }
    }

    fn task_mut(&mut self, framework_id: &str, task_id: &str) -> Option<&mut LiveTask> {
        self.frameworks
            .get_mut(framework_id)
            .and_then(|framework| framework.tasks.get_mut(task_id))
    }

    /// The runner says the task is over.
    fn task_ended(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        task_id: &str,
        exit: TaskExit,
    ) {
        let Some(task) = self.task_mut(framework_id, task_id) else {
            // Its framework was shut down meanwhile.
            return;
        };
        if is_terminal(task.task.state) {
            return;
        }
        task.kill = None;
        let executor_id = task.executor_id();
        self.executor_update(
            ctx,
            framework_id,
            task_id,
            exit.state,
            Some(exit.message),
            exit.reason,
        );
        self.executor_maybe_exited(ctx, framework_id, &executor_id);
        self.checkpoint();
    }

    /// A non-command executor exits once none of its tasks is live; the
    /// master is told with `ExitedExecutorMessage`.
    fn executor_maybe_exited(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        executor_id: &str,
    ) {
        let Some(framework) = self.frameworks.get_mut(framework_id) else {
            return;
        };
        if !framework.executors.contains_key(executor_id) {
            return;
        }
        let live = framework
            .tasks
            .values()
            .any(|task| task.executor_id() == executor_id && !is_terminal(task.task.state));
        if live {
            return;
        }
        framework.executors.remove(executor_id);
        let idle = framework.idle();
        if let Some(master) = &self.master {
            ctx.send_protobuf(
                master,
                &ExitedExecutorMessage {
                    slave_id: self.slave_id(),
                    framework_id: FrameworkId {
                        value: framework_id.to_owned(),
                    },
                    executor_id: ExecutorId {
                        value: executor_id.to_owned(),
                    },
                    status: 0,
                },
            );
        }
        if idle {
            self.remove_framework(ctx, framework_id);
        }
    }

    fn kill_task(&mut self, ctx: &mut Context<Self>, from: &Upid, message: KillTaskMessage) {
        if !self.is_from_master(from, "kill task message") || self.state == State::Terminating {
            return;
        }
        let framework_id = message.framework_id.value.as_str();
        let task_id = message.task_id.value.as_str();
        let Some(framework) = self.frameworks.get(framework_id) else {
            tracing::warn!(agent = %ctx.pid(), framework_id, task_id, "ignoring kill of a task of an unknown framework");
            return;
        };
        match framework.tasks.get(task_id) {
            None => {
                // Never launched here: the task is gone as far as the agent knows.
                let state =
                    if framework.has_capability(framework_info::capability::Type::PartitionAware) {
                        TaskState::TaskDropped
                    } else {
                        TaskState::TaskLost
                    };
                let update = self.agent_update(
                    &message.framework_id,
                    &message.task_id,
                    state,
                    "Cannot find executor",
                    task_status::Reason::ExecutorTerminated,
                );
                self.status_update(ctx, update);
                self.checkpoint();
            }
            Some(task) if is_terminal(task.task.state) => {}
            Some(_) => {
                self.kill(ctx, framework_id, task_id);
                self.checkpoint();
            }
        }
    }

    /// What the command executor does on a kill: `TASK_KILLING` if the
    /// framework understands it, then stop the task.
    fn kill(&mut self, ctx: &mut Context<Self>, framework_id: &str, task_id: &str) {
        let Some(framework) = self.frameworks.get(framework_id) else {
            return;
        };
        let announce = framework.has_capability(framework_info::capability::Type::TaskKillingState)
            && framework
                .tasks
                .get(task_id)
                .is_some_and(|task| task.task.state != TaskState::TaskKilling as i32);
        if announce {
            self.executor_update(
                ctx,
                framework_id,
                task_id,
                TaskState::TaskKilling,
                None,
                None,
            );
        }
        if let Some(kill) = self
            .task_mut(framework_id, task_id)
            .and_then(|task| task.kill.take())
        {
            let _finished_meanwhile = kill.send(());
        }
    }

    fn shutdown_framework(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        message: ShutdownFrameworkMessage,
    ) {
        if !self.is_from_master(from, "shutdown framework message") {
            return;
        }
        if self.state != State::Running {
            tracing::warn!(agent = %ctx.pid(), "ignoring shutdown framework message: not registered");
            return;
        }
        self.terminate_framework(ctx, &message.framework_id.value);
        self.checkpoint();
    }

    /// Stops every task of the framework without status updates (a
    /// terminating framework cannot acknowledge them) and archives it.
    fn terminate_framework(&mut self, ctx: &mut Context<Self>, framework_id: &str) {
        let Some(framework) = self.frameworks.get_mut(framework_id) else {
            return;
        };
        tracing::info!(agent = %ctx.pid(), framework_id, "shutting down framework");
        for task in framework.tasks.values_mut() {
            // Dropping the sender stops the task; its end is then ignored.
            task.kill = None;
        }
        let executors: Vec<String> = std::mem::take(&mut framework.executors)
            .into_keys()
            .collect();
        if let Some(master) = &self.master {
            for executor_id in executors {
                ctx.send_protobuf(
                    master,
                    &ExitedExecutorMessage {
                        slave_id: self.slave_id(),
                        framework_id: FrameworkId {
                            value: framework_id.to_owned(),
                        },
                        executor_id: ExecutorId { value: executor_id },
                        status: -1,
                    },
                );
            }
        }
        self.remove_framework(ctx, framework_id);
    }

    /// Archives a framework and closes its status update streams.
    fn remove_framework(&mut self, ctx: &mut Context<Self>, framework_id: &str) {
        let Some(framework) = self.frameworks.remove(framework_id) else {
            return;
        };
        let closed: Vec<StreamKey> = self
            .streams
            .keys()
            .filter(|(framework, _)| framework == framework_id)
            .cloned()
            .collect();
        for key in closed {
            if let Some(mut stream) = self.streams.remove(&key) {
                stream.cancel_timer();
            }
        }
        let mut tasks: Vec<Task> = framework.completed_tasks.into_iter().collect();
        tasks.extend(framework.tasks.into_values().map(|task| task.task));
        self.completed_frameworks.push_back(archive::Framework {
            framework_info: framework.info,
            pid: framework.pid,
            tasks,
        });
        if self.completed_frameworks.len() > MAX_COMPLETED_FRAMEWORKS {
            self.completed_frameworks.pop_front();
        }
        if self.drain.is_some() && self.frameworks.is_empty() {
            tracing::info!(agent = %ctx.pid(), "agent finished draining");
            self.drain = None;
        }
    }

    fn update_framework(
        &mut self,
        ctx: &mut Context<Self>,
        _from: &Upid,
        message: UpdateFrameworkMessage,
    ) {
        if self.state != State::Running {
            tracing::warn!(agent = %ctx.pid(), "dropping framework update: not registered");
            return;
        }
        let Some(framework) = self.frameworks.get_mut(&message.framework_id.value) else {
            return;
        };
        if let Some(info) = message.framework_info {
            framework.info = info;
        }
        framework.pid = framework_pid(message.pid);
        // The framework may be back: resend what it has not acknowledged.
        self.resume(ctx);
        self.checkpoint();
    }

    fn drain(&mut self, ctx: &mut Context<Self>, _from: &Upid, message: DrainSlaveMessage) {
        if self.frameworks.is_empty() {
            tracing::info!(agent = %ctx.pid(), "asked to drain with no tasks: draining is already complete");
            return;
        }
        tracing::info!(agent = %ctx.pid(), "draining");
        self.drain = Some(message.config);
        let live: Vec<StreamKey> = self
            .frameworks
            .iter()
            .flat_map(|(framework_id, framework)| {
                framework
                    .tasks
                    .iter()
                    .filter(|(_, task)| !is_terminal(task.task.state))
                    .map(|(task_id, _)| (framework_id.clone(), task_id.clone()))
            })
            .collect();
        for (framework_id, task_id) in live {
            self.kill(ctx, &framework_id, &task_id);
        }
        self.checkpoint();
    }

    fn shutdown(&mut self, ctx: &mut Context<Self>, from: &Upid, message: ShutdownMessage) {
        if !self.is_from_master(from, "shutdown message") {
            return;
        }
        tracing::warn!(
            agent = %ctx.pid(), reason = message.message.as_deref().unwrap_or(""),
            "agent asked to shut down by the master"
        );
        self.shut_down(ctx);
    }

    /// Ends this agent: its frameworks are shut down and its process exits.
    fn shut_down(&mut self, ctx: &mut Context<Self>) {
        self.state = State::Terminating;
        let frameworks: Vec<String> = self.frameworks.keys().cloned().collect();
        for framework_id in frameworks {
            self.terminate_framework(ctx, &framework_id);
        }
        self.checkpoint();
        ctx.terminate();
    }

    // ---- Status updates ----

    /// An update from the task's executor, with its container's status.
    fn executor_update(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        task_id: &str,
        state: TaskState,
        message: Option<String>,
        reason: Option<task_status::Reason>,
    ) {
        let slave_id = self.slave_id();
        let uuid = self.rng.uuid();
        let ip = self.shared.ip.clone();
        let Some(task) = self.task_mut(framework_id, task_id) else {
            return;
        };
        let executor_id = ExecutorId {
            value: task.executor_id(),
        };
        let timestamp = now_secs();
        let status = TaskStatus {
            task_id: task.task.task_id.clone(),
            state: state as i32,
            message,
            source: Some(task_status::Source::Executor as i32),
            reason: reason.map(|reason| reason as i32),
            slave_id: Some(slave_id.clone()),
            executor_id: Some(executor_id.clone()),
            timestamp: Some(timestamp),
            uuid: Some(uuid.clone()),
            container_status: Some(ContainerStatus {
                container_id: Some(ContainerId {
                    value: task.container_id.clone(),
                    parent: None,
                }),
                network_infos: vec![NetworkInfo {
                    ip_addresses: vec![network_info::IpAddress {
                        protocol: None,
                        ip_address: Some(ip),
                    }],
                    ..NetworkInfo::default()
                }],
                cgroup_info: None,
                executor_pid: task.executor_pid,
            }),
            ..TaskStatus::default()
        };
        let update = StatusUpdate {
            framework_id: FrameworkId {
                value: framework_id.to_owned(),
            },
            executor_id: Some(executor_id),
            slave_id: Some(slave_id),
            status,
            timestamp,
            uuid: Some(uuid),
            latest_state: None,
        };
        self.status_update(ctx, update);
    }

    /// An update the agent itself generates (`SOURCE_SLAVE`).
    fn agent_update(
        &mut self,
        framework_id: &FrameworkId,
        task_id: &TaskId,
        state: TaskState,
        message: &str,
        reason: task_status::Reason,
    ) -> StatusUpdate {
        let uuid = self.rng.uuid();
        let timestamp = now_secs();
        StatusUpdate {
            framework_id: framework_id.clone(),
            executor_id: None,
            slave_id: Some(self.slave_id()),
            status: TaskStatus {
                task_id: task_id.clone(),
                state: state as i32,
                message: Some(message.to_owned()),
                source: Some(task_status::Source::Slave as i32),
                reason: Some(reason as i32),
                slave_id: Some(self.slave_id()),
                timestamp: Some(timestamp),
                uuid: Some(uuid.clone()),
                ..TaskStatus::default()
            },
            timestamp,
            uuid: Some(uuid),
            latest_state: None,
        }
    }

    /// Records an update against its task and queues it on the task's
    /// stream, sending it at once if nothing else is in flight.
    fn status_update(&mut self, ctx: &mut Context<Self>, mut update: StatusUpdate) {
        let framework_id = update.framework_id.value.clone();
        let task_id = update.status.task_id.value.clone();
        if let Some(drain) = &self.drain {
            let state = update.status.state;
            if state == TaskState::TaskKilling as i32 || state == TaskState::TaskKilled as i32 {
                update.status.reason = Some(task_status::Reason::SlaveDraining as i32);
                let partition_aware = self.frameworks.get(&framework_id).is_some_and(|framework| {
                    framework.has_capability(framework_info::capability::Type::PartitionAware)
                });
                if state == TaskState::TaskKilled as i32
                    && drain.mark_gone == Some(true)
                    && partition_aware
                {
                    update.status.state = TaskState::TaskGoneByOperator as i32;
                }
            }
        }
        if let Some(task) = self.task_mut(&framework_id, &task_id) {
            // Only the latest status of each state is kept, in order.
            if task
                .task
                .statuses
                .last()
                .is_some_and(|last| last.state == update.status.state)
            {
                task.task.statuses.pop();
            }
            task.task.statuses.push(update.status.clone());
            task.task.state = update.status.state;
        }
        let key = (framework_id, task_id);
        let stream = self.streams.entry(key.clone()).or_default();
        stream.pending.push_back(update);
        if stream.pending.len() == 1 {
            self.forward(ctx, &key, STATUS_UPDATE_RETRY_INTERVAL_MIN);
        }
    }

    /// Sends the stream's oldest update to the master and arms its retry.
    fn forward(&mut self, ctx: &mut Context<Self>, key: &StreamKey, interval: Duration) {
        if self.state != State::Running {
            // Paused: everything pending goes out on (re)registration.
            return;
        }
        let Some(master) = self.master.clone() else {
            return;
        };
        let Some(mut update) = self
            .streams
            .get(key)
            .and_then(|stream| stream.pending.front().cloned())
        else {
            return;
        };
        update.status.uuid = update.uuid.clone();
        if let Some(task) = self.task_mut(&key.0, &key.1) {
            task.task.status_update_state = Some(update.status.state);
            task.task.status_update_uuid = update.uuid.clone();
            update.latest_state = Some(task.task.state);
        }
        ctx.send_protobuf(
            &master,
            &StatusUpdateMessage {
                update,
                pid: Some(ctx.pid().to_string()),
            },
        );
        let stream = self.streams.get_mut(key).expect("looked up above");
        stream.cancel_timer();
        stream.attempt += 1;
        let attempt = stream.attempt;
        let retry_key = key.clone();
        stream.timer = Some(ctx.delay(interval, move |agent: &mut Agent, ctx| {
            agent.retry(ctx, &retry_key, attempt, interval);
        }));
    }

    fn retry(
        &mut self,
        ctx: &mut Context<Self>,
        key: &StreamKey,
        attempt: u64,
        interval: Duration,
    ) {
        let current = self
            .streams
            .get(key)
            .is_some_and(|stream| stream.attempt == attempt && !stream.pending.is_empty());
        if current && self.state == State::Running {
            tracing::warn!(agent = %ctx.pid(), framework_id = %key.0, task_id = %key.1, "resending status update");
            self.forward(
                ctx,
                key,
                (interval * 2).min(STATUS_UPDATE_RETRY_INTERVAL_MAX),
            );
        }
    }

    /// Resends every stream's oldest update, with the retry interval reset.
    fn resume(&mut self, ctx: &mut Context<Self>) {
        let keys: Vec<StreamKey> = self
            .streams
            .iter()
            .filter(|(_, stream)| !stream.pending.is_empty())
            .map(|(key, _)| key.clone())
            .collect();
        for key in keys {
            self.forward(ctx, &key, STATUS_UPDATE_RETRY_INTERVAL_MIN);
        }
        let operations: Vec<Vec<u8>> = self
            .resources
            .operations()
            .map(|tracked| tracked.operation.uuid.value.clone())
            .collect();
        for uuid in operations {
            self.forward_operation(ctx, &uuid, STATUS_UPDATE_RETRY_INTERVAL_MIN);
        }
    }

    fn acknowledgement(
        &mut self,
        ctx: &mut Context<Self>,
        from: &Upid,
        message: StatusUpdateAcknowledgementMessage,
    ) {
        // Acknowledgements come from the leading master (or, from old
        // drivers, the scheduler itself).
        if from.id().starts_with("master") {
            if self.state != State::Running {
                tracing::warn!(agent = %ctx.pid(), "dropping acknowledgement: not registered");
                return;
            }
            if !self.is_from_master(from, "status update acknowledgement") {
                return;
            }
        }
        let key = (message.framework_id.value, message.task_id.value);
        let Some(stream) = self.streams.get_mut(&key) else {
            tracing::error!(agent = %ctx.pid(), framework_id = %key.0, task_id = %key.1, "acknowledgement for a task without pending status updates");
            return;
        };
        if stream
            .pending
            .front()
            .and_then(|update| update.uuid.as_ref())
            != Some(&message.uuid)
        {
            // A retried update may be acknowledged twice.
            tracing::warn!(agent = %ctx.pid(), framework_id = %key.0, task_id = %key.1, "unexpected status update acknowledgement");
            return;
        }
        let acknowledged = stream.pending.pop_front().expect("matched above");
        stream.cancel_timer();
        if is_terminal(acknowledged.status.state) {
            self.streams.remove(&key);
            self.complete_task(ctx, &key.0, &key.1);
        } else {
            self.forward(ctx, &key, STATUS_UPDATE_RETRY_INTERVAL_MIN);
        }
        self.checkpoint();
    }

    /// A task acknowledged in a terminal state is completed.
    fn complete_task(&mut self, ctx: &mut Context<Self>, framework_id: &str, task_id: &str) {
        let Some(framework) = self.frameworks.get_mut(framework_id) else {
            return;
        };
        if !framework
            .tasks
            .get(task_id)
            .is_some_and(|task| is_terminal(task.task.state))
        {
            return;
        }
        let task = framework.tasks.remove(task_id).expect("checked above");
        framework.completed_tasks.push_back(task.task);
        if framework.completed_tasks.len() > MAX_COMPLETED_TASKS_PER_FRAMEWORK {
            framework.completed_tasks.pop_front();
        }
        if framework.idle() {
            self.remove_framework(ctx, framework_id);
        }
    }

    // ---- Offer operations ----

    /// Mesos's `applyOperation` on the agent's own resources.
    fn apply_operation(
        &mut self,
        ctx: &mut Context<Self>,
        _from: &Upid,
        message: ApplyOperationMessage,
    ) {
        if self.info.id.is_none() || self.state == State::Terminating {
            tracing::warn!(agent = %ctx.pid(), "ignoring an operation: not registered");
            return;
        }
        let uuid = message.operation_uuid.value.clone();
        let kind = message.operation_info.r#type();
        let status_uuid = self.rng.uuid();
        let slave_id = self.slave_id();
        let update = self.resources.apply(&slave_id, message, status_uuid);
        let state = update.status.state();
        match &update.status.message {
            Some(error) => {
                tracing::warn!(agent = %ctx.pid(), operation = ?kind, %error, "operation failed")
            }
            None => {
                tracing::info!(agent = %ctx.pid(), operation = ?kind, ?state, "applied operation")
            }
        }
        self.checkpoint();
        if !self.operation_retries.contains_key(&uuid) {
            self.forward_operation(ctx, &uuid, STATUS_UPDATE_RETRY_INTERVAL_MIN);
        }
    }

    /// Sends the operation's status update to the master and arms its
    /// retry; while disconnected it waits for (re)registration.
    fn forward_operation(&mut self, ctx: &mut Context<Self>, uuid: &[u8], interval: Duration) {
        if self.state != State::Running {
            return;
        }
        let (Some(master), Some(tracked)) = (&self.master, self.resources.operation(uuid)) else {
            return;
        };
        ctx.send_protobuf(master, &tracked.update);
        let attempt = self.operation_retries.remove(uuid).map_or(1, |retry| {
            retry.timer.cancel();
            retry.attempt + 1
        });
        let key = uuid.to_vec();
        let timer = ctx.delay(interval, move |agent: &mut Agent, ctx| {
            let current = agent
                .operation_retries
                .get(&key)
                .is_some_and(|retry| retry.attempt == attempt);
            if current {
                tracing::warn!(agent = %ctx.pid(), "resending operation status update");
                let next = (interval * 2).min(STATUS_UPDATE_RETRY_INTERVAL_MAX);
                agent.forward_operation(ctx, &key, next);
            }
        });
        self.operation_retries
            .insert(uuid.to_vec(), OperationRetry { attempt, timer });
    }

    /// Mesos's `operationStatusAcknowledgement`: the acknowledged
    /// operation is done with; a duplicate is logged and dropped.
    fn acknowledge_operation(
        &mut self,
        ctx: &mut Context<Self>,
        _from: &Upid,
        message: AcknowledgeOperationStatusMessage,
    ) {
        if !self.resources.acknowledge(&message) {
            tracing::warn!(agent = %ctx.pid(), "dropping an acknowledgement of an unknown operation status");
            return;
        }
        if let Some(retry) = self.operation_retries.remove(&message.operation_uuid.value) {
            retry.timer.cancel();
        }
        self.checkpoint();
    }

    /// Mesos's `checkpointResourcesMessage`: the master's word on the
    /// agent's reservations and volumes.
    fn checkpoint_resources(
        &mut self,
        ctx: &mut Context<Self>,
        _from: &Upid,
        message: CheckpointResourcesMessage,
    ) {
        match self.resources.checkpoint(&message.resources) {
            Ok(()) => {
                tracing::info!(agent = %ctx.pid(), "updated checkpointed resources");
                self.checkpoint();
            }
            Err(error) => {
                tracing::error!(agent = %ctx.pid(), %error, "ignoring checkpointed resources that do not fit the agent's")
            }
        }
    }
}

/// The master's `total_ping_timeout_seconds`, whole seconds as the agent
/// reads it, or the default.
fn announced_ping_timeout(
    connection: Option<&proto::mesos::internal::MasterSlaveConnection>,
) -> Duration {
    connection
        .and_then(|connection| connection.total_ping_timeout_seconds)
        .map_or(DEFAULT_MASTER_PING_TIMEOUT, |secs| {
            Duration::from_secs(secs.max(0.0) as u64)
        })
}

/// Installs `handler` for protobuf message `M`, decoded with Mesos's
/// required-field checks; a body that fails them is dropped, as Mesos does.
fn on<M>(ctx: &mut Context<Agent>, handler: fn(&mut Agent, &mut Context<Agent>, &Upid, M))
where
    M: prost::Message + prost::Name + Default + 'static,
{
    ctx.install(
        &M::full_name(),
        move |agent, ctx, message| match proto::decode::<M>(&message.body) {
            Ok(decoded) => handler(agent, ctx, &message.from, decoded),
            Err(error) => tracing::warn!(
                name = %message.name, from = %message.from, %error,
                "dropping a message that does not decode"
            ),
        },
    );
}

impl Process for Agent {
    fn initialize(&mut self, ctx: &mut Context<Self>) {
        on(ctx, Agent::registered);
        on(ctx, Agent::reregistered);
        on(ctx, Agent::ping);
        on(ctx, Agent::run_task);
        on(ctx, Agent::run_task_group);
        on(ctx, Agent::kill_task);
        on(ctx, Agent::shutdown_framework);
        on(ctx, Agent::update_framework);
        on(ctx, Agent::acknowledgement);
        on(ctx, Agent::drain);
        on(ctx, Agent::shutdown);
        on(ctx, Agent::apply_operation);
        on(ctx, Agent::acknowledge_operation);
        on(ctx, Agent::checkpoint_resources);

        // Tasks recovered from the checkpoint that were still live.
        let live: Vec<StreamKey> = self
            .frameworks
            .iter()
            .flat_map(|(framework_id, framework)| {
                framework
                    .tasks
                    .iter()
                    .filter(|(_, task)| !is_terminal(task.task.state))
                    .map(|(task_id, _)| (framework_id.clone(), task_id.clone()))
            })
            .collect();
        for (framework_id, task_id) in live {
            self.start_task(ctx, &framework_id, &task_id, true);
        }
    }

    fn exited(&mut self, ctx: &mut Context<Self>, pid: &Upid) {
        if self.master.as_ref().is_none_or(|master| master == pid) {
            // As the agent: wait for the detector to name a master again.
            tracing::warn!(agent = %ctx.pid(), %pid, "master disconnected; waiting for a new master to be elected");
        }
    }
}
