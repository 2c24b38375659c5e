//! The settings page end to end: headless Chromium against the real server binary and a real SMTP server.

use fantoccini::Locator;
use serde_json::json;
use smtp_endpoint::{DiagnosisCode, Locale};
use smtp_endpoint_e2e::{ADMIN, ADMIN_PASSWORD, PATIENCE, Page, Result, SMTP_PASSWORD, SMTP_USER, Stack, eventually};
use std::time::Duration;
use tokio::io::AsyncReadExt;

const FROM: &str = "Notifications <notify@example.com>";

/// One admin session through everything the issue asks of the page, in the order an admin would do it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_configures_verifies_and_tests_the_endpoint() -> Result<()> {
    let stack = Stack::start().await?;
    let page = Page::new(&stack.browser);
    page.browser.goto(&stack.url("/")).await?;

    // Log in.
    page.wait_text("#login").await?;
    page.login(ADMIN, ADMIN_PASSWORD).await?;
    page.wait_contains(".who", ADMIN).await?;
    // The history is asked for beside the stored endpoint, not after its answer (the browser's Resource Timing).
    let (history_asked, endpoint_answered) = eventually("both requests in the Resource Timing", || async {
        let times = page
            .browser
            .execute(
                "const [endpoint] = performance.getEntriesByName(new URL('/api/endpoints/smtp', location).href);
                 const [history] = performance.getEntriesByName(new URL('/api/endpoints/smtp/history?limit=20', location).href);
                 return endpoint && history ? [history.startTime, endpoint.responseEnd] : null;",
                vec![],
            )
            .await?;
        Ok(times.as_array().and_then(|t| Some((t.first()?.as_f64()?, t.get(1)?.as_f64()?))))
    })
    .await?;
    assert!(
        history_asked < endpoint_answered,
        "history asked at {history_asked} ms, endpoint answered {endpoint_answered} ms"
    );

    // A new install: the empty URI is a step still to take, said as a hint, not marked wrong before any typing.
    page.wait_text("#uri-messages li.hint[data-code='uri.required']").await?;
    assert_eq!(page.attr("#uri", "aria-invalid").await?.as_deref(), Some("false"));
    // Save says which fields it waits for: they may be far above it, and a disabled button takes no keyboard.
    assert_eq!(page.text_content("#save-status").await?, "To save, fill in or correct: URI, Default From Address.");

    // A URI without a scheme: the message appears at once, judged in the browser without asking the server.
    let requests_before = page.api_requests().await?;
    page.type_into("#uri", "mail.example.com").await?;
    let message = page.wait_text("#uri-messages li[data-code='uri.missing_scheme']").await?;
    assert!(message.contains("smtp://"), "{message}");
    assert_eq!(page.attr("#uri", "aria-invalid").await?.as_deref(), Some("true"));
    let described_by = page.attr("#uri", "aria-describedby").await?.unwrap_or_default();
    assert!(described_by.contains("uri-messages"), "{described_by}");
    // Shown at once; read out by a polite live region beside the list once typing pauses.
    assert_eq!(page.attr("#uri-messages", "aria-live").await?, None);
    assert_eq!(page.attr("#said", "aria-live").await?.as_deref(), Some("polite"));
    eventually("the message to be read out", || async {
        // The words the field's description says (the message and its button's), spaced as the page lays them out.
        let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok((words(&page.text_content("#said").await?) == words(&message)).then_some(()))
    })
    .await?;
    assert_eq!(page.api_requests().await?, requests_before, "validation must not call the server");
    assert_eq!(
        page.attr("#save", "disabled").await?.as_deref(),
        Some("true"),
        "Save is disabled while there are errors"
    );

    // Apply the suggestion with one click.
    page.click("#uri-messages .apply-suggestion").await?;
    eventually("the suggestion to be applied", || async {
        Ok((page.value("#uri").await? == "smtp://mail.example.com").then_some(()))
    })
    .await?;
    page.wait_gone("#uri-messages li[data-code='uri.missing_scheme']").await?;
    page.wait_contains("#effective-summary", "mail.example.com, port 25").await?;

    // smtp:// on port 465: the TLS warning, with smtps:// offered.
    page.type_into("#uri", "smtp://mail.example.com:465").await?;
    let warning = page.wait_text("#uri-messages li.warning[data-code='uri.port_expects_implicit_tls']").await?;
    assert!(warning.contains("smtps://mail.example.com"), "{warning}");

    // An IDN host: the browser converts it to punycode for the core, as `url` does on the server.
    page.type_into("#uri", "smtps://bücher.example").await?;
    page.wait_contains("#effective-summary", "xn--bcher-kva.example, port 465").await?;
    // Punycode that no Unicode label encodes: the browser lets it through, the core decodes it and refuses it,
    // as the server does.
    page.type_into("#uri", "smtps://xn--a.example").await?;
    page.wait_text("#uri-messages li.error[data-code='uri.invalid_host']").await?;
    page.type_into("#uri", "smtps://xn--bcher-kva.example").await?;
    page.wait_contains("#effective-summary", "xn--bcher-kva.example, port 465").await?;

    // A custom CA pasted with its private key: refused on its own field as it is typed, by the core crate in the
    // browser, so the key never reaches the server.
    let requests_before = page.api_requests().await?;
    page.click("details.custom-ca summary").await?;
    page.type_into("#custom_ca_pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----").await?;
    let refused = page.wait_text("#custom_ca_pem-messages li.error[data-code='custom_ca.invalid']").await?;
    assert!(refused.contains("private key"), "{refused}");
    assert_eq!(page.attr("#custom_ca_pem", "aria-invalid").await?.as_deref(), Some("true"));
    assert_eq!(page.api_requests().await?, requests_before, "the custom CA is judged in the browser");
    page.type_into("#custom_ca_pem", "").await?;
    page.wait_gone("#custom_ca_pem-messages li").await?;
    assert_eq!(page.attr("#custom_ca_pem", "aria-invalid").await?.as_deref(), Some("false"));

    // A valid endpoint on the real SMTP server; save.
    let uri = format!("smtp://127.0.0.1:{}", stack.sink.port);
    page.type_into("#uri", &uri).await?;
    page.type_into("#username", SMTP_USER).await?;
    page.type_into("#password", SMTP_PASSWORD).await?;
    page.type_into("#default_from_address", FROM).await?;
    page.wait_contains("#effective-summary", &format!("logs in as {SMTP_USER}")).await?;
    // Leaving now would lose what was typed: the browser is asked to confirm first; once saved, it is not.
    assert!(page.leaving_is_questioned().await?, "unsaved values");
    page.click("#save").await?;
    let saved = page.wait_contains("#save-status", "Saved").await?;
    assert!(saved.contains("version") && saved.contains(ADMIN), "{saved}");
    assert!(!page.leaving_is_questioned().await?, "everything is saved");

    // Everything typed so far was judged in the browser: in all that time the page asked the server to judge
    // nothing (a late or debounced request would show here), and saved once.
    let paths = page.api_paths().await?;
    assert!(!paths.iter().any(|path| path.ends_with("/validate")), "{paths:?}");
    assert_eq!(paths.iter().filter(|path| *path == "/api/endpoints/smtp").count(), 2, "a load and a save: {paths:?}");

    // A save answered after more typing: the server's refusal (a CA block only it can read) is of values the form
    // no longer holds, so it goes under no field; the status says so, as a failure. (A new CA: the password again.)
    page.type_into("#custom_ca_pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").await?;
    page.type_into("#password", SMTP_PASSWORD).await?;
    page.hold_fetch(&["/api/endpoints/smtp"]).await?;
    page.click("#save").await?;
    page.type_into("#default_from_address", "Typed meanwhile <typed@example.com>").await?;
    page.release_held().await?;
    page.wait_contains("#save-status", "The server refused the values sent, which have been changed since.").await?;
    assert!(page.attr("#save-status", "class").await?.unwrap_or_default().contains("error"));
    let under = page.browser.find_all(Locator::Css("#custom_ca_pem-messages li")).await?;
    assert!(under.is_empty(), "nothing under the fields");
    // Saved again as it stands: the same refusal, now under the CA field.
    page.click("#save").await?;
    page.wait_text("#custom_ca_pem-messages li.error[data-code='custom_ca.invalid']").await?;
    page.type_into("#custom_ca_pem", "").await?;
    page.type_into("#password", "").await?;
    page.type_into("#default_from_address", FROM).await?;
    page.click("#save").await?;
    page.wait_contains("#save-status", "Nothing to save").await?;

    // Reload: the values persist; the password shows as stored and is nowhere in the DOM.
    page.browser.refresh().await?;
    page.wait_text("#settings").await?;
    eventually("the stored values", || async { Ok((page.value("#uri").await? == uri).then_some(())) }).await?;
    assert_eq!(page.value("#username").await?, SMTP_USER);
    assert_eq!(page.value("#default_from_address").await?, FROM);
    assert_eq!(page.value("#password").await?, "");
    page.wait_contains("#password-state", "A password is stored: leave the field empty to keep it").await?;
    assert_eq!(page.attr("#password", "placeholder").await?.as_deref(), Some("stored — leave empty to keep"));
    assert!(!page.browser.source().await?.contains(SMTP_PASSWORD), "the stored password must never reach the DOM");
    assert!(!page.held_values().await?.contains(SMTP_PASSWORD), "nor a field's value or the browser's storage");
    page.wait_text("#history tbody tr").await?;

    // Someone else saves in between: the page's save gets 412 and offers to load their version.
    other_admin_saves(&page, "Other Admin <other@example.com>").await?;
    page.type_into("#default_from_address", "Mine <mine@example.com>").await?;
    page.wait_contains("#save-status", "Not saved yet.").await?;
    page.browser.find(Locator::Css("#save")).await?.send_keys("\u{E007}").await?; // Enter, by keyboard
    page.wait_contains("#save-status", "in the meantime").await?;
    // Save is off until an offer is taken (it would only meet the same conflict): the keyboard is on the first.
    page.wait_focus("reload").await?;
    page.expect_accessible("the conflict's offers").await?;
    // The history shows what the other save changed; typing on does not hide the conflict.
    page.wait_contains("#history tbody tr:first-child", "other@example.com").await?;
    assert_eq!(page.attr("#save", "disabled").await?.as_deref(), Some("true"));
    page.type_into("#default_from_address", "Mine, again <mine@example.com>").await?;
    page.type_into("#default_from_address", "Mine <mine@example.com>").await?;
    page.wait_text("#overwrite").await?;
    page.wait_contains("#save-status", "in the meantime").await?;
    // A reload that fails says why, keeps what was typed and can be tried again.
    // Loading theirs discards what was typed: asked first, and declined, nothing happens (nothing is asked for).
    let asked = page.api_paths().await?;
    page.click("#reload").await?;
    let question = page.browser.get_alert_text().await?;
    assert!(question.contains("discard the changes you have not saved"), "{question}");
    page.browser.dismiss_alert().await?;
    assert_eq!(page.api_paths().await?, asked, "declined: no request");
    page.wait_text("#reload").await?;
    assert_eq!(page.value("#default_from_address").await?, "Mine <mine@example.com>");
    page.refuse_fetch(&["/api/endpoints/smtp"]).await?;
    page.click("#reload").await?;
    page.browser.accept_alert().await?;
    page.wait_contains("#save-status", "could not be reached").await?;
    assert_eq!(page.value("#default_from_address").await?, "Mine <mine@example.com>");
    page.refuse_fetch(&[]).await?;
    page.click("#reload").await?;
    page.browser.accept_alert().await?;
    page.wait_gone("#reload").await?;
    eventually("their version in the form", || async {
        Ok((page.value("#default_from_address").await? == "Other Admin <other@example.com>").then_some(()))
    })
    .await?;
    // Or keeps what was typed and saves it over theirs.
    other_admin_saves(&page, "Third Admin <third@example.com>").await?;
    page.type_into("#default_from_address", FROM).await?;
    save_over_theirs(&page).await?;
    assert_eq!(page.value("#default_from_address").await?, FROM);
    page.wait_focus("save").await?; // the offer that had the keyboard is gone; Save has it
    // The history follows: the first save, the other admin's, the third's, and this one.
    eventually("four rows in the history", || async {
        let rows = page.browser.find_all(Locator::Css("#history tbody tr")).await?;
        Ok((rows.len() == 4).then_some(()))
    })
    .await?;
    // Each row says which field changed from what to what; of the password only that it was set.
    let first = page.wait_text("#history tbody tr:last-child").await?;
    assert!(first.contains(&format!("URI: {uri}")) && first.contains("Password: set"), "{first}");
    let mine = page.wait_text("#history tbody tr:first-child").await?;
    assert!(mine.contains(&format!("Default From Address: Third Admin <third@example.com> → {FROM}")), "{mine}");
    // Saving mine over theirs takes only what was typed here: a password rotated here keeps the from address
    // they saved meanwhile, which the form still had as before.
    other_admin_saves(&page, "Fourth Admin <fourth@example.com>").await?;
    page.type_into("#password", SMTP_PASSWORD).await?;
    save_over_theirs(&page).await?;
    assert_eq!(page.value("#default_from_address").await?, "Fourth Admin <fourth@example.com>");
    let rotated = eventually("the rotation in the history", || async {
        let row = page.wait_text("#history tbody tr:first-child").await?;
        Ok(row.contains("Password: changed").then_some(row))
    })
    .await?;
    assert!(!rotated.contains("Default From Address"), "{rotated}");
    page.type_into("#default_from_address", FROM).await?;
    page.click("#save").await?;
    page.wait_contains("#save-status", "Saved").await?;

    // Verify the connection: every step that applies succeeds.
    page.click("#verify").await?;
    page.wait_text("#probe-steps li[data-step='quit']").await?;
    let verdict = page.wait_text("#probe-verdict").await?;
    assert_eq!(page.attr("#probe-verdict", "class").await?.as_deref(), Some("ok"), "{verdict}");
    assert!(verdict.ends_with("The connection was not encrypted: the server offers no STARTTLS."), "{verdict}");
    // Every step in its place: plain SMTP to this machine, so no TLS and no STARTTLS; no recipient to check.
    let mut steps = Vec::new();
    for step in page.browser.find_all(Locator::Css("#probe-steps li")).await? {
        let name = step.attr("data-step").await?.unwrap_or_default();
        steps.push(format!("{name}:{}", step.attr("data-status").await?.unwrap_or_default()));
    }
    let expected = [
        "resolve:ok",
        "connect:ok",
        "tls:skipped",
        "ehlo:ok",
        "starttls:skipped",
        "auth:ok",
        "mail_from:ok",
        "rcpt_to:skipped",
        "rset:ok",
        "quit:ok",
    ];
    assert_eq!(steps, expected);
    // Each step says what it did besides the server's reply.
    let connected = page.wait_text("#probe-steps li[data-step='connect'] .step-note").await?;
    assert!(connected.starts_with("connected to 127.0.0.1:"), "{connected}");
    assert_eq!(page.wait_text("#probe-steps li[data-step='auth'] .step-note").await?, "logged in with PLAIN");
    assert_eq!(page.text("#probe-outdated").await?, None, "the result is for the values in the form");
    page.screenshot("settings-probe-ok.png").await?;

    // Enter in the recipient field checks with it; a long line in the transcript scrolls inside the transcript:
    // at 360 px the page does not scroll sideways.
    page.browser.set_window_size(360, 900).await?;
    let long = format!("someone@{}.example.org", ["a-long-label-for-the-transcript-check"; 3].join("."));
    page.type_into("#probe-recipient", &long).await?;
    page.browser.active_element().await?.send_keys("\u{E007}").await?; // Enter in the field starts the check
    page.wait_text("#probe-steps li[data-step='rcpt_to'][data-status='ok']").await?;
    page.click("#probe-transcript summary").await?;
    page.wait_contains("#probe-transcript pre", &long).await?;
    let overflow = page.horizontal_overflow().await?;
    assert!(overflow <= 0, "no horizontal scrolling at 360 px with the transcript open ({overflow})");
    page.type_into("#probe-recipient", "").await?;
    page.browser.set_window_size(1280, 1000).await?;

    // While the recipient is empty, a hint under it says why "Send test email" is off.
    let hint = page.wait_text("#test-recipient-messages li.hint").await?;
    assert!(hint.starts_with("Enter the recipient's address"), "{hint}");
    assert_eq!(page.attr("#send-test", "disabled").await?.as_deref(), Some("true"));
    // A recipient that is no address is refused as it is typed, by the rules the server applies, and cannot be sent.
    let requests_before = page.api_requests().await?;
    page.type_into("#test-recipient", "someone at example.org").await?;
    page.wait_text("#test-recipient-messages li.error[data-code='recipient.invalid']").await?;
    assert_eq!(page.value("#test-recipient").await?, "someone at example.org", "spaces typed stay where typed");
    assert_eq!(page.attr("#test-recipient", "aria-invalid").await?.as_deref(), Some("true"));
    assert_eq!(page.attr("#send-test", "disabled").await?.as_deref(), Some("true"));
    assert_eq!(page.api_requests().await?, requests_before, "the recipient is judged in the browser");

    // Send a test email, to an address with a name: it arrives at the SMTP server from the default from address.
    page.type_into("#test-recipient", "Some One <someone@example.org>").await?;
    page.wait_gone("#test-recipient-messages li").await?;
    assert_eq!(page.value("#test-recipient").await?, "Some One <someone@example.org>");
    page.click("#send-test").await?;
    let sent = page.wait_text("#test-sent").await?;
    assert!(sent.starts_with("Sent to Some One <someone@example.org>. The server replied: 250"), "{sent}");
    let mail = eventually("the test email at the SMTP server", || async {
        Ok(stack.sink.received().into_iter().find(|m| m["rcpt_tos"][0] == "someone@example.org"))
    })
    .await?;
    assert_eq!(mail["mail_from"], "notify@example.com", "{mail}");
    assert!(mail["from"].as_str().unwrap_or_default().contains("notify@example.com"), "{mail}");
    assert_eq!(mail["authenticated"], true, "{mail}");

    // The whole page after a successful check and test email: the artefact the README shows.
    page.browser.set_window_size(1100, 2200).await?;
    page.browser.execute("window.scrollTo(0, 0); return true;", vec![]).await?;
    page.screenshot("settings-page.png").await?;
    page.browser.set_window_size(1280, 1000).await?;

    // A change's old values can be put back into the form with one click; nothing is saved until Save. The first
    // configuration had none.
    assert_eq!(page.text("#history tbody tr:last-child .restore").await?, None);
    page.wait_text("#restore-hint").await?;
    page.click("#history tbody tr:first-child .restore").await?;
    assert_eq!(page.value("#default_from_address").await?, "Fourth Admin <fourth@example.com>");
    page.wait_contains("#save-status", "Not saved yet.").await?;
    assert_eq!(page.browser.active_element().await?.attr("id").await?.as_deref(), Some("default_from_address"));
    // The check and the test email above were for the values before this: both say so.
    page.wait_text("#probe-outdated").await?;
    page.wait_text("#test-outdated").await?;
    page.browser.execute("document.getElementById('history').scrollIntoView(); return true;", vec![]).await?;
    page.screenshot("settings-history.png").await?;

    // The re-entry rule is explained before the server has to refuse it: change the port, keep the password empty.
    let (_closed, closed_port) = closed_port();
    page.type_into("#uri", &format!("smtp://127.0.0.1:{closed_port}")).await?;
    page.wait_text("#password-messages li[data-code='password.reentry_required']").await?;
    assert_eq!(page.attr("#save", "disabled").await?.as_deref(), Some("true"));
    // The check and the test email are off too, and say why beside their buttons.
    assert_eq!(page.attr("#verify", "disabled").await?.as_deref(), Some("true"));
    assert_eq!(page.wait_text("#probe-blocked").await?, "First fill in or correct: Password.");
    assert_eq!(page.attr("#send-test", "aria-describedby").await?.as_deref(), Some("test-blocked"));

    // A failing probe (nothing listens there) shows the diagnosis.
    page.type_into("#password", SMTP_PASSWORD).await?;
    page.wait_gone("#password-messages li[data-code='password.reentry_required']").await?;
    page.wait_gone("#probe-blocked").await?;
    page.click("#verify").await?;
    let diagnosis = page.wait_text("#probe-diagnosis").await?;
    assert_eq!(page.attr("#probe-diagnosis", "data-code").await?.as_deref(), Some("connect.refused"), "{diagnosis}");
    page.wait_text("#probe-steps li[data-step='connect'][data-status='failed']").await?;
    page.wait_gone("#probe-outdated").await?;
    // The live region says why, not only that it failed: the report below it is not read out.
    let refused = DiagnosisCode::ConnectRefused.message(Locale::En);
    assert!(page.wait_text("#probe-verdict").await?.ends_with(refused), "the verdict names the diagnosis");
    // A failing test email shows as much: the step that failed and the diagnosis.
    page.type_into("#test-recipient", "ops@example.org").await?;
    page.click("#send-test").await?;
    let line = page.wait_text("#test-failed").await?;
    assert!(line.starts_with("The test email was not sent.") && line.ends_with(refused), "{line}");
    assert_eq!(page.attr("#test-diagnosis", "data-code").await?.as_deref(), Some("connect.refused"));
    page.wait_text("#test-steps li[data-step='connect'][data-status='failed']").await?;
    page.browser.execute("document.getElementById('test-failed').scrollIntoView()", vec![]).await?;
    page.screenshot("test-email-failed.png").await?;

    // German: the page's words and the core crate's messages.
    page.browser.find(Locator::Css("#language")).await?.select_by_value("de").await?;
    page.wait_contains("#save", "Speichern").await?;
    let german = DiagnosisCode::ConnectRefused.message(Locale::De);
    page.wait_contains("#probe-diagnosis .diagnosis-message", german).await?;
    page.wait_contains("#probe-steps li[data-step='ehlo'] .step-note", "nicht erreicht").await?;
    page.type_into("#uri", "mail.example.com").await?;
    page.wait_contains("#uri-messages li[data-code='uri.missing_scheme']", "Verwenden Sie smtp://mail.example.com")
        .await?;
    assert_eq!(page.attr("html", "lang").await?.as_deref(), Some("de"));
    assert_eq!(page.browser.title().await?, "SMTP-Endpunkt");

    // An expired session returns to the login form without losing what was typed.
    page.type_into("#default_from_address", "typed-before-expiry@example.com").await?;
    page.type_into("#test-recipient", "kept@example.org").await?;
    page.type_into("#uri", &uri).await?;
    page.browser.execute("return fetch('/api/session', {method: 'DELETE'}).then(r => r.status);", vec![]).await?;
    page.click("#save").await?;
    page.wait_text("#session-expired").await?;
    page.expect_accessible("the expired session's login").await?;
    // Who was signed in is kept too: only the password is asked for, and the keyboard is on it.
    assert_eq!(page.value("#login-username").await?, ADMIN);
    page.wait_focus("login-password").await?;
    // Signing in with a field left empty is said without a request (it would count as a failed sign-in).
    let requests_before = page.api_requests().await?;
    page.click("#login-submit").await?;
    page.wait_contains("#login-error", "Geben Sie Ihren Benutzernamen und Ihr Passwort ein").await?;
    assert_eq!(page.api_requests().await?, requests_before, "nothing sent with an empty password");
    page.login(ADMIN, ADMIN_PASSWORD).await?;
    eventually("the typed values after logging in again", || async {
        Ok((page.value("#default_from_address").await? == "typed-before-expiry@example.com").then_some(()))
    })
    .await?;
    assert_eq!(page.value("#test-recipient").await?, "kept@example.org", "the test email's recipient too");

    // The language choice is remembered across a reload.
    page.browser.refresh().await?;
    page.wait_contains("#save", "Speichern").await?;
    page.browser.find(Locator::Css("#language")).await?.select_by_value("en").await?;
    page.wait_contains("#save", "Save").await?;

    // Signing out with unsaved changes asks first; declined, nothing is lost; confirmed, the typed values are gone.
    page.type_into("#default_from_address", "unsaved@").await?;
    eventually("the from address's message to be read out", || async {
        Ok((!page.text_content("#said").await?.trim().is_empty()).then_some(()))
    })
    .await?;
    page.click("#sign-out").await?;
    let question = page.browser.get_alert_text().await?;
    assert!(question.contains("discard the changes you have not saved"), "{question}");
    page.browser.dismiss_alert().await?;
    assert_eq!(page.value("#default_from_address").await?, "unsaved@");
    // A sign-out the server did not carry out (here it cannot be reached) is said, and nothing is forgotten: the
    // session still signs in whoever uses this browser next.
    page.refuse_fetch(&["/api/session"]).await?;
    page.click("#sign-out").await?;
    page.browser.accept_alert().await?;
    let said =
        eventually("the failed sign-out to be said", || async { Ok(page.browser.get_alert_text().await.ok()) }).await?;
    let expected = "Signing out did not finish; you may still be signed in: The settings server could not be reached";
    assert!(said.starts_with(expected), "{said}");
    page.browser.accept_alert().await?;
    assert_eq!(page.value("#default_from_address").await?, "unsaved@");
    page.wait_text("#sign-out").await?;
    page.refuse_fetch(&[]).await?;
    page.click("#sign-out").await?;
    page.browser.accept_alert().await?;
    page.wait_text("#login").await?;
    assert_eq!(page.text_content("#said").await?, "", "the read-out region says nothing of the signed-out form");
    page.login(ADMIN, ADMIN_PASSWORD).await?;
    eventually("the stored values after signing in again", || async {
        Ok((page.value("#default_from_address").await? == FROM).then_some(()))
    })
    .await?;

    stack.close().await
}

