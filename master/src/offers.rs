//! The allocation loop and offers, following Mesos 1.11's `Master::offer`,
//! `rescindOffer`, `discardOffer`, `decline`, `revive` and `suppress`.
//!
//! The allocator never acts on its own: the master runs a full allocation
//! every `--allocation_interval`, and a prompt one, over what the events
//! since the last run asked for, as soon as its mailbox lets it after
//! events that call for one (a framework added, activated or reviving,
//! resources recovered, an agent added). Bursts of such events merge into
//! one run.
//!
//! Every offer the allocator makes becomes an `Offer` with id
//! `<master id>-O<n>` recorded until it is accepted, declined, rescinded
//! (agent gone or unreachable, framework failed over or deactivated,
//! `--offer_timeout`) or the framework leaves; its resources then go back
//! to the allocator, with the framework's refusal filter when it declined.

use crate::frameworks::{Framework, ToScheduler};
use crate::master::MasterProcess;
use allocator::{Allocator, CollectedOffers, Offer as Allocation};
use libprocess::{Context, Timer};
use proto::mesos::internal::{
    InverseOffersMessage, RescindInverseOfferMessage, RescindResourceOfferMessage,
    ResourceOffersMessage,
};
use proto::mesos::{
    Address, Filters, FrameworkId, InverseOffer, Offer, OfferId, SlaveId, Url, framework_info,
};
use resources::{ResourceFormat, Resources};
use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

/// An outstanding offer.
#[derive(Debug)]
pub(crate) struct OfferRecord {
    pub framework_id: String,
    pub agent_id: String,
    /// The offered resources, allocated to the offer's role.
    pub resources: Resources,
    pub role: String,
    timer: Option<Timer>,
}

/// An outstanding inverse offer: (framework id, agent id).
pub(crate) type InverseOfferRecord = (String, String);

/// Every outstanding offer and inverse offer, by id.
#[derive(Debug, Default)]
pub(crate) struct Offers {
    pub outstanding: HashMap<String, OfferRecord>,
    pub inverse: HashMap<String, InverseOfferRecord>,
    next_id: u64,
    /// A prompt allocation is queued on the master's mailbox.
    prompt_queued: bool,
}

impl Offers {
    fn new_id(&mut self, master_id: &str) -> OfferId {
        let id = format!("{master_id}-O{}", self.next_id);
        self.next_id += 1;
        OfferId { value: id }
    }
}

/// Where an agent is, as offers name it: `http://<host>/<agent pid id>`.
fn agent_url(hostname: &str, address: std::net::SocketAddrV4, pid_id: &str) -> Url {
    Url {
        scheme: "http".to_owned(),
        address: Address {
            hostname: Some(hostname.to_owned()),
            ip: Some(address.ip().to_string()),
            port: i32::from(address.port()),
        },
        path: Some(format!("/{pid_id}")),
        ..Url::default()
    }
}

/// The allocator's clock: tokio's, so that a paused test clock drives
/// refusal filters too.
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

impl MasterProcess {
    /// Starts the batch allocations, once recovered.
    pub(crate) fn start_allocation(&mut self, ctx: &Context<Self>) {
        let interval = self.flags.allocation_interval.to_std();
        let due = now() + interval;
        ctx.delay(interval, move |master: &mut Self, ctx| {
            master.batch_allocation(ctx, due);
        });
    }

    fn batch_allocation(&mut self, ctx: &mut Context<Self>, due: Instant) {
        let decided = self.timed_allocation(due, |allocator, decided| {
            allocator.allocate(now(), decided);
            true
        });
        if let Some(decided) = decided {
            self.make_offers(ctx, decided);
        }
        self.start_allocation(ctx);
    }

    /// Asks for a prompt allocation after an event that calls for one.
    pub(crate) fn allocate_soon(&mut self, ctx: &Context<Self>) {
        if self.offers.prompt_queued {
            return;
        }
        self.offers.prompt_queued = true;
        let asked = now();
        ctx.handle().dispatch(move |master: &mut Self, ctx| {
            master.offers.prompt_queued = false;
            let decided = master.timed_allocation(asked, |allocator, decided| {
                allocator.allocate_pending(now(), decided)
            });
            if let Some(decided) = decided {
                master.make_offers(ctx, decided);
            }
        });
    }

