"""Fails when the built page (dist/) is over its transfer-size budget: wasm + js as served, brotli (issue 5:
at most 150 kB). Run after `trunk build --release`; scripts/bench-page.sh gives the full figures."""
import pathlib
import sys

BUDGET = 150_000
dist = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "dist")
files = [*dist.glob("*_bg.wasm"), *dist.glob("*.js")]
if not files:
    sys.exit(f"page_budget: no built page in {dist}/")
compressed = [pathlib.Path(f"{path}.br") for path in files]
if missing := [path.name for path in compressed if not path.is_file()]:
    sys.exit(f"page_budget: {', '.join(missing)} missing in {dist}/: measure a release build (trunk build --release)")
size = sum(path.stat().st_size for path in compressed)
verdict = "within" if size <= BUDGET else "OVER"
print(f"page: {size / 1000:.1f} kB brotli (wasm + js), {verdict} the budget of {BUDGET / 1000:.0f} kB "
      f"({(BUDGET - size) / 1000:+.1f} kB)")
sys.exit(0 if size <= BUDGET else 1)
