#!/usr/bin/python3
"""Compares the member files of two sweep directories byte for byte; for a pair that differs,
names what differs: each variable's type, shape and bytes, and each attribute (`created` and
`command_line` included: they are the same for the same sweep). Exit 0 when every pair has
the same bytes; with --data, when every pair has the same variables and attributes (a member
resumed from a checkpoint holds the same data, laid out otherwise in the HDF5 file).
usage: sweep_compare.py [--data] DIR_A DIR_B [MEMBER...]   (default: every member of DIR_A)"""
import filecmp
import glob
import os
import sys

import h5py
import numpy as np


def attrs(obj):
    out = {}
    for k, v in obj.attrs.items():
        if k in ("DIMENSION_LIST", "REFERENCE_LIST"):  # object references: only bytes tell
            continue
        out[k] = v.tobytes() if isinstance(v, np.ndarray) else v
    return out


def variables(path):
    with h5py.File(path, "r") as f:
        out = {"/": attrs(f)}
        for name, ds in f.items():
            data = ds[()]
            raw = data.tobytes() if data.dtype.kind != "O" else repr(data.tolist())
            out[name] = (str(ds.dtype), ds.shape, raw, attrs(ds))
        return out


def report(n, a, b):
    """Prints what differs between two member files that do not have the same bytes; True
    when they differ in their data (not in HDF5 layout only)."""
    va, vb = variables(a), variables(b)
    if va.keys() != vb.keys():
        print(f"{n}: different variables: {sorted(va.keys() ^ vb.keys())}")
        return True
    names = [k for k in va if va[k] != vb[k]]
    if "/" in names:
        names[names.index("/")] = "/ (" + ", ".join(
            k for k in va["/"].keys() | vb["/"].keys() if va["/"].get(k) != vb["/"].get(k)) + ")"
    print(f"{n}: differs in {', '.join(names) or 'HDF5 layout only (same variables and attributes)'}")
    return bool(names)


def main():
    args = sys.argv[1:]
    data_only = args[:1] == ["--data"]
    args = args[1:] if data_only else args
    a, b = args[0], args[1]
    names = [f"member-{int(m):05d}.h5" for m in args[2:]] or sorted(
        os.path.basename(p) for p in glob.glob(os.path.join(a, "member-*.h5")))
    if not names:
        sys.exit(f"no member files in {a}")
    differ = 0
    for n in names:
        pa, pb = os.path.join(a, n), os.path.join(b, n)
        if not os.path.exists(pb):
            print(f"{n}: missing in {b}")
            differ += 1
        elif not filecmp.cmp(pa, pb, shallow=False):
            differ += report(n, pa, pb) or not data_only
    print(f"{len(names)} member files compared {'by data' if data_only else 'byte for byte'}, "
          f"{differ} differ")
    sys.exit(1 if differ else 0)


main()
