#!/usr/bin/python3
"""Compares the member files of two sweep directories: every variable's type, shape and
bytes, and every attribute except the two that differ between any two runs by design
(`created`, the time of the run, and `command_line`, which names the directory).
usage: sweep_compare.py DIR_A DIR_B [MEMBER...]   (default: every member file of DIR_A)"""
import glob
import os
import sys

import h5py
import numpy as np

IGNORED = {"created", "command_line"}


def attrs(obj):
    out = {}
    for k, v in obj.attrs.items():
        if k in IGNORED or k in ("DIMENSION_LIST", "REFERENCE_LIST"):
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


def main():
    a, b = sys.argv[1], sys.argv[2]
    names = [f"member-{int(m):05d}.h5" for m in sys.argv[3:]] or sorted(
        os.path.basename(p) for p in glob.glob(os.path.join(a, "member-*.h5")))
    if not names:
        sys.exit(f"no member files in {a}")
    bad = 0
    for n in names:
        va, vb = variables(os.path.join(a, n)), variables(os.path.join(b, n))
        if va.keys() != vb.keys():
            print(f"{n}: different variables"); bad += 1; continue
        for k in va:
            if va[k] != vb[k]:
                print(f"{n}: '{k}' differs"); bad += 1
    print(f"{len(names)} member files compared, {bad} differences")
    sys.exit(1 if bad else 0)


main()
