#!/usr/bin/python3
"""Compares the member files of two sweep directories byte for byte; for a pair that differs,
names what differs: each variable's type, shape and bytes, and each attribute (`created` and
`command_line` included: they are the same for the same sweep). Exit 0 when every pair has
the same bytes.
usage: sweep_compare.py DIR_A DIR_B [MEMBER...]   (default: every member file of DIR_A)"""
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
    """Prints what differs between two member files that do not have the same bytes."""
    va, vb = variables(a), variables(b)
    if va.keys() != vb.keys():
        print(f"{n}: different variables: {sorted(va.keys() ^ vb.keys())}")
        return
    names = [k for k in va if va[k] != vb[k]]
    if "/" in names:
        names[names.index("/")] = "/ (" + ", ".join(
            k for k in va["/"].keys() | vb["/"].keys() if va["/"].get(k) != vb["/"].get(k)) + ")"
    print(f"{n}: differs in {', '.join(names) or 'HDF5 layout only (same variables and attributes)'}")


def main():
    a, b = sys.argv[1], sys.argv[2]
    names = [f"member-{int(m):05d}.h5" for m in sys.argv[3:]] or sorted(
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
            report(n, pa, pb)
            differ += 1
    print(f"{len(names)} member files compared byte for byte, {differ} differ")
    sys.exit(1 if differ else 0)


main()
