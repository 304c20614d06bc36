//! A fleet: N agents in one runtime, and the one detector they share.

use std::net::Ipv4Addr;
use std::sync::{Arc, RwLock};

use detector::{MasterDetector, StandaloneMasterDetector};
use libprocess::{Pid, Runtime, Upid};
use proto::mesos::{MasterInfo, SlaveInfo, slave_info};
use resources::ResourceFormat;
use tokio::task::JoinHandle;

use crate::agent::{Agent, AgentStatus, Shared};
use crate::checkpoint::Checkpointer;
use crate::{FleetConfig, SimError};

/// Simulated agents `slave(1)`..`slave(N)` running in one libprocess
/// runtime: one listening port, one outbound connection per master.
#[derive(Debug)]
pub struct Fleet {
    agents: Vec<Pid<Agent>>,
    detection: JoinHandle<SimError>,
}

/// The `MasterInfo` a standalone detector reports for a master at `pid`,
/// as Mesos builds it from a UPID.
pub fn master_info(pid: &Upid) -> MasterInfo {
    let address = pid.address();
    MasterInfo {
        id: String::new(),
        // Mesos keeps the ip as the in-memory (network order) word.
        ip: u32::from_le_bytes(address.ip().octets()),
        port: u32::from(address.port()),
        pid: Some(pid.to_string()),
        hostname: Some(
            pid.host()
                .map_or_else(|| address.ip().to_string(), str::to_owned),
        ),
        ..MasterInfo::default()
    }
}

/// The detector for a fixed master, as the agent's `--master=host:port`.
pub fn standalone_detector(pid: &Upid) -> Arc<StandaloneMasterDetector> {
    Arc::new(StandaloneMasterDetector::new(Some(master_info(pid))))
}

/// The master's UPID from what a detector reports.
fn leader_pid(info: &MasterInfo) -> Upid {
    match &info.pid {
        Some(pid) => Upid::parse_lenient(pid),
        None => Upid::new(
            "master",
            std::net::SocketAddrV4::new(
                Ipv4Addr::from(info.ip.to_le_bytes()),
                u16::try_from(info.port).unwrap_or(0),
            ),
        ),
    }
}

impl Fleet {
    /// Spawns `config.agents` agents into `runtime` (recovering each from
    /// `config.work_dir` when it has a checkpoint there) and starts
    /// following `detector`'s leader.
    pub async fn start(
        runtime: &Runtime,
        config: FleetConfig,
        detector: Arc<dyn MasterDetector>,
    ) -> Result<Fleet, SimError> {
        let address = runtime.address();
        let resources = config
            .resources
            .to_protos_in(ResourceFormat::PreReservationRefinement)
            .unwrap_or_else(|| config.resources.to_protos());
        let shared = Arc::new(Shared {
            slave_info: SlaveInfo {
                hostname: config.hostname.clone(),
                port: Some(i32::from(address.port())),
                resources,
                attributes: config.attributes.clone(),
                id: None,
                domain: None,
                checkpoint: Some(true),
            },
            resources: config.resources.clone(),
            capabilities: config
                .capabilities
                .iter()
                .map(|capability| slave_info::Capability {
                    r#type: Some(*capability as i32),
                })
                .collect(),
            ip: address.ip().to_string(),
            work_dir: config.work_dir.clone(),
            seed: config.seed,
            registration_backoff_factor: config.registration_backoff_factor,
            runner: config.runner.clone(),
            leader: RwLock::new(None),
        });

        let mut agents = Vec::with_capacity(config.agents);
        for index in 1..=config.agents {
            let checkpoint = match &config.work_dir {
                Some(work_dir) => Checkpointer::new(work_dir, index).load()?,
                None => None,
            };
            let agent = Agent::new(shared.clone(), index, checkpoint);
            agents.push(runtime.spawn(format!("slave({index})"), agent)?);
        }

        let detection = tokio::spawn(follow_leader(detector, shared, agents.clone()));
        Ok(Fleet { agents, detection })
    }

    /// The agents' UPIDs, `slave(1)` first.
    pub fn agents(&self) -> Vec<Upid> {
        self.agents
            .iter()
            .map(|agent| agent.upid().clone())
            .collect()
    }

    /// A snapshot of every agent still running, `slave(1)` first.
    pub async fn statuses(&self) -> Vec<AgentStatus> {
        let mut statuses = Vec::with_capacity(self.agents.len());
        for agent in &self.agents {
            let pid = agent.upid().clone();
            if let Ok(status) = agent.call(move |agent, _ctx| agent.status(&pid)).await {
                statuses.push(status);
            }
        }
        statuses
    }

    /// Resolves if master detection fails for good, with why; the agents
    /// can then no longer follow the leader.
    pub async fn detection_failed(&mut self) -> SimError {
        match (&mut self.detection).await {
            Ok(error) => error,
            Err(join) => SimError::Detector(detector::DetectorError::Stopped(join.to_string())),
        }
    }

    /// Stops every agent (their tasks with them) and waits until they are gone.
    pub async fn stop(self) {
        self.detection.abort();
        for agent in &self.agents {
            agent.terminate();
        }
        for agent in &self.agents {
            agent.wait().await;
        }
    }
}

/// Tells every agent of each leader change, as each agent's own detector
/// would; one detector serves the whole fleet.
async fn follow_leader(
    detector: Arc<dyn MasterDetector>,
    shared: Arc<Shared>,
    agents: Vec<Pid<Agent>>,
) -> SimError {
    let mut previous: Option<MasterInfo> = None;
    loop {
        let leader = match detector.detect(previous.as_ref()).await {
            Ok(leader) => leader,
            Err(error) => {
                tracing::error!(%error, "failed to detect a master");
                return SimError::Detector(error);
            }
        };
        let pid = leader.as_ref().map(leader_pid);
        match &pid {
            Some(pid) => tracing::info!(master = %pid, "new master detected"),
            None => tracing::info!("lost leading master"),
        }
        *shared
            .leader
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = pid.clone();
        for agent in &agents {
            let pid = pid.clone();
            agent.dispatch(move |agent, ctx| agent.detected(ctx, pid));
        }
        previous = leader;
    }
}
