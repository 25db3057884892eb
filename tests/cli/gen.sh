# conflux gen writes scenarios that check accepts and run moves, for both topologies; the
# same seed gives the same files; an existing scenario is not overwritten.
. "$(dirname "$0")/testlib.bash"
for topo in grid random; do
  expect_exit 0 "gen $topo" -- "$CONFLUX" gen --topology $topo --nodes 400 --mines 2 --sinks 2 \
    --shipments 2000 --days 5 --km 20:80 --speed-kmh 20 --seed 3 -o "$WORK/$topo"
  expect_exit 0 "check the $topo scenario" -- "$CONFLUX" check "$WORK/$topo/scenario.yaml"
  if grep -q "NO ROUTE" "$WORK/out"; then bad "$topo: a mine has no route"; else ok "$topo: every mine reaches a market"; fi
  expect_exit 0 "run the $topo scenario" -- "$CONFLUX" run "$WORK/$topo/scenario.yaml" -o "$WORK/$topo.h5" --quiet --json
  if $PY - "$WORK/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["produced_t"] == 2000 * 10, r["produced_t"]  # 2000 truckloads of 10 t at day 0
total = r["arrived_t"] + r["in_transit_t"] + r["stock_t"] + r["seized_t"] + r["lost_t"]
assert abs(total - r["produced_t"]) < 1e-6, total
assert r["hop_events"] > 2000 and r["arrived_t"] > 0, r
PY
  then ok "$topo: all truckloads accounted for, some delivered"; else bad "$topo: json check"; cat "$WORK/out"; fi
done
expect_exit 0 "gen again with the same seed" -- "$CONFLUX" gen --topology random --nodes 400 --mines 2 --sinks 2 \
  --shipments 2000 --days 5 --km 20:80 --speed-kmh 20 --seed 3 -o "$WORK/again"
cmp -s "$WORK/random/edges.csv" "$WORK/again/edges.csv" && ok "same seed, same network" || bad "networks differ"
# --capacity caps every road: the capacity plan holds deliveries to what the caps allow
expect_exit 0 "gen with road capacities" -- "$CONFLUX" gen --topology grid --nodes 100 --mines 1 --sinks 1 \
  --shipments 200 --days 6 --km 20:20 --speed-kmh 20 --capacity 30 --seed 3 -o "$WORK/cap"
expect_exit 0 "run it" -- "$CONFLUX" run "$WORK/cap/scenario.yaml" -o "$WORK/cap.h5" --quiet
if $PY - "$WORK/cap.h5" "$WORK/cap/edges.csv" <<'PY'
import sys, csv, h5py
f = h5py.File(sys.argv[1], "r")
rows = list(csv.DictReader(open(sys.argv[2])))
assert all(r["capacity_t_per_day"] == "30" for r in rows), rows[0]
# the mine (a corner of the grid) has two roads of 30 t/day: 6 trucks of 10 t a day at most
assert f["edge_flow"][:].max() <= 30 + 1e-9, f["edge_flow"][:].max()
assert f["queued"][0].sum() > 1000, f["queued"][0].sum()
PY
then ok "capacity: no road carries more than 30 t a day, the rest queues"; else bad "gen --capacity"; fi
expect_exit 2 "bad --capacity" -- "$CONFLUX" gen --nodes 10 --shipments 1 --capacity 0 -o "$WORK/x"
expect_exit 73 "an existing scenario is not overwritten" -- "$CONFLUX" gen --nodes 10 --shipments 1 -o "$WORK/grid"
expect_exit 2 "missing --shipments" -- "$CONFLUX" gen --nodes 10 -o "$WORK/x"
expect_exit 2 "bad --km" -- "$CONFLUX" gen --nodes 10 --shipments 1 --km 5 -o "$WORK/x"
finish
