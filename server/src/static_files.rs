//! Serves the built page (Trunk's `dist/`, `--static-dir`). Owned by the page work (issue 5).
//!
//! - Files come precompressed (`.br`, `.gz` written by the Trunk post-build hook) when the browser accepts
//!   them; `.wasm` is `application/wasm`, so browsers can compile it while it streams.
//! - Hashed assets (`name-<16 hex>.ext`, named by a hash of their bytes in the Trunk post-build hook) never
//!   change: cached for a year, `immutable`. `index.html` names them and must always be revalidated: `no-cache`.
//! - Any other path without a file extension is a page route and gets `index.html` (the page routes in the
//!   browser); a missing file with an extension is a plain 404.
//! - Every answer carries a Content-Security-Policy that allows only this origin's script and style, plus
//!   `'wasm-unsafe-eval'` to compile the WebAssembly: the page has no inline script or style.
//! - A path that leads into the data dir — through a link put into the static dir while the server runs; one there
//!   at start stops the start (`cli.rs`) — is a 404: it would serve the database and `master.key`.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// The page's Content-Security-Policy. `'wasm-unsafe-eval'` permits compiling WebAssembly and nothing else
/// that `'unsafe-eval'` would.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The router for the page's files, mounted as the fallback of the whole app when `--static-dir` is given.
pub fn router(static_dir: &Path, data_dir: &Path) -> Router {
    let index = Arc::new(static_dir.join("index.html"));
    let files = ServeDir::new(static_dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true)
        .fallback(page_route.with_state(index));
    let data = Arc::new(DataDir { pages: static_dir.to_path_buf(), data: data_dir.to_path_buf() });
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn_with_state(data, stay_out_of_data))
        .layer(middleware::from_fn(headers))
}

/// Where the static dir and the data dir are.
#[derive(Debug)]
struct DataDir {
    pages: PathBuf,
    data: PathBuf,
}

impl DataDir {
    /// Whether a file the file server could answer `path` with — itself, its `.br` / `.gz`, a folder's
    /// `index.html`, or the page's `index.html` for a page route — is one of the data dir's files: the same device
    /// and inode, reached through a symbolic link (to it or to a folder above it) or a hard link alike.
    /// The path is read as tower-http's `ServeDir` reads it: the leading `/` trimmed, percent-decoded, `.` skipped;
    /// a path it refuses (`..`, not UTF-8) goes to the page route, so only the page's `index.html` counts then.
    async fn holds(&self, path: &str) -> bool {
        let file =
            percent_encoding::percent_decode_str(path.trim_start_matches('/')).decode_utf8().ok().and_then(|decoded| {
                let mut file = self.pages.clone();
                for part in Path::new(&*decoded).components() {
                    match part {
                        Component::Normal(name) => file.push(name),
                        Component::CurDir => {}
                        Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
                    }
                }
                Some(file)
            });
        let bases = file.map(|file| [file.join("index.html"), file]).into_iter().flatten();
        let mut data_files = None;
        for base in bases.chain([self.pages.join("index.html")]) {
            for suffix in ["", ".br", ".gz"] {
                let mut name = base.clone().into_os_string();
                name.push(suffix);
                let Some(served) = identity(Path::new(&name)).await else { continue };
                let files = match &data_files {
                    Some(files) => files,
                    None => data_files.insert(files_of(&self.data).await),
                };
                if files.contains(&served) {
                    return true;
                }
            }
        }
        false
    }
}

/// The first place where the static dir's group or other users may change what it serves: a folder or file in it
/// (itself included) they may write into, or a folder above it they may write into without the sticky bit (which
/// keeps them from renaming what is not theirs, as in /tmp). A link made there while the server runs could race
/// [`DataDir::holds`] (checked, then opened by the file server), and a file written there changes the page.
pub fn writable_by_others(static_dir: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| std::fs::metadata(path).map(|meta| meta.permissions().mode()).ok();
    let open = |mode: u32| mode & 0o022 != 0;
    let above = std::fs::canonicalize(static_dir).ok()?;
    if let Some(folder) =
        above.ancestors().skip(1).find(|folder| mode(folder).is_some_and(|m| open(m) && m & 0o1000 == 0))
    {
        return Some(folder.to_path_buf());
    }
    let mut folders = vec![static_dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        if mode(&folder).is_some_and(open) {
            return Some(folder);
        }
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => folders.push(entry.path()),
                Ok(kind) if kind.is_file() && mode(&entry.path()).is_some_and(open) => return Some(entry.path()),
                _ => {}
            }
        }
    }
    None
}

