//! Leader election on ZooKeeper, laid out exactly as Mesos lays it out.
//!
//! # The znodes
//!
//! Under the `--zk` path (created with its parents if missing), each master
//! holds one ephemeral sequential node `json.info_<10-digit sequence>` whose
//! data is its `MasterInfo` rendered by [`proto::json::to_string`] — the same
//! bytes Mesos 1.11 writes (`{"id":…,"ip":…,"port":…,"pid":…,"hostname":…,
//! "version":…,"address":{…},"capabilities":[…]}`). The lowest sequence
//! leads. Nothing else is written there, so a client that takes the smallest
//! child name (pymesos) finds the leader too. Sequence numbers count all the
//! children ever created under the path, which is why a Mesos master using
//! the replicated log (it first adds `log_replicas`) gets `…0001`; only the
//! order matters to readers.
//!
//! With credentials (`zk://user:pass@…`) the session authenticates with the
//! `digest` scheme and every znode we create gets Mesos's ACL: anyone may
//! read, only the creator may do anything else. Without credentials the
//! nodes are open to all.
//!
//! # Sessions
//!
//! The contender and the detector each keep their own ZooKeeper session, as
//! Mesos's do. A session counts as lost when ZooKeeper expires or closes it,
//! or — as Mesos decides locally, to bound a split brain — when the
//! connection stays down for longer than the negotiated session timeout.
//! The contender's candidacy ends with its session (or with its znode, if
//! someone deletes it); the detector then reports "no leader" and opens a new
//! session to follow the group again.

mod contender;
mod detector;

pub use contender::ZooKeeperMasterContender;
pub use detector::ZooKeeperMasterDetector;

use crate::DetectorError;
use flags::ZkUrl;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::AbortHandle;
use zookeeper_client::{Acl, Acls, Client, CreateMode, Permission, SessionState};

/// The name prefix of the znodes holding a master's `MasterInfo` as JSON
/// (Mesos's `MASTER_INFO_JSON_LABEL` and the `_` separator).
pub const LEADER_NODE_PREFIX: &str = "json.info_";

/// How long to wait before retrying an operation that failed because the
/// connection dropped (Mesos's group retries every 2 seconds too).
const RETRY_INTERVAL: Duration = Duration::from_secs(2);

/// Anyone may read, the authenticated creator may do anything.
static EVERYONE_READ_CREATOR_ALL: [Acl; 2] = [
    Acl::new_const(Permission::READ, "world", "anyone"),
    Acl::new_const(Permission::ALL, "auth", ""),
];

/// The contender and detector for `--zk=<zk>`, each with its own session.
///
/// `zk` is the flag's value (`zk://[user:pass@]host:port,…/path`; a
/// `file://` flag has already been read by `flags`). The path may not be `/`,
/// as in Mesos. Must be called within a tokio runtime: the detector starts
/// following the group at once.
pub fn zookeeper_pair(
    zk: &str,
    session_timeout: Duration,
) -> Result<(Arc<ZooKeeperMasterContender>, Arc<ZooKeeperMasterDetector>), DetectorError> {
    let url: ZkUrl = zk
        .parse()
        .map_err(|e: flags::ParseZkUrlError| DetectorError::InvalidZk(e.to_string()))?;
    Ok((
        Arc::new(ZooKeeperMasterContender::new(&url, session_timeout)?),
        Arc::new(ZooKeeperMasterDetector::new(&url, session_timeout)?),
    ))
}

/// Where the group lives and how to open a session on it.
#[derive(Debug, Clone)]
struct Group {
    servers: String,
    credentials: Option<String>,
    /// The group's znode, without a trailing `/`.
    znode: String,
    session_timeout: Duration,
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionLoss {
    /// ZooKeeper expired, closed or refused the session.
    Ended(SessionState),
    /// The connection stayed down longer than the session timeout.
    Unreachable,
}

impl std::fmt::Display for SessionLoss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionLoss::Ended(state) => write!(f, "ZooKeeper session ended ({state})"),
            SessionLoss::Unreachable => {
                f.write_str("ZooKeeper unreachable for longer than the session timeout")
            }
        }
    }
}

impl Group {
    fn new(url: &ZkUrl, session_timeout: Duration) -> Result<Group, DetectorError> {
        let znode = url.path().trim_end_matches('/');
        if znode.is_empty() {
            return Err(DetectorError::InvalidZk(format!(
                "'{url}' has no path; give the znode to elect under, e.g. 'zk://{}/mesos'",
                url.servers()
            )));
        }
        Ok(Group {
            servers: url.servers().to_owned(),
            credentials: url.credentials().map(str::to_owned),
            znode: znode.to_owned(),
            session_timeout,
        })
    }

