//! The real binary: first start, restart, start-up errors.

use crate::helpers::{ServerProcess, binary, endpoint_body, login_process};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

const KEY_A: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const KEY_B: &str = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";

/// A first start (with `env`) that saves `uri` with the login `user` / `smtp_password`: the server, the first
/// admin's password and the saved endpoint (version 2).
async fn first_start_saving(
    data_dir: &Path,
    env: &[(&str, &str)],
    uri: &str,
    smtp_password: &str,
) -> (ServerProcess, String, Value) {
    let server = ServerProcess::start(data_dir, env).expect("server");
    let password = server.first_admin_password.clone().expect("first admin password");
    let client = login_process(&server, "admin", &password).await;
    let body = endpoint_body(uri, Some("user"), Some(smtp_password));
    let saved = client.put(server.url("/api/endpoints/smtp")).header("if-match", "\"1\"").json(&body).send().await;
    let saved: Value = saved.expect("put").json().await.expect("json");
    assert_eq!(saved["version"], 2, "{saved}");
    (server, password, saved)
}

#[tokio::test]
async fn restart_reads_the_same_endpoint_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    // A real SMTP server on this machine that takes only this password: after the restart, the stored password
    // still decrypts to it.
    let smtp_password = "kept across restarts";
    let peer = crate::smtp_peers::Peer::start(
        "plain",
        None,
        &["--auth-plaintext", "--user", "user", "--password", smtp_password],
    );
    let uri = format!("smtp://127.0.0.1:{}", peer.port);
    let (mut server, password, saved) = first_start_saving(&data_dir, &[], &uri, smtp_password).await;
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
    let probe = client.post(server.url("/api/endpoints/smtp/probe")).json(&serde_json::json!({})).send().await;
    let probe: Value = probe.expect("probe").json().await.expect("json");
    assert_eq!(probe["ok"], true, "{probe}");
    assert_eq!(peer.events().matches("AUTH-RESULT ok").count(), 1, "{}", peer.events());
}

/// The database holds the admins' password hashes and the SMTP password's ciphertext: its owner's alone, also
/// in a data directory that was made beforehand with wider rights (which no longer lets others write), and its
/// journal files too.
#[cfg(unix)]
#[tokio::test]
async fn the_database_is_private_in_a_data_dir_made_beforehand() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    std::fs::create_dir(&data_dir).expect("data dir");
    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    // A database file left with wider rights (here empty: SQLite starts it) is narrowed too.
    let database = data_dir.join("smtp-endpoint.sqlite3");
    std::fs::write(&database, b"").expect("database file");
    std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let mut server = ServerProcess::start(&data_dir, &[]).expect("server");
    let password = server.first_admin_password.clone().expect("first admin password");
    login_process(&server, "admin", &password).await;
    let mode = std::fs::metadata(&data_dir).expect("data dir").permissions().mode();
    assert_eq!(mode & 0o777, 0o755, "others may no longer write to the data dir, and keep what else they had");
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
    let env = [("SMTP_ENDPOINT_MASTER_KEY", KEY_A)];
    let (mut server, ..) = first_start_saving(&data_dir, &env, "smtps://mail.example.com", "secret").await;
    assert!(!data_dir.join("master.key").exists(), "a key from the environment is not written to disk");
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

/// A database whose key check was lost (a partial restore, a damaged file) still holds the encrypted password:
/// without its key the server does not start with a new one, and with another key neither.
#[tokio::test]
async fn a_stored_password_needs_its_key_even_without_the_key_check() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let (mut server, ..) = first_start_saving(&data_dir, &[], "smtps://mail.example.com", "secret").await;
    server.stop();
    let database = rusqlite::Connection::open(data_dir.join("smtp-endpoint.sqlite3")).expect("open");
    assert_eq!(database.execute("DELETE FROM meta WHERE key = 'master_key_check'", []).expect("delete"), 1);
    drop(database);
    let key = std::fs::read_to_string(data_dir.join("master.key")).expect("key");

    std::fs::remove_file(data_dir.join("master.key")).expect("remove the key");
    let error = ServerProcess::start(&data_dir, &[]).err().expect("must not start");
    assert!(error.contains("is encrypted, but neither SMTP_ENDPOINT_MASTER_KEY is set"), "{error}");
    assert!(!data_dir.join("master.key").exists(), "no new key was made");
    let error = ServerProcess::start(&data_dir, &[("SMTP_ENDPOINT_MASTER_KEY", KEY_B)]).err().expect("no start");
    assert!(error.contains("master key does not match"), "{error}");

    std::fs::write(data_dir.join("master.key"), key).expect("restore the key");
    let server = ServerProcess::start(&data_dir, &[]).expect("its own key opens it");
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

