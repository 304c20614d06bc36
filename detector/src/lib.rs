//! Master contender and detector: who leads.
//!
//! Every master *contends* for leadership and *detects* the leader; agents
//! and frameworks only detect. Mesos has two implementations of each pair,
//! and so do we:
//! - standalone (no `--zk`): the one master appoints itself through
//!   [`StandaloneMasterDetector::appoint`]; its candidacy is never lost;
//! - ZooKeeper (`--zk=zk://host1:port1,host2:port2/path`): each master
//!   writes an ephemeral sequential znode `json.info_<10 digits>` holding its
//!   `MasterInfo` as Mesos's JSON; the lowest sequence leads. Real Mesos
//!   agents, pymesos, kazoo scripts and mesos-go read these nodes unchanged.
//!   See [`ZooKeeperMasterContender`] and [`ZooKeeperMasterDetector`].
//!
//! The traits mirror Mesos's `MasterContender` and `MasterDetector`:
//! - [`MasterContender::contend`] resolves once candidacy is entered, to a
//!   [`Candidacy`] that resolves when candidacy is *lost* — after which the
//!   master exits, as Mesos does, so that a supervisor restarts it;
//! - [`MasterDetector::detect`] resolves as soon as the leader differs from
//!   the one the caller already knows (possibly "no leader").
//!
//! A master with `--zk` builds the pair with [`zookeeper_pair`]:
//!
//! ```no_run
//! # async fn run(info: proto::mesos::MasterInfo) -> Result<(), detector::DetectorError> {
//! use detector::{MasterContender, MasterDetector};
//!
//! let (contender, detector) =
//!     detector::zookeeper_pair("zk://127.0.0.1:2181/mesos", std::time::Duration::from_secs(10))?;
//! contender.initialize(info.clone());
//! let candidacy = contender.contend().await?;
//! let leader = detector.detect(None).await?;
//! if leader.as_ref() == Some(&info) {
//!     // Elected: recover the registry and serve.
//! }
//! candidacy.lost().await; // Lost leadership or the session: exit.
//! # Ok(())
//! # }
//! ```

use async_trait::async_trait;
use proto::mesos::MasterInfo;
use std::fmt::Debug;
use thiserror::Error;
use tokio::sync::watch;

mod standalone;
mod zookeeper;

pub use standalone::{StandaloneMasterContender, StandaloneMasterDetector};
pub use zookeeper::{
    LEADER_NODE_PREFIX, ZooKeeperMasterContender, ZooKeeperMasterDetector, zookeeper_pair,
};

/// Why contending or detecting failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DetectorError {
    #[error("the contender was used before initialize() gave it this master's MasterInfo")]
    NotInitialized,
    #[error("the detector stopped: {0}")]
    Stopped(String),
    /// The `--zk` value cannot be used (one line that names the fix).
    #[error("Flag '--zk': {0}")]
    InvalidZk(String),
    /// ZooKeeper refused an operation in a way retrying cannot fix (e.g. no
    /// permission on the path).
    #[error("ZooKeeper: {0}")]
    ZooKeeper(String),
    /// The leading znode's data is not a `MasterInfo` in Mesos's JSON.
    #[error("the leading master's znode '{node}' does not hold a MasterInfo: {reason}")]
    BadLeader { node: String, reason: String },
}

/// Contends for leadership on behalf of one master.
#[async_trait]
pub trait MasterContender: Send + Sync + Debug {
    /// Tells the contender which master it speaks for. Must precede
    /// [`contend`](Self::contend).
    fn initialize(&self, info: MasterInfo);

    /// Enters candidacy; the returned [`Candidacy`] resolves when it is lost.
    async fn contend(&self) -> Result<Candidacy, DetectorError>;
}

/// Detects the leading master.
#[async_trait]
pub trait MasterDetector: Send + Sync + Debug {
    /// Resolves with the current leader as soon as it differs from
    /// `previous` (`None`: no leader).
    async fn detect(
        &self,
        previous: Option<&MasterInfo>,
    ) -> Result<Option<MasterInfo>, DetectorError>;
}

/// A candidacy in progress.
#[derive(Debug)]
pub struct Candidacy {
    lost: watch::Receiver<bool>,
}

impl Candidacy {
    /// A candidacy that ends when `lost` turns true (or its sender is dropped).
    pub fn new(lost: watch::Receiver<bool>) -> Self {
        Self { lost }
    }

    /// Resolves when candidacy is lost.
    pub async fn lost(mut self) {
        // An error means the sender is gone: nobody can keep us a candidate.
        let _sender_gone = self.lost.wait_for(|lost| *lost).await;
    }
}
