#!/usr/bin/env python3
"""Trunk post_build hook (see Trunk.toml), run in Trunk's staging directory before it becomes dist/.

1. Moves the inline start-up <script type="module"> Trunk writes into index.html to its own file, so the server's
   Content-Security-Policy can say script-src 'self' 'wasm-unsafe-eval' with no 'unsafe-inline' and no hash to
   keep in step (Trunk issue #288). Trunk's static nonce goes too. The file gets an integrity hash, and fetches
   the wasm with the wasm's (Chromium checks none on the wasm's preload link).
2. In release builds, drops the classes and exports of the glue that nothing calls (scripts/unused_exports.py),
   runs wasm-opt with the level and flags of index.html's `data-post-build-wasm-opt` (Trunk's own run, before
   this hook, would keep the code behind those exports; `data-wasm-opt="0"` turns it off), shortens the hashed
   names the wasm module and wasm-bindgen's glue share (scripts/wasm_names.py), then minifies the JavaScript modules (the glue, the start-up file) with terser
   (scripts/setup.sh installs it; Trunk's own minifier cannot read wasm-bindgen's `export default`).
3. Names every hashed asset by a hash of its final bytes, and gives index.html their subresource-integrity
   hashes. Trunk names the glue and the wasm by cargo's output, before wasm-bindgen, wasm-opt and terser: a new
   terser or new wasm-opt flags would change the bytes under the same name, which browsers cache for a year.
4. In release builds, writes .br (Debian's `brotli`) and .gz next to every text and wasm asset, which
   tower-http's ServeDir serves precompressed.
"""

import base64
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import unused_exports
import wasm_names

staging = Path(os.environ["TRUNK_STAGING_DIR"])
release = os.environ.get("TRUNK_PROFILE") == "release"
public = os.environ.get("TRUNK_PUBLIC_URL", "/")
html_path = staging / Path(os.environ.get("TRUNK_HTML_FILE", "index.html")).name
if not html_path.exists():
    html_path = staging / "index.html"
# Trunk's hashed names: `stem-<hex digits>` and the extension (`_bg.wasm` for wasm-bindgen's module). Trunk
# prints a 64-bit hash without leading zeros, so one name in 16 has 15 digits, one in 256 has 14, and so on.
HASHED = re.compile(r"(?P<stem>.+)-[0-9a-f]{8,16}(?P<ext>_bg\.wasm|\.[a-z0-9]+)")


def fail(message: str) -> None:
    sys.exit(f"trunk_post_build: {message}")


# Trunk's inline start-up script.
INLINE_MODULE = re.compile(r"<script type=\"?module\"?>(?P<body>.*?)</script>", re.S)


def content_name(stem: str, ext: str, data: bytes) -> str:
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:16]}{ext}"


terser = shutil.which("terser")
node = shutil.which("node")
if release and (terser is None or node is None):
    fail("terser or node is missing; run scripts/setup.sh (and source scripts/env.sh)")


def wasm_opt_args() -> list[str]:
    """`-O<level>` and the flags of the source index.html's `data-post-build-wasm-opt(-params)`; none without."""
    source = Path(os.environ["TRUNK_HTML_FILE"]).read_text(encoding="utf-8")
    level = re.search(r'\bdata-post-build-wasm-opt="([^"]*)"', source)
    trunk_level = re.search(r'\bdata-wasm-opt="([^"]*)"', source)
    off = trunk_level is not None and trunk_level[1] == "0"
    if level is None:
        if off:
            fail('data-wasm-opt="0" without data-post-build-wasm-opt: the wasm would go out unoptimised')
        return []
    if not re.fullmatch(r"[0-4sz]", level[1]):
        fail(f'data-post-build-wasm-opt="{level[1]}": give a level, 0 to 4, s or z')
    if not off:
        # Without the attribute Trunk runs wasm-opt -O in release builds.
        fail('wasm-opt would run twice: set data-wasm-opt="0" beside data-post-build-wasm-opt')
    params = re.search(r'\bdata-post-build-wasm-opt-params="([^"]*)"', source)
    return [f"-O{level[1]}", *(params[1].split() if params else [])]


def wasm_opt(path: Path, args: list[str]) -> None:
    tool = shutil.which("wasm-opt")
    version = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout if tool else ""
    if "version 132" not in version:
        fail(f"wasm-opt 132 is needed (binaryen from npm; Debian's leaves the page blank), found {version or 'none'}")
    subprocess.run([tool, str(path), "--output", str(path), *args], check=True)


def minify(path: Path) -> None:
    subprocess.run([terser, str(path), "--module", "--compress", "--mangle", "--output", str(path)], check=True)


html = html_path.read_text(encoding="utf-8")
html = re.sub(r'\s+nonce="[^"]*"', "", html)

