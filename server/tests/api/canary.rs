//! The password canary: a unique SMTP password goes in through every route that takes one, and to a real SMTP
//! server by a check and a test email; it must come out nowhere, in clear, hex or base64 — no response body or
//! header, not the history, not the log at trace level, not the SQLite files.

use crate::helpers::{ServerProcess, endpoint_body, login_process};
use crate::smtp_peers::{Peer, secret_forms};
use serde_json::{Value, json};

#[tokio::test]
async fn the_password_appears_nowhere() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let mut server = ServerProcess::start(&data_dir, &[]).expect("server");
    let admin_password = server.first_admin_password.clone().expect("the first start prints the admin password");
    let client = login_process(&server, "admin", &admin_password).await;

    let canary = format!("canary-{}-Zq9", std::process::id());
    let uri = "smtp://mail.example.com:587";
    let mut seen = Vec::<String>::new();
    let record = |response: reqwest::Response| async move {
        let mut text = format!("{} {:?}\n", response.status(), response.headers());
        text.push_str(&response.text().await.expect("body"));
        text
    };
    let etag = |text: &str| -> String {
        let value: Value = serde_json::from_str(text.lines().skip(1).collect::<String>().as_str()).unwrap_or_default();
        format!("\"{}\"", value["version"])
    };

    let get = client.get(server.url("/api/endpoints/smtp")).send().await.expect("get");
    seen.push(record(get).await);
    let body = endpoint_body(uri, Some("user"), Some(&canary));
    let put = client.put(server.url("/api/endpoints/smtp")).header("if-match", "\"1\"").json(&body).send().await;
    let text = record(put.expect("put")).await;
    assert!(text.starts_with("200"), "{text}");
    let current = etag(&text);
    seen.push(text);

    // Failures that carry the password: invalid, stale, re-entry, a draft, malformed bodies; each must have
    // reached the handler it is about (its status), or the canary's absence would prove nothing.
    let requests = [
        (
            "PUT",
            "/api/endpoints/smtp",
            Some(current.as_str()),
            endpoint_body(uri, Some("us\u{7}er"), Some(&canary)),
            422,
        ),
        ("PUT", "/api/endpoints/smtp", Some("\"1\""), endpoint_body(uri, Some("user"), Some(&canary)), 412),
        (
            "PUT",
            "/api/endpoints/smtp",
            Some(current.as_str()),
            endpoint_body("smtp://elsewhere.example.com", Some("user"), None),
            422,
        ),
        (
            "POST",
            "/api/endpoints/smtp/validate",
            None,
            endpoint_body("mail.example.com", Some("user"), Some(&canary)),
            200,
        ),
        ("POST", "/api/endpoints/smtp/validate", None, json!({ "uri": uri, "password": [canary.clone()] }), 400),
        ("POST", "/api/endpoints/smtp/validate", None, json!({ "uri": uri, "password": { "x": canary.clone() } }), 400),
        (
            "PUT",
            "/api/endpoints/smtp",
            Some(current.as_str()),
            json!({ "uri": "not a uri", "password": canary.clone() }),
            422,
        ),
        ("POST", "/api/session", None, json!({ "username": "admin", "password": canary.clone() }), 401),
    ];
    for (method, path, if_match, body, status) in requests {
        let mut request = client.request(method.parse().expect("method"), server.url(path)).json(&body);
        if let Some(if_match) = if_match {
            request = request.header("if-match", if_match);
        }
        let text = record(request.send().await.expect("request")).await;
        assert!(text.starts_with(&status.to_string()), "{method} {path} {body}: {text}");
        seen.push(text);
    }

    // A check and a test email of a draft with the password, to a real SMTP server that takes it (on this
    // machine, so without TLS), and a check it refuses: the password crosses AUTH and comes back in no form.
    let peer = Peer::start("plain", None, &["--auth-plaintext", "--user", "user", "--password", &canary]);
    let draft = endpoint_body(&format!("smtp://127.0.0.1:{}", peer.port), Some("user"), Some(&canary));
    let wrong = Peer::start("plain", None, &["--auth-plaintext", "--user", "user", "--password", "another one"]);
    let refused = endpoint_body(&format!("smtp://127.0.0.1:{}", wrong.port), Some("user"), Some(&canary));
    let checks = [
        ("/api/endpoints/smtp/probe", json!({ "draft": draft, "recipient": "ops@example.net" }), "\"ok\":true"),
        ("/api/endpoints/smtp/test-email", json!({ "draft": draft, "to": "ops@example.net" }), "\"ok\":true"),
        ("/api/endpoints/smtp/probe", json!({ "draft": refused }), "auth.failed"),
    ];
    for (path, body, expected) in checks {
        let text = record(client.post(server.url(path)).json(&body).send().await.expect("request")).await;
        assert!(text.starts_with("200") && text.contains(expected), "{path}: {text}");
        seen.push(text);
    }
    assert_eq!(peer.wait_for_messages(1).len(), 1, "the test email arrived");
    assert!(wrong.events().contains("AUTH-RESULT fail"), "the password reached the refusing server");
    for path in ["/api/endpoints/smtp", "/api/endpoints/smtp/history", "/api/session", "/api/openapi.json"] {
        seen.push(record(client.get(server.url(path)).send().await.expect("get")).await);
    }
    let history = client.get(server.url("/api/endpoints/smtp/history")).send().await.expect("history");
    let history: Vec<Value> = history.json().await.expect("json");
    assert_eq!(history[0]["changes"].as_array().map(|c| c.iter().any(|c| c["field"] == "password")), Some(true));

    let forms = secret_forms("user", &canary);
    for text in &seen {
        for form in &forms {
            assert!(!text.contains(form.as_str()), "a response contains the password as {form}:\n{text}");
        }
    }

    server.stop();
    let log = server.log();
    assert!(log.contains("endpoint saved"), "the log was captured at trace level:\n{log}");
    assert!(log.contains("smtp step ok"), "the checks' steps were logged:\n{log}");
    assert!(log.contains("TRACE") || log.contains("DEBUG"), "the log has debug/trace lines");
    for form in &forms {
        assert!(!log.contains(form.as_str()), "the log contains the password as {form}");
    }
    for entry in std::fs::read_dir(&data_dir).expect("data dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        for form in &forms {
            assert!(
                !bytes.windows(form.len()).any(|w| w == form.as_bytes()),
                "{} contains the password as {form}",
                path.display()
            );
        }
    }
    // And the stored password is really there, encrypted: a restart reads it back as set.
    drop(server);
    let server = ServerProcess::start(&data_dir, &[]).expect("restart");
    let client = login_process(&server, "admin", &admin_password).await;
    let stored: Value =
        client.get(server.url("/api/endpoints/smtp")).send().await.expect("get").json().await.expect("json");
    assert_eq!(stored["password_set"], true, "{stored}");
}
