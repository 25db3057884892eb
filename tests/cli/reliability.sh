# A run that is stopped, killed, or cannot write: SIGTERM and SIGINT stop it after the day
# in progress with a readable partial file (exit 130); SIGKILL at any moment never damages
# an existing result and leaves a partial file that opens; a full disk or an unwritable
# directory gives exit 73 or 74 and no file passed off as complete; a scenario too large for
# the machine is refused before anything is allocated.
. "$(dirname "$0")/testlib.bash"
LINE="$SRC/scenarios/examples/line.yaml"

# check_partial FILE: opens with h5py (after h5clear -s when HDF5 asks for it), is marked
# incomplete, and every series holds every day of the time axis (a run killed while it
# wrote a chunk may leave up to one chunk more in a series, never less).
cat >"$WORK/partial.py" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
n = f["time"].shape[0]
assert f.attrs["complete"] == 0
chunk = 8  # output.chunk_days of examples/line.yaml
lens = [f[v].shape[0] for v in ("price", "produced", "node_stock", "edge_flow")]
assert all(n <= m <= n + chunk for m in lens), (n, lens)
PY
check_partial() {
  $PY "$WORK/partial.py" "$1" 2>/dev/null && return 0
  h5clear -s "$1" 2>/dev/null
  $PY "$WORK/partial.py" "$1"
}

# stop_with SIG: SIGTERM (a scheduler ending a job) and SIGINT (Ctrl-C) let the day in
# progress finish; the file then holds exactly the days the message counts.
stop_with() {
  local sig=$1 out="$WORK/stop-$1.h5"
  "$CONFLUX" run "$LINE" -o "$out" --days 500000 --quiet 2>"$WORK/err" &
  local pid=$!
  sleep 1
  kill -"$sig" $pid
  wait $pid
  local code=$? days rows
  [ "$code" = 130 ] && ok "SIG$sig exits 130" || bad "SIG$sig exit $code"
  [ ! -e "$out" ] && check_partial "$out.partial" \
    && ok "SIG$sig: partial file readable, complete = 0, every series as long as time" \
    || bad "SIG$sig: partial file"
  days=$(sed -n 's/.*interrupted after \([0-9]*\) of.*/\1/p' "$WORK/err")
  rows=$($PY -c "import h5py,sys; print(h5py.File(sys.argv[1])['time'].shape[0])" "$out.partial")
  [ -n "$days" ] && [ "$rows" = "$days" ] && ok "SIG$sig: the file holds all $days days done" \
    || bad "SIG$sig: $rows rows in the file, $days days done"
}
stop_with TERM
stop_with INT

# SIGKILL at random moments, over an existing result: the result is never touched, and
# whatever partial file is left opens.
"$CONFLUX" run "$LINE" -o "$WORK/kill.h5" --quiet && cp "$WORK/kill.h5" "$WORK/kill.orig"
for i in 1 2 3 4 5 6; do
  delay=$(( (RANDOM % 2000) + 20 ))   # 20 ms to 2 s: before, at and after the first flush
  "$CONFLUX" run "$LINE" -o "$WORK/kill.h5" --days 500000 --force --quiet 2>/dev/null &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  kill -KILL $pid
  wait $pid 2>/dev/null
  if ! cmp -s "$WORK/kill.h5" "$WORK/kill.orig"; then bad "SIGKILL after $delay ms changed the result"
  elif [ -e "$WORK/kill.h5.partial" ] && ! check_partial "$WORK/kill.h5.partial"; then
    bad "SIGKILL after $delay ms: the partial file does not open"
    cp "$WORK/kill.h5.partial" "$WORK/kill-$delay.h5.partial"
  else ok "SIGKILL after $delay ms: result untouched, partial file opens"; fi
done

# A full disk, made with a file size limit (as root a read-only directory is still
# writable). conflux ignores SIGXFSZ, so the write fails with EFBIG and is reported. At
# 120 kB without --quiet: the summary after a failed write (which once analysed the broken
# file, and HDF5 leaked what it opened there, under the sanitizers).
for kb in 40 120; do
  rm -f "$WORK/full.h5" "$WORK/full.h5.partial"
  quiet=--quiet; [ "$kb" = 120 ] && quiet=
  (ulimit -f "$kb"; exec "$CONFLUX" run "$SRC/scenarios/kachin-2025.yaml" -o "$WORK/full.h5" \
    $quiet) >"$WORK/out" 2>"$WORK/err"
  code=$?
  if [ "$code" = 73 ] || [ "$code" = 74 ]; then ok "disk full at $kb kB: exit $code"; else
    bad "disk full at $kb kB: exit $code"; sed 's/^/  | /' "$WORK/err" | head -3; fi
  expect_err "File too large" "disk full at $kb kB: the message gives the system's reason"
  [ ! -e "$WORK/full.h5" ] && ok "disk full at $kb kB: no result file" || bad "full.h5 written"
  if [ -e "$WORK/full.h5.partial" ] && $PY -c "import h5py,sys; f=h5py.File(sys.argv[1],'r'); sys.exit(f.attrs['complete'] != 0)" \
       "$WORK/full.h5.partial" 2>/dev/null; then
    bad "disk full at $kb kB: the partial file says complete = 1"
  else ok "disk full at $kb kB: nothing is marked complete"; fi
done

# An output directory that cannot be written: /proc refuses new files even to root; a
# read-only directory is tested too when not running as root.
expect_exit 73 "output under /proc" -- "$CONFLUX" run "$LINE" -o /proc/conflux-test.h5 --quiet
expect_err "cannot create the output file" "the message names the problem"
if [ "$(id -u)" != 0 ]; then
  mkdir -p "$WORK/ro" && chmod 555 "$WORK/ro"
  expect_exit 73 "output in a read-only directory" -- "$CONFLUX" run "$LINE" -o "$WORK/ro/x.h5" --quiet
  chmod 755 "$WORK/ro"
else echo "note: running as root; the read-only directory case is covered by /proc above"; fi

# Too large for the machine: refused with the estimate, before any allocation or file.
# 2e9 truckloads at day 0 need about 220 GiB; where the build has no sanitizer (which
# reserves address space), ulimit -v makes the refusal certain on any machine.
big=(run "$LINE" -o "$WORK/big.h5" --quiet --set transport.initial_shipments=2000000000)
if ldd "$CONFLUX" 2>/dev/null | grep -q libasan; then expect_exit 65 "a huge scenario" -- "$CONFLUX" "${big[@]}"
else expect_exit 65 "a huge scenario (ulimit -v 4 GiB)" -- bash -c 'ulimit -v 4194304; exec "$@"' _ "$CONFLUX" "${big[@]}"; fi
expect_err "too large for this machine: the run needs an estimated" "the refusal gives the estimate"
expect_err "2000000000 shipments at day 0" "and what it comes from"
[ ! -e "$WORK/big.h5" ] && [ ! -e "$WORK/big.h5.partial" ] && ok "nothing written for a refused run" \
  || bad "a refused run wrote a file"
finish
