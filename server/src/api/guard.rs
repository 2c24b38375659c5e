//! Request guards that run before routing: state-changing requests must be same-origin and JSON, and every
//! request is logged (method, path, status, time — never headers or bodies).

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// Refuses a state-changing request (POST, PUT, PATCH, DELETE) that a browser marks as coming from another
/// site, and a POST/PUT/PATCH whose body is not declared as JSON — a cross-site HTML form can send neither.
pub async fn same_origin_json(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let method = request.method();
    if matches!(*method, Method::POST | Method::PUT | Method::PATCH | Method::DELETE) {
        check_same_origin(&state, request.headers())?;
        if *method != Method::DELETE && !is_json(request.headers()) {
            return Err(ApiError::JsonRequired);
        }
    }
    Ok(next.run(request).await)
}

/// `Sec-Fetch-Site` when the browser sends it (`same-origin` or `none`), else `Origin` against the configured
/// public origin or the `Host` the request was sent to. Requests with neither come from non-browser clients,
/// which carry no ambient cookies of an unsuspecting admin, and pass.
fn check_same_origin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let value = |name| headers.get(name).and_then(|v: &header::HeaderValue| v.to_str().ok());
    if let Some(site) = value("sec-fetch-site") {
        return match site {
            "same-origin" | "none" => Ok(()),
            _ => Err(ApiError::CrossOrigin),
        };
    }
    let Some(origin) = value(header::ORIGIN.as_str()) else { return Ok(()) };
    let allowed = match state.config().public_origin.as_deref() {
        Some(public) => origin.eq_ignore_ascii_case(public.trim_end_matches('/')),
        None => {
            let authority = origin.split_once("://").map(|(_, authority)| authority);
            authority.is_some_and(|authority| {
                value(header::HOST.as_str()).is_some_and(|host| authority.eq_ignore_ascii_case(host))
            })
        }
    };
    if allowed { Ok(()) } else { Err(ApiError::CrossOrigin) }
}

pub(super) fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// One debug line per request: method, path (without the query), status and duration.
pub async fn log_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::debug!(%method, path, status = response.status().as_u16(), micros = started.elapsed().as_micros() as u64, "request");
    response
}
