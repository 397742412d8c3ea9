#!/usr/bin/env bash
# Second command of the README: set up and run lint, type checks, tests and benchmark smoke runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
echo "== ruff"
.venv/bin/ruff check siting api tests bench
echo "== mypy"
.venv/bin/mypy siting api
echo "== pytest"
.venv/bin/python -m pytest -q "$@"