    /// The ACL of every znode we create, as Mesos sets it.
    fn acls(&self) -> Acls<'static> {
        match self.credentials {
            Some(_) => Acls::new(&EVERYONE_READ_CREATOR_ALL),
            None => Acls::anyone_all(),
        }
    }

    /// Opens a session (retrying until ZooKeeper answers), authenticates and
    /// makes sure the group's znode exists.
    async fn connect(&self) -> Result<Client, DetectorError> {
        loop {
            let mut connector = Client::connector().with_session_timeout(self.session_timeout);
            if let Some(credentials) = &self.credentials {
                connector = connector.with_auth("digest", credentials.as_bytes());
            }
            let client = match connector.connect(&self.servers).await {
                Ok(client) => client,
                Err(error) if retryable(&error) => {
                    tracing::warn!(servers = %self.servers, %error, "cannot reach ZooKeeper; retrying");
                    tokio::time::sleep(RETRY_INTERVAL).await;
                    continue;
                }
                Err(error) => {
                    return Err(DetectorError::ZooKeeper(format!(
                        "cannot open a session on {}: {error}",
                        self.servers
                    )));
                }
            };
            match self.ensure_znode(&client).await {
                Ok(()) => return Ok(client),
                Err(error) if retryable(&error) => {
                    tracing::warn!(znode = %self.znode, %error, "cannot create the group's znode yet; retrying");
                    tokio::time::sleep(RETRY_INTERVAL).await;
                }
                Err(error) => {
                    return Err(DetectorError::ZooKeeper(format!(
                        "cannot create '{}': {error}",
                        self.znode
                    )));
                }
            }
        }
    }
}

impl Group {
    /// Creates the group's znode and its parents unless it exists. Looks
    /// first, as Mesos does, since creating needs a permission on the parent
    /// that a reader of a protected group lacks.
    async fn ensure_znode(&self, client: &Client) -> Result<(), zookeeper_client::Error> {
        if client.check_stat(&self.znode).await?.is_some() {
            return Ok(());
        }
        client
            .mkdir(&self.znode, &CreateMode::Persistent.with_acls(self.acls()))
            .await
    }
}

/// Errors that a new attempt (possibly on a new session) may not repeat.
fn retryable(error: &zookeeper_client::Error) -> bool {
    use zookeeper_client::Error::*;
    matches!(
        error,
        ConnectionLoss
            | Timeout
            | NoHosts
            | SessionExpired
            | SessionMoved
            | Throttled
            | ClientClosed
    )
}

/// Resolves when `client`'s session is lost: ended by ZooKeeper, or
/// disconnected for longer than its negotiated timeout.
async fn session_lost(client: &Client) -> SessionLoss {
    let timeout = client.session_timeout();
    let mut states = client.state_watcher();
    let mut state = states.peek_state();
    loop {
        state = match state {
            SessionState::SyncConnected | SessionState::ConnectedReadOnly => states.changed().await,
            SessionState::Disconnected => {
                match tokio::time::timeout(timeout, states.changed()).await {
                    Ok(next) => next,
                    Err(_) => return SessionLoss::Unreachable,
                }
            }
            ended => return SessionLoss::Ended(ended),
        };
    }
}

/// The sequence of a `json.info_<sequence>` child name; `None` for any other
/// child (e.g. `log_replicas`, legacy `info_` nodes).
fn leader_node_sequence(child: &str) -> Option<u64> {
    let digits = child.strip_prefix(LEADER_NODE_PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A background task that stops when its owner is dropped.
#[derive(Debug)]
struct TaskGuard(AbortHandle);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zookeeper_client::AuthId;

    #[test]
    fn only_json_info_children_with_a_sequence_count() {
        assert_eq!(leader_node_sequence("json.info_0000000001"), Some(1));
        assert_eq!(
            leader_node_sequence("json.info_2147483648"),
            Some(2_147_483_648)
        );
        for other in [
            "log_replicas",
            "info_0000000000",
            "json.info_",
            "json.info_12a",
            "json.info_+1",
        ] {
            assert_eq!(leader_node_sequence(other), None, "{other}");
        }
    }

    #[test]
    fn the_root_path_is_refused_as_in_mesos() {
        for zk in ["zk://h:2181", "zk://h:2181/", "zk://u:p@h:2181//"] {
            let url: ZkUrl = zk.parse().unwrap();
            let error = Group::new(&url, Duration::from_secs(10)).unwrap_err();
            assert!(matches!(error, DetectorError::InvalidZk(_)), "{zk}");
            assert!(!error.to_string().contains(":p@"), "{error}");
        }
        let url: ZkUrl = "zk://h:2181/mesos/".parse().unwrap();
        assert_eq!(
            Group::new(&url, Duration::from_secs(10)).unwrap().znode,
            "/mesos"
        );
    }

    #[test]
    fn credentials_bring_mesos_acl() {
        let open: ZkUrl = "zk://h:2181/mesos".parse().unwrap();
        let open = Group::new(&open, Duration::from_secs(10)).unwrap();
        assert_eq!(&*open.acls(), &*Acls::anyone_all());
        let secured: ZkUrl = "zk://u:p@h:2181/mesos".parse().unwrap();
        let secured = Group::new(&secured, Duration::from_secs(10)).unwrap();
        let acls = secured.acls();
        assert_eq!(acls.len(), 2);
        assert_eq!(acls[0].permission(), Permission::READ);
        assert_eq!(acls[0].auth_id(), &AuthId::anyone());
        assert_eq!(acls[1].permission(), Permission::ALL);
        assert_eq!(acls[1].auth_id(), &AuthId::authed());
    }
}
