# Cargo that waits for capacity is visible: the queued series, a line in the run's summary
# and in analyze, and the queue metrics in JSON (tests/data/capacity/gate.yaml: the mine
# makes 40 t/day, the gate lets 20 t/day through, so 20 t/day wait at the mine: 400 t after
# 20 days).
. "$(dirname "$0")/testlib.bash"
GATE="$SRC/tests/data/capacity/gate.yaml"
expect_exit 0 "run a scenario whose gate is too narrow" -- "$CONFLUX" run "$GATE" -o "$WORK/g.h5" --json
expect_err "capacity: cargo waited for road or gate capacity, up to 400 t on day 19" "  the summary says so"
expect_err "(most of it at A)" "  and where"
if $PY - "$WORK/out" "$WORK/g.h5" <<'PY'
import json, sys
import h5py
r = json.load(open(sys.argv[1]))
q = r["analysis"]["queue"]
assert (q["max_t"], q["day"], q["node"]) == (400, 19, "A"), q
with h5py.File(sys.argv[2], "r") as f:
    queued, stock = f["queued"][:], f["node_stock"][:]
    assert f["queued"].attrs["units"] == b"t" or f["queued"].attrs["units"] == "t"
assert (queued <= stock + 1e-9).all()          # queued cargo is part of the stock
assert abs(queued[-1].sum() - 400) < 1e-6, queued[-1]
PY
then ok "JSON and the queued series agree: 400 t at A on the last day"; else bad "queue metrics"; cat "$WORK/out"; fi
expect_exit 0 "analyze prints it too" -- "$CONFLUX" analyze "$WORK/g.h5"
grep -q "capacity: cargo waited for road or gate capacity, up to 400 t" "$WORK/out" && ok "  analyze's line" || bad "analyze has no capacity line"
finish
