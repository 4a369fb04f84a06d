#!/usr/bin/env bash
# Make a Docker engine and pipec's test images available. Idempotent.
#
#   1. If `docker info` already works, that engine is reused and nothing is started.
#   2. Otherwise docker.io and busybox-static are installed with apt-get when missing, and
#      `dockerd --bridge=none --iptables=false` is started in the background. Its pid and log
#      go to $PIPEC_DOCKER_STATE (default /tmp/pipec-dockerd); test/setup/docker-stop.sh stops it.
#   3. The test images are built with `docker import` (no registry, no `docker build`) when they
#      are missing or were built from a different recipe (a label holds a hash of this script,
#      the copied binaries and the app file):
#        pipec-test/busybox:1   busybox-static with applet symlinks in /bin
#        pipec-test/node-app:1  node + its libraries, /app/server.js (see images/node-app/server.js)
#        pipec-test/node:1      busybox + node + npm (a build image), also tagged node:20 unless a
#                               node:20 that is not ours is there
set -euo pipefail

SETUP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE_DIR="${PIPEC_DOCKER_STATE:-/tmp/pipec-dockerd}"
PID_FILE="$STATE_DIR/dockerd.pid"
LOG_FILE="$STATE_DIR/dockerd.log"
WAIT_SECONDS=60

BUSYBOX_IMAGE="pipec-test/busybox:1"
EXAMPLE_BUSYBOX_IMAGE="busybox:1.36"
NODE_IMAGE="pipec-test/node-app:1"
NODE_TOOLCHAIN_IMAGE="pipec-test/node:1"
EXAMPLE_NODE_IMAGE="node:20"
RECIPE_LABEL="dev.pipec.test-image-recipe"

BUSYBOX_APPLETS=(
  sh echo cat sleep true false ls mkdir rm cp mv env wget printf test "[" head tail wc grep
  sed seq yes dd touch chmod kill id pwd find tr date md5sum sha256sum tar gzip xargs nc
  httpd expr basename dirname ln readlink stat sort uniq cut awk which hostname ps timeout du
)

log() { printf '[docker-setup] %s\n' "$*"; }
die() { printf '[docker-setup] error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    apt_updated=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

find_busybox() {
  local candidate
  for candidate in /bin/busybox /usr/bin/busybox; do
    # The static build is needed: the image has no libc.
    if [ -x "$candidate" ] && ! ldd "$candidate" >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

engine_up() { docker info >/dev/null 2>&1; }

# A live process (not a zombie waiting to be reaped) with this pid.
is_alive() {
  local pid="$1" state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state="$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$pid/stat" 2>/dev/null || true)"
  [ -n "$state" ] && [ "$state" != "Z" ]
}

is_dockerd() { is_alive "$1" && [ "$(cat "/proc/$1/comm" 2>/dev/null || true)" = "dockerd" ]; }

start_engine() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker >/dev/null 2>&1 || missing+=(docker.io)
  if [ "${#missing[@]}" -gt 0 ]; then
    apt_install docker.io
  fi
  command -v dockerd >/dev/null 2>&1 || die "dockerd is still missing after installing docker.io"

  mkdir -p "$STATE_DIR"
  local started_pid=""
  if [ -f "$PID_FILE" ]; then
    local old_pid
    old_pid="$(cat "$PID_FILE")"
    if is_dockerd "$old_pid"; then
      log "dockerd (pid $old_pid) from an earlier run is alive but not answering yet; waiting for it"
      started_pid="$old_pid"
    else
      rm -f "$PID_FILE"
    fi
  fi

  if [ ! -f "$PID_FILE" ]; then
    log "starting dockerd --bridge=none --iptables=false (log: $LOG_FILE)"
    # setsid: the engine must outlive this script and not get the terminal's signals.
    # dockerd writes its own pid to $PID_FILE (--pidfile) and removes it on a clean exit.
    # (Writing $! there first would make dockerd refuse to start: it would find itself running.)
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
    "${sudo[@]}" setsid dockerd --bridge=none --iptables=false --pidfile "$PID_FILE" \
      </dev/null >>"$LOG_FILE" 2>&1 &
    started_pid="$!"
  fi

  local i
  for i in $(seq 1 "$WAIT_SECONDS"); do
    if engine_up; then
      log "engine ready after ${i}s; dockerd pid $(cat "$PID_FILE" 2>/dev/null || echo '?') (pid file: $PID_FILE)"
      return 0
    fi
    if ! is_alive "$started_pid"; then
      tail -n 30 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      die "dockerd exited during start-up; its log is $LOG_FILE"
    fi
    sleep 1
  done
  tail -n 30 "$LOG_FILE" >&2 || true
  die "docker info still fails after ${WAIT_SECONDS}s; dockerd log: $LOG_FILE"
}

image_recipe() { docker image inspect --format "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$1" 2>/dev/null || true; }

# import_image ROOT IMAGE RECIPE [--change ...]
import_image() {
  local root="$1" image="$2" recipe="$3" old_id
  shift 3
  old_id="$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  tar -C "$root" -c . | docker import --change "LABEL $RECIPE_LABEL=$recipe" "$@" - "$image" >/dev/null
  # Drop the image this one replaces, unless a container still uses it.
  if [ -n "$old_id" ]; then docker image rm "$old_id" >/dev/null 2>&1 || true; fi
}

