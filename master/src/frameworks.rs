//! The master's record of frameworks, and how it talks to them.
//!
//! A framework is connected in one of two ways, as in Mesos 1.11's
//! `src/master/framework.cpp`:
//!
//! - over HTTP ([`HttpConnection`]): the v1 scheduler API's SUBSCRIBE
//!   response is a RecordIO stream of `mesos.v1.scheduler.Event`s, JSON or
//!   protobuf as the subscriber asked, with a HEARTBEAT every 15 s;
//! - through a driver's libprocess pid: the master sends the classic
//!   `mesos.internal` messages (`ResourceOffersMessage`, ...) to it.
//!
//! The master builds what it tells a framework as a [`ToScheduler`] — the
//! driver message Mesos would send — and [`Framework::send`] delivers it
//! either as that message or as the v1 event Mesos evolves it into.
//!
//! A framework that disconnects (stream closed, driver's connection broke)
//! stays registered, deactivated, for its `failover_timeout`; a framework
//! that is torn down or times out becomes *completed*: kept, with its
//! finished tasks, up to `--max_completed_frameworks`.

use crate::authorization::FrameworkApprovers;
use crate::master::MasterProcess;
use crate::tasks::TaskRecord;
use libprocess::{Context, Counter, Gauge, Metrics, Pipe, Timer, Upid};
use prost::Message as _;
use prost::bytes::Bytes;
use proto::mesos::internal::{
    ExecutorToFrameworkMessage, ExitedExecutorMessage, FrameworkErrorMessage,
    FrameworkRegisteredMessage, FrameworkReregisteredMessage, InverseOffersMessage,
    LostSlaveMessage, RescindInverseOfferMessage, RescindResourceOfferMessage,
    ResourceOffersMessage, StatusUpdateMessage, UpdateOperationStatusMessage,
};
use proto::mesos::scheduler::{Event, event};
use proto::mesos::{ExecutorInfo, FrameworkId, FrameworkInfo, framework_info};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::task::JoinHandle;

/// `DEFAULT_HEARTBEAT_INTERVAL`: how often subscribers get HEARTBEAT.
pub(crate) const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(15);

/// Events a slow subscriber may have unsent before it is disconnected.
const STREAM_CAPACITY: usize = 4096;

/// The two encodings of the v1 API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentType {
    Json,
    Protobuf,
}

impl ContentType {
    pub const JSON: &'static str = "application/json";
    pub const PROTOBUF: &'static str = "application/x-protobuf";

    pub fn media_type(self) -> &'static str {
        match self {
            ContentType::Json => Self::JSON,
            ContentType::Protobuf => Self::PROTOBUF,
        }
    }
}

/// One RecordIO record, `<length>\n<event>`, of a v1 event stream: the
/// event re-read as `mesos.v1.scheduler.Event` (same field numbers) and
/// written in the subscriber's encoding.
pub(crate) fn record(content_type: ContentType, event: &Event) -> Bytes {
    let bytes = event.encode_to_vec();
    let body = match content_type {
        ContentType::Protobuf => bytes,
        ContentType::Json => {
            let v1 = prost_reflect::DynamicMessage::decode(
                proto::descriptor_of::<proto::mesos::v1::scheduler::Event>(),
                bytes.as_slice(),
            )
            .expect("v0 and v1 events share their encoding");
            proto::json::dynamic_to_value(&v1).to_string().into_bytes()
        }
    };
    let mut record = format!("{}\n", body.len()).into_bytes();
    record.extend_from_slice(&body);
    Bytes::from(record)
}

/// A subscriber's open event stream.
#[derive(Debug)]
pub(crate) struct HttpConnection {
    pub stream_id: String,
    pub content_type: ContentType,
    pipe: Pipe,
    heartbeat: Option<JoinHandle<()>>,
    watcher: Option<JoinHandle<()>>,
}

