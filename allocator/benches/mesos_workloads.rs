//! Mesos 1.11's allocator benchmarks, replayed on [`HierarchicalAllocator`]
//! so the figures compare side by side with Mesos's own printouts
//! (`src/tests/hierarchical_allocator_tests.cpp` BENCHMARK tests and
//! `src/tests/hierarchical_allocator_benchmarks.cpp`).
//!
//! These workloads are stateful sequences of rounds (each round depends on
//! the filters the previous ones installed), so they are timed round by
//! round as Mesos times them rather than by criterion's repeated
//! iterations. Each event that Mesos follows with an event-driven
//! allocation is followed here by `allocate_pending`, included in the phase
//! it belongs to, as Mesos's `Clock::settle()` includes it.
//!
//! The machine is shared, so each timed step prints its wall-clock time and
//! the CPU time this thread spent in it (from `/proc/thread-self/schedstat`),
//! which other processes' load does not inflate.
//!
//! ```text
//! cargo bench -p allocator --bench mesos_workloads -- decline <agents> <frameworks> [rounds]
//! cargo bench -p allocator --bench mesos_workloads -- add_and_update <agents> <frameworks>
//! cargo bench -p allocator --bench mesos_workloads -- suppress <agents> <frameworks>
//! cargo bench -p allocator --bench mesos_workloads -- quota <small roles> <large roles>
//! ```

use allocator::{
    Allocator, CollectedOffers, FrameworkOptions, HierarchicalAllocator, Options, Quota,
    ResourceLimits,
};
use proto::mesos as pb;
use proto::mesos::framework_info::capability::Type as FrameworkCapability;
use proto::mesos::slave_info::capability::Type as AgentCapability;
use resources::{ResourceQuantities, Resources};
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// The allocator the `mesos-master` binary runs on, so the figures are the
/// ones it would see.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let number = |index: usize, default: usize| {
        args.get(index)
            .map(|arg| arg.parse().expect("a number"))
            .unwrap_or(default)
    };
    match args.first().map(String::as_str) {
        Some("decline") => decline_offers(number(1, 10_000), number(2, 1_000), number(3, 20)),
        Some("add_and_update") => add_and_update(number(1, 10_000), number(2, 1_000)),
        Some("suppress") => suppress_offers(number(1, 10_000), number(2, 1_000)),
        Some("quota") => large_and_small_quota(number(1, 2_500), number(2, 500)),
        _ => eprintln!("usage: mesos_workloads decline|add_and_update|suppress|quota <n> <m>"),
    }
}

/// Nanoseconds this thread has run on a CPU.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let nanos = stat
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(nanos)
}

/// Wall-clock and CPU time of one step.
#[derive(Clone, Copy)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

fn timed<T>(step: impl FnOnce() -> T) -> (T, Timing) {
    let (wall, cpu) = (Instant::now(), cpu_time());
    let result = step();
    let timing = Timing {
        wall: wall.elapsed(),
        cpu: cpu_time() - cpu,
    };
    (result, timing)
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2?} (cpu {:.2?})", self.wall, self.cpu)
    }
}

fn parse(text: &str) -> Resources {
    Resources::parse(text, "*").expect("valid resources")
}

/// Mesos's `createFrameworkInfo({"*"}, capabilities)`: MULTI_ROLE plus
/// `capabilities`.
fn framework(index: usize, role: &str, capabilities: &[FrameworkCapability]) -> pb::FrameworkInfo {
    let mut info = pb::FrameworkInfo {
        id: Some(pb::FrameworkId {
            value: format!("framework-{index}"),
        }),
        name: format!("framework-{index}"),
        roles: vec![role.to_owned()],
        ..Default::default()
    };
    for capability in [FrameworkCapability::MultiRole].iter().chain(capabilities) {
        let mut entry = pb::framework_info::Capability::default();
        entry.set_type(*capability);
        info.capabilities.push(entry);
    }
    info
}

fn agent(index: usize) -> pb::SlaveInfo {
    pb::SlaveInfo {
        id: Some(pb::SlaveId {
            value: format!("agent-{index}"),
        }),
        hostname: format!("agent-{index}"),
        ..Default::default()
    }
}

/// Mesos's `AGENT_CAPABILITIES()` as far as allocation cares.
fn agent_capabilities() -> Vec<pb::slave_info::Capability> {
    [
        AgentCapability::MultiRole,
        AgentCapability::HierarchicalRole,
        AgentCapability::ReservationRefinement,
    ]
    .into_iter()
    .map(|capability| {
        let mut entry = pb::slave_info::Capability::default();
        entry.set_type(capability);
        entry
    })
    .collect()
}

fn new_allocator() -> HierarchicalAllocator {
    HierarchicalAllocator::new(Options {
        seed: Some(1),
        ..Options::default()
    })
}

