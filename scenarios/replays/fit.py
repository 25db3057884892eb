#!/usr/bin/python3
"""Fit the market to the 2019 Tengchong ban and check the 2021 border closure.

Usage (from the repository root, after building conflux):

    /usr/bin/python3 scenarios/replays/fit.py [--conflux build/conflux] [--check]

1. 2019-tengchong-ban.yaml: for each product, cover_price_exponent x is fitted so that the
   simulated peak price rise matches the observed January-to-June rise, +70 % for Dy2O3 and
   +45 % for Tb4O7 [SMM-Dec19]. The products' markets are independent, so one run with
   both exponents set gives both responses. Method: a grid x = 0.10, 0.15, ..., 3.00 (every
   run via `conflux run --set market.products.P.cover_price_exponent=x`), then bisection on
   the bracketing grid interval (the peak rises monotonically with x) to |dx| < 1e-4; the
   loss is the squared log-ratio (ln(1 + sim) - ln(1 + obs))^2, which the bisection drives
   to zero when the observed value is inside the grid's range.
2. With the fitted exponents: the simulated price on 30 June and 25 October 2019 against
   the observed ones [SMM-Dec19][SMM-Oct19], and the peak with only the two Tengchong gates
   closed (a sensitivity run).
3. 2021-border-closure.yaml: the monthly tonnage through all gates (node_throughput summed
   over gate nodes) in July and August 2021 against June and July, as the import statistics
   [RTR21] report it; and the same with every gate shut (a sensitivity run).

It prints the tables of scenarios/README.md, "Historical replays". --check also fails
(exit 1) unless the exponents written in the two replay files are the fitted ones (to
0.01): the calibration must be redone when the model changes; and unless the 2021
replay's falls in July and August are within a factor of 2 of the observed ones.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPLAY_2019 = os.path.join(HERE, "2019-tengchong-ban.yaml")
REPLAY_2021 = os.path.join(HERE, "2021-border-closure.yaml")
PRODUCTS = ("Dy2O3", "Tb4O7")
# Observed price rises, January 2019 low to June 2019 peak, CNY [SMM-Dec19].
OBS_PEAK = {"Dy2O3": 0.70, "Tb4O7": 0.45}
# January 2019 low (back-calculated from the June peaks, [EST]) and 25 Oct 2019 (midpoints of
# 1,600-1,630 and 3,600-3,630 CNY/kg) [SMM-Dec19][SMM-Oct19].
OBS_JAN = {"Dy2O3": 1175.0, "Tb4O7": 2900.0}
OBS_OCT = {"Dy2O3": 1615.0, "Tb4O7": 3615.0}
# In USD across the closure [INVI19].
OBS_USD = {"Dy2O3": 293 / 221 - 1, "Tb4O7": 586 / 467 - 1}
# Myanmar -> China flow [RTR21]: July 2021 = June - 79 %; August = July - 91.8 % (compounds).
OBS_JUL_JUN = -0.79
OBS_AUG_JUL = -0.918


def run(conflux, scenario, sets, out):
    cmd = [conflux, "run", scenario, "-o", out, "--force", "--quiet", "--json"]
    for k, v in sets.items():
        cmd += ["--set", f"{k}={v}"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"fit.py: {' '.join(cmd)} failed ({res.returncode}):\n{res.stderr}")
    return json.loads(res.stdout)


def exponent_sets(x):
    return {f"market.products.{p}.cover_price_exponent": x[p] for p in PRODUCTS}


def peaks(conflux, x, tmp, sets=None):
    j = run(conflux, REPLAY_2019, {**exponent_sets(x), **(sets or {})}, os.path.join(tmp, "r.h5"))
    return {p: j["products"][p]["peak_change_pct"] / 100 for p in PRODUCTS}


def loss(sim, obs):
    return (math.log1p(sim) - math.log1p(obs)) ** 2


def fit_2019(conflux, tmp):
    grid = [round(0.10 + 0.05 * i, 2) for i in range(59)]
    table = []
    for x in grid:
        pk = peaks(conflux, {p: x for p in PRODUCTS}, tmp)
        table.append((x, pk))
    best = {}
    for p in PRODUCTS:
        obs = OBS_PEAK[p]
        i = min(range(len(grid)), key=lambda k: loss(table[k][1][p], obs))
        lo = hi = None
        for k in range(len(grid) - 1):
            if table[k][1][p] <= obs <= table[k + 1][1][p]:
                lo, hi = grid[k], grid[k + 1]
        if lo is None:  # outside the grid's range: keep the grid's best
            best[p] = grid[i]
            continue
        while hi - lo > 1e-4:
            mid = 0.5 * (lo + hi)
            x = {q: mid for q in PRODUCTS}
            if peaks(conflux, x, tmp)[p] < obs:
                lo = mid
            else:
                hi = mid
        best[p] = round(0.5 * (lo + hi), 4)
    return grid, table, best


def price_ratios(path):
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["product_name"][:]]
        price = f["price"][:]
    base = price[:30].mean(axis=0)
    return {p: price[:, names.index(p)] / base[names.index(p)] for p in PRODUCTS}


def gate_months(path, start_year, start_month, months):
    """Tonnes through all gates in each calendar month, from the start month on."""
    with h5py.File(path, "r") as f:
        kinds = [k.decode() if isinstance(k, bytes) else str(k) for k in f["node_kind"][:]]
        thr = f["node_throughput"][:]
    gates = [i for i, k in enumerate(kinds) if k == "gate"]
    daily = thr[:, gates].sum(axis=1)
    import datetime as dt

    day0 = dt.date(start_year, start_month, 1)
    out = []
    y, m = start_year, start_month
    for _ in range(months):
        a = (dt.date(y, m, 1) - day0).days
        y2, m2 = (y + (m == 12), m % 12 + 1)
        b = (dt.date(y2, m2, 1) - day0).days
        out.append(((y, m), float(daily[a:b].sum())))
        y, m = y2, m2
    return out


def written_exponents(path):
    text = open(path).read()
    got = {}
    for p in PRODUCTS:
        sec = text[text.index(f"    {p}:"):]
        got[p] = float(re.search(r"cover_price_exponent:\s*([0-9.]+)", sec).group(1))
    return got


def pct(v):
    return f"{100 * v:+.1f} %"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--conflux", default=os.path.join(HERE, "..", "..", "build", "conflux"))
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    outside = []
    with tempfile.TemporaryDirectory() as tmp:
        grid, table, x = fit_2019(a.conflux, tmp)
        print("## 2019 fit: peak price rise against cover_price_exponent (same x for both)")
        print("| x | Dy2O3 peak | Tb4O7 peak |\n|---|---|---|")
        for g, pk in table[::4]:
            print(f"| {g:.2f} | {pct(pk['Dy2O3'])} | {pct(pk['Tb4O7'])} |")
        print(f"\nfitted: Dy2O3 x = {x['Dy2O3']}, Tb4O7 x = {x['Tb4O7']}\n")

        h5 = os.path.join(tmp, "2019.h5")
        j = run(a.conflux, REPLAY_2019, exponent_sets(x), h5)
        r = price_ratios(h5)
        only = peaks(a.conflux, x, tmp, {"events": "kachin-2019-21/events-2019-tengchong-only.csv"})
        print("## 2019-tengchong-ban (fitted)")
        print("| quantity | product | observed | simulated |\n|---|---|---|---|")
        for p in PRODUCTS:
            pj = j["products"][p]
            print(f"| peak rise, Jan to peak | {p} | {pct(OBS_PEAK[p])} (June) [SMM-Dec19] | "
                  f"{pct(pj['peak_change_pct'] / 100)} (day {pj['peak_day']}) |")
        for p in PRODUCTS:
            print(f"| rise by 30 Jun 2019 (day 180) | {p} | {pct(OBS_PEAK[p])} [SMM-Dec19] | "
                  f"{pct(r[p][180] - 1)} |")
        for p in PRODUCTS:
            print(f"| rise by 25 Oct 2019 (day 297) | {p} | {pct(OBS_OCT[p] / OBS_JAN[p] - 1)} "
                  f"[SMM-Oct19] | {pct(r[p][297] - 1)} |")
        for p in PRODUCTS:
            print(f"| peak, only the 2 Tengchong gates closed | {p} | {pct(OBS_PEAK[p])} | "
                  f"{pct(only[p])} |")

        print("\n## 2021-border-closure (2019 fit)")
        print("| quantity | observed [RTR21] | simulated | every gate shut (sensitivity) |")
        print("|---|---|---|---|")
        h5 = os.path.join(tmp, "2021.h5")
        run(a.conflux, REPLAY_2021, exponent_sets(x), h5)
        h5all = os.path.join(tmp, "2021-all.h5")
        run(a.conflux, REPLAY_2021,
            {**exponent_sets(x), "events": "kachin-2019-21/events-2021-all-gates.csv"}, h5all)
        mon = dict(gate_months(h5, 2021, 5, 9))
        mon_all = dict(gate_months(h5all, 2021, 5, 9))
        for label, obs, (a_, b_) in (
            ("July against June", OBS_JUL_JUN, ((2021, 7), (2021, 6))),
            ("August against July", OBS_AUG_JUL, ((2021, 8), (2021, 7))),
        ):
            sim = mon[a_] / mon[b_] - 1
            print(f"| flow through the gates, {label} | {pct(obs)} | "
                  f"{pct(sim)} | {pct(mon_all[a_] / mon_all[b_] - 1)} |")
            # the fall within a factor of 2 of the observed one (issue 14's band)
            if not (-obs / 2 <= -sim <= -2 * obs):
                outside.append(f"2021 {label}: simulated {pct(sim)}, observed {pct(obs)}")
        print("\nmonthly tonnes through the gates (simulated; every gate shut):")
        for k in mon:
            print(f"  {k[0]}-{k[1]:02d}  {mon[k]:9.0f}  {mon_all[k]:9.0f}")

    if a.check:
        bad = 0
        for line in outside:
            print(f"fit.py: outside a factor of 2 of the record: {line}", file=sys.stderr)
            bad = 1
        for path in (REPLAY_2019, REPLAY_2021):
            w = written_exponents(path)
            for p in PRODUCTS:
                if abs(w[p] - x[p]) > 0.01:
                    print(f"fit.py: {os.path.basename(path)}: {p} cover_price_exponent is "
                          f"{w[p]}, the fit gives {x[p]}", file=sys.stderr)
                    bad = 1
        return bad
    return 0


if __name__ == "__main__":
    sys.exit(main())
