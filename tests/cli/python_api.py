"""The Python API (analysis/python/conflux) against the `conflux` command. Run by python_api.sh
with PYTHONPATH=analysis/python and CONFLUX_LIB set; prints `ok: ...` and `FAIL: ...` lines.
Usage: python_api.py SRC WORK CLI_RESULT.h5 SEED  (CLI_RESULT: `conflux run kachin-2025
--seed SEED`)"""
import os
import sys
import tempfile
import warnings

import numpy as np

import conflux

SRC, WORK, CLI_FILE, SEED = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
KACHIN = os.path.join(SRC, "scenarios", "kachin-2025.yaml")
failed = 0


def check(cond, what):
    global failed
    if cond:
        print("ok: " + what)
    else:
        failed += 1
        print("FAIL: " + what)


def raises(exc, what, f, *a, **kw):
    """Calls f; returns the exception of type exc it raised, or None (reported)."""
    try:
        f(*a, **kw)
    except exc as e:
        print("ok: %s (%s: %s)" % (what, type(e).__name__, str(e).splitlines()[0]))
        return e
    except Exception as e:  # the wrong exception
        check(False, "%s: %s: %s" % (what, type(e).__name__, e))
        return None
    check(False, what + ": nothing raised")
    return None


check(conflux.version().count(".") == 2, "version() is MAJOR.MINOR.PATCH: " + conflux.version())

# the same run as the CLI's, variable by variable
ds = conflux.run(KACHIN, seed=SEED)
cli = conflux.open(CLI_FILE)
for v in ("price", "node_status", "edge_flow", "shortfall", "event_kind"):
    check(np.array_equal(ds[v].values, cli[v].values), "run(seed=%d).%s == the CLI's" % (SEED, v))
check(list(ds["product"].values) == list(cli["product"].values), "string coordinates alike")
check(float(ds.price.sel(product="Dy2O3")[0]) > 0, "sel(product='Dy2O3') by label")
cli.close()
check(ds.attrs["overrides"].strip() == "seed=%d" % SEED, "the overrides attribute: seed")
left = [n for n in os.listdir(tempfile.gettempdir()) if n.startswith("conflux-")]
check(not left, "output=None leaves no file behind (TMPDIR: %s)" % left)

# set= changes a value, and the file says so
key = "market.products.Dy2O3.demand_t_per_day"
hi = conflux.run(KACHIN, seed=SEED, set={key: 9.5})
check("%s=9.5" % key in hi.attrs["overrides"], "set= is in the overrides attribute")
check(float(hi.demand.sel(product="Dy2O3")[0]) != float(ds.demand.sel(product="Dy2O3")[0]),
      "set= changes Dy2O3 demand")
check(np.array_equal(hi.demand.sel(product="Tb4O7").values,
                     ds.demand.sel(product="Tb4O7").values), "and not Tb4O7's")
# seed= and days=
other = conflux.run(KACHIN, seed=SEED + 1)
check(not np.array_equal(other.price.values, ds.price.values), "another seed, other prices")
short = conflux.run(KACHIN, seed=SEED, days=30)
check(short.sizes["time"] == 30, "days=30: 30 days")
check(np.array_equal(short.price.values, ds.price.values[:30]), "and the same first 30 days")

# output= keeps the file; an existing one only with force=True
out = os.path.join(WORK, "kept.h5")
conflux.run(KACHIN, seed=SEED, days=10, output=out)
check(os.path.exists(out), "output= keeps the file")
raises(FileExistsError, "output= over an existing file", conflux.run, KACHIN, output=out)
r = conflux.run(KACHIN, seed=SEED, days=12, output=out, force=True)
check(r.sizes["time"] == 12, "force=True replaces it")

# a scenario that does not check: ScenarioError, located
bad = os.path.join(WORK, "typo.yaml")
with open(bad, "w") as f:
    f.write("extends: %s\ndays: ten\n" % KACHIN)
e = raises(conflux.ScenarioError, "a bad scenario", conflux.run, bad)
if e:
    check(str(e).startswith(bad + ":2:7: ") and "'days' must be an integer" in str(e),
          "its text is file:line:col: message: " + str(e))
    check(e.diagnostics == [(bad, 2, 7, "'days' must be an integer, got 'ten'")],
          ".diagnostics lists it")
    check(isinstance(e, conflux.ConfluxError) and e.code == -2, "a ConfluxError, CFX_EINVAL")
e = raises(conflux.ScenarioError, "a scenario with four problems", conflux.run,
           os.path.join(SRC, "tests", "data", "bad", "multi.yaml"))
check(e is not None and len(e.diagnostics) == 4, "all four in .diagnostics")
e = raises(conflux.ScenarioError, "set= a path nothing reads", conflux.run, KACHIN,
           set={"market.no_such_key": 1})
