use crate::helpers::{ADMIN, ADMIN_PASSWORD, endpoint_body, spawn_app, spawn_app_with};
use serde_json::{Value, json};

async fn error_code(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("the app's JSON error shape");
    (status, body["error"]["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn cross_origin_state_changes_are_refused() {
    let app = spawn_app().await;
    app.login().await;
    let etag = app.etag().await;
    let body = endpoint_body("smtp://mail.example.com", None, None);

    let cross_site = [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ];
    for (name, value) in cross_site {
        let response = app
            .client
            .put(app.url("/api/endpoints/smtp"))
            .header("if-match", &etag)
            .header(name, value)
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(error_code(response).await, (403, "request.cross_origin".to_owned()), "{name}: {value}");
        let response = app
            .client
            .post(app.url("/api/session"))
            .header(name, value)
            .json(&json!({}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 403, "login with {name}: {value}");
        let response = app.client.delete(app.url("/api/session")).header(name, value).send().await.expect("request");
        assert_eq!(response.status(), 403, "logout with {name}: {value}");
    }
    assert_eq!(app.get_endpoint().await.json::<Value>().await.expect("json")["version"], 1, "nothing changed");
    // An old browser (no Sec-Fetch-Site) behind a proxy that passes its own Host looks the same: the refusal says
    // what the admin then sets.
    let refused = app.client.delete(app.url("/api/session")).header("origin", "https://settings.example.com");
    let refused: Value = refused.send().await.expect("request").json().await.expect("json");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("--public-origin"), "{message}");

    // The page itself (same origin) is fine.
    let origin = app.address.clone();
    let response = app
        .client
        .put(app.url("/api/endpoints/smtp"))
        .header("if-match", &etag)
        .header("origin", origin)
        .header("sec-fetch-site", "same-origin")
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn state_changes_must_be_json() {
    let app = spawn_app().await;
    // A cross-site HTML form can only send these types.
    for content_type in ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"] {
        let response = app
            .client
            .post(app.url("/api/session"))
            .header("content-type", content_type)
            .body(format!("username={ADMIN}&password={ADMIN_PASSWORD}"))
            .send()
            .await
            .expect("request");
        assert_eq!(error_code(response).await, (415, "request.json_required".to_owned()), "{content_type}");
    }
    let response = app.client.post(app.url("/api/session")).body("{}").send().await.expect("request");
    assert_eq!(response.status(), 415, "no content type at all");
}

#[tokio::test]
async fn malformed_bodies_get_the_apps_error_shape() {
    let app = spawn_app().await;
    app.login().await;
    let etag = app.etag().await;
    let bodies = [
        "{not json",
        "[]",
        r#"{"uri": 5}"#,
        r#"{"uri": "smtp://x", "unknown_field": true}"#,
        r#"{"password": 12345678}"#,
        "",
        r#"{"uri": "smtp://a", "uri": "smtp://b"}"#,
        r#"{"uri": "\ud800"}"#,
    ];
    for body in bodies {
        let response = app
            .client
            .put(app.url("/api/endpoints/smtp"))
            .header("if-match", &etag)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let status = response.status().as_u16();
        let text = response.text().await.expect("text");
        let parsed: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON for {body:?}: {text}"));
        assert_eq!(status, 400, "{body:?}");
        assert_eq!(parsed["error"]["code"], "request.malformed", "{body:?}: {text}");
        assert!(!text.contains("12345678"), "the error repeats a value: {text}");
        if body.contains("smtp://a") || body.contains("ud800") {
            assert_eq!(parsed["error"]["field"], "uri", "the field it is about: {text}");
        }
        if body.contains("12345678") {
            assert_eq!(parsed["error"]["field"], "password", "{text}");
            assert!(parsed["error"]["message"].as_str().is_some_and(|m| m.contains("send a string")), "{text}");
        }
    }
    // A body that starts with a byte order mark is read without it.
    let body = json!({ "uri": "smtps://mail.example.com", "default_from_address": "a@example.com" });
    let response = app
        .client
        .put(app.url("/api/endpoints/smtp"))
        .header("if-match", &etag)
        .header("content-type", "application/json")
        .body(format!("\u{feff}{body}"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    app.login().await;
    let etag = app.etag().await;
    let huge = json!({ "uri": "smtp://mail.example.com", "custom_ca_pem": "A".repeat(200 * 1024) });
    let response = app.put_endpoint(Some(&etag), &huge).await;
    assert_eq!(error_code(response).await, (413, "request.too_large".to_owned()));
    let response = app
        .client
        .post(app.url("/api/session"))
        .json(&json!({ "username": "x".repeat(200_000), "password": "y" }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);

    // A declared length over the limit is refused at once, not after waiting out the body's 10 s.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let request = format!(
        "POST /api/session HTTP/1.1\r\nHost: {address}\r\nOrigin: http://{address}\r\n\
         Content-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = vec![0; 1024];
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut answer)).await;
    let read = read.expect("an answer well before the body's limit").expect("read");
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413") && answer.contains("request.too_large"), "{answer}");
}

#[tokio::test]
async fn api_responses_are_not_cached_and_unknown_routes_are_json() {
    let app = spawn_app().await;
    for response in [
        app.get_endpoint().await,
        app.healthz().await,
        app.client.get(app.url("/api/nope")).send().await.expect("request"),
    ] {
        assert_eq!(response.headers()["cache-control"], "no-store", "{}", response.url());
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    }
    let response = app.client.get(app.url("/api/nope")).send().await.expect("request");
    assert_eq!(error_code(response).await, (404, "not_found".to_owned()));
    // With the page served, it still owns no path under /api.
    let page = tempfile::tempdir().expect("temp dir");
    std::fs::write(page.path().join("index.html"), "<!doctype html>").expect("index.html");
    let with_page = spawn_app_with(|config| config.static_dir = Some(page.path().to_owned())).await;
    for path in ["/api", "/api/", "/api/nope", "/api/session/", "/api/endpoints/smtp/x"] {
        let response = with_page.client.get(with_page.url(path)).send().await.expect("request");
        assert_eq!(error_code(response).await, (404, "not_found".to_owned()), "{path}");
    }
    let response = with_page.client.get(with_page.url("/settings")).send().await.expect("request");
    assert_eq!(response.status(), 200, "the page's own paths still are the page");
    assert_eq!(response.text().await.expect("text"), "<!doctype html>");
    let response = app.client.patch(app.url("/api/endpoints/smtp")).json(&json!({})).send().await.expect("request");
    assert_eq!(response.status(), 405, "a method the route does not have, asked without a session");
    assert_eq!(app.healthz().await.json::<Value>().await.expect("json"), json!({ "status": "ok" }));
}

#[tokio::test]
async fn requests_for_unknown_host_names_are_refused() {
    let app = spawn_app().await;
    let port = app.address.rsplit(':').next().expect("port").to_owned();
    // What a page that re-points its own name at this address (DNS rebinding) sends.
    for path in ["/api/session", "/api/endpoints/smtp", "/healthz", "/"] {
        let response =
            app.client.get(app.url(path)).header("host", format!("evil.example:{port}")).send().await.expect("request");
        let status = response.status().as_u16();
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header("cache-control").as_deref(), Some("no-store"), "{path}");
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{path}");
        let body: Value = response.json().await.expect("the app's JSON error shape");
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("request.unknown_host")), "{path}");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(message.contains("\"evil.example\"") && message.contains("--allowed-host evil.example"), "{message}");
    }
    let response = app
        .client
        .post(app.url("/api/session"))
        .header("host", "evil.example")
        .header("sec-fetch-site", "same-origin")
        .json(&json!({ "username": ADMIN, "password": ADMIN_PASSWORD }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403, "a rebound page cannot even try a password");

    // Behind a proxy that passes its upstream's address as Host, the browser's host name comes as
    // X-Forwarded-Host: it can refuse (a rebound name through the proxy), never allow.
    let forwarded = |name: &'static str| {
        app.client
            .get(app.url("/api/session"))
            .header("host", format!("127.0.0.1:{port}"))
            .header("x-forwarded-host", name)
    };
    let response = forwarded("evil.example:8081").send().await.expect("request");
    assert_eq!(response.status(), 403, "a rebound name behind a proxy");
    let response = forwarded("localhost:8081").send().await.expect("request");
    assert_eq!(response.status(), 401, "trunk serve's own name passes");

    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), "LocalHost".to_owned(), String::new()] {
        let response = app.client.get(app.url("/api/session")).header("host", &host).send().await.expect("request");
        assert_eq!(response.status(), 401, "{host}: reaches the API");
    }

    let app = spawn_app_with(|config| config.allowed_hosts = vec!["settings.internal".to_owned()]).await;
    let response =
        app.client.get(app.url("/api/session")).header("host", "Settings.Internal:8080").send().await.expect("request");
    assert_eq!(response.status(), 401, "a name given by --allowed-host reaches the API");
}
