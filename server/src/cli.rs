//! The command line: `serve` (the default), `check`, `admin create`, `admin reset-password`, and the SMTP
//! commands `probe` and `send-test` (`smtp/cli.rs`). `--data-dir` and `serve`'s flags can also come from
//! `SMTP_ENDPOINT_*` environment variables; `serve`'s are read only when serving, so a bad one does not stop the
//! commands that mend things (`admin reset-password`, `probe`).

use crate::auth::{self, AdminError};
use crate::config::Config;
use crate::state::{AppState, StartupError, absolute};
use clap::{Args, Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use smtp_endpoint::{EndpointInput, Locale, Report};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "smtp-endpoint-server", version, about = "Keeps the one SMTP endpoint: web API, page and CLI.")]
pub struct Cli {
    /// Where the SQLite database and the master key file live.
    #[arg(long, global = true, env = "SMTP_ENDPOINT_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Without a command: `serve`, with its settings from the environment.
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The log's level when the environment names none: the commands that print a report of their own log only
    /// warnings, so their stderr does not repeat it.
    pub fn default_log_level(&self) -> &'static str {
        match self.command {
            Some(Command::Check(_) | Command::Probe(_) | Command::SendTest(_)) => "warn",
            _ => "info",
        }
    }
}

/// `serve` with no flags: its settings from the environment and the defaults.
#[derive(Debug, Parser)]
#[command(name = "smtp-endpoint-server")]
struct DefaultServe {
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve(ServeArgs),
    /// Judge an endpoint with the same rules as the page and the API; exit 0 when valid, 1 when not.
    Check(CheckArgs),
    /// Manage admin accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Check the stored endpoint step by step (DNS, TCP, TLS, EHLO, STARTTLS, AUTH, MAIL FROM, RCPT TO);
    /// sends no message. Exit 0 when every step passed, 1 with a diagnosis.
    Probe(crate::smtp::cli::ProbeArgs),
    /// Send a clearly labelled test message through the stored endpoint. Exit 0 when the server accepted it.
    SendTest(crate::smtp::cli::SendTestArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, env = "SMTP_ENDPOINT_BIND", default_value = "127.0.0.1:8080", value_parser = parse_bind)]
    pub bind: SocketAddr,
    /// The built page (Trunk's dist/), served for every path outside /api.
    #[arg(long, env = "SMTP_ENDPOINT_STATIC_DIR")]
    pub static_dir: Option<PathBuf>,
    /// The origin browsers use when behind a proxy, e.g. https://settings.example.com (same-origin check; an
    /// https origin makes the session cookie Secure).
    #[arg(long, env = "SMTP_ENDPOINT_PUBLIC_ORIGIN", value_parser = parse_public_origin)]
    pub public_origin: Option<String>,
    /// Other host names browsers reach the server by (comma-separated; `*` for any), e.g. settings.internal.
    /// IP addresses, localhost and the public origin's host need none; other names are refused (DNS rebinding).
    #[arg(long, env = "SMTP_ENDPOINT_ALLOWED_HOSTS", value_delimiter = ',', value_parser = parse_allowed_host)]
    pub allowed_host: Vec<String>,
    /// Addresses of proxies in front of the server whose X-Forwarded-For names the client (comma-separated),
    /// e.g. 127.0.0.1; failed logins are then counted per client, not per proxy.
    #[arg(long, env = "SMTP_ENDPOINT_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// How long a login lasts, in minutes.
    #[arg(long, env = "SMTP_ENDPOINT_SESSION_MINUTES", default_value_t = 480,
          value_parser = clap::value_parser!(u64).range(1..=525_600))]
    pub session_minutes: u64,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[arg(long)]
    pub uri: Option<String>,
    #[arg(long)]
    pub username: Option<String>,
    /// The default from address.
    #[arg(long = "from")]
    pub default_from_address: Option<String>,
    /// Read the password from standard input (one trailing newline is dropped).
    #[arg(long)]
    pub password_stdin: bool,
    /// A PEM file of certificates to trust besides the built-in roots (an internal relay's CA).
    #[arg(long, value_name = "FILE")]
    pub custom_ca: Option<PathBuf>,
    /// Judge as if a password were already stored.
    #[arg(long)]
    pub password_set: bool,
    /// Language of the messages: en or de.
    #[arg(long, default_value = "en", value_parser = parse_locale)]
    pub locale: Locale,
    /// Print the report as JSON, exactly as the API and the JavaScript API return it.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin; the password is prompted for (twice) or read from standard input.
    Create(AdminArgs),
    /// Set a new password for an admin and end all their sessions.
    ResetPassword(AdminArgs),
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[arg(long)]
    pub username: String,
    /// Read the password from standard input instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
    #[error("cannot read {path}: {source}")]
    ReadFile { path: PathBuf, source: std::io::Error },
    #[error(
        "{path} is not PEM text (a binary, DER certificate?): convert it with \
         openssl x509 -inform DER -in {path} -out ca.pem, and give ca.pem"
    )]
    CustomCaNotText { path: PathBuf },
    #[error("{path} is saved as UTF-16: save it as UTF-8 (or ASCII) text and give it again")]
    CustomCaUtf16 { path: PathBuf },
    #[error("cannot read the password: {0}")]
    ReadPassword(std::io::Error),
    #[error("cannot ask for the password ({0}): without a terminal, pipe it in with --password-stdin")]
    PromptPassword(std::io::Error),
    #[error("the two passwords differ")]
    PasswordMismatch,
    #[error("cannot write the output: {0}")]
    Output(String),
    /// What the command was asked to do cannot be done, said in the words of the refusal.
    #[error("{0}")]
    Refused(String),
}