/// A second server on the same data dir would serve its own cached endpoint and never save again: it does not
/// start, and says which process holds the directory.
#[tokio::test]
async fn one_server_per_data_dir() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let first = ServerProcess::start(&data_dir, &[]).expect("server");
    let error = ServerProcess::start(&data_dir, &[]).err().expect("a second server must not start");
    assert!(error.contains("another server is using the data directory"), "{error}");
    assert!(error.contains(&format!("(pid {})", first.child.id())), "{error}");
    let health = reqwest::get(first.url("/healthz")).await.expect("healthz");
    assert_eq!(health.status(), 200, "the first one serves on");
    drop(first);
    let again = ServerProcess::start(&data_dir, &[]).expect("the directory is free once the first server is gone");
    drop(again);
}

/// A port in use stops the start before anything is made: no admin whose password nobody would see.
#[tokio::test]
async fn a_port_in_use_stops_the_start_before_anything_is_made() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = taken.local_addr().expect("address").to_string();
    let error = ServerProcess::start_bound(&data_dir, &address, &[]).err().expect("must not start");
    assert!(error.contains(&format!("cannot listen on {address}")), "{error}");
    assert!(!data_dir.join("smtp-endpoint.sqlite3").exists(), "no database, so no admin was made");
    assert!(!data_dir.join("master.key").exists(), "no key was made");
}

/// A damaged database is said at start, with its path and what to do, before anything reads or writes it; so is
/// a file that is no database at all.
#[tokio::test]
async fn a_damaged_database_is_said_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let server = ServerProcess::start(&data_dir, &[]).expect("server");
    drop(server);
    let database = data_dir.join("smtp-endpoint.sqlite3");
    {
        // Everything in the main file, so that damaging it is damaging the data.
        let conn = rusqlite::Connection::open(&database).expect("open");
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").expect("checkpoint");
    }
    let mut bytes = std::fs::read(&database).expect("read");
    let page_size = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    assert!(bytes.len() > page_size, "more than the first page");
    bytes[page_size..].fill(0xff);
    std::fs::write(&database, &bytes).expect("damage the tables");
    let error = ServerProcess::start(&data_dir, &[]).err().expect("must not start");
    let path = std::path::absolute(&database).expect("absolute");
    assert!(error.contains(&format!("cannot use the database {}: the file is damaged (", path.display())), "{error}");
    assert!(error.contains("restore it from a backup"), "{error}");

    std::fs::write(&database, "not a database, but long enough to have a header: ".repeat(10)).expect("write");
    let error = ServerProcess::start(&data_dir, &[]).err().expect("must not start");
    assert!(error.contains("the file is damaged (file is not a database)"), "{error}");
}