/// The tasks writing heartbeats and watching for the subscriber's end hold
/// the stream open: they stop with the connection.
impl Drop for HttpConnection {
    fn drop(&mut self) {
        for task in [self.heartbeat.take(), self.watcher.take()]
            .into_iter()
            .flatten()
        {
            task.abort();
        }
    }
}

impl HttpConnection {
    pub fn new(stream_id: String, content_type: ContentType, pipe: Pipe) -> Self {
        HttpConnection {
            stream_id,
            content_type,
            pipe,
            heartbeat: None,
            watcher: None,
        }
    }

    /// Runs `action` when the subscriber goes away (not when the master
    /// closes the stream).
    pub fn on_closed(&mut self, action: impl FnOnce() + Send + 'static) {
        let closed = self.pipe.closed();
        self.watcher = Some(tokio::spawn(async move {
            closed.await;
            action();
        }));
    }

    /// HEARTBEAT now and every [`HEARTBEAT_INTERVAL`] until the stream ends.
    pub fn start_heartbeats(&mut self) {
        let record = record(self.content_type, &heartbeat_event());
        // The first goes out before anything else the master sends.
        if self.pipe.write(record.clone()).is_err() {
            return;
        }
        let pipe = self.pipe.clone();
        self.heartbeat = Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(HEARTBEAT_INTERVAL).await;
                if pipe.write(record.clone()).is_err() {
                    return;
                }
            }
        }));
    }

    /// A stream of `capacity` unsent events at most.
    pub fn stream() -> (libprocess::Response, Pipe) {
        libprocess::Response::stream(http::StatusCode::OK, STREAM_CAPACITY)
    }

    /// Writes one event; false when the subscriber is gone or not reading.
    pub fn send(&self, event: &Event) -> bool {
        self.pipe.write(record(self.content_type, event)).is_ok()
    }
}

/// What the master tells a framework: the driver message, which HTTP
/// subscribers get as the v1 event Mesos evolves it into.
#[derive(Debug, Clone)]
pub(crate) enum ToScheduler {
    Registered(FrameworkRegisteredMessage),
    Reregistered(FrameworkReregisteredMessage),
    Offers(ResourceOffersMessage),
    Rescind(RescindResourceOfferMessage),
    InverseOffers(InverseOffersMessage),
    RescindInverseOffer(RescindInverseOfferMessage),
    Update(Box<StatusUpdateMessage>),
    OperationStatus(Box<UpdateOperationStatusMessage>),
    Message(ExecutorToFrameworkMessage),
    LostAgent(LostSlaveMessage),
    ExecutorExited(ExitedExecutorMessage),
    Error(FrameworkErrorMessage),
}

/// Whether a status update's `pid` is the empty UPID: the master made the
/// update itself and nobody is to acknowledge it.
pub(crate) fn is_master_generated(pid: Option<&str>) -> bool {
    pid.is_none_or(|pid| pid.is_empty() || pid == "@0.0.0.0:0")
}

