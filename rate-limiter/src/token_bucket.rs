//! [`TokenBucket`]: one permit every `duration / N`, first come first served.

use async_trait::async_trait;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::{Permit, Rate, RateLimiter};

/// A token bucket holding a single token, refilled every interval: permits
/// are spread evenly and never come in bursts, like libprocess's
/// `RateLimiter`. The first permit is immediate; each later one comes one
/// interval after the previous grant, or at once if that is past.
///
/// Waiters queue on a fair lock, so they are served in the order they called
/// [`RateLimiter::acquire`]; one that gives up leaves the next token to the
/// next waiter. Timing uses tokio's clock, so tests can pause it.
#[derive(Debug)]
pub struct TokenBucket {
    interval: std::time::Duration,
    /// When the next token is ready; `None` until the first grant.
    next_token: Mutex<Option<Instant>>,
}

impl TokenBucket {
    /// A bucket granting `rate.permits()` permits per `rate.duration()`.
    pub fn new(rate: Rate) -> TokenBucket {
        TokenBucket {
            interval: rate.interval(),
            next_token: Mutex::new(None),
        }
    }
}

#[async_trait]
impl RateLimiter for TokenBucket {
    async fn acquire(&self) -> Permit {
        let mut next_token = self.next_token.lock().await;
        if let Some(ready) = *next_token {
            tokio::time::sleep_until(ready).await;
        }
        *next_token = Some(Instant::now() + self.interval);
        Permit(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio::time::{Instant, sleep, timeout};

    use super::TokenBucket;
    use crate::{RateLimiter, Unlimited, agent_removal_limiter};

    const MINUTE: Duration = Duration::from_secs(60);

    fn bucket(rate: &str) -> TokenBucket {
        TokenBucket::new(rate.parse().expect("valid rate"))
    }

    #[tokio::test(start_paused = true)]
    async fn first_permit_is_immediate_then_one_per_interval() {
        let limiter = bucket("2/20mins");
        let start = Instant::now();
        let mut granted = Vec::new();
        for _ in 0..4 {
            let _permit = limiter.acquire().await;
            granted.push(start.elapsed());
        }
        assert_eq!(
            granted,
            [Duration::ZERO, 10 * MINUTE, 20 * MINUTE, 30 * MINUTE]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn permits_do_not_accumulate_while_idle() {
        let limiter = bucket("1/1mins");
        let _ = limiter.acquire().await;
        sleep(10 * MINUTE).await;
        let start = Instant::now();
        let _ = limiter.acquire().await;
        let _ = limiter.acquire().await;
        assert_eq!(start.elapsed(), MINUTE, "one stored token at most");
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_are_served_in_order() {
        let limiter = Arc::new(bucket("1/1mins"));
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for id in 0..3 {
            let (limiter, order) = (limiter.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let _ = limiter.acquire().await;
                order.lock().unwrap().push((id, Instant::now()));
            }));
            // Let the task queue up before the next one is spawned.
            tokio::task::yield_now().await;
        }
        for task in tasks {
            task.await.expect("task completes");
        }
        let order = order.lock().unwrap();
        let ids: Vec<_> = order.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [0, 1, 2]);
        assert_eq!(order[2].1 - order[0].1, 2 * MINUTE);
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_that_gives_up_passes_its_turn_on() {
        let limiter = bucket("1/1mins");
        let start = Instant::now();
        let _ = limiter.acquire().await;
        // The agent answers a ping while its removal waits: the wait is dropped.
        assert!(timeout(MINUTE / 2, limiter.acquire()).await.is_err());
        let _ = limiter.acquire().await;
        assert_eq!(start.elapsed(), MINUTE, "the dropped wait used no permit");
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_grants_everything_at_once() {
        let start = Instant::now();
        for _ in 0..100 {
            let _ = Unlimited.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn the_flag_selects_the_limiter() {
        let limited = agent_removal_limiter(Some("1/20mins")).expect("valid");
        let start = Instant::now();
        let _ = limited.acquire().await;
        let _ = limited.acquire().await;
        assert_eq!(start.elapsed(), 20 * MINUTE);

        let unlimited = agent_removal_limiter(None).expect("valid");
        let start = Instant::now();
        let _ = unlimited.acquire().await;
        let _ = unlimited.acquire().await;
        assert_eq!(start.elapsed(), Duration::ZERO);

        assert!(agent_removal_limiter(Some("20mins")).is_err());
    }
}
