#!/usr/bin/env bash
# Times one epoch of the PyTorch reference (reference/spikeloc_reference.py), of the JAX
# implementation of the same model (reference/jax_reference.py) and of spikeloc on the same
# settings, one after the other, and prints them with spikeloc's ratio to each.
#   scripts/bench-vs-pytorch.sh [settings...]     e.g. --hidden 100 --batch-size 256
# Environment: THREADS (default: all cores, for all three), EPOCHS (timed PyTorch epochs,
# default 2), JAX_EPOCHS (timed JAX epochs, default EPOCHS), REQUIRE_JAX=1 (fail instead of
# skipping the JAX column when jax or optax cannot be imported), SPIKELOC (an already built
# spikeloc binary to time instead of building .build/release/spikeloc), FLUSH=1 (subnormal floats
# flushed to zero: spikeloc --flush-subnormals and torch.set_flush_denormal(True); XLA's CPU
# backend flushes them anyway).
# Needs: pip install -r reference/requirements.txt -r reference/requirements-jax.txt
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-$(nproc)}
epochs=${EPOCHS:-2}
jax_epochs=${JAX_EPOCHS:-$epochs}
have_jax=1
if ! python3 -c 'import jax, optax' 2>/dev/null; then
    if [[ "${REQUIRE_JAX:-0}" == 1 ]]; then
        echo "REQUIRE_JAX=1 but python3 cannot import jax and optax: pip install -r reference/requirements-jax.txt" >&2
        exit 1
    fi
    have_jax=0
    echo "note: python3 cannot import jax and optax; skipping the JAX column" \
         "(pip install -r reference/requirements-jax.txt; REQUIRE_JAX=1 makes this an error)" >&2
fi
if [[ -z "${SPIKELOC:-}" ]]; then
    swift build -c release --product spikeloc >&2
    SPIKELOC=.build/release/spikeloc
fi
torch_flush=() spikeloc_flush=()
if [[ "${FLUSH:-0}" == 1 ]]; then torch_flush=(--flush-denormal); spikeloc_flush=(--flush-subnormals); fi
echo "PyTorch reference: $epochs timed epochs, $threads threads..." >&2
torch=$(python3 reference/spikeloc_reference.py bench --epochs "$epochs" --threads "$threads" --json ${torch_flush[@]+"${torch_flush[@]}"} "$@")
jax=""
if [[ $have_jax == 1 ]]; then
    echo "JAX: $jax_epochs timed epochs, $threads threads..." >&2
    jax=$(python3 reference/jax_reference.py bench --epochs "$jax_epochs" --threads "$threads" --json "$@")
fi
echo "spikeloc: 5 timed epochs, $threads threads..." >&2
swift=$("$SPIKELOC" bench --repeat 5 --threads "$threads" --json ${spikeloc_flush[@]+"${spikeloc_flush[@]}"} "$@")
python3 - "$torch" "$jax" "$swift" "$*" <<'PY'
import json, sys
t, s = json.loads(sys.argv[1]), json.loads(sys.argv[3])
j = json.loads(sys.argv[2]) if sys.argv[2] else None
settings = (sys.argv[4] or "defaults") + ("; subnormals flushed to zero (PyTorch and spikeloc)" if s.get("flush_subnormals") else "")
versions = f"torch {t['torch_version']}" + (f", jax {j['jax_version']} (optax {j['optax_version']})" if j else ", JAX skipped")
threads = s["threads"] if not j or j["threads"] == s["threads"] == t["threads"] else \
    f"PyTorch {t['threads']}, JAX {j['threads']}, spikeloc {s['threads']}"
print(f"settings: {settings}; threads: {threads}; {versions}")
print(f"{'':36}{'PyTorch':>10}{'JAX':>10}{'spikeloc':>10}{'vs PyTorch':>12}{'vs JAX':>9}")
rows = [("stimulus rebuild, train + val (ms)", "stimulus_ms"), ("training batch (ms)", "train_batch_ms"),
        ("validation batch (ms)", "val_batch_ms"), ("full epoch (ms)", "epoch_ms"), ("peak memory (MB)", "peak_rss_mb")]
for label, key in rows:
    jv = f"{j[key]:10.2f}" if j else f"{'-':>10}"
    jr = f"{j[key] / s[key]:8.1f}x" if j else f"{'-':>9}"
    print(f"{label:36}{t[key]:10.2f}{jv}{s[key]:10.3f}{t[key] / s[key]:11.1f}x{jr}")
if j:
    print(f"JAX compile of the training and validation steps, not in the times above: {j['compile_ms']:.0f} ms")
PY
