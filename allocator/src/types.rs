//! The values that cross the allocator's boundary: options, quotas, what a
//! framework asks for, and the offers that come out.

use crate::AllocatorError;
use crate::sorter::SorterKind;
use proto::mesos as pb;
use resources::{ResourceQuantities, Resources, Scalar};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How the allocator is set up: Mesos's `Allocator::Options`, from the
/// master's flags.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--allocation_interval`: the batch period; refusal filters last at
    /// least this long so they survive until the next batch.
    pub allocation_interval: Duration,
    /// `--role_sorter`.
    pub role_sorter: SorterKind,
    /// `--framework_sorter`.
    pub framework_sorter: SorterKind,
    /// `--fair_sharing_excluded_resource_names`.
    pub fairness_excluded_resource_names: BTreeSet<String>,
    /// `--filter_gpu_resources`: offer GPU agents only to GPU-capable
    /// frameworks.
    pub filter_gpu_resources: bool,
    /// The master's `--domain`: agents in another region go only to
    /// REGION_AWARE frameworks.
    pub domain: Option<pb::DomainInfo>,
    /// `--min_allocatable_resources`: an offer must hold at least one of
    /// these sets (see [`Options::parse_min_allocatable_resources`]).
    pub min_allocatable_resources: Vec<ResourceQuantities>,
    /// `--allocator_agent_recovery_factor`: after a failover with quotas,
    /// allocation waits for this fraction of the expected agents.
    pub agent_recovery_factor: f64,
    /// Seed for the agent shuffle and random sorters; `None` draws one.
    pub seed: Option<u64>,
}

impl Default for Options {
    /// Mesos's defaults: 1 s interval, DRF sorters, GPU filtering on,
    /// `cpus:0.01|mem:32`, recovery factor 0.8.
    fn default() -> Options {
        Options {
            allocation_interval: Duration::from_secs(1),
            role_sorter: SorterKind::Drf,
            framework_sorter: SorterKind::Drf,
            fairness_excluded_resource_names: BTreeSet::new(),
            filter_gpu_resources: true,
            domain: None,
            min_allocatable_resources: Options::parse_min_allocatable_resources("cpus:0.01|mem:32")
                .expect("the default parses"),
            agent_recovery_factor: 0.8,
            seed: None,
        }
    }
}

impl Options {
    /// Parses `--min_allocatable_resources`: `|`-separated alternatives, each
    /// a `;`-separated set of scalar quantities (`cpus:0.01|mem:32`, or
    /// `cpus:1;mem:128|gpus:1`).
    pub fn parse_min_allocatable_resources(
        text: &str,
    ) -> Result<Vec<ResourceQuantities>, AllocatorError> {
        text.split('|')
            .map(|alternative| {
                let quantities = ResourceQuantities::parse(alternative).map_err(|error| {
                    AllocatorError::MinAllocatableResources {
                        text: text.to_owned(),
                        reason: error.to_string(),
                    }
                })?;
                if quantities.is_empty() {
                    return Err(AllocatorError::MinAllocatableResources {
                        text: text.to_owned(),
                        reason: "an alternative is empty".to_owned(),
                    });
                }
                Ok(quantities)
            })
            .collect()
    }
}

/// Upper bounds per resource name; a name without a limit is unlimited, and
/// a limit may be zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceLimits(BTreeMap<String, Scalar>);

impl ResourceLimits {
    pub fn new() -> ResourceLimits {
        ResourceLimits::default()
    }

    pub fn set(&mut self, name: &str, limit: Scalar) {
        self.0.insert(name.to_owned(), limit);
    }

    /// The limit of `name`; `None` is unlimited.
    pub fn get(&self, name: &str) -> Option<Scalar> {
        self.0.get(name).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, Scalar)> {
        self.0.iter().map(|(name, limit)| (name.as_str(), *limit))
    }

    /// What is left under each limit once `used` is taken (never below zero).
    pub fn minus(&self, used: &ResourceQuantities) -> ResourceLimits {
        ResourceLimits(
            self.0
                .iter()
                .map(|(name, limit)| {
                    let left = *limit - used.get(name);
                    (name.clone(), left.max(Scalar::ZERO))
                })
                .collect(),
        )
    }

    /// Whether `quantities` stay within every limit.
    pub fn contains(&self, quantities: &ResourceQuantities) -> bool {
        self.0
            .iter()
            .all(|(name, limit)| quantities.get(name) <= *limit)
    }
}

/// A role's quota: what it is guaranteed, and what it may never exceed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quota {
    pub guarantees: ResourceQuantities,
    pub limits: ResourceLimits,
}

