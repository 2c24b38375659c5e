//! `/api/session`: log in, who am I, log out.

use super::extract::{ApiJson, ClientIp};
use crate::auth::{self, AdminSession};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    #[schema(value_type = String, format = Password, write_only)]
    pub password: SecretString,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    pub username: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

fn view(username: &str, expires_at: i64) -> SessionView {
    let expires_at = time::OffsetDateTime::from_unix_timestamp(expires_at)
        .ok()
        .and_then(|at| at.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default();
    SessionView { username: username.to_owned(), expires_at }
}

/// Log in: sets the session cookie (HttpOnly, SameSite=Strict, Secure over TLS). Repeated failures are throttled.
#[utoipa::path(post, path = "/api/session", tag = "session", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = SessionView),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
        (status = 429, description = "Too many failed logins; see Retry-After", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let (session, username) = auth::login(&state, request.username.trim(), request.password, client).await?;
    let cookie =
        auth::session_cookie(&session.token, state.sessions().ttl().as_secs(), auth::request_is_tls(&state, &headers));
    Ok(([(header::SET_COOKIE, cookie)], axum::Json(view(&username, session.expires_at))).into_response())
}

/// The logged-in admin (401 when not logged in).
#[utoipa::path(get, path = "/api/session", tag = "session", security(("session" = [])),
    responses(
        (status = 200, body = SessionView),
        (status = 401, description = "Not signed in", body = ErrorBody),
    ))]
pub async fn current(session: AdminSession) -> axum::Json<SessionView> {
    axum::Json(view(&session.username, session.expires_at))
}

/// Log out: ends the session on the server, if it has not ended already, and clears the cookie. Idempotent: a
/// session that expired or was ended elsewhere is answered 204 too.
#[utoipa::path(delete, path = "/api/session", tag = "session", security((), ("session" = [])),
    responses(
        (status = 204, description = "Logged out (or was already)"),
    ))]
pub async fn logout(State(state): State<AppState>, method: Method, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(session) = auth::session_from_headers(&state, &method, &headers).await? {
        state.sessions().revoke(state.store(), &session).await?;
        tracing::info!(username = %session.username, "admin logged out");
    }
    let cookie = auth::clear_session_cookie(auth::request_is_tls(&state, &headers));
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}
