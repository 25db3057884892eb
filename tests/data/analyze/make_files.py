#!/usr/bin/python3
"""Writes the small result files that tests/cli/analyze.sh checks conflux analyze against,
laid out as conflux writes them (a run; a sweep with a leading member dimension,
member_status and param_* variables), with series whose metrics are known by hand.

usage: make_files.py DIR   ->  DIR/run.h5, DIR/grid.h5, DIR/sobol.h5, DIR/sobol-broken.h5,
                               DIR/not-conflux.h5
"""
import sys

import h5py
import numpy as np

DAYS = 120


def labels(f, name, values):
    f.create_dataset(name, data=np.array(values, dtype=object), dtype=h5py.string_dtype())


def common(f, days, start="2026-01-01"):
    f.attrs["conflux_version"] = "0.1.0"
    f.attrs["scenario_name"] = "synthetic"
    f.attrs["start"] = start
    f.attrs["complete"] = np.int32(1)
    t = f.create_dataset("time", data=np.arange(days, dtype=float))
    t.attrs["units"] = f"days since {start}"
    labels(f, "product_name", ["Dy2O3"])
    labels(f, "node_id", ["Town", "GateA", "GateB"])
    labels(f, "node_kind", ["town", "gate", "gate"])
    labels(f, "group_name", ["KIA", "SAC"])


def run_series(days):
    """The series of tests/test_analyze.c's fixture: baseline 100 USD/kg, a peak of 150 on
    day 39, 130 on days 40-59, then 103; shortfall 2 t/day on days 30-59, 5 on day 45."""
    d = np.arange(days)
    price = np.where(d < 30, 100.0, np.where(d < 40, 100.0 + 5 * (d - 29),
                                              np.where(d < 60, 130.0, 103.0)))
    short = np.where((d >= 30) & (d < 60), 2.0, 0.0)
    short[45] = 5.0
    return price, short


def put(f, lead, days, price, short):
    """The series the metrics read; lead is () for a run, (members,) for a sweep."""
    shape = lead + (days,)
    f["price"] = price.reshape(shape + (1,))
    f["demand"] = np.full(shape + (1,), 10.0)
    f["shortfall"] = short.reshape(shape + (1,))
    thr = np.zeros(shape + (3,))
    thr[..., 1], thr[..., 2] = 1.0, 0.5
    f["node_throughput"] = thr
    rev = np.zeros(shape + (2,))
    rev[..., :30, 0], rev[..., 30:, 0] = 1000.0, 500.0
    f["group_revenue"] = rev
    dbc = np.zeros(shape + (2,))
    dbc[..., 0], dbc[..., 1] = 3.0, 1.0
    f["delivered_by_controller"] = dbc


def sweep(path, x, peak, status, design_attrs=None, sweep_text=None, days=60):
    """Members with parameters x (members x k): price 100 but `peak` on day 50, shortfall
    peak/100 t on day 50; failed members (status != 0) hold NaN, as unfinished ones do."""
    m = len(peak)
    with h5py.File(path, "w") as f:
        common(f, days)
        f["member"] = np.arange(m, dtype=np.int32)
        f["member_seed"] = np.arange(m, dtype=np.int64) + 1000
        f["member_status"] = np.asarray(status, dtype=np.uint8)
        price = np.full((m, days), 100.0)
        price[:, 50] = peak
        short = np.zeros((m, days))
        short[:, 50] = np.asarray(peak) / 100
        price[np.asarray(status) != 0] = np.nan
        put(f, (m,), days, price, short)
        for j in range(x.shape[1]):
            v = f.create_dataset(f"param_p{j + 1}", data=x[:, j])
            v.attrs["sweep_path"] = f"model.p{j + 1}"
        for k, v in (design_attrs or {}).items():
            f.attrs[k] = v
        if sweep_text:
            f.attrs["sweep_text"] = sweep_text


def saltelli(n, k, rng):
    """Blocks A, A_B^1..A_B^k, B of uniform random A and B (analysis/README.md's layout)."""
    a, b = rng.random((n, k)), rng.random((n, k))
    rows = []
    for j in range(n):
        rows.append(a[j])
        for i in range(k):
            ab = a[j].copy()
            ab[i] = b[j, i]
            rows.append(ab)
        rows.append(b[j])
    return np.array(rows)


def main(out):
    with h5py.File(f"{out}/run.h5", "w") as f:
        common(f, DAYS)
        put(f, (), DAYS, *run_series(DAYS))
    # grid 3 x 3, member 4 failed: peak = 100 + 10 p1 exactly, so SRC(p1) = 1, SRC(p2) = 0
    g = np.array([(p1, p2) for p1 in (1.0, 2.0, 3.0) for p2 in (0.0, 0.5, 1.0)])
    status = [0] * 9
    status[4] = 1
    sweep(f"{out}/grid.h5", g, 100 + 10 * g[:, 0], status,
          sweep_text="design: grid\nparameters:\n  - path: model.p1\n    values: [1, 2, 3]\n"
                     "  - path: model.p2\n    values: [0, 0.5, 1]\n")
    # sobol: peak = 100 + 20 p1 + 10 p2, p uniform on [0, 1): first = total = 0.8 and 0.2
    rng = np.random.default_rng(7)
    x = saltelli(512, 2, rng)
    sweep(f"{out}/sobol.h5", x, 100 + 20 * x[:, 0] + 10 * x[:, 1], [0] * len(x),
          design_attrs={"design": "sobol", "samples": np.int32(512), "replicates": np.int32(1)})
    # the same members shuffled: tagged sobol, but not Saltelli's layout
    xb = x[rng.permutation(len(x))]
    sweep(f"{out}/sobol-broken.h5", xb, 100 + 20 * xb[:, 0] + 10 * xb[:, 1], [0] * len(xb),
          design_attrs={"design": "sobol", "samples": np.int32(512), "replicates": np.int32(1)})
    with h5py.File(f"{out}/not-conflux.h5", "w") as f:
        f["price"] = np.zeros((3, 1))


if __name__ == "__main__":
    main(sys.argv[1])
