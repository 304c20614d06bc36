//! The master's figures under Mesos's names (`master/...`), and those of
//! the stages it drives (`allocator/...`, `registrar/...`), published in
//! the runtime's metrics registry so that `/metrics/snapshot` shows them.
//!
//! Counters are bumped where Mesos bumps them; the agent gauges
//! (`master/slaves_active`, ...) are recomputed by the master process after
//! every change to its agents, so reading them never touches its state.
//!
//! The allocator's figures are read from the allocator itself when a
//! snapshot is taken ([`SharedAllocator`]), as Mesos's pull gauges are;
//! the master times the allocation runs it asks for. The Registrar's are
//! read from its handle once recovery has started it ([`RegistrarGauges`]),
//! and it reports each store's duration to `registrar/state_store_ms`.

use allocator::Allocator;
use libprocess::{Counter, Gauge, MetricTimer, Metrics};
use registry::Registrar;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
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
    /// `allocator/mesos/allocation_run_ms`: how long each run took.
    pub allocation_run: MetricTimer,
    /// `allocator/mesos/allocation_run_latency_ms`: from when a run was
    /// due (batch) or asked for (prompt) to when it started.
    pub allocation_run_latency: MetricTimer,
    pub registrar: RegistrarGauges,
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
            allocation_run: metrics.timer("allocator/mesos/allocation_run_ms"),
            allocation_run_latency: metrics.timer("allocator/mesos/allocation_run_latency_ms"),
            registrar: RegistrarGauges::register(metrics),
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

/// The master's allocator, shared with `/metrics/snapshot`.
#[derive(Debug, Clone)]
pub(crate) struct SharedAllocator(Arc<Mutex<Box<dyn Allocator>>>);

impl SharedAllocator {
    /// Wraps `allocator` and publishes its figures ([`Allocator::metrics`])
    /// as a family read at each snapshot: the values are the allocator's as
    /// the snapshot is taken, the role names those it knows then.
    pub fn publish(allocator: Box<dyn Allocator>, metrics: &Metrics) -> SharedAllocator {
        let shared = SharedAllocator(Arc::new(Mutex::new(allocator)));
        let read = shared.clone();
        metrics.gauges_fn("allocator/", move || read.lock().metrics());
        shared
    }

    /// The allocator, for one call. The master never holds it across an
    /// await nor while registering metrics, so a snapshot waits at most for
    /// the call in progress (an allocation run, say), as Mesos's waits for
    /// the allocator's queue.
    pub fn lock(&self) -> MutexGuard<'_, Box<dyn Allocator>> {
        // A panic in the allocator takes the master down; a snapshot taken
        // meanwhile may still read the figures.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `registrar/queued_operations`, `registrar/registry_size_bytes` and
/// `registrar/state_fetch_ms`, read from the Registrar; the store timer
/// `registrar/state_store_ms` it reports to.
#[derive(Debug, Clone)]
pub(crate) struct RegistrarGauges {
    registrar: Arc<Mutex<Option<Registrar>>>,
    pub state_store: MetricTimer,
}

impl RegistrarGauges {
    fn register(metrics: &Metrics) -> RegistrarGauges {
        let registrar: Arc<Mutex<Option<Registrar>>> = Arc::default();
        // Before recovery there is no registry: Mesos's size gauge fails
        // and is left out, as is a fetch timer never stopped (NaN).
        let read = |unrecovered: f64, figure: fn(registry::RegistrarMetrics) -> f64| {
            let registrar = Arc::clone(&registrar);
            move || {
                registrar
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .as_ref()
                    .map_or(unrecovered, |registrar| figure(registrar.metrics()))
            }
        };
        metrics.gauge_fn(
            "registrar/queued_operations",
            read(0.0, |figures| figures.queued_operations as f64),
        );
        metrics.gauge_fn(
            "registrar/registry_size_bytes",
            read(f64::NAN, |figures| figures.registry_size_bytes as f64),
        );
        // Mesos's fetch timer keeps no statistics: its last value only.
        metrics.gauge_fn(
            "registrar/state_fetch_ms",
            read(f64::NAN, |figures| figures.state_fetch.as_secs_f64() * 1e3),
        );
        RegistrarGauges {
            registrar,
            state_store: metrics.timer("registrar/state_store_ms"),
        }
    }

    /// The Registrar is running: its figures are published from now on.
    pub fn recovered(&self, registrar: &Registrar) {
        *self
            .registrar
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(registrar.clone());
    }
}
