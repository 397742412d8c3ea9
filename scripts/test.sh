#!/usr/bin/env bash
# Second command of the README: install the locked test environment, then run lint, type checks,
# tests and the benchmark smoke runs (what CI runs).  Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
SITING_VENV="${SITING_VENV:-.venv}" exec bash scripts/checks.sh "$@"
