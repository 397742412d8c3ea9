#!/usr/bin/env bash
# The "keep up" CI mode: install the NEWEST versions that pyproject.toml allows (ignoring uv.lock)
# into .venv-latest and run the whole suite, so that a new release that breaks us is seen before a
# user meets it.  `.ci/run --latest` calls this.  Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
bash scripts/bootstrap-uv.sh
export SITING_VENV=.venv-latest
.uv/bin/uv venv --quiet --allow-existing --python "$PY" "$SITING_VENV"
UV_PYTHON_DOWNLOADS=never .uv/bin/uv pip install --quiet --python "$SITING_VENV/bin/python" \
  --upgrade --resolution highest -e ".[test]"
exec bash scripts/checks.sh "$@"
