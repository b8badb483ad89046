#!/usr/bin/env bash
# The real-world step (issue 22): two servers nobody here wrote, their specs read as published,
# conform and Schemathesis on each with the same seed and budget, one table, and a verdict
# against the hand-classified findings of scripts/realworld/expectations.toml.
#
#   jupyter-server 2.21.1 (+ ipykernel): spec from the installed package, a known token
#   httpbin 0.10.4 under gunicorn: spec from GET /spec.json, saved as served
#
# Per server: `conform specs check`, `conform init` + `conform run`, `conform run` of the
# server's Arazzo workflow (scripts/realworld/<server>.arazzo.yaml), `conform fuzz` (seed 42,
# --max-examples N), `st run --seed 42 --max-examples N`; for jupyter the kernels, sessions and
# terminals still running after each tool (then deleted, so each tool is counted alone).
# Output: the table on stdout and in target/realworld/table.md; each step's logs and reports
# under target/realworld/run/<server>/<tool>/. Exit 1 when a known-false class comes back or a
# known real defect is no longer found (a refusal by conform is a step result, not an abort).
#
# Only PyPI is reached (the venv, pinned by scripts/realworld/requirements.txt, pip's cache
# reused); then the servers and the tools run inside `unshare -rn` (a network namespace of
# their own, only `lo`), or on plain loopback with a note where unshare is refused.
#
# Environment: REALWORLD_NET=loopback (no namespace), REALWORLD_EXAMPLES (default 50), REALWORLD_FUZZ_TIME (conform fuzz --time,
# default 2m), REALWORLD_STEP_LIMIT (seconds one tool may take, default 300),
# CONFORM (a conform binary; default target/release/conform, else target/debug/conform, else
# `cargo build --release`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target/realworld
VENV=$OUT/venv
PY=$VENV/bin/python
HELPER=$ROOT/scripts/realworld/summarize.py
EXAMPLES=${REALWORLD_EXAMPLES:-50}
FUZZ_TIME=${REALWORLD_FUZZ_TIME:-2m}
STEP_LIMIT=${REALWORLD_STEP_LIMIT:-300}
SEED=42

prepare() {
  # python3 >= 3.11 (the pinned ipython 9 needs it) with venv, and curl: from Debian if absent,
  # as the other CI scripts get their tools.
  if ! python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || ! command -v curl >/dev/null; then
    if command -v apt-get >/dev/null; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv curl iproute2 >/dev/null
    fi
  fi
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "python3 >= 3.11 is required (the pinned ipython 9 needs it); found $(python3 --version)" >&2
    exit 1
  fi
  # The venv is rebuilt only when the pins change; pip's own cache makes a rebuild cheap.
  local req=$ROOT/scripts/realworld/requirements.txt stamp=$VENV/.requirements
  if ! cmp -s "$req" "$stamp" 2>/dev/null; then
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    cp "$req" "$stamp"
  fi
  if [ -z "${CONFORM:-}" ]; then
    if [ -x target/release/conform ]; then
      CONFORM=$ROOT/target/release/conform
    elif [ -x target/debug/conform ]; then
      CONFORM=$ROOT/target/debug/conform
    else
      cargo build --release --quiet
      CONFORM=$ROOT/target/release/conform
    fi
  fi
  export CONFORM
}

# REALWORLD_INSIDE is set for the second pass, inside the namespace. REALWORLD_NET=loopback
# skips the namespace (what happens by itself where unshare is refused).
if [ -z "${REALWORLD_INSIDE:-}" ]; then
  started_all=$(date +%s)
  prepare
  if [ "${REALWORLD_NET:-}" != loopback ] && command -v unshare >/dev/null \
    && command -v ip >/dev/null && unshare -rn --pid --fork true 2>/dev/null; then
    # A PID namespace too: whatever the servers start (kernels, terminals) dies with the step.
    REALWORLD_INSIDE=1 REALWORLD_NET=namespace REALWORLD_STARTED=$started_all \
      exec unshare -rn --pid --fork bash "$0" "$@"
  fi
  [ "${REALWORLD_NET:-}" = loopback ] \
    || echo "note: unshare -rn is refused here: the servers run on plain loopback (127.0.0.1)"
  export REALWORLD_NET=loopback REALWORLD_STARTED=$started_all
fi
if [ "$REALWORLD_NET" = namespace ]; then
  ip link set lo up
fi

