//! A libprocess runtime for the tests, and patience for waiting on it.

#![allow(dead_code)] // Each test file uses its own subset.

use std::time::Duration;

use libprocess::{Config, Runtime, Upid};
use tokio::sync::mpsc;

/// Upper bound on any wait, so a bug fails a test instead of hanging it.
/// Longer than the authenticator's default timeout, so that with a paused
/// clock the session's timer fires first.
pub const PATIENCE: Duration = Duration::from_secs(60);

pub async fn start_runtime() -> Runtime {
    Runtime::start(Config::loopback())
        .await
        .expect("runtime starts")
}

pub async fn next<T>(receiver: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(PATIENCE, receiver.recv())
        .await
        .expect("event arrives in time")
        .expect("channel open")
}

/// Waits until the process `upid` is gone from `runtime`.
pub async fn terminated(runtime: &Runtime, upid: &Upid) {
    tokio::time::timeout(PATIENCE, runtime.wait(upid))
        .await
        .unwrap_or_else(|_| panic!("{upid} still running"));
    assert!(!runtime.is_running(upid.id()), "{upid} still running");
}