/// Keyboard-only login, and the page at 360 px wide and on a desktop (screenshots as test artefacts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_works_by_keyboard_on_a_phone_and_a_desktop() -> Result<()> {
    let stack = Stack::start().await?;
    let page = Page::new(&stack.browser);
    page.browser.goto(&stack.url("/")).await?;

    // Keyboard only: type the username, Tab to the password, Enter submits.
    page.type_into("#login-username", ADMIN).await?;
    page.browser.active_element().await?.send_keys("\u{E004}").await?; // Tab
    let focused = page.browser.active_element().await?;
    assert_eq!(focused.attr("id").await?.as_deref(), Some("login-password"));
    focused.send_keys(&format!("{ADMIN_PASSWORD}\u{E007}")).await?; // Enter
    page.wait_text("#settings").await?;
    page.wait_focus("uri").await?; // the keyboard goes on to the first field, not to the page's start

    page.type_into("#uri", "smtp://email-smtp.us-east-1.amazonaws.com:465").await?;
    page.type_into("#username", "ses-user").await?;
    page.type_into("#default_from_address", "App <notifications@example.com>").await?;
    page.wait_text("#uri-messages li.warning").await?;
    page.wait_text("#password-messages li[data-code='password.required']").await?;
    page.screenshot("settings-desktop.png").await?;

    // A refusal only the server can make (the custom CA is no X.509 certificate): its message goes under the
    // field and the keyboard is taken there, the folded section opened.
    page.type_into("#password", "an SMTP password").await?;
    page.click("details.custom-ca summary").await?;
    page.type_into("#custom_ca_pem", "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----")
        .await?;
    page.click("details.custom-ca summary").await?;
    assert_eq!(page.attr("details.custom-ca", "open").await?, None, "folded again");
    page.click("#save").await?;
    page.wait_text("#custom_ca_pem-messages li.error[data-code='custom_ca.invalid']").await?;
    let focused = page.browser.active_element().await?.attr("id").await?;
    assert_eq!(focused.as_deref(), Some("custom_ca_pem"), "the keyboard is at the refused field");
    assert!(page.attr("details.custom-ca", "open").await?.is_some(), "its section is open");

    page.browser.set_window_size(360, 900).await?;
    page.browser.execute("window.scrollTo(0, 0); return true;", vec![]).await?;
    let overflow = page.horizontal_overflow().await?;
    assert!(overflow <= 0, "no horizontal scrolling at 360 px (overflow {overflow})");
    page.screenshot("settings-360px.png").await?;
    page.expect_accessible("the server's refusal under its field, the folded section open, at 360 px").await?;
    // German's longer words fit too. The URI's warning, which the server's refusal above also gave, is in the
    // page's words and follows the switch.
    page.browser.find(Locator::Css("#language")).await?.select_by_value("de").await?;
    page.wait_contains("#save", "Speichern").await?;
    let german = smtp_endpoint::validate(&smtp_endpoint::EndpointInput {
        uri: Some(page.value("#uri").await?),
        locale: Locale::De,
        ..Default::default()
    });
    let warning = &german.warnings.first().ok_or("a warning for port 465 with smtp://")?.message;
    page.wait_contains("#uri-messages li.warning", warning).await?;
    let overflow = page.horizontal_overflow().await?;
    assert!(overflow <= 0, "no horizontal scrolling at 360 px in German ({overflow})");
    page.screenshot("settings-360px-de.png").await?;
    page.browser.find(Locator::Css("#language")).await?.select_by_value("en").await?;
    page.wait_contains("#save", "Save").await?;
    page.browser.set_window_size(1280, 1000).await?;

    // Saved by the keyboard: Save is disabled while it runs, and the keyboard is back on it afterwards. The
    // password was shown while typed; once saved, the field hides again.
    page.type_into("#custom_ca_pem", "").await?;
    page.click("#password-toggle").await?;
    assert_eq!(page.attr("#password", "type").await?.as_deref(), Some("text"));
    page.browser.find(Locator::Css("#save")).await?.send_keys("\u{E007}").await?; // Enter
    let saved = page.wait_contains("#save-status", "Saved — version").await?;
    page.wait_focus("save").await?;
    assert_eq!(page.attr("#password", "type").await?.as_deref(), Some("password"), "hidden after the save");
    // The first configuration has no earlier values: no "Use the old values", nor a hint explaining one.
    page.wait_text("#history tbody tr[data-version='2']").await?;
    assert_eq!(page.text("#history .restore").await?, None);
    assert_eq!(page.text("#restore-hint").await?, None);
    // Removing the stored password and keeping it: each button gives the keyboard to the one that replaces it.
    // While the removal is pending, nothing says the password is kept.
    page.click("#password-remove").await?;
    page.wait_text("#password-keep").await?;
    page.wait_gone("#password-state").await?;
    page.wait_focus("password-keep").await?;
    page.browser.active_element().await?.send_keys("\u{E007}").await?;
    page.wait_focus("password-remove").await?;
    // Saving what the server already holds says so, instead of claiming a save.
    page.click("#save").await?;
    let unchanged = page.wait_contains("#save-status", "Nothing to save: these values are already saved").await?;
    assert_eq!(unchanged.split(" — ").nth(1), saved.split(" — ").nth(1), "the same version, by the same admin");

    // Typing on while a save is on its way: the answer does not overwrite what was typed since, nor call it saved;
    // the password it saved is not kept in the field (nor sent again with the next save).
    page.hold_fetch(&["/api/endpoints/smtp"]).await?;
    page.type_into("#default_from_address", "First <first@example.com>").await?;
    page.type_into("#password", "a new SMTP password").await?;
    page.click("#save").await?;
    page.wait_contains("#save-status", "Saving").await?;
    page.type_into("#default_from_address", "Second <second@example.com>").await?;
    page.release_held().await?;
    page.wait_text("#history tbody tr:nth-child(2)").await?;
    page.wait_contains("#save-status", "Not saved yet.").await?;
    assert_eq!(page.value("#default_from_address").await?, "Second <second@example.com>");
    assert_eq!(page.value("#password").await?, "", "saved, so no longer held");
    page.click("#save").await?;
    page.wait_contains("#save-status", "Saved — version").await?;
    page.wait_text("#history tbody tr:nth-child(3)").await?;
    let latest = page.wait_text("#history tbody tr:first-child").await?;
    assert!(latest.contains("Default From Address") && !latest.contains("Password"), "{latest}");
    // The history fits a phone in German too: nothing to scroll sideways inside its card.
    page.browser.set_window_size(360, 900).await?;
    page.browser.find(Locator::Css("#language")).await?.select_by_value("de").await?;
    page.wait_contains("#history tbody tr:first-child", "Standard-Absenderadresse").await?;
    let script =
        "const w = document.querySelector('#history').closest('.table-wrap'); return w.scrollWidth - w.clientWidth;";
    let overflow = page.browser.execute(script, vec![]).await?;
    assert!(overflow.as_i64().is_some_and(|o| o <= 0), "the history scrolls sideways by {overflow} px at 360 px");
    // Each change a block, the table's roles kept for screen readers that drop them with the display, and a German
    // field name whole on its line (the changes have the card's width).
    let layout = "const row = document.querySelector('#history tbody tr'); \
                  return [getComputedStyle(row).display, row.getAttribute('role'), \
                          row.querySelector('td').getAttribute('role'), \
                          document.querySelector('#history th').getAttribute('role'), \
                          row.querySelector('.changes .field').getClientRects().length].join(' ');";
    let layout = page.browser.execute(layout, vec![]).await?;
    assert_eq!(layout.as_str(), Some("block row cell columnheader 1"), "the history's phone layout");
    page.browser.execute("document.querySelector('#history').scrollIntoView(); return true;", vec![]).await?;
    page.screenshot("history-360px-de.png").await?;
    page.browser.find(Locator::Css("#language")).await?.select_by_value("en").await?;
    page.wait_contains("#save", "Save").await?;
    page.browser.set_window_size(1280, 1000).await?;

    // A long history comes a page at a time: after 20 more saves (versions 2 to 24 in all), the newest 20, and
    // "Show older changes" pressed by the keyboard adds the rest; then the keyboard is on the list.
    for n in 5..=24 {
        other_admin_saves(&page, &format!("Admin {n} <admin{n}@example.com>")).await?;
    }
    page.browser.refresh().await?;
    page.wait_text("#history tbody tr[data-version='24']").await?;
    assert_eq!(history_versions(&page).await?, (5..=24).rev().collect::<Vec<_>>());
    page.expect_accessible("the history with older changes to show").await?;
    page.browser.find(Locator::Css("#history-older")).await?.send_keys("\u{E007}").await?; // Enter
    page.wait_gone("#history-older").await?;
    assert_eq!(history_versions(&page).await?, (2..=24).rev().collect::<Vec<_>>());
    page.wait_focus("history").await?;
    // A save here keeps the older changes open: the newest page joins on to them.
    page.type_into("#default_from_address", "Last <last@example.com>").await?;
    page.click("#save").await?;
    page.wait_text("#history tbody tr[data-version='25']").await?;
    assert_eq!(history_versions(&page).await?, (2..=25).rev().collect::<Vec<_>>());
    assert_eq!(page.text("#history-older").await?, None, "the list still ends with the first change");
    stack.close().await
}

