# The allocation-failure test (tests/alloc/README.md): the default scenario is run once for
# every allocation N that conflux makes in it (or a fixed sample of them), with the Nth made
# to fail, over an earlier complete result, and each run must fail cleanly; then the same
# for `conflux analyze` of that result.
#
#   bash run.sh CONFLUX_ALLOCFAIL SOURCE_DIR WORK_DIR [DENSE STRIDE]
#
# Every N from 1 to T (the allocations of a whole run), or, with DENSE and STRIDE, every N up
# to DENSE, then every STRIDE-th, then the last 10 (T among them); then every 50th N again
# with the allocator failing from N on (CFX_ALLOC_FAIL_REPEAT=1); then `conflux analyze OUT`
# for every N of its own allocations. A clean failure: exit 1, a message naming out of
# memory, no sanitizer report, OUT byte for byte as it was, and OUT.partial absent or marked
# complete = 0.
set -u
BIN=$1
SRC=$(cd "$2" && pwd)
WORK=$3
DENSE=${4:-0}
STRIDE=${5:-1}
SCENARIO="$SRC/scenarios/kachin-2025.yaml"
OUT="$WORK/out.h5"
# The optional allocations, neither counted nor failed: the two 30 MiB blocks that
# cfx_memory_setup (core/grow.c) takes from the heap as the command starts, advises onto huge
# pages and frees at once; where they cannot be had, nothing is advised and nothing else
# changes (README.md of this folder).
export CFX_ALLOC_OPTIONAL=$((30 << 20))
rm -rf "$WORK"
mkdir -p "$WORK"
start=$(date +%s)

# Sanitizer reports go to stderr; a leak makes LeakSanitizer exit 23, a UBSan error exits 1
# (-fno-sanitize-recover), so stderr is what tells them from a clean failure.
SANITIZER='ERROR: AddressSanitizer|runtime error:|LeakSanitizer|ERROR: [A-Za-z]+Sanitizer'

# (a) T, the allocations of a whole run, from two runs (the second checks that it is the same
# every time, or N would mean nothing); the second run's result is the file to protect.
for i in 1 2; do
  if ! CFX_ALLOC_COUNT="$WORK/count$i" "$BIN" run "$SCENARIO" -o "$OUT" --force --quiet \
      2>"$WORK/err"; then
    echo "FAIL: the run without a failing allocation failed"; cat "$WORK/err"; exit 1
  fi
done
T=$(cat "$WORK/count2")
if [ "$T" != "$(cat "$WORK/count1")" ] || [ "$T" -lt 1 ]; then
  echo "FAIL: allocations differ between two runs: $(cat "$WORK/count1") and $T"; exit 1
fi
cp "$OUT" "$WORK/reference.h5"
echo "a default run makes $T allocations"

# One Python for every partial file (starting h5py for each would take longer than the runs).
coproc CHECK {
  /usr/bin/python3 -u -c '
import sys, h5py
for line in sys.stdin:
    try:
        with h5py.File(line.rstrip("\n"), "r") as f:
            c = f.attrs.get("complete")
            print("ok" if c is not None and int(c) == 0 else "complete = %r" % (c,))
    except Exception as e:
        print("does not open: %s" % e)
'
}

tried=0
clean=0
partials=0
declare -A codes=()

