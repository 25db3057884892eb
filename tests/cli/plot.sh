# conflux-plot: on the default run and on a small sweep it writes every figure, non-empty
# and of the documented size; its GeoJSON layers (nodes, roads) parse back with one feature
# per node and road per day, the flows of the file; a sweep's of a member or a percentile;
# it does not overwrite figures without --force; a file that is not a result exits 65.
source "$(dirname "$0")/testlib.bash"
PLOT="$SRC/analysis/conflux-plot"
export CONFLUX MPLCONFIGDIR="$WORK/mpl"

# png_size FILE: "WIDTHxHEIGHT" from the PNG header (bytes 16-23, big-endian).
png_size() {
  $PY -c "import struct, sys; d = open(sys.argv[1], 'rb').read(24)
assert d[:8] == b'\x89PNG\r\n\x1a\n'; print('%dx%d' % struct.unpack('>II', d[16:24]))" "$1" 2>/dev/null
}

# expect_png FILE SIZE: exists, at least 20 kB (a blank figure of that size is ~10 kB), size.
expect_png() {
  local got bytes
  got=$(png_size "$1")
  bytes=$(stat -c %s "$1" 2>/dev/null || echo 0)
  if [ "$got" = "$2" ] && [ "$bytes" -gt 20000 ]; then ok "$(basename "$1"): $got, $bytes bytes"; else
    bad "$1: size '$got' (expected $2), $bytes bytes"; fi
}

"$CONFLUX" run "$SRC/scenarios/kachin-2025.yaml" -o "$WORK/k.h5" --quiet
expect_exit 0 "plot the default run with --svg --geojson" -- \
  /usr/bin/python3 "$PLOT" "$WORK/k.h5" -o "$WORK/figs" --svg --geojson
for f in price_shortfall gates revenue; do expect_png "$WORK/figs/$f.png" 1800x1050; done
expect_png "$WORK/figs/network.png" 1800x1350
[ -s "$WORK/figs/network.svg" ] && grep -q "<svg" "$WORK/figs/network.svg" && ok "SVG written" || bad "no SVG"
[ ! -e "$WORK/figs/tornado.png" ] && ok "no tornado chart for a single run" || bad "tornado for a run"
# geo_check DESCRIPTION DIR H5 MODE [ARGS]: nodes.geojson and roads.geojson of DIR against
# H5 read with h5py. MODE: run, member N, quantile qNN; ARGS: the day indices exported
# ("all" for every day).
geo_check() {
  local what=$1
  shift
  if $PY - "$@" <<'PY' 2>"$WORK/py.err"; then
import json, sys, h5py, numpy as np
d, path, mode, arg, days = sys.argv[1:6]
f = h5py.File(path, "r")
nodes, roads = (json.load(open(f"{d}/{n}.geojson")) for n in ("nodes", "roads"))
ids = [x.decode() for x in f["node_id"][:]]
edges = [x.decode() for x in f["edge"][:]]
lon, lat, a, b = f["lon"][:], f["lat"][:], f["edge_from"][:], f["edge_to"][:]
zero = {e for e in range(len(edges)) if (lon[a[e]], lat[a[e]]) == (lon[b[e]], lat[b[e]])}
T = f["time"].shape[0]
days = list(range(T)) if days == "all" else [int(days)]
start = np.datetime64(f.attrs["start"].decode(), "D")
for g in (nodes, roads):   # RFC 7946: no crs member; positions lon, lat
    assert g["type"] == "FeatureCollection" and "crs" not in g
assert {x["geometry"]["type"] for x in nodes["features"]} == {"Point"}
assert {x["geometry"]["type"] for x in roads["features"]} == {"LineString"}
assert len(nodes["features"]) == len(ids) * len(days), len(nodes["features"])
assert len(roads["features"]) == (len(edges) - len(zero)) * len(days), (len(roads["features"]), zero)
# every feature dated: an ISO date that is its day's
for x in nodes["features"] + roads["features"]:
    p = x["properties"]
    assert p["date"] == str(start + np.timedelta64(p["day"], "D")), p
assert sorted({x["properties"]["day"] for x in roads["features"]}) == days
p0 = nodes["features"][0]
assert p0["geometry"]["coordinates"] == [float(lon[0]), float(lat[0])] and p0["properties"]["id"] == ids[0]
if mode == "run":
    flow = f["edge_flow"][:]
elif mode == "member":
    flow = f["edge_flow"][int(arg)]
else:
    ok = f["member_status"][:] == 0
    flow = np.percentile(f["edge_flow"][:][ok], int(arg[1:]), axis=0)
    if f"edge_flow_{arg}" in f:   # as conflux analyze writes it
        assert np.allclose(f[f"edge_flow_{arg}"][:], flow)
for x in roads["features"]:
    p = x["properties"]
    e = edges.index(p["id"])
    assert e not in zero and x["geometry"]["coordinates"] == [[float(lon[a[e]]), float(lat[a[e]])], [float(lon[b[e]]), float(lat[b[e]])]]
    assert abs(p["flow_t_per_day"] - flow[p["day"], e]) <= 5e-4, (p, flow[p["day"], e])
meanings = f["node_status"].attrs["flag_meanings"].decode().split()
if mode == "quantile":   # a state has no percentile
    assert all(x["properties"]["status"] is None for x in nodes["features"])
else:
    st = f["node_status"][:] if mode == "run" else f["node_status"][int(arg)]
    for x in nodes["features"]:
        p = x["properties"]
        assert p["status"] == meanings[st[p["day"], ids.index(p["id"])]], p
PY
    ok "$what"
  else bad "$what"; tail -3 "$WORK/py.err"; fi
}
geo_check "GeoJSON: Points and LineStrings apart, one per node and road per day, dated, flows as in the file" \
  "$WORK/figs" "$WORK/k.h5" run - all
