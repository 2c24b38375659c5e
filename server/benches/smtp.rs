//! SMTP figures for docs/benchmarks.md: probe wall time and test-email latency through the HTTP API, through
//! the engine directly, and with bare lettre doing the same work; plus the round trips per step.
//!
//!     cargo bench -p smtp-endpoint-server --bench smtp            (200 probes, 100 messages per column)
//!     SMTP_BENCH_ROUNDS=50 cargo bench -p smtp-endpoint-server --bench smtp
//!
//! Scenario 1 is Postfix's `smtp-sink` on 127.0.0.1 (plain SMTP, AUTH PLAIN accepted, as a loopback relay may).
//! Scenario 2 is aiosmtpd (`server/tests/smtp_peers/peer.py`) with STARTTLS, AUTH and a custom CA on localhost.
//! Each column's runs are interleaved with the others', so drift hits every column alike.

#[path = "../tests/smtp_peers/mod.rs"]
mod smtp_peers;

use lettre::message::{Mailbox, Message, header::ContentType};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use reqwest::Client;
use secrecy::SecretString;
use serde_json::{Value, json};
use smtp_endpoint::Step;
use smtp_endpoint_server::smtp::{self, ProbeOptions, SmtpTarget, TestEmail};
use smtp_endpoint_server::{AppState, Config, app, auth};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const USER: &str = "bench-user";
const PASSWORD: &str = "bench-password-not-secret";
const FROM: &str = "app@example.com";
const TO: &str = "ops@example.net";
const HELLO: &str = "bench.example.test";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let rounds: usize = std::env::var("SMTP_BENCH_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(200);
    let app = BenchApp::start().await;
    // Warm-ups and both scenarios, with room to spare.
    app.prepare(rounds + rounds / 4 + 10, rounds / 2 + rounds / 8 + 10).await;

    let sink = Sink::start();
    println!(
        "## Scenario 1: smtp-sink (Postfix) on 127.0.0.1, plain SMTP with AUTH PLAIN; {rounds} probes, {} messages per column\n",
        rounds / 2
    );
    let draft = json!({
        "uri": format!("smtp://127.0.0.1:{}", sink.port),
        "username": USER, "password": PASSWORD, "default_from_address": FROM,
    });
    let target = make_target("127.0.0.1", sink.port, smtp_endpoint::TlsMode::StarttlsOpportunistic, None);
    let lettre_plain = LettreWork { host: "127.0.0.1", port: sink.port, tls_ca: None };
    scenario(&app, &draft, &target, &lettre_plain, rounds).await;
    drop(sink);

    let pki = smtp_peers::Pki::new("Bench CA");
    let password_flags = ["--require-auth", "--require-starttls", "--user", USER, "--password", PASSWORD];
    let peer = smtp_peers::Peer::start("starttls", Some(&pki.server_cert(&["localhost"], false)), &password_flags);
    let rounds = rounds / 4;
    println!(
        "\n## Scenario 2: aiosmtpd on localhost, STARTTLS (TLS 1.3) + AUTH PLAIN, custom CA; {rounds} probes, {} messages per column\n",
        rounds / 2
    );
    let draft = json!({
        "uri": format!("smtp://localhost:{}?tls=required", peer.port),
        "username": USER, "password": PASSWORD, "default_from_address": FROM, "custom_ca_pem": pki.ca_pem,
    });
    let target = make_target("localhost", peer.port, smtp_endpoint::TlsMode::StarttlsRequired, Some(&pki.ca_pem));
    let lettre_tls = LettreWork { host: "localhost", port: peer.port, tls_ca: Some(pki.ca_pem.clone()) };
    scenario(&app, &draft, &target, &lettre_tls, rounds).await;
}

