//! The ZooKeeper contender: one ephemeral `json.info_` znode per candidacy.

use super::{Group, LEADER_NODE_PREFIX, RETRY_INTERVAL, SessionLoss, TaskGuard, retryable};
use crate::{Candidacy, DetectorError, MasterContender};
use async_trait::async_trait;
use flags::ZkUrl;
use proto::mesos::MasterInfo;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;
use zookeeper_client::{Client, CreateMode, EventType};

/// Contends by holding an ephemeral sequential `json.info_` znode with this
/// master's `MasterInfo`, in a ZooKeeper session of its own.
///
/// The candidacy is lost when the session is (see the module guide), or when
/// the znode is deleted by someone else. Dropping the contender closes its
/// session, which makes ZooKeeper remove the znode promptly.
#[derive(Debug)]
pub struct ZooKeeperMasterContender {
    group: Group,
    info: Mutex<Option<MasterInfo>>,
    /// The candidacy in progress, if any; a new `contend` replaces it only
    /// once it is lost.
    membership: tokio::sync::Mutex<Option<Membership>>,
}

#[derive(Debug)]
struct Membership {
    lost: watch::Receiver<bool>,
    /// Holds the session; aborting it closes the session.
    _watch: TaskGuard,
}

impl ZooKeeperMasterContender {
    /// A contender for the group at `url`. Fails if the URL's path is `/`.
    pub fn new(url: &ZkUrl, session_timeout: Duration) -> Result<Self, DetectorError> {
        Ok(ZooKeeperMasterContender {
            group: Group::new(url, session_timeout)?,
            info: Mutex::new(None),
            membership: tokio::sync::Mutex::new(None),
        })
    }

    /// Joins the group: a new session and a new znode. A failure after the
    /// session opened drops it, which also removes a znode that was created
    /// but whose reply was lost.
    async fn join(&self, data: &[u8]) -> Result<(Client, String), DetectorError> {
        let prefix = format!("{}/{LEADER_NODE_PREFIX}", self.group.znode);
        let options = CreateMode::EphemeralSequential.with_acls(self.group.acls());
        loop {
            let client = self.group.connect().await?;
            match client.create(&prefix, data, &options).await {
                Ok((_, sequence)) => return Ok((client, format!("{prefix}{sequence}"))),
                Err(error) if retryable(&error) => {
                    tracing::warn!(%error, "could not create our znode; retrying on a new session");
                    drop(client);
                    tokio::time::sleep(RETRY_INTERVAL).await;
                }
                Err(error) => {
                    return Err(DetectorError::ZooKeeper(format!(
                        "cannot create '{prefix}…': {error}"
                    )));
                }
            }
        }
    }
}

#[async_trait]
impl MasterContender for ZooKeeperMasterContender {
    fn initialize(&self, info: MasterInfo) {
        *self.info.lock().expect("contender lock") = Some(info);
    }

    async fn contend(&self) -> Result<Candidacy, DetectorError> {
        let info = self
            .info
            .lock()
            .expect("contender lock")
            .clone()
            .ok_or(DetectorError::NotInitialized)?;
        let mut membership = self.membership.lock().await;
        if let Some(current) = membership.as_ref().filter(|m| !*m.lost.borrow()) {
            return Ok(Candidacy::new(current.lost.clone()));
        }
        // Withdraw a lost candidacy before contending anew.
        *membership = None;

        let (client, node) = self.join(proto::json::to_string(&info).as_bytes()).await?;
        tracing::info!(%node, "entered the contest for leadership");
        let (lost_sender, lost) = watch::channel(false);
        let watch = tokio::spawn(async move {
            let reason = hold(&client, &node).await;
            tracing::warn!(%node, %reason, "lost candidacy");
            lost_sender.send_replace(true);
        });
        *membership = Some(Membership {
            lost: lost.clone(),
            _watch: TaskGuard(watch.abort_handle()),
        });
        Ok(Candidacy::new(lost))
    }
}

/// Why a candidacy ended.
#[derive(Debug)]
enum Loss {
    Session(SessionLoss),
    NodeDeleted,
    Watch(zookeeper_client::Error),
}

impl std::fmt::Display for Loss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Loss::Session(loss) => loss.fmt(f),
            Loss::NodeDeleted => f.write_str("our znode was deleted"),
            Loss::Watch(error) => write!(f, "cannot watch our znode: {error}"),
        }
    }
}

/// Keeps the candidacy until the session or the znode goes.
async fn hold(client: &Client, node: &str) -> Loss {
    let session_lost = super::session_lost(client);
    tokio::pin!(session_lost);
    loop {
        let watched = tokio::select! {
            loss = &mut session_lost => return Loss::Session(loss),
            watched = client.check_and_watch_stat(node) => watched,
        };
        match watched {
            Ok((None, _)) => return Loss::NodeDeleted,
            Ok((Some(_), watcher)) => {
                let event = tokio::select! {
                    loss = &mut session_lost => return Loss::Session(loss),
                    event = watcher.changed() => event,
                };
                if event.event_type == EventType::NodeDeleted {
                    return Loss::NodeDeleted;
                }
                // A data change or a session event: watch again; a lost
                // session is reported by `session_lost`.
            }
            Err(error) if retryable(&error) => {
                tokio::select! {
                    loss = &mut session_lost => return Loss::Session(loss),
                    () = tokio::time::sleep(RETRY_INTERVAL) => {}
                }
            }
            Err(error) => return Loss::Watch(error),
        }
    }
}
