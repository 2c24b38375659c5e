//! `spawn_app()` (the app on port 0 with its own temp data dir) and `TestApp`, one method per route; plus
//! `ServerProcess` for the real binary.

#![allow(dead_code)]

use reqwest::{Client, Response};
use secrecy::SecretString;
use serde_json::{Value, json};
use smtp_endpoint_server::{AppState, Config, app, auth};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tempfile::TempDir;

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "a long test admin password";

pub struct TestApp {
    pub address: String,
    /// Keeps cookies, like a browser.
    pub client: Client,
    pub state: AppState,
    pub data_dir: TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// `spawn_app` with a tweak to the configuration.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::new(data_dir.path());
    configure(&mut config);
    let state = AppState::open(config).await.expect("open state");
    auth::create_admin(&state, ADMIN, &SecretString::from(ADMIN_PASSWORD)).await.expect("create admin");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let service = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    TestApp { address: format!("http://127.0.0.1:{port}"), client: cookie_client(), state, data_dir }
}

pub fn cookie_client() -> Client {
    Client::builder().cookie_store(true).build().expect("client")
}

/// A valid endpoint body with the given password.
pub fn endpoint_body(uri: &str, username: Option<&str>, password: Option<&str>) -> Value {
    let mut body = json!({ "uri": uri, "default_from_address": "App <app@example.com>" });
    if let Some(username) = username {
        body["username"] = json!(username);
    }
    if let Some(password) = password {
        body["password"] = json!(password);
    }
    body
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn login_as(&self, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/session"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("request")
    }

    /// Logs in as the test admin and asserts it worked.
    pub async fn login(&self) {
        let response = self.login_as(ADMIN, ADMIN_PASSWORD).await;
        assert_eq!(response.status(), 200, "login failed");
    }

    pub async fn get_session(&self) -> Response {
        self.client.get(self.url("/api/session")).send().await.expect("request")
    }

    pub async fn logout(&self) -> Response {
        self.client.delete(self.url("/api/session")).send().await.expect("request")
    }

    pub async fn get_endpoint(&self) -> Response {
        self.client.get(self.url("/api/endpoints/smtp")).send().await.expect("request")
    }

    /// The current ETag.
    pub async fn etag(&self) -> String {
        let response = self.get_endpoint().await;
        assert_eq!(response.status(), 200);
        response.headers()["etag"].to_str().expect("etag").to_owned()
    }

    pub async fn put_endpoint(&self, if_match: Option<&str>, body: &Value) -> Response {
        let mut request = self.client.put(self.url("/api/endpoints/smtp")).json(body);
        if let Some(if_match) = if_match {
            request = request.header("if-match", if_match);
        }
        request.send().await.expect("request")
    }

    /// PUT with the current ETag.
    pub async fn save(&self, body: &Value) -> Response {
        let etag = self.etag().await;
        self.put_endpoint(Some(&etag), body).await
    }

    pub async fn validate(&self, body: &Value) -> Response {
        self.client.post(self.url("/api/endpoints/smtp/validate")).json(body).send().await.expect("request")
    }

    pub async fn history(&self) -> Response {
        self.get("/api/endpoints/smtp/history").await
    }

    /// A GET of `path` (with its query) as the signed-in client.
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn healthz(&self) -> Response {
        self.client.get(self.url("/healthz")).send().await.expect("request")
    }

    pub async fn openapi(&self) -> Value {
        let response = self.client.get(self.url("/api/openapi.json")).send().await.expect("request");
        assert_eq!(response.status(), 200);
        response.json().await.expect("json")
    }
}

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_smtp-endpoint-server")
}

/// The real binary, serving on a free port. Its stdout is parsed for the address and the first admin's
/// password; its log (stderr) goes to a file. Killed when dropped.
pub struct ServerProcess {
    pub child: Child,
    pub address: String,
    pub first_admin_password: Option<String>,
    /// The `admin reset-password` line the first start prints.
    pub reset_command: Option<String>,
    pub log_file: PathBuf,
}

impl ServerProcess {
    pub fn start(data_dir: &Path, envs: &[(&str, &str)]) -> Result<ServerProcess, String> {
        ServerProcess::start_bound(data_dir, "127.0.0.1:0", envs)
    }

