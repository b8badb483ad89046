#!/usr/bin/env bash
# The official clients against the reference mocks, unchanged but for the endpoint: the Alibaba
# Cloud Python SDK's cancel_deletion (both signing schemes) and an openstacksdk restore through
# the mock's Keystone. Installs the SDKs from PyPI into a venv of its own. Extra arguments go to
# `cargo run` (CI passes --release).
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
trap cleanup EXIT

start() { # api port
  "$bin" mock "$1" --port "$2" >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "the $1 mock did not start on port $2" >&2
  return 1
}

ali_port=$((20000 + RANDOM % 10000))
os_port=$((ali_port + 1))
start alibaba-elasticsearch "$ali_port"
start openstack-compute "$os_port"

echo "-- Alibaba Cloud Python SDK: cancel_deletion, default (v3) and v2 (ROA v1) signing"
timeout 120 "$venv/bin/python" scripts/sdk/alibaba_cancel_deletion.py "http://127.0.0.1:$ali_port"
echo "-- openstacksdk: create, soft delete, restore through the mock's Keystone"
timeout 120 "$venv/bin/python" scripts/sdk/openstack_restore.py --auth-url "http://127.0.0.1:$os_port/identity"
echo "sdk check passed"
