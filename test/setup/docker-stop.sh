#!/usr/bin/env bash
# Stop the dockerd that test/setup/docker.sh started (found through its pid file), and nothing else.
# An engine that was already running before docker.sh (and so has no pid file here) is left alone.
set -euo pipefail

STATE_DIR="${PIPEC_DOCKER_STATE:-/tmp/pipec-dockerd}"
PID_FILE="$STATE_DIR/dockerd.pid"
GRACE_SECONDS="${PIPEC_DOCKER_STOP_GRACE:-30}"

log() { printf '[docker-stop] %s\n' "$*"; }

# A live dockerd (not a zombie waiting to be reaped) with this pid.
is_dockerd() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "dockerd" ] || return 1
  [ "$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$pid/stat" 2>/dev/null || true)" != "Z" ]
}

if [ ! -f "$PID_FILE" ]; then
  log "no $PID_FILE: no dockerd was started by test/setup/docker.sh; nothing to stop"
  exit 0
fi

pid="$(cat "$PID_FILE")"
if ! is_dockerd "$pid"; then
  log "pid file names '$pid', which is not a running dockerd; removing the stale pid file"
  rm -f "$PID_FILE"
  exit 0
fi

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo -n)

log "stopping dockerd (pid $pid)"
"${sudo[@]}" kill -TERM "$pid"
for _ in $(seq 1 "$GRACE_SECONDS"); do
  if ! is_dockerd "$pid"; then
    rm -f "$PID_FILE"
    log "dockerd stopped"
    exit 0
  fi
  sleep 1
done

log "dockerd (pid $pid) still running after ${GRACE_SECONDS}s; sending SIGKILL"
"${sudo[@]}" kill -KILL "$pid" 2>/dev/null || true
sleep 1
rm -f "$PID_FILE"
log "dockerd killed"
