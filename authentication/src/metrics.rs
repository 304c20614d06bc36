//! Counters of how libprocess authentication attempts end.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use libprocess::{Counter, Metrics};

use crate::Outcome;

/// How [`CramMd5Authenticator`](crate::CramMd5Authenticator) sessions ended,
/// and how many are running.
///
/// [`register`](Self::register) publishes them as `<prefix>/succeeded`,
/// `<prefix>/failed` (wrong secret or unknown principal),
/// `<prefix>/errored`, `<prefix>/timed_out` and the gauge
/// `<prefix>/sessions_active`. [`Default`] gives counters published nowhere.
#[derive(Debug, Clone, Default)]
pub struct SessionMetrics {
    succeeded: Counter,
    failed: Counter,
    errored: Counter,
    timed_out: Counter,
    active: Arc<AtomicU64>,
}

impl SessionMetrics {
    /// Counters registered in `metrics` under `prefix` (e.g.
    /// `master/authentication`).
    pub fn register(metrics: &Metrics, prefix: &str) -> Self {
        let active = Arc::new(AtomicU64::new(0));
        let gauge = active.clone();
        metrics.gauge_fn(&format!("{prefix}/sessions_active"), move || {
            gauge.load(Ordering::Relaxed) as f64
        });
        SessionMetrics {
            succeeded: metrics.counter(&format!("{prefix}/succeeded")),
            failed: metrics.counter(&format!("{prefix}/failed")),
            errored: metrics.counter(&format!("{prefix}/errored")),
            timed_out: metrics.counter(&format!("{prefix}/timed_out")),
            active,
        }
    }

    /// Sessions that authenticated their peer.
    pub fn succeeded(&self) -> u64 {
        self.succeeded.get()
    }

    /// Sessions refused for a wrong secret or unknown principal.
    pub fn failed(&self) -> u64 {
        self.failed.get()
    }

    /// Sessions ended by a protocol error or a lost peer.
    pub fn errored(&self) -> u64 {
        self.errored.get()
    }

    /// Sessions ended by the timeout.
    pub fn timed_out(&self) -> u64 {
        self.timed_out.get()
    }

    /// Session processes alive now.
    pub fn sessions_active(&self) -> u64 {
        self.active.load(Ordering::Relaxed)
    }

    pub(crate) fn count(&self, outcome: &Outcome) {
        match outcome {
            Outcome::Authenticated { .. } => self.succeeded.increment(),
            Outcome::Refused => self.failed.increment(),
            Outcome::Error(_) => self.errored.increment(),
            Outcome::TimedOut => self.timed_out.increment(),
        }
    }

    /// Marks a session alive until the returned guard is dropped.
    pub(crate) fn session_started(&self) -> ActiveSession {
        self.active.fetch_add(1, Ordering::Relaxed);
        ActiveSession(self.active.clone())
    }
}

/// Held by a session process's state, so the count drops however the
/// process ends.
#[derive(Debug)]
pub(crate) struct ActiveSession(Arc<AtomicU64>);

impl Drop for ActiveSession {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
