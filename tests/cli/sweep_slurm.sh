#!/usr/bin/env bash
# A real one-node Slurm cluster (munged, slurmctld, slurmd from Debian's packages, started
# here and stopped by PID): the README's array script (scripts/slurm/sweep-array.sbatch) runs
# a sweep as 4 shards, conflux merge joins them, and every member file and the merged file
# are byte-identical to a local sweep's; the README's MPI script runs the same sweep as one
# 2-rank job. Each sweep runs from its own directory into `out`, so that -o (which each
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

# --- the array script, 4 shards, one CPU each
J=$(cd "$WORK/array" && sbatch --parsable --array=0-3 --cpus-per-task=1 -o "$WORK/array-%A_%a.out" "$SRC/scripts/slurm/sweep-array.sbatch")
[ -n "$J" ] && ok "sbatch --array=0-3 accepted (job $J)" || bad "sbatch refused the array"
wait_job "$J" 180 && ok "the array finished within 180 s" || { bad "array job $J timed out"; squeue; }
n=$(grep -c "JobState=COMPLETED .*ArrayJobId=$J " "$WORK/cluster/jobcomp.txt" 2>/dev/null)
[ "$n" = 4 ] && ok "4 array tasks COMPLETED" || { bad "$n of 4 array tasks completed"; cat "$WORK/cluster/jobcomp.txt" "$WORK"/array-*.out 2>/dev/null | tail -20; }
[ ! -e "$WORK/array/out/sweep.h5" ] && ok "shards leave the merge to conflux merge" || bad "a shard merged"
expect_exit 0 "conflux merge of the array's shards" -- "$CONFLUX" merge "$WORK/array/out"
expect_err "merged 12 of 12 members" "every member merged"
same_members "$WORK/array" && ok "member files byte-identical, local and Slurm array" || { bad "array members differ"; cat "$WORK/cmp"; }
cmp -s "$WORK/local/out/sweep.h5" "$WORK/array/out/sweep.h5" && ok "sweep.h5 byte-identical, local and Slurm array + merge" || bad "array sweep.h5 differs"

# --- resubmitting after a lost member: --resume in the script redoes only that one
rm "$WORK/array/out/member-00005.h5"
J=$(cd "$WORK/array" && sbatch --parsable --array=0-3 --cpus-per-task=1 -o "$WORK/again-%A_%a.out" "$SRC/scripts/slurm/sweep-array.sbatch")
wait_job "$J" 180 && ok "the resubmitted array finished" || bad "resubmitted array timed out"
[ -e "$WORK/array/out/member-00005.h5" ] && same_members "$WORK/array" 5 \
  && ok "the resubmitted array redid the lost member, byte-identical" || { bad "lost member not redone"; cat "$WORK/cmp"; }

# --- the MPI script: one job of 2 ranks (as root, Open MPI needs these two variables)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
J=$(cd "$WORK/mpi" && sbatch --parsable --ntasks=2 -o "$WORK/mpi-%j.out" "$SRC/scripts/slurm/sweep-mpi.sbatch")
wait_job "$J" 180 && ok "the MPI job finished within 180 s" || { bad "MPI job $J timed out"; squeue; }
grep -q "^JobId=$J .*JobState=COMPLETED" "$WORK/cluster/jobcomp.txt" && ok "MPI job COMPLETED" || { bad "MPI job did not complete"; cat "$WORK"/mpi-*.out | tail; }
same_members "$WORK/mpi" && ok "member files byte-identical, local and Slurm MPI job" || { bad "MPI job members differ"; cat "$WORK/cmp"; }
cmp -s "$WORK/local/out/sweep.h5" "$WORK/mpi/out/sweep.h5" && ok "sweep.h5 byte-identical, local and Slurm MPI job" || bad "MPI job sweep.h5 differs"
finish
