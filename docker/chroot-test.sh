#!/usr/bin/env bash
# `make docker-test`: the Docker image's recipe tested without a Docker engine. It builds a fresh Debian
# bookworm root with mmdebstrap (what debian:bookworm-slim holds), copies the checkout in as the Dockerfile's
# COPY does (tracked and untracked files that git does not ignore), runs docker/provision.sh in it twice (the
# second run must be quick: provisioning is idempotent), then runs docker/selftest.sh as the notebook user with
# no network at all (a fresh network namespace with only loopback): every notebook executed and checked (notebook
# 00 first), the image's command serving a Go cell, the data sets in the cache. It prints the times and the size of the root.
#
# Needs root (mmdebstrap, chroot, mounts); installs mmdebstrap, iproute2 and Debian's keyring when missing.
# Settings: LOSSBOOK_CHROOT (default /var/tmp/lossbook-docker-test), LOSSBOOK_DEBIAN_MIRROR (default
# http://deb.debian.org/debian), LOSSBOOK_FETCH_DATA (default 1), GOPROXY and npm_config_registry (passed on).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Outside the checkout: `go vet ./...` and friends would walk into it.
root=${LOSSBOOK_CHROOT:-/var/tmp/lossbook-docker-test}
mirror=${LOSSBOOK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${LOSSBOOK_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
fetch_data=${LOSSBOOK_FETCH_DATA:-1}
user=lossbook
checkout=/home/$user/lossbook # where the Dockerfile COPYs the repository
report=$repo/build/docker-test.txt

say() { printf 'docker-test: %s\n' "$*" >&2; }
die() {
  printf 'docker-test: FAIL: %s\n' "$*" >&2
  exit 1
}

case "$root" in /*/*) ;; *) die "LOSSBOOK_CHROOT=$root: want an absolute path at least two folders deep" ;; esac
[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap, chroot and mounts); run: sudo make docker-test"
missing=()
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
command -v ip >/dev/null || missing+=(iproute2)
command -v git >/dev/null || missing+=(git)
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring) # on Ubuntu
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Mounts inside the root, deepest first; processes still running in it (a kernel left behind) are stopped
# first, by their ids, so that the unmounts succeed.
mounts_under_root() { awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r; }
release_root() {
  local pid m
  for pid in /proc/[0-9]*; do
    if [ "$(readlink "$pid/root" 2>/dev/null)" = "$root" ]; then
      kill -9 "${pid#/proc/}" 2>/dev/null || true
    fi
  done
  for m in $(mounts_under_root); do
    umount "$m" || umount -l "$m"
  done
}
trap release_root EXIT

# ---- A fresh root -------------------------------------------------------------------------------------------------
start=$SECONDS
if [ -e "$root" ]; then
  release_root
  [ -z "$(mounts_under_root)" ] || die "something is still mounted under $root; not removing it"
  rm -rf --one-file-system "$root"
fi
mkdir -p "$(dirname "$root")"
say "mmdebstrap: Debian bookworm (minbase) into $root"
mmdebstrap --quiet --variant=minbase bookworm "$root" \
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security_mirror bookworm-security main"
t_debootstrap=$((SECONDS - start))

# The host's name servers and CA certificates (these machines reach the registries through a proxy whose CA
# only the host's bundle holds). Under /usr/local/share/ca-certificates they survive update-ca-certificates.
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/usr/local/share/ca-certificates" "$root/etc/ssl/certs"
cp /etc/ssl/certs/ca-certificates.crt "$root/usr/local/share/ca-certificates/lossbook-host-bundle.crt"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"

# The Dockerfile's COPY: the files git does not ignore (.dockerignore drops the same build outputs).
mkdir -p "$root$checkout"
git -C "$repo" ls-files -z --cached --others --exclude-standard |
  (cd "$repo" && tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null) | tar -C "$root$checkout" -xf -

# ---- Provision, twice ------------------------------------------------------------------------------------------------
in_root_env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
  LOSSBOOK_REPO="$checkout" LOSSBOOK_USER="$user" LOSSBOOK_FETCH_DATA="$fetch_data")
for v in GOPROXY GOSUMDB npm_config_registry LOSSBOOK_DEBIAN_MIRROR; do
  if [ -n "${!v:-}" ]; then in_root_env+=("$v=${!v}"); fi
done
provision() { chroot "$root" /usr/bin/env -i "${in_root_env[@]}" "$checkout/docker/provision.sh"; }
say "provision.sh, first run"
start=$SECONDS
provision
t_provision=$((SECONDS - start))
say "provision.sh, second run (idempotent)"
start=$SECONDS
provision
t_provision2=$((SECONDS - start))

# ---- Self-test as the notebook user, offline -----------------------------------------------------------------------
say "selftest.sh as $user, with no network (only loopback)"
start=$SECONDS
# shellcheck disable=SC2016 # the inner script takes its values as arguments ($1...), expanded by the inner sh
unshare --net -- /bin/sh -c '
  ip link set lo up
  exec chroot "$1" runuser -u "$2" -- env -i HOME="/home/$2" USER="$2" LANG=C.UTF-8 \
    PATH="$3/bin:/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin" GOTOOLCHAIN=local LOSSBOOK_FETCH_DATA="$4" \
    LOSSBOOK_SELFTEST_OUT="$3/build/selftest" "$3/docker/selftest.sh"' sh "$root" "$user" "$checkout" "$fetch_data"
t_selftest=$((SECONDS - start))

# ---- Report ----------------------------------------------------------------------------------------------------------
release_root
size=$(du -sh --one-file-system "$root" | cut -f1)
home_size=$(du -sh "$root/home/$user" | cut -f1)
executed=$root$checkout/build/selftest
backend=$(grep -o 'lossbook: backend [^"\\]*' "$executed/00_setup.ipynb" | head -n 1)
mkdir -p "$(dirname "$report")"
{
  echo "docker-test $(date -u +%Y-%m-%dT%H:%M:%SZ): PASS"
  echo "  mmdebstrap:               ${t_debootstrap}s"
  echo "  provision.sh, first run:  ${t_provision}s"
  echo "  provision.sh, second run: ${t_provision2}s"
  echo "  selftest.sh, offline:     ${t_selftest}s (notebooks executed and checked: $(cd "$executed" && echo *.ipynb), in $executed)"
  echo "  notebook 00 says:         $backend"
  if [ "$fetch_data" = 1 ]; then
    echo "  data sets:                fetched into ~$user/.cache/lossbook ($(du -sh "$root/home/$user/.cache/lossbook" | cut -f1)), found offline by selftest.sh"
  else
    echo "  data sets:                not fetched (LOSSBOOK_FETCH_DATA=0)"
  fi
  echo "  size of the root:         $size (of which /home/$user: $home_size)"
} | tee "$report"