/// Runs the command line; the exit code is 0 on success (or a valid `check`), 1 for an invalid `check`.
pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        None => {
            serve(
                cli.data_dir,
                DefaultServe::try_parse_from(["smtp-endpoint-server"]).unwrap_or_else(|e| e.exit()).serve,
            )
            .await
        }
        Some(Command::Serve(args)) => serve(cli.data_dir, args).await,
        Some(Command::Check(args)) => check(args),
        Some(Command::Admin(command)) => admin(cli.data_dir, command).await,
        Some(Command::Probe(args)) => {
            let config = Config { master_key: master_key_from_env(), ..Config::new(cli.data_dir) };
            crate::smtp::cli::probe(config, args).await
        }
        Some(Command::SendTest(args)) => {
            let config = Config { master_key: master_key_from_env(), ..Config::new(cli.data_dir) };
            crate::smtp::cli::send_test(config, args).await
        }
    }
}

/// The configuration `serve` runs with, from its arguments and `SMTP_ENDPOINT_MASTER_KEY`.
pub fn config(data_dir: PathBuf, args: &ServeArgs) -> Config {
    Config {
        static_dir: args.static_dir.clone(),
        public_origin: args.public_origin.clone(),
        allowed_hosts: args.allowed_host.clone(),
        trusted_proxies: args.trusted_proxy.clone(),
        session_ttl: std::time::Duration::from_secs(args.session_minutes * 60),
        master_key: master_key_from_env(),
        ..Config::new(data_dir)
    }
}

/// `--bind`: an IP address and a port.
fn parse_bind(value: &str) -> Result<SocketAddr, String> {
    value.trim().parse().map_err(|_| {
        "write an IP address and a port, e.g. 127.0.0.1:8080 (0.0.0.0:8080 for every interface)".to_owned()
    })
}

/// `--trusted-proxy`: one IP address of the comma-separated list, spaces around it allowed.
fn parse_proxy(value: &str) -> Result<std::net::IpAddr, String> {
    value.trim().parse().map_err(|_| "write IP addresses, comma-separated, e.g. 127.0.0.1,::1".to_owned())
}

