#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages lossbook needs, when missing: Jupyter (for the notebooks), a C
# compiler (cgo, for the XLA backend), OpenBLAS (PyTorch's BLAS in `lossbook bench`), Chromium (the browser
# test, internal/browsertest), iproute2 (`ip`, for the kernel test's network namespace) and python3-sklearn (the
# diabetes regression data of lib/data, notebook 08). As root it installs
# them with apt-get; otherwise it prints the exact command to run and exits 1.
set -euo pipefail

packages=(jupyter-notebook jupyter-nbconvert jupyter-client python3-nbclient gcc make git ca-certificates libopenblas0-pthread
  chromium iproute2 util-linux python3-sklearn)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "lossbook needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with:" >&2
  echo "  sudo sh -c '$cmd'" >&2
  exit 1
fi
echo "lossbook: installing ${missing[*]}" >&2
sh -c "$cmd"
