//! The embedded SQLite store: one file in the data directory, WAL mode, one connection behind a mutex (SQLite
//! writes one at a time anyway). Blocking calls run on Tokio's blocking pool.

use super::{AdminRecord, EndpointRecord, EndpointUpdate, HistoryEntry, SessionRecord, Store, StoreError, migrations};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

/// The SQLite store. Being the only writer of the endpoint row, it keeps the current row in memory, so reading
/// the endpoint costs no query.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    current: Arc<RwLock<Arc<EndpointRecord>>>,
    file: Arc<OpenedFile>,
}

/// The database file as opened: a save first checks that its path still names that file. One deleted or
/// replaced while the server runs (a data dir removed, a backup put in place) would otherwise take the save into
/// a file nobody can read after the server stops.
#[derive(Debug)]
struct OpenedFile {
    path: std::path::PathBuf,
    /// Device and inode (unix); `None` elsewhere, where only a file gone from its path is noticed.
    id: Option<(u64, u64)>,
}

impl OpenedFile {
    fn id(metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some((metadata.dev(), metadata.ino()))
        }
        #[cfg(not(unix))]
        {
            let _ = metadata;
            None
        }
    }

    /// Whether the path still names the opened file: gone or replaced is [`StoreError::Gone`]; a path that cannot
    /// be looked at now (its directory's rights changed, a network file system's error) is said as it is.
    fn still_there(&self) -> Result<(), StoreError> {
        let gone = || StoreError::Gone(self.path.clone(), self.held_copy());
        match std::fs::metadata(&self.path) {
            Ok(now) if self.id.is_none_or(|opened| Self::id(&now) == Some(opened)) => Ok(()),
            Ok(_) => Err(gone()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(gone()),
            Err(error) => Err(StoreError::Backend(format!("cannot look at {}: {error}", self.path.display()))),
        }
    }

    /// Where this process still holds the opened file once its path names another or none (Linux: its descriptor
    /// under `/proc`, which reads as that file even when deleted): the data to copy before a restart.
    fn held_copy(&self) -> Option<std::path::PathBuf> {
        let opened = self.id?;
        let held = std::fs::read_dir("/proc/self/fd")
            .ok()?
            .flatten()
            .find(|fd| std::fs::metadata(fd.path()).is_ok_and(|m| Self::id(&m) == Some(opened)))?;
        Some(format!("/proc/{}/fd/{}", std::process::id(), held.file_name().to_string_lossy()).into())
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode;
        match error.sqlite_error_code() {
            // Not `DatabaseLocked`: with one connection, that is this process's own doing, not another's lock.
            Some(ErrorCode::DatabaseBusy) => return StoreError::Busy(error.to_string()),
            Some(ErrorCode::DiskFull) => return StoreError::Full,
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                return StoreError::Corrupt(error.to_string());
            }
            _ => {}
        }
        StoreError::Backend(error.to_string())
    }
}