/// `--locale`: `en` or `de` (a region, `de-AT`, is taken as its language); anything else is refused, not read as
/// English.
pub(crate) fn parse_locale(value: &str) -> Result<Locale, String> {
    let tag = value.trim().to_ascii_lowercase();
    match tag.split(['-', '_']).next() {
        Some("en" | "de") => Ok(Locale::from_tag(&tag)),
        _ => Err("write en or de".to_owned()),
    }
}

/// Writes `text` and a line break to standard output: a closed pipe or a full disk is an error (exit 2), not a
/// panic.
pub(crate) fn say(text: impl std::fmt::Display) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").and_then(|()| out.flush()).map_err(|error| CliError::Output(error.to_string()))
}

/// Says that something is done: on standard output, or, should that fail (a closed pipe, a full disk), on
/// standard error — it is done either way, and the exit code says so.
fn confirm(text: impl std::fmt::Display) {
    if let Err(error) = say(&text) {
        let _ = writeln!(std::io::stderr().lock(), "{text} ({error})");
    }
}

/// `--public-origin`: `http(s)://host[:port]` and nothing after it, kept as browsers send `Origin` (lowercase, no
/// trailing slash, no default port).
pub(crate) fn parse_public_origin(value: &str) -> Result<String, String> {
    let url = url::Url::parse(value.trim()).ok().filter(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.host().is_some()
            && url.username().is_empty()
            && url.password().is_none()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
    });
    url.map(|url| url.origin().ascii_serialization()).ok_or_else(|| {
        "write the address browsers open, scheme and host only, e.g. https://settings.example.com".to_owned()
    })
}

/// `--allowed-host`: a host name without scheme or port (`*` for any), kept lowercase. `_` is allowed: container
/// networks name services with it, and a proxy passes that name on.
pub(crate) fn parse_allowed_host(value: &str) -> Result<String, String> {
    let name = value.trim().trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() {
        return Err("an empty name: remove the extra comma, or write a host name, e.g. settings.internal".to_owned());
    }
    if name.contains('*') && name != "*" {
        return Err("a name pattern: write each host name in full, or * alone for any".to_owned());
    }
    if name == "*" || name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')) {
        Ok(name)
    } else {
        Err("write a host name only, without scheme or port, e.g. settings.internal (or * for any)".to_owned())
    }
}

fn master_key_from_env() -> Option<SecretString> {
    std::env::var("SMTP_ENDPOINT_MASTER_KEY").ok().filter(|key| !key.trim().is_empty()).map(SecretString::from)
}

/// How long a stop waits for running requests (a check or a test email can take up to 50 s) before it ends
/// them; a second signal ends them at once.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

