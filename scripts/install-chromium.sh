#!/usr/bin/env bash
# Install Debian's Chromium for the browser test of the planner's web page (tests/api/test_web.py).
# Idempotent; needs root (CI runs as root). Prints the browser's path.
set -euo pipefail
die() { echo "install-chromium.sh: $*" >&2; exit 1; }
if ! command -v chromium >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || die "Chromium is not installed and we are not root to apt-get install it"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2 || die "apt-get update failed"
  apt-get install -y chromium >&2 || die "apt-get install chromium failed"
fi
command -v chromium
