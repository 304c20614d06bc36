//! The master's figures under Mesos's names (`master/...`), published in the
//! runtime's metrics registry so that `/metrics/snapshot` shows them.
//!
//! Counters are bumped where Mesos bumps them; the agent gauges
//! (`master/slaves_active`, ...) are recomputed by the master process after
//! every change to its agents, so reading them never touches its state.

use libprocess::{Counter, Gauge, Metrics};
use std::time::Instant;

#[derive(Debug, Clone)]
pub(crate) struct MasterMetrics {
    pub dropped_messages: Counter,
    pub messages_authenticate: Counter,
    pub messages_register_slave: Counter,
    pub messages_reregister_slave: Counter,
    pub messages_unregister_slave: Counter,
    pub messages_update_slave: Counter,
    pub slave_registrations: Counter,
    pub slave_reregistrations: Counter,
    pub slave_removals: Counter,
    pub slave_removals_reason_registered: Counter,
    pub slave_removals_reason_unhealthy: Counter,
    pub slave_removals_reason_unregistered: Counter,
    pub recovery_slave_removals: Counter,
    pub slave_unreachable_scheduled: Counter,
    pub slave_unreachable_completed: Counter,
    pub slave_unreachable_canceled: Counter,
    pub elected: Gauge,
    pub slaves_active: Gauge,
    pub slaves_inactive: Gauge,
    pub slaves_connected: Gauge,
    pub slaves_disconnected: Gauge,
    pub slaves_unreachable: Gauge,
}

/// The agent gauges' values, as the master computes them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AgentCounts {
    pub active: usize,
    pub inactive: usize,
    pub connected: usize,
    pub disconnected: usize,
    pub unreachable: usize,
}

impl MasterMetrics {
    pub fn register(metrics: &Metrics, started: Instant) -> MasterMetrics {
        metrics.gauge_fn("master/uptime_secs", move || {
            started.elapsed().as_secs_f64()
        });
        let counter = |name: &str| metrics.counter(&format!("master/{name}"));
        let gauge = |name: &str| metrics.gauge(&format!("master/{name}"));
        MasterMetrics {
            dropped_messages: counter("dropped_messages"),
            messages_authenticate: counter("messages_authenticate"),
            messages_register_slave: counter("messages_register_slave"),
            messages_reregister_slave: counter("messages_reregister_slave"),
            messages_unregister_slave: counter("messages_unregister_slave"),
            messages_update_slave: counter("messages_update_slave"),
            slave_registrations: counter("slave_registrations"),
            slave_reregistrations: counter("slave_reregistrations"),
            slave_removals: counter("slave_removals"),
            slave_removals_reason_registered: counter("slave_removals/reason_registered"),
            slave_removals_reason_unhealthy: counter("slave_removals/reason_unhealthy"),
            slave_removals_reason_unregistered: counter("slave_removals/reason_unregistered"),
            recovery_slave_removals: counter("recovery_slave_removals"),
            slave_unreachable_scheduled: counter("slave_unreachable_scheduled"),
            slave_unreachable_completed: counter("slave_unreachable_completed"),
            slave_unreachable_canceled: counter("slave_unreachable_canceled"),
            elected: gauge("elected"),
            slaves_active: gauge("slaves_active"),
            slaves_inactive: gauge("slaves_inactive"),
            slaves_connected: gauge("slaves_connected"),
            slaves_disconnected: gauge("slaves_disconnected"),
            slaves_unreachable: gauge("slaves_unreachable"),
        }
    }

    pub fn publish(&self, counts: AgentCounts) {
        self.slaves_active.set(counts.active as f64);
        self.slaves_inactive.set(counts.inactive as f64);
        self.slaves_connected.set(counts.connected as f64);
        self.slaves_disconnected.set(counts.disconnected as f64);
        self.slaves_unreachable.set(counts.unreachable as f64);
    }
}
