//! The [`Allocator`] interface as JSON calls, for allocators that live
//! across a boundary — an allocator module behind the modules C ABI.
//!
//! Each trait method is one call: a method name (the trait method's name)
//! and a JSON object of its arguments; some answer with a JSON result.
//! [`JsonAllocator`] is the caller's side, an [`Allocator`] that encodes
//! every event for a [`Transport`]; [`serve`] is the callee's side, which
//! decodes a call and runs it on an allocator of its own. Offers come back
//! as the result of the allocation calls: the caller polls for them.
//!
//! Encodings: protobuf messages in Mesos's JSON mapping (IDs as
//! `{"value": ".."}`); resources as a JSON array of `Resource`; instants as
//! `now`, seconds (a number) since the caller's [`JsonAllocator`] was made;
//! quotas as `{"guarantees": {name: number}, "limits": {name: number}}`.
//!
//! | method | arguments | result |
//! |---|---|---|
//! | `recover` | `expected_agent_count`, `quotas` (role → quota) | |
//! | `add_framework` | `framework_info`, `used` (`[{slave_id, resources}]`), `active`, `suppressed_roles` | |
//! | `remove_framework`, `activate_framework`, `deactivate_framework` | `framework_id` | |
//! | `update_framework` | `framework_info`, `suppressed_roles` | |
//! | `add_agent` | `slave_info`, `capabilities`, `unavailability` (or null), `total`, `used` (`[{framework_id, resources}]`) | |
//! | `remove_agent`, `activate_agent`, `deactivate_agent` | `slave_id` | |
//! | `update_agent` | `slave_info`, `total` (or null), `capabilities` (or null) | whether anything changed |
//! | `add_resource_provider` | `slave_id`, `total`, `used` | |
//! | `update_whitelist` | `hostnames` (or null) | |
//! | `request_resources` | `framework_id`, `requests` | |
//! | `update_allocation` | `framework_id`, `slave_id`, `offered`, `conversions` (`[{consumed, converted}]`) | |
//! | `update_available` | `slave_id`, `conversions` | |
//! | `update_unavailability` | `slave_id`, `unavailability` (or null) | |
//! | `update_inverse_offer` | `slave_id`, `framework_id`, `status` (or null), `filters` (or null), `now` | |
//! | `inverse_offer_statuses` | | `[{slave_id, framework_id, status}]` |
//! | `transition_offered_to_allocated` | `slave_id`, `resources` | |
//! | `recover_resources` | `framework_id`, `slave_id`, `resources`, `filters` (or null), `is_allocated`, `now` | |
//! | `suppress_offers`, `revive_offers` | `framework_id`, `roles` | |
//! | `update_quota` | `role`, `quota` | |
//! | `update_weights` | `weights` | |
//! | `pause`, `resume` | | |
//! | `is_paused`, `has_pending_allocation` | | a boolean |
//! | `allocate` | `now`, `slave_ids` (null: every agent) | offers |
//! | `allocate_pending` | `now` | offers, or null if nothing was pending |
//!
//! Offers: `{"offers": [{"framework_id", "offers": [{"slave_id", "role",
//! "resources"}]}], "inverse_offers": [{"framework_id", "inverse_offers":
//! [{"slave_id", "resources", "unavailability"}]}]}`, one entry per delivery
//! in delivery order, as an [`OfferSink`] receives them.
//!
//! Offer constraints are Rust trait objects and do not cross: a framework's
//! constraints are not applied by a JSON allocator.

use crate::{
    Allocator, AllocatorError, CollectedOffers, FrameworkOptions, InverseOffer, Offer, OfferSink,
    Quota, ResourceConversion, ResourceLimits,
};
use proto::json::{from_value, to_value};
use proto::mesos as pb;
use resources::{ResourceQuantities, Resources, Scalar};
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant};

/// Carries calls to the allocator on the other side.
pub trait Transport: fmt::Debug + Send {
    /// Runs `method` with `arguments`; its result (`None`: none), or a
    /// one-line error message.
    fn call(&self, method: &str, arguments: Value) -> Result<Option<Value>, String>;