    /// Calls `allocate` (false: nothing was pending) and, when the
    /// allocator counted a run, records `allocator/mesos/allocation_run_ms`
    /// and `allocation_run_latency_ms` (since `due`), as Mesos's allocator
    /// does for the runs it makes.
    fn timed_allocation(
        &mut self,
        due: Instant,
        allocate: impl FnOnce(&mut dyn Allocator, &mut CollectedOffers) -> bool,
    ) -> Option<CollectedOffers> {
        let started = now();
        let mut decided = CollectedOffers::default();
        let mut allocator = self.allocator.lock();
        let runs = allocator.allocation_runs();
        let allocated = allocate(allocator.as_mut(), &mut decided);
        let ran = allocator.allocation_runs() > runs;
        drop(allocator);
        if ran {
            self.metrics.allocation_run.record(now() - started);
            self.metrics
                .allocation_run_latency
                .record(started.saturating_duration_since(due));
        }
        allocated.then_some(decided)
    }

    /// Mesos's `Master::offer`: turns the allocator's decisions into offers.
    fn make_offers(&mut self, ctx: &mut Context<Self>, decided: CollectedOffers) {
        for (framework_id, allocations) in decided.offers {
            self.offer(ctx, &framework_id, allocations);
        }
        for (framework_id, unavailable) in decided.inverse_offers {
            self.inverse_offer(ctx, &framework_id, unavailable);
        }
    }

    fn offer(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &FrameworkId,
        allocations: Vec<Allocation>,
    ) {
        let usable = self
            .frameworks
            .get(&framework_id.value)
            .is_some_and(|f| f.connected && f.active);
        if !usable {
            tracing::warn!(framework = %framework_id.value, "returning resources offered to a framework that is gone, disconnected or inactive");
            for allocation in allocations {
                self.recover_resources(
                    framework_id,
                    &allocation.agent_id,
                    &allocation.resources,
                    None,
                );
            }
            return;
        }
        let mut message = ResourceOffersMessage::default();
        for allocation in allocations {
            let agent = self
                .agents
                .registered
                .get(&allocation.agent_id.value)
                .filter(|agent| agent.active);
            let Some(agent) = agent else {
                tracing::warn!(agent = %allocation.agent_id.value, "returning resources offered on an agent that is gone or inactive");
                self.recover_resources(
                    framework_id,
                    &allocation.agent_id,
                    &allocation.resources,
                    None,
                );
                continue;
            };
            let framework = self
                .frameworks
                .get(&framework_id.value)
                .expect("checked above");
            let id = self.offers.new_id(&self.info.id);
            let address = agent.pid.address();
            let executor_ids = framework
                .executors
                .get(agent.id())
                .map(|executors| {
                    executors
                        .values()
                        .map(|executor| executor.executor_id.clone())
                        .collect()
                })
                .unwrap_or_default();
            let multi_role = framework.has_capability(framework_info::capability::Type::MultiRole);
            let refinement =
                framework.has_capability(framework_info::capability::Type::ReservationRefinement);
            // What the framework sees: no ephemeral ports; allocation info
            // only with MULTI_ROLE; the pre-refinement reservation format
            // without RESERVATION_REFINEMENT (when it can express them).
            let mut shown = allocation
                .resources
                .filter(|r| r.name() != "ephemeral_ports");
            if !multi_role {
                shown.unallocate();
            }
            let resources = if refinement {
                shown.to_protos()
            } else {
                shown
                    .to_protos_in(ResourceFormat::PreReservationRefinement)
                    .unwrap_or_else(|| shown.to_protos())
            };
            let offer = Offer {
                id: id.clone(),
                framework_id: framework_id.clone(),
                slave_id: allocation.agent_id.clone(),
                hostname: agent.info.hostname.clone(),
                url: Some(agent_url(&agent.info.hostname, address, agent.pid.id())),
                resources,
                attributes: agent.info.attributes.clone(),
                executor_ids,
                allocation_info: multi_role.then(|| proto::mesos::resource::AllocationInfo {
                    role: Some(allocation.role.clone()),
                }),
                domain: agent.info.domain.clone(),
                ..Offer::default()
            };
            let pid = agent.pid.to_string();
            let timer = self.flags.offer_timeout.as_ref().map(|timeout| {
                let offer_id = id.value.clone();
                ctx.delay(timeout.to_std(), move |master: &mut Self, ctx| {
                    master.offer_timeout(ctx, &offer_id)
                })
            });
            self.offers.outstanding.insert(
                id.value.clone(),
                OfferRecord {
                    framework_id: framework_id.value.clone(),
                    agent_id: allocation.agent_id.value.clone(),
                    resources: allocation.resources,
                    role: allocation.role,
                    timer,
                },
            );
            if let Some(framework) = self.frameworks.get_mut(&framework_id.value) {
                framework.offers.insert(id.value.clone());
            }
            message.offers.push(offer);
            message.pids.push(pid);
        }
        self.publish_offer_count();
        if message.offers.is_empty() {
            return;
        }
        tracing::info!(framework = %framework_id.value, offers = message.offers.len(), "sending offers");
        if let Some(framework) = self.frameworks.get(&framework_id.value) {
            framework.send(ctx, ToScheduler::Offers(message));
        }
    }

