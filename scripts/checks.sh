#!/usr/bin/env bash
# ruff, mypy and pytest in the virtual environment $SITING_VENV (set up by test.sh or test-latest.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${SITING_VENV:?SITING_VENV must name the virtual environment}"
echo "== versions: $("$VENV/bin/python" -c 'import importlib.metadata as m; print(", ".join(f"{p} {m.version(p)}" for p in ("highspy", "pulp", "numpy", "pandas", "fastapi", "pydantic")))')"
echo "== ruff"
"$VENV/bin/ruff" check siting api tests bench
echo "== import contracts (layers; the engine never imports api)"
"$VENV/bin/lint-imports"
echo "== mypy"
"$VENV/bin/mypy" siting api
echo "== pytest"
"$VENV/bin/python" -m pytest -q "$@"
