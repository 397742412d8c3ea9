#!/usr/bin/env bash
# Install uv, pinned with hashes (scripts/uv-requirements.txt), into its own small venv .uv/ (once).
# uv lives apart from .venv so that `uv sync` can keep .venv exactly equal to uv.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .uv/bin/uv ] || ! cmp -s scripts/uv-requirements.txt .uv/requirements.txt; then
  "$PY" -m venv --clear .uv
  .uv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
    -r scripts/uv-requirements.txt
  cp scripts/uv-requirements.txt .uv/requirements.txt
fi
