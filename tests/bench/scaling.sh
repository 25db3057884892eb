#!/usr/bin/env bash
# The scaling series of make bench (tests/bench/README.md, "How cost grows"): W2's random
# geometric workload (30 days, 50-500 km roads, 15 km/h, 3 mines, 3 markets, seed 1, two
# threads) over a grid, shipments 10^4 to 10^7 at 10^5 nodes and nodes 10^3 to 10^6 at 10^6
# shipments. Each point is timed like run.sh's workloads (lib.sh's measure: medians of whole
# processes), and the same network with 1,000 shipments gives its footprint (peak RSS and
# wall time, one run). conflux-gather then measures random 4-byte gathers/s on two threads
# from an array of the point's peak RSS (rounded up to a power of two, at least 1 MiB): the
# ceiling a run bound by memory access would reach at G gathers per hop event. One JSON line
# per point goes to $WORK/scaling.jsonl, then plot_scaling.py draws $WORK/scaling.png and
# prints the table.
#
#   tests/bench/scaling.sh [BUILD_DIR]      (run.sh calls it when BENCH_ONLY has `scaling`)
#   BENCH_DIR, BENCH_RUNS           as in run.sh
#   BENCH_SCALING_RUNS=3            timed runs per point (default: BENCH_RUNS)
#   BENCH_SCALING_MAX_SHIPMENTS=N   leave out the points above N shipments; the nodes series
#                                   then runs at min(10^6, N) shipments
#   BENCH_SCALING_MAX_NODES=N       the same for nodes (the shipments series at min(10^5, N))
#   BENCH_GATHER_SECONDS=0.2        each conflux-gather repetition
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
RUNS=${BENCH_SCALING_RUNS:-$RUNS}
RESULTS=$WORK/scaling-runs.jsonl # measure's lines; the combined ones go to $OUT
OUT=$WORK/scaling.jsonl
: >"$RESULTS"
: >"$OUT"
mkdir -p "$WORK/scaling"
GATHER=$BUILD/conflux-gather
G=2 # gathers per hop event: the route entry and the arrival node's state (the lower bound)
MAX_S=${BENCH_SCALING_MAX_SHIPMENTS:-10000000}
MAX_N=${BENCH_SCALING_MAX_NODES:-1000000}
FIX_N=$((MAX_N < 100000 ? MAX_N : 100000))
FIX_S=$((MAX_S < 1000000 ? MAX_S : 1000000))
FOOT_S=1000
banner
[ -x "$GATHER" ] || echo "scaling: no $GATHER (it is built with the tests: make build-tests);" \
  "the gather ceiling is left out" >&2

# The grid: "nodes shipments" in order, and the series each point belongs to (the point at
# 10^5 nodes and 10^6 shipments is in both, and is run once).
declare -A series=()
order=()
point() {
  [ -n "${series["$1 $2"]:-}" ] || order+=("$1 $2")
  series["$1 $2"]=${series["$1 $2"]:+${series["$1 $2"]},}$3
}
for s in 10000 100000 1000000 10000000; do
  if [ "$s" -le "$MAX_S" ]; then point "$FIX_N" "$s" shipments; fi
done
for n in 1000 10000 100000 1000000; do
  if [ "$n" -le "$MAX_N" ]; then point "$n" "$FIX_S" nodes; fi
done

scenario() { # scenario DIR NODES SHIPMENTS: a point's synthetic scenario, made once
  gen "$1" --topology random --nodes "$2" --mines 3 --sinks 3 --shipments "$3" \
    --days 30 --km 50:500 --speed-kmh 15 --seed 1
}

pow2() { # the power of two at or above max(N, 1 MiB)
  local b=1048576
  while [ "$b" -lt "$1" ]; do b=$((b * 2)); done
  echo "$b"
}