    /// Mesos's `Master::inverseOffer`: agents in maintenance ask for their
    /// resources back.
    fn inverse_offer(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &FrameworkId,
        unavailable: Vec<allocator::InverseOffer>,
    ) {
        let usable = self
            .frameworks
            .get(&framework_id.value)
            .is_some_and(|f| f.connected && f.active);
        if !usable {
            return;
        }
        let mut message = InverseOffersMessage::default();
        for inverse in unavailable {
            let Some(agent) = self
                .agents
                .registered
                .get(&inverse.agent_id.value)
                .filter(|agent| agent.active)
            else {
                continue;
            };
            let id = self.offers.new_id(&self.info.id);
            let address = agent.pid.address();
            message.inverse_offers.push(InverseOffer {
                id: id.clone(),
                url: Some(agent_url(&agent.info.hostname, address, agent.pid.id())),
                framework_id: framework_id.clone(),
                slave_id: Some(inverse.agent_id.clone()),
                unavailability: inverse.unavailability,
                resources: inverse.resources.to_protos(),
            });
            message.pids.push(agent.pid.to_string());
            self.offers.inverse.insert(
                id.value,
                (framework_id.value.clone(), inverse.agent_id.value.clone()),
            );
        }
        if message.inverse_offers.is_empty() {
            return;
        }
        if let Some(framework) = self.frameworks.get(&framework_id.value) {
            framework.send(ctx, ToScheduler::InverseOffers(message));
        }
    }

    /// ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS: the answer goes to
    /// the allocator, with filters for further inverse offers.
    pub(crate) fn answer_inverse_offers(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        inverse_offer_ids: Vec<OfferId>,
        filters: Option<Filters>,
        accept: bool,
    ) {
        use proto::mesos::allocator::{InverseOfferStatus, inverse_offer_status::Status};
        let framework_pb = FrameworkId {
            value: framework_id.to_owned(),
        };
        for offer_id in inverse_offer_ids {
            let owned = self
                .offers
                .inverse
                .get(&offer_id.value)
                .is_some_and(|(owner, _)| owner == framework_id);
            if !owned {
                tracing::warn!(framework = framework_id, offer = %offer_id.value, "ignoring an answer to an unknown inverse offer");
                continue;
            }
            let (_, agent_id) = self
                .offers
                .inverse
                .remove(&offer_id.value)
                .expect("checked");
            let status = InverseOfferStatus {
                status: if accept {
                    Status::Accept
                } else {
                    Status::Decline
                } as i32,
                framework_id: framework_pb.clone(),
                timestamp: crate::master::time_info(std::time::SystemTime::now()),
            };
            if let Err(error) = self.allocator.lock().update_inverse_offer(
                &SlaveId { value: agent_id },
                &framework_pb,
                Some(status),
                filters.as_ref(),
                now(),
            ) {
                tracing::error!(framework = framework_id, %error, "the allocator refused the inverse offer's answer");
            }
        }
        self.allocate_soon(ctx);
    }

    /// Rescinds the inverse offers on an agent that is gone.
    pub(crate) fn rescind_inverse_offers(&mut self, ctx: &mut Context<Self>, agent_id: &str) {
        let gone: Vec<(String, String)> = self
            .offers
            .inverse
            .iter()
            .filter(|(_, (_, agent))| agent == agent_id)
            .map(|(id, (framework, _))| (id.clone(), framework.clone()))
            .collect();
        for (offer_id, framework_id) in gone {
            self.offers.inverse.remove(&offer_id);
            if let Some(framework) = self.frameworks.get(&framework_id) {
                framework.send(
                    ctx,
                    ToScheduler::RescindInverseOffer(RescindInverseOfferMessage {
                        inverse_offer_id: OfferId { value: offer_id },
                    }),
                );
            }
        }
    }

