#!/usr/bin/env bash
# Checks a machine that docker/provision.sh set up, as its notebook user: it executes every notebook headless
# with the "Go (lossbook)" kernel, on the backend lossbook chooses there, at the small size (LOSSBOOK_SMOKE=1, the
# default here), and checks them with internal/cmd/nbcheck; runs a new notebook in a folder outside the checkout
# on that kernel (scripts/kernel_test.py: an import of losses and a cross-entropy); starts the image's own command
# (docker/start.sh) and runs a Go cell through it as a browser would (scripts/lab_test.py); and, with
# LOSSBOOK_FETCH_DATA=1, checks that every data set is in the cache. It needs no network: docker/chroot-test.sh
# runs it with none. The Dockerfile runs it last, which also leaves Go's build cache warm for the first cell.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf 'selftest: %s\n' "$*" >&2; }
if [ "$(id -u)" -eq 0 ]; then
  say "run as the notebook user (the one provision.sh installed the kernel for), not as root"
  exit 1
fi

# The executed notebooks go to a temporary folder, removed at the end, so that nothing is left in the
# participants' file tree; LOSSBOOK_SELFTEST_OUT keeps them.
if [ -n "${LOSSBOOK_SELFTEST_OUT:-}" ]; then
  out=$LOSSBOOK_SELFTEST_OUT
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
export LOSSBOOK_SMOKE=${LOSSBOOK_SMOKE:-1}
mkdir -p "$out"
# Go modules from the image's own file cache only, even when the build was given a GOPROXY (a build argument
# is in the environment and would win over the user's go env): this proves the offline path at build time.
GOPROXY="file://$(go env GOMODCACHE)/cache/download"
export GOPROXY
say "Go modules from $GOPROXY only"
executed=()
for nb in notebooks/*.ipynb; do
  say "executing $nb with the Go (lossbook) kernel (LOSSBOOK_SMOKE=$LOSSBOOK_SMOKE)"
  jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=lossbook \
    --ExecutePreprocessor.timeout=1200 --output-dir "$out" "$nb" 2>&1 |
    { grep -v '^[IW][0-9]\{4\} ' || true; }
  executed+=("$out/${nb##*/}")
done
go run ./internal/cmd/nbcheck -executed "${executed[@]}"
backend=$(grep -o 'lossbook: backend [^"\\]*' "$out/00_setup.ipynb" | head -n 1)
say "${#executed[@]} notebooks executed; notebook 00 says: ${backend:-no backend line}"
[ -n "$backend" ] || {
  say "notebook 00 did not print lossbook's backend line"
  exit 1
}

say "a new notebook outside the checkout, on the Go (lossbook) kernel"
/usr/bin/python3 scripts/kernel_test.py
bin/lossbook kernel status

say "starting docker/start.sh and running a Go cell through it"
/usr/bin/python3 scripts/lab_test.py --command 'env LOSSBOOK_PORT={port} docker/start.sh' --notebook notebooks/lab_test.ipynb

if [ "${LOSSBOOK_FETCH_DATA:-1}" = 1 ]; then
  # Without network this succeeds only if every data set is already in the cache (or installed) and verifies.
  say "checking that every data set is available: lossbook data fetch all"
  bin/lossbook data fetch all
else
  say "data sets not checked (LOSSBOOK_FETCH_DATA=0)"
fi
say "PASS"
