//! Metrics: counters, gauges and timers, served as `/metrics/snapshot`.
//!
//! Every runtime has one [`Metrics`] registry ([`Runtime::metrics`]). Crates
//! register what they measure under Mesos's names and keep the returned
//! handle; updating a handle is a relaxed atomic operation (a mutex for
//! timers), so it is cheap on hot paths.
//!
//! ```
//! # async fn demo(runtime: libprocess::Runtime) {
//! let metrics = runtime.metrics();
//! let registrations = metrics.counter("master/slave_registrations");
//! registrations.increment();
//! let elected = metrics.gauge("master/elected");
//! elected.set(1.0);
//! let store = metrics.timer("registrar/state_store_ms");
//! store.record(std::time::Duration::from_micros(250));
//! # }
//! ```
//!
//! Figures whose names come and go (one per role, say) are registered as a
//! family with [`Metrics::gauges_fn`], read whole at each snapshot.
//!
//! The snapshot is one flat JSON object of `"name": number`, keys sorted,
//! numbers as doubles (`1.0`). A timer named `x_ms` shows its last value in
//! milliseconds as `x_ms` plus `x_ms/count`, `/max`, `/min`, `/p50`, `/p90`,
//! `/p95`, `/p99`, `/p999` and `/p9999` over its recent samples, as Mesos
//! does.
//!
//! [`Runtime::metrics`]: crate::Runtime::metrics

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::json::{write_json_number, write_json_string};

/// How many recent samples a timer keeps for its percentiles.
const TIMER_WINDOW: usize = 1000;

