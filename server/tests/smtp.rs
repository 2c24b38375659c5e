//! The SMTP engine against real SMTP servers (aiosmtpd, started per test by `smtp_peers/peer.py`) with a test
//! PKI made per run. Every case asserts the diagnosis code and whether the mail arrived, and that no report and
//! no log line contains the password.

mod smtp_peers;

use smtp_endpoint::{DiagnosisCode, FromAddress, Host, Locale, Step, StepNote, TlsMode};
use smtp_endpoint_server::smtp::{
    ProbeOptions, ProbeReport, SendReport, SmtpTarget, StepStatus, TestEmail, Timeouts, probe, send_test,
};
use smtp_peers::{Peer, Pki, ServerCert, header, secret_forms, self_signed_ca_as_server};
use std::io::Write;
use std::sync::{Mutex, Once};
use std::time::Duration;

const HOST: &str = "mail.example.test";
const FROM: &str = "Example App <app@example.test>";
const TO: &str = "ops@example.net";
const USER: &str = "app-user";
const STEP_TIMEOUT: Duration = Duration::from_secs(2);
const SUBJECT: &str = "[Test] SMTP endpoint test message";

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static LOGGING: Once = Once::new();

struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures every log line of every level, so each test can check its password never reached the log.
fn capture_logs() {
    LOGGING.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| LogWriter)
            .with_ansi(false)
            .try_init();
    });
}

/// A unique password per test: a canary to search for.
fn canary(name: &str) -> String {
    format!("Canary-{name}-{:x}", rand_suffix())
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7)
}

struct Case {
    target: SmtpTarget,
    options: ProbeOptions,
}

fn case(peer_port: u16, tls: TlsMode, login: Option<(&str, &str)>, custom_ca: Option<&str>) -> Case {
    capture_logs();
    let target = SmtpTarget {
        host: Host::parse(HOST).expect("host"),
        port: peer_port,
        tls,
        username: login.map(|(user, _)| user.to_owned()),
        password: login.map(|(_, password)| password.to_owned().into()),
        from: FromAddress::parse(FROM).expect("from"),
        custom_ca: custom_ca
            .map(|pem| smtp_endpoint_server::smtp::custom_ca::parse(pem).expect("custom CA"))
            .unwrap_or_default(),
    };
    let options = ProbeOptions {
        recipient: Some(TO.parse().expect("recipient")),
        timeouts: Timeouts::uniform(STEP_TIMEOUT),
        locale: Locale::En,
        connect_to: Some(vec![std::net::SocketAddr::from(([127, 0, 0, 1], peer_port))]),
        hello_name: Some("client.example.test".to_owned()),
    };
    Case { target, options }
}

impl Case {
    async fn probe(&self) -> ProbeReport {
        let report = probe(&self.target, &self.options).await;
        self.assert_no_secret(&serde_json::to_string(&report).expect("json"));
        report
    }

    async fn send(&self) -> SendReport {
        let email = TestEmail { to: TO.parse().expect("to"), requested_by: Some("admin".to_owned()) };
        let report = send_test(&self.target, &email, &self.options).await;
        self.assert_no_secret(&serde_json::to_string(&report).expect("json"));
        report
    }

    fn assert_no_secret(&self, report_json: &str) {
        if let Some(password) = &self.target.password {
            let password = secrecy::ExposeSecret::expose_secret(password);
            let logs = String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
            assert!(logs.contains("smtp step"), "the log is captured");
            for form in secret_forms(self.target.username.as_deref().unwrap_or_default(), password) {
                assert!(!logs.contains(&form), "the password is in the log");
                assert!(!report_json.contains(&form), "the password is in a report: {report_json}");
            }
        }
    }
}

fn code_of(diagnosis: Option<&smtp_endpoint_server::smtp::Diagnosis>) -> Option<(DiagnosisCode, Step)> {
    diagnosis.map(|d| (d.code, d.step))
}

fn status(report: &[smtp_endpoint_server::smtp::StepReport], step: Step) -> StepStatus {
    report.iter().find(|s| s.step == step).map(|s| s.status).unwrap_or_else(|| panic!("no {step:?} step in the report"))
}

fn note_of(diagnosis: Option<&smtp_endpoint_server::smtp::Diagnosis>) -> Option<(StepNote, Option<String>)> {
    diagnosis.and_then(|d| d.note.as_ref()).map(|n| (n.code, n.value.clone()))
}

/// How long `step` took: a stalled step's own time is the limit, whatever the steps before it took on a busy
/// machine.
fn took(report: &[smtp_endpoint_server::smtp::StepReport], step: Step) -> Duration {
    let ms = report.iter().find(|s| s.step == step).map(|s| s.duration_ms).expect("the step ran");
    Duration::from_millis(ms)
}

fn detail(report: &[smtp_endpoint_server::smtp::StepReport], step: Step) -> String {
    report.iter().find(|s| s.step == step).and_then(|s| s.detail.clone()).unwrap_or_default()
}

fn assert_delivered(peer: &Peer) {
    let messages = peer.wait_for_messages(1);
    assert_eq!(messages.len(), 1, "expected one message at the server");
    let message = &messages[0];
    assert_eq!(header(message, "X-Peer-Mail-From"), Some("app@example.test"));
    assert_eq!(header(message, "X-Peer-Rcpt-To"), Some(TO));
    assert_eq!(header(message, "From"), Some("\"Example App\" <app@example.test>"));
    assert_eq!(header(message, "To"), Some(TO));
    assert_eq!(header(message, "Subject"), Some(SUBJECT));
    assert!(header(message, "Date").is_some() && header(message, "Message-ID").is_some());
    assert!(message.contains("mail.example.test, port"), "the body names the endpoint:\n{message}");
}

/// Checked at once: the peer stores a message before it answers the end of DATA, and the dialogue is over by now.
fn assert_not_delivered(peer: &Peer) {
    assert!(peer.messages().is_empty(), "no message should have arrived: {:?}", peer.messages());
}

fn starttls_peer(pki: &Pki, flags: &[&str]) -> Peer {
    Peer::start("starttls", Some(&pki.server_cert(&[HOST], false)), flags)
}

