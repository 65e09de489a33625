#!/usr/bin/env bash
# Times one epoch of the PyTorch reference (reference/spikeloc_reference.py) and of spikeloc on
# the same settings, one after the other, and prints both with their ratio.
#   scripts/bench-vs-pytorch.sh [settings...]     e.g. --hidden 100 --batch-size 256
# Environment: THREADS (default: all cores, for both), EPOCHS (timed PyTorch epochs, default 2).
# Needs: pip install -r reference/requirements.txt
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-$(nproc)}
epochs=${EPOCHS:-2}
swift build -c release --product spikeloc >&2
echo "PyTorch reference: $epochs timed epochs, $threads threads..." >&2
torch=$(python3 reference/spikeloc_reference.py bench --epochs "$epochs" --threads "$threads" --json "$@")
echo "spikeloc: 5 timed epochs, $threads threads..." >&2
swift=$(.build/release/spikeloc bench --repeat 5 --threads "$threads" --json "$@")
python3 - "$torch" "$swift" "$*" <<'PY'
import json, sys
t, s = json.loads(sys.argv[1]), json.loads(sys.argv[2])
settings = sys.argv[3] or "defaults"
print(f"settings: {settings}; threads: {s['threads']}; torch {t['torch_version']}")
print(f"{'':38}{'PyTorch':>12}{'spikeloc':>12}{'ratio':>9}")
rows = [("stimulus rebuild, train + val (ms)", "stimulus_ms"), ("training batch (ms)", "train_batch_ms"),
        ("validation batch (ms)", "val_batch_ms"), ("full epoch (ms)", "epoch_ms"), ("peak memory (MB)", "peak_rss_mb")]
for label, key in rows:
    print(f"{label:38}{t[key]:12.2f}{s[key]:12.3f}{t[key] / s[key]:8.1f}x")
PY
