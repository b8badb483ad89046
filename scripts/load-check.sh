#!/usr/bin/env bash
# The mocks under load: wrk (installed from Debian if absent) loads one authenticated read of
# each mock, served by the release binary (`conform mock API`), and the baseline, a minimal
# axum handler on the same stack (examples/baseline.rs), for LOAD_DURATION each (5s) with 2
# threads and 32 connections, on loopback. Fails on any 4xx/5xx, socket error or timeout, or a
# resource that reads back differently afterwards; prints requests/s and each mock's ratio to
# the baseline (the goal is >= 0.7; LOAD_MIN_RATIO makes it a failure, unset by default because
# a shared CI machine's noise is larger than the margin), and to its own answer canned: the
# same status, headers and body served by the baseline with no work, which separates what the
# answer's bytes cost from what the mock's logic costs.
#
# The reads:
# - openstack-compute: GET /compute/v2.1/servers/{id}, X-Auth-Token from its Keystone (one login);
# - liveperson-deletion: GET /api/account/{site}/personal-data-deletion/{id}, its bearer token;
# - alibaba-elasticsearch: DescribeInstance, GET /openapi/instances/{id}, signed once (ROA v1,
#   HMAC-SHA1) and replayed: the mock checks every signature in full but, on purpose, neither
#   clock skew nor nonce reuse (src/mock/alibaba/signature.rs), so every replay is verified.
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${LOAD_DURATION:-5s}"
threads=2
connections=32

if ! command -v wrk >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -q
cargo build --release -q --example baseline
bin=target/release/conform

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "load-check: $*" >&2; exit 1; }

# serve NAME COMMAND...: starts a server that prints `NAME<TAB>URL` (`$PRINTED<TAB>URL` when
# PRINTED is set); sets $url (waits <= 10 s).
serve() {
  local name="$1"; shift
  local printed="${PRINTED:-$name}"
  "$@" >"$work/$name.out" 2>&1 &
  pids+=("$!")
  for _ in $(seq 100); do
    url="$(awk -v n="$printed" -F'\t' '$1 == n { print $2; exit }' "$work/$name.out")"
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  cat "$work/$name.out" >&2
  fail "$name did not start within 10 s"
}

# What wrk's summary holds, one `key=value` a line, for the checks below.
cat >"$work/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "requests=%d\nduration_us=%d\nconnect=%d\nread=%d\nwrite=%d\ntimeout=%d\nstatus=%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status))
end
LUA

declare -A rate
# load NAME URL [HEADER...]: wrk against URL; fails on any error, records requests/s.
load() {
  local name="$1" target="$2"; shift 2
  local args=()
  for h in "$@"; do args+=(-H "$h"); done
  wrk -t"$threads" -c"$connections" -d"$duration" -s "$work/report.lua" "${args[@]}" "$target" \
    >"$work/$name.wrk"
  local k v requests=0 us=1 errors=0
  while IFS='=' read -r k v; do
    case "$k" in
      requests) requests="$v" ;;
      duration_us) us="$v" ;;
      connect | read | write | timeout | status) errors=$((errors + v)) ;;
    esac
  done < <(grep -E '^[a-z_]+=[0-9]+$' "$work/$name.wrk")
  if [ "$errors" -ne 0 ] || [ "$requests" -eq 0 ]; then
    cat "$work/$name.wrk" >&2
    fail "$name: $errors errors (socket errors, timeouts or 4xx/5xx answers) in $requests requests"
  fi
  rate[$name]="$(awk -v r="$requests" -v us="$us" 'BEGIN { printf "%.0f", r * 1e6 / us }')"
  echo "  $name: ${rate[$name]} requests/s ($requests in $duration, no error)"
}

# A JSON body without the fields that differ on every answer (Alibaba's RequestId).
stable() { sed -E 's/"RequestId":"[^"]*",?//g'; }

# --- the servers ---------------------------------------------------------------------------
serve baseline target/release/examples/baseline 0
baseline_url="$url"
serve openstack-compute "$bin" mock openstack-compute
os_url="$url"
serve liveperson-deletion "$bin" mock liveperson-deletion
lp_url="$url"
serve alibaba-elasticsearch "$bin" mock alibaba-elasticsearch
ali_url="$url"

