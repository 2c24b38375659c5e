//! A small keyed token-bucket limiter, e.g. for routes that open outbound connections.
//!
//! ```
//! use smtp_endpoint_server::rate_limit::RateLimiter;
//! use std::time::Duration;
//! let limiter = RateLimiter::new(2, Duration::from_secs(60)); // 2 per minute per key, bursts of 2
//! assert!(limiter.check("admin").is_ok());
//! assert!(limiter.check("admin").is_ok());
//! assert!(limiter.check("admin").is_err());
//! ```

use crate::error::{ApiError, Limit};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    /// Tokens regained per second.
    refill: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// Allows `per_period` requests per `period` for each key, in bursts of up to `per_period`.
    pub fn new(per_period: u32, period: Duration) -> RateLimiter {
        let capacity = f64::from(per_period.max(1));
        RateLimiter {
            capacity,
            refill: capacity / period.as_secs_f64().max(0.001),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how long to wait for the next.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() > 10_000 {
            let (capacity, refill) = (self.capacity, self.refill);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.updated).as_secs_f64() * refill < capacity);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket { tokens: self.capacity, updated: now });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * self.refill).min(self.capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.refill))
        }
    }

    /// [`RateLimiter::check`] as the API's 429 (with `Retry-After`).
    pub fn check_api(&self, key: &str, limit: Limit) -> Result<(), ApiError> {
        self.check(key).map_err(|retry_after| ApiError::TooManyRequests { limit, retry_after })
    }
}