    pub(crate) fn publish_offer_count(&self) {
        self.scheduler_metrics
            .outstanding_offers
            .set(self.offers.outstanding.len() as f64);
    }

    /// Gives resources back to the allocator, logging a broken contract.
    pub(crate) fn recover_resources(
        &mut self,
        framework_id: &FrameworkId,
        agent_id: &SlaveId,
        resources: &Resources,
        filters: Option<&Filters>,
    ) {
        if let Err(error) = self.allocator.lock().recover_resources(
            framework_id,
            agent_id,
            resources,
            filters,
            false,
            now(),
        ) {
            tracing::error!(framework = %framework_id.value, agent = %agent_id.value, %error, "the allocator refused recovered resources");
        }
    }

    fn offer_timeout(&mut self, ctx: &mut Context<Self>, offer_id: &str) {
        if self.offers.outstanding.contains_key(offer_id) {
            tracing::info!(offer = offer_id, "rescinding offer after --offer_timeout");
            self.rescind_offer(ctx, offer_id, None);
        }
    }

    /// Takes an offer out of the books (its timer cancelled) without giving
    /// its resources back.
    pub(crate) fn take_offer(&mut self, offer_id: &str) -> Option<OfferRecord> {
        let record = self.offers.outstanding.remove(offer_id)?;
        if let Some(timer) = &record.timer {
            timer.cancel();
        }
        if let Some(framework) = self.frameworks.get_mut(&record.framework_id) {
            framework.offers.remove(offer_id);
        }
        self.publish_offer_count();
        Some(record)
    }

    /// Mesos's `discardOffer`: resources back, no message to the framework.
    pub(crate) fn discard_offer(&mut self, offer_id: &str, filters: Option<&Filters>) {
        if let Some(record) = self.take_offer(offer_id) {
            self.recover_resources(
                &FrameworkId {
                    value: record.framework_id,
                },
                &SlaveId {
                    value: record.agent_id,
                },
                &record.resources,
                filters,
            );
        }
    }

    /// Mesos's `rescindOffer`: the framework is told, resources go back.
    pub(crate) fn rescind_offer(
        &mut self,
        ctx: &mut Context<Self>,
        offer_id: &str,
        filters: Option<&Filters>,
    ) {
        let Some(record) = self.offers.outstanding.get(offer_id) else {
            return;
        };
        if let Some(framework) = self.frameworks.get(&record.framework_id) {
            framework.send(
                ctx,
                ToScheduler::Rescind(RescindResourceOfferMessage {
                    offer_id: OfferId {
                        value: offer_id.to_owned(),
                    },
                }),
            );
        }
        self.discard_offer(offer_id, filters);
        self.allocate_soon(ctx);
    }

    /// Rescinds every offer on an agent (removed, unreachable, deactivated).
    pub(crate) fn rescind_agent_offers(&mut self, ctx: &mut Context<Self>, agent_id: &str) {
        let on_agent: Vec<String> = self
            .offers
            .outstanding
            .iter()
            .filter(|(_, record)| record.agent_id == agent_id)
            .map(|(id, _)| id.clone())
            .collect();
        for offer_id in on_agent {
            self.rescind_offer(ctx, &offer_id, None);
        }
    }

    /// Every outstanding offer of a framework, discarded or rescinded.
    pub(crate) fn remove_framework_offers(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        rescind: bool,
    ) {
        let offers: Vec<String> = self
            .frameworks
            .get(framework_id)
            .map(|f| f.offers.iter().cloned().collect())
            .unwrap_or_default();
        for offer_id in offers {
            if rescind {
                self.rescind_offer(ctx, &offer_id, None);
            } else {
                self.discard_offer(&offer_id, None);
            }
        }
        self.allocate_soon(ctx);
    }

