//! Request guards that run before routing: every request must name a host the server answers to, state-changing
//! requests must be same-origin and JSON, and every request is logged (method, path, status, time — never headers
//! or bodies).

use crate::config::Config;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::IpAddr;
use std::time::Instant;

/// Refuses a request whose `Host` is a name the server was not given. A site that points its own DNS name at this
/// server's address (DNS rebinding) is same-origin with it in the browser; only the name in `Host` gives it away.
/// IP addresses, `localhost`, the public origin's host and the `--allowed-host` names pass; so does a request
/// without `Host`, or with an empty one (no browser sends either). A proxy that passes its upstream's address as
/// `Host` names the browser's host in `X-Forwarded-Host` (Trunk's does): that name must pass too — it can only
/// refuse, never allow, since a page can send it.
pub async fn known_host(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    let headers = request.headers();
    let names = [header::HOST.as_str(), "x-forwarded-host"];
    let refused = names.into_iter().flat_map(|name| headers.get_all(name)).find_map(|value| {
        let Ok(text) = value.to_str() else { return Some(String::from("(unreadable)")) };
        // X-Forwarded-Host may list the hosts of several proxies.
        // An empty one names no host, as if there were none.
        let mut hosts = text.split(',').map(str::trim).filter(|host| !host.is_empty());
        hosts.find(|host| !host_allowed(state.config(), host)).map(str::to_owned)
    });
    match refused {
        Some(host) => {
            let name = bounded(host_name(&host));
            tracing::info!(name, "refused a request for a host name not allowed (--allowed-host)");
            Err(ApiError::UnknownHost { name })
        }
        None => Ok(next.run(request).await),
    }
}

/// A header's value as said back in a message or the log: at most a DNS name's 253 characters, whatever was sent.
fn bounded(text: &str) -> String {
    text.chars().take(253).collect()
}

pub(crate) fn host_allowed(config: &Config, host: &str) -> bool {
    let name = host_name(host).trim_end_matches('.').to_ascii_lowercase();
    let public = config.public_origin.as_deref().and_then(|origin| origin.split_once("://"));
    name.parse::<IpAddr>().is_ok()
        || name == "localhost"
        || public.is_some_and(|(_, authority)| host_name(authority).trim_end_matches('.').eq_ignore_ascii_case(&name))
        || config.allowed_hosts.iter().any(|allowed| allowed == "*" || *allowed == name)
}

/// The host of an authority (`name:port`, `[v6]:port`), without port and brackets.
pub(crate) fn host_name(authority: &str) -> &str {
    if let Some(bracketed) = authority.strip_prefix('[') {
        return bracketed.split_once(']').map_or(bracketed, |(address, _)| address);
    }
    match authority.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => authority,
    }
}

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
    if !allowed {
        // Also a proxy that passes its own Host to a browser without Sec-Fetch-Site: the log says what to set.
        let host = bounded(value(header::HOST.as_str()).unwrap_or_default());
        let origin = bounded(origin);
        match state.config().public_origin.as_deref() {
            Some(public) => tracing::info!(origin, public, "a change from another origin than --public-origin refused"),
            None => tracing::info!(
                origin,
                host,
                "a change from another origin refused (behind a proxy: set --public-origin)"
            ),
        }
        return Err(ApiError::CrossOrigin);
    }
    Ok(())
}

pub(super) fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// One line per request: method, path (without the query), status and duration — at `warn` for a server error,
/// `info` for a refused request, `debug` for the rest (so the default `info` log shows what went wrong).
pub async fn log_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let micros = started.elapsed().as_micros() as u64;
    match status {
        500.. => tracing::warn!(%method, path, status, micros, "request"),
        400.. => tracing::info!(%method, path, status, micros, "request"),
        _ => tracing::debug!(%method, path, status, micros, "request"),
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_by_address_localhost_or_given_name_pass() {
        let config = Config {
            public_origin: Some("https://settings.example.com".to_owned()),
            allowed_hosts: vec!["smtp-settings".to_owned(), "smtp_settings".to_owned()],
            ..Config::new("unused")
        };
        let pass = [
            "127.0.0.1:8080",
            "192.168.1.20",
            "[::1]:8080",
            "[fe80::1]",
            "localhost:8080",
            "LOCALHOST.",
            "settings.example.com",
            "Settings.Example.com:443",
            "smtp-settings:8080",
            "smtp_settings:8080",
        ];
        for host in pass {
            assert!(host_allowed(&config, host), "{host}");
        }
        let refused = [
            "evil.example:8080",
            "localhost.evil.example",
            "app.localhost",
            "settings.example.com.evil.example",
            "example.com",
            "smtp-settings.evil.example",
            "127.0.0.1.nip.io:8080",
            "",
        ];
        for host in refused {
            assert!(!host_allowed(&config, host), "{host}");
        }
        let dotted = Config { public_origin: Some("https://settings.example.com.".to_owned()), ..Config::new("x") };
        assert!(host_allowed(&dotted, "settings.example.com."), "a public origin written with a trailing dot");
        let any = Config { allowed_hosts: vec!["*".to_owned()], ..Config::new("unused") };
        assert!(host_allowed(&any, "evil.example:8080"));
    }

    #[test]
    fn host_names_lose_port_and_brackets() {
        let rows = [
            ("mail.example.com:8080", "mail.example.com"),
            ("mail.example.com", "mail.example.com"),
            ("[::1]:8080", "::1"),
            ("[::1]", "::1"),
            ("[::1", "::1"),
            ("a:b", "a:b"),
        ];
        for (authority, name) in rows {
            assert_eq!(host_name(authority), name, "{authority}");
        }
    }
}
