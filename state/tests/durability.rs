//! Every write the embedded store acknowledged survives the writer being
//! killed with SIGKILL at a random moment, and the store opens cleanly after.
//!
//! The test binary plays both parts: `acknowledged_writes_survive_sigkill`
//! runs this same binary again as a child limited to `durability_writer`,
//! which writes until killed and prints a line for each store that returned.

use state::{EmbeddedStorage, State};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

/// Tells the child where the store is; its absence means "not the child".
const STORE_DIR_VAR: &str = "STATE_DURABILITY_STORE_DIR";
const ACKNOWLEDGED: &str = "acknowledged ";
/// The variable holding the number of the last write, updated in place with
/// compare-and-swap, alongside one new variable per write.
const LATEST: &str = "latest";
const ROUNDS: usize = 3;

fn entry_name(write: u64) -> String {
    format!("entry-{write:06}")
}

/// Values up to a few hundred kilobytes, so that kills land inside commits of
/// very different lengths.
fn value_of(write: u64) -> Vec<u8> {
    let len = 1 + (write % 7) as usize * 40 * 1024;
    (0..len).map(|i| (write as usize + i) as u8).collect()
}

fn decode_latest(value: &[u8]) -> Option<u64> {
    (!value.is_empty()).then(|| u64::from_le_bytes(value.try_into().expect("8-byte counter")))
}

#[tokio::test]
#[ignore = "the child process of acknowledged_writes_survive_sigkill"]
async fn durability_writer() {
    let dir = std::env::var_os(STORE_DIR_VAR).expect("run by acknowledged_writes_survive_sigkill");
    let state = State::new(Arc::new(EmbeddedStorage::open(dir).await.unwrap()));
    let mut latest = state.fetch(LATEST).await.unwrap();
    let mut write = decode_latest(latest.value()).map_or(0, |last| last + 1);
    loop {
        let entry = state.fetch(&entry_name(write)).await.unwrap();
        state
            .store(entry.mutate(value_of(write)))
            .await
            .unwrap()
            .expect("sole writer");
        latest = state
            .store(latest.mutate(write.to_le_bytes().to_vec()))
            .await
            .unwrap()
            .expect("sole writer");
        // stdout is line-buffered: the line leaves before the next write.
        println!("{ACKNOWLEDGED}{write}");
        write += 1;
    }
}

/// Runs the writer until it has acknowledged `kill_after` writes, kills it,
/// and returns every write it acknowledged (including any already in the pipe
/// when it died).
fn run_writer_and_kill(dir: &Path, kill_after: usize) -> Vec<u64> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["durability_writer", "--exact", "--ignored", "--nocapture"])
        .env(STORE_DIR_VAR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut acknowledged = Vec::new();
    let mut killed = false;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        if let Some(write) = line.unwrap().strip_prefix(ACKNOWLEDGED) {
            acknowledged.push(write.parse().unwrap());
        }
        if !killed && acknowledged.len() >= kill_after {
            // Child::kill is SIGKILL on Unix: no destructors, no flushes.
            child.kill().unwrap();
            killed = true;
        }
    }
    let status = child.wait().unwrap();
    assert!(killed, "the writer stopped on its own: {status}");
    acknowledged
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut all_acknowledged = Vec::new();
    for round in 0..ROUNDS {
        let kill_after = 1 + (uuid::Uuid::new_v4().as_u128() % 60) as usize;
        let acknowledged = run_writer_and_kill(dir.path(), kill_after);
        assert!(acknowledged.len() >= kill_after);
        all_acknowledged.extend(acknowledged);

        runtime.block_on(async {
            let storage = EmbeddedStorage::open(dir.path())
                .await
                .unwrap_or_else(|error| panic!("round {round}: store does not reopen: {error}"));
            let state = State::new(Arc::new(storage));
            for &write in &all_acknowledged {
                let variable = state.fetch(&entry_name(write)).await.unwrap();
                assert!(
                    variable.value() == value_of(write),
                    "round {round}: acknowledged write {write} is lost or damaged"
                );
            }
            let latest = decode_latest(state.fetch(LATEST).await.unwrap().value());
            let last_acknowledged = all_acknowledged.iter().max().copied();
            assert!(
                latest >= last_acknowledged,
                "round {round}: latest is {latest:?}, but {last_acknowledged:?} was acknowledged"
            );
        });
    }
}
