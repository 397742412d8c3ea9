#!/usr/bin/env bash
# Install Debian's Chromium and a CJK font (Noto Sans CJK, fonts-noto-cjk) for the browser tests of the
# planner's web page (tests/api/test_web.py, driven by Playwright through executable_path).
# Idempotent; needs root (CI runs as root). Prints the browser's path.
set -euo pipefail
die() { echo "install-chromium.sh: $*" >&2; exit 1; }
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list ':lang=zh' 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
if [ "${#need[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "${need[*]} not installed and we are not root to apt-get install it"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2 || die "apt-get update failed"
  apt-get install -y --no-install-recommends "${need[@]}" fontconfig >&2 || die "apt-get install ${need[*]} failed"
fi
command -v chromium
