#!/usr/bin/env bash
# The CI recipe in docs/ci/ against the schemas GitHub Actions and GitLab CI publish: the ones
# check-jsonschema (PyPI) ships built in, so the check runs offline once it is installed.
# Installs check-jsonschema into a venv of its own under target/ (as sdk-check.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${CI_RECIPE_VENV:-target/ci-recipe-venv}"
if [ ! -x "$venv/bin/check-jsonschema" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check check-jsonschema
fi

"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows docs/ci/github-actions.yml
"$venv/bin/check-jsonschema" --builtin-schema vendor.gitlab-ci docs/ci/gitlab-ci.yml
echo "ci recipe check passed"
