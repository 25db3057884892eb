# Sourced by tests/bench/run.sh and tests/bench/scaling.sh (make bench), not run itself:
# the settings they share, the banner, and the functions that time a workload (measure, or
# measure_pair for two taken in turn) and make its synthetic scenario (gen).
#
#   . tests/bench/lib.sh [BUILD_DIR]        default BUILD_DIR: build
#   BENCH_DIR, BENCH_RUNS: as in run.sh; results go to $RESULTS ($WORK/results.jsonl unless
#   the caller changes it)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-$ROOT/build}
CONFLUX=$BUILD/conflux
PY=/usr/bin/python3
RUNS=${BENCH_RUNS:-5}
[ -x "$CONFLUX" ] || { echo "bench: no $CONFLUX (build first: make build)" >&2; exit 2; }
if [ -n "${BENCH_DIR:-}" ]; then
  WORK=$BENCH_DIR # kept whole: the next run reuses its scenarios
else
  # A temporary directory: at the end its scenarios and result files go (W2's and the
  # scaling series' are hundreds of MB), and its JSON lines, tables and figures stay.
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/conflux-bench.XXXXXX")
  # After a failure everything stays, to look into.
  tidy_work() {
    local status=$?
    if [ "$status" = 0 ]; then
      find "$WORK" -mindepth 1 -maxdepth 1 \( -type d -o -name '*.h5' \) -exec rm -rf {} + ||
        true
      echo "bench: the results stay in $WORK (BENCH_DIR keeps the scenarios as well)" >&2
    else
      echo "bench: failed; everything it made stays in $WORK" >&2
    fi
    exit "$status"
  }
  trap tidy_work EXIT
fi
mkdir -p "$WORK"
RESULTS=$WORK/results.jsonl

# run_once NAME THREADS I -- conflux run arguments...: one whole-process run; from I = 1 on
# (0 is a warm-up), its --json object, with the process's wall time added, goes to NAME.runs.
run_once() {
  local name=$1 threads=$2 i=$3 t0 t1
  shift 4
  t0=$(date +%s.%N)
  "$CONFLUX" run "$@" --threads "$threads" -o "$WORK/$name.h5" --force --quiet --json >"$WORK/$name.json"
  t1=$(date +%s.%N)
  [ "$i" = 0 ] && return 0
  $PY -c 'import json,sys; r=json.load(open(sys.argv[1])); r.pop("analysis", None); r["process_seconds"]=float(sys.argv[3])-float(sys.argv[2]); print(json.dumps(r))' \
    "$WORK/$name.json" "$t0" "$t1" >>"$WORK/$name.runs"
}

# measure NAME THREADS -- conflux run arguments...: warm-up, then RUNS timed runs; the
# summary line goes to stdout and to $RESULTS.
measure() {
  local name=$1 threads=$2
  shift 3
  : >"$WORK/$name.runs"
  for i in $(seq 0 "$RUNS"); do run_once "$name" "$threads" "$i" -- "$@"; done
  summarize "$name" "$threads"
}

# measure_pair NAME_A THREADS_A NAME_B THREADS_B -- arguments...: as measure for each, the
# runs of the two taken in turn (A, B, A, B...), so that the machine's drift (10-15 % over
# minutes on this VM) falls on both alike and their ratio (W5) is not the drift's.
measure_pair() {
  local a=$1 ta=$2 b=$3 tb=$4
  shift 5
  : >"$WORK/$a.runs"
  : >"$WORK/$b.runs"
  for i in $(seq 0 "$RUNS"); do
    run_once "$a" "$ta" "$i" -- "$@"
    run_once "$b" "$tb" "$i" -- "$@"
  done
  summarize "$a" "$ta"
  summarize "$b" "$tb"
}

# summarize NAME THREADS: the medians of NAME.runs, one JSON line to stdout and $RESULTS.
summarize() {
  local name=$1 threads=$2 raw=$WORK/$1.runs
  $PY - "$name" "$raw" "$threads" <<'PY' | tee -a "$RESULTS"
import json, statistics, sys
name, raw, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
runs = [json.loads(l) for l in open(raw)]
wall = sorted(r["process_seconds"] for r in runs)
med = statistics.median(wall)
r0 = runs[0]
out = {
    "workload": name, "threads": threads, "runs": len(runs),
    "wall_seconds_median": round(med, 4), "wall_seconds_min": round(wall[0], 4),
    "wall_seconds_max": round(wall[-1], 4),
    "spread_pct": round(100 * (wall[-1] - wall[0]) / med, 1),
    "hop_events": r0["hop_events"], "shipment_days": r0["shipment_days"],
    "hops_per_second": round(r0["hop_events"] / med),
    "shipment_days_per_second": round(r0["shipment_days"] / med),
    "peak_rss_bytes": max(r["peak_rss_bytes"] for r in runs),
    "output_seconds_median": round(statistics.median(r["output_seconds"] for r in runs), 4),
    "output_wait_seconds_median":
        round(statistics.median(r["output_wait_seconds"] for r in runs), 4),
    "load_seconds_median": round(statistics.median(r["load_seconds"] for r in runs), 4),
}
out["output_share_pct"] = round(100 * out["output_seconds_median"] / med, 1)
out["output_wait_share_pct"] = round(100 * out["output_wait_seconds_median"] / med, 1)
print(json.dumps(out))
PY
}

gen() { # gen DIR args...: a synthetic scenario, made once per BENCH_DIR
  local dir=$1
  shift
  [ -f "$dir/scenario.yaml" ] || "$CONFLUX" gen "$@" -o "$dir" >/dev/null
}

# banner: what was measured and where; once per make bench (a script run.sh calls skips it)
banner() {
  [ -z "${CONFLUX_BENCH_BANNER:-}" ] || return 0
  export CONFLUX_BENCH_BANNER=1
  echo "conflux benchmarks: $("$CONFLUX" --version)" >&2
  echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB" >&2
  echo "work dir: $WORK" >&2
}
