#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the sharded-sweep tests (docs/sweeps.md, "Run it on
# your cluster"). Needs root; works without systemd (containers, CI). Installs Debian's slurm-wlm and
# munge if missing, writes /etc/slurm/slurm.conf, starts munged (as user munge), slurmctld and slurmd
# in the foreground under this script's control, records their pids in $DLNLAB_SLURM_DIR/pids, and
# waits until `sinfo` shows the node idle. scripts/slurm/stop.sh stops exactly those pids.
#
# Environment:
#   DLNLAB_SLURM_DIR    state, spool, logs and the pid file (default ${TMPDIR:-/tmp}/dlnlab-slurm)
#   DLNLAB_SLURM_WAIT   seconds to wait for the node to be idle (default 60)
#   DLNLAB_SLURM_FORCE  1: overwrite an /etc/slurm/slurm.conf this script did not write
set -euo pipefail

DIR="${DLNLAB_SLURM_DIR:-${TMPDIR:-/tmp}/dlnlab-slurm}"
WAIT="${DLNLAB_SLURM_WAIT:-60}"
CONF=/etc/slurm/slurm.conf
MARK="# written by dlnlab scripts/slurm/start.sh"
NODE="$(hostname -s)"

die() { echo "slurm/start.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (it installs packages and writes /etc/slurm, /etc/munge)"

# Already up (started earlier by this script or by someone else)? Then there is nothing to start and
# nothing for stop.sh to stop: the pid file lists only what this run started. A node that is busy
# takes jobs too; one left down or drained is resumed.
if command -v sinfo >/dev/null; then
  state=$(timeout 5 sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n1 || true)
  case "$state" in
    down*|drain*|fail*) scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true
      sleep 1; state=$(timeout 5 sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n1 || true) ;;
  esac
  case "$state" in
    idle*|mixed*|allocated*|completing*)
      echo "slurm/start.sh: a cluster is already answering (node $NODE $state); starting nothing"
      exit 0 ;;
    ?*) die "slurmctld answers but node $NODE is $state; see sinfo -R" ;;
  esac
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  echo "slurm/start.sh: installing slurm-wlm and munge (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends slurm-wlm munge
fi

mkdir -p "$DIR"/{state,spool,log}
PIDS="$DIR/pids"
: >"$PIDS"

# munge: a key under /etc/munge owned by munge (the package may already have made one), munged as
# that user, in the foreground so its pid is ours to record.
mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
if [ ! -s /etc/munge/munge.key ]; then
  if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key --force
  else dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; fi
fi
chown munge:munge /etc/munge /etc/munge/munge.key /run/munge /var/lib/munge /var/log/munge
chmod 0700 /etc/munge
chmod 0400 /etc/munge/munge.key
chmod 0755 /run/munge
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  echo "slurm/start.sh: munged already running; using it"
else
  rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
  setsid setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground >"$DIR/log/munged.out" 2>&1 </dev/null &
  echo "munged $!" >>"$PIDS"
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || die "munged did not start; see $DIR/log/munged.out"
fi

if [ -f "$CONF" ] && ! grep -qxF "$MARK" "$CONF" && [ "${DLNLAB_SLURM_FORCE:-0}" != 1 ]; then
  die "$CONF exists and was not written by this script; set DLNLAB_SLURM_FORCE=1 to replace it"
fi
# Memory the node offers: 90% of MemTotal (slurmd drains a node that claims more than it has).
MEM_MB=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
mkdir -p /etc/slurm
cat >"$CONF.tmp" <<EOF
$MARK
ClusterName=dlnlab
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# No accounting daemon: squeue and the jobs' own files are the record.
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
# A node that went down (e.g. slurmd restarted) returns to service when it registers again.
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
mv "$CONF.tmp" "$CONF"

# Stale daemons of an earlier run that was not stopped would hold the ports.
for d in slurmctld slurmd; do
  pf="$DIR/$d.pid"
  if [ -s "$pf" ] && kill -0 "$(cat "$pf")" 2>/dev/null && grep -q "$d" "/proc/$(cat "$pf")/cmdline" 2>/dev/null; then
    die "$d from an earlier start is still running (pid $(cat "$pf")); run scripts/slurm/stop.sh first"
  fi
done

setsid /usr/sbin/slurmctld -D -f "$CONF" >"$DIR/log/slurmctld.out" 2>&1 </dev/null &
echo "slurmctld $!" >>"$PIDS"
setsid /usr/sbin/slurmd -D -f "$CONF" >"$DIR/log/slurmd.out" 2>&1 </dev/null &
echo "slurmd $!" >>"$PIDS"

# Bounded wait for the node; a node left down or drained by an earlier run is resumed once.
state=""
resumed=0
for i in $(seq $((WAIT * 2))); do
  state=$(timeout 5 sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n1 || true)
  case "$state" in
    idle) break ;;
    down*|drain*|drained*|fail*)
      if [ "$resumed" = 0 ]; then
        scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true
        resumed=1
      fi ;;
  esac
  while read -r name pid; do
    kill -0 "$pid" 2>/dev/null || die "$name (pid $pid) exited; see $DIR/log/$name.out and $DIR/log/$name.log"
  done <"$PIDS"
  sleep 0.5
done
if [ "$state" != idle ]; then
  reason=$(sinfo -h -n "$NODE" -o %E 2>/dev/null || true)
  die "node $NODE is not idle after ${WAIT} s (state: ${state:-no answer from slurmctld}${reason:+, reason: $reason}); logs in $DIR/log; stop with scripts/slurm/stop.sh"
fi
echo "slurm/start.sh: node $NODE idle ($(nproc) CPUs); pids in $PIDS"
