#!/usr/bin/env bash
# conflux sweep and conflux merge: a local sweep at any --jobs, a two-shard sweep (--shard
# and Slurm's array variables) followed by merge (--require-all), --shards against a
# resubmitted array, a sweep stopped by SIGTERM and resumed from its members' checkpoints
# (with --scratch), --resume and a member that fails alone.
# Member files (sweep_compare.py) and merged files (cmp) are compared byte for byte. Each sweep
# runs from its own directory into `out`, so that -o, which each member's command_line names,
# is spelled the same everywhere.
. "$(dirname "$0")/testlib.bash" "$@"
CONFLUX=$(readlink -f "$CONFLUX")
D=$SRC/tests/data/sweep
SC=$D/kachin-90d.yaml
GRID=$D/grid.yaml
T0=$(date -u +%s)
# The sweep's recorded time (DIR/created), hence every member's `created` attribute.
export SOURCE_DATE_EPOCH=1762000000
CREATED=2025-11-01T12:26:40Z

# sweep_in NAME ARGS...: conflux sweep ARGS... run in $WORK/NAME (created if need be).
sweep_in() { local at=$WORK/$1; shift; mkdir -p "$at" && (cd "$at" && "$CONFLUX" sweep "$@"); }
# cmp_members A B [MEMBER...]: every member file of $WORK/A/out (or those given) has the
# bytes of the one in $WORK/B/out; else $WORK/cmp says what differs.
cmp_members() {
  local a=$WORK/$1/out b=$WORK/$2/out
  shift 2
  "$PY" "$SRC/tests/cli/sweep_compare.py" "$a" "$b" "$@" >"$WORK/cmp" 2>&1
}

# --- a local sweep, two members at a time
expect_exit 0 "local sweep of 12 members, --jobs 2" -- sweep_in local "$SC" "$GRID" -o out --jobs 2
expect_err "members: 12 of 12 done, 0 failed" "the progress line counts members done and failed"
n=$(ls "$WORK/local/out"/member-*.h5 | wc -l)
[ "$n" = 12 ] && ok "12 member files" || bad "$n member files, expected 12"
[ "$(cat "$WORK/local/out/created")" = "$CREATED" ] && ok "DIR/created holds SOURCE_DATE_EPOCH as ISO 8601" || bad "DIR/created: $(cat "$WORK/local/out/created")"
"$PY" - "$WORK/local/out/sweep.h5" >"$WORK/py" 2>&1 <<'PY' && ok "sweep.h5: member dimension, seeds, statuses, parameters" || { bad "sweep.h5 layout"; cat "$WORK/py"; }
import sys, numpy as np, xarray as xr
d = xr.open_dataset(sys.argv[1], engine="h5netcdf")
assert d.sizes["member"] == 12 and d.sizes["time"] == 90, d.sizes
assert d.price.dims == ("member", "time", "product")
assert d.event_kind.dims == ("member", "event")
assert list(d.member_status.values) == [0] * 12
assert len(set(int(s) for s in d.member_seed.values)) == 12
assert list(d.param_conflict_offensive_attack_rate.values) == [0.02] * 4 + [0.04] * 4 + [0.08] * 4
assert list(d.param_conflict_closures_daily_p.values) == [0.0, 0.0, 0.1, 0.1] * 3
# replicates differ by seed only: members 0 and 1 share parameters, not event histories
n = d.member_event_count.values
assert n.max() == d.sizes["event"] and (n > 0).all()
# the events of member 0 stop at its count; the rest of the row is fill
assert np.isnan(d.event_time.values[0, n[0]:]).all() and not np.isnan(d.event_time.values[0, :n[0]]).any()
PY
"$PY" - "$WORK/local/out" "$SC" "$CREATED" >"$WORK/py" 2>&1 <<'PY' && ok "a member's created is the sweep's time; its command_line the conflux run that reproduces it" || { bad "member attributes"; cat "$WORK/py"; }
import sys, h5py
out, sc, created = sys.argv[1:]
for m, rate, p in ((0, "0.02", "0.0"), (11, "0.08", "0.1")):
    with h5py.File(f"{out}/member-{m:05d}.h5", "r") as f:
        a = f.attrs
        assert a["created"].decode() == created, a["created"]
        want = (f"conflux run {sc} -o out/member-{m:05d}.h5 --seed {a['seed']} "
                f"--set conflict.offensive.attack_rate={rate} --set conflict.closures.daily_p={p}")
        assert a["command_line"].decode() == want, (a["command_line"], want)
