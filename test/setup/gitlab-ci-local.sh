#!/usr/bin/env bash
# Installs gitlab-ci-local 4.75.1 with the Node 22 it needs (from npm) into one folder, plus rsync
# (Debian), for the GitLab target's tests. Idempotent; prints the folder's bin directory.
# Folder: $PIPEC_GITLAB_CI_LOCAL_DIR, default node_modules/.cache/pipec-gitlab-ci-local.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
dir="${PIPEC_GITLAB_CI_LOCAL_DIR:-node_modules/.cache/pipec-gitlab-ci-local}"
bin="$dir/node_modules/.bin"
if ! command -v rsync >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq rsync >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq rsync >/dev/null; }
fi
command -v git >/dev/null 2>&1 || { echo "gitlab-ci-local.sh: git is not installed" >&2; exit 1; }
if [ ! -x "$bin/gitlab-ci-local" ] || [ "$("$bin/node" --version 2>/dev/null | cut -d. -f1)" != "v22" ]; then
  mkdir -p "$dir"
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$dir" node@22 gitlab-ci-local@4.75.1 >&2
fi
PATH="$bin:$PATH" gitlab-ci-local --version >/dev/null 2>&1 || { echo "gitlab-ci-local.sh: gitlab-ci-local does not start on Node 22 in $bin" >&2; exit 1; }
echo "$(cd "$bin" && pwd)"
