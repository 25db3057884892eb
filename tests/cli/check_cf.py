"""Checks a conflux result (or sweep) file against the CF conventions it claims: every
`units` parses with udunits2, time has standard_name, bounds and time_bnds, lat and lon
their standard names, every daily series a cell_methods, every coded variable its
flag_values and flag_meanings (as many of each), the root history, source and references;
and the network as a UGRID-1.0 1D mesh: `mesh` (cf_role mesh_topology) with its node
coordinates and an (edge, 2) edge_nodes of valid node indices equal to edge_from and edge_to,
and every other variable on node or edge on it (mesh, location).
Usage: check_cf.py FILE.h5 [UDUNITS2]; prints one line per problem, exits 1 if any."""
import subprocess
import sys

import h5py

path = sys.argv[1]
udunits = sys.argv[2] if len(sys.argv) > 2 else "udunits2"
bad = []
f = h5py.File(path, "r")


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


units = {}
for name, ds in f.items():
    if isinstance(ds, h5py.Dataset) and "units" in ds.attrs:
        units.setdefault(text(ds.attrs["units"]), []).append(name)
for u, names in sorted(units.items()):
    r = subprocess.run([udunits, "-H", u, "-W", ""], capture_output=True, text=True)
    if r.returncode != 0 or "Don't recognize" in r.stdout + r.stderr:
        bad.append("udunits2 does not parse %r (%s)" % (u, ", ".join(names)))
t = f["time"].attrs
if text(t.get("standard_name", "")) != "time" or text(t.get("bounds", "")) != "time_bnds":
    bad.append("time lacks standard_name 'time' or bounds 'time_bnds'")
if "time_bnds" not in f or f["time_bnds"].shape[-1] != 2:
    bad.append("no time_bnds (time, 2)")
else:
    b = f["time_bnds"][...].reshape(-1, 2)[: f["time"].shape[0]]
    if not ((b[:, 0] == f["time"][:]).all() and (b[:, 1] == f["time"][:] + 1).all()):
        bad.append("time_bnds is not [day, day + 1]")
for name, std in (("lat", "latitude"), ("lon", "longitude")):
    if text(f[name].attrs.get("standard_name", "")) != std:
        bad.append("%s lacks standard_name %s" % (name, std))
for name, ds in f.items():
    if not isinstance(ds, h5py.Dataset):
        continue
    if "flag_values" in ds.attrs or "flag_meanings" in ds.attrs:
        n = len(ds.attrs.get("flag_values", []))
        m = len(text(ds.attrs.get("flag_meanings", "")).split())
        if n != m:
            bad.append("%s: %d flag_values, %d flag_meanings" % (name, n, m))
for name in ("node_status", "node_controller", "event_kind", "event_group"):
    if name in f and "flag_values" not in f[name].attrs:
        bad.append("%s has no flag_values" % name)
for name in ("price", "demand", "supply", "delivered", "shortfall", "inventory", "node_status",
             "node_controller", "node_stock", "queued", "node_throughput", "edge_flow",
             "in_transit", "produced", "arrived", "seized", "lost", "group_revenue",
             "delivered_by_origin", "delivered_at", "delivered_by_controller"):
    if name in f and text(f[name].attrs.get("cell_methods", "")) not in ("time: mean",
                                                                        "time: point"):
        bad.append("%s has no cell_methods" % name)
for name in ("price", "group_revenue"):
    if name in f and text(f[name].attrs.get("currency", "")) != "USD":
        bad.append("%s does not name its currency" % name)


def dims(ds):
    """The dimension names of ds, by the dimension scale attached to each axis."""
    out = []
    for axis in ds.dims:
        scales = list(axis.values())
        out.append(scales[0].name.lstrip("/") if scales else "")
    return out


mesh = f.get("mesh")
if mesh is None:
    bad.append("no mesh variable (UGRID mesh_topology)")
else:
    m = {k: text(v) if isinstance(v, (bytes, str)) else v for k, v in mesh.attrs.items()}
    n_node, n_edge = f["node"].shape[0], f["edge"].shape[0]
    if m.get("cf_role") != "mesh_topology" or int(m.get("topology_dimension", 0)) != 1:
        bad.append("mesh: cf_role %r, topology_dimension %r" % (m.get("cf_role"),
                                                              m.get("topology_dimension")))
    if (m.get("node_dimension"), m.get("edge_dimension")) != ("node", "edge"):
        bad.append("mesh: node_dimension, edge_dimension are not node, edge")
    coords = str(m.get("node_coordinates", "")).split()
    if len(coords) != 2 or any(c not in f or f[c].shape != (n_node,) for c in coords):
        bad.append("mesh: node_coordinates %r are not two variables on node" % coords)
    elif [text(f[c].attrs.get("standard_name", "")) for c in coords] != ["longitude", "latitude"]:
        bad.append("mesh: node_coordinates are not longitude, latitude (x, y)")
    conn = str(m.get("edge_node_connectivity", ""))
    c = f.get(conn)
    if c is None or c.shape != (n_edge, 2) or c.dtype.kind != "i":
        bad.append("mesh: edge_node_connectivity %r is not an integer (edge, 2)" % conn)
    else:
        start = int(c.attrs.get("start_index", 0))
        v = c[...] - start
        if text(c.attrs.get("cf_role", "")) != "edge_node_connectivity":
            bad.append("%s: cf_role is not edge_node_connectivity" % conn)
        if dims(c)[0] != "edge":
            bad.append("%s: first dimension %r, not edge" % (conn, dims(c)[0]))
        if v.size and (v.min() < 0 or v.max() >= n_node):
            bad.append("%s: node indices outside 0 .. %d" % (conn, n_node - 1))
        if "edge_from" in f and not ((v[:, 0] == f["edge_from"][:]).all() and
                                     (v[:, 1] == f["edge_to"][:]).all()):
            bad.append("%s: not edge_from, edge_to" % conn)
    exempt = {"node", "edge", conn, *coords}
    for name, ds in f.items():
        if not isinstance(ds, h5py.Dataset) or name in exempt:
            continue
        where = [d for d in dims(ds) if d in ("node", "edge")]
        if where and (text(ds.attrs.get("mesh", "")), text(ds.attrs.get("location", ""))) != \
                ("mesh", where[-1]):
            bad.append("%s: on %s but not mesh = mesh, location = %s" % (name, where[-1],
                                                                         where[-1]))
for key in ("Conventions", "history", "source", "references"):
    if key not in f.attrs:
        bad.append("no root attribute %s" % key)
for line in bad:
    print(line)
sys.exit(1 if bad else 0)
