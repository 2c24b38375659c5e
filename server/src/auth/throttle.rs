//! Slows down password guessing: after a few failed logins for a key, each further failure locks that key for
//! twice as long as the one before (2 s, 4 s, 8 s, … up to 15 minutes).
//!
//! The keys are an admin's name *from one client address*, and the address alone (with a larger allowance, for
//! guessing across names). So someone elsewhere who types wrong passwords for `admin` locks only themselves, not
//! the admin working from another address. Without an address (the router called in-process) the name alone.
//! An IPv6 client counts by its /64: one host has that many addresses to draw from.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed for one name from one address before it locks.
const FREE_FAILURES: u32 = 5;
/// Failures allowed from one address, whatever the names, before it locks.
const FREE_FAILURES_PER_ADDRESS: u32 = 20;
const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
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
        let client = client.map(network);
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

/// The address a client is counted by: an IPv4 address (also when written IPv4-mapped), or an IPv6 /64.
fn network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        v4 => v4,
    }
}

#[derive(Debug, Default)]
pub struct LoginThrottle {
    entries: Mutex<HashMap<ThrottleKey, Entry>>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    locked_until: Option<Instant>,
    last_failure: Instant,
}

impl LoginThrottle {
    /// `Err(wait)` while any of `keys` is locked.
    pub fn check(&self, keys: &[ThrottleKey]) -> Result<(), Duration> {
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
    pub fn record_failure(&self, keys: &[ThrottleKey]) {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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
            if now.duration_since(entry.last_failure) >= FORGET_AFTER {
                entry.failures = 0;
            }
            entry.failures += 1;
            entry.last_failure = now;
            let free = key.free_failures();
            if entry.failures > free {
                let exponent = (entry.failures - free).min(20);
                entry.locked_until = Some(now + Duration::from_secs(1 << exponent).min(MAX_LOCK));
            }
        }
    }

    /// A successful login clears the name's record (not the address's).
    pub fn record_success(&self, keys: &[ThrottleKey]) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for key in keys.iter().filter(|key| matches!(key, ThrottleKey::Admin { .. })) {
            entries.remove(key);
        }
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
            throttle.record_failure(&keys);
            assert!(throttle.check(&keys).is_ok());
        }
        throttle.record_failure(&keys);
        assert!(throttle.check(&keys).is_err());
        throttle.record_success(&keys);
        assert!(throttle.check(&keys).is_ok());
    }

    #[test]
    fn wrong_passwords_from_elsewhere_do_not_lock_the_admin_out() {
        let throttle = LoginThrottle::default();
        let attacker = ThrottleKey::of_login("admin", ip(66));
        for _ in 0..=FREE_FAILURES {
            throttle.record_failure(&attacker);
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
            throttle.record_failure(&ThrottleKey::of_login("admin", address(n)));
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
            throttle.record_failure(&keys);
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
            throttle.record_failure(&ThrottleKey::of_login(&format!("{n}{long}"), Some(client)));
        }
        let entries = throttle.entries.lock().expect("lock");
        assert!(entries.len() <= MAX_KEYS, "{}", entries.len());
        assert!(entries.keys().all(|key| match key {
            ThrottleKey::Admin { name, .. } => name.chars().count() <= crate::auth::MAX_USERNAME_CHARS + 1,
            ThrottleKey::Address(_) => true,
        }));
    }
}