    /// A call whose trait method cannot return an error failed (or answered
    /// nonsense): report it, the allocator goes on.
    fn failed(&self, method: &str, error: String);
}

/// An [`Allocator`] whose every event is a JSON call over a [`Transport`].
#[derive(Debug)]
pub struct JsonAllocator<T> {
    transport: T,
    /// What `now` counts from.
    epoch: Instant,
}

impl<T: Transport> JsonAllocator<T> {
    pub fn new(transport: T) -> JsonAllocator<T> {
        JsonAllocator {
            transport,
            epoch: Instant::now(),
        }
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    fn now(&self, now: Instant) -> f64 {
        now.saturating_duration_since(self.epoch).as_secs_f64()
    }

    fn call(&self, method: &str, arguments: Value) -> Result<Option<Value>, AllocatorError> {
        self.transport
            .call(method, arguments)
            .map_err(AllocatorError::Failed)
    }

    /// A call that has no result.
    fn event(&self, method: &str, arguments: Value) -> Result<(), AllocatorError> {
        self.call(method, arguments).map(drop)
    }

    /// A call whose failure can only be reported.
    fn notify(&self, method: &str, arguments: Value) {
        if let Err(error) = self.transport.call(method, arguments) {
            self.transport.failed(method, error);
        }
    }

    /// A question with a boolean answer; `false` when it fails.
    fn ask(&self, method: &str) -> bool {
        let transport = &self.transport;
        match transport.call(method, json!({})) {
            Ok(Some(Value::Bool(answer))) => answer,
            Ok(other) => {
                transport.failed(method, format!("answered {other:?}, not a boolean"));
                false
            }
            Err(error) => {
                transport.failed(method, error);
                false
            }
        }
    }

    /// An allocation call: its offers go to `sink`; false if it answered
    /// null.
    fn allocation(&self, method: &str, arguments: Value, sink: &mut dyn OfferSink) -> bool {
        let result = match self.transport.call(method, arguments) {
            Ok(Some(result)) => result,
            Ok(None) => return false,
            Err(error) => {
                self.transport.failed(method, error);
                return false;
            }
        };
        if let Err(error) = deliver(&result, sink) {
            self.transport.failed(method, error);
        }
        true
    }
}

impl<T: Transport> Allocator for JsonAllocator<T> {
    fn recover(&mut self, expected_agent_count: usize, quotas: &HashMap<String, Quota>) {
        let quotas: Map<String, Value> = quotas
            .iter()
            .map(|(role, quota)| (role.clone(), quota_to_json(quota)))
            .collect();
        self.notify(
            "recover",
            json!({"expected_agent_count": expected_agent_count, "quotas": quotas}),
        );
    }

