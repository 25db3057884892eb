# The Python API (analysis/python/conflux, ctypes over libconflux.so) with Debian's
# /usr/bin/python3: its structs have conflux.h's layout, a run gives the CLI's arrays, set=,
# seed=, days=, output=, ScenarioError and ConfluxError, and a sweep (tests/cli/python_api.py).
. "$(dirname "$0")/testlib.bash"
BUILD=$(cd "$(dirname "$CONFLUX")" && pwd)
LIB=$BUILD/libconflux.so
if ldd "$CONFLUX" 2>/dev/null | grep -q libasan; then
  echo "SKIP: this build uses AddressSanitizer, whose runtime python3 does not load first"
  exit 0
fi
[ -e "$LIB" ] && ok "the shared library is built beside conflux" || { bad "no $LIB"; finish; exit; }
export PYTHONPATH=$SRC/analysis/python CONFLUX_LIB=$LIB TMPDIR=$WORK

# The ctypes structs against the compiler's sizes and offsets of conflux.h's.
cat >"$WORK/layout.c" <<'C'
#include <stddef.h>
#include <stdio.h>
#include "conflux.h"
#define S(t) printf(#t " %zu\n", sizeof(t))
#define O(t, f) printf(#t "." #f " %zu\n", offsetof(t, f))
int main(void)
{
    S(cfx_error); O(cfx_error, msg); S(cfx_diags); S(cfx_override);
    S(cfx_run_opts); O(cfx_run_opts, stop); O(cfx_run_opts, progress);
    O(cfx_run_opts, checkpoint_on_stop); O(cfx_run_opts, flush_at_close);
    O(cfx_run_opts, chunk_bytes);
    S(cfx_run_result); O(cfx_run_result, n_events);
    S(cfx_sweep_opts); O(cfx_sweep_opts, stop); O(cfx_sweep_opts, scratch);
    O(cfx_sweep_opts, dealer_only);
    S(cfx_sweep_tally); S(cfx_merge_report);
    return 0;
}
C
if cc -std=c11 -I"$SRC/include" "$WORK/layout.c" -o "$WORK/layout" 2>"$WORK/err"; then
  "$WORK/layout" >"$WORK/layout.c.txt"
  WORK_LAYOUT="$WORK/layout.c.txt" "$PY" - >"$WORK/layout.py.txt" <<'PY'
import ctypes, conflux as c
T = {"cfx_error": c._Error, "cfx_diags": c._Diags, "cfx_override": c._Override,
     "cfx_run_opts": c._RunOpts, "cfx_run_result": c._RunResult, "cfx_sweep_opts": c._SweepOpts,
     "cfx_sweep_tally": c._SweepTally, "cfx_merge_report": c._MergeReport}
for line in open(__import__("os").environ["WORK_LAYOUT"]):
    name, _ = line.split()
    t, _, f = name.partition(".")
    print(name, getattr(T[t], f).offset if f else ctypes.sizeof(T[t]))
PY
  if cmp -s "$WORK/layout.c.txt" "$WORK/layout.py.txt"; then
    ok "ctypes structs have conflux.h's sizes and offsets ($(wc -l <"$WORK/layout.c.txt") checked)"
  else bad "ctypes layout differs from conflux.h:"; diff "$WORK/layout.c.txt" "$WORK/layout.py.txt"; fi
else bad "the layout probe does not compile"; head -5 "$WORK/err"; fi

# The CLI's run to compare with, then the API's checks.
SEED=4242
expect_exit 0 "conflux run kachin-2025 --seed $SEED" -- \
  "$CONFLUX" run "$SRC/scenarios/kachin-2025.yaml" --seed $SEED -o "$WORK/cli.h5" --quiet
"$PY" "$SRC/tests/cli/python_api.py" "$SRC" "$WORK" "$WORK/cli.h5" $SEED >"$WORK/py.out" 2>&1
rc=$?
cat "$WORK/py.out"
passed=$((passed + $(grep -c '^ok:' "$WORK/py.out")))
failed=$((failed + $(grep -c '^FAIL:' "$WORK/py.out")))
[ $rc = 0 ] && ok "python_api.py exits 0" || bad "python_api.py: exit $rc"
finish
