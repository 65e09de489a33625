#!/usr/bin/env bash
# Trains the default model for several seeds and scores each on fresh test sets twice: with
# `spikeloc evaluate` and with the PyTorch reference's `evaluate` (its own numpy test sets).
#   scripts/seed-sweep.sh [first-seed] [last-seed]     (default 0 4); extra settings via TRAIN_ARGS
# Environment: REPEATS (test sets per model, default 5), OUT (runs folder, default runs/sweep).
# Needs: pip install -r reference/requirements.txt
set -euo pipefail
cd "$(dirname "$0")/.."
first=${1:-0}; last=${2:-4}; repeats=${REPEATS:-5}; out=${OUT:-runs/sweep}
swift build -c release --product spikeloc >&2
rows=()
for seed in $(seq "$first" "$last"); do
  dir="$out/seed$seed"
  mkdir -p "$out"
  .build/release/spikeloc train --seed "$seed" --output "$dir" --force ${TRAIN_ARGS:-} > "$dir.log"
  swift_json=$(.build/release/spikeloc evaluate --model "$dir/model.safetensors" --repeats "$repeats" --json)
  torch_json=$(python3 reference/spikeloc_reference.py evaluate --model "$dir/model.safetensors" --repeats "$repeats" --seed "$((1000 + seed))" --json)
  rows+=("$seed|$(cat "$dir/metrics.json" | tr -d '\n')|$swift_json|$torch_json")
done
python3 - "${rows[@]}" <<'PY'
import json, sys
print(f"{'seed':>4} {'epochs':>6} {'best':>4} {'train s':>7} {'test (train cmd)':>16} {'spikeloc eval':>15} {'PyTorch eval':>15} {'diff':>6} {'error deg':>9}")
acc_s, acc_t, err = [], [], []
for row in sys.argv[1:]:
    seed, m, s, t = row.split("|", 3)
    m, s, t = json.loads(m), json.loads(s.replace("\n", "")), json.loads(t)
    acc_s.append(s["test_accuracy"]); acc_t.append(t["mean_accuracy"]); err.append(s["test_abs_error_deg"])
    print(f"{seed:>4} {m['epochs_run']:>6} {m['best_epoch']:>4} {m['wall_seconds']:7.1f} {m['test_accuracy']:15.1f}% "
          f"{s['test_accuracy']:8.1f} +- {s['test_accuracy_std']:3.1f} {t['mean_accuracy']:8.1f} +- {t['std_accuracy']:3.1f} "
          f"{s['test_accuracy'] - t['mean_accuracy']:+6.1f} {s['test_abs_error_deg']:9.2f}")
n = len(acc_s)
print(f"mean over {n} seeds: spikeloc {sum(acc_s)/n:.1f}%, PyTorch reference {sum(acc_t)/n:.1f}%, error {sum(err)/n:.2f} deg")
PY