    fn add_framework(
        &mut self,
        info: &pb::FrameworkInfo,
        used: &HashMap<pb::SlaveId, Resources>,
        active: bool,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError> {
        let used: Vec<Value> = used
            .iter()
            .map(|(agent, resources)| {
                json!({"slave_id": to_value(agent), "resources": resources_to_json(resources)})
            })
            .collect();
        self.event(
            "add_framework",
            json!({
                "framework_info": to_value(info),
                "used": used,
                "active": active,
                "suppressed_roles": options.suppressed_roles,
            }),
        )
    }

    fn remove_framework(&mut self, framework_id: &pb::FrameworkId) -> Result<(), AllocatorError> {
        self.event(
            "remove_framework",
            json!({"framework_id": to_value(framework_id)}),
        )
    }

    fn activate_framework(&mut self, framework_id: &pb::FrameworkId) -> Result<(), AllocatorError> {
        self.event(
            "activate_framework",
            json!({"framework_id": to_value(framework_id)}),
        )
    }

    fn deactivate_framework(
        &mut self,
        framework_id: &pb::FrameworkId,
    ) -> Result<(), AllocatorError> {
        self.event(
            "deactivate_framework",
            json!({"framework_id": to_value(framework_id)}),
        )
    }

    fn update_framework(
        &mut self,
        info: &pb::FrameworkInfo,
        options: FrameworkOptions,
    ) -> Result<(), AllocatorError> {
        self.event(
            "update_framework",
            json!({
                "framework_info": to_value(info),
                "suppressed_roles": options.suppressed_roles,
            }),
        )
    }

    fn add_agent(
        &mut self,
        info: &pb::SlaveInfo,
        capabilities: &[pb::slave_info::Capability],
        unavailability: Option<pb::Unavailability>,
        total: &Resources,
        used: &HashMap<pb::FrameworkId, Resources>,
    ) -> Result<(), AllocatorError> {
        self.event(
            "add_agent",
            json!({
                "slave_info": to_value(info),
                "capabilities": capabilities.iter().map(to_value).collect::<Vec<_>>(),
                "unavailability": unavailability.as_ref().map(to_value),
                "total": resources_to_json(total),
                "used": framework_resources_to_json(used),
            }),
        )
    }

    fn remove_agent(&mut self, agent_id: &pb::SlaveId) -> Result<(), AllocatorError> {
        self.event("remove_agent", json!({"slave_id": to_value(agent_id)}))
    }

    fn update_agent(
        &mut self,
        info: &pb::SlaveInfo,
        total: Option<&Resources>,
        capabilities: Option<&[pb::slave_info::Capability]>,
    ) -> Result<bool, AllocatorError> {
        let result = self.call(
            "update_agent",
            json!({
                "slave_info": to_value(info),
                "total": total.map(resources_to_json),
                "capabilities": capabilities
                    .map(|capabilities| capabilities.iter().map(to_value).collect::<Vec<_>>()),
            }),
        )?;
        match result {
            Some(Value::Bool(changed)) => Ok(changed),
            other => Err(AllocatorError::Failed(format!(
                "update_agent answered {other:?}, not a boolean"
            ))),
        }
    }

    fn add_resource_provider(
        &mut self,
        agent_id: &pb::SlaveId,
        total: &Resources,
        used: &HashMap<pb::FrameworkId, Resources>,
    ) -> Result<(), AllocatorError> {
        self.event(
            "add_resource_provider",
            json!({
                "slave_id": to_value(agent_id),
                "total": resources_to_json(total),
                "used": framework_resources_to_json(used),
            }),
        )
    }

    fn activate_agent(&mut self, agent_id: &pb::SlaveId) -> Result<(), AllocatorError> {
        self.event("activate_agent", json!({"slave_id": to_value(agent_id)}))
    }

    fn deactivate_agent(&mut self, agent_id: &pb::SlaveId) -> Result<(), AllocatorError> {
        self.event("deactivate_agent", json!({"slave_id": to_value(agent_id)}))
    }

    fn update_whitelist(&mut self, hostnames: Option<HashSet<String>>) {
        let hostnames = hostnames.map(|hostnames| hostnames.into_iter().collect::<BTreeSet<_>>());
        self.notify("update_whitelist", json!({"hostnames": hostnames}));
    }

    fn request_resources(
        &mut self,
        framework_id: &pb::FrameworkId,
        requests: &[pb::Request],
    ) -> Result<(), AllocatorError> {
        self.event(
            "request_resources",
            json!({
                "framework_id": to_value(framework_id),
                "requests": requests.iter().map(to_value).collect::<Vec<_>>(),
            }),
        )
    }

    fn update_allocation(
        &mut self,
        framework_id: &pb::FrameworkId,
        agent_id: &pb::SlaveId,
        offered: &Resources,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError> {
        self.event(
            "update_allocation",
            json!({
                "framework_id": to_value(framework_id),
                "slave_id": to_value(agent_id),
                "offered": resources_to_json(offered),
                "conversions": conversions_to_json(conversions),
            }),
        )
    }

    fn update_available(
        &mut self,
        agent_id: &pb::SlaveId,
        conversions: &[ResourceConversion],
    ) -> Result<(), AllocatorError> {
        self.event(
            "update_available",
            json!({
                "slave_id": to_value(agent_id),
                "conversions": conversions_to_json(conversions),
            }),
        )
    }

    fn update_unavailability(
        &mut self,
        agent_id: &pb::SlaveId,
        unavailability: Option<pb::Unavailability>,
    ) -> Result<(), AllocatorError> {
        self.event(
            "update_unavailability",
            json!({
                "slave_id": to_value(agent_id),
                "unavailability": unavailability.as_ref().map(to_value),
            }),
        )
    }

    fn update_inverse_offer(
        &mut self,
        agent_id: &pb::SlaveId,
        framework_id: &pb::FrameworkId,
        status: Option<pb::allocator::InverseOfferStatus>,
        filters: Option<&pb::Filters>,
        now: Instant,
    ) -> Result<(), AllocatorError> {
        let now = self.now(now);
        self.event(
            "update_inverse_offer",
            json!({
                "slave_id": to_value(agent_id),
                "framework_id": to_value(framework_id),
                "status": status.as_ref().map(to_value),
                "filters": filters.map(to_value),
                "now": now,
            }),
        )
    }

    fn inverse_offer_statuses(
        &self,
    ) -> HashMap<pb::SlaveId, HashMap<pb::FrameworkId, pb::allocator::InverseOfferStatus>> {
        const METHOD: &str = "inverse_offer_statuses";
        let transport = &self.transport;
        let decoded = transport
            .call(METHOD, json!({}))
            .and_then(|result| statuses_from_json(&result.unwrap_or(Value::Null)));
        decoded.unwrap_or_else(|error| {
            transport.failed(METHOD, error);
            HashMap::new()
        })
    }

    fn transition_offered_to_allocated(
        &mut self,
        agent_id: &pb::SlaveId,
        resources: &Resources,
    ) -> Result<(), AllocatorError> {
        self.event(
            "transition_offered_to_allocated",
            json!({"slave_id": to_value(agent_id), "resources": resources_to_json(resources)}),
        )
    }

    fn recover_resources(
        &mut self,
        framework_id: &pb::FrameworkId,
        agent_id: &pb::SlaveId,
        resources: &Resources,
        filters: Option<&pb::Filters>,
        is_allocated: bool,
        now: Instant,
    ) -> Result<(), AllocatorError> {
        let now = self.now(now);
        self.event(
            "recover_resources",
            json!({
                "framework_id": to_value(framework_id),
                "slave_id": to_value(agent_id),
                "resources": resources_to_json(resources),
                "filters": filters.map(to_value),
                "is_allocated": is_allocated,
                "now": now,
            }),
        )
    }

    fn suppress_offers(
        &mut self,
        framework_id: &pb::FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError> {
        self.event(
            "suppress_offers",
            json!({"framework_id": to_value(framework_id), "roles": roles}),
        )
    }

    fn revive_offers(
        &mut self,
        framework_id: &pb::FrameworkId,
        roles: &BTreeSet<String>,
    ) -> Result<(), AllocatorError> {
        self.event(
            "revive_offers",
            json!({"framework_id": to_value(framework_id), "roles": roles}),
        )
    }

    fn update_quota(&mut self, role: &str, quota: Quota) {
        self.notify(
            "update_quota",
            json!({"role": role, "quota": quota_to_json(&quota)}),
        );
    }

    fn update_weights(&mut self, weights: &[pb::WeightInfo]) {
        self.notify(
            "update_weights",
            json!({"weights": weights.iter().map(to_value).collect::<Vec<_>>()}),
        );
    }

    fn pause(&mut self) {
        self.notify("pause", json!({}));
    }

    fn resume(&mut self) {
        self.notify("resume", json!({}));
    }

    fn is_paused(&self) -> bool {
        self.ask("is_paused")
    }

    fn allocate(&mut self, now: Instant, sink: &mut dyn OfferSink) {
        let arguments = json!({"now": self.now(now), "slave_ids": null});
        self.allocation("allocate", arguments, sink);
    }

    fn allocate_agents(
        &mut self,
        agent_ids: &[pb::SlaveId],
        now: Instant,
        sink: &mut dyn OfferSink,
    ) {
        let arguments = json!({
            "now": self.now(now),
            "slave_ids": agent_ids.iter().map(to_value).collect::<Vec<_>>(),
        });
        self.allocation("allocate", arguments, sink);
    }

    fn allocate_pending(&mut self, now: Instant, sink: &mut dyn OfferSink) -> bool {
        let arguments = json!({"now": self.now(now)});
        self.allocation("allocate_pending", arguments, sink)
    }

    fn has_pending_allocation(&self) -> bool {
        self.ask("has_pending_allocation")
    }
}

/// The callee's side: runs the call `method(arguments)` on `allocator`,
/// `now` counting from `epoch`. Returns the call's result, or a one-line
/// error (unknown methods included).
pub fn serve(
    allocator: &mut dyn Allocator,
    epoch: Instant,
    method: &str,
    arguments: &Value,
) -> Result<Option<Value>, String> {
    let call = Arguments(arguments);
    let failed = |error: AllocatorError| error.to_string();
    let done = |result: Result<(), AllocatorError>| result.map(|()| None).map_err(failed);
    match method {
        "recover" => {
            let count = call.get("expected_agent_count")?.as_u64().unwrap_or(0);
            let mut quotas = HashMap::new();
            if let Some(entries) = call.get("quotas")?.as_object() {
                for (role, quota) in entries {
                    quotas.insert(role.clone(), quota_from_json(quota)?);
                }
            }
            allocator.recover(usize::try_from(count).unwrap_or(usize::MAX), &quotas);
            Ok(None)
        }
        "add_framework" => {
            let mut used = HashMap::new();
            for entry in call.array("used")? {
                let entry = Arguments(entry);
                used.insert(entry.message("slave_id")?, entry.resources("resources")?);
            }
            done(allocator.add_framework(
                &call.message("framework_info")?,
                &used,
                call.get("active")?.as_bool().unwrap_or(true),
                call.options()?,
            ))
        }
        "remove_framework" => done(allocator.remove_framework(&call.message("framework_id")?)),
        "activate_framework" => done(allocator.activate_framework(&call.message("framework_id")?)),
        "deactivate_framework" => {
            done(allocator.deactivate_framework(&call.message("framework_id")?))
        }
        "update_framework" => {
            done(allocator.update_framework(&call.message("framework_info")?, call.options()?))
        }
        "add_agent" => done(allocator.add_agent(
            &call.message("slave_info")?,
            &call.messages("capabilities")?,
            call.optional_message("unavailability")?,
            &call.resources("total")?,
            &call.framework_resources("used")?,
        )),
        "remove_agent" => done(allocator.remove_agent(&call.message("slave_id")?)),
        "update_agent" => {
            let total = match call.get("total")? {
                Value::Null => None,
                _ => Some(call.resources("total")?),
            };
            let capabilities = match call.get("capabilities")? {
                Value::Null => None,
                _ => Some(call.messages("capabilities")?),
            };
            allocator
                .update_agent(
                    &call.message("slave_info")?,
                    total.as_ref(),
                    capabilities.as_deref(),
                )
                .map(|changed| Some(Value::Bool(changed)))
                .map_err(failed)
        }
        "add_resource_provider" => done(allocator.add_resource_provider(
            &call.message("slave_id")?,
            &call.resources("total")?,
            &call.framework_resources("used")?,
        )),
        "activate_agent" => done(allocator.activate_agent(&call.message("slave_id")?)),
        "deactivate_agent" => done(allocator.deactivate_agent(&call.message("slave_id")?)),
        "update_whitelist" => {
            let hostnames = match call.get("hostnames")? {
                Value::Null => None,
                _ => Some(call.strings("hostnames")?.into_iter().collect()),
            };
            allocator.update_whitelist(hostnames);
            Ok(None)
        }
        "request_resources" => done(
            allocator
                .request_resources(&call.message("framework_id")?, &call.messages("requests")?),
        ),
        "update_allocation" => done(allocator.update_allocation(
            &call.message("framework_id")?,
            &call.message("slave_id")?,
            &call.resources("offered")?,
            &call.conversions()?,
        )),
        "update_available" => {
            done(allocator.update_available(&call.message("slave_id")?, &call.conversions()?))
        }
        "update_unavailability" => done(allocator.update_unavailability(
            &call.message("slave_id")?,
            call.optional_message("unavailability")?,
        )),
        "update_inverse_offer" => done(allocator.update_inverse_offer(
            &call.message("slave_id")?,
            &call.message("framework_id")?,
            call.optional_message("status")?,
            call.optional_message::<pb::Filters>("filters")?.as_ref(),
            call.now(epoch)?,
        )),
        "inverse_offer_statuses" => Ok(Some(statuses_to_json(&allocator.inverse_offer_statuses()))),
        "transition_offered_to_allocated" => done(allocator.transition_offered_to_allocated(
            &call.message("slave_id")?,
            &call.resources("resources")?,
        )),
        "recover_resources" => done(allocator.recover_resources(
            &call.message("framework_id")?,
            &call.message("slave_id")?,
            &call.resources("resources")?,
            call.optional_message::<pb::Filters>("filters")?.as_ref(),
            call.get("is_allocated")?.as_bool().unwrap_or(false),
            call.now(epoch)?,
        )),
        "suppress_offers" => done(allocator.suppress_offers(
            &call.message("framework_id")?,
            &call.strings("roles")?.into_iter().collect(),
        )),
        "revive_offers" => done(allocator.revive_offers(
            &call.message("framework_id")?,
            &call.strings("roles")?.into_iter().collect(),
        )),
        "update_quota" => {
            let role = call.get("role")?.as_str().ok_or("'role' is not a string")?;
            allocator.update_quota(role, quota_from_json(call.get("quota")?)?);
            Ok(None)
        }
        "update_weights" => {
            allocator.update_weights(&call.messages("weights")?);
            Ok(None)
        }
        "pause" => {
            allocator.pause();
            Ok(None)
        }
        "resume" => {
            allocator.resume();
            Ok(None)
        }
        "is_paused" => Ok(Some(Value::Bool(allocator.is_paused()))),
        "has_pending_allocation" => Ok(Some(Value::Bool(allocator.has_pending_allocation()))),
        "allocate" => {
            let now = call.now(epoch)?;
            let mut offers = CollectedOffers::default();
            match call.get("slave_ids")? {
                Value::Null => allocator.allocate(now, &mut offers),
                _ => allocator.allocate_agents(&call.messages("slave_ids")?, now, &mut offers),
            }
            Ok(Some(offers_to_json(&offers)))
        }
        "allocate_pending" => {
            let mut offers = CollectedOffers::default();
            let ran = allocator.allocate_pending(call.now(epoch)?, &mut offers);
            Ok(ran.then(|| offers_to_json(&offers)))
        }
        _ => Err(format!(
            "'{method}' is not a method of the Allocator contract"
        )),
    }
}

/// A call's arguments, with accessors that name what is wrong.
struct Arguments<'a>(&'a Value);

impl<'a> Arguments<'a> {
    fn get(&self, key: &str) -> Result<&'a Value, String> {
        self.0
            .get(key)
            .ok_or_else(|| format!("argument '{key}' is missing"))
    }

    fn array(&self, key: &str) -> Result<&'a Vec<Value>, String> {
        self.get(key)?
            .as_array()
            .ok_or_else(|| format!("argument '{key}' is not an array"))
    }