check(e is not None and "unknown key 'no_such_key'" in str(e), "named in the message")
e = raises(conflux.ScenarioError, "a missing scenario", conflux.run,
           os.path.join(WORK, "nowhere.yaml"))
check(e is not None and e.code == -3, "CFX_ENOENT")
e = raises(conflux.ConfluxError, "an output that cannot be created", conflux.run, KACHIN,
           output=os.path.join(WORK, "no", "such", "dir.h5"))
check(e is not None and not isinstance(e, conflux.ScenarioError) and e.code == -4,
      "a ConfluxError, CFX_ECREATE")

# a small sweep: 12 members, a member dimension, string coordinates
D = os.path.join(SRC, "tests", "data", "sweep")
sw_dir = os.path.join(WORK, "sweep")
sw = conflux.sweep(os.path.join(D, "kachin-90d.yaml"), os.path.join(D, "grid.yaml"),
                   outdir=sw_dir, jobs=2)
check(sw.sizes.get("member") == 12, "sweep: 12 members")
check(sw.price.dims[0] == "member", "price has a leading member dimension")
check(sw.sel(product="Dy2O3", member=3).price.shape == (90,), "sel(product=, member=) by label")
check(int(sw.member_status.sum()) == 0, "every member ok")
counts = sw.member_event_count.values
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("default")  # as a session starts; conflux.open's filters go first
    reopened = conflux.open(os.path.join(sw_dir, "sweep.h5"))
    times = reopened.event_time.values
    gaps = reopened.event_days.values
    reopened.close()
check(counts.min() < counts.max() and np.isnat(times[counts.argmin(), -1]) and
      np.isnat(gaps[counts.argmin(), -1]), "a member with fewer events has NaT padding")
check(not [w for w in caught if issubclass(w.category, RuntimeWarning)],
      "reading the padded event times gives no RuntimeWarning")
check(sorted(set(np.round(sw.param_conflict_offensive_attack_rate.values, 6))) ==
      [0.02, 0.04, 0.08], "param_* variables")
sw.close()
raises(conflux.ConfluxError, "a second sweep into the same outdir", conflux.sweep,
       os.path.join(D, "kachin-90d.yaml"), os.path.join(D, "grid.yaml"), outdir=sw_dir)
again = conflux.sweep(os.path.join(D, "kachin-90d.yaml"), os.path.join(D, "grid.yaml"),
                      outdir=sw_dir, resume=True)
check(again.sizes.get("member") == 12, "resume=True: merged again")
again.close()
e = raises(conflux.ScenarioError, "a sweep file with a bad path", conflux.sweep,
           os.path.join(D, "kachin-90d.yaml"), os.path.join(D, "bad-path.yaml"),
           outdir=os.path.join(WORK, "sweep-bad"))
check(e is not None and str(e).startswith(os.path.join(D, "bad-path.yaml") + ":5:11: "),
      "located in the sweep file")

# compare: the offensive against its counterfactual, from files kept by run(output=...);
# the effects and the per-day differences are those of the two Datasets
calm_path = os.path.join(WORK, "calm.h5")
offensive_path = os.path.join(WORK, "offensive.h5")
off = conflux.run(KACHIN, seed=SEED, output=offensive_path)
calm = conflux.run(os.path.join(SRC, "scenarios", "kachin-2025-no-offensive.yaml"), seed=SEED,
                   output=calm_path)
c = conflux.compare(conflux.open(offensive_path), calm_path)
peak = c.effects["Dy2O3.peak_usd_per_kg"]
want = float(off.price.sel(product="Dy2O3").max() - calm.price.sel(product="Dy2O3").max())
check(c.pairing == "single runs" and abs(peak["effect"] - want) < 1e-9 * want,
      "compare(): the Dy2O3 peak effect is the difference of the runs' peaks (%.1f USD/kg)" % want)
check(np.array_equal(c.daily.price.values, off.price.values - calm.price.values),
      "compare().daily: the per-day differences")
raises(TypeError, "compare() of an in-memory Dataset", conflux.compare, ds, calm_path)

# CFX_ENOMEM is MemoryError, other codes ConfluxError with cfx_error_format's text
raises(MemoryError, "CFX_ENOMEM", conflux._check, conflux.CFX_ENOMEM, conflux._Error())
err = conflux._Error(code=-5, file=b"x.h5", line=0, col=0, msg=b"disk full")
e = raises(conflux.ConfluxError, "CFX_EIO", conflux._check, -5, err)
check(e is not None and str(e) == "x.h5: disk full", "formatted by cfx_error_format")

# the library is found by CONFLUX_LIB; a wrong one is a clear error
os.environ["CONFLUX_LIB"] = os.path.join(tempfile.gettempdir(), "no-such-libconflux.so")
conflux._handle = None
raises(conflux.ConfluxError, "CONFLUX_LIB naming no library", conflux.version)

print("python: %d failed" % failed)
sys.exit(1 if failed else 0)