impl ToScheduler {
    /// The v1 event, as Mesos's `evolve`.
    pub fn event(&self) -> Event {
        use event::Type;
        match self {
            ToScheduler::Registered(FrameworkRegisteredMessage {
                framework_id,
                master_info,
            })
            | ToScheduler::Reregistered(FrameworkReregisteredMessage {
                framework_id,
                master_info,
            }) => Event {
                r#type: Some(Type::Subscribed as i32),
                subscribed: Some(event::Subscribed {
                    framework_id: framework_id.clone(),
                    heartbeat_interval_seconds: Some(HEARTBEAT_INTERVAL.as_secs_f64()),
                    master_info: Some(master_info.clone()),
                }),
                ..Event::default()
            },
            ToScheduler::Offers(message) => Event {
                r#type: Some(Type::Offers as i32),
                offers: Some(event::Offers {
                    offers: message.offers.clone(),
                }),
                ..Event::default()
            },
            ToScheduler::Rescind(message) => Event {
                r#type: Some(Type::Rescind as i32),
                rescind: Some(event::Rescind {
                    offer_id: message.offer_id.clone(),
                }),
                ..Event::default()
            },
            ToScheduler::InverseOffers(message) => Event {
                r#type: Some(Type::InverseOffers as i32),
                inverse_offers: Some(event::InverseOffers {
                    inverse_offers: message.inverse_offers.clone(),
                }),
                ..Event::default()
            },
            ToScheduler::RescindInverseOffer(message) => Event {
                r#type: Some(Type::RescindInverseOffer as i32),
                rescind_inverse_offer: Some(event::RescindInverseOffer {
                    inverse_offer_id: message.inverse_offer_id.clone(),
                }),
                ..Event::default()
            },
            ToScheduler::Update(message) => {
                let update = &message.update;
                let mut status = update.status.clone();
                if update.slave_id.is_some() {
                    status.slave_id = update.slave_id.clone();
                }
                if update.executor_id.is_some() {
                    status.executor_id = update.executor_id.clone();
                }
                status.timestamp = Some(update.timestamp);
                if is_master_generated(message.pid.as_deref()) {
                    status.uuid = None;
                }
                Event {
                    r#type: Some(Type::Update as i32),
                    update: Some(event::Update { status }),
                    ..Event::default()
                }
            }
            ToScheduler::OperationStatus(message) => Event {
                r#type: Some(Type::UpdateOperationStatus as i32),
                update_operation_status: Some(event::UpdateOperationStatus {
                    status: message.status.clone(),
                }),
                ..Event::default()
            },
            ToScheduler::Message(message) => Event {
                r#type: Some(Type::Message as i32),
                message: Some(event::Message {
                    slave_id: message.slave_id.clone(),
                    executor_id: message.executor_id.clone(),
                    data: message.data.clone(),
                }),
                ..Event::default()
            },
            ToScheduler::LostAgent(message) => Event {
                r#type: Some(Type::Failure as i32),
                failure: Some(event::Failure {
                    slave_id: Some(message.slave_id.clone()),
                    ..event::Failure::default()
                }),
                ..Event::default()
            },
            ToScheduler::ExecutorExited(message) => Event {
                r#type: Some(Type::Failure as i32),
                failure: Some(event::Failure {
                    slave_id: Some(message.slave_id.clone()),
                    executor_id: Some(message.executor_id.clone()),
                    status: Some(message.status),
                }),
                ..Event::default()
            },
            ToScheduler::Error(message) => error_event(&message.message),
        }
    }

    fn send_to_pid(&self, ctx: &Context<MasterProcess>, pid: &Upid) {
        match self {
            ToScheduler::Registered(message) => ctx.send_protobuf(pid, message),
            ToScheduler::Reregistered(message) => ctx.send_protobuf(pid, message),
            ToScheduler::Offers(message) => ctx.send_protobuf(pid, message),
            ToScheduler::Rescind(message) => ctx.send_protobuf(pid, message),
            ToScheduler::InverseOffers(message) => ctx.send_protobuf(pid, message),
            ToScheduler::RescindInverseOffer(message) => ctx.send_protobuf(pid, message),
            ToScheduler::Update(message) => ctx.send_protobuf(pid, message.as_ref()),
            ToScheduler::OperationStatus(message) => ctx.send_protobuf(pid, message.as_ref()),
            ToScheduler::Message(message) => ctx.send_protobuf(pid, message),
            ToScheduler::LostAgent(message) => ctx.send_protobuf(pid, message),
            ToScheduler::ExecutorExited(message) => ctx.send_protobuf(pid, message),
            ToScheduler::Error(message) => ctx.send_protobuf(pid, message),
        }
    }
}

pub(crate) fn error_event(message: &str) -> Event {
    Event {
        r#type: Some(event::Type::Error as i32),
        error: Some(event::Error {
            message: message.to_owned(),
        }),
        ..Event::default()
    }
}

pub(crate) fn heartbeat_event() -> Event {
    Event {
        r#type: Some(event::Type::Heartbeat as i32),
        ..Event::default()
    }
}

