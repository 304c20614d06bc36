//! `mesos-sim`: a fleet of simulated Mesos 1.11 agents, the load generator
//! for comparing our master with Apache Mesos side by side.
//!
//! # What it simulates
//!
//! Each agent is a libprocess process `slave(N)@ip:port`, and all of them
//! share one [`libprocess::Runtime`]: one listening port, one outbound
//! connection per master. On the wire an agent is a Mesos 1.11 agent: the
//! same `RegisterSlaveMessage` (hostname, port, resources with role `*`,
//! `checkpoint: true`, attributes, version `1.11.0`, the eight agent
//! capabilities, a resource version UUID), `UpdateSlaveMessage` after every
//! (re)registration, pongs, status updates with `uuid`, `pid` and
//! `latest_state` retried until acknowledged, and reregistration with its
//! frameworks and tasks after a leader change or a silent master. Nothing
//! relies on our master: the same fleet runs against Apache Mesos.
//! Offer operations (reservations, volumes) sent to an agent are applied to
//! its resources and reported finished, as a Mesos agent does.
//! [`agent`]'s guide describes the behaviour message by message.
//!
//! # Running tasks
//!
//! A [`TaskRunner`] decides what a launched task does:
//! [`SimulatedTasks`] finish after `--task-duration` (or run until killed);
//! [`CommandTasks`] (`--exec`) run command tasks as real local processes
//! and report their exit status as Mesos's command executor would.
//!
//! # Restarting
//!
//! With [`FleetConfig::work_dir`] every agent checkpoints its id, tasks and
//! unacknowledged status updates; a fleet started again on the same
//! directory reregisters the same agents with their tasks and resends what
//! was never acknowledged.
//!
//! ```no_run
//! # async fn demo() -> Result<(), mesos_sim::SimError> {
//! use mesos_sim::{Fleet, FleetConfig, MasterAddress, standalone_detector};
//!
//! let runtime = libprocess::Runtime::start(libprocess::Config::loopback()).await?;
//! let MasterAddress::Pid(master) = MasterAddress::parse("127.0.0.1:5050")? else { unreachable!() };
//! let fleet = Fleet::start(&runtime, FleetConfig::new(100), standalone_detector(&master)).await?;
//! let registered = fleet.statuses().await.iter().filter(|agent| agent.registered).count();
//! println!("{registered} agents registered");
//! fleet.stop().await;
//! # Ok(())
//! # }
//! ```

pub mod agent;
mod checkpoint;
mod config;
mod error;
mod fleet;
mod operations;
mod rng;
mod runner;

pub use agent::{AGENT_CAPABILITIES, AgentStatus, MESOS_VERSION};
pub use config::{
    DEFAULT_REGISTRATION_BACKOFF_FACTOR, DEFAULT_ZK_SESSION_TIMEOUT, FleetConfig, MasterAddress,
    Options, USAGE, agent_resources, parse_attributes,
};
pub use error::SimError;
pub use fleet::{Fleet, master_info, standalone_detector};
pub use runner::{CommandTasks, KillSignal, RunningTask, SimulatedTasks, TaskExit, TaskRunner};
