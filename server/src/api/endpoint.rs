//! `/api/endpoints/smtp`: read, save (optimistic concurrency), validate a draft, history.

use super::extract::{ApiJson, RequestLocale};
use super::history_page::HistoryPage;
use crate::auth::AdminSession;
use crate::endpoint::{self, EndpointDraft, EndpointView, IfMatch};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::store::HistoryEntry;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The core crate's `Report` as the OpenAPI document describes it (the response is the crate's type itself).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = Report)]
pub struct ReportDoc {
    pub valid: bool,
    pub errors: Vec<IssueDoc>,
    pub warnings: Vec<IssueDoc>,
    /// What the URI will do: `{uri, scheme, host, port, tls, auth, summary}`.
    #[schema(value_type = Option<Object>)]
    pub effective: Option<serde_json::Value>,
    /// `{address, display_name}`.
    #[schema(value_type = Option<Object>)]
    pub from: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(as = Issue)]
pub struct IssueDoc {
    /// `uri`, `username`, `password`, `default_from_address` or `custom_ca_pem`.
    pub field: String,
    /// A stable code, e.g. `uri.missing_scheme`, `password.reentry_required`, `custom_ca.invalid`.
    pub code: String,
    pub message: String,
    pub suggestion: Option<String>,
}

fn with_etag(view: EndpointView) -> Response {
    let etag = endpoint::etag(view.version);
    let mut response = axum::Json(view).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// The endpoint, without its password (only `password_set`), with its version as `ETag`.
#[utoipa::path(get, path = "/api/endpoints/smtp", tag = "endpoint", security(("session" = [])),
    responses(
        (status = 200, body = EndpointView, headers(("ETag" = String, description = "The version, e.g. \"3\""))),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn get_endpoint(State(state): State<AppState>) -> Result<Response, ApiError> {
    let record = state.store().endpoint().await?;
    Ok(with_etag(EndpointView::from(record.as_ref())))
}

/// Saves the endpoint. `password`: absent = keep, `""` = remove, else replace. Changing host, port, TLS mode,
/// username or custom CA while a password is stored requires sending the password again
/// (`password.reentry_required`).
#[utoipa::path(put, path = "/api/endpoints/smtp", tag = "endpoint", security(("session" = [])),
    request_body = EndpointDraft,
    params(("If-Match" = String, Header, description = "The ETag from GET")),
    responses(
        (status = 200, body = EndpointView, headers(("ETag" = String))),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 412, description = "Someone saved in between (`endpoint.version_conflict`)", body = ErrorBody),
        (status = 422, description = "Invalid: the core crate's report", body = ReportDoc),
        (status = 428, description = "No If-Match", body = ErrorBody),
    ))]
pub async fn put_endpoint(
    State(state): State<AppState>,
    session: AdminSession,
    RequestLocale(header_locale): RequestLocale,
    headers: HeaderMap,
    ApiJson(draft): ApiJson<EndpointDraft>,
) -> Result<Response, ApiError> {
    let if_match = IfMatch::parse(headers.get(header::IF_MATCH).and_then(|value| value.to_str().ok()));
    let locale = draft.locale.unwrap_or(header_locale);
    let record = endpoint::save(&state, &session.username, &if_match, &draft, locale).await?;
    Ok(with_etag(EndpointView::from(&record)))
}

/// Judges a draft exactly as a save would (stored password, re-entry rule), without saving: always 200 with the
/// report, valid or not. For clients that cannot run the core crate themselves.
#[utoipa::path(post, path = "/api/endpoints/smtp/validate", tag = "endpoint", security(("session" = [])),
    request_body = EndpointDraft,
    responses(
        (status = 200, body = ReportDoc),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn validate_draft(
    State(state): State<AppState>,
    RequestLocale(header_locale): RequestLocale,
    ApiJson(draft): ApiJson<EndpointDraft>,
) -> Result<axum::Json<smtp_endpoint::Report>, ApiError> {
    let stored = state.store().endpoint().await?;
    let locale = draft.locale.unwrap_or(header_locale);
    Ok(axum::Json(endpoint::judge(&stored, &draft, locale).report))
}

/// Who changed what and when, newest first, a page at a time: at most `limit` changes (100 when not given), and
/// with `before` only those that made an earlier version. When older changes remain, `Link` names the next page
/// (`rel="next"`). The password appears only as `set`, `changed` or `removed`, never with a value.
#[utoipa::path(get, path = "/api/endpoints/smtp/history", tag = "endpoint", security(("session" = [])),
    params(
        ("before" = Option<i64>, Query, minimum = 1, description = "Only the changes made before this version (the oldest version of the page before)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "How many changes at most (default 100)"),
    ),
    responses(
        (status = 200, body = Vec<HistoryEntry>, headers(
            ("Link" = String, description = "`</api/endpoints/smtp/history?before=V&limit=N>; rel=\"next\"` when older changes remain"),
        )),
        (status = 400, description = "A query parameter it does not take, or a value it cannot use (`request.invalid_query`, `field` names it)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn history(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let page = HistoryPage::parse(query.as_deref())?;
    // One more than asked for says whether older changes remain.
    let mut entries = state.store().history(page.before, page.limit + 1).await?;
    let more = entries.len() > page.limit as usize;
    entries.truncate(page.limit as usize);
    let next = entries.last().filter(|_| more).map(|oldest| page.next(oldest.version));
    let mut response = axum::Json(entries).into_response();
    if let Some(next) = next {
        let link = format!("<{}?{next}>; rel=\"next\"", uri.path());
        response.headers_mut().insert(header::LINK, HeaderValue::from_str(&link).map_err(ApiError::internal)?);
    }
    Ok(response)
}