/// A framework the master knows.
#[derive(Debug)]
pub(crate) struct Framework {
    /// With its id set.
    pub info: FrameworkInfo,
    /// A driver's pid (kept while disconnected, for its failover).
    pub pid: Option<Upid>,
    pub http: Option<HttpConnection>,
    pub connected: bool,
    /// Offered resources: connected and not deactivated by its driver.
    pub active: bool,
    pub registered_time: SystemTime,
    /// Changes with every resubscription: a failover timer armed before
    /// it is stale.
    pub reregistered_time: Option<SystemTime>,
    /// When it was removed, for completed frameworks.
    pub unregistered_time: Option<SystemTime>,
    /// Outstanding offer ids.
    pub offers: BTreeSet<String>,
    /// Ids of its live tasks (kept in [`crate::tasks::Tasks`]).
    pub tasks: BTreeSet<String>,
    /// Its terminal tasks, oldest first, at most
    /// `--max_completed_tasks_per_framework`; persistent, so that the read
    /// view copies them in O(1).
    pub completed_tasks: imbl::Vector<Arc<TaskRecord>>,
    /// Executors it runs, by agent then executor id.
    pub executors: HashMap<String, BTreeMap<String, ExecutorInfo>>,
    pub suppressed_roles: BTreeSet<String>,
    /// Armed while disconnected: `failover_timeout`.
    pub failover_timer: Option<Timer>,
    /// What its principal may do, fetched when it (re)subscribed.
    pub approvers: FrameworkApprovers,
}

impl Framework {
    pub fn new(info: FrameworkInfo) -> Framework {
        Framework {
            info,
            pid: None,
            http: None,
            connected: false,
            active: false,
            registered_time: SystemTime::now(),
            reregistered_time: None,
            unregistered_time: None,
            offers: BTreeSet::new(),
            tasks: BTreeSet::new(),
            completed_tasks: imbl::Vector::new(),
            executors: HashMap::new(),
            suppressed_roles: BTreeSet::new(),
            failover_timer: None,
            approvers: FrameworkApprovers::default(),
        }
    }

    pub fn id(&self) -> &str {
        self.info
            .id
            .as_ref()
            .map(|id| id.value.as_str())
            .unwrap_or_default()
    }

    pub fn framework_id(&self) -> FrameworkId {
        FrameworkId {
            value: self.id().to_owned(),
        }
    }

