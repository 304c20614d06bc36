//! The agent removal rate limiter (`--agent_removal_rate_limit`).
//!
//! When an agent fails its health checks, the master takes a permit from the
//! [`RateLimiter`] before marking it unreachable, so that a network partition
//! does not remove a whole cluster at once. As in Mesos:
//!
//! * `--agent_removal_rate_limit=N/<duration>` (e.g. `1/20mins`, `2/3hrs`)
//!   grants one permit every `duration / N`, spread evenly, never in bursts;
//!   the first permit is granted at once ([`TokenBucket`]);
//! * without the flag, permits are granted at once ([`Unlimited`]);
//! * waiting callers are served in order, and a caller that stops waiting
//!   (drops the future, e.g. because the agent answered a ping after all)
//!   gives its turn to the next one without using a permit.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), rate_limiter::RateLimitError> {
//! let limiter = rate_limiter::agent_removal_limiter(Some("1/20mins"))?;
//! let _permit = limiter.acquire().await; // the first one is immediate
//! # Ok(())
//! # }
//! ```

mod rate;
mod token_bucket;

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;

pub use rate::{Rate, RateLimitError};
pub use token_bucket::TokenBucket;

/// Hands out permits at a limited rate.
#[async_trait]
pub trait RateLimiter: Debug + Send + Sync {
    /// Waits for a permit. Dropping the future before it completes gives up
    /// the caller's place in line; the permit goes to the next caller.
    async fn acquire(&self) -> Permit;
}

/// Proof that a permit was granted; the rate is already accounted for.
#[derive(Debug)]
#[must_use = "a permit is granted to do something now"]
pub struct Permit(());

/// Grants every permit at once: the limiter when the flag is unset.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlimited;

#[async_trait]
impl RateLimiter for Unlimited {
    async fn acquire(&self) -> Permit {
        Permit(())
    }
}

/// The limiter for the value of `--agent_removal_rate_limit`: a
/// [`TokenBucket`] for `N/<duration>`, [`Unlimited`] when the flag is unset.
pub fn agent_removal_limiter(flag: Option<&str>) -> Result<Arc<dyn RateLimiter>, RateLimitError> {
    Ok(match flag {
        Some(value) => Arc::new(TokenBucket::new(value.parse::<Rate>()?)),
        None => Arc::new(Unlimited),
    })
}
