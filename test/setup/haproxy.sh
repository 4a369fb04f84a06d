#!/usr/bin/env bash
# Make HAProxy (Debian's 2.6) available for the router contract tests. Idempotent: does nothing when
# `haproxy` is already on PATH. Nothing is started here: each test starts its own haproxy on
# 127.0.0.1 with its state (config, pidfile, sockets) in a temporary directory, and stops it by pid.
set -euo pipefail

log() { printf '[haproxy-setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

if command -v haproxy >/dev/null 2>&1; then
  log "already installed: $(haproxy -v 2>/dev/null | head -n 1)"
  exit 0
fi

log "apt-get update"
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
log "apt-get install haproxy"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends haproxy >/dev/null

# Debian's package enables and starts a system-wide haproxy (port 80 in its default config) where
# an init system runs. The tests never use it; stop it if it came up so it holds no port.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet haproxy 2>/dev/null; then
  as_root systemctl stop haproxy || true
fi

command -v haproxy >/dev/null 2>&1 || { printf '[haproxy-setup] error: haproxy not on PATH after install\n' >&2; exit 1; }
log "installed: $(haproxy -v 2>/dev/null | head -n 1)"