build_busybox() {
  local busybox recipe
  busybox="$(find_busybox)" || { apt_install busybox-static; busybox="$(find_busybox)"; } \
    || die "no static busybox found after installing busybox-static"
  recipe="$(sha256sum "$busybox" "${BASH_SOURCE[0]}" | cut -d' ' -f1 | sha256sum | cut -c1-16)"
  if [ "$(image_recipe "$BUSYBOX_IMAGE")" = "$recipe" ]; then
    log "$BUSYBOX_IMAGE is up to date"
    return 0
  fi

  local root applet available
  root="$(mktemp -d)"
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/root" "$root/work"
  chmod 1777 "$root/tmp"
  cp "$busybox" "$root/bin/busybox"
  available="$("$busybox" --list)"
  for applet in "${BUSYBOX_APPLETS[@]}"; do
    if grep -qxF -- "$applet" <<<"$available"; then
      ln -s busybox "$root/bin/$applet"
    else
      log "warning: this busybox has no '$applet' applet; skipped"
    fi
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

  log "building $BUSYBOX_IMAGE (docker import)"
  import_image "$root" "$BUSYBOX_IMAGE" "$recipe" \
    --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]'
  rm -rf "$root"
  log "built $BUSYBOX_IMAGE"
}

build_node_app() {
  local node_bin server recipe
  node_bin="$(readlink -f "$(command -v node)")" || die "node is not on PATH"
  server="$SETUP_DIR/images/node-app/server.js"
  [ -f "$server" ] || die "missing $server"
  recipe="$(sha256sum "$node_bin" "$server" "${BASH_SOURCE[0]}" | cut -d' ' -f1 | sha256sum | cut -c1-16)"
  if [ "$(image_recipe "$NODE_IMAGE")" = "$recipe" ]; then
    log "$NODE_IMAGE is up to date"
    return 0
  fi

  local root
  root="$(mktemp -d)"
  mkdir -p "$root/usr/bin" "$root/app" "$root/tmp" "$root/etc" "$root/proc" "$root/sys" "$root/dev"
  chmod 1777 "$root/tmp"
  copy_node "$root"
  cp "$server" "$root/app/server.js"
  printf 'root:x:0:0:root:/:/usr/bin/node\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"

  log "building $NODE_IMAGE (docker import)"
  import_image "$root" "$NODE_IMAGE" "$recipe" \
    --change 'ENV PATH=/usr/bin' --change 'WORKDIR /app' \
    --change 'CMD ["/usr/bin/node","/app/server.js"]'
  rm -rf "$root"
  log "built $NODE_IMAGE"
}

# copy_node ROOT: node and every library the dynamic linker resolves, plus the loader, at the same paths.
copy_node() {
  local root="$1" node_bin lib
  node_bin="$(readlink -f "$(command -v node)")" || die "node is not on PATH"
  mkdir -p "$root/usr/bin"
  cp "$node_bin" "$root/usr/bin/node"
  for lib in $(ldd "$node_bin" | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

build_node_toolchain() {
  local node_bin npm_dir recipe
  node_bin="$(readlink -f "$(command -v node)")" || die "node is not on PATH"
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  [ -f "$npm_dir/package.json" ] || die "npm's folder not found (from $(command -v npm))"
  recipe="$(sha256sum "$node_bin" "$npm_dir/package.json" "$(readlink -f "$(docker_busybox_path)")" "${BASH_SOURCE[0]}" | cut -d' ' -f1 | sha256sum | cut -c1-16)"
  if [ "$(image_recipe "$NODE_TOOLCHAIN_IMAGE")" != "$recipe" ]; then
    local root applet
    root="$(mktemp -d)"
    mkdir -p "$root/bin" "$root/usr/lib/node_modules" "$root/tmp" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/root"
    chmod 1777 "$root/tmp"
    cp "$(docker_busybox_path)" "$root/bin/busybox"
    for applet in "${BUSYBOX_APPLETS[@]}"; do ln -sf busybox "$root/bin/$applet"; done
    copy_node "$root"
    cp -a "$npm_dir" "$root/usr/lib/node_modules/npm"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
    ln -s /bin/busybox "$root/usr/bin/env"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    log "building $NODE_TOOLCHAIN_IMAGE (docker import)"
    import_image "$root" "$NODE_TOOLCHAIN_IMAGE" "$recipe" \
      --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' --change 'ENV HOME=/root' --change 'CMD ["/usr/bin/node"]'
    rm -rf "$root"
    log "built $NODE_TOOLCHAIN_IMAGE"
  else
    log "$NODE_TOOLCHAIN_IMAGE is up to date"
  fi
  # The README and examples name the public node:20; here (no registry) ours stands in, but never over
  # a real node:20 a developer pulled.
  local current
  current="$(docker image inspect --format '{{.Id}}' "$EXAMPLE_NODE_IMAGE" 2>/dev/null || true)"
  if [ -z "$current" ] || [ -n "$(image_recipe "$EXAMPLE_NODE_IMAGE")" ]; then
    docker tag "$NODE_TOOLCHAIN_IMAGE" "$EXAMPLE_NODE_IMAGE"
  else
    log "leaving the existing $EXAMPLE_NODE_IMAGE (not built by this script) alone"
  fi
}

docker_busybox_path() { find_busybox || { apt_install busybox-static; find_busybox; } || die "no static busybox"; }

main() {
  if engine_up; then
    log "reusing the running engine ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  else
    start_engine
  fi
  build_busybox
  # The examples name the public busybox image; here (no registry) the local build stands in for it.
  docker tag "$BUSYBOX_IMAGE" "$EXAMPLE_BUSYBOX_IMAGE"
  build_node_app
  build_node_toolchain
  log "ready: $BUSYBOX_IMAGE (also tagged $EXAMPLE_BUSYBOX_IMAGE), $NODE_IMAGE, $NODE_TOOLCHAIN_IMAGE (also $EXAMPLE_NODE_IMAGE)"
}

main "$@"
