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
//!
//! # What each subscriber sees
//!
//! As Mesos's `Subscriber::send`: the subscriber's `VIEW_*` approvers (a
//! [`Viewer`]) are fetched once, when it subscribes, before its snapshot
//! is rendered from what they let it see (as `GET_STATE` answers it). Each
//! event is then judged against them ([`visible_part`]):
//!
//! | event | sent when the subscriber may view | resources left out |
//! |---|---|---|
//! | `TASK_ADDED`, `TASK_UPDATED` | the task's framework and the task | — |
//! | `FRAMEWORK_ADDED`, `FRAMEWORK_UPDATED` | the framework | allocated and offered ones reserved to hidden roles |
//! | `FRAMEWORK_REMOVED` | the framework | — |
//! | `AGENT_ADDED` | always | total ones reserved to hidden roles |
//! | `AGENT_REMOVED`, `HEARTBEAT` | always | — |
//!
//! Without `--acls` every subscriber sees everything and each event is
//! encoded once per format for all of them.

use super::{Call, Format, evolve, queries};
use crate::authorization::Viewer;
use crate::master::MasterProcess;
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use libprocess::{Context, Pipe, Reply, Response};
use prost::Message as _;
use proto::mesos::v1::Resource as V1Resource;
use proto::mesos::v1::master::{Event, event};
use proto::mesos::{FrameworkInfo, SlaveInfo, Task, TaskStatus};
use serde_json::Value as Json;
use std::borrow::Cow;
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
    /// What the subscriber may see, fetched when it subscribed.
    viewer: Viewer,
}

/// Who an event is about, which decides who may see it.
#[derive(Debug, Clone, Copy)]
enum About<'a> {
    /// The cluster (agents, heartbeats): anyone.
    Cluster,
    /// A framework: those who may view it.
    Framework(&'a FrameworkInfo),
    /// A task of a framework: those who may view both.
    Task(&'a Task, &'a FrameworkInfo),
}

/// What `viewer` may see of `event` (about `about`): nothing, all of it,
/// or a copy without the resources reserved to roles it may not view.
fn visible_part<'e>(event: &'e Event, about: About<'_>, viewer: &Viewer) -> Option<Cow<'e, Event>> {
    if viewer.sees_everything() {
        return Some(Cow::Borrowed(event));
    }
    let visible = match about {
        About::Cluster => true,
        About::Framework(framework) => viewer.framework(framework),
        About::Task(task, framework) => viewer.framework(framework) && viewer.task(task, framework),
    };
    if !visible {
        return None;
    }
    let carries_resources = event.agent_added.is_some()
        || event.framework_added.is_some()
        || event.framework_updated.is_some();
    if !carries_resources {
        return Some(Cow::Borrowed(event));
    }
    let mut restricted = event.clone();
    let mut hidden = false;
    for resources in resource_lists(&mut restricted) {
        let before = resources.len();
        resources.retain(|resource| queries::visible_resource(viewer, resource));
        hidden |= resources.len() != before;
    }
    Some(if hidden {
        Cow::Owned(restricted)
    } else {
        Cow::Borrowed(event)
    })
}

/// The resources of `event` Mesos filters by role: an added agent's total,
/// an added or updated framework's allocated and offered ones (kept in step
/// with `carries_resources` in [`visible_part`]).
fn resource_lists(event: &mut Event) -> Vec<&mut Vec<V1Resource>> {
    let mut lists = Vec::new();
    if let Some(added) = &mut event.agent_added {
        lists.push(&mut added.agent.total_resources);
    }
    let frameworks = [
        event
            .framework_added
            .as_mut()
            .map(|added| &mut added.framework),
        event
            .framework_updated
            .as_mut()
            .map(|updated| &mut updated.framework),
    ];
    for framework in frameworks.into_iter().flatten() {
        lists.push(&mut framework.allocated_resources);
        lists.push(&mut framework.offered_resources);
    }
    lists
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

/// Answers `SUBSCRIBE`: fetches what the subscriber may see, then opens
/// its stream on the master.
pub(super) fn subscribe(
    master: &mut MasterProcess,
    ctx: &Context<MasterProcess>,
    call: Call,
) -> Reply {
    if master.authorizer.is_none() {
        return open_stream(master, ctx, call, Viewer::everything()).into();
    }
    let principal = call.principal.as_ref().and_then(|p| p.value.clone());
    let viewer = Viewer::fetch(master.authorizer.clone(), principal);
    let handle = ctx.handle();
    Reply::later(async move {
        match viewer.await {
            Ok(viewer) => handle
                .call(move |master: &mut MasterProcess, ctx| open_stream(master, ctx, call, viewer))
                .await
                .unwrap_or_else(|error| {
                    Response::text(StatusCode::SERVICE_UNAVAILABLE, error.to_string())
                }),
            Err(error) => Response::text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Authorization failed: {error}"),
            ),
        }
    })
}

