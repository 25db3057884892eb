"""Checks a conflux result file against DESIGN §4 with xarray (h5netcdf engine), as a user
loading it would. Usage: check_output.py FILE.h5 [line]: with 'line', also the exact flows of
scenarios/examples/line.yaml."""
import sys

import numpy as np
import xarray as xr

EXPECTED = {  # variable: (dims, units)
    "price": (("time", "product"), "kg-1"),  # USD per kg: the currency in its own attribute
    "demand": (("time", "product"), "t/day"),
    "supply": (("time", "product"), "t/day"),
    "delivered": (("time", "product"), "t/day"),
    "shortfall": (("time", "product"), "t/day"),
    "inventory": (("time", "product"), "t"),
    "node_status": (("time", "node"), None),
    "node_controller": (("time", "node"), None),
    "node_stock": (("time", "node"), "t"),
    "queued": (("time", "node"), "t"),
    "node_throughput": (("time", "node"), "t/day"),
    "edge_flow": (("time", "edge"), "t/day"),
    "in_transit": (("time",), "t"),
    "produced": (("time",), "t"),
    "arrived": (("time",), "t"),
    "seized": (("time",), "t"),
    "lost": (("time",), "t"),
    "group_revenue": (("time", "group"), "day-1"),  # USD per day
    "delivered_by_origin": (("time", "node"), "t/day"),
    "delivered_at": (("time", "node"), "t/day"),
    "delivered_by_controller": (("time", "group"), "t/day"),
    "event_time": (("event",), None),
    "event_kind": (("event",), None),
    "event_node": (("event",), None),
    "event_edge": (("event",), None),
    "event_days": (("event",), None),
    "event_group": (("event",), None),
    "node_name": (("node",), None),
    "node_kind": (("node",), None),
    "lat": (("node",), "degrees_north"),
    "lon": (("node",), "degrees_east"),
    "edge_from": (("edge",), None),
    "edge_to": (("edge",), None),
    "edge_km": (("edge",), "km"),
    "product_name": (("product",), None),
    "group_name": (("group",), None),
}

def main():
    path = sys.argv[1]
    ds = xr.open_dataset(path, engine="h5netcdf")
    raw = xr.open_dataset(path, engine="h5netcdf", decode_times=False, decode_timedelta=False)
    errors = []
    for name, (dims, units) in EXPECTED.items():
        if name not in ds.variables:
            errors.append(f"missing variable {name}")
            continue
        if ds[name].dims != dims:
            errors.append(f"{name}: dims {ds[name].dims}, expected {dims}")
        got = raw[name].attrs.get("units")
        if units is not None and got != units:
            errors.append(f"{name}: units {got!r}, expected {units!r}")
        if "long_name" not in raw[name].attrs:
            errors.append(f"{name}: no long_name")
    for attr in ("conflux_version", "git_commit", "scenario_name", "seed", "threads",
                 "command_line", "created", "complete", "scenario_text", "table_nodes_text",
                 "table_edges_text", "table_mines_text"):
        if attr not in ds.attrs:
            errors.append(f"missing root attribute {attr}")
    if ds.attrs.get("Conventions") != "CF-1.8 UGRID-1.0":
        errors.append("Conventions is not \"CF-1.8 UGRID-1.0\"")
    if set(ds.product_name.values) < {"Dy2O3", "Tb4O7"}:
        errors.append(f"products {list(ds.product_name.values)} lack Dy2O3/Tb4O7")
    flags = raw.node_status.attrs.get("flag_meanings", "")
    if flags.split() != ["open", "contested", "cut", "destroyed", "closed"]:
        errors.append(f"node_status flag_meanings {flags!r}")
    if len(sys.argv) > 2 and sys.argv[2] == "line":
        arrived = np.diff(np.concatenate([[0.0], ds.arrived.values]))
        want = [0, 10, 10, 10, 10, 0, 0, 0, 10, 40] + [10] * 10
        if not np.allclose(arrived, want, atol=5e-4):
            errors.append(f"daily arrivals {arrived.tolist()}, expected {want}")
        if str(ds.time.values[0])[:10] != "2025-01-01" or ds.sizes["time"] != 20:
            errors.append(f"time axis {ds.time.values[:2]} ... ({ds.sizes['time']} days)")
        gate = list(ds.node_id.values).index("G")
        closed = ds.node_status.values[:, gate]
        if closed.tolist() != [0] * 5 + [4] * 3 + [0] * 12:
            errors.append(f"gate status {closed.tolist()}")
        # conservation in the file, in tonnes
        total = (ds.arrived + ds.in_transit + ds.node_stock.sum("node") + ds.seized + ds.lost)
        if not np.allclose(total.values, ds.produced.values, atol=1e-6):
            errors.append("produced != arrived + in_transit + stock + seized + lost")
    for e in errors:
        print("error:", e)
    print(f"{path}: {len(EXPECTED)} variables checked, {len(errors)} errors")
    return 1 if errors else 0

if __name__ == "__main__":
    sys.exit(main())