async fn serve(data_dir: PathBuf, args: ServeArgs) -> Result<ExitCode, CliError> {
    // Before the lock, which would make the data dir of a start that is refused.
    if let Some(static_dir) = &args.static_dir {
        refuse_serving_data(static_dir, &data_dir)?;
    }
    let _lock = crate::state::lock_data_dir(&data_dir)?;
    // Listening first: a port in use stops the start before a first admin is made whose password nobody sees.
    let listener =
        tokio::net::TcpListener::bind(args.bind).await.map_err(|source| CliError::Bind { addr: args.bind, source })?;
    let addr = listener.local_addr().map_err(CliError::Serve)?;
    let state = AppState::open(config(data_dir.clone(), &args)).await?;
    if let Some(password) = auth::ensure_first_admin(&state).await? {
        print_first_admin(&data_dir, &password)?;
        // Where to look when the terminal is gone. The log (stderr) never has the password; a service manager or
        // a container runtime may keep stdout beside it, though.
        if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            tracing::warn!("the first admin's password was printed once on standard output, not in this log");
        } else {
            tracing::warn!(
                username = auth::FIRST_ADMIN,
                data_dir = %absolute(&data_dir).display(),
                "the first admin's password was printed once on standard output, which may be kept (journald, \
                 docker logs): once signed in, replace it with the admin reset-password command (it ends that \
                 admin's sessions)"
            );
        }
    }
    tokio::task::spawn_blocking(crate::smtp::load_trust_store);
    // Said in the log too: a standard output nobody reads is no reason not to serve.
    let _ = say(format!("Listening on http://{addr}"));
    tracing::info!(
        %addr,
        version = env!("CARGO_PKG_VERSION"),
        data_dir = %absolute(&data_dir).display(),
        master_key = if state.config().master_key.is_some() { "SMTP_ENDPOINT_MASTER_KEY" } else { "master.key" },
        "listening"
    );
    match &args.static_dir {
        Some(dir) if dir.join("index.html").is_file() => {
            tracing::info!(dir = %absolute(dir).display(), "serving the page");
            if let Some(path) = crate::static_files::writable_by_others(dir) {
                tracing::warn!(
                    path = %absolute(&path).display(),
                    "other users may change what --static-dir serves: one who writes there could change the page, \
                     or make a link there that races its check and be served the data dir; let only whoever \
                     deploys the page write there"
                );
            }
        }
        Some(dir) => tracing::warn!(
            dir = %absolute(dir).display(),
            "--static-dir holds no index.html: build the page first (trunk build --release); every page path is 404"
        ),
        None => tracing::info!("no --static-dir: serving the API only"),
    }

    let stop = count_stop_signals();
    let mut graceful = stop.clone();
    let mut forced = stop;
    let per_client = crate::listen::PerClient::new(crate::listen::CONNECTIONS_PER_CLIENT, &args.trusted_proxy);
    let server = crate::listen::serve(listener, crate::app(state), per_client, async move {
        stopped(&mut graceful, 1).await;
        tracing::info!(
            grace_s = SHUTDOWN_GRACE.as_secs(),
            "stopping: finishing running requests (a second signal ends them)"
        );
    });
    let deadline = async move {
        stopped(&mut forced, 1).await;
        tokio::select! {
            () = tokio::time::sleep(SHUTDOWN_GRACE) => {}
            () = stopped(&mut forced, 2) => {}
        }
    };
    tokio::select! {
        () = server => {}
        () = deadline => tracing::warn!("stopped with requests still running"),
    }
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// A `--static-dir` that holds the data dir (`--static-dir .` beside `./data`) would serve the database and
/// `master.key` to anyone who asks for them. Judged on the paths both as written and with symbolic links
/// resolved, and on every link inside the static dir: the file server follows one to a data dir kept elsewhere,
/// to a folder above it, or to a file in it.
fn refuse_serving_data(static_dir: &Path, data_dir: &Path) -> Result<(), CliError> {
    let forms = |path: &Path| [resolved(path), Some(absolute(path))];
    let (pages, datas) = (forms(static_dir), forms(data_dir));
    let inside = datas.iter().flatten().any(|data| pages.iter().flatten().any(|page| data.starts_with(page)));
    let linked = || {
        linked_targets(static_dir)
            .iter()
            .any(|target| datas.iter().flatten().any(|data| data.starts_with(target) || target.starts_with(data)))
    };
    if !inside && !linked() {
        return Ok(());
    }
    Err(CliError::Refused(format!(
        "--static-dir {} holds the data dir {}: it would serve the database and master.key to anyone. Point \
         --static-dir at the built page (dist), or keep the data dir elsewhere (--data-dir).",
        static_dir.display(),
        data_dir.display()
    )))
}

/// `path` with its links resolved, also when it does not exist yet (a data dir made on the first start): its
/// nearest existing folder resolved, the rest as written. `None` when nothing of it resolves.
fn resolved(path: &Path) -> Option<PathBuf> {
    let path = absolute(path);
    path.ancestors().find_map(|existing| {
        let rest = path.strip_prefix(existing).ok()?;
        Some(existing.canonicalize().ok()?.join(rest))
    })
}