    fn message<M: prost::Message + prost::Name + Default>(&self, key: &str) -> Result<M, String> {
        message_from_json(key, self.get(key)?)
    }

    fn optional_message<M: prost::Message + prost::Name + Default>(
        &self,
        key: &str,
    ) -> Result<Option<M>, String> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => message_from_json(key, value).map(Some),
        }
    }

    fn messages<M: prost::Message + prost::Name + Default>(
        &self,
        key: &str,
    ) -> Result<Vec<M>, String> {
        self.array(key)?
            .iter()
            .map(|value| message_from_json(key, value))
            .collect()
    }

    fn strings(&self, key: &str) -> Result<Vec<String>, String> {
        self.array(key)?
            .iter()
            .map(|value| {
                value
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("argument '{key}' holds a non-string"))
            })
            .collect()
    }

    fn resources(&self, key: &str) -> Result<Resources, String> {
        resources_from_json(key, self.get(key)?)
    }

    fn framework_resources(
        &self,
        key: &str,
    ) -> Result<HashMap<pb::FrameworkId, Resources>, String> {
        self.array(key)?
            .iter()
            .map(|entry| {
                let entry = Arguments(entry);
                Ok((
                    entry.message("framework_id")?,
                    entry.resources("resources")?,
                ))
            })
            .collect()
    }

    fn conversions(&self) -> Result<Vec<ResourceConversion>, String> {
        self.array("conversions")?
            .iter()
            .map(|entry| {
                let entry = Arguments(entry);
                Ok(ResourceConversion::new(
                    entry.resources("consumed")?,
                    entry.resources("converted")?,
                ))
            })
            .collect()
    }

    fn options(&self) -> Result<FrameworkOptions, String> {
        Ok(FrameworkOptions {
            suppressed_roles: self.strings("suppressed_roles")?.into_iter().collect(),
            offer_constraints: None,
        })
    }

    fn now(&self, epoch: Instant) -> Result<Instant, String> {
        let seconds = self
            .get("now")?
            .as_f64()
            .filter(|seconds| *seconds >= 0.0)
            .ok_or("argument 'now' is not a number of seconds")?;
        Ok(epoch + Duration::from_secs_f64(seconds))
    }
}

