#!/usr/bin/env bash
# The "keep up" CI mode: install the NEWEST versions that pyproject.toml allows (ignoring uv.lock)
# into .venv-latest and run the whole suite, so that a new release that breaks us is seen before a
# user meets it.  `.ci/run --latest` calls this.  Extra arguments go to pytest.
set -euo pipefail
# the platform's certificate store, so that a corporate TLS proxy (trusted by the system) works
export UV_SYSTEM_CERTS="${UV_SYSTEM_CERTS:-1}"
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
bash scripts/bootstrap-uv.sh
export SITING_VENV=.venv-latest
.uv/bin/uv venv --quiet --allow-existing --python "$PY" "$SITING_VENV"
UV_PYTHON_DOWNLOADS=never .uv/bin/uv pip install --quiet --python "$SITING_VENV/bin/python" \
  --upgrade --resolution highest -e ".[test]"
exec bash scripts/checks.sh "$@"