/// The versions of the history's rows, top to bottom.
async fn history_versions(page: &Page) -> Result<Vec<u64>> {
    let mut versions = Vec::new();
    for row in page.browser.find_all(Locator::Css("#history tbody tr")).await? {
        let version = row.attr("data-version").await?.unwrap_or_default();
        versions.push(version.parse().map_err(|_| format!("data-version {version:?}"))?);
    }
    Ok(versions)
}

/// The seconds in a "… Try again in N s (until HH:MM:SS)." or "… in N min (until …)." message: the clock time
/// must be there too, so the words stay true while they are shown.
fn seconds_to_wait(message: &str) -> Result<u64> {
    let mut words = message.rsplit_once(" in ").map(|(_, after)| after).unwrap_or_default().split(' ');
    let (number, unit) = (words.next().and_then(|n| n.parse::<u64>().ok()), words.next());
    let clock = words.next().filter(|w| *w == "(until").and(words.next());
    let clock_ok = clock.is_some_and(|c| c.trim_end_matches(").").split(':').count() == 3);
    let seconds = match (number, unit, clock_ok) {
        (Some(n), Some("s"), true) => Some(n),
        (Some(n), Some("min"), true) => Some(n * 60),
        _ => None,
    };
    seconds.ok_or_else(|| format!("no time to wait, and until when, in {message:?}").into())
}

