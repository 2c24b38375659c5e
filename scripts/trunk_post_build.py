#!/usr/bin/env python3
"""Trunk post_build hook (see Trunk.toml), run in Trunk's staging directory before it becomes dist/.

1. Moves the inline start-up <script type="module"> Trunk writes into index.html to its own file, named by
   its content hash, so the server's Content-Security-Policy can say script-src 'self' 'wasm-unsafe-eval'
   with no 'unsafe-inline' and no hash to keep in step (Trunk issue #288). Trunk's static nonce goes too.
2. In release builds, minifies the JavaScript with terser (scripts/setup.sh installs it; Trunk's own minifier
   cannot read wasm-bindgen's `export default`) and gives index.html the new subresource-integrity hashes.
3. In release builds, writes .br (Debian's `brotli`) and .gz next to every text and wasm asset, which
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

staging = Path(os.environ["TRUNK_STAGING_DIR"])
html_path = staging / Path(os.environ.get("TRUNK_HTML_FILE", "index.html")).name
if not html_path.exists():
    html_path = staging / "index.html"

html = html_path.read_text(encoding="utf-8")
html = re.sub(r'\s+nonce="[^"]*"', "", html)

inline = re.compile(r"<script type=\"?module\"?>(?P<body>.*?)</script>", re.S)
match = inline.search(html)
if match:
    body = match.group("body").strip() + "\n"
    digest = hashlib.sha256(body.encode()).hexdigest()[:16]
    name = f"init-{digest}.js"
    (staging / name).write_text(body, encoding="utf-8")
    html = html[: match.start()] + f'<script type="module" src="/{name}"></script>' + html[match.end() :]

inline_script = re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
inline_style = re.search(r"<style[\s>]|\sstyle\s*=", html, re.I)
if inline_script or inline_style:
    # Trunk's dev-server reload script is inline on purpose; only release output must be CSP-clean.
    if os.environ.get("TRUNK_PROFILE") == "release":
        sys.exit("trunk_post_build: index.html still has inline script or style; the CSP would block it")

release = os.environ.get("TRUNK_PROFILE") == "release"
if release:
    terser = shutil.which("terser")
    if terser is None:
        sys.exit("trunk_post_build: terser is missing; run scripts/setup.sh (and source scripts/env.sh)")
    for script in sorted(staging.glob("*.js")):
        subprocess.run([terser, str(script), "--module", "--compress", "--mangle", "--output", str(script)], check=True)

    def integrity(tag: re.Match) -> str:
        href = re.search(r'href="/([^"]+)"', tag.group(0))
        if href is None or not (staging / href.group(1)).is_file():
            return tag.group(0)
        digest = base64.b64encode(hashlib.sha384((staging / href.group(1)).read_bytes()).digest()).decode()
        return re.sub(r'integrity="sha384-[^"]*"', f'integrity="sha384-{digest}"', tag.group(0))

    html = re.sub(r"<link\b[^>]*\bintegrity=[^>]*>", integrity, html)

html_path.write_text(html, encoding="utf-8")

if release:
    for path in sorted(staging.rglob("*")):
        if path.suffix not in {".wasm", ".js", ".css", ".html", ".svg", ".json"} or not path.is_file():
            continue
        data = path.read_bytes()
        Path(f"{path}.gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        subprocess.run(["brotli", "--force", "--best", "--keep", str(path)], check=True)
