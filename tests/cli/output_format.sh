# The result file opens with ncdump and xarray (h5netcdf) with every DESIGN §4 variable,
# its dimensions and units; a run of the line network gives the hand-computed flows.
. "$(dirname "$0")/testlib.bash"
expect_exit 0 "run the line network" -- "$CONFLUX" run "$SRC/scenarios/examples/line.yaml" -o "$WORK/line.h5" --quiet
if ncdump -h "$WORK/line.h5" >"$WORK/cdl" 2>&1; then ok "ncdump -h opens the file"; else bad "ncdump -h failed: $(head -3 "$WORK/cdl")"; fi
for v in "time = UNLIMITED" "node = 4" "edge = 3" "product = 2" "group = 2" "event = UNLIMITED" \
         'price:units = "kg-1"' 'price:currency = "USD"' 'time:units = "days since 2025-01-01"' ':Conventions = "CF-1.8 UGRID-1.0"' \
         ':complete = 1' 'mesh:cf_role = "mesh_topology"' 'int edge_nodes(edge, nv)' \
         'edge_flow:location = "edge"'; do
  grep -qF -- "$v" "$WORK/cdl" && ok "ncdump shows $v" || bad "ncdump lacks $v"
done
# xarray selects by label on every labelled dimension, with no warning at all
if $PY -W error - "$WORK/line.h5" >"$WORK/py" 2>&1 <<'PY'
import sys, xarray as xr
ds = xr.open_dataset(sys.argv[1], engine="h5netcdf")
assert list(ds["product"].values) == ["Dy2O3", "Tb4O7"], ds["product"].values
assert list(ds["node"].values) == list(ds["node_id"].values)
assert ds.price.sel(product="Dy2O3").dims == ("time",)
assert float(ds.node_throughput.sel(node="A").sum()) > 0
assert ds.edge_flow.sel(edge="A-B").dims == ("time",)
assert ds.group_revenue.sel(group="A-group").dims == ("time",)
# UGRID: the roads as a 1D mesh, edge_nodes (edge, nv) the ends of each road
assert ds.mesh.attrs["cf_role"] == "mesh_topology" and ds.edge_nodes.dims == ("edge", "nv")
assert ds.edge_nodes.values.tolist() == [[0, 1], [1, 2], [2, 3]], ds.edge_nodes.values
PY
then ok "xarray -W error: product, node, edge and group select by label"; else bad "xarray labels"; sed 's/^/  | /' "$WORK/py"; fi
# CF: udunits2 parses every unit; time bounds, standard names, cell methods, flags, currency;
# UGRID: the mesh, its connectivity, and mesh and location on every variable on node or edge
if command -v udunits2 >/dev/null; then
  if $PY "$SRC/tests/cli/check_cf.py" "$WORK/line.h5" >"$WORK/cf" 2>&1; then
    ok "CF: udunits2 parses every unit; bounds, standard names, cell methods, flags; UGRID mesh"
  else bad "CF check"; sed 's/^/  | /' "$WORK/cf"; fi
else bad "udunits2 is not installed (scripts/install-deps.sh test installs udunits-bin)"; fi
if $PY "$SRC/tests/cli/check_output.py" "$WORK/line.h5" line >"$WORK/py" 2>&1; then
  ok "xarray/h5netcdf: variables, dims, units, flows"; else bad "xarray check"; sed 's/^/  | /' "$WORK/py"; fi
# analysis/README.md's recipe for tools that read only netCDF-3: the series without the
# events, labels as character arrays; the copy still selects by label
if $PY -W error - "$WORK/line.h5" "$WORK/line3.nc" >"$WORK/py" 2>&1 <<'PY'
import sys
import xarray as xr
ds = xr.open_dataset(sys.argv[1], engine="h5netcdf").drop_dims("event")
ds.encoding.pop("unlimited_dims", None)
for v in ds.variables.values():
    if v.dtype == object:
        v.encoding["dtype"] = "S1"
ds.to_netcdf(sys.argv[2], format="NETCDF3_64BIT", engine="scipy")
c = xr.open_dataset(sys.argv[2], engine="scipy")
assert (c.price.sel(product="Dy2O3").values == ds.price.sel(product="Dy2O3").values).all()
assert list(c.node.values) == list(ds.node.values)
PY
then ok "the netCDF-3 copy recipe: labels as characters, selects by label"; else bad "netCDF-3 copy"; sed 's/^/  | /' "$WORK/py"; fi
[ "$(ncdump -k "$WORK/line3.nc" 2>/dev/null)" = "64-bit offset" ] && ok "ncdump reads the copy as netCDF-3 (64-bit offset)" || bad "the copy is not netCDF-3"
# A network of 5,000 nodes: its string variables (node ids, names and kinds, road labels: at
# least 4,096 values) are laid out in chunks (sim/run/output.c, STRING_CHUNK_MIN) and read
# back as the scenario's tables give them, by h5py, xarray and ncdump alike
expect_exit 0 "gen a 5,000-node grid" -- "$CONFLUX" gen --topology grid --nodes 5000 --mines 2 --sinks 2 \
  --shipments 100 --days 1 --seed 5 -o "$WORK/big"
expect_exit 0 "run it" -- "$CONFLUX" run "$WORK/big/scenario.yaml" -o "$WORK/big.h5" --quiet
if $PY -W error - "$WORK/big.h5" "$WORK/big" >"$WORK/py" 2>&1 <<'PY'
import csv, sys
import h5py, xarray as xr
f = h5py.File(sys.argv[1], "r")
with open(sys.argv[2] + "/nodes.csv") as n, open(sys.argv[2] + "/edges.csv") as e:
    nodes, edges = list(csv.DictReader(n)), list(csv.DictReader(e))
assert len(nodes) == 5000 and len(edges) >= 4096, (len(nodes), len(edges))
def text(name):
    return [x.decode() for x in f[name][:]]
assert text("node") == [r["id"] for r in nodes]
assert text("node_id") == [r["id"] for r in nodes]
assert text("node_name") == [r["name"] for r in nodes]
assert text("node_kind") == [r["kind"] for r in nodes]
assert text("edge") == [r["from"] + "-" + r["to"] for r in edges]
for name in ("node", "node_id", "node_name", "node_kind", "edge"):
    assert f[name].chunks is not None and f[name].compression is None, (name, f[name].chunks)
assert f["product"].chunks is None  # a few values: contiguous, as before
f.close()
with xr.open_dataset(sys.argv[1], engine="h5netcdf") as ds:
    assert list(ds.node.values[:3]) == [r["id"] for r in nodes[:3]]
    assert ds.edge_flow.sel(edge=edges[-1]["from"] + "-" + edges[-1]["to"]).dims == ("time",)
PY
then ok "5,000 nodes: chunked string variables read back as the tables give them"; else bad "large string variables"; sed 's/^/  | /' "$WORK/py"; fi
if ncdump -v node_kind "$WORK/big.h5" >"$WORK/cdl" 2>&1 && grep -q '"town"' "$WORK/cdl"; then
  ok "ncdump reads the chunked strings"; else bad "ncdump on the chunked strings: $(head -3 "$WORK/cdl")"; fi
finish
