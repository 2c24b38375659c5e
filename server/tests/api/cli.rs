//! The command line: `check` (with the core crate's golden table) and `admin`.

use crate::helpers::{ServerProcess, binary, login_process};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    run_with(args, &[], stdin)
}

/// [`run`] with these environment variables set. A command still running after a minute is killed, and the test
/// fails saying so (a command that should have refused would otherwise hang the suite, e.g. by serving).
fn run_with(args: &[&str], envs: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .env_remove("SMTP_ENDPOINT_MASTER_KEY")
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(pipe);
    let id = child.id();
    let (done, output) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    match output.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(output) => output.expect("output"),
        Err(_) => {
            // Still ours: the thread reaps it only once it has ended.
            let _ = Command::new("kill").args(["-KILL", &id.to_string()]).status();
            panic!("{args:?} still ran after 60 s");
        }
    }
}

/// The arguments `check --json` needs for one golden input.
fn check_args(input: &Value) -> (Vec<String>, Option<String>) {
    let mut args = vec!["check".to_owned(), "--json".to_owned()];
    for (field, flag) in [("uri", "--uri"), ("username", "--username"), ("default_from_address", "--from")] {
        if let Some(value) = input.get(field).and_then(Value::as_str) {
            args.push(format!("{flag}={value}"));
        }
    }
    if input.get("password_set").and_then(Value::as_bool) == Some(true) {
        args.push("--password-set".to_owned());
    }
    if let Some(locale) = input.get("locale").and_then(Value::as_str) {
        args.push(format!("--locale={locale}"));
    }
    let password = input.get("password").and_then(Value::as_str).map(str::to_owned);
    if password.is_some() {
        args.push("--password-stdin".to_owned());
    }
    (args, password)
}

/// `check --json` prints exactly the core crate's report for every row of the golden table that the JavaScript
/// API is tested against too.
#[test]
fn check_json_matches_the_golden_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/smtp-endpoint/tests/golden/check.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("the golden table {}: {e}", path.display()));
    let rows: Vec<Value> = serde_json::from_str(&text).expect("golden JSON");
    assert!(!rows.is_empty());
    for row in &rows {
        let (args, password) = check_args(&row["input"]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&args, password.as_deref());
        let printed: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("not JSON for {}: {}", row["input"], String::from_utf8_lossy(&output.stdout)));
        assert_eq!(printed, row["report"], "input {}", row["input"]);
        let valid = row["report"]["valid"].as_bool().expect("valid");
        assert_eq!(output.status.code(), Some(if valid { 0 } else { 1 }), "exit code for {}", row["input"]);
    }
}

