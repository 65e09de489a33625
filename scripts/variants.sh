#!/usr/bin/env bash
# Trains each of the community's variants once (seed 0 unless SEED is set) with the settings of
# the notebook it comes from, and prints a Markdown table: option, notebook, settings, spikeloc's
# test accuracy (mean +- std over 5 test sets) and errors, and what the notebook printed.
# Usage: scripts/variants.sh [BIN] > docs/variants.md   (BIN defaults to the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release/spikeloc}
seed=${SEED:-0}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# name | notebook and its printed number | options
runs=(
  "offset-mode dataset|4-Quick_Start / most notebooks (lr 0.01): not printed|--offset-mode dataset --lr 0.01 --epochs 30"
  "offset-mode sample|Solving_problem_with_delay_learning (per-sample offsets)|--offset-mode sample --epochs 30"
  "envelope integral|time-constant-solutions (50 Hz)|--envelope integral --stimulus-frequency-hz 50 --epochs 30"
  "tau-ms 2, mean read-out|Optimizing-Membrane-Time-Constant: 83.3 % at 2 ms (10 epochs)|--tau-ms 2 --readout mean --offset-mode dataset --lr 0.01 --epochs 10 --early-stop off --w1-bound 0.2887 --w2-bound 0.2887"
  "tau-hidden-ms / tau-output-ms|Quick_Start_250HzClassification: 81.5 % (0.5/0.5 ms, 250 Hz, dt 0.1 ms, 5 hidden)|--stimulus-frequency-hz 250 --dt-ms 0.1 --hidden 5 --tau-hidden-ms 0.5 --tau-output-ms 0.5 --readout mean --offset-mode dataset --lr 0.01 --epochs 10 --early-stop off --train-batches 32 --validation-batches 8"
  "learn-tau|(no notebook; seed settings)|--learn-tau --epochs 30"
  "spike-timing current|(standard LIF; Alt-Filter-and-Fire spikes on the new membrane)|--spike-timing current --epochs 30"
  "reset subtract, tau 2 ms|Dynamic_threshold oc_sub_2ms: 86.0 % (mean of 10)|--reset subtract --tau-ms 2 --readout mean --offset-mode dataset --lr 0.01 --epochs 10 --early-stop off"
  "adaptive-threshold 1, tau 2 ms|Dynamic_threshold dth_2ms: 85.0 %|--adaptive-threshold 1 --tau-ms 2 --readout mean --offset-mode dataset --lr 0.01 --epochs 10 --early-stop off"
  "adaptive threshold + subtract, tau 2 ms|Dynamic_threshold dth_sub_2ms: 87.3 %|--adaptive-threshold 1 --reset subtract --tau-ms 2 --readout mean --offset-mode dataset --lr 0.01 --epochs 10 --early-stop off"
  "readout max, tau 2 ms|Altering_output_neurons max 2 ms: 25.6 %|--readout max --tau-ms 2 --offset-mode dataset --lr 0.01 --epochs 10 --early-stop off"
  "readout spike-count, tau 2 ms|Altering_output_neurons fr 2 ms: 58.9 %|--readout spike-count --tau-ms 2 --offset-mode dataset --lr 0.01 --epochs 10 --early-stop off"
  "readout last|(no notebook; seed settings)|--readout last --epochs 30"
  "dales, dale-mask random|Dales_law ie 0.5: 79.8 %|--dales --dale-mask random --offset-mode dataset --lr 0.01 --epochs 30"
  "excitatory all, tau 20 ms|Excitatory-only-localisation: 51.2 %|--excitatory all --tau-ms 20 --offset-mode dataset --lr 0.01 --epochs 50 --early-stop off --test-weights final"
  "phase-jitter 0.2|Noise_robustness sigma 0.2, p 0: about 70 %|--phase-jitter 0.2 --offset-mode dataset --epochs 20"
  "hidden-dropout 0.5|Noise_robustness sigma 0, p 0.5: about 83 %|--hidden-dropout 0.5 --offset-mode dataset --epochs 20"
  "w1-bound / w2-bound 0.2887, tau 20 ms|3-Starting-Notebook: 54.8 % (10 epochs)|--w1-bound 0.2887 --w2-bound 0.2887 --tau-ms 20 --readout mean --offset-mode dataset --lr 0.01 --epochs 10 --early-stop off --test-weights final"
)
echo "| option | notebook (its printed test accuracy) | spikeloc settings | test accuracy (5 sets) | abs / midpoint error | epochs, time |"
echo "|---|---|---|---|---|---|"
for entry in "${runs[@]}"; do
  IFS='|' read -r name notebook options <<<"$entry"
  dir="$out/$(echo "$name" | tr -c 'a-z0-9' '-')"
  # shellcheck disable=SC2086
  "$bin" train $options --seed "$seed" --threads "${THREADS:-1}" --test-sets 5 --output "$dir" > "$dir.log" 2>&1 || { echo "| \`$name\` | $notebook | \`$options\` | FAILED | | |"; continue; }
  python3 - "$dir/metrics.json" "$name" "$notebook" "$options" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(f"| `--{sys.argv[2]}` | {sys.argv[3]} | `{sys.argv[4]}` | {m['test_accuracy']:.1f} ± {m['test_accuracy_std']:.1f} % "
      f"| {m['test_abs_error_deg']:.2f}° / {m['test_midpoint_error_deg']:.2f}° | {m['epochs_run']}, {m['wall_seconds']:.0f} s |")
PY
done
