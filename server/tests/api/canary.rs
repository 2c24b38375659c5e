//! The password canary: a unique SMTP password goes in through every route that takes one; it must come out
//! nowhere — no response body or header, not the history, not the log at trace level, not the SQLite files.

use crate::helpers::{ServerProcess, endpoint_body, login_process};
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

    // Failures that carry the password: invalid, stale, re-entry, a draft, malformed bodies.
    let requests = [
        ("PUT", "/api/endpoints/smtp", Some(current.as_str()), endpoint_body(uri, Some("user\n"), Some(&canary))),
        ("PUT", "/api/endpoints/smtp", Some("\"1\""), endpoint_body(uri, Some("user"), Some(&canary))),
        (
            "PUT",
            "/api/endpoints/smtp",
            Some(current.as_str()),
            endpoint_body("smtp://elsewhere.example.com", Some("user"), None),
        ),
        ("POST", "/api/endpoints/smtp/validate", None, endpoint_body("mail.example.com", Some("user"), Some(&canary))),
        ("POST", "/api/endpoints/smtp/validate", None, json!({ "uri": uri, "password": [canary.clone()] })),
        ("POST", "/api/endpoints/smtp/validate", None, json!({ "uri": uri, "password": { "x": canary.clone() } })),
        (
            "PUT",
            "/api/endpoints/smtp",
            Some(current.as_str()),
            json!({ "uri": "not a uri", "password": canary.clone() }),
        ),
        ("POST", "/api/session", None, json!({ "username": "admin", "password": canary.clone() })),
    ];
    for (method, path, if_match, body) in requests {
        let mut request = client.request(method.parse().expect("method"), server.url(path)).json(&body);
        if let Some(if_match) = if_match {
            request = request.header("if-match", if_match);
        }
        seen.push(record(request.send().await.expect("request")).await);
    }
    for path in ["/api/endpoints/smtp", "/api/endpoints/smtp/history", "/api/session", "/api/openapi.json"] {
        seen.push(record(client.get(server.url(path)).send().await.expect("get")).await);
    }
    let history = client.get(server.url("/api/endpoints/smtp/history")).send().await.expect("history");
    let history: Vec<Value> = history.json().await.expect("json");
    assert_eq!(history[0]["changes"].as_array().map(|c| c.iter().any(|c| c["field"] == "password")), Some(true));

    for text in &seen {
        assert!(!text.contains(&canary), "a response contains the password:\n{text}");
    }

    server.stop();
    let log = server.log();
    assert!(log.contains("endpoint saved"), "the log was captured at trace level:\n{log}");
    assert!(log.contains("TRACE") || log.contains("DEBUG"), "the log has debug/trace lines");
    assert!(!log.contains(&canary), "the log contains the password");
    for entry in std::fs::read_dir(&data_dir).expect("data dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        assert!(
            !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
            "{} contains the password",
            path.display()
        );
    }
    // And the stored password is really there, encrypted: a restart reads it back as set.
    drop(server);
    let server = ServerProcess::start(&data_dir, &[]).expect("restart");
    let client = login_process(&server, "admin", &admin_password).await;
    let stored: Value =
        client.get(server.url("/api/endpoints/smtp")).send().await.expect("get").json().await.expect("json");
    assert_eq!(stored["password_set"], true, "{stored}");
}
