//! A scheduler driver for tests: a libprocess process `scheduler(1)` on a
//! runtime of its own, sending what mesos-go 0.0.6's driver sent in the
//! golden capture and recording what the master sends back.

use super::Received;
use libprocess::{Config, Context, Message, Pid, Process, Runtime, Upid};
use std::time::Duration;
use tokio::sync::mpsc;

struct DriverProcess {
    inbox: mpsc::UnboundedSender<Received>,
}

impl Process for DriverProcess {
    fn unhandled(&mut self, _ctx: &mut Context<Self>, message: Message) {
        let _ = self.inbox.send(Received {
            from: message.from,
            name: message.name.to_string(),
            body: message.body,
        });
    }
}

pub struct FakeDriver {
    pub runtime: Runtime,
    pid: Pid<DriverProcess>,
    inbox: mpsc::UnboundedReceiver<Received>,
    master: Upid,
}

impl FakeDriver {
    pub async fn start(master: &master::Master) -> FakeDriver {
        let runtime = Runtime::start(Config::loopback()).await.unwrap();
        let (sender, inbox) = mpsc::unbounded_channel();
        let pid = runtime
            .spawn("scheduler(1)", DriverProcess { inbox: sender })
            .unwrap();
        FakeDriver {
            runtime,
            pid,
            inbox,
            master: super::master_upid(master),
        }
    }

    pub fn upid(&self) -> &Upid {
        self.pid.upid()
    }

    /// Sends a protobuf message to the master from `scheduler(1)`.
    pub fn send<M: prost::Message + prost::Name>(&self, message: &M) {
        self.send_named(&M::full_name(), message.encode_to_vec());
    }

    pub fn send_named(&self, name: &str, body: Vec<u8>) {
        let master = self.master.clone();
        let name = name.to_owned();
        self.pid.dispatch(move |_, ctx| {
            ctx.send(&master, name, body);
        });
    }

    /// The next message, whatever it is. The real-time limit only keeps a
    /// broken master from hanging the suite.
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(60), self.inbox.recv())
            .await
            .expect("a message within the test's patience")
            .expect("the driver process runs")
    }

    /// The next message, which must be `M`.
    pub async fn expect<M: prost::Message + prost::Name + Default>(&mut self) -> M {
        self.next().await.decode()
    }

    /// Stops the driver: its connections close, as when it crashes.
    pub async fn kill(self) {
        self.runtime.shutdown().await;
    }
}