expect_err "2 roads of zero length" "zero-length roads are left out, and said so"
# A gate closed on some day: on that day its roads carry nothing and say closed.
gate_day=$($PY -c "
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], 'r')
kind = [k.decode() for k in f['node_kind'][:]]
st = f['node_status'][:]
g = next(i for i, k in enumerate(kind) if k == 'gate' and (st[:, i] == 4).any())
print(f['node_id'][g].decode(), int(np.argmax(st[:, g] == 4)))" "$WORK/k.h5")
set -- $gate_day
if $PY - "$WORK/figs/roads.geojson" "$1" "$2" <<'PY' 2>"$WORK/py.err"; then
import json, sys
gate, day = sys.argv[2], int(sys.argv[3])
mine = [x["properties"] for x in json.load(open(sys.argv[1]))["features"]
        if x["properties"]["day"] == day and gate in (x["properties"]["from"], x["properties"]["to"])]
assert len(mine) >= 2 and all(p["flow_t_per_day"] == 0 and p["status"] == "closed" for p in mine), mine
PY
  ok "GeoJSON: $1, closed on day $2, carries 0 t that day on its roads, which say closed"
else bad "GeoJSON: closed gate $1 on day $2"; tail -3 "$WORK/py.err"; fi
expect_exit 0 "--geojson --day exports one day" -- \
  /usr/bin/python3 "$PLOT" "$WORK/k.h5" -o "$WORK/day" --geojson --day 40
geo_check "GeoJSON of --day 40: that day only" "$WORK/day" "$WORK/k.h5" run - 40
expect_exit 2 "--member on a run" -- /usr/bin/python3 "$PLOT" "$WORK/k.h5" -o "$WORK/m" --geojson --member 1
expect_err "apply to a sweep file" "says --member is for sweeps"

before=$(stat -c %Y "$WORK/figs/gates.png")
expect_exit 73 "existing figures are not overwritten" -- /usr/bin/python3 "$PLOT" "$WORK/k.h5" -o "$WORK/figs"
expect_err "exists (use --force" "says how to overwrite"
[ "$(stat -c %Y "$WORK/figs/gates.png")" = "$before" ] && ok "gates.png untouched" || bad "gates.png changed"
expect_exit 0 "--force overwrites, --day picks the map's day" -- \
  /usr/bin/python3 "$PLOT" "$WORK/k.h5" -o "$WORK/figs" --force --day 2026-01-15
expect_exit 2 "--day outside the run" -- /usr/bin/python3 "$PLOT" "$WORK/k.h5" -o "$WORK/f2" --day 400

# A small sweep: conflux sweep when built, else two runs stacked along member as DESIGN §4.
if "$CONFLUX" help sweep >/dev/null 2>&1; then
  printf 'design: grid\nparameters:\n  - path: conflict.offensive.attack_rate\n    values: [0.02, 0.1, 0.3]\n' >"$WORK/sw.yaml"
  "$CONFLUX" sweep "$SRC/scenarios/kachin-2025.yaml" "$WORK/sw.yaml" -o "$WORK/sw" --quiet >/dev/null 2>&1
  SWEEP="$WORK/sw/sweep.h5"
