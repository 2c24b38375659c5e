#!/usr/bin/env bash
# Installs what building and running need on a fresh Debian machine of this kind; with --tests also what the
# tests and benchmarks need (Chromium and ChromeDriver, the aiosmtpd SMTP server, axe-core).
# Idempotent: each step checks first and does nothing when its tool is already there at the pinned version.
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=false
case "${1:-}" in
    --tests) for_tests=true ;;
    "") ;;
    *) echo "usage: scripts/setup.sh [--tests]" >&2; exit 2 ;;
esac

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0
AIOSMTPD_VERSION=1.4.6
AXE_VERSION=4.14.1
TERSER_VERSION=5.51.4
TOOLS="$PWD/.tools"
mkdir -p "$TOOLS"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

if [[ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]]; then
    say "installing trunk $TRUNK_VERSION (takes a few minutes on 2 cores)"
    cargo install --locked trunk --version "=$TRUNK_VERSION"
fi

# wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly, or Trunk tries to download one; Trunk.toml
# names the same version.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)"
if ! grep -qx "wasm_bindgen = \"$WASM_BINDGEN_VERSION\"" Trunk.toml; then
    say "Trunk.toml's wasm_bindgen differs from Cargo.lock's wasm-bindgen $WASM_BINDGEN_VERSION: make them equal"
    exit 1
fi
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    # Not --locked: its own lockfile wants a webpki-roots the registry does not have. So its dependencies resolve
    # afresh: to versions this rustc can build (a newer one could need a newer rustc).
    CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback \
        cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --force
fi

# binaryen from npm: Debian's wasm-opt 108 produces wasm that leaves the page blank in Chromium.
if [[ ! -x "$TOOLS/node_modules/.bin/wasm-opt" ]] || ! "$TOOLS/node_modules/.bin/wasm-opt" --version | grep -q "version ${BINARYEN_VERSION%%.*}"; then
    say "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS" "binaryen@$BINARYEN_VERSION"
fi

# terser: minifies wasm-bindgen's JavaScript in release builds (scripts/trunk_post_build.py); Trunk's own JS
# minifier cannot read wasm-bindgen's `export default`.
if [[ "$(node -p 'require(process.argv[1]).version' "$TOOLS/node_modules/terser/package.json" 2>/dev/null)" != "$TERSER_VERSION" ]]; then
    say "installing terser $TERSER_VERSION from npm"
    npm install --silent --no-audit --no-fund --save-exact --prefix "$TOOLS" "terser@$TERSER_VERSION"
fi

# axe-core: the accessibility checker the end-to-end tests run in the page.
if $for_tests && [[ "$(node -p 'require(process.argv[1]).version' "$TOOLS/node_modules/axe-core/package.json" 2>/dev/null)" != "$AXE_VERSION" ]]; then
    say "installing axe-core $AXE_VERSION from npm"
    npm install --silent --no-audit --no-fund --save-exact --prefix "$TOOLS" "axe-core@$AXE_VERSION"
fi

packages=(brotli)
$for_tests && packages+=(chromium chromium-driver)
missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if $for_tests && ! python3 -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
    say "installing aiosmtpd $AIOSMTPD_VERSION (the SMTP server the tests talk to)"
    python3 -m pip install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
fi

say "ready"
