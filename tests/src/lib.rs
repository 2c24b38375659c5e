//! End-to-end harness: the real server binary (temp data dir, temp master key) serving the Trunk-built `dist/`,
//! a real SMTP server process (aiosmtpd, `tests/peers/smtp_sink.py`), and headless Debian Chromium driven over
//! WebDriver (chromedriver) with fantoccini. Everything listens on 127.0.0.1 on ports the OS picks; readiness
//! is read from each process's "ready" line, never guessed with sleeps.
//!
//! Before the tests: `trunk build --release` (the page) and a build of `smtp-endpoint-server` (cargo builds it
//! with the workspace's tests). `scripts/test.sh` does both.

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use std::future::Future;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

pub use fantoccini;

/// The admin the harness creates with `admin create --password-stdin`.
pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "e2e-admin-password-4711";
/// The account the SMTP server accepts.
pub const SMTP_USER: &str = "mailer";
pub const SMTP_PASSWORD: &str = "sink-canary-Zq8!pw";

/// How long any one wait may take before the test fails with what it was waiting for.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// Where test artefacts (screenshots) go; gitignored.
pub fn artifacts_dir() -> PathBuf {
    let dir = workspace_root().join("tests/artifacts");
    std::fs::create_dir_all(&dir).expect("create tests/artifacts");
    dir
}

/// The server binary cargo built next to this test binary (`target/<profile>/smtp-endpoint-server`).
/// `CARGO_BIN_EXE_*` only exists for a package's own binaries, so it is found through the target dir.
pub fn server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("SMTP_ENDPOINT_SERVER_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/<test> or target/<profile>/<bin>
    let candidates = exe.ancestors().skip(1).take(3).map(|dir| dir.join("smtp-endpoint-server")).collect::<Vec<_>>();
    candidates.iter().find(|p| p.is_file()).cloned().unwrap_or_else(|| {
        panic!(
            "smtp-endpoint-server not built (looked at {candidates:?}); run `cargo build -p smtp-endpoint-server` \
             or scripts/test.sh, or set SMTP_ENDPOINT_SERVER_BIN"
        )
    })
}

pub fn dist_dir() -> PathBuf {
    let dist =
        std::env::var_os("SMTP_ENDPOINT_DIST").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("dist"));
    assert!(
        dist.join("index.html").is_file(),
        "{} has no index.html: build the page first with `trunk build --release` (scripts/test.sh does)",
        dist.display()
    );
    dist
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf)).expect("read /dev/urandom");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a child's stdout until a line starts with `prefix`; returns the rest of that line.
async fn ready_line(stdout: &mut BufReader<ChildStdout>, prefix: &str, what: &str) -> Result<String> {
    let read = async {
        let mut said = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            if stdout.read_line(&mut line).await? == 0 {
                return Err(format!("{what} exited before it was ready; it said: {said:?}").into());
            }
            if let Some(rest) = line.trim().strip_prefix(prefix) {
                return Ok(rest.trim().to_owned());
            }
            said.push_str(&line);
        }
    };
    tokio::time::timeout(PATIENCE, read).await.map_err(|_| format!("{what} not ready within {PATIENCE:?}"))?
}

/// Keeps reading a child's stdout so it never blocks on a full pipe.
fn drain(mut stdout: BufReader<ChildStdout>) {
    tokio::spawn(async move {
        let mut line = String::new();
        while stdout.read_line(&mut line).await.unwrap_or(0) > 0 {
            line.clear();
        }
    });
}

/// chromedriver on a port the OS picks. Once in many starts on this machine it has ended before saying it was
/// ready; a second start is tried before the test fails with what it said.
async fn start_chromedriver() -> Result<(Child, u16)> {
    let mut tries = 0;
    loop {
        tries += 1;
        let mut driver =
            Command::new("chromedriver").arg("--port=0").stdout(Stdio::piped()).kill_on_drop(true).spawn()?;
        let mut stdout = BufReader::new(driver.stdout.take().expect("piped"));
        match ready_line(&mut stdout, "ChromeDriver was started successfully on port", "chromedriver").await {
            Ok(line) => {
                drain(stdout);
                return Ok((driver, line.trim_end_matches('.').parse()?));
            }
            Err(e) if tries < 2 => eprintln!("starting chromedriver again: {e}"),
            Err(e) => return Err(e),
        }
    }
}

