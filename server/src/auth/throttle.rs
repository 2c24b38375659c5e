//! Slows down password guessing: after a few failed logins for a key, each further failure locks that key for
//! twice as long as the one before (2 s, 4 s, 8 s, … up to 15 minutes).
//!
//! The keys are an admin's name *from one client address*, and the address alone (with a larger allowance, for
//! guessing across names). So someone elsewhere who types wrong passwords for `admin` locks only themselves, not
//! the admin working from another address. Without an address (the router called in-process) the name alone.
//! An IPv6 client counts by its /64: one host has that many addresses to draw from.
//!
//! Attempts hashed side by side count as failures in advance ([`LoginThrottle::begin`]): a burst sent at the
//! threshold gets no more guesses than the same attempts sent one after another.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed for one name from one address before it locks.
const FREE_FAILURES: u32 = 5;
/// Failures allowed from one address, whatever the names, before it locks.
const FREE_FAILURES_PER_ADDRESS: u32 = 20;
const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
/// What a client refused for an attempt still running on one of its keys is told to wait: about one hash.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(1);
/// A key with no failure for this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// The most keys kept; beyond it the oldest are dropped (a flood of names cannot grow the map for ever).
const MAX_KEYS: usize = 10_000;

/// What a failure is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ThrottleKey {
    /// An admin's name (lower-cased, as names are matched) from one address, or from anywhere when unknown.
    Admin {
        name: String,
        from: Option<IpAddr>,
    },
    Address(IpAddr),
}

impl ThrottleKey {
    /// The keys of a login as `username` from `client`. Names longer than any admin's are cut: they are only
    /// keys, and the map does not hold what a client sends in full.
    pub fn of_login(username: &str, client: Option<IpAddr>) -> Vec<ThrottleKey> {
        let name = username.chars().take(crate::auth::MAX_USERNAME_CHARS + 1).collect::<String>().to_lowercase();
        let client = client.map(crate::client::counted_as);
        let mut keys = vec![ThrottleKey::Admin { name, from: client }];
        keys.extend(client.map(ThrottleKey::Address));
        keys
    }

    fn free_failures(&self) -> u32 {
        match self {
            ThrottleKey::Admin { .. } => FREE_FAILURES,
            ThrottleKey::Address(_) => FREE_FAILURES_PER_ADDRESS,
        }
    }
}

#[derive(Debug, Default)]
pub struct LoginThrottle {
    entries: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    failures: HashMap<ThrottleKey, Entry>,
    /// Attempts begun and not yet ended, per key (at most a few: one per hashing permit).
    running: HashMap<ThrottleKey, u32>,
}

/// An attempt that may fail: counted against its keys until it ends ([`Attempt::failed`],
/// [`Attempt::succeeded`], or dropped, which counts nothing).
#[derive(Debug)]
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    keys: Vec<ThrottleKey>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    locked_until: Option<Instant>,
    last_failure: Instant,
}

