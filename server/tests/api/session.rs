use crate::helpers::{ADMIN, ADMIN_PASSWORD, cookie_client, matches_example, spawn_app, spawn_app_with};
use serde_json::{Value, json};

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_logout_ends_the_session() {
    let app = spawn_app().await;
    assert_eq!(app.get_session().await.status(), 401);

    let response = app.login_as(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"].to_str().expect("cookie").to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http must not mark the cookie Secure: {cookie}");
    assert!(cookie.contains("Max-Age="), "{cookie}");

    let session: Value = app.get_session().await.json().await.expect("json");
    assert_eq!(session["username"], ADMIN);
    assert!(session["expires_at"].as_str().is_some_and(|at| at.ends_with('Z')));
    matches_example("session", &session);

    // Cookies of the same name planted for longer paths come first (browsers send the longest path first), and
    // do not hide the session, however many.
    let token = cookie.split(';').next().expect("pair").to_owned();
    let planted = (0..12).map(|n| format!("smtp_endpoint_session=planted{n}; ")).collect::<String>();
    let planted = reqwest::Client::new()
        .get(app.url("/api/session"))
        .header("cookie", format!("{planted}other=1; {token}"))
        .send()
        .await
        .expect("request");
    assert_eq!(planted.status(), 200, "the browser's own session counts");

    // Replaying the cookie after logout must not work: the session ended on the server.
    let logout = app.logout().await;
    assert_eq!(logout.status(), 204);
    assert!(logout.headers()["set-cookie"].to_str().expect("cookie").contains("Max-Age=0"), "the cookie is cleared");
    assert_eq!(app.get_session().await.status(), 401);
    // Signing out again, with the ended session's cookie or none, is signed out all the same.
    for cookie in [token.as_str(), ""] {
        let again = reqwest::Client::new()
            .delete(app.url("/api/session"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("request");
        assert_eq!(again.status(), 204, "{cookie:?}");
        assert!(again.headers()["set-cookie"].to_str().expect("cookie").contains("Max-Age=0"));
    }
    let replay = reqwest::Client::new()
        .get(app.url("/api/endpoints/smtp"))
        .header("cookie", token)
        .send()
        .await
        .expect("request");
    assert_eq!(replay.status(), 401);
}

#[tokio::test]
async fn cookie_is_secure_behind_tls() {
    let app = spawn_app_with(|config| config.public_origin = Some("https://settings.example.com".into())).await;
    let response = app.login_as(ADMIN, ADMIN_PASSWORD).await;
    let cookie = response.headers()["set-cookie"].to_str().expect("cookie").to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");

    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/session"))
        .header("x-forwarded-proto", "https")
        .json(&json!({ "username": ADMIN, "password": ADMIN_PASSWORD }))
        .send()
        .await
        .expect("request");
    assert!(response.headers()["set-cookie"].to_str().expect("cookie").contains("; Secure"));
}

#[tokio::test]
async fn wrong_credentials_are_refused_alike() {
    let app = spawn_app().await;
    for (username, password) in [(ADMIN, "wrong password"), ("nobody", ADMIN_PASSWORD)] {
        let response = app.login_as(username, password).await;
        assert_eq!(response.status(), 401);
        assert!(response.headers().get("set-cookie").is_none());
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], "session.invalid_credentials");
    }
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled() {
    let app = spawn_app().await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(app.login_as(ADMIN, "wrong password").await.status().as_u16());
    }
    assert_eq!(&statuses[..5], &[401; 5]);
    assert!(statuses[5..].contains(&429), "{statuses:?}");
    // While locked, even the right password is not tried.
    let response = app.login_as(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().get("retry-after").is_some());
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "session.throttled");
}

/// Wrong passwords sent all at once get no more guesses than sent one after another: each attempt is checked
/// against the throttle again when its turn to be hashed comes, counting the one hashed beside it as failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_sent_at_once_are_throttled_too() {
    let app = spawn_app().await;
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (client, url) = (app.client.clone(), app.url("/api/session"));
        let wrong = json!({ "username": ADMIN, "password": "wrong password" });
        attempts.spawn(async move { client.post(url).json(&wrong).send().await.expect("request").status().as_u16() });
    }
    let statuses = attempts.join_all().await;
    let guessed = statuses.iter().filter(|&&status| status == 401).count();
    assert_eq!(guessed, 5 + 1, "guesses hashed: {statuses:?}");
    assert!(statuses.iter().all(|&status| status == 401 || status == 429), "{statuses:?}");
}

/// Every route in the OpenAPI document answers 401 without a session, except the few public ones — so a new
/// route cannot be forgotten.
#[tokio::test]
async fn every_route_needs_a_session() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    // Signing out is public too: without a session it is a no-op (204), which changes nothing.
    let public =
        [("post", "/api/session"), ("delete", "/api/session"), ("get", "/api/openapi.json"), ("get", "/healthz")];
    let anonymous = cookie_client();
    let mut checked = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_none() {
                continue;
            }
            let url = app.url(&path.replace(['{', '}'], ""));
            let request = anonymous.request(method.to_uppercase().parse().expect("method"), &url);
            let request = if matches!(method, "post" | "put" | "patch") { request.json(&json!({})) } else { request };
            let status = request.send().await.expect("request").status().as_u16();
            if public.contains(&(method, path.as_str())) {
                assert_ne!(status, 401, "{method} {path} must be public");
            } else {
                assert_eq!(status, 401, "{method} {path} without a session");
                checked.push(format!("{method} {path}"));
            }
        }
    }
    for route in [
        "get /api/session",
        "get /api/endpoints/smtp",
        "put /api/endpoints/smtp",
        "post /api/endpoints/smtp/validate",
        "get /api/endpoints/smtp/history",
    ] {
        assert!(checked.iter().any(|c| c == route), "{route} is missing from the OpenAPI document");
    }
}