/// The real SMTP server: aiosmtpd, recording every accepted message.
#[derive(Debug)]
pub struct SmtpSink {
    pub port: u16,
    record: PathBuf,
    _child: Child,
    /// Held open: the sink exits when it closes.
    _stdin: tokio::process::ChildStdin,
}

impl SmtpSink {
    async fn start(dir: &Path) -> Result<SmtpSink> {
        let record = dir.join("received.jsonl");
        let mut child = Command::new("python3")
            .arg(workspace_root().join("tests/peers/smtp_sink.py"))
            .args(["--record".as_ref(), record.as_os_str()])
            .args(["--username", SMTP_USER, "--password", SMTP_PASSWORD])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().expect("piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let port = ready_line(&mut stdout, "READY", "the SMTP sink (python3 + aiosmtpd)").await?.parse()?;
        drain(stdout);
        Ok(SmtpSink { port, record, _child: child, _stdin: stdin })
    }

    /// Every message received so far, as recorded by the sink.
    pub fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }
}

/// One full stack: server + SMTP sink + Chromium, each with its own temp state.
#[derive(Debug)]
pub struct Stack {
    pub base: String,
    pub sink: SmtpSink,
    pub browser: Client,
    _server: Child,
    _driver: Child,
    dir: TempDir,
    master_key: String,
}

impl Stack {
    pub async fn start() -> Result<Stack> {
        Stack::start_with(&[]).await
    }

    /// The stack with more Chromium flags, e.g. `--force-dark-mode`.
    pub async fn start_with(browser_flags: &[&str]) -> Result<Stack> {
        let dir = tempfile::Builder::new().prefix("smtp-endpoint-e2e-").tempdir()?;
        let data = dir.path().join("data");
        let master_key = random_hex(32);
        let server = server_binary();
        let dist = dist_dir();
        create_admin(&data, &master_key, ADMIN, ADMIN_PASSWORD).await?;

        let mut server = Command::new(&server)
            .args(["serve", "--bind", "127.0.0.1:0", "--static-dir"])
            .env("SMTP_ENDPOINT_DATA_DIR", &data)
            .arg(&dist)
            .env("SMTP_ENDPOINT_MASTER_KEY", &master_key)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let mut stdout = BufReader::new(server.stdout.take().expect("piped"));
        let base = ready_line(&mut stdout, "Listening on", "the server").await?;
        drain(stdout);

        let sink = SmtpSink::start(dir.path()).await?;

        let (driver, driver_port) = start_chromedriver().await?;

        let profile = dir.path().join("chromium-profile");
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--window-size=1280,1000",
            "--lang=en-US",
        ]
        .into_iter()
        .chain(browser_flags.iter().copied())
        .map(str::to_owned)
        .collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities = json!({ "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args } });
        let Value::Object(capabilities) = capabilities else { unreachable!() };
        let browser = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await?;
        // Every page counts its requests from the start (`Page::api_requests`).
        let hook = DevTools {
            method: "Page.addScriptToEvaluateOnNewDocument",
            params: json!({ "source": format!("({FETCH_HOOK})(null, null);") }),
        };
        browser.issue_cmd(hook).await?;
        Ok(Stack { base, sink, browser, _server: server, _driver: driver, dir, master_key })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Another admin, made with the `admin create` command beside the running server.
    pub async fn create_admin(&self, username: &str, password: &str) -> Result<()> {
        create_admin(&self.dir.path().join("data"), &self.master_key, username, password).await
    }

    pub async fn close(self) -> Result<()> {
        // A clone of the client shares the session.
        self.browser.clone().close().await?;
        Ok(())
    }
}

async fn create_admin(data: &Path, master_key: &str, username: &str, password: &str) -> Result<()> {
    let mut admin = Command::new(server_binary())
        .args(["admin", "create", "--username", username, "--password-stdin"])
        .env("SMTP_ENDPOINT_DATA_DIR", data)
        .env("SMTP_ENDPOINT_MASTER_KEY", master_key)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    let mut stdin = admin.stdin.take().expect("piped");
    stdin.write_all(format!("{password}\n").as_bytes()).await?;
    drop(stdin);
    let status = tokio::time::timeout(PATIENCE, admin.wait()).await??;
    if !status.success() {
        return Err(format!("admin create failed: {status}").into());
    }
    Ok(())
}

/// A test that fails before [`Stack::close`] would leave Chromium running: chromedriver is killed, not asked to
/// end the session, and Chromium outlives it. Its command line names this stack's own profile directory, which
/// finds it (through `/proc`, so no extra tool is needed).
impl Drop for Stack {
    fn drop(&mut self) {
        let profile = format!("--user-data-dir={}", self.dir.path().join("chromium-profile").display());
        let Ok(processes) = std::fs::read_dir("/proc") else { return };
        let pids: Vec<String> = processes
            .flatten()
            .filter_map(|entry| {
                let pid =
                    entry.file_name().into_string().ok().filter(|name| name.bytes().all(|b| b.is_ascii_digit()))?;
                let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
                String::from_utf8_lossy(&cmdline).contains(&profile).then_some(pid)
            })
            .collect();
        if !pids.is_empty() {
            let _ = std::process::Command::new("sh").arg("-c").arg(format!("kill {}", pids.join(" "))).status();
        }
    }
}

/// Polls `check` every 50 ms until it returns `Some`, or fails after [`PATIENCE`] saying what it waited for.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let started = Instant::now();
    let mut last_error = None;
    loop {
        match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(e) => last_error = Some(e.to_string()),
        }
        if started.elapsed() > PATIENCE {
            return Err(format!("timed out waiting for {what} (last error: {last_error:?})").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Wraps `window.fetch` once, then sets which paths it refuses (rejects, as with the server gone) and which it
/// holds until `window.__release()`; `null` leaves a list as it is.
const FETCH_HOOK: &str = "(refused, held) => { \
    if (!window.__paths) { \
      const fetch = window.fetch; \
      const waiting = []; \
      window.__paths = { refused: [], held: [] }; \
      window.__api_calls = 0; \
      window.__api_paths = []; \
      window.__release = () => waiting.splice(0).forEach(send => send()); \
      window.__waiting = () => waiting.length; \
      window.fetch = (request, init) => { \
        const path = new URL(request.url ?? request, location).pathname; \
        if (path.startsWith('/api/')) { window.__api_calls++; window.__api_paths.push(path); } \
        if (window.__paths.refused.includes(path)) return Promise.reject(new TypeError('Failed to fetch')); \
        if (window.__paths.held.includes(path)) \
          return new Promise(resolve => waiting.push(() => resolve(fetch(request, init)))); \
        return fetch(request, init); \
      }; \
    } \
    if (refused) window.__paths.refused = refused; \
    if (held) window.__paths.held = held; \
  }";

/// A Chrome DevTools protocol command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct DevTools {
    method: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.method, "params": self.params }).to_string()))
    }
}

