#!/usr/bin/env bash
# conflux compare: the offensive against its counterfactual. Every number is checked against
# a computation of its own from the two files (h5py, numpy): two runs (the differences),
# two sweeps of the same sweep file (member-by-member differences, numpy's percentiles), a
# sweep against a run (medians); the per-day difference file; and the refusals.
. "$(dirname "$0")/testlib.bash" "$@"
D=$SRC/tests/data/sweep
expect_exit 0 "run kachin-2025" -- "$CONFLUX" run "$SRC/scenarios/kachin-2025.yaml" -o "$WORK/a.h5" --quiet
expect_exit 0 "run kachin-2025-no-offensive" -- "$CONFLUX" run "$SRC/scenarios/kachin-2025-no-offensive.yaml" -o "$WORK/b.h5" --quiet
expect_exit 0 "compare two runs, -o DIFF.h5" -- "$CONFLUX" compare "$WORK/a.h5" "$WORK/b.h5" -o "$WORK/d.h5"
grep -q "Dy2O3.peak_usd_per_kg" "$WORK/out" && grep -q "single runs" "$WORK/out" && ok "the table names the metrics and says one draw each" || { bad "compare table"; cat "$WORK/out"; }
"$CONFLUX" compare "$WORK/a.h5" "$WORK/b.h5" --json >"$WORK/runs.json"
if $PY - "$WORK/a.h5" "$WORK/b.h5" "$WORK/runs.json" "$WORK/d.h5" >"$WORK/py" 2>&1 <<'PY'
import json, sys
import h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
j = json.load(open(sys.argv[3]))["metrics"]
names = [p.decode() for p in a["product_name"][:]]
for p, name in enumerate(names):
    for key, f in (("peak_usd_per_kg", lambda x: x["price"][:, p].max()),
                   ("mean_usd_per_kg", lambda x: x["price"][:, p].mean()),
                   ("shortfall_t", lambda x: x["shortfall"][:, p].sum()),
                   ("delivered_t", lambda x: x["delivered"][:, p].sum())):
        m = j[f"{name}.{key}"]
        want = f(a) - f(b)
        assert abs(m["effect"] - want) <= 1e-9 * max(1, abs(want)), (name, key, m, want)
        assert m["q05"] is None and m["q95"] is None
groups = [g.decode() for g in a["group_name"][:]]
kia = groups.index("KIA")
want = a["group_revenue"][:, kia].sum() - b["group_revenue"][:, kia].sum()
assert abs(j["group.KIA.revenue_usd"]["effect"] - want) <= 1e-6 * abs(want), want
d = h5py.File(sys.argv[4], "r")
for v in ("price", "shortfall", "edge_flow", "group_revenue", "arrived"):
    assert (d[v][:] == a[v][:] - b[v][:]).all(), v
assert (d["time"][:] == a["time"][:]).all() and (d["time_bnds"][:] == a["time_bnds"][:]).all()
assert "node_status" not in d and "event_kind" not in d
assert d["price"].attrs["long_name"].decode().startswith("A minus B: ")
PY
then ok "runs: every effect, and DIFF.h5's series, equal an independent A - B"; else bad "runs: effects"; cat "$WORK/py"; fi
"$PY" -W error -c "import xarray as xr; d = xr.open_dataset('$WORK/d.h5', engine='h5netcdf'); d.price.sel(product='Dy2O3')" 2>"$WORK/py" \
  && ok "DIFF.h5 opens in xarray under -W error and selects by label" || { bad "DIFF.h5 in xarray"; cat "$WORK/py"; }

# two sweeps of one sweep file (same seeds), and a sweep against a run
printf 'design: grid\nreplicates: 8\n' >"$WORK/seeds.yaml"
mkdir -p "$WORK/sw"
(cd "$WORK/sw" && "$CONFLUX" sweep "$D/kachin-90d.yaml" "$WORK/seeds.yaml" -o a --quiet &&
  "$CONFLUX" sweep "$D/kachin-90d-no-offensive.yaml" "$WORK/seeds.yaml" -o b --quiet) && ok "two 8-member sweeps" || bad "sweeps"
