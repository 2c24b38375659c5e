//! A typed client for the backend's JSON API (issues 3 and 4), over gloo-net.
//!
//! JSON is parsed and written by the browser (`JSON.parse` / `JSON.stringify`); [`crate::json`] reads and builds
//! the JavaScript values in between, so the page ships neither a JSON parser nor serde's generated code.
//!
//! Every call either returns the decoded answer or an [`Error`]: [`Error::Fetch`] when no HTTP answer came
//! (network, decoding), [`Error::Api`] when the server answered with an error status. The page decides what
//! each status means in its place (401 → login, 412 → offer to reload, 422 → messages under the fields).

use crate::json::{Obj, object};
use gloo_net::http::{Request, RequestBuilder, Response};
use smtp_endpoint::{Code, Field, Issue, Locale, Report, StepNote};
use wasm_bindgen::JsValue;
use web_sys::AbortSignal;

const SESSION: &str = "/api/session";
const ENDPOINT: &str = "/api/endpoints/smtp";
/// The newest changes, 20 at a time.
const HISTORY: &str = "/api/endpoints/smtp/history?limit=20";
const PROBE: &str = "/api/endpoints/smtp/probe";
const TEST_EMAIL: &str = "/api/endpoints/smtp/test-email";

#[derive(Debug, Clone)]
pub enum Error {
    /// No HTTP answer: the server is unreachable, or its answer could not be read.
    Fetch(String),
    /// The server answered with an error status.
    Api(ApiError),
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub body: ApiBody,
    /// How long to wait before asking again (`Retry-After` of a 429).
    pub retry_after: Option<Wait>,
}

/// A wait the server asked for, and when it is over by this browser's clock: taken when the answer came, so the
/// words "until 14:05:30" stay true however long they are shown (a "7 s" alone would not).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wait {
    pub seconds: u32,
    /// Seconds since the epoch (32 bits, as `seconds`: the error that carries it stays small).
    pub over_at: u32,
}

impl Wait {
    pub fn from_now(seconds: u64) -> Wait {
        let seconds = u32::try_from(seconds).unwrap_or(u32::MAX);
        let now = (js_sys::Date::now() / 1000.0).ceil() as u32;
        Wait { seconds, over_at: now.saturating_add(seconds) }
    }

    /// When to clear the wait's words: at most 24 days on, the longest a browser timer takes (Leptos's
    /// `set_timeout` panics beyond it, and a proxy may send any `Retry-After`).
    pub fn timer(self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.seconds).min(24 * 86_400))
    }
}

/// The body of an error answer, in the shapes the backend uses.
#[derive(Debug, Clone)]
pub enum ApiBody {
    /// A validation failure: the core crate's report (422).
    Report(Report),
    /// `{"error": {"code", "message"}}`.
    Error { code: String, message: String },
    /// Anything else (e.g. a proxy's error page), kept as text.
    Other(String),
}

impl Error {
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Fetch(_) => None,
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// A short technical description, for the rare answer the page has no words of its own for.
    pub fn detail(&self) -> String {
        match self {
            Error::Fetch(e) => e.clone(),
            Error::Api(ApiError { status, body: ApiBody::Error { code, message }, .. }) => {
                format!("{status} {code}: {message}")
            }
            Error::Api(ApiError { status, body: ApiBody::Report(report), .. }) => {
                let codes: Vec<_> = report.errors.iter().map(|i| i.code.as_str()).collect();
                format!("{status}: {}", codes.join(", "))
            }
            Error::Api(ApiError { status, body: ApiBody::Other(text), .. }) => {
                let text: String = text.chars().take(200).collect();
                format!("{status}: {text}")
            }
        }
    }
}

