//! The Mesos rules every allocator keeps, whatever its policy: which roles
//! a framework is in, how long a refusal lasts, how operations convert
//! resources, and how an agent counts what it has handed out. Public so
//! that custom allocators follow them exactly as [`crate::HierarchicalAllocator`]
//! does.

use crate::{AllocatorError, ResourceConversion};
use proto::mesos as pb;
use proto::mesos::framework_info::capability::Type as FrameworkCapability;
use resources::Resources;
use std::time::Duration;

/// `Filters.refuse_seconds` when it is negative or not a number.
const DEFAULT_REFUSAL: Duration = Duration::from_secs(5);

/// Refusals longer than this are cut to it, as in Mesos.
const MAX_REFUSAL: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// A framework's roles, in the order its info lists them: `roles` with the
/// MULTI_ROLE capability, else its one `role` (`*` by default).
pub fn framework_roles(info: &pb::FrameworkInfo) -> Vec<String> {
    let multi_role = info
        .capabilities
        .iter()
        .any(|capability| capability.r#type() == FrameworkCapability::MultiRole);
    if multi_role {
        info.roles.clone()
    } else {
        vec![info.role().to_owned()]
    }
}

/// How long a decline's `filters` refuse offers: `refuse_seconds` (5 when
/// unset, negative or not a number) capped at a year; `None` for zero, which
/// asks for no filter. An allocator with a batch period may lengthen it to
/// one period so that the refusal outlives the next batch.
pub fn refusal_timeout(filters: &pb::Filters) -> Option<Duration> {
    let seconds = filters.refuse_seconds();
    let timeout = if !seconds.is_finite() || seconds < 0.0 {
        DEFAULT_REFUSAL
    } else if seconds > MAX_REFUSAL.as_secs_f64() {
        MAX_REFUSAL
    } else {
        Duration::from_secs_f64(seconds)
    };
    (!timeout.is_zero()).then_some(timeout)
}

/// Applies `conversions` to `resources` of `agent` in order; each needs its
/// `consumed` resources, else [`AllocatorError::Conversion`] says what was
/// missing.
pub fn apply_conversions(
    agent: &pb::SlaveId,
    resources: &Resources,
    conversions: &[ResourceConversion],
) -> Result<Resources, AllocatorError> {
    resources
        .apply(conversions)
        .map_err(|error| AllocatorError::Conversion {
            agent: agent.value.clone(),
            reason: error.to_string(),
        })
}

/// `resources` without their allocation role: how an agent's total and
/// free resources count them.
pub fn unallocated(resources: &Resources) -> Resources {
    let mut resources = resources.clone();
    resources.unallocate();
    resources
}
