//! mesos-go 0.0.6's ZooKeeper detector (`api/v0/detector/zoo`, as used by Go
//! frameworks) finds our leader from our znodes and follows a failover: a
//! small Go program of ours (`tests/go/src/zkdetect`) prints each leader it
//! detects.
//!
//! Needs `go`, Debian's `golang-github-mesos-mesos-go-dev` and `zookeeper`:
//! `cargo xtask setup` installs them. The test fails, never skips, without.

mod common;

use common::{PATIENCE, master, patiently};
use detector::{MasterContender, ZooKeeperMasterContender};
use proto::mesos::MasterInfo;
use std::path::Path;
use std::process::Stdio;
use testkit::ZooKeeper;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::ChildStdout;

/// What the Go program prints for `info`.
fn line_for(info: &MasterInfo) -> String {
    let address = info.address.as_ref().unwrap();
    format!(
        "leader: id={} pid={} hostname={} port={} address={}:{}",
        info.id,
        info.pid(),
        info.hostname(),
        info.port,
        address.ip(),
        address.port
    )
}

async fn next_line(lines: &mut Lines<BufReader<ChildStdout>>) -> String {
    patiently("a line from the Go program", lines.next_line())
        .await
        .unwrap()
        .expect("the Go program printed a line")
}

#[tokio::test]
async fn mesos_go_detects_our_leader_and_follows_a_failover() {
    let scratch = tempfile::tempdir().unwrap();
    let main_go = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/src/zkdetect/main.go");
    let binary = testkit::build_go_program(&main_go, scratch.path());

    let zk = ZooKeeper::start();
    let url = zk.url("/mesos");
    let (a, b) = (master(15091), master(15092));
    let mut contenders = Vec::new();
    for info in [&a, &b] {
        let contender =
            ZooKeeperMasterContender::new(&url.parse().unwrap(), common::SESSION_TIMEOUT).unwrap();
        contender.initialize(info.clone());
        let candidacy = patiently("contend", contender.contend()).await.unwrap();
        contenders.push((contender, candidacy));
    }

    let mut go = tokio::process::Command::new(&binary)
        .arg(format!("-zk={url}"))
        .arg("-leaders=2")
        .arg(format!("-patience={}s", PATIENCE.as_secs()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the Go program starts");
    let mut lines = BufReader::new(go.stdout.take().unwrap()).lines();
    assert_eq!(next_line(&mut lines).await, line_for(&a));

    // The leader withdraws: mesos-go moves to the next one.
    drop(contenders.remove(0));
    let mut line = next_line(&mut lines).await;
    if line == "leader: none" {
        line = next_line(&mut lines).await;
    }
    assert_eq!(line, line_for(&b));
    let status = patiently("the Go program exits", go.wait()).await.unwrap();
    assert!(status.success(), "{status}");
}
