#!/usr/bin/env bash
# Create .venv with exactly the versions of uv.lock: siting with its `api` extra (so `siting serve`
# works), plus any further extras given, e.g. `scripts/setup.sh test`.
#
# uv comes from scripts/bootstrap-uv.sh (pinned with hashes, in .uv/).  `--locked` stops with an error if uv.lock no
# longer matches pyproject.toml (run `.uv/bin/uv lock` and commit the result; README "Maintaining").
#
# Environment: PYTHON (default python3, must be 3.11+), SITING_VENV (default .venv).
set -euo pipefail
# the platform's certificate store, so that a corporate TLS proxy (trusted by the system) works
export UV_SYSTEM_CERTS="${UV_SYSTEM_CERTS:-1}"
# compile bytecode at install: a machine that sets PYTHONDONTWRITEBYTECODE would otherwise compile pandas at every start
export UV_COMPILE_BYTECODE="${UV_COMPILE_BYTECODE:-1}"
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
VENV="${SITING_VENV:-.venv}"
bash scripts/bootstrap-uv.sh
args=(--locked --python "$PY" --extra api)
for extra in "$@"; do args+=(--extra "$extra"); done
UV_PROJECT_ENVIRONMENT="$VENV" UV_PYTHON_DOWNLOADS=never .uv/bin/uv sync --quiet "${args[@]}"
