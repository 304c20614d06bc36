//! Outbound connections: one per remote runtime address, opened on first
//! use and kept.
//!
//! Senders encode messages straight into the peer's pending buffer; the
//! peer's task writes whatever has accumulated in one `write_all`, so a burst
//! of messages becomes a few large writes. Whatever the receiver answers
//! (`202 Accepted`) is read and discarded: nothing ever waits for a reply,
//! so peers that never answer (mesos-go) are fine. When the connection
//! cannot be made, breaks, or the backlog exceeds its cap, the queued
//! messages are dropped and the runtime tells the linkers of that address.

use std::collections::HashMap;
use std::net::SocketAddrV4;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bytes::{BufMut, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

use crate::Upid;
use crate::http1::put_hex;
use crate::runtime::Inner;
use crate::server::configure_socket;

struct Pending {
    bytes: BytesMut,
    open: bool,
}

pub(crate) struct Peer {
    address: SocketAddrV4,
    pending: Mutex<Pending>,
    wakeup: Notify,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Peer {
    fn close(&self) {
        let mut pending = lock(&self.pending);
        pending.open = false;
        pending.bytes = BytesMut::new();
        drop(pending);
        self.wakeup.notify_one();
    }
}

/// The outbound connection table of one runtime.
#[derive(Default)]
pub(crate) struct Peers {
    table: Mutex<HashMap<SocketAddrV4, Arc<Peer>>>,
}

/// Limits an outbound connection lives by.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PeerLimits {
    pub connect_timeout: Duration,
    pub max_backlog_bytes: usize,
}

impl Peers {
    /// Queues a message on `peer`, the connection to its receiver's
    /// runtime; false if that connection has been lost since it was looked
    /// up. `head` is the message's [`message_head`].
    pub(crate) fn send_on(
        &self,
        runtime: &Arc<Inner>,
        peer: &Arc<Peer>,
        head: &[u8],
        body: &[u8],
    ) -> bool {
        let limits = runtime.peer_limits();
        let mut pending = lock(&peer.pending);
        if !pending.open {
            return false;
        }
        let was_empty = pending.bytes.is_empty();
        pending.encode(head, body);
        let overflow = pending.bytes.len() > limits.max_backlog_bytes;
        drop(pending);
        if overflow {
            tracing::warn!(peer = %peer.address, "outbound backlog over its cap; dropping the connection");
            self.lose(runtime, peer);
        } else if was_empty {
            peer.wakeup.notify_one();
        }
        true
    }

    /// Makes sure a connection to `address` exists (for `link`).
    pub(crate) fn connect(&self, runtime: &Arc<Inner>, address: SocketAddrV4) {
        self.peer(runtime, address);
    }

    /// Closes every connection (runtime shutdown).
    pub(crate) fn close_all(&self) {
        let peers: Vec<_> = lock(&self.table).drain().map(|(_, peer)| peer).collect();
        for peer in peers {
            peer.close();
        }
    }

    /// The connection to `address`, opened if there is none.
    pub(crate) fn peer(&self, runtime: &Arc<Inner>, address: SocketAddrV4) -> Arc<Peer> {
        let mut table = lock(&self.table);
        if let Some(peer) = table.get(&address) {
            return peer.clone();
        }
        let peer = Arc::new(Peer {
            address,
            pending: Mutex::new(Pending {
                bytes: BytesMut::new(),
                open: true,
            }),
            wakeup: Notify::new(),
        });
        table.insert(address, peer.clone());
        drop(table);
        runtime.tokio().spawn(drive(
            Arc::downgrade(runtime),
            peer.clone(),
            runtime.peer_limits(),
        ));
        peer
    }

    /// Forgets `peer` (if it is still the one for its address), drops its
    /// backlog and tells the linkers.
    fn lose(&self, runtime: &Arc<Inner>, peer: &Arc<Peer>) {
        let removed = {
            let mut table = lock(&self.table);
            match table.get(&peer.address) {
                Some(current) if Arc::ptr_eq(current, peer) => {
                    table.remove(&peer.address).is_some()
                }
                _ => false,
            }
        };
        peer.close();
        if removed {
            runtime.peer_lost(peer.address);
        }
    }
}

impl Pending {
    /// Appends a message as libprocess puts it on the wire: its `head`
    /// (from [`message_head`]), then its framing and body.
    fn encode(&mut self, head: &[u8], body: &[u8]) {
        let out = &mut self.bytes;
        out.reserve(head.len() + 48 + body.len());
        out.put_slice(head);
        if body.is_empty() {
            out.put_slice(b"\r\n");
        } else {
            out.put_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            put_hex(out, body.len());
            out.put_slice(b"\r\n");
            out.put_slice(body);
            out.put_slice(b"\r\n0\r\n\r\n");
        }
    }
}

/// A message's request line and headers, up to the framing header. It
/// depends on sender, receiver and name only, so a sender keeps it for the
/// next message with the same name.
pub(crate) fn message_head(from: &Upid, to: &Upid, name: &str) -> Vec<u8> {
    // An empty id would make a `//` path; libprocess leaves the segment out.
    let to = if to.id().is_empty() {
        String::new()
    } else {
        format!("/{}", to.id())
    };
    format!(
        "POST {to}/{name} HTTP/1.1\r\nUser-Agent: libprocess/{from}\r\nLibprocess-From: {from}\r\nConnection: Keep-Alive\r\nHost: \r\n"
    )
    .into_bytes()
}

async fn drive(runtime: Weak<Inner>, peer: Arc<Peer>, limits: PeerLimits) {
    let outcome = transmit(&peer, limits).await;
    match &outcome {
        Ok(()) => tracing::debug!(peer = %peer.address, "outbound connection closed"),
        Err(error) => tracing::debug!(peer = %peer.address, %error, "outbound connection lost"),
    }
    if let Some(runtime) = runtime.upgrade() {
        runtime.peers().lose(&runtime, &peer);
    } else {
        peer.close();
    }
}

async fn transmit(peer: &Peer, limits: PeerLimits) -> std::io::Result<()> {
    let stream = tokio::time::timeout(limits.connect_timeout, TcpStream::connect(peer.address))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))??;
    configure_socket(&stream);
    let (mut reader, mut writer) = stream.into_split();

    let discard_answers = async move {
        let mut sink = vec![0u8; 16 * 1024];
        loop {
            match reader.read(&mut sink).await {
                Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                Ok(_) => {}
                Err(error) => return Err(error),
            }
        }
    };

    let write_pending = async move {
        let mut batch = BytesMut::new();
        loop {
            {
                let mut pending = lock(&peer.pending);
                if !pending.open {
                    return Ok(());
                }
                std::mem::swap(&mut pending.bytes, &mut batch);
            }
            if batch.is_empty() {
                peer.wakeup.notified().await;
                continue;
            }
            writer.write_all(&batch).await?;
            batch.clear();
        }
    };

    tokio::select! {
        result = discard_answers => result,
        result = write_pending => result,
    }
}
