#!/usr/bin/env bash
# Exports trained spikeloc models as NIR, runs them in snnTorch and Norse on spikeloc's own test
# spikes (4 test sets of 2048 samples, seed 1000) and reports how often their class decisions agree
# with spikeloc's, and each one's accuracy (README, "NIR").
#
#   scripts/nir-roundtrip.sh            # needs libhdf5-dev (apt-get install libhdf5-dev) and Python 3
#
# Two models of the notebook's experiment (seed 0, its defaults):
#   - 'current':  trained with the standard discrete LIF (spike timing 'current'), which NIR
#                 describes exactly; made by spikeloc-nir-check train-current through the library
#                 API until `spikeloc train --spike-timing current` exists (issue 9);
#   - 'previous': trained by `spikeloc train` with the notebook's LIF, exported with the warning
#                 that the export is an approximation.
# Python packages go into a virtual environment ($NIR_VENV, default .build/nir-venv), pinned:
# nir 1.0.8, snnTorch 1.0.0, Norse 1.1.0 and a CPU build of torch 2.13.0 (torch==2.13.0+cpu, with
# torchvision 0.28.0, which Norse requires, so that pip does not pull the CUDA wheels). pip finds
# the +cpu wheel through a wheel folder or index of your pip configuration (PIP_FIND_LINKS,
# PIP_EXTRA_INDEX_URL: PyTorch's CPU wheel index).
# Work files go to $NIR_WORK (default: a temporary folder, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${NIR_VENV:-.build/nir-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import nir, snntorch, norse" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "torch==2.13.0+cpu" "torchvision==0.28.0" "snntorch==1.0.0" "norse==1.1.0" "nir==1.0.8" numpy
fi
"$venv/bin/python" - <<'PY'
import importlib.metadata as m
print("python packages: " + ", ".join(f"{p} {m.version(p)}" for p in ("nir", "snntorch", "norse", "torch", "numpy")))
PY

swift build -c release --traits NIR
bin=$(swift build -c release --traits NIR --show-bin-path)
if [ -n "${NIR_WORK:-}" ]; then work=$NIR_WORK; mkdir -p "$work"; else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi

echo "== model 'current' (standard LIF), trained through the library API"
"$bin/spikeloc-nir-check" train-current --output "$work/current" | tail -3
"$bin/spikeloc-nir-check" dump --nir "$work/current/model-dt1.nir" --dt-ms 1 --output "$work/current/dump"

echo "== model 'previous' (notebook LIF): spikeloc train, spikeloc export"
"$bin/spikeloc" train --output "$work/previous" --force | tail -2
"$bin/spikeloc" export --model "$work/previous/model.safetensors" --output "$work/previous/model-dt1.nir" --dt-ms 1 --force
"$bin/spikeloc" export --model "$work/previous/model.safetensors" --output "$work/previous/model-dt0.1.nir" --dt-ms 0.1 --force 2>/dev/null
"$bin/spikeloc-nir-check" dump --nir "$work/previous/model-dt1.nir" --dt-ms 1 --output "$work/previous/dump"

echo "== snnTorch (reader step 0.1 ms) and Norse (1 ms) on spikeloc's test spikes (8192 samples)"
first=1
for model in current previous; do
    "$venv/bin/python" scripts/nir_roundtrip.py "$model" "$work/$model/dump" "$work/$model/model-dt0.1.nir" "$work/$model/model-dt1.nir" \
        | if [ $first = 1 ]; then cat; else tail -n +2; fi
    first=0
done
