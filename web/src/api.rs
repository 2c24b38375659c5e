//! A typed client for the backend's JSON API (issues 3 and 4), over gloo-net.
//!
//! JSON is parsed and written by the browser (`JSON.parse` / `JSON.stringify`), with serde-wasm-bindgen between
//! its values and ours, so the page ships no JSON parser of its own.
//!
//! Every call either returns the decoded answer or an [`Error`]: [`Error::Fetch`] when no HTTP answer came
//! (network, decoding), [`Error::Api`] when the server answered with an error status. The page decides what
//! each status means in its place (401 → login, 412 → offer to reload, 422 → messages under the fields).

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use smtp_endpoint::{Locale, Report};
use wasm_bindgen::JsValue;

const SESSION: &str = "/api/session";
const ENDPOINT: &str = "/api/endpoints/smtp";
const HISTORY: &str = "/api/endpoints/smtp/history";
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
            Error::Api(ApiError { status, body: ApiBody::Error { code, message } }) => {
                format!("{status} {code}: {message}")
            }
            Error::Api(ApiError { status, body: ApiBody::Report(report) }) => {
                let codes: Vec<_> = report.errors.iter().map(|i| i.code.as_str()).collect();
                format!("{status}: {}", codes.join(", "))
            }
            Error::Api(ApiError { status, body: ApiBody::Other(text) }) => {
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

#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    #[serde(default)]
    pub username: String,
}

#[derive(Debug, Serialize)]
struct Credentials<'a> {
    username: &'a str,
    password: &'a str,
}

/// The stored endpoint as `GET /api/endpoints/smtp` returns it: never the password, only whether one is set.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Stored {
    #[serde(default)]
    pub uri: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password_set: bool,
    #[serde(default)]
    pub default_from_address: Option<String>,
    #[serde(default)]
    pub custom_ca_pem: Option<String>,
    #[serde(default)]
    pub configured: bool,
    #[serde(default)]
    pub version: u64,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub updated_by: Option<String>,
    /// From the `ETag` header; sent back as `If-Match`.
    #[serde(skip)]
    pub etag: String,
}

/// Values as typed in the form: what `PUT` saves, and the `draft` a probe or a test email uses.
#[derive(Debug, Clone, Serialize)]
pub struct Draft {
    pub uri: String,
    pub username: Option<String>,
    /// Absent: keep (or reuse) the stored password; `""`: remove it; otherwise the new password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    pub default_from_address: String,
    /// Certificates trusted besides the built-in roots; absent = none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_ca_pem: Option<String>,
    /// The language of the messages in the answer.
    pub locale: Locale,
}

