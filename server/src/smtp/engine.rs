//! The staged conversation behind a probe and a test email, with a diagnosis for the step that failed.
//!
//! Connection semantics come from the core crate's parsed URI, never from lettre's `from_url`:
//! `implicit` is TLS from the first byte, `starttls_required` is STARTTLS or fail, `starttls_opportunistic` is
//! STARTTLS when offered, `none` is never. Credentials are sent only over TLS, or to a loopback host.
//! Every wait (connect, greeting, handshake, each reply) has its own limit, and all of them a total one.

use super::conn::{Conn, IoFailure, Reply, Sniff, dot_stuff};
use super::message::{self, Built, Origin, TestEmail};
use super::redact::Redactor;
use super::report::{Capabilities, Diagnosis, Note, ProbeReport, SendReport, StepReport, StepStatus};
use super::sasl;
use super::tls::{self, CertificateInfo, ChainRecord};
use lettre::Address;
use lettre::transport::smtp::authentication::Mechanism;
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Quit, Rcpt, Rset, Starttls};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use secrecy::{ExposeSecret, SecretString};
use smtp_endpoint::{
    CustomCaDefect, DiagnosisCode, Endpoint, FromAddress, Host, Locale, ReplyContext, Step, StepNote, TlsMode,
    classify_reply,
};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Where and how to connect: the endpoint's effective settings, its password (a secret) and its custom CA.
#[derive(Clone)]
pub struct SmtpTarget {
    pub host: Host,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub from: FromAddress,
    /// Trusted in addition to the built-in roots.
    pub custom_ca: Vec<CertificateDer<'static>>,
}

impl std::fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("custom_ca", &self.custom_ca.len())
            .finish()
    }
}

impl SmtpTarget {
    /// The target a validated endpoint describes.
    pub fn new(
        endpoint: &Endpoint,
        password: Option<SecretString>,
        custom_ca_pem: Option<&str>,
    ) -> Result<SmtpTarget, CustomCaDefect> {
        let custom_ca = match super::custom_ca::given(custom_ca_pem) {
            Some(pem) => super::custom_ca::parse(pem)?,
            None => Vec::new(),
        };
        Ok(SmtpTarget {
            host: endpoint.uri().host().clone(),
            port: endpoint.uri().port(),
            tls: endpoint.uri().tls(),
            username: endpoint.username().map(str::to_owned),
            password: password.filter(|p| !p.expose_secret().is_empty()),
            from: endpoint.from().clone(),
            custom_ca,
        })
    }
}

/// How long each wait may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// DNS lookup and TCP connect, each.
    pub connect: Duration,
    /// The server's `220` greeting.
    pub greeting: Duration,
    /// A TLS handshake.
    pub tls: Duration,
    /// Each command's reply.
    pub command: Duration,
    /// The server's verdict after the message's final dot.
    pub data: Duration,
    /// Everything together.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(10),
            greeting: Duration::from_secs(10),
            tls: Duration::from_secs(10),
            command: Duration::from_secs(10),
            data: Duration::from_secs(30),
            // Under the minute a proxy in front waits for an answer by default (nginx, AWS's load balancers):
            // a slow mail server's check ends with its own diagnosis, not with the proxy's 504.
            total: Duration::from_secs(50),
        }
    }
}

impl Timeouts {
    /// The same limit for every step (the total stays the default's or `step`, whichever is longer).
    pub fn uniform(step: Duration) -> Timeouts {
        Timeouts {
            connect: step,
            greeting: step,
            tls: step,
            command: step,
            data: step,
            total: Timeouts::default().total.max(step),
        }
    }
}

/// How to run a probe or a test email.
#[derive(Debug, Clone, Default)]
pub struct ProbeOptions {
    /// `RCPT TO` this address in a probe (the message's recipient in a test email is [`TestEmail::to`]).
    pub recipient: Option<Address>,
    pub timeouts: Timeouts,
    /// Language of the diagnosis and of the test message.
    pub locale: Locale,
    /// Connect to these addresses instead of resolving the host; the host still names the certificate and
    /// decides the loopback rule. For tests and benchmarks only: no API takes it.
    pub connect_to: Option<Vec<SocketAddr>>,
    /// The name to greet with (`EHLO`); this machine's host name when `None`.
    pub hello_name: Option<String>,
}

/// Runs the staged probe: resolve → connect → TLS → EHLO → STARTTLS → AUTH → MAIL FROM → RCPT TO → RSET → QUIT.
/// Sends no message.
pub async fn probe(target: &SmtpTarget, options: &ProbeOptions) -> ProbeReport {
    let mut session = Session::new(target, options);
    let result = session.run(Job::Probe { recipient: options.recipient.as_ref() }).await;
    let result = session.after(result).await;
    let outcome = session.finish(result, &Step::PROBE);
    tracing::info!(
        host = %target.host, port = target.port, ok = outcome.ok,
        code = outcome.diagnosis.as_ref().map(|d| d.code.as_str()),
        step = outcome.diagnosis.as_ref().map(|d| d.step.as_str()),
        duration_ms = outcome.duration_ms, "smtp probe"
    );
    ProbeReport {
        ok: outcome.ok,
        steps: outcome.steps,
        diagnosis: outcome.diagnosis,
        certificate: outcome.certificate,
        capabilities: outcome.capabilities,
        transcript: outcome.transcript,
        duration_ms: outcome.duration_ms,
    }
}

/// Sends a clearly labelled test message from the default from address to `email.to`.
pub async fn send_test(target: &SmtpTarget, email: &TestEmail, options: &ProbeOptions) -> SendReport {
    let origin =
        Origin { host: &target.host, port: target.port, tls: target.tls, username: target.username.as_deref() };
    let mut session = Session::new(target, options);
    let (result, message_id) = match message::build(&target.from, email, &origin, options.locale) {
        Ok(built) => {
            let id = built.message_id.clone();
            (session.run(Job::Send { built: &built }).await, Some(id))
        }
        Err(error) => {
            let mut failure = Failure::new(Step::MailFrom, DiagnosisCode::SenderRejected, Instant::now());
            failure.seen = Some(Seen::Words(format!("the test message could not be built: {error}")));
            (Err(failure), None)
        }
    };
    let result = session.after(result).await;
    let outcome = session.finish(result, &Step::SEND);
    tracing::info!(
        host = %target.host, port = target.port, ok = outcome.ok,
        code = outcome.diagnosis.as_ref().map(|d| d.code.as_str()),
        step = outcome.diagnosis.as_ref().map(|d| d.step.as_str()),
        duration_ms = outcome.duration_ms, "smtp test email"
    );
    SendReport {
        ok: outcome.ok,
        message_id: if outcome.ok { message_id } else { None },
        reply: outcome.message_reply,
        duration_ms: outcome.duration_ms,
        diagnosis: outcome.diagnosis,
        steps: outcome.steps,
        certificate: outcome.certificate,
        capabilities: outcome.capabilities,
        transcript: outcome.transcript,
    }
}

