//! The agent removal rate limiter behind the RateLimiter trait.
