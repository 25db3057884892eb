# Checkpoint and resume: a run resumed from an early or a late checkpoint, on 1 or 2 threads,
# writes the same bytes in every variable as a run that was never stopped (the Kachin
# scenario, with its stochastic offensive, strikes, production and market state, and a
# synthetic network with 12,000 trucks in flight). A checkpoint of another scenario, seed,
# set of overrides or format version is refused (65), and so is a damaged one; a missing one
# is 66.
. "$(dirname "$0")/testlib.bash"
KACHIN="$SRC/scenarios/kachin-2025.yaml"

# same A B: every dataset of result A equals B's, strings included; both complete.
cat >"$WORK/same.py" <<'PY'
import sys, h5py
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = sorted(n for n in a if isinstance(a[n], h5py.Dataset))
assert names == sorted(n for n in b if isinstance(b[n], h5py.Dataset)), "different variables"
def value(d):
    v = d[()]
    return v.tolist() if d.dtype.kind == "O" else (v.dtype.str, v.shape, v.tobytes())
diff = [n for n in names if value(a[n]) != value(b[n])]
assert not diff, "differ: " + " ".join(diff)
assert a.attrs["complete"] == 1 and b.attrs["complete"] == 1
print(len(names), "variables,", len(a["time"]), "days,", len(a["event_time"]), "events")
PY
same() { # same A B DESCRIPTION
  if $PY "$WORK/same.py" "$1" "$2" >"$WORK/cmp" 2>&1; then ok "$3: $(cat "$WORK/cmp")"
  else bad "$3: $(tail -1 "$WORK/cmp")"; fi
}
# The run's figures on --json, less the timings and the output's name.
figures() {
  $PY -c 'import json, sys
r = json.load(open(sys.argv[1]))
for k in ("wall_seconds", "load_seconds", "output_seconds", "output_wait_seconds",
          "peak_rss_bytes", "output", "threads"):
    r.pop(k, None)
print(json.dumps(r, sort_keys=True))' "$1"
}

# ---- Kachin: 365 days, a checkpoint every 50 days
expect_exit 0 "kachin, uninterrupted" -- "$CONFLUX" run "$KACHIN" -o "$WORK/full.h5" --quiet --json
figures "$WORK/out" >"$WORK/full.json"
expect_exit 0 "kachin with --checkpoint-every 50" -- \
  "$CONFLUX" run "$KACHIN" -o "$WORK/ck.h5" --checkpoint-every 50 --quiet
same "$WORK/full.h5" "$WORK/ck.h5" "writing checkpoints leaves the result as it was"
got=$(cd "$WORK/ck.h5.ckpt" && echo *)
want="day-00050.h5 day-00100.h5 day-00150.h5 day-00200.h5 day-00250.h5 day-00300.h5 day-00350.h5"
[ "$got" = "$want" ] && ok "checkpoints after days 50, 100, ..., 350, none at the end" ||
  bad "checkpoint files: $got"
$PY - "$WORK/ck.h5.ckpt/day-00100.h5" <<'PY' && ok "a checkpoint holds its day, format and 100 days of series" || bad "checkpoint contents"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert f["days"][0] == 100 and f["format_version"][0] == 6, (f["days"][0], f["format_version"][0])
assert f["series/price"].shape[0] == 100 and f["series/time"][-1] == 99
assert f["world/ships/cap"][0] >= 1024 and "model/conflict/timer_t_h" in f
assert bytes(f["scenario/scenario"][()]).startswith(b"# kachin-2025")
PY
for t in 1 2; do
  for day in 00050 00300; do
    expect_exit 0 "resume from day $day on $t thread(s)" -- "$CONFLUX" run "$KACHIN" \
      -o "$WORK/r$day-$t.h5" --resume "$WORK/ck.h5.ckpt/day-$day.h5" --threads $t --quiet --json
    figures "$WORK/out" >"$WORK/r.json"
    same "$WORK/full.h5" "$WORK/r$day-$t.h5" "resumed from day $day on $t thread(s)"
    cmp -s "$WORK/full.json" "$WORK/r.json" && ok "  and the same summary on --json" ||
      bad "summary differs: $(diff "$WORK/full.json" "$WORK/r.json" | head -3)"
  done
