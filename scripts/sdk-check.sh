#!/usr/bin/env bash
# The official clients against the reference mocks, unchanged but for the endpoint: the Alibaba
# Cloud Python SDK's cancel_deletion (both signing schemes) and an openstacksdk restore through
# the mock's Keystone; then both again through `conform proxy`, unchanged but for the endpoint:
# clean in front of the faithful mocks, violations reported in front of faulted ones. Installs
# the SDKs from PyPI into a venv of its own. Extra arguments go to `cargo run` (CI passes
# --release).
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${SDK_VENV:-target/sdk-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check alibabacloud-elasticsearch20170613 openstacksdk

cargo build -q "$@"
bin=target/debug/conform
case " $* " in *" --release "*) bin=target/release/conform ;; esac

pids=()
cleanup() { for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }

listening() { # port
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  return 1
}

start() { # api port [mock options...]
  local api=$1 port=$2
  shift 2
  "$bin" mock "$api" --port "$port" "$@" >/dev/null 2>&1 &
  pids+=($!)
  listening "$port"
}

work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT

# proxy NAME API TARGET PORT [proxy options...]: a proxy in the background, its output in
# $work/NAME.out, its pid in $work/NAME.pid.
proxy() {
  local name=$1 api=$2 target=$3 port=$4
  shift 4
  "$bin" proxy --target "$api=$target" --port "$port" --report "$work/$name" "$@" \
    >"$work/$name.out" 2>&1 &
  echo $! >"$work/$name.pid"
  listening "$port"
}

# stop NAME EXPECTED: Ctrl-C, then the exit code must be EXPECTED.
stop() {
  local pid code
  pid=$(cat "$work/$1.pid")
  kill -INT "$pid"
  set +e
  wait "$pid"
  code=$?
  set -e
  tail -1 "$work/$1.out" | sed "s/^/  $1: /"
  grep -E '^[0-9]+ passed' "$work/$1.out" | sed "s/^/  $1: /"
  if [ "$code" -ne "$2" ]; then
    echo "conform proxy ($1) exited $code, expected $2:" >&2
    cat "$work/$1.out" >&2
    exit 1
  fi
}

ali_port=$((20000 + RANDOM % 10000))
os_port=$((ali_port + 1))
start alibaba-elasticsearch "$ali_port"
start openstack-compute "$os_port"

echo "-- Alibaba Cloud Python SDK: cancel_deletion, default (v3) and v2 (ROA v1) signing"
timeout 120 "$venv/bin/python" scripts/sdk/alibaba_cancel_deletion.py "http://127.0.0.1:$ali_port"
echo "-- openstacksdk: create, soft delete, restore through the mock's Keystone"
timeout 120 "$venv/bin/python" scripts/sdk/openstack_restore.py --auth-url "http://127.0.0.1:$os_port/identity"

echo "-- the same through conform proxy, in front of the faithful mocks: nothing to report"
# ACS3 signs the host the SDK was pointed at: the proxy keeps it (the mock serves any host).
proxy ali-clean alibaba-elasticsearch "http://127.0.0.1:$ali_port" "$((os_port + 1))" --preserve-host
timeout 120 "$venv/bin/python" scripts/sdk/alibaba_cancel_deletion.py "http://127.0.0.1:$((os_port + 1))" >/dev/null
stop ali-clean 0
# Keystone's catalog points back at the proxy (X-Forwarded-Host): Nova's calls come through it.
proxy os-clean openstack-compute "http://127.0.0.1:$os_port" "$((os_port + 2))"
timeout 120 "$venv/bin/python" scripts/sdk/openstack_restore.py --auth-url "http://127.0.0.1:$((os_port + 2))/identity" >/dev/null
stop os-clean 0
grep -q 'PASS  proxy/openstack-compute#.* POST .*/servers/.*/action' "$work/os-clean.out" || {
  echo "the restore did not go through the proxy" >&2
  exit 1
}

echo "-- through conform proxy in front of faulted mocks: the violations are reported"
start alibaba-elasticsearch "$((os_port + 3))" --fault wrong-type
start openstack-compute "$((os_port + 4))" --fault missing-header
proxy ali-fault alibaba-elasticsearch "http://127.0.0.1:$((os_port + 3))" "$((os_port + 5))" --preserve-host
# The SDK may fail on the fault itself (it reads Result as a boolean): the proxy's verdict counts.
timeout 120 "$venv/bin/python" scripts/sdk/alibaba_cancel_deletion.py "http://127.0.0.1:$((os_port + 5))" >/dev/null 2>&1 || true
stop ali-fault 1
grep -q '/Result' "$work/ali-fault.out" || { echo "the wrong type of /Result is not named" >&2; exit 1; }
proxy os-fault openstack-compute "http://127.0.0.1:$((os_port + 4))" "$((os_port + 6))"
timeout 120 "$venv/bin/python" scripts/sdk/openstack_restore.py --auth-url "http://127.0.0.1:$((os_port + 6))/identity" >/dev/null 2>&1 || true
stop os-fault 1
grep -q 'required response header .* is missing' "$work/os-fault.out" || { echo "the missing header is not named" >&2; exit 1; }
echo "sdk check passed"