#[derive(Debug, Serialize)]
struct ProbeRequest<'a> {
    draft: &'a Draft,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct TestEmailRequest<'a> {
    to: &'a str,
    draft: &'a Draft,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Ok,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Step {
    pub step: String,
    pub status: StepStatus,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    #[serde(default)]
    pub reply: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Diagnosis {
    pub code: String,
    #[serde(default)]
    pub step: Option<String>,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub remedy: String,
    #[serde(default)]
    pub reply: Option<String>,
    /// What the server saw besides a reply (a TLS error, a time limit).
    #[serde(default)]
    pub detail: Option<String>,
    /// A corrected URI that would avoid the failure.
    #[serde(default)]
    pub suggestion: Option<String>,
}

/// The server certificate the TLS step saw.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Certificate {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub issuer: String,
    /// RFC 3339.
    #[serde(default)]
    pub not_after: String,
    /// SHA-256 of the certificate, hex pairs.
    #[serde(default)]
    pub sha256: String,
    #[serde(default)]
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProbeResult {
    pub ok: bool,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub diagnosis: Option<Diagnosis>,
    #[serde(default)]
    pub certificate: Option<Certificate>,
    /// The SMTP dialogue, one line each, AUTH payloads redacted by the server.
    #[serde(default)]
    pub transcript: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TestEmailResult {
    pub ok: bool,
    #[serde(default)]
    pub message_id: Option<String>,
    #[serde(default)]
    pub reply: Option<String>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    #[serde(default)]
    pub diagnosis: Option<Diagnosis>,
}

/// One change of the endpoint: who, when, which fields.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Change {
    pub version: u64,
    pub changed_at: String,
    pub changed_by: String,
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FieldChange {
    pub field: String,
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

fn with_locale(request: RequestBuilder, locale: Locale) -> RequestBuilder {
    request.header("Accept", "application/json").header("Accept-Language", locale.as_str())
}

/// `value` as a JSON body. `json_compatible`: `None` is sent as `null`, as serde_json writes it.
fn with_json<T: Serialize>(request: RequestBuilder, value: &T) -> Result<Request, Error> {
    let value =
        value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| Error::Fetch(e.to_string()))?;
    let body = js_sys::JSON::stringify(&value).map_err(|_| Error::Fetch("JSON.stringify failed".into()))?;
    Ok(request.header("Content-Type", "application/json").body(body)?)
}

async fn text_of(response: &Response) -> Result<String, Error> {
    response.text().await.map_err(|e| Error::Fetch(e.to_string()))
}

fn parse(text: &str) -> Option<JsValue> {
    js_sys::JSON::parse(text).ok()
}

fn decode<T: DeserializeOwned>(value: JsValue) -> Result<T, Error> {
    serde_wasm_bindgen::from_value(value).map_err(|e| Error::Fetch(e.to_string()))
}

async fn body_of<T: DeserializeOwned>(response: &Response) -> Result<T, Error> {
    let text = text_of(response).await?;
    decode(parse(&text).ok_or_else(|| Error::Fetch("invalid JSON".into()))?)
}

async fn error_of(response: Response) -> Error {
    match text_of(&response).await {
        Ok(text) => error_from(response.status(), text),
        Err(e) => e,
    }
}

fn error_from(status: u16, text: String) -> Error {
    let value = parse(&text);
    let body = if let Some(report) = value.clone().and_then(|v| decode::<Report>(v).ok()) {
        ApiBody::Report(report)
    } else if let Some(ErrorEnvelope { error }) = value.and_then(|v| decode(v).ok()) {
        ApiBody::Error { code: error.code, message: error.message }
    } else {
        ApiBody::Other(text)
    };
    Error::Api(ApiError { status, body })
}

async fn json_of<T: DeserializeOwned>(response: Response) -> Result<T, Error> {
    if response.ok() { body_of(&response).await } else { Err(error_of(response).await) }
}

pub async fn session(locale: Locale) -> Result<Session, Error> {
    json_of(with_locale(Request::get(SESSION), locale).send().await?).await
}

pub async fn login(username: &str, password: &str, locale: Locale) -> Result<(), Error> {
    let request = with_json(with_locale(Request::post(SESSION), locale), &Credentials { username, password })?;
    let response = request.send().await?;
    if response.ok() { Ok(()) } else { Err(error_of(response).await) }
}

pub async fn logout(locale: Locale) -> Result<(), Error> {
    let response = with_locale(Request::delete(SESSION), locale).send().await?;
    if response.ok() || response.status() == 401 { Ok(()) } else { Err(error_of(response).await) }
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
    let request = with_json(with_locale(Request::put(ENDPOINT), locale).header("If-Match", etag), draft)?;
    stored_of(request.send().await?).await
}

pub async fn history(locale: Locale) -> Result<Vec<Change>, Error> {
    json_of(with_locale(Request::get(HISTORY), locale).send().await?).await
}

/// Probe and test email answer with their result also when the SMTP side failed; only other errors are errors.
async fn result_of<T: DeserializeOwned>(response: Response) -> Result<T, Error> {
    if response.ok() {
        return body_of(&response).await;
    }
    let text = text_of(&response).await?;
    if let Some(result) = parse(&text).and_then(|v| decode(v).ok()) {
        return Ok(result);
    }
    Err(error_from(response.status(), text))
}

pub async fn probe(draft: &Draft, recipient: Option<&str>, locale: Locale) -> Result<ProbeResult, Error> {
    let request = with_json(with_locale(Request::post(PROBE), locale), &ProbeRequest { draft, recipient })?;
    result_of(request.send().await?).await
}

pub async fn test_email(draft: &Draft, to: &str, locale: Locale) -> Result<TestEmailResult, Error> {
    let request = with_json(with_locale(Request::post(TEST_EMAIL), locale), &TestEmailRequest { to, draft })?;
    result_of(request.send().await?).await
}