#[tokio::test]
async fn starttls_with_auth_probes_and_delivers() {
    let pki = Pki::new("Test CA");
    let password = canary("starttls");
    let peer = starttls_peer(&pki, &["--require-starttls", "--require-auth", "--user", USER, "--password", &password]);
    let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));

    let probe = case.probe().await;
    assert!(probe.ok, "{probe:#?}");
    let statuses: Vec<_> = probe.steps.iter().map(|s| (s.step, s.status)).collect();
    assert_eq!(
        statuses,
        [
            (Step::Resolve, StepStatus::Ok),
            (Step::Connect, StepStatus::Ok),
            (Step::Tls, StepStatus::Skipped),
            (Step::Ehlo, StepStatus::Ok),
            (Step::Starttls, StepStatus::Ok),
            (Step::Auth, StepStatus::Ok),
            (Step::MailFrom, StepStatus::Ok),
            (Step::RcptTo, StepStatus::Ok),
            (Step::Rset, StepStatus::Ok),
            (Step::Quit, StepStatus::Ok),
        ]
    );
    let notes: Vec<_> = probe.steps.iter().map(|s| s.note.as_ref().map(|n| n.code)).collect();
    assert_eq!(
        notes,
        [
            Some(StepNote::AddressesGiven),
            Some(StepNote::Connected),
            Some(StepNote::NoImplicitTls),
            Some(StepNote::Extensions),
            Some(StepNote::Encrypted),
            Some(StepNote::LoggedIn),
            None,
            None,
            None,
            None,
        ]
    );
    assert_eq!(detail(&probe.steps, Step::Connect), format!("connected to 127.0.0.1:{}", peer.port));
    let ehlo = detail(&probe.steps, Step::Ehlo);
    assert!(ehlo.contains("8BITMIME") && ehlo.contains("STARTTLS"), "every extension announced: {ehlo}");
    assert!(detail(&probe.steps, Step::Ehlo).contains("STARTTLS"), "{probe:#?}");
    let starttls = detail(&probe.steps, Step::Starttls);
    assert!(starttls.starts_with("TLSv1."), "{probe:#?}");
    // The EHLO after STARTTLS offers the login, which the EHLO step (before it) could not show.
    assert!(starttls.contains("; EHLO: ") && starttls.contains("AUTH LOGIN PLAIN"), "what it offers now: {starttls}");
    assert!(!ehlo.contains("AUTH"), "no login before STARTTLS: {ehlo}");
    assert_eq!(detail(&probe.steps, Step::Auth), "logged in with PLAIN");
    let certificate = probe.certificate.as_ref().expect("certificate");
    assert!(certificate.verified && certificate.subject.contains(HOST) && certificate.issuer.contains("Test CA"));
    assert_eq!(certificate.sha256.len(), 32 * 3 - 1);
    let capabilities = probe.capabilities.as_ref().expect("capabilities");
    assert!(capabilities.auth.contains(&"PLAIN".to_owned()) && !capabilities.starttls, "after STARTTLS");
    assert!(probe.transcript.iter().any(|l| l == "C: AUTH PLAIN <redacted>"), "{:#?}", probe.transcript);
    assert_not_delivered(&peer);
    assert_eq!(peer.events().matches("AUTH-RESULT ok").count(), 1);

    let sent = case.send().await;
    assert!(sent.ok, "{sent:#?}");
    assert!(sent.message_id.as_deref().is_some_and(|id| id.ends_with("@example.test>")));
    assert!(sent.reply.as_deref().is_some_and(|r| r.starts_with("250")));
    assert_delivered(&peer);
}

#[tokio::test]
async fn implicit_tls_delivers() {
    let pki = Pki::new("Test CA");
    let password = canary("implicit");
    let peer = Peer::start(
        "implicit",
        Some(&pki.server_cert(&[HOST], false)),
        &["--require-auth", "--user", USER, "--password", &password],
    );
    let case = case(peer.port, TlsMode::Implicit, Some((USER, &password)), Some(&pki.ca_pem));
    let sent = case.send().await;
    assert!(sent.ok, "{sent:#?}");
    assert_eq!(status(&sent.steps, Step::Tls), StepStatus::Ok);
    assert_eq!(status(&sent.steps, Step::Starttls), StepStatus::Skipped);
    assert_delivered(&peer);
}

/// A server from before ESMTP (EHLO answered with 502) is greeted with HELO and still gets the message; without
/// extensions it offers no STARTTLS, which an endpoint that requires it is told.
#[tokio::test]
async fn a_server_without_ehlo_is_greeted_with_helo() {
    let peer = Peer::start("plain", None, &["--no-ehlo"]);
    let sent = case(peer.port, TlsMode::StarttlsOpportunistic, None, None).send().await;
    assert!(sent.ok, "{sent:#?}");
    let ehlo = sent.steps.iter().find(|s| s.step == Step::Ehlo).expect("the EHLO step");
    assert_eq!(ehlo.status, StepStatus::Ok);
    assert!(ehlo.detail.as_deref().is_some_and(|d| d.contains("HELO")), "{ehlo:#?}");
    assert!(ehlo.reply.as_deref().is_some_and(|r| r.starts_with("250")), "{ehlo:#?}");
    assert_eq!(status(&sent.steps, Step::Starttls), StepStatus::Skipped);
    assert_delivered(&peer);

    let probe = case(peer.port, TlsMode::StarttlsRequired, None, None).probe().await;
    assert_eq!(
        code_of(probe.diagnosis.as_ref()),
        Some((DiagnosisCode::StarttlsUnavailable, Step::Starttls)),
        "{probe:#?}"
    );
}

#[tokio::test]
async fn wrong_password_is_auth_failed() {
    let pki = Pki::new("Test CA");
    let right = canary("right");
    let wrong = canary("wrong");
    let peer = starttls_peer(&pki, &["--require-auth", "--user", USER, "--password", &right]);
    let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &wrong)), Some(&pki.ca_pem));
    let sent = case.send().await;
    assert_eq!(code_of(sent.diagnosis.as_ref()), Some((DiagnosisCode::AuthFailed, Step::Auth)), "{sent:#?}");
    assert!(sent.diagnosis.as_ref().and_then(|d| d.reply.as_deref()).is_some_and(|r| r.starts_with("535")));
    assert_not_delivered(&peer);
}

