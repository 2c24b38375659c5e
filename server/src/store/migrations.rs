//! Schema migrations, applied in order at start-up; `PRAGMA user_version` records how many ran. Never edit a
//! migration that has shipped: append a new one.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the endpoint (one row, unconfigured at first), its history, admins, sessions, server metadata.
    "
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    CREATE TABLE endpoint (
        id                   TEXT PRIMARY KEY CHECK (id = 'smtp'),
        uri                  TEXT NOT NULL DEFAULT '',
        username             TEXT,
        password_ciphertext  BLOB,
        default_from_address TEXT NOT NULL DEFAULT '',
        custom_ca_pem        TEXT,
        configured           INTEGER NOT NULL DEFAULT 0,
        version              INTEGER NOT NULL DEFAULT 1,
        updated_at           TEXT,
        updated_by           TEXT
    );
    INSERT INTO endpoint (id) VALUES ('smtp');
    CREATE TABLE endpoint_history (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        version    INTEGER NOT NULL,
        changed_at TEXT NOT NULL,
        changed_by TEXT NOT NULL,
        changes    TEXT NOT NULL
    );
    CREATE TABLE admin (
        username      TEXT PRIMARY KEY COLLATE NOCASE,
        password_hash TEXT NOT NULL
    );
    CREATE TABLE session (
        token_hash BLOB PRIMARY KEY,
        username   TEXT NOT NULL REFERENCES admin (username) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX session_by_user ON session (username);
    ",
];

/// Brings the schema up to date, each migration in its own transaction.
pub fn run(conn: &mut Connection) -> rusqlite::Result<()> {
    let applied: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let applied = usize::try_from(applied).unwrap_or(usize::MAX);
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i64::try_from(index + 1).unwrap_or(i64::MAX))?;
        tx.commit()?;
    }
    Ok(())
}

/// The number of migrations this build knows; a newer database is refused.
pub fn latest() -> usize {
    MIGRATIONS.len()
}