done
# A resumed run that writes checkpoints writes the same ones again.
expect_exit 0 "resume from day 250 writing checkpoints" -- "$CONFLUX" run "$KACHIN" \
  -o "$WORK/again.h5" --resume "$WORK/ck.h5.ckpt/day-00250.h5" --checkpoint-every 50 --quiet
$PY - "$WORK/ck.h5.ckpt/day-00350.h5" "$WORK/again.h5.ckpt/day-00350.h5" <<'PY' && ok "the day-350 checkpoint it writes equals the first run's" || bad "day-350 checkpoints differ"
import sys, h5py
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
def walk(f):
    out = {}
    f.visititems(lambda n, o: out.__setitem__(n, o[()].tobytes()) if isinstance(o, h5py.Dataset) else None)
    return out
x, y = walk(a), walk(b)
info = ("created", "command_line")
assert x.keys() == y.keys()
diff = [n for n in x if x[n] != y[n] and n not in info]
assert not diff, diff
PY

# ---- a synthetic network: 12,000 trucks in flight, enough for two threads to share a step
expect_exit 0 "gen a network" -- "$CONFLUX" gen --topology random --nodes 1500 --mines 4 --sinks 3 \
  --shipments 12000 --days 12 --km 20:200 --speed-kmh 15 --seed 5 -o "$WORK/gen"
GEN="$WORK/gen/scenario.yaml"
expect_exit 0 "gen, uninterrupted on 2 threads" -- "$CONFLUX" run "$GEN" -o "$WORK/gfull.h5" --threads 2 --quiet
expect_exit 0 "gen with --checkpoint-every 4" -- \
  "$CONFLUX" run "$GEN" -o "$WORK/gck.h5" --checkpoint-every 4 --quiet
$PY - "$WORK/gck.h5.ckpt/day-00004.h5" <<'PY' && ok "trucks still on the roads at day 4" || bad "gen checkpoint has no trucks in flight"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert f["world/ships/n_active"][0] > 1000 and f["world/calendar/bucket_ids"].shape[0] > 1000
PY
expect_exit 0 "gen: resume from day 4 on 1 thread" -- \
  "$CONFLUX" run "$GEN" -o "$WORK/g4.h5" --resume "$WORK/gck.h5.ckpt/day-00004.h5" --quiet
same "$WORK/gfull.h5" "$WORK/g4.h5" "gen resumed from day 4 on 1 thread"
expect_exit 0 "gen: resume from day 8 on 2 threads" -- "$CONFLUX" run "$GEN" -o "$WORK/g8.h5" \
  --resume "$WORK/gck.h5.ckpt/day-00008.h5" --threads 2 --quiet
same "$WORK/gfull.h5" "$WORK/g8.h5" "gen resumed from day 8 on 2 threads"

# ---- what a resume refuses
CK="$WORK/ck.h5.ckpt/day-00100.h5"
expect_exit 65 "another seed" -- "$CONFLUX" run "$KACHIN" -o "$WORK/x.h5" --resume "$CK" --seed 12
expect_err "seed 20251101; this run has seed 12" "  says which seeds"
expect_exit 65 "another --set" -- "$CONFLUX" run "$KACHIN" -o "$WORK/x.h5" --resume "$CK" \
  --set transport.truck_t=25
expect_err "this run has [transport.truck_t=25]" "  names the override, on one line"
expect_exit 65 "another scenario" -- "$CONFLUX" run "$SRC/scenarios/kachin-2025-no-offensive.yaml" \
  -o "$WORK/x.h5" --resume "$CK"
cp -r "$SRC/scenarios/kachin-2025.yaml" "$SRC/scenarios/kachin-2025" "$WORK/"
expect_exit 0 "the same scenario copied elsewhere is accepted" -- "$CONFLUX" run \
  "$WORK/kachin-2025.yaml" -o "$WORK/moved.h5" --resume "$CK" --quiet
same "$WORK/full.h5" "$WORK/moved.h5" "resumed from a copy of the scenario"
sed -i 's/^Pangwa,46,/Pangwa,47,/' "$WORK/kachin-2025/mines.csv"
expect_exit 65 "a scenario table changed since" -- "$CONFLUX" run "$WORK/kachin-2025.yaml" \
  -o "$WORK/x.h5" --resume "$CK"