/// A registry of named metrics. Cloning gives another handle to the same
/// registry.
#[derive(Clone, Default)]
pub struct Metrics {
    entries: Arc<RwLock<BTreeMap<String, Metric>>>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries = self
            .entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f.debug_struct("Metrics")
            .field("names", &entries.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[derive(Clone)]
enum Metric {
    Counter(Counter),
    Gauge(Gauge),
    Timer(Timer),
    Gauges(ReadGauges),
}

/// Reads a family of gauges: their names and values as of now.
type ReadGauges = Arc<dyn Fn() -> Vec<(String, f64)> + Send + Sync>;

impl Metrics {
    /// The counter called `name`, registering it if new. Registering a name
    /// already used by another kind of metric replaces that metric.
    pub fn counter(&self, name: &str) -> Counter {
        self.register(
            name,
            |metric| match metric {
                Metric::Counter(counter) => Some(counter.clone()),
                _ => None,
            },
            Counter::default,
            Metric::Counter,
        )
    }

    /// The settable gauge called `name`, registering it if new.
    pub fn gauge(&self, name: &str) -> Gauge {
        self.register(
            name,
            |metric| match metric {
                Metric::Gauge(gauge) => Some(gauge.clone()),
                _ => None,
            },
            Gauge::settable,
            Metric::Gauge,
        )
    }

    /// Registers a gauge whose value is read from `read` at snapshot time,
    /// replacing any metric of that name. `read` must not block; it returns
    /// NaN when the value cannot be had, and the snapshot then omits it.
    pub fn gauge_fn(&self, name: &str, read: impl Fn() -> f64 + Send + Sync + 'static) {
        let gauge = Gauge(GaugeSource::Read(Arc::new(read)));
        self.write().insert(name.to_owned(), Metric::Gauge(gauge));
    }

    /// Registers, under the key `family`, gauges whose names and values are
    /// all read from `read` at snapshot time: for figures whose set of
    /// names changes (one per role, say). Replaces any metric keyed
    /// `family`; [`Metrics::remove`] of `family` removes them all. `read`
    /// must not block for long and must not register metrics.
    pub fn gauges_fn(
        &self,
        family: &str,
        read: impl Fn() -> Vec<(String, f64)> + Send + Sync + 'static,
    ) {
        self.write()
            .insert(family.to_owned(), Metric::Gauges(Arc::new(read)));
    }

    /// The timer called `name`, registering it if new. Mesos names timers
    /// with their unit, e.g. `registrar/state_store_ms`; values are
    /// rendered in milliseconds.
    pub fn timer(&self, name: &str) -> Timer {
        self.register(
            name,
            |metric| match metric {
                Metric::Timer(timer) => Some(timer.clone()),
                _ => None,
            },
            Timer::default,
            Metric::Timer,
        )
    }

    /// Removes the metric called `name`, if any.
    pub fn remove(&self, name: &str) {
        self.write().remove(name);
    }

    /// Every value, as `/metrics/snapshot` reports it.
    pub fn snapshot(&self) -> BTreeMap<String, f64> {
        let entries = self
            .entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut snapshot = BTreeMap::new();
        for (name, metric) in entries.iter() {
            match metric {
                Metric::Counter(counter) => {
                    snapshot.insert(name.clone(), counter.get() as f64);
                }
                Metric::Gauge(gauge) => {
                    // A gauge that cannot be read (NaN) is left out, as
                    // Mesos leaves out a gauge whose value failed.
                    let value = gauge.get();
                    if !value.is_nan() {
                        snapshot.insert(name.clone(), value);
                    }
                }
                Metric::Timer(timer) => timer.report(name, &mut snapshot),
                Metric::Gauges(read) => {
                    snapshot.extend(read().into_iter().filter(|(_, value)| !value.is_nan()))
                }
            }
        }
        snapshot
    }

    /// The snapshot as Mesos's JSON object.
    pub fn snapshot_json(&self) -> String {
        let mut out = String::from("{");
        for (index, (name, value)) in self.snapshot().iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            write_json_string(&mut out, name);
            out.push(':');
            write_json_number(&mut out, *value);
        }
        out.push('}');
        out
    }

    /// The snapshot in Prometheus's text exposition format (version 0.0.4):
    /// one `# TYPE` line and one sample per metric, names with every
    /// character Prometheus does not allow made `_`. Counters are
    /// `counter`s; gauges and timers' figures are `gauge`s.
    pub fn prometheus_text(&self) -> String {
        let counters: std::collections::HashSet<String> = self
            .entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .filter(|(_, metric)| matches!(metric, Metric::Counter(_)))
            .map(|(name, _)| name.clone())
            .collect();
        let mut out = String::new();
        for (name, value) in self.snapshot() {
            let kind = if counters.contains(&name) {
                "counter"
            } else {
                "gauge"
            };
            let name = prometheus_name(&name);
            out.push_str(&format!("# TYPE {name} {kind}\n{name} {value}\n"));
        }
        out
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Metric>> {
        self.entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn register<T>(
        &self,
        name: &str,
        existing: impl Fn(&Metric) -> Option<T>,
        create: impl FnOnce() -> T,
        wrap: impl FnOnce(T) -> Metric,
    ) -> T
    where
        T: Clone,
    {
        let mut entries = self.write();
        if let Some(found) = entries.get(name).and_then(&existing) {
            return found;
        }
        let metric = create();
        entries.insert(name.to_owned(), wrap(metric.clone()));
        metric
    }
}

/// `name` as a Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
fn prometheus_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// A monotonically increasing count.
#[derive(Clone, Default, Debug)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    /// Adds one.
    pub fn increment(&self) {
        self.add(1);
    }

    /// Adds `amount`.
    pub fn add(&self, amount: u64) {
        self.0.fetch_add(amount, Ordering::Relaxed);
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down: set directly, or read on demand.
#[derive(Clone)]
pub struct Gauge(GaugeSource);

#[derive(Clone)]
enum GaugeSource {
    Value(Arc<AtomicU64>),
    Read(Arc<dyn Fn() -> f64 + Send + Sync>),
}

impl fmt::Debug for Gauge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Gauge").field(&self.get()).finish()
    }
}

impl Gauge {
    fn settable() -> Self {
        Gauge(GaugeSource::Value(Arc::new(AtomicU64::new(0f64.to_bits()))))
    }

    /// Sets the value (no effect on a gauge registered with a function).
    pub fn set(&self, value: f64) {
        if let GaugeSource::Value(cell) = &self.0 {
            cell.store(value.to_bits(), Ordering::Relaxed);
        }
    }

    /// The current value.
    pub fn get(&self) -> f64 {
        match &self.0 {
            GaugeSource::Value(cell) => f64::from_bits(cell.load(Ordering::Relaxed)),
            GaugeSource::Read(read) => read(),
        }
    }
}

/// Durations of an operation: the last one plus statistics over the
/// recent ones.
#[derive(Clone, Default, Debug)]
pub struct Timer(Arc<Mutex<VecDeque<f64>>>);

impl Timer {
    /// Records one duration.
    pub fn record(&self, elapsed: Duration) {
        let mut samples = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if samples.len() == TIMER_WINDOW {
            samples.pop_front();
        }
        samples.push_back(elapsed.as_nanos() as f64 / 1e6);
    }

    /// Starts timing; the duration is recorded when the guard is dropped.
    pub fn start(&self) -> TimerGuard {
        TimerGuard {
            timer: self.clone(),
            started: Instant::now(),
        }
    }

    fn report(&self, name: &str, snapshot: &mut BTreeMap<String, f64>) {
        let samples = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(&last) = samples.back() else {
            return;
        };
        let mut sorted: Vec<f64> = samples.iter().copied().collect();
        drop(samples);
        sorted.sort_by(f64::total_cmp);
        snapshot.insert(name.to_owned(), last);
        snapshot.insert(format!("{name}/count"), sorted.len() as f64);
        snapshot.insert(format!("{name}/max"), sorted[sorted.len() - 1]);
        snapshot.insert(format!("{name}/min"), sorted[0]);
        for (suffix, fraction) in [
            ("p50", 0.5),
            ("p90", 0.9),
            ("p95", 0.95),
            ("p99", 0.99),
            ("p999", 0.999),
            ("p9999", 0.9999),
        ] {
            snapshot.insert(format!("{name}/{suffix}"), percentile(&sorted, fraction));
        }
    }
}

/// Linear interpolation between the closest ranks, as stout's Statistics.
fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    let position = fraction * (sorted.len() - 1) as f64;
    let lower = position.floor() as usize;
    let upper = position.ceil() as usize;
    sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower as f64)
}

/// Records the time since [`Timer::start`] when dropped.
#[derive(Debug)]
pub struct TimerGuard {
    timer: Timer,
    started: Instant,
}

impl Drop for TimerGuard {
    fn drop(&mut self) {
        self.timer.record(self.started.elapsed());
    }
}
