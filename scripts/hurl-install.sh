#!/usr/bin/env bash
# Builds Hurl (pinned) into target/hurl/ for `cargo bench --bench flow`, which runs the realistic
# flow with it beside conform (issue 25). Idempotent: nothing to do when target/hurl/bin/hurl is
# that version. Quiet: one line, the build's output in target/hurl/install.log. Time-bounded.
# Never fails the caller: when Hurl cannot be built it says why and exits 0, and the benchmark
# prints a note instead of Hurl's figures.
#
# Hurl links libcurl and libxml2 through pkg-config, and its libxml crate runs bindgen, which
# loads libclang: on Debian it needs libcurl4-openssl-dev, libxml2-dev, libclang-dev and
# pkg-config, installed here with apt-get when absent (as root, or with sudo).
# A cold build is about 3 minutes of CPU (3.5 to 6 minutes' wall on one core of a loaded 2-core
# machine); HURL_JOBS (default: cargo's) sets its jobs.
set -uo pipefail
cd "$(dirname "$0")/.."

version=8.0.1
root="$PWD/target/hurl"
bin="$root/bin/hurl"
log="$root/install.log"
limit=${HURL_INSTALL_TIMEOUT:-1200}

if [ -x "$bin" ] && "$bin" --version 2>/dev/null | head -1 | grep -qF "hurl $version "; then
  echo "hurl-install: Hurl $version already in target/hurl"
  exit 0
fi
mkdir -p "$root"
: >"$log"
started=$SECONDS

without="the benchmark will go on without Hurl"

# Elsewhere than Debian the build is tried as it is, and says what it lacks in the log.
missing=()
if command -v dpkg-query >/dev/null; then
  for pkg in pkg-config libcurl4-openssl-dev libxml2-dev libclang-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo -n)
  apt=(timeout 300 "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq)
  if ! { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "${missing[@]}"; } \
    >>"$log" 2>&1; then
    echo "hurl-install: cannot install ${missing[*]} (see $log); $without"
    exit 0
  fi
fi

jobs=()
[ -n "${HURL_JOBS:-}" ] && jobs=(--jobs "$HURL_JOBS")
# Its own target folder, removed after: only the binary is kept. --force replaces another version.
timeout "$limit" cargo install hurl --version "$version" --locked --force --root "$root" \
  --target-dir "$root/build" "${jobs[@]}" >>"$log" 2>&1
built=$?
rm -rf "$root/build"
if [ "$built" -eq 0 ] && "$bin" --version >>"$log" 2>&1; then
  echo "hurl-install: built Hurl $version into target/hurl in $((SECONDS - started)) s"
elif [ "$built" -eq 124 ]; then
  echo "hurl-install: Hurl $version did not build within $limit s (see $log); $without"
else
  echo "hurl-install: Hurl $version did not build (exit $built, see $log); $without"
fi
exit 0
