#!/usr/bin/env bash
# A real one-node Slurm cluster (munged, slurmctld, slurmd from Debian's packages, started
# here and stopped by PID): the README's array script (scripts/slurm/sweep-array.sbatch) runs
# a sweep as 4 shards, conflux merge joins them, and the result equals a local sweep; the
# README's MPI script runs the same sweep as one 2-rank job. Needs root and an MPI build
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
export CONFLUX SCENARIO=$D/kachin-90d.yaml SWEEP=$D/grid.yaml
expect_exit 0 "local reference sweep" -- "$CONFLUX" sweep "$SCENARIO" "$SWEEP" -o "$WORK/local" --quiet

# --- the array script, 4 shards, one CPU each
export OUT=$WORK/array
J=$(cd "$WORK" && sbatch --parsable --array=0-3 --cpus-per-task=1 -o "$WORK/array-%A_%a.out" "$SRC/scripts/slurm/sweep-array.sbatch")
[ -n "$J" ] && ok "sbatch --array=0-3 accepted (job $J)" || bad "sbatch refused the array"
wait_job "$J" 180 && ok "the array finished within 180 s" || { bad "array job $J timed out"; squeue; }
n=$(grep -c "JobState=COMPLETED .*ArrayJobId=$J " "$WORK/cluster/jobcomp.txt" 2>/dev/null)
[ "$n" = 4 ] && ok "4 array tasks COMPLETED" || { bad "$n of 4 array tasks completed"; cat "$WORK/cluster/jobcomp.txt" "$WORK"/array-*.out 2>/dev/null | tail -20; }
[ ! -e "$OUT/sweep.h5" ] && ok "shards leave the merge to conflux merge" || bad "a shard merged"
expect_exit 0 "conflux merge of the array's shards" -- "$CONFLUX" merge "$OUT"
expect_err "merged 12 of 12 members" "every member merged"
"$PY" "$SRC/tests/cli/sweep_compare.py" "$WORK/local" "$OUT" >"$WORK/cmp" 2>&1 \
  && ok "member series identical, local and Slurm array" || { bad "array members differ"; cat "$WORK/cmp"; }
cmp -s "$WORK/local/sweep.h5" "$OUT/sweep.h5" && ok "sweep.h5 byte-identical, local and Slurm array + merge" || bad "array sweep.h5 differs"

# --- resubmitting after a lost member: --resume in the script redoes only that one
rm "$OUT/member-00005.h5"
J=$(cd "$WORK" && sbatch --parsable --array=0-3 --cpus-per-task=1 -o "$WORK/again-%A_%a.out" "$SRC/scripts/slurm/sweep-array.sbatch")
wait_job "$J" 180 && ok "the resubmitted array finished" || bad "resubmitted array timed out"
[ -e "$OUT/member-00005.h5" ] && "$PY" "$SRC/tests/cli/sweep_compare.py" "$WORK/local" "$OUT" 5 >"$WORK/cmp" 2>&1 \
  && ok "the resubmitted array redid the lost member, identical" || { bad "lost member not redone"; cat "$WORK/cmp"; }

# --- the MPI script: one job of 2 ranks (as root, Open MPI needs these two variables)
export OUT=$WORK/mpi OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
J=$(cd "$WORK" && sbatch --parsable --ntasks=2 -o "$WORK/mpi-%j.out" "$SRC/scripts/slurm/sweep-mpi.sbatch")
wait_job "$J" 180 && ok "the MPI job finished within 180 s" || { bad "MPI job $J timed out"; squeue; }
grep -q "^JobId=$J .*JobState=COMPLETED" "$WORK/cluster/jobcomp.txt" && ok "MPI job COMPLETED" || { bad "MPI job did not complete"; cat "$WORK"/mpi-*.out | tail; }
cmp -s "$WORK/local/sweep.h5" "$OUT/sweep.h5" && ok "sweep.h5 byte-identical, local and Slurm MPI job" || bad "MPI job sweep.h5 differs"
finish