/// A key file beside a database without data (a backup of the file alone, or a lost database) is said, not
/// taken for a new installation with a new admin.
#[tokio::test]
async fn a_key_file_without_its_data_is_said() {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = dir.path().join("running");
    let server = ServerProcess::start(&running, &[]).expect("server");
    // A careless backup of a running server: the database file alone (its data still in the -wal file).
    let data_dir = dir.path().join("restored");
    std::fs::create_dir(&data_dir).expect("restored dir");
    for file in ["smtp-endpoint.sqlite3", "master.key"] {
        std::fs::copy(running.join(file), data_dir.join(file)).expect("copy");
    }
    drop(server);
    // The database's files (its -wal and -shm too), as they are.
    let files = |data_dir: &Path| {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(data_dir)
            .expect("data dir")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("smtp-endpoint.sqlite3")))
            .map(|path| (path.display().to_string(), std::fs::read(&path).expect("read")))
            .collect();
        files.sort();
        files
    };
    let refused = |data_dir: &Path| {
        let before = files(data_dir);
        let error = ServerProcess::start(data_dir, &[]).err().expect("must not start");
        assert!(error.contains("holds no data, though master.key beside it does"), "{error}");
        assert!(files(data_dir) == before, "a refused start left the database's files as it found them");
    };
    refused(&data_dir);
    refused(&data_dir);
    // Nor does an admin command take it for a new installation.
    let mut create = std::process::Command::new(binary())
        .args(["admin", "create", "--username", "bob", "--password-stdin", "--data-dir"])
        .arg(&data_dir)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("admin create");
    std::io::Write::write_all(&mut create.stdin.take().expect("stdin"), b"a long enough password\n").expect("write");
    let output = create.wait_with_output().expect("admin create ends");
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    refused(&data_dir);
    // An emptied database file is said the same way.
    std::fs::write(data_dir.join("smtp-endpoint.sqlite3"), b"").expect("empty the database");
    refused(&data_dir);
    std::fs::remove_file(data_dir.join("master.key")).expect("remove the key");
    let server = ServerProcess::start(&data_dir, &[]).expect("a fresh start once the key is gone too");
    assert!(server.first_admin_password.is_some(), "a new first admin");

    // A key file put there before the very first start (a deployment's secret) is taken, not refused.
    let data_dir = dir.path().join("provisioned");
    std::fs::create_dir(&data_dir).expect("data dir");
    std::fs::write(data_dir.join("master.key"), format!("{KEY_B}\n")).expect("key file");
    let server = ServerProcess::start(&data_dir, &[]).expect("a first start with a key given");
    assert!(server.first_admin_password.is_some());
    assert_eq!(std::fs::read_to_string(data_dir.join("master.key")).expect("key"), format!("{KEY_B}\n"));
}

/// A saved endpoint is in the database file itself, not only in SQLite's write-ahead log: a copy of the file
/// taken while the server runs holds it.
#[tokio::test]
async fn a_save_reaches_the_database_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let server = ServerProcess::start(&data_dir, &[]).expect("server");
    let password = server.first_admin_password.clone().expect("first admin password");
    let client = login_process(&server, "admin", &password).await;
    let body = endpoint_body("smtps://copied.example.com", Some("user"), Some("secret"));
    let response = client.put(server.url("/api/endpoints/smtp")).header("if-match", "\"1\"").json(&body).send().await;
    assert_eq!(response.expect("put").status(), 200);
    let copy = dir.path().join("copy.sqlite3");
    std::fs::copy(data_dir.join("smtp-endpoint.sqlite3"), &copy).expect("copy the file alone");
    let bytes = std::fs::read(&copy).expect("read");
    let needle = b"copied.example.com";
    assert!(bytes.windows(needle.len()).any(|w| w == needle), "the copy holds the saved endpoint");
}

#[cfg(unix)]
#[tokio::test]
async fn a_key_file_readable_by_others_is_narrowed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    drop(ServerProcess::start(&data_dir, &[]).expect("server"));
    let key = data_dir.join("master.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    drop(ServerProcess::start(&data_dir, &[]).expect("restart"));
    assert_eq!(std::fs::metadata(&key).expect("key").permissions().mode() & 0o777, 0o600);
}

/// A stop waits for running requests, but a second signal ends them at once — here a check stuck on a server
/// that never answers EHLO (its own limit is longer than the test waits).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_stops_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let mut server = ServerProcess::start(&data_dir, &[]).expect("server");
    let password = server.first_admin_password.clone().expect("first admin password");
    let client = login_process(&server, "admin", &password).await;
    let peer = crate::smtp_peers::Peer::start("plain", None, &["--stall-at", "ehlo"]);
    let draft = endpoint_body(&format!("smtp://127.0.0.1:{}", peer.port), None, None);
    let probe = client.post(server.url("/api/endpoints/smtp/probe")).json(&serde_json::json!({ "draft": draft }));
    let running = tokio::spawn(probe.send());
    assert!(server.wait_for_log("smtp probe requested", Duration::from_secs(10)), "{}", server.log());
    server.signal("TERM");
    assert!(server.wait_for_log("stopping: finishing running requests", Duration::from_secs(5)), "{}", server.log());
    assert_eq!(server.wait_for_exit(Duration::from_millis(500)), None, "the check is still running");
    server.signal("TERM");
    let status = server.wait_for_exit(Duration::from_secs(5)).expect("stopped by the second signal");
    assert!(status.success(), "{status}");
    assert!(server.log().contains("stopped with requests still running"), "{}", server.log());
    assert!(running.await.expect("task").is_err(), "the check's connection ended with the server");
}

