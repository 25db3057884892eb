# A short run of the default scenario under valgrind memcheck: no invalid read or write, no
# use of uninitialised memory, no definite or indirect leak. (HDF5 and the OpenMP runtime
# keep some memory until exit on purpose: "still reachable" and "possibly lost" blocks are
# theirs and are not counted.)
. "$(dirname "$0")/testlib.bash"
if ! command -v valgrind >/dev/null; then
  echo "SKIP: valgrind is not installed (scripts/install-deps.sh installs it)"
  exit 0
fi
if ldd "$CONFLUX" 2>/dev/null | grep -q libasan; then
  echo "SKIP: this build uses AddressSanitizer, which cannot run under valgrind"
  exit 0
fi
VG=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99)
for threads in 1 2; do
  "${VG[@]}" --log-file="$WORK/vg-$threads.log" "$CONFLUX" run "$SRC/scenarios/kachin-2025.yaml" \
    --days 30 --threads $threads --quiet -o "$WORK/vg-$threads.h5" >"$WORK/out" 2>"$WORK/err"
  code=$?
  if [ "$code" = 0 ]; then ok "valgrind, $threads thread(s): exit 0"; else
    bad "valgrind, $threads thread(s): exit $code"
    grep -E "ERROR SUMMARY|definitely|indirectly|Invalid|uninitialised" "$WORK/vg-$threads.log" | head
  fi
  grep -q "ERROR SUMMARY: 0 errors" "$WORK/vg-$threads.log" && ok "valgrind, $threads thread(s): 0 errors" \
    || bad "valgrind: $(grep 'ERROR SUMMARY' "$WORK/vg-$threads.log")"
  grep -qE "definitely lost: [1-9]|indirectly lost: [1-9]" "$WORK/vg-$threads.log" \
    && bad "valgrind, $threads thread(s): memory leaked" || ok "valgrind, $threads thread(s): no leak"
  [ -f "$WORK/vg-$threads.h5" ] && ok "the run under valgrind wrote its result" || bad "no result"
done
# A network whose road series fills a buffer of 2 MiB or more (32 days x 8,830 roads x 8
# bytes): a block from mmap on whole huge pages, into which the day is written only where
# not zero (core/grow.c, cfx_huge_zalloc), on two threads.
"$CONFLUX" gen --topology random --nodes 3000 --mines 3 --sinks 3 --shipments 200 --days 32 \
  --seed 1 -o "$WORK/net" >/dev/null
"${VG[@]}" --log-file="$WORK/vg-net.log" "$CONFLUX" run "$WORK/net/scenario.yaml" --threads 2 \
  --quiet -o "$WORK/vg-net.h5" >/dev/null 2>&1
code=$?
[ "$code" = 0 ] && grep -q "ERROR SUMMARY: 0 errors" "$WORK/vg-net.log" && [ -f "$WORK/vg-net.h5" ] \
  && ok "valgrind, a 3,000-node network with a 2.3 MB road buffer: clean" \
  || { bad "valgrind, the 3,000-node network: exit $code"; grep -E "ERROR SUMMARY|Invalid|uninit" "$WORK/vg-net.log" | head; }
# The error paths too: a scenario with several input errors.
"${VG[@]}" --log-file="$WORK/vg-bad.log" "$CONFLUX" check "$SRC/tests/data/bad/multi.yaml" \
  >/dev/null 2>&1
code=$?
[ "$code" = 65 ] && ok "valgrind, conflux check of a bad scenario: clean (exit 65)" \
  || { bad "valgrind, check of a bad scenario: exit $code"; grep -E "ERROR SUMMARY|definitely" "$WORK/vg-bad.log"; }
finish
