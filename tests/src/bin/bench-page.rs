//! Page timings in headless Chromium (run by scripts/bench-page.sh; a measurement, not a test):
//!
//! - navigation → interactive: from navigation start to the page's `smtp-endpoint:login-ready` /
//!   `smtp-endpoint:settings-ready` performance marks (set in the frame after the form is in the DOM;
//!   the settings form first waits for `GET /api/session` and `GET /api/endpoints/smtp`);
//! - keystroke → message on screen: real key events (WebDriver), from the keydown's timestamp to the DOM
//!   change the validation made (messages, effective connection) and to the next animation frame; Event
//!   Timing entries (≥ 16 ms, the API's floor) are counted too;
//! - the baseline for keystrokes, in the same browser and page: the same keys typed into a plain `<input>` whose
//!   `input` listener (three lines of JavaScript) writes the value's length into an `<output>` — the browser's own
//!   cost of a key event that changes the DOM, without wasm or Leptos.

use smtp_endpoint_e2e::{ADMIN, ADMIN_PASSWORD, Page, Result, Stack, eventually};

const RELOADS: usize = 10;

/// Records keydown → first DOM change under the element `arguments[0]` → next frame, and slow Event Timing entries.
const INSTRUMENT: &str = r#"
window.__observer?.disconnect();
window.__lat = [];
window.__slowEvents = [];
window.__start = null;
if (!window.__instrumented) {
  window.__instrumented = true;
  document.addEventListener('keydown', e => { window.__start = e.timeStamp; }, true);
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) window.__slowEvents.push([e.name, e.duration, e.processingEnd - e.processingStart]);
  }).observe({ type: 'event', durationThreshold: 16 });
}
window.__observer = new MutationObserver(() => {
  if (window.__start === null) return;
  const s = window.__start;
  window.__start = null;
  const dom = performance.now() - s;
  requestAnimationFrame(() => window.__lat.push([dom, performance.now() - s]));
});
window.__observer.observe(document.getElementById(arguments[0]), { subtree: true, childList: true, characterData: true, attributes: true });
return true;
"#;

/// The baseline: a plain input outside the page's root, with a listener that changes the DOM on every key.
const BASELINE: &str = r#"
const box = document.createElement('div');
box.id = 'bench-baseline';
box.innerHTML = '<input id="bench-input"><output id="bench-output"></output>';
document.body.append(box);
const output = box.querySelector('output');
box.querySelector('input').addEventListener('input', e => { output.textContent = e.target.value.length + ' chars'; });
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
    let (sent, rows, slow_inputs) = measure_typing(&page, "settings", "#uri", keystrokes_wanted).await?;
    page.browser.execute(BASELINE, vec![]).await?;
    let (_, baseline, _) = measure_typing(&page, "bench-baseline", "#bench-input", keystrokes_wanted).await?;

    println!("keystrokes sent: {sent}; measured (changed the DOM): {}", rows.len());
    println!();
    println!("| measure (ms) | n | p50 | p95 | p99 | max |");
    println!("|---|---|---|---|---|---|");
    println!("{}", summary("keystroke → DOM updated (messages, summary)", rows.iter().map(|r| r.0).collect()));
    println!("{}", summary("keystroke → next animation frame", rows.iter().map(|r| r.1).collect()));
    println!(
        "{}",
        summary("baseline: keystroke → DOM updated (plain input, JS listener)", baseline.iter().map(|r| r.0).collect())
    );
    println!("{}", summary("baseline: keystroke → next animation frame", baseline.iter().map(|r| r.1).collect()));
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
    let ratio = |p: f64| {
        let mut page: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let mut base: Vec<f64> = baseline.iter().map(|r| r.0).collect();
        page.sort_by(f64::total_cmp);
        base.sort_by(f64::total_cmp);
        percentile(&page, p) / percentile(&base, p)
    };
    println!("keystroke → DOM updated, page / baseline: p50 {:.1}×, p95 {:.1}×", ratio(50.0), ratio(95.0));
    println!("({} keydown/keypress/input events in all; Event Timing lists only those of ≥ 16 ms)", sent * 3);
    stack.close().await
}

/// Types the URIs key by key into `field` (under the element with id `root`): how many keys were sent, keydown →
/// DOM / next frame for each key that changed the DOM, and the slow (≥ 16 ms) Event Timing entries of inputs.
async fn measure_typing(
    page: &Page,
    root: &str,
    field: &str,
    keystrokes_wanted: usize,
) -> Result<(usize, Vec<(f64, f64)>, Vec<(f64, f64)>)> {
    page.browser.execute(INSTRUMENT, vec![root.into()]).await?;
    let input = page.browser.find(fantoccini::Locator::Css(field)).await?;
    input.click().await?;
    let mut sent = 0;
    'typing: loop {
        for text in TYPED {
            input.send_keys("\u{E009}a\u{E000}\u{E003}").await?;
            sent += 1;
            for ch in text.chars() {
                input.send_keys(&ch.to_string()).await?;
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
    Ok((sent, rows, slow_inputs))
}