/// Where the symbolic links under `dir` lead, resolved (links to folders are not followed further; at most
/// 10 000 entries are looked at, which a built page is far below).
fn linked_targets(dir: &Path) -> Vec<PathBuf> {
    let (mut targets, mut folders, mut seen) = (Vec::new(), vec![dir.to_path_buf()], 0);
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
            seen += 1;
            if seen > 10_000 {
                return targets;
            }
            match entry.file_type() {
                Ok(kind) if kind.is_symlink() => targets.extend(entry.path().canonicalize().ok()),
                Ok(kind) if kind.is_dir() => folders.push(entry.path()),
                _ => {}
            }
        }
    }
    targets
}

/// Shown once on the first start, on stdout only (never in the log). If it cannot be written, the start stops
/// and says how to set a password instead.
fn print_first_admin(data_dir: &Path, password: &SecretString) -> Result<(), CliError> {
    // The command as this binary was started (`cargo run` starts target/release/smtp-endpoint-server), so the
    // line runs as printed from the same directory.
    let program = std::env::args().next().unwrap_or_else(|| "smtp-endpoint-server".to_owned());
    let (program, data_dir) = (shell_word(&program), data_dir.to_string_lossy());
    let reset =
        format!("{program} admin reset-password --username {} --data-dir {}", auth::FIRST_ADMIN, shell_word(&data_dir));
    let text = zeroize::Zeroizing::new(format!(
        "Created the first admin. Sign in with\n  username: {}\n  password: {}\nThis password is shown only once. \
         To set another one later:\n  {reset}",
        auth::FIRST_ADMIN,
        password.expose_secret()
    ));
    say(text.as_str()).map_err(|error| {
        CliError::Refused(format!("{error}: the first admin's password could not be shown; set one with {reset}"))
    })
}

/// `text` as one word of a shell command line: as it is when nothing in it needs quoting, else in single quotes.
fn shell_word(text: &str) -> std::borrow::Cow<'_, str> {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"_./-:=@%+,".contains(&b);
    if !text.is_empty() && text.bytes().all(plain) {
        text.into()
    } else {
        format!("'{}'", text.replace('\'', r"'\''")).into()
    }
}

/// Until `n` stop signals came; for ever when signals cannot be handled at all.
async fn stopped(count: &mut tokio::sync::watch::Receiver<u8>, n: u8) {
    if count.wait_for(|&count| count >= n).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Counts SIGINT and SIGTERM (Ctrl-C elsewhere), up to two. The handlers are installed once, before the first
/// signal, so a second one that comes right after the first is not lost between two registrations.
fn count_stop_signals() -> tokio::sync::watch::Receiver<u8> {
    let (count, counted) = tokio::sync::watch::channel(0u8);
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::spawn(async move {
                    for n in 1..=2 {
                        tokio::select! {
                            _ = interrupt.recv() => {}
                            _ = terminate.recv() => {}
                        }
                        let _ = count.send(n);
                    }
                });
            }
            (Err(error), _) | (_, Err(error)) => tracing::warn!(%error, "cannot handle stop signals"),
        }
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        for n in 1..=2 {
            let _ = tokio::signal::ctrl_c().await;
            let _ = count.send(n);
        }
    });
    counted
}

fn read_password_stdin() -> Result<SecretString, CliError> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(CliError::ReadPassword)?;
    let trimmed = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text).to_owned();
    zeroize::Zeroize::zeroize(&mut text);
    Ok(SecretString::from(trimmed))
}

