//! A master with simulated agents, and framework programs written by
//! others (pymesos, mesos-go) run against it as child processes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use libprocess::{Config, Runtime};
use mesos_sim::{
    CommandTasks, Fleet, FleetConfig, SimulatedTasks, TaskRunner, standalone_detector,
};
use serde_json::Value as Json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use super::{master_upid, wait_for_metric};

/// How long a client program may take at most. Only keeps a broken master
/// from hanging the suite; no assertion depends on timing.
pub const CLIENT_PATIENCE: Duration = Duration::from_secs(240);

/// Tasks that run their commands as local processes, reporting what Mesos's
/// command executor would.
pub fn command_tasks() -> Arc<dyn TaskRunner> {
    Arc::new(CommandTasks::new(SimulatedTasks::new(None)))
}

/// A master and a fleet of simulated agents, all registered.
pub struct Cluster {
    pub master: master::Master,
    agents: Runtime,
    fleet: Fleet,
}

impl Cluster {
    /// A master with `master_args` and `agents` simulated agents running
    /// tasks with `runner`, returned once every agent is active.
    pub async fn start(
        master_args: &[&str],
        agents: usize,
        runner: Arc<dyn TaskRunner>,
    ) -> Cluster {
        let master = super::start(master_args).await;
        Cluster::with_master(master, agents, runner).await
    }

    /// A leader and a standby electing in ZooKeeper under `zk` (a `zk://`
    /// URL), the leader with `agents` simulated agents; the standby is
    /// returned beside the cluster once it redirects to the leader.
    pub async fn elected(
        zk: &str,
        agents: usize,
        runner: Arc<dyn TaskRunner>,
    ) -> (Cluster, master::Master) {
        let (leader, standby) = super::ha::leader_and_standby(zk, &[]).await;
        (Cluster::with_master(leader, agents, runner).await, standby)
    }

    /// `agents` simulated agents for `master`, returned once all are active.
    pub async fn with_master(
        master: master::Master,
        agents: usize,
        runner: Arc<dyn TaskRunner>,
    ) -> Cluster {
        let runtime = Runtime::start(Config::loopback()).await.unwrap();
        let config = FleetConfig {
            runner,
            ..FleetConfig::new(agents)
        };
        let fleet = Fleet::start(&runtime, config, standalone_detector(&master_upid(&master)))
            .await
            .unwrap();
        wait_for_metric(&master, "master/slaves_active", agents as f64).await;
        Cluster {
            master,
            agents: runtime,
            fleet,
        }
    }

    /// `127.0.0.1:<port>`, the master as frameworks are told of it.
    pub fn master_address(&self) -> String {
        self.master.runtime.address().to_string()
    }

    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    pub async fn stop(self) {
        self.fleet.stop().await;
        self.agents.shutdown().await;
    }
}

/// One of our Go programs under `tests/go/src/<name>/`, built against
/// Debian's mesos-go 0.0.6; the binary lives as long as the returned
/// directory. The build blocks its thread: call it before starting
/// masters, whose ZooKeeper sessions and timers must keep running.
pub fn go_program(name: &str) -> (tempfile::TempDir, PathBuf) {
    let scratch = tempfile::tempdir().unwrap();
    let main_go = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/go/src")
        .join(name)
        .join("main.go");
    let binary = testkit::build_go_program(&main_go, scratch.path());
    (scratch, binary)
}

/// Runs `program` with `args` to its end and returns the JSON lines it
/// printed on stdout, failing with its output unless it exits with success.
pub async fn run_client(program: &Path, args: &[String]) -> Vec<Json> {
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{} starts: {e}", program.display()));
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stderr = child.stderr.take().unwrap();
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    let finished = tokio::time::timeout(CLIENT_PATIENCE, async {
        let ((), _) = tokio::join!(
            async {
                while let Some(line) = stdout.next_line().await.unwrap() {
                    lines.push(line);
                }
            },
            stderr.read_to_end(&mut errors)
        );
        child.wait().await.unwrap()
    })
    .await;
    let report = || {
        format!(
            "{}\nstdout:\n{}\nstderr:\n{}",
            program.display(),
            lines.join("\n"),
            String::from_utf8_lossy(&errors)
        )
    };
    match finished {
        Ok(status) => assert!(status.success(), "{status}: {}", report()),
        Err(_) => panic!("still running after {CLIENT_PATIENCE:?}: {}", report()),
    }
    lines
        .iter()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}\n{}", report()))
        })
        .collect()
}

/// The lines of `kind` (their `"event"`) a client printed.
pub fn events<'a>(seen: &'a [Json], kind: &str) -> Vec<&'a Json> {
    seen.iter().filter(|line| line["event"] == kind).collect()
}

/// The first offer a client printed, checked to come from the cluster's
/// one agent, on localhost.
pub async fn first_offer_from_the_agent<'a>(cluster: &Cluster, seen: &'a [Json]) -> &'a Json {
    let first = *events(seen, "offer")
        .first()
        .unwrap_or_else(|| panic!("no offer: {seen:#?}"));
    let agent = cluster.fleet().statuses().await[0].slave_id.clone();
    assert_eq!(first["agent_id"].as_str(), agent.as_deref());
    assert_eq!(first["hostname"], "localhost");
    first
}

/// Every task update a client printed came from an executor on the agent
/// of `offer`.
pub fn assert_updates_from_executors_of(seen: &[Json], offer: &Json) {
    for update in events(seen, "update") {
        assert_eq!(update["agent_id"], offer["agent_id"]);
        assert_eq!(update["source"], "SOURCE_EXECUTOR");
    }
}

/// Each task's states in the order its framework was told them, from the
/// `update` lines a client printed.
pub fn task_states(seen: &[Json]) -> BTreeMap<String, Vec<String>> {
    let mut states: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for update in events(seen, "update") {
        states
            .entry(update["task_id"].as_str().unwrap().to_owned())
            .or_default()
            .push(update["state"].as_str().unwrap().to_owned());
    }
    states
}

/// Waits until the master has removed `frameworks` frameworks, then checks
/// that no task is left active and none ended other than finished.
///
/// `master/tasks_finished` is no measure here: Mesos counts a terminal
/// state by the update that first carries it as the agent's latest state,
/// which for a task ending before its first update is acknowledged is
/// TASK_RUNNING, so it counts nothing.
pub async fn wait_for_completion(master: &master::Master, frameworks: usize) {
    wait_for_metric(master, "master/framework_removals", frameworks as f64).await;
    for gauge in [
        "frameworks_active",
        "frameworks_inactive",
        "tasks_staging",
        "tasks_starting",
        "tasks_running",
        "tasks_killing",
        "tasks_unreachable",
    ] {
        assert_eq!(
            super::metric(master, &format!("master/{gauge}")),
            0.0,
            "{gauge}"
        );
    }
    for counter in [
        "tasks_failed",
        "tasks_killed",
        "tasks_lost",
        "tasks_error",
        "tasks_dropped",
        "tasks_gone",
    ] {
        assert_eq!(
            super::metric(master, &format!("master/{counter}")),
            0.0,
            "{counter}"
        );
    }
}

/// What a command task run by a Mesos agent reports, as every framework in
/// the golden captures saw it.
pub const FINISHED_COMMAND_TASK: [&str; 3] = ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"];
