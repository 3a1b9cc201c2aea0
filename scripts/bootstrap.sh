#!/usr/bin/env bash
# livescope dependency bootstrap: Debian packages, Debian source packages (ffmpeg, imgui) and npm packages.
# Called by scripts/test.sh and scripts/demo.sh. Idempotent: a second run does nothing but check.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEPS="$ROOT/build/deps"
say() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

# Debian packages the build, the tests and the demo need.
PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates python3 xz-utils
  emscripten binaryen nodejs
  nlohmann-json3-dev doctest-dev libboost-dev libssl-dev libsqlite3-dev
  clang libclang-rt-14-dev
  ffmpeg chromium fonts-dejavu-core brotli dpkg-dev python3-fonttools
  libavformat-dev libavcodec-dev libswresample-dev libavutil-dev
  nginx libnginx-mod-rtmp libsrt-gnutls-dev srt-tools
  redis-server libhiredis-dev
)
IMGUI_VERSION=1.86
FFMPEG_SERIES=5.1

apt_updated=0
apt_update() { if [ $apt_updated = 0 ]; then say "apt-get update"; apt-get update -qq || die "apt-get update failed"; apt_updated=1; fi; }

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm ships inside some nodejs builds; ask Debian for its npm package only when there is none.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages (${missing[*]}); run as root"
  apt_update
  say "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
else
  say "Debian packages present"
fi

# deb-src entries, derived from the machine's own apt sources (no registry host is written here).
enable_deb_src() {
  local out=/etc/apt/sources.list.d/livescope-deb-src.sources tmp
  [ -f "$out" ] && return 0
  if grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then return 0; fi
  tmp=$(mktemp)
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed -e 's/^Types:.*/Types: deb-src/' "$f" >>"$tmp"; echo >>"$tmp"
  done
  if [ -f /etc/apt/sources.list ]; then
    # one-line format: turn each "deb URI suite comps" into a deb822 stanza
    grep -E '^deb ' /etc/apt/sources.list | while read -r _ uri suite comps; do
      printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n\n' "$uri" "$suite" "$comps" >>"$tmp"
    done
  fi
  [ -s "$tmp" ] || die "no apt sources found to derive deb-src entries from"
  say "enabling deb-src in $out (derived from existing apt sources)"
  install -m 0644 "$tmp" "$out"; rm -f "$tmp"
  apt_updated=0; apt_update
}

# Fetch a Debian source package into $DEPS/<name>-src unless a matching version is there.
fetch_source() { # name version-prefix
  local name=$1 want=$2 dir="$DEPS/$1-src"
  if [ -f "$dir/.version" ] && grep -q "^$want" "$dir/.version"; then say "$name source present ($(cat "$dir/.version"))"; return 0; fi
  enable_deb_src
  local ver
  ver=$(apt-cache showsrc "$name" 2>/dev/null | awk '/^Version:/{print $2}' | sed 's/^[0-9]*://' | grep "^$want" | sort -V | tail -1 || true)
  if [ -z "$ver" ]; then apt_updated=0; apt_update; ver=$(apt-cache showsrc "$name" | awk '/^Version:/{print $2}' | sed 's/^[0-9]*://' | grep "^$want" | sort -V | tail -1 || true); fi
  [ -n "$ver" ] || die "Debian source package $name $want* cannot be had from the configured apt sources"
  say "apt-get source $name=$ver"
  rm -rf "$dir" "$DEPS/.fetch-$name"; mkdir -p "$DEPS/.fetch-$name"
  (cd "$DEPS/.fetch-$name" && apt-get source -qq "$name=$(apt-cache showsrc "$name" | awk '/^Version:/{print $2}' | grep -F "$ver" | head -1)") \
    || die "apt-get source $name failed"
  local tree; tree=$(find "$DEPS/.fetch-$name" -mindepth 1 -maxdepth 1 -type d | head -1)
  [ -n "$tree" ] || die "apt-get source $name produced no tree"
  mv "$tree" "$dir"; rm -rf "$DEPS/.fetch-$name"; echo "$ver" >"$dir/.version"
}

mkdir -p "$DEPS"
fetch_source imgui "$IMGUI_VERSION"
fetch_source ffmpeg "$FFMPEG_SERIES"

# npm packages, pinned by package-lock.json. Never let a tool download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1
if [ ! -f "$ROOT/node_modules/.package-lock.json" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
  say "npm ci (playwright-core, hls.js)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
else
  say "npm packages present"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing"
say "ok"