else
  "$CONFLUX" run "$SRC/scenarios/kachin-2025.yaml" -o "$WORK/k2.h5" --seed 7 --quiet
  SWEEP="$WORK/stacked.h5"
  $PY - "$WORK/k.h5" "$WORK/k2.h5" "$SWEEP" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
with h5py.File(sys.argv[3], "w") as out:
    for k, v in a.attrs.items():
        out.attrs[k] = v
    n = a["time"].shape[0]
    for name, ds in a.items():
        stack = ds.ndim >= 1 and ds.shape[0] == n and name != "time" or name.startswith("event_")
        out[name] = np.stack([ds[:], b[name][:]]) if stack and ds.shape == b[name].shape else ds[:]
        for k, v in ds.attrs.items():
            if k not in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME"):
                out[name].attrs[k] = v
    out["member"] = np.arange(2); out["member_status"] = np.zeros(2, np.uint8)
    out["param_seed"] = np.array([a.attrs["seed"], 7.0])
PY
fi
expect_exit 0 "plot a sweep" -- /usr/bin/python3 "$PLOT" "$SWEEP" -o "$WORK/sfigs" --conflux "$CONFLUX"
for f in price_shortfall gates revenue tornado; do expect_png "$WORK/sfigs/$f.png" 1800x1050; done
expect_png "$WORK/sfigs/network.png" 1800x1350

# A sweep's GeoJSON: the median by default (said so), a member, a percentile.
expect_exit 0 "GeoJSON of a sweep, --day 30" -- /usr/bin/python3 "$PLOT" "$SWEEP" -o "$WORK/sg" --geojson --day 30 --conflux "$CONFLUX"
expect_err "the median over its members (q50)" "says the default is the median"
geo_check "sweep GeoJSON: the median over the finished members" "$WORK/sg" "$SWEEP" quantile q50 30
expect_exit 0 "GeoJSON of member 1" -- /usr/bin/python3 "$PLOT" "$SWEEP" -o "$WORK/sg1" --geojson --member 1 --every 1
geo_check "sweep GeoJSON --member 1: that member's flows and states, every day" "$WORK/sg1" "$SWEEP" member 1 all
"$CONFLUX" analyze "$SWEEP" >/dev/null 2>&1   # writes edge_flow_q95 (when conflux sweep made it)
expect_exit 0 "GeoJSON of the 95th percentile" -- /usr/bin/python3 "$PLOT" "$SWEEP" -o "$WORK/sg95" --geojson --quantile q95 --day 60
geo_check "sweep GeoJSON --quantile q95: the 95th percentile of the flows" "$WORK/sg95" "$SWEEP" quantile q95 60
expect_exit 2 "a member the sweep does not have" -- /usr/bin/python3 "$PLOT" "$SWEEP" -o "$WORK/sg9" --geojson --member 9
expect_err "--member 9: the sweep has members 0-" "names the members it has"
[ "$(wc -l <"$WORK/err")" = 1 ] && ok "in one line" || bad "error of $(wc -l <"$WORK/err") lines"
expect_exit 2 "--quantile q42" -- /usr/bin/python3 "$PLOT" "$SWEEP" -o "$WORK/sg9" --geojson --quantile q42

$PY -c "import h5py; h5py.File('$WORK/x.h5', 'w')['price'] = [1.0]"
expect_exit 65 "a file that is not a result" -- /usr/bin/python3 "$PLOT" "$WORK/x.h5" -o "$WORK/x"
expect_err "not a conflux result: no conflux_version attribute" "says why"
expect_exit 66 "a missing file" -- /usr/bin/python3 "$PLOT" "$WORK/nope.h5"

# --against: A and B overlaid, and the effect day by day
"$CONFLUX" run "$SRC/scenarios/kachin-2025-no-offensive.yaml" -o "$WORK/calm.h5" --quiet
expect_exit 0 "--against a counterfactual" -- /usr/bin/python3 "$PLOT" "$WORK/k.h5" --against "$WORK/calm.h5" -o "$WORK/against"
for f in compare_price compare_effect; do expect_png "$WORK/against/$f.png" 1800x1050; done
"$CONFLUX" run "$SRC/scenarios/kachin-2025.yaml" --days 30 -o "$WORK/short.h5" --quiet
expect_exit 65 "--against a file of other days" -- /usr/bin/python3 "$PLOT" "$WORK/k.h5" --against "$WORK/short.h5" -o "$WORK/against2"
expect_err "not on the same days and products" "the mismatch is named"
finish
