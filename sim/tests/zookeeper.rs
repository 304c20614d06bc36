//! With `--master=zk://...` the agents follow the leader elected in
//! ZooKeeper (Debian's `zookeeper`, installed by `cargo xtask setup`):
//! they register with it, and reregister with the next one when it goes.

mod common;

use std::time::Duration;

use common::{Behaviour, FakeMaster, runtime};
use detector::{MasterContender, ZooKeeperMasterContender};
use mesos_sim::{Fleet, FleetConfig, MasterAddress, master_info};
use proto::mesos::internal::ReregisterSlaveMessage;
use testkit::ZooKeeper;

const SESSION_TIMEOUT: Duration = Duration::from_secs(4);

fn contender(zk: &ZooKeeper, master: &FakeMaster) -> ZooKeeperMasterContender {
    let contender =
        ZooKeeperMasterContender::new(&zk.url("/mesos").parse().unwrap(), SESSION_TIMEOUT).unwrap();
    contender.initialize(master_info(&master.pid()));
    contender
}

#[tokio::test]
async fn agents_follow_the_leader_elected_in_zookeeper() {
    let zk = ZooKeeper::start();
    let first_runtime = runtime().await;
    let first = FakeMaster::start(&first_runtime, Behaviour::default());
    let second_runtime = runtime().await;
    let second = FakeMaster::start(&second_runtime, Behaviour::default());

    let first_contender = contender(&zk, &first);
    let first_candidacy = first_contender.contend().await.unwrap();

    let master = MasterAddress::parse(&zk.url("/mesos")).unwrap();
    let fleet_runtime = runtime().await;
    let fleet = Fleet::start(
        &fleet_runtime,
        FleetConfig::new(3),
        master.detector(SESSION_TIMEOUT).unwrap(),
    )
    .await
    .unwrap();
    first.wait_for_senders("UpdateSlaveMessage", 3).await;
    let ids: Vec<String> = fleet
        .statuses()
        .await
        .into_iter()
        .map(|agent| agent.slave_id.unwrap())
        .collect();

    // The second master queues behind the first, then the first drops
    // out (its session closes) and the second leads.
    let second_contender = contender(&zk, &second);
    let _second_candidacy = second_contender.contend().await.unwrap();
    drop((first_contender, first_candidacy));

    let reregistrations = second.wait_for_senders("ReregisterSlaveMessage", 3).await;
    for received in &reregistrations {
        let message: ReregisterSlaveMessage = received.decode();
        assert!(ids.contains(&message.slave.id.unwrap().value));
    }
    assert!(second.messages("RegisterSlaveMessage").is_empty());
    fleet.stop().await;
}