/// A port on which nothing listens, kept so while the socket lives: bound but not listening, so a connection is
/// refused and no other process can take the port meanwhile.
fn closed_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind");
    let port = socket.local_addr().expect("addr").port();
    (socket, port)
}

/// A page whose files cannot be loaded or run (a proxy that serves it under a path, or adds a second
/// Content-Security-Policy) is not left blank: index.html's own words say so after 5 s. A page that starts removes
/// them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_cannot_start_says_so() -> Result<()> {
    let stack = Stack::start().await?;
    let page = Page::new(&stack.browser);
    page.browser.goto(&stack.url("/")).await?;
    page.wait_text("#login").await?;
    assert!(page.browser.find(Locator::Id("boot")).await.is_err(), "gone once the page started");

    let index = std::fs::read_to_string(smtp_endpoint_e2e::dist_dir().join("index.html"))?;
    let wasm = index.split('"').find(|part| part.ends_with("_bg.wasm")).ok_or("no wasm in index.html")?.to_owned();
    page.refuse_fetch_on_load(&[wasm.as_str()]).await?;
    page.browser.goto(&stack.url("/")).await?;
    let boot = page.browser.find(Locator::Id("boot")).await?;
    assert!(!boot.is_displayed().await?, "not while it may still be loading");
    eventually("the words for a page that did not start", || async {
        Ok(page.browser.find(Locator::Id("boot")).await?.is_displayed().await?.then_some(()))
    })
    .await?;
    let said = page.text_content("#boot").await?;
    assert!(said.contains("could not start") && said.contains("konnte die Seite nicht starten"), "{said}");
    assert!(page.text("#login").await?.is_none());
    stack.close().await
}