enum Job<'a> {
    Probe { recipient: Option<&'a Address> },
    Send { built: &'a Built },
}

/// What the client saw when a step failed: in the core's words (a note), or in a library's.
#[derive(Debug)]
enum Seen {
    Note(Note),
    Words(String),
}

impl Seen {
    /// As a report's `note` and `detail` (which `finish` puts a note into words for).
    fn split(seen: Option<Seen>) -> (Option<Note>, Option<String>) {
        match seen {
            Some(Seen::Note(note)) => (Some(note), None),
            Some(Seen::Words(words)) => (None, Some(words)),
            None => (None, None),
        }
    }
}

/// Why the conversation stopped.
#[derive(Debug)]
struct Failure {
    step: Step,
    code: DiagnosisCode,
    /// How long the step ran until it failed (not counting the polite end that may follow).
    took: Duration,
    reply: Option<String>,
    /// What the client saw besides a reply.
    seen: Option<Seen>,
    suggestion: Option<String>,
    round_trips: u32,
    /// The connection can still take a `QUIT`.
    alive: bool,
}

impl Failure {
    fn new(step: Step, code: DiagnosisCode, started: Instant) -> Failure {
        let took = started.elapsed();
        Failure { step, code, took, reply: None, seen: None, suggestion: None, round_trips: 0, alive: false }
    }

    /// What only a library can say (an OS or TLS error), in its words.
    fn detail(mut self, words: impl Into<String>) -> Failure {
        self.seen = Some(Seen::Words(words.into()));
        self
    }

    fn note(mut self, note: Note) -> Failure {
        self.seen = Some(Seen::Note(note));
        self
    }

    fn trips(mut self, round_trips: u32) -> Failure {
        self.round_trips = round_trips;
        self
    }

    /// The client stopped, not the connection: it can still say `QUIT`.
    fn alive(mut self) -> Failure {
        self.alive = true;
        self
    }
}

struct Outcome {
    ok: bool,
    steps: Vec<StepReport>,
    diagnosis: Option<Diagnosis>,
    certificate: Option<CertificateInfo>,
    capabilities: Option<Capabilities>,
    transcript: Vec<String>,
    duration_ms: u64,
    message_reply: Option<String>,
}

struct Session<'a> {
    target: &'a SmtpTarget,
    options: &'a ProbeOptions,
    started: Instant,
    deadline: Instant,
    steps: Vec<StepReport>,
    /// Events before there is a connection, and the transcripts of finished connections.
    notes: Vec<String>,
    conn: Option<Conn>,
    certificate: Option<CertificateInfo>,
    capabilities: Option<Capabilities>,
    hello: ClientId,
    tls: Option<(Arc<ClientConfig>, ChainRecord)>,
    message_reply: Option<String>,
    /// A plain connection's step ends with the greeting: when it began.
    connect_started: Option<Instant>,
    /// The address connected to.
    peer: Option<SocketAddr>,
    redactor: Redactor,
}

