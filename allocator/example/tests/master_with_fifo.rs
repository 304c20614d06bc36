//! A master started with the example allocator through
//! `MasterBuilder::allocator` feeds it the agents that register.

use allocator::{Allocator, CollectedOffers, FrameworkOptions};
use allocator_example::FifoAllocator;
use flags::MasterFlags;
use libprocess::{Config, Runtime};
use mesos_sim::{Fleet, FleetConfig, agent_resources, standalone_detector};
use proto::mesos as pb;
use std::collections::HashMap;
use std::time::{Duration, Instant};

fn flags() -> MasterFlags {
    let args = ["--ip=127.0.0.1", "--port=0", "--registry=in_memory"].map(String::from);
    MasterFlags::load_from(args, Vec::<(String, String)>::new())
        .expect("valid flags")
        .flags
}

/// Waits until the allocator knows `count` agents.
async fn wait_for_agents(fifo: &FifoAllocator, count: usize) {
    let started = Instant::now();
    while fifo.agents().len() != count {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the allocator knows {} agents instead of {count}",
            fifo.agents().len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn registered_agents_reach_the_custom_allocator_and_are_offered_first_come_first_served() {
    let fifo = FifoAllocator::new();
    let master = master::MasterBuilder::new(flags())
        .allocator(Box::new(fifo.clone()))
        .start()
        .await
        .expect("the master starts");
    master.recovered().await.expect("the master recovers");

    let runtime = Runtime::start(Config::loopback()).await.unwrap();
    let mut config = FleetConfig::new(3);
    config.resources = agent_resources("cpus:4;mem:1024").unwrap();
    let pid = master.info.pid().parse().unwrap();
    let fleet = Fleet::start(&runtime, config, standalone_detector(&pid))
        .await
        .unwrap();

    wait_for_agents(&fifo, 3).await;
    for agent in fifo.agents() {
        let total = fifo.total(&agent).unwrap();
        assert_eq!(total.cpus().map(|cpus| cpus.as_f64()), Some(4.0), "{total}");
    }

    // The allocator the master holds is the one this handle shows: a
    // framework queued here is offered the agents the master added.
    let mut handle = fifo.clone();
    let framework = pb::FrameworkInfo {
        id: Some(pb::FrameworkId {
            value: "queued-first".into(),
        }),
        roles: vec!["*".into()],
        capabilities: vec![pb::framework_info::Capability {
            r#type: Some(pb::framework_info::capability::Type::MultiRole.into()),
        }],
        ..Default::default()
    };
    handle
        .add_framework(
            &framework,
            &HashMap::new(),
            true,
            FrameworkOptions::default(),
        )
        .unwrap();
    let mut offers = CollectedOffers::default();
    handle.allocate(Instant::now(), &mut offers);
    let offered: Vec<pb::SlaveId> = offers
        .flat()
        .map(|(_, offer)| offer.agent_id.clone())
        .collect();
    assert_eq!(offered, fifo.agents(), "every agent, in registration order");

    fleet.stop().await;
    runtime.shutdown().await;
}
