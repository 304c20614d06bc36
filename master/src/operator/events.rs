//! `SUBSCRIBE`: the operator event stream, as Mesos 1.11 serves it — `200`
//! with a chunked RecordIO body (`<length>\n<record>`) in the format the
//! client accepts, and no `Mesos-Stream-Id`:
//!
//! 1. `SUBSCRIBED` with the whole state (`GET_STATE`) and the heartbeat
//!    interval (15 s), then `HEARTBEAT` at once and every 15 s;
//! 2. `AGENT_ADDED` / `AGENT_REMOVED`, `FRAMEWORK_ADDED` / `UPDATED` /
//!    `REMOVED`, `TASK_ADDED` / `TASK_UPDATED` as the master changes.
//!
//! The snapshot is taken on the master so that no event can slip between
//! it and the first event after it. A subscriber that disconnects, or
//! stops reading until its stream's buffer is full, is dropped.

use super::{Call, Format, evolve, queries};
use crate::master::MasterProcess;
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use libprocess::{Context, Pipe, Reply, Response};
use prost::Message as _;
use proto::mesos::v1::master::{Event, event};
use proto::mesos::{FrameworkInfo, SlaveInfo, Task, TaskStatus};
use serde_json::Value as Json;
use std::time::Duration;

/// Mesos's `DEFAULT_HEARTBEAT_INTERVAL`.
const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(15);

/// Records a subscriber may leave unread before it is dropped.
const STREAM_CAPACITY: usize = 10_000;

/// One open operator event stream.
#[derive(Debug)]
pub(crate) struct Subscriber {
    pipe: Pipe,
    format: Format,
}

fn record(format: Format, event: &Event, patch: &dyn Fn(&mut Json)) -> Bytes {
    let body = match format {
        Format::Json => {
            let mut json = proto::json::to_value(event);
            patch(&mut json);
            json.to_string().into_bytes()
        }
        Format::Protobuf => event.encode_to_vec(),
    };
    let mut framed = format!("{}\n", body.len()).into_bytes();
    framed.extend_from_slice(&body);
    Bytes::from(framed)
}

fn event(kind: event::Type) -> Event {
    Event {
        r#type: Some(kind as i32),
        ..Event::default()
    }
}

/// Answers `SUBSCRIBE`: the stream, its snapshot and its heartbeats.
pub(super) fn subscribe(
    master: &mut MasterProcess,
    ctx: &Context<MasterProcess>,
    call: Call,
) -> Reply {
    let (response, pipe) = Response::stream(StatusCode::OK, STREAM_CAPACITY);
    let content_type = match call.format {
        Format::Json => "application/json",
        Format::Protobuf => "application/x-protobuf",
    };
    let response =
        response.with_header(header::CONTENT_TYPE, HeaderValue::from_static(content_type));

    let view = master.read_view(ctx.pid());
    let mut subscribed = event(event::Type::Subscribed);
    subscribed.subscribed = Some(event::Subscribed {
        get_state: Some(queries::state(&view)),
        heartbeat_interval_seconds: Some(HEARTBEAT_INTERVAL.as_secs_f64()),
    });
    let snapshot = record(call.format, &subscribed, &|json| {
        if let Some(state) = json.pointer_mut("/subscribed/get_state") {
            queries::fill_lists(state);
            queries::write_agent_infos_as_v0(state, &view);
        }
    });
    if pipe.write(snapshot).is_err() {
        return response.into();
    }
    let heartbeat = record(call.format, &event(event::Type::Heartbeat), &|_| {});
    let beating = pipe.clone();
    tokio::spawn(async move {
        while beating.write(heartbeat.clone()).is_ok() {
            tokio::select! {
                () = tokio::time::sleep(HEARTBEAT_INTERVAL) => {}
                () = beating.closed() => break,
            }
        }
    });
    master.operator.subscribers.push(Subscriber {
        pipe,
        format: call.format,
    });
    response.into()
}