impl<'a> Session<'a> {
    fn new(target: &'a SmtpTarget, options: &'a ProbeOptions) -> Session<'a> {
        let started = Instant::now();
        let hello = ClientId::Domain(options.hello_name.clone().unwrap_or_else(message::hostname));
        Session {
            target,
            options,
            started,
            deadline: started + options.timeouts.total,
            steps: Vec::new(),
            notes: Vec::new(),
            conn: None,
            certificate: None,
            capabilities: None,
            hello,
            tls: None,
            message_reply: None,
            connect_started: None,
            peer: None,
            redactor: Redactor::new(
                target.username.as_deref(),
                target.password.as_ref().map(ExposeSecret::expose_secret),
            ),
        }
    }

    /// The time a wait may take: its own limit, or what is left of the total.
    fn limit(&self, step: Duration) -> Duration {
        step.min(self.deadline.saturating_duration_since(Instant::now()))
    }

    fn timeouts(&self) -> Timeouts {
        self.options.timeouts
    }

    /// Sends a command on the connection and reads its reply within `limit`.
    async fn exchange(&mut self, command: &str, shown: Option<&str>, limit: Duration) -> Result<Reply, IoFailure> {
        match self.conn.as_mut() {
            Some(conn) => conn.command(command, shown, limit).await,
            None => Err(IoFailure::Closed("no connection".to_owned())),
        }
    }

    fn record(&mut self, step: Step, status: StepStatus, started: Option<Instant>, reply: Option<String>) -> usize {
        let duration_ms = started.map(|s| s.elapsed().as_millis() as u64).unwrap_or(0);
        self.steps.push(StepReport { step, status, duration_ms, reply, detail: None, note: None, round_trips: 0 });
        self.steps.len() - 1
    }

    fn ok(&mut self, step: Step, started: Instant, reply: Option<&Reply>, note: Option<Note>, round_trips: u32) {
        let index = self.record(step, StepStatus::Ok, Some(started), reply.map(Reply::text));
        self.steps[index].note = note;
        self.steps[index].round_trips = round_trips;
        tracing::debug!(step = step.as_str(), duration_ms = self.steps[index].duration_ms, "smtp step ok");
    }

    fn skip(&mut self, step: Step, note: StepNote) {
        let index = self.record(step, StepStatus::Skipped, None, None);
        self.steps[index].note = Some(Note::new(note));
    }

    /// The TLS version and cipher suite of the connection, once it is encrypted.
    fn encryption_note(&self) -> Option<Note> {
        let connection = self.conn.as_ref().and_then(Conn::tls_connection)?;
        Some(Note::with(StepNote::Encrypted, tls::describe(connection)))
    }

    fn context(&self) -> ReplyContext {
        ReplyContext {
            auth_offered: self.capabilities.as_ref().is_some_and(|c| !c.auth.is_empty()),
            credentials: self.target.username.is_some() && self.target.password.is_some(),
            starttls_unused: self.starttls_unused(),
        }
    }

    /// The server offered STARTTLS, and `?tls=none` keeps this connection from using it.
    fn starttls_unused(&self) -> bool {
        self.target.tls == TlsMode::None && self.capabilities.as_ref().is_some_and(|c| c.starttls)
    }

    fn reply_failure(&self, step: Step, started: Instant, reply: &Reply, round_trips: u32) -> Failure {
        let code = classify_reply(step, reply.status(), self.context());
        let mut failure = Failure::new(step, code, started).trips(round_trips);
        if code == DiagnosisCode::StarttlsDisabled {
            failure.suggestion = Some(self.uri_with("smtp", 25));
        }
        failure.reply = Some(reply.text());
        // 421 means the server is closing the channel.
        failure.alive = reply.code != 421;
        failure
    }

    fn io_failure(&self, step: Step, started: Instant, error: IoFailure, waiting_for: &str, trips: u32) -> Failure {
        match error {
            IoFailure::Timeout(limit) => {
                Failure::new(step, DiagnosisCode::Timeout, started).trips(trips).note(self.timeout_note(limit))
            }
            IoFailure::Closed(what) => Failure::new(step, DiagnosisCode::ServerClosed, started)
                .trips(trips)
                .detail(format!("{what} (waiting for {waiting_for})")),
            IoFailure::Malformed(what, mut line) => {
                if let Some(line) = &mut line {
                    self.redactor.clean_for(step, line);
                }
                // What answers first with something else is not an SMTP server (an IMAP or POP3 port typed); a
                // broken reply later in the dialogue is a server that ended it.
                let greeting = matches!(step, Step::Connect | Step::Tls);
                let code = if greeting { DiagnosisCode::ServerNotSmtp } else { DiagnosisCode::ServerClosed };
                let failure = Failure::new(step, code, started).trips(trips);
                match line {
                    // A greeting that is not SMTP, after a plain connection or a TLS handshake: what it said is
                    // the reply, and a plain connection's step says that the connection itself worked (a failed
                    // connect is otherwise read as nothing answering).
                    Some(line) if greeting => {
                        let mut failure = match self.peer {
                            Some(peer) if step == Step::Connect => {
                                failure.note(Note::with(StepNote::Connected, peer.to_string()))
                            }
                            _ => failure.detail(format!("{what} (waiting for {waiting_for})")),
                        };
                        failure.reply = Some(shorten(&line));
                        failure
                    }
                    Some(line) => failure.detail(format!("{what}: {} (waiting for {waiting_for})", shorten(&line))),
                    None => failure.detail(format!("{what} (waiting for {waiting_for})")),
                }
            }
        }
    }

    /// No answer within `limit`: the step's own limit, or what was left of the total.
    fn timeout_note(&self, limit: Duration) -> Note {
        if Instant::now() + Duration::from_millis(5) >= self.deadline {
            Note::with(StepNote::TotalTimeUp, seconds(self.timeouts().total))
        } else {
            Note::with(StepNote::NoReply, seconds(limit))
        }
    }

    async fn run(&mut self, job: Job<'_>) -> Result<(), Failure> {
        let addrs = self.resolve().await?;
        let addr = self.connect(&addrs).await?;
        match self.target.tls {
            TlsMode::Implicit => self.implicit_tls().await?,
            _ => {
                self.skip(Step::Tls, StepNote::NoImplicitTls);
                self.greeting_plain(addr).await?;
            }
        }
        self.ehlo().await?;
        self.starttls().await?;
        self.auth().await?;
        self.mail_from(&job).await?;
        match job {
            Job::Probe { recipient } => {
                match recipient {
                    Some(to) => self.rcpt_to(to).await?,
                    None => self.skip(Step::RcptTo, StepNote::NoRecipient),
                }
                self.simple_command(Step::Rset, &Rset.to_string(), "a reply to RSET").await?;
            }
            Job::Send { built } => {
                for to in built.envelope.to() {
                    self.rcpt_to(to).await?;
                }
                self.data(built).await?;
            }
        }
        self.quit().await;
        Ok(())
    }

    async fn resolve(&mut self) -> Result<Vec<SocketAddr>, Failure> {
        let started = Instant::now();
        let port = self.target.port;
        if let Some(addrs) = &self.options.connect_to {
            let note = Note::with(StepNote::AddressesGiven, format!("{} → {}", self.target.host, join(addrs)));
            let addrs = addrs.clone();
            self.ok(Step::Resolve, started, None, Some(note), 0);
            return Ok(addrs);
        }
        let name = match &self.target.host {
            Host::Ipv4(ip) => {
                self.ok(Step::Resolve, started, None, Some(Note::with(StepNote::IpAddress, ip.to_string())), 0);
                return Ok(vec![SocketAddr::new((*ip).into(), port)]);
            }
            Host::Ipv6(ip) => {
                self.ok(Step::Resolve, started, None, Some(Note::with(StepNote::IpAddress, ip.to_string())), 0);
                return Ok(vec![SocketAddr::new((*ip).into(), port)]);
            }
            Host::Domain(name) => name.clone(),
        };
        let limit = self.limit(self.timeouts().connect);
        let failure = |code| Failure::new(Step::Resolve, code, started).trips(1);
        match tokio::time::timeout(limit, tokio::net::lookup_host((name.as_str(), port))).await {
            Ok(Ok(addrs)) => {
                let addrs: Vec<SocketAddr> = addrs.collect();
                if addrs.is_empty() {
                    let note = Note::with(StepNote::NoAddress, name.as_str());
                    return Err(failure(DiagnosisCode::DnsNotFound).note(note));
                }
                let note = Note::with(StepNote::Resolved, format!("{name} → {}", join(&addrs)));
                self.ok(Step::Resolve, started, None, Some(note), 1);
                Ok(addrs)
            }
            Ok(Err(error)) => Err(failure(lookup_failure(Some(&error))).detail(format!("{name}: {error}"))),
            Err(_) => Err(failure(lookup_failure(None)).note(self.timeout_note(limit))),
        }
    }

    async fn connect(&mut self, addrs: &[SocketAddr]) -> Result<SocketAddr, Failure> {
        let started = Instant::now();
        let mut errors = Vec::new();
        let mut kinds = Vec::new();
        for &addr in addrs {
            let limit = self.limit(self.timeouts().connect);
            match tokio::time::timeout(limit, TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => {
                    let _ = stream.set_nodelay(true);
                    if self.options.hello_name.is_none() {
                        self.hello = message::hello(message::hostname(), stream.local_addr().ok().map(|a| a.ip()));
                    }
                    self.notes.push(format!("* connected to {addr}"));
                    self.conn = Some(Conn::plain(stream));
                    self.peer = Some(addr);
                    if self.target.tls == TlsMode::Implicit {
                        self.ok(
                            Step::Connect,
                            started,
                            None,
                            Some(Note::with(StepNote::Connected, addr.to_string())),
                            1,
                        );
                    } else {
                        // The greeting completes this step (see greeting_plain).
                        self.connect_started = Some(started);
                    }
                    return Ok(addr);
                }
                Ok(Err(error)) => {
                    kinds.push(Some(error.kind()));
                    errors.push(format!("{addr}: {error}"));
                }
                Err(_) => {
                    kinds.push(None);
                    errors.push(format!("{addr}: timeout ({})", seconds(limit)));
                }
            }
        }
        let code = connect_failure(&kinds);
        Err(Failure::new(Step::Connect, code, started).trips(1).detail(errors.join("; ")))
    }
}