# --- one resource each, to read --------------------------------------------------------------
# OpenStack: a Keystone login, a server, built.
token="$(curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"conform","domain":{"name":"Default"},"password":"conform-secret"}}},"scope":{"project":{"name":"conform","domain":{"name":"Default"}}}}}' \
  "${os_url}identity/v3/auth/tokens" | awk -F': ' 'tolower($1) == "x-subject-token" { print $2 }' | tr -d '\r')"
[ -n "$token" ] || fail "no token from the OpenStack mock's Keystone"
server="$(curl -fsS -H "X-Auth-Token: $token" -H 'Content-Type: application/json' \
  -d '{"server":{"name":"load","flavorRef":"1"}}' "${os_url}compute/v2.1/servers" |
  grep -oE '"id": ?"[0-9a-f-]{36}"' | head -1 | grep -oE '[0-9a-f-]{36}')"
os_read="${os_url}compute/v2.1/servers/$server"
for _ in $(seq 50); do
  curl -fsS -H "X-Auth-Token: $token" "$os_read" | grep -q '"status": \?"ACTIVE"' && break
  sleep 0.1
done
os_before="$(curl -fsS -H "X-Auth-Token: $token" "$os_read")"
grep -q '"status": \?"ACTIVE"' <<<"$os_before" || fail "the OpenStack server did not become ACTIVE"

# LivePerson: a deletion request.
bearer="Authorization: Bearer lp-mock-token-5e1f0c2a"
site=le92186583
request_id="$(curl -fsS -H "$bearer" -H 'Content-Type: application/json' -d '{"consumer":["load-1"]}' \
  "${lp_url}api/account/$site/personal-data-deletion" | grep -oE '"request_id": ?[0-9]+' | grep -oE '[0-9]+$')"
lp_read="${lp_url}api/account/$site/personal-data-deletion/$request_id"
lp_before="$(curl -fsS -H "$bearer" "$lp_read")"