async fn scenario(app: &BenchApp, draft: &Value, target: &SmtpTarget, lettre: &LettreWork, rounds: usize) {
    let options = ProbeOptions {
        recipient: Some(TO.parse().expect("to")),
        hello_name: Some(HELLO.to_owned()),
        ..ProbeOptions::default()
    };
    let email = TestEmail { to: TO.parse().expect("to"), requested_by: Some("bench".to_owned()) };

    // Sanity and warm-up: every path must succeed before it is timed.
    let report = smtp::probe(target, &options).await;
    assert!(report.ok, "engine probe failed: {report:#?}");
    let api = app.probe(draft).await;
    assert_eq!(api["ok"], true, "API probe failed: {api:#}");
    assert!(app.send(draft).await["ok"] == true, "API test email failed");
    lettre.probe().await;
    lettre.test_connection().await;
    lettre.send().await;

    let mut columns: Vec<(&str, Vec<Duration>)> = vec![
        ("probe via API (POST /api/endpoints/smtp/probe)", vec![]),
        ("probe, engine only (smtp::probe)", vec![]),
        ("bare lettre, same work (connect, EHLO, [STARTTLS, EHLO,] AUTH, MAIL, RCPT, RSET, QUIT)", vec![]),
        ("bare lettre test_connection() (connect, EHLO, [STARTTLS, EHLO,] AUTH, NOOP, QUIT)", vec![]),
        ("for scale: GET /healthz, the floor of any API call", vec![]),
    ];
    for _ in 0..rounds {
        columns[0].1.push(time(app.probe(draft)).await);
        columns[1].1.push(time(smtp::probe(target, &options)).await);
        columns[2].1.push(time(lettre.probe()).await);
        columns[3].1.push(time(lettre.test_connection()).await);
        columns[4].1.push(time(app.healthz()).await);
    }
    let mut sends: Vec<(&str, Vec<Duration>)> = vec![
        ("test email via API (POST /api/endpoints/smtp/test-email)", vec![]),
        ("test email, engine only (smtp::send_test)", vec![]),
        ("bare lettre AsyncSmtpTransport::send() of a built message", vec![]),
    ];
    for _ in 0..rounds / 2 {
        sends[0].1.push(time(app.send(draft)).await);
        sends[1].1.push(time(smtp::send_test(target, &email, &options)).await);
        sends[2].1.push(time(lettre.send()).await);
    }

    println!("| what | median | p90 | vs bare lettre (median) |");
    println!("|---|---:|---:|---:|");
    let probe_base = median(&columns[2].1);
    for (name, samples) in &columns {
        println!(
            "| {name} | {} | {} | {:.2}× |",
            ms(median(samples)),
            ms(p90(samples)),
            ratio(median(samples), probe_base)
        );
    }
    let send_base = median(&sends[2].1);
    for (name, samples) in &sends {
        println!(
            "| {name} | {} | {} | {:.2}× |",
            ms(median(samples)),
            ms(p90(samples)),
            ratio(median(samples), send_base)
        );
    }

    let probe = smtp::probe(target, &options).await;
    let sent = smtp::send_test(target, &email, &options).await;
    println!("\nRound trips per step (a command and its reply = 1, the TCP connect = 1, a TLS 1.3 handshake = 1):\n");
    println!("| step | probe | test email |");
    println!("|---|---:|---:|");
    let order = [
        Step::Resolve,
        Step::Connect,
        Step::Tls,
        Step::Ehlo,
        Step::Starttls,
        Step::Auth,
        Step::MailFrom,
        Step::RcptTo,
        Step::Data,
        Step::Rset,
        Step::Quit,
    ];
    let trips = |steps: &[smtp::StepReport], step: Step| {
        steps.iter().find(|s| s.step == step).map(|s| s.round_trips.to_string()).unwrap_or_else(|| "–".to_owned())
    };
    for step in order {
        println!("| {} | {} | {} |", step.as_str(), trips(&probe.steps, step), trips(&sent.steps, step));
    }
    let total = |steps: &[smtp::StepReport]| steps.iter().map(|s| s.round_trips).sum::<u32>();
    println!("| **total** | {} | {} |", total(&probe.steps), total(&sent.steps));
}

fn make_target(host: &str, port: u16, tls: smtp_endpoint::TlsMode, ca: Option<&str>) -> SmtpTarget {
    SmtpTarget {
        host: smtp_endpoint::Host::parse(host).expect("host"),
        port,
        tls,
        username: Some(USER.to_owned()),
        password: Some(SecretString::from(PASSWORD)),
        from: smtp_endpoint::FromAddress::parse(FROM).expect("from"),
        custom_ca: ca.map(|pem| smtp::custom_ca::parse(pem).expect("CA")).unwrap_or_default(),
    }
}

async fn time<T>(work: impl Future<Output = T>) -> Duration {
    let started = Instant::now();
    let _ = work.await;
    started.elapsed()
}

fn sorted(samples: &[Duration]) -> Vec<Duration> {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted
}

fn median(samples: &[Duration]) -> Duration {
    sorted(samples).get(samples.len() / 2).copied().unwrap_or_default()
}

fn p90(samples: &[Duration]) -> Duration {
    sorted(samples).get(samples.len() * 9 / 10).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

/// The same work with lettre alone.
struct LettreWork {
    host: &'static str,
    port: u16,
    tls_ca: Option<String>,
}

impl LettreWork {
    fn tls_parameters(&self) -> Option<TlsParameters> {
        self.tls_ca.as_ref().map(|pem| {
            TlsParameters::builder(self.host.to_owned())
                .add_root_certificate(Certificate::from_pem(pem.as_bytes()).expect("CA"))
                .build_rustls()
                .expect("TLS parameters")
        })
    }

    fn credentials() -> Credentials {
        Credentials::new(USER.to_owned(), PASSWORD.to_owned())
    }

    /// connect + EHLO, STARTTLS + EHLO when TLS, AUTH, MAIL FROM, RCPT TO, RSET, QUIT.
    async fn probe(&self) {
        let hello = ClientId::Domain(HELLO.to_owned());
        let mut conn = AsyncSmtpConnection::connect_tokio1(
            (self.host, self.port),
            Some(Duration::from_secs(10)),
            &hello,
            None,
            None,
        )
        .await
        .expect("connect");
        if let Some(tls) = self.tls_parameters() {
            conn.starttls(tls, &hello).await.expect("STARTTLS");
        }
        conn.auth(&[Mechanism::Plain, Mechanism::Login], &Self::credentials()).await.expect("AUTH");
        let from: Address = FROM.parse().expect("from");
        let to: Address = TO.parse().expect("to");
        conn.command(Mail::new(Some(from), vec![])).await.expect("MAIL");
        conn.command(Rcpt::new(to, vec![])).await.expect("RCPT");
        conn.command(Rset).await.expect("RSET");
        conn.quit().await.expect("QUIT");
    }

    fn transport(&self) -> AsyncSmtpTransport<Tokio1Executor> {
        let tls = match self.tls_parameters() {
            Some(parameters) => Tls::Required(parameters),
            None => Tls::None,
        };
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.host)
            .port(self.port)
            .tls(tls)
            .credentials(Self::credentials())
            .hello_name(ClientId::Domain(HELLO.to_owned()))
            .build()
    }

    async fn test_connection(&self) {
        assert!(self.transport().test_connection().await.expect("test_connection"));
    }

    async fn send(&self) {
        let message = Message::builder()
            .from(Mailbox::new(None, FROM.parse().expect("from")))
            .to(Mailbox::new(None, TO.parse().expect("to")))
            .subject("[Test] SMTP endpoint test message")
            .date_now()
            .message_id(None)
            .header(ContentType::TEXT_PLAIN)
            .body("This is a test message from the SMTP endpoint settings benchmark.\n".to_owned())
            .expect("message");
        self.transport().send(message).await.expect("send");
    }
}