impl Quota {
    /// Reads a `QuotaConfig` (the 1.9+ form, separate guarantees and limits).
    pub fn from_config(config: &pb::quota::QuotaConfig) -> Result<Quota, AllocatorError> {
        let invalid = |reason: String| AllocatorError::Quota {
            role: config.role.clone(),
            reason,
        };
        let mut quota = Quota::default();
        for (name, value) in &config.guarantees {
            if value.value < 0.0 || !value.value.is_finite() {
                return Err(invalid(format!(
                    "negative or invalid guarantee of '{name}'"
                )));
            }
            quota
                .guarantees
                .add_quantity(name, Scalar::from_f64(value.value));
        }
        for (name, value) in &config.limits {
            if value.value < 0.0 || !value.value.is_finite() {
                return Err(invalid(format!("negative or invalid limit of '{name}'")));
            }
            quota.limits.set(name, Scalar::from_f64(value.value));
        }
        if !quota.limits.contains(&quota.guarantees) {
            return Err(invalid("guarantees exceed limits".to_owned()));
        }
        Ok(quota)
    }

    /// Reads a pre-1.9 `QuotaInfo`: its guarantee is also its limit.
    pub fn from_info(info: &pb::quota::QuotaInfo) -> Result<Quota, AllocatorError> {
        let guarantees =
            Resources::from_protos(&info.guarantee).map_err(|error| AllocatorError::Quota {
                role: info.role().to_owned(),
                reason: error.to_string(),
            })?;
        let guarantees = ResourceQuantities::from_resources(&guarantees.scalars());
        let mut limits = ResourceLimits::new();
        for (name, quantity) in guarantees.iter() {
            limits.set(name, quantity);
        }
        Ok(Quota { guarantees, limits })
    }

    /// No guarantee and no limit: every role's quota unless set.
    pub fn is_default(&self) -> bool {
        self.guarantees.is_empty() && self.limits.is_empty()
    }
}

/// Decides, per role, which agents a framework does not want offers from
/// (the master evaluates a framework's `OfferConstraints` attribute rules).
pub trait OfferConstraints: fmt::Debug + Send + Sync {
    fn excludes(&self, role: &str, agent: &pb::SlaveInfo) -> bool;
}

/// What a framework asks of the allocator besides its `FrameworkInfo`.
#[derive(Debug, Clone, Default)]
pub struct FrameworkOptions {
    /// Roles the framework subscribes to but wants no offers for yet.
    pub suppressed_roles: BTreeSet<String>,
    pub offer_constraints: Option<Arc<dyn OfferConstraints>>,
}

/// One offer: what an agent makes available to a framework under one role.
/// The resources carry their allocation to `role`.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub agent_id: pb::SlaveId,
    pub role: String,
    pub resources: Resources,
}

/// An agent scheduled for maintenance asks a framework to give its
/// resources back (Mesos's `UnavailableResources`).
#[derive(Debug, Clone, PartialEq)]
pub struct InverseOffer {
    pub agent_id: pb::SlaveId,
    /// Empty: the whole agent is going away.
    pub resources: Resources,
    pub unavailability: pb::Unavailability,
}

/// Where an allocation run delivers what it decided: the master turns each
/// call into one message to the framework.
pub trait OfferSink {
    /// Offers for one framework, at most one per (agent, role).
    fn offers(&mut self, framework_id: &pb::FrameworkId, offers: Vec<Offer>);

    /// Inverse offers for one framework, at most one per agent.
    fn inverse_offers(&mut self, framework_id: &pb::FrameworkId, inverse_offers: Vec<InverseOffer>);
}

/// An [`OfferSink`] that keeps everything, in delivery order: for tests,
/// benchmarks, and masters that dispatch after the run.
#[derive(Debug, Clone, Default)]
pub struct CollectedOffers {
    pub offers: Vec<(pb::FrameworkId, Vec<Offer>)>,
    pub inverse_offers: Vec<(pb::FrameworkId, Vec<InverseOffer>)>,
}

impl CollectedOffers {
    /// The number of offers (not of frameworks).
    pub fn offer_count(&self) -> usize {
        self.offers.iter().map(|(_, offers)| offers.len()).sum()
    }

    /// Every offer with its framework, flattened.
    pub fn flat(&self) -> impl Iterator<Item = (&pb::FrameworkId, &Offer)> {
        self.offers
            .iter()
            .flat_map(|(framework, offers)| offers.iter().map(move |offer| (framework, offer)))
    }
}

impl OfferSink for CollectedOffers {
    fn offers(&mut self, framework_id: &pb::FrameworkId, offers: Vec<Offer>) {
        self.offers.push((framework_id.clone(), offers));
    }

    fn inverse_offers(
        &mut self,
        framework_id: &pb::FrameworkId,
        inverse_offers: Vec<InverseOffer>,
    ) {
        self.inverse_offers
            .push((framework_id.clone(), inverse_offers));
    }
}
