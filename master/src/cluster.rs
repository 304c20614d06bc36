//! What operators set for the whole cluster and the registry keeps: role
//! weights, quotas, the maintenance schedule and each machine's mode.
//!
//! The master recovers these from the registry once elected and changes
//! them only after the Registrar made the change durable (see
//! [`crate::operator`]). Like the agents, they sit in persistent maps so
//! that the read view copies them in O(1).

use imbl::OrdMap;
use proto::mesos::internal::Registry;
use proto::mesos::maintenance::Schedule;
use proto::mesos::quota::QuotaConfig;
use proto::mesos::{MachineId, MachineInfo, machine_info};

/// A machine as maintenance names it: hostname and IP, either may be empty.
pub(crate) type MachineKey = (String, String);

pub(crate) fn machine_key(id: &MachineId) -> MachineKey {
    (
        id.hostname.clone().unwrap_or_default(),
        id.ip.clone().unwrap_or_default(),
    )
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ClusterSettings {
    /// Role weights set by operators; roles not here weigh 1.0.
    pub weights: OrdMap<String, f64>,
    pub quotas: OrdMap<String, QuotaConfig>,
    pub schedule: Schedule,
    /// Every machine in the schedule, with its mode (DRAINING, DOWN).
    pub machines: OrdMap<MachineKey, MachineInfo>,
}

impl ClusterSettings {
    pub fn from_registry(registry: &Registry) -> ClusterSettings {
        ClusterSettings {
            weights: registry
                .weights
                .iter()
                .map(|w| (w.info.role.clone().unwrap_or_default(), w.info.weight))
                .collect(),
            quotas: registry
                .quota_configs
                .iter()
                .map(|config| (config.role.clone(), config.clone()))
                .collect(),
            schedule: registry.schedules.first().cloned().unwrap_or_default(),
            machines: registry
                .machines
                .iter()
                .flat_map(|m| &m.machines)
                .map(|m| (machine_key(&m.info.id), m.info.clone()))
                .collect(),
        }
    }

    pub fn weight(&self, role: &str) -> f64 {
        self.weights.get(role).copied().unwrap_or(1.0)
    }

    pub fn is_down(&self, machine: &MachineKey) -> bool {
        self.machines
            .get(machine)
            .is_some_and(|m| m.mode() == machine_info::Mode::Down)
    }
}