#[test]
fn check_prints_the_core_report_and_exits_by_validity() {
    let rows = [
        (r#"{"uri": "smtps://mail.example.com", "default_from_address": "app@example.com"}"#, 0),
        (r#"{"uri": "mail.example.com", "default_from_address": "app@example.com", "locale": "de"}"#, 1),
        (
            r#"{"uri": "smtp://mail.example.com", "username": "u", "password": "pw with spaces ", "default_from_address": "a@b.example"}"#,
            0,
        ),
        (
            r#"{"uri": "smtp://mail.example.com", "username": "u", "password_set": true, "default_from_address": "a@b.example"}"#,
            0,
        ),
        (r#"{"uri": "smtp://mail.example.com", "username": "u", "default_from_address": "a@b.example"}"#, 1),
    ];
    for (input, code) in rows {
        let input: Value = serde_json::from_str(input).expect("input");
        let (args, password) = check_args(&input);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&args, password.as_deref().map(|p| format!("{p}\n")).as_deref());
        let printed: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        let expected = smtp_endpoint::validate(&serde_json::from_value(input.clone()).expect("EndpointInput"));
        assert_eq!(printed, serde_json::to_value(&expected).expect("json"), "{input}");
        assert_eq!(output.status.code(), Some(code), "{input}");
    }
    // An empty password on stdin removes the stored one, as `"password": ""` does for the API: a login without it.
    let args = ["check", "--uri", "smtp://mail.example.com", "--username", "u", "--from", "a@b.example"];
    let output = run(&[&args[..], &["--password-set", "--password-stdin", "--json"]].concat(), Some("\n"));
    let printed: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(printed["errors"][0]["code"], "password.required", "{printed}");
    assert_eq!(output.status.code(), Some(1));
    let output = run(&["check", "--uri", "mail.example.com", "--from", "app@example.com"], None);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("uri.missing_scheme") && text.contains("smtp://mail.example.com"), "{text}");
    let text =
        String::from_utf8_lossy(&run(&["check", "--uri", "smtp://h.example", "--from", "a@h.example"], None).stdout)
            .into_owned();
    assert!(text.starts_with("valid\neffective connection: Plain connection to h.example"), "{text}");
    // In German, the report's own words too, not only the messages.
    let args = ["check", "--uri", "mail.example.com:465", "--from", "app@example.com", "--locale", "de"];
    let text = String::from_utf8_lossy(&run(&args, None).stdout).into_owned();
    assert!(text.starts_with("ungültig\nFehler: uri [uri.missing_scheme]: Die URI braucht"), "{text}");
    assert!(text.contains("(Vorschlag: smtps://mail.example.com)"), "{text}");
    let args = ["check", "--uri", "smtp://mail.example.com", "--from", "app@example.com", "--locale", "de"];
    let text = String::from_utf8_lossy(&run(&args, None).stdout).into_owned();
    assert!(text.starts_with("gültig\nSo wird verbunden: Verbindung zu mail.example.com"), "{text}");
}

/// The first start prints how to set another password later; that line runs as printed in a shell (from the
/// same directory; a data dir with a space and a quote in its name is quoted), and the new password is the one
/// that works.
#[tokio::test]
async fn the_printed_reset_password_line_runs_as_printed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = ServerProcess::start(&dir.path().join("the admin's data"), &[]).expect("server");
    let line = server.reset_command.clone().expect("the first start prints a reset-password line");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("{line} --password-stdin"))
        .env_remove("SMTP_ENDPOINT_MASTER_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{line:?} does not run: {e}"));
    child.stdin.take().expect("stdin").write_all(b"a new admin password\n").expect("write");
    let output = child.wait_with_output().expect("output");
    assert!(output.status.success(), "{line}: {}", String::from_utf8_lossy(&output.stderr));
    login_process(&server, "admin", "a new admin password").await;
}