    pub fn has_capability(&self, capability: framework_info::capability::Type) -> bool {
        self.info
            .capabilities
            .iter()
            .any(|c| c.r#type() == capability)
    }

    pub fn partition_aware(&self) -> bool {
        self.has_capability(framework_info::capability::Type::PartitionAware)
    }

    /// Its roles: `roles` with MULTI_ROLE, else the single `role`.
    pub fn roles(&self) -> BTreeSet<String> {
        roles_of(&self.info)
    }

    /// The pid to put into `RunTaskMessage.pid`: an HTTP framework has none.
    pub fn pid_text(&self) -> String {
        match (&self.http, &self.pid) {
            (None, Some(pid)) => pid.to_string(),
            _ => "@0.0.0.0:0".to_owned(),
        }
    }

    /// Delivers `message` if connected (dropped otherwise, as in Mesos).
    pub fn send(&self, ctx: &Context<MasterProcess>, message: ToScheduler) {
        if !self.connected {
            tracing::warn!(
                framework = self.id(),
                "not sending to a disconnected framework"
            );
            return;
        }
        if let Some(http) = &self.http {
            if !http.send(&message.event()) {
                tracing::warn!(
                    framework = self.id(),
                    "the framework's event stream is closed or full"
                );
            }
        } else if let Some(pid) = &self.pid {
            message.send_to_pid(ctx, pid);
        }
    }

    /// Moves a terminal task into the bounded completed list.
    pub fn complete_task(&mut self, task: Arc<TaskRecord>, max: usize) {
        self.tasks.remove(&task.task_id.value);
        if max == 0 {
            return;
        }
        while self.completed_tasks.len() >= max {
            self.completed_tasks.pop_front();
        }
        self.completed_tasks.push_back(task);
    }
}

/// The roles a `FrameworkInfo` subscribes to.
pub(crate) fn roles_of(info: &FrameworkInfo) -> BTreeSet<String> {
    let multi_role = info
        .capabilities
        .iter()
        .any(|c| c.r#type() == framework_info::capability::Type::MultiRole);
    if multi_role {
        info.roles.iter().cloned().collect()
    } else {
        std::iter::once(info.role().to_owned()).collect()
    }
}

/// Every framework the master knows: registered ones (connected or within
/// their failover timeout) and the completed ones it still shows.
#[derive(Debug, Default)]
pub(crate) struct Frameworks {
    pub registered: BTreeMap<String, Framework>,
    /// Oldest first, at most `--max_completed_frameworks`.
    pub completed: VecDeque<Framework>,
    by_pid: HashMap<Upid, String>,
    next_id: u64,
}

impl Frameworks {
    /// A new framework id: `<master id>-<4 digit counter>`, as Mesos.
    pub fn new_id(&mut self, master_id: &str) -> FrameworkId {
        let id = format!("{master_id}-{:04}", self.next_id);
        self.next_id += 1;
        FrameworkId { value: id }
    }

    pub fn get(&self, id: &str) -> Option<&Framework> {
        self.registered.get(id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Framework> {
        self.registered.get_mut(id)
    }

    pub fn id_by_pid(&self, pid: &Upid) -> Option<&str> {
        self.by_pid.get(pid).map(String::as_str)
    }

    pub fn is_completed(&self, id: &str) -> bool {
        self.completed.iter().any(|f| f.id() == id)
    }

    pub fn insert(&mut self, framework: Framework) {
        if let Some(pid) = &framework.pid {
            self.by_pid.insert(pid.clone(), framework.id().to_owned());
        }
        self.registered.insert(framework.id().to_owned(), framework);
    }

    /// Records that framework `id` is now reached at `pid` (or by HTTP).
    pub fn set_pid(&mut self, id: &str, pid: Option<Upid>) {
        let Some(framework) = self.registered.get_mut(id) else {
            return;
        };
        if let Some(old) = framework.pid.take()
            && self.by_pid.get(&old).map(String::as_str) == Some(id)
        {
            self.by_pid.remove(&old);
        }
        if let Some(pid) = &pid {
            self.by_pid.insert(pid.clone(), id.to_owned());
        }
        framework.pid = pid;
    }

    /// Takes a framework out of the registered ones.
    pub fn remove(&mut self, id: &str) -> Option<Framework> {
        let framework = self.registered.remove(id)?;
        if let Some(pid) = &framework.pid
            && self.by_pid.get(pid).map(String::as_str) == Some(id)
        {
            self.by_pid.remove(pid);
        }
        Some(framework)
    }

    /// Keeps a removed framework among the completed ones.
    pub fn archive(&mut self, mut framework: Framework, max: usize) {
        framework.unregistered_time = Some(SystemTime::now());
        if max == 0 {
            return;
        }
        while self.completed.len() >= max {
            self.completed.pop_front();
        }
        self.completed.push_back(framework);
    }

    pub fn counts(&self) -> FrameworkCounts {
        let mut counts = FrameworkCounts::default();
        for framework in self.registered.values() {
            if framework.active {
                counts.active += 1;
            } else {
                counts.inactive += 1;
            }
            if framework.connected {
                counts.connected += 1;
            } else {
                counts.disconnected += 1;
            }
        }
        counts
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FrameworkCounts {
    pub active: usize,
    pub inactive: usize,
    pub connected: usize,
    pub disconnected: usize,
}

/// The framework, offer and task figures Mesos publishes under `master/`.
#[derive(Debug, Clone)]
pub(crate) struct SchedulerMetrics {
    pub frameworks_active: Gauge,
    pub frameworks_inactive: Gauge,
    pub frameworks_connected: Gauge,
    pub frameworks_disconnected: Gauge,
    pub outstanding_offers: Gauge,
    pub tasks_staging: Gauge,
    pub tasks_starting: Gauge,
    pub tasks_running: Gauge,
    pub tasks_killing: Gauge,
    pub tasks_unreachable: Gauge,
    pub tasks_finished: Counter,
    pub tasks_failed: Counter,
    pub tasks_killed: Counter,
    pub tasks_lost: Counter,
    pub tasks_error: Counter,
    pub tasks_dropped: Counter,
    pub tasks_gone: Counter,
    pub tasks_gone_by_operator: Counter,
    pub messages_register_framework: Counter,
    pub messages_reregister_framework: Counter,
    pub messages_unregister_framework: Counter,
    pub messages_deactivate_framework: Counter,
    pub messages_launch_tasks: Counter,
    pub messages_decline_offers: Counter,
    pub messages_revive_offers: Counter,
    pub messages_suppress_offers: Counter,
    pub messages_kill_task: Counter,
    pub messages_status_update: Counter,
    pub messages_status_update_acknowledgement: Counter,
    pub messages_reconcile_tasks: Counter,
    pub messages_framework_to_executor: Counter,
    pub messages_executor_to_framework: Counter,
    pub messages_resource_request: Counter,
    pub valid_status_updates: Counter,
    pub invalid_status_updates: Counter,
    pub valid_status_update_acknowledgements: Counter,
    pub invalid_status_update_acknowledgements: Counter,
    pub valid_framework_to_executor_messages: Counter,
    pub invalid_framework_to_executor_messages: Counter,
    pub valid_executor_to_framework_messages: Counter,
    pub invalid_executor_to_framework_messages: Counter,
    pub framework_registrations: Counter,
    pub framework_reregistrations: Counter,
    pub framework_removals: Counter,
}

impl SchedulerMetrics {
    pub fn register(metrics: &Metrics) -> SchedulerMetrics {
        let counter = |name: &str| metrics.counter(&format!("master/{name}"));
        let gauge = |name: &str| metrics.gauge(&format!("master/{name}"));
        SchedulerMetrics {
            frameworks_active: gauge("frameworks_active"),
            frameworks_inactive: gauge("frameworks_inactive"),
            frameworks_connected: gauge("frameworks_connected"),
            frameworks_disconnected: gauge("frameworks_disconnected"),
            outstanding_offers: gauge("outstanding_offers"),
            tasks_staging: gauge("tasks_staging"),
            tasks_starting: gauge("tasks_starting"),
            tasks_running: gauge("tasks_running"),
            tasks_killing: gauge("tasks_killing"),
            tasks_unreachable: gauge("tasks_unreachable"),
            tasks_finished: counter("tasks_finished"),
            tasks_failed: counter("tasks_failed"),
            tasks_killed: counter("tasks_killed"),
            tasks_lost: counter("tasks_lost"),
            tasks_error: counter("tasks_error"),
            tasks_dropped: counter("tasks_dropped"),
            tasks_gone: counter("tasks_gone"),
            tasks_gone_by_operator: counter("tasks_gone_by_operator"),
            messages_register_framework: counter("messages_register_framework"),
            messages_reregister_framework: counter("messages_reregister_framework"),
            messages_unregister_framework: counter("messages_unregister_framework"),
            messages_deactivate_framework: counter("messages_deactivate_framework"),
            messages_launch_tasks: counter("messages_launch_tasks"),
            messages_decline_offers: counter("messages_decline_offers"),
            messages_revive_offers: counter("messages_revive_offers"),
            messages_suppress_offers: counter("messages_suppress_offers"),
            messages_kill_task: counter("messages_kill_task"),
            messages_status_update: counter("messages_status_update"),
            messages_status_update_acknowledgement: counter(
                "messages_status_update_acknowledgement",
            ),
            messages_reconcile_tasks: counter("messages_reconcile_tasks"),
            messages_framework_to_executor: counter("messages_framework_to_executor"),
            messages_executor_to_framework: counter("messages_executor_to_framework"),
            messages_resource_request: counter("messages_resource_request"),
            valid_status_updates: counter("valid_status_updates"),
            invalid_status_updates: counter("invalid_status_updates"),
            valid_status_update_acknowledgements: counter("valid_status_update_acknowledgements"),
            invalid_status_update_acknowledgements: counter(
                "invalid_status_update_acknowledgements",
            ),
            valid_framework_to_executor_messages: counter("valid_framework_to_executor_messages"),
            invalid_framework_to_executor_messages: counter(
                "invalid_framework_to_executor_messages",
            ),
            valid_executor_to_framework_messages: counter("valid_executor_to_framework_messages"),
            invalid_executor_to_framework_messages: counter(
                "invalid_executor_to_framework_messages",
            ),
            framework_registrations: counter("framework_registrations"),
            framework_reregistrations: counter("framework_reregistrations"),
            framework_removals: counter("framework_removals"),
        }
    }

    pub fn publish(&self, frameworks: FrameworkCounts) {
        self.frameworks_active.set(frameworks.active as f64);
        self.frameworks_inactive.set(frameworks.inactive as f64);
        self.frameworks_connected.set(frameworks.connected as f64);
        self.frameworks_disconnected
            .set(frameworks.disconnected as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::mesos::{MasterInfo, TaskId, master_info};

    fn subscribed() -> Event {
        let capability = |kind: master_info::capability::Type| master_info::Capability {
            r#type: Some(kind as i32),
        };
        ToScheduler::Registered(FrameworkRegisteredMessage {
            framework_id: FrameworkId {
                value: "m-0000".into(),
            },
            master_info: MasterInfo {
                id: "m".into(),
                capabilities: vec![
                    capability(master_info::capability::Type::AgentUpdate),
                    capability(master_info::capability::Type::AgentDraining),
                    capability(master_info::capability::Type::QuotaV2),
                ],
                ..MasterInfo::default()
            },
        })
        .event()
    }

    #[test]
    fn json_records_are_length_prefixed_v1_events() {
        let record = record(ContentType::Json, &subscribed());
        let text = std::str::from_utf8(&record).unwrap();
        let (length, body) = text.split_once('\n').unwrap();
        assert_eq!(length.parse::<usize>().unwrap(), body.len());
        let event: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["type"], "SUBSCRIBED");
        assert_eq!(event["subscribed"]["heartbeat_interval_seconds"], 15.0);
        // The v1 schema has no QUOTA_V2: Mesos writes an empty object.
        assert_eq!(
            event["subscribed"]["master_info"]["capabilities"],
            serde_json::json!([{"type": "AGENT_UPDATE"}, {"type": "AGENT_DRAINING"}, {}])
        );
    }

    #[test]
    fn completed_tasks_and_frameworks_are_bounded() {
        let info = |id: &str| FrameworkInfo {
            id: Some(FrameworkId { value: id.into() }),
            ..FrameworkInfo::default()
        };
        let mut framework = Framework::new(info("f"));
        for n in 0..5 {
            let task = proto::mesos::Task {
                task_id: TaskId {
                    value: format!("t{n}"),
                },
                ..proto::mesos::Task::default()
            };
            framework.tasks.insert(task.task_id.value.clone());
            framework.complete_task(TaskRecord::new(task), 3);
        }
        assert!(framework.tasks.is_empty());
        let kept: Vec<&str> = framework
            .completed_tasks
            .iter()
            .map(|t| t.task_id.value.as_str())
            .collect();
        assert_eq!(kept, ["t2", "t3", "t4"], "the oldest go first");

        let mut frameworks = Frameworks::default();
        for n in 0..4 {
            frameworks.archive(Framework::new(info(&format!("f{n}"))), 2);
        }
        assert!(!frameworks.is_completed("f1"));
        assert!(frameworks.is_completed("f2") && frameworks.is_completed("f3"));
        frameworks.archive(Framework::new(info("f4")), 0);
        assert!(
            !frameworks.is_completed("f4"),
            "--max_completed_frameworks=0 keeps none"
        );
    }
}
