use crate::helpers::{endpoint_body, matches_example, spawn_app, test_ca_pem};
use serde_json::{Value, json};
use smtp_endpoint::{EndpointInput, Locale, MAX_CUSTOM_CA_LEN, Problem, validate};

const URI: &str = "smtp://mail.example.com:587";

#[tokio::test]
async fn the_endpoint_exists_unconfigured_at_first() {
    let app = spawn_app().await;
    app.login().await;
    let response = app.get_endpoint().await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"1\"");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["configured"], false);
    assert_eq!(body["password_set"], false);
    assert_eq!(body["version"], 1);
    assert_eq!(body["uri"], "");
}

#[tokio::test]
async fn save_needs_the_current_version() {
    let app = spawn_app().await;
    app.login().await;
    let body = endpoint_body(URI, Some("user"), Some("secret one"));

    let response = app.put_endpoint(None, &body).await;
    assert_eq!(response.status(), 428);
    assert_eq!(response.json::<Value>().await.expect("json")["error"]["code"], "endpoint.if_match_required");
    for malformed in ["*", "1", "W/1", "\"abc\""] {
        assert_eq!(app.put_endpoint(Some(malformed), &body).await.status(), 428, "{malformed}: not a conflict");
    }
    let response = app.put_endpoint(Some("\"7\""), &body).await;
    assert_eq!(response.status(), 412);
    assert_eq!(app.put_endpoint(Some("W/\"7\""), &body).await.status(), 412, "weak or strong, another version");
    let conflict: Value = response.json().await.expect("json");
    assert_eq!(conflict["error"]["code"], "endpoint.version_conflict");
    matches_example("conflict", &conflict);

    let response = app.put_endpoint(Some("\"1\""), &body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let saved: Value = response.json().await.expect("json");
    assert_eq!(saved["configured"], true);
    assert_eq!(saved["version"], 2);
    assert_eq!(saved["password_set"], true);
    assert_eq!(saved["updated_by"], "admin");
    assert!(saved.get("password").is_none());

    let read: Value = app.get_endpoint().await.json().await.expect("json");
    assert_eq!(read, saved);
    matches_example("endpoint", &read);
    assert_eq!(read["uri"], URI);
    assert_eq!(read["username"], "user");
    assert_eq!(read["default_from_address"], "App <app@example.com>");

    // The version the first save consumed is stale now.
    assert_eq!(app.put_endpoint(Some("\"1\""), &body).await.status(), 412);
    // The ETag as a compressing proxy (nginx's gzip, a CDN) passes it on, weakened: still that version.
    assert_eq!(app.put_endpoint(Some("W/\"2\""), &body).await.status(), 200);
}

#[tokio::test]
async fn two_saves_with_the_same_version_exactly_one_wins() {
    let app = spawn_app().await;
    app.login().await;
    for round in 0..5 {
        let etag = app.etag().await;
        let a = endpoint_body(&format!("smtp://a{round}.example.com:587"), None, None);
        let b = endpoint_body(&format!("smtp://b{round}.example.com:587"), None, None);
        let (first, second) = tokio::join!(app.put_endpoint(Some(&etag), &a), app.put_endpoint(Some(&etag), &b));
        let mut statuses = [first.status().as_u16(), second.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "round {round}");
    }
    let history: Vec<Value> = app.history().await.json().await.expect("json");
    assert_eq!(history.len(), 5);
}

#[tokio::test]
async fn invalid_endpoints_get_the_core_report_unchanged() {
    let app = spawn_app().await;
    app.login().await;
    let body = json!({ "uri": "mail.example.com:465", "username": "user", "default_from_address": "nope" });
    let response = app.save(&body).await;
    assert_eq!(response.status(), 422);
    let report: Value = response.json().await.expect("json");
    let expected = validate(&EndpointInput {
        uri: Some("mail.example.com:465".into()),
        username: Some("user".into()),
        default_from_address: Some("nope".into()),
        ..EndpointInput::default()
    });
    assert_eq!(report, serde_json::to_value(&expected).expect("json"));
    assert_eq!(report["valid"], false);
    let codes: Vec<&Value> = report["errors"].as_array().expect("errors").iter().map(|e| &e["code"]).collect();
    assert_eq!(codes, ["uri.missing_scheme", "password.required", "from.invalid"], "{report:#}");
    matches_example("refused", &report);

    // The same through /validate (200: a verdict, not a failure).
    let response = app.validate(&body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.expect("json"), serde_json::to_value(&expected).expect("json"));

    // Nothing was stored.
    let read: Value = app.get_endpoint().await.json().await.expect("json");
    assert_eq!(read["version"], 1);
}

#[tokio::test]
async fn messages_follow_accept_language_and_the_body_locale() {
    let app = spawn_app().await;
    app.login().await;
    let body = json!({ "uri": "mail.example.com", "default_from_address": "app@example.com" });
    let german = validate(&EndpointInput {
        uri: Some("mail.example.com".into()),
        default_from_address: Some("app@example.com".into()),
        locale: Locale::De,
        ..EndpointInput::default()
    });
    let response = app
        .client
        .post(app.url("/api/endpoints/smtp/validate"))
        .header("accept-language", "de-DE,de;q=0.9,en;q=0.5")
        .json(&body)
        .send()
        .await
        .expect("request");
    let report: Value = response.json().await.expect("json");
    assert_eq!(report, serde_json::to_value(&german).expect("json"));
    let message = report["errors"][0]["message"].as_str().expect("a message");
    assert!(message.starts_with("Die URI braucht ein Schema"), "{message}");

    let mut with_locale = body.clone();
    with_locale["locale"] = json!("de");
    let report: Value = app.validate(&with_locale).await.json().await.expect("json");
    assert_eq!(report, serde_json::to_value(&german).expect("json"));
}

/// Another program holding the database's lock (a backup tool, an sqlite3 shell left in a transaction) is said as
/// such, with a time to retry, after the store's 5 s busy timeout; the save is not half done.
#[tokio::test]
async fn a_database_held_by_another_program_is_said_and_loses_nothing() {
    let app = spawn_app().await;
    app.login().await;
    let database = app.data_dir.path().join("smtp-endpoint.sqlite3");
    let other = rusqlite::Connection::open(&database).expect("another connection");
    other.execute_batch("BEGIN EXCLUSIVE").expect("hold the lock");
    let etag = app.etag().await;
    let response = app.put_endpoint(Some(&etag), &endpoint_body(URI, Some("user"), Some("secret"))).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5", "the busy timeout the lock was held through");
    let error: Value = response.json().await.expect("json");
    assert_eq!(error["error"]["code"], "store.busy");
    let message = error["error"]["message"].as_str().expect("message");
    assert!(message.contains("another program holds its lock") && message.contains("nothing was changed"), "{message}");
    other.execute_batch("ROLLBACK").expect("release the lock");

    assert_eq!(app.etag().await, etag, "nothing was saved");
    let response = app.put_endpoint(Some(&etag), &endpoint_body(URI, Some("user"), Some("secret"))).await;
    assert_eq!(response.status(), 200, "saved once the lock is gone");
}

async fn reentry_code(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn a_stored_password_never_follows_the_endpoint_elsewhere() {
    let app = spawn_app().await;
    app.login().await;
    assert_eq!(app.save(&endpoint_body(URI, Some("user"), Some("stored secret"))).await.status(), 200);

    let message = Problem::PasswordReentryRequired.message(Locale::En);
    for (uri, username) in [
        ("smtp://other.example.com:587", "user"),
        ("smtp://mail.example.com:2525", "user"),
        ("smtps://mail.example.com:587", "user"),
        ("smtp://mail.example.com:587?tls=required", "user"),
        (URI, "someone-else"),
    ] {
        let body = endpoint_body(uri, Some(username), None);
        let (status, report) = reentry_code(app.save(&body).await).await;
        assert_eq!(status, 422, "{uri} {username}");
        let issue = report["errors"]
            .as_array()
            .and_then(|errors| errors.iter().find(|e| e["code"] == "password.reentry_required"))
            .unwrap_or_else(|| panic!("no re-entry error for {uri} {username}: {report}"));
        assert_eq!(issue["field"], "password");
        assert_eq!(issue["message"], message.as_str());
        // The page's pre-check says the same.
        let verdict: Value = app.validate(&body).await.json().await.expect("json");
        assert_eq!(verdict, report);
    }

    // Unchanged connection (other spelling, new from address): the stored password is kept.
    let body = json!({ "uri": "SMTP://Mail.Example.COM:587", "username": "user", "default_from_address": "other@example.com" });
    assert_eq!(app.save(&body).await.status(), 200);
    // With the password typed again, the move is fine.
    let response = app.save(&endpoint_body("smtp://other.example.com:587", Some("user"), Some("stored secret"))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.expect("json")["uri"], "smtp://other.example.com:587");
}

#[tokio::test]
async fn password_keep_remove_replace() {
    let app = spawn_app().await;
    app.login().await;
    let saved = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.expect("json")
    };
    // The password the SMTP work would use: what is stored, decrypted.
    let stored_password = || async {
        let settings = smtp_endpoint_server::endpoint::stored_settings(&app.state).await.expect("stored settings");
        settings.and_then(|s| s.password).map(|p| secrecy::ExposeSecret::expose_secret(&p).to_owned())
    };
    let set = saved(app.save(&endpoint_body(URI, Some("user"), Some("first secret"))).await).await;
    assert_eq!(set["password_set"], true);
    assert_eq!(stored_password().await.as_deref(), Some("first secret"));
    let kept =
        saved(app.save(&json!({ "uri": URI, "username": "user", "default_from_address": "x@example.com" })).await)
            .await;
    assert_eq!(kept["password_set"], true);
    assert_eq!(stored_password().await.as_deref(), Some("first secret"), "kept");
    let replaced = saved(app.save(&endpoint_body(URI, Some("user"), Some("second secret"))).await).await;
    assert_eq!(replaced["password_set"], true);
    assert_eq!(stored_password().await.as_deref(), Some("second secret"), "replaced");
    // The stored password sent again is saved again, as any other would be: the answer must not tell whether a
    // guess was the stored password.
    let again = saved(app.save(&endpoint_body(URI, Some("user"), Some("second secret"))).await).await;
    assert_eq!(again["version"].as_i64(), replaced["version"].as_i64().map(|v| v + 1), "{again}");
    // Removing the password while a username is set is refused by the core rules (a login needs both) …
    let response = app.save(&endpoint_body(URI, Some("user"), Some(""))).await;
    assert_eq!(response.status(), 422);
    let report: Value = response.json().await.expect("json");
    assert!(report["errors"].as_array().expect("errors").iter().any(|e| e["code"] == "password.required"));
    // … and fine without one.
    let removed = saved(app.save(&endpoint_body(URI, None, Some(""))).await).await;
    assert_eq!(removed["password_set"], false);
    assert_eq!(removed["username"], Value::Null);
    assert_eq!(stored_password().await, None, "removed");

    // The history says what happened to the password, never what it is.
    let history: Vec<Value> = app.history().await.json().await.expect("json");
    let password_changes: Vec<&str> = history
        .iter()
        .rev()
        .map(|entry| {
            entry["changes"]
                .as_array()
                .expect("changes")
                .iter()
                .find(|c| c["field"] == "password")
                .map_or("-", |c| c["change"].as_str().expect("kind"))
        })
        .collect();
    assert_eq!(password_changes, ["set", "-", "changed", "changed", "removed"]);
    for entry in &history {
        for change in entry["changes"].as_array().expect("changes") {
            if change["field"] == "password" {
                assert!(change.get("old").is_none() && change.get("new").is_none(), "{change}");
            }
        }
    }
}

#[tokio::test]
async fn history_records_who_changed_what() {
    let app = spawn_app().await;
    app.login().await;
    assert_eq!(app.save(&endpoint_body(URI, None, None)).await.status(), 200);
    assert_eq!(app.save(&endpoint_body("smtps://mail.example.com", None, None)).await.status(), 200);
    let history: Vec<Value> = app.history().await.json().await.expect("json");
    assert_eq!(history.len(), 2);
    matches_example("history", &Value::from(history.clone()));
    let newest = &history[0];
    assert_eq!(newest["version"], 3);
    assert_eq!(newest["changed_by"], "admin");
    assert_eq!(
        newest["changes"],
        json!([{ "field": "uri", "change": "changed", "old": URI, "new": "smtps://mail.example.com" }])
    );
    let first = &history[1];
    assert_eq!(first["version"], 2);
    let fields: Vec<&str> =
        first["changes"].as_array().expect("changes").iter().map(|c| c["field"].as_str().expect("field")).collect();
    assert_eq!(fields, ["uri", "default_from_address"]);
}

/// The history comes a page at a time: `Link` leads from each page to the next until the first change; what
/// it cannot use is said, naming the parameter.
#[tokio::test]
async fn history_pages_follow_their_links_to_the_first_change() {
    let app = spawn_app().await;
    app.login().await;
    for round in 0..5 {
        let uri = format!("smtp://mail{round}.example.com:587");
        assert_eq!(app.save(&endpoint_body(&uri, None, None)).await.status(), 200);
    }
    let (mut versions, mut pages) = (Vec::new(), Vec::new());
    let mut next = Some("/api/endpoints/smtp/history?limit=2".to_owned());
    while let Some(path) = next.take() {
        let response = app.get(&path).await;
        assert_eq!(response.status(), 200, "{path}");
        next = response.headers().get("link").map(|link| {
            let link = link.to_str().expect("ascii");
            let target = link.strip_prefix('<').and_then(|l| l.strip_suffix(">; rel=\"next\"")).expect(link);
            target.to_owned()
        });
        let page: Vec<Value> = response.json().await.expect("json");
        versions.extend(page.iter().map(|entry| entry["version"].as_i64().expect("version")));
        pages.push(page.len());
        assert!(pages.len() <= 3, "more pages than changes: {pages:?}");
    }
    assert_eq!(versions, [6, 5, 4, 3, 2]);
    assert_eq!(pages, [2, 2, 1]);

    // Exactly a page's worth left: no link to an empty page.
    let last: Vec<Value> = app.get("/api/endpoints/smtp/history?before=4&limit=2").await.json().await.expect("json");
    assert_eq!(last.len(), 2);
    assert!(app.get("/api/endpoints/smtp/history?before=4&limit=2").await.headers().get("link").is_none());
    // Without a limit, up to 100 at once.
    let all: Vec<Value> = app.history().await.json().await.expect("json");
    assert_eq!(all.len(), 5);

    for (query, field) in [("limit=0", "limit"), ("limit=101", "limit"), ("before=abc", "before"), ("page=2", "page")] {
        let response = app.get(&format!("/api/endpoints/smtp/history?{query}")).await;
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], "request.invalid_query", "{query}");
        assert_eq!(body["error"]["field"], field, "{query}");
    }
}