#[tokio::test]
async fn admin_create_and_reset_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let data = data_dir.to_str().expect("utf-8 path");

    let output =
        run(&["admin", "create", "--username", "ops", "--password-stdin", "--data-dir", data], Some("short\n"));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 12 characters"));
    assert!(!data_dir.exists(), "a refused password leaves no data dir (whose first start would make an admin)");
    let spaces =
        run(&["admin", "create", "--username", "ops", "--password-stdin", "--data-dir", data], Some("      a      \n"));
    assert!(String::from_utf8_lossy(&spaces.stderr).contains("at least 12 characters besides spaces"), "{spaces:?}");
    let output = run(
        &["admin", "create", "--username", "ops", "--password-stdin", "--data-dir", data],
        Some("first ops password\n"),
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // A data dir made by this command is said so, with the flag the server then needs.
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains(&format!("which held no server data yet: start the server with --data-dir {data}")),
        "{said}"
    );
    let output = run(
        &["admin", "create", "--username", "dev", "--password-stdin", "--data-dir", data],
        Some("first dev password\n"),
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "Created admin dev.\n", "an existing one is not");
    let output = run(
        &["admin", "create", "--username", "ops", "--password-stdin", "--data-dir", data],
        Some("first ops password\n"),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("already exists: to give them a new password, use admin reset-password")
    );

    // An admin exists, so the first start creates none.
    let server = ServerProcess::start(&data_dir, &[]).expect("server");
    assert_eq!(server.first_admin_password, None);
    let client = login_process(&server, "ops", "first ops password").await;
    let session = client.get(server.url("/api/session")).send().await.expect("session");
    assert_eq!(session.status(), 200);
    let validate = || {
        client
            .post(server.url("/api/endpoints/smtp/validate"))
            .header("origin", server.url(""))
            .json(&serde_json::json!({ "uri": "smtp://mail.example.com" }))
            .send()
    };
    assert_eq!(validate().await.expect("validate").status(), 200, "a change (here: judging a draft) is allowed");

    // Named in another case than it was created with: still the same admin, whose sessions end.
    let output = run(
        &["admin", "reset-password", "--username", "Ops", "--password-stdin", "--data-dir", data],
        Some("second ops password\n"),
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // From now on the old session changes nothing (checked against the store for every change), and it ends for
    // reading too within the server's few seconds of session caching.
    assert_eq!(validate().await.expect("validate").status(), 401, "a session ended elsewhere changes nothing, at once");
    let mut ended = false;
    for _ in 0..40 {
        if client.get(server.url("/api/session")).send().await.expect("session").status() == 401 {
            ended = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(ended, "reset-password ends the admin's sessions");
    login_process(&server, "ops", "second ops password").await;
    let old = crate::helpers::cookie_client()
        .post(server.url("/api/session"))
        .json(&serde_json::json!({ "username": "ops", "password": "first ops password" }))
        .send()
        .await
        .expect("login");
    assert_eq!(old.status(), 401, "the old password no longer works");

    let output = run(
        &["admin", "reset-password", "--username", "nobody", "--password-stdin", "--data-dir", data],
        Some("some long password\n"),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no admin named \"nobody\": check the name"));

    // A mistyped data dir is said, and not made into a new, empty one.
    let mistyped = dir.path().join("dta");
    let output = run(
        &["admin", "reset-password", "--username", "ops", "--password-stdin", "--data-dir"]
            .into_iter()
            .chain([mistyped.to_str().expect("utf-8 path")])
            .collect::<Vec<_>>(),
        Some("some long password\n"),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("holds no server data"), "{output:?}");
    assert!(!mistyped.exists());
}

/// `check --custom-ca FILE` judges the CA as the API does: the core's text rules, then the server's X.509 check.
#[tokio::test]
async fn check_judges_a_custom_ca_file_as_the_api_does() {
    let app = crate::helpers::spawn_app().await;
    app.login().await;
    let ca = crate::helpers::test_ca_pem();
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        ("ca.pem", ca.as_str(), 0),
        ("not-x509.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", 1),
        ("key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 1),
    ];
    for (name, pem, code) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, pem).expect("write");
        let file = path.to_str().expect("utf-8 path");
        let output =
            run(&["check", "--json", "--uri=smtps://relay.internal", "--from=a@b.example", "--custom-ca", file], None);
        let printed: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        let body = serde_json::json!({
            "uri": "smtps://relay.internal", "default_from_address": "a@b.example", "custom_ca_pem": pem,
        });
        let api: Value = app.validate(&body).await.json().await.expect("json");
        assert_eq!(printed, api, "{name}");
        assert_eq!(output.status.code(), Some(code), "{name}: {printed}");
        if code == 1 {
            assert_eq!(printed["errors"][0]["code"], "custom_ca.invalid", "{name}");
        }
    }

    let missing = dir.path().join("missing.pem");
    let output = run(&["check", "--uri=smtps://h.example", "--custom-ca", missing.to_str().expect("path")], None);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.pem"), "the error names the file");
}

