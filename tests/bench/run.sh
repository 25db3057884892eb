#!/usr/bin/env bash
# conflux benchmarks (make bench): the workloads of tests/bench/README.md, each run five
# times after a warm-up run, as whole processes. Prints one JSON line per workload (median
# and spread) and then a table. Not a test: nothing here fails on a slow machine.
#
#   tests/bench/run.sh [BUILD_DIR]          default BUILD_DIR: build
#   BENCH_DIR=/somewhere  where the synthetic scenarios and results go, all kept (default: a
#                         temp dir under $TMPDIR or /tmp, of which only the JSON lines and
#                         figures are kept; the last line on stderr names it)
#   BENCH_RUNS=5          timed runs per workload
#   BENCH_ONLY="W1 W3"    run only these workloads; `sweep` is the 10,000-member ensemble
#                         (tests/bench/sweep.sh) and `scaling` the scaling series
#                         (tests/bench/scaling.sh), each with its own settings
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
ONLY=${BENCH_ONLY:-W1 W2 W2cap W3 W4 W5 sweep scaling}
: >"$RESULTS"

want() { [[ " $ONLY " == *" $1 "* ]]; }

banner

if want W1; then
  gen "$WORK/w1" --topology grid --nodes 1000 --mines 3 --sinks 3 --shipments 100000 \
    --days 10 --km 50:500 --speed-kmh 15 --seed 1
  measure W1 1 -- "$WORK/w1/scenario.yaml"
  measure W1-2threads 2 -- "$WORK/w1/scenario.yaml"
fi
if want W2 || want W4 || want W5; then
  gen "$WORK/w2" --topology random --nodes 100000 --mines 3 --sinks 3 --shipments 1000000 \
    --days 30 --km 50:500 --speed-kmh 15 --seed 1
  # The network's own footprint: the same scenario with 1,000 shipments instead of 10^6.
  gen "$WORK/w2-empty" --topology random --nodes 100000 --mines 3 --sinks 3 --shipments 1000 \
    --days 30 --km 50:500 --speed-kmh 15 --seed 1
fi
if want W2cap; then # W2 with every road capped at 2,000 t/day: the daily capacity plan's cost
  gen "$WORK/w2cap" --topology random --nodes 100000 --mines 3 --sinks 3 --shipments 1000000 \
    --days 30 --km 50:500 --speed-kmh 15 --seed 1 --capacity 2000
fi
want W2 && measure W2 2 -- "$WORK/w2/scenario.yaml"
want W2 && measure W2-footprint 2 -- "$WORK/w2-empty/scenario.yaml"
want W2cap && measure W2cap 2 -- "$WORK/w2cap/scenario.yaml"
want W3 && measure W3 1 -- "$ROOT/scenarios/kachin-2025.yaml"
if want W4; then
  measure W4-step6h 1 -- "$WORK/w2/scenario.yaml" --set step_hours=6
  measure W4-step1h 1 -- "$WORK/w2/scenario.yaml" --set step_hours=1
  measure W4-step15min 1 -- "$WORK/w2/scenario.yaml" --set step_hours=0.25
fi
want W5 && measure_pair W5-1thread 1 W5-2threads 2 -- "$WORK/w2/scenario.yaml"

if [ -s "$RESULTS" ]; then
  $PY - "$RESULTS" <<'PY'
import json, sys
rows = {r["workload"]: r for r in map(json.loads, open(sys.argv[1]))}
print()
print(f"{'workload':<14}{'thr':>4}{'median s':>10}{'spread':>8}{'hops/s':>14}{'ship-days/s':>14}"
      f"{'peak RSS MB':>13}{'output %':>10}{'waited %':>10}")
for name, r in rows.items():
    print(f"{name:<14}{r['threads']:>4}{r['wall_seconds_median']:>10.3f}{r['spread_pct']:>7.1f}%"
          f"{r['hops_per_second']:>14,}{r['shipment_days_per_second']:>14,}"
          f"{r['peak_rss_bytes'] / 2**20:>13.1f}{r['output_share_pct']:>9.1f}%"
          f"{r['output_wait_share_pct']:>9.1f}%")
def ratio(a, b):
    return rows[a]["wall_seconds_median"] / rows[b]["wall_seconds_median"]
print()
if "W2" in rows and "W2-footprint" in rows:
    extra = rows["W2"]["peak_rss_bytes"] - rows["W2-footprint"]["peak_rss_bytes"]
    print(f"W2 memory: network footprint {rows['W2-footprint']['peak_rss_bytes'] / 2**20:.1f} MB,"
          f" {extra / 1e6:.1f} bytes per shipment above it (target <= 64)")
if "W4-step6h" in rows:
    for k in ("W4-step1h", "W4-step15min"):
        if k in rows:
            print(f"{k}: {ratio(k, 'W4-step6h'):.2f} x the 6 h step's time"
                  + (" (target <= 1.3 for 4x finer)" if k == "W4-step15min" else ""))
if "W5-1thread" in rows and "W5-2threads" in rows:
    print(f"W5: 2 threads {ratio('W5-1thread', 'W5-2threads'):.2f} x as fast as 1 (target >= 1.7)")
PY
fi

if want sweep; then
  BENCH_DIR=$WORK bash "$ROOT/tests/bench/sweep.sh" "$BUILD"
fi
if want scaling; then
  BENCH_DIR=$WORK bash "$ROOT/tests/bench/scaling.sh" "$BUILD"
fi
