#!/usr/bin/env bash
# Start a one-node Slurm cluster on this machine (for tests/python/test_sweep_slurm.py):
# munged as the munge user with a fresh key, then slurmctld and slurmd with a generated
# slurm.conf that needs neither systemd nor cgroups (addresses are 127.0.0.1, so the host name
# need not resolve). Needs root and Debian's slurm-wlm + munge.
#   tests/slurm/start.sh DIR     # writes DIR/slurm.conf; export SLURM_CONF=DIR/slurm.conf
#   tests/slurm/stop.sh DIR      # stops what this started
set -euo pipefail
dir="$(mkdir -p "$1" && cd "$1" && pwd)"
host="$(hostname -s)"
cpus="$(nproc)"
mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"

# munge: a fresh key and a munged of our own, unless one already answers on the default socket
# (the client tools and the daemons look for it there), which is then left alone.
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    echo "slurm: using the munged already running"
else
    chown munge: "$dir/munge"
    chmod 700 "$dir/munge"
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chown munge: "$dir/munge/munge.key"
    chmod 400 "$dir/munge/munge.key"
    mkdir -p /run/munge
    chown munge: /run/munge
    su -s /bin/sh munge -c "munged --key-file=$dir/munge/munge.key \
        --pid-file=$dir/munge/munged.pid --log-file=$dir/munge/munged.log \
        --seed-file=$dir/munge/munged.seed --socket=/run/munge/munge.socket.2"
fi

cat > "$dir/slurm.conf" <<CONF
ClusterName=ladder-test
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmUser=root
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
    if sinfo --noheader --format=%t 2>/dev/null | grep -qx idle; then
        echo "slurm: node $host idle ($SLURM_CONF)"
        exit 0
    fi
    sleep 0.5
done
echo "slurm: the node did not become idle in 30 s; logs in $dir/log" >&2
exit 1