fn message_from_json<M: prost::Message + prost::Name + Default>(
    key: &str,
    value: &Value,
) -> Result<M, String> {
    from_value(value).map_err(|error| format!("'{key}' is not a {}: {error}", M::full_name()))
}

fn resources_to_json(resources: &Resources) -> Value {
    Value::Array(resources.to_protos().iter().map(to_value).collect())
}

fn resources_from_json(key: &str, value: &Value) -> Result<Resources, String> {
    let protos: Vec<pb::Resource> = value
        .as_array()
        .ok_or_else(|| format!("'{key}' is not an array of resources"))?
        .iter()
        .map(|resource| message_from_json(key, resource))
        .collect::<Result<_, _>>()?;
    Resources::from_protos(&protos).map_err(|error| format!("'{key}': {error}"))
}

fn framework_resources_to_json(used: &HashMap<pb::FrameworkId, Resources>) -> Vec<Value> {
    used.iter()
        .map(|(framework, resources)| {
            json!({"framework_id": to_value(framework), "resources": resources_to_json(resources)})
        })
        .collect()
}

fn conversions_to_json(conversions: &[ResourceConversion]) -> Vec<Value> {
    conversions
        .iter()
        .map(|conversion| {
            json!({
                "consumed": resources_to_json(&conversion.consumed),
                "converted": resources_to_json(&conversion.converted),
            })
        })
        .collect()
}

