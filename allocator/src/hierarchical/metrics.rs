//! The figures Mesos's hierarchical allocator publishes under
//! `allocator/`, computed from the allocator's state when a snapshot is
//! taken (Mesos reads most of them the same way, as pull gauges).

use super::HierarchicalAllocator;
use crate::fast_hash::FastMap;
use crate::roles::RoleKey;

/// The scalars Mesos publishes cluster totals of. GPUs are added when the
/// cluster has some (Mesos 1.11 leaves them out; a GPU cluster's operator
/// wants them).
const PUBLISHED_SCALARS: [&str; 3] = ["cpus", "mem", "disk"];

impl HierarchicalAllocator {
    /// Every figure as (name, value); the sorters' pool must be in sync.
    pub(super) fn figures(&self) -> Vec<(String, f64)> {
        let mut figures = vec![
            // Mesos counts the events waiting in its allocator actor's
            // queue. This allocator has no queue: the master calls it
            // synchronously, so nothing ever waits and 0 is the truth.
            ("allocator/event_queue_dispatches".to_owned(), 0.0),
            ("allocator/mesos/event_queue_dispatches".to_owned(), 0.0),
            (
                "allocator/mesos/allocation_runs".to_owned(),
                self.runs as f64,
            ),
        ];

        let offered_or_allocated = self.role_sorter.total_allocation();
        let gpus = (!self.total.get("gpus").is_zero()).then_some("gpus");
        for name in PUBLISHED_SCALARS.into_iter().chain(gpus) {
            figures.push((
                format!("allocator/mesos/resources/{name}/total"),
                self.total.get(name).as_f64(),
            ));
            figures.push((
                format!("allocator/mesos/resources/{name}/offered_or_allocated"),
                offered_or_allocated.get(name).as_f64(),
            ));
        }

        let mut filters: FastMap<RoleKey, usize> = FastMap::default();
        for (_, framework) in self.frameworks.iter() {
            for ((role, _), refused) in &framework.offer_filters {
                *filters.entry(*role).or_default() += refused.len();
            }
        }
        for (key, role) in self.roles.iter() {
            let name = &role.name;
            figures.push((
                format!("allocator/mesos/offer_filters/roles/{name}/active"),
                filters.get(&key).copied().unwrap_or_default() as f64,
            ));
            if let Some(share) = self.role_sorter.dominant_share(key) {
                figures.push((
                    format!("allocator/mesos/roles/{name}/shares/dominant"),
                    share,
                ));
            }
        }

        // As Mesos: every role consuming something, the root (named "")
        // included, whether or not it has a quota.
        let root = std::iter::once(self.roles.root());
        for role in root.chain(self.roles.iter().map(|(_, role)| role)) {
            let name = &role.name;
            for (resource, quantity) in role.quota_consumed().iter() {
                if !quantity.is_zero() {
                    figures.push((
                        format!("allocator/mesos/quota/roles/{name}/resources/{resource}/consumed"),
                        quantity.as_f64(),
                    ));
                }
            }
        }
        figures
    }
}