expect_exit 0 "compare two sweeps, paired" -- "$CONFLUX" compare "$WORK/sw/a/sweep.h5" "$WORK/sw/b/sweep.h5" -o "$WORK/sd.h5"
expect_exit 0 "compare a sweep with a run (unpaired)" -- "$CONFLUX" compare "$WORK/sw/a/sweep.h5" "$WORK/sw/b/member-00003.h5"
grep -q "unpaired (a sweep against a run)" "$WORK/out" && ok "an unpaired comparison says so" || bad "unpaired note"
"$CONFLUX" compare "$WORK/sw/a/sweep.h5" "$WORK/sw/b/sweep.h5" --json >"$WORK/sw.json"
"$CONFLUX" compare "$WORK/sw/a/sweep.h5" "$WORK/sw/b/member-00003.h5" --json >"$WORK/un.json"
if $PY - "$WORK/sw/a/sweep.h5" "$WORK/sw/b/sweep.h5" "$WORK/sw.json" "$WORK/sd.h5" "$WORK/sw/b/member-00003.h5" "$WORK/un.json" >"$WORK/py" 2>&1 <<'PY'
import json, sys
import h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
j = json.load(open(sys.argv[3]))
assert j["pairing"] == "paired" and j["pairs"] == 8, (j["pairing"], j["pairs"])
names = [p.decode() for p in a["product_name"][:]]
for p, name in enumerate(names):
    d = a["price"][:, :, p].max(axis=1) - b["price"][:, :, p].max(axis=1)  # per member
    m = j["metrics"][f"{name}.peak_usd_per_kg"]
    for q, key in ((50, "effect"), (5, "q05"), (95, "q95")):
        assert abs(m[key] - np.percentile(d, q)) <= 1e-9 * max(1, abs(m[key])), (name, key, m)
    s = a["shortfall"][:, :, p].sum(axis=1) - b["shortfall"][:, :, p].sum(axis=1)
    assert abs(j["metrics"][f"{name}.shortfall_t"]["effect"] - np.median(s)) < 1e-9 * max(1, abs(np.median(s)))
sd = h5py.File(sys.argv[4], "r")
assert sd["price"].shape == a["price"].shape and (sd["price"][:] == a["price"][:] - b["price"][:]).all()
# unpaired: the sweep's median minus the run's value, inside its bootstrap interval
r = h5py.File(sys.argv[5], "r")
u = json.load(open(sys.argv[6]))
assert u["pairing"] == "unpaired"
want = np.median(a["price"][:, :, 0].max(axis=1)) - r["price"][:, 0].max()
m = u["metrics"][names[0] + ".peak_usd_per_kg"]
assert abs(m["effect"] - want) <= 1e-9 * abs(want) and m["q05"] <= m["effect"] <= m["q95"], (m, want)
PY
then ok "sweeps: paired percentiles of member differences and the unpaired median effect match numpy"; else bad "sweep effects"; cat "$WORK/py"; fi

# refusals
expect_exit 65 "files of other lengths" -- "$CONFLUX" compare "$WORK/a.h5" "$WORK/sw/b/member-00001.h5"
expect_err "not on the same days" "the mismatch is named"
expect_exit 73 "DIFF.h5 exists" -- "$CONFLUX" compare "$WORK/a.h5" "$WORK/b.h5" -o "$WORK/d.h5"
expect_exit 2 "no per-day differences unpaired" -- "$CONFLUX" compare "$WORK/sw/a/sweep.h5" "$WORK/sw/b/member-00003.h5" -o "$WORK/u.h5"
expect_err "per-day differences need two runs or two sweeps of the same members" "why not"
expect_exit 66 "a missing file" -- "$CONFLUX" compare "$WORK/a.h5" "$WORK/nope.h5"
expect_exit 2 "one file" -- "$CONFLUX" compare "$WORK/a.h5"
finish