/// `probe` and `send-test` only read the server's data: a mistyped data dir is said (and not created), as is an
/// endpoint not saved yet; a cause is said once.
#[tokio::test]
async fn smtp_commands_say_what_is_missing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("typo");
    let missing_arg = missing.to_string_lossy().into_owned();
    for args in [vec!["probe"], vec!["send-test", "--to", "someone@example.com"]] {
        let output = run(&[&args[..], &["--data-dir", &missing_arg]].concat(), None);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("no endpoint is stored in") && stderr.contains("--data-dir"), "{stderr}");
        assert!(!stderr.contains("cannot write the output"), "{stderr}");
        assert!(!missing.exists(), "a mistyped data dir is not created");
    }

    let data_dir = dir.path().join("data");
    let mut server = ServerProcess::start(&data_dir, &[]).expect("server");
    server.stop();
    let data_arg = data_dir.to_string_lossy().into_owned();
    let output = run(&["probe", "--data-dir", &data_arg], None);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no endpoint is configured yet: save one on the page"), "{stderr}");
    assert!(!stderr.contains("send a draft") && !stderr.contains("cannot write"), "{stderr}");

    let output = run(&["check", "--uri", "smtps://relay.internal", "--custom-ca", "/nonexistent/ca.pem"], None);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.matches("os error 2").count(), 1, "the cause once: {stderr}");

    // A device is read no further than the limit (it ends), and a binary (DER) certificate is said to be one.
    let output =
        run(&["check", "--uri", "smtps://relay.internal", "--from", "a@example.com", "--custom-ca", "/dev/zero"], None);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("custom_ca.invalid"), "{stdout}");
    let der = dir.path().join("ca.der");
    std::fs::write(&der, [0x30, 0x82, 0x01, 0x0a, 0xff, 0xfe, 0x00]).expect("write");
    let output = run(&["check", "--uri", "smtps://relay.internal", "--custom-ca", der.to_str().expect("utf-8")], None);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not PEM text") && stderr.contains("openssl x509 -inform DER"), "{stderr}");
    let utf16 = dir.path().join("ca-notepad.pem");
    let text: Vec<u8> =
        [0xFF, 0xFE].into_iter().chain("-----BEGIN".encode_utf16().flat_map(u16::to_le_bytes)).collect();
    std::fs::write(&utf16, text).expect("write");
    let output =
        run(&["check", "--uri", "smtps://relay.internal", "--custom-ca", utf16.to_str().expect("utf-8")], None);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.code() == Some(2) && stderr.contains("saved as UTF-16: save it as UTF-8"), "{stderr}");
}

/// A `--static-dir` that holds the data dir would serve the database and the key file: the server does not
/// start (exit 2, saying why), and makes no first admin.
#[tokio::test]
async fn a_static_dir_that_holds_the_data_dir_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("site");
    std::fs::create_dir(&site).expect("site");
    let data_arg = site.join("data").to_string_lossy().into_owned();
    // A data dir kept elsewhere but linked into the static dir would be served all the same.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("elsewhere");
    std::os::unix::fs::symlink(&elsewhere, site.join("linked")).expect("symlink");
    let linked_arg = site.join("linked").to_string_lossy().into_owned();
    let site_arg = site.to_string_lossy().into_owned();
    // The data dir named by its own path, but linked into the static dir (deeper down too), or a folder above it.
    let elsewhere_arg = elsewhere.to_string_lossy().into_owned();
    let deep = dir.path().join("deep");
    std::fs::create_dir_all(deep.join("assets")).expect("deep");
    std::os::unix::fs::symlink(&elsewhere, deep.join("assets").join("d")).expect("symlink");
    let above = dir.path().join("above");
    std::fs::create_dir(&above).expect("above");
    std::os::unix::fs::symlink(dir.path(), above.join("up")).expect("symlink");
    // A data dir not made yet, named through a link to the static dir (`current` → a release's folder).
    let release = dir.path().join("release-42");
    std::fs::create_dir(&release).expect("release");
    std::os::unix::fs::symlink(&release, dir.path().join("current")).expect("symlink");
    let through_link = dir.path().join("current").join("data").to_string_lossy().into_owned();
    let cases = [
        (site_arg.clone(), data_arg.clone()),
        (format!("{}/./", site.display()), data_arg.clone()),
        (site_arg.clone(), linked_arg),
        (site_arg, elsewhere_arg.clone()),
        (deep.to_string_lossy().into_owned(), elsewhere_arg.clone()),
        (above.to_string_lossy().into_owned(), elsewhere_arg),
        (release.to_string_lossy().into_owned(), through_link),
    ];
    for (static_dir, data_arg) in &cases {
        let serve = tokio::process::Command::new(binary())
            .args(["serve", "--bind", "127.0.0.1:0", "--static-dir", static_dir, "--data-dir", data_arg])
            .env_remove("SMTP_ENDPOINT_MASTER_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn");
        let output = tokio::time::timeout(std::time::Duration::from_secs(30), serve.wait_with_output())
            .await
            .expect("the server ran instead of refusing to start")
            .expect("output");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("holds the data dir") && stderr.contains("master.key"), "{stderr}");
        assert!(String::from_utf8_lossy(&output.stdout).is_empty(), "no first admin made");
    }
    assert!(!site.join("data").exists() && !release.join("data").exists(), "a refused start makes no data dir");
}

