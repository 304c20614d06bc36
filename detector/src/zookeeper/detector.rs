//! The ZooKeeper detector: follows the lowest `json.info_` child of the group.

use super::{Group, RETRY_INTERVAL, SessionLoss, TaskGuard, leader_node_sequence, retryable};
use crate::{DetectorError, MasterDetector};
use async_trait::async_trait;
use flags::ZkUrl;
use proto::mesos::MasterInfo;
use std::time::Duration;
use tokio::sync::watch;
use zookeeper_client::Client;

/// What the detector last concluded.
#[derive(Debug, Clone, PartialEq)]
enum Detection {
    Leader(Option<MasterInfo>),
    Failed(DetectorError),
}

/// Watches the group's children in a session of its own and reports the
/// `MasterInfo` of the lowest `json.info_` child; other children
/// (`log_replicas`, legacy `info_` nodes) are ignored.
///
/// While its session is lost the detector reports no leader, then opens a
/// new session and follows the group again. It fails (every `detect` returns
/// the error) when ZooKeeper refuses access to the group, and while the
/// leading znode does not hold a `MasterInfo` in Mesos's JSON. Dropping the
/// detector closes its session.
#[derive(Debug)]
pub struct ZooKeeperMasterDetector {
    detection: watch::Receiver<Detection>,
    _follow: TaskGuard,
}

impl ZooKeeperMasterDetector {
    /// Starts following the group at `url` (in the current tokio runtime).
    /// Fails if the URL's path is `/`.
    pub fn new(url: &ZkUrl, session_timeout: Duration) -> Result<Self, DetectorError> {
        let group = Group::new(url, session_timeout)?;
        let (sender, detection) = watch::channel(Detection::Leader(None));
        let follow = tokio::spawn(follow(group, sender));
        Ok(ZooKeeperMasterDetector {
            detection,
            _follow: TaskGuard(follow.abort_handle()),
        })
    }
}

#[async_trait]
impl MasterDetector for ZooKeeperMasterDetector {
    async fn detect(
        &self,
        previous: Option<&MasterInfo>,
    ) -> Result<Option<MasterInfo>, DetectorError> {
        let mut detection = self.detection.clone();
        let changed = detection
            .wait_for(|detection| match detection {
                Detection::Leader(leader) => leader.as_ref() != previous,
                Detection::Failed(_) => true,
            })
            .await
            .map_err(|e| DetectorError::Stopped(e.to_string()))?;
        match &*changed {
            Detection::Leader(leader) => Ok(leader.clone()),
            Detection::Failed(error) => Err(error.clone()),
        }
    }
}

/// Publishes `detection` if it differs from the last one.
fn publish(sender: &watch::Sender<Detection>, detection: Detection) {
    sender.send_if_modified(|current| {
        let changed = *current != detection;
        if changed {
            match &detection {
                Detection::Leader(Some(leader)) => {
                    tracing::info!(pid = %leader.pid(), "a new leading master is detected");
                }
                Detection::Leader(None) => tracing::info!("no leading master"),
                Detection::Failed(error) => tracing::error!(%error, "failed to detect the leader"),
            }
            *current = detection;
        }
        changed
    });
}

/// Follows the group session after session until ZooKeeper refuses us.
async fn follow(group: Group, sender: watch::Sender<Detection>) {
    loop {
        let refused = match group.connect().await {
            Ok(client) => match follow_session(&group, &client, &sender).await {
                Ok(loss) => {
                    tracing::warn!(%loss, "following the group on a new session");
                    publish(&sender, Detection::Leader(None));
                    continue;
                }
                Err(refused) => refused,
            },
            Err(refused) => refused,
        };
        publish(&sender, Detection::Failed(refused));
        return;
    }
}

/// Follows the group in one session: returns when the session is lost, or
/// with the error when ZooKeeper refuses to list the group.
async fn follow_session(
    group: &Group,
    client: &Client,
    sender: &watch::Sender<Detection>,
) -> Result<SessionLoss, DetectorError> {
    let session_lost = super::session_lost(client);
    tokio::pin!(session_lost);
    let mut leading_node: Option<String> = None;
    loop {
        let listed = tokio::select! {
            loss = &mut session_lost => return Ok(loss),
            listed = client.get_and_watch_children(&group.znode) => listed,
        };
        let (children, _, watcher) = match listed {
            Ok(listed) => listed,
            Err(error) if retryable(&error) => {
                tokio::select! {
                    loss = &mut session_lost => return Ok(loss),
                    () = tokio::time::sleep(RETRY_INTERVAL) => continue,
                }
            }
            Err(error) => {
                return Err(DetectorError::ZooKeeper(format!(
                    "cannot list '{}': {error}",
                    group.znode
                )));
            }
        };
        let leader = children
            .into_iter()
            .filter_map(|child| leader_node_sequence(&child).map(|sequence| (sequence, child)))
            .min()
            .map(|(_, child)| child);
        if leader != leading_node {
            let detection = match &leader {
                None => Detection::Leader(None),
                Some(node) => match read_leader(client, &format!("{}/{node}", group.znode)).await {
                    Ok(detection) => detection,
                    Err(_retryable) => {
                        tokio::select! {
                            loss = &mut session_lost => return Ok(loss),
                            () = tokio::time::sleep(RETRY_INTERVAL) => continue,
                        }
                    }
                },
            };
            publish(sender, detection);
            leading_node = leader;
        }
        tokio::select! {
            loss = &mut session_lost => return Ok(loss),
            _event = watcher.changed() => {}
        }
    }
}

/// Reads the leader's `MasterInfo` from its znode; an error is one worth
/// retrying.
async fn read_leader(client: &Client, node: &str) -> Result<Detection, zookeeper_client::Error> {
    let bad = |reason: String| {
        Detection::Failed(DetectorError::BadLeader {
            node: node.to_owned(),
            reason,
        })
    };
    Ok(match client.get_data(node).await {
        Ok((data, _)) => match std::str::from_utf8(&data) {
            Ok(text) => match proto::json::from_str::<MasterInfo>(text) {
                Ok(info) => Detection::Leader(Some(info)),
                Err(error) => bad(error.to_string()),
            },
            Err(error) => bad(format!("not UTF-8 text: {error}")),
        },
        // Gone before we read it: the children watch tells what comes next.
        Err(zookeeper_client::Error::NoNode) => Detection::Leader(None),
        Err(error) if retryable(&error) => return Err(error),
        Err(error) => bad(format!("cannot read it: {error}")),
    })
}
