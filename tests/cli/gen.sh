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
expect_exit 73 "an existing scenario is not overwritten" -- "$CONFLUX" gen --nodes 10 --shipments 1 -o "$WORK/grid"
expect_exit 2 "missing --shipments" -- "$CONFLUX" gen --nodes 10 -o "$WORK/x"
expect_exit 2 "bad --km" -- "$CONFLUX" gen --nodes 10 --shipments 1 --km 5 -o "$WORK/x"
finish
