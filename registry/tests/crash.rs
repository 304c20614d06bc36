//! Every admission the Registrar acknowledged survives the master being
//! killed with SIGKILL at a random moment, on the embedded store, and the
//! registry recovers cleanly after.
//!
//! The test binary plays both parts: `acknowledged_admissions_survive_sigkill`
//! runs this same binary again as a child limited to `admitting_master`,
//! which recovers the registry, admits the agents it does not hold yet
//! (several at a time, so that they share stores) and prints a line for each
//! admission acknowledged.

mod common;

use common::*;
use registry::{Operation, Outcome, REGISTRY_VARIABLE, Registrar, RegistrarConfig, Registry};
use state::{EmbeddedStorage, State};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use tokio::task::JoinSet;

/// Tells the child where the store is; its absence means "not the child".
const STORE_DIR_VAR: &str = "REGISTRY_CRASH_STORE_DIR";
const ACKNOWLEDGED: &str = "admitted ";
const DONE: &str = "all admitted";
const AGENTS: usize = 200;
/// Admissions in flight at once in the child: enough to batch.
const IN_FLIGHT: usize = 16;
const KILLS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the child process of acknowledged_admissions_survive_sigkill"]
async fn admitting_master() {
    let dir =
        std::env::var_os(STORE_DIR_VAR).expect("run by acknowledged_admissions_survive_sigkill");
    let state = State::new(Arc::new(EmbeddedStorage::open(dir).await.unwrap()));
    let (registrar, recovered) =
        Registrar::recover(state, master("master"), RegistrarConfig::default())
            .await
            .unwrap();
    let held: BTreeSet<String> = admitted_ids(&recovered).into_iter().collect();
    let mut missing = (0..AGENTS).filter(|&n| !held.contains(&agent_id(n)));
    let mut in_flight = JoinSet::new();
    let admit = |registrar: &Registrar, n: usize| {
        let registrar = registrar.clone();
        async move {
            (
                n,
                registrar
                    .apply(Operation::AdmitAgent(agent(n)))
                    .await
                    .unwrap(),
            )
        }
    };
    for n in missing.by_ref().take(IN_FLIGHT) {
        in_flight.spawn(admit(&registrar, n));
    }
    while let Some(done) = in_flight.join_next().await {
        let (n, outcome) = done.unwrap();
        assert_eq!(outcome, Outcome::Mutated, "agent {n}");
        // stdout is line-buffered: the line leaves before the next store.
        println!("{ACKNOWLEDGED}{n}");
        if let Some(next) = missing.next() {
            in_flight.spawn(admit(&registrar, next));
        }
    }
    println!("{DONE}");
}

/// What one run of the child acknowledged, and whether it finished.
struct Run {
    acknowledged: Vec<usize>,
    finished: bool,
}

/// Runs the child until it has acknowledged `kill_after` admissions (if
/// given), kills it with SIGKILL, and returns what it acknowledged
/// (including lines already in the pipe when it died).
fn run_master(dir: &Path, kill_after: Option<usize>) -> Run {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["admitting_master", "--exact", "--ignored", "--nocapture"])
        .env(STORE_DIR_VAR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut run = Run {
        acknowledged: Vec::new(),
        finished: false,
    };
    let mut killed = false;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix(ACKNOWLEDGED) {
            run.acknowledged.push(n.parse().unwrap());
        }
        run.finished |= line == DONE;
        if !killed && kill_after.is_some_and(|limit| run.acknowledged.len() >= limit) {
            // Child::kill is SIGKILL on Unix: no destructors, no flushes.
            child.kill().unwrap();
            killed = true;
        }
    }
    let status = child.wait().unwrap();
    assert!(killed || status.success(), "the master failed: {status}");
    run
}

/// Opens the store as a restarted master would and reads the registry,
/// with every required field checked.
fn durable_registry(runtime: &tokio::runtime::Runtime, dir: &Path) -> Registry {
    runtime.block_on(async {
        let storage = EmbeddedStorage::open(dir)
            .await
            .unwrap_or_else(|error| panic!("the store does not reopen: {error}"));
        let variable = State::new(Arc::new(storage))
            .fetch(REGISTRY_VARIABLE)
            .await
            .unwrap();
        proto::decode(variable.value())
            .unwrap_or_else(|error| panic!("the registry is corrupt: {error}"))
    })
}

fn assert_holds(registry: &Registry, acknowledged: &BTreeSet<usize>, when: &str) {
    let ids = admitted_ids(registry);
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(
        unique.len(),
        ids.len(),
        "{when}: an agent is admitted twice"
    );
    for n in acknowledged {
        assert!(
            unique.contains(&agent_id(*n)),
            "{when}: acknowledged agent {n} is lost"
        );
    }
    assert_eq!(
        registry.master.as_ref().unwrap().info.id,
        "master",
        "{when}"
    );
    for slave in &registry.slaves.as_ref().unwrap().slaves {
        let n: usize = slave
            .info
            .id
            .as_ref()
            .unwrap()
            .value
            .trim_start_matches("master-S")
            .parse()
            .unwrap();
        assert_eq!(
            slave.info.hostname,
            agent(n).hostname,
            "{when}: agent {n} is damaged"
        );
    }
}

#[test]
fn acknowledged_admissions_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut acknowledged = BTreeSet::new();
    for round in 0..KILLS {
        let remaining = AGENTS - acknowledged.len();
        let kill_after =
            1 + (uuid::Uuid::new_v4().as_u128() % (remaining as u128 / 2).max(1)) as usize;
        let run = run_master(dir.path(), Some(kill_after));
        assert!(
            run.acknowledged.len() >= kill_after || run.finished,
            "round {round}"
        );
        acknowledged.extend(run.acknowledged);
        let registry = durable_registry(&runtime, dir.path());
        assert_holds(&registry, &acknowledged, &format!("after kill {round}"));
    }

    let last = run_master(dir.path(), None);
    assert!(last.finished);
    acknowledged.extend(last.acknowledged);
    // An admission made durable just before a kill was never acknowledged;
    // the next run finds it admitted and leaves it be.
    let registry = durable_registry(&runtime, dir.path());
    assert_holds(&registry, &acknowledged, "at the end");
    assert_eq!(admitted_ids(&registry).len(), AGENTS);
}
