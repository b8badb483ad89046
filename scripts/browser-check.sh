#!/usr/bin/env bash
# The reports as a reader and a CI viewer get them: runs scenarios with a failure whose target
# echoes markup (tests/fixtures/reports/injection.yaml), validates junit.xml against
# docs/junit.xsd, opens report.html in headless Chromium to check that the failing diff is in
# the page and that the injected <script> and onerror handler did not run, and keeps a
# screenshot in reports/report.png. Extra arguments go to `cargo run` (CI passes --release).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null || ! command -v xmllint >/dev/null; then
  echo "installing chromium and libxml2-utils (Debian)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libxml2-utils >/dev/null
fi

out=reports
set +e
cargo run -q "$@" -- run --specs tests/fixtures/specs --report "$out" --quiet \
  tests/fixtures/pass tests/fixtures/violation/wrong-type.yaml tests/fixtures/reports/injection.yaml \
  >/dev/null
code=$?
set -e
if [ "$code" -ne 1 ]; then echo "expected exit 1 (violations), got $code" >&2; exit 1; fi

echo "-- junit.xml against docs/junit.xsd"
xmllint --schema docs/junit.xsd "$out/junit.xml" --noout

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chrome() {
  # Flags known to work headless in this environment; a fresh profile, nothing phones home.
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" "$@" 2>/dev/null
}
page="file://$PWD/$out/report.html"

echo "-- report.html in headless Chromium"
dom=$(chrome --dump-dom "$page")
fail() { echo "browser check: $*" >&2; exit 1; }
[ -n "$dom" ] || fail "chromium printed no DOM"
# The failing step's diff, as text in the page (the DOM serializer escapes < and > again).
grep -qF '<span class="del">-  "name": "a plain name"</span>' <<<"$dom" || fail "the expected side of the diff is missing"
grep -qF '<span class="add">+  "name": "&lt;script&gt;document.title='"'"'pwned'"'"'&lt;/script&gt;' <<<"$dom" \
  || fail "the actual side of the diff is missing"
# The page has no script and no image of its own: any such element was injected.
if grep -qiE '<(script|img)[ >]' <<<"$dom"; then fail "an injected element made it into the DOM"; fi
if grep -qF 'data-pwned="1"' <<<"$dom"; then fail "the injected onerror handler ran"; fi
title=$(grep -o '<title>[^<]*</title>' <<<"$dom" | head -1)
case "$title" in
  "<title>conform: "*) ;;
  *) fail "the title was changed: $title" ;;
esac

chrome --screenshot="$PWD/$out/report.png" --window-size=1280,2000 "$page" >/dev/null
[ -s "$out/report.png" ] || fail "no screenshot"
echo "browser check passed; screenshot in $out/report.png"