/// The command line's own ways of going wrong: `--data-dir` before the command, a bad `serve` setting in the
/// environment while running another command, a language it does not speak, an output that cannot be written,
/// no terminal to ask for a password on — each exits 2 with what to do, or works, and none panics.
#[test]
fn the_command_line_says_what_to_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let data = data_dir.to_str().expect("utf-8 path");
    // --data-dir before the command, and a serve setting in the environment that serve would refuse.
    let bad_serve = [("SMTP_ENDPOINT_SESSION_MINUTES", "0"), ("SMTP_ENDPOINT_BIND", "localhost:80")];
    let create = ["--data-dir", data, "admin", "create", "--username", "ops", "--password-stdin"];
    let output = run_with(&create, &bad_serve, Some("a long enough password\n"));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let output = run_with(&["--data-dir", data], &bad_serve[1..], None);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "serving reads it: {stderr}");
    assert!(stderr.contains("e.g. 127.0.0.1:8080"), "{stderr}");

    let output = run(&["check", "--uri", "smtp://mail.example.com", "--locale", "fr"], None);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("write en or de"), "{stderr}");

    // An output that cannot be written (a full disk) is an error, not a panic.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    let output = Command::new(binary())
        .args(["check", "--json", "--uri", "smtp://mail.example.com"])
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write the output") && !stderr.contains("panicked"), "{stderr}");
    // Once the work is done, an output that cannot be written does not make it look undone: said on stderr, 0.
    let to_full_disk = |args: &[&str]| {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
        let mut command = Command::new(binary())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(full)
            .stderr(Stdio::piped())
            .spawn()
            .expect("run");
        command.stdin.take().expect("stdin").write_all(b"another long enough password\n").expect("write");
        let output = command.wait_with_output().expect("wait");
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let said = to_full_disk(&["admin", "reset-password", "--username", "ops", "--password-stdin", "--data-dir", data]);
    assert!(said.contains("New password set for ops; their sessions have ended. (cannot write the output"), "{said}");
    let said = to_full_disk(&["admin", "create", "--username", "second", "--password-stdin", "--data-dir", data]);
    assert!(said.contains("Created admin second. (cannot write the output"), "{said}");

    // No terminal to ask on (a service, a pipeline): said, and no data dir made.
    let elsewhere = dir.path().join("fresh");
    let output = Command::new("setsid")
        .args([binary(), "admin", "create", "--username", "ops", "--data-dir", elsewhere.to_str().expect("utf-8")])
        .env_remove("SMTP_ENDPOINT_MASTER_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("setsid");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pipe it in with --password-stdin"), "{stderr}");
    assert!(!elsewhere.exists(), "nothing made without a password");
}