/// When the stored endpoint or its history cannot be loaded, the page says why (in place of the form, with "Try
/// again"; in the history section) instead of "Loading…" for ever. The failures are made in the browser: `fetch`
/// refuses the listed paths.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_loads_are_explained_and_can_be_retried() -> Result<()> {
    let stack = Stack::start().await?;
    let page = Page::new(&stack.browser);
    // The session cannot be checked: said so, instead of a login form that could only fail.
    page.refuse_fetch_on_load(&["/api/session"]).await?;
    page.browser.goto(&stack.url("/")).await?;
    let failed = page.wait_text("#session-failed").await?;
    assert!(failed.contains("could not be reached"), "{failed}");
    assert!(page.text("#login").await?.is_none(), "no login form while the session is unknown");
    page.expect_accessible("the failed session check").await?;
    retry_fails_again(&page, "session").await?;
    page.refuse_fetch(&[]).await?;
    page.click("#session-retry").await?;
    page.wait_text("#login").await?;
    page.wait_gone("#session-failed").await?;
    page.wait_focus("login-username").await?;

    page.refuse_fetch(&["/api/endpoints/smtp", "/api/endpoints/smtp/history"]).await?;
    page.type_into("#login-username", ADMIN).await?;
    page.type_into("#login-password", ADMIN_PASSWORD).await?;
    page.click("#login-submit").await?;
    let failed = page.wait_text("#load-failed").await?;
    assert!(failed.contains("could not be reached"), "{failed}");
    assert!(page.text("#settings").await?.is_none(), "no form without the stored values");
    page.expect_accessible("the failed load").await?;
    retry_fails_again(&page, "load").await?;

    // The endpoint answers again, the history still does not.
    page.refuse_fetch(&["/api/endpoints/smtp/history"]).await?;
    page.click("#load-retry").await?;
    page.wait_text("#settings").await?;
    page.wait_gone("#load-failed").await?;
    page.wait_focus("uri").await?; // "Try again" is gone: the keyboard goes to the form, not the page's start
    let history = page.wait_text("#history-failed").await?;
    assert!(history.contains("could not be reached"), "{history}");
    retry_fails_again(&page, "history").await?;
    page.refuse_fetch(&[]).await?;
    page.click("#history-retry").await?;
    page.wait_text("#history-empty").await?;
    page.wait_gone("#history-failed").await?;
    page.wait_focus("history-empty").await?;

    // A save that cannot reach the server says so, and keeps what was typed.
    page.refuse_fetch(&["/api/endpoints/smtp"]).await?;
    page.type_into("#uri", "smtp://mail.example.com").await?;
    page.type_into("#default_from_address", FROM).await?;
    page.click("#save").await?;
    let status = page.wait_contains("#save-status", "could not be reached").await?;
    assert!(!status.contains("Unexpected"), "{status}");
    assert_eq!(page.value("#uri").await?, "smtp://mail.example.com");
    page.refuse_fetch(&[]).await?;

    // Too many test emails in a minute: the page says how long to wait, as the server's Retry-After says.
    // The allowance is used up first through the page's own session, whatever its size, with test emails the
    // server accepts as requests (refused ones are not counted) to a closed port (each fails at once).
    // Typed first, so that no token comes back (one every 12 s) while typing.
    let (_closed, closed_port) = closed_port();
    let uri = format!("smtp://127.0.0.1:{closed_port}");
    page.type_into("#uri", &uri).await?;
    page.type_into("#default_from_address", FROM).await?;
    page.type_into("#test-recipient", "someone@example.org").await?;
    let draft = json!({ "uri": uri, "default_from_address": FROM, "password": "" });
    let body = json!({ "to": "a@example.org", "draft": draft });
    let used = page.post_until_throttled("/api/endpoints/smtp/test-email", body, 1).await?;
    assert!(used > 1, "a 429 after some test emails: {used}");
    page.click("#send-test").await?;
    let refused =
        page.wait_contains("#test-status", "Only a few checks and test emails are allowed per minute").await?;
    assert!((1..=60).contains(&seconds_to_wait(&refused)?), "{refused}");
    // Once that wait is over, the words that named it go (they would be wrong from then on).
    page.wait_gone("#test-status p.error").await?;
    stack.close().await
}

