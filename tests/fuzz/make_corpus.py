#!/usr/bin/python3
"""Writes the fuzz seed corpus (tests/fuzz/corpus/) from the repository's own scenarios and
fixtures. Run it again after adding scenarios; the files it writes are committed.

  corpus/csv/       every CSV table of scenarios/ and tests/data/
  corpus/yaml/      every YAML file, and each file that extends another with its base
                    (base, "\\n%%\\n", the extending file: fuzz_yaml overlays the second)
  corpus/scenario/  every scenario with its tables, in one input: scenario.yaml, nodes.csv,
                    edges.csv, mines.csv, events.csv, base.yaml, split at "\\n%%\\n", with
                    the paths in the YAML rewritten to those names (fuzz_scenario)
  corpus/sweep/     a sweep file of each design (and every *sweep*.yaml of the repository),
                    then the scenario it sweeps, as above (fuzz_sweep)
"""
import hashlib
import os
import re
import sys

SEP = b"\n%%\n"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
TABLES = [("nodes", "nodes.csv"), ("edges", "edges.csv"), ("mines", "mines.csv"),
          ("events", "events.csv")]


def sources(ext):
    for top in ("scenarios", os.path.join("tests", "data")):
        for d, _, files in sorted(os.walk(os.path.join(ROOT, top))):
            for f in sorted(files):
                if f.endswith(ext):
                    yield os.path.join(d, f)


def put(kind, data):
    os.makedirs(os.path.join(OUT, kind), exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(OUT, kind, name), "wb") as f:
        f.write(data)


def table_value(text, key):
    m = re.search(rb"^\s*" + key.encode() + rb":\s*(\S+)\s*$", text, re.M)
    return m.group(1).decode() if m else None


def scenario_input(path):
    text = open(path, "rb").read()
    here = os.path.dirname(path)
    parts = []
    base = b""
    ext = table_value(text, "extends")
    if ext and os.path.exists(os.path.join(here, ext)):
        base = open(os.path.join(here, ext), "rb").read()
        text = re.sub(rb"^extends:.*$", b"extends: base.yaml", text, flags=re.M)
    for key, name in TABLES:
        rel = table_value(text, key) or table_value(base, key)
        table = os.path.join(here, rel) if rel else None
        parts.append(open(table, "rb").read() if table and os.path.isfile(table) else b"")
        text = re.sub(rb"^(\s*" + key.encode() + rb":\s*)\S+\s*$", rb"\g<1>" + name.encode(),
                      text, flags=re.M)
        base = re.sub(rb"^(\s*" + key.encode() + rb":\s*)\S+\s*$", rb"\g<1>" + name.encode(),
                      base, flags=re.M)
    return SEP.join([text] + parts + [base])


SWEEPS = [
    b"design: grid\nreplicates: 2\nparameters:\n  - path: transport.truck_t\n"
    b"    values: [5, 10, 20]\n  - path: seed\n    values: [1, 2]\n",
    b"design: list\nparameters:\n  - path: transport.truck_t\n    values: [5, 10]\n"
    b"  - path: market.products.Dy2O3.demand_elasticity\n    values: [0.1, 0.3]\n",
    b"design: sobol\nsamples: 8\nparameters:\n  - path: transport.truck_t\n"
    b"    range: [5, 20]\n",
    b"design: lhs\nsamples: 4\nreplicates: 3\nparameters:\n  - path: days\n"
    b"    range: [10, 40]\n",
]


def main():
    for p in sources(".csv"):
        put("csv", open(p, "rb").read())
    for p in sources(".yaml"):
        text = open(p, "rb").read()
        put("yaml", text)
        ext = table_value(text, "extends")
        if ext and os.path.isfile(os.path.join(os.path.dirname(p), ext)):
            put("yaml", open(os.path.join(os.path.dirname(p), ext), "rb").read() + SEP + text)
        put("scenario", scenario_input(p))
    sweeps = SWEEPS + [open(p, "rb").read() for p in sources(".yaml") if "sweep" in p]
    line = scenario_input(os.path.join(ROOT, "scenarios", "examples", "line.yaml"))
    for text in sweeps:
        put("sweep", text + SEP + line)
    for kind in ("csv", "yaml", "scenario", "sweep"):
        print(kind, len(os.listdir(os.path.join(OUT, kind))), file=sys.stderr)


main()