PY

# --- one member at a time: the same bytes
expect_exit 0 "the same sweep, --jobs 1" -- sweep_in one "$SC" "$GRID" -o out --jobs 1 --quiet
cmp_members local one && ok "member files byte-identical for --jobs 1 and 2" || { bad "member files differ with --jobs"; cat "$WORK/cmp"; }
cmp -s "$WORK/local/out/sweep.h5" "$WORK/one/out/sweep.h5" && ok "sweep.h5 byte-identical for --jobs 1 and 2" || bad "sweep.h5 differs with --jobs"

# --- the merge reads members in --jobs processes and writes them in order: the same bytes
# for any count; a member that does not fit is reported, the first in member order, whichever
# reader found it (members 4 and 9 go to different readers of two)
for j in 1 3; do
  expect_exit 0 "merge --jobs $j" -- "$CONFLUX" merge "$WORK/local/out" -o "$WORK/merge-j$j.h5" --quiet --jobs $j
  cmp -s "$WORK/merge-j$j.h5" "$WORK/local/out/sweep.h5" && ok "merge --jobs $j: byte-identical to the sweep's" || bad "merge --jobs $j gave other bytes"
done
cp -r "$WORK/local/out" "$WORK/misfit"
rm "$WORK/misfit/sweep.h5"
for m in 4 9; do
  "$CONFLUX" run "$SC" -o "$WORK/misfit/member-0000$m.h5" --days 30 --force --quiet || bad "a 30-day run"
done
for j in 1 2; do
  expect_exit 65 "merge --jobs $j of members with another time axis" -- "$CONFLUX" merge "$WORK/misfit" --jobs $j
  expect_err "member-00004.h5: dimension 'time' has length 30 where the first complete member has 90" "merge --jobs $j names the first member that does not fit"
  [ ! -e "$WORK/misfit/sweep.h5" ] && ok "merge --jobs $j wrote no sweep.h5" || bad "merge --jobs $j wrote sweep.h5 from misfits"