/// Presses `#{id}-retry` while its request still fails: a new card comes, and the keyboard is on its "Try again"
/// (the button pressed went with the old card).
async fn retry_fails_again(page: &Page, id: &str) -> Result<()> {
    let button = format!("#{id}-retry");
    let pressed = page.browser.find(Locator::Css(&button)).await?.element_id();
    page.click(&button).await?;
    eventually(&format!("the keyboard on a new {button}"), || async {
        let focused = page.browser.active_element().await?;
        let on_new = focused.element_id() != pressed && focused.attr("id").await? == Some(format!("{id}-retry"));
        Ok(on_new.then_some(()))
    })
    .await
}

/// A check or a test email that waits can be cancelled. Here the port accepts the connection and never greets,
/// which the server would wait out for its 10 s greeting limit. The page stops waiting at once and gives the
/// keyboard back to the button that started it; the aborted request ends the server's SMTP work, which closes
/// its connection to the port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_check_or_test_email_can_be_cancelled() -> Result<()> {
    let stack = Stack::start().await?;
    let page = Page::new(&stack.browser);
    page.browser.goto(&stack.url("/")).await?;
    page.login(ADMIN, ADMIN_PASSWORD).await?;
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    page.type_into("#uri", &format!("smtp://127.0.0.1:{}", silent.local_addr()?.port())).await?;
    page.type_into("#default_from_address", FROM).await?;
    page.click("#verify").await?;
    let (mut connection, _) = tokio::time::timeout(PATIENCE, silent.accept()).await??;
    // Closed by the cancel, not by the probe's own greeting limit (10 s after the connection): checked before
    // anything else, so that nothing but the cancel's own way counts against that limit.
    let closing = tokio::time::Instant::now() + Duration::from_secs(9);
    page.wait_contains("#probe-status", "Checking the connection").await?;
    // The keyboard was on Verify, which is disabled while the check runs: it is on Cancel meanwhile.
    page.wait_focus("probe-cancel").await?;
    page.click("#probe-cancel").await?;
    let mut buffer = [0; 64];
    let read = tokio::time::timeout_at(closing, connection.read(&mut buffer)).await;
    assert!(matches!(read, Ok(Ok(0))), "the server's probe is over within 9 s of connecting: {read:?}");

    let said = page.wait_contains("#probe-status", "cancelled").await?;
    assert!(!said.contains("Checking"), "{said}");
    assert_eq!(page.attr("#verify", "disabled").await?, None, "a new check can start");
    page.wait_focus("verify").await?;

    // The same for a test email, whose words say that a message the server had accepted may still arrive.
    page.type_into("#test-recipient", "ops@example.com").await?;
    page.click("#send-test").await?;
    let (mut connection, _) = tokio::time::timeout(PATIENCE, silent.accept()).await??;
    let closing = tokio::time::Instant::now() + Duration::from_secs(9);
    page.wait_contains("#test-status", "Sending").await?;
    page.wait_focus("test-cancel").await?;
    page.click("#test-cancel").await?;
    let read = tokio::time::timeout_at(closing, connection.read(&mut buffer)).await;
    assert!(matches!(read, Ok(Ok(0))), "the server's sending is over within 9 s of connecting: {read:?}");
    let said = page.wait_contains("#test-status", "it may still arrive").await?;
    assert!(!said.contains("Sending"), "{said}");
    assert_eq!(page.attr("#send-test", "disabled").await?, None, "a new test email can start");
    page.wait_focus("send-test").await?;

    // A recipient made unusable while it ran keeps "Send test email" disabled after the cancel: the keyboard goes
    // to the recipient, not to the page's start.
    page.click("#send-test").await?;
    let (_connection, _) = tokio::time::timeout(PATIENCE, silent.accept()).await??;
    page.wait_contains("#test-status", "Sending").await?;
    page.screenshot("test-email-running.png").await?;
    page.type_into("#test-recipient", "ops@").await?;
    page.click("#test-cancel").await?;
    page.wait_focus("test-recipient").await?;
    assert!(page.attr("#send-test", "disabled").await?.is_some(), "the recipient is refused");
    let said = page.text("#test-status").await?.unwrap_or_default();
    assert!(said.contains("it may still arrive") && !said.contains("Sending"), "{said}");
    stack.close().await
}

