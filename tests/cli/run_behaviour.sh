# conflux run as a user meets it: exit codes, no overwriting, --set, --json, interruption.
. "$(dirname "$0")/testlib.bash"
LINE="$SRC/scenarios/examples/line.yaml"

expect_exit 0 "first run" -- "$CONFLUX" run "$LINE" -o "$WORK/a.h5" --quiet
cp "$WORK/a.h5" "$WORK/a.copy"
expect_exit 73 "an existing result is not overwritten" -- "$CONFLUX" run "$LINE" -o "$WORK/a.h5" --quiet
expect_err "not overwritten without --force" "the refusal says how to overwrite"
cmp -s "$WORK/a.h5" "$WORK/a.copy" && ok "the existing file is untouched" || bad "existing file changed"
expect_exit 0 "--force overwrites" -- "$CONFLUX" run "$LINE" -o "$WORK/a.h5" --quiet --force
[ ! -e "$WORK/a.h5.partial" ] && ok "no .partial left after success" || bad ".partial left behind"

expect_exit 73 "output in a missing directory" -- "$CONFLUX" run "$LINE" -o "$WORK/no/such/dir/x.h5" --quiet
expect_err "cannot create the output file" "the message names the problem"
expect_exit 2 "--set of an unknown path" -- "$CONFLUX" run "$LINE" -o "$WORK/b.h5" --set transport.no_such_key=3
expect_err "no_such_key" "the message names the path"
expect_exit 65 "--set of a bad value" -- "$CONFLUX" run "$LINE" -o "$WORK/b.h5" --set transport.truck_t=-4
expect_err "--set transport.truck_t" "the message points at the override"
expect_exit 2 "--threads 0" -- "$CONFLUX" run "$LINE" -o "$WORK/b.h5" --threads 0
expect_exit 2 "--seed of a word" -- "$CONFLUX" run "$LINE" -o "$WORK/b.h5" --seed x
expect_err "--seed must be an integer from 0 to 9223372036854775807, got 'x'" "the message names --seed, not --set"
expect_exit 2 "--seed with a leading space" -- "$CONFLUX" run "$LINE" -o "$WORK/b.h5" --seed " 5"
expect_exit 2 "--days 0" -- "$CONFLUX" run "$LINE" -o "$WORK/b.h5" --days 0
expect_err "--days must be an integer from 1 to 1000000, got '0'" "the message gives the range"
[ ! -e "$WORK/b.h5" ] && ok "no result from a refused command line" || bad "b.h5 written"
expect_exit 2 "an unknown option" -- "$CONFLUX" run "$LINE" --frobnicate
expect_exit 2 "no scenario" -- "$CONFLUX" run
expect_exit 66 "a missing scenario file" -- "$CONFLUX" run "$WORK/none.yaml"
expect_exit 2 "an unknown command" -- "$CONFLUX" frobnicate
expect_exit 0 "--version" -- "$CONFLUX" --version
expect_exit 0 "help run" -- "$CONFLUX" help run

# --set, --days and --seed reach the run; --json carries the documented keys.
expect_exit 0 "--json with overrides" -- "$CONFLUX" run "$LINE" -o "$WORK/j.h5" --quiet --json \
  --days 12 --seed 9 --set transport.truck_t=5
if $PY - "$WORK/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
need = {"scenario", "days", "threads", "wall_seconds", "hop_events", "shipment_days",
        "peak_rss_bytes", "output", "products"}
missing = need - r.keys()
assert not missing, missing
assert r["days"] == 12 and r["complete"] is True, r
# 5 t trucks: twice as many trips as with 10 t, so about twice the node arrivals
assert r["hop_events"] > 40, r["hop_events"]
assert r["products"]["Dy2O3"]["peak_price_usd_per_kg"] > 0
# one thread: the file is laid out after the world, and the run waits for all its output
assert r["threads"] == 1 and r["output_wait_seconds"] == r["output_seconds"] > 0, r
PY
then ok "--json object"; else bad "--json object"; cat "$WORK/out"; fi
# two threads: the layout beside the world, so the run waits for at most its output
expect_exit 0 "--json on two threads" -- "$CONFLUX" run "$LINE" -o "$WORK/j2.h5" --quiet --json \
  --threads 2
$PY -c 'import json, sys; r = json.load(open(sys.argv[1]))
assert 0 <= r["output_wait_seconds"] <= r["output_seconds"], r' "$WORK/out" &&
  ok "output_wait_seconds within output_seconds" || bad "output_wait_seconds: $(cat "$WORK/out")"
seed=$($PY -c "import h5py,sys; print(h5py.File(sys.argv[1])['/'].attrs['seed'])" "$WORK/j.h5")
[ "$seed" = 9 ] && ok "--seed recorded in the file" || bad "seed attribute is $seed"

# The default output is results/<name>.h5 relative to the working directory.
(cd "$WORK" && "$CONFLUX" run "$LINE" --quiet) && [ -f "$WORK/results/line.h5" ] \
  && ok "default output results/line.h5" || bad "default output missing"

# SIGINT: stops after the current day, keeps a readable partial file marked incomplete.
"$CONFLUX" run "$LINE" -o "$WORK/int.h5" --days 500000 --quiet 2>"$WORK/err" &
pid=$!
sleep 1
kill -INT $pid
wait $pid
code=$?
[ "$code" = 130 ] && ok "SIGINT exits 130" || bad "SIGINT exit $code"
[ ! -e "$WORK/int.h5" ] && [ -f "$WORK/int.h5.partial" ] && ok "partial file kept, OUT not created" \
  || bad "after SIGINT: $(ls "$WORK")"
if $PY - "$WORK/int.h5.partial" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert f.attrs["complete"] == 0
n = f["time"].shape[0]
assert n > 0 and f["price"].shape[0] == n, n
assert f["produced"][n - 1] > 0
PY
then ok "partial file readable, complete = 0, days written"; else bad "partial file check"; fi
expect_exit 73 "a stale .partial is not overwritten without --force" -- "$CONFLUX" run "$LINE" -o "$WORK/int.h5" --quiet
# --json stays valid JSON for an output path that is not UTF-8 (Latin-1 'é' here)
latin1=$(printf '%s/r\351sultats' "$WORK")
mkdir -p "$latin1"
expect_exit 0 "a run into a folder whose name is Latin-1" -- "$CONFLUX" run "$LINE" -o "$latin1/l.h5" --quiet --json
$PY -c 'import json, sys; j = json.load(open(sys.argv[1])); assert j["output"].endswith("r\ufffdsultats/l.h5"), j["output"]' \
  "$WORK/out" && ok "--json is valid JSON, the bad byte as U+FFFD" || bad "--json with a non-UTF-8 path: $(head -c 200 "$WORK/out")"
finish
