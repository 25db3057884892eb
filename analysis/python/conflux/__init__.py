"""conflux from Python: run a scenario or a sweep through libconflux and get xarray Datasets.

    import sys; sys.path.insert(0, "analysis/python")   # or PYTHONPATH=analysis/python
    import conflux
    ds = conflux.run("scenarios/kachin-2025.yaml", seed=7)
    ds.price.sel(product="Dy2O3").plot()

A thin ctypes layer over the shared library libconflux.so (include/conflux.h): nothing is
compiled for Python. Needs numpy, xarray and h5netcdf (Debian: python3-xarray,
python3-h5netcdf). The library is found, in order, at $CONFLUX_LIB, in the build tree
(build/libconflux.so beside analysis/), or where ctypes.util.find_library("conflux") finds it
(an installed conflux: cmake --install).

    run(scenario, *, set=None, seed=None, days=None, threads=1, output=None, force=False)
    sweep(scenario, sweep_file, *, outdir, jobs=None, resume=False)
    compare(a, b) -> Comparison(effects, daily, pairing, note)
    open(path)
    version(), git_commit()

Errors: ScenarioError (a scenario or sweep file that does not check: .diagnostics lists every
problem as (file, line, col, message)); ConfluxError (anything else, with .code, one of the
CFX_E* codes); MemoryError for CFX_ENOMEM; FileExistsError for run(output=...) over an
existing file without force=True. analysis/README.md, "Python API", says more.
"""
import builtins
import collections
import ctypes
import ctypes.util
import os
import shutil
import tempfile
import warnings

__all__ = ["run", "sweep", "compare", "open", "version", "git_commit", "Comparison",
           "ConfluxError", "ScenarioError"]
builtins_open = builtins.open  # this module's open() is conflux.open

# include/conflux.h, "errors"
CFX_OK = 0
CFX_ENOMEM = -1
CFX_EINVAL = -2
CFX_ENOENT = -3
CFX_ECREATE = -4
CFX_EIO = -5
CFX_EHDF5 = -6
CFX_EUSAGE = -7
CFX_EINTR = -8
CFX_EFAIL = -9


class ConfluxError(Exception):
    """A failure reported by libconflux: str() is its "file:line:col: message"; .code is the
    CFX_E* code (negative), .file/.line/.col/.message its parts ("" and 0 when unknown)."""

    def __init__(self, text, code=CFX_EFAIL, file="", line=0, col=0, message=None):
        super().__init__(text)
        self.code = code
        self.file = file
        self.line = line
        self.col = col
        self.message = text if message is None else message


class ScenarioError(ConfluxError):
    """A scenario (or sweep file) that does not load: str() is the first problem as
    "file:line:col: message"; .diagnostics lists all of them as (file, line, col, message)
    tuples, as `conflux check` prints them."""

    def __init__(self, diagnostics, code=CFX_EINVAL):
        self.diagnostics = list(diagnostics)
        f, l, c, m = self.diagnostics[0]
        super().__init__(_located(f, l, c, m), code, f, l, c, m)


def _located(file, line, col, msg):
    """"file:line:col: msg" without the parts that are unknown (as cfx_error_format)."""
    where = file
    if file and line:
        where += ":%d" % line
        if col:
            where += ":%d" % col
    return "%s: %s" % (where, msg) if where else msg


# ---------------------------------------------------------------- the structs of conflux.h


class _Error(ctypes.Structure):  # cfx_error
    _fields_ = [("code", ctypes.c_int), ("file", ctypes.c_char * 256), ("line", ctypes.c_int),
                ("col", ctypes.c_int), ("msg", ctypes.c_char * 768)]


class _Diags(ctypes.Structure):  # cfx_diags
    _fields_ = [("v", ctypes.POINTER(_Error)), ("n", ctypes.c_size_t),
                ("cap", ctypes.c_size_t)]


class _Override(ctypes.Structure):  # cfx_override
    _fields_ = [("path", ctypes.c_char_p), ("value", ctypes.c_char_p)]


_PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_long, ctypes.c_long,
                             ctypes.c_double)


