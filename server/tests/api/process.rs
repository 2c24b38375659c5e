//! The real binary: first start, restart, start-up errors.

use crate::helpers::{ServerProcess, endpoint_body, login_process};
use serde_json::Value;

const KEY_A: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const KEY_B: &str = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";

#[tokio::test]
async fn restart_reads_the_same_endpoint_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let mut server = ServerProcess::start(&data_dir, &[]).expect("server");
    let password = server.first_admin_password.clone().expect("first admin password");
    let client = login_process(&server, "admin", &password).await;
    let body = endpoint_body("smtps://mail.example.com", Some("user"), Some("kept across restarts"));
    let saved = client.put(server.url("/api/endpoints/smtp")).header("if-match", "\"1\"").json(&body).send().await;
    let saved: Value = saved.expect("put").json().await.expect("json");
    assert_eq!(saved["version"], 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data_dir.join("master.key")).expect("key file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is private");
    }
    server.stop();

    let server = ServerProcess::start(&data_dir, &[]).expect("restarted server");
    assert_eq!(server.first_admin_password, None, "the admin password is printed only on the very first start");
    let client = login_process(&server, "admin", &password).await;
    let read: Value =
        client.get(server.url("/api/endpoints/smtp")).send().await.expect("get").json().await.expect("json");
    assert_eq!(read, saved);
}

/// The database holds the admins' password hashes and the SMTP password's ciphertext: its owner's alone, also
/// in a data directory that was made beforehand with wider rights, and its journal files too.
#[cfg(unix)]
#[tokio::test]
async fn the_database_is_private_in_a_data_dir_made_beforehand() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    std::fs::create_dir(&data_dir).expect("data dir");
    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // A database file left with wider rights (here empty: SQLite starts it) is narrowed too.
    let database = data_dir.join("smtp-endpoint.sqlite3");
    std::fs::write(&database, b"").expect("database file");
    std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let mut server = ServerProcess::start(&data_dir, &[]).expect("server");
    let password = server.first_admin_password.clone().expect("first admin password");
    login_process(&server, "admin", &password).await;
    let files: Vec<_> = std::fs::read_dir(&data_dir).expect("read dir").map(|e| e.expect("entry").path()).collect();
    let database: Vec<_> = files.iter().filter(|p| p.to_string_lossy().contains("sqlite3")).collect();
    assert!(!database.is_empty(), "{files:?}");
    for path in database {
        let mode = std::fs::metadata(path).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{} is private", path.display());
    }
    server.stop();
}

#[tokio::test]
async fn a_wrong_master_key_is_a_clear_start_up_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let mut server = ServerProcess::start(&data_dir, &[("SMTP_ENDPOINT_MASTER_KEY", KEY_A)]).expect("server");
    assert!(!data_dir.join("master.key").exists(), "a key from the environment is not written to disk");
    let password = server.first_admin_password.clone().expect("first admin password");
    let client = login_process(&server, "admin", &password).await;
    let body = endpoint_body("smtps://mail.example.com", Some("user"), Some("secret"));
    let response = client.put(server.url("/api/endpoints/smtp")).header("if-match", "\"1\"").json(&body).send().await;
    assert_eq!(response.expect("put").status(), 200);
    server.stop();

    let error = ServerProcess::start(&data_dir, &[("SMTP_ENDPOINT_MASTER_KEY", KEY_B)]).err().expect("must not start");
    assert!(error.contains("master key does not match"), "{error}");

    let error = ServerProcess::start(&data_dir, &[("SMTP_ENDPOINT_MASTER_KEY", "too short")]).err().expect("no start");
    assert!(error.contains("not a 32-byte key"), "{error}");

    // Without the variable there is no key at all: the server says so instead of making a new one.
    let error = ServerProcess::start(&data_dir, &[]).err().expect("must not start");
    assert!(error.contains("neither SMTP_ENDPOINT_MASTER_KEY is set"), "{error}");
    assert!(!data_dir.join("master.key").exists());

    // The right key still works.
    let server = ServerProcess::start(&data_dir, &[("SMTP_ENDPOINT_MASTER_KEY", KEY_A)]).expect("server");
    drop(server);
}

#[tokio::test]
async fn a_replaced_key_file_is_detected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let server = ServerProcess::start(&data_dir, &[]).expect("server");
    drop(server);
    std::fs::write(data_dir.join("master.key"), format!("{KEY_B}\n")).expect("overwrite key");
    let error = ServerProcess::start(&data_dir, &[]).err().expect("must not start");
    assert!(error.contains("master key does not match"), "{error}");
}