# Alibaba: ROA v1 headers and signature (CONTRACTS.md A, "ROA signature v1").
akid=conform-test-akid
secret=conform-test-secret-3f9a
date_h="$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')"
# acs_sign METHOD RESOURCE CONTENT-MD5 CONTENT-TYPE NONCE: the `Authorization` value.
acs_sign() {
  local sts
  sts="$(printf '%s\n' "$1" application/json "$3" "$4" "$date_h" \
    x-acs-signature-method:HMAC-SHA1 "x-acs-signature-nonce:$5" x-acs-signature-version:1.0 \
    x-acs-version:2017-06-13)"$'\n'"$2"
  printf 'acs %s:%s' "$akid" "$(printf '%s' "$sts" | openssl dgst -sha1 -hmac "$secret" -binary | base64)"
}
# acs_headers NONCE: the signed headers besides Authorization, as curl/wrk arguments.
acs_headers() {
  printf '%s\n' 'Accept: application/json' "Date: $date_h" 'x-acs-signature-method: HMAC-SHA1' \
    "x-acs-signature-nonce: $1" 'x-acs-signature-version: 1.0' 'x-acs-version: 2017-06-13'
}
body='{"esVersion":"7.10_with_X-Pack","description":"load"}'
md5="$(printf '%s' "$body" | openssl dgst -md5 -binary | base64)"
curl_headers=()
while IFS= read -r h; do curl_headers+=(-H "$h"); done < <(acs_headers create-1)
instance="$(curl -fsS "${curl_headers[@]}" -H "Content-MD5: $md5" -H 'Content-Type: application/json' \
  -H "Authorization: $(acs_sign POST /openapi/instances "$md5" application/json create-1)" \
  -d "$body" "${ali_url}openapi/instances" | grep -oE '"instanceId": ?"[^"]+"' | cut -d'"' -f4)"
[ -n "$instance" ] || fail "the Alibaba mock created no instance"
ali_read="${ali_url}openapi/instances/$instance"
ali_headers=()
while IFS= read -r h; do ali_headers+=("$h"); done < <(acs_headers describe-1)
ali_headers+=("Authorization: $(acs_sign GET "/openapi/instances/$instance" '' '' describe-1)")
ali_curl=()
for h in "${ali_headers[@]}"; do ali_curl+=(-H "$h"); done
ali_before="$(curl -fsS "${ali_curl[@]}" "$ali_read" | stable)"
grep -q '"status": \?"active"' <<<"$ali_before" || fail "the Alibaba instance is not active: $ali_before"

# --- each read's answer, canned ---------------------------------------------------------------
# The same status, headers and body served with no work by the baseline binary: what the bytes
# of each answer cost on the wire, so a mock's ratio to it is what its own logic costs.
curl -fsS -i -H "X-Auth-Token: $token" "$os_read" >"$work/openstack-compute.http"
curl -fsS -i -H "$bearer" "$lp_read" >"$work/liveperson-deletion.http"
curl -fsS -i "${ali_curl[@]}" "$ali_read" >"$work/alibaba-elasticsearch.http"
PRINTED=baseline serve canned target/release/examples/baseline 0 \
  "openstack-compute=$work/openstack-compute.http" \
  "liveperson-deletion=$work/liveperson-deletion.http" \
  "alibaba-elasticsearch=$work/alibaba-elasticsearch.http"
canned_url="$url"
# body_of FILE: the body of a `curl -si` capture (what follows its blank line).
body_of() { sed -n '/^\r$/,$p' "$1" | tail -n +2; }
for api in openstack-compute liveperson-deletion alibaba-elasticsearch; do
  [ "$(curl -fsS "$canned_url$api" | stable)" = "$(body_of "$work/$api.http" | stable)" ] ||
    fail "the canned answer of $api is not the mock's"
done

# --- the load --------------------------------------------------------------------------------
echo "wrk: $threads threads, $connections connections, $duration per target, 127.0.0.1, $(nproc) cores shared with wrk"
load baseline "$baseline_url"
load openstack-compute "$os_read" "X-Auth-Token: $token"
load liveperson-deletion "$lp_read" "$bearer"
load alibaba-elasticsearch "$ali_read" "${ali_headers[@]}"
for api in openstack-compute liveperson-deletion alibaba-elasticsearch; do
  load "canned-$api" "$canned_url$api"
done
# The baseline again, last: the machine's drift during the run shows as the two figures' gap.
load baseline-after "$baseline_url"

# --- the state afterwards --------------------------------------------------------------------
[ "$(curl -fsS -H "X-Auth-Token: $token" "$os_read")" = "$os_before" ] ||
  fail "the OpenStack server reads back differently after the load"
[ "$(curl -fsS -H "$bearer" "$lp_read")" = "$lp_before" ] ||
  fail "the LivePerson deletion request reads back differently after the load"
[ "$(curl -fsS "${ali_curl[@]}" "$ali_read" | stable)" = "$ali_before" ] ||
  fail "the Alibaba instance reads back differently after the load"
echo "  every resource reads back as before"

base="$(awk -v a="${rate[baseline]}" -v b="${rate[baseline-after]}" 'BEGIN { printf "%.0f", (a + b) / 2 }')"
echo "ratio to the baseline (${base} requests/s, the mean of its two runs; goal >= 0.7), and to"
echo "the same answer canned (its bytes with no work: what is left is the mock's logic):"
below=0
for api in openstack-compute liveperson-deletion alibaba-elasticsearch; do
  ratio="$(awk -v r="${rate[$api]}" -v b="$base" 'BEGIN { printf "%.2f", r / b }')"
  same="$(awk -v r="${rate[$api]}" -v b="${rate[canned-$api]}" 'BEGIN { printf "%.2f", r / b }')"
  bytes="$(body_of "$work/$api.http" | wc -c)"
  mark=""
  if awk -v r="$ratio" 'BEGIN { exit !(r < 0.7) }'; then mark=" (below the goal)"; fi
  echo "  $api: $ratio$mark; to its canned answer ($bytes-byte body): $same"
  if [ -n "${LOAD_MIN_RATIO:-}" ] && awk -v r="$ratio" -v m="$LOAD_MIN_RATIO" 'BEGIN { exit !(r < m) }'; then
    below=1
  fi
done
[ "$below" -eq 0 ] || fail "a mock is below LOAD_MIN_RATIO=$LOAD_MIN_RATIO of the baseline"