/// What a failed lookup means (`None`: no answer within the limit): the name does not exist (or has no address),
/// or the lookup itself failed — no DNS server answered, or it failed (SERVFAIL) — which is not the name's fault.
/// The resolver (the C library's getaddrinfo, through std) tells them apart only in its words: glibc's "Name or
/// service not known" and "No address associated with hostname", musl's "Name does not resolve", macOS's
/// "nodename nor servname provided, or not known" against "Temporary failure in name resolution",
/// "Non-recoverable failure", "Try again" or an OS error.
fn lookup_failure(error: Option<&std::io::Error>) -> DiagnosisCode {
    let Some(error) = error else { return DiagnosisCode::DnsUnavailable };
    let words = error.to_string().to_ascii_lowercase();
    let not_found = ["not known", "no address associated", "does not resolve"];
    if not_found.iter().any(|phrase| words.contains(phrase)) {
        DiagnosisCode::DnsNotFound
    } else {
        DiagnosisCode::DnsUnavailable
    }
}

/// Why no address could be connected to, from each attempt's error (`None`: it ran out of time): refused by one
/// of them (something answered), else unreachable when every attempt was turned back at once — no route, a host
/// that is down, or a firewall that rejects (on this machine, EPERM; on the way, an ICMP "prohibited") — else a
/// timeout (something dropped the packets, or the server is slow).
fn connect_failure(kinds: &[Option<std::io::ErrorKind>]) -> DiagnosisCode {
    use std::io::ErrorKind::{ConnectionRefused, HostUnreachable, NetworkUnreachable, PermissionDenied};
    let turned_back = |kind: &Option<std::io::ErrorKind>| {
        matches!(kind, Some(HostUnreachable | NetworkUnreachable | PermissionDenied))
    };
    if kinds.contains(&Some(ConnectionRefused)) {
        DiagnosisCode::ConnectRefused
    } else if !kinds.is_empty() && kinds.iter().all(turned_back) {
        DiagnosisCode::ConnectUnreachable
    } else {
        DiagnosisCode::ConnectTimeout
    }
}

