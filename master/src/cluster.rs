//! What operators set for the whole cluster and the registry keeps: role
//! weights, quotas, the maintenance schedule and each machine's mode.
//!
//! The master recovers these from the registry once elected and changes
//! them only after the Registrar made the change durable (see
//! [`crate::operator`]). Like the agents, they sit in persistent maps so
//! that the read view copies them in O(1).

use crate::master::MasterProcess;
use imbl::OrdMap;
use libprocess::Context;
use proto::mesos::WeightInfo;
use proto::mesos::internal::Registry;
use proto::mesos::maintenance::Schedule;
use proto::mesos::quota::QuotaConfig;
use proto::mesos::{MachineId, MachineInfo, machine_info};
use registry::Operation;

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

/// `--weights=role=weight,...` (deprecated in Mesos, still honoured).
fn weights_flag(text: &str) -> Result<Vec<WeightInfo>, String> {
    text.split(',')
        .filter(|token| !token.is_empty())
        .map(|token| {
            let (role, weight) = token.split_once('=').ok_or_else(|| {
                format!("Invalid weight: '{token}'. --weights should be of the form 'role=weight,role=weight'")
            })?;
            resources::roles::validate(role)
                .map_err(|_| format!("Invalid weight: '{token}'. {role} is not a valid role"))?;
            let weight: f64 = weight.parse().unwrap_or(0.0);
            if weight <= 0.0 {
                return Err(format!("Invalid weight: '{token}'. Weights must be positive"));
            }
            Ok(WeightInfo {
                weight,
                role: Some(role.to_owned()),
            })
        })
        .collect()
}

impl MasterProcess {
    /// Takes the operator's settings from the recovered registry and tells
    /// the allocator. As in Mesos, `--weights` applies (and is recorded)
    /// only when the registry has no weights.
    pub(crate) fn recover_cluster(&mut self, ctx: &Context<Self>, registry: &Registry) {
        self.cluster = ClusterSettings::from_registry(registry);
        if let Some(flag) = self.flags.weights.clone() {
            if !self.cluster.weights.is_empty() {
                tracing::warn!(
                    weights = %flag,
                    "ignoring --weights and recovering the weights from the registry"
                );
            } else {
                match weights_flag(&flag) {
                    Ok(weights) => {
                        for info in &weights {
                            self.cluster
                                .weights
                                .insert(info.role.clone().unwrap_or_default(), info.weight);
                        }
                        self.apply(ctx, Operation::UpdateWeights(weights), |_, _, _| {});
                    }
                    Err(error) => tracing::error!("{error}; ignoring --weights"),
                }
            }
        }
        let weights: Vec<WeightInfo> = self
            .cluster
            .weights
            .iter()
            .map(|(role, weight)| WeightInfo {
                weight: *weight,
                role: Some(role.clone()),
            })
            .collect();
        self.allocator.lock().update_weights(&weights);
        for (role, config) in &self.cluster.quotas {
            match allocator::Quota::from_config(config) {
                Ok(quota) => self.allocator.lock().update_quota(role, quota),
                Err(error) => tracing::error!(%role, %error, "ignoring a recovered quota"),
            }
        }
    }
}
