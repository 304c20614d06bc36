//! Master contender and detector: who leads.
//!
//! Every master *contends* for leadership and *detects* the leader; agents
//! and frameworks only detect. Mesos has two implementations of each pair:
//! standalone (no `--zk`: the one master appoints itself) and ZooKeeper
//! (leader = the lowest `json.info_` sequence node under the `--zk` path).
//!
//! The traits mirror Mesos's `MasterContender` and `MasterDetector`:
//! - [`MasterContender::contend`] resolves once candidacy is entered, to a
//!   [`Candidacy`] that resolves when candidacy is *lost* — after which the
//!   master exits, as Mesos does, so that a supervisor restarts it;
//! - [`MasterDetector::detect`] resolves as soon as the leader differs from
//!   the one the caller already knows (possibly "no leader").

use async_trait::async_trait;
use proto::mesos::MasterInfo;
use std::fmt::Debug;
use thiserror::Error;
use tokio::sync::watch;

mod standalone;

pub use standalone::{StandaloneMasterContender, StandaloneMasterDetector};

/// Why contending or detecting failed.
#[derive(Debug, Error)]
pub enum DetectorError {
    #[error("the contender was used before initialize() gave it this master's MasterInfo")]
    NotInitialized,
    #[error("the detector stopped: {0}")]
    Stopped(String),
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
