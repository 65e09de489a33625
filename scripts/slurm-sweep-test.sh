#!/usr/bin/env bash
# A sweep through a real Slurm (run it inside `scripts/slurm-local.sh run`, which provides sbatch,
# squeue, scancel and SLURM_CONF):
#   1. the sweep (4 settings x 2 seeds = 8 runs of 2 epochs) runs locally;
#   2. the same sweep goes through sbatch as an array job and must give exactly the same files and
#      numbers: the same run folders with the same files, byte-identical models, the same
#      metrics but for wall time and threads, the same summary.csv and sweep.html, and the same
#      results.csv but for its wall-time column;
#   3. the sweep is submitted again into a new folder, one task is cancelled with scancel while it
#      trains, `spikeloc sweep DIR --submit` resubmits what is unfinished, and the completed sweep
#      must again equal the local one.
# Prints what it does and how long each part took; exits non-zero on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SPIKELOC:-$(swift build -c release --show-bin-path)/spikeloc}
work=$(mktemp -d /tmp/spikeloc-slurm-sweep.XXXXXX)
trap 'rm -rf "$work"' EXIT
grid=(--set tau-ms=2,5,10,20 --seeds 0-1 --epochs 2 --train-batches 128 --validation-batches 16 --test-batches 8)

say() { echo "slurm-sweep-test: $*"; }
fail() { echo "slurm-sweep-test: FAILED: $*" >&2; exit 1; }

# wait_job ID: until no task of the job is pending or running (at most 600 s)
wait_job() {
    local id=$1 start=$SECONDS
    while [ -n "$(squeue -h -j "$id" -o '%i' 2>/dev/null)" ]; do
        [ $((SECONDS - start)) -lt 600 ] || { squeue; fail "job $id still running after 600 s"; }
        sleep 0.2
    done
}

# submit DIR ARGS...: `spikeloc sweep ... --submit`, prints the job id
submit() {
    local out
    out=$("$bin" sweep "$@" --submit) || fail "spikeloc sweep $* --submit: $out"
    echo "$out" >&2
    sed -nE 's/^Submitted Slurm array job ([0-9]+).*/\1/p' <<<"$out"
}

# same A B: the two sweep folders hold the same results
same() {
    local a=$1 b=$2
    diff <(cd "$a/runs" && find . -type f | sort) <(cd "$b/runs" && find . -type f | sort) \
        || fail "$a and $b hold different run files"
    local model
    while IFS= read -r model; do
        cmp -s "$a/runs/$model" "$b/runs/$model" || fail "$model differs between $a and $b"
    done < <(cd "$a/runs" && find . -name model.safetensors)
    python3 - "$a" "$b" <<'EOF' || fail "metrics.json differ between $a and $b"
import json, pathlib, sys
a, b = map(pathlib.Path, sys.argv[1:])
for path in sorted((a / "runs").glob("*/metrics.json")):
    ma, mb = (json.loads(p.read_text()) for p in (path, b / path.relative_to(a)))
    for m in (ma, mb):
        for key in ("wall_seconds", "epoch_seconds", "threads"):
            m.pop(key, None)
    if ma != mb:
        sys.exit(f"{path.parent.name}: {sorted(k for k in ma if ma[k] != mb.get(k))}")
EOF
    cmp -s "$a/summary.csv" "$b/summary.csv" || fail "summary.csv differs"
    cmp -s "$a/sweep.html" "$b/sweep.html" || fail "sweep.html differs"
    diff <(sed -E 's/,[^,]*$//' "$a/results.csv") <(sed -E 's/,[^,]*$//' "$b/results.csv") \
        || fail "results.csv differs (wall time aside)"
    grep -c ',done,' "$a/results.csv" | grep -qx 8 || fail "$a: not 8 runs done"
}

start=$SECONDS
"$bin" sweep "${grid[@]}" --output "$work/local/sweep" --jobs 2 >/dev/null
say "local sweep: 8 runs in $((SECONDS - start)) s"

start=$SECONDS
id=$(submit "${grid[@]}" --output "$work/slurm/sweep")
wait_job "$id"
"$bin" sweep "$work/slurm/sweep" --status
same "$work/local/sweep" "$work/slurm/sweep"
say "Slurm sweep (job $id): same files and numbers as the local sweep, $((SECONDS - start)) s"

start=$SECONDS
id=$(submit "${grid[@]}" --output "$work/cancel/sweep" --max-parallel 2)
cancelled=""
for run in $(python3 -c 'import json,sys; print(" ".join(r["name"] for r in json.load(open(sys.argv[1]))["runs"]))' "$work/cancel/sweep/sweep.json"); do
    folder="$work/cancel/sweep/runs/$run"
    lock="$work/cancel/sweep/state/$run.lock"
    # wait for its first checkpoint, then cancel its task while it trains the second epoch
    while [ ! -f "$folder/checkpoint.safetensors" ] && [ -n "$(squeue -h -j "$id" -o '%i')" ]; do sleep 0.02; done
    [ -f "$folder/metrics.json" ] && continue
    task=$(sed -nE 's/.* task ([0-9]+)$/\1/p' "$lock" 2>/dev/null || true)
    [ -n "$task" ] || continue
    scancel "${id}_${task}"
    while [ -n "$(squeue -h -j "${id}_${task}" -o '%i' 2>/dev/null)" ]; do sleep 0.05; done
    if [ ! -f "$folder/metrics.json" ]; then cancelled="$run (task $task)"; break; fi
done
[ -n "$cancelled" ] || fail "no task could be cancelled before its run finished"
wait_job "$id"
status=$("$bin" sweep "$work/cancel/sweep" --status)
echo "$status"
grep -qE '^  interrupted +1$' <<<"$status" || fail "the cancelled run is not reported as interrupted"
grep -qE '^  done +7$' <<<"$status" || fail "the other 7 runs are not done"
id2=$(submit "$work/cancel/sweep")
wait_job "$id2"
grep -q "resume $(cut -d' ' -f1 <<<"$cancelled") after epoch 1" "$work/cancel/sweep/logs/"task-*.out \
    || fail "the resubmitted task did not resume $cancelled from its checkpoint"
same "$work/local/sweep" "$work/cancel/sweep"
say "cancelled $cancelled of job $id, resubmitted as job $id2 (resumed from its checkpoint): same results as the local sweep, $((SECONDS - start)) s"
