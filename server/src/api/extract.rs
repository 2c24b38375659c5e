//! Extractors whose rejections come back in the app's own error shape.

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use smtp_endpoint::Locale;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// `axum::Json`, but a body that is not JSON, malformed or too large is an [`ApiError`], and a body must be an
/// object of named fields: serde would also take a struct's fields by position from an array
/// (`["smtp://…", "user", …]`), which no request of this API is, so no array is accepted anywhere in it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !super::guard::is_json(request.headers()) {
            return Err(ApiError::JsonRequired);
        }
        // Said at once, not after waiting for a body that will be refused anyway.
        let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|length| length > u64::try_from(super::BODY_LIMIT).unwrap_or(u64::MAX)) {
            return Err(ApiError::BodyTooLarge);
        }
        let body = Bytes::from_request(request, state);
        let body =
            tokio::time::timeout(crate::listen::BODY_READ_TIMEOUT, body).await.map_err(|_| ApiError::BodyTimeout)?;
        let bytes = body.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::BodyTooLarge
            } else {
                ApiError::MalformedBody { field: None, message: rejection.body_text() }
            }
        })?;
        // A byte order mark, which some editors and Windows tools write: JSON may be read without it (RFC 8259).
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
        if let Some(message) = not_an_object(bytes) {
            return Err(ApiError::MalformedBody { field: None, message: message.to_owned() });
        }
        match axum::Json::<T>::from_bytes(bytes) {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

/// Why a body is not an object of named fields, judged on its bytes before serde reads them.
pub(crate) fn not_an_object(body: &[u8]) -> Option<&'static str> {
    if body.iter().find(|byte| !byte.is_ascii_whitespace()) != Some(&b'{') {
        return Some("The body must be a JSON object with named fields, e.g. {\"uri\": \"smtp://mail.example.com\"}.");
    }
    let (mut in_string, mut escaped) = (false, false);
    for &byte in body {
        match (in_string, escaped, byte) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') | (false, _, b'"') => in_string = !in_string,
            (false, _, b'[') => return Some("The body must not contain arrays: send each value as a named field."),
            _ => {}
        }
    }
    None
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::BodyTooLarge;
    }
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::JsonRequired,
        JsonRejection::JsonDataError(error) => malformed(&error.body_text()),
        JsonRejection::JsonSyntaxError(error) => malformed(&error.body_text()),
        other => ApiError::MalformedBody { field: None, message: other.body_text() },
    }
}

/// serde's text, e.g. "Failed to deserialize the JSON body into the target type: password: invalid type: integer
/// `1234`, expected a string at line 1 column 17", as the field it is about and what that field takes. serde can
/// quote the offending value, which could be a secret sent in the wrong place: keep where it happened and what
/// was expected, drop what it was.
fn malformed(text: &str) -> ApiError {
    let syntax = text.split_once("as JSON: ");
    let rest = text.split_once("target type: ").or(syntax).map_or(text, |(_, rest)| rest);
    let (path, detail) = match rest.split_once(": ") {
        Some((path, detail)) if !path.contains(' ') => (Some(path), detail),
        _ => (None, rest),
    };
    let named = |word: &str| detail.strip_prefix(word)?.split('`').next().map(str::to_owned);
    let name = named("unknown field `").or_else(|| named("missing field `")).or_else(|| named("duplicate field `"));
    // A field inside another (`draft`) is named by both: `draft.uri`.
    let field = match (path, name) {
        (Some(path), Some(name)) if path != name => Some(format!("{path}.{name}")),
        (Some(path), _) => Some(path.to_owned()),
        (None, name) => name,
    };
    let wrong = detail.contains("invalid type") || detail.contains("invalid value");
    let message = if wrong {
        let expected = detail.split_once(", expected ").map(|(_, expected)| expected.split(" at line ").next());
        let expected = expected.flatten().unwrap_or("another kind of value");
        let expected = if expected.starts_with("struct ") || expected == "a map" { "a JSON object" } else { expected };
        format!("{}: the value has the wrong type; send {expected}.", field.as_deref().unwrap_or("the body"))
    } else if detail.starts_with("duplicate field") {
        format!("{}: given twice; send each field once.", field.as_deref().unwrap_or("a field"))
    } else {
        let detail = detail.split(" at line ").next().unwrap_or(detail);
        // Where the JSON text itself is wrong (a string's bad escape, say), the field it is in goes in front.
        match path.filter(|_| syntax.is_some()) {
            Some(path) => format!("{path}: {detail}"),
            None => detail.to_owned(),
        }
    };
    ApiError::MalformedBody { field, message }
}