    /// `start` on a given address. Fails when the server exits before listening, or says nothing for a minute.
    pub fn start_bound(data_dir: &Path, bind: &str, envs: &[(&str, &str)]) -> Result<ServerProcess, String> {
        let log_file = data_dir.with_extension(format!("log-{}", rand_suffix()));
        let log = std::fs::File::create(&log_file).map_err(|e| e.to_string())?;
        let mut command = Command::new(binary());
        command
            .args(["serve", "--bind", bind, "--data-dir"])
            .arg(data_dir)
            .env_remove("SMTP_ENDPOINT_MASTER_KEY")
            .env("SMTP_ENDPOINT_LOG", "trace")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        for (key, value) in envs {
            command.env(key, value);
        }
        let mut child = command.spawn().map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (lines, received) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let (mut first_admin_password, mut reset_command) = (None, None);
        loop {
            let line = match received.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => line.map_err(|e| e.to_string())?,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    return Err("the server printed nothing for a minute".to_owned());
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            };
            if let Some(password) = line.trim().strip_prefix("password: ") {
                first_admin_password = Some(password.to_owned());
            }
            if line.contains(" admin reset-password ") {
                reset_command = Some(line.trim().to_owned());
            }
            if let Some(address) = line.strip_prefix("Listening on ") {
                let address = address.trim().to_owned();
                return Ok(ServerProcess { child, address, first_admin_password, reset_command, log_file });
            }
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        let log = std::fs::read_to_string(&log_file).unwrap_or_default();
        Err(format!("the server exited ({status}) before listening:\n{log}"))
    }

    /// Sends a signal (`TERM`, `INT`) to the server.
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill").arg(format!("-{name}")).arg(self.child.id().to_string()).status();
        assert!(sent.is_ok_and(|status| status.success()), "kill -{name}");
    }

    /// Waits (polling) until the log has `needle`; false when `limit` passed first.
    pub fn wait_for_log(&self, needle: &str, limit: Duration) -> bool {
        let until = std::time::Instant::now() + limit;
        while std::time::Instant::now() < until {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.log().contains(needle)
    }

    /// Waits (polling) for the process to exit; `None` when `limit` passed first.
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let until = std::time::Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if std::time::Instant::now() >= until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_file).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

fn rand_suffix() -> String {
    format!("{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos())
}

/// Logs into a server process with a fresh cookie client.
pub async fn login_process(server: &ServerProcess, username: &str, password: &str) -> Client {
    let client = cookie_client();
    let response = client
        .post(server.url("/api/session"))
        .json(&json!({ "username": username, "password": password }))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("login request");
    assert_eq!(response.status(), 200, "login to the process failed");
    client
}

/// A self-signed CA certificate (PEM), as an internal relay's CA would be pasted.
pub fn test_ca_pem() -> String {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, "Test relay CA");
    params.self_signed(&key).expect("certificate").pem()
}

/// The API's answers as the page reads them: `server/tests/examples/<name>.json` holds one real answer per shape,
/// and the page's decoders are tested on the same files (`web/src/api.rs`). A test that gets such an answer checks
/// it against its example: the same fields, recursively, with values of the same JSON type (`null` only where the
/// example has `null`); each element of an array like the example's element at its place, or its first one.
/// After an intended change of the API, rewrite the examples and review the diff and the page's decoders:
/// `UPDATE_EXAMPLES=1 cargo test -p smtp-endpoint-server`.
pub fn matches_example(name: &str, answer: &Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/examples").join(format!("{name}.json"));
    if std::env::var_os("UPDATE_EXAMPLES").is_some() {
        assert!(
            std::env::var_os("CI").is_none(),
            "UPDATE_EXAMPLES rewrites the examples instead of checking: not in CI"
        );
        let text = serde_json::to_string_pretty(answer).expect("json") + "\n";
        std::fs::write(&path, text).expect("write the example");
        return;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let example: Value = serde_json::from_str(&text).expect("the example is JSON");
    if let Err(at) = same_shape(&example, answer, name.to_owned()) {
        panic!(
            "the answer differs from {} at {at}; if intended, rerun with UPDATE_EXAMPLES=1 and check the page's \
             decoders (web/src/api.rs)\nanswer: {answer:#}",
            path.display()
        );
    }
}

fn same_shape(example: &Value, answer: &Value, at: String) -> Result<(), String> {
    match (example, answer) {
        (Value::Null, Value::Null) => Ok(()),
        (Value::Object(e), Value::Object(a)) => {
            if let Some(key) = e.keys().find(|k| !a.contains_key(*k)).or_else(|| a.keys().find(|k| !e.contains_key(*k)))
            {
                return Err(format!("{at}.{key} (a field only one of them has)"));
            }
            e.iter().try_for_each(|(key, value)| same_shape(value, &a[key], format!("{at}.{key}")))
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.is_empty() != a.is_empty() {
                return Err(format!("{at} (empty in only one of them)"));
            }
            a.iter().enumerate().try_for_each(|(i, a)| same_shape(e.get(i).unwrap_or(&e[0]), a, format!("{at}[{i}]")))
        }
        (Value::String(_), Value::String(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_)) => Ok(()),
        _ => Err(format!("{at} ({example} against {answer})")),
    }
}