impl SqliteStore {
    /// Opens (or creates) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let mut conn = Connection::open(path)?;
        let id = std::fs::metadata(path).ok().as_ref().and_then(OpenedFile::id);
        conn.busy_timeout(super::BUSY_TIMEOUT)?;
        // A damaged file is said at start (a small database: this reads it whole in milliseconds), before anything
        // writes to it, not met by the first request that reads the damaged page.
        let check: String = conn.query_row("PRAGMA quick_check(1)", [], |row| row.get(0))?;
        if check != "ok" {
            return Err(StoreError::Corrupt(check));
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        let version = usize::try_from(version).unwrap_or(usize::MAX);
        if version > migrations::latest() {
            return Err(StoreError::Backend(format!(
                "the database has schema version {version}, newer than this build knows ({}); use a newer build",
                migrations::latest()
            )));
        }
        migrations::run(&mut conn)?;
        let current = read_endpoint(&conn)?;
        let file = OpenedFile { path: crate::state::absolute(path), id };
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            current: Arc::new(RwLock::new(Arc::new(current))),
            file: Arc::new(file),
        })
    }

    /// Whether the existing database file holds no schema (an emptied file, or a copy without its `-wal` file),
    /// read without changing it: [`SqliteStore::open`] would create the schema. Without a `-wal` file the file's
    /// header says it (SQLite, even read-only, would leave `-wal` and `-shm` files beside a WAL database); a file
    /// that is no database is left for `open` to say so.
    pub fn holds_no_schema(path: &Path) -> Result<bool, StoreError> {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        if !Path::new(&wal).exists() {
            use std::io::Read;
            let mut header = Vec::with_capacity(100);
            std::fs::File::open(path)
                .and_then(|file| file.take(100).read_to_end(&mut header))
                .map_err(|error| StoreError::Backend(error.to_string()))?;
            return Ok(match header.get(60..64) {
                _ if header.is_empty() => true,
                Some(&[a, b, c, d]) if header.starts_with(b"SQLite format 3\0") => {
                    u32::from_be_bytes([a, b, c, d]) == 0
                }
                _ => false,
            });
        }
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        Ok(version == 0)
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().map_err(|_| StoreError::Backend("the connection lock is poisoned".into()))?;
            f(&mut conn)
        })
        .await
        .map_err(|error| StoreError::Backend(error.to_string()))?
    }
}

