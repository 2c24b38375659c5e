//! `POST /api/endpoints/smtp/probe` and `/test-email` through the real HTTP stack (`spawn_app`), against a real
//! SMTP server (aiosmtpd) with implicit TLS on `localhost` and a custom CA; plus the CLI's `probe`/`send-test`.

#[path = "api/helpers.rs"]
mod helpers;
mod smtp_peers;

use helpers::{TestApp, matches_example, spawn_app};
use reqwest::Response;
use serde_json::{Value, json};
use smtp_peers::{Peer, Pki, header};

const USER: &str = "app-user";
const TO: &str = "ops@example.net";

/// One method per SMTP route, beside the backend's `TestApp` methods.
trait SmtpRoutes {
    async fn probe(&self, body: &Value) -> Response;
    async fn test_email(&self, body: &Value) -> Response;
}

impl SmtpRoutes for TestApp {
    async fn probe(&self, body: &Value) -> Response {
        self.client.post(self.url("/api/endpoints/smtp/probe")).json(body).send().await.expect("request")
    }

    async fn test_email(&self, body: &Value) -> Response {
        self.client.post(self.url("/api/endpoints/smtp/test-email")).json(body).send().await.expect("request")
    }
}

struct Setup {
    app: TestApp,
    peer: Peer,
    pki: Pki,
    password: String,
}

/// An app with an admin logged in, and an implicit-TLS SMTP server on localhost whose CA is the endpoint's
/// custom CA.
async fn setup(name: &str) -> Setup {
    let pki = Pki::new("API Test CA");
    let password = format!("Canary-api-{name}-{}", std::process::id());
    let peer = Peer::start(
        "implicit",
        Some(&pki.server_cert(&["localhost"], false)),
        &["--require-auth", "--user", USER, "--password", &password],
    );
    let app = spawn_app().await;
    app.login().await;
    Setup { app, peer, pki, password }
}

impl Setup {
    fn endpoint(&self, port: u16, password: Option<&str>) -> Value {
        let mut body = json!({
            "uri": format!("smtps://localhost:{port}"),
            "username": USER,
            "default_from_address": "Example App <app@example.test>",
            "custom_ca_pem": self.pki.ca_pem,
        });
        if let Some(password) = password {
            body["password"] = json!(password);
        }
        body
    }

    /// Sends with `send` until the rate limit refuses (429, `smtp.rate_limited`, with `Retry-After`): at least
    /// `limit` are accepted, and the refusal comes soon after (one more comes back every 60 / `limit` s, which a
    /// slow run may meet). How many were accepted.
    async fn accepted_until_limited<F: Future<Output = Response>>(
        &self,
        limit: u32,
        what: &str,
        send: impl Fn() -> F,
    ) -> u32 {
        let started = std::time::Instant::now();
        let mut accepted = 0;
        let refused = loop {
            let response = send().await;
            if response.status() == 429 {
                break response;
            }
            assert_eq!(response.status(), 200);
            accepted += 1;
            let regained = started.elapsed().as_secs() as u32 * limit / 60;
            assert!(accepted <= limit + regained + 1, "no refusal after {accepted} {what}");
        };
        assert!(accepted >= limit, "{what} refused after {accepted}, before the allowance of {limit}");
        assert!(refused.headers().contains_key("retry-after"));
        assert_eq!(self.json(refused).await["error"]["code"], "smtp.rate_limited");
        accepted
    }

    /// Signs out and in again as a second admin.
    async fn other_admin(&self) {
        assert_eq!(self.app.logout().await.status(), 204);
        let password = secrecy::SecretString::from("the other admin's password");
        smtp_endpoint_server::auth::create_admin(&self.app.state, "other", &password).await.expect("create admin");
        assert_eq!(self.app.login_as("other", "the other admin's password").await.status(), 200);
    }

    async fn json(&self, response: Response) -> Value {
        let text = response.text().await.expect("body");
        assert!(!text.contains(&self.password), "the password is in a response: {text}");
        serde_json::from_str(&text).expect("json")
    }
}

