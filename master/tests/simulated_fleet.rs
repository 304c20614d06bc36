//! A fleet of 100 `mesos-sim` agents — Mesos 1.11 agents as far as the wire
//! shows, sharing one libprocess runtime — registers with the master and is
//! listed by `/master/slaves`.

mod common;

use common::wait_for_metric;
use libprocess::{Config, Runtime};
use mesos_sim::{Fleet, FleetConfig, standalone_detector};
use std::collections::BTreeSet;

#[tokio::test]
async fn a_hundred_simulated_agents_register_and_are_listed() {
    let master = common::start(&[]).await;
    let runtime = Runtime::start(Config::loopback()).await.unwrap();
    let fleet = Fleet::start(
        &runtime,
        FleetConfig::new(100),
        standalone_detector(&common::master_upid(&master)),
    )
    .await
    .unwrap();

    wait_for_metric(&master, "master/slaves_active", 100.0).await;
    let slaves = common::get_json(&master, "/master/slaves").await;
    let listed: BTreeSet<String> = slaves["slaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|agent| agent["pid"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = fleet.agents().iter().map(ToString::to_string).collect();
    assert_eq!(listed, expected);
    assert_eq!(common::metric(&master, "master/slave_registrations"), 100.0);

    fleet.stop().await;
    runtime.shutdown().await;
}
