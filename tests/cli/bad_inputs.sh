# Every malformed input in tests/data/bad/MANIFEST gives its located message and exit code,
# from `conflux check` and from `conflux run` (which writes nothing); check lists every error.
. "$(dirname "$0")/testlib.bash"
BAD="$SRC/tests/data/bad"
while IFS='|' read -r file code msg; do
  case "$file" in ''|'#'*) continue ;; esac
  (cd "$BAD" && "$CONFLUX" check "$file") >"$WORK/out" 2>"$WORK/err"
  got=$?
  if [ "$got" = "$code" ] && grep -qF -- "$msg" "$WORK/err"; then ok "check $file"; else
    bad "check $file: exit $got (want $code), stderr:"; sed 's/^/  | /' "$WORK/err" | head -3
    echo "  want: $msg"; fi
  (cd "$BAD" && "$CONFLUX" run "$file" -o "$WORK/out.h5" --quiet) >/dev/null 2>"$WORK/err"
  got=$?
  if [ "$got" = "$code" ] && grep -qF -- "$msg" "$WORK/err" && [ ! -e "$WORK/out.h5" ] \
     && [ ! -e "$WORK/out.h5.partial" ]; then ok "run $file"; else bad "run $file: exit $got"; fi
done <"$BAD/MANIFEST"

# check reports all the errors of a file, not only the first.
(cd "$BAD" && "$CONFLUX" check multi.yaml) >"$WORK/out" 2>"$WORK/err"
for m in "multi.csv:2:5: 'km' must be a length" "multi.csv:3:3: unknown node 'Nowhere'" \
         "multi.csv:4:8: unknown road class 'tarmac'" "grade-above-1.csv:2:6:" "4 problems in multi.yaml"; do
  expect_err "$m" "check lists: $m"
done
expect_exit 0 "the base fixture is valid" -- "$CONFLUX" check "$BAD/ok.yaml"

