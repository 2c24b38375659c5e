//! Slows down password guessing: after a few failed logins for a username or from an address, each further
//! failure locks that key for twice as long as the one before (2 s, 4 s, 8 s, … up to 15 minutes).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const FREE_FAILURES: u32 = 5;
const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
/// A key with no failure for this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Default)]
pub struct LoginThrottle {
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    locked_until: Option<Instant>,
    last_failure: Instant,
}

impl LoginThrottle {
    /// `Err(wait)` while any of `keys` is locked.
    pub fn check(&self, keys: &[String]) -> Result<(), Duration> {
        let now = Instant::now();
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let wait = keys
            .iter()
            .filter_map(|key| entries.get(key)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        wait.map_or(Ok(()), Err)
    }

    /// Counts a failed login against each key.
    pub fn record_failure(&self, keys: &[String]) {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() > 10_000 {
            entries.retain(|_, entry| now.duration_since(entry.last_failure) < FORGET_AFTER);
        }
        for key in keys {
            let entry =
                entries.entry(key.clone()).or_insert(Entry { failures: 0, locked_until: None, last_failure: now });
            if now.duration_since(entry.last_failure) >= FORGET_AFTER {
                entry.failures = 0;
            }
            entry.failures += 1;
            entry.last_failure = now;
            if entry.failures > FREE_FAILURES {
                let exponent = (entry.failures - FREE_FAILURES).min(20);
                entry.locked_until = Some(now + Duration::from_secs(1 << exponent).min(MAX_LOCK));
            }
        }
    }

    /// A successful login clears the username's record (not the address's).
    pub fn record_success(&self, key: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_free_failures() {
        let throttle = LoginThrottle::default();
        let keys = ["user:admin".to_owned()];
        for _ in 0..FREE_FAILURES {
            throttle.record_failure(&keys);
            assert!(throttle.check(&keys).is_ok());
        }
        throttle.record_failure(&keys);
        assert!(throttle.check(&keys).is_err());
        throttle.record_success("user:admin");
        assert!(throttle.check(&keys).is_ok());
    }
}
