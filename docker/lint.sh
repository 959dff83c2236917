#!/usr/bin/env bash
# `make docker-lint`: lints the Dockerfile with npm's dockerfile-utils (the version pinned, with its
# dependencies, in docker/lint/package-lock.json, installed under build/docker-lint) and the image's shell
# scripts with shellcheck. Any finding, warnings included, fails. As root it installs shellcheck, nodejs and npm
# from apt when missing.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
say() { printf 'docker-lint: %s\n' "$*" >&2; }

missing=()
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "needs ${missing[*]}: sudo apt-get install ${missing[*]}"
    exit 1
  fi
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

scripts=(docker/*.sh)
say "shellcheck ${scripts[*]}"
shellcheck "${scripts[@]}"

# npm ci installs exactly the lock file; it is rerun only when the lock file changes.
tools=build/docker-lint
if ! cmp -s docker/lint/package-lock.json "$tools/package-lock.json" || [ ! -x "$tools/node_modules/.bin/dockerfile-utils" ]; then
  rm -rf "$tools"
  mkdir -p "$tools"
  cp docker/lint/package.json docker/lint/package-lock.json "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

say "dockerfile-utils $("$tools/node_modules/.bin/dockerfile-utils" --version) lint docker/Dockerfile"
findings=$("$tools/node_modules/.bin/dockerfile-utils" lint docker/Dockerfile) || true
if [ -n "$findings" ]; then
  printf '%s\n' "$findings" >&2
  say "FAIL: docker/Dockerfile has findings (above)"
  exit 1
fi
say "PASS"
