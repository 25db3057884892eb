# conflux import-acled: the synthetic ACLED sample becomes an events table that a scenario
# runs; malformed rows are located and dropped; options, exit codes and the report.
. "$(dirname "$0")/testlib.bash"
SAMPLE="$SRC/tests/data/acled/sample-export.csv"
K="$SRC/scenarios/kachin-2025-no-offensive.yaml"
EV="$WORK/events.csv"

expect_exit 0 "import the sample" -- "$CONFLUX" import-acled "$SAMPLE" --scenario "$K" \
  -o "$EV" --report "$WORK/report.csv"
expect_err "22 events read: 13 mapped, 9 dropped (2 of them malformed)" "the summary counts"
expect_err "sample-export.csv:13:10: 'event_date' must be a date" "a bad date is located"
expect_err "sample-export.csv:20:246: 'latitude' must be a number" "a bad latitude is located"
expect_err "out of range" "the drops are summarised by reason"
[ "$(wc -l <"$EV")" = 14 ] && ok "13 events and a header" || bad "events.csv has $(wc -l <"$EV") lines"
[ "$(wc -l <"$WORK/report.csv")" = 23 ] && ok "the report has a row per event" ||
  bad "report has $(wc -l <"$WORK/report.csv") lines"
grep -q '^11,MMR90008,2025-11-18,.*,dropped,,,,,"out of range: no node within 25 km (nearest Putao, 79.1 km)"$' \
  "$WORK/report.csv" && ok "the report says why a row was dropped" || bad "report lacks the drop reason"
[ ! -e "$EV.partial" ] && ok "no .partial left" || bad ".partial left behind"

# The imported table drives a run like any other: the events happen on their days and
# the capture of Bhamo hands it to the KIA.
expect_exit 0 "run with the imported events" -- "$CONFLUX" run "$K" --set "events=$EV" \
  -o "$WORK/run.h5" --quiet
if $PY - "$WORK/run.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
kinds = [k.decode() for k in f["event_kind"].attrs["flag_meanings"].split()]
got = [(float(t), kinds[k]) for t, k in zip(f["event_time"][:], f["event_kind"][:])]
for want in [(2.0, "attack"), (9.0, "capture"), (11.0, "capture"), (21.0, "checkpoint"),
             (24.0, "destroy"), (27.0, "close"), (49.0, "reopen"), (7.0, "strike")]:
    assert want in got, (want, got)
nodes = [n.decode() for n in f["node_name"][:]]
ids = [n.decode() for n in f["group_name"][:]]
bhamo = [i for i, n in enumerate(nodes) if n == "Bhamo"][0]
ctl = f["node_controller"][:, bhamo]
assert ids[ctl[10]] == "SAC" and ids[ctl[12]] == "KIA", (ctl[8:14], ids)
PY
then ok "the imported events happen in the run"; else bad "the run does not show the imported events"; fi

# Output safety and the exit codes of DESIGN section 2.
expect_exit 73 "an existing output is kept" -- "$CONFLUX" import-acled "$SAMPLE" --scenario "$K" -o "$EV"
expect_err "exists; use --force" "the refusal says why"
expect_exit 0 "--force overwrites" -- "$CONFLUX" import-acled "$SAMPLE" --scenario "$K" -o "$EV" --force --quiet
grep -q "events read" "$WORK/err" && bad "--quiet printed a summary" || ok "--quiet drops the summary"
expect_exit 65 "--strict refuses malformed rows" -- "$CONFLUX" import-acled "$SAMPLE" --scenario "$K" \
  -o "$WORK/strict.csv" --strict
[ ! -e "$WORK/strict.csv" ] && ok "--strict writes nothing" || bad "--strict wrote a file"
expect_exit 66 "a missing export" -- "$CONFLUX" import-acled "$WORK/none.csv" --scenario "$K" -o "$WORK/x.csv"
expect_exit 66 "a missing scenario" -- "$CONFLUX" import-acled "$SAMPLE" --scenario "$WORK/none.yaml" -o "$WORK/x.csv"
expect_exit 65 "an export without a latitude column" -- "$CONFLUX" import-acled \
  "$SRC/tests/data/acled/bad-no-latitude.csv" --scenario "$K" -o "$WORK/x.csv"
expect_err "bad-no-latitude.csv:1:1: missing column 'latitude'" "the missing column is located"
expect_exit 65 "a bad actors file" -- "$CONFLUX" import-acled "$SAMPLE" --scenario "$K" -o "$WORK/x.csv" \
  --actors "$SRC/tests/data/acled/bad-actors.csv"
expect_err "bad-actors.csv:3:14: a group name has no spaces" "the bad group is located"
expect_exit 2 "missing -o" -- "$CONFLUX" import-acled "$SAMPLE" --scenario "$K"
expect_exit 2 "missing --scenario" -- "$CONFLUX" import-acled "$SAMPLE" -o "$WORK/x.csv"
expect_exit 2 "a bad radius" -- "$CONFLUX" import-acled "$SAMPLE" --scenario "$K" -o "$WORK/x.csv" --radius-km -3
expect_exit 2 "a bad --from" -- "$CONFLUX" import-acled "$SAMPLE" --scenario "$K" -o "$WORK/x.csv" --from "31 Nov 2025"
expect_exit 2 "an unknown option" -- "$CONFLUX" import-acled "$SAMPLE" --scenario "$K" -o "$WORK/x.csv" --radius 3
[ ! -e "$WORK/x.csv" ] && ok "no output after an error" || bad "output written after an error"
expect_exit 0 "help import-acled" -- "$CONFLUX" help import-acled

# Options: a date window, a wider radius and an actors file change what is kept.
expect_exit 0 "--from/--to, --radius-km, --actors" -- "$CONFLUX" import-acled "$SAMPLE" --scenario "$K" \
  -o "$WORK/opt.csv" --from 2025-11-05 --to "30 Nov 2025" --radius-km 100 \
  --actors "$SRC/tests/data/acled/actors.csv"
expect_err "22 events read: 11 mapped" "11 events in November within 100 km, the militia known"
grep -q '^14,capture,Waingmaw,,SAC,' "$WORK/opt.csv" && ok "the militia's capture goes to SAC" ||
  bad "the actors file was not used"
grep -q '^17,attack,Putao,7,' "$WORK/opt.csv" && ok "100 km reaches Putao" || bad "--radius-km not used"
finish