impl Session<'_> {
    /// The TLS configuration of this session (built once: the same trust for implicit TLS and STARTTLS).
    fn tls_config(&mut self, step: Step, started: Instant) -> Result<(Arc<ClientConfig>, ChainRecord), Failure> {
        if let Some(tls) = &self.tls {
            return Ok(tls.clone());
        }
        let tls = tls::client_config(&self.target.custom_ca)
            .map_err(|error| Failure::new(step, DiagnosisCode::TlsHandshakeFailed, started).detail(error))?;
        self.tls = Some(tls.clone());
        Ok(tls)
    }

    /// A TLS handshake over `sniff`, within the TLS limit; the certificate is recorded either way.
    async fn handshake(&mut self, step: Step, started: Instant, sniff: Sniff) -> Result<(Conn, u32), Failure> {
        let (config, chain) = self.tls_config(step, started)?;
        let name = tls::server_name(&self.target.host)
            .map_err(|error| Failure::new(step, DiagnosisCode::TlsHandshakeFailed, started).detail(error))?;
        let limit = self.limit(self.timeouts().tls);
        let connecting = TlsConnector::from(config).connect(name, sniff).into_fallible();
        let result = tokio::time::timeout(limit, connecting).await;
        match result {
            Ok(Ok(stream)) => {
                let connection = stream.get_ref().1;
                let round_trips = tls::handshake_round_trips(connection);
                let described = tls::describe(connection);
                if let Some(leaf) = connection.peer_certificates().and_then(|chain| chain.first()) {
                    self.certificate = Some(tls::certificate_info(leaf, true));
                }
                let mut conn = Conn::tls(stream);
                conn.note(format!("TLS established: {described}"));
                Ok((conn, round_trips))
            }
            Ok(Err((error, sniff))) => {
                let first = sniff.first_bytes();
                let code = tls::classify_handshake_error(&error, first);
                if let Some(leaf) = chain.leaf() {
                    self.certificate = Some(tls::certificate_info(&leaf, false));
                }
                let mut failure = Failure::new(step, code, started).trips(1).detail(format!("TLS: {error}"));
                // A custom CA is set, and it is not the certificate's issuer: said, with the issuer it names.
                if !self.target.custom_ca.is_empty() && tls::unknown_issuer(&error) {
                    let issuer = self.certificate.as_ref().map(|c| c.issuer.clone()).unwrap_or_default();
                    failure = failure.note(Note::with(StepNote::CustomCaNotIssuer, issuer));
                }
                self.notes.push(format!("* TLS handshake failed: {error}"));
                if code == DiagnosisCode::TlsUnexpectedPlaintext {
                    failure.reply = Some(tls::first_line(first));
                    // TLS from the first byte to a port that speaks plain SMTP; after STARTTLS the URI is right.
                    if step == Step::Tls {
                        failure.suggestion = Some(self.uri_with("smtp", 25));
                    }
                }
                Err(failure)
            }
            Err(_) => {
                if let Some(leaf) = chain.leaf() {
                    self.certificate = Some(tls::certificate_info(&leaf, false));
                }
                Err(Failure::new(step, DiagnosisCode::Timeout, started).trips(1).note(self.timeout_note(limit)))
            }
        }
    }

    /// `smtps://host:port` or `smtp://host:port`, the port left out when it is the scheme's default.
    fn uri_with(&self, scheme: &str, default_port: u16) -> String {
        if self.target.port == default_port {
            format!("{scheme}://{}", self.target.host)
        } else {
            format!("{scheme}://{}:{}", self.target.host, self.target.port)
        }
    }

    /// Implicit TLS: the handshake, then the greeting over TLS, make the `tls` step.
    async fn implicit_tls(&mut self) -> Result<(), Failure> {
        let started = Instant::now();
        let Some(plain) = self.conn.take() else {
            return Err(Failure::new(Step::Tls, DiagnosisCode::ServerClosed, started).detail("no connection"));
        };
        let mut plain = plain;
        let sniff = plain.take_plain_for_tls().map_err(|error| {
            Failure::new(Step::Tls, DiagnosisCode::TlsHandshakeFailed, started).detail(error.to_owned())
        })?;
        let (conn, trips) = self.handshake(Step::Tls, started, sniff).await?;
        self.conn = Some(conn);
        let limit = self.limit(self.timeouts().greeting);
        let greeting = match self.conn.as_mut() {
            Some(conn) => conn.read_reply(limit).await,
            None => Err(IoFailure::Closed("no connection".to_owned())),
        };
        match greeting {
            Ok(reply) if reply.code == 220 => {
                let note = self.encryption_note();
                self.ok(Step::Tls, started, Some(&reply), note, trips);
                Ok(())
            }
            Ok(reply) => Err(self.reply_failure(Step::Tls, started, &reply, trips)),
            Err(error) => Err(self.io_failure(Step::Tls, started, error, "greeting", trips)),
        }
    }

    /// A plain connection: the greeting ends the `connect` step. A greeting that never comes usually means the
    /// port expects TLS from the first byte; a second connection checks that before saying so.
    async fn greeting_plain(&mut self, addr: SocketAddr) -> Result<(), Failure> {
        let started = self.connect_started.unwrap_or_else(Instant::now);
        let limit = self.limit(self.timeouts().greeting);
        let greeting = match self.conn.as_mut() {
            Some(conn) => conn.read_reply(limit).await,
            None => Err(IoFailure::Closed("no connection".to_owned())),
        };
        match greeting {
            Ok(reply) if reply.code == 220 => {
                let note = Note::with(StepNote::Connected, addr.to_string());
                self.ok(Step::Connect, started, Some(&reply), Some(note), 1);
                Ok(())
            }
            Ok(reply) => Err(self.reply_failure(Step::Connect, started, &reply, 1)),
            Err(IoFailure::Timeout(limit)) => {
                let timeout = self.timeout_note(limit);
                if self.speaks_tls(addr).await {
                    let mut failure = Failure::new(Step::Connect, DiagnosisCode::TlsExpectedImplicit, started)
                        .trips(1)
                        .note(Note::with(StepNote::AnswersTls, seconds(limit)));
                    failure.suggestion = Some(self.uri_with("smtps", 465));
                    Err(failure)
                } else {
                    // Connected, and silence: not a firewall on the way (the connection was made), but a port of
                    // something that waits for the client to speak, or a mail server that hangs.
                    let timeout = match timeout.code {
                        StepNote::NoReply => Note::with(StepNote::NoGreeting, addr.to_string()),
                        _ => timeout,
                    };
                    Err(Failure::new(Step::Connect, DiagnosisCode::Timeout, started).trips(1).note(timeout))
                }
            }
            Err(error) => Err(self.io_failure(Step::Connect, started, error, "greeting", 1)),
        }
    }

    /// Whether `addr` answers a TLS handshake (the certificate does not matter here), within short limits.
    async fn speaks_tls(&mut self, addr: SocketAddr) -> bool {
        let started = Instant::now();
        let Ok((config, _)) = self.tls_config(Step::Connect, started) else { return false };
        let Ok(name) = tls::server_name(&self.target.host) else { return false };
        let short = Duration::from_secs(2);
        let Ok(Ok(stream)) = tokio::time::timeout(self.limit(short), TcpStream::connect(addr)).await else {
            return false;
        };
        let connecting = TlsConnector::from(config).connect(name, Sniff::new(stream)).into_fallible();
        let verdict = match tokio::time::timeout(self.limit(short), connecting).await {
            Ok(Ok(_)) => true,
            // A certificate or alert error means a TLS server answered; garbage or a closed socket does not.
            Ok(Err((error, _))) => matches!(
                error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()),
                Some(rustls::Error::InvalidCertificate(_) | rustls::Error::AlertReceived(_))
            ),
            Err(_) => false,
        };
        self.notes.push(format!(
            "* no greeting; a second connection to {addr} {} a TLS handshake",
            if verdict { "answered" } else { "did not answer" }
        ));
        verdict
    }

    async fn ehlo(&mut self) -> Result<(), Failure> {
        let started = Instant::now();
        let (reply, trips) = self.send_ehlo(Step::Ehlo, started, 0).await?;
        if reply.is_positive() {
            let note = self.capabilities.as_ref().map(summarise);
            self.ok(Step::Ehlo, started, Some(&reply), note, trips);
            return Ok(());
        }
        // A server that does not know EHLO (500, 502) is greeted with HELO, as RFC 5321 (section 3.2) asks: it
        // then has no extensions (no STARTTLS, no AUTH), which the following steps judge.
        if !matches!(reply.code, 500 | 502) {
            return Err(self.reply_failure(Step::Ehlo, started, &reply, trips));
        }
        let limit = self.limit(self.timeouts().command);
        let command = format!("HELO {}\r\n", self.hello);
        let trips = trips + 1;
        match self.exchange(&command, None, limit).await {
            Ok(helo) if helo.is_positive() => {
                self.capabilities = Some(Capabilities::default());
                let note = Note::with(StepNote::HeloFallback, reply.code.to_string());
                self.ok(Step::Ehlo, started, Some(&helo), Some(note), trips);
                Ok(())
            }
            Ok(helo) => Err(self.reply_failure(Step::Ehlo, started, &helo, trips)),
            Err(error) => Err(self.io_failure(Step::Ehlo, started, error, "a reply to HELO", trips)),
        }
    }

    fn read_capabilities(&mut self, reply: &Reply) {
        self.capabilities = Some(Capabilities::from_ehlo(reply.texts()));
    }

    /// Sends EHLO; a positive reply's keywords become the capabilities. A negative reply comes back for the caller
    /// to judge; no reply is a failure of `step`.
    async fn send_ehlo(&mut self, step: Step, started: Instant, trips: u32) -> Result<(Reply, u32), Failure> {
        let limit = self.limit(self.timeouts().command);
        let command = Ehlo::new(self.hello.clone()).to_string();
        let trips = trips + 1;
        let reply = match self.exchange(&command, None, limit).await {
            Ok(reply) => reply,
            Err(error) => return Err(self.io_failure(step, started, error, "a reply to EHLO", trips)),
        };
        if reply.is_positive() {
            self.read_capabilities(&reply);
        }
        Ok((reply, trips))
    }

    async fn starttls(&mut self) -> Result<(), Failure> {
        let started = Instant::now();
        let offered = self.capabilities.as_ref().is_some_and(|c| c.starttls);
        match (self.target.tls, offered) {
            (TlsMode::Implicit, _) => {
                self.skip(Step::Starttls, StepNote::AlreadyEncrypted);
                return Ok(());
            }
            (TlsMode::None, _) => {
                self.skip(Step::Starttls, StepNote::TlsOff);
                return Ok(());
            }
            (TlsMode::StarttlsOpportunistic, false) => {
                self.skip(Step::Starttls, StepNote::StarttlsNotOffered);
                return Ok(());
            }
            (TlsMode::StarttlsRequired, false) => {
                return Err(Failure::new(Step::Starttls, DiagnosisCode::StarttlsUnavailable, started)
                    .alive()
                    .note(Note::new(StepNote::StarttlsMissing)));
            }
            (TlsMode::StarttlsRequired | TlsMode::StarttlsOpportunistic, true) => {}
        }
        let limit = self.limit(self.timeouts().command);
        let reply = match self.exchange(&Starttls.to_string(), None, limit).await {
            Ok(reply) if reply.code == 220 => reply,
            Ok(reply) => return Err(self.reply_failure(Step::Starttls, started, &reply, 1)),
            Err(error) => return Err(self.io_failure(Step::Starttls, started, error, "a reply to STARTTLS", 1)),
        };
        let Some(mut plain) = self.conn.take() else {
            return Err(Failure::new(Step::Starttls, DiagnosisCode::ServerClosed, started).detail("no connection"));
        };
        let sniff = match plain.take_plain_for_tls() {
            Ok(sniff) => sniff,
            Err(error) => {
                self.notes.append(&mut plain.transcript);
                return Err(Failure::new(Step::Starttls, DiagnosisCode::TlsHandshakeFailed, started)
                    .trips(1)
                    .detail(error));
            }
        };
        self.notes.append(&mut plain.transcript);
        let (conn, hs_trips) = self.handshake(Step::Starttls, started, sniff).await.map_err(|f| {
            let trips = f.round_trips + 1;
            f.trips(trips)
        })?;
        self.conn = Some(conn);
        let mut note = self.encryption_note();
        let (ehlo, trips) = self.send_ehlo(Step::Starttls, started, 1 + hs_trips).await?;
        if !ehlo.is_positive() {
            return Err(self.reply_failure(Step::Starttls, started, &ehlo, trips));
        }
        // What the server offers now (AUTH often only here), beside the TLS version: the EHLO step showed the
        // extensions before STARTTLS.
        if let (Some(note), Some(after)) = (note.as_mut(), self.capabilities.as_ref().and_then(|c| summarise(c).value))
        {
            note.value = note.value.take().map(|tls| format!("{tls}; EHLO: {after}"));
        }
        self.ok(Step::Starttls, started, Some(&reply), note, trips);
        Ok(())
    }

    async fn auth(&mut self) -> Result<(), Failure> {
        let started = Instant::now();
        let (Some(username), Some(password)) = (self.target.username.clone(), self.target.password.clone()) else {
            self.skip(Step::Auth, StepNote::NoCredentials);
            return Ok(());
        };
        let encrypted = self.conn.as_ref().is_some_and(Conn::is_encrypted);
        if !encrypted && !credentials_stay_here(&self.target.host, self.peer) {
            return Err(Failure::new(Step::Auth, DiagnosisCode::AuthPlaintextRefused, started)
                .alive()
                .note(Note::new(StepNote::PasswordNotSent)));
        }
        let offered = self.capabilities.clone().unwrap_or_default().auth;
        if offered.is_empty() {
            // A server that offers STARTTLS usually offers the login only after it, which ?tls=none switches off.
            let code =
                if self.starttls_unused() { DiagnosisCode::StarttlsDisabled } else { DiagnosisCode::AuthNotOffered };
            let mut failure = Failure::new(Step::Auth, code, started).alive().note(Note::new(StepNote::AuthMissing));
            if code == DiagnosisCode::StarttlsDisabled {
                failure.suggestion = Some(self.uri_with("smtp", 25));
            }
            return Err(failure);
        }
        let login = sasl::choose(&offered)
            .and_then(|mechanism| Some((mechanism, sasl::start(mechanism, &username, &password)?)));
        let Some((mechanism, command)) = login else {
            return Err(Failure::new(Step::Auth, DiagnosisCode::AuthMechanismUnsupported, started)
                .alive()
                .note(Note::with(StepNote::MechanismsOffered, offered.join(", "))));
        };
        let limit = self.limit(self.timeouts().command);
        let shown = format!("AUTH {mechanism}{}", if mechanism == Mechanism::Plain { " <redacted>" } else { "" });
        let mut trips = 1;
        let mut result = self.exchange(&command, Some(&shown), limit).await;
        drop(command);
        let mut challenges = 0;
        while let Ok(reply) = &result {
            if reply.code != 334 {
                break;
            }
            // A question not understood, or a fourth one (a login takes two answers): the login is given up.
            let challenge = reply.texts().next().unwrap_or_default();
            let answer = (challenges < 3).then(|| sasl::answer(mechanism, challenge, &username, &password)).flatten();
            let Some(line) = answer else {
                let reply = reply.clone();
                let mut failure = self.reply_failure(Step::Auth, started, &reply, trips + 1);
                failure.code = DiagnosisCode::AuthMechanismUnsupported;
                failure.seen = Some(Seen::Note(Note::new(StepNote::ChallengeNotUnderstood)));
                self.cancel_auth().await;
                return Err(failure);
            };
            challenges += 1;
            trips += 1;
            let limit = self.limit(self.timeouts().command);
            result = self.exchange(&line, Some("<redacted>"), limit).await;
        }
        match result {
            Ok(reply) if reply.is_positive() => {
                let note = Note::with(StepNote::LoggedIn, mechanism.to_string());
                self.ok(Step::Auth, started, Some(&reply), Some(note), trips);
                Ok(())
            }
            Ok(reply) => Err(self.reply_failure(Step::Auth, started, &reply, trips)),
            Err(error) => Err(self.io_failure(Step::Auth, started, error, "a reply to AUTH", trips)),
        }
    }

    /// Gives up a login the server still waits on: `*` (RFC 4954 §4), which it answers with 501, so that the QUIT
    /// that follows is read as a command and not as the answer to its question.
    async fn cancel_auth(&mut self) {
        let limit = self.limit(self.timeouts().command);
        let _ = self.exchange("*\r\n", None, limit).await;
    }

    async fn mail_from(&mut self, job: &Job<'_>) -> Result<(), Failure> {
        let started = Instant::now();
        let from = message::address(&self.target.from).map_err(|error| {
            Failure::new(Step::MailFrom, DiagnosisCode::SenderRejected, started)
                .alive()
                .detail(format!("the from address cannot be used in SMTP: {error}"))
        })?;
        let caps = self.capabilities.clone().unwrap_or_default();
        let mut parameters = Vec::new();
        // The first address that is not ASCII, sender or recipient: SMTPUTF8 is asked for at MAIL FROM for
        // either, so the note names which one it is.
        let recipients: Vec<String> = match job {
            Job::Probe { recipient } => recipient.iter().map(|to| to.to_string()).collect(),
            Job::Send { built } => built.envelope.to().iter().map(|to| to.to_string()).collect(),
        };
        let non_ascii = std::iter::once(from.to_string()).chain(recipients).find(|address| !address.is_ascii());
        if let Some(address) = non_ascii {
            if !caps.smtputf8 {
                return Err(Failure::new(Step::MailFrom, DiagnosisCode::AddressNotAscii, started)
                    .alive()
                    .note(Note::with(StepNote::Smtputf8Missing, address)));
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if let Job::Send { built } = job {
            if !built.formatted.is_ascii() && caps.eightbitmime {
                parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
            }
            // The message's size where the server announces a limit (RFC 1870): one over it is refused here,
            // before it is sent, with the server's 552.
            if caps.size.is_some() {
                parameters.push(MailParameter::Size(built.formatted.len()));
            }
        }
        let command = Mail::new(Some(from), parameters).to_string();
        self.redactor.mail_sent();
        self.simple_command(Step::MailFrom, &command, "a reply to MAIL FROM").await
    }

    async fn rcpt_to(&mut self, to: &Address) -> Result<(), Failure> {
        let command = Rcpt::new(to.clone(), Vec::new()).to_string();
        self.simple_command(Step::RcptTo, &command, "a reply to RCPT TO").await
    }

    /// A command whose positive reply ends its step.
    async fn simple_command(&mut self, step: Step, command: &str, waiting_for: &str) -> Result<(), Failure> {
        let started = Instant::now();
        let limit = self.limit(self.timeouts().command);
        match self.exchange(command, None, limit).await {
            Ok(reply) if reply.is_positive() => {
                self.ok(step, started, Some(&reply), None, 1);
                Ok(())
            }
            Ok(reply) => Err(self.reply_failure(step, started, &reply, 1)),
            Err(error) => Err(self.io_failure(step, started, error, waiting_for, 1)),
        }
    }

    async fn data(&mut self, built: &Built) -> Result<(), Failure> {
        let started = Instant::now();
        let limit = self.limit(self.timeouts().command);
        match self.exchange(&Data.to_string(), None, limit).await {
            Ok(reply) if reply.code == 354 => {}
            Ok(reply) => return Err(self.reply_failure(Step::Data, started, &reply, 1)),
            Err(error) => return Err(self.io_failure(Step::Data, started, error, "a reply to DATA", 1)),
        }
        let payload = dot_stuff(&built.formatted);
        let shown = format!("<message: {} bytes, Subject: {}>", built.formatted.len(), built.subject);
        let limit = self.limit(self.timeouts().data);
        let result = match self.conn.as_mut() {
            Some(conn) => conn.data(&payload, &shown, limit).await,
            None => Err((IoFailure::Closed("no connection".to_owned()), false)),
        };
        match result {
            Ok(reply) if reply.is_positive() => {
                // Said at once: the message is on its way even if the client goes away before QUIT's answer.
                tracing::info!(message_id = %built.message_id, "smtp test email accepted by the server");
                self.message_reply = Some(reply.text());
                let note = Note::with(StepNote::MessageSize, built.formatted.len().to_string());
                self.ok(Step::Data, started, Some(&reply), Some(note), 2);
                Ok(())
            }
            Ok(reply) => Err(self.reply_failure(Step::Data, started, &reply, 2)),
            Err((error, sent)) => {
                let mut failure = self.io_failure(Step::Data, started, error, "the server's verdict on the message", 2);
                // The whole message went out, the final dot too: the server may have taken it without saying so.
                if sent {
                    failure.code = DiagnosisCode::MessageUnconfirmed;
                }
                Err(failure)
            }
        }
    }

    /// After a refusal the connection still works: say `QUIT` politely. After anything else, just close it.
    async fn after(&mut self, result: Result<(), Failure>) -> Result<(), Failure> {
        match &result {
            Err(failure) if failure.alive && failure.step != Step::Quit => self.quit().await,
            Err(_) => {
                if let Some(conn) = self.conn.as_mut() {
                    conn.shutdown().await;
                }
            }
            Ok(()) => {}
        }
        result
    }

    /// `QUIT`. Its failure does not fail the probe or the message: everything before it was done.
    async fn quit(&mut self) {
        let started = Instant::now();
        let limit = self.limit(self.timeouts().command.min(Duration::from_secs(2)));
        let result = self.exchange(&Quit.to_string(), None, limit).await;
        match result {
            Ok(reply) if reply.is_positive() => self.ok(Step::Quit, started, Some(&reply), None, 1),
            Ok(reply) => {
                let index = self.record(Step::Quit, StepStatus::Failed, Some(started), Some(reply.text()));
                self.steps[index].round_trips = 1;
            }
            Err(error) => {
                let failure = self.io_failure(Step::Quit, started, error, "a reply to QUIT", 1);
                let index = self.record(Step::Quit, StepStatus::Failed, Some(started), None);
                (self.steps[index].note, self.steps[index].detail) = Seen::split(failure.seen);
                self.steps[index].round_trips = 1;
            }
        }
        if let Some(conn) = self.conn.as_mut() {
            conn.shutdown().await;
        }
    }

    /// Turns the run's result into the report: the failed step, the steps not reached, the diagnosis, and the
    /// transcript with every trace of the password removed.
    fn finish(mut self, result: Result<(), Failure>, order: &[Step]) -> Outcome {
        let locale = self.options.locale;
        let mut diagnosis = None;
        if let Err(failure) = result {
            let index = self.record(failure.step, StepStatus::Failed, None, failure.reply.clone());
            self.steps[index].duration_ms = failure.took.as_millis() as u64;
            let (note, detail) = Seen::split(failure.seen);
            self.steps[index].note = note.clone();
            self.steps[index].detail = detail.clone();
            self.steps[index].round_trips = failure.round_trips;
            let mut found = Diagnosis::new(failure.code, failure.step, locale);
            found.reply = failure.reply;
            found.note = note;
            found.detail = detail;
            found.suggestion = failure.suggestion;
            diagnosis = Some(found);
            tracing::debug!(step = failure.step.as_str(), code = failure.code.as_str(), "smtp step failed");
        }
        let mut transcript = std::mem::take(&mut self.notes);
        if let Some(conn) = self.conn.take() {
            transcript.extend(conn.transcript);
        }
        let mut steps = Vec::with_capacity(order.len());
        for &step in order {
            match self.steps.iter().find(|s| s.step == step) {
                Some(report) => steps.push(report.clone()),
                None => steps.push(StepReport {
                    step,
                    status: StepStatus::Skipped,
                    duration_ms: 0,
                    reply: None,
                    detail: None,
                    note: Some(Note::new(StepNote::NotReached)),
                    round_trips: 0,
                }),
            }
        }
        let redactor = &self.redactor;
        redactor.clean_transcript(&mut transcript);
        for step in &mut steps {
            put_into_words(redactor, step.step, &mut step.note, &mut step.detail, locale);
            step.reply.iter_mut().for_each(|text| redactor.clean_for(step.step, text));
        }
        if let Some(found) = diagnosis.as_mut() {
            put_into_words(redactor, found.step, &mut found.note, &mut found.detail, locale);
            found.reply.iter_mut().for_each(|text| redactor.clean_for(found.step, text));
        }
        let mut message_reply = self.message_reply;
        message_reply.iter_mut().for_each(|text| redactor.clean_for(Step::Data, text));
        let mut capabilities = self.capabilities;
        for text in capabilities.iter_mut().flat_map(|caps| caps.extensions.iter_mut().chain(caps.auth.iter_mut())) {
            redactor.clean(text);
        }
        let mut certificate = self.certificate;
        if let Some(cert) = certificate.as_mut() {
            for text in [&mut cert.subject, &mut cert.issuer].into_iter().chain(cert.names.iter_mut()) {
                redactor.clean(text);
            }
        }
        Outcome {
            ok: diagnosis.is_none(),
            steps,
            diagnosis,
            certificate,
            capabilities,
            transcript,
            duration_ms: self.started.elapsed().as_millis() as u64,
            message_reply,
        }
    }
}

/// Whether credentials sent in the clear never leave this machine: the host is a loopback one by the core's rule,
/// and the address actually connected to is loopback too (a resolver may answer anything for a name; an
/// IPv4-mapped IPv6 address counts as the IPv4 address it maps).
fn credentials_stay_here(host: &Host, peer: Option<SocketAddr>) -> bool {
    !host.needs_tls_for_credentials() && peer.is_some_and(|peer| peer.ip().to_canonical().is_loopback())
}

/// A note's value scrubbed, and `detail` set to the note in words; a detail without a note scrubbed as it is.
fn put_into_words(
    redactor: &Redactor,
    step: Step,
    note: &mut Option<Note>,
    detail: &mut Option<String>,
    locale: Locale,
) {
    // The client's own words, not the server's answer to AUTH: no pieces looked for.
    let clean = |text: &mut String| match step {
        Step::Auth => redactor.clean(text),
        _ => redactor.clean_for(step, text),
    };
    if let Some(note) = note.as_mut() {
        note.value.iter_mut().for_each(clean);
        *detail = Some(note.text(locale));
    }
    detail.iter_mut().for_each(clean);
}

/// A server's line cut for a detail (after redaction: a cut password could not be recognised).
fn shorten(text: &str) -> String {
    match text.char_indices().nth(120) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Every extension the server announced, as it announced it (the step's reply shows the same lines).
fn summarise(caps: &Capabilities) -> Note {
    if caps.extensions.is_empty() {
        Note::new(StepNote::NoExtensions)
    } else {
        Note::with(StepNote::Extensions, caps.extensions.join(", "))
    }
}

fn join(addrs: &[SocketAddr]) -> String {
    addrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 { format!("{secs:.0} s") } else { format!("{secs:.1} s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_connection_is_told_by_what_each_attempt_met() {
        use std::io::ErrorKind::{ConnectionRefused, HostUnreachable, NetworkUnreachable, PermissionDenied};
        let rows = [
            (vec![Some(ConnectionRefused)], DiagnosisCode::ConnectRefused),
            (vec![Some(NetworkUnreachable), Some(ConnectionRefused)], DiagnosisCode::ConnectRefused),
            (vec![Some(NetworkUnreachable), Some(HostUnreachable)], DiagnosisCode::ConnectUnreachable),
            (vec![Some(NetworkUnreachable), None], DiagnosisCode::ConnectTimeout),
            (vec![None], DiagnosisCode::ConnectTimeout),
            (vec![Some(PermissionDenied)], DiagnosisCode::ConnectUnreachable),
            (vec![Some(std::io::ErrorKind::AddrNotAvailable)], DiagnosisCode::ConnectTimeout),
        ];
        for (kinds, code) in rows {
            assert_eq!(connect_failure(&kinds), code, "{kinds:?}");
        }
    }

    /// A service that speaks first, but not SMTP (here the greeting of an IMAP server, as when its port was typed),
    /// is said to be one, with what it sent: not as a server that closed the connection.
    #[tokio::test]
    async fn a_service_that_does_not_speak_smtp_is_said_to_be_one() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let _ = stream.write_all(b"* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n").await;
            let _ = stream.read_to_end(&mut Vec::new()).await;
        });
        let input = smtp_endpoint::EndpointInput {
            uri: Some(format!("smtp://127.0.0.1:{port}")),
            default_from_address: Some("app@example.com".to_owned()),
            ..smtp_endpoint::EndpointInput::default()
        };
        let endpoint = Endpoint::parse(&input).expect("endpoint");
        let target = SmtpTarget::new(&endpoint, None, None).expect("target");
        let report = probe(&target, &ProbeOptions::default()).await;
        let diagnosis = report.diagnosis.expect("a diagnosis");
        assert_eq!((diagnosis.code, diagnosis.step), (DiagnosisCode::ServerNotSmtp, Step::Connect));
        let reply = diagnosis.reply.unwrap_or_default();
        assert!(reply.contains("* OK [CAPABILITY IMAP4rev1] Dovecot ready."), "what answered: {reply}");
        let connect = report.steps.iter().find(|s| s.step == Step::Connect).expect("the connect step");
        let note = connect.note.as_ref().map(|n| (n.code, n.value.clone()));
        assert_eq!(note, Some((StepNote::Connected, Some(format!("127.0.0.1:{port}")))), "the connection worked");
    }

    /// The resolver's words tell a name that does not exist from a lookup that failed (glibc, musl, macOS); a
    /// lookup without an answer in time is not blamed on the name either.
    #[test]
    fn a_failed_lookup_is_told_by_what_the_resolver_said() {
        let rows = [
            ("failed to lookup address information: Name or service not known", DiagnosisCode::DnsNotFound),
            ("failed to lookup address information: No address associated with hostname", DiagnosisCode::DnsNotFound),
            ("failed to lookup address information: Name does not resolve", DiagnosisCode::DnsNotFound),
            (
                "failed to lookup address information: nodename nor servname provided, or not known",
                DiagnosisCode::DnsNotFound,
            ),
            (
                "failed to lookup address information: Temporary failure in name resolution",
                DiagnosisCode::DnsUnavailable,
            ),
            (
                "failed to lookup address information: Non-recoverable failure in name resolution",
                DiagnosisCode::DnsUnavailable,
            ),
            ("failed to lookup address information: Try again", DiagnosisCode::DnsUnavailable),
            ("Network is unreachable (os error 101)", DiagnosisCode::DnsUnavailable),
        ];
        for (words, code) in rows {
            assert_eq!(lookup_failure(Some(&std::io::Error::other(words))), code, "{words}");
        }
        assert_eq!(lookup_failure(None), DiagnosisCode::DnsUnavailable, "no answer within the limit");
    }

    #[test]
    fn credentials_go_in_the_clear_only_to_a_loopback_address() {
        let local = Some(SocketAddr::from(([127, 0, 0, 1], 25)));
        let remote = Some(SocketAddr::from(([192, 0, 2, 2], 25)));
        let host = |name: &str| Host::parse(name).expect("host");
        assert!(credentials_stay_here(&host("localhost"), local));
        assert!(credentials_stay_here(&host("127.0.0.1"), local));
        assert!(!credentials_stay_here(&host("localhost"), remote), "the name said loopback, the resolver did not");
        assert!(!credentials_stay_here(&host("localhost"), None));
        assert!(!credentials_stay_here(&host("mail.example.com"), local), "a name the core does not call loopback");
        let mapped = Some(SocketAddr::from((std::net::Ipv4Addr::LOCALHOST.to_ipv6_mapped(), 25)));
        assert!(credentials_stay_here(&host("[::ffff:127.0.0.1]"), mapped));
    }
}
