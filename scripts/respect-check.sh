#!/usr/bin/env bash
# The Arazzo cross-check (issue 24): Redocly Respect (@redocly/cli, pinned) runs the seed
# workflows and the exported corpus against conform's mocks, and lints the export.
#
#   1. @redocly/cli installed from npm into target/respect (skipped when that version is there).
#   2. `conform mock` on 127.0.0.1 (ephemeral ports, read from its output), ready within 30 s.
#   3. `redocly respect` on each seed workflow (cases/<api>/*.arazzo.yaml) with `--server <source>=<mock URL>`
#      and the credentials as inputs, as a user gives them: LivePerson's bearer token as the
#      mock prints it, an OpenStack Keystone token fetched from the mock's identity endpoint.
#      Alibaba's mock verifies real ROA/ACS3 signatures, which Respect cannot compute and a
#      workflow cannot carry: Respect talks to it through `conform proxy --sign`, which signs
#      each request with the AccessKey the mock prints (as a user's environment gives it).
#   4. `conform export --arazzo cases/` into a temp folder; `redocly lint` on it; Respect on
#      each exported workflow.
#   5. When conform reads Arazzo (`conform list` shows the seed workflows), conform runs them
#      green against the mocks and red against `--fault wrong-type`, naming the field.
#
# Not run by Respect, and said so: exported workflows whose requests conform alone can send
# (`x-conform-body-raw`, `x-conform-invalid-request`: bytes or a spec-breaking request, which
# Respect would send differently or refuse), and the Alibaba ones `unsignable` lists
# (below, each with why).
#
# Environment: CONFORM (the conform binary; default target/release/conform, else
# target/debug/conform). Builds nothing. Every wait is bounded; the mocks die with the script.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REDOCLY_VERSION=2.77.0
PREFIX=$ROOT/target/respect
REDOCLY=$PREFIX/node_modules/.bin/redocly
WORK=$(mktemp -d)
MOCK_PID=""
PROXY_PID=""

cleanup() {
  stop_mock
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [ -z "${CONFORM:-}" ]; then
  if [ -x target/release/conform ]; then CONFORM=$ROOT/target/release/conform
  elif [ -x target/debug/conform ]; then CONFORM=$ROOT/target/debug/conform
  else echo "no conform binary: build it, or set CONFORM" >&2; exit 1; fi
fi

installed=$(node -p "require('$PREFIX/node_modules/@redocly/cli/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$REDOCLY_VERSION" ]; then
  timeout 300 npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error \
    "@redocly/cli@$REDOCLY_VERSION" >/dev/null
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

# Starts `conform mock [ARGS]`, waits (30 s at most) for its "serving" line, and sets URL_<api>.
start_mock() {
  stop_mock
  # Emptied here, not by the child's redirection, so the last mock's lines are never read.
  : >"$WORK/mock.log"
  "$CONFORM" mock "$@" >>"$WORK/mock.log" 2>&1 &
  MOCK_PID=$!
  for _ in $(seq 300); do
    grep -q '^serving until Ctrl-C' "$WORK/mock.log" && break
    kill -0 "$MOCK_PID" 2>/dev/null || { cat "$WORK/mock.log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q '^serving until Ctrl-C' "$WORK/mock.log" || { echo "the mocks did not start in 30 s" >&2; exit 1; }
  LP_URL=$(awk -F'\t' '$1=="liveperson-deletion"{print $2}' "$WORK/mock.log")
  OS_URL=$(awk -F'\t' '$1=="openstack-compute"{print $2}' "$WORK/mock.log")
  LP_TOKEN=$(awk '$1=="LP_BEARER_TOKEN:"{print $2}' "$WORK/mock.log")
  OS_TOKEN=$(curl -s -i --max-time 5 -X POST "${OS_URL%/}/identity/v3/auth/tokens" \
    -H 'Content-Type: application/json' \
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"conform","domain":{"name":"Default"},"password":"conform-secret"}}},"scope":{"project":{"name":"conform","domain":{"name":"Default"}}}}}' \
    | tr -d '\r' | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}')
  [ -n "$LP_TOKEN" ] && [ -n "$OS_TOKEN" ] || { echo "no credentials from the mocks" >&2; exit 1; }
  start_signing_proxy
}

