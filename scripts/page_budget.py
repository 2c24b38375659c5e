"""Fails when the built page (dist/) is over its transfer-size budget: wasm + js as served, brotli (issue 5:
at most 150 kB). Run after `trunk build --release`; scripts/bench-page.sh gives the full figures."""
import pathlib
import sys

BUDGET = 150_000
dist = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "dist")
files = [*dist.glob("*_bg.wasm"), *dist.glob("*.js")]
if not files:
    sys.exit(f"page_budget: no built page in {dist}/")
size = sum(pathlib.Path(f"{path}.br").stat().st_size for path in files)
verdict = "within" if size <= BUDGET else "OVER"
print(f"page: {size / 1000:.1f} kB brotli (wasm + js), {verdict} the budget of {BUDGET / 1000:.0f} kB "
      f"({(BUDGET - size) / 1000:+.1f} kB)")
sys.exit(0 if size <= BUDGET else 1)
