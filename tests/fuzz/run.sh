#!/usr/bin/env bash
# make check-fuzz: for each libFuzzer harness built in BUILD (cmake --preset fuzz), replay the
# seed corpus and the crash fixtures, then fuzz for SECONDS more. Fails on any crash, leak,
# sanitizer report or timeout, leaving the input as BUILD/fuzz/<harness>-crash-*; keep it
# as a regression fixture in tests/fuzz/regress/<harness>/ once the bug is fixed.
#   tests/fuzz/run.sh BUILD [SECONDS]
# FUZZ_SEED (default 1) fixes libFuzzer's seed, so make check explores the same inputs in
# the same order on every machine (a faster one only goes further along them) and a red
# run is reproducible; FUZZ_SEED=0 lets libFuzzer pick one, for exploring.
set -u
BUILD=$1
SECONDS_EACH=${2:-15}
SRC=$(cd "$(dirname "$0")" && pwd)
WORK=$BUILD/fuzz
mkdir -p "$WORK/tmp"
export TMPDIR=$WORK/tmp
status=0
for bin in "$BUILD"/tests/fuzz/fuzz_*; do
  h=${bin##*/fuzz_}
  dirs=("$SRC/corpus/$h")
  [ -d "$SRC/regress/$h" ] && dirs+=("$SRC/regress/$h")
  # New inputs go to the build's own corpus, never into the repository's.
  mkdir -p "$WORK/corpus-$h"
  common=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$WORK/$h-" -seed="${FUZZ_SEED:-1}")
  [ -f "$SRC/$h.dict" ] && common+=(-dict="$SRC/$h.dict")
  if ! "$bin" "${common[@]}" -runs=0 "${dirs[@]}" </dev/null >"$WORK/$h-replay.log" 2>&1; then
    echo "FAIL: fuzz_$h: replaying the corpus crashed; see $WORK/$h-replay.log"
    tail -n 30 "$WORK/$h-replay.log"
    status=1
    continue
  fi
  if "$bin" "${common[@]}" -max_total_time="$SECONDS_EACH" "$WORK/corpus-$h" "${dirs[@]}" \
       </dev/null >"$WORK/$h.log" 2>&1; then
    runs=$(grep -o '^Done [0-9]* runs' "$WORK/$h.log" | tail -n 1)
    echo "ok: fuzz_$h: corpus replayed, then ${runs#Done } in ${SECONDS_EACH} s, no crash"
  else
    echo "FAIL: fuzz_$h: see $WORK/$h.log and $WORK/$h-crash-*"
    tail -n 30 "$WORK/$h.log"
    status=1
  fi
done
rm -rf "$WORK/tmp"
exit $status
