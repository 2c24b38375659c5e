//! Persistence: the one endpoint, its history, admins and sessions.
//!
//! [`Store`] is the boundary a PostgreSQL store (several replicas) would implement next to [`SqliteStore`]. It
//! knows rows, not rules: validation, encryption and the re-entry rule happen before anything reaches it, and it
//! only ever sees the password as ciphertext. Every change is one transaction.

mod migrations;
mod sqlite;

pub use sqlite::SqliteStore;

/// How long a store call waits for another program's lock on the database before it is `StoreError::Busy`.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The endpoint row as stored. It always exists; `configured` is false until the first successful save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRecord {
    pub uri: String,
    pub username: Option<String>,
    /// The password, encrypted with the master key ([`crate::crypto`]); `None` when no password is stored.
    pub password_ciphertext: Option<Vec<u8>>,
    pub default_from_address: String,
    pub custom_ca_pem: Option<String>,
    pub configured: bool,
    /// Starts at 1 and grows by one with every saved change; the ETag.
    pub version: i64,
    /// RFC 3339, UTC.
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

/// One saved change: the new values, who made it, and what changed.
#[derive(Debug, Clone)]
pub struct EndpointUpdate {
    pub uri: String,
    pub username: Option<String>,
    pub password_ciphertext: Option<Vec<u8>>,
    pub default_from_address: String,
    pub custom_ca_pem: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
    pub changes: Vec<FieldChange>,
}

/// How one field changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// It was empty before.
    Set,
    Changed,
    /// It is empty now.
    Removed,
}

/// One field of one change. `old`/`new` are absent for the password: history only says that it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub change: ChangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// Who changed what and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    /// The version this change created.
    pub version: i64,
    pub changed_at: String,
    pub changed_by: String,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone)]
pub struct AdminRecord {
    pub username: String,
    /// An argon2id PHC string.
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub username: String,
    /// Unix seconds.
    pub expires_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The endpoint's version is not the expected one: someone else saved first.
    #[error("the endpoint was changed concurrently")]
    VersionConflict,
    #[error("an admin named {0:?} already exists: to give them a new password, use admin reset-password")]
    AdminExists(String),
    #[error("no admin named {0:?}: check the name (and --data-dir), or add them with admin create")]
    NoSuchAdmin(String),
    /// Another connection (another program on the database file) held the lock for all of [`BUSY_TIMEOUT`];
    /// SQLite's words.
    #[error("the database is busy: another program holds its lock ({0})")]
    Busy(String),
    /// The disk holding the database is full.
    #[error("the disk holding the database is full")]
    Full,
    /// The database file was deleted or replaced while the server ran: nothing more is saved into the old one.
    /// With where the server still holds the old file (Linux), which is its only copy if it was deleted.
    #[error(
        "the database file {} was deleted or replaced while the server ran, so nothing was saved{}; then restart \
         the server (it reads the file that is there now, or starts afresh)",
        .0.display(),
        .1.as_ref().map(|held| format!(
            ". This server still holds the old file: if it was not meant to go, copy it before the restart \
             (sqlite3 {} \".backup rescued.sqlite3\")",
            held.display()
        )).unwrap_or_default()
    )]
    Gone(std::path::PathBuf, Option<std::path::PathBuf>),
    /// SQLite found the file damaged, or not a database at all.
    #[error(
        "the file is damaged ({0}): restore it from a backup (a running server's is made with sqlite3's .backup), or \
         move it away to start afresh (a new first admin, no endpoint)"
    )]
    Corrupt(String),
    #[error("the data store failed: {0}")]
    Backend(String),
}

/// The persistence boundary. Methods are async so that a networked database fits; the SQLite store runs its
/// blocking calls off the async threads.
#[async_trait::async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// The current endpoint (cheap: the SQLite store keeps it in memory, as it is the only writer).
    async fn endpoint(&self) -> Result<std::sync::Arc<EndpointRecord>, StoreError>;
    /// Saves a change if the stored version is still `expected_version`, and records it in the history, in one
    /// transaction. Returns the new record.
    async fn update_endpoint(
        &self,
        expected_version: i64,
        update: EndpointUpdate,
    ) -> Result<EndpointRecord, StoreError>;
    /// The newest `limit` changes that made a version below `before` (all, without it), newest first.
    async fn history(&self, before: Option<i64>, limit: u32) -> Result<Vec<HistoryEntry>, StoreError>;

    async fn admin_count(&self) -> Result<u64, StoreError>;
    async fn admin(&self, username: &str) -> Result<Option<AdminRecord>, StoreError>;
    async fn create_admin(&self, admin: AdminRecord) -> Result<(), StoreError>;
    /// Replaces an admin's password hash and ends all their sessions, in one transaction.
    async fn reset_admin_password(&self, admin: AdminRecord) -> Result<(), StoreError>;

    /// Stores a session under the SHA-256 of its token (the token itself is never stored).
    async fn create_session(&self, token_hash: [u8; 32], session: SessionRecord) -> Result<(), StoreError>;
    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<SessionRecord>, StoreError>;
    async fn delete_session(&self, token_hash: [u8; 32]) -> Result<(), StoreError>;
    /// Removes sessions that expired before `now` (unix seconds).
    async fn delete_expired_sessions(&self, now: i64) -> Result<u64, StoreError>;

    /// A small value the server keeps for itself, e.g. the master-key check.
    async fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    async fn set_meta(&self, key: &str, value: Vec<u8>) -> Result<(), StoreError>;
}