/// A custom CA file as text: read no further than one byte over the limit (the core says it is too long; a
/// device like `/dev/zero` is not read for ever), and a file that is not text is said to be DER, with the command
/// that converts it.
fn read_custom_ca(path: &Path) -> Result<String, CliError> {
    use std::io::Read;
    let fail = |source| CliError::ReadFile { path: path.to_owned(), source };
    let limit = u64::try_from(smtp_endpoint::MAX_CUSTOM_CA_LEN + 1).unwrap_or(u64::MAX);
    let mut bytes = Vec::new();
    std::fs::File::open(path).and_then(|file| file.take(limit).read_to_end(&mut bytes)).map_err(fail)?;
    if bytes.len() > smtp_endpoint::MAX_CUSTOM_CA_LEN {
        // Too long whatever it holds (the core says so); the cut may split a character.
        return Ok(String::from_utf8_lossy(&bytes).into_owned());
    }
    // A byte-order mark of UTF-16 (Notepad's "Unicode"): text, but not in a form PEM is read in.
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(CliError::CustomCaUtf16 { path: path.to_owned() });
    }
    String::from_utf8(bytes).map_err(|_| CliError::CustomCaNotText { path: path.to_owned() })
}

fn check(args: CheckArgs) -> Result<ExitCode, CliError> {
    let password = if args.password_stdin { Some(read_password_stdin()?) } else { None };
    let custom_ca_pem = args.custom_ca.as_deref().map(read_custom_ca).transpose()?;
    let locale = args.locale;
    // As the API reads a draft's password: an empty one removes the stored one.
    let (typed, password_set) = crate::endpoint::PasswordChange::of(password.as_ref()).input(args.password_set);
    let mut input = EndpointInput {
        uri: args.uri,
        username: args.username,
        password: typed,
        default_from_address: args.default_from_address,
        custom_ca_pem,
        password_set,
        locale,
    };
    let mut report = smtp_endpoint::validate(&input);
    let pem = crate::smtp::custom_ca::given(input.custom_ca_pem.as_deref());
    crate::endpoint::judge_custom_ca_certificates(&mut report, pem, locale);
    zeroize::Zeroize::zeroize(&mut input.password);
    let text = if args.json {
        serde_json::to_string(&report).map_err(|e| CliError::Output(e.to_string()))?
    } else {
        human_report(&report, locale)
    };
    say(text)?;
    Ok(if report.valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The labels of `check`'s report, in the language of its messages: valid, invalid, error, warning, suggestion,
/// and the page's label of the effective connection. (Fields and codes stay as the API names them.)
fn report_words(locale: Locale) -> [&'static str; 6] {
    match locale {
        Locale::En => ["valid", "invalid", "error", "warning", "suggestion", "effective connection"],
        Locale::De => ["gültig", "ungültig", "Fehler", "Warnung", "Vorschlag", "So wird verbunden"],
    }
}

fn human_report(report: &Report, locale: Locale) -> String {
    let [valid, invalid, error, warning, suggestion_word, connection] = report_words(locale);
    let mut lines = vec![if report.valid { valid.to_owned() } else { invalid.to_owned() }];
    for (kind, issues) in [(error, &report.errors), (warning, &report.warnings)] {
        for issue in issues.iter() {
            let mut line = format!("{kind}: {} [{}]: {}", issue.field, issue.code, issue.message);
            if let Some(suggestion) = &issue.suggestion {
                line.push_str(&format!(" ({suggestion_word}: {suggestion})"));
            }
            lines.push(line);
        }
    }
    if let Some(effective) = &report.effective {
        lines.push(format!("{connection}: {}", effective.summary));
    }
    lines.join("\n")
}

fn prompt_new_password() -> Result<SecretString, CliError> {
    let first = SecretString::from(rpassword::prompt_password("New password: ").map_err(CliError::PromptPassword)?);
    let second =
        SecretString::from(rpassword::prompt_password("Repeat the password: ").map_err(CliError::PromptPassword)?);
    if first.expose_secret() != second.expose_secret() {
        return Err(CliError::PasswordMismatch);
    }
    Ok(first)
}

async fn admin(data_dir: PathBuf, command: AdminCommand) -> Result<ExitCode, CliError> {
    let (args, create) = match &command {
        AdminCommand::Create(args) => (args, true),
        AdminCommand::ResetPassword(args) => (args, false),
    };
    let new_data_dir = (!data_dir.join(crate::state::DATABASE_FILE).is_file()).then(|| absolute(&data_dir));
    if let (false, Some(dir)) = (create, &new_data_dir) {
        return Err(CliError::Refused(format!(
            "{} holds no server data: pass the --data-dir the server uses",
            dir.display()
        )));
    }
    // The password first: a refused or missing one leaves no new data dir behind (whose next start would make
    // a first admin of its own).
    let password = if args.password_stdin { read_password_stdin()? } else { prompt_new_password()? };
    auth::check_new_admin(&args.username, &password)?;
    let config = Config { master_key: master_key_from_env(), ..Config::new(data_dir) };
    let state = AppState::open(config).await?;
    if create {
        auth::create_admin(&state, &args.username, &password).await?;
        if let Some(dir) = new_data_dir {
            // Made here, not found: a mistyped --data-dir would otherwise leave an admin the server never sees.
            let dir = dir.display().to_string();
            confirm(format!(
                "Created admin {} in {dir}, which held no server data yet: start the server with --data-dir {}.",
                args.username,
                shell_word(&dir)
            ));
        } else {
            confirm(format!("Created admin {}.", args.username));
        }
    } else {
        auth::reset_admin_password(&state, &args.username, &password).await?;
        confirm(format!("New password set for {}; their sessions have ended.", args.username));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_take_spaces_and_refusals_say_what_to_write() {
        assert_eq!(parse_proxy(" ::1"), Ok("::1".parse().expect("ip")));
        assert!(parse_proxy("proxy.internal").is_err_and(|e| e.contains("e.g. 127.0.0.1,::1")));
        assert_eq!(parse_bind(" 0.0.0.0:8080 "), Ok("0.0.0.0:8080".parse().expect("address")));
        for value in ["8080", "localhost:8080", "127.0.0.1"] {
            assert!(parse_bind(value).is_err_and(|e| e.contains("e.g. 127.0.0.1:8080")), "{value}");
        }
        assert_eq!(parse_locale("de-AT"), Ok(Locale::De));
        assert_eq!(parse_locale("EN"), Ok(Locale::En));
        assert!(parse_locale("fr").is_err() && parse_locale("").is_err());
    }

    #[test]
    fn public_origins_are_kept_as_browsers_send_them() {
        let rows = [
            ("https://Settings.Example.com/", "https://settings.example.com"),
            ("https://settings.example.com:443", "https://settings.example.com"),
            ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
            (" http://[::1]:8080 ", "http://[::1]:8080"),
        ];
        for (value, origin) in rows {
            assert_eq!(parse_public_origin(value).as_deref(), Ok(origin), "{value}");
        }
        for value in ["settings.example.com", "ftp://example.com", "https://example.com/settings", "https://a@b", ""] {
            let error = parse_public_origin(value).expect_err(value);
            assert!(error.contains("e.g. https://settings.example.com"), "{value}: {error}");
        }
    }

    #[test]
    fn allowed_hosts_are_names_only() {
        assert_eq!(parse_allowed_host(" Settings.Internal. ").as_deref(), Ok("settings.internal"));
        assert_eq!(parse_allowed_host("smtp_settings").as_deref(), Ok("smtp_settings"));
        assert_eq!(parse_allowed_host("*").as_deref(), Ok("*"));
        assert!(parse_allowed_host("").is_err_and(|e| e.contains("empty name")));
        assert!(parse_allowed_host("*.internal").is_err_and(|e| e.contains("in full")));
        for value in ["settings.internal:8080", "https://settings.internal", "a b"] {
            let error = parse_allowed_host(value).expect_err(value);
            assert!(error.contains("without scheme or port"), "{value}: {error}");
        }
    }
}
