//! The state every handler shares: configuration, the store, the master key, sessions and limiters.

use crate::auth::{LoginThrottle, Sessions};
use crate::config::Config;
use crate::crypto::{KeyError, MasterKey};
use crate::store::{SqliteStore, Store, StoreError};
use std::path::PathBuf;
use std::sync::Arc;

/// The SQLite file's name in the data directory.
pub const DATABASE_FILE: &str = "smtp-endpoint.sqlite3";
/// Held by the running server (`lock_data_dir`); it holds that server's process id.
pub const LOCK_FILE: &str = "server.lock";
const KEY_CHECK: &str = "master_key_check";

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    config: Config,
    store: Arc<dyn Store>,
    key: MasterKey,
    sessions: Sessions,
    login_throttle: LoginThrottle,
    /// Bounds concurrent argon2 computations (each takes ~19 MiB and tens of ms of a core).
    hashing: Arc<tokio::sync::Semaphore>,
}

/// Why the server (or a CLI command) cannot start. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create or open the data directory {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("cannot create or open {path}: {source}{hint}")]
    DataFile { path: PathBuf, source: std::io::Error, hint: String },
    #[error("cannot use the database {path}: {source}")]
    Store { path: PathBuf, source: StoreError },
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(
        "another server is using the data directory {path}{}: stop it first, or give this one another --data-dir",
        pid.as_deref().map(|pid| format!(" (pid {pid})")).unwrap_or_default()
    )]
    InUse { path: PathBuf, pid: Option<String> },
    /// A key file beside a database that holds nothing: a backup without its data, or a lost database.
    #[error(
        "{database} holds no data, though master.key beside it does: if it was restored from a copy, the copy is \
         incomplete (copy a running server's database with sqlite3's .backup); to start afresh, remove master.key too"
    )]
    KeyWithoutData { database: PathBuf },
}

/// A file the server could not create or open, with who owns it when that is not the server's user (a server
/// started as another user than the one whose command made the file).
fn data_file(path: &std::path::Path, source: std::io::Error) -> StartupError {
    let mut hint = String::new();
    #[cfg(target_os = "linux")]
    if source.kind() == std::io::ErrorKind::PermissionDenied {
        use std::os::unix::fs::MetadataExt;
        let owner = std::fs::metadata(path).map(|m| m.uid()).ok();
        let me = std::fs::read_to_string("/proc/self/status").ok().and_then(|status| effective_uid(&status));
        if let (Some(owner), Some(me)) = (owner, me) {
            hint = owner_words(owner, me);
        }
    }
    StartupError::DataFile { path: absolute(path), source, hint }
}

/// The hint for a file owned by `owner` that a server running as `me` may not open; none for its own file.
fn owner_words(owner: u32, me: u32) -> String {
    if owner == me {
        return String::new();
    }
    format!(
        " (it belongs to uid {owner}, this server runs as uid {me}: run the server as the user that owns the data directory's files)"
    )
}