class _RunOpts(ctypes.Structure):  # cfx_run_opts
    _fields_ = [("scenario", ctypes.c_char_p), ("output", ctypes.c_char_p),
                ("sets", ctypes.POINTER(_Override)), ("n_sets", ctypes.c_size_t),
                ("threads", ctypes.c_int), ("force", ctypes.c_int),
                ("command_line", ctypes.c_char_p), ("created", ctypes.c_char_p),
                ("stop", ctypes.c_void_p),  # volatile sig_atomic_t *
                ("checkpoint_every", ctypes.c_long), ("resume", ctypes.c_char_p),
                ("progress", _PROGRESS), ("progress_ctx", ctypes.c_void_p),
                ("checkpoint_on_stop", ctypes.c_int), ("flush_at_close", ctypes.c_int),
                ("chunk_bytes", ctypes.c_size_t)]


class _RunResult(ctypes.Structure):  # cfx_run_result
    _fields_ = [("scenario", ctypes.c_char * 256), ("output", ctypes.c_char * 1040),
                ("days_run", ctypes.c_long), ("days", ctypes.c_long), ("threads", ctypes.c_int),
                ("wall_seconds", ctypes.c_double), ("load_seconds", ctypes.c_double),
                ("output_seconds", ctypes.c_double), ("hop_events", ctypes.c_uint64),
                ("shipment_days", ctypes.c_uint64), ("peak_rss_bytes", ctypes.c_long),
                ("complete", ctypes.c_int), ("produced_t", ctypes.c_double),
                ("arrived_t", ctypes.c_double), ("in_transit_t", ctypes.c_double),
                ("stock_t", ctypes.c_double), ("seized_t", ctypes.c_double),
                ("lost_t", ctypes.c_double), ("n_events", ctypes.c_size_t),
                ("output_wait_seconds", ctypes.c_double)]


class _SweepOpts(ctypes.Structure):  # cfx_sweep_opts
    _fields_ = [("dir", ctypes.c_char_p), ("shard_k", ctypes.c_size_t),
                ("shard_n", ctypes.c_size_t), ("jobs", ctypes.c_int), ("resume", ctypes.c_int),
                ("progress", ctypes.c_int),
                ("stop", ctypes.c_void_p),  # volatile sig_atomic_t *
                ("scratch", ctypes.c_char_p), ("dealer_only", ctypes.c_int)]


class _SweepTally(ctypes.Structure):  # cfx_sweep_tally
    _fields_ = [("todo", ctypes.c_size_t), ("skipped", ctypes.c_size_t),
                ("ok", ctypes.c_size_t), ("failed", ctypes.c_size_t),
                ("stopped", ctypes.c_size_t), ("shown_s", ctypes.c_double)]


class _MergeReport(ctypes.Structure):  # cfx_merge_report
    _fields_ = [("members", ctypes.c_size_t), ("ok", ctypes.c_size_t),
                ("failed", ctypes.c_size_t), ("missing", ctypes.c_size_t),
                ("first_missing", ctypes.c_size_t * 8)]


# ---------------------------------------------------------------- the library

_P = ctypes.POINTER
_VP = ctypes.c_void_p
_SIGNATURES = {
    # name: (restype, argtypes)
    "cfx_version": (ctypes.c_char_p, []),
    "cfx_git_commit": (ctypes.c_char_p, []),
    "cfx_error_format": (None, [_P(_Error), ctypes.c_char_p, ctypes.c_size_t]),
    "cfx_diags_free": (None, [_P(_Diags)]),
    "cfx_run": (ctypes.c_int, [_P(_RunOpts), _P(_RunResult), _P(_Diags), _P(_Error)]),
    "cfx_sweep_load": (ctypes.c_int, [_P(_VP), ctypes.c_char_p, ctypes.c_char_p, _P(_Diags)]),
    "cfx_sweep_free": (None, [_VP]),
    "cfx_sweep_member_count": (ctypes.c_size_t, [_VP]),
    "cfx_sweep_prepare": (ctypes.c_int, [_VP, ctypes.c_char_p, _P(_Error)]),
    "cfx_sweep_todo": (ctypes.c_int, [_VP, _P(_SweepOpts), _P(ctypes.c_size_t),
                                      _P(ctypes.c_size_t), _P(_SweepTally), _P(_Error)]),
    "cfx_sweep_run_local": (ctypes.c_int, [_VP, _P(_SweepOpts), _P(ctypes.c_size_t),
                                           ctypes.c_size_t, _P(_SweepTally), _P(_Error)]),
    "cfx_compare_files": (ctypes.c_int, [_P(_VP), ctypes.c_char_p, ctypes.c_char_p, _P(_Error)]),
    "cfx_compare_free": (None, [_VP]),
    "cfx_compare_print_json": (ctypes.c_int, [_VP, _VP]),
    "cfx_compare_write": (ctypes.c_int, [_VP, ctypes.c_char_p, ctypes.c_int, _P(_Error)]),
    "cfx_sweep_merge": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_char_p, _P(_MergeReport),
                                       _P(_Error)]),
}

