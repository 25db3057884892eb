# The result file opens with ncdump and xarray (h5netcdf) with every DESIGN §4 variable,
# its dimensions and units; a run of the line network gives the hand-computed flows.
. "$(dirname "$0")/testlib.bash"
expect_exit 0 "run the line network" -- "$CONFLUX" run "$SRC/scenarios/examples/line.yaml" -o "$WORK/line.h5" --quiet
if ncdump -h "$WORK/line.h5" >"$WORK/cdl" 2>&1; then ok "ncdump -h opens the file"; else bad "ncdump -h failed: $(head -3 "$WORK/cdl")"; fi
for v in "time = UNLIMITED" "node = 4" "edge = 3" "product = 2" "group = 2" "event = UNLIMITED" \
         'price:units = "USD/kg"' 'time:units = "days since 2025-01-01"' ':Conventions = "CF-1.8"' \
         ':complete = 1'; do
  grep -qF -- "$v" "$WORK/cdl" && ok "ncdump shows $v" || bad "ncdump lacks $v"
done
if $PY "$SRC/tests/cli/check_output.py" "$WORK/line.h5" line >"$WORK/py" 2>&1; then
  ok "xarray/h5netcdf: variables, dims, units, flows"; else bad "xarray check"; sed 's/^/  | /' "$WORK/py"; fi
finish
