#!/usr/bin/env bash
# Stop the daemons tests/slurm/start.sh DIR started, by the pids in their pid files.
dir="$1"
for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    if [[ -f "$pidfile" ]]; then
        pid="$(cat "$pidfile")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        rm -f "$pidfile"
    fi
done
