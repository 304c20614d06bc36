//! The standalone pair, used when no `--zk` is given: the master appoints
//! itself through the detector, and its candidacy is never lost.

use crate::{Candidacy, DetectorError, MasterContender, MasterDetector};
use async_trait::async_trait;
use proto::mesos::MasterInfo;
use std::sync::Mutex;
use tokio::sync::watch;

/// A contender that is a candidate as soon as it contends, until dropped.
#[derive(Debug, Default)]
pub struct StandaloneMasterContender {
    info: Mutex<Option<MasterInfo>>,
    /// Kept so that candidacies resolve only when the contender goes away.
    lost: Mutex<Option<watch::Sender<bool>>>,
}

impl StandaloneMasterContender {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl MasterContender for StandaloneMasterContender {
    fn initialize(&self, info: MasterInfo) {
        *self.info.lock().expect("contender lock") = Some(info);
    }

    async fn contend(&self) -> Result<Candidacy, DetectorError> {
        if self.info.lock().expect("contender lock").is_none() {
            return Err(DetectorError::NotInitialized);
        }
        let mut lost = self.lost.lock().expect("contender lock");
        let sender = lost.get_or_insert_with(|| watch::channel(false).0);
        Ok(Candidacy::new(sender.subscribe()))
    }
}

/// A detector whose leader is whoever was last [`appoint`](Self::appoint)ed.
#[derive(Debug)]
pub struct StandaloneMasterDetector {
    leader: watch::Sender<Option<MasterInfo>>,
}

impl Default for StandaloneMasterDetector {
    fn default() -> Self {
        Self::new(None)
    }
}

impl StandaloneMasterDetector {
    pub fn new(leader: Option<MasterInfo>) -> Self {
        Self {
            leader: watch::Sender::new(leader),
        }
    }

    /// Makes `leader` the leader (or clears it) and wakes every detection
    /// waiting for a change.
    pub fn appoint(&self, leader: Option<MasterInfo>) {
        self.leader.send_replace(leader);
    }
}

#[async_trait]
impl MasterDetector for StandaloneMasterDetector {
    async fn detect(
        &self,
        previous: Option<&MasterInfo>,
    ) -> Result<Option<MasterInfo>, DetectorError> {
        let mut leader = self.leader.subscribe();
        let changed = leader
            .wait_for(|current| current.as_ref() != previous)
            .await
            .map_err(|e| DetectorError::Stopped(e.to_string()))?;
        Ok(changed.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn master(id: &str) -> MasterInfo {
        MasterInfo {
            id: id.into(),
            ip: 16_777_343,
            port: 5050,
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn detect_answers_at_once_when_the_leader_differs() {
        let detector = StandaloneMasterDetector::new(Some(master("a")));
        assert_eq!(detector.detect(None).await.unwrap(), Some(master("a")));
        let nobody = StandaloneMasterDetector::default();
        assert_eq!(nobody.detect(Some(&master("a"))).await.unwrap(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn detect_waits_for_a_change_of_leader() {
        let detector = std::sync::Arc::new(StandaloneMasterDetector::new(Some(master("a"))));
        let waiting = {
            let detector = detector.clone();
            tokio::spawn(async move { detector.detect(Some(&master("a"))).await })
        };
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(!waiting.is_finished(), "same leader: nothing to report");

        detector.appoint(Some(master("b")));
        assert_eq!(waiting.await.unwrap().unwrap(), Some(master("b")));
    }

    #[tokio::test]
    async fn contending_needs_initialize() {
        let contender = StandaloneMasterContender::new();
        assert!(matches!(
            contender.contend().await,
            Err(DetectorError::NotInitialized)
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn standalone_candidacy_is_lost_only_when_the_contender_goes() {
        let contender = StandaloneMasterContender::new();
        contender.initialize(master("a"));
        let candidacy = contender.contend().await.unwrap();
        let lost = tokio::spawn(candidacy.lost());
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(!lost.is_finished());

        drop(contender);
        lost.await.unwrap();
    }
}