# A misspelt node kind is reported once, not again by each table that uses the node; so
# are a misspelt column, a grade column in the wrong case, a 'buys' on a town, and a
# scenario without products.
for c in "kind-typo.yaml:1" "required-typo.yaml:2" "buys-town-nothing.yaml:1" "no-products.yaml:1" \
         "buys-unknown.yaml:1" "grade-no-product.yaml:1"; do
  f=${c%:*} n=${c##*:}
  (cd "$BAD" && "$CONFLUX" check "$f") >"$WORK/out" 2>"$WORK/err"
  [ "$n" = 1 ] && want="1 problem in $f" || want="$n problems in $f"
  expect_err "$want" "$f: $n error(s), no cascade"
done

# Files too large to be a scenario or a table (the cap is 256 MiB): refused with a message
# before they fill memory, whether a device that never ends or a file measured first.
ln -s /dev/zero "$WORK/zero.yaml"
expect_exit 65 "a scenario that is /dev/zero" -- "$CONFLUX" check "$WORK/zero.yaml"
expect_err "zero.yaml: larger than 256 MiB" "the refusal names the file and the cap"
truncate -s 300M "$WORK/sparse.csv"
sed 's|nodes: nodes.csv|nodes: '"$WORK"'/sparse.csv|; s|edges: edges.csv|edges: '"$BAD"'/edges.csv|;
     s|mines: mines.csv|mines: '"$BAD"'/mines.csv|; s|events: events.csv|events: '"$BAD"'/events.csv|' \
  "$BAD/ok.yaml" >"$WORK/sparse.yaml"
expect_exit 65 "a 300 MB nodes table" -- "$CONFLUX" check "$WORK/sparse.yaml"
expect_err "sparse.csv: larger than 256 MiB" "the refusal names the table"
# Sweep files: an unknown parameter path and a value of the wrong type, located in the
# sweep file; nothing is run and no directory is made.
for case in "sweep-unknown-path.yaml:3:11: parameter 'transport.no_such_key' is not in the scenario" \
            "sweep-bad-value.yaml:4:17: 'transport.truck_t' is a number in the scenario, got 'ten'"; do
  f=${case%%:*}
  (cd "$BAD" && "$CONFLUX" sweep ok.yaml "$f" -o "$WORK/sweep-out") >"$WORK/out" 2>"$WORK/err"
  code=$?
  [ "$code" = 65 ] && grep -qF -- "$case" "$WORK/err" && [ ! -e "$WORK/sweep-out" ] \
    && ok "sweep $f" || { bad "sweep $f: exit $code"; head -3 "$WORK/err"; }
done
# Every problem of a sweep file at once, not only the first found.
(cd "$BAD" && "$CONFLUX" sweep ok.yaml sweep-two-problems.yaml -o "$WORK/sweep-out") \
  >"$WORK/out" 2>"$WORK/err"
grep -qF "sweep-two-problems.yaml:4:11: parameter 'transport.no_such_key' is not in the scenario" \
  "$WORK/err" && grep -qF "sweep-two-problems.yaml:7:17: 'transport.truck_t' is a number" \
  "$WORK/err" && ok "a sweep file's two problems reported together" \
  || { bad "a sweep file's two problems"; head -4 "$WORK/err"; }
# YAML's merge key is refused at its place, as anchors are; a table key that an extending
# file removes is reported at the key that removed it, not at a line of another file.
printf 'extends: %s\nroads:\n  expressway: {<<: {speed_kmh: 45}}\n' "$SRC/scenarios/kachin-2025.yaml" >"$WORK/merge-key.yaml"
expect_exit 65 "a merge key" -- "$CONFLUX" check "$WORK/merge-key.yaml"
expect_err "merge-key.yaml:3:16: merge keys ('<<') are not supported" "the merge key is named at its place"
printf 'extends: %s\nnetwork:\n  nodes: ~\n' "$SRC/scenarios/kachin-2025.yaml" >"$WORK/no-nodes.yaml"
expect_exit 65 "the nodes table removed by an extending file" -- "$CONFLUX" check "$WORK/no-nodes.yaml"
expect_err "no-nodes.yaml:3:3: missing key 'network.nodes'" "reported at the key that removed it"
# A range whose width is not a finite number would make every member's value infinite.
printf 'design: lhs\nsamples: 4\nparameters:\n  - path: transport.truck_t\n    range: [-1e308, 1e308]\n' \
  >"$WORK/wide.yaml"
expect_exit 65 "a sweep range wider than a double" -- "$CONFLUX" sweep "$BAD/ok.yaml" \
  "$WORK/wide.yaml" -o "$WORK/wide-out"
expect_err "wide.yaml:5:12: 'range' of 'transport.truck_t' is too wide" "the range is named at its line"
# A parameter that cannot be swept is the one problem reported: its range is not 'unknown'.
printf 'design: lhs\nsamples: 4\nparameters:\n  - path: days\n    range: [10, 20]\n' >"$WORK/lhs-days.yaml"
expect_exit 65 "sweeping days" -- "$CONFLUX" sweep "$BAD/ok.yaml" "$WORK/lhs-days.yaml" -o "$WORK/lhs-out"
expect_err "lhs-days.yaml:4:11: 'days' cannot be swept" "the path is named"
grep -q "unknown key" "$WORK/err" && bad "a second, wrong problem: $(cat "$WORK/err")" || ok "no 'unknown key' after it"
# A large edges table looks its node ids up on the run's threads: unknown ids are still
# reported at their line and column, in the table's order (one in each thread's half of the
# rows), and nothing is written.
"$CONFLUX" gen --topology random --nodes 10000 --shipments 10 --days 2 --seed 1 \
  -o "$WORK/big" >/dev/null
awk -F, -v OFS=, 'NR == 5001 {$1 = "nowhere1"} NR == 25001 {$2 = "nowhere2"} {print}' \
  "$WORK/big/edges.csv" >"$WORK/big/edges.tmp" && mv "$WORK/big/edges.tmp" "$WORK/big/edges.csv"
expect_exit 65 "a 30,000-road table with two unknown ids, on two threads" -- \
  "$CONFLUX" run "$WORK/big/scenario.yaml" --threads 2 -o "$WORK/big.h5" --quiet
[ "$(grep -c "unknown node" "$WORK/err")" = 2 ] &&
  grep -A1 -F "edges.csv:5001:1: unknown node 'nowhere1'" "$WORK/err" |
  grep -qF "edges.csv:25001:" && [ ! -e "$WORK/big.h5" ] && [ ! -e "$WORK/big.h5.partial" ] &&
  ok "both located, in the table's order, nothing written" ||
  { bad "the large table's unknown ids"; head -4 "$WORK/err"; }
# The same table with two more rows repeating roads (one the other way round): each found
# among 30,000 roads (a hash table of the pairs), reported at its line with its pair's first.
"$CONFLUX" gen --topology random --nodes 10000 --shipments 10 --days 2 --seed 1 \
  -o "$WORK/big" --force >/dev/null
awk 'NR == 2 || NR == 20000 {print > "/dev/stderr"} {print}' "$WORK/big/edges.csv" \
  >"$WORK/big/edges.tmp" 2>"$WORK/rows"
sed -n 1p "$WORK/rows" >>"$WORK/big/edges.tmp"
awk -F, -v OFS=, 'NR == 2 {t = $1; $1 = $2; $2 = t; print}' "$WORK/rows" >>"$WORK/big/edges.tmp"
mv "$WORK/big/edges.tmp" "$WORK/big/edges.csv"
rows=$(wc -l <"$WORK/big/edges.csv")
expect_exit 65 "a road table repeating two of its 30,000 roads" -- \
  "$CONFLUX" check "$WORK/big/scenario.yaml"
[ "$(grep -c "a second road" "$WORK/err")" = 2 ] &&
  grep -qF "edges.csv:$((rows - 1)):1: a second road between" "$WORK/err" &&
  grep -qF "(the first is at line 2)" "$WORK/err" &&
  grep -qF "edges.csv:$rows:1: a second road between" "$WORK/err" &&
  grep -qF "(the first is at line 20000)" "$WORK/err" &&
  ok "both found, each with its pair's first line" ||
  { bad "the repeated roads of a large table"; head -4 "$WORK/err"; }
expect_exit 66 "a scenario that is a directory" -- "$CONFLUX" check "$BAD/a-directory.csv"
expect_err "cannot read: Is a directory" "the message says why"
finish
