#!/usr/bin/env bash
# Third-party proof that the specs are ordinary OpenAPI 3.1: load each specs/<api>/openapi.yaml
# with schemathesis (PyPI) -- no server involved --, validate it with schemathesis' own
# OpenAPI check, print the operations it finds with their response statuses, and have it
# generate one request per operation from the schemas (hypothesis, no network). Exits non-zero if a spec does not load or an operation fails to
# resolve. Not part of CI (it needs Python and a venv):
#
#   python3 -m venv /tmp/stvenv && /tmp/stvenv/bin/pip install schemathesis
#   PYTHON=/tmp/stvenv/bin/python scripts/check-specs-thirdparty.sh [API...]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-/tmp/stvenv/bin/python}"
"$PYTHON" -c 'import schemathesis' 2>/dev/null || {
  echo "schemathesis is not importable by $PYTHON; see the comment at the top of $0" >&2
  exit 2
}
if [ "$#" -eq 0 ]; then
  set -- $(ls -d specs/*/openapi.yaml | cut -d/ -f2)
fi
"$PYTHON" - "$@" <<'PY'
import sys
import schemathesis
from hypothesis import HealthCheck, given, settings


def one_case(op):
    """One request generated from the operation's parameter and body schemas."""
    cases = []

    @given(op.as_strategy())
    @settings(max_examples=1, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    def generate(case):
        cases.append(case)

    generate()
    return cases[0]

failed = 0
print(f"schemathesis {schemathesis.__version__}")
for api in sys.argv[1:]:
    path = f"specs/{api}/openapi.yaml"
    schema = schemathesis.openapi.from_path(path)
    schema.validate()  # raises on a document that is not OpenAPI
    print(f"{path}: OpenAPI {schema.raw_schema.get('openapi')}, title {schema.raw_schema['info']['title']!r}")
    for result in schema.get_all_operations():
        try:
            op = result.ok()
        except Exception as e:  # an operation schemathesis cannot resolve
            failed += 1
            print(f"  ERROR {e}")
            continue
        raw = op.definition.raw
        statuses = ",".join(sorted(raw.get("responses", {})))
        print(f"  {op.method.upper():6} {op.path:60} {raw.get('operationId')}  [{statuses}]")
        case = one_case(op)
        body = "" if case.body is None or type(case.body).__name__ == "NotSet" else f" body={case.body!r}"
        print(f"  {'':6} generated: path={case.path_parameters or {}} query={case.query or {}}{body}"[:160])
        # Variants ride on an extension schemathesis ignores; list them to show they load too.
        for v in raw.get("x-conform-variants", []):
            vs = ",".join(sorted(v.get("responses", {})))
            print(f"  {'':6} {'':60}   variant {v.get('operationId')}  [{vs}]")
sys.exit(1 if failed else 0)
PY