# try N REPEAT [COMMAND [THREADS]]: one run (or `conflux analyze OUT`) with allocation N
# failing (and, with REPEAT=1, every one after it); the run on THREADS threads (default 1).
try() {
  local n=$1 repeat=$2 command=${3:-run} threads=${4:-1} what problems="" rc
  what="$command N=$n"
  [ "$repeat" = 1 ] && what="$command N=$n (from then on)"
  [ "$threads" = 1 ] || what="$what on $threads threads"
  rm -f "$OUT.partial" "$OUT.partial.new"
  if [ "$command" = run ]; then
    CFX_ALLOC_FAIL_AT=$n CFX_ALLOC_FAIL_REPEAT=$repeat \
      "$BIN" run "$SCENARIO" -o "$OUT" --force --quiet --threads "$threads" >/dev/null \
      2>"$WORK/err"
  else
    CFX_ALLOC_FAIL_AT=$n CFX_ALLOC_FAIL_REPEAT=$repeat \
      "$BIN" analyze "$OUT" >/dev/null 2>"$WORK/err"
  fi
  rc=$?
  tried=$((tried + 1))
  codes[$rc]=$((${codes[$rc]:-0} + 1))
  # 1, out of memory, is the only answer: no allocation of a run is optional, so a run that
  # lost one and went on to exit 0 ignored it (README.md of this folder).
  [ "$rc" = 1 ] || problems+="exit $rc; "
  grep -qE "$SANITIZER" "$WORK/err" && problems+="a sanitizer report; "
  grep -q "out of memory" "$WORK/err" || problems+="no 'out of memory' on stderr; "
  if ! cmp -s "$OUT" "$WORK/reference.h5"; then
    problems+="$OUT changed; "
    cp "$WORK/reference.h5" "$OUT"
  fi
  [ -e "$OUT.partial.new" ] && problems+="$OUT.partial.new left behind; "
  if [ -e "$OUT.partial" ]; then
    local verdict
    partials=$((partials + 1))
    echo "$OUT.partial" >&"${CHECK[1]}"
    read -r verdict <&"${CHECK[0]}"
    [ "$verdict" = ok ] || problems+="$OUT.partial: $verdict; "
  fi
  if [ -z "$problems" ]; then
    clean=$((clean + 1))
  else
    echo "FAIL: $what: ${problems%; }"
    sed 's/^/  | /' "$WORK/err" | head -20
  fi
}

# (b) The sample: every N, or every N up to DENSE, every STRIDE-th after it, and the last 10.
for ((n = 1; n <= T; n++)); do
  if [ "$STRIDE" -le 1 ] || [ "$n" -le "$DENSE" ] || [ $(((n - DENSE) % STRIDE)) = 0 ] ||
      [ "$n" -gt $((T - 10)) ]; then
    try "$n" 0
  fi
done
once=$tried
for ((n = 1; n <= T; n += 50)); do
  try "$n" 1
done
# On two threads a run makes its world and lays out its file at the same time (sim/run/README),
# so which allocation N is differs from run to run: every 7th N up to 700, each run must still
# fail cleanly whichever of the two it hits. (Only up to 700: a two-thread run always makes
# at least 700 before its first chunk is compressed; later, their number varies by a few, as
# each thread's compressor grows its buffer for the chunks it happens to take.)
T2=700
for ((n = 1; n <= T2; n += 7)); do
  try "$n" 0 run 2
done
runs=$tried

# (c) conflux analyze of the result (a run's file; it reads and does not write): every N.
if ! CFX_ALLOC_COUNT="$WORK/count_analyze" "$BIN" analyze "$OUT" >/dev/null 2>"$WORK/err"; then
  echo "FAIL: conflux analyze without a failing allocation failed"; cat "$WORK/err"; exit 1
fi
TA=$(cat "$WORK/count_analyze")
for ((n = 1; n <= TA; n++)); do
  try "$n" 0 analyze
done

seen=""
for rc in $(printf '%s\n' "${!codes[@]}" | sort -n); do
  seen+="${seen:+, }exit $rc x${codes[$rc]}"
done
if [ "$STRIDE" -le 1 ]; then
  sample="every N"
else
  sample="N 1-$DENSE, every ${STRIDE}th to $T, the last 10"
fi
echo "alloc_fail: T=$T allocations; tried $tried ($once failing once: $sample;" \
  "$(((T + 49) / 50)) failing from N on: every 50th; $((runs - once - (T + 49) / 50)) on two" \
  "threads: every 7th to $T2; $((tried - runs)) of analyze, every N of" \
  "$TA); $clean failed cleanly," \
  "$((tried - clean)) did not; $seen; $partials partial files left, checked;" \
  "$(($(date +%s) - start)) s"
[ "$clean" = "$tried" ]