/// A file's device and inode (links followed), which a hard link shares.
async fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = tokio::fs::metadata(path).await.ok()?;
    meta.is_file().then(|| (meta.dev(), meta.ino()))
}

/// The identities of the files in `dir` and its folders, read when asked: the data dir's `-wal` and `-shm` come
/// and go.
async fn files_of(dir: &Path) -> Vec<(u64, u64)> {
    let (mut files, mut folders) = (Vec::new(), vec![dir.to_path_buf()]);
    while let Some(folder) = folders.pop() {
        let Ok(mut entries) = tokio::fs::read_dir(&folder).await else { continue };
        while let Ok(Some(entry)) = entries.next_entry().await {
            match entry.file_type().await {
                Ok(kind) if kind.is_dir() => folders.push(entry.path()),
                _ => files.extend(identity(&entry.path()).await),
            }
        }
    }
    files
}

async fn stay_out_of_data(State(data): State<Arc<DataDir>>, request: Request, next: Next) -> Response {
    if data.holds(request.uri().path()).await {
        tracing::warn!(
            path = request.uri().path(),
            "refused a page path that leads into the data dir (a link in --static-dir): remove the link"
        );
        return StatusCode::NOT_FOUND.into_response();
    }
    next.run(request).await
}

/// A path that matched no file: `index.html` for page routes, 404 for anything that looks like a file.
async fn page_route(State(index): State<Arc<PathBuf>>, request: Request) -> Response {
    let last = request.uri().path().rsplit('/').next().unwrap_or_default();
    if last.contains('.') || !matches!(*request.method(), Method::GET | Method::HEAD) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let index = ServeFile::new(index.as_path()).precompressed_br().precompressed_gzip();
    match index.oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(error) => {
            tracing::error!(%error, "reading index.html failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Whether a file name carries a content hash, e.g. `smtp-endpoint-web-0123456789abcdef_bg.wasm`.
pub fn is_hashed_asset(path: &str) -> bool {
    content_hash(path).is_some()
}

/// The content hash a file name carries: the 16 hex digits of `name-<hash>.ext` or `name-<hash>_bg.wasm`.
pub fn content_hash(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next()?;
    let stem = name.split('.').next()?;
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let (_, hash) = stem.rsplit_once('-')?;
    (hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hash)
}

async fn headers(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // A 304 answers for the file the cache holds: it keeps that file's long life.
    let found = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    let cache = if hashed && found && !is_html { IMMUTABLE } else { REVALIDATE };
    let set = [
        (header::CACHE_CONTROL, cache),
        // The same path is served brotli, gzip or plain: a shared cache must keep them apart.
        (header::VARY, "accept-encoding"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (HeaderName::from_static("cross-origin-resource-policy"), "same-origin"),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    ];
    let headers = response.headers_mut();
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request as HttpRequest;

    fn check_hashed(path: &str, expected: bool) {
        assert_eq!(is_hashed_asset(path), expected, "{path}");
    }

    #[test]
    fn hashed_assets_are_recognised() {
        check_hashed("/smtp-endpoint-web-0123456789abcdef_bg.wasm", true);
        check_hashed("/smtp-endpoint-web-0123456789abcdef.js", true);
        check_hashed("/style-fedcba9876543210.css", true);
        check_hashed("/init-0123456789abcdef.js", true);
        check_hashed("/smtp-endpoint-web-0123456789abcdef_bg.wasm.br", true);
        check_hashed("/index.html", false);
        check_hashed("/", false);
        check_hashed("/style.css", false);
        check_hashed("/smtp-endpoint-web-0123456789abcdeg.js", false);
    }

    fn dist() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        let write = |name: &str, data: &[u8]| std::fs::write(dir.path().join(name), data).expect("write");
        write("index.html", b"<!DOCTYPE html><title>page</title>");
        write("app-0123456789abcdef_bg.wasm", b"\0asm\x01\0\0\0");
        write("app-0123456789abcdef_bg.wasm.br", b"brotli bytes");
        write("app-0123456789abcdef.js", b"export {}");
        dir
    }

    async fn get(router: &Router, path: &str, accept_encoding: Option<&str>) -> Response {
        let mut request = HttpRequest::get(path);
        if let Some(encoding) = accept_encoding {
            request = request.header(header::ACCEPT_ENCODING, encoding);
        }
        router.clone().oneshot(request.body(Body::empty()).expect("request")).await.expect("response")
    }

    fn header_of(response: &Response, name: HeaderName) -> &str {
        response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    #[tokio::test]
    async fn serves_the_page_with_the_right_headers() {
        let dir = dist();
        let data = tempfile::tempdir().expect("data dir");
        let router = router(dir.path(), data.path());

        let index = get(&router, "/", None).await;
        assert_eq!(index.status(), StatusCode::OK);
        assert_eq!(header_of(&index, header::CACHE_CONTROL), REVALIDATE);
        assert!(header_of(&index, header::CONTENT_SECURITY_POLICY).contains("'wasm-unsafe-eval'"));
        assert!(!header_of(&index, header::CONTENT_SECURITY_POLICY).contains("unsafe-inline"));

        let wasm = get(&router, "/app-0123456789abcdef_bg.wasm", Some("br, gzip")).await;
        assert_eq!(wasm.status(), StatusCode::OK);
        assert_eq!(header_of(&wasm, header::CONTENT_TYPE), "application/wasm");
        assert_eq!(header_of(&wasm, header::CONTENT_ENCODING), "br");
        assert_eq!(header_of(&wasm, header::CACHE_CONTROL), IMMUTABLE);

        assert_eq!(header_of(&wasm, header::VARY), "accept-encoding");
        assert_eq!(header_of(&index, header::VARY), "accept-encoding");

        let plain = get(&router, "/app-0123456789abcdef_bg.wasm", None).await;
        assert_eq!(header_of(&plain, header::CONTENT_ENCODING), "");

        // Revalidated: still immutable.
        let modified = header_of(&plain, header::LAST_MODIFIED).to_owned();
        let request = HttpRequest::get("/app-0123456789abcdef_bg.wasm").header(header::IF_MODIFIED_SINCE, modified);
        let unchanged = router.clone().oneshot(request.body(Body::empty()).expect("request")).await.expect("response");
        assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header_of(&unchanged, header::CACHE_CONTROL), IMMUTABLE);

        let js = get(&router, "/app-0123456789abcdef.js", None).await;
        assert!(header_of(&js, header::CONTENT_TYPE).contains("javascript"));

        let route = get(&router, "/settings/smtp", None).await;
        assert_eq!(route.status(), StatusCode::OK);
        assert!(header_of(&route, header::CONTENT_TYPE).starts_with("text/html"));
        assert_eq!(header_of(&route, header::CACHE_CONTROL), REVALIDATE);

        let missing = get(&router, "/missing-0123456789abcdef.js", None).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_eq!(header_of(&missing, header::CACHE_CONTROL), REVALIDATE);
    }

    #[cfg(unix)]
    #[test]
    fn a_static_dir_others_may_write_into_is_found() {
        use std::os::unix::fs::PermissionsExt;
        let dir = dist();
        assert_eq!(writable_by_others(dir.path()), None);
        let assets = dir.path().join("assets");
        std::fs::create_dir(&assets).expect("folder");
        std::fs::set_permissions(&assets, std::fs::Permissions::from_mode(0o775)).expect("mode");
        assert_eq!(writable_by_others(dir.path()), Some(assets.clone()), "group-writable");
        std::fs::set_permissions(&assets, std::fs::Permissions::from_mode(0o755)).expect("mode");
        let index = dir.path().join("index.html");
        std::fs::set_permissions(&index, std::fs::Permissions::from_mode(0o666)).expect("mode");
        assert_eq!(writable_by_others(dir.path()), Some(index.clone()), "a file others may rewrite");
        std::fs::set_permissions(&index, std::fs::Permissions::from_mode(0o644)).expect("mode");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("mode");
        assert_eq!(writable_by_others(dir.path()), Some(dir.path().to_path_buf()));
        // A folder above it that others may write into lets them swap the whole static dir; /tmp's sticky bit
        // does not (the temp dir itself is in /tmp).
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("mode");
        let inner = dir.path().join("release/dist");
        std::fs::create_dir_all(&inner).expect("folders");
        std::fs::set_permissions(dir.path().join("release"), std::fs::Permissions::from_mode(0o777)).expect("mode");
        assert_eq!(writable_by_others(&inner), Some(dir.path().join("release")));
        std::fs::set_permissions(dir.path().join("release"), std::fs::Permissions::from_mode(0o1777)).expect("mode");
        assert_eq!(writable_by_others(&inner), None, "sticky, as /tmp");
    }

    /// A link into the data dir put into the static dir while the server runs (the start refuses one that is
    /// there already) serves nothing from it: not through a folder, nor as a file's precompressed form, nor a
    /// folder's index.html. A link elsewhere still serves.
    #[cfg(unix)]
    #[tokio::test]
    async fn links_into_the_data_dir_serve_nothing() {
        use std::os::unix::fs::symlink;
        let dir = dist();
        let data = tempfile::tempdir().expect("data dir");
        let secret = b"the master key";
        std::fs::write(data.path().join("master.key"), secret).expect("key");
        std::fs::create_dir(data.path().join("inner")).expect("folder");
        std::fs::write(data.path().join("inner/index.html"), secret).expect("html");
        let elsewhere = tempfile::tempdir().expect("elsewhere");
        std::fs::write(elsewhere.path().join("extra.css"), b"p {}").expect("css");
        let router = router(dir.path(), data.path());

        symlink(data.path(), dir.path().join("d")).expect("link");
        symlink(data.path().join("master.key"), dir.path().join("key.txt.br")).expect("link");
        symlink(data.path().join("inner"), dir.path().join("inner")).expect("link");
        symlink(elsewhere.path().join("extra.css"), dir.path().join("extra.css")).expect("link");
        for (path, encoding) in [
            ("/d/master.key", None),
            ("/%64/master%2Ekey", None),
            ("/d//master.key", None),
            ("/d/./master.key", None),
            ("/./d/master.key", None),
            ("/d/%2E/master.key", None),
            ("/d/master.key/.", None),
            ("/key.txt", Some("br")),
            ("/inner/", None),
            ("/d/", None),
        ] {
            let response = get(&router, path, encoding).await;
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
            assert!(!body.windows(secret.len()).any(|w| w == secret), "{path} served the data dir ({status})");
        }
        assert_eq!(get(&router, "/d/master.key", None).await.status(), StatusCode::NOT_FOUND);
        // A hard link has no other path to resolve: it is known by its device and inode.
        std::fs::hard_link(data.path().join("master.key"), dir.path().join("hard.txt")).expect("hard link");
        std::fs::hard_link(data.path().join("master.key"), dir.path().join("hard2.txt.br")).expect("hard link");
        for (path, encoding) in [("/hard.txt", None), ("/hard2.txt", Some("br"))] {
            let response = get(&router, path, encoding).await;
            let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
            assert!(!body.windows(secret.len()).any(|w| w == secret), "{path} served the data dir");
        }
        assert_eq!(get(&router, "/extra.css", None).await.status(), StatusCode::OK, "a link elsewhere serves");
        assert_eq!(get(&router, "/app-0123456789abcdef.js", None).await.status(), StatusCode::OK);
        // The page's own index.html made a link into the data dir: no page route serves it (nor any
        // other path: the page is not served while its index.html is the data dir's).
        std::fs::remove_file(dir.path().join("index.html")).expect("remove");
        symlink(data.path().join("master.key"), dir.path().join("index.html")).expect("link");
        for path in ["/settings/smtp", "/", "/../x", "/%FF"] {
            let body = axum::body::to_bytes(get(&router, path, None).await.into_body(), 1 << 20).await.expect("body");
            assert!(!body.windows(secret.len()).any(|w| w == secret), "{path} served the data dir");
        }
    }
}
