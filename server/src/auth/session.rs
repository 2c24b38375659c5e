//! Server-side sessions. The cookie holds a random 256-bit token; the store keeps only its SHA-256, with the
//! admin's name and an expiry. Lookups for reading are cached in memory for a few seconds, so an authenticated
//! read costs no query, while a session ended elsewhere (e.g. by `admin reset-password`) can read for those
//! seconds at most — and no request that changes something and starts after it ended gets through: such a
//! request is always checked against the store.

use super::AdminSession;
use crate::store::{SessionRecord, Store, StoreError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a cached lookup is trusted before the store is asked again.
const REVALIDATE_AFTER: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Sessions {
    ttl: Duration,
    cache: Mutex<HashMap<[u8; 32], Cached>>,
}

#[derive(Debug, Clone)]
struct Cached {
    username: Arc<str>,
    expires_at: i64,
    checked_at: Instant,
}

/// A new session's cookie value and expiry (unix seconds).
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub expires_at: i64,
}

pub(crate) fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Sessions {
    pub fn new(ttl: Duration) -> Sessions {
        Sessions { ttl, cache: Mutex::new(HashMap::new()) }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub async fn create(&self, store: &dyn Store, username: &str) -> Result<NewSession, StoreError> {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let expires_at = now_unix() + i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2);
        store.create_session(token_hash(&token), SessionRecord { username: username.to_owned(), expires_at }).await?;
        // Expired sessions are swept whenever someone logs in; a sweep that fails (a held lock, a full disk) is
        // tried again at the next login, and does not undo this one.
        if let Err(error) = store.delete_expired_sessions(now_unix()).await {
            tracing::warn!(%error, "could not sweep expired sessions");
        }
        Ok(NewSession { token, expires_at })
    }

    /// The live session for a cookie token, if any. `fresh`: asked of the store whatever the cache says — for a
    /// request that changes something, so that a session ended elsewhere cannot change anything more.
    pub async fn lookup(
        &self,
        store: &dyn Store,
        token: &str,
        fresh: bool,
    ) -> Result<Option<AdminSession>, StoreError> {
        let hash = token_hash(token);
        let now = now_unix();
        let cached = self.lock().get(&hash).cloned();
        if let Some(cached) = cached.filter(|c| !fresh && c.checked_at.elapsed() < REVALIDATE_AFTER) {
            let live = cached.expires_at > now;
            return Ok(live.then_some(AdminSession {
                username: cached.username,
                token_hash: hash,
                expires_at: cached.expires_at,
            }));
        }
        let record = store.session(hash).await?.filter(|record| record.expires_at > now);
        let mut cache = self.lock();
        match record {
            Some(record) => {
                let username: Arc<str> = Arc::from(record.username);
                if cache.len() > 10_000 {
                    cache.retain(|_, c| c.expires_at > now);
                }
                cache.insert(
                    hash,
                    Cached {
                        username: Arc::clone(&username),
                        expires_at: record.expires_at,
                        checked_at: Instant::now(),
                    },
                );
                Ok(Some(AdminSession { username, token_hash: hash, expires_at: record.expires_at }))
            }
            None => {
                cache.remove(&hash);
                Ok(None)
            }
        }
    }

    pub async fn revoke(&self, store: &dyn Store, session: &AdminSession) -> Result<(), StoreError> {
        self.lock().remove(&session.token_hash);
        store.delete_session(session.token_hash).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Cached>> {
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