/// The effective user id in the text of `/proc/self/status` (its `Uid:` line: real, effective, saved, file system).
fn effective_uid(status: &str) -> Option<u32> {
    let line = status.lines().find_map(|line| line.strip_prefix("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `path` made absolute for a message or a log line (as given when the working directory cannot be read).
pub(crate) fn absolute(path: &std::path::Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The lock a running server holds on its data directory, released when the process ends (however it ends).
#[derive(Debug)]
pub struct DataDirLock {
    _file: std::fs::File,
}

/// Takes the data directory for one server (creating it, mode 0700, when missing): a second server on the same
/// directory would serve its own cached copy of the endpoint and never save again. The admin and SMTP commands
/// take no lock; they work beside a running server.
pub fn lock_data_dir(data_dir: &std::path::Path) -> Result<DataDirLock, StartupError> {
    use std::io::{Read, Seek, Write};
    let path = data_dir.join(LOCK_FILE);
    let io = |source| StartupError::DataDir { path: data_dir.to_path_buf(), source };
    create_private_dir(data_dir).map_err(io)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(|source| data_file(&path, source))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let pid = Some(pid.trim().to_owned()).filter(|pid| !pid.is_empty());
            return Err(StartupError::InUse { path: absolute(data_dir), pid });
        }
        // A file system without locks (some network mounts): run unguarded rather than not at all.
        Err(std::fs::TryLockError::Error(error)) if error.kind() == std::io::ErrorKind::Unsupported => {
            tracing::warn!(%error, "cannot lock the data directory; make sure no other server uses it");
        }
        Err(std::fs::TryLockError::Error(error)) => return Err(io(error)),
    }
    file.set_len(0).and_then(|()| file.rewind()).and_then(|()| writeln!(file, "{}", std::process::id())).map_err(io)?;
    Ok(DataDirLock { _file: file })
}

impl AppState {
    /// Opens the data directory: creates it (mode 0700) when missing, migrates the database, loads the master
    /// key and proves it is the one the data was encrypted with.
    pub async fn open(config: Config) -> Result<AppState, StartupError> {
        let database = config.data_dir.join(DATABASE_FILE);
        // Whether the database file was there before anything is created: one without schema (a copy without its
        // `-wal` file, or an emptied one) beside a key is refused below; a key file placed before the very first
        // start is fine.
        let database_existed = database.is_file();
        create_private_dir(&config.data_dir)
            .map_err(|source| StartupError::DataDir { path: config.data_dir.clone(), source })?;
        keep_private(&database).map_err(|source| data_file(&database, source))?;
        let failed = |source| StartupError::Store { path: absolute(&database), source };
        // Asked before the store creates the schema, so that a refused start leaves the file as it found it (and
        // the next start is refused too).
        let key_file = config.data_dir.join(crate::crypto::KEY_FILE);
        if database_existed
            && config.master_key.is_none()
            && key_file.is_file()
            && SqliteStore::holds_no_schema(&database).map_err(failed)?
        {
            return Err(StartupError::KeyWithoutData { database: absolute(&database) });
        }
        let store = SqliteStore::open(&database).map_err(failed)?;
        let check = store.meta(KEY_CHECK).await.map_err(failed)?;
        // A stored password is encrypted data too, should the check be gone (a partial restore): no new key then.
        let secret = store.endpoint().await.map_err(failed)?.password_ciphertext.clone();
        let key = MasterKey::load_or_create(
            &config.data_dir,
            config.master_key.as_ref(),
            check.is_none() && secret.is_none(),
        )?;
        let mismatch = || KeyError::Mismatch { data_dir: config.data_dir.clone() };
        match check {
            Some(check) if key.verify_key_check(&check) => {}
            Some(_) => return Err(mismatch().into()),
            None if secret.is_some_and(|blob| key.decrypt_password(&blob).is_err()) => return Err(mismatch().into()),
            None => store.set_meta(KEY_CHECK, key.key_check()).await.map_err(failed)?,
        }
        Ok(AppState::with_parts(config, Arc::new(store), key))
    }

    /// Assembles a state from parts that are already open (e.g. another [`Store`]).
    pub fn with_parts(config: Config, store: Arc<dyn Store>, key: MasterKey) -> AppState {
        let sessions = Sessions::new(config.session_ttl);
        AppState(Arc::new(Inner {
            config,
            store,
            key,
            sessions,
            login_throttle: LoginThrottle::default(),
            hashing: Arc::new(tokio::sync::Semaphore::new(2)),
        }))
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn store(&self) -> &dyn Store {
        self.0.store.as_ref()
    }

    pub fn master_key(&self) -> &MasterKey {
        &self.0.key
    }

    pub fn sessions(&self) -> &Sessions {
        &self.0.sessions
    }

    pub fn login_throttle(&self) -> &LoginThrottle {
        &self.0.login_throttle
    }

    /// A permit to run one argon2 computation; hold it until the hash is done.
    pub async fn hashing_permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        Arc::clone(&self.0.hashing).acquire_owned().await.ok()
    }
}

/// The database (admins' password hashes, the SMTP password's ciphertext) readable by its owner only, also in a
/// data directory that existed before with wider rights: created 0600 when missing (SQLite gives its `-wal` and
/// `-shm` files the database's mode), and an existing database and journal narrowed to 0600. A file this user
/// cannot change (another owner's) is left as it is, with a warning: it started that way before.
fn keep_private(database: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(database)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut path = database.as_os_str().to_owned();
            path.push(suffix);
            let path = PathBuf::from(path);
            let Ok(metadata) = std::fs::metadata(&path) else { continue };
            if metadata.permissions().mode() & 0o077 != 0
                && let Err(error) = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            {
                tracing::warn!(path = %path.display(), %error, "could not make the database file private (0600)");
            }
        }
    }
    #[cfg(not(unix))]
    let _ = database;
    Ok(())
}

/// Creates the data dir (mode 0700) when missing. One made beforehand that others may write to loses that right:
/// they could replace the database or the key file (its files are private, not the names in it).
fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(path)?;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o022 != 0 {
            // A directory this user does not own (a shared volume, a group's mount) is not changed: said, and used.
            match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o7755)) {
                Ok(()) => {
                    tracing::warn!(path = %path.display(), "the data directory was writable by others; now only by its owner")
                }
                Err(error) => tracing::warn!(
                    path = %path.display(),
                    %error,
                    "the data directory is writable by others, who could replace the database or the key file"
                ),
            }
        }
        Ok(())
    }
    #[cfg(not(unix))]
    builder.create(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file the server may not open is said with its owner and the server's own uid, when they differ.
    #[test]
    fn a_refused_file_names_its_owner_when_it_is_another_user() {
        let status = "Name:\tsmtp-endpoint-se\nUmask:\t0022\nUid:\t1000\t998\t998\t998\nGid:\t1000\t1000\t1000\t1000\n";
        assert_eq!(effective_uid(status), Some(998), "the effective one, second on the line");
        assert_eq!(effective_uid("Name:\tx\n"), None);
        assert_eq!(
            owner_words(0, 998),
            " (it belongs to uid 0, this server runs as uid 998: run the server as the user that owns the data \
             directory's files)"
        );
        assert_eq!(owner_words(998, 998), "", "its own file, refused for another reason (its mode, an attribute)");

        let denied = StartupError::DataFile {
            path: PathBuf::from("/srv/data/smtp-endpoint.sqlite3"),
            source: std::io::ErrorKind::PermissionDenied.into(),
            hint: owner_words(0, 998),
        };
        assert_eq!(
            denied.to_string(),
            "cannot create or open /srv/data/smtp-endpoint.sqlite3: permission denied (it belongs to uid 0, this server \
             runs as uid 998: run the server as the user that owns the data directory's files)"
        );
        #[cfg(target_os = "linux")]
        {
            let me = std::fs::read_to_string("/proc/self/status").ok().and_then(|s| effective_uid(&s));
            assert!(me.is_some(), "this process's own status has a Uid line");
        }
    }
}
