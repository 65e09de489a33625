#!/usr/bin/env bash
# How spikeloc's epoch time grows with the network and data sizes: runs `spikeloc bench` for
# each setting and prints a Markdown table. Environment: THREADS (default: all cores), REPEAT (2).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-$(nproc)}
repeat=${REPEAT:-2}
swift build -c release --product spikeloc >&2
echo "| hidden | fibres per ear | batch | stimulus (ms) | training batch (ms) | validation batch (ms) | epoch (ms) | peak memory (MB) |"
echo "|---|---|---|---|---|---|---|---|"
for setting in "30 100 64" "100 100 64" "300 100 64" "1000 100 64" "30 1000 64" "30 100 256" "100 1000 256"; do
  set -- $setting
  json=$(.build/release/spikeloc bench --hidden "$1" --anf-per-ear "$2" --batch-size "$3" --threads "$threads" --repeat "$repeat" --json)
  python3 -c "
import json, sys
r = json.loads(sys.argv[1])
print(f\"| {r['hidden']} | {r['anf_per_ear']} | {r['batch_size']} | {r['stimulus_ms']:.1f} | {r['train_batch_ms']:.2f} | {r['val_batch_ms']:.2f} | {r['epoch_ms']:.0f} | {r['peak_rss_mb']:.0f} |\")
" "$json"
done