    /// DECLINE: the offers' resources back with the call's filters (Mesos
    /// applies its default 5 s refusal when none are given).
    pub(crate) fn decline(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        offer_ids: &[OfferId],
        filters: Option<Filters>,
    ) {
        self.scheduler_metrics.messages_decline_offers.increment();
        let filters = filters.unwrap_or_default();
        for offer_id in offer_ids {
            match self.offers.outstanding.get(&offer_id.value) {
                Some(record) if record.framework_id == framework_id => {
                    self.discard_offer(&offer_id.value, Some(&filters));
                }
                _ => {
                    tracing::warn!(framework = framework_id, offer = %offer_id.value, "ignoring decline of an unknown offer");
                }
            }
        }
        self.allocate_soon(ctx);
    }

    /// REVIVE: filters dropped and roles unsuppressed (all when empty).
    pub(crate) fn revive(
        &mut self,
        ctx: &mut Context<Self>,
        framework_id: &str,
        roles: Vec<String>,
    ) {
        self.scheduler_metrics.messages_revive_offers.increment();
        let Some(framework) = self.frameworks.get_mut(framework_id) else {
            return;
        };
        let Some(roles) = subscribed_roles(framework, framework_id, roles, "REVIVE") else {
            return;
        };
        if roles.is_empty() {
            framework.suppressed_roles.clear();
        } else {
            framework
                .suppressed_roles
                .retain(|role| !roles.contains(role));
        }
        let id = framework.framework_id();
        if let Err(error) = self.allocator.lock().revive_offers(&id, &roles) {
            tracing::error!(framework = framework_id, %error, "the allocator refused REVIVE");
        }
        self.allocate_soon(ctx);
    }

    /// SUPPRESS: no offers in these roles (all when empty) until revived.
    pub(crate) fn suppress(&mut self, framework_id: &str, roles: Vec<String>) {
        self.scheduler_metrics.messages_suppress_offers.increment();
        let Some(framework) = self.frameworks.get_mut(framework_id) else {
            return;
        };
        let Some(roles) = subscribed_roles(framework, framework_id, roles, "SUPPRESS") else {
            return;
        };
        if roles.is_empty() {
            framework.suppressed_roles = framework.roles();
        } else {
            framework.suppressed_roles.extend(roles.iter().cloned());
        }
        let id = framework.framework_id();
        if let Err(error) = self.allocator.lock().suppress_offers(&id, &roles) {
            tracing::error!(framework = framework_id, %error, "the allocator refused SUPPRESS");
        }
    }

    /// The offer's operations' view: for ACCEPT, whether `offer_ids` are
    /// all outstanding, this framework's, on one agent, and not repeated.
    pub(crate) fn validate_offers(
        &self,
        framework_id: &str,
        offer_ids: &[OfferId],
    ) -> Result<(), String> {
        let mut seen = BTreeSet::new();
        let mut agent: Option<&str> = None;
        for offer_id in offer_ids {
            if !seen.insert(offer_id.value.as_str()) {
                return Err(format!("Duplicate offer {} in offer list", offer_id.value));
            }
            let Some(record) = self.offers.outstanding.get(&offer_id.value) else {
                return Err(format!("Offer {} is no longer valid", offer_id.value));
            };
            if record.framework_id != framework_id {
                return Err(format!(
                    "Offer {} has invalid framework {} while framework {} is expected",
                    offer_id.value, record.framework_id, framework_id
                ));
            }
            match agent {
                Some(agent) if agent != record.agent_id => {
                    return Err(format!(
                        "Aggregated offers must belong to one single agent. Offer {} uses agent {} and agent {}",
                        offer_id.value, record.agent_id, agent
                    ));
                }
                _ => agent = Some(&record.agent_id),
            }
        }
        if offer_ids.is_empty() {
            return Err("No offers specified".to_owned());
        }
        Ok(())
    }
}

/// The roles a REVIVE or SUPPRESS (`call`) names, or `None` (logged) when
/// one of them is not among the framework's: the call is then ignored.
fn subscribed_roles(
    framework: &Framework,
    framework_id: &str,
    roles: Vec<String>,
    call: &str,
) -> Option<BTreeSet<String>> {
    let roles: BTreeSet<String> = roles.into_iter().collect();
    let subscribed = framework.roles();
    if let Some(unknown) = roles.iter().find(|role| !subscribed.contains(*role)) {
        tracing::warn!(framework = framework_id, role = %unknown, "ignoring {call} for a role the framework is not subscribed to");
        return None;
    }
    Some(roles)
}