/// `fragment(createRange(31000, 32000), 16)`: 16 ranges from the front,
/// every other port, the last one running to the end.
fn fragmented_ports() -> Resources {
    let mut ranges: Vec<String> = (0..15).map(|i| format!("{0}-{0}", 31000 + 2 * i)).collect();
    ranges.push("31030-32000".to_owned());
    parse(&format!("ports:[{}]", ranges.join(",")))
}

fn add_frameworks(
    allocator: &mut HierarchicalAllocator,
    count: usize,
    capabilities: &[FrameworkCapability],
) {
    let ((), adding) = timed(|| {
        for index in 0..count {
            allocator
                .add_framework(
                    &framework(index, "*", capabilities),
                    &HashMap::new(),
                    true,
                    FrameworkOptions::default(),
                )
                .expect("new framework");
        }
    });
    println!("Added {count} frameworks in {adding}");
}

/// Adds `count` agents of `total`, each with `used` allocated to one
/// framework round-robin, then runs the prompt allocation those events ask
/// for; returns its offers.
fn add_agents(
    allocator: &mut HierarchicalAllocator,
    count: usize,
    frameworks: usize,
    total: &Resources,
    used: &Resources,
) -> CollectedOffers {
    let capabilities = agent_capabilities();
    // As in Mesos, the agents and frameworks exist before the clock starts;
    // each agent's map of what is in use is built as it is added.
    let agents: Vec<pb::SlaveInfo> = (0..count).map(agent).collect();
    let framework_ids: Vec<pb::FrameworkId> = (0..frameworks)
        .map(|index| pb::FrameworkId {
            value: format!("framework-{index}"),
        })
        .collect();
    let ((), adding) = timed(|| {
        for (index, agent) in agents.iter().enumerate() {
            let used = HashMap::from([(framework_ids[index % frameworks].clone(), used.clone())]);
            allocator
                .add_agent(agent, &capabilities, None, total, &used)
                .expect("new agent");
        }
    });
    println!("Added {count} agents: adding {adding}");
    let mut offers = CollectedOffers::default();
    let (_, allocation) = timed(|| allocator.allocate_pending(Instant::now(), &mut offers));
    println!(
        "  then the prompt allocation {allocation} making {} offers; together {}",
        offers.offer_count(),
        Timing {
            wall: adding.wall + allocation.wall,
            cpu: adding.cpu + allocation.cpu,
        }
    );
    offers
}

fn summarize(label: &str, timings: &[Timing]) {
    let stats = |mut times: Vec<Duration>| {
        times.sort();
        let mean = times.iter().sum::<Duration>() / times.len() as u32;
        format!(
            "mean {mean:.2?}, median {:.2?}, min {:.2?}, max {:.2?}",
            times[times.len() / 2],
            times[0],
            times[times.len() - 1]
        )
    };
    println!(
        "{label} over {} rounds: wall {}; cpu {}",
        timings.len(),
        stats(timings.iter().map(|t| t.wall).collect()),
        stats(timings.iter().map(|t| t.cpu).collect())
    );
}

/// `HierarchicalAllocator_BENCHMARK_Test.DeclineOffers`.
fn decline_offers(agents: usize, frameworks: usize, rounds: usize) {
    println!("Using {agents} agents and {frameworks} frameworks");
    let mut allocator = new_allocator();
    add_frameworks(&mut allocator, frameworks, &[]);
    let mut used = parse("cpus:16;mem:2014;disk:1024") + &fragmented_ports();
    used.allocate("*");
    let total = parse("cpus:24;mem:4096;disk:4096;ports:[31000-32000]");
    let mut offers = add_agents(&mut allocator, agents, frameworks, &total, &used);

    let refuse = pb::Filters {
        refuse_seconds: Some(f64::from(i32::MAX)),
    };
    let mut now = Instant::now();
    let mut declined = 0;
    let mut times = Vec::new();
    for round in 0..rounds {
        for (framework, offer) in offers.flat() {
            allocator
                .recover_resources(
                    framework,
                    &offer.agent_id,
                    &offer.resources,
                    Some(&refuse),
                    false,
                    now,
                )
                .expect("offered");
        }
        declined += offers.offer_count();
        now += allocator.options().allocation_interval;
        offers = CollectedOffers::default();
        let ((), timing) = timed(|| allocator.allocate(now, &mut offers));
        times.push(timing);
        println!(
            "round {round} allocate() took {timing} to make {} offers after filtering {declined} offers",
            offers.offer_count()
        );
    }
    summarize("allocate()", &times);
}