/// A server that echoes the wrong password it got — in upper case, in hex, in base64 at an odd offset — shows
/// none of it: the reply keeps its codes, the password's forms are redacted everywhere the report shows them.
#[tokio::test]
async fn a_server_echoing_the_password_shows_none_of_it() {
    let pki = Pki::new("Test CA");
    let right = canary("echo-right");
    let wrong = canary("echo-wrong");
    let peer = starttls_peer(&pki, &["--echo-auth", "--require-auth", "--user", USER, "--password", &right]);
    let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &wrong)), Some(&pki.ca_pem));
    let probe = case.probe().await;
    assert_eq!(code_of(probe.diagnosis.as_ref()), Some((DiagnosisCode::AuthFailed, Step::Auth)), "{probe:#?}");
    let reply = probe.diagnosis.as_ref().and_then(|d| d.reply.as_deref()).expect("the server's reply");
    assert!(reply.starts_with("535 5.7.8 Bad credentials <redacted> hex=<redacted> <redacted>"), "{reply}");
    let report = serde_json::to_string(&probe).expect("json");
    assert!(!report.contains(&wrong.to_uppercase()), "{report}");
    assert!(peer.events().contains("AUTH-RESULT fail"), "the server got the password");
}

/// A server that offers only AUTH LOGIN gets the username and the password as it asks for them (and aiosmtpd's
/// questions end in a NUL); a wrong password is `auth.failed` there too, and the transcript never shows either.
#[tokio::test]
async fn login_mechanism_when_plain_is_not_offered() {
    let pki = Pki::new("Test CA");
    let right = canary("login");
    let peer = starttls_peer(&pki, &["--only-login", "--require-auth", "--user", USER, "--password", &right]);
    let sent = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &right)), Some(&pki.ca_pem)).send().await;
    assert!(sent.ok, "{sent:#?}");
    let auth = sent.steps.iter().find(|s| s.step == Step::Auth).expect("the AUTH step");
    assert_eq!(auth.detail.as_deref(), Some("logged in with LOGIN"));
    assert_eq!(auth.note.as_ref().and_then(|n| n.value.as_deref()), Some("LOGIN"));
    assert_eq!(auth.round_trips, 3, "AUTH LOGIN, the username, the password");
    assert_delivered(&peer);
    assert!(peer.events().contains("AUTH LOGIN"), "{}", peer.events());

    let wrong = canary("login-wrong");
    let probe = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &wrong)), Some(&pki.ca_pem)).probe().await;
    assert_eq!(code_of(probe.diagnosis.as_ref()), Some((DiagnosisCode::AuthFailed, Step::Auth)), "{probe:#?}");
    let transcript = serde_json::to_string(&probe.transcript).expect("json");
    let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &wrong);
    assert!(!transcript.contains(&encoded) && !transcript.contains(&wrong), "{transcript}");
}

/// A login question this client cannot answer is given up with `*` (RFC 4954), which the server answers with its
/// 501: the QUIT after it is read as QUIT (not as the answer to the question), and the session ends cleanly. A
/// server that asks on and on (a login takes two answers) is given up the same way after the third answer.
#[tokio::test]
async fn a_login_question_not_understood_is_given_up_with_a_star() {
    let pki = Pki::new("Test CA");
    let password = canary("odd-question");
    for (asks, answers) in [("--odd-login-question", 0), ("--endless-login", 3)] {
        let peer =
            starttls_peer(&pki, &["--only-login", asks, "--require-auth", "--user", USER, "--password", &password]);
        let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
        let probe = case.probe().await;
        let found = code_of(probe.diagnosis.as_ref());
        assert_eq!(found, Some((DiagnosisCode::AuthMechanismUnsupported, Step::Auth)), "{asks}: {probe:#?}");
        let transcript = probe.transcript.join("\n");
        assert_eq!(transcript.matches("C: <redacted>").count(), answers, "{asks}: {transcript}");
        assert!(transcript.contains("C: *\nS: 501 5.7.0 Auth aborted\nC: QUIT\nS: 221"), "{asks}: {transcript}");
        assert_eq!(status(&probe.steps, Step::Quit), StepStatus::Ok, "{asks}: {transcript}");
        assert!(peer.events().contains("AUTH-ABANDONED"), "{asks}: {}", peer.events());
    }
}

#[tokio::test]
async fn auth_demanded_without_credentials_is_auth_required() {
    let pki = Pki::new("Test CA");
    let peer = starttls_peer(&pki, &["--require-auth", "--user", USER, "--password", "irrelevant"]);
    let case = case(peer.port, TlsMode::StarttlsRequired, None, Some(&pki.ca_pem));
    let sent = case.send().await;
    assert_eq!(code_of(sent.diagnosis.as_ref()), Some((DiagnosisCode::AuthRequired, Step::MailFrom)), "{sent:#?}");
    assert_eq!(status(&sent.steps, Step::Auth), StepStatus::Skipped);
    assert_not_delivered(&peer);
}

#[tokio::test]
async fn sender_refused_at_mail_from() {
    let pki = Pki::new("Test CA");
    let password = canary("sender-mail");
    let peer = starttls_peer(&pki, &["--user", USER, "--password", &password, "--reject-sender-at", "mail"]);
    let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
    let sent = case.send().await;
    assert_eq!(code_of(sent.diagnosis.as_ref()), Some((DiagnosisCode::SenderRejected, Step::MailFrom)), "{sent:#?}");
    assert_eq!(status(&sent.steps, Step::Quit), StepStatus::Ok, "a refusal still ends with QUIT");
    assert_not_delivered(&peer);
}

