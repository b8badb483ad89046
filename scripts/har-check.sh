#!/usr/bin/env bash
# Traffic as evidence, read by an independent HAR reader: records the corpus against the
# built-in mocks (`conform run --record`), validates the HAR with the npm package
# `har-validator` (the HAR 1.2 JSON Schema of `har-schema`, through ajv), installed from the
# npm registry into a temporary folder, checks that every credential header is redacted, then runs
# `conform check` on it (exit 0) and on a copy with one required field removed (exit 1).
# Extra arguments go to `cargo run` (CI passes --release).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "installing nodejs and npm (Debian)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
har="$work/corpus.har"
cargo run -q "$@" -- run --no-report --quiet --record "$har" >/dev/null

echo "-- the recording against the HAR 1.2 schema (npm har-validator)"
(cd "$work" && npm install --silent --no-save --no-audit --no-fund har-validator@5.1.5 >/dev/null)
# The hand-written browser export the tests check is held to the same schema.
for file in "$har" tests/fixtures/har/browser-export.har; do
  HAR="$file" NODE_PATH="$work/node_modules" node -e '
    const fs = require("fs");
    const har = JSON.parse(fs.readFileSync(process.env.HAR, "utf8"));
    require("har-validator").har(har).then(
      () => console.log(`${process.env.HAR}: valid HAR ${har.log.version}, ${har.log.entries.length} entries`),
      (e) => { console.error("not HAR 1.2:", JSON.stringify(e.errors, null, 2)); process.exit(1); });'
done

echo "-- every credential header in the recording redacted"
HAR="$har" node -e '
  const har = JSON.parse(require("fs").readFileSync(process.env.HAR, "utf8"));
  let n = 0;
  for (const e of har.log.entries) for (const h of e.request.headers) {
    if (!["authorization", "x-auth-token"].includes(h.name.toLowerCase())) continue;
    n++;
    if (!h.value.endsWith("<redacted>")) { console.error("not redacted:", h.name); process.exit(1); }
  }
  if (n === 0) { console.error("no credential header recorded"); process.exit(1); }
  console.log(`${n} credential headers, all redacted`);'

echo "-- conform check: the recording passes, a copy without one required field fails"
cargo run -q "$@" -- check "$har" --no-report --quiet | tail -1
HAR="$har" node -e '
  const fs = require("fs");
  const har = JSON.parse(fs.readFileSync(process.env.HAR, "utf8"));
  const e = har.log.entries.find((e) => e._conform.call === "showServer" && e.response.status === 200);
  const body = JSON.parse(e.response.content.text);
  delete body.server.status;
  e.response.content.text = JSON.stringify(body);
  fs.writeFileSync(process.env.HAR + ".broken", JSON.stringify(har));'
set +e
out=$(cargo run -q "$@" -- check "$har.broken" --no-report --quiet)
code=$?
set -e
if [ "$code" -ne 1 ] || ! grep -q '"status" is a required property' <<<"$out"; then
  echo "expected exit 1 naming the removed field, got $code:" >&2
  echo "$out" >&2
  exit 1
fi
echo "har check: ok"
