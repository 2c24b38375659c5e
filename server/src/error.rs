//! The one error type of the HTTP API. Every failure leaves the server as `{"error": {"code", "message"}}` with a
//! stable code — except a failed validation, which is the core crate's [`Report`] unchanged (422).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use smtp_endpoint::{Locale, Report};
use std::time::Duration;
use utoipa::ToSchema;

/// [`crate::listen::BODY_READ_TIMEOUT`] as said in [`ApiError::BodyTimeout`].
const BODY_SECONDS: u64 = crate::listen::BODY_READ_TIMEOUT.as_secs();

/// What a handler can fail with. Internal details are logged, never sent.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid session cookie.
    #[error("Sign in first.")]
    Unauthorized,
    /// Wrong username or password at login.
    #[error("Wrong username or password.")]
    InvalidCredentials,
    /// A state-changing request from another site (`Origin` / `Sec-Fetch-Site`).
    #[error(
        "Cross-origin requests cannot change anything here. If this is your own page behind a proxy, start the \
         server with --public-origin (or SMTP_ENDPOINT_PUBLIC_ORIGIN) set to the address browsers use, e.g. \
         https://settings.example.com."
    )]
    CrossOrigin,
    /// A request for a host name the server was not given (`--allowed-host`).
    #[error(
        "This server does not answer to the name \"{name}\" (so that no other site can reach it by pointing its own \
         name here). To use this name, start the server with --allowed-host {name} (or SMTP_ENDPOINT_ALLOWED_HOSTS)."
    )]
    UnknownHost { name: String },
    /// A state-changing request whose body is not declared as JSON.
    #[error("The request body must be JSON (Content-Type: application/json).")]
    JsonRequired,
    /// The body is not valid JSON or has the wrong shape: which field (when serde says), and what it takes.
    #[error("The request body is not valid: {message}")]
    MalformedBody { field: Option<String>, message: String },
    #[error("The request body is too large.")]
    BodyTooLarge,
    /// The body did not arrive in time (a client cannot hold a request open by sending half a body).
    #[error("The request body did not arrive within {BODY_SECONDS} seconds; send it again.")]
    BodyTimeout,
    /// A query parameter this request does not take, or a value it cannot use: which one, and what it takes.
    #[error("{message}")]
    BadQuery { field: String, message: String },
    #[error("Not found.")]
    NotFound,
    #[error("This method is not allowed here.")]
    MethodNotAllowed,
    /// `If-Match` does not name the current version.
    #[error("The endpoint was changed by someone else since you loaded it; reload it and apply your change again.")]
    VersionConflict,
    /// A change without `If-Match`.
    #[error(
        "Send the ETag from GET as If-Match, quotes included (e.g. \"4\"), so a concurrent change is not overwritten."
    )]
    PreconditionRequired,
    /// A validation failure: the core crate's report, sent as it is.
    #[error("The endpoint is not valid.")]
    Invalid(Box<Report>),
    /// A probe or test email of the stored endpoint when none is stored (said in the request's language).
    #[error("{}", unconfigured(*.0))]
    Unconfigured(Locale),
    /// A test email's or a check's recipient (`field`: `to` or `recipient`), refused by the core's address rules.
    #[error("{message}")]
    RecipientInvalid { field: &'static str, message: String },
    /// Too many attempts; try again after the given time.
    #[error("Too many attempts; try again in {}.", seconds(*retry_after))]
    TooManyRequests { limit: Limit, retry_after: Duration },
    /// The database is held by another program (`StoreError::Busy`, whose words are logged): nothing was
    /// changed; worth a retry.
    #[error(
        "The settings database is busy (another program holds its lock); nothing was changed. Try again in a moment."
    )]
    StoreBusy(String),
    /// The disk holding the database is full (`StoreError::Full`): nothing was saved.
    #[error(
        "The disk holding the settings database is full, so nothing was saved; the settings stay as they were. \
         Free up space on the server, then try again."
    )]
    StoreFull,
    /// A failure of the server itself (store, crypto, a task). Logged with its cause; the client sees a generic text.
    #[error("internal error: {0}")]
    Internal(String),
}

/// What was asked for too often (see `rate_limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Failed logins, per username and per client address.
    Login,
    /// Probes and test emails, per admin: each opens an outbound connection.
    Smtp,
}

/// The error body: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code, e.g. `session.required`, `endpoint.version_conflict`.
    pub code: String,
    pub message: String,
    /// The request field the error is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl From<crate::store::StoreError> for ApiError {
    fn from(error: crate::store::StoreError) -> ApiError {
        use crate::store::StoreError;
        match error {
            StoreError::VersionConflict => ApiError::VersionConflict,
            StoreError::Busy(cause) => ApiError::StoreBusy(cause),
            StoreError::Full => ApiError::StoreFull,
            other => ApiError::internal(other),
        }
    }
}