RUN=$OUT/run
STEPS=0
rm -rf "$RUN" "$OUT/httpbin-access.log"
mkdir -p "$RUN"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/realworld.XXXXXX")
PIDS=()
alive() {
  local pid
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}
cleanup() {
  local pid i
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  # jupyter-server can take a while to stop its kernels: 10 s, then SIGKILL.
  for i in $(seq 20); do
    alive || break
    sleep 0.5
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_ready PID LOG URL [HEADER]: at most 60 s, and not a moment longer than the server lives.
wait_ready() {
  local i
  for i in $(seq 120); do
    if curl -fsS -o /dev/null --max-time 2 ${4:+-H "$4"} "$3" 2>/dev/null; then return 0; fi
    if ! kill -0 "$1" 2>/dev/null; then
      tail -20 "$2" >&2
      echo "the server for $3 exited before it answered (its log: $2)" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "the server at $3 did not answer in 60 s (its log: $2)" >&2
  return 1
}

# The flag for a header conform does not find in a spec, once conform has one (issue 22, item 3).
conform_header_args() {
  if [ -n "${1:-}" ] && "$CONFORM" "$2" --help 2>/dev/null | grep -q -- '--header'; then
    printf '%s\0%s\0' --header "$1"
  fi
}

# Requests the server itself logged (httpbin's access log), to check the tools' own counts.
served_count() {
  if [ "$1" = httpbin ] && [ -f "$OUT/httpbin-access.log" ]; then
    wc -l <"$OUT/httpbin-access.log"
  else
    echo -
  fi
}

# run_step SERVER TOOL CMD...: the tool's output in its folder, exit code and wall time recorded.
run_step() {
  local server=$1 tool=$2 dir=$RUN/$1/$2 t0=$SECONDS rc=0 served
  shift 2
  mkdir -p "$dir"
  echo "== $server: $tool"
  if [ "$server" = httpbin ] && [ "$tool" != conform-specs-check ]; then
    start_httpbin
    t0=$SECONDS
  fi
  served=$(served_count "$server")
  timeout "$STEP_LIMIT" "$@" >"$dir/out.log" 2>&1 || rc=$?
  [ "$served" = - ] || "$PY" "$HELPER" record "$dir" "served=$(($(served_count "$server") - served))"
  STEPS=$((STEPS + 1))
  "$PY" "$HELPER" record "$dir" "server=$server" "tool=$tool" "rc=$rc" "wall=$((SECONDS - t0))" \
    "order=$STEPS"
  [ "$rc" -ne 124 ] || "$PY" "$HELPER" record "$dir" "result=timeout after ${STEP_LIMIT}s"
  return 0
}

# conform_result DIR: refused (Swagger 2.0 and the like), or what conform's summary says.
conform_result() {
  local dir=$1 result
  if grep -q 'is a Swagger 2.0 document' "$dir/out.log"; then
    result=refused
  else
    result="ran: $(grep -E '^[0-9]+ passed|problem\(s\)|^fuzz:' "$dir/out.log" | tail -1 | tr -d '|' || true)"
    [ "$result" != "ran: " ] || result="ran (exit $(cat_rc "$dir"))"
  fi
  "$PY" "$HELPER" record "$dir" "result=$result"
  local requests
  requests=$(sed -n 's/^fuzz: [0-9]* cases, \([0-9]*\) requests.*/\1/p' "$dir/out.log" | tail -1)
  [ -z "$requests" ] || "$PY" "$HELPER" record "$dir" "requests=$requests"
}
cat_rc() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["rc"])' "$1/meta.json"; }

# Everything conform and Schemathesis do against one server.
# tools SERVER URL SPEC [HEADER] [JUPYTER_TOKEN]
tools() {
  local server=$1 url=$2 spec=$3 header=${4:-} token=${5:-} dir
  dir=$RUN/$server/conform-specs-check
  run_step "$server" conform-specs-check "$CONFORM" specs check --color never --spec "$server=$spec"
  if grep -q 'is a Swagger 2.0 document' "$dir/out.log"; then
    "$PY" "$HELPER" record "$dir" result=refused
  else
    "$PY" "$HELPER" record "$dir" "result=exit $(cat_rc "$dir"), $(grep -c 'error\[' "$dir/out.log" || true) error(s)"
  fi

  local -a hrun=() hfuzz=()
  mapfile -d '' hrun < <(conform_header_args "$header" run)
  mapfile -d '' hfuzz < <(conform_header_args "$header" fuzz)
  dir=$RUN/$server/conform-init-run
  run_step "$server" conform-init-run bash -c '
    "$1" init --color never --api "$2" --out "$3" "$4" || exit $?
    conform=$1; shift 4; "$conform" run --color never --quiet --report "$0/report" "$@"
  ' "$dir" "$CONFORM" "$server" "$TMP/cases" "$spec" "$TMP/cases/$server" \
    --spec "$server=$spec" --target "$server=$url" "${hrun[@]}"
  "$PY" "$HELPER" record "$dir" "target=$url"
  conform_result "$dir"
  leftovers "$server" "$url" "$token" "$dir"

  # The hand-written Arazzo workflow of this server (its source named like the API, so
  # `--spec` gives it the spec as published): it must pass whole on the real server.
  dir=$RUN/$server/conform-arazzo
  run_step "$server" conform-arazzo "$CONFORM" run --color never --quiet --report "$dir/report" \
    "$ROOT/scripts/realworld/$server.arazzo.yaml" --spec "$server=$spec" --target "$server=$url" \
    "${hrun[@]}"
  "$PY" "$HELPER" record "$dir" "target=$url"
  conform_result "$dir"
  leftovers "$server" "$url" "$token" "$dir"

  dir=$RUN/$server/conform-fuzz
  run_step "$server" conform-fuzz "$CONFORM" fuzz "$server" --color never --quiet \
    --spec "$server=$spec" --target "$server=$url" --seed "$SEED" \
    --max-examples "$EXAMPLES" --time "$FUZZ_TIME" --step-timeout 10s \
    --report "$dir/report" "${hfuzz[@]}"
  "$PY" "$HELPER" record "$dir" "target=$url"
  conform_result "$dir"
  leftovers "$server" "$url" "$token" "$dir"

  dir=$RUN/$server/schemathesis
  # In its own folder: Schemathesis keeps a cache of past crashes in ./.schemathesis, which
  # would replay an earlier run's failures first and make this one depend on it.
  mkdir -p "$dir"
  run_step "$server" schemathesis env -C "$dir" "$VENV/bin/st" run "$spec" --url "$url" \
    --seed "$SEED" --max-examples "$EXAMPLES" --workers 1 --generation-database none \
    --request-timeout 10 --no-color --report json,ndjson --report-dir "$dir/report" \
    ${header:+--header "$header"}
  "$PY" "$HELPER" record "$dir" "target=$url" "result=ran (exit $(cat_rc "$dir"))"
  leftovers "$server" "$url" "$token" "$dir"
}

