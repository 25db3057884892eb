# make bench's script works (not how fast: that is for `make bench` on a quiet machine):
# one timed run of W3, the default scenario, gives a JSON line and the table.
. "$(dirname "$0")/testlib.bash"
out=$(BENCH_ONLY=W3 BENCH_RUNS=1 BENCH_DIR="$WORK/bench" bash "$SRC/tests/bench/run.sh" \
  "$(dirname "$CONFLUX")" 2>"$WORK/err") && ok "bench script runs" || bad "bench script failed"
if echo "$out" | grep '^{' | $PY -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert len(rows) == 1 and rows[0]["workload"] == "W3", rows
r = rows[0]
assert r["hop_events"] > 1000 and r["shipment_days"] > 1000, r
assert 0 < r["wall_seconds_median"] and 0 <= r["output_share_pct"] <= 100, r
assert r["peak_rss_bytes"] > 1e6, r
'; then ok "one JSON line with the measured figures"; else bad "bench JSON line"; echo "$out"; fi
echo "$out" | grep -q "^W3 " && ok "the table lists W3" || bad "no W3 row in the table"
finish