impl ApiError {
    /// Wraps any failure of the server itself.
    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(error.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized | ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::CrossOrigin | ApiError::UnknownHost { .. } => StatusCode::FORBIDDEN,
            ApiError::JsonRequired => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MalformedBody { .. } | ApiError::BadQuery { .. } => StatusCode::BAD_REQUEST,
            ApiError::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::VersionConflict => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::Invalid(_) | ApiError::Unconfigured(_) | ApiError::RecipientInvalid { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::StoreBusy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::StoreFull => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code clients key on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized => "session.required",
            ApiError::InvalidCredentials => "session.invalid_credentials",
            ApiError::CrossOrigin => "request.cross_origin",
            ApiError::UnknownHost { .. } => "request.unknown_host",
            ApiError::JsonRequired => "request.json_required",
            ApiError::MalformedBody { .. } => "request.malformed",
            ApiError::BodyTooLarge => "request.too_large",
            ApiError::BodyTimeout => "request.timeout",
            ApiError::BadQuery { .. } => "request.invalid_query",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::VersionConflict => "endpoint.version_conflict",
            ApiError::PreconditionRequired => "endpoint.if_match_required",
            ApiError::Invalid(_) => "endpoint.invalid",
            ApiError::Unconfigured(_) => "endpoint.unconfigured",
            ApiError::RecipientInvalid { .. } => "recipient.invalid",
            ApiError::TooManyRequests { limit: Limit::Login, .. } => "session.throttled",
            ApiError::TooManyRequests { limit: Limit::Smtp, .. } => "smtp.rate_limited",
            ApiError::StoreBusy(_) => "store.busy",
            ApiError::StoreFull => "store.full",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Invalid(report) = self {
            return (status, axum::Json(*report)).into_response();
        }
        let message = match &self {
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                "Something went wrong on the server; the log has the details.".to_owned()
            }
            ApiError::StoreBusy(cause) => {
                tracing::warn!(%cause, "request failed: the database is busy (another program holds its lock)");
                self.to_string()
            }
            ApiError::StoreFull => {
                tracing::error!("request failed: the disk holding the database is full");
                self.to_string()
            }
            other => other.to_string(),
        };
        let field = match &self {
            ApiError::MalformedBody { field, .. } => field.clone(),
            ApiError::BadQuery { field, .. } => Some(field.clone()),
            ApiError::RecipientInvalid { field, .. } => Some((*field).to_owned()),
            _ => None,
        };
        let body = ErrorBody { error: ErrorDetail { code: self.code().to_owned(), message, field } };
        let mut response = (status, axum::Json(body)).into_response();
        // The rest of a late body is not read: the connection cannot carry another request.
        if let ApiError::BodyTimeout = self {
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        // Held for all of the busy timeout already: a retry sooner would most likely wait as long again.
        if let ApiError::StoreBusy(_) = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(crate::store::BUSY_TIMEOUT.as_secs()));
        }
        if let ApiError::TooManyRequests { retry_after, .. } = &self {
            let seconds = whole_seconds(*retry_after).to_string();
            if let Ok(value) = HeaderValue::from_str(&seconds) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

fn unconfigured(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "No endpoint is configured yet: save one first, or send a draft.",
        Locale::De => {
            "Es ist noch kein Endpunkt eingerichtet: Speichern Sie zuerst einen oder senden Sie einen Entwurf."
        }
    }
}

/// A wait in whole seconds, rounded up (at least 1): a client that waits as long as it is told is not refused
/// again for the part of a second that rounding down would drop.
fn whole_seconds(wait: Duration) -> u64 {
    u64::try_from(wait.as_millis().div_ceil(1000)).unwrap_or(u64::MAX).max(1)
}

/// A wait as people say it: "1 second", "40 seconds", "15 minutes" (from 2 minutes on, rounded up).
fn seconds(wait: Duration) -> String {
    match whole_seconds(wait) {
        1 => "1 second".to_owned(),
        secs if secs < 120 => format!("{secs} seconds"),
        secs => format!("{} minutes", secs.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_said_as_people_say_them() {
        let rows =
            [(0, "1 second"), (1000, "1 second"), (1001, "2 seconds"), (1999, "2 seconds"), (119_000, "119 seconds")];
        for (millis, said) in
            rows.into_iter().chain([(120_000, "2 minutes"), (900_000, "15 minutes"), (900_001, "16 minutes")])
        {
            assert_eq!(seconds(Duration::from_millis(millis)), said, "{millis} ms");
        }
        let error = ApiError::TooManyRequests { limit: Limit::Smtp, retry_after: Duration::from_secs(1) };
        assert_eq!(error.to_string(), "Too many attempts; try again in 1 second.");
    }
}