_handle = None


def _find_library():
    """The path of libconflux.so: $CONFLUX_LIB, the build tree, or the system's."""
    env = os.environ.get("CONFLUX_LIB")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    built = os.path.join(here, os.pardir, os.pardir, os.pardir, "build", "libconflux.so")
    if os.path.exists(built):
        return os.path.normpath(built)
    return ctypes.util.find_library("conflux")


def _lib():
    """The loaded library, its functions typed (loaded on first use, so that importing
    conflux works without it)."""
    global _handle
    if _handle is not None:
        return _handle
    path = _find_library()
    if not path:
        raise ConfluxError(
            "libconflux.so not found: build it in the repository (make build, which makes "
            "build/libconflux.so), install it (cmake --install build), or set CONFLUX_LIB to "
            "its path", CFX_ENOENT)
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ConfluxError("cannot load %s: %s (CONFLUX_LIB, or rebuild: make build)"
                           % (path, e), CFX_ENOENT) from None
    for name, (res, args) in _SIGNATURES.items():
        try:
            f = getattr(lib, name)
        except AttributeError:
            continue  # an older library: the function fails when called
        f.restype = res
        f.argtypes = args
    _handle = lib
    return lib


def _fn(name):
    lib = _lib()
    if name not in _SIGNATURES or not hasattr(lib, name):
        raise ConfluxError("%s: this libconflux has no %s (rebuild it)"
                           % (getattr(lib, "_name", "libconflux"), name), CFX_EUSAGE)
    return getattr(lib, name)


def _s(b):
    return b.decode("utf-8", "replace")


def _raise_error(rc, err):
    """Raises the exception for a failed call's rc and its cfx_error."""
    if rc == CFX_ENOMEM:
        raise MemoryError(_s(err.msg) or "libconflux: out of memory")
    buf = ctypes.create_string_buffer(2048)
    _fn("cfx_error_format")(ctypes.byref(err), buf, len(buf))
    text = _s(buf.value) or "libconflux failed (code %d)" % rc
    raise ConfluxError(text, rc, _s(err.file), err.line, err.col, _s(err.msg) or text)


def _check(rc, err=None, diags=None):
    """Turns a libconflux return into an exception: diagnostics (a loader's list) first as
    ScenarioError, then err as ConfluxError; frees diags. Returns rc when it is 0."""
    try:
        if rc == 0:
            return rc
        if rc == CFX_ENOMEM:
            msg = _s(err.msg) if err is not None and err.msg else "libconflux: out of memory"
            raise MemoryError(msg)
        if diags is not None and diags.n:
            raise ScenarioError([(_s(diags.v[i].file), diags.v[i].line, diags.v[i].col,
                                  _s(diags.v[i].msg)) for i in range(diags.n)], rc)
        _raise_error(rc, err if err is not None else _Error(code=rc))
    finally:
        if diags is not None:
            _fn("cfx_diags_free")(ctypes.byref(diags))


def _b(s):
    return None if s is None else os.fsencode(s)


def _value(v):
    """A Python scalar as a --set value (YAML: true/false for booleans)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


# ---------------------------------------------------------------- the API


def version():
    """The library's version ("MAJOR.MINOR.PATCH")."""
    return _s(_fn("cfx_version")())


