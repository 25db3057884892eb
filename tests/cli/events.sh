# conflux events end to end on the Kachin 2025 run: the CSV holds every event of the file
# with the kind, date, node and group that the file's own numbers and flag attributes give
# (read independently with h5py); --kind filters; a sweep member's timeline equals the one of
# the member's own file; bad input exits 66, 65 or 2; -o refuses to overwrite (73).
source "$(dirname "$0")/testlib.bash"

if ! $PY -c "import h5py" 2>/dev/null; then
  echo "skip: /usr/bin/python3 lacks h5py"; exit 77
fi
RUN="$WORK/k.h5"
"$CONFLUX" run "$SRC/scenarios/kachin-2025.yaml" -o "$RUN" --quiet >/dev/null 2>"$WORK/run.err" ||
  { bad "run kachin-2025"; cat "$WORK/run.err"; finish; exit 1; }

expect_exit 0 "events -o writes a CSV" -- "$CONFLUX" events "$RUN" -o "$WORK/ev.csv"
if $PY - "$RUN" "$WORK/ev.csv" >"$WORK/py.out" 2>&1 <<'PY'
import csv, datetime, math, sys, h5py
f = h5py.File(sys.argv[1], "r")
rows = list(csv.DictReader(open(sys.argv[2], newline="")))
n = f["event_time"].shape[0]
assert len(rows) == n, (len(rows), n)
assert list(rows[0].keys()) == "date day kind node edge group days name".split(), rows[0].keys()
kind_names = f["event_kind"].attrs["flag_meanings"].decode().split()
kind_values = list(f["event_kind"].attrs["flag_values"])
start = datetime.date.fromisoformat(f.attrs["start"].decode())
node = [s.decode() for s in f["node_id"][:]]
edge = [s.decode() for s in f["edge"][:]]
group = [s.decode() for s in f["group_name"][:]]
t = f["event_time"][:]
order = sorted(range(n), key=lambda i: (t[i], i))   # by time, file order for ties
for r, i in zip(rows, order):
    want = {"kind": kind_names[kind_values.index(f["event_kind"][i])],
            "date": (start + datetime.timedelta(days=math.floor(t[i]))).isoformat(),
            "node": node[f["event_node"][i]] if f["event_node"][i] >= 0 else "",
            "edge": edge[f["event_edge"][i]] if f["event_edge"][i] >= 0 else "",
            "group": group[f["event_group"][i]] if f["event_group"][i] >= 0 else ""}
    got = {k: r[k] for k in want}
    assert got == want, (i, got, want)
    assert abs(float(r["day"]) - t[i]) < 1e-6, (r, t[i])
    d = f["event_days"][i]
    assert (r["days"] == "") if d == 0 else abs(float(r["days"]) - d) < 1e-6 * max(1, d), (r, d)
days = [float(r["day"]) for r in rows]
assert days == sorted(days)
# the scripted destruction at Hpakant, 25 Nov 2025 (scenarios/kachin-2025/events.csv, day 24)
hit = [r for r in rows if r["kind"] == "destroy" and r["node"] == "Hpakant"]
assert len(hit) == 1 and hit[0]["date"] == "2025-11-25" and hit[0]["day"] == "24", hit
assert hit[0]["name"] == "Hpakant jade mines", hit
PY
then ok "CSV: every event, its kind, date, place, group and duration as the file says"
else bad "CSV against h5py"; tail -5 "$WORK/py.out"; fi

"$CONFLUX" events "$RUN" >"$WORK/all.txt" 2>"$WORK/err"
if grep -Eq "^2025-11-25 +24  destroy +Hpakant +- +- +Hpakant jade mines$" "$WORK/all.txt" &&
  [ "$(head -1 "$WORK/all.txt" | tr -s ' ')" = "date day kind place group days name" ]; then
  ok "table: header and the Hpakant destruction row"
else bad "table"; head -3 "$WORK/all.txt"; grep destroy "$WORK/all.txt"; fi

"$CONFLUX" events "$RUN" --kind Close,CAPTURE -o "$WORK/close.csv" 2>"$WORK/err"
if $PY -c "
import csv
rows = list(csv.DictReader(open('$WORK/close.csv')))
kinds = {r['kind'] for r in rows}
assert kinds == {'close', 'capture'}, kinds
full = [r for r in csv.DictReader(open('$WORK/ev.csv')) if r['kind'] in kinds]
assert rows == full, (len(rows), len(full))" 2>"$WORK/py.err"; then
  ok "--kind close,capture (any case) keeps those kinds, in order"