/// Repeated wrong passwords lock the login for a while (the server's throttle); the login form says how long.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_login_says_how_long_to_wait() -> Result<()> {
    let stack = Stack::start().await?;
    let page = Page::new(&stack.browser);
    page.browser.goto(&stack.url("/")).await?;
    page.wait_text("#login").await?;
    // Typed first, and the lock driven to 4 s or more (the first lasts 2 s, each further failure doubles it): the
    // button's sign-in must reach the server while it lasts, even on a busy machine.
    page.type_into("#login-username", ADMIN).await?;
    page.type_into("#login-password", ADMIN_PASSWORD).await?;
    let wrong = json!({ "username": ADMIN, "password": "not the password" });
    let attempts = page.post_until_throttled("/api/session", wrong, 4).await?;
    assert!(attempts > 1, "locked after some wrong passwords: {attempts}");
    page.click("#login-submit").await?;
    let locked = page.wait_contains("#login-error", "Too many failed sign-ins").await?;
    assert!((1..=900).contains(&seconds_to_wait(&locked)?), "{locked}");
    page.wait_focus("login-submit").await?; // disabled while it ran, the button has the keyboard back
    // The lock is short (4 s): once it is over, its "try again in …" goes (the alert region stays, empty).
    eventually("the wait's words to go", || async {
        Ok(page.text("#login-error").await?.is_some_and(|words| words.is_empty()).then_some(()))
    })
    .await?;
    stack.close().await
}

/// Saves, meets the conflict another admin's save made meanwhile, and saves this tab's values over theirs.
async fn save_over_theirs(page: &Page) -> Result<()> {
    page.click("#save").await?;
    page.wait_contains("#save-status", "in the meantime").await?;
    page.click("#overwrite").await?;
    page.wait_contains("#save-status", "Saved").await?;
    Ok(())
}

/// Another admin's save of the stored endpoint with another from address, from the same browser session.
async fn other_admin_saves(page: &Page, from: &str) -> Result<()> {
    other_admin_puts(page, json!({ "default_from_address": from })).await
}

/// Another admin's save, from the same browser session: the stored URI, username and from address, with `change`
/// over them.
async fn other_admin_puts(page: &Page, change: serde_json::Value) -> Result<()> {
    let status = page
        .browser
        .execute(
            "return fetch('/api/endpoints/smtp').then(async r => {
               const etag = r.headers.get('etag');
               const stored = await r.json();
               const body = {uri: stored.uri, username: stored.username,
                             default_from_address: stored.default_from_address, ...arguments[0]};
               const put = await fetch('/api/endpoints/smtp', {
                 method: 'PUT',
                 headers: {'Content-Type': 'application/json', 'If-Match': etag},
                 body: JSON.stringify(body),
               });
               return put.status;
             });",
            vec![change],
        )
        .await?;
    assert_eq!(status.as_u64(), Some(200), "the other admin's save");
    Ok(())
}

/// The page signed in as the harness's admin, with `smtp://mail.example.com:587` and [`FROM`] saved (version 2).
async fn signed_in_with_a_saved_endpoint(stack: &Stack) -> Result<Page> {
    let page = Page::new(&stack.browser);
    page.browser.goto(&stack.url("/")).await?;
    page.login(ADMIN, ADMIN_PASSWORD).await?;
    page.type_into("#uri", "smtp://mail.example.com:587").await?;
    page.type_into("#default_from_address", FROM).await?;
    page.click("#save").await?;
    page.wait_contains("#save-status", "Saved").await?;
    Ok(page)
}