# `conform proxy --sign` in front of the Alibaba mock, with the AccessKey the mock printed;
# waits (30 s at most) for its listener line and sets AL_URL.
start_signing_proxy() {
  local mock id secret
  mock=$(awk -F'\t' '$1=="alibaba-elasticsearch"{print $2}' "$WORK/mock.log")
  id=$(awk '$1=="ALIBABA_CLOUD_ACCESS_KEY_ID:"{print $2}' "$WORK/mock.log")
  secret=$(awk '$1=="ALIBABA_CLOUD_ACCESS_KEY_SECRET:"{print $2}' "$WORK/mock.log")
  [ -n "$mock" ] && [ -n "$id" ] && [ -n "$secret" ] || { echo "no Alibaba mock or key in its output" >&2; exit 1; }
  : >"$WORK/proxy.log"
  ALIBABA_CLOUD_ACCESS_KEY_ID=$id ALIBABA_CLOUD_ACCESS_KEY_SECRET=$secret \
    "$CONFORM" proxy --sign --no-report --target "alibaba-elasticsearch=$mock" >>"$WORK/proxy.log" 2>&1 &
  PROXY_PID=$!
  AL_URL=""
  for _ in $(seq 300); do
    AL_URL=$(awk -F'\t' '$1=="alibaba-elasticsearch"{split($2, a, " "); print a[1]}' "$WORK/proxy.log")
    [ -n "$AL_URL" ] && break
    kill -0 "$PROXY_PID" 2>/dev/null || { cat "$WORK/proxy.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$AL_URL" ] || { echo "the signing proxy did not start in 30 s" >&2; exit 1; }
}

# Ctrl-C to the proxy (it reports and exits), killed if it has not within 15 s.
stop_proxy() {
  if [ -n "$PROXY_PID" ]; then
    kill -INT "$PROXY_PID" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$PROXY_PID" 2>/dev/null || break; sleep 0.1; done
    kill "$PROXY_PID" 2>/dev/null || true
    wait "$PROXY_PID" 2>/dev/null || true
    PROXY_PID=""
  fi
}

stop_mock() {
  stop_proxy
  if [ -n "$MOCK_PID" ]; then
    kill "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
    MOCK_PID=""
  fi
}

# Respect on one workflow file, from its folder (source URLs are relative to it); 60 s at most.
respect() {
  local file=$1 log=$WORK/respect.log
  if (cd "$(dirname "$file")" && timeout 60 "$REDOCLY" respect "$(basename "$file")" \
    --max-fetch-timeout 5000 --execution-timeout 50000 \
    -S "liveperson-deletion=$LP_URL" -S "openstack-compute=${OS_URL%/}/compute/v2.1" \
    -S "alibaba-elasticsearch=${AL_URL%/}" \
    -i "bearer_token=$LP_TOKEN" -i "token=$OS_TOKEN" -i "keystoneToken_key=$OS_TOKEN" \
    -i "acsSignature_key=replaced-by-the-signing-proxy") >"$log" 2>&1; then
    echo "respect ok: $file ($(grep -m1 -o 'Steps: [^,]*' "$log"))"
  else
    cat "$log" >&2
    echo "respect FAILED: $file" >&2
    return 1
  fi
}

seeds() { ls cases/*/*.arazzo.yaml; }

echo "== Respect on the seed workflows, faithful mocks"
start_mock
for f in $(seeds); do respect "$f"; done

# Why an exported workflow cannot pass through the signing proxy (empty: it can). Listed by
# name: the one whose requests go unsigned or badly signed on purpose, to see the mock refuse
# them, is signed by the proxy like any other (the proxy replaces every signature).
unsignable() {
  case "$1" in
    */alibaba-elasticsearch/signature-missing-or-bad.arazzo.yaml)
      echo "it sends missing and bad signatures on purpose; the signing proxy would replace them" ;;
    *) echo "" ;;
  esac
}

