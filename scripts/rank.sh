#!/usr/bin/env bash
# First command of the README: set up from nothing and rank the sites for the default request.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/siting rank "$@"