def git_commit():
    """The git commit the library was built from."""
    return _s(_fn("cfx_git_commit")())


def _quiet_nat_padding():
    """A sweep's event_time and event_days are NaN past each member's last event (members
    have different counts). Decoding them, xarray's times and pandas' timedeltas cast the
    NaN to an integer before they mark it NaT, and numpy warns "invalid value encountered
    in cast" at each read, though the values (NaT) are right. Only that warning, only from
    those two modules, is silenced (for the rest of the session: a lazy read warns later)."""
    for module in ("xarray.coding.times", "pandas.core.arrays.timedeltas"):
        warnings.filterwarnings("ignore", message="invalid value encountered in cast",
                                category=RuntimeWarning, module=module)


def open(path):  # noqa: A001 (conflux.open, as xarray.open_dataset)
    """A result file (a run's or a sweep's) as an xarray Dataset, read lazily (h5netcdf).
    Reading a sweep's padded event times does not warn (_quiet_nat_padding)."""
    import xarray as xr
    _quiet_nat_padding()
    return xr.open_dataset(path, engine="h5netcdf")


def _load(path):
    ds = open(path)
    try:
        return ds.load()
    finally:
        ds.close()


def run(scenario, *, set=None, seed=None, days=None, threads=1, output=None, force=False):
    """Runs a scenario (as `conflux run`) and returns its result as an xarray Dataset held
    in memory.

    set: {dotted.path: value} overrides, as --set KEY=VALUE (e.g.
    {"market.products.Dy2O3.demand_elasticity": 0.3}); seed and days as --seed and --days.
    output: keep the result file there (an existing one only with force=True, else
    FileExistsError); None: a temporary file, deleted once read. threads: OpenMP threads.
    A scenario that does not check raises ScenarioError; a failed run ConfluxError."""
    pairs = [(k, _value(v)) for k, v in (set or {}).items()]
    if seed is not None:
        pairs.append(("seed", _value(seed)))
    if days is not None:
        pairs.append(("days", _value(days)))
    if output is not None and os.path.exists(output) and not force:
        raise FileExistsError("%s exists (force=True replaces it)" % output)
    tmpdir = None
    if output is None:
        tmpdir = tempfile.mkdtemp(prefix="conflux-")
        path = os.path.join(tmpdir, "run.h5")
    else:
        path = os.fspath(output)
    args = ", ".join([repr(os.fspath(scenario))] + ["%s=%r" % kv for kv in (
        ("set", set), ("seed", seed), ("days", days), ("output", output)) if kv[1] is not None])
    try:
        sets = (_Override * max(len(pairs), 1))(
            *[_Override(_b(k), _b(v)) for k, v in pairs])
        opt = _RunOpts(scenario=_b(scenario), output=_b(path), sets=sets, n_sets=len(pairs),
                       threads=int(threads), force=1 if force or tmpdir else 0,
                       command_line=("conflux.run(%s)" % args).encode())
        # stop, progress, checkpoints: NULL and 0 (a run cannot be interrupted from Python)
        res, diags, err = _RunResult(), _Diags(), _Error()
        rc = _fn("cfx_run")(ctypes.byref(opt), ctypes.byref(res), ctypes.byref(diags),
                            ctypes.byref(err))
        _check(rc, err, diags)
        return _load(path)
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


Comparison = collections.namedtuple("Comparison", "effects daily pairing note")
Comparison.__doc__ = """The effect of A against B (conflux compare). effects: {metric: {"unit",
"a", "b", "effect", "q05", "q95"}} for every metric of conflux analyze (q05/q95 None for single
runs); daily: an xarray Dataset of the per-day differences A - B (None when the two are not
paired: a sweep against a run, or sweeps of other sizes); pairing: "single runs", "paired" or
"unpaired"; note: how the effect and its interval were taken."""


def _path_of(x, what):
    if isinstance(x, (str, bytes, os.PathLike)):
        return os.fspath(x)
    source = getattr(x, "encoding", {}).get("source")
    if source and os.path.exists(source):
        return source
    raise TypeError("%s: a result file's path, or a Dataset opened from one (conflux.run(..., "
                    "output=PATH) keeps the file)" % what)