fn quota_to_json(quota: &Quota) -> Value {
    let guarantees: Map<String, Value> = quota
        .guarantees
        .iter()
        .map(|(name, quantity)| (name.to_owned(), json!(quantity.as_f64())))
        .collect();
    let limits: Map<String, Value> = quota
        .limits
        .iter()
        .map(|(name, limit)| (name.to_owned(), json!(limit.as_f64())))
        .collect();
    json!({"guarantees": guarantees, "limits": limits})
}

fn quota_from_json(value: &Value) -> Result<Quota, String> {
    let mut quota = Quota {
        guarantees: ResourceQuantities::new(),
        limits: ResourceLimits::new(),
    };
    let quantities = |key: &str| -> Result<Vec<(String, Scalar)>, String> {
        let Some(entries) = value.get(key).and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        entries
            .iter()
            .map(|(name, quantity)| {
                let quantity = quantity
                    .as_f64()
                    .ok_or_else(|| format!("quota {key} of '{name}' is not a number"))?;
                Ok((name.clone(), Scalar::from_f64(quantity)))
            })
            .collect()
    };
    for (name, quantity) in quantities("guarantees")? {
        quota.guarantees.add_quantity(&name, quantity);
    }
    for (name, limit) in quantities("limits")? {
        quota.limits.set(&name, limit);
    }
    Ok(quota)
}

