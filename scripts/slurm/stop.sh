#!/usr/bin/env bash
# Stop the daemons scripts/slurm/start.sh started: exactly the pids in $DLNLAB_SLURM_DIR/pids, nothing
# found by name. SIGTERM first, SIGKILL after a bounded wait.
set -uo pipefail

DIR="${DLNLAB_SLURM_DIR:-${TMPDIR:-/tmp}/dlnlab-slurm}"
PIDS="$DIR/pids"
[ -s "$PIDS" ] || { echo "slurm/stop.sh: nothing to stop ($PIDS is empty or missing)"; exit 0; }

# Reverse order: slurmd, slurmctld, then munged (the others authenticate through it).
mapfile -t lines < <(tac "$PIDS")
for line in "${lines[@]}"; do
  read -r name pid <<<"$line"
  kill -0 "$pid" 2>/dev/null || continue
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "slurm/stop.sh: $name (pid $pid) ignored SIGTERM; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
  echo "slurm/stop.sh: stopped $name (pid $pid)"
done
: >"$PIDS"
