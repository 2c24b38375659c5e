//! `POST /api/endpoints/smtp/probe` and `POST /api/endpoints/smtp/test-email`: admin-only (mounted behind the
//! session guard) and rate-limited per admin, because each one opens an outbound connection.

use super::{ProbeOptions, ProbeReport, SendReport, SmtpTarget, TestEmail};
use crate::api::{ApiJson, RequestLocale};
use crate::auth::AdminSession;
use crate::endpoint::{self, EndpointDraft, SmtpSettings, custom_ca_refused};
use crate::error::{ApiError, ErrorBody, Limit};
use crate::rate_limit::RateLimiter;
use crate::state::AppState;
use axum::extract::State;
use axum::{Extension, Json};
use serde::Deserialize;
use smtp_endpoint::{FromAddress, Locale};
use std::sync::Arc;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Probes per admin per minute (bursts allowed up to the same number).
pub const PROBES_PER_MINUTE: u32 = 20;
/// Test emails per admin per minute.
pub const TEST_EMAILS_PER_MINUTE: u32 = 5;

/// The limiters of one application instance.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    probe: Arc<RateLimiter>,
    test_email: Arc<RateLimiter>,
}

/// The SMTP routes, mounted under the session guard (every route here answers 401 without a session) and
/// listed in the OpenAPI document.
pub fn routes() -> OpenApiRouter<AppState> {
    let limits = Limits {
        probe: Arc::new(RateLimiter::new(PROBES_PER_MINUTE, Duration::from_secs(60))),
        test_email: Arc::new(RateLimiter::new(TEST_EMAILS_PER_MINUTE, Duration::from_secs(60))),
    };
    OpenApiRouter::new().routes(routes!(probe)).routes(routes!(test_email)).layer(Extension(limits))
}

/// A probe of the stored endpoint, or of a draft (unsaved values, under the same rules as saving: a stored
/// password is reused only while host, port, TLS mode, username and custom CA are unchanged).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeRequest {
    #[serde(default)]
    pub draft: Option<EndpointDraft>,
    /// Also try `RCPT TO` this address (nothing is sent).
    #[serde(default)]
    pub recipient: Option<String>,
    /// `en` or `de`; overrides the draft's and `Accept-Language`.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "de")]
    pub locale: Option<Locale>,
}

/// A test message to `to`, through the stored endpoint or a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestEmailRequest {
    pub to: String,
    #[serde(default)]
    pub draft: Option<EndpointDraft>,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "de")]
    pub locale: Option<Locale>,
}

/// A 422 of a probe or a test email: the draft's report, or an error of its own (`endpoint.unconfigured`,
/// `recipient.invalid`). For the document only.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(crate) enum Refusal {
    Report(crate::api::endpoint::ReportDoc),
    Error(ErrorBody),
}

/// Connects to the SMTP server and walks through every step up to `RSET` and `QUIT`, sending no message:
/// resolve, connect, tls, ehlo, starttls, auth, mail_from, rcpt_to, rset, quit. Always 200 once the probe ran;
/// `ok: false` comes with a `diagnosis` (stable `code`, the failed `step`, `message`, `remedy`, server `reply`).
#[utoipa::path(post, path = "/api/endpoints/smtp/probe", tag = "endpoint", security(("session" = [])),
    request_body = ProbeRequest,
    responses(
        (status = 200, body = ProbeReport),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "The draft is invalid (the core crate's report), the endpoint is not configured (`endpoint.unconfigured`), or the recipient is invalid (`recipient.invalid`)", body = Refusal),
        (status = 429, description = "Too many probes (`smtp.rate_limited`)", body = ErrorBody),
    ))]
pub(crate) async fn probe(
    State(state): State<AppState>,
    Extension(limits): Extension<Limits>,
    session: AdminSession,
    RequestLocale(header_locale): RequestLocale,
    ApiJson(request): ApiJson<ProbeRequest>,
) -> Result<Json<ProbeReport>, ApiError> {
    let locale = request.locale.or(request.draft.as_ref().and_then(|d| d.locale)).unwrap_or(header_locale);
    let target = target(&state, request.draft.as_ref(), locale).await?;
    let recipient = request
        .recipient
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| recipient_address(r, "recipient", locale))
        .transpose()?;
    // Counted only once the request is judged: a typo costs no attempt, only the SMTP work is limited.
    limits.probe.check_api(&session.username, Limit::Smtp)?;
    let options = ProbeOptions { recipient, locale, ..ProbeOptions::default() };
    tracing::info!(by = %session.username, draft = request.draft.is_some(), "smtp probe requested");
    let watch = Unanswered::new("smtp probe");
    let report = super::probe(&target, &options).await;
    watch.answered();
    Ok(Json(report))
}

