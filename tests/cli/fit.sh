# conflux fit and validate on the line example: a parameter the test knows is recovered from
# observations the test makes at it; observed tables with errors are refused with their
# place; validate fails (exit 1) on an observation outside its tolerance.
. "$(dirname "$0")/testlib.bash"
LINE="$SRC/scenarios/examples/line.yaml"
P=market.products.Dy2O3.cover_price_exponent
# The record: the line at x = 0.8 (its closure on days 5-8 moves the price), days 3 and 7.
expect_exit 0 "the line at $P=0.8" -- "$CONFLUX" run "$LINE" --set $P=0.8 -o "$WORK/truth.h5" --quiet
$PY - "$WORK/truth.h5" "$WORK/obs.csv" <<'PY'
import sys, h5py
p = h5py.File(sys.argv[1], "r")["price"][:, 0]
with open(sys.argv[2], "w") as f:
    f.write("date,variable,product,node,value,unit,source,tolerance\n")
    f.write("2025-01-04,price,Dy2O3,,%r,USD/kg,the line at x = 0.8 (test),\n" % p[3])
    f.write("2025-01-08,price,Dy2O3,,%r,USD/kg,the line at x = 0.8 (test),1.5\n" % p[7])
PY
expect_exit 0 "fit $P in [0.2, 3]" -- "$CONFLUX" fit "$LINE" --observed "$WORK/obs.csv" \
  --param $P=0.2:3 --json
if $PY - "$WORK/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
x = r["parameters"][0]["value"]
assert abs(x - 0.8) < 0.01, x
assert r["loss"] < 1e-6 and r["misses"] == 0 and len(r["observations"]) == 1, r
PY
then ok "fit recovers x = 0.8 from its own record"; else bad "fit: $(head -c 300 "$WORK/out")"; fi
expect_exit 0 "the same fit again" -- "$CONFLUX" fit "$LINE" --observed "$WORK/obs.csv" --param $P=0.2:3 --json
cp "$WORK/out" "$WORK/again.json"
expect_exit 0 "and once more" -- "$CONFLUX" fit "$LINE" --observed "$WORK/obs.csv" --param $P=0.2:3 --json
cmp -s "$WORK/out" "$WORK/again.json" && ok "the same seed, the same fit" || bad "two fits differ"

# validate: in tolerance at 0.8, outside it at 3 (a much weaker response)
expect_exit 0 "validate the line at 0.8" -- "$CONFLUX" validate "$LINE" --observed "$WORK/obs.csv" --set $P=0.8
grep -q "1 within tolerance, 0 outside" "$WORK/out" && ok "scorecard: 1 within" || bad "scorecard: $(cat "$WORK/out")"
expect_exit 1 "validate the line at 3" -- "$CONFLUX" validate "$LINE" --observed "$WORK/obs.csv" --set $P=3
grep -q "OUTSIDE" "$WORK/out" && ok "scorecard says OUTSIDE" || bad "no OUTSIDE: $(cat "$WORK/out")"
expect_err "1 observation outside its tolerance" "and says so on stderr"

# bad tables: every problem located
printf 'date,variable,product,node,value,unit,source,colour\n2025-01-04,price,Dy2O3,,200,USD/kg,x,red\n' >"$WORK/col.csv"
expect_exit 65 "an unknown column" -- "$CONFLUX" validate "$LINE" --observed "$WORK/col.csv"
expect_err "col.csv:1:46: unknown column 'colour'" "named at its place"
printf 'date,variable,product,node,value,unit,source,tolerance\n2025-01-04,price,Dy2O3,,200,USD/kg,x,\n2025-02-30,price,Dy2O3,,200,USD/kg,x,\n2025-01-05,prices,Dy2O3,,200,USD/kg,x,\n2025-01-06,price,,,200,USD/kg,x,\n2025-01-07,price,Dy2O3,,-1,USD/kg,x,\n2025-01-08,price,Dy2O3,,200,USD/kg,,\n2025-01-09,price,Dy2O3,,200,USD/kg,x,1\n2025-01-10,gate_flow,Dy2O3,,200,t,x,\n' >"$WORK/bad.csv"
expect_exit 65 "a table with bad rows" -- "$CONFLUX" validate "$LINE" --observed "$WORK/bad.csv"
for m in "bad.csv:3:1: 'date' must be a date" "bad.csv:4:12: unknown variable 'prices'" \
  "bad.csv:5:18: a price needs its product" "bad.csv:6:25: 'value' must be a positive number" \
  "bad.csv:7:36: every observation needs its 'source'" \
  "bad.csv:8:38: 'tolerance' must be a factor above 1" \
  "bad.csv:9:22: 'product' is not used by gate_flow"; do
  expect_err "$m" "located: $m"
done
printf 'date,variable,product,node,value,unit,source\n2025-01-04,price,Nd2O3,,200,USD/kg,x\n2025-01-06,price,Nd2O3,,210,USD/kg,x\n' >"$WORK/prod.csv"
expect_exit 65 "a product the scenario lacks" -- "$CONFLUX" validate "$LINE" --observed "$WORK/prod.csv"
expect_err "prod.csv:3:1: product 'Nd2O3' is not one of scenario 'line'" "named with its row"
expect_exit 66 "a missing table" -- "$CONFLUX" validate "$LINE" --observed "$WORK/none.csv"
expect_exit 2 "fit without --param" -- "$CONFLUX" fit "$LINE" --observed "$WORK/obs.csv"
expect_exit 2 "a bad --param" -- "$CONFLUX" fit "$LINE" --observed "$WORK/obs.csv" --param $P=3:1
finish
