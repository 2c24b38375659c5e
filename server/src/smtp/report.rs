//! What a probe or a test email reports: the steps, the diagnosis, the certificate, the capabilities and the
//! transcript. The same shapes go to the API and the CLI.

use super::tls::CertificateInfo;
use serde::Serialize;
use smtp_endpoint::{DiagnosisCode, Locale, Step, StepNote};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Ok,
    Failed,
    Skipped,
}

/// One step of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StepReport {
    /// `resolve`, `connect`, `tls`, `ehlo`, `starttls`, `auth`, `mail_from`, `rcpt_to`, `data`, `rset` or `quit`.
    #[schema(value_type = String)]
    pub step: Step,
    pub status: StepStatus,
    pub duration_ms: u64,
    /// The server's reply that ended the step, as sent (lines separated by `\n`).
    pub reply: Option<String>,
    /// What happened besides the reply: the note in the request's language (e.g. the address connected to, the TLS
    /// version, why the step was skipped), or for a failed step what the client saw (a TLS error, a time limit).
    pub detail: Option<String>,
    /// The note as a stable code and its language-neutral value, for clients that put it into their own words.
    pub note: Option<Note>,
    /// Network round trips the step took (a command and its reply is one; a TLS 1.3 handshake is one).
    pub round_trips: u32,
}

/// What a step did or why it stopped, e.g. `{"code": "connected", "value": "192.0.2.7:587"}`: the words around
/// the value are the core crate's (`StepNote`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Note {
    /// `resolved`, `connected`, `encrypted`, `logged_in`, `not_reached`, …
    #[schema(value_type = String)]
    pub code: StepNote,
    pub value: Option<String>,
}

impl Note {
    pub(crate) fn new(code: StepNote) -> Note {
        Note { code, value: None }
    }

    pub(crate) fn with(code: StepNote, value: impl Into<String>) -> Note {
        Note { code, value: Some(value.into()) }
    }

    pub(crate) fn text(&self, locale: Locale) -> String {
        self.code.text(locale, self.value.as_deref().unwrap_or_default())
    }
}

/// Why mail could not go out, and what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Diagnosis {
    /// A stable code, e.g. `auth.failed`, `tls.expected_implicit`.
    #[schema(value_type = String)]
    pub code: DiagnosisCode,
    /// The step that failed.
    #[schema(value_type = String)]
    pub step: Step,
    pub message: String,
    pub remedy: String,
    /// The server's reply, when the failure was one.
    pub reply: Option<String>,
    /// What the client saw otherwise: the note in the request's language (e.g. no reply within 10 s), or what
    /// only a library can say (an OS or TLS error) in its words.
    pub detail: Option<String>,
    /// The same as a stable code and its language-neutral value, when it is a note.
    pub note: Option<Note>,
    /// A corrected URI that would avoid the failure, when one is known.
    pub suggestion: Option<String>,
}

impl Diagnosis {
    pub(crate) fn new(code: DiagnosisCode, step: Step, locale: Locale) -> Diagnosis {
        Diagnosis {
            code,
            step,
            message: code.message(locale).to_owned(),
            remedy: code.remedy(locale).to_owned(),
            reply: None,
            detail: None,
            note: None,
            suggestion: None,
        }
    }
}

/// What the server announced in its last EHLO reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Capabilities {
    pub starttls: bool,
    /// Login mechanisms offered, e.g. `PLAIN`, `LOGIN`.
    pub auth: Vec<String>,
    /// Largest message accepted, in bytes (`SIZE`); `None` when not announced or unlimited.
    pub size: Option<u64>,
    pub smtputf8: bool,
    pub eightbitmime: bool,
    pub pipelining: bool,
    /// Every keyword line, as sent.
    pub extensions: Vec<String>,
}

impl Capabilities {
    pub(crate) fn from_ehlo<'a>(lines: impl Iterator<Item = &'a str>) -> Capabilities {
        let mut caps = Capabilities::default();
        for line in lines.skip(1) {
            caps.extensions.push(line.to_owned());
            let mut words = line.split_whitespace();
            let keyword = words.next().unwrap_or_default().to_ascii_uppercase();
            match keyword.as_str() {
                "STARTTLS" => caps.starttls = true,
                "AUTH" => {
                    for mechanism in words {
                        let mechanism = mechanism.to_ascii_uppercase();
                        if !caps.auth.contains(&mechanism) {
                            caps.auth.push(mechanism);
                        }
                    }
                }
                "SIZE" => caps.size = words.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0),
                "SMTPUTF8" => caps.smtputf8 = true,
                "8BITMIME" => caps.eightbitmime = true,
                "PIPELINING" => caps.pipelining = true,
                _ => {}
            }
        }
        caps
    }
}

/// The outcome of `POST /api/endpoints/smtp/probe`: a staged check that sends no message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProbeReport {
    pub ok: bool,
    pub steps: Vec<StepReport>,
    pub diagnosis: Option<Diagnosis>,
    /// The certificate the server presented (also when it was refused).
    pub certificate: Option<CertificateInfo>,
    pub capabilities: Option<Capabilities>,
    /// The dialogue: `S: ` server, `C: ` client, `* ` events. AUTH payloads are `<redacted>`.
    pub transcript: Vec<String>,
    pub duration_ms: u64,
}

/// The outcome of `POST /api/endpoints/smtp/test-email`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SendReport {
    pub ok: bool,
    /// The `Message-ID` header of the test message, e.g. `<…@example.com>`.
    pub message_id: Option<String>,
    /// The server's reply to the message (e.g. `250 2.0.0 Ok: queued as …`).
    pub reply: Option<String>,
    pub duration_ms: u64,
    pub diagnosis: Option<Diagnosis>,
    pub steps: Vec<StepReport>,
    pub certificate: Option<CertificateInfo>,
    pub capabilities: Option<Capabilities>,
    pub transcript: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_from_an_ehlo_reply() {
        let lines =
            ["mail.example.com Hello", "PIPELINING", "SIZE 10240000", "AUTH PLAIN LOGIN", "auth=login", "8BITMIME"];
        let caps = Capabilities::from_ehlo(lines.into_iter());
        assert!(!caps.starttls && caps.pipelining && caps.eightbitmime && !caps.smtputf8);
        assert_eq!(caps.auth, ["PLAIN", "LOGIN"]);
        assert_eq!(caps.size, Some(10_240_000));
        assert_eq!(caps.extensions.len(), 5);
    }
}