impl LoginThrottle {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err(wait)` while any of `keys` is locked.
    pub fn check(&self, keys: &[ThrottleKey]) -> Result<(), Duration> {
        self.lock().locked(keys)
    }

    /// Like [`check`](Self::check), and then counts the attempt against `keys` while it runs: one that would
    /// be past a key's free failures if those running fail is refused until they end.
    pub fn begin(&self, keys: Vec<ThrottleKey>) -> Result<Attempt<'_>, Duration> {
        let now = Instant::now();
        let mut entries = self.lock();
        entries.locked(&keys)?;
        let crowded = keys.iter().any(|key| {
            let running = entries.running.get(key).copied().unwrap_or(0);
            let failures = entries.failures.get(key).map_or(0, |entry| entry.recent_failures(now));
            running > 0 && failures + running > key.free_failures()
        });
        if crowded {
            return Err(IN_FLIGHT_WAIT);
        }
        for key in &keys {
            *entries.running.entry(key.clone()).or_default() += 1;
        }
        Ok(Attempt { throttle: self, keys })
    }
}

impl Entry {
    fn recent_failures(&self, now: Instant) -> u32 {
        if now.duration_since(self.last_failure) >= FORGET_AFTER { 0 } else { self.failures }
    }
}

impl Entries {
    /// Counts a failed login against each key.
    fn record_failure(&mut self, keys: &[ThrottleKey]) {
        let now = Instant::now();
        let entries = &mut self.failures;
        if entries.len() + keys.len() > MAX_KEYS {
            entries.retain(|_, entry| now.duration_since(entry.last_failure) < FORGET_AFTER);
        }
        while entries.len() + keys.len() > MAX_KEYS {
            let Some(oldest) = entries.iter().min_by_key(|(_, entry)| entry.last_failure).map(|(key, _)| key.clone())
            else {
                break;
            };
            entries.remove(&oldest);
        }
        for key in keys {
            let entry =
                entries.entry(key.clone()).or_insert(Entry { failures: 0, locked_until: None, last_failure: now });
            entry.failures = entry.recent_failures(now) + 1;
            entry.last_failure = now;
            let free = key.free_failures();
            if entry.failures > free {
                let exponent = (entry.failures - free).min(20);
                entry.locked_until = Some(now + Duration::from_secs(1 << exponent).min(MAX_LOCK));
            }
        }
    }

    /// A successful login clears the name's record (not the address's).
    fn record_success(&mut self, keys: &[ThrottleKey]) {
        for key in keys.iter().filter(|key| matches!(key, ThrottleKey::Admin { .. })) {
            self.failures.remove(key);
        }
    }

    /// An attempt is over: no longer counted as running on its keys.
    fn end(&mut self, keys: &[ThrottleKey]) {
        for key in keys {
            if let Some(running) = self.running.get_mut(key) {
                *running -= 1;
                if *running == 0 {
                    self.running.remove(key);
                }
            }
        }
    }

    fn locked(&self, keys: &[ThrottleKey]) -> Result<(), Duration> {
        let now = Instant::now();
        let wait = keys
            .iter()
            .filter_map(|key| self.failures.get(key)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        wait.map_or(Ok(()), Err)
    }
}

impl Attempt<'_> {
    /// The password was wrong (or the name unknown): counted against each key.
    pub fn failed(self) {
        self.end_with(Entries::record_failure);
    }

    pub fn succeeded(self) {
        self.end_with(Entries::record_success);
    }

    /// The verdict recorded as the attempt ends, in one step: it is never counted both as running and as failed.
    fn end_with(mut self, record: fn(&mut Entries, &[ThrottleKey])) {
        let keys = std::mem::take(&mut self.keys);
        let mut entries = self.throttle.lock();
        record(&mut entries, &keys);
        entries.end(&keys);
    }
}

/// An attempt that ends without a verdict (the store failed) counts nothing.
impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        self.throttle.lock().end(&self.keys);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([192, 0, 2, last]))
    }

    #[test]
    fn locks_after_the_free_failures() {
        let throttle = LoginThrottle::default();
        let keys = ThrottleKey::of_login("Admin", ip(1));
        for _ in 0..FREE_FAILURES {
            throttle.lock().record_failure(&keys);
            assert!(throttle.check(&keys).is_ok());
        }
        throttle.lock().record_failure(&keys);
        assert!(throttle.check(&keys).is_err());
        throttle.lock().record_success(&keys);
        assert!(throttle.check(&keys).is_ok());
    }

    #[test]
    fn attempts_running_side_by_side_count_in_advance() {
        let throttle = LoginThrottle::default();
        let keys = ThrottleKey::of_login("admin", ip(1));
        for _ in 0..FREE_FAILURES - 1 {
            throttle.lock().record_failure(&keys);
        }
        // Four failures: the fifth and the sixth (which locks if it fails) may run together, not a seventh.
        let fifth = throttle.begin(keys.clone()).expect("fifth");
        let sixth = throttle.begin(keys.clone()).expect("sixth");
        assert_eq!(throttle.begin(keys.clone()).err(), Some(IN_FLIGHT_WAIT));
        assert!(throttle.begin(ThrottleKey::of_login("other", ip(2))).is_ok(), "other keys are not held");
        fifth.failed();
        assert!(throttle.begin(keys.clone()).is_err(), "the sixth still runs");
        sixth.failed();
        assert!(throttle.begin(keys.clone()).is_err_and(|wait| wait > IN_FLIGHT_WAIT), "locked");

        // An attempt that ends without a verdict (the store failed) counts nothing.
        let throttle = LoginThrottle::default();
        for _ in 0..FREE_FAILURES {
            throttle.lock().record_failure(&keys);
        }
        drop(throttle.begin(keys.clone()).expect("sixth"));
        let sixth = throttle.begin(keys.clone()).expect("the sixth again");
        assert!(throttle.begin(keys.clone()).is_err());
        sixth.succeeded();
        assert!(throttle.begin(keys.clone()).is_ok(), "a success clears the name");
        assert!(throttle.lock().running.is_empty(), "every attempt ended");
    }

    #[test]
    fn wrong_passwords_from_elsewhere_do_not_lock_the_admin_out() {
        let throttle = LoginThrottle::default();
        let attacker = ThrottleKey::of_login("admin", ip(66));
        for _ in 0..=FREE_FAILURES {
            throttle.lock().record_failure(&attacker);
        }
        assert!(throttle.check(&attacker).is_err());
        assert!(throttle.check(&ThrottleKey::of_login("ADMIN", ip(66))).is_err(), "names match in any case");
        assert!(throttle.check(&ThrottleKey::of_login("admin", ip(1))).is_ok());
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        let throttle = LoginThrottle::default();
        let address = |last: u16| Some(IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, last]));
        for n in 0..=FREE_FAILURES as u16 {
            throttle.lock().record_failure(&ThrottleKey::of_login("admin", address(n)));
        }
        assert!(throttle.check(&ThrottleKey::of_login("admin", address(999))).is_err(), "another address of the /64");
        let elsewhere = Some(IpAddr::from([0x2001, 0xdb8, 0, 2, 0, 0, 0, 1]));
        assert!(throttle.check(&ThrottleKey::of_login("admin", elsewhere)).is_ok());
        let mapped = Some(IpAddr::V6(std::net::Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped()));
        assert_eq!(ThrottleKey::of_login("a", mapped), ThrottleKey::of_login("a", ip(1)), "IPv4-mapped is IPv4");
    }

    #[test]
    fn guessing_across_names_locks_the_address() {
        let throttle = LoginThrottle::default();
        for n in 0..=FREE_FAILURES_PER_ADDRESS {
            let keys = ThrottleKey::of_login(&format!("name{n}"), ip(66));
            assert!(throttle.check(&keys).is_ok(), "attempt {n}");
            throttle.lock().record_failure(&keys);
        }
        assert!(throttle.check(&ThrottleKey::of_login("another", ip(66))).is_err());
        assert!(throttle.check(&ThrottleKey::of_login("another", ip(1))).is_ok());
    }

    #[test]
    fn the_map_stays_bounded_and_names_are_cut() {
        let throttle = LoginThrottle::default();
        let long = "x".repeat(100_000);
        // Two keys a failure: the last ones no longer fit.
        for n in 0..MAX_KEYS / 2 + 10 {
            let client = IpAddr::from([10, 0, (n >> 8) as u8, n as u8]);
            throttle.lock().record_failure(&ThrottleKey::of_login(&format!("{n}{long}"), Some(client)));
        }
        let entries = &throttle.lock().failures;
        assert!(entries.len() <= MAX_KEYS, "{}", entries.len());
        assert!(entries.keys().all(|key| match key {
            ThrottleKey::Admin { name, .. } => name.chars().count() <= crate::auth::MAX_USERNAME_CHARS + 1,
            ThrottleKey::Address(_) => true,
        }));
    }
}