/// Where one admin's session ended, another admin who signs in gets the stored values, not what the first typed
/// (a password among it, which "Show" would reveal); the same admin signing in again keeps them (the main test).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_admin_signing_in_after_an_expired_session_sees_nothing_typed() -> Result<()> {
    let stack = Stack::start().await?;
    stack.create_admin("second", "second admin's password").await?;
    let page = signed_in_with_a_saved_endpoint(&stack).await?;

    page.type_into("#username", "typed-first").await?;
    page.type_into("#password", "typed by the first admin").await?;
    page.type_into("#default_from_address", "typed-first@example.com").await?;
    page.type_into("#test-recipient", "first@example.org").await?;
    page.browser.execute("return fetch('/api/session', {method: 'DELETE'}).then(r => r.status);", vec![]).await?;
    page.click("#save").await?;
    page.wait_text("#session-expired").await?;
    page.login("second", "second admin's password").await?;
    eventually("the stored from address", || async {
        Ok((page.value("#default_from_address").await? == FROM).then_some(()))
    })
    .await?;
    assert_eq!(page.value("#password").await?, "", "the first admin's typed password is gone");
    assert_eq!(page.value("#test-recipient").await?, "");
    assert_eq!(page.value("#uri").await?, "smtp://mail.example.com:587");
    assert_eq!(page.value("#username").await?, "");
    assert!(!page.leaving_is_questioned().await?, "nothing unsaved");
    stack.close().await
}

/// "Save mine instead" when their version added a login and this tab changed the server: their stored password
/// would have to go to the server typed here, so nothing is saved yet — the keyboard goes to the password, and the
/// conflict with both offers stays; with the password typed, the same offer saves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_over_theirs_that_needs_their_password_keeps_the_conflict() -> Result<()> {
    let stack = Stack::start().await?;
    let page = signed_in_with_a_saved_endpoint(&stack).await?;

    other_admin_puts(&page, json!({ "username": "theirs", "password": "their password" })).await?;
    page.type_into("#uri", "smtp://relay.example.com:587").await?;
    page.click("#save").await?;
    page.wait_contains("#save-status", "in the meantime").await?;
    page.click("#overwrite").await?;
    page.wait_text("#password-messages li[data-code='password.reentry_required']").await?;
    page.wait_focus("password").await?;
    assert_eq!(page.value("#uri").await?, "smtp://relay.example.com:587", "changed here: mine");
    assert_eq!(page.value("#username").await?, "theirs", "left alone here: theirs");
    assert!(page.text("#save-status").await?.unwrap_or_default().contains("in the meantime"));
    page.wait_text("#reload").await?;
    assert_eq!(stored(&page).await?["version"], 3, "nothing saved: theirs is the newest");

    page.type_into("#password", "their password").await?;
    page.click("#overwrite").await?;
    page.wait_contains("#save-status", "Saved").await?;
    let saved = stored(&page).await?;
    let got = (&saved["version"], &saved["uri"], &saved["username"], &saved["password_set"]);
    assert_eq!(got, (&json!(4), &json!("smtp://relay.example.com:587"), &json!("theirs"), &json!(true)), "{saved}");
    stack.close().await
}

/// The stored endpoint as the API answers it, asked for from the page's session.
async fn stored(page: &Page) -> Result<serde_json::Value> {
    let script = "return fetch('/api/endpoints/smtp').then(r => r.json());";
    Ok(page.browser.execute(script, vec![]).await?)
}

/// Light and dark colour schemes follow the system, and in both an independent accessibility checker (axe-core:
/// WCAG 2.2 A and AA, text contrast included, and its best practices) finds nothing to mend in the states an admin
/// sees most: the login form with an error; the settings form with errors, a warning and a suggestion; a probe's
/// timeline, its transcript, a sent test email and the history; a diagnosis and the history's old values; the page
/// in German. A screenshot of the dark scheme is an artefact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_colour_schemes_pass_an_accessibility_checker() -> Result<()> {
    for (dark, flags) in [(false, &[][..]), (true, &["--force-dark-mode"][..])] {
        let stack = Stack::start_with(flags).await?;
        let page = Page::new(&stack.browser);
        let scheme = if dark { "dark" } else { "light" };
        let check = async |state: &str| page.expect_accessible(&format!("{state}, {scheme} scheme")).await;
        page.browser.goto(&stack.url("/")).await?;
        page.wait_text("#login").await?;
        let scheme = page.browser.execute("return matchMedia('(prefers-color-scheme: dark)').matches;", vec![]).await?;
        assert_eq!(scheme.as_bool(), Some(dark), "the browser's colour scheme");
        page.type_into("#login-username", ADMIN).await?;
        page.type_into("#login-password", "not the password").await?;
        page.click("#login-submit").await?;
        page.wait_text("#login-error").await?;
        check("login form with an error").await?;

        page.login(ADMIN, ADMIN_PASSWORD).await?;
        page.type_into("#uri", "smtp://mail.example.com:465").await?;
        page.type_into("#username", SMTP_USER).await?;
        page.type_into("#default_from_address", "no at sign").await?;
        page.wait_text("#uri-messages .apply-suggestion").await?;
        page.wait_text("#default_from_address-messages li.error").await?;
        check("settings with messages").await?;
        if dark {
            page.screenshot("settings-dark.png").await?;
        }

        page.type_into("#uri", &format!("SMTP://127.0.0.1:{}", stack.sink.port)).await?;
        page.type_into("#password", SMTP_PASSWORD).await?;
        page.type_into("#default_from_address", FROM).await?;
        page.click("#verify").await?;
        page.wait_text("#probe-verdict").await?;
        // Saving what was checked (the URI comes back normalised, the password field empty) leaves the result
        // standing for the form.
        page.click("#save").await?;
        page.wait_contains("#save-status", "Saved").await?;
        assert_eq!(page.value("#uri").await?, format!("smtp://127.0.0.1:{}", stack.sink.port));
        assert_eq!(page.text("#probe-outdated").await?, None, "the check is for the saved values");
        page.click("#probe-transcript summary").await?;
        page.wait_text("#history tbody tr").await?;
        page.type_into("#test-recipient", "someone@example.org").await?;
        page.click("#send-test").await?;
        page.wait_text("#test-sent").await?;
        check("probe timeline, transcript, test email and history").await?;

        // A failing probe: the diagnosis with its remedy.
        let (_closed, closed_port) = closed_port();
        page.type_into("#uri", &format!("smtp://127.0.0.1:{closed_port}")).await?;
        page.type_into("#password", SMTP_PASSWORD).await?;
        page.click("#verify").await?;
        page.wait_text("#probe-diagnosis").await?;
        page.click("#save").await?;
        page.wait_text("#history tbody tr:first-child button.restore").await?;
        check("diagnosis, a history with old values to use").await?;

        page.browser.find(Locator::Css("#language")).await?.select_by_value("de").await?;
        page.wait_contains("h1", "SMTP").await?;
        page.wait_contains("#save", "Speichern").await?;
        check("German").await?;
        stack.close().await?;
    }
    Ok(())
}
