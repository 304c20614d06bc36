//! The client side of Mesos's CRAM-MD5 exchange, of our own: a
//! `crammd5-authenticatee(N)` process driven step by step by a test, on the
//! runtime of the agent it vouches for (as an agent has one).

use authentication::cram_md5;
use libprocess::{Context, Message, Pid, Process, Runtime, Upid, generate_id};
use proto::mesos::internal::{
    AuthenticateMessage, AuthenticationStartMessage, AuthenticationStepMessage,
};
use tokio::sync::mpsc;

use super::{PATIENCE, Received};

pub const COMPLETED: &str = "mesos.internal.AuthenticationCompletedMessage";
pub const FAILED: &str = "mesos.internal.AuthenticationFailedMessage";
const MECHANISMS: &str = "mesos.internal.AuthenticationMechanismsMessage";
const STEP: &str = "mesos.internal.AuthenticationStepMessage";

struct AuthenticateeProcess {
    inbox: mpsc::UnboundedSender<Received>,
}

impl Process for AuthenticateeProcess {
    fn unhandled(&mut self, _ctx: &mut Context<Self>, message: Message) {
        let _ = self.inbox.send(Received {
            from: message.from,
            name: message.name.to_string(),
            body: message.body,
        });
    }
}

/// The authenticatee, as the test sees it.
pub struct Authenticatee {
    pid: Pid<AuthenticateeProcess>,
    inbox: mpsc::UnboundedReceiver<Received>,
    master: Upid,
}

impl Authenticatee {
    pub fn start(runtime: &Runtime, master: Upid) -> Authenticatee {
        let (sender, inbox) = mpsc::unbounded_channel();
        let pid = runtime
            .spawn(
                generate_id("crammd5-authenticatee"),
                AuthenticateeProcess { inbox: sender },
            )
            .unwrap();
        Authenticatee { pid, inbox, master }
    }

    fn send<M: prost::Message + prost::Name>(&self, to: &Upid, message: &M) {
        let to = to.clone();
        let body = message.encode_to_vec();
        self.pid
            .dispatch(move |_, ctx| ctx.send(&to, M::full_name(), body));
    }

    async fn expect(&mut self, name: &str) -> Received {
        let received = self.next().await;
        assert_eq!(received.name, name);
        received
    }

    async fn next(&mut self) -> Received {
        tokio::time::timeout(PATIENCE, self.inbox.recv())
            .await
            .expect("the master answers")
            .expect("the process runs")
    }

    /// Asks the master to authenticate `pid`; returns the session's UPID,
    /// from its mechanisms message.
    pub async fn begin(&mut self, pid: &Upid) -> Upid {
        let master = self.master.clone();
        self.send(
            &master,
            &AuthenticateMessage {
                pid: pid.to_string(),
            },
        );
        self.expect(MECHANISMS).await.from
    }

    /// Runs the rest of the exchange with `session`; returns the name of
    /// the message that ended it.
    pub async fn finish(&mut self, session: &Upid, principal: &str, secret: &str) -> String {
        self.send(
            session,
            &AuthenticationStartMessage {
                mechanism: cram_md5::MECHANISM.into(),
                data: None,
            },
        );
        let challenge: AuthenticationStepMessage = self.expect(STEP).await.decode();
        let response = cram_md5::respond(principal, secret.as_bytes(), &challenge.data);
        self.send(
            session,
            &AuthenticationStepMessage {
                data: response.into_bytes(),
            },
        );
        self.next().await.name
    }

    pub async fn authenticate(&mut self, pid: &Upid, principal: &str, secret: &str) -> String {
        let session = self.begin(pid).await;
        self.finish(&session, principal, secret).await
    }
}
