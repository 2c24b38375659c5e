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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_its_own_allowance_and_a_refusal_says_the_wait() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        assert_eq!((limiter.check("a"), limiter.check("a")), (Ok(()), Ok(())));
        let wait = limiter.check("a").expect_err("the third within a minute");
        assert!(wait > Duration::from_secs(29) && wait <= Duration::from_secs(30), "{wait:?}: one token per 30 s");
        assert_eq!(limiter.check("b"), Ok(()), "another key is not held by a's refusals");
        assert!(limiter.check("a").is_err(), "a refusal does not refill");
    }

    #[test]
    fn many_keys_forget_the_full_buckets_and_keep_the_held_ones() {
        let limiter = RateLimiter::new(1, Duration::from_secs(3600));
        assert_eq!(limiter.check("held"), Ok(()));
        let long_ago = Instant::now();
        {
            let mut buckets = limiter.buckets.lock().expect("lock");
            for n in 0..10_001 {
                buckets.insert(format!("idle-{n}"), Bucket { tokens: 1.0, updated: long_ago });
            }
        }
        assert_eq!(limiter.check("new"), Ok(()));
        let kept: Vec<String> = {
            let buckets = limiter.buckets.lock().expect("lock");
            let mut keys: Vec<String> = buckets.keys().cloned().collect();
            keys.sort();
            keys
        };
        assert_eq!(kept, ["held", "new"], "the full buckets are dropped; the one still held stays");
        assert!(limiter.check("held").is_err(), "still refused after the pruning");
    }
}
