//! Who may do what: admin passwords, sessions, the session guard and login throttling.
//!
//! Every `/api` route except `POST` and `DELETE /api/session` and `GET /api/openapi.json` sits behind [`require_session`],
//! which puts the [`AdminSession`] into the request; handlers take it as an extractor to know who acts.

pub mod password;
mod session;
mod throttle;

pub use session::{NewSession, Sessions};
pub use throttle::{LoginThrottle, ThrottleKey};

use crate::error::{ApiError, Limit};
use crate::state::AppState;
use crate::store::{AdminRecord, StoreError};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use secrecy::SecretString;
use std::sync::Arc;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "smtp_endpoint_session";

/// The logged-in admin of this request.
#[derive(Debug, Clone)]
pub struct AdminSession {
    pub username: Arc<str>,
    pub(crate) token_hash: [u8; 32],
    /// Unix seconds.
    pub expires_at: i64,
}

/// The session guard: answers 401 unless the request carries a live session cookie.
pub async fn require_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let session =
        session_from_headers(&state, request.method(), request.headers()).await?.ok_or(ApiError::Unauthorized)?;
    request.extensions_mut().insert(session);
    Ok(next.run(request).await)
}

/// The request's session. For a request that changes something it is checked against the store, not the cache
/// (see [`Sessions::lookup`]).
pub(crate) async fn session_from_headers(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Option<AdminSession>, ApiError> {
    let fresh = !method.is_safe();
    let tokens: Vec<&str> = session_tokens(headers).collect();
    for &token in tokens.iter().rev().take(MAX_SESSION_COOKIES) {
        let found = state.sessions().lookup(state.store(), token, fresh).await?;
        if let Some(session) = found {
            return Ok(Some(session));
        }
    }
    Ok(None)
}

/// How many session cookies of one request are looked up, the last first.
const MAX_SESSION_COOKIES: usize = 8;

/// The session cookies' values, in the order they came. There can be more than one: cookies planted for this
/// host under longer paths (by another port of it, or a sibling domain) come first, and must not hide the
/// browser's own session (`Path=/`, so it comes after them: looked up last-first). A planted one is no session:
/// only tokens the server made are.
pub fn session_tokens(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value)
}

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(session) = parts.extensions.get::<AdminSession>() {
            return Ok(session.clone());
        }
        session_from_headers(state, &parts.method, &parts.headers).await?.ok_or(ApiError::Unauthorized)
    }
}

/// The `Set-Cookie` value for a new session: HttpOnly, SameSite=Strict, Path=/, Secure when served over TLS.
pub fn session_cookie(token: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// Whether the request reached us over TLS: the configured public origin is `https`, or a proxy says so.
pub fn request_is_tls(state: &AppState, headers: &HeaderMap) -> bool {
    state.config().behind_tls()
        || headers
            .get("x-forwarded-proto")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

/// Checks a username and password, throttled per name and client address ([`ThrottleKey`]), and starts a
/// session for the admin (returned with the admin's name as stored). Runs argon2 on the blocking pool, at most two
/// at a time.
pub async fn login(
    state: &AppState,
    username: &str,
    password: SecretString,
    client: Option<std::net::IpAddr>,
) -> Result<(NewSession, String), ApiError> {
    let keys = ThrottleKey::of_login(username, client);
    state.login_throttle().check(&keys).map_err(throttled)?;
    // The check runs on its own task, so a client that hangs up cannot end it half way: the hashing permit is
    // held until the hash is done, and a failure is always counted.
    let task = tokio::spawn(check_password(state.clone(), username.to_owned(), password, client, keys));
    let admin = task.await.map_err(ApiError::internal)??;
    let session = state.sessions().create(state.store(), &admin).await?;
    tracing::info!(username = %admin, "admin logged in");
    Ok((session, admin))
}

/// The admin's name as stored when `password` is theirs.
async fn check_password(
    state: AppState,
    username: String,
    password: SecretString,
    client: Option<std::net::IpAddr>,
    keys: Vec<ThrottleKey>,
) -> Result<String, ApiError> {
    let _permit = state.hashing_permit().await;
    // Again, now that it is this attempt's turn: attempts queued behind failing ones do not all get a guess, nor
    // do two hashed side by side at the threshold.
    let attempt = state.login_throttle().begin(keys).map_err(throttled)?;
    let admin = match check_username(&username) {
        Ok(()) => state.store().admin(&username).await?,
        Err(_) => None,
    };
    let phc = admin.as_ref().map(|admin| admin.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || password::verify(&password, phc.as_deref()))
        .await
        .map_err(ApiError::internal)?;
    match admin {
        Some(admin) if matches => {
            attempt.succeeded();
            Ok(admin.username)
        }
        admin => {
            attempt.failed();
            // The name only when it is an admin's: a password typed into the name field by mistake is not logged.
            let known = admin.map(|admin| admin.username);
            let username = known.as_deref().unwrap_or("(no such admin)");
            let client = client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
            tracing::warn!(username, client, "failed login");
            Err(ApiError::InvalidCredentials)
        }
    }
}

fn throttled(retry_after: std::time::Duration) -> ApiError {
    ApiError::TooManyRequests { limit: Limit::Login, retry_after }
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Password(#[from] password::AdminPasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the username must be 1 to 64 characters without spaces or control characters")]
    InvalidUsername,
}

/// The longest admin name, in characters.
pub const MAX_USERNAME_CHARS: usize = 64;

/// Whether a name and a password can make an admin: the rules [`create_admin`] applies, for callers that judge
/// them before doing anything else (the command line, before it opens a data dir).
pub fn check_new_admin(username: &str, password: &SecretString) -> Result<(), AdminError> {
    check_username(username)?;
    Ok(password::check_new_password(password)?)
}

fn check_username(username: &str) -> Result<(), AdminError> {
    let ok = !username.is_empty()
        && username.chars().count() <= MAX_USERNAME_CHARS
        && !username.chars().any(|c| c.is_control() || c.is_whitespace());
    if ok { Ok(()) } else { Err(AdminError::InvalidUsername) }
}

/// `admin create`: a new admin with a chosen password.
pub async fn create_admin(state: &AppState, username: &str, password: &SecretString) -> Result<(), AdminError> {
    check_new_admin(username, password)?;
    let password_hash = password::hash(password)?;
    state.store().create_admin(AdminRecord { username: username.to_owned(), password_hash }).await?;
    tracing::info!(username, "admin created");
    Ok(())
}

/// `admin reset-password`: a new password, and every session of that admin ends.
pub async fn reset_admin_password(state: &AppState, username: &str, password: &SecretString) -> Result<(), AdminError> {
    password::check_new_password(password)?;
    let password_hash = password::hash(password)?;
    state.store().reset_admin_password(AdminRecord { username: username.to_owned(), password_hash }).await?;
    tracing::info!(username, "admin password reset");
    Ok(())
}

/// The name of the admin [`ensure_first_admin`] creates.
pub const FIRST_ADMIN: &str = "admin";

/// With no admin at all, creates `admin` with a generated password and returns it (to be shown once).
pub async fn ensure_first_admin(state: &AppState) -> Result<Option<SecretString>, AdminError> {
    if state.store().admin_count().await? > 0 {
        return Ok(None);
    }
    let password = password::generate();
    create_admin(state, FIRST_ADMIN, &password).await?;
    Ok(Some(password))
}