/// A value pasted with invisible characters around it (a byte order mark, a zero-width space) is stored as the
/// core judged it: trimmed, so a second save of the same visible value changes nothing.
#[tokio::test]
async fn values_are_stored_trimmed_as_they_were_judged() {
    let app = spawn_app().await;
    app.login().await;
    assert_eq!(app.save(&endpoint_body(URI, None, None)).await.status(), 200);
    let mut body = endpoint_body(URI, None, None);
    body["default_from_address"] = json!("\u{feff}App <app@example.com>\u{200b}");
    body["custom_ca_pem"] = json!("\u{200b}");
    let response = app.save(&body).await;
    assert_eq!(response.status(), 200, "an invisible custom CA is none, as the page judges it");
    let saved: Value = response.json().await.expect("json");
    assert_eq!(saved["default_from_address"], "App <app@example.com>");
    assert_eq!(saved["version"], 2, "nothing changed");
}

#[tokio::test]
async fn custom_ca_is_stored_returned_and_judged() {
    let app = spawn_app().await;
    app.login().await;
    let pem = test_ca_pem();
    let mut body = endpoint_body(URI, None, None);
    body["custom_ca_pem"] = json!(pem);
    let response = app.save(&body).await;
    assert_eq!(response.status(), 200);
    let saved: Value = response.json().await.expect("json");
    assert_eq!(saved["custom_ca_pem"].as_str().map(str::trim), Some(pem.trim()));
    let read: Value = app.get_endpoint().await.json().await.expect("json");
    assert_eq!(read["custom_ca_pem"], saved["custom_ca_pem"]);
    let history: Vec<Value> = app.history().await.json().await.expect("json");
    assert!(history[0]["changes"].as_array().expect("changes").iter().any(|c| c["field"] == "custom_ca_pem"));

    // Refused in the report, on its own field: by the core's rules for the text (which the page applies as the
    // administrator types), or by the server's X.509 check of base64 that is no certificate.
    let key = format!("{pem}\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    let not_x509 = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
    // Just over its own limit, yet well inside the body limit: the CA's refusal, not a 413.
    let too_long = pem.repeat(MAX_CUSTOM_CA_LEN / pem.len() + 2);
    let cases = [
        ("not a certificate", "no certificate"),
        (key.as_str(), "private key"),
        (not_x509, "X.509"),
        (too_long.as_str(), "64 KiB"),
    ];
    for (text, says) in cases {
        body["custom_ca_pem"] = json!(text);
        let response = app.save(&body).await;
        assert_eq!(response.status(), 422);
        let report: Value = response.json().await.expect("json");
        assert_eq!(report["valid"], false, "{report}");
        let errors = report["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 1, "{report}");
        assert_eq!((&errors[0]["field"], &errors[0]["code"]), (&json!("custom_ca_pem"), &json!("custom_ca.invalid")));
        assert!(errors[0]["message"].as_str().is_some_and(|m| m.contains(says)), "{report}");
        let verdict: Value = app.validate(&body).await.json().await.expect("json");
        assert_eq!(verdict, report, "/validate judges as a save does");
    }
    let read: Value = app.get_endpoint().await.json().await.expect("json");
    assert_eq!(read["version"], saved["version"], "nothing refused was stored");

    // Leaving it out removes it (PUT replaces the endpoint; only the password is kept when absent).
    let response = app.save(&endpoint_body(URI, None, None)).await;
    assert_eq!(response.json::<Value>().await.expect("json")["custom_ca_pem"], Value::Null);
}

/// The OpenAPI document describes every field a save accepts — the write-only password too (a client generated
/// from it could otherwise not set one), and nothing else.
#[tokio::test]
async fn the_openapi_document_names_every_field_of_a_draft() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    let draft = &doc["components"]["schemas"]["EndpointDraft"];
    let mut fields: Vec<&str> =
        draft["properties"].as_object().expect("properties").keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["custom_ca_pem", "default_from_address", "locale", "password", "uri", "username"], "{draft}");
    assert_eq!(draft["properties"]["password"]["writeOnly"], true, "{draft}");
    for (name, schema) in [("ProbeRequest", "draft"), ("TestEmailRequest", "draft")] {
        let property = &doc["components"]["schemas"][name]["properties"][schema];
        assert!(property.to_string().contains("EndpointDraft"), "{name}.{schema}: {property}");
    }
}

