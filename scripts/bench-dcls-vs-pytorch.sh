#!/usr/bin/env bash
# Learned delays (DCLS): the notebook's own PyTorch code (reference/dcls_notebook.py, with the
# `dcls` package) against `spikeloc --preset dcls`, measured one after the other in this run.
#   scripts/bench-dcls-vs-pytorch.sh
# Prints the time per training batch, forward batch and epoch early in training (sigma 15: every
# tap of the 31-tap kernels) and late (sigma 0.23: narrow kernels), then a whole training run of
# spikeloc (seed 0, with early stopping) against the notebook's epoch time times the same number
# of epochs (the notebook's cost per epoch does not depend on sigma: conv1d always uses every tap).
# Environment: THREADS (default: all cores, for both), BATCHES (timed PyTorch batches, default 8),
# SEED (default 0), SPIKELOC (a built binary; default: build and use .build/release/spikeloc).
# Needs: pip install -r reference/requirements.txt
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-$(nproc)}
batches=${BATCHES:-8}
seed=${SEED:-0}
if [[ -z "${SPIKELOC:-}" ]]; then swift build -c release --product spikeloc >&2; SPIKELOC=.build/release/spikeloc; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "notebook (PyTorch + dcls): $batches timed batches, $threads threads..." >&2
torch=$(python3 reference/dcls_notebook.py bench --threads "$threads" --batches "$batches" --json | tail -n 1)
echo "spikeloc bench, sigma 15 and 0.23..." >&2
early=$("$SPIKELOC" bench --preset dcls --repeat 3 --threads "$threads" --delay-sigma 15 --json)
late=$("$SPIKELOC" bench --preset dcls --repeat 3 --threads "$threads" --delay-sigma 0.23 --json)
echo "spikeloc train --preset dcls --seed $seed (a whole run)..." >&2
start=$(date +%s.%N)
"$SPIKELOC" train --preset dcls --seed "$seed" --threads "$threads" --output "$work/run" > "$work/train.log" 2>&1
end=$(date +%s.%N)
python3 - "$torch" "$early" "$late" "$work/run/metrics.json" "$start" "$end" <<'PY'
import json, sys
t, e, l = (json.loads(a) for a in sys.argv[1:4])
m = json.load(open(sys.argv[4]))
wall = float(sys.argv[6]) - float(sys.argv[5])
print(f"learned delays (DCLS, 31 taps); threads: {e['threads']}; torch {t['torch_version']}, dcls {t['dcls_version']}")
print(f"{'':40}{'notebook':>11}{'spikeloc':>11}{'ratio':>9}")
for label, key in [("training batch, sigma 15 (ms)", "train_batch_ms"), ("forward batch (ms)", "val_batch_ms"),
                   ("epoch, sigma 15 (ms)", "epoch_ms")]:
    print(f"{label:40}{t[key]:11.1f}{e[key]:11.1f}{t[key] / e[key]:8.1f}x")
for label, key in [("training batch, sigma 0.23 (ms)", "train_batch_ms"), ("epoch, sigma 0.23 (ms)", "epoch_ms")]:
    print(f"{label:40}{t[key]:11.1f}{l[key]:11.1f}{t[key] / l[key]:8.1f}x")
epochs = m["epochs_run"]
notebook = t["epoch_ms"] * epochs / 1000
print(f"{'whole run, ' + str(epochs) + ' epochs (s)':40}{notebook:11.1f}{wall:11.1f}{notebook / wall:8.1f}x")
print(f"peak memory (MB): notebook {t['peak_rss_mb']:.0f}, spikeloc {max(e['peak_rss_mb'], l['peak_rss_mb']):.0f}")
print(f"spikeloc run: test accuracy {m['test_accuracy']:.1f} %, {epochs} epochs, mean epoch {sum(m['epoch_seconds']) / epochs:.2f} s")
PY
