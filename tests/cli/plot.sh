# conflux-plot: on the default run and on a small sweep it writes every figure, non-empty
# and of the documented size; its GeoJSON parses back with one feature per node and road;
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
if $PY - "$WORK/figs/network.geojson" "$WORK/k.h5" <<'PY' 2>"$WORK/py.err"; then
import json, sys, h5py
g = json.load(open(sys.argv[1]))
f = h5py.File(sys.argv[2], "r")
n, e = f["node_id"].shape[0], f["edge_from"].shape[0]
assert g["type"] == "FeatureCollection" and len(g["features"]) == n + e, len(g["features"])
pts = [x for x in g["features"] if x["geometry"]["type"] == "Point"]
lines = [x for x in g["features"] if x["geometry"]["type"] == "LineString"]
assert len(pts) == n and len(lines) == e
meanings = f["node_status"].attrs["flag_meanings"].decode().split()
assert all(p["properties"]["status"] in meanings for p in pts)
lon, lat = pts[0]["geometry"]["coordinates"]
assert (lon, lat) == (float(f["lon"][0]), float(f["lat"][0]))    # GeoJSON order: lon, lat
assert abs(sum(l["properties"]["flow_t"] for l in lines) - f["edge_flow"][:].sum()) < 1e-6 * f["edge_flow"][:].sum()
PY
  ok "GeoJSON parses back: one feature per node and road, lon/lat order, flows total"
else bad "GeoJSON"; tail -3 "$WORK/py.err"; fi

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

$PY -c "import h5py; h5py.File('$WORK/x.h5', 'w')['price'] = [1.0]"
expect_exit 65 "a file that is not a result" -- /usr/bin/python3 "$PLOT" "$WORK/x.h5" -o "$WORK/x"
expect_err "not a conflux result: no conflux_version attribute" "says why"
expect_exit 66 "a missing file" -- /usr/bin/python3 "$PLOT" "$WORK/nope.h5"
finish