/// Sends a clearly labelled test message (Date, Message-ID, a body naming the endpoint and the time) from the
/// default from address to `to`. Always 200 once the attempt ran: `{ok, message_id, reply, duration_ms}`, or
/// `ok: false` with the same `diagnosis` as a probe.
#[utoipa::path(post, path = "/api/endpoints/smtp/test-email", tag = "endpoint", security(("session" = [])),
    request_body = TestEmailRequest,
    responses(
        (status = 200, body = SendReport),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "The draft is invalid (the core crate's report), the endpoint is not configured (`endpoint.unconfigured`), or the recipient is invalid (`recipient.invalid`)", body = Refusal),
        (status = 429, description = "Too many test emails (`smtp.rate_limited`)", body = ErrorBody),
    ))]
pub(crate) async fn test_email(
    State(state): State<AppState>,
    Extension(limits): Extension<Limits>,
    session: AdminSession,
    RequestLocale(header_locale): RequestLocale,
    ApiJson(request): ApiJson<TestEmailRequest>,
) -> Result<Json<SendReport>, ApiError> {
    let locale = request.locale.or(request.draft.as_ref().and_then(|d| d.locale)).unwrap_or(header_locale);
    let target = target(&state, request.draft.as_ref(), locale).await?;
    let to = recipient_address(request.to.trim(), "to", locale)?;
    limits.test_email.check_api(&session.username, Limit::Smtp)?;
    let email = TestEmail { to, requested_by: Some(session.username.to_string()) };
    let options = ProbeOptions { locale, ..ProbeOptions::default() };
    tracing::info!(by = %session.username, draft = request.draft.is_some(), "smtp test email requested");
    let watch = Unanswered::new("smtp test email");
    let report = super::send_test(&target, &email, &options).await;
    watch.answered();
    Ok(Json(report))
}

/// Logs a check or a test email whose request was dropped before its answer: the client went away (a closed tab,
/// Cancel, a proxy that stopped waiting) or the server stopped at a second signal, and the SMTP work ended with it. Without it the log would end at
/// "requested", as if it were still running.
struct Unanswered {
    what: &'static str,
    started: std::time::Instant,
    answered: bool,
}

impl Unanswered {
    fn new(what: &'static str) -> Unanswered {
        Unanswered { what, started: std::time::Instant::now(), answered: false }
    }

    fn answered(mut self) {
        self.answered = true;
    }
}

impl Drop for Unanswered {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        let after_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            what = self.what,
            after_ms,
            "ended before its answer: the client went away (a closed tab, Cancel, a proxy that stopped waiting) or the server stopped"
        );
    }
}

/// The stored endpoint, or the draft judged like a save (422 with the report, `password.reentry_required`).
pub(crate) async fn settings(
    state: &AppState,
    draft: Option<&EndpointDraft>,
    locale: Locale,
) -> Result<SmtpSettings, ApiError> {
    match draft {
        Some(draft) => endpoint::draft_settings(state, draft, locale).await,
        None => endpoint::stored_settings(state).await?.ok_or(ApiError::Unconfigured(locale)),
    }
}

async fn target(state: &AppState, draft: Option<&EndpointDraft>, locale: Locale) -> Result<SmtpTarget, ApiError> {
    let settings = settings(state, draft, locale).await?;
    SmtpTarget::new(&settings.endpoint, settings.password.clone(), settings.custom_ca_pem.as_deref())
        .map_err(|defect| custom_ca_refused(defect, locale))
}

/// A recipient, judged by the same address rules as the from address (422 `recipient.invalid` on `field`).
pub(crate) fn recipient_address(text: &str, field: &'static str, locale: Locale) -> Result<lettre::Address, ApiError> {
    let invalid = |message: String| ApiError::RecipientInvalid { field, message };
    if text.is_empty() {
        return Err(invalid(smtp_endpoint::messages::recipient_required(locale).to_owned()));
    }
    let parsed = FromAddress::parse(text).map_err(|problem| invalid(problem.message(locale)))?;
    super::message::address(&parsed).map_err(invalid)
}