expect_err "mines.csv (mines) has changed since" "  names the table"
expect_exit 66 "a missing checkpoint" -- "$CONFLUX" run "$KACHIN" -o "$WORK/x.h5" \
  --resume "$WORK/ck.h5.ckpt/day-00001.h5"
expect_exit 66 "a directory as checkpoint" -- "$CONFLUX" run "$KACHIN" -o "$WORK/x.h5" \
  --resume "$WORK/ck.h5.ckpt"
head -c 100000 "$CK" >"$WORK/truncated.h5"
expect_exit 65 "a truncated checkpoint" -- "$CONFLUX" run "$KACHIN" -o "$WORK/x.h5" \
  --resume "$WORK/truncated.h5"
expect_err "checkpoint" "  says so"
echo "not a checkpoint" >"$WORK/text.h5"
expect_exit 65 "a text file" -- "$CONFLUX" run "$KACHIN" -o "$WORK/x.h5" --resume "$WORK/text.h5"
expect_err "not a conflux checkpoint" "  says so"
expect_exit 65 "a result file instead of a checkpoint" -- "$CONFLUX" run "$KACHIN" \
  -o "$WORK/x.h5" --resume "$WORK/full.h5"
expect_err "not a conflux checkpoint" "  says so"
# One byte changed inside the shipments' times, and the format version bumped (with a
# checksum that matches, as a future conflux would write it).
cp "$CK" "$WORK/flipped.h5"
cp "$CK" "$WORK/future.h5"
$PY - "$WORK/flipped.h5" "$WORK/future.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    off = f["world/ships/t_h"].id.get_offset()
with open(sys.argv[1], "r+b") as f:
    f.seek(off + 8 * 7 + 6)
    b = f.read(1)
    f.seek(off + 8 * 7 + 6)
    f.write(bytes([b[0] ^ 0x40]))
def fnv(data):  # the checksum of sim/checkpoint.c: FNV-1a on 64-bit words, then bytes
    h, m = 14695981039346656037, (1 << 64) - 1
    for i in range(0, len(data) // 8 * 8, 8):
        h = ((h ^ int.from_bytes(data[i:i + 8], "little")) * 1099511628211) & m
    for c in data[len(data) // 8 * 8:]:
        h = ((h ^ c) * 1099511628211) & m
    return h
with h5py.File(sys.argv[2], "r+") as f:
    d = f["format_version"]
    assert d.attrs["checksum"] == fnv(d[()].tobytes()), "checksum recipe"
    d[0] = 99
    d.attrs["checksum"] = np.uint64(fnv(d[()].tobytes()))
PY
expect_exit 65 "a damaged checkpoint" -- "$CONFLUX" run "$KACHIN" -o "$WORK/x.h5" --resume "$WORK/flipped.h5"
expect_err "'world/ships/t_h': checksum mismatch" "  names what is damaged"
expect_exit 65 "another format version" -- "$CONFLUX" run "$KACHIN" -o "$WORK/x.h5" --resume "$WORK/future.h5"
expect_err "format version 99; this conflux reads version 6" "  says which versions"
[ ! -e "$WORK/x.h5" ] && [ ! -e "$WORK/x.h5.partial" ] && ok "no refused resume wrote a result" ||
  bad "a refused resume left a result"

# ---- the files around a resume
echo "left by an interrupted run" >"$WORK/int.h5.partial"
expect_exit 0 "resume replaces the interrupted run's .partial" -- "$CONFLUX" run "$KACHIN" \
  -o "$WORK/int.h5" --resume "$CK" --quiet
same "$WORK/full.h5" "$WORK/int.h5" "  and writes the whole run"
expect_exit 73 "but not a finished result, without --force" -- "$CONFLUX" run "$KACHIN" \
  -o "$WORK/int.h5" --resume "$CK"
expect_exit 2 "--checkpoint-every 0" -- "$CONFLUX" run "$KACHIN" --checkpoint-every 0
expect_exit 2 "--checkpoint-every x" -- "$CONFLUX" run "$KACHIN" --checkpoint-every x
echo "a file" >"$WORK/blocked.h5.ckpt"
expect_exit 73 "OUT.ckpt is a file" -- "$CONFLUX" run "$KACHIN" -o "$WORK/blocked.h5" \
  --checkpoint-every 100 --quiet
expect_err "not a directory" "  says so"
finish
