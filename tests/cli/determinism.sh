# The same seed gives the same bytes in every variable on 1 and 2 threads; another seed
# does not. Uses a grid big enough that the parallel shipment phase runs on both threads.
. "$(dirname "$0")/testlib.bash"
$PY "$SRC/tests/cli/gen_grid.py" "$WORK/grid" 24
for t in 1 2; do
  expect_exit 0 "grid on $t thread(s)" -- "$CONFLUX" run "$WORK/grid/grid.yaml" -o "$WORK/t$t.h5" --threads $t --quiet
done
expect_exit 0 "grid with another seed" -- "$CONFLUX" run "$WORK/grid/grid.yaml" -o "$WORK/s2.h5" --seed 12 --quiet
cat >"$WORK/cmp.py" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
same = sorted(n for n in a if a[n].dtype.kind != "O" and a[n][()].tobytes() == b[n][()].tobytes())
diff = sorted(n for n in a if a[n].dtype.kind != "O" and a[n][()].tobytes() != b[n][()].tobytes())
print("differ:", " ".join(diff) or "none")
assert a["arrived"][-1] > 0
sys.exit(0 if not diff else 1)
PY
if $PY "$WORK/cmp.py" "$WORK/t1.h5" "$WORK/t2.h5" >"$WORK/cmp" 2>&1; then ok "1 and 2 threads: byte-identical datasets"
else bad "threads differ: $(cat "$WORK/cmp")"; fi
if ! $PY "$WORK/cmp.py" "$WORK/t1.h5" "$WORK/s2.h5" >"$WORK/cmp" 2>&1 && grep -q node_throughput "$WORK/cmp"; then
  ok "another seed changes the random clearance delays"; else bad "seed had no effect: $(cat "$WORK/cmp")"; fi
# A network large enough for the parallel paths of loading and writing and of the day's work
# on every node and road: the edges' node ids looked up on both threads, the file laid out
# while the world is made, each day of the series (over 1 MiB) copied on both threads, the
# counters reset and the observation made on both; and with roads of 4 t/day, below a
# truckload, the capacities banked on both. Every dataset, the strings too, is the same.
cat >"$WORK/cmp_all.py" <<'PY'
import sys, h5py
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
diff = sorted(n for n in a if n != "mesh" and (n not in b or a[n][()].tolist() != b[n][()].tolist()))
print("differ:", " ".join(diff) or "none")
assert a["node_id"].shape == (20000,) and a["in_transit"][-1] > 0
if sys.argv[3] == "banked":  # trucks pass only on what the capacities banked
    assert 0 < a["edge_flow"][()].sum() < 1000 and a["queued"][()].sum() > 0
sys.exit(1 if diff or set(a) != set(b) else 0)
PY
for variant in free banked; do
  extra=()
  [ "$variant" = banked ] && extra=(--capacity 4)
  "$CONFLUX" gen --topology random --nodes 20000 --shipments 20000 --days 5 --seed 3 \
    "${extra[@]}" -o "$WORK/big-$variant" >/dev/null
  for t in 1 2; do
    expect_exit 0 "a 20,000-node network ($variant) on $t thread(s)" -- \
      "$CONFLUX" run "$WORK/big-$variant/scenario.yaml" -o "$WORK/b$t.h5" --threads $t --quiet \
      --force
  done
  if $PY "$WORK/cmp_all.py" "$WORK/b1.h5" "$WORK/b2.h5" "$variant" >"$WORK/cmp" 2>&1; then
    ok "the 20,000-node network ($variant): every dataset equal on 1 and 2 threads"
  else bad "the 20,000-node network ($variant) differs: $(cat "$WORK/cmp")"; fi
done
# A round of more than three slices of 65,536 shipments (200,000 trucks set off on day 0),
# where on more than one thread a slice is joined while the next one moves: the same state
# as one thread's, to the order of the calendar's lists and of the free slots, which the
# results alone would not show (the checkpoints hold them). Three threads on any machine.
cat >"$WORK/cmp_ckpt.py" <<'PY'
import sys, h5py
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
diff, seen = [], []
def walk(g):
    for o in g.values():
        if isinstance(o, h5py.Group):
            walk(o)
        elif o.name not in ("/command_line", "/threads", "/created"):
            seen.append(o.name)
            if o.name not in b or o[()].tolist() != b[o.name][()].tolist():
                diff.append(o.name)
walk(a)
assert "/world/calendar/bucket_ids" in seen and "/world/ships/free_list" in seen, seen
print("differ:", " ".join(diff) or "none")
sys.exit(1 if diff else 0)
PY
"$CONFLUX" gen --topology random --nodes 2000 --shipments 200000 --days 3 --km 5:60 --seed 3 \
  -o "$WORK/rounds" >/dev/null
for t in 1 2 3; do
  expect_exit 0 "200,000 trucks at once on $t thread(s)" -- "$CONFLUX" run \
    "$WORK/rounds/scenario.yaml" -o "$WORK/r$t.h5" --threads $t --quiet --checkpoint-every 1
done
for t in 2 3; do
  if $PY "$WORK/cmp.py" "$WORK/r1.h5" "$WORK/r$t.h5" >"$WORK/cmp" 2>&1 &&
    $PY "$WORK/cmp_ckpt.py" "$WORK/r1.h5.ckpt/day-00001.h5" "$WORK/r$t.h5.ckpt/day-00001.h5" \
      >>"$WORK/cmp" 2>&1 &&
    $PY "$WORK/cmp_ckpt.py" "$WORK/r1.h5.ckpt/day-00002.h5" "$WORK/r$t.h5.ckpt/day-00002.h5" \
      >>"$WORK/cmp" 2>&1; then
    ok "200,000 trucks at once: results and checkpoints equal on 1 and $t threads"
  else bad "200,000 trucks at once on $t threads: $(cat "$WORK/cmp")"; fi
done
# The chunking shapes the file, never its values: Kachin's year written in chunks of 2 days
# (each buffer row used 183 times over) equals the run written in one chunk. The world writes
# into the output's buffer only where the value or the old one is not zero (a page never
# written is never mapped): a value left from the chunk before would show here, where flows
# stop and start again at the same nodes.
for c in 2 400; do
  expect_exit 0 "kachin-2025 in chunks of $c days" -- "$CONFLUX" run \
    "$SRC/scenarios/kachin-2025.yaml" -o "$WORK/chunk$c.h5" --set output.chunk_days=$c --quiet
done
if $PY - "$WORK/chunk2.h5" "$WORK/chunk400.h5" >"$WORK/cmp" 2>&1 <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert a["node_throughput"].chunks[0] == 2 and b["node_throughput"].chunks[0] == len(b["time"])
diff = sorted(n for n in a if n != "mesh" and a[n][()].tolist() != b[n][()].tolist())
print("differ:", " ".join(diff) or "none")
f = a["node_throughput"][()]
# a node with flow on a day and none two days later (the same row of the next chunk)
assert ((f[:-2] > 0) & (f[2:] == 0)).any()
sys.exit(1 if diff or set(a) != set(b) else 0)
PY
then ok "kachin-2025: every dataset the same in chunks of 2 days and of 400"
else bad "the chunking changed values: $(cat "$WORK/cmp")"; fi
finish
