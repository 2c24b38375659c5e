//! The HTTP face: routes, guards and the OpenAPI document, built from the same `routes!` calls so the document
//! cannot miss a route.
//!
//! Adding routes (e.g. in [`crate::smtp::routes`]): annotate the handler with `#[utoipa::path(...)]` and register
//! it with `utoipa_axum::routes!` on an `OpenApiRouter<AppState>`. Routes merged into the protected router
//! answer 401 without a session; take [`AdminSession`](crate::auth::AdminSession) to know who acts, read bodies
//! with [`ApiJson`], fail with [`ApiError`].

pub mod endpoint;
pub mod extract;
pub mod guard;
pub mod health;
pub mod history_page;
pub mod session;

pub use extract::{ApiJson, ClientIp, RequestLocale};

use crate::auth;
use crate::error::{ApiError, ErrorBody, ErrorDetail};
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::any;
use axum::{Extension, Router, middleware};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest request body accepted, in bytes: twice the custom CA's own limit, so a CA text near or over that limit
/// (its line breaks escaped in JSON) is answered by its own refusal, `custom_ca.invalid`, not by a 413.
pub const BODY_LIMIT: usize = 2 * smtp_endpoint::MAX_CUSTOM_CA_LEN;

#[derive(OpenApi)]
#[openapi(
    info(title = "SMTP endpoint settings", description = "The one SMTP endpoint an application sends its mail through."),
    modifiers(&SessionCookie),
    components(schemas(ErrorBody, ErrorDetail)),
    tags(
        (name = "session", description = "Admin login"),
        (name = "endpoint", description = "The stored SMTP endpoint"),
        (name = "meta", description = "Health and this document"),
    )
)]
struct ApiDoc;

struct SessionCookie;

impl Modify for SessionCookie {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::SESSION_COOKIE))),
        );
    }
}

/// Every route with its documentation, guards included.
fn routes(state: &AppState) -> OpenApiRouter<AppState> {
    let protected = OpenApiRouter::new()
        .routes(routes!(endpoint::get_endpoint, endpoint::put_endpoint))
        .routes(routes!(endpoint::validate_draft))
        .routes(routes!(endpoint::history))
        .routes(routes!(session::current))
        .merge(crate::smtp::routes())
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::require_session));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        // Signing out needs no session: one that ended already is signed out all the same.
        .routes(routes!(session::login, session::logout))
        .routes(routes!(openapi_json))
        .routes(routes!(health::healthz))
        .merge(protected)
}

/// The answers any route can give besides its own, added to every operation in one place: the guards' 403, 400 /
/// 408 / 413 / 415 for a JSON body, 500, 503 and 507 from the database, and `Retry-After` on a 429.
fn add_common_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
        RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for operation in operations.into_iter().flatten() {
            let body = operation.request_body.is_some();
            let responses = &mut operation.responses.responses;
            let mut add = |status: &str, description: &str| {
                responses.entry(status.to_owned()).or_insert_with(|| error(description));
            };
            add(
                "403",
                "A host name this server does not answer to (`request.unknown_host`), or a change sent from another site (`request.cross_origin`)",
            );
            if body {
                add(
                    "400",
                    "A body that is not the JSON this route reads (`request.malformed`; `field` names the part)",
                );
                add("408", "The body did not arrive in time (`request.timeout`)");
                add("413", "The body is larger than the server reads (`request.too_large`)");
                add("415", "The body is not `application/json` (`request.json_required`)");
            }
            add("405", "A method this path does not take (`method_not_allowed`)");
            add("500", "Something failed on the server (`internal`; the log has the cause)");
            add(
                "503",
                "The database is held by another program (`store.busy`); nothing was changed: try again after `Retry-After`",
            );
            add("507", "The disk holding the database is full (`store.full`); nothing was saved");
            for status in ["429", "503"] {
                if let Some(RefOr::T(wait)) = responses.get_mut(status) {
                    let seconds = ObjectBuilder::new().schema_type(Type::Integer).build();
                    let header = HeaderBuilder::new().schema(seconds).description(Some("Seconds to wait")).build();
                    wait.headers.insert("Retry-After".to_owned(), header);
                }
            }
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1")))]
async fn openapi_json(
    Extension(doc): Extension<Arc<utoipa::openapi::OpenApi>>,
) -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(doc.as_ref().clone())
}

/// The whole application: the API, `/healthz`, and the page from `--static-dir` for every other path.
pub fn app(state: AppState) -> Router {
    let (api, mut doc) = routes(&state).split_for_parts();
    add_common_responses(&mut doc);
    let api = api
        // Every other path under /api is the API's 404, not the page (`/api/` too, which `{*rest}` does not match).
        .route("/api", any(not_found))
        .route("/api/", any(not_found))
        .route("/api/{*rest}", any(not_found))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(Extension(Arc::new(doc)))
        .layer(middleware::from_fn_with_state(state.clone(), guard::same_origin_json))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .with_state(state.clone());
    // The page owns every path outside `/api` and `/healthz`.
    let page = match &state.config().static_dir {
        Some(dir) => crate::static_files::router(dir, &state.config().data_dir),
        None => Router::new().fallback(not_found),
    };
    api.merge(page)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state, guard::known_host))
        // For answers that come from no route (the host guard's refusal): the page's files say their own.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(middleware::from_fn(guard::log_requests))
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}