/// The stream of a subscriber that sees what `viewer` lets it: its
/// snapshot, its heartbeats, and the subscriber kept for the events.
fn open_stream(
    master: &mut MasterProcess,
    ctx: &Context<MasterProcess>,
    call: Call,
    viewer: Viewer,
) -> Response {
    let (response, pipe) = Response::stream(StatusCode::OK, STREAM_CAPACITY);
    let content_type = match call.format {
        Format::Json => "application/json",
        Format::Protobuf => "application/x-protobuf",
    };
    let response =
        response.with_header(header::CONTENT_TYPE, HeaderValue::from_static(content_type));

    let view = master.read_view(ctx.pid()).visible_to(&viewer);
    let mut subscribed = event(event::Type::Subscribed);
    subscribed.subscribed = Some(event::Subscribed {
        get_state: Some(queries::state(&view, &viewer)),
        heartbeat_interval_seconds: Some(HEARTBEAT_INTERVAL.as_secs_f64()),
    });
    let snapshot = record(call.format, &subscribed, &|json| {
        if let Some(state) = json.pointer_mut("/subscribed/get_state") {
            queries::fill_lists(state);
            queries::write_agent_infos_as_v0(state, &view, &viewer);
        }
    });
    if pipe.write(snapshot).is_err() {
        return response;
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
        viewer,
    });
    response
}

/// Sends `event` (about `about`) to each of `subscribers` that may see
/// it, as much of it as they may; `patch` adjusts its JSON.
fn publish(
    subscribers: &mut Vec<Subscriber>,
    event: &Event,
    about: About<'_>,
    patch: &dyn Fn(&mut Json),
) {
    // The whole event's record in each format, for all who see all of it.
    let (mut json, mut protobuf) = (None, None);
    subscribers.retain(|subscriber| {
        let format = subscriber.format;
        let framed = match visible_part(event, about, &subscriber.viewer) {
            None => return true,
            Some(Cow::Borrowed(whole)) => match format {
                Format::Json => &mut json,
                Format::Protobuf => &mut protobuf,
            }
            .get_or_insert_with(|| record(format, whole, patch))
            .clone(),
            Some(Cow::Owned(part)) => record(format, &part, patch),
        };
        let delivered = subscriber.pipe.write(framed).is_ok();
        if !delivered {
            tracing::info!("dropping an operator subscriber that left or stopped reading");
        }
        delivered
    });
}