fn read_endpoint(conn: &Connection) -> Result<EndpointRecord, StoreError> {
    Ok(conn.query_row(
        "SELECT uri, username, password_ciphertext, default_from_address, custom_ca_pem, configured, version,
                updated_at, updated_by
         FROM endpoint WHERE id = 'smtp'",
        [],
        |row| {
            Ok(EndpointRecord {
                uri: row.get(0)?,
                username: row.get(1)?,
                password_ciphertext: row.get(2)?,
                default_from_address: row.get(3)?,
                custom_ca_pem: row.get(4)?,
                configured: row.get(5)?,
                version: row.get(6)?,
                updated_at: row.get(7)?,
                updated_by: row.get(8)?,
            })
        },
    )?)
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn endpoint(&self) -> Result<Arc<EndpointRecord>, StoreError> {
        let current = self.current.read().map_err(|_| StoreError::Backend("the cache lock is poisoned".into()))?;
        Ok(Arc::clone(&current))
    }

    async fn update_endpoint(
        &self,
        expected_version: i64,
        update: EndpointUpdate,
    ) -> Result<EndpointRecord, StoreError> {
        let changes = serde_json::to_string(&update.changes).map_err(|e| StoreError::Backend(e.to_string()))?;
        let current = Arc::clone(&self.current);
        let file = Arc::clone(&self.file);
        self.with_conn(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // Under the write lock, off the async threads (a stat can hang on a network file system).
            file.still_there()?;
            let updated = tx.execute(
                "UPDATE endpoint SET uri = ?1, username = ?2, password_ciphertext = ?3, default_from_address = ?4,
                        custom_ca_pem = ?5, configured = 1, version = version + 1, updated_at = ?6, updated_by = ?7
                 WHERE id = 'smtp' AND version = ?8",
                params![
                    update.uri,
                    update.username,
                    update.password_ciphertext,
                    update.default_from_address,
                    update.custom_ca_pem,
                    update.updated_at,
                    update.updated_by,
                    expected_version
                ],
            )?;
            if updated == 0 {
                return Err(StoreError::VersionConflict);
            }
            let record = read_endpoint(&tx)?;
            tx.execute(
                "INSERT INTO endpoint_history (version, changed_at, changed_by, changes) VALUES (?1, ?2, ?3, ?4)",
                params![record.version, update.updated_at, update.updated_by, changes],
            )?;
            tx.commit()?;
            // Still under the connection lock, so the cache follows the commits in order.
            let mut cached = current.write().map_err(|_| StoreError::Backend("the cache lock is poisoned".into()))?;
            *cached = Arc::new(record.clone());
            // The saved endpoint into the database file itself, not only the WAL: a copy of the file alone (a
            // careless backup) then still holds it. Best effort: a reader may hold the WAL for a moment.
            let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
            Ok(record)
        })
        .await
    }

    async fn history(&self, before: Option<i64>, limit: u32) -> Result<Vec<HistoryEntry>, StoreError> {
        self.with_conn(move |conn| {
            let mut statement = conn.prepare(
                "SELECT version, changed_at, changed_by, changes FROM endpoint_history
                 WHERE ?1 IS NULL OR version < ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = statement.query_map(params![before, limit], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })?;
            let mut entries = Vec::new();
            for row in rows {
                let (version, changed_at, changed_by, changes) = row?;
                let changes = serde_json::from_str(&changes).map_err(|e| StoreError::Backend(e.to_string()))?;
                entries.push(HistoryEntry { version, changed_at, changed_by, changes });
            }
            Ok(entries)
        })
        .await
    }

    async fn admin_count(&self) -> Result<u64, StoreError> {
        self.with_conn(|conn| {
            let count: i64 = conn.query_row("SELECT count(*) FROM admin", [], |row| row.get(0))?;
            Ok(u64::try_from(count).unwrap_or_default())
        })
        .await
    }

    async fn admin(&self, username: &str) -> Result<Option<AdminRecord>, StoreError> {
        let username = username.to_owned();
        self.with_conn(move |conn| {
            Ok(conn
                .query_row("SELECT username, password_hash FROM admin WHERE username = ?1", [username], |row| {
                    Ok(AdminRecord { username: row.get(0)?, password_hash: row.get(1)? })
                })
                .optional()?)
        })
        .await
    }

    async fn create_admin(&self, admin: AdminRecord) -> Result<(), StoreError> {
        self.with_conn(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let exists: bool =
                tx.query_row("SELECT count(*) > 0 FROM admin WHERE username = ?1", [&admin.username], |row| {
                    row.get(0)
                })?;
            if exists {
                return Err(StoreError::AdminExists(admin.username));
            }
            tx.execute(
                "INSERT INTO admin (username, password_hash) VALUES (?1, ?2)",
                params![admin.username, admin.password_hash],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn reset_admin_password(&self, admin: AdminRecord) -> Result<(), StoreError> {
        self.with_conn(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let updated = tx.execute(
                "UPDATE admin SET password_hash = ?2 WHERE username = ?1",
                params![admin.username, admin.password_hash],
            )?;
            if updated == 0 {
                return Err(StoreError::NoSuchAdmin(admin.username));
            }
            // Names match in any case, as in the `admin` table (its column is NOCASE; this one is not).
            tx.execute("DELETE FROM session WHERE username = ?1 COLLATE NOCASE", [&admin.username])?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn create_session(&self, token_hash: [u8; 32], session: SessionRecord) -> Result<(), StoreError> {
        self.with_conn(move |conn| {
            conn.execute(
                "INSERT INTO session (token_hash, username, expires_at) VALUES (?1, ?2, ?3)",
                params![token_hash.as_slice(), session.username, session.expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn session(&self, token_hash: [u8; 32]) -> Result<Option<SessionRecord>, StoreError> {
        self.with_conn(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT username, expires_at FROM session WHERE token_hash = ?1",
                    [token_hash.as_slice()],
                    |row| Ok(SessionRecord { username: row.get(0)?, expires_at: row.get(1)? }),
                )
                .optional()?)
        })
        .await
    }

    async fn delete_session(&self, token_hash: [u8; 32]) -> Result<(), StoreError> {
        self.with_conn(move |conn| {
            conn.execute("DELETE FROM session WHERE token_hash = ?1", [token_hash.as_slice()])?;
            Ok(())
        })
        .await
    }

    async fn delete_expired_sessions(&self, now: i64) -> Result<u64, StoreError> {
        self.with_conn(move |conn| Ok(conn.execute("DELETE FROM session WHERE expires_at < ?1", [now])? as u64)).await
    }

    async fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = key.to_owned();
        self.with_conn(move |conn| {
            Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0)).optional()?)
        })
        .await
    }

    async fn set_meta(&self, key: &str, value: Vec<u8>) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.with_conn(move |conn| {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn update(uri: &str, custom_ca_pem: Option<String>) -> EndpointUpdate {
        EndpointUpdate {
            uri: uri.to_owned(),
            username: None,
            password_ciphertext: None,
            default_from_address: "app@example.com".to_owned(),
            custom_ca_pem,
            updated_at: "2026-11-29T08:00:00Z".to_owned(),
            updated_by: "admin".to_owned(),
            changes: Vec::new(),
        }
    }

    /// A lock held by another program and a full disk are told apart from other failures (the API answers them
    /// 503 and 507), and neither changes what is stored.
    #[tokio::test]
    async fn a_held_lock_is_busy_and_a_full_disk_is_full() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("store.sqlite3");
        let store = SqliteStore::open(&path).expect("open");
        let version = store.endpoint().await.expect("endpoint").version;
        store.conn.lock().expect("lock").busy_timeout(Duration::from_millis(50)).expect("busy timeout");

        let other = Connection::open(&path).expect("another connection");
        other.execute_batch("BEGIN EXCLUSIVE").expect("hold the lock");
        let held = store.update_endpoint(version, update("smtp://a.example.com", None)).await;
        assert!(matches!(held, Err(StoreError::Busy(_))), "{held:?}");
        other.execute_batch("ROLLBACK").expect("release the lock");

        {
            let conn = store.conn.lock().expect("lock");
            let pages: i64 = conn.query_row("PRAGMA page_count", [], |row| row.get(0)).expect("page count");
            conn.pragma_update(None, "max_page_count", pages).expect("no room to grow");
        }
        let full = store.update_endpoint(version, update("smtp://b.example.com", Some("A".repeat(200_000)))).await;
        assert!(matches!(full, Err(StoreError::Full)), "{full:?}");

        assert_eq!(store.endpoint().await.expect("endpoint").version, version);
        drop(store);
        let reopened = SqliteStore::open(&path).expect("reopen");
        assert_eq!(reopened.endpoint().await.expect("endpoint").version, version, "nothing was stored");
        assert_eq!(reopened.history(None, 10).await.expect("history").len(), 0);
    }

    /// A database file deleted or replaced under the running store takes no more saves: they would be lost
    /// with the old file when the server stops.
    #[tokio::test]
    async fn a_file_deleted_or_replaced_meanwhile_takes_no_save() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("store.sqlite3");
        let store = SqliteStore::open(&path).expect("open");
        let saved = store.update_endpoint(1, update("smtp://a.example.com", None)).await.expect("a save");
        assert_eq!(saved.version, 2);

        std::fs::rename(&path, dir.path().join("moved.sqlite3")).expect("move away");
        let moved = store.update_endpoint(2, update("smtp://b.example.com", None)).await;
        assert!(matches!(&moved, Err(StoreError::Gone(p, _)) if p.ends_with("store.sqlite3")), "{moved:?}");
        std::fs::write(&path, b"").expect("another file in its place");
        let replaced = store.update_endpoint(2, update("smtp://b.example.com", None)).await;
        assert!(matches!(replaced, Err(StoreError::Gone(..))), "{replaced:?}");
        assert_eq!(store.endpoint().await.expect("endpoint").version, 2, "nothing was saved");

        // Deleted: the only copy is the one this process holds, and the message says where to copy it from.
        std::fs::remove_file(dir.path().join("moved.sqlite3")).expect("delete");
        let deleted = store.update_endpoint(2, update("smtp://b.example.com", None)).await.expect_err("gone");
        let StoreError::Gone(_, Some(held)) = &deleted else { panic!("{deleted:?}") };
        let header = std::fs::read(held).expect("the held copy reads");
        assert!(header.starts_with(b"SQLite format 3\0"), "the old database");
        let message = deleted.to_string();
        assert!(
            message.contains("deleted or replaced while the server ran") && message.contains("restart"),
            "{message}"
        );
        assert!(message.contains(&format!("sqlite3 {} \".backup rescued.sqlite3\"", held.display())), "{message}");
    }
}