else bad "--kind"; tail -3 "$WORK/py.err"; fi
expect_exit 2 "--kind with an unknown name" -- "$CONFLUX" events "$RUN" --kind close,blockade
expect_err "unknown event kind 'blockade' (kinds: cut, reopen, close" "the message lists the kinds"

# A sweep: member 1's timeline is its own file's.
SW="$WORK/sw"
if "$CONFLUX" sweep "$SRC/tests/data/sweep/kachin-90d.yaml" "$SRC/tests/data/sweep/grid.yaml" \
  -o "$SW" >/dev/null 2>"$WORK/sweep.err"; then
  "$CONFLUX" events "$SW/member-00001.h5" >"$WORK/m1.txt" 2>/dev/null
  "$CONFLUX" events "$SW/sweep.h5" --member 1 >"$WORK/s1.txt" 2>"$WORK/err"
  if [ -s "$WORK/m1.txt" ] && cmp -s "$WORK/m1.txt" "$WORK/s1.txt" && [ ! -s "$WORK/err" ]; then
    ok "sweep --member 1 equals member-00001.h5"
  else bad "sweep --member 1"; diff "$WORK/m1.txt" "$WORK/s1.txt" | head -5; fi
  "$CONFLUX" events "$SW/member-00000.h5" >"$WORK/m0.txt" 2>/dev/null
  "$CONFLUX" events "$SW/sweep.h5" >"$WORK/s0.txt" 2>"$WORK/err"
  if cmp -s "$WORK/m0.txt" "$WORK/s0.txt"; then ok "sweep without --member: member 0"; else
    bad "sweep default member"; fi
  expect_err "showing member 0 (choose with --member N)" "... and a note says so"
  expect_exit 2 "--member past the sweep's members" -- "$CONFLUX" events "$SW/sweep.h5" --member 12
  expect_err "the sweep has 12 members (0 to 11)" "the message gives the range"
else bad "sweep"; tail -3 "$WORK/sweep.err"; fi
expect_exit 2 "--member on a run" -- "$CONFLUX" events "$RUN" --member 0
expect_exit 2 "--member not a number" -- "$CONFLUX" events "$RUN" --member one

# dates before 1970 (a negative day count) are dates all the same; a run may not end past
# 9999-12-31, the last date YYYY-MM-DD writes
"$CONFLUX" run "$SRC/scenarios/kachin-2025.yaml" --set start=1969-12-01 --days 40 \
  -o "$WORK/1969.h5" --quiet >/dev/null 2>&1
"$CONFLUX" events "$WORK/1969.h5" -o "$WORK/1969.csv" >/dev/null 2>&1
[ "$(sed -n 2p "$WORK/1969.csv" | cut -d, -f1)" = 1969-12-01 ] &&
  ! cut -d, -f1 "$WORK/1969.csv" | tail -n +2 | grep -qv '^19[67][0-9]-' &&
  ok "a run from 1969-12-01: every event dated" || bad "events before 1970: $(head -3 "$WORK/1969.csv")"
expect_exit 65 "a run past 9999-12-31" -- "$CONFLUX" run "$SRC/scenarios/kachin-2025.yaml" \
  --set start=9999-12-01 --days 40 -o "$WORK/9999.h5" --quiet
expect_err "40 days from 9999-12-01 run past 9999-12-31, the last date conflux writes" "the message says why"

expect_exit 66 "missing file" -- "$CONFLUX" events "$WORK/nothing.h5"
expect_err "nothing.h5: cannot open" "the message names the missing file"
printf 'not hdf5\n' >"$WORK/text.h5"
expect_exit 65 "a file that is not HDF5" -- "$CONFLUX" events "$WORK/text.h5"
expect_err "text.h5: not a conflux result: not an HDF5 file" "the message names the file"

cp "$WORK/close.csv" "$WORK/keep.csv"
expect_exit 73 "existing -o without --force" -- "$CONFLUX" events "$RUN" -o "$WORK/close.csv"
expect_err "close.csv: exists; use --force" "the message names the file"
if cmp -s "$WORK/close.csv" "$WORK/keep.csv" && [ ! -e "$WORK/close.csv.partial" ]; then
  ok "the old file is unchanged"; else bad "the old file was touched"; fi
expect_exit 0 "--force overwrites" -- "$CONFLUX" events "$RUN" -o "$WORK/close.csv" --force
if cmp -s "$WORK/close.csv" "$WORK/ev.csv"; then ok "... with the full timeline"; else
  bad "--force output"; fi
finish