if release:
    modules = [staging / m.removeprefix(public) for m in re.findall(r'<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"', html)]
    wasms = sorted(staging.glob("*_bg.wasm"))
    if len(modules) != 1 or len(wasms) != 1:
        fail(f"expected one glue module and one wasm module, found {len(modules)} and {len(wasms)}")
    startup = "".join(found["body"] for found in INLINE_MODULE.finditer(html))
    wasm, glue, classes, exports = unused_exports.drop_classes(
        wasms[0].read_bytes(), modules[0].read_text(encoding="utf-8"), startup
    )
    dropped = f"{len(classes)} unused classes ({', '.join(classes)}) and {len(exports)} exports nothing calls"
    print(f"trunk_post_build: dropped {dropped}", file=sys.stderr)
    opt = wasm_opt_args()
    if opt:
        wasms[0].write_bytes(wasm)
        wasm_opt(wasms[0], opt)
        wasm = wasms[0].read_bytes()
    glue, imports = unused_exports.drop_imports(wasm, glue)
    print(f"trunk_post_build: {imports} imports the wasm no longer needs dropped from the glue", file=sys.stderr)
    try:
        unused_exports.check(wasm, glue)
    except ValueError as e:
        fail(str(e))
    wasm, glue, count = wasm_names.shorten(wasm, glue)
    wasms[0].write_bytes(wasm)
    modules[0].write_text(glue, encoding="utf-8")
    # The rewritten module must still compile (imports are checked later, when the page instantiates it).
    compiles = "new WebAssembly.Module(require('fs').readFileSync(process.argv[1]))"
    subprocess.run([node, "-e", compiles, str(wasms[0])], check=True)
    print(f"trunk_post_build: {count} import and export names shortened", file=sys.stderr)
    for module in modules:
        minify(module)

renames = {}
for path in sorted(staging.iterdir()):
    match = HASHED.fullmatch(path.name)
    if match and path.is_file():
        renamed = content_name(match["stem"], match["ext"], path.read_bytes())
        path.rename(staging / renamed)
        renames[path.name] = renamed
for old, new in renames.items():
    # As a path's last part only (`/name"` or `/name'`): a name inside another is left alone.
    html = re.sub(rf"(?<=/){re.escape(old)}(?=[\"'])", new, html)

def sri(path: Path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def fetch_with_integrity(found: re.Match) -> str:
    """The wasm fetched with its integrity hash, as the preload link names it: Chromium checks none on a preload of
    this kind (its console says that `integrity` is ignored there), so without it the bytes that run are unchecked."""
    url = found.group("url")
    return f'module_or_path: new Request("{url}", {{ integrity: "{sri(staging / url.removeprefix(public))}" }})'


match = INLINE_MODULE.search(html)
if match:
    wasm_url = r"module_or_path:\s*(['\"])(?P<url>[^'\"]+_bg\.wasm)\1"
    body, found = re.subn(wasm_url, fetch_with_integrity, match.group("body"))
    if found != 1:
        fail(f"the start-up script names the wasm {found} times as module_or_path, not once: {match.group('body')!r}")
    start = staging / "init.js"
    start.write_text(body.strip() + "\n", encoding="utf-8")
    if release:
        minify(start)
    name = content_name("init", ".js", start.read_bytes())
    start.rename(staging / name)
    # `integrity` is filled in below, with the others.
    tag = f'<script type="module" src="{public}{name}" integrity="sha384-"></script>'
    html = html[: match.start()] + tag + html[match.end() :]

inline_script = re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
inline_style = re.search(r"<style[\s>]|\sstyle\s*=", html, re.I)
if inline_script or inline_style:
    # Trunk's dev-server reload script is inline on purpose; only release output must be CSP-clean.
    if release:
        fail("index.html still has inline script or style; the CSP would block it")


def integrity(tag: re.Match) -> str:
    url = re.search(r'\b(?:href|src)="([^"]+)"', tag.group(0))
    path = staging / url.group(1).removeprefix(public) if url else None
    if path is None or not path.is_file():
        fail(f"no file for the integrity hash of {tag.group(0)}")
    return re.sub(r'integrity="sha\d+-[^"]*"', f'integrity="{sri(path)}"', tag.group(0))


html = re.sub(r"<(?:link|script)\b[^>]*\bintegrity=[^>]*>", integrity, html)
html_path.write_text(html, encoding="utf-8")

if release:
    for path in sorted(staging.rglob("*")):
        if path.suffix not in {".wasm", ".js", ".css", ".html", ".svg", ".json"} or not path.is_file():
            continue
        data = path.read_bytes()
        Path(f"{path}.gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        subprocess.run(["brotli", "--force", "--best", "--keep", str(path)], check=True)
