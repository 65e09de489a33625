#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for CI and for trying `spikeloc sweep --submit`
# without a cluster. Needs root (apt-get, daemons) and no systemd: the daemons run as plain
# processes with their configuration, state, spool and logs in one temporary folder.
#
#   scripts/slurm-local.sh run COMMAND [ARGS...]
#       installs what is missing (Debian's slurmctld, slurmd, slurm-client and munge), starts
#       munged, slurmctld and slurmd, waits for the node to be idle, runs COMMAND with SLURM_CONF
#       set, and stops the daemons whatever happens (trap); exits with COMMAND's status.
#   scripts/slurm-local.sh start      same, without a command: prints `export SLURM_CONF=...`
#   scripts/slurm-local.sh stop       stops the daemons that `start` started and removes the folder
#
# The node is defined from `slurmd -C` (real CPUs and memory); SchedulerParameters has
# batch_sched_delay=0 so that array tasks start at once; CPUs (not whole cores) are the
# consumable resource so that every CPU can run a task.
set -euo pipefail

state_file=/tmp/spikeloc-slurm-local.dir   # where `start` records its folder for `stop`

log() { echo "slurm-local: $*" >&2; }

install_packages() {
    local missing=()
    command -v slurmctld >/dev/null || missing+=(slurmctld)
    command -v slurmd >/dev/null || missing+=(slurmd)
    command -v sbatch >/dev/null || missing+=(slurm-client)
    command -v munged >/dev/null || missing+=(munge)
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || { log "need root to install ${missing[*]}"; return 1; }
    log "installing ${missing[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

start() {
    install_packages
    local dir
    dir=$(mktemp -d /tmp/spikeloc-slurm.XXXXXX)
    chmod 755 "$dir"
    echo "$dir" >"$state_file"
    mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
    chown munge:munge "$dir/munge"

    # munge: the package's key, the daemon as the munge user with its socket in our folder
    if [ ! -s /etc/munge/munge.key ]; then
        if command -v mungekey >/dev/null; then mungekey --create --force >/dev/null
        else dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null; fi
        chown munge:munge /etc/munge/munge.key; chmod 600 /etc/munge/munge.key
    fi
    local socket="$dir/munge/munge.socket"
    runuser -u munge -- /usr/sbin/munged --socket="$socket" --pid-file="$dir/munge/munged.pid" \
        --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"

    local node host
    node=$(slurmd -C | sed -n 1p)
    host=$(hostname -s)
    cat >"$dir/slurm.conf" <<EOF
ClusterName=spikeloc-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
KillWait=10
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF="$dir/slurm.conf"
    /usr/sbin/slurmctld -f "$SLURM_CONF"
    /usr/sbin/slurmd -f "$SLURM_CONF"
    local i
    for i in $(seq 1 100); do
        if [ "$(sinfo -h -o '%t' 2>/dev/null)" = idle ]; then
            log "node $host idle (slurm.conf in $dir)"
            return 0
        fi
        sleep 0.2
    done
    log "the node did not become idle within 20 s:"
    sinfo >&2 || true
    tail -20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
    return 1
}

stop() {
    [ -f "$state_file" ] || return 0
    local dir pidfile
    dir=$(cat "$state_file")
    local name
    for name in slurmd slurmctld munged; do
        local pidfile="$dir/$name.pid"
        [ "$name" = munged ] && pidfile="$dir/munge/munged.pid"
        [ -f "$pidfile" ] || continue
        local pid
        pid=$(cat "$pidfile")
        # only the daemon this script started: the pid file may be stale and its pid reused
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || continue
        kill "$pid" 2>/dev/null || continue
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$dir" "$state_file"
    log "stopped"
}

case "${1:-}" in
    start)
        start
        echo "export SLURM_CONF=$(cat "$state_file")/slurm.conf"
        ;;
    stop)
        stop
        ;;
    run)
        shift
        [ $# -gt 0 ] || { log "usage: $0 run COMMAND [ARGS...]"; exit 2; }
        trap stop EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        start
        export SLURM_CONF
        SLURM_CONF="$(cat "$state_file")/slurm.conf"
        status=0
        "$@" || status=$?
        exit "$status"
        ;;
    *)
        echo "usage: $0 start | stop | run COMMAND [ARGS...]" >&2
        exit 2
        ;;
esac