#[tokio::test]
async fn probe_and_test_email_of_the_stored_endpoint() {
    let s = setup("stored").await;
    let saved = s.app.save(&s.endpoint(s.peer.port, Some(&s.password))).await;
    assert_eq!(saved.status(), 200);

    let response = s.app.probe(&json!({ "recipient": TO })).await;
    assert_eq!(response.status(), 200);
    let probe = s.json(response).await;
    assert_eq!(probe["ok"], true, "{probe:#}");
    let steps: Vec<(&str, &str)> = probe["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| (s["step"].as_str().unwrap_or_default(), s["status"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(
        steps,
        [
            ("resolve", "ok"),
            ("connect", "ok"),
            ("tls", "ok"),
            ("ehlo", "ok"),
            ("starttls", "skipped"),
            ("auth", "ok"),
            ("mail_from", "ok"),
            ("rcpt_to", "ok"),
            ("rset", "ok"),
            ("quit", "ok"),
        ]
    );
    assert!(probe["certificate"]["sha256"].as_str().is_some_and(|f| f.len() == 95));
    assert!(s.peer.messages().is_empty(), "a probe sends no message");
    matches_example("probe-ok", &probe);

    let response = s.app.test_email(&json!({ "to": TO })).await;
    assert_eq!(response.status(), 200);
    let sent = s.json(response).await;
    assert_eq!(sent["ok"], true, "{sent:#}");
    assert!(sent["message_id"].as_str().is_some_and(|id| id.starts_with('<')));
    assert!(sent["reply"].as_str().is_some_and(|r| r.starts_with("250")));
    assert!(sent["duration_ms"].is_u64());
    matches_example("test-email-sent", &sent);
    let messages = s.peer.wait_for_messages(1);
    assert_eq!(messages.len(), 1);
    assert_eq!(header(&messages[0], "From"), Some("\"Example App\" <app@example.test>"));
    assert_eq!(header(&messages[0], "To"), Some(TO));
    assert!(messages[0].contains("at the request of admin"));
}

#[tokio::test]
async fn a_draft_is_tested_without_saving_and_a_failure_is_diagnosed() {
    let s = setup("draft").await;
    let wrong = format!("{}-wrong", s.password);
    let response = s.app.probe(&json!({ "draft": s.endpoint(s.peer.port, Some(&wrong)), "locale": "de" })).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("body");
    assert!(!text.contains(&wrong), "the draft's password is in the response");
    let probe: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(probe["ok"], false);
    assert_eq!(probe["diagnosis"]["code"], "auth.failed");
    assert_eq!(probe["diagnosis"]["step"], "auth");
    assert!(probe["diagnosis"]["remedy"].as_str().is_some_and(|r| r.contains("Passwort")), "German: {probe:#}");
    matches_example("probe-failed", &probe);

    let response = s.app.test_email(&json!({ "to": TO, "draft": s.endpoint(s.peer.port, Some(&s.password)) })).await;
    let sent = s.json(response).await;
    assert_eq!(sent["ok"], true, "{sent:#}");
    assert_eq!(s.peer.wait_for_messages(1).len(), 1);
    let stored = s.app.get_endpoint().await.json::<Value>().await.expect("json");
    assert_eq!(stored["configured"], false, "testing a draft saves nothing");
}

