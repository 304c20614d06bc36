//! A fake Mesos master for the simulator's tests: process `master` (and
//! `slave-observer(1)` for pings) in a libprocess runtime, recording every
//! message and answering as the real master did in the golden captures.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use detector::StandaloneMasterDetector;
use libprocess::{Config, Context, Message, Pid, Process, Runtime, Upid};
use proto::mesos::SlaveId;
use proto::mesos::internal::{
    MasterSlaveConnection, PingSlaveMessage, RegisterSlaveMessage, ReregisterSlaveMessage,
    RunTaskMessage, SlaveRegisteredMessage, SlaveReregisteredMessage,
    StatusUpdateAcknowledgementMessage, StatusUpdateMessage,
};
use tokio::sync::watch;

pub const MASTER_ID: &str = "5f1c2b3a-9d8e-4f70-a1b2-c3d4e5f60718";

/// A message the fake master's processes received.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: Upid,
    /// The receiving process: `master` or `slave-observer(1)`.
    pub to: String,
    pub name: String,
    pub body: Bytes,
    /// When it arrived (the virtual time under a paused clock).
    pub at: tokio::time::Instant,
}

impl Received {
    /// The body, decoded with Mesos's required-field checks.
    pub fn decode<M: prost::Message + prost::Name + Default>(&self) -> M {
        proto::decode::<M>(&self.body).unwrap_or_else(|error| {
            panic!("{} from {} does not decode: {error}", self.name, self.from)
        })
    }
}

/// How the fake master answers.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// Answer (re)registrations.
    pub answer_registrations: bool,
    /// Acknowledge every status update at once.
    pub acknowledge_updates: bool,
    /// `MasterSlaveConnection.total_ping_timeout_seconds`.
    pub total_ping_timeout_seconds: f64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            answer_registrations: true,
            acknowledge_updates: false,
            total_ping_timeout_seconds: 75.0,
        }
    }
}

#[derive(Clone)]
struct Log {
    messages: Arc<Mutex<Vec<Received>>>,
    changed: Arc<watch::Sender<usize>>,
}

impl Log {
    fn record(&self, to: &str, message: &Message) {
        let mut messages = self.messages.lock().unwrap();
        messages.push(Received {
            from: message.from.clone(),
            to: to.to_owned(),
            name: message.name.to_string(),
            body: message.body.clone(),
            at: tokio::time::Instant::now(),
        });
        self.changed.send_replace(messages.len());
    }
}

struct MasterProcess {
    log: Log,
    behaviour: Arc<Mutex<Behaviour>>,
    ids: HashMap<Upid, String>,
}

impl MasterProcess {
    fn connection(&self) -> MasterSlaveConnection {
        MasterSlaveConnection {
            total_ping_timeout_seconds: Some(
                self.behaviour.lock().unwrap().total_ping_timeout_seconds,
            ),
        }
    }

    fn answer(&mut self, ctx: &mut Context<Self>, message: &Message) {
        let behaviour = self.behaviour.lock().unwrap().clone();
        match &*message.name {
            "mesos.internal.RegisterSlaveMessage" if behaviour.answer_registrations => {
                proto::decode::<RegisterSlaveMessage>(&message.body).expect("decodes");
                let next = self.ids.len();
                let id = self
                    .ids
                    .entry(message.from.clone())
                    .or_insert_with(|| format!("{MASTER_ID}-S{next}"))
                    .clone();
                ctx.send_protobuf(
                    &message.from,
                    &SlaveRegisteredMessage {
                        slave_id: SlaveId { value: id },
                        connection: Some(self.connection()),
                    },
                );
            }
            "mesos.internal.ReregisterSlaveMessage" if behaviour.answer_registrations => {
                let reregister =
                    proto::decode::<ReregisterSlaveMessage>(&message.body).expect("decodes");
                let id = reregister
                    .slave
                    .id
                    .expect("a reregistering agent has an id");
                ctx.send_protobuf(
                    &message.from,
                    &SlaveReregisteredMessage {
                        slave_id: id,
                        reconciliations: Vec::new(),
                        connection: Some(self.connection()),
                    },
                );
            }
            "mesos.internal.StatusUpdateMessage" if behaviour.acknowledge_updates => {
                let update = proto::decode::<StatusUpdateMessage>(&message.body).expect("decodes");
                let to = Upid::parse_lenient(update.pid.as_deref().expect("pid is set"));
                ctx.send_protobuf(&to, &acknowledgement(&update));
            }
            _ => {}
        }
    }
}

