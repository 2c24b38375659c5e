//! Extractors whose rejections come back in the app's own error shape.

use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use smtp_endpoint::Locale;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// `axum::Json`, but a body that is not JSON, malformed or too large is an [`ApiError`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::BodyTooLarge;
    }
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::JsonRequired,
        JsonRejection::JsonDataError(error) => ApiError::MalformedBody(without_values(&error.body_text())),
        JsonRejection::JsonSyntaxError(error) => ApiError::MalformedBody(without_values(&error.body_text())),
        other => ApiError::MalformedBody(other.body_text()),
    }
}

/// serde's messages can quote the offending value (`invalid type: string "…"`), which could be a secret sent in
/// the wrong place. Keep where it happened, drop what it was.
fn without_values(text: &str) -> String {
    match text.find("invalid type").or_else(|| text.find("invalid value")) {
        Some(at) => format!("{}a value has the wrong type", &text[..at]),
        None => text.to_owned(),
    }
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

/// The peer's address when the server runs on a socket (`None` when the router is called in-process).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn rejections_do_not_repeat_values() {
        let text = "Failed to deserialize the JSON body into the target type: password: invalid type: integer `1234`, expected a string at line 1 column 17";
        assert!(!without_values(text).contains("1234"));
        assert!(without_values(text).contains("password"));
    }
}
