#!/bin/bash
# Training steps/s of lossbook's translate task and of its PyTorch peer, one after the other on this machine, on
# the same exported batches (issue 14's ratio). Run it on a quiet machine:
#
#   lossbook train translate --export DIR --initializer torch      # once
#   scripts/translate_speed.sh DIR [STEPS]                         # default 300 steps a side
#
# Each side trains STEPS steps from scratch (lossbook: XLA or whatever lib.Backend chooses, with --initializer
# torch and no evaluation; the peer: Debian's PyTorch 1.13 on 1 thread), and the rate is taken over the window from
# step STEPS/3 to STEPS (lossbook: to its last rate before the evaluation at the end), after lossbook has compiled the step for the length bins it meets first. Both sides print
# cumulative steps/s (steps done / seconds since their first step); the window's rate is derived from two of them.
set -euo pipefail
dir=${1:?usage: scripts/translate_speed.sh EXPORT_DIR [STEPS]}
steps=${2:-300}
from=$((steps / 3 / 100 * 100)) # lossbook prints every 100 steps, the peer every 50
[ "$from" -ge 100 ] || { echo "translate_speed: STEPS $steps is too few (want >= 300)" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
go build -o "$tmp/lossbook" ./cmd/lossbook

# window STEP1 RATE1 STEP2 RATE2: steps/s between two cumulative readings.
window() { awk -v a="$1" -v ra="$2" -v b="$3" -v rb="$4" 'BEGIN { printf "%.3f", (b - a) / (b / rb - a / ra) }'; }

"$tmp/lossbook" train translate --out "$tmp/go" --steps "$steps" --eval-steps 0 \
	--initializer torch --data-seed 1 2>&1 | tr '\r' '\n' | grep -E '^\[#*\.*\] +[0-9]+/' > "$tmp/go.log" || true
# lines: "[####....]  90/300 loss 6.7 lr 0.0005 | 0.75 steps/s, ETA ..." (every STEPS/10 steps or so); the last one
# includes the evaluation at the end, so the window ends at the line before it.
go_lines=$(awk '{ split($2, a, "/"); for (i = 1; i < NF; i++) if ($(i + 1) == "steps/s,") print a[1], $i }' "$tmp/go.log")
read -r go_s1 go_from < <(awk -v f="$from" '$1 >= f' <<<"$go_lines" | head -1)
read -r go_s2 go_to < <(awk -v s="$steps" '$1 < s' <<<"$go_lines" | tail -1)
[ -n "${go_from:-}" ] && [ -n "${go_to:-}" ] && [ "$go_s2" -gt "$go_s1" ] ||
	{ echo "translate_speed: lossbook printed no rates from step $from:" >&2; cat "$tmp/go.log" >&2; exit 1; }

cp -r "$dir" "$tmp/peer"
/usr/bin/python3 scripts/peer_translate_torch.py "$tmp/peer" --steps "$steps" --threads 1 --limit 1 > "$tmp/peer.log"
# lines: "step 100 loss 6.7 0.73 steps/s (1 thread(s), torch 1.13.0a0)"
peer_at() { awk -v s="$1" '$1 == "step" && $2 == s { print $5 }' "$tmp/peer.log"; }
pt_from=$(peer_at "$from"); pt_to=$(peer_at "$steps")

go_rate=$(window "$go_s1" "$go_from" "$go_s2" "$go_to")
pt_rate=$(window "$from" "$pt_from" "$steps" "$pt_to")
echo "lossbook, steps $go_s1-$go_s2: $go_rate steps/s ($("$tmp/lossbook" backend 2>&1 | head -1 | cut -c1-60)), PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') on 1 thread, steps $from-$steps: $pt_rate steps/s"
awk -v g="$go_rate" -v p="$pt_rate" 'BEGIN { printf "torch/lossbook time per step: %.2f (above 1: lossbook is faster)\n", g / p }'