/// The port of another service over TLS (`smtps://` to IMAPS, 993): the handshake works, the greeting is not SMTP.
/// Said as what it is, with its greeting as the reply (not as a server that closed the connection).
#[tokio::test]
async fn a_tls_service_that_does_not_speak_smtp_is_said_to_be_one() {
    let pki = Pki::new("Test CA");
    let greeting = "* OK [CAPABILITY IMAP4rev1] Dovecot ready.";
    let peer = Peer::start("implicit", Some(&pki.server_cert(&[HOST], false)), &["--not-smtp-greeting", greeting]);
    let case = case(peer.port, TlsMode::Implicit, None, Some(&pki.ca_pem));
    let probe = case.probe().await;
    assert_eq!(code_of(probe.diagnosis.as_ref()), Some((DiagnosisCode::ServerNotSmtp, Step::Tls)), "{probe:#?}");
    let reply = probe.diagnosis.as_ref().and_then(|d| d.reply.clone()).unwrap_or_default();
    assert!(reply.contains(greeting), "what answered is the reply: {probe:#?}");
    assert_eq!(status(&probe.steps, Step::Connect), StepStatus::Ok);
}

/// A non-ASCII address to a server without SMTPUTF8 (aiosmtpd's default) stops before MAIL FROM, said as what
/// it is: not a sender the server refused.
#[tokio::test]
async fn a_non_ascii_address_without_smtputf8() {
    let peer = Peer::start("plain", None, &[]);
    let mut case = case(peer.port, TlsMode::None, None, None);
    case.options.recipient = Some("bøb@example.com".parse().expect("recipient"));
    let probe = case.probe().await;
    assert_eq!(code_of(probe.diagnosis.as_ref()), Some((DiagnosisCode::AddressNotAscii, Step::MailFrom)), "{probe:#?}");
    assert!(!peer.events().contains("MAIL"), "nothing reached MAIL FROM: {}", peer.events());
    // The note names the address, so a recipient's is not taken for the sender's (the step is MAIL FROM for both).
    let named = |probe: &ProbeReport| note_of(probe.diagnosis.as_ref()).and_then(|(_, value)| value);
    assert_eq!(named(&probe).as_deref(), Some("bøb@example.com"), "{probe:#?}");
    case.target.from = FromAddress::parse("Bø <bø@example.com>").expect("from");
    case.options.recipient = None;
    let probe = case.probe().await;
    assert_eq!(code_of(probe.diagnosis.as_ref()), Some((DiagnosisCode::AddressNotAscii, Step::MailFrom)), "{probe:#?}");
    assert_eq!(named(&probe).as_deref(), Some("bø@example.com"), "{probe:#?}");
}