/// Every operation lists the answers the guards and the JSON reader give too, and a 429 says how long to wait.
#[tokio::test]
async fn the_openapi_document_lists_the_answers_every_route_can_give() {
    let app = spawn_app().await;
    let doc = app.openapi().await;
    let save = &doc["paths"]["/api/endpoints/smtp"]["put"]["responses"];
    for status in ["400", "401", "403", "405", "408", "412", "413", "415", "422", "428", "500"] {
        assert!(save.get(status).is_some(), "PUT /api/endpoints/smtp has no {status}: {save}");
    }
    let read = &doc["paths"]["/api/endpoints/smtp"]["get"]["responses"];
    assert!(read.get("403").is_some() && read.get("415").is_none(), "a route without a body: {read}");
    let login = &doc["paths"]["/api/session"]["post"]["responses"]["429"];
    assert_eq!(login["headers"]["Retry-After"]["schema"]["type"], "integer", "{login}");
    let probe = &doc["paths"]["/api/endpoints/smtp/probe"]["post"]["responses"]["429"];
    assert!(probe["headers"].get("Retry-After").is_some(), "{probe}");
    // A probe's or a test email's 422 is the draft's report or an error of its own: both shapes named.
    let refused = &doc["paths"]["/api/endpoints/smtp/test-email"]["post"]["responses"]["422"];
    let schema = refused["content"]["application/json"]["schema"]["$ref"].as_str().unwrap_or_default();
    let one_of = &doc["components"]["schemas"][schema.rsplit('/').next().unwrap_or_default()]["oneOf"];
    let shapes: Vec<&str> = one_of.as_array().into_iter().flatten().filter_map(|s| s["$ref"].as_str()).collect();
    assert_eq!(shapes, ["#/components/schemas/Report", "#/components/schemas/ErrorBody"], "{refused}");
}