def compare(a, b):
    """The effect of scenario A against counterfactual B (A - B), as `conflux compare`: a and
    b are result files (runs or sweeps; paths, or Datasets opened from files). Two sweeps of
    the same sweep file are paired member by member. Returns a Comparison(effects, daily,
    pairing, note). Files of other days, products or groups raise ConfluxError."""
    import json
    pa, pb = _path_of(a, "a"), _path_of(b, "b")
    c, err = _VP(), _Error()
    _check(_fn("cfx_compare_files")(ctypes.byref(c), _b(pa), _b(pb), ctypes.byref(err)), err)
    tmpdir = tempfile.mkdtemp(prefix="conflux-")
    libc = ctypes.CDLL(None)
    libc.fopen.restype, libc.fopen.argtypes = _VP, [ctypes.c_char_p, ctypes.c_char_p]
    libc.fclose.argtypes = [_VP]
    try:
        jpath, dpath = os.path.join(tmpdir, "effects.json"), os.path.join(tmpdir, "daily.h5")
        f = libc.fopen(_b(jpath), b"w")
        if not f:
            raise OSError("cannot write %s" % jpath)
        rc = _fn("cfx_compare_print_json")(c, f)
        libc.fclose(f)
        _check(rc)
        with builtins_open(jpath) as fh:
            doc = json.load(fh)
        daily = None
        if doc["pairing"] != "unpaired":
            _check(_fn("cfx_compare_write")(c, _b(dpath), 1, ctypes.byref(err)), err)
            daily = _load(dpath)
        return Comparison(doc["metrics"], daily, doc["pairing"], doc["note"])
    finally:
        _fn("cfx_compare_free")(c)
        shutil.rmtree(tmpdir, ignore_errors=True)


def sweep(scenario, sweep_file, *, outdir, jobs=None, resume=False):
    """Runs a sweep (as `conflux sweep SCENARIO SWEEP -o OUTDIR`): member files in outdir,
    merged into outdir/sweep.h5, which is returned opened lazily (close it, or .load() it,
    when done). jobs: members at a time, each in its own process (None: the cores this
    process may use). resume: skip the members already complete (without it a member file
    left in outdir is an error). Members that fail raise ConfluxError after the merge (the
    merged file marks them in member_status)."""
    lib_sweep_free = _fn("cfx_sweep_free")
    sw, diags = ctypes.c_void_p(), _Diags()
    outdir = os.fspath(outdir)
    merged = os.path.join(outdir, "sweep.h5")
    try:
        _check(_fn("cfx_sweep_load")(ctypes.byref(sw), _b(scenario), _b(sweep_file),
                                     ctypes.byref(diags)), None, diags)
        if jobs is None:
            jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
                os.cpu_count() or 1)
        o = _SweepOpts(dir=_b(outdir), shard_k=0, shard_n=1, jobs=int(jobs),
                       resume=1 if resume else 0, progress=0, stop=None, scratch=None,
                       dealer_only=0)
        n = _fn("cfx_sweep_member_count")(sw)
        todo = (ctypes.c_size_t * (n + 1))()
        n_todo, tally, err = ctypes.c_size_t(), _SweepTally(), _Error()
        _check(_fn("cfx_sweep_prepare")(sw, _b(outdir), ctypes.byref(err)), err)
        _check(_fn("cfx_sweep_todo")(sw, ctypes.byref(o), todo, ctypes.byref(n_todo),
                                     ctypes.byref(tally), ctypes.byref(err)), err)
        _check(_fn("cfx_sweep_run_local")(sw, ctypes.byref(o), todo, n_todo,
                                          ctypes.byref(tally), ctypes.byref(err)), err)
        rep = _MergeReport()
        _check(_fn("cfx_sweep_merge")(_b(outdir), _b(merged), ctypes.byref(rep),
                                      ctypes.byref(err)), err)
    finally:
        lib_sweep_free(sw)
    if tally.failed:
        raise ConfluxError("%d of %d members failed (their notes: %s/member-NNNNN.error); the "
                           "others are merged into %s (member_status)"
                           % (tally.failed, n_todo.value, outdir, merged), CFX_EFAIL)
    return open(merged)
