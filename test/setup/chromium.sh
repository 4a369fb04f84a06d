#!/usr/bin/env bash
# Make headless Chromium (Debian's package) available for the run report's browser test. Idempotent:
# does nothing when `chromium` is already on PATH. The test drives it with playwright-core (npm),
# which downloads no browser; this script is the only place a browser comes from.
set -euo pipefail

log() { printf '[chromium-setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

if command -v chromium >/dev/null 2>&1; then
  log "already installed: $(chromium --version 2>/dev/null | head -n 1)"
  exit 0
fi

log "apt-get update"
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
log "apt-get install chromium (about a minute)"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null

command -v chromium >/dev/null 2>&1 || { printf '[chromium-setup] error: chromium not on PATH after install\n' >&2; exit 1; }
log "installed: $(chromium --version 2>/dev/null | head -n 1)"
