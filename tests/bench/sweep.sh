#!/usr/bin/env bash
# conflux benchmarks, the sweep workload (make bench, BENCH_ONLY=sweep): an ensemble of
# BENCH_SWEEP_MEMBERS (default 10,000) seeds of scenarios/kachin-2025.yaml, run locally with
# the default --jobs (the cores) and merged, timed as a whole process BENCH_SWEEP_RUNS times
# (default 1: it takes minutes); then `conflux merge` alone on the same directory, to say
# what the merge costs. Prints one JSON line and appends it to $WORK/results.jsonl.
#
#   tests/bench/sweep.sh [BUILD_DIR]      (run.sh calls it when BENCH_ONLY has `sweep`)
#   BENCH_DIR                   as in run.sh
#   BENCH_SWEEP_MEMBERS=10000   members (seeds) of the ensemble
#   BENCH_SWEEP_RUNS=1          timed runs
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
MEMBERS=${BENCH_SWEEP_MEMBERS:-10000}
SWEEP_RUNS=${BENCH_SWEEP_RUNS:-1}
printf 'design: grid\nreplicates: %s\n' "$MEMBERS" >"$WORK/seeds-$MEMBERS.yaml"

# timed command...: runs it, prints "wall user sys" in seconds (its own and its children's)
timed() {
  $PY -c '
import resource, subprocess, sys, time
t0 = time.monotonic()
subprocess.run(sys.argv[1:], check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.monotonic() - t0, r.ru_utime, r.ru_stime)' "$@"
}

walls=() cpus=()
for _ in $(seq "$SWEEP_RUNS"); do
  rm -rf "$WORK/sweep-$MEMBERS"
  read -r wall user sys < <(timed "$CONFLUX" sweep "$ROOT/scenarios/kachin-2025.yaml" \
    "$WORK/seeds-$MEMBERS.yaml" -o "$WORK/sweep-$MEMBERS" --quiet)
  walls+=("$wall")
  cpus+=("$($PY -c 'import sys; print(float(sys.argv[1]) + float(sys.argv[2]))' "$user" "$sys")")
done
bytes=$(du -sb "$WORK/sweep-$MEMBERS" | cut -f1)
mv "$WORK/sweep-$MEMBERS/sweep.h5" "$WORK/sweep-$MEMBERS/sweep.first.h5"
read -r mwall muser msys < <(timed "$CONFLUX" merge "$WORK/sweep-$MEMBERS" --quiet)
cmp -s "$WORK/sweep-$MEMBERS/sweep.h5" "$WORK/sweep-$MEMBERS/sweep.first.h5" ||
  { echo "bench: the merge alone gave other bytes than the sweep's" >&2; exit 1; }
sweep_bytes=$(stat -c %s "$WORK/sweep-$MEMBERS/sweep.h5")
line=$($PY - "$MEMBERS" "$(nproc)" "$mwall" "$muser" "$msys" "$bytes" "$sweep_bytes" \
  "${walls[*]}" "${cpus[*]}" <<'PY'
import json, statistics, sys
members, cores = int(sys.argv[1]), int(sys.argv[2])
mwall, mcpu = float(sys.argv[3]), float(sys.argv[4]) + float(sys.argv[5])
walls = [float(x) for x in sys.argv[8].split()]
cpus = [float(x) for x in sys.argv[9].split()]
wall = statistics.median(walls)
print(json.dumps({
    "workload": f"sweep-{members}", "members": members, "jobs": cores, "runs": len(walls),
    "wall_seconds_median": round(wall, 2), "wall_seconds_min": round(min(walls), 2),
    "wall_seconds_max": round(max(walls), 2),
    "cpu_seconds_median": round(statistics.median(cpus), 2),
    "cpu_ms_per_member": round(1000 * statistics.median(cpus) / members, 2),
    "merge_wall_seconds": round(mwall, 2), "merge_cpu_seconds": round(mcpu, 2),
    "directory_bytes": int(sys.argv[6]), "sweep_file_bytes": int(sys.argv[7]),
    "target_seconds": 60}))
PY
)
echo "$line"
echo "$line" >>"$RESULTS"
rm -rf "$WORK/sweep-$MEMBERS"