/// Postfix's smtp-sink on a free loopback port.
struct Sink {
    child: Child,
    port: u16,
}

impl Sink {
    fn start() -> Sink {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let child = Command::new("smtp-sink")
            .args(["-u", "nobody", &format!("127.0.0.1:{port}"), "256"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("smtp-sink (Debian package postfix) runs");
        // Ready when it accepts a connection.
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
            assert!(Instant::now() < deadline, "smtp-sink did not start");
            std::thread::yield_now();
        }
        Sink { child, port }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The app on a real socket, with enough admins that the per-admin rate limits never answer 429 here.
struct BenchApp {
    address: String,
    state: AppState,
    _data_dir: tempfile::TempDir,
    probe_clients: std::sync::Mutex<Pool>,
    send_clients: std::sync::Mutex<Pool>,
    plain: Client,
}

#[derive(Default)]
struct Pool {
    clients: Vec<Client>,
    uses: usize,
}

impl BenchApp {
    async fn start() -> BenchApp {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let state = AppState::open(Config::new(data_dir.path())).await.expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let service = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await });
        BenchApp {
            address,
            state,
            _data_dir: data_dir,
            probe_clients: Default::default(),
            send_clients: Default::default(),
            plain: Client::new(),
        }
    }

    /// Logs in enough admins for `probes` probes and `sends` test emails, before anything is timed.
    async fn prepare(&self, probes: usize, sends: usize) {
        for (pool, count, send) in [
            (&self.probe_clients, probes.div_ceil(smtp::PROBES_PER_MINUTE as usize), false),
            (&self.send_clients, sends.div_ceil(smtp::TEST_EMAILS_PER_MINUTE as usize), true),
        ] {
            for i in 0..count {
                let name = format!("bench-{}-{i}", if send { "send" } else { "probe" });
                auth::create_admin(&self.state, &name, &SecretString::from(PASSWORD)).await.expect("admin");
                let client = Client::builder().cookie_store(true).build().expect("client");
                let login = client
                    .post(format!("{}/api/session", self.address))
                    .json(&json!({ "username": name, "password": PASSWORD }))
                    .send()
                    .await
                    .expect("login");
                assert_eq!(login.status(), 200, "login of {name}");
                pool.lock().unwrap_or_else(|p| p.into_inner()).clients.push(client);
            }
        }
    }

    /// The next admin's client: each admin is used at most its rate limit's worth of times.
    fn client(&self, send: bool) -> Client {
        let (pool, per_admin) = if send {
            (&self.send_clients, smtp::TEST_EMAILS_PER_MINUTE as usize)
        } else {
            (&self.probe_clients, smtp::PROBES_PER_MINUTE as usize)
        };
        let mut pool = pool.lock().unwrap_or_else(|p| p.into_inner());
        pool.uses += 1;
        let index = (pool.uses - 1) / per_admin;
        pool.clients.get(index).cloned().expect("enough admins were prepared")
    }

    async fn healthz(&self) {
        let response = self.plain.get(format!("{}/healthz", self.address)).send().await.expect("healthz");
        let _ = response.bytes().await;
    }

    async fn probe(&self, draft: &Value) -> Value {
        let client = self.client(false);
        let body = json!({ "draft": draft, "recipient": TO });
        let response =
            client.post(format!("{}/api/endpoints/smtp/probe", self.address)).json(&body).send().await.expect("probe");
        response.json().await.expect("json")
    }

    async fn send(&self, draft: &Value) -> Value {
        let client = self.client(true);
        let body = json!({ "draft": draft, "to": TO });
        let response = client
            .post(format!("{}/api/endpoints/smtp/test-email", self.address))
            .json(&body)
            .send()
            .await
            .expect("test email");
        response.json().await.expect("json")
    }
}