impl MasterProcess {
    /// Sends `event` to the operator subscribers that may see it.
    fn publish_operator_event(
        &mut self,
        event: &Event,
        about: About<'_>,
        patch: &dyn Fn(&mut Json),
    ) {
        publish(&mut self.operator.subscribers, event, about, patch);
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
        self.publish_operator_event(&added, About::Cluster, &|json| {
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
        self.publish_operator_event(&removed, About::Cluster, &|_| {});
    }

    /// `FRAMEWORK_ADDED` (`added`) or `FRAMEWORK_UPDATED`.
    pub(crate) fn framework_event(&mut self, ctx: &Context<Self>, id: &str, added: bool) {
        if !self.has_operator_subscribers() {
            return;
        }
        let view = self.read_view(ctx.pid());
        let Some(registered) = view.frameworks.iter().find(|f| f.id() == id) else {
            return;
        };
        // Mesos's events carry the framework as its `model()` writes it:
        // with an unregistered time (zero while registered) and without
        // offer constraints.
        let mut framework = queries::framework(&view, registered);
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
        self.publish_operator_event(&event, About::Framework(&registered.info), &|_| {});
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
        self.publish_operator_event(&removed, About::Framework(info), &|_| {});
    }

    /// `TASK_ADDED`, for a task just launched.
    pub(crate) fn task_added_event(&mut self, task: &Task) {
        if !self.has_operator_subscribers() {
            return;
        }
        let mut added = event(event::Type::TaskAdded);
        added.task_added = Some(event::TaskAdded { task: evolve(task) });
        self.publish_task_event(&added, task);
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
        self.publish_task_event(&updated, task);
    }

    /// Sends `event` about `task` to the subscribers that may view the task
    /// and its framework. A task whose framework is not registered is
    /// judged without the framework's fields, as the queries judge it.
    fn publish_task_event(&mut self, event: &Event, task: &Task) {
        let unknown = FrameworkInfo::default();
        let framework = self
            .frameworks
            .registered
            .get(&task.framework_id.value)
            .map_or(&unknown, |framework| &framework.info);
        let about = About::Task(task, framework);
        publish(&mut self.operator.subscribers, event, about, &|_| {});
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authorizer::{Authorizer, LocalAuthorizer};
    use proto::mesos::v1::master::response::get_frameworks::Framework;
    use proto::mesos::v1::{self as v1, resource::ReservationInfo};
    use serde_json::json;
    use std::sync::Arc;

    /// The viewer of `principal` when `ops` may view everything and
    /// `reader` the frameworks of user `root` and no role.
    async fn viewer(principal: &str) -> Viewer {
        let acls = json!({
            "view_frameworks": [
                {"principals": {"values": ["ops"]}, "users": {"type": "ANY"}},
                {"principals": {"values": ["reader"]}, "users": {"values": ["root"]}},
                {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}
            ],
            "view_roles": [
                {"principals": {"values": ["ops"]}, "roles": {"type": "ANY"}},
                {"principals": {"type": "ANY"}, "roles": {"type": "NONE"}}
            ]
        });
        let authorizer: Arc<dyn Authorizer> = Arc::new(LocalAuthorizer::from_json(&acls).unwrap());
        Viewer::fetch(Some(authorizer), Some(principal.to_owned()))
            .await
            .unwrap()
    }

    fn cpus(reserved_to: Option<&str>) -> v1::Resource {
        v1::Resource {
            name: "cpus".into(),
            r#type: v1::value::Type::Scalar as i32,
            scalar: Some(v1::value::Scalar { value: 1.0 }),
            reservations: reserved_to
                .map(|role| ReservationInfo {
                    r#type: Some(v1::resource::reservation_info::Type::Static as i32),
                    role: Some(role.to_owned()),
                    ..ReservationInfo::default()
                })
                .into_iter()
                .collect(),
            ..v1::Resource::default()
        }
    }

    /// FRAMEWORK_UPDATED for `info`, with unreserved and `prod` resources.
    fn framework_updated(info: &FrameworkInfo) -> Event {
        let mut updated = event(event::Type::FrameworkUpdated);
        updated.framework_updated = Some(event::FrameworkUpdated {
            framework: Framework {
                framework_info: evolve(info),
                allocated_resources: vec![cpus(None), cpus(Some("prod"))],
                offered_resources: vec![cpus(Some("prod"))],
                ..Framework::default()
            },
        });
        updated
    }

    fn framework_of(user: &str) -> FrameworkInfo {
        FrameworkInfo {
            user: user.to_owned(),
            name: format!("{user}'s"),
            ..FrameworkInfo::default()
        }
    }

    #[tokio::test]
    async fn framework_events_reach_who_may_view_the_framework_without_hidden_roles() {
        let (ops, reader) = (viewer("ops").await, viewer("reader").await);
        let root = framework_of("root");
        let event = framework_updated(&root);

        let whole = visible_part(&event, About::Framework(&root), &ops).unwrap();
        assert!(matches!(whole, Cow::Borrowed(_)), "ops sees it all");

        let part = visible_part(&event, About::Framework(&root), &reader).unwrap();
        let framework = &part.framework_updated.as_ref().unwrap().framework;
        assert_eq!(framework.allocated_resources, [cpus(None)]);
        assert!(framework.offered_resources.is_empty());
        assert_eq!(framework.framework_info, evolve(&root));

        let bob = framework_of("bob");
        assert!(visible_part(&framework_updated(&bob), About::Framework(&bob), &reader).is_none());
    }

    #[tokio::test]
    async fn an_event_without_resources_is_shared_whole_by_who_may_see_it() {
        let reader = viewer("reader").await;
        let removed = event(event::Type::AgentRemoved);
        let seen = visible_part(&removed, About::Cluster, &reader).unwrap();
        assert!(matches!(seen, Cow::Borrowed(_)));
    }
}