done
expect_exit 2 "merge --jobs 0" -- "$CONFLUX" merge "$WORK/misfit" --jobs 0
# a complete member whose data is damaged (bytes of its event_time chunk overwritten) is bad
# input, not a failure to write: exit 65, a message that says how to redo it, no sweep file
cp -r "$WORK/local/out" "$WORK/damaged"
rm "$WORK/damaged/sweep.h5"
"$PY" - "$WORK/damaged/member-00002.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    c = f["event_time"].id.get_chunk_info(0)
with open(sys.argv[1], "r+b") as f:
    f.seek(c.byte_offset + c.size // 2)
    f.write(b"\xff" * max(4, c.size // 4))
PY
expect_exit 65 "merge of a member with a damaged chunk" -- "$CONFLUX" merge "$WORK/damaged" --quiet
expect_err "member-00002.h5: cannot read variable 'event_time': the file is damaged; delete it and run the sweep again with --resume" "the damaged member is named, with how to redo it"
[ ! -e "$WORK/damaged/sweep.h5" ] && ok "no sweep.h5 from a damaged member" || bad "sweep.h5 written from a damaged member"
# gaps in the list of complete members (one missing, one failed): the same bytes, the statuses
cp -r "$WORK/local/out" "$WORK/gaps"
rm "$WORK/gaps/sweep.h5" "$WORK/gaps/member-00005.h5" "$WORK/gaps/member-00007.h5"
echo "a failure for the test" >"$WORK/gaps/member-00007.error"
for j in 1 3; do
  expect_exit 0 "merge --jobs $j with a missing and a failed member" -- "$CONFLUX" merge "$WORK/gaps" -o "$WORK/gaps-j$j.h5" --quiet --jobs $j
done
cmp -s "$WORK/gaps-j1.h5" "$WORK/gaps-j3.h5" && ok "gaps: merge --jobs 1 and 3 byte-identical" || bad "gaps: --jobs 1 and 3 differ"
"$PY" - "$WORK/gaps-j3.h5" "$WORK/local/out/sweep.h5" >"$WORK/py" 2>&1 <<'PY' && ok "gaps: statuses ok/missing/failed, the rest every member's values" || { bad "gaps merged wrong"; cat "$WORK/py"; }
import sys, h5py, numpy as np
g, full = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert list(g["member_status"][:]) == [0] * 5 + [2, 0, 1] + [0] * 4, list(g["member_status"][:])
assert g["member_error"][7].decode() == "a failure for the test"
for m in (0, 4, 6, 8, 11):
    assert g["price"][m].tobytes() == full["price"][m].tobytes(), m
assert np.isnan(g["price"][5]).all() and np.isnan(g["price"][7]).all()
PY
# a member that cannot be read (its price variable gone), members 4 and 9 again: the read
# fails naming member 4 on 1 and 2 readers, and leaves neither sweep.h5 nor its .partial
cp -r "$WORK/local/out" "$WORK/unread"
rm "$WORK/unread/sweep.h5"
"$PY" -c "
import h5py, sys
for m in (4, 9):
    with h5py.File(f'{sys.argv[1]}/member-{m:05d}.h5', 'a') as f:
        del f['price']" "$WORK/unread"
for j in 1 2; do
  expect_exit 65 "merge --jobs $j of a member without its price" -- "$CONFLUX" merge "$WORK/unread" --jobs $j
  expect_err "member-00004.h5: has no variable 'price', which the first complete member has; delete it and run the sweep again with --resume" "merge --jobs $j names the first member it cannot read"
  [ ! -e "$WORK/unread/sweep.h5" ] && [ ! -e "$WORK/unread/sweep.h5.partial" ] && ok "merge --jobs $j left no file behind" || bad "merge --jobs $j left a file"
done

# --- two shards (one by --shard, one by Slurm's variables), then merge
expect_exit 0 "shard 0/2" -- sweep_in shards "$SC" "$GRID" -o out --shard 0/2
expect_err "conflux merge" "a shard says to merge when every shard is done"
[ ! -e "$WORK/shards/out/sweep.h5" ] && ok "a shard does not merge" || bad "a shard wrote sweep.h5"
got=$(cd "$WORK/shards/out" && ls member-*.h5 | tr '\n' ' ')
[ "$got" = "member-00000.h5 member-00002.h5 member-00004.h5 member-00006.h5 member-00008.h5 member-00010.h5 " ] \
  && ok "shard 0/2 ran the even members" || bad "shard 0/2 ran: $got"
expect_exit 1 "merge --require-all with one shard missing" -- "$CONFLUX" merge "$WORK/shards/out" --require-all --shards 2
expect_err "array tasks (of --shards 2) to resubmit: 1" "--require-all names the shard to resubmit"
[ ! -e "$WORK/shards/out/sweep.h5" ] && ok "--require-all writes nothing while members are missing" || bad "--require-all wrote sweep.h5"
expect_exit 0 "merge with one shard missing" -- "$CONFLUX" merge "$WORK/shards/out"
expect_err "missing: 6 members without a complete file: 1, 3, 5" "merge says which members are missing"
"$PY" - "$WORK/shards/out/sweep.h5" >"$WORK/py" 2>&1 <<'PY' && ok "missing members marked, their series fill" || { bad "missing members in sweep.h5"; cat "$WORK/py"; }
import sys, numpy as np, h5py
with h5py.File(sys.argv[1], "r") as f:
    assert list(f["member_status"][:]) == [0, 2] * 6, f["member_status"][:]
    assert f.attrs["complete"] == 0
    p = f["price"][:]
    assert np.isnan(p[1::2]).all() and not np.isnan(p[0::2]).any()
    assert (f["node_status"][1] == 255).all()
PY
# the second shard starts later, with another SOURCE_DATE_EPOCH: DIR's recorded time wins
SOURCE_DATE_EPOCH=1 SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 sweep_in shards "$SC" "$GRID" -o out --quiet \
  && ok "shard 1/2 from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT" || bad "shard from Slurm variables"
n=$(ls "$WORK/shards/out"/member-*.h5 | wc -l)
[ "$n" = 12 ] && ok "the two shards made all 12 members" || bad "$n member files after two shards"
expect_exit 0 "merge of the two shards" -- "$CONFLUX" merge "$WORK/shards/out"
cmp_members local shards && ok "member files byte-identical, local and two shards (the first shard's time recorded)" || { bad "shards differ from local"; cat "$WORK/cmp"; }
cmp -s "$WORK/local/out/sweep.h5" "$WORK/shards/out/sweep.h5" && ok "merged shards byte-identical to the local sweep.h5" || bad "merged shards differ"
expect_exit 2 "a bad --shard" -- "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/x" --shard 2/2
expect_err "--shard takes K/N with 0 <= K < N" "the bad shard is explained"
# a resubmitted --array=3,7 has 2 tasks, from 3: the count comes from --shards, not Slurm
SLURM_ARRAY_TASK_ID=7 SLURM_ARRAY_TASK_COUNT=2 SLURM_ARRAY_TASK_MIN=3 "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/x" >/dev/null 2>"$WORK/err"
[ $? = 2 ] && grep -q "give the shard count with --shards N" "$WORK/err" && ok "a resubmitted task without --shards is refused, saying why" || { bad "task 7 of a resubmitted array"; cat "$WORK/err"; }
expect_exit 0 "task 7 of --shards 8 (a resubmitted --array=3,7)" -- env SLURM_ARRAY_TASK_ID=7 SLURM_ARRAY_TASK_COUNT=2 SLURM_ARRAY_TASK_MIN=3 "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/s8" --shards 8
got=$(cd "$WORK/s8" && ls member-*.h5 | tr '\n' ' ')
[ "$got" = "member-00007.h5 " ] && ok "--shards 8 as task 7 ran member 7 only" || bad "--shards 8 task 7 ran: $got"
expect_exit 2 "--shards without an array task" -- env -u SLURM_ARRAY_TASK_ID "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/x" --shards 4
expect_err "SLURM_ARRAY_TASK_ID, which is not set" "--shards outside an array is explained"
expect_exit 2 "srun -n 2 without an MPI plugin" -- env SLURM_STEP_NUM_TASKS=2 "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/x"
expect_err "srun --mpi=pmix" "several Slurm tasks without MPI are refused"

# --- an ensemble of seeds: a grid without parameters, the scenario once per replicate
printf 'design: grid\nreplicates: 4\n' >"$WORK/seeds.yaml"
expect_exit 0 "an ensemble of 4 seeds (no parameters)" -- sweep_in seeds "$SC" "$WORK/seeds.yaml" -o out --quiet
"$PY" - "$WORK/seeds/out/sweep.h5" >"$WORK/py" 2>&1 <<'PY' && ok "4 members, 4 seeds, no param_*, results differ by seed" || { bad "ensemble of seeds"; cat "$WORK/py"; }
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert f["member"].shape == (4,) and len(set(f["member_seed"][:])) == 4
assert not [k for k in f if k.startswith("param_")], list(f)
assert len({f["price"][m].tobytes() for m in range(4)}) > 1
PY
# The merge copies a series' compressed chunks from the member files: the sweep file's
# chunks are the members' and every value is the member's, bit for bit. A member of this
# small network holds its whole run in one chunk a series (cfx_run_opts.chunk_bytes).
"$PY" - "$WORK/seeds/out" >"$WORK/py" 2>&1 <<'PY' && ok "merged series: the members' chunks (the whole run), every value and event bit for bit" || { bad "merged series differ from the members"; cat "$WORK/py"; }
import sys, h5py, numpy as np
d = sys.argv[1]
f = h5py.File(d + "/sweep.h5", "r")
n = events = 0
for m in range(4):
    g = h5py.File(f"{d}/member-{m:05d}.h5", "r")
    for name, ds in g.items():
        if not isinstance(ds, h5py.Dataset) or ds.ndim != 2 or name == "time_bnds":
            continue
        if ds.dims[0] and ds.dims[0][0].name != "/time":
            continue
        assert f[name].chunks == (1,) + ds.chunks, (name, f[name].chunks, ds.chunks)
        assert ds.chunks[0] == g["time"].shape[0] > 32, (name, ds.chunks)
        assert f[name][m].tobytes() == ds[()].tobytes(), (m, name)
        n += 1
    # events: the member's, then the fill value (the merge packs these chunks itself)
    k = g["event_kind"].shape[0]
    for name in ("event_time", "event_kind", "event_node", "event_edge", "event_days", "event_group"):
        row = f[name][m]
        assert row[:k].tobytes() == g[name][()].tobytes(), (m, name)
        fill = np.array(f[name].fillvalue, dtype=row.dtype)
        assert row[k:].tobytes() == np.full(row.shape[0] - k, fill).tobytes(), (m, name)
    events += k
assert n >= 4 * 10 and events > 0, (n, events)
PY

# --- a sweep stopped by SIGTERM (Slurm's time limit, preemption) while its members run:
# each running member stops after its day with a checkpoint; --resume goes on from them and
# the merged file is byte-identical to an uninterrupted sweep. 4 members of about a second.
SLOW=$D/kachin-long.yaml PAIR=$D/pair.yaml
expect_exit 0 "an uninterrupted slow sweep" -- sweep_in slow-ref "$SLOW" "$PAIR" -o out --jobs 2 --quiet
mkdir -p "$WORK/slow"
(cd "$WORK/slow" && exec "$CONFLUX" sweep "$SLOW" "$PAIR" -o out --jobs 2 --scratch "$WORK/slow-scratch" --quiet) 2>"$WORK/err" &
pid=$!
for _ in $(seq 200); do ls "$WORK/slow-scratch"/*.partial >/dev/null 2>&1 && break; sleep 0.05; done
sleep 0.3
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" = 130 ] && grep -q "stopped with a checkpoint; rerun with --resume" "$WORK/err" && ok "SIGTERM: exit 130, members stopped with a checkpoint" || { bad "SIGTERM gave exit $rc"; cat "$WORK/err"; }
n=$(ls "$WORK/slow/out"/member-*.h5.ckpt/day-*.h5 2>/dev/null | wc -l)
[ "$n" -ge 1 ] && ok "$n checkpoint(s) copied from scratch into the sweep directory" || { bad "no checkpoint after SIGTERM"; ls -R "$WORK/slow" "$WORK/slow-scratch"; }
ls "$WORK/slow/out"/member-*.error >/dev/null 2>&1 && bad "a stopped member was recorded as failed" || ok "a stopped member is not a failure"
# a damaged checkpoint (a copy of the stopped sweep, bytes of one checkpoint's data overwritten):
# --resume fails that member with how to run it afresh; done so, the sweep is the same
mkdir -p "$WORK/damagedck" && cp -r "$WORK/slow/out" "$WORK/damagedck/out"
ck=$(ls "$WORK/damagedck/out"/member-*.h5.ckpt/day-*.h5 | head -1)
"$PY" - "$ck" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    at = f["world/ships/t_h"].id.get_offset()  # the trucks' clocks, checksummed
with open(sys.argv[1], "r+b") as f:
    f.seek(at + 8)
    f.write(b"\xff" * 64)
PY
expect_exit 1 "--resume with a damaged checkpoint" -- sweep_in damagedck "$SLOW" "$PAIR" -o out --jobs 2 --resume --quiet
expect_err "delete out/$(basename "$(dirname "$ck")") and run the sweep again with --resume to run this member from its first day" "the member's error says how to run it afresh"
rm -r "$(dirname "$ck")"
expect_exit 0 "--resume once the damaged checkpoint is deleted" -- sweep_in damagedck "$SLOW" "$PAIR" -o out --jobs 2 --resume --quiet
cmp -s "$WORK/slow-ref/out/sweep.h5" "$WORK/damagedck/out/sweep.h5" && ok "the member run afresh: sweep.h5 byte-identical to the uninterrupted one" || bad "sweep.h5 after a damaged checkpoint differs"
expect_exit 0 "--resume after SIGTERM" -- sweep_in slow "$SLOW" "$PAIR" -o out --jobs 2 --scratch "$WORK/slow-scratch" --resume --quiet
cmp -s "$WORK/slow-ref/out/sweep.h5" "$WORK/slow/out/sweep.h5" && ok "stopped and resumed sweep.h5 byte-identical to the uninterrupted one" || bad "resumed sweep.h5 differs"
"$PY" "$SRC/tests/cli/sweep_compare.py" --data "$WORK/slow-ref/out" "$WORK/slow/out" >"$WORK/cmp" 2>&1 && ok "every member holds the uninterrupted sweep's data" || { bad "resumed members differ"; cat "$WORK/cmp"; }
left=$(ls -d "$WORK/slow/out"/*.ckpt "$WORK/slow-scratch"/* 2>/dev/null | wc -l)
[ "$left" = 0 ] && ok "no checkpoint or scratch file left once every member is done" || { bad "$left files left"; ls -R "$WORK/slow/out" "$WORK/slow-scratch"; }

# --- a member whose process dies (SIGKILL, a crash): members run in a pool of worker
# processes; the dead worker's member is recorded as failed with the signal, a new worker
# runs the members left, and --resume redoes the failed one: the same bytes as before.
mkdir -p "$WORK/crash"
(cd "$WORK/crash" && exec "$CONFLUX" sweep "$SLOW" "$PAIR" -o out --jobs 2 --quiet) 2>"$WORK/err" &
pid=$!
for _ in $(seq 200); do ls "$WORK/crash/out"/*.partial >/dev/null 2>&1 && break; sleep 0.05; done
sleep 0.2
victim=$(pgrep -P "$pid" | head -1)
[ -n "$victim" ] && kill -KILL "$victim"
wait "$pid"
rc=$?
notes=$(grep -l "killed by signal 9" "$WORK/crash/out"/member-*.error 2>/dev/null | wc -l)
done_ok=$(ls "$WORK/crash/out"/member-*.h5 2>/dev/null | wc -l)
[ "$rc" = 1 ] && [ "$notes" = 1 ] && [ "$done_ok" = 3 ] \
  && ok "a killed worker: exit 1, its member noted 'killed by signal 9', the other 3 done" \
  || { bad "killed worker: exit $rc, $notes notes, $done_ok member files"; cat "$WORK/err"; ls "$WORK/crash/out"; }
expect_exit 0 "--resume redoes the killed member" -- sweep_in crash "$SLOW" "$PAIR" -o out --jobs 2 --resume --quiet
cmp -s "$WORK/slow-ref/out/sweep.h5" "$WORK/crash/out/sweep.h5" && ok "after the crash and --resume, sweep.h5 is byte-identical to the uninterrupted one" || bad "sweep.h5 after a crash differs"
ls "$WORK/crash/out"/member-*.error >/dev/null 2>&1 && bad "the crash note is left after --resume" || ok "the crash note is gone once the member succeeds"

# --- resume, later and without SOURCE_DATE_EPOCH: delete two member files; exactly those two
# are recomputed, with DIR's recorded time
cp -a "$WORK/local" "$WORK/resume"
rm "$WORK/resume/out/member-00003.h5" "$WORK/resume/out/member-00010.h5"
touch -d '2001-01-01' "$WORK/resume/out"/member-*.h5
expect_exit 73 "without --resume an existing member file is not overwritten" -- sweep_in resume "$SC" "$GRID" -o out
expect_err "add --resume" "the refusal suggests --resume"
expect_exit 0 "--resume" -- env -u SOURCE_DATE_EPOCH bash -c 'cd "$1" && "$2" sweep "$3" "$4" -o out --resume' \
  _ "$WORK/resume" "$CONFLUX" "$SC" "$GRID"
expect_err "members: 2 of 2 done" "--resume ran two members"
new=$(find "$WORK/resume/out" -name 'member-*.h5' -newermt '2002-01-01' -printf '%f ' | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$new" = "member-00003.h5 member-00010.h5 " ] && ok "exactly the two deleted members were recomputed" || bad "recomputed: '$new'"
cmp_members local resume 3 10 && ok "the recomputed member files are byte-identical to the originals" || { bad "recomputed members differ"; cat "$WORK/cmp"; }
cmp -s "$WORK/local/out/sweep.h5" "$WORK/resume/out/sweep.h5" && ok "sweep.h5 after --resume byte-identical" || bad "sweep.h5 differs after --resume"
expect_exit 73 "DIR of another sweep refused" -- sweep_in resume "$SC" "$D/list.yaml" -o out --resume
expect_err "holds another sweep" "the other sweep is explained"

# --- without SOURCE_DATE_EPOCH the sweep records the time it began; a member with an
# impossible value fails alone
expect_exit 1 "a sweep with an impossible value exits 1" -- env -u SOURCE_DATE_EPOCH "$CONFLUX" sweep "$SC" "$D/impossible.yaml" -o "$WORK/fail"
expect_err "member 1 failed: --set conflict.strikes.loss_p: 'loss_p' must be a probability in [0, 1], got 1.5" "the failure is reported"
"$PY" - "$WORK/fail" "$T0" "$(date -u +%s)" >"$WORK/py" 2>&1 <<'PY' && ok "DIR/created is when the sweep ran; both members that ran carry it" || { bad "created without SOURCE_DATE_EPOCH"; cat "$WORK/py"; }
import sys, datetime, h5py
d, t0, t1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
text = open(f"{d}/created").read()
t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ\n").replace(tzinfo=datetime.timezone.utc).timestamp()
assert t0 <= t <= t1, (t0, text, t1)
for m in (0, 2):
    with h5py.File(f"{d}/member-{m:05d}.h5", "r") as f:
        assert f.attrs["created"].decode() + "\n" == text
PY
"$PY" - "$WORK/fail/sweep.h5" >"$WORK/py" 2>&1 <<'PY' && ok "member_error holds the failure; the others ran" || { bad "failed member in sweep.h5"; cat "$WORK/py"; }
import sys, numpy as np, xarray as xr
d = xr.open_dataset(sys.argv[1], engine="h5netcdf")
assert list(d.member_status.values) == [0, 1, 0]
err = [str(e) for e in d.member_error.values]
assert err[0] == "" and err[2] == "" and "got 1.5" in err[1], err
p = d.price.values
assert np.isnan(p[1]).all() and not np.isnan(p[0]).any() and not np.isnan(p[2]).any()
assert list(d.param_conflict_strikes_loss_p.values) == [0.2, 1.5, 0.4]
PY

# --- bad sweep files and bad use
expect_exit 65 "unknown parameter path" -- "$CONFLUX" sweep "$SC" "$D/bad-path.yaml" -o "$WORK/bad"
expect_err "bad-path.yaml:5:11: parameter 'conflict.offensive.atack_rate' is not in the scenario" "located at the path"
[ ! -e "$WORK/bad" ] && ok "nothing runs before the sweep file is checked" || bad "DIR created for a bad sweep"
expect_exit 65 "a sobol sweep of 21 parameters" -- "$CONFLUX" sweep "$SC" "$D/bad-sobol-21.yaml" -o "$WORK/bad"
expect_err "bad-sobol-21.yaml:5:3: sobol takes at most 20 parameters, got 21" "located at the parameter list"
expect_exit 2 "a malformed SOURCE_DATE_EPOCH" -- env SOURCE_DATE_EPOCH=yesterday "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/bad"
expect_err "SOURCE_DATE_EPOCH must be seconds since 1970-01-01" "says what SOURCE_DATE_EPOCH must be"
[ ! -e "$WORK/bad" ] && ok "nothing is written under a malformed SOURCE_DATE_EPOCH" || bad "DIR created under a bad SOURCE_DATE_EPOCH"
expect_exit 66 "missing sweep file" -- "$CONFLUX" sweep "$SC" "$D/no-such.yaml" -o "$WORK/bad"
expect_exit 2 "no -o" -- "$CONFLUX" sweep "$SC" "$GRID"
expect_exit 66 "merge of a directory without a sweep" -- "$CONFLUX" merge "$WORK/nothing"
expect_err "not a sweep directory: it has no members.csv" "says it is not a sweep directory"
mkdir -p "$WORK/odd/members.csv"
expect_exit 66 "merge where members.csv is a directory" -- "$CONFLUX" merge "$WORK/odd"
expect_err "members.csv: cannot read: Is a directory" "says why members.csv cannot be read"
if ! ldd "$CONFLUX" | grep -q libmpi; then
  OMPI_COMM_WORLD_SIZE=2 "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/nompi" >"$WORK/out" 2>"$WORK/err"
  [ $? = 2 ] && grep -q "built without MPI" "$WORK/err" && ok "under mpirun, a conflux without MPI refuses" || bad "no-MPI refusal"
fi
finish
