#!/usr/bin/env bash
# The soak: the corpus 100 times in one `conform run --repeat 100` process against the reference
# mocks served by a second process, so each side is measured on its own. The run prints, after
# each round (when nothing is in flight), its resident memory, open file descriptors, threads
# and tokio tasks; from round 10 to round 100 the descriptors, threads and tasks must stay within
# the band of rounds 10-20 plus a few pooled connections, and memory within 4 MiB. The mock
# process's memory before and after is printed: it keeps what the scenarios created, as the
# vendors do. LivePerson's documented monthly quota (100 deletion requests per account) is
# used up at round 21 (the corpus spends 5 per run, its Arazzo workflow's among them): from then on exactly those scenarios must
# fail, with the quota's 403, and nothing else. Extra arguments go to `cargo build` (CI passes
# --release).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${SOAK_ROUNDS:-100}
cargo build -q "$@"
bin=target/debug/conform
case " $* " in *" --release "*) bin=target/release/conform ;; esac

work=$(mktemp -d)
port=$((30000 + RANDOM % 10000))
"$bin" mock alibaba-elasticsearch liveperson-deletion openstack-compute fixture --port "$port" \
  >"$work/mocks.out" 2>&1 &
mocks=$!
trap 'kill -INT $mocks 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$((port + 3))") 2>/dev/null; then break; fi
  sleep 0.1
done
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
mock_before=$(rss "$mocks")

set +e
ALIBABA_CLOUD_ACCESS_KEY_ID=conform-test-akid ALIBABA_CLOUD_ACCESS_KEY_SECRET=conform-test-secret-3f9a \
LP_BEARER_TOKEN=lp-mock-token-5e1f0c2a \
OS_AUTH_URL="http://127.0.0.1:$((port + 2))/identity/v3" OS_USERNAME=conform OS_PASSWORD=conform-secret \
OS_PROJECT_NAME=conform OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default \
  timeout 900 "$bin" run --repeat "$rounds" --no-report --quiet \
  --target "alibaba-elasticsearch=http://127.0.0.1:$port/" \
  --target "liveperson-deletion=http://127.0.0.1:$((port + 1))/" \
  --target "openstack-compute=http://127.0.0.1:$((port + 2))/compute/v2.1" \
  --target "fixture=http://127.0.0.1:$((port + 3))/" \
  >"$work/run.out" 2>"$work/run.err"
code=$?
set -e
mock_after=$(rss "$mocks")

grep -E "^round (1|10|20|50|$rounds)/" "$work/run.err" || true
tail -1 "$work/run.out"
echo "mock process: rss $((mock_before / 1024)) MiB before, $((mock_after / 1024)) MiB after $rounds rounds"

python3 - "$work/run.err" "$work/run.out" "$code" "$rounds" <<'PY'
import re, sys
err, out, code, rounds = open(sys.argv[1]).read(), open(sys.argv[2]).read(), int(sys.argv[3]), int(sys.argv[4])
figures = {}
for m in re.finditer(r"^round (\d+)/\d+: rss ([\d.]+) MiB, (\d+) open fds, (\d+) threads, (\d+) tasks$", err, re.M):
    figures[int(m[1])] = (float(m[2]), int(m[3]), int(m[4]), int(m[5]))
problems = []
if sorted(figures) != list(range(1, rounds + 1)):
    problems.append(f"round lines missing: saw {len(figures)} of {rounds}")
else:
    band = [figures[k] for k in range(10, 21)]
    last = figures[rounds]
    for i, name, slack in [(1, "open fds", 8), (2, "threads", 0), (3, "tasks", 8)]:
        limit = max(f[i] for f in band) + slack
        if max(figures[k][i] for k in range(10, rounds + 1)) > limit:
            problems.append(f"{name} grew past {limit}: {[figures[k][i] for k in range(10, rounds + 1, 10)]}")
    if last[0] > figures[10][0] + 4:
        problems.append(f"rss grew from {figures[10][0]} MiB at round 10 to {last[0]} MiB")
    print(f"round 10 -> {rounds}: rss {figures[10][0]} -> {last[0]} MiB, fds {figures[10][1]} -> {last[1]}, "
          f"threads {figures[10][2]} -> {last[2]}, tasks {figures[10][3]} -> {last[3]}")
# Failures: only LivePerson's quota spenders, only once the quota is used up (round 21 on).
quota = {"liveperson-deletion/cancel-lifecycle.yaml", "liveperson-deletion/cancel-twice.yaml",
         "liveperson-deletion/list-by-status.yaml",
         "liveperson-deletion/cancel-deletion-request.arazzo.yaml#cancel-deletion-request"}
first = 21
fails = re.findall(r"^FAIL  (\S+) \(round (\d+)/\d+\)", out, re.M)
bad = [f for f in fails if f[0] not in quota or int(f[1]) < first]
expected = len(quota) * max(0, rounds - first + 1)
if bad:
    problems.append(f"unexpected failures: {bad[:5]}")
if len(fails) != expected:
    problems.append(f"{len(fails)} failures, expected {expected} (the quota's)")
if expected and "monthly quota" not in out and "got 403" not in out:
    problems.append("the quota failures do not say 403")
if code != (1 if expected else 0):
    problems.append(f"exit code {code}")
if problems:
    print("soak failed:\n  " + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"soak passed: {rounds} rounds, {len(fails)} failures, all LivePerson's monthly quota")
PY
