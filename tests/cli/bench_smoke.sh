# make bench's script works (not how fast: that is for `make bench` on a quiet machine):
# one timed run of W3, the default scenario, gives a JSON line and the table; the scaling
# series capped to two small points gives its lines, the gather ceiling and the figure.
. "$(dirname "$0")/testlib.bash"
BUILD=$(dirname "$CONFLUX")
out=$(BENCH_ONLY=W3 BENCH_RUNS=1 BENCH_DIR="$WORK/bench" bash "$SRC/tests/bench/run.sh" \
  "$BUILD" 2>"$WORK/err") && ok "bench script runs" || bad "bench script failed"
if echo "$out" | grep '^{' | $PY -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert len(rows) == 1 and rows[0]["workload"] == "W3", rows
r = rows[0]
assert r["hop_events"] > 1000 and r["shipment_days"] > 1000, r
assert 0 < r["wall_seconds_median"] and 0 <= r["output_share_pct"] <= 100, r
assert 0 <= r["output_wait_share_pct"] <= r["output_share_pct"], r
assert r["peak_rss_bytes"] > 1e6, r
'; then ok "one JSON line with the measured figures"; else bad "bench JSON line"; echo "$out"; fi
echo "$out" | grep -q "^W3 " && ok "the table lists W3" || bad "no W3 row in the table"
[ -s "$WORK/bench/W3.h5" ] && ok "BENCH_DIR keeps the result files" ||
  bad "BENCH_DIR lost W3.h5"

# Without BENCH_DIR the results stay in a temporary directory, and its scenarios and result
# files (hundreds of MB for W2) go.
mkdir -p "$WORK/tmp"
TMPDIR="$WORK/tmp" BENCH_ONLY=W3 BENCH_RUNS=1 bash "$SRC/tests/bench/run.sh" "$BUILD" \
  >/dev/null 2>"$WORK/err" && ok "bench without BENCH_DIR runs" || bad "bench without BENCH_DIR"
kept=$(sed -n 's/^bench: the results stay in \(.*\) (BENCH_DIR.*/\1/p' "$WORK/err")
case $kept in "$WORK"/tmp/conflux-bench.*) ok "it says where the results are" ;;
  *) bad "no 'results stay in' line"; sed 's/^/  | /' "$WORK/err" | head -5 ;; esac
[ -s "$kept/results.jsonl" ] && ok "results.jsonl kept" || bad "results.jsonl gone"
[ -n "$kept" ] && [ -z "$(find "$kept" -mindepth 1 \( -type d -o -name '*.h5' \))" ] &&
  ok "no scenario or result file left" || bad "left: $(find "$kept" -mindepth 1 | head -3)"

# The gather ceiling on its own: 4 MiB on 2 threads, short repetitions.
if "$BUILD/conflux-gather" --bytes 4M --threads 2 --seconds 0.02 --json | $PY -c '
import json, sys
r = json.load(sys.stdin)
assert r["bytes"] == 4 << 20 and r["threads"] == 2, r
assert r["gathers_per_second"] > 0 and r["chase_ns"] > 0, r
'; then ok "conflux-gather JSON"; else bad "conflux-gather JSON"; fi
expect_exit 2 "conflux-gather without --bytes" -- "$BUILD/conflux-gather" --json

# The scaling series capped at 10^4 shipments and 10^4 nodes: the points (10^4 nodes, 10^4
# shipments), in both series, and (10^3 nodes, 10^4 shipments).
S=$WORK/scaling
out=$(BENCH_ONLY=scaling BENCH_RUNS=1 BENCH_DIR="$S" BENCH_SCALING_MAX_SHIPMENTS=10000 \
  BENCH_SCALING_MAX_NODES=10000 BENCH_GATHER_SECONDS=0.02 \
  bash "$SRC/tests/bench/run.sh" "$BUILD" 2>"$WORK/err") && ok "scaling series runs" ||
  { bad "scaling series failed"; sed 's/^/  | /' "$WORK/err" | tail -5; }
if $PY - "$S/scaling.jsonl" <<'PY'; then ok "one JSON line per point, with the ceiling"; else bad "scaling.jsonl"; cat "$S/scaling.jsonl"; fi
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
got = sorted((r["nodes"], r["shipments"], tuple(r["series"])) for r in rows)
assert got == [(1000, 10000, ("nodes",)), (10000, 10000, ("shipments", "nodes"))], got
for r in rows:
    assert r["hop_events"] > 0 and r["roads"] > r["nodes"], r
    assert r["ns_per_hop"] > 0 and min(r["peak_rss_bytes"], r["footprint_rss_bytes"]) > 1e6, r
    # a peak moves in 2 MiB steps (huge pages): shipments' memory only where it shows
    bps = r["bytes_per_shipment"]
    assert bps is None or bps > 0, r
    assert bps is not None or abs(r["peak_rss_bytes"] - r["footprint_rss_bytes"]) < 4 << 20, r
    assert r["gathers_per_second"] > 0 and r["gathers_per_hop"] == 2, r
    assert r["gather_bytes"] >= max(r["peak_rss_bytes"], 1 << 20), r
    assert r["gather_bytes"] & (r["gather_bytes"] - 1) == 0, r
    # the fraction is the line's own figures put together; how near 1 it comes is a timing
    # (a 0.02 s gather measure, a sanitizer's build), which a test must not assert
    frac = r["hops_per_second"] * r["gathers_per_hop"] / r["gathers_per_second"]
    assert r["ceiling_fraction"] > 0 and abs(r["ceiling_fraction"] - frac) <= 1e-3 + 1e-3 * frac, r
PY
[ "$(echo "$out" | grep -c '^| [0-9]')" = 2 ] && ok "the table has a row per point" ||
  { bad "scaling table"; echo "$out"; }
if [ -s "$S/scaling.png" ] && head -c 8 "$S/scaling.png" | grep -q PNG; then
  ok "the figure is a PNG"; else bad "no figure"; fi
echo "$out" | grep -qF "figure: $S/scaling.png" && ok "says where the figure went" ||
  bad "the figure's place is not printed"
# the sweep workload, cut to 6 members: one JSON line whose merge gave the sweep's bytes
# (sweep.sh exits non-zero otherwise)
out=$(BENCH_DIR="$WORK/sweep" BENCH_SWEEP_MEMBERS=6 bash "$SRC/tests/bench/sweep.sh" "$BUILD" \
  2>"$WORK/err") && ok "sweep workload runs" || { bad "sweep workload failed"; tail -5 "$WORK/err"; }
echo "$out" | tail -1 | $PY -c '
import json, sys
r = json.loads(sys.stdin.read())
assert r["workload"] == "sweep-6" and r["members"] == 6, r
assert r["wall_seconds_median"] > 0 and r["cpu_ms_per_member"] > 0 and r["merge_wall_seconds"] > 0, r
assert r["sweep_file_bytes"] > 1e5 and r["directory_bytes"] > r["sweep_file_bytes"], r
' && ok "sweep JSON line: time, CPU per member, merge, sizes" || { bad "sweep JSON line"; echo "$out"; }
finish