impl MasterProcess {
    /// Sends `event` to every operator subscriber; `patch` adjusts its JSON.
    fn publish_operator_event(&mut self, event: &Event, patch: &dyn Fn(&mut Json)) {
        self.operator.subscribers.retain(|subscriber| {
            let delivered = subscriber
                .pipe
                .write(record(subscriber.format, event, patch))
                .is_ok();
            if !delivered {
                tracing::info!("dropping an operator subscriber that left or stopped reading");
            }
            delivered
        });
    }

    fn has_operator_subscribers(&self) -> bool {
        !self.operator.subscribers.is_empty()
    }

    /// `AGENT_ADDED`, for a newly registered (or reregistered) agent.
    pub(crate) fn agent_added_event(&mut self, id: &str) {
        if !self.has_operator_subscribers() {
            return;
        }
        let Some(agent) = self.agents.registered.get(id) else {
            return;
        };
        let info: SlaveInfo = agent.info.clone();
        let mut added = event(event::Type::AgentAdded);
        added.agent_added = Some(event::AgentAdded {
            agent: queries::agent_record(
                &self.agents,
                agent,
                &Default::default(),
                &Default::default(),
            ),
        });
        self.publish_operator_event(&added, &|json| {
            if let Some(entry) = json.pointer_mut("/agent_added/agent/agent_info") {
                *entry = proto::json::to_value(&info);
            }
        });
    }

    /// `AGENT_REMOVED`.
    pub(crate) fn agent_removed_event(&mut self, id: &str) {
        if !self.has_operator_subscribers() {
            return;
        }
        let mut removed = event(event::Type::AgentRemoved);
        removed.agent_removed = Some(event::AgentRemoved {
            agent_id: proto::mesos::v1::AgentId {
                value: id.to_owned(),
            },
        });
        self.publish_operator_event(&removed, &|_| {});
    }

    /// `FRAMEWORK_ADDED` (`added`) or `FRAMEWORK_UPDATED`.
    pub(crate) fn framework_event(&mut self, ctx: &Context<Self>, id: &str, added: bool) {
        if !self.has_operator_subscribers() {
            return;
        }
        let view = self.read_view(ctx.pid());
        let Some(framework) = view.frameworks.iter().find(|f| f.id() == id) else {
            return;
        };
        // Mesos's events carry the framework as its `model()` writes it:
        // with an unregistered time (zero while registered) and without
        // offer constraints.
        let mut framework = queries::framework(&view, framework);
        framework.offer_constraints = None;
        framework
            .unregistered_time
            .get_or_insert(proto::mesos::v1::TimeInfo { nanoseconds: 0 });
        let event = if added {
            let mut event = event(event::Type::FrameworkAdded);
            event.framework_added = Some(event::FrameworkAdded { framework });
            event
        } else {
            let mut event = event(event::Type::FrameworkUpdated);
            event.framework_updated = Some(event::FrameworkUpdated { framework });
            event
        };
        self.publish_operator_event(&event, &|_| {});
    }

    /// `FRAMEWORK_REMOVED`.
    pub(crate) fn framework_removed_event(&mut self, info: &FrameworkInfo) {
        if !self.has_operator_subscribers() {
            return;
        }
        let mut removed = event(event::Type::FrameworkRemoved);
        removed.framework_removed = Some(event::FrameworkRemoved {
            framework_info: evolve(info),
        });
        self.publish_operator_event(&removed, &|_| {});
    }

    /// `TASK_ADDED`, for a task just launched.
    pub(crate) fn task_added_event(&mut self, task: &Task) {
        if !self.has_operator_subscribers() {
            return;
        }
        let mut added = event(event::Type::TaskAdded);
        added.task_added = Some(event::TaskAdded { task: evolve(task) });
        self.publish_operator_event(&added, &|_| {});
    }

    /// `TASK_UPDATED`: a status update for a task, with its latest state.
    pub(crate) fn task_updated_event(&mut self, task: &Task, status: &TaskStatus) {
        if !self.has_operator_subscribers() {
            return;
        }
        let mut updated = event(event::Type::TaskUpdated);
        updated.task_updated = Some(event::TaskUpdated {
            framework_id: evolve(&task.framework_id),
            status: evolve(status),
            state: task.state,
        });
        self.publish_operator_event(&updated, &|_| {});
    }
}
