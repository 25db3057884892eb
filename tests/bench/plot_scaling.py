#!/usr/bin/python3
"""Draws make bench's scaling series (tests/bench/scaling.sh) and prints it as a table.

    /usr/bin/python3 tests/bench/plot_scaling.py SCALING_JSONL [-o PNG]

Two log-log panels: wall time and ns per hop event against shipments (at the fixed node
count) and against nodes (at the fixed shipment count). Dashed: what the gather ceiling
predicts, a run that did nothing but G random 4-byte gathers per hop event at the rate
conflux-gather measured for the point's working set; each point is labelled with the
achieved fraction of that ceiling. Dotted: the network's fixed cost (the same network with
1,000 shipments). The table's "ns/hop above footprint" is (wall - that cost) / hops, shown
where the hops make at least a quarter of the wall time. The figure goes to PNG (default:
tests/bench/scaling.png, the README's), a Markdown table to stdout. Needs matplotlib (Agg)
only for the figure.
"""
import argparse
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    if not rows:
        sys.exit(f"plot_scaling: no points in {path}")
    return rows


def ceiling_ns(r):
    """ns per hop event of a run bound by its gathers, or None without a ceiling"""
    if not r.get("gathers_per_second"):
        return None
    return 1e9 * r["gathers_per_hop"] / r["gathers_per_second"]


def mib(b):
    return "-" if b is None else f"{b / 2**20:,.0f}"


def table(rows):
    out = ["| shipments | nodes | roads | hop events | wall s (median) | hops/s | ns/hop"
           " | ns/hop above footprint | peak RSS MiB | B/shipment | gather ceiling (array MiB)"
           " | fraction |",
           "|" + "---|" * 12]
    for r in rows:
        gps = r.get("gathers_per_second")
        ceil = f"{gps / 1e6:,.0f} M/s ({mib(r['gather_bytes'])})" if gps else "-"
        bps, frac = r.get("bytes_per_shipment"), r.get("ceiling_fraction")
        # ns per hop above the footprint, where the hops' part is not lost in the fixed cost's
        # noise (at least a quarter of the wall time)
        marg = r.get("marginal_ns_per_hop")
        if marg is not None and (r["wall_seconds_median"] - r["footprint_wall_seconds"]
                                 < 0.25 * r["wall_seconds_median"]):
            marg = None
        out.append(
            f"| {r['shipments']:,} | {r['nodes']:,} | {r['roads']:,} | {r['hop_events']:,}"
            f" | {r['wall_seconds_median']:.3f} | {r['hops_per_second'] / 1e6:.1f} M"
            f" | {r['ns_per_hop']:.1f} | {'-' if marg is None else f'{marg:.1f}'}"
            f" | {mib(r['peak_rss_bytes'])} | {'-' if bps is None else f'{bps:.1f}'} | {ceil}"
            f" | {'-' if frac is None else f'{frac:.2g}'} |")
    return "\n".join(out)


def stack(ax, values, upper):
    """y limits (log) that put values in the upper or the lower 55 % of the axes"""
    lo, hi = math.log10(min(values)), math.log10(max(values))
    span = max(hi - lo, 0.5)
    pad, rest = 0.12 * span, 0.8 * span
    ax.set_ylim(10 ** (lo - pad - (rest if upper else 0)),
                10 ** (hi + pad + (0 if upper else rest)))


def panel(ax, rows, xkey, xlabel, title):
    import matplotlib.ticker as mt
    rows = sorted(rows, key=lambda r: r[xkey])
    x = [r[xkey] for r in rows]
    wall = [r["wall_seconds_median"] for r in rows]
    ns = [r["ns_per_hop"] for r in rows]
    ax.plot(x, wall, "o-", color="C0", label="wall time (median of runs)")
    fp = [r for r in rows if r.get("footprint_wall_seconds")]
    if fp:
        ax.plot([r[xkey] for r in fp], [r["footprint_wall_seconds"] for r in fp], ":",
                color="0.4", label=f"wall time with {fp[0]['footprint_shipments']:,}"
                " shipments (the network's fixed cost)")
    ax2 = ax.twinx()
    ax2.plot(x, ns, "s-", color="C1", label="ns per hop event")
    have = [r for r in rows if ceiling_ns(r)]
    if have:
        xc = [r[xkey] for r in have]
        ax.plot(xc, [r["hop_events"] * ceiling_ns(r) / 1e9 for r in have], "--", color="C0",
                label="wall time at the gather ceiling")
        ax2.plot(xc, [ceiling_ns(r) for r in have], "--", color="C1",
                 label="ns per hop at the gather ceiling")
        for r in have:
            ax2.annotate(f"{r['ceiling_fraction']:.2g}", (r[xkey], r["ns_per_hop"]),
                         textcoords="offset points", xytext=(0, 7), ha="center",
                         fontsize=8, color="C1")
    for a in (ax, ax2):
        a.set_xscale("log")
        a.set_yscale("log")
        a.margins(x=0.08)
    # wall time in the upper part of the panel, ns per hop in the lower, so that the two
    # scales' curves do not cross
    stack(ax, [v for line in ax.get_lines() for v in line.get_ydata()], upper=True)
    stack(ax2, [v for line in ax2.get_lines() for v in line.get_ydata()], upper=False)
    ax.xaxis.set_major_locator(mt.LogLocator(base=10))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("wall time of the whole run (s)", color="C0")
    ax2.set_ylabel("ns per hop event (whole run)", color="C1")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    return h1 + h2, l1 + l2


def figure(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    by_s = [r for r in rows if "shipments" in r["series"]]
    by_n = [r for r in rows if "nodes" in r["series"]]
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.2))
    legend = None
    for ax, part, xkey, xlabel, fixed in (
            (axes[0], by_s, "shipments", "shipments (truckloads in flight from day 0)", "nodes"),
            (axes[1], by_n, "nodes", "nodes (random geometric network, ~3 roads a node)",
             "shipments")):
        if part:
            legend = panel(ax, part, xkey, xlabel, f"{part[0][fixed]:,} {fixed}, 30 days, "
                           f"{part[0]['threads']} threads")
        else:
            ax.set_axis_off()
    g = rows[0]["gathers_per_hop"]
    fig.suptitle(f"How cost grows: measured (solid) against G = {g} random 4-byte gathers per"
                 " hop event at the measured rate (dashed); labels: achieved fraction",
                 fontsize=10)
    fig.legend(*legend, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("jsonl")
    ap.add_argument("-o", "--output", default=os.path.join(HERE, "scaling.png"))
    args = ap.parse_args()
    rows = load(args.jsonl)
    print(table(rows))
    figure(rows, args.output)
    print(f"figure: {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
