//! A stand-in master for measuring the simulator on its own: it admits
//! every agent that registers or reregisters and pings each one from
//! `slave-observer(1)` every interval, printing how many answered.
//!
//! ```sh
//! cargo run --release -p mesos-sim --example ping_master -- 5050 15
//! ```
//! (port, ping interval in seconds; listens on 127.0.0.1).

use std::collections::BTreeSet;
use std::time::Duration;

use libprocess::{Config, Context, Message, Process, Runtime, Upid};
use proto::mesos::SlaveId;
use proto::mesos::internal::{
    MasterSlaveConnection, PingSlaveMessage, RegisterSlaveMessage, ReregisterSlaveMessage,
    SlaveRegisteredMessage, SlaveReregisteredMessage,
};

struct Master {
    agents: BTreeSet<Upid>,
    total_ping_timeout: f64,
}

impl Process for Master {
    fn unhandled(&mut self, ctx: &mut Context<Self>, message: Message) {
        let connection = Some(MasterSlaveConnection {
            total_ping_timeout_seconds: Some(self.total_ping_timeout),
        });
        match &*message.name {
            "mesos.internal.RegisterSlaveMessage"
                if proto::decode::<RegisterSlaveMessage>(&message.body).is_ok() =>
            {
                self.agents.insert(message.from.clone());
                let slave_id = SlaveId {
                    value: format!("ping-master-S{}", message.from.id()),
                };
                ctx.send_protobuf(
                    &message.from,
                    &SlaveRegisteredMessage {
                        slave_id,
                        connection,
                    },
                );
            }
            "mesos.internal.ReregisterSlaveMessage" => {
                if let Ok(reregister) = proto::decode::<ReregisterSlaveMessage>(&message.body) {
                    self.agents.insert(message.from.clone());
                    let slave_id = reregister.slave.id.unwrap_or_default();
                    ctx.send_protobuf(
                        &message.from,
                        &SlaveReregisteredMessage {
                            slave_id,
                            reconciliations: Vec::new(),
                            connection,
                        },
                    );
                }
            }
            _ => {}
        }
    }
}

#[derive(Default)]
struct Observer {
    pongs: u64,
}

impl Process for Observer {
    fn unhandled(&mut self, _ctx: &mut Context<Self>, message: Message) {
        if &*message.name == "mesos.internal.PongSlaveMessage" {
            self.pongs += 1;
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .and_then(|port| port.parse().ok())
        .unwrap_or(5050);
    let interval: u64 = args.next().and_then(|secs| secs.parse().ok()).unwrap_or(15);
    let config = Config {
        port,
        ..Config::loopback()
    };
    let tokio = config.build_tokio_runtime().expect("a tokio runtime");
    tokio.block_on(async move {
        let runtime = Runtime::start(config).await.expect("the runtime starts");
        let master = runtime
            .spawn(
                "master",
                Master {
                    agents: BTreeSet::new(),
                    // Mesos's defaults: 5 missed pings of the interval.
                    total_ping_timeout: (interval * 5) as f64,
                },
            )
            .expect("spawns master");
        let observer = runtime
            .spawn("slave-observer(1)", Observer::default())
            .expect("spawns the observer");
        println!("ping_master listening at {}", master.upid());
        let mut ticks = tokio::time::interval(Duration::from_secs(interval));
        loop {
            ticks.tick().await;
            let agents = master
                .call(|master, _| master.agents.clone())
                .await
                .expect("master runs");
            let pongs = observer
                .call(move |observer, ctx| {
                    let answered = std::mem::take(&mut observer.pongs);
                    for agent in &agents {
                        ctx.send_protobuf(agent, &PingSlaveMessage { connected: true });
                    }
                    (agents.len(), answered)
                })
                .await
                .expect("observer runs");
            println!(
                "agents {}, pongs to the previous round {}",
                pongs.0, pongs.1
            );
        }
    });
}