/// A trusted proxy that sends no `X-Forwarded-For` makes all its clients one for the login throttle: said once in
/// the log, with the line that mends it.
#[tokio::test]
async fn a_trusted_proxy_without_forwarded_for_is_said_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(&dir.path().join("data"), &[("SMTP_ENDPOINT_TRUSTED_PROXIES", "127.0.0.1")])
        .expect("server");
    let password = server.first_admin_password.clone().expect("first admin password");
    login_process(&server, "admin", &password).await;
    login_process(&server, "admin", &password).await;
    let log = server.log();
    assert_eq!(log.matches("came without X-Forwarded-For").count(), 1, "{log}");
    assert!(log.contains("proxy_set_header X-Forwarded-For"), "{log}");
}

/// A client that goes away while a check runs (a closed tab, Cancel, a proxy that stopped waiting) ends it, and
/// the log says so: it used to end at "requested", as if the check were still running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_whose_client_went_away_is_logged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(&dir.path().join("data"), &[]).expect("server");
    let password = server.first_admin_password.clone().expect("first admin password");
    let client = login_process(&server, "admin", &password).await;
    let peer = crate::smtp_peers::Peer::start("plain", None, &["--stall-at", "ehlo"]);
    let draft = endpoint_body(&format!("smtp://127.0.0.1:{}", peer.port), None, None);
    let probe = client.post(server.url("/api/endpoints/smtp/probe")).json(&serde_json::json!({ "draft": draft }));
    assert!(probe.timeout(Duration::from_secs(2)).send().await.is_err(), "the peer never answers EHLO");
    assert!(server.wait_for_log("the client went away", Duration::from_secs(10)), "{}", server.log());
    assert!(server.log().contains("what=\"smtp probe\""), "{}", server.log());
    assert!(!server.log().contains("smtp probe host="), "no result was logged: {}", server.log());

    // A test email's acceptance is logged when the server says so, before QUIT: a client that goes away after it
    // leaves a message on its way, and the log says that too.
    let peer = crate::smtp_peers::Peer::start("plain", None, &[]);
    let draft = endpoint_body(&format!("smtp://127.0.0.1:{}", peer.port), None, None);
    let sent = client
        .post(server.url("/api/endpoints/smtp/test-email"))
        .json(&serde_json::json!({ "draft": draft, "to": "ops@example.com" }))
        .send()
        .await
        .expect("test email");
    assert_eq!(sent.status(), 200);
    let message_id = sent.json::<Value>().await.expect("json")["message_id"].as_str().expect("id").to_owned();
    assert!(server.wait_for_log("smtp test email accepted by the server", Duration::from_secs(10)), "{}", server.log());
    assert!(server.log().contains(&message_id), "{}", server.log());
}

/// A client that sends half a request and then nothing holds no connection for ever: the server closes it once
/// the headers are late (`listen::HEADER_READ_TIMEOUT`, 10 s) or the body is (`listen::BODY_READ_TIMEOUT`, 10 s:
/// a JSON body gets 408 `request.timeout` first), and a full request on another connection is served meanwhile.
#[tokio::test]
async fn a_half_sent_request_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(&dir.path().join("data"), &[]).expect("server");
    let address = server.address.trim_start_matches("http://").to_owned();
    let half_body = "Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"username\": ";
    let halves = [
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n".to_owned(),
        format!("POST /api/session HTTP/1.1\r\n{half_body}"),
        format!("GET /healthz HTTP/1.1\r\n{half_body}"),
    ];
    let mut slow = Vec::new();
    for half in &halves {
        let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
        stream.write_all(half.as_bytes()).await.expect("half a request");
        slow.push(stream);
    }
    let started = std::time::Instant::now();
    let health = reqwest::get(server.url("/healthz")).await.expect("healthz");
    assert_eq!(health.status(), 200, "other clients are served meanwhile");
    let mut answers = Vec::new();
    for (mut stream, half) in slow.into_iter().zip(&halves) {
        let mut answer = Vec::new();
        let closed = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
        assert!(closed.is_ok(), "the connection is still open after 30 s: {half:?}");
        answers.push(String::from_utf8_lossy(&answer).into_owned());
    }
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(9), "closed before the request was late: {waited:?}");
    assert!(answers[1].starts_with("HTTP/1.1 408") && answers[1].contains("request.timeout"), "{}", answers[1]);
}
