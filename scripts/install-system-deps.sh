#!/usr/bin/env bash
# Debian/Ubuntu packages the tests need, installed only when missing: Chromium for the browser tests (never a
# downloaded browser) and ripgrep for the opencode CLI's glob/grep tools. Used by .ci/run and .github/workflows/ci.yml.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v rg >/dev/null || need+=(ripgrep)
if [ "${#need[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
chromium --version