/// The acknowledgement the master sends for `update`.
pub fn acknowledgement(update: &StatusUpdateMessage) -> StatusUpdateAcknowledgementMessage {
    StatusUpdateAcknowledgementMessage {
        slave_id: update.update.slave_id.clone().expect("slave_id is set"),
        framework_id: update.update.framework_id.clone(),
        task_id: update.update.status.task_id.clone(),
        uuid: update.update.uuid.clone().expect("uuid is set"),
    }
}

impl Process for MasterProcess {
    fn unhandled(&mut self, ctx: &mut Context<Self>, message: Message) {
        self.log.record("master", &message);
        self.answer(ctx, &message);
    }
}

struct Observer {
    log: Log,
}

impl Process for Observer {
    fn unhandled(&mut self, _ctx: &mut Context<Self>, message: Message) {
        self.log.record("slave-observer(1)", &message);
    }
}

/// The fake master and its recorded traffic.
pub struct FakeMaster {
    master: Pid<MasterProcess>,
    observer: Pid<Observer>,
    log: Log,
    behaviour: Arc<Mutex<Behaviour>>,
}

/// A runtime on 127.0.0.1 and a free port.
/// A fake master on its own runtime, and the configuration of a fleet of
/// `agents` checkpointing under a work directory, for tests that restart
/// the fleet.
pub async fn restartable_fleet(
    agents: usize,
) -> (
    Runtime,
    FakeMaster,
    tempfile::TempDir,
    mesos_sim::FleetConfig,
) {
    let master_runtime = runtime().await;
    let master = FakeMaster::start(&master_runtime, Behaviour::default());
    let work_dir = tempfile::tempdir().unwrap();
    let mut config = mesos_sim::FleetConfig::new(agents);
    config.work_dir = Some(work_dir.path().to_owned());
    (master_runtime, master, work_dir, config)
}

pub async fn runtime() -> Runtime {
    Runtime::start(Config::loopback())
        .await
        .expect("runtime starts")
}

impl FakeMaster {
    /// Spawns `master` and `slave-observer(1)` into `runtime`.
    pub fn start(runtime: &Runtime, behaviour: Behaviour) -> FakeMaster {
        let log = Log {
            messages: Arc::default(),
            changed: Arc::new(watch::Sender::new(0)),
        };
        let behaviour = Arc::new(Mutex::new(behaviour));
        let master = runtime
            .spawn(
                "master",
                MasterProcess {
                    log: log.clone(),
                    behaviour: behaviour.clone(),
                    ids: HashMap::new(),
                },
            )
            .expect("spawns master");
        let observer = runtime
            .spawn("slave-observer(1)", Observer { log: log.clone() })
            .expect("spawns the observer");
        FakeMaster {
            master,
            observer,
            log,
            behaviour,
        }
    }

    pub fn pid(&self) -> Upid {
        self.master.upid().clone()
    }

    pub fn observer(&self) -> Upid {
        self.observer.upid().clone()
    }

    /// A detector that names this master.
    pub fn detector(&self) -> Arc<StandaloneMasterDetector> {
        mesos_sim::standalone_detector(&self.pid())
    }

    pub fn set_behaviour(&self, change: impl FnOnce(&mut Behaviour)) {
        change(&mut self.behaviour.lock().unwrap());
    }