/// `HierarchicalAllocator_BENCHMARK_Test.AddAndUpdateSlave`.
fn add_and_update(agents: usize, frameworks: usize) {
    println!("Using {agents} agents and {frameworks} frameworks");
    let mut allocator = new_allocator();
    add_frameworks(
        &mut allocator,
        frameworks,
        &[FrameworkCapability::RevocableResources],
    );
    let mut used =
        parse("cpus:1;mem:128;disk:1024;ports:[31126-31510,31512-31623,31810-31852,31854-31964]");
    used.allocate("*");
    let total = parse("cpus:2;mem:1024;disk:4096;ports:[31000-32000]");
    add_agents(&mut allocator, agents, frameworks, &total, &used);

    let revocable: pb::Resource = proto::json::from_value(&serde_json::json!({
        "name": "cpus", "type": "SCALAR", "scalar": {"value": 10}, "revocable": {}
    }))
    .expect("a Resource");
    let oversubscribed = total.clone() + &Resources::from_protos(&[revocable]).expect("valid");
    let infos: Vec<pb::SlaveInfo> = (0..agents).map(agent).collect();
    let ((), updating) = timed(|| {
        for info in &infos {
            allocator
                .update_agent(info, Some(&oversubscribed), None)
                .expect("known agent");
        }
    });
    let mut offers = CollectedOffers::default();
    let (_, allocation) = timed(|| allocator.allocate_pending(Instant::now(), &mut offers));
    println!(
        "Updated {agents} agents: updating {updating}, then the prompt allocation {allocation} making {} offers",
        offers.offer_count()
    );
}

/// `HierarchicalAllocator_BENCHMARK_Test.SuppressOffers`.
fn suppress_offers(agents: usize, frameworks: usize) {
    println!("Using {agents} agents and {frameworks} frameworks");
    let mut allocator = new_allocator();
    add_frameworks(&mut allocator, frameworks, &[]);
    let mut used = parse("cpus:16;mem:1024;disk:1024") + &fragmented_ports();
    used.allocate("*");
    let total = parse("cpus:24;mem:4096;disk:4096;ports:[31000-32000]");
    let mut offers = add_agents(&mut allocator, agents, frameworks, &total, &used);

    let cycles = 5;
    let mut suppressed = 0;
    let mut now = Instant::now();
    for _ in 0..cycles {
        for (framework, offer) in offers.flat() {
            allocator
                .recover_resources(
                    framework,
                    &offer.agent_id,
                    &offer.resources,
                    None,
                    false,
                    now,
                )
                .expect("offered");
        }
        for _ in 0..frameworks / cycles {
            let id = pb::FrameworkId {
                value: format!("framework-{suppressed}"),
            };
            allocator
                .suppress_offers(&id, &BTreeSet::new())
                .expect("known framework");
            suppressed += 1;
        }
        now += allocator.options().allocation_interval;
        offers = CollectedOffers::default();
        let ((), timing) = timed(|| allocator.allocate(now, &mut offers));
        println!(
            "allocate() took {timing} to make {} offers with {suppressed} out of {frameworks} frameworks suppressing offers",
            offers.offer_count()
        );
    }
}

fn quota(text: &str) -> Quota {
    let guarantees = ResourceQuantities::parse(text).expect("quantities");
    let mut limits = ResourceLimits::new();
    for (name, quantity) in guarantees.iter() {
        limits.set(name, quantity);
    }
    Quota { guarantees, limits }
}

/// `BENCHMARK_HierarchicalAllocator_WithQuotaParam.LargeAndSmallQuota`
/// (DRF sorters, one framework per role).
fn large_and_small_quota(small: usize, large: usize) {
    let agents = small / 5 + large * 5;
    let mut allocator = new_allocator();
    let total = parse("cpus:2;mem:2048;disk:2048");
    let capabilities = agent_capabilities();
    let ((), adding) = timed(|| {
        for index in 0..agents {
            allocator
                .add_agent(&agent(index), &capabilities, None, &total, &HashMap::new())
                .expect("new agent");
        }
        allocator.allocate_pending(Instant::now(), &mut CollectedOffers::default());
    });
    println!("Added {agents} agents in {adding}");

    allocator.pause();
    let roles: Vec<(String, &str)> = (0..small)
        .map(|i| (format!("smallQuotaRole{i}"), "cpus:1;mem:1024;disk:1024"))
        .chain((0..large).map(|i| (format!("largeQuotaRole{i}"), "cpus:4;mem:4096;disk:4096")))
        .collect();
    let ((), adding) = timed(|| {
        for (index, (role, _)) in roles.iter().enumerate() {
            allocator
                .add_framework(
                    &framework(index, role, &[]),
                    &HashMap::new(),
                    true,
                    FrameworkOptions::default(),
                )
                .expect("new framework");
        }
    });
    println!("Added {} frameworks in {adding}", roles.len());
    println!(
        "Benchmark setup: {agents} agents, {} roles, {} frameworks, with drf sorter",
        roles.len(),
        roles.len()
    );
    for (role, guarantee) in &roles {
        allocator.update_quota(role, quota(guarantee));
    }
    allocator.resume();

    let mut now = Instant::now();
    for cycle in ["first", "second"] {
        now += allocator.options().allocation_interval;
        let mut offers = CollectedOffers::default();
        let ((), timing) = timed(|| allocator.allocate(now, &mut offers));
        println!(
            "{cycle} cycle: made {} allocations in {timing}",
            offers.offer_count()
        );
    }
}
