//! Forgetting agents that have been unreachable or gone for too long.

use crate::Operation;
use proto::mesos::internal::Registry;
use proto::mesos::{SlaveId, TimeInfo};
use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How much of the unreachable and gone lists the registry keeps:
/// `--registry_max_agent_age` and `--registry_max_agent_count`.
///
/// The master runs it every `--registry_gc_interval` through
/// [`crate::Registrar::collect_garbage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentGc {
    /// Entries older than this are dropped.
    pub max_age: Duration,
    /// Each list keeps at most this many entries, dropping the oldest
    /// additions first.
    pub max_count: usize,
}

impl AgentGc {
    /// The [`Operation::Prune`] that brings `registry`'s unreachable and gone
    /// lists within bounds at time `now`, or `None` if they already are.
    ///
    /// As in Mesos, each list is walked in the order agents were added to it:
    /// while more than `max_count` entries would remain, the entry is
    /// dropped; after that, only entries older than `max_age` are.
    pub fn select(&self, registry: &Registry, now: SystemTime) -> Option<Operation> {
        let now = nanoseconds_since_epoch(now);
        let unreachable = self.expired(
            registry
                .unreachable
                .as_ref()
                .map_or(&[][..], |list| &list.slaves)
                .iter()
                .map(|slave| (&slave.id, &slave.timestamp)),
            now,
        );
        let gone = self.expired(
            registry
                .gone
                .as_ref()
                .map_or(&[][..], |list| &list.slaves)
                .iter()
                .map(|slave| (&slave.id, &slave.timestamp)),
            now,
        );
        (!unreachable.is_empty() || !gone.is_empty())
            .then_some(Operation::Prune { unreachable, gone })
    }

    fn expired<'a>(
        &self,
        entries: impl ExactSizeIterator<Item = (&'a SlaveId, &'a TimeInfo)>,
        now: i128,
    ) -> BTreeSet<String> {
        let count = entries.len();
        let max_age = self.max_age.as_nanos() as i128;
        let mut expired = BTreeSet::new();
        for (id, timestamp) in entries {
            let too_many = count - expired.len() > self.max_count;
            let too_old = now - i128::from(timestamp.nanoseconds) > max_age;
            if too_many || too_old {
                expired.insert(id.value.clone());
            }
        }
        expired
    }
}

/// `time` as a Mesos `TimeInfo`, for the timestamps of the unreachable and
/// gone lists.
pub fn time_info(time: SystemTime) -> TimeInfo {
    TimeInfo {
        nanoseconds: i64::try_from(nanoseconds_since_epoch(time)).unwrap_or(i64::MAX),
    }
}

fn nanoseconds_since_epoch(time: SystemTime) -> i128 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::mesos::internal::registry::{
        GoneSlave, GoneSlaves, UnreachableSlave, UnreachableSlaves,
    };

    const HOUR: Duration = Duration::from_secs(3600);

    fn registry(unreachable_ages: &[u64], gone_ages: &[u64], now: SystemTime) -> Registry {
        let at = |hours: u64| time_info(now - HOUR * hours as u32);
        Registry {
            unreachable: Some(UnreachableSlaves {
                slaves: unreachable_ages
                    .iter()
                    .enumerate()
                    .map(|(i, &hours)| UnreachableSlave {
                        id: SlaveId {
                            value: format!("u{i}"),
                        },
                        timestamp: at(hours),
                        drain_info: None,
                        deactivated: None,
                    })
                    .collect(),
            }),
            gone: Some(GoneSlaves {
                slaves: gone_ages
                    .iter()
                    .enumerate()
                    .map(|(i, &hours)| GoneSlave {
                        id: SlaveId {
                            value: format!("g{i}"),
                        },
                        timestamp: at(hours),
                    })
                    .collect(),
            }),
            ..Default::default()
        }
    }

    fn ids(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn entries_older_than_max_age_are_selected_wherever_they_are() {
        let now = SystemTime::now();
        let gc = AgentGc {
            max_age: HOUR * 10,
            max_count: 100,
        };
        let selected = gc.select(&registry(&[1, 11, 2, 30], &[12, 0], now), now);
        assert_eq!(
            selected,
            Some(Operation::Prune {
                unreachable: ids(&["u1", "u3"]),
                gone: ids(&["g0"])
            })
        );
    }

    #[test]
    fn the_earliest_additions_go_first_when_a_list_is_too_long() {
        let now = SystemTime::now();
        let gc = AgentGc {
            max_age: HOUR * 100,
            max_count: 2,
        };
        // Insertion order, not age, decides: u0 and u1 go although u3 is older.
        let selected = gc.select(&registry(&[1, 2, 3, 50], &[1], now), now);
        assert_eq!(
            selected,
            Some(Operation::Prune {
                unreachable: ids(&["u0", "u1"]),
                gone: ids(&[])
            })
        );
    }

    #[test]
    fn nothing_to_collect_is_none() {
        let now = SystemTime::now();
        let gc = AgentGc {
            max_age: HOUR,
            max_count: 5,
        };
        assert_eq!(gc.select(&registry(&[0], &[0], now), now), None);
        assert_eq!(gc.select(&Registry::default(), now), None);
    }
}
