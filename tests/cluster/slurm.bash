# A one-node Slurm cluster for tests, from Debian's packages (slurmctld, slurmd, munge), run as
# root without systemd. Sourced: cluster_up DIR starts munged (unless one already answers),
# slurmctld and slurmd with every file under DIR; cluster_down stops, by PID, only what
# cluster_up started, after cancelling jobs. Every wait is bounded.
CLUSTER_PIDS=()

cluster_log() { echo "cluster: $*"; }

# wait_for SECONDS COMMAND...: polls every 0.5 s; 1 when the time runs out.
wait_for() {
  local end=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$end" ] && return 1
    sleep 0.5
  done
}

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cluster_up() {
  local W=$1
  mkdir -p "$W/state" "$W/spool"
  export SLURM_CONF=$W/slurm.conf
  # munge: Slurm's authentication. /run/munge is made by systemd elsewhere.
  if ! munge -n >/dev/null 2>&1; then
    install -d -o munge -g munge -m 0755 /run/munge
    [ -s /etc/munge/munge.key ] || runuser -u munge -- mungekey --create
    rm -f /run/munge/munged.pid
    runuser -u munge -- /usr/sbin/munged || { cluster_log "munged did not start"; return 1; }
    wait_for 10 test -s /run/munge/munged.pid || { cluster_log "munged wrote no pid"; return 1; }
    CLUSTER_PIDS+=("$(cat /run/munge/munged.pid)")
    wait_for 10 munge -n || { cluster_log "munge does not answer"; return 1; }
  fi
  local host nodeline ctld_port slurmd_port
  host=$(hostname -s)
  nodeline=$(slurmd -C | head -1)  # NodeName=<host> CPUs=... RealMemory=...
  ctld_port=$(free_port); slurmd_port=$(free_port)
  while [ "$slurmd_port" = "$ctld_port" ]; do slurmd_port=$(free_port); done
  cat >"$SLURM_CONF" <<CONF
ClusterName=conflux-test
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# a requeued job waits cred_expire seconds (default 120) before it may start again
AuthInfo=cred_expire=10
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,sched_interval=1
ReturnToService=2
MailProg=/bin/true
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$W/jobcomp.txt
$nodeline NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  setsid /usr/sbin/slurmctld -D -f "$SLURM_CONF" >"$W/slurmctld.out" 2>&1 </dev/null &
  CLUSTER_PIDS+=($!)
  setsid /usr/sbin/slurmd -D -f "$SLURM_CONF" >"$W/slurmd.out" 2>&1 </dev/null &
  CLUSTER_PIDS+=($!)
  if ! wait_for 60 node_idle; then
    cluster_log "the node never became idle"; tail -5 "$W"/slurm*.log; return 1
  fi
  cluster_log "up: node $host idle, ports $ctld_port/$slurmd_port, config $SLURM_CONF"
}

node_idle() { [ "$(sinfo -h -o %T 2>/dev/null)" = idle ]; }

# wait_job JOBID SECONDS: until the job (all its array tasks) left the queue.
wait_job() { wait_for "$2" job_gone "$1"; }
job_gone() { [ -z "$(squeue -h -j "$1" 2>/dev/null)" ]; }
queue_empty() { [ -z "$(squeue -h 2>/dev/null)" ]; }

cluster_down() {
  set +e
  if [ -n "${SLURM_CONF:-}" ] && [ ${#CLUSTER_PIDS[@]} -gt 0 ]; then
    scancel --quiet --user=root 2>/dev/null
    wait_for 30 queue_empty
  fi
  local p
  # slurmd, slurmctld, then munged (started first, stopped last)
  for (( i=${#CLUSTER_PIDS[@]}-1; i>=0; i-- )); do
    p=${CLUSTER_PIDS[$i]}
    kill "$p" 2>/dev/null
    local end=$(( $(date +%s) + 20 ))
    while kill -0 "$p" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do sleep 0.2; done
    kill -0 "$p" 2>/dev/null && { cluster_log "pid $p ignored SIGTERM; SIGKILL"; kill -9 "$p"; }
  done
  wait 2>/dev/null
  CLUSTER_PIDS=()
  cluster_log "down"
}