impl From<gloo_net::Error> for Error {
    fn from(e: gloo_net::Error) -> Error {
        Error::Fetch(e.to_string())
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    pub username: String,
}

/// The stored endpoint as `GET /api/endpoints/smtp` returns it: never the password, only whether one is set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stored {
    pub uri: Option<String>,
    pub username: Option<String>,
    pub password_set: bool,
    pub default_from_address: Option<String>,
    pub custom_ca_pem: Option<String>,
    pub configured: bool,
    pub version: u64,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
    /// From the `ETag` header; sent back as `If-Match`.
    pub etag: String,
}

/// Values as typed in the form: what `PUT` saves, and the `draft` a probe or a test email uses. No `Debug`: it
/// may hold a password.
#[derive(Clone)]
pub struct Draft {
    pub uri: String,
    pub username: Option<String>,
    /// Absent: keep (or reuse) the stored password; `""`: remove it; otherwise the new password.
    pub password: Option<String>,
    pub default_from_address: String,
    /// Certificates trusted besides the built-in roots; absent = none.
    pub custom_ca_pem: Option<String>,
    /// The language of the messages in the answer.
    pub locale: Locale,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    Ok,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub step: String,
    pub status: StepStatus,
    pub duration_ms: Option<u64>,
    pub reply: Option<String>,
    pub note: Option<Note>,
}

/// What a step did besides its reply (the address connected to, why it was skipped).
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// Put into words by the core crate's catalogue, so it follows the language switch.
    Known(StepNote, String),
    /// A note this page does not know: the server's words.
    Server(String),
}