/// Without the custom CA the server's certificate is not trusted: the TLS step fails, nothing is sent, and the answer
/// has the certificate as seen (its names, not verified) beside the diagnosis.
#[tokio::test]
async fn an_untrusted_certificate_is_shown_with_the_diagnosis() {
    let s = setup("untrusted").await;
    let mut draft = s.endpoint(s.peer.port, Some(&s.password));
    draft["custom_ca_pem"] = Value::Null;
    let response = s.app.probe(&json!({ "draft": draft })).await;
    assert_eq!(response.status(), 200);
    let probe = s.json(response).await;
    assert_eq!(probe["ok"], false);
    assert_eq!(probe["diagnosis"]["code"], "tls.certificate_untrusted", "{probe:#}");
    assert_eq!(probe["diagnosis"]["step"], "tls");
    assert_eq!(probe["certificate"]["verified"], false);
    assert_eq!(probe["certificate"]["names"], json!(["localhost"]));
    assert_eq!(s.peer.events(), "", "no AUTH reached the server");
    matches_example("probe-untrusted", &probe);

    // A test email that fails says as much as a check: the steps, the certificate, the transcript.
    let response = s.app.test_email(&json!({ "to": TO, "draft": draft })).await;
    let sent = s.json(response).await;
    assert_eq!(sent["ok"], false);
    assert_eq!(sent["diagnosis"]["code"], "tls.certificate_untrusted", "{sent:#}");
    assert_eq!(sent["certificate"]["names"], json!(["localhost"]));
    let failed = sent["steps"].as_array().and_then(|steps| steps.iter().find(|s| s["step"] == "tls"));
    assert_eq!(failed.map(|s| &s["status"]), Some(&json!("failed")), "{sent:#}");
    assert!(sent["transcript"].is_array() && sent["message_id"].is_null(), "{sent:#}");
    assert_eq!(s.peer.messages().len(), 0);
    matches_example("test-email-failed", &sent);
}

/// An internal CA in this machine's trust store (here `SSL_CERT_FILE`, as `update-ca-certificates` would put it in
/// the system's bundle) is trusted without pasting it; without it the same endpoint is refused, so the store is
/// what made the difference.
#[tokio::test]
async fn a_ca_in_this_machines_trust_store_is_trusted() {
    let s = setup("machine-ca").await;
    let mut endpoint = s.endpoint(s.peer.port, Some(&s.password));
    endpoint["custom_ca_pem"] = Value::Null;
    assert_eq!(s.app.save(&endpoint).await.status(), 200);
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = dir.path().join("ca-bundle.pem");
    std::fs::write(&bundle, &s.pki.ca_pem).expect("write the bundle");
    let probe = |store: Option<&std::path::Path>| {
        let mut command = std::process::Command::new(helpers::binary());
        command.args(["probe", "--json", "--data-dir"]).arg(s.app.data_dir.path());
        command.env_remove("SSL_CERT_FILE").env_remove("SSL_CERT_DIR");
        if let Some(store) = store {
            command.env("SSL_CERT_FILE", store);
        }
        let output = command.output().expect("run the binary");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(!stdout.contains(&s.password), "{stdout}");
        serde_json::from_str::<Value>(&stdout).unwrap_or_else(|_| panic!("json: {stdout}"))
    };
    let refused = probe(None);
    assert_eq!(refused["diagnosis"]["code"], "tls.certificate_untrusted", "{refused:#}");
    let trusted = probe(Some(&bundle));
    assert_eq!(trusted["ok"], true, "{trusted:#}");
    assert_eq!(trusted["certificate"]["verified"], true, "{trusted:#}");
}

#[tokio::test]
async fn a_draft_reuses_the_stored_password_only_for_the_same_connection() {
    let s = setup("reentry").await;
    assert_eq!(s.app.save(&s.endpoint(s.peer.port, Some(&s.password))).await.status(), 200);

    // Same host, port, TLS mode and username: the stored password is used.
    let same = s.app.probe(&json!({ "draft": s.endpoint(s.peer.port, None) })).await;
    assert_eq!(s.json(same).await["ok"], true);

    // Another port: the stored password may not follow, and nothing is connected to.
    let other = Peer::start("implicit", Some(&s.pki.server_cert(&["localhost"], false)), &[]);
    let moved = s.app.probe(&json!({ "draft": s.endpoint(other.port, None) })).await;
    assert_eq!(moved.status(), 422);
    let report = s.json(moved).await;
    let codes: Vec<&str> =
        report["errors"].as_array().expect("errors").iter().filter_map(|e| e["code"].as_str()).collect();
    assert!(codes.contains(&"password.reentry_required"), "{report:#}");
    assert_eq!(other.events(), "", "no AUTH reached the other server");
}

