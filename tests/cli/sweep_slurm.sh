#!/usr/bin/env bash
# A real one-node Slurm cluster (munged, slurmctld, slurmd from Debian's packages, started
# here and stopped by PID): scripts/slurm/submit-sweep runs a sweep as 4 throttled shards with
# a chained merge, and every member file and the merged file are byte-identical to a local
# sweep's; a lost member is redone by resubmitting its task alone; a task cancelled
# mid-member leaves a checkpoint, the merge refuses and names it, and its resubmission goes
# on from the checkpoint to the local sweep's bytes; the MPI script runs the sweep as one
# 2-rank srun job with a dedicated dealer. Each sweep runs from its own directory into `out`, so that -o (which each
# member's command_line names) is spelled the same. Needs root and an MPI build
# (make check runs it in build-mpi); skipped (exit 77) otherwise, saying why.
. "$(dirname "$0")/testlib.bash" "$@"
skip() { echo "skipped: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "starting Slurm's daemons needs root"
for c in slurmctld slurmd munged sbatch mpirun; do
  command -v "$c" >/dev/null || [ -x "/usr/sbin/$c" ] || skip "$c is not installed (scripts/install-deps.sh installs it)"
done
ldd "$CONFLUX" | grep -q libmpi || skip "the cluster test runs with the MPI build (make check builds build-mpi)"
. "$SRC/tests/cluster/slurm.bash"
trap cluster_down EXIT
cluster_up "$WORK/cluster" || { bad "the cluster did not start"; finish; exit 1; }

D=$SRC/tests/data/sweep
CONFLUX=$(readlink -f "$CONFLUX")
# every member's `created` is the sweep's recorded time: this one (sbatch passes it on)
export CONFLUX SCENARIO=$D/kachin-90d.yaml SWEEP=$D/grid.yaml SOURCE_DATE_EPOCH=1762000000 OUT=out
mkdir -p "$WORK/local" "$WORK/array" "$WORK/mpi"
expect_exit 0 "local reference sweep" -- bash -c 'cd "$1" && "$CONFLUX" sweep "$SCENARIO" "$SWEEP" -o out --quiet' _ "$WORK/local"
# same_members DIR [MEMBER...]: the member files of DIR/out have the bytes of the local ones
same_members() {
  local dir=$1
  shift
  "$PY" "$SRC/tests/cli/sweep_compare.py" "$WORK/local/out" "$dir/out" "$@" >"$WORK/cmp" 2>&1
}

# --- submit-sweep: the array (4 shards, one CPU each, at most 2 at a time) and its merge,
# chained with afterany, in one command
read -r J M < <(cd "$WORK/array" && "$SRC/scripts/slurm/submit-sweep" --parsable --shards 4 --cpus 1 \
  --throttle 2 --time 00:05:00 "$SCENARIO" "$SWEEP" out 2>"$WORK/submit.err")
[ -n "$J" ] && [ -n "$M" ] && ok "submit-sweep submitted array $J and merge $M" || { bad "submit-sweep failed"; cat "$WORK/submit.err"; }
grep -q "ArrayTaskThrottle=2" <(scontrol show job "$J" 2>/dev/null) && ok "the array is throttled to 2 tasks (%2)" || bad "no throttle on the array"
wait_job "$M" 180 && ok "array and merge finished within 180 s" || { bad "jobs $J/$M timed out"; squeue; }
n=$(grep -c "JobState=COMPLETED .*ArrayJobId=$J " "$WORK/cluster/jobcomp.txt" 2>/dev/null)
[ "$n" = 4 ] && ok "4 array tasks COMPLETED" || { bad "$n of 4 array tasks completed"; cat "$WORK/cluster/jobcomp.txt" "$WORK"/array/slurm-*.out 2>/dev/null | tail -20; }
grep -q "^JobId=$M .*JobState=COMPLETED" "$WORK/cluster/jobcomp.txt" && ok "the chained merge job COMPLETED" || { bad "merge job did not complete"; cat "$WORK"/array/slurm-"$M".out; }
same_members "$WORK/array" && ok "member files byte-identical, local and Slurm array" || { bad "array members differ"; cat "$WORK/cmp"; }
cmp -s "$WORK/local/out/sweep.h5" "$WORK/array/out/sweep.h5" && ok "sweep.h5 byte-identical, local and Slurm array + chained merge" || bad "array sweep.h5 differs"

# --- resubmitting after a lost member: only its task, numbered against the explicit count
rm "$WORK/array/out/member-00005.h5" "$WORK/array/out/sweep.h5"
read -r J M < <(cd "$WORK/array" && "$SRC/scripts/slurm/submit-sweep" --parsable --shards 4 --tasks 1 \
  --cpus 1 "$SCENARIO" "$SWEEP" out)
wait_job "$M" 180 && ok "the resubmitted task 1 and its merge finished" || bad "resubmitted task timed out"
[ -e "$WORK/array/out/member-00005.h5" ] && same_members "$WORK/array" 5 \
  && ok "task 1 of 4, resubmitted alone, redid the lost member, byte-identical" || { bad "lost member not redone"; cat "$WORK/cmp"; cat "$WORK"/array/slurm-*.out | tail; }
cmp -s "$WORK/local/out/sweep.h5" "$WORK/array/out/sweep.h5" && ok "sweep.h5 byte-identical after the resubmission" || bad "sweep.h5 differs after the resubmission"

# --- a task killed mid-member (scancel: SIGTERM, as preemption and the time limit send),
# resubmitted alone: its member goes on from the checkpoint it saved, and the merged file
# has the bytes of a local sweep. 4 members of about a second, 2 shards on node-local scratch.
SLOW=$D/kachin-long.yaml PAIR=$D/pair.yaml
mkdir -p "$WORK/slow-local" "$WORK/slow" "$WORK/scratch"
expect_exit 0 "local reference of the slow sweep" -- bash -c 'cd "$1" && "$CONFLUX" sweep "$2" "$3" -o out --quiet' _ "$WORK/slow-local" "$SLOW" "$PAIR"
read -r J M < <(cd "$WORK/slow" && "$SRC/scripts/slurm/submit-sweep" --parsable --shards 2 --cpus 1 \
  --scratch "$WORK/scratch" "$SLOW" "$PAIR" out)
wait_for 60 test -e "$WORK/scratch/conflux-$J/member-00001.h5.partial" && sleep 0.3
scancel "${J}_1"
wait_job "$M" 120 && ok "the array with a cancelled task and its merge ended" || bad "jobs $J/$M did not end"
grep -q "^JobId=$M .*JobState=FAILED" "$WORK/cluster/jobcomp.txt" && grep -q "array tasks (of --shards 2) to resubmit: 1$" "$WORK/slow/slurm-$M.out" \
  && ok "the merge refused to merge without member 1 and named shard 1 to resubmit" || { bad "the merge did not stop on the missing member"; cat "$WORK/slow/slurm-$M.out"; }
[ ! -e "$WORK/slow/out/sweep.h5" ] && ok "no sweep.h5 while a member is missing" || bad "sweep.h5 written with a member missing"
ls "$WORK/slow/out/member-00001.h5.ckpt"/day-*.h5 >/dev/null 2>&1 && ok "the cancelled member left a checkpoint in the sweep directory" || { bad "no checkpoint for the cancelled member"; ls -R "$WORK/slow/out" "$WORK/scratch"; cat "$WORK"/slow/slurm-*.out; }
read -r J M < <(cd "$WORK/slow" && "$SRC/scripts/slurm/submit-sweep" --parsable --shards 2 --tasks 1 --cpus 1 \
  --scratch "$WORK/scratch" "$SLOW" "$PAIR" out)
wait_job "$M" 120 && ok "task 1 resubmitted alone and the merge finished" || bad "the resubmission timed out"
[ ! -e "$WORK/slow/out/member-00001.h5.ckpt" ] && ok "the member went on from its checkpoint, which is gone" || bad "checkpoint left after the member finished"
cmp -s "$WORK/slow-local/out/sweep.h5" "$WORK/slow/out/sweep.h5" && ok "sweep.h5 byte-identical to the local sweep after kill, resubmit and merge" || bad "sweep.h5 differs after the kill and resubmission"
"$PY" "$SRC/tests/cli/sweep_compare.py" --data "$WORK/slow-local/out" "$WORK/slow/out" >"$WORK/cmp" 2>&1 \
  && ok "every member holds the local sweep's data (the resumed one laid out otherwise)" || { bad "slow members differ"; cat "$WORK/cmp"; }

# --- the time-limit warning (--signal=B:USR1@120 in the script, sent here at once): the task
# stops its member with a checkpoint and requeues itself; the requeued task finishes it and
# the chained merge, which waits for the requeued task, gives the local sweep's bytes
mkdir -p "$WORK/requeue"
read -r J M < <(cd "$WORK/requeue" && "$SRC/scripts/slurm/submit-sweep" --parsable --shards 2 --cpus 1 "$SLOW" "$PAIR" out)
wait_for 60 test -e "$WORK/requeue/out/member-00001.h5.partial" && sleep 0.3
scancel --batch --signal=USR1 "${J}_1"
wait_job "$M" 240 && ok "the warned task requeued itself, and the merge ran after it" || { bad "requeue: jobs $J/$M did not end"; squeue; }
grep -q "requeueing job" "$WORK"/requeue/slurm-"${J}"_1.out && ok "the task said it requeued itself" || { bad "no requeue message"; cat "$WORK"/requeue/slurm-*.out; }
cmp -s "$WORK/slow-local/out/sweep.h5" "$WORK/requeue/out/sweep.h5" && ok "sweep.h5 byte-identical to the local sweep after the requeue" || { bad "sweep.h5 after the requeue differs or is missing"; cat "$WORK"/requeue/slurm-*.out; }

# --- the MPI script: one job of 2 ranks launched by srun (PMIx), rank 0 a dealer only
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 CONFLUX_SLURM_DIR=$SRC/scripts/slurm DEALER_FROM=2
J=$(cd "$WORK/mpi" && sbatch --parsable --ntasks=2 -o "$WORK/mpi-%j.out" "$SRC/scripts/slurm/sweep-mpi.sbatch")
wait_job "$J" 180 && ok "the MPI job finished within 180 s" || { bad "MPI job $J timed out"; squeue; }
grep -q "^JobId=$J .*JobState=COMPLETED" "$WORK/cluster/jobcomp.txt" && ok "MPI job (srun --mpi=pmix, --dealer) COMPLETED" || { bad "MPI job did not complete"; cat "$WORK"/mpi-*.out | tail; }
same_members "$WORK/mpi" && ok "member files byte-identical, local and Slurm MPI job" || { bad "MPI job members differ"; cat "$WORK/cmp"; }
cmp -s "$WORK/local/out/sweep.h5" "$WORK/mpi/out/sweep.h5" && ok "sweep.h5 byte-identical, local and Slurm MPI job" || bad "MPI job sweep.h5 differs"
finish
