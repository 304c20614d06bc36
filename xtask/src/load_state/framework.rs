//! One v1 HTTP scheduler (JSON) that launches the load tool's tasks: it
//! subscribes, takes tasks from the shared quota for each offer — long
//! tasks on agents labelled `load:running`, short ones on `load:completed`
//! — declines what it does not need, and acknowledges every status update
//! (the master moves a finished task to `completed_tasks` only once its
//! terminal update is acknowledged).

use super::client::{Connection, RecordIo, expect};
use anyhow::{Context, Result, bail};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

const SCHEDULER: &str = "/api/v1/scheduler";
/// Connections each framework sends its calls over.
const CALL_CONNECTIONS: usize = 4;
/// Tasks' prefixes tell, in a status update, which kind a task is.
const RUNNING_PREFIX: &str = "run-";
const COMPLETED_PREFIX: &str = "done-";

/// What every framework shares: how many tasks are still to launch, and
/// how far the cluster has got.
#[derive(Debug, Default)]
pub struct Progress {
    pub running_to_launch: AtomicUsize,
    pub completed_to_launch: AtomicUsize,
    pub tasks_per_offer: usize,
    /// Long tasks seen TASK_RUNNING. Sets, not counters: an agent resends
    /// an update until it is acknowledged, so one can arrive twice.
    pub running: Mutex<HashSet<String>>,
    /// Short tasks seen TASK_FINISHED.
    pub completed: Mutex<HashSet<String>>,
    /// Terminal updates other than a short task's TASK_FINISHED.
    pub failed: AtomicUsize,
    /// Calls answered other than `202 Accepted`.
    pub call_errors: AtomicUsize,
}

impl Progress {
    /// Takes up to `wanted` tasks from a quota.
    fn take(quota: &AtomicUsize, wanted: usize) -> usize {
        let before = quota
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                Some(left - left.min(wanted))
            })
            .expect("the closure always returns Some");
        before.min(wanted)
    }
}

/// Runs one framework until its event stream ends (the master stops) or
/// a call fails to be sent.
pub async fn run(master: SocketAddr, index: usize, progress: Arc<Progress>) -> Result<()> {
    let mut subscription = Connection::open(master).await?;
    let subscribe = json!({
        "type": "SUBSCRIBE",
        "subscribe": {"framework_info": {
            "user": "load-state",
            "name": format!("load-state-{index}"),
        }},
    });
    let response = subscription
        .send(
            Method::POST,
            SCHEDULER,
            &[
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
            ],
            serde_json::to_vec(&subscribe)?.into(),
        )
        .await?;
    if response.status() != StatusCode::OK {
        bail!("SUBSCRIBE answered {}", response.status());
    }
    let stream_id = response
        .headers()
        .get("Mesos-Stream-Id")
        .context("SUBSCRIBE answered no Mesos-Stream-Id")?
        .to_str()?
        .to_owned();
    let mut events = RecordIo::new(response.into_body());

    let (calls, queue) = mpsc::unbounded_channel::<Value>();
    let queue = Arc::new(tokio::sync::Mutex::new(queue));
    for _ in 0..CALL_CONNECTIONS {
        let connection = Connection::open(master).await?;
        tokio::spawn(send_calls(
            connection,
            stream_id.clone(),
            queue.clone(),
            progress.clone(),
        ));
    }

    let mut framework_id = Value::Null;
    while let Some(event) = events.next().await? {
        match event["type"].as_str() {
            Some("SUBSCRIBED") => framework_id = event["subscribed"]["framework_id"].clone(),
            Some("OFFERS") => {
                for call in answer_offers(&framework_id, &event["offers"]["offers"], &progress) {
                    calls.send(call)?;
                }
            }
            Some("UPDATE") => {
                let status = &event["update"]["status"];
                count_update(status, &progress);
                // Updates the master made itself carry no uuid and need
                // no acknowledgement.
                if let Some(uuid) = status.get("uuid") {
                    calls.send(json!({
                        "framework_id": framework_id,
                        "type": "ACKNOWLEDGE",
                        "acknowledge": {
                            "agent_id": status["agent_id"],
                            "task_id": status["task_id"],
                            "uuid": uuid,
                        },
                    }))?;
                }
            }
            Some("ERROR") => bail!("the master sent ERROR: {}", event["error"]["message"]),
            _ => {}
        }
    }
    Ok(())
}