declare -A footprint # nodes -> measure's line for the network with FOOT_S shipments
for p in "${order[@]}"; do
  read -r n s <<<"$p"
  echo "scaling: $n nodes, $s shipments" >&2
  dir=$WORK/scaling/n$n-s$s
  scenario "$dir" "$n" "$s"
  if [ -z "${footprint[$n]:-}" ] && [ "$s" -gt "$FOOT_S" ]; then
    fdir=$WORK/scaling/n$n-s$FOOT_S
    scenario "$fdir" "$n" "$FOOT_S"
    RUNS=1 measure "scaling-n$n-footprint" 2 -- "$fdir/scenario.yaml" >/dev/null
    footprint[$n]=$(tail -n 1 "$RESULTS")
    rm -f "$WORK/scaling-n$n-footprint.h5"
  fi
  measure "scaling-n$n-s$s" 2 -- "$dir/scenario.yaml" >/dev/null
  line=$(tail -n 1 "$RESULTS")
  rm -f "$WORK/scaling-n$n-s$s.h5"
  rss=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["peak_rss_bytes"])' "$line")
  gather=null
  if [ -x "$GATHER" ]; then
    gather=$("$GATHER" --bytes "$(pow2 "$rss")" --threads 2 --seconds "${BENCH_GATHER_SECONDS:-0.2}" --json)
  fi
  roads=$(($(wc -l <"$dir/edges.csv") - 1))
  $PY - "$line" "${footprint[$n]:-null}" "$gather" "$n" "$s" "$roads" "${series[$p]}" "$G" \
    "$FOOT_S" <<'PY' | tee -a "$OUT"
import json, sys
r, fp, gather = (json.loads(a) for a in sys.argv[1:4])
nodes, shipments, roads = (int(a) for a in sys.argv[4:7])
series, G, foot_s = sys.argv[7].split(","), int(sys.argv[8]), int(sys.argv[9])
wall, hops = r["wall_seconds_median"], r["hop_events"]
# A peak's resolution: large arrays and the start of the heap are on 2 MiB pages, and whether
# the kernel gives a huge page varies from run to run, so a peak moves in 2 MiB steps; below
# two of them a difference of peaks says nothing (10^4 shipments above 10^3: about 0.5 MB).
RSS_STEP = 4 << 20
out = {
    "shipments": shipments, "nodes": nodes, "roads": roads, "series": series,
    "threads": r["threads"], "runs": r["runs"], "hop_events": hops,
    "shipment_days": r["shipment_days"], "wall_seconds_median": wall,
    "spread_pct": r["spread_pct"], "load_seconds_median": r["load_seconds_median"],
    "output_seconds_median": r["output_seconds_median"],
    "output_wait_seconds_median": r["output_wait_seconds_median"],
    "hops_per_second": r["hops_per_second"], "ns_per_hop": round(1e9 * wall / hops, 2),
    "peak_rss_bytes": r["peak_rss_bytes"],
    "footprint_shipments": foot_s if fp else None,
    "footprint_rss_bytes": fp["peak_rss_bytes"] if fp else None,
    "footprint_wall_seconds": fp["wall_seconds_median"] if fp else None,
    "footprint_hop_events": fp["hop_events"] if fp else None,
    # above the footprint: what each further shipment costs in memory (none where the two
    # peaks differ by less than RSS_STEP), each further hop in time
    "bytes_per_shipment": round((r["peak_rss_bytes"] - fp["peak_rss_bytes"])
                                / (shipments - foot_s), 1)
                          if fp and r["peak_rss_bytes"] - fp["peak_rss_bytes"] >= RSS_STEP
                          else None,
    "marginal_ns_per_hop": round(1e9 * (wall - fp["wall_seconds_median"])
                                 / (hops - fp["hop_events"]), 2) if fp else None,
    "gathers_per_hop": G,
    "gather_bytes": gather["bytes"] if gather else None,
    "gather_threads": gather["threads"] if gather else None,
    "gathers_per_second": gather["gathers_per_second"] if gather else None,
    "chase_ns": gather["chase_ns"] if gather else None,
}
# the ceiling: the hop rate of a run that did nothing but its G gathers per hop
out["ceiling_fraction"] = (round(r["hops_per_second"] * G / gather["gathers_per_second"], 3)
                           if gather else None)
print(json.dumps(out))
PY
done

echo >&2
$PY "$ROOT/tests/bench/plot_scaling.py" "$OUT" -o "$WORK/scaling.png"
echo
echo "scaling series: $OUT; figure: $WORK/scaling.png (tests/bench/plot_scaling.py redraws it)"
