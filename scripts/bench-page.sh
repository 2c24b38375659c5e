#!/usr/bin/env bash
# The page's figures for docs/benchmarks.md ("## Page (issue 5)"). Rerunnable; a measurement, not a test.
#
# 1. Transfer size: the page and a minimal Leptos counter (benches/counter), both built here by Trunk with the
#    same wasm-release profile (opt-level "z", LTO, one codegen unit, panic abort); wasm-opt -Oz for the counter,
#    the flags in web/index.html for the page; the .br files are what the server sends (ServeDir::precompressed_br).
#    Beside them the floor (benches/floor): the counter plus one input judged by the core crate, the least any page
#    that runs the rules in the browser carries.
# 2. Timings in headless Chromium against the real server: keystroke → message, navigation → interactive
#    (tests/src/bin/bench-page.rs), beside the same keys typed into a plain input with a JavaScript listener in the
#    same page (the baseline). KEYSTROKES=N changes the number of keystrokes (default 240).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests >/dev/null
source scripts/env.sh
out=target/bench-page
mkdir -p "$out"

trunk build --release --quiet
trunk build benches/counter/index.html --release --quiet --dist "$out/counter-dist"
trunk build benches/floor/index.html --release --quiet --dist "$out/floor-dist"

python3 - dist "$out/counter-dist" "$out/floor-dist" <<'PY'
import pathlib, sys

def sizes(dist):
    dist = pathlib.Path(dist)
    wasm = next(dist.glob("*_bg.wasm"))
    js = [p for p in dist.glob("*.js")]
    br = lambda p: pathlib.Path(f"{p}.br").stat().st_size
    return {
        "wasm": wasm.stat().st_size,
        "wasm_br": br(wasm),
        "js": sum(p.stat().st_size for p in js),
        "js_br": sum(br(p) for p in js),
    }

page, counter, floor = (sizes(d) for d in sys.argv[1:4])
kb = lambda n: f"{n / 1000:.1f} kB"
print("| build | wasm raw | wasm brotli | js raw | js brotli | wasm + js brotli |")
print("|---|---|---|---|---|---|")
rows = (("settings page", page), ("Leptos counter (baseline)", counter), ("floor: counter + core crate, one field", floor))
for name, s in rows:
    print(f"| {name} | {kb(s['wasm'])} | {kb(s['wasm_br'])} | {kb(s['js'])} | {kb(s['js_br'])} | {kb(s['wasm_br'] + s['js_br'])} |")
total = lambda s: s["wasm_br"] + s["js_br"]
print()
print(f"page / counter = {total(page) / total(counter):.2f}×; page = {kb(total(page))} brotli")
print(f"floor / counter = {total(floor) / total(counter):.2f}×; floor = {kb(total(floor))} brotli")
PY
echo

cargo build --quiet -p smtp-endpoint-server
cargo run --quiet -p smtp-endpoint-e2e --bin bench-page