impl Note {
    pub fn text(&self, locale: Locale) -> String {
        match self {
            Note::Known(note, value) => note.text(locale, value),
            Note::Server(words) => words.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    pub code: String,
    pub step: Option<String>,
    pub message: String,
    pub remedy: String,
    pub reply: Option<String>,
    /// What the server saw besides a reply: a time limit, no AUTH offered (a note), or a TLS or OS error in the
    /// library's words.
    pub detail: Option<Note>,
    /// A corrected URI that would avoid the failure.
    pub suggestion: Option<String>,
}

/// The server certificate the TLS step saw.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Certificate {
    pub subject: String,
    pub issuer: String,
    /// RFC 3339.
    pub not_after: String,
    /// SHA-256 of the certificate, hex pairs.
    pub sha256: String,
    /// The DNS names and IP addresses it is valid for.
    pub names: Vec<String>,
    /// The chain and the host name were verified.
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    pub ok: bool,
    pub steps: Vec<Step>,
    pub diagnosis: Option<Diagnosis>,
    pub certificate: Option<Certificate>,
    /// The SMTP dialogue, one line each, AUTH payloads redacted by the server.
    pub transcript: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestEmailResult {
    pub ok: bool,
    pub message_id: Option<String>,
    pub reply: Option<String>,
    pub duration_ms: Option<u64>,
    /// What a failed attempt did, as a check's result: steps, diagnosis, certificate, transcript.
    pub failed: Option<ProbeResult>,
}

/// One change of the endpoint: who, when, which fields, from what to what.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub version: u64,
    pub changed_at: String,
    pub changed_by: String,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub kind: ChangeKind,
    /// The values before and after; absent when the field was empty, and always for the password.
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Set,
    Changed,
    Removed,
}

impl ChangeKind {
    fn of(spelling: &str) -> Option<ChangeKind> {
        match spelling {
            "set" => Some(ChangeKind::Set),
            "changed" => Some(ChangeKind::Changed),
            "removed" => Some(ChangeKind::Removed),
            _ => None,
        }
    }
}

impl Draft {
    fn to_js(&self) -> JsValue {
        object(&[
            ("uri", Some(self.uri.as_str().into())),
            ("username", Some(self.username.as_deref().map_or(JsValue::NULL, JsValue::from))),
            ("password", self.password.as_deref().map(JsValue::from)),
            ("default_from_address", Some(self.default_from_address.as_str().into())),
            ("custom_ca_pem", self.custom_ca_pem.as_deref().map(JsValue::from)),
            ("locale", Some(self.locale.as_str().into())),
        ])
    }
}

/// An answer body the page reads: `None` when the value does not have the expected shape.
pub(crate) trait Decode: Sized {
    fn decode(o: &Obj) -> Option<Self>;
}

impl Decode for Session {
    fn decode(o: &Obj) -> Option<Session> {
        Some(Session { username: o.string("username") })
    }
}

impl Decode for Stored {
    fn decode(o: &Obj) -> Option<Stored> {
        Some(Stored {
            uri: o.str("uri"),
            username: o.str("username"),
            password_set: o.bool("password_set"),
            default_from_address: o.str("default_from_address"),
            custom_ca_pem: o.str("custom_ca_pem"),
            configured: o.bool("configured"),
            version: o.u64("version").unwrap_or_default(),
            updated_at: o.str("updated_at"),
            updated_by: o.str("updated_by"),
            etag: String::new(),
        })
    }
}

impl Decode for Step {
    fn decode(o: &Obj) -> Option<Step> {
        let status = match o.str("status")?.as_str() {
            "ok" => StepStatus::Ok,
            "failed" => StepStatus::Failed,
            "skipped" => StepStatus::Skipped,
            _ => return None,
        };
        let note = note_of(o);
        Some(Step { step: o.str("step")?, status, duration_ms: o.u64("duration_ms"), reply: o.str("reply"), note })
    }
}

/// The `note` of a step or a diagnosis; for a code this page does not know, the server's words (`detail`).
fn note_of(o: &Obj) -> Option<Note> {
    let note = o.obj("note")?;
    match StepNote::from_code(&note.string("code")) {
        Some(known) => Some(Note::Known(known, note.string("value"))),
        None => o.str("detail").map(Note::Server),
    }
}

impl Decode for Diagnosis {
    fn decode(o: &Obj) -> Option<Diagnosis> {
        Some(Diagnosis {
            code: o.str("code")?,
            step: o.str("step"),
            message: o.string("message"),
            remedy: o.string("remedy"),
            reply: o.str("reply"),
            detail: note_of(o).or_else(|| o.str("detail").map(Note::Server)),
            suggestion: o.str("suggestion"),
        })
    }
}

impl Decode for Certificate {
    fn decode(o: &Obj) -> Option<Certificate> {
        Some(Certificate {
            subject: o.string("subject"),
            issuer: o.string("issuer"),
            not_after: o.string("not_after"),
            sha256: o.string("sha256"),
            names: o.list("names", |name| name.as_string()).unwrap_or_default(),
            verified: o.bool("verified"),
        })
    }
}

impl Decode for ProbeResult {
    fn decode(o: &Obj) -> Option<ProbeResult> {
        Some(ProbeResult {
            ok: o.required_bool("ok")?,
            steps: o.list("steps", |s| Step::decode(&Obj::of(s)?))?,
            diagnosis: o.obj("diagnosis").and_then(|d| Diagnosis::decode(&d)),
            certificate: o.obj("certificate").and_then(|c| Certificate::decode(&c)),
            transcript: o.list("transcript", |line| line.as_string())?,
        })
    }
}

impl Decode for TestEmailResult {
    fn decode(o: &Obj) -> Option<TestEmailResult> {
        let ok = o.required_bool("ok")?;
        Some(TestEmailResult {
            ok,
            message_id: o.str("message_id"),
            reply: o.str("reply"),
            duration_ms: o.u64("duration_ms"),
            // A report that does not read still leaves "not sent" to say.
            failed: if ok { None } else { ProbeResult::decode(o) },
        })
    }
}

impl Decode for Change {
    fn decode(o: &Obj) -> Option<Change> {
        Some(Change {
            version: o.u64("version")?,
            changed_at: o.str("changed_at")?,
            changed_by: o.str("changed_by")?,
            changes: o.list("changes", |c| {
                let c = Obj::of(c)?;
                Some(FieldChange {
                    field: c.str("field")?,
                    kind: ChangeKind::of(&c.str("change")?)?,
                    old: c.str("old"),
                    new: c.str("new"),
                })
            })?,
        })
    }
}

/// The history is a bare list.
impl Decode for Vec<Change> {
    fn decode(o: &Obj) -> Option<Vec<Change>> {
        o.items(Change::decode)
    }
}

/// The core crate's report as the server sends it with a 422; `None` if a field or code is unknown to this page.
fn report_of(o: &Obj) -> Option<Report> {
    let issue = |i: JsValue| {
        let i = Obj::of(i)?;
        let field = i.str("field")?;
        let code = i.str("code")?;
        Some(Issue {
            field: Field::from_code(&field)?,
            code: Code::from_code(&code)?,
            message: i.str("message")?,
            suggestion: i.str("suggestion"),
        })
    };
    Some(Report {
        valid: o.required_bool("valid")?,
        errors: o.list("errors", issue)?,
        warnings: o.list("warnings", issue)?,
        effective: None,
        from: None,
    })
}

fn with_locale(request: RequestBuilder, locale: Locale) -> RequestBuilder {
    request.header("Accept", "application/json").header("Accept-Language", locale.as_str())
}

fn with_json(request: RequestBuilder, value: &JsValue) -> Result<Request, Error> {
    let body = js_sys::JSON::stringify(value).map_err(|_| Error::Fetch("JSON.stringify failed".into()))?;
    Ok(request.header("Content-Type", "application/json").body(body)?)
}

async fn text_of(response: &Response) -> Result<String, Error> {
    response.text().await.map_err(|e| Error::Fetch(e.to_string()))
}

/// A body in the shape `T` is read from; `None` for any other.
pub(crate) fn decode<T: Decode>(text: &str) -> Option<T> {
    T::decode(&Obj::parse(text)?)
}

async fn body_of<T: Decode>(response: &Response) -> Result<T, Error> {
    // Another shape (a sign-on proxy's page with 200) is an unexpected answer, not an unreachable server.
    let text = text_of(response).await?;
    decode(&text).ok_or_else(|| {
        Error::Api(ApiError { status: response.status(), body: ApiBody::Other(text), retry_after: None })
    })
}

async fn error_of(response: Response) -> Error {
    match text_of(&response).await {
        Ok(text) => error_answered(&response, text),
        Err(e) => e,
    }
}

/// The error an answer with an error status is: its body sorted, and how long to wait when the server said.
fn error_answered(response: &Response, text: String) -> Error {
    let mut error = error_from(response.status(), text);
    if let Error::Api(e) = &mut error {
        e.retry_after =
            response.headers().get("retry-after").and_then(|seconds| seconds.trim().parse().ok()).map(Wait::from_now);
    }
    error
}

fn error_from(status: u16, text: String) -> Error {
    let value = Obj::parse(&text);
    let body = if let Some(report) = value.as_ref().and_then(report_of) {
        ApiBody::Report(report)
    } else if let Some(error) = value.and_then(|v| v.obj("error")) {
        ApiBody::Error { code: error.string("code"), message: error.string("message") }
    } else {
        ApiBody::Other(text)
    };
    Error::Api(ApiError { status, body, retry_after: None })
}

async fn json_of<T: Decode>(response: Response) -> Result<T, Error> {
    if response.ok() { body_of(&response).await } else { Err(error_of(response).await) }
}

pub async fn session(locale: Locale) -> Result<Session, Error> {
    json_of(with_locale(Request::get(SESSION), locale).send().await?).await
}

pub async fn login(username: &str, password: &str, locale: Locale) -> Result<(), Error> {
    let credentials = object(&[("username", Some(username.into())), ("password", Some(password.into()))]);
    let response = with_json(with_locale(Request::post(SESSION), locale), &credentials)?.send().await?;
    if response.ok() { Ok(()) } else { Err(error_of(response).await) }
}

pub async fn logout(locale: Locale) -> Result<(), Error> {
    let response = with_locale(Request::delete(SESSION), locale).send().await?;
    // Only this server's 204 ends the session (it answers so with none too): a sign-on proxy's page (a 200, a
    // 401) is not it.
    if response.status() == 204 { Ok(()) } else { Err(error_of(response).await) }
}

async fn stored_of(response: Response) -> Result<Stored, Error> {
    if !response.ok() {
        return Err(error_of(response).await);
    }
    let etag = response.headers().get("etag").unwrap_or_default();
    let mut stored: Stored = body_of(&response).await?;
    stored.etag = etag;
    Ok(stored)
}

pub async fn endpoint(locale: Locale) -> Result<Stored, Error> {
    stored_of(with_locale(Request::get(ENDPOINT), locale).send().await?).await
}

pub async fn save(draft: &Draft, etag: &str, locale: Locale) -> Result<Stored, Error> {
    let request = with_json(with_locale(Request::put(ENDPOINT), locale).header("If-Match", etag), &draft.to_js())?;
    stored_of(request.send().await?).await
}

/// The newest changes, or with `before` those that made an earlier version; and whether older ones remain (the
/// server names the next page in `Link`).
pub async fn history(before: Option<u64>, locale: Locale) -> Result<(Vec<Change>, bool), Error> {
    let url = match before {
        Some(before) => format!("{HISTORY}&before={before}"),
        None => HISTORY.to_owned(),
    };
    let response = with_locale(Request::get(&url), locale).send().await?;
    let older = response.headers().get("link").is_some_and(|link| link.ends_with("rel=\"next\""));
    Ok((json_of(response).await?, older))
}

/// Probe and test email answer with their result also when the SMTP side failed; only other errors are errors.
async fn result_of<T: Decode>(response: Response) -> Result<T, Error> {
    if response.ok() {
        return body_of(&response).await;
    }
    let text = text_of(&response).await?;
    if let Some(result) = decode(&text) {
        return Ok(result);
    }
    Err(error_answered(&response, text))
}

/// `abort`: aborting it ends the request (and so the server's probe).
pub async fn probe(
    draft: &Draft,
    recipient: Option<&str>,
    locale: Locale,
    abort: Option<&AbortSignal>,
) -> Result<ProbeResult, Error> {
    let body = object(&[("draft", Some(draft.to_js())), ("recipient", recipient.map(JsValue::from))]);
    let request = with_locale(Request::post(PROBE), locale).abort_signal(abort);
    result_of(with_json(request, &body)?.send().await?).await
}

/// `abort`: aborting it ends the request (and so the server's sending, unless the message was accepted).
pub async fn test_email(
    draft: &Draft,
    to: &str,
    locale: Locale,
    abort: Option<&AbortSignal>,
) -> Result<TestEmailResult, Error> {
    let body = object(&[("to", Some(to.into())), ("draft", Some(draft.to_js()))]);
    let request = with_locale(Request::post(TEST_EMAIL), locale).abort_signal(abort);
    result_of(with_json(request, &body)?.send().await?).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::example;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn steps(probe: &ProbeResult) -> Vec<(&str, StepStatus)> {
        probe.steps.iter().map(|s| (s.step.as_str(), s.status)).collect()
    }

    #[wasm_bindgen_test]
    fn the_servers_answers_are_read_whole() {
        let session: Session = decode(example!("session")).unwrap();
        assert_eq!(session.username, "admin");

        let stored: Stored = decode(example!("endpoint")).unwrap();
        assert!(stored.configured && stored.password_set);
        assert_eq!(stored.uri.as_deref(), Some("smtp://mail.example.com:587"));
        assert_eq!(stored.default_from_address.as_deref(), Some("App <app@example.com>"));
        assert_eq!((stored.version, stored.updated_by.as_deref()), (2, Some("admin")));
        assert!(stored.updated_at.is_some());

        let history: Vec<Change> = decode(example!("history")).unwrap();
        let fields: Vec<Vec<&str>> =
            history.iter().map(|c| c.changes.iter().map(|f| f.field.as_str()).collect()).collect();
        assert_eq!(fields, [vec!["uri"], vec!["uri", "default_from_address"]]);
        let uri = &history[0].changes[0];
        assert_eq!(uri.kind, ChangeKind::Changed);
        assert_eq!(uri.old.as_deref(), Some("smtp://mail.example.com:587"));
        assert_eq!(uri.new.as_deref(), Some("smtps://mail.example.com"));
        assert_eq!((history[1].changes[0].kind, history[1].changes[0].old.as_deref()), (ChangeKind::Set, None));
        assert_eq!(history.iter().map(|c| c.version).collect::<Vec<_>>(), [3, 2]);

        let ok: ProbeResult = decode(example!("probe-ok")).unwrap();
        assert!(ok.ok && ok.diagnosis.is_none());
        assert_eq!(steps(&ok).len(), 10);
        assert_eq!(steps(&ok)[4], ("starttls", StepStatus::Skipped));
        assert!(ok.steps.iter().all(|s| s.duration_ms.is_some()));
        assert!(
            matches!(&ok.steps[1].note, Some(Note::Known(StepNote::Connected, at)) if at.starts_with("127.0.0.1:"))
        );
        assert_eq!(ok.steps[4].note, Some(Note::Known(StepNote::AlreadyEncrypted, String::new())));
        assert_eq!(ok.steps[9].note, None, "QUIT answered: nothing to add");
        let certificate = ok.certificate.unwrap();
        assert_eq!((certificate.subject.as_str(), certificate.verified), ("CN=localhost", true));
        assert_eq!(certificate.names, ["localhost"]);
        assert!(ok.transcript.len() > 10);

        let failed: ProbeResult = decode(example!("probe-failed")).unwrap();
        assert!(!failed.ok);
        assert_eq!(steps(&failed)[5], ("auth", StepStatus::Failed));
        assert_eq!(steps(&failed)[6], ("mail_from", StepStatus::Skipped));
        assert_eq!(failed.steps[5].note, None, "a failure's detail is the diagnosis's");
        assert_eq!(failed.steps[6].note, Some(Note::Known(StepNote::NotReached, String::new())));
        let diagnosis = failed.diagnosis.unwrap();
        assert_eq!((diagnosis.code.as_str(), diagnosis.step.as_deref()), ("auth.failed", Some("auth")));
        assert!(diagnosis.reply.is_some_and(|r| r.starts_with("535")));
        assert!(diagnosis.remedy.contains("Passwort"), "asked for in German");

        let untrusted: ProbeResult = decode(example!("probe-untrusted")).unwrap();
        assert_eq!(steps(&untrusted)[2], ("tls", StepStatus::Failed));
        assert_eq!(untrusted.diagnosis.map(|d| d.code), Some("tls.certificate_untrusted".to_owned()));
        let certificate = untrusted.certificate.unwrap();
        assert!(!certificate.verified);
        assert_eq!(certificate.names, ["localhost"]);

        let sent: TestEmailResult = decode(example!("test-email-sent")).unwrap();
        assert!(sent.ok && sent.failed.is_none());
        assert!(sent.message_id.is_some_and(|id| id.starts_with('<')));
        assert!(sent.reply.is_some_and(|r| r.starts_with("250")));
        let failed: TestEmailResult = decode(example!("test-email-failed")).unwrap();
        assert!(!failed.ok && failed.message_id.is_none());
        let report = failed.failed.expect("what the failed attempt did");
        assert_eq!(report.diagnosis.map(|d| d.code).as_deref(), Some("tls.certificate_untrusted"));
        assert!(report.certificate.is_some_and(|c| !c.verified));
        assert!(report.steps.iter().any(|s| s.step == "tls" && s.status == StepStatus::Failed));

        let Error::Api(ApiError { body: ApiBody::Report(refused), .. }) = error_from(422, example!("refused").into())
        else {
            panic!("a refusal is a report");
        };
        let fields: Vec<Field> = refused.errors.iter().map(|i| i.field).collect();
        assert_eq!(fields, [Field::Uri, Field::Password, Field::DefaultFromAddress]);
        assert_eq!(refused.errors[0].suggestion.as_deref(), Some("smtps://mail.example.com"));

        let conflict = error_from(412, example!("conflict").into());
        assert!(
            matches!(conflict, Error::Api(ApiError { status: 412, body: ApiBody::Error { ref code, .. }, .. }) if code == "endpoint.version_conflict")
        );
    }

    /// A sign-on proxy in front of the server answers with its own page and 200: an unexpected answer, said with
    /// its start, not "the server could not be reached".
    #[wasm_bindgen_test]
    async fn an_answer_in_another_shape_is_unexpected_not_unreachable() {
        let page = web_sys::Response::new_with_opt_str(Some("<html>Corp sign-on</html>")).unwrap();
        let error = body_of::<Stored>(&Response::from(page)).await.unwrap_err();
        assert_eq!(
            crate::probe::Trouble::of_error(&error),
            crate::probe::Trouble::Other("200: <html>Corp sign-on</html>".into())
        );
    }

    #[wasm_bindgen_test]
    fn a_probe_answer_is_read_as_the_server_writes_it() {
        let body = r#"{
            "ok": false,
            "steps": [
                {"step": "connect", "status": "ok", "duration_ms": 3, "reply": "220 ready",
                 "note": {"code": "connected", "value": "192.0.2.7:587"}, "detail": "connected to 192.0.2.7:587"},
                {"step": "tls", "status": "failed", "duration_ms": 41, "reply": null,
                 "note": {"code": "no_reply", "value": "10 s"}, "detail": "no reply within 10 s"},
                {"step": "ehlo", "status": "skipped", "note": {"code": "something_new"}, "detail": "new words"}
            ],
            "diagnosis": {"code": "timeout", "step": "tls", "message": "m", "remedy": "r",
                          "reply": null, "detail": "no reply within 10 s", "note": {"code": "no_reply", "value": "10 s"},
                          "suggestion": "smtp://h:587"},
            "certificate": {"subject": "CN=h", "issuer": "CN=ca", "not_after": "2030-01-01T00:00:00Z",
                            "sha256": "AA", "verified": false},
            "transcript": ["S: 220 ready"]
        }"#;
        let probe: ProbeResult = decode(body).unwrap();
        assert!(!probe.ok);
        let statuses: Vec<_> = probe.steps.iter().map(|s| (s.step.as_str(), s.status, s.duration_ms)).collect();
        assert_eq!(
            statuses,
            [
                ("connect", StepStatus::Ok, Some(3)),
                ("tls", StepStatus::Failed, Some(41)),
                ("ehlo", StepStatus::Skipped, None)
            ]
        );
        assert_eq!(probe.steps[0].reply.as_deref(), Some("220 ready"));
        assert_eq!(probe.steps[0].note, Some(Note::Known(StepNote::Connected, "192.0.2.7:587".into())));
        assert_eq!(probe.steps[2].note, Some(Note::Server("new words".into())), "a code this page does not know");
        let diagnosis = probe.diagnosis.unwrap();
        assert_eq!((diagnosis.code.as_str(), diagnosis.reply), ("timeout", None));
        assert_eq!(diagnosis.detail, Some(Note::Known(StepNote::NoReply, "10 s".into())));
        assert_eq!(diagnosis.suggestion.as_deref(), Some("smtp://h:587"));
        assert_eq!(probe.certificate.map(|c| (c.subject, c.verified)), Some(("CN=h".into(), false)));
        assert_eq!(probe.transcript, ["S: 220 ready"]);
    }