/// Sends queued calls over one connection, as long as the framework runs.
async fn send_calls(
    mut connection: Connection,
    stream_id: String,
    queue: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Value>>>,
    progress: Arc<Progress>,
) {
    loop {
        let Some(call) = queue.lock().await.recv().await else {
            return;
        };
        match connection
            .post_json(SCHEDULER, &[("Mesos-Stream-Id", &stream_id)], &call)
            .await
        {
            Ok((status, body)) => {
                if let Err(error) = expect(status, StatusCode::ACCEPTED, &body, "a call")
                    && progress.call_errors.fetch_add(1, Ordering::SeqCst) < 5
                {
                    eprintln!("load-state: {} {error}", call["type"]);
                }
            }
            Err(error) => {
                eprintln!("load-state: sending a call failed: {error:#}");
                return;
            }
        }
    }
}

/// ACCEPTs (one per offer: an ACCEPT names one agent's offers) launching
/// tasks from the quota that the offer's agent is labelled for, and one
/// DECLINE, with a long filter, of the offers not needed.
fn answer_offers(framework_id: &Value, offers: &Value, progress: &Progress) -> Vec<Value> {
    let mut calls = Vec::new();
    let mut declined = Vec::new();
    for offer in offers.as_array().into_iter().flatten() {
        let (quota, prefix) = match load_label(offer) {
            Some("running") => (&progress.running_to_launch, RUNNING_PREFIX),
            Some("completed") => (&progress.completed_to_launch, COMPLETED_PREFIX),
            _ => (&progress.running_to_launch, ""),
        };
        let count = if prefix.is_empty() {
            0
        } else {
            Progress::take(quota, progress.tasks_per_offer)
        };
        if count == 0 {
            declined.push(offer["id"].clone());
            continue;
        }
        let offer_id = offer["id"]["value"].as_str().unwrap_or_default();
        let tasks: Vec<Value> = (0..count)
            .map(|n| {
                json!({
                    "name": "load-state",
                    "task_id": {"value": format!("{prefix}{offer_id}-{n}")},
                    "agent_id": offer["agent_id"],
                    "resources": [
                        {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.01}},
                        {"name": "mem", "type": "SCALAR", "scalar": {"value": 8}},
                    ],
                    "command": {"value": "sleep 3600"},
                })
            })
            .collect();
        calls.push(json!({
            "framework_id": framework_id,
            "type": "ACCEPT",
            "accept": {
                "offer_ids": [offer["id"]],
                "operations": [{"type": "LAUNCH", "launch": {"task_infos": tasks}}],
            },
        }));
    }
    if !declined.is_empty() {
        calls.push(json!({
            "framework_id": framework_id,
            "type": "DECLINE",
            "decline": {"offer_ids": declined, "filters": {"refuse_seconds": 3600.0}},
        }));
    }
    calls
}

/// The text value of the offer's `load` attribute.
fn load_label(offer: &Value) -> Option<&str> {
    offer["attributes"]
        .as_array()?
        .iter()
        .find(|attribute| attribute["name"] == "load")?["text"]["value"]
        .as_str()
}

fn count_update(status: &Value, progress: &Progress) {
    let task = status["task_id"]["value"].as_str().unwrap_or_default();
    match status["state"].as_str().unwrap_or_default() {
        "TASK_RUNNING" if task.starts_with(RUNNING_PREFIX) => {
            lock(&progress.running).insert(task.to_owned());
        }
        "TASK_FINISHED" if task.starts_with(COMPLETED_PREFIX) => {
            lock(&progress.completed).insert(task.to_owned());
        }
        "TASK_STAGING" | "TASK_STARTING" | "TASK_RUNNING" => {}
        _ => {
            progress.failed.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// How many tasks `seen` holds.
pub fn seen(tasks: &Mutex<HashSet<String>>) -> usize {
    lock(tasks).len()
}

fn lock(tasks: &Mutex<HashSet<String>>) -> std::sync::MutexGuard<'_, HashSet<String>> {
    tasks
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