    /// Everything received so far named `name` (the short name, e.g.
    /// `StatusUpdateMessage`).
    pub fn messages(&self, name: &str) -> Vec<Received> {
        let full = format!("mesos.internal.{name}");
        self.log
            .messages
            .lock()
            .unwrap()
            .iter()
            .filter(|received| received.name == full)
            .cloned()
            .collect()
    }

    /// Waits until at least `count` messages named `name` have arrived and
    /// returns them all.
    pub async fn wait_for(&self, name: &str, count: usize) -> Vec<Received> {
        self.wait_until(name, |messages| messages.len() >= count)
            .await
    }

    /// Waits until messages named `name` have come from at least `count`
    /// different senders, and returns them all.
    pub async fn wait_for_senders(&self, name: &str, count: usize) -> Vec<Received> {
        self.wait_until(name, |messages| {
            messages
                .iter()
                .map(|received| &received.from)
                .collect::<std::collections::HashSet<_>>()
                .len()
                >= count
        })
        .await
    }

    /// Waits until the messages named `name` satisfy `done`.
    pub async fn wait_until(
        &self,
        name: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let mut changed = self.log.changed.subscribe();
        let wait = async {
            loop {
                let messages = self.messages(name);
                if done(&messages) {
                    return messages;
                }
                changed.changed().await.expect("the log lives");
            }
        };
        // A guard against hanging forever, not a timing assertion.
        tokio::time::timeout(Duration::from_secs(600), wait)
            .await
            .unwrap_or_else(|_| panic!("waiting for {name} timed out"))
    }

    /// Sends `message` from `master`.
    pub fn send<M: prost::Message + prost::Name + Send + 'static>(&self, to: &Upid, message: M) {
        let to = to.clone();
        self.master
            .dispatch(move |_, ctx| ctx.send_protobuf(&to, &message));
    }

    /// Pings `to` from `slave-observer(1)`.
    pub fn ping(&self, to: &Upid, connected: bool) {
        let to = to.clone();
        self.observer
            .dispatch(move |_, ctx| ctx.send_protobuf(&to, &PingSlaveMessage { connected }));
    }
}

/// The golden `RunTaskMessage` (mesos-execute's `echo hi`, a framework
/// with TASK_KILLING_STATE and PARTITION_AWARE) retargeted at `slave_id`,
/// as task `task_id` running `command`.
pub fn run_task(slave_id: &str, task_id: &str, command: &str) -> RunTaskMessage {
    let mut message: RunTaskMessage =
        proto::decode(&golden_body("s2-v1-scheduler-protobuf", 3)).expect("golden RunTaskMessage");
    message.task.slave_id.value = slave_id.to_owned();
    message.task.task_id.value = task_id.to_owned();
    message.task.name = task_id.to_owned();
    message.task.command.as_mut().expect("a command task").value = Some(command.to_owned());
    message
}

/// The body of golden message `seq` of scenario `scenario`.
pub fn golden_body(scenario: &str, seq: u64) -> Vec<u8> {
    let path = testkit::golden_dir().join(scenario).join("messages.jsonl");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    let record = text
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("jsonl"))
        .find(|record| record["seq"] == seq)
        .unwrap_or_else(|| panic!("no message {seq} in {scenario}"));
    base64::engine::general_purpose::STANDARD
        .decode(record["body_b64"].as_str().expect("a body"))
        .expect("base64")
}

/// Every field path set in `message` (`slave.resources[].name`, ...), as
/// Mesos's JSON shows it: for comparing which fields two messages carry.
pub fn field_paths<M: prost::Message + prost::Name>(
    message: &M,
) -> std::collections::BTreeSet<String> {
    fn walk(value: &serde_json::Value, path: &str, out: &mut std::collections::BTreeSet<String>) {
        match value {
            serde_json::Value::Object(fields) => {
                for (key, value) in fields {
                    let path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    out.insert(path.clone());
                    walk(value, &path, out);
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(item, &format!("{path}[]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk(&proto::json::to_value(message), "", &mut out);
    out
}
