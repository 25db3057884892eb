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
finish
