//! `smtp-endpoint-server probe [--to ADDR]` and `send-test --to ADDR`: the same steps and diagnosis as the API,
//! for the stored endpoint, printed for a terminal (or as the API's JSON with `--json`).

use super::report::{Diagnosis, StepReport, StepStatus};
use super::tls::CertificateInfo;
use super::{ProbeOptions, TestEmail};
use crate::cli::{CliError, say};
use crate::config::Config;
use crate::error::ApiError;
use crate::state::AppState;
use clap::Args;
use smtp_endpoint::Locale;
use std::fmt::Write;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Also try `RCPT TO` this address (nothing is sent).
    #[arg(long)]
    pub to: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct SendTestArgs {
    /// Where the test message goes.
    #[arg(long)]
    pub to: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print the report as JSON, exactly as the API returns it.
    #[arg(long)]
    pub json: bool,
    /// Also print the SMTP dialogue (AUTH payloads are redacted).
    #[arg(long)]
    pub transcript: bool,
    /// Language of the output (the steps' words, the diagnosis): en or de.
    #[arg(long, default_value = "en", value_parser = crate::cli::parse_locale)]
    pub locale: Locale,
}

/// `probe`: exit 0 when every step passed, 1 with a diagnosis.
pub async fn probe(config: Config, args: ProbeArgs) -> Result<ExitCode, CliError> {
    let locale = args.output.locale;
    let state = open_existing(config).await?;
    let (target, summary) = target(&state, locale).await?;
    let recipient = args.to.as_deref().map(|to| super::api::recipient_address(to.trim(), "--to", locale)).transpose();
    let recipient = recipient.map_err(|e| api_error(e, locale))?;
    let options = ProbeOptions { recipient, locale, ..ProbeOptions::default() };
    let report = super::probe(&target, &options).await;
    if args.output.json {
        print_json(&report)?;
    } else {
        let w = words(locale);
        let mut out = format!("{} {summary}\n", w.probe_of);
        human(&mut out, locale, &report.steps, report.certificate.as_ref(), report.diagnosis.as_ref());
        if report.ok {
            let _ = writeln!(out, "{}", w.probe_ok.replace("{ms}", &report.duration_ms.to_string()));
        }
        if args.output.transcript {
            transcript(&mut out, w, &report.transcript);
        }
        say(out.trim_end())?;
    }
    Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `send-test`: exit 0 when the server accepted the message, 1 with a diagnosis.
pub async fn send_test(config: Config, args: SendTestArgs) -> Result<ExitCode, CliError> {
    let locale = args.output.locale;
    let state = open_existing(config).await?;
    let (target, summary) = target(&state, locale).await?;
    let to = super::api::recipient_address(args.to.trim(), "--to", locale).map_err(|e| api_error(e, locale))?;
    // No admin asked: the body names the server it was sent from, in the message's language.
    let email = TestEmail { to, requested_by: None };
    let options = ProbeOptions { locale, ..ProbeOptions::default() };
    let report = super::send_test(&target, &email, &options).await;
    if args.output.json {
        print_json(&report)?;
    } else {
        let w = words(locale);
        let mut out = format!("{} {}: {summary}\n", w.test_to, args.to.trim());
        human(&mut out, locale, &report.steps, report.certificate.as_ref(), report.diagnosis.as_ref());
        if report.ok {
            let _ = writeln!(
                out,
                "{}, Message-ID {}; {}: {}",
                w.sent_ok.replace("{ms}", &report.duration_ms.to_string()),
                report.message_id.as_deref().unwrap_or("?"),
                w.server_said,
                printable(report.reply.as_deref().unwrap_or(""))
            );
        }
        if args.output.transcript {
            transcript(&mut out, w, &report.transcript);
        }
        say(out.trim_end())?;
    }
    Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The server's data, which these commands only read: a mistyped `--data-dir` is said, not made into a new, empty
/// one with a key of its own.
async fn open_existing(config: Config) -> Result<AppState, CliError> {
    if !config.data_dir.join(crate::state::DATABASE_FILE).is_file() {
        return Err(CliError::Refused(format!(
            "no endpoint is stored in {}: pass the --data-dir the server uses, or save an endpoint on the page first",
            config.data_dir.display()
        )));
    }
    Ok(AppState::open(config).await?)
}

/// The stored endpoint to connect to, and the sentence that says what the connection will do (as the page's
/// "Effective connection").
async fn target(state: &AppState, locale: Locale) -> Result<(super::SmtpTarget, String), CliError> {
    let settings = super::api::settings(state, None, locale).await.map_err(|e| api_error(e, locale))?;
    let endpoint = &settings.endpoint;
    let summary = smtp_endpoint::messages::summary(endpoint.uri(), endpoint.username(), locale);
    let target = super::SmtpTarget::new(endpoint, settings.password.clone(), settings.custom_ca_pem.as_deref())
        .map_err(|defect| CliError::Refused(smtp_endpoint::Problem::CustomCaInvalid(defect).message(locale)))?;
    Ok((target, summary))
}

fn api_error(error: ApiError, locale: Locale) -> CliError {
    match error {
        ApiError::Invalid(report) => CliError::Refused(format!(
            "the stored endpoint is not valid: {}",
            report.errors.iter().map(|issue| issue.message.as_str()).collect::<Vec<_>>().join(" ")
        )),
        ApiError::Unconfigured(_) => CliError::Refused(match locale {
            Locale::En => "no endpoint is configured yet: save one on the page (or through the API) first",
            Locale::De => "es ist noch kein Endpunkt eingerichtet: Speichern Sie zuerst einen auf der Seite (oder über die API)",
        }
        .to_owned()),
        ApiError::RecipientInvalid { field, message } => CliError::Refused(format!("{field}: {message}")),
        other => CliError::Refused(other.to_string()),
    }
}

fn print_json(report: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(report).map_err(|e| CliError::Output(e.to_string()))?;
    say(text)
}

/// The command line's own words around a report (the report's are the core's, already in its language).
struct Words {
    probe_of: &'static str,
    test_to: &'static str,
    /// `{ms}` is the time taken (here and in `sent_ok`).
    probe_ok: &'static str,
    sent_ok: &'static str,
    statuses: [&'static str; 3],
    certificate: &'static str,
    issued_by: &'static str,
    valid_until: &'static str,
    not_trusted: &'static str,
    names: &'static str,
    diagnosis: &'static str,
    at_step: &'static str,
    server_said: &'static str,
    detail: &'static str,
    what_to_do: &'static str,
    try_this: &'static str,
    transcript: &'static str,
}

const EN: Words = Words {
    probe_of: "Check of the stored endpoint:",
    test_to: "Test email to",
    probe_ok: "ok: every step passed in {ms} ms; no message was sent.",
    sent_ok: "ok: accepted in {ms} ms",
    statuses: ["ok", "FAILED", "skipped"],
    certificate: "certificate",
    issued_by: "issued by",
    valid_until: "valid until",
    not_trusted: "NOT trusted",
    names: "names",
    diagnosis: "diagnosis",
    at_step: "at step",
    server_said: "the server said",
    detail: "detail",
    what_to_do: "what to do",
    try_this: "try",
    transcript: "transcript",
};

const DE: Words = Words {
    probe_of: "Prüfung des gespeicherten Endpunkts:",
    test_to: "Test-E-Mail an",
    probe_ok: "ok: alle Schritte in {ms} ms bestanden; es wurde keine Nachricht gesendet.",
    sent_ok: "ok: in {ms} ms angenommen",
    statuses: ["ok", "fehlgeschlagen", "übersprungen"],
    certificate: "Zertifikat",
    issued_by: "ausgestellt von",
    valid_until: "gültig bis",
    not_trusted: "NICHT vertrauenswürdig",
    names: "Namen",
    diagnosis: "Diagnose",
    at_step: "bei Schritt",
    server_said: "der Server antwortete",
    detail: "Detail",
    what_to_do: "was zu tun ist",
    try_this: "Vorschlag",
    transcript: "SMTP-Dialog",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::En => &EN,
        Locale::De => &DE,
    }
}

/// One line per step (its status, name, time, the reply's first line and what it did), in columns, then the
/// certificate and the diagnosis.
fn human(
    out: &mut String,
    locale: Locale,
    steps: &[StepReport],
    certificate: Option<&CertificateInfo>,
    diagnosis: Option<&Diagnosis>,
) {
    let w = words(locale);
    let width = |words: &mut dyn Iterator<Item = &str>| words.map(|w| w.chars().count()).max().unwrap_or(0);
    let status_width = width(&mut w.statuses.iter().copied());
    let name_width = width(&mut steps.iter().map(|s| s.step.name(locale)));
    for step in steps {
        let status = match step.status {
            StepStatus::Ok => w.statuses[0],
            StepStatus::Failed => w.statuses[1],
            StepStatus::Skipped => w.statuses[2],
        };
        let reply = step.reply.as_deref().and_then(|r| r.lines().next()).unwrap_or_default();
        let detail = step.detail.as_deref().unwrap_or_default();
        let text = [reply, detail].into_iter().filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" — ");
        let text = printable(&text);
        let name = step.step.name(locale);
        let _ = writeln!(out, "  {status:<status_width$}  {name:<name_width$} {:>6} ms  {text}", step.duration_ms);
    }
    if let Some(cert) = certificate {
        let trust = if cert.verified { String::new() } else { format!(" ({})", w.not_trusted) };
        let (subject, issuer) = (printable(&cert.subject), printable(&cert.issuer));
        let _ = writeln!(
            out,
            "{}: {subject} {} {issuer}, {} {}{trust}",
            w.certificate, w.issued_by, w.valid_until, cert.not_after
        );
        let _ = writeln!(out, "  {}: {}; SHA-256 {}", w.names, printable(&cert.names.join(", ")), cert.sha256);
    }
    if let Some(diagnosis) = diagnosis {
        let step = diagnosis.step.name(locale);
        let _ = writeln!(out, "{}: {} ({} {step})", w.diagnosis, diagnosis.code, w.at_step);
        let _ = writeln!(out, "  {}", diagnosis.message);
        if let Some(reply) = &diagnosis.reply {
            let _ = writeln!(out, "  {}: {}", w.server_said, printable(&reply.replace('\n', " / ")));
        }
        if let Some(detail) = &diagnosis.detail {
            let _ = writeln!(out, "  {}: {}", w.detail, printable(detail));
        }
        let _ = writeln!(out, "  {}: {}", w.what_to_do, diagnosis.remedy);
        if let Some(suggestion) = &diagnosis.suggestion {
            let _ = writeln!(out, "  {}: {suggestion}", w.try_this);
        }
    }
}

fn transcript(out: &mut String, w: &Words, transcript: &[String]) {
    let _ = writeln!(out, "{}:", w.transcript);
    for line in transcript {
        let _ = writeln!(out, "  {}", printable(line));
    }
}

/// What a server sent (a reply, a certificate's names), safe for a terminal: control characters — an escape
/// sequence, a bare carriage return that would write over the line — are shown escaped (`\u{1b}`), not obeyed.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn a_servers_control_characters_are_shown_not_obeyed() {
        assert_eq!(printable("250 mail.example.com ready"), "250 mail.example.com ready");
        assert_eq!(printable("250 ok\u{1b}[2J\rFAKE"), "250 ok\\u{1b}[2J\\u{d}FAKE");
        assert_eq!(printable("CN=Grüße\u{9b}31m"), "CN=Grüße\\u{9b}31m");
    }
}
