//! [`TcpProxy`]: a loopback TCP forwarder whose connections a test can cut,
//! the way a crash or a network partition cuts them.

use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards loopback TCP connections to `upstream` until [`cut`](Self::cut).
#[derive(Debug)]
pub struct TcpProxy {
    address: String,
    accept: JoinHandle<()>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl TcpProxy {
    /// Listens on a free loopback port (in the current tokio runtime).
    pub async fn start(upstream: String) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let address = listener.local_addr().expect("bound").to_string();
        let connections = Arc::new(Mutex::new(Vec::new()));
        let accept = tokio::spawn({
            let connections = connections.clone();
            async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    let upstream = upstream.clone();
                    let forward = tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(&upstream).await {
                            let _closed =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    connections.lock().expect("proxy lock").push(forward);
                }
            }
        });
        TcpProxy {
            address,
            accept,
            connections,
        }
    }

    /// `127.0.0.1:<port>` of the proxy.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Drops every forwarded connection; new ones are accepted.
    pub fn reset(&self) {
        for connection in self.connections.lock().expect("proxy lock").drain(..) {
            connection.abort();
        }
    }

    /// Stops accepting and drops every connection: the upstream server no
    /// longer hears from the clients behind the proxy.
    pub fn cut(&self) {
        self.accept.abort();
        self.reset();
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