#[tokio::test]
async fn bad_input_is_refused_before_any_connection() {
    let s = setup("input").await;
    let response = s.app.probe(&json!({})).await;
    assert_eq!(response.status(), 422);
    assert_eq!(s.json(response).await["error"]["code"], "endpoint.unconfigured");

    let mut draft = s.endpoint(s.peer.port, Some(&s.password));
    draft["custom_ca_pem"] = json!("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    let response = s.app.probe(&json!({ "draft": draft })).await;
    assert_eq!(response.status(), 422);
    let report = s.json(response).await;
    assert_eq!(report["errors"][0]["field"], "custom_ca_pem", "{report:#}");
    assert_eq!(report["errors"][0]["code"], "custom_ca.invalid", "{report:#}");

    let draft = s.endpoint(s.peer.port, Some(&s.password));
    let response = s.app.test_email(&json!({ "to": "not an address", "draft": draft })).await;
    assert_eq!(response.status(), 422);
    let error = s.json(response).await;
    assert_eq!((&error["error"]["code"], &error["error"]["field"]), (&json!("recipient.invalid"), &json!("to")));
    let response = s.app.probe(&json!({ "recipient": "not an address", "draft": draft })).await;
    let error = s.json(response).await;
    assert_eq!((&error["error"]["code"], &error["error"]["field"]), (&json!("recipient.invalid"), &json!("recipient")));
    let draft = s.endpoint(s.peer.port, Some(&s.password));
    let response = s.app.test_email(&json!({ "to": "  ", "draft": draft, "locale": "de" })).await;
    assert_eq!(response.status(), 422);
    let error = s.json(response).await;
    assert_eq!(error["error"]["code"], "recipient.invalid");
    assert_eq!(error["error"]["message"], smtp_endpoint::messages::recipient_required(smtp_endpoint::Locale::De));
    assert_eq!(s.peer.events(), "", "nothing was sent to the server");
}

#[tokio::test]
async fn test_emails_are_rate_limited_per_admin() {
    let s = setup("limit").await;
    let draft = s.endpoint(s.peer.port, Some(&s.password));
    let limit = smtp_endpoint_server::smtp::TEST_EMAILS_PER_MINUTE;
    for _ in 0..limit {
        let response = s.app.test_email(&json!({ "to": "", "draft": draft })).await;
        assert_eq!(response.status(), 422, "refused for the empty recipient, and not counted");
    }
    // Sent until refused: the whole allowance goes through (a typo cost none of it).
    let email = json!({ "to": TO, "draft": draft });
    let accepted = s.accepted_until_limited(limit, "test emails", || s.app.test_email(&email)).await;
    assert_eq!(s.peer.messages().len(), accepted as usize, "only the accepted ones reached the server");

    // Per admin: another admin is not held by the first one's refusals.
    s.other_admin().await;
    let response = s.app.test_email(&email).await;
    assert_eq!(response.status(), 200, "the other admin's first test email");
    assert_eq!(s.peer.wait_for_messages(accepted as usize + 1).len(), accepted as usize + 1);
}

#[tokio::test]
async fn checks_are_rate_limited_per_admin() {
    let s = setup("check-limit").await;
    let draft = s.endpoint(s.peer.port, Some(&s.password));
    let limit = smtp_endpoint_server::smtp::PROBES_PER_MINUTE;
    let check = json!({ "draft": draft });
    let accepted = s.accepted_until_limited(limit, "checks", || s.app.probe(&check)).await;
    let connections = s.peer.events().matches("AUTH-RESULT ok").count();
    assert_eq!(connections, accepted as usize, "a refused check opened no connection:\n{}", s.peer.events());

    s.other_admin().await;
    assert_eq!(s.app.probe(&check).await.status(), 200, "the other admin's first check");
}

#[tokio::test]
async fn the_routes_need_a_session() {
    let app = spawn_app().await;
    assert_eq!(app.probe(&json!({})).await.status(), 401);
    assert_eq!(app.test_email(&json!({ "to": TO })).await.status(), 401);
}

#[tokio::test]
async fn cli_probe_and_send_test_print_the_steps() {
    let s = setup("cli").await;
    assert_eq!(s.app.save(&s.endpoint(s.peer.port, Some(&s.password))).await.status(), 200);
    let run = |args: &[&str]| {
        std::process::Command::new(helpers::binary())
            .env_remove("SMTP_ENDPOINT_LOG")
            .env_remove("RUST_LOG")
            .args(args)
            .arg("--data-dir")
            .arg(s.app.data_dir.path())
            .output()
            .expect("run the binary")
    };
    let probe = run(&["probe", "--to", TO]);
    let stdout = String::from_utf8_lossy(&probe.stdout);
    assert!(probe.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&probe.stderr));
    // What the connection does, as the page says it; the log, which would repeat the report, keeps quiet.
    assert!(stdout.starts_with("Check of the stored endpoint: TLS from the first byte to "), "{stdout}");
    assert_eq!(String::from_utf8_lossy(&probe.stderr), "", "only warnings are logged");
    // One line per step, in order, in columns: its status, its name in words, its time. Implicit TLS, so STARTTLS
    // has nothing to do.
    let steps = |stdout: &str, statuses: [&str; 3]| -> Vec<(String, usize)> {
        stdout
            .lines()
            .filter_map(|line| {
                let line = line.strip_prefix("  ")?;
                let status = statuses.into_iter().find(|s| line.starts_with(&format!("{s} ")))?;
                let name = line[status.len()..].trim_start();
                let column = line.chars().count() - name.chars().count();
                let name = name.split("  ").next()?.trim_end();
                Some((format!("{name}: {status}"), column))
            })
            .collect()
    };
    let english = steps(&stdout, ["ok", "FAILED", "skipped"]);
    let expected = [
        "Resolve host: ok",
        "Connect: ok",
        "TLS handshake: ok",
        "EHLO: ok",
        "STARTTLS: skipped",
        "Log in (AUTH): ok",
        "Sender (MAIL FROM): ok",
        "Recipient (RCPT TO): ok",
        "Reset (RSET): ok",
        "Close (QUIT): ok",
    ];
    assert_eq!(english.iter().map(|(step, _)| step.as_str()).collect::<Vec<_>>(), expected, "{stdout}");
    assert!(stdout.contains("connected to "), "what each step did:\n{stdout}");
    let german = run(&["probe", "--locale", "de"]);
    let stdout = String::from_utf8_lossy(&german.stdout);
    assert!(stdout.contains("verbunden mit ") && !stdout.contains("connected to "), "in German:\n{stdout}");
    // The command line's own words too, around the core's, and the names in one column whatever the status.
    assert!(stdout.starts_with("Prüfung des gespeicherten Endpunkts: TLS ab dem ersten Byte"), "in German:\n{stdout}");
    assert!(stdout.contains("es wurde keine Nachricht gesendet") && !stdout.contains("skipped"), "{stdout}");
    let deutsch = steps(&stdout, ["ok", "fehlgeschlagen", "übersprungen"]);
    assert_eq!(deutsch[4].0, "STARTTLS: übersprungen", "{stdout}");
    assert_eq!(deutsch[5].0, "Anmelden (AUTH): ok", "{stdout}");
    assert!(deutsch.iter().all(|(_, column)| *column == deutsch[0].1), "{stdout}");
    // A reply of several lines shows its first (the server's name), not its last extension.
    let ehlo = stdout.lines().find(|line| line.contains("EHLO")).unwrap_or_default();
    assert!(ehlo.contains("250-"), "{stdout}");
    let sent = run(&["send-test", "--to", TO]);
    let stdout = String::from_utf8_lossy(&sent.stdout);
    assert!(sent.status.success(), "{stdout}");
    assert!(stdout.starts_with(&format!("Test email to {TO}: TLS from the first byte to ")), "{stdout}");
    assert!(stdout.contains("Message (DATA)") && stdout.contains("ok: accepted in "), "{stdout}");
    let sent = run(&["send-test", "--to", TO, "--json", "--transcript"]);
    let stdout = String::from_utf8_lossy(&sent.stdout);
    assert!(sent.status.success(), "{stdout}");
    assert!(!stdout.contains(&s.password) && !String::from_utf8_lossy(&sent.stderr).contains(&s.password));
    let report: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(report["ok"], true);
    assert_eq!(s.peer.wait_for_messages(2).len(), 2);

    let failed = run(&["send-test", "--to", "nobody"]);
    assert_eq!(failed.status.code(), Some(2), "an invalid recipient is an error");
}