fn offers_to_json(collected: &CollectedOffers) -> Value {
    let offers: Vec<Value> = collected
        .offers
        .iter()
        .map(|(framework, offers)| {
            let offers: Vec<Value> = offers
                .iter()
                .map(|offer| {
                    json!({
                        "slave_id": to_value(&offer.agent_id),
                        "role": offer.role,
                        "resources": resources_to_json(&offer.resources),
                    })
                })
                .collect();
            json!({"framework_id": to_value(framework), "offers": offers})
        })
        .collect();
    let inverse_offers: Vec<Value> = collected
        .inverse_offers
        .iter()
        .map(|(framework, inverse_offers)| {
            let inverse_offers: Vec<Value> = inverse_offers
                .iter()
                .map(|offer| {
                    json!({
                        "slave_id": to_value(&offer.agent_id),
                        "resources": resources_to_json(&offer.resources),
                        "unavailability": to_value(&offer.unavailability),
                    })
                })
                .collect();
            json!({"framework_id": to_value(framework), "inverse_offers": inverse_offers})
        })
        .collect();
    json!({"offers": offers, "inverse_offers": inverse_offers})
}

/// Replays an allocation result into `sink`, delivery by delivery.
fn deliver(result: &Value, sink: &mut dyn OfferSink) -> Result<(), String> {
    let result = Arguments(result);
    for delivery in result.array("offers")? {
        let delivery = Arguments(delivery);
        let offers = delivery
            .array("offers")?
            .iter()
            .map(|offer| {
                let offer = Arguments(offer);
                Ok(Offer {
                    agent_id: offer.message("slave_id")?,
                    role: offer
                        .get("role")?
                        .as_str()
                        .ok_or("an offer's 'role' is not a string")?
                        .to_owned(),
                    resources: offer.resources("resources")?,
                })
            })
            .collect::<Result<_, String>>()?;
        sink.offers(&delivery.message("framework_id")?, offers);
    }
    if result.0.get("inverse_offers").is_none() {
        return Ok(());
    }
    for delivery in result.array("inverse_offers")? {
        let delivery = Arguments(delivery);
        let inverse_offers = delivery
            .array("inverse_offers")?
            .iter()
            .map(|offer| {
                let offer = Arguments(offer);
                Ok(InverseOffer {
                    agent_id: offer.message("slave_id")?,
                    resources: offer.resources("resources")?,
                    unavailability: offer.message("unavailability")?,
                })
            })
            .collect::<Result<_, String>>()?;
        sink.inverse_offers(&delivery.message("framework_id")?, inverse_offers);
    }
    Ok(())
}

type Statuses = HashMap<pb::SlaveId, HashMap<pb::FrameworkId, pb::allocator::InverseOfferStatus>>;

fn statuses_to_json(statuses: &Statuses) -> Value {
    let mut entries = Vec::new();
    for (agent, frameworks) in statuses {
        for (framework, status) in frameworks {
            entries.push(json!({
                "slave_id": to_value(agent),
                "framework_id": to_value(framework),
                "status": to_value(status),
            }));
        }
    }
    Value::Array(entries)
}

fn statuses_from_json(value: &Value) -> Result<Statuses, String> {
    let mut statuses = Statuses::new();
    for entry in value
        .as_array()
        .ok_or("inverse offer statuses are not an array")?
    {
        let entry = Arguments(entry);
        statuses
            .entry(entry.message("slave_id")?)
            .or_default()
            .insert(entry.message("framework_id")?, entry.message("status")?);
    }
    Ok(statuses)
}