echo "== conform export --arazzo cases/: redocly lint, then Respect on each workflow"
"$CONFORM" export --arazzo cases --out "$WORK/export" >/dev/null 2>"$WORK/unsaid.log"
echo "$(wc -l <"$WORK/unsaid.log") unsaid thing(s) listed"
(cd "$WORK/export" && timeout 120 "$REDOCLY" lint --format=stylish ./*/*.arazzo.yaml) >"$WORK/lint.log" 2>&1 \
  || { cat "$WORK/lint.log" >&2; echo "redocly lint FAILED on the export" >&2; exit 1; }
echo "lint ok: $(ls "$WORK"/export/*/*.arazzo.yaml | wc -l) exported document(s)"
for f in "$WORK"/export/*/*.arazzo.yaml; do
  if grep -qE '^ *x-conform-(body-raw|invalid-request):' "$f"; then
    echo "skipped: ${f#"$WORK"/} (a request only conform sends as written)"
    continue
  fi
  why=$(unsignable "$f")
  if [ -n "$why" ]; then
    echo "skipped: ${f#"$WORK"/} ($why)"
    continue
  fi
  # A fresh mock per workflow: quotas and ids as each scenario expects them.
  start_mock
  respect "$f"
done

# conform reads Arazzo when `conform list` names the seed workflows among the cases.
if ls cases/*/*.arazzo.yaml >/dev/null 2>&1 && "$CONFORM" list cases 2>/dev/null | grep -q 'arazzo'; then
  echo "== conform on the seed workflows: green on the faithful mocks, red on wrong-type"
  # conform signs and authenticates with the credentials each mock prints (as a user's env);
  # the workflows' own token inputs are for runners that cannot (Respect).
  conform_run() {
    local alibaba
    alibaba=$(awk -F'\t' '$1=="alibaba-elasticsearch"{print $2}' "$WORK/mock.log")
    eval "$(awk '/^  [A-Z_]+: /{sub(":", "", $1); print "export " $1 "=" $2}' "$WORK/mock.log")"
    "$CONFORM" run --no-report --var "bearer_token=$LP_TOKEN" --var "token=$OS_TOKEN" \
      --target "alibaba-elasticsearch=$alibaba" --target "liveperson-deletion=$LP_URL" \
      --target "openstack-compute=${OS_URL%/}/compute/v2.1" "$@" cases/*/*.arazzo.yaml
  }
  start_mock
  conform_run --quiet
  start_mock --fault wrong-type
  set +e
  conform_run >"$WORK/fault.log" 2>&1
  code=$?
  set -e
  failed=$(grep -c '^FAIL  ' "$WORK/fault.log" || true)
  if [ "$code" -ne 1 ] || [ "$failed" -ne "$(ls cases/*/*.arazzo.yaml | wc -l)" ] \
    || ! grep -q 'violation \[schema\] /.*is not of type' "$WORK/fault.log"; then
    cat "$WORK/fault.log" >&2
    echo "conform must fail every seed workflow against --fault wrong-type, naming the field (exit $code)" >&2
    exit 1
  fi
  echo "conform: green on the faithful mocks; red on wrong-type, e.g. $(grep -m1 -o 'violation \[schema\] .*' "$WORK/fault.log")"
  # The round trip: conform runs its own export (step 4's folder) against its embedded mocks,
  # each source's spec found by the export's relative URL; every workflow must pass (< 5 s).
  timeout 120 "$CONFORM" run --no-report "$WORK/export" >"$WORK/roundtrip.log" 2>&1 \
    || { cat "$WORK/roundtrip.log" >&2; echo "conform FAILED on its own export of cases/" >&2; exit 1; }
  echo "conform on its export: $(tail -n1 "$WORK/roundtrip.log")"
else
  echo "skipped: conform's own run of the workflows (this conform does not read Arazzo yet)"
fi
echo "respect-check: ok"