/// Page helpers over the WebDriver client.
#[derive(Debug, Clone)]
pub struct Page {
    pub browser: Client,
}

impl Page {
    pub fn new(browser: &Client) -> Page {
        Page { browser: browser.clone() }
    }

    /// The text of the first element matching `css`, or `None` while there is none.
    pub async fn text(&self, css: &str) -> Result<Option<String>> {
        match self.browser.find(Locator::Css(css)).await {
            Ok(element) => Ok(Some(element.text().await?)),
            Err(e) if e.is_no_such_element() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Waits until an element matching `css` exists and returns its text.
    pub async fn wait_text(&self, css: &str) -> Result<String> {
        eventually(&format!("an element {css}"), || self.text(css)).await
    }

    /// Waits until the text of `css` contains `needle`.
    pub async fn wait_contains(&self, css: &str, needle: &str) -> Result<String> {
        eventually(&format!("{css} to contain {needle:?}"), || async move {
            Ok(self.text(css).await?.filter(|text| text.contains(needle)))
        })
        .await
    }

    /// Waits until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str) -> Result<()> {
        eventually(&format!("{css} to disappear"), || async move {
            Ok(self.browser.find_all(Locator::Css(css)).await?.is_empty().then_some(()))
        })
        .await
    }

    /// Waits until the element exists and is enabled, then clicks it.
    pub async fn click(&self, css: &str) -> Result<()> {
        let element = eventually(&format!("{css} to be enabled"), || async move {
            match self.browser.find(Locator::Css(css)).await {
                Ok(element) if element.is_enabled().await? => Ok(Some(element)),
                Ok(_) => Ok(None),
                Err(e) if e.is_no_such_element() => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
        .await?;
        element.click().await?;
        Ok(())
    }

    /// Empties a field the way a user does (select all, delete), then types `text` key by key.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let element = eventually(&format!("an element {css}"), || async move {
            match self.browser.find(Locator::Css(css)).await {
                Ok(element) => Ok(Some(element)),
                Err(e) if e.is_no_such_element() => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
        .await?;
        element.click().await?;
        element.send_keys("\u{E009}a\u{E000}\u{E003}").await?; // Ctrl+A, release modifiers, Backspace
        if !text.is_empty() {
            element.send_keys(text).await?;
        }
        Ok(())
    }

    /// Waits until the element with this id has the keyboard focus.
    pub async fn wait_focus(&self, id: &str) -> Result<()> {
        eventually(&format!("the keyboard on #{id}"), || async {
            Ok((self.browser.active_element().await?.attr("id").await?.as_deref() == Some(id)).then_some(()))
        })
        .await
    }

    /// How far the page is wider than the window (≤ 0: no horizontal scrolling).
    pub async fn horizontal_overflow(&self) -> Result<i64> {
        let script = "return document.documentElement.scrollWidth - document.documentElement.clientWidth;";
        let overflow = self.browser.execute(script, vec![]).await?;
        overflow.as_i64().ok_or_else(|| format!("not a number: {overflow}").into())
    }

    pub async fn value(&self, css: &str) -> Result<String> {
        Ok(self.browser.find(Locator::Css(css)).await?.prop("value").await?.unwrap_or_default())
    }

    pub async fn attr(&self, css: &str, name: &str) -> Result<Option<String>> {
        Ok(self.browser.find(Locator::Css(css)).await?.attr(name).await?)
    }

    /// An element's text whether it is shown or not (WebDriver's text is what is visible).
    pub async fn text_content(&self, css: &str) -> Result<String> {
        Ok(self.browser.find(Locator::Css(css)).await?.prop("textContent").await?.unwrap_or_default())
    }

    /// How many requests to `/api/` the page has started so far, counted as `fetch` is called (the hook every
    /// page of a [`Stack`] gets before its own scripts run), so a request still on its way counts too.
    pub async fn api_requests(&self) -> Result<u64> {
        let count = self.browser.execute("return window.__api_calls;", vec![]).await?;
        count.as_u64().ok_or_else(|| format!("no count of requests (the fetch hook is missing): {count}").into())
    }

    /// Every `/api/` path the page has fetched since it was loaded, in order.
    pub async fn api_paths(&self) -> Result<Vec<String>> {
        let paths = self.browser.execute("return window.__api_paths;", vec![]).await?;
        let paths = paths.as_array().ok_or_else(|| format!("no list of paths (the fetch hook is missing): {paths}"))?;
        Ok(paths.iter().filter_map(|path| path.as_str().map(str::to_owned)).collect())
    }

    /// Everything the page holds that is not markup: every field's value, and the browser's storage.
    pub async fn held_values(&self) -> Result<String> {
        let script = "return [...document.querySelectorAll('input, textarea, select')].map(e => e.value).join('\\n') \
                      + JSON.stringify(localStorage) + JSON.stringify(sessionStorage);";
        let held = self.browser.execute(script, vec![]).await?;
        held.as_str().map(str::to_owned).ok_or_else(|| format!("not a text: {held}").into())
    }

    /// Makes the browser's `fetch` fail (as with the server gone) for these paths, and only these, from now on
    /// until the page is reloaded; an empty list lets everything through again.
    pub async fn refuse_fetch(&self, paths: &[&str]) -> Result<()> {
        let script = format!("({FETCH_HOOK})(arguments[0], null); return true;");
        self.browser.execute(&script, vec![json!(paths)]).await?;
        Ok(())
    }

    /// Makes the page's requests to the listed paths wait (in the browser) until [`Page::release_held`]: the
    /// time an answer takes, under the test's control.
    pub async fn hold_fetch(&self, paths: &[&str]) -> Result<()> {
        let script = format!("({FETCH_HOOK})(null, arguments[0]); return true;");
        self.browser.execute(&script, vec![json!(paths)]).await?;
        Ok(())
    }

    /// Waits until a held request is waiting, then sends every held request on and holds no more.
    pub async fn release_held(&self) -> Result<()> {
        eventually("a held request", || async {
            Ok((self.browser.execute("return window.__waiting();", vec![]).await? != json!(0)).then_some(()))
        })
        .await?;
        self.browser.execute("window.__paths.held = []; window.__release(); return true;", vec![]).await?;
        Ok(())
    }

    /// As [`Page::refuse_fetch`], but for every page loaded from now on, before its own scripts run (the
    /// DevTools protocol through chromedriver); `refuse_fetch(&[])` on a loaded page lets everything through.
    pub async fn refuse_fetch_on_load(&self, paths: &[&str]) -> Result<()> {
        let source = format!("({FETCH_HOOK})({}, null);", json!(paths));
        let command = DevTools { method: "Page.addScriptToEvaluateOnNewDocument", params: json!({ "source": source }) };
        self.browser.issue_cmd(command).await?;
        Ok(())
    }

    /// What axe-core (Deque's accessibility checker, npm `axe-core`, installed by `scripts/setup.sh`) finds
    /// wrong in the page as it is now, against WCAG 2.2 A and AA and axe's best practices: one line per rule
    /// broken, with the elements that break it. Empty when it finds nothing.
    async fn accessibility_violations(&self) -> Result<Vec<String>> {
        // Into each page once (650 kB of script through WebDriver).
        if self.browser.execute("return typeof axe;", vec![]).await? == "undefined" {
            let axe = workspace_root().join(".tools/node_modules/axe-core/axe.min.js");
            let source = std::fs::read_to_string(&axe)
                .map_err(|e| format!("{}: {e} (scripts/setup.sh installs axe-core)", axe.display()))?;
            self.browser.execute(&format!("{source}\nreturn true;"), vec![]).await?;
        }
        let found = self
            .browser
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
                 axe.run(document, { runOnly: { type: 'tag', values: tags } })
                   .then(r => done(r.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map(n =>
                     `${n.target.join(' ')}: ${[...n.any, ...n.all, ...n.none].map(c => c.message).join('; ')}`)
                     .join(' | ')}`)))
                   .catch(e => done([`axe failed: ${e}`]));",
                vec![],
            )
            .await?;
        let lines = found.as_array().ok_or_else(|| format!("axe answered {found}"))?;
        Ok(lines.iter().map(|line| line.as_str().unwrap_or_default().to_owned()).collect())
    }

    /// Fails, listing what axe-core found, unless it finds nothing to mend in the page as it is now; `state`
    /// says which state that is.
    pub async fn expect_accessible(&self, state: &str) -> Result<()> {
        let found = self.accessibility_violations().await?;
        if found.is_empty() { Ok(()) } else { Err(format!("axe-core, {state}:\n{}", found.join("\n")).into()) }
    }

    /// Whether the page would have the browser ask before leaving it: a `beforeunload` event the page cancels.
    pub async fn leaving_is_questioned(&self) -> Result<bool> {
        let cancelled = self
            .browser
            .execute(
                "const event = new Event('beforeunload', { cancelable: true }); \
                 window.dispatchEvent(event); return event.defaultPrevented;",
                vec![],
            )
            .await?;
        cancelled.as_bool().ok_or_else(|| format!("beforeunload: {cancelled}").into())
    }

    /// POSTs `body` to `path` from the page (its session, its origin) until the server answers 429 with a wait of
    /// at least `least` seconds (`Retry-After`; a shorter wait is waited out, as a client should, and the POSTs go
    /// on); returns how many requests that took (at most 100; 0 when none was refused so).
    pub async fn post_until_throttled(&self, path: &str, body: Value, least: u64) -> Result<u64> {
        let count = self
            .browser
            .execute(
                "const [path, body, least] = arguments; \
                 return (async () => { \
                   for (let n = 1; n <= 100; n++) { \
                     const r = await fetch(path, { method: 'POST', \
                       headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }); \
                     if (r.status !== 429) continue; \
                     const wait = Number(r.headers.get('retry-after')); \
                     if (!(wait < least)) return n; \
                     await new Promise(done => setTimeout(done, wait * 1000)); \
                   } \
                   return 0; \
                 })();",
                vec![json!(path), body, json!(least)],
            )
            .await?;
        count.as_u64().ok_or_else(|| format!("requests until 429: {count}").into())
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<()> {
        self.type_into("#login-username", username).await?;
        self.type_into("#login-password", password).await?;
        self.click("#login-submit").await?;
        self.wait_text("#settings").await?;
        Ok(())
    }

    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let png = self.browser.screenshot().await?;
        let path = artifacts_dir().join(name);
        std::fs::write(&path, png)?;
        Ok(path)
    }
}
