//! Page timings in headless Chromium (run by scripts/bench-page.sh; a measurement, not a test):
//!
//! - navigation → interactive: from navigation start to the page's `smtp-endpoint:login-ready` /
//!   `smtp-endpoint:settings-ready` performance marks (set in the frame after the form is in the DOM;
//!   the settings form first waits for `GET /api/session` and `GET /api/endpoints/smtp`);
//! - keystroke → message on screen: real key events (WebDriver), from the keydown's timestamp to the DOM
//!   change the validation made (messages, effective connection) and to the next animation frame; Event
//!   Timing entries (≥ 16 ms, the API's floor) are counted too.

use smtp_endpoint_e2e::{ADMIN, ADMIN_PASSWORD, Page, Result, Stack, eventually};

const RELOADS: usize = 10;

const INSTRUMENT: &str = r#"
window.__lat = [];
window.__slowEvents = [];
let start = null;
document.addEventListener('keydown', e => { start = e.timeStamp; }, true);
new MutationObserver(() => {
  if (start === null) return;
  const s = start;
  start = null;
  const dom = performance.now() - s;
  requestAnimationFrame(() => window.__lat.push([dom, performance.now() - s]));
}).observe(document.getElementById('settings'), { subtree: true, childList: true, characterData: true, attributes: true });
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__slowEvents.push([e.name, e.duration, e.processingEnd - e.processingStart]);
}).observe({ type: 'event', durationThreshold: 16 });
return true;
"#;

/// URIs typed key by key; every key changes what the page says (message, suggestion or summary).
const TYPED: [&str; 5] = [
    "mail.example.com:587",
    "smtps://email-smtp.us-east-1.amazonaws.com",
    "smtp://smtp.office365.com:587?tls=required",
    "smtp://relay.internal.example:465",
    "smtps://bücher.example:25",
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(name: &str, mut values: Vec<f64>) -> String {
    values.sort_by(f64::total_cmp);
    format!(
        "| {name} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
        values.len(),
        percentile(&values, 50.0),
        percentile(&values, 95.0),
        percentile(&values, 99.0),
        values.last().copied().unwrap_or(f64::NAN)
    )
}

async fn mark(page: &Page, name: &str) -> Result<f64> {
    let script = format!("const m = performance.getEntriesByName('{name}')[0]; return m ? m.startTime : null;");
    eventually(&format!("the mark {name}"), || {
        let script = script.clone();
        async move { Ok(page.browser.execute(&script, vec![]).await?.as_f64()) }
    })
    .await
}

#[tokio::main]
async fn main() -> Result<()> {
    let keystrokes_wanted: usize = std::env::var("KEYSTROKES").ok().and_then(|n| n.parse().ok()).unwrap_or(240);
    let stack = Stack::start().await?;
    let page = Page::new(&stack.browser);

    let mut login_ready = Vec::new();
    for _ in 0..RELOADS {
        page.browser.goto(&stack.url("/")).await?;
        login_ready.push(mark(&page, "smtp-endpoint:login-ready").await?);
    }
    page.login(ADMIN, ADMIN_PASSWORD).await?;
    let mut settings_ready = Vec::new();
    for _ in 0..RELOADS {
        page.browser.refresh().await?;
        settings_ready.push(mark(&page, "smtp-endpoint:settings-ready").await?);
    }

    page.wait_text("#settings").await?;
    page.browser.execute(INSTRUMENT, vec![]).await?;
    let uri = page.browser.find(fantoccini::Locator::Css("#uri")).await?;
    uri.click().await?;
    let mut sent = 0;
    'typing: loop {
        for text in TYPED {
            uri.send_keys("\u{E009}a\u{E000}\u{E003}").await?;
            sent += 1;
            for ch in text.chars() {
                uri.send_keys(&ch.to_string()).await?;
                sent += 1;
                if sent >= keystrokes_wanted {
                    break 'typing;
                }
            }
        }
    }
    // Let the last frame land before reading the numbers.
    page.browser
        .execute_async(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
            vec![],
        )
        .await?;
    let lat = page.browser.execute("return window.__lat;", vec![]).await?;
    let slow = page.browser.execute("return window.__slowEvents;", vec![]).await?;
    let rows: Vec<(f64, f64)> = lat
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| Some((r.get(0)?.as_f64()?, r.get(1)?.as_f64()?))).collect())
        .unwrap_or_default();
    // Event Timing: only entries of at least 16 ms exist; their duration runs to the next frame, so in headless
    // Chromium (a 60 Hz frame clock) it is mostly the wait for that frame. Their processing time is ours.
    let slow_inputs: Vec<(f64, f64)> = slow
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter(|e| matches!(e[0].as_str(), Some("keydown" | "input" | "keypress")))
                .filter_map(|e| Some((e[1].as_f64()?, e[2].as_f64()?)))
                .collect()
        })
        .unwrap_or_default();
    println!("keystrokes sent: {sent}; measured (changed the DOM): {}", rows.len());
    println!();
    println!("| measure (ms) | n | p50 | p95 | p99 | max |");
    println!("|---|---|---|---|---|---|");
    println!("{}", summary("keystroke → DOM updated (messages, summary)", rows.iter().map(|r| r.0).collect()));
    println!("{}", summary("keystroke → next animation frame", rows.iter().map(|r| r.1).collect()));
    println!("{}", summary("navigation → login form interactive", login_ready));
    println!("{}", summary("navigation → settings form interactive (2 API calls)", settings_ready));
    println!();
    println!(
        "{}",
        summary("Event Timing entries ≥ 16 ms: duration (to next frame)", slow_inputs.iter().map(|e| e.0).collect())
    );
    println!(
        "{}",
        summary("Event Timing entries ≥ 16 ms: processing (handlers)", slow_inputs.iter().map(|e| e.1).collect())
    );
    println!();
    println!("({} keydown/keypress/input events in all; Event Timing lists only those of ≥ 16 ms)", sent * 3);
    stack.close().await
}
