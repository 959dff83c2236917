#!/usr/bin/env bash
# Checks lossbook on a GPU through XLA's CUDA PJRT plugin, on a machine with an NVIDIA GPU and no network: the
# golden parity tests of the losses, the optimizers and the models run with GOMLX_BACKEND=xla:cuda, then
# lossbook's benchmark workloads, and one summary line is printed last (full logs in $GPU_CHECK_OUT, default
# build/gpu-check).
#
# What must be there first (fetched on a machine with the network):
#   - the CUDA plugin and NVIDIA libraries: `go run ./cmd/lossbook xla install cuda` puts them in
#     ~/.local/lib/go-xla/nvidia; elsewhere, point PJRT_PLUGIN_LIBRARY_PATH at a copy of that folder;
#   - Go's module cache with lossbook's modules (`go mod download`); point GOMODCACHE at a copy when it travels.
# The script sets GOFLAGS=-mod=mod and GOPROXY=off, so a missing module is an error, not a download.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${GPU_CHECK_OUT:-build/gpu-check}
mkdir -p "$out"
export GOMLX_BACKEND=xla:cuda GOPROXY=off GOFLAGS=-mod=mod
say() { printf 'gpu-check: %s\n' "$*" >&2; }

if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2 || true; fi
if ! backend=$(go run ./cmd/lossbook backend 2>&1); then
  echo "gpu-check: FAIL: no xla:cuda backend: $backend"
  exit 1
fi
say "$backend"

start=$SECONDS
tests=PASS
if ! go test -count=1 -timeout 30m ./losses/ ./training/ ./lib/models/ ./lib/dotgrad/ ./examples/... >"$out/test.log" 2>&1; then
  tests=FAIL
fi
t_tests=$((SECONDS - start))
say "parity tests: $tests in ${t_tests}s ($out/test.log)"

start=$SECONDS
bench=ok
if ! go run ./cmd/lossbook bench -notorch -rounds 2 -seconds 2 >"$out/bench.log" 2>&1; then
  bench=FAIL
fi
t_bench=$((SECONDS - start))
steps=$(grep -E '^ *(ce|bag|transformer)\b' "$out/bench.log" | awk '{printf "%s %s; ", $1, $2}')
echo "gpu-check: backend ${backend#lossbook: backend }; parity tests $tests (${t_tests}s); bench $bench (${t_bench}s): ${steps:-see $out/bench.log}"
[ "$tests" = PASS ] && [ "$bench" = ok ]
