#!/usr/bin/env bash
# conflux sweep and conflux merge: a local sweep at any --jobs, a two-shard sweep (--shard
# and Slurm's array variables) followed by merge, --resume and a member that fails alone.
# Member series are compared variable by variable (sweep_compare.py); merged files byte for byte.
. "$(dirname "$0")/testlib.bash" "$@"
D=$SRC/tests/data/sweep
SC=$D/kachin-90d.yaml
GRID=$D/grid.yaml
cmp_series() { "$PY" "$SRC/tests/cli/sweep_compare.py" "$@" >"$WORK/cmp" 2>&1; }

# --- a local sweep, two members at a time
expect_exit 0 "local sweep of 12 members, --jobs 2" -- "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/local" --jobs 2
expect_err "members: 12 of 12 done, 0 failed" "the progress line counts members done and failed"
n=$(ls "$WORK/local"/member-*.h5 | wc -l)
[ "$n" = 12 ] && ok "12 member files" || bad "$n member files, expected 12"
"$PY" - "$WORK/local/sweep.h5" >"$WORK/py" 2>&1 <<'PY' && ok "sweep.h5: member dimension, seeds, statuses, parameters" || { bad "sweep.h5 layout"; cat "$WORK/py"; }
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

# --- one member at a time: the same bytes
expect_exit 0 "the same sweep, --jobs 1" -- "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/one" --jobs 1 --quiet
cmp_series "$WORK/local" "$WORK/one" && ok "member series identical for --jobs 1 and 2" || { bad "member series differ with --jobs"; cat "$WORK/cmp"; }
cmp -s "$WORK/local/sweep.h5" "$WORK/one/sweep.h5" && ok "sweep.h5 byte-identical for --jobs 1 and 2" || bad "sweep.h5 differs with --jobs"

# --- two shards (one by --shard, one by Slurm's variables), then merge
expect_exit 0 "shard 0/2" -- "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/shards" --shard 0/2
expect_err "conflux merge" "a shard says to merge when every shard is done"
[ ! -e "$WORK/shards/sweep.h5" ] && ok "a shard does not merge" || bad "a shard wrote sweep.h5"
got=$(cd "$WORK/shards" && ls member-*.h5 | tr '\n' ' ')
[ "$got" = "member-00000.h5 member-00002.h5 member-00004.h5 member-00006.h5 member-00008.h5 member-00010.h5 " ] \
  && ok "shard 0/2 ran the even members" || bad "shard 0/2 ran: $got"
expect_exit 0 "merge with one shard missing" -- "$CONFLUX" merge "$WORK/shards"
expect_err "missing: 6 members" "merge says what is missing"
expect_err "member-00001.h5" "merge names a missing member"
"$PY" - "$WORK/shards/sweep.h5" >"$WORK/py" 2>&1 <<'PY' && ok "missing members marked, their series fill" || { bad "missing members in sweep.h5"; cat "$WORK/py"; }
import sys, numpy as np, h5py
with h5py.File(sys.argv[1], "r") as f:
    assert list(f["member_status"][:]) == [0, 2] * 6, f["member_status"][:]
    assert f.attrs["complete"] == 0
    p = f["price"][:]
    assert np.isnan(p[1::2]).all() and not np.isnan(p[0::2]).any()
    assert (f["node_status"][1] == 255).all()
PY
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/shards" --quiet \
  && ok "shard 1/2 from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT" || bad "shard from Slurm variables"
n=$(ls "$WORK/shards"/member-*.h5 | wc -l)
[ "$n" = 12 ] && ok "the two shards made all 12 members" || bad "$n member files after two shards"
expect_exit 0 "merge of the two shards" -- "$CONFLUX" merge "$WORK/shards"
cmp_series "$WORK/local" "$WORK/shards" && ok "member series identical, local and two shards" || { bad "shards differ from local"; cat "$WORK/cmp"; }
cmp -s "$WORK/local/sweep.h5" "$WORK/shards/sweep.h5" && ok "merged shards byte-identical to the local sweep.h5" || bad "merged shards differ"
expect_exit 2 "a bad --shard" -- "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/x" --shard 2/2
expect_err "--shard takes K/N with 0 <= K < N" "the bad shard is explained"

# --- resume: delete two member files; exactly those two are recomputed
cp -a "$WORK/local" "$WORK/resume"
rm "$WORK/resume/member-00003.h5" "$WORK/resume/member-00010.h5"
touch -d '2001-01-01' "$WORK/resume"/member-*.h5
expect_exit 73 "without --resume an existing member file is not overwritten" -- "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/resume"
expect_err "add --resume" "the refusal suggests --resume"
expect_exit 0 "--resume" -- "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/resume" --resume
expect_err "members: 2 of 2 done" "--resume ran two members"
new=$(find "$WORK/resume" -name 'member-*.h5' -newermt '2002-01-01' -printf '%f ' | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$new" = "member-00003.h5 member-00010.h5 " ] && ok "exactly the two deleted members were recomputed" || bad "recomputed: '$new'"
cmp_series "$WORK/local" "$WORK/resume" 3 10 && ok "the recomputed members equal the originals" || { bad "recomputed members differ"; cat "$WORK/cmp"; }
cmp -s "$WORK/local/sweep.h5" "$WORK/resume/sweep.h5" && ok "sweep.h5 after --resume byte-identical" || bad "sweep.h5 differs after --resume"
expect_exit 73 "DIR of another sweep refused" -- "$CONFLUX" sweep "$SC" "$D/list.yaml" -o "$WORK/resume" --resume
expect_err "holds another sweep" "the other sweep is explained"

# --- a member with an impossible value fails alone
expect_exit 1 "a sweep with an impossible value exits 1" -- "$CONFLUX" sweep "$SC" "$D/impossible.yaml" -o "$WORK/fail"
expect_err "member 1 failed: --set conflict.strikes.loss_p: 'loss_p' must be a probability in [0, 1], got 1.5" "the failure is reported"
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
expect_exit 66 "missing sweep file" -- "$CONFLUX" sweep "$SC" "$D/no-such.yaml" -o "$WORK/bad"
expect_exit 2 "no -o" -- "$CONFLUX" sweep "$SC" "$GRID"
expect_exit 66 "merge of a directory without a sweep" -- "$CONFLUX" merge "$WORK/nothing"
if ! ldd "$CONFLUX" | grep -q libmpi; then
  OMPI_COMM_WORLD_SIZE=2 "$CONFLUX" sweep "$SC" "$GRID" -o "$WORK/nompi" >"$WORK/out" 2>"$WORK/err"
  [ $? = 2 ] && grep -q "built without MPI" "$WORK/err" && ok "under mpirun, a conflux without MPI refuses" || bad "no-MPI refusal"
fi
finish