# jupyter only: what the tool left running, then removed so the next tool is counted alone.
leftovers() {
  local server=$1 url=$2 token=$3 dir=$4 left
  [ -n "$token" ] || return 0
  left=$("$PY" "$HELPER" jupyter "$url" "$token" count 2>&1 || echo "count failed")
  "$PY" "$HELPER" record "$dir" "leftovers=$left"
  "$PY" "$HELPER" jupyter "$url" "$token" clean >/dev/null 2>&1 || true
}

echo "network: $REALWORLD_NET; conform: $CONFORM; seed $SEED, $EXAMPLES examples per operation"
# The judge first: a matcher that cannot fail would pass any run.
"$PY" "$ROOT/scripts/realworld/test_summarize.py" -q 2>&1 | tail -1

# jupyter-server: a token of this run, a root folder of its own, its config and runtime in TMP.
JTOKEN=$("$PY" -c 'import secrets; print(secrets.token_hex(16))')
JPORT=$(free_port)
mkdir -p "$TMP/jupyter-root" "$TMP/jupyter-home"
JUPYTER_RUNTIME_DIR=$TMP/jupyter-home/runtime JUPYTER_CONFIG_DIR=$TMP/jupyter-home/config \
  JUPYTER_DATA_DIR=$TMP/jupyter-home/data JUPYTER_PLATFORM_DIRS=1 \
  "$VENV/bin/jupyter" server --no-browser --allow-root --ServerApp.ip=127.0.0.1 \
  --ServerApp.port="$JPORT" --ServerApp.port_retries=0 --IdentityProvider.token="$JTOKEN" \
  --ServerApp.root_dir="$TMP/jupyter-root" >"$OUT/jupyter-server.log" 2>&1 &
JPID=$!
PIDS+=("$JPID")
# httpbin under gunicorn; threads so one slow /drip does not hold every request (httpbin pins
# a gevent older than gunicorn's gevent worker accepts). A fresh server for every tool: a
# /drip or /delay that a tool gave up on keeps a thread asleep for as long as it asked
# (`duration=867` is valid), so a server shared between tools starved the next one (seen
# here: Schemathesis got 6 answers in 300 s after conform's fuzz).
HPORT=$(free_port)
HPID=
start_httpbin() {
  if [ -n "$HPID" ]; then
    kill "$HPID" 2>/dev/null || true
    wait "$HPID" 2>/dev/null || true
  fi
  "$VENV/bin/gunicorn" --bind "127.0.0.1:$HPORT" --worker-class gthread --workers 2 \
    --threads 16 --timeout 30 --graceful-timeout 2 --access-logfile "$OUT/httpbin-access.log" httpbin:app \
    >>"$OUT/httpbin.log" 2>&1 &
  HPID=$!
  PIDS+=("$HPID")
  wait_ready "$HPID" "$OUT/httpbin.log" "http://127.0.0.1:$HPORT/spec.json"
}
start_httpbin

JURL=http://127.0.0.1:$JPORT
HURL=http://127.0.0.1:$HPORT
wait_ready "$JPID" "$OUT/jupyter-server.log" "$JURL/api/status" "Authorization: token $JTOKEN"

# The specs as published: jupyter's from its package, httpbin's as its server serves it.
JSPEC=$("$PY" -c 'import jupyter_server, os; print(os.path.join(os.path.dirname(jupyter_server.__file__), "services", "api", "api.yaml"))')
# httpbin's as its server serves it: every tool reads the URL itself (conform fetches it once
# per command, under its spec size limit).
HSPEC=$HURL/spec.json

tools jupyter "$JURL" "$JSPEC" "Authorization: token $JTOKEN" "$JTOKEN"
tools httpbin "$HURL" "$HSPEC"

echo
echo "== the table (seed $SEED, $EXAMPLES examples per operation, network: $REALWORLD_NET, $(($(date +%s) - REALWORLD_STARTED))s in all)"
verdict=0
"$PY" "$HELPER" table "$RUN" "$OUT/table.md" || verdict=$?
exit "$verdict"