    #[wasm_bindgen_test]
    fn answers_of_another_shape_are_not_read() {
        assert!(decode::<ProbeResult>(r#"{"steps": []}"#).is_none(), "no verdict");
        assert!(decode::<ProbeResult>(r#"{"ok": true, "steps": [{"step": "tls", "status": "maybe"}]}"#).is_none());
        assert!(decode::<ProbeResult>(r#"{"ok": true, "steps": 3}"#).is_none());
        assert!(decode::<ProbeResult>("<html>").is_none());
        assert!(decode::<Vec<Change>>(r#"[{"version": -1, "changed_at": "t", "changed_by": "a"}]"#).is_none());
        let change = |c: &str| format!(r#"[{{"version": 2, "changed_at": "t", "changed_by": "a", "changes": [{c}]}}]"#);
        let history: Vec<Change> = decode(&change(r#"{"field": "password", "change": "removed"}"#)).unwrap();
        let removed = FieldChange { field: "password".into(), kind: ChangeKind::Removed, old: None, new: None };
        assert_eq!(history[0].changes, [removed]);
        assert!(decode::<Vec<Change>>(&change(r#"{"field": "uri"}"#)).is_none(), "what kind of change");
        assert!(decode::<Vec<Change>>(&change(r#"{"field": "uri", "change": "renamed"}"#)).is_none());
    }

    #[wasm_bindgen_test]
    fn error_answers_are_sorted_by_their_body() {
        let report = r#"{"valid": false, "errors": [{"field": "uri", "code": "uri.missing_scheme",
            "message": "Start with smtp://", "suggestion": "smtp://mail.example.com"}], "warnings": []}"#;
        let Error::Api(ApiError { status: 422, body: ApiBody::Report(report), .. }) = error_from(422, report.into())
        else {
            panic!("a report is a report");
        };
        assert_eq!((report.errors[0].field, report.errors[0].code), (Field::Uri, Code::UriMissingScheme));
        assert_eq!(report.errors[0].suggestion.as_deref(), Some("smtp://mail.example.com"));

        // A code this page does not know is not put under a field as if it did.
        let unknown = r#"{"valid": false, "errors": [{"field": "uri", "code": "uri.new", "message": "m"}]}"#;
        assert!(matches!(error_from(422, unknown.into()), Error::Api(ApiError { body: ApiBody::Other(_), .. })));

        let conflict = r#"{"error": {"code": "endpoint.version_conflict", "message": "changed meanwhile"}}"#;
        let Error::Api(ApiError { status: 412, body: ApiBody::Error { code, message }, .. }) =
            error_from(412, conflict.into())
        else {
            panic!("an error body is an error");
        };
        assert_eq!((code.as_str(), message.as_str()), ("endpoint.version_conflict", "changed meanwhile"));

        let proxy = error_from(502, "<h1>Bad Gateway</h1>".into());
        assert_eq!(proxy.detail(), "502: <h1>Bad Gateway</h1>");
        assert!(!proxy.is_unauthorized());
        assert!(error_from(401, "{}".into()).is_unauthorized());
    }

    #[wasm_bindgen_test]
    fn a_draft_says_keep_remove_or_replace_the_password() {
        let json = |password: Option<&str>, username: Option<&str>| {
            let draft = Draft {
                uri: "smtp://h".into(),
                username: username.map(Into::into),
                password: password.map(Into::into),
                default_from_address: "a@b.example".into(),
                custom_ca_pem: None,
                locale: Locale::De,
            };
            String::from(js_sys::JSON::stringify(&draft.to_js()).unwrap())
        };
        assert_eq!(
            json(None, None),
            r#"{"uri":"smtp://h","username":null,"default_from_address":"a@b.example","locale":"de"}"#
        );
        assert!(json(Some(""), Some("u")).contains(r#""username":"u","password":"","#));
        assert!(json(Some("s3cret"), Some("u")).contains(r#""password":"s3cret""#));
    }
}