/// The language for messages, from `Accept-Language` (German when preferred over English, else English). A
/// body's `locale` field, where a route has one, takes precedence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestLocale(pub Locale);

impl<S: Send + Sync> FromRequestParts<S> for RequestLocale {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok());
        Ok(RequestLocale(header.map(locale_from_accept_language).unwrap_or_default()))
    }
}

/// The best-ranked language of `de-CH, en;q=0.8, *;q=0.5` that we speak.
pub fn locale_from_accept_language(header: &str) -> Locale {
    let mut ranked: Vec<(f32, &str)> = header
        .split(',')
        .filter_map(|entry| {
            let mut parts = entry.split(';');
            let tag = parts.next()?.trim();
            let quality = parts
                .filter_map(|param| param.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (quality > 0.0 && !tag.is_empty()).then_some((quality, tag))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked
        .into_iter()
        .find_map(|(_, tag)| {
            let primary = tag.split(['-', '_']).next().unwrap_or_default();
            (primary.eq_ignore_ascii_case("de") || primary.eq_ignore_ascii_case("en")).then(|| Locale::from_tag(tag))
        })
        .unwrap_or_default()
}

/// The client's address: the peer's, or — when the peer is a trusted proxy — the last address in
/// `X-Forwarded-For` that is not one of the trusted proxies. `None` when the router is called in-process.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        Ok(ClientIp(peer.map(|peer| client_address(peer, &parts.headers, &state.config().trusted_proxies))))
    }
}

/// Addresses are compared in their canonical form: behind a dual-stack listener an IPv4 peer arrives as
/// `::ffff:127.0.0.1`. A hop that is not an address ends the search with the peer: what comes before it was
/// written by someone the trusted proxies do not vouch for.
pub(crate) fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| crate::client::is_trusted_proxy(*ip, trusted);
    if !is_trusted(&peer) {
        return peer;
    }
    if !headers.contains_key("x-forwarded-for") {
        // Said once: a proxy configured without it makes all its clients one for the login throttle.
        static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::warn!(
                proxy = %peer,
                "a sign-in through a trusted proxy came without X-Forwarded-For: if the proxy never sends it, all \
                 its clients share one count of failed sign-ins (nginx: proxy_set_header X-Forwarded-For \
                 $proxy_add_x_forwarded_for)"
            );
        }
        return peer;
    }
    let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|value| value.to_str().ok());
    let hops: Vec<&str> = forwarded.flat_map(|value| value.split(',')).map(str::trim).collect();
    for hop in hops.into_iter().rev() {
        match hop.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(ip) if is_trusted(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_trusted_proxy_names_the_client() {
        let proxy: IpAddr = "127.0.0.1".parse().expect("ip");
        let client: IpAddr = "203.0.113.7".parse().expect("ip");
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "198.51.100.1, 203.0.113.7".parse().expect("header"));
        assert_eq!(client_address(proxy, &headers, &[proxy]), client, "the hop the proxy added");
        assert_eq!(client_address(proxy, &headers, &[]), proxy, "nobody trusted: the peer");
        let stranger: IpAddr = "192.0.2.9".parse().expect("ip");
        assert_eq!(client_address(stranger, &headers, &[proxy]), stranger, "a client's own header is ignored");
        assert_eq!(client_address(proxy, &HeaderMap::new(), &[proxy]), proxy, "no header: the peer");
        headers.insert("x-forwarded-for", "203.0.113.7, 127.0.0.1".parse().expect("header"));
        assert_eq!(client_address(proxy, &headers, &[proxy]), client, "chained trusted proxies are skipped");
        headers.insert("x-forwarded-for", "not an address".parse().expect("header"));
        assert_eq!(client_address(proxy, &headers, &[proxy]), proxy);
        // A hop that is not an address ends the search: the one before it was written by the client.
        headers.insert("x-forwarded-for", "198.51.100.1, unknown".parse().expect("header"));
        assert_eq!(client_address(proxy, &headers, &[proxy]), proxy);
        // A dual-stack listener sees the IPv4 proxy as ::ffff:127.0.0.1.
        headers.insert("x-forwarded-for", "203.0.113.7".parse().expect("header"));
        let mapped = IpAddr::V6(std::net::Ipv4Addr::LOCALHOST.to_ipv6_mapped());
        assert_eq!(client_address(mapped, &headers, &[proxy]), client);
    }

    #[test]
    fn accept_language() {
        let rows = [
            ("de", Locale::De),
            ("de-CH, en;q=0.8", Locale::De),
            ("en-US,en;q=0.9,de;q=0.8", Locale::En),
            ("fr-FR, de;q=0.5", Locale::De),
            ("fr", Locale::En),
            ("en;q=0.2, de;q=0.9", Locale::De),
            ("de;q=0", Locale::En),
            ("", Locale::En),
        ];
        for (header, expected) in rows {
            assert_eq!(locale_from_accept_language(header), expected, "{header}");
        }
    }

    #[test]
    fn rejections_name_the_field_and_not_the_value() {
        let prefix = "Failed to deserialize the JSON body into the target type: ";
        let rows = [
            ("password: invalid type: integer `1234`, expected a string at line 1 column 17", Some("password")),
            ("uri: invalid type: integer `5`, expected a string at line 1 column 9", Some("uri")),
            (
                "unknown field `unknown_field`, expected one of `uri`, `username` at line 1 column 35",
                Some("unknown_field"),
            ),
            ("missing field `to` at line 1 column 2", Some("to")),
            ("invalid type: sequence, expected struct EndpointDraft at line 1 column 0", None),
            (
                "draft: invalid type: string \"smtp://x\", expected struct EndpointDraft at line 1 column 20",
                Some("draft"),
            ),
        ];
        for (text, field) in rows {
            let ApiError::MalformedBody { field: named, message } = malformed(&format!("{prefix}{text}")) else {
                panic!("{text}")
            };
            assert_eq!(named.as_deref(), field, "{text}");
            assert!(!message.contains("1234") && !message.contains("`5`"), "{message}");
        }
        let message = |text: &str| match malformed(&format!("{prefix}{text}")) {
            ApiError::MalformedBody { message, .. } => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(message(rows[0].0), "password: the value has the wrong type; send a string.");
        assert_eq!(message(rows[5].0), "draft: the value has the wrong type; send a JSON object.");
        assert_eq!(message("duplicate field `uri` at line 1 column 23"), "uri: given twice; send each field once.");
        let nested = "Failed to deserialize the JSON body into the target type: draft: duplicate field `uri` at line 1";
        let ApiError::MalformedBody { field, .. } = malformed(nested) else { panic!("{nested}") };
        assert_eq!(field.as_deref(), Some("draft.uri"), "a field inside the draft");
        let syntax = "Failed to parse the request body as JSON: uri: lone leading surrogate in hex escape at line 1";
        let ApiError::MalformedBody { field, message } = malformed(syntax) else { panic!("{syntax}") };
        assert_eq!((field.as_deref(), message.as_str()), (Some("uri"), "uri: lone leading surrogate in hex escape"));
    }

    #[test]
    fn a_body_is_an_object_of_named_fields() {
        for body in [r#"["smtp://a", "u", "p"]"#, "null", r#""x""#, "  ", r#"{"draft": ["smtp://a"]}"#, r#"{"a": [}"#] {
            assert!(not_an_object(body.as_bytes()).is_some(), "{body}");
        }
        for body in [r#" {"uri": "smtp://a"}"#, r#"{"uri": "smtp://a?x=[1]", "username": "\"[\\"}"#, "{}"] {
            assert_eq!(not_an_object(body.as_bytes()), None, "{body}");
        }
    }
}