/// What the admin typed comes back as it went, whether it holds the stored password or not: redacting inside it
/// would answer a guess put into a from address or a recipient (here echoed by a server's refusal, as Postfix
/// does). The report for the right guess and a wrong one differ only by the guess.
#[tokio::test]
async fn an_address_holding_the_password_answers_no_guess() {
    let pki = Pki::new("Test CA");
    let password = canary("oracle");
    // A wrong guess as long as the right one, so the two reports can be compared line for line.
    let wrong = format!("{}z", &password[..password.len() - 1]);
    let refuses = starttls_peer(&pki, &["--user", USER, "--password", &password, "--reject-sender-at", "mail"]);
    let accepts = starttls_peer(&pki, &["--user", USER, "--password", &password]);
    let mut transcripts = Vec::new();
    for guess in [&password, &wrong] {
        let mut at_mail = case(refuses.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
        at_mail.target.from = FromAddress::parse(&format!("{guess}@example.com")).expect("from");
        let refused = probe(&at_mail.target, &at_mail.options).await;
        assert_eq!(code_of(refused.diagnosis.as_ref()), Some((DiagnosisCode::SenderRejected, Step::MailFrom)));
        let reply = refused.diagnosis.as_ref().and_then(|d| d.reply.clone()).unwrap_or_default();
        assert!(reply.starts_with(&format!("553 5.7.1 <{guess}@example.com>: Sender")), "{reply}");

        let mut fine = case(accepts.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
        fine.options.recipient = Some(format!("{guess}@example.net").parse().expect("recipient"));
        let checked = probe(&fine.target, &fine.options).await;
        assert!(checked.ok, "{checked:#?}");
        let email = TestEmail { to: format!("r.{guess}@example.net").parse().expect("to"), requested_by: None };
        let sent = send_test(&fine.target, &email, &fine.options).await;
        assert!(sent.ok, "{sent:#?}");
        let said = [refused.transcript, checked.transcript, sent.transcript].concat().join("\n");
        for line in [
            format!("S: 553 5.7.1 <{guess}@example.com>: Sender address rejected"),
            format!("C: RCPT TO:<{guess}@example.net>"),
            format!("C: RCPT TO:<r.{guess}@example.net>"),
        ] {
            assert!(said.contains(&line), "{line} in {said}");
        }
        assert!(!said.contains("<redacted>@") && !said.contains(".<redacted>"), "{said}");
        transcripts.push(said.replace(guess.as_str(), "GUESS"));
    }
    assert_eq!(transcripts[0], transcripts[1], "the right guess and a wrong one: the same transcript");
}

#[tokio::test]
async fn sender_refused_at_rcpt_to_is_still_sender_rejected() {
    let pki = Pki::new("Test CA");
    let password = canary("sender-rcpt");
    let peer = starttls_peer(&pki, &["--user", USER, "--password", &password, "--reject-sender-at", "rcpt"]);
    let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
    let probe = case.probe().await;
    assert_eq!(code_of(probe.diagnosis.as_ref()), Some((DiagnosisCode::SenderRejected, Step::RcptTo)), "{probe:#?}");
    let sent = case.send().await;
    assert_eq!(code_of(sent.diagnosis.as_ref()), Some((DiagnosisCode::SenderRejected, Step::RcptTo)), "{sent:#?}");
    assert_not_delivered(&peer);
}

/// A server that judges the from address only once the message came: the check (which sends none) passes, and
/// the test email says that the sender was refused, at DATA.
#[tokio::test]
async fn sender_refused_after_the_message_is_sender_rejected() {
    let pki = Pki::new("Test CA");
    let password = canary("sender-data");
    let peer = starttls_peer(&pki, &["--user", USER, "--password", &password, "--reject-sender-at", "data"]);
    let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
    let probe = case.probe().await;
    assert!(probe.ok, "{probe:#?}");
    let sent = case.send().await;
    assert_eq!(code_of(sent.diagnosis.as_ref()), Some((DiagnosisCode::SenderRejected, Step::Data)), "{sent:#?}");
    let reply = sent.diagnosis.as_ref().and_then(|d| d.reply.as_deref()).unwrap_or_default();
    assert!(reply.starts_with("550 5.1.8"), "the server's reply: {reply}");
    assert_not_delivered(&peer);
}

#[tokio::test]
async fn recipient_refused() {
    let pki = Pki::new("Test CA");
    let password = canary("recipient");
    let peer = starttls_peer(&pki, &["--user", USER, "--password", &password, "--reject-recipient", TO]);
    let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
    let sent = case.send().await;
    assert_eq!(code_of(sent.diagnosis.as_ref()), Some((DiagnosisCode::RecipientRejected, Step::RcptTo)), "{sent:#?}");
    assert_not_delivered(&peer);
}

/// A name that does not resolve (`.invalid` never does, RFC 6761): diagnosed at the first step, nothing connected.
#[tokio::test]
async fn unknown_host_is_dns_not_found() {
    let mut case = case(25, TlsMode::StarttlsOpportunistic, None, None);
    case.target.host = Host::parse("no-such-relay.invalid").expect("host");
    case.options.connect_to = None;
    let probe = case.probe().await;
    assert_eq!(code_of(probe.diagnosis.as_ref()), Some((DiagnosisCode::DnsNotFound, Step::Resolve)), "{probe:#?}");
    assert_eq!(status(&probe.steps, Step::Resolve), StepStatus::Failed);
    assert_eq!(status(&probe.steps, Step::Connect), StepStatus::Skipped);
    let detail = probe.diagnosis.and_then(|d| d.detail).unwrap_or_default();
    assert!(detail.contains("no-such-relay.invalid"), "the detail names the host: {detail}");
}

#[tokio::test]
async fn connection_refused() {
    // Bound but not listening: connections are refused, and no other process can take the port meanwhile.
    let closed = tokio::net::TcpSocket::new_v4().expect("socket");
    closed.bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind");
    let port = closed.local_addr().expect("addr").port();
    let case = case(port, TlsMode::StarttlsOpportunistic, None, None);
    let probe = case.probe().await;
    assert_eq!(code_of(probe.diagnosis.as_ref()), Some((DiagnosisCode::ConnectRefused, Step::Connect)), "{probe:#?}");
    assert_eq!(status(&probe.steps, Step::Ehlo), StepStatus::Skipped);
}

#[tokio::test]
async fn plain_client_on_implicit_tls_port_ends_within_the_step_timeout() {
    let pki = Pki::new("Test CA");
    let password = canary("expected-implicit");
    let peer =
        Peer::start("implicit", Some(&pki.server_cert(&[HOST], false)), &["--user", USER, "--password", &password]);
    let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
    let sent = case.send().await;
    assert_eq!(
        code_of(sent.diagnosis.as_ref()),
        Some((DiagnosisCode::TlsExpectedImplicit, Step::Connect)),
        "{sent:#?}"
    );
    let suggestion = sent.diagnosis.as_ref().and_then(|d| d.suggestion.clone());
    assert_eq!(suggestion, Some(format!("smtps://{HOST}:{}", peer.port)));
    assert_eq!(note_of(sent.diagnosis.as_ref()), Some((StepNote::AnswersTls, Some("2 s".to_owned()))));
    let detail = sent.diagnosis.as_ref().and_then(|d| d.detail.as_deref());
    assert_eq!(detail, Some("no greeting within 2 s; the port answers a TLS handshake"));
    // The greeting wait is the step timeout; the check that the port speaks TLS (a second connection and a
    // handshake) takes milliseconds on loopback.
    let took = took(&sent.steps, Step::Connect);
    assert!(took >= STEP_TIMEOUT && took < STEP_TIMEOUT + Duration::from_millis(1500), "took {took:?}");
    assert!(!peer.events().contains("AUTH"), "no credentials were sent");
    assert_not_delivered(&peer);
}

#[tokio::test]
async fn tls_client_on_plaintext_port() {
    let peer = Peer::start("plain", None, &[]);
    let case = case(peer.port, TlsMode::Implicit, None, None);
    let probe = case.probe().await;
    assert_eq!(
        code_of(probe.diagnosis.as_ref()),
        Some((DiagnosisCode::TlsUnexpectedPlaintext, Step::Tls)),
        "{probe:#?}"
    );
    let diagnosis = probe.diagnosis.as_ref().expect("diagnosis");
    assert!(diagnosis.reply.as_deref().is_some_and(|r| r.starts_with("220")), "{diagnosis:?}");
    assert_eq!(diagnosis.suggestion, Some(format!("smtp://{HOST}:{}", peer.port)));
    assert_not_delivered(&peer);
}

#[tokio::test]
async fn untrusted_ca_then_trusted_through_the_custom_ca() {
    let internal = Pki::new("Internal Relay CA");
    let password = canary("custom-ca");
    let peer = Peer::start(
        "implicit",
        Some(&internal.server_cert(&[HOST], false)),
        &["--user", USER, "--password", &password],
    );
    let untrusted = case(peer.port, TlsMode::Implicit, Some((USER, &password)), None);
    let sent = untrusted.send().await;
    assert_eq!(
        code_of(sent.diagnosis.as_ref()),
        Some((DiagnosisCode::TlsCertificateUntrusted, Step::Tls)),
        "{sent:#?}"
    );
    let certificate = sent.certificate.as_ref().expect("the refused certificate is shown");
    assert!(!certificate.verified && certificate.issuer.contains("Internal Relay CA"));
    assert_eq!(note_of(sent.diagnosis.as_ref()), None, "no CA pasted: the TLS library's words");
    assert!(!peer.events().contains("AUTH"));
    assert_not_delivered(&peer);

    // A pasted CA that is not the certificate's issuer: said so, with the issuer the certificate names.
    let other = Pki::new("Some Other CA");
    let wrong_ca = case(peer.port, TlsMode::Implicit, Some((USER, &password)), Some(&other.ca_pem));
    let probe = wrong_ca.probe().await;
    let found = code_of(probe.diagnosis.as_ref());
    assert_eq!(found, Some((DiagnosisCode::TlsCertificateUntrusted, Step::Tls)), "{probe:#?}");
    let (note, issuer) = note_of(probe.diagnosis.as_ref()).expect("a note");
    assert_eq!(note, StepNote::CustomCaNotIssuer, "{probe:#?}");
    assert!(issuer.is_some_and(|issuer| issuer.contains("Internal Relay CA")), "{probe:#?}");
    let words = probe.diagnosis.as_ref().and_then(|d| d.detail.clone()).unwrap_or_default();
    assert!(words.starts_with("the pasted CA certificates did not sign it; its issuer: "), "{words}");
    assert!(!peer.events().contains("AUTH"));

    let trusted = case(peer.port, TlsMode::Implicit, Some((USER, &password)), Some(&internal.ca_pem));
    let sent = trusted.send().await;
    assert!(sent.ok, "{sent:#?}");
    assert_delivered(&peer);
}

/// The most common self-signed certificate (CA:TRUE) cannot be trusted as the server's own, even when pasted:
/// said as such, not as a failed handshake, and the password stays here.
#[tokio::test]
async fn a_ca_certificate_presented_as_the_servers_own() {
    let cert = self_signed_ca_as_server(&[HOST]);
    let password = canary("ca-as-server");
    let peer = Peer::start("implicit", Some(&cert), &["--user", USER, "--password", &password]);
    let case = case(peer.port, TlsMode::Implicit, Some((USER, &password)), Some(&cert.chain_pem));
    let probe = case.probe().await;
    assert_eq!(code_of(probe.diagnosis.as_ref()), Some((DiagnosisCode::TlsCertificateIsCa, Step::Tls)), "{probe:#?}");
    assert!(!peer.events().contains("AUTH"), "no credentials were sent");
}

#[tokio::test]
async fn hostname_mismatch() {
    let pki = Pki::new("Test CA");
    let peer = Peer::start("implicit", Some(&pki.server_cert(&["other.example.test"], false)), &[]);
    let case = case(peer.port, TlsMode::Implicit, None, Some(&pki.ca_pem));
    let sent = case.send().await;
    assert_eq!(
        code_of(sent.diagnosis.as_ref()),
        Some((DiagnosisCode::TlsCertificateHostnameMismatch, Step::Tls)),
        "{sent:#?}"
    );
    let names = sent.certificate.as_ref().map(|c| c.names.clone()).unwrap_or_default();
    assert_eq!(names, ["other.example.test"]);
    assert_not_delivered(&peer);
}

#[tokio::test]
async fn expired_certificate() {
    let pki = Pki::new("Test CA");
    let peer = starttls_peer_with(&pki.server_cert(&[HOST], true), &[]);
    let case = case(peer.port, TlsMode::StarttlsRequired, None, Some(&pki.ca_pem));
    let sent = case.send().await;
    assert_eq!(
        code_of(sent.diagnosis.as_ref()),
        Some((DiagnosisCode::TlsCertificateExpired, Step::Starttls)),
        "{sent:#?}"
    );
    assert_not_delivered(&peer);
}

fn starttls_peer_with(cert: &ServerCert, flags: &[&str]) -> Peer {
    Peer::start("starttls", Some(cert), flags)
}

#[tokio::test]
async fn no_starttls_with_a_password_never_sends_credentials() {
    let password = canary("plaintext");
    let peer = Peer::start("plain", None, &["--auth-plaintext", "--user", USER, "--password", &password]);
    let case = case(peer.port, TlsMode::StarttlsOpportunistic, Some((USER, &password)), None);
    let sent = case.send().await;
    assert_eq!(code_of(sent.diagnosis.as_ref()), Some((DiagnosisCode::AuthPlaintextRefused, Step::Auth)), "{sent:#?}");
    assert_eq!(note_of(sent.diagnosis.as_ref()), Some((StepNote::PasswordNotSent, None)));
    // The host is a name for 127.0.0.1: the rule is about how the URI writes the host, not where the server is.
    let words = sent.diagnosis.as_ref().and_then(|d| d.detail.clone()).unwrap_or_default();
    assert!(words.contains("localhost or a loopback address") && !words.contains("this machine"), "{words}");
    assert_eq!(status(&sent.steps, Step::Starttls), StepStatus::Skipped);
    assert_eq!(peer.events(), "", "the server saw no AUTH");
    assert_not_delivered(&peer);
}

#[tokio::test]
async fn no_common_login_method() {
    let pki = Pki::new("Test CA");
    let password = canary("cram");
    let peer = starttls_peer(&pki, &["--only-cram-md5", "--user", USER, "--password", &password]);
    let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
    let sent = case.send().await;
    assert_eq!(
        code_of(sent.diagnosis.as_ref()),
        Some((DiagnosisCode::AuthMechanismUnsupported, Step::Auth)),
        "{sent:#?}"
    );
    assert!(sent.capabilities.as_ref().is_some_and(|c| c.auth == ["CRAM-MD5"]), "{sent:#?}");
    assert_eq!(note_of(sent.diagnosis.as_ref()), Some((StepNote::MechanismsOffered, Some("CRAM-MD5".to_owned()))));
    assert_eq!(peer.events(), "", "no AUTH was tried");
    assert_not_delivered(&peer);
}

#[tokio::test]
async fn starttls_required_but_not_offered() {
    let peer = Peer::start("plain", None, &[]);
    let case = case(peer.port, TlsMode::StarttlsRequired, None, None);
    let sent = case.send().await;
    assert_eq!(
        code_of(sent.diagnosis.as_ref()),
        Some((DiagnosisCode::StarttlsUnavailable, Step::Starttls)),
        "{sent:#?}"
    );
    assert_eq!(status(&sent.steps, Step::Quit), StepStatus::Ok, "the client stopped, politely");
    assert_eq!(note_of(sent.diagnosis.as_ref()), Some((StepNote::StarttlsMissing, None)));
    let failed = sent.steps.iter().find(|s| s.step == Step::Starttls).and_then(|s| s.note.as_ref()).map(|n| n.code);
    assert_eq!(failed, Some(StepNote::StarttlsMissing), "the failed step says it too");
    assert_not_delivered(&peer);
}

#[tokio::test]
async fn a_server_that_stops_answering_mid_dialogue_times_out() {
    let pki = Pki::new("Test CA");
    let password = canary("stall");
    let peer = starttls_peer(&pki, &["--user", USER, "--password", &password, "--stall-at", "mail"]);
    let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
    let sent = case.send().await;
    assert_eq!(code_of(sent.diagnosis.as_ref()), Some((DiagnosisCode::Timeout, Step::MailFrom)), "{sent:#?}");
    assert_eq!(note_of(sent.diagnosis.as_ref()), Some((StepNote::NoReply, Some("2 s".to_owned()))));
    let took = took(&sent.steps, Step::MailFrom);
    assert!(took >= STEP_TIMEOUT && took < STEP_TIMEOUT + Duration::from_millis(1000), "took {took:?}");
    assert_not_delivered(&peer);
}

#[tokio::test]
async fn a_server_that_drops_the_connection_during_data() {
    let pki = Pki::new("Test CA");
    let password = canary("drop");
    let peer = starttls_peer(&pki, &["--user", USER, "--password", &password, "--drop-during-data"]);
    let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
    let sent = case.send().await;
    assert!(!sent.ok && sent.message_id.is_none(), "{sent:#?}");
    // The whole message went out: the server may have taken it, so the admin checks before sending it again.
    let found = code_of(sent.diagnosis.as_ref());
    assert_eq!(found, Some((DiagnosisCode::MessageUnconfirmed, Step::Data)), "{sent:#?}");
    assert!(peer.events().contains("DROP during DATA"), "the message reached DATA: {}", peer.events());
    assert_not_delivered(&peer);
}

/// The message's size is told at MAIL FROM where the server announces a limit (RFC 1870): a message over it is
/// refused before a byte of it is sent, as the message's refusal, not the sender's.
#[tokio::test]
async fn a_message_over_the_servers_size_limit_is_refused_before_it_is_sent() {
    let pki = Pki::new("Test CA");
    let password = canary("size");
    let peer = starttls_peer(&pki, &["--user", USER, "--password", &password, "--size-limit", "300"]);
    let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
    let sent = case.send().await;
    let found = code_of(sent.diagnosis.as_ref());
    assert_eq!(found, Some((DiagnosisCode::MessageRejected, Step::MailFrom)), "{sent:#?}");
    let reply = sent.diagnosis.as_ref().and_then(|d| d.reply.clone()).unwrap_or_default();
    assert!(reply.starts_with("552"), "{reply}");
    assert!(peer.events().contains(" SIZE="), "the size told at MAIL FROM: {}", peer.events());
    assert_not_delivered(&peer);
}

/// A verdict that never comes after the final dot is not "try again": the message may have arrived.
#[tokio::test]
async fn a_server_silent_after_the_message_may_have_taken_it() {
    let pki = Pki::new("Test CA");
    let password = canary("silent-data");
    let peer = starttls_peer(&pki, &["--user", USER, "--password", &password, "--stall-at", "data"]);
    let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
    let sent = case.send().await;
    let found = code_of(sent.diagnosis.as_ref());
    assert_eq!(found, Some((DiagnosisCode::MessageUnconfirmed, Step::Data)), "{sent:#?}");
    assert_eq!(note_of(sent.diagnosis.as_ref()), Some((StepNote::NoReply, Some("2 s".to_owned()))));
    assert!(peer.events().contains("STALL after DATA"), "the message reached the server: {}", peer.events());
    let remedy = sent.diagnosis.as_ref().map(|d| d.remedy.clone()).unwrap_or_default();
    assert!(remedy.contains("mailbox") && remedy.contains("twice"), "{remedy}");
}

#[tokio::test]
async fn diagnosis_comes_in_german_too() {
    let peer = Peer::start("plain", None, &[]);
    let mut case = case(peer.port, TlsMode::StarttlsRequired, None, None);
    case.options.locale = Locale::De;
    let probe = case.probe().await;
    let diagnosis = probe.diagnosis.expect("diagnosis");
    assert_eq!(diagnosis.message, DiagnosisCode::StarttlsUnavailable.message(Locale::De));
    assert_eq!(diagnosis.remedy, DiagnosisCode::StarttlsUnavailable.remedy(Locale::De));
    assert_eq!(diagnosis.detail.as_deref(), Some("die EHLO-Antwort des Servers bietet kein STARTTLS an"));
    // What each step did comes in German as well; its code and value stay the same.
    assert_eq!(detail(&probe.steps, Step::Connect), format!("verbunden mit 127.0.0.1:{}", peer.port));
    assert_eq!(detail(&probe.steps, Step::Tls), "kein TLS ab dem ersten Byte (smtp://)");
    let auth = probe.steps.iter().find(|s| s.step == Step::Auth).expect("the AUTH step");
    assert_eq!((auth.status, auth.detail.as_deref()), (StepStatus::Skipped, Some("nicht erreicht")));
    assert_eq!(auth.note.as_ref().map(|n| (n.code, n.value.as_deref())), Some((StepNote::NotReached, None)));
}

/// `?tls=none` to a server that wants STARTTLS first (aiosmtpd's require_starttls, Postfix's
/// smtpd_tls_security_level=encrypt): "530 Must issue a STARTTLS command first" is not a missing login.
#[tokio::test]
async fn tls_none_to_a_server_that_wants_starttls_first() {
    let pki = Pki::new("Test CA");
    let peer = starttls_peer(&pki, &["--require-starttls"]);
    let case = case(peer.port, TlsMode::None, None, Some(&pki.ca_pem));
    let probe = case.probe().await;
    let found = code_of(probe.diagnosis.as_ref());
    assert_eq!(found, Some((DiagnosisCode::StarttlsDisabled, Step::MailFrom)), "{probe:#?}");
    let reply = probe.diagnosis.as_ref().and_then(|d| d.reply.clone()).unwrap_or_default();
    assert!(reply.starts_with("530"), "{reply}");
    let suggestion = probe.diagnosis.as_ref().and_then(|d| d.suggestion.clone());
    assert_eq!(suggestion, Some(format!("smtp://{HOST}:{}", peer.port)), "the URI without ?tls=none");
    assert_not_delivered(&peer);
}

/// `?tls=none` (with a loopback host, where a login may go unencrypted) to a server that offers AUTH only after
/// STARTTLS: the EHLO offered STARTTLS, so the missing login is said to be ?tls=none's doing, not the port's.
#[tokio::test]
async fn tls_none_to_a_server_that_offers_the_login_only_after_starttls() {
    let pki = Pki::new("Test CA");
    let password = canary("auth-after-starttls");
    let peer = starttls_peer(&pki, &["--user", USER, "--password", &password]);
    let mut case = case(peer.port, TlsMode::None, Some((USER, &password)), Some(&pki.ca_pem));
    case.target.host = Host::parse("localhost").expect("host");
    let probe = case.probe().await;
    assert_eq!(code_of(probe.diagnosis.as_ref()), Some((DiagnosisCode::StarttlsDisabled, Step::Auth)), "{probe:#?}");
    assert_eq!(note_of(probe.diagnosis.as_ref()), Some((StepNote::AuthMissing, None)));
    let suggestion = probe.diagnosis.as_ref().and_then(|d| d.suggestion.clone());
    assert_eq!(suggestion, Some(format!("smtp://localhost:{}", peer.port)));
    assert!(!peer.events().contains("AUTH"), "no login was tried: {}", peer.events());

    // Without STARTTLS on offer, the port is the question, as before.
    let plain = Peer::start("plain", None, &[]);
    let mut case = self::case(plain.port, TlsMode::None, Some((USER, &password)), None);
    case.target.host = Host::parse("localhost").expect("host");
    let probe = case.probe().await;
    assert_eq!(code_of(probe.diagnosis.as_ref()), Some((DiagnosisCode::AuthNotOffered, Step::Auth)), "{probe:#?}");
}

/// Providers that refuse a password login by policy: Gmail's app password (534 5.7.9) and Microsoft 365's
/// SMTP AUTH switched off (535 5.7.139). Neither is a wrong password, nor a login method missing here.
#[tokio::test]
async fn a_provider_refusing_password_logins_by_policy() {
    let pki = Pki::new("Test CA");
    let password = canary("policy");
    let refusals = [
        "534 5.7.9 Application-specific password required. Learn more at https://support.google.com/mail/?p=InvalidSecondFactor",
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
    ];
    for refusal in refusals {
        let peer = starttls_peer(&pki, &["--user", USER, "--password", &password, "--auth-reply", refusal]);
        let case = case(peer.port, TlsMode::StarttlsRequired, Some((USER, &password)), Some(&pki.ca_pem));
        let probe = case.probe().await;
        let found = code_of(probe.diagnosis.as_ref());
        assert_eq!(found, Some((DiagnosisCode::AuthAccountPolicy, Step::Auth)), "{refusal}: {probe:#?}");
        let remedy = probe.diagnosis.as_ref().map(|d| d.remedy.clone()).unwrap_or_default();
        assert!(remedy.contains("app password") && remedy.contains("SMTP AUTH"), "{remedy}");
        assert!(peer.events().contains("AUTH PLAIN"), "PLAIN was offered and used: {}", peer.events());
    }
}

/// A port that takes the connection and says nothing: connected, but no greeting — said as such, with the
/// address, not as a firewall between here and there.
#[tokio::test]
async fn a_port_that_connects_but_never_greets() {
    let peer = Peer::start("plain", None, &["--no-greeting"]);
    let case = case(peer.port, TlsMode::StarttlsOpportunistic, None, None);
    let probe = case.probe().await;
    assert_eq!(code_of(probe.diagnosis.as_ref()), Some((DiagnosisCode::Timeout, Step::Connect)), "{probe:#?}");
    let address = format!("127.0.0.1:{}", peer.port);
    assert_eq!(note_of(probe.diagnosis.as_ref()), Some((StepNote::NoGreeting, Some(address.clone()))));
    let words = probe.diagnosis.as_ref().and_then(|d| d.detail.clone()).unwrap_or_default();
    assert_eq!(
        words,
        format!("connected to {address}, but no SMTP greeting came: a wrong port, or a hung mail server")
    );
}

/// A certificate that a trusted CA signed for TLS clients only (extendedKeyUsage=clientAuth) is not "untrusted".
#[tokio::test]
async fn a_certificate_not_made_for_servers() {
    let pki = Pki::new("Test CA");
    let peer = Peer::start("implicit", Some(&pki.client_only_cert(&[HOST])), &[]);
    let probe = case(peer.port, TlsMode::Implicit, None, Some(&pki.ca_pem)).probe().await;
    let found = code_of(probe.diagnosis.as_ref());
    assert_eq!(found, Some((DiagnosisCode::TlsCertificateInvalid, Step::Tls)), "{probe:#?}");
    let detail = probe.diagnosis.as_ref().and_then(|d| d.detail.clone()).unwrap_or_default();
    assert!(detail.starts_with("TLS: "), "what rustls found: {detail}");
}

/// Refusals at RCPT TO that are not about the recipient: the sender's domain (a x.1.8 status, even temporary),
/// and this machine (Postfix's "Client host rejected", naming the client, not an address).
#[tokio::test]
async fn refusals_at_rcpt_that_are_not_about_the_recipient() {
    let rows = [
        ("450 4.1.8 <app@example.test>: Sender address rejected: Domain not found", DiagnosisCode::SenderRejected),
        ("554 5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied", DiagnosisCode::ServerClosed),
    ];
    for (reply, code) in rows {
        let peer = Peer::start("plain", None, &["--rcpt-reply", reply]);
        let probe = case(peer.port, TlsMode::StarttlsOpportunistic, None, None).probe().await;
        assert_eq!(code_of(probe.diagnosis.as_ref()), Some((code, Step::RcptTo)), "{reply}: {probe:#?}");
        assert_eq!(probe.diagnosis.as_ref().and_then(|d| d.reply.as_deref()), Some(reply));
    }
}
