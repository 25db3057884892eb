#!/usr/bin/env bash
# conflux sweep under mpirun -n 2 (a conflux built with -DCONFLUX_MPI=ON; make check builds one
# in build-mpi): members dealt to ranks give member files and a sweep.h5 byte-identical to a
# local sweep's. Skipped (exit 77) when this conflux was built without MPI.
. "$(dirname "$0")/testlib.bash" "$@"
if ! ldd "$CONFLUX" | grep -q libmpi; then
  echo "skipped: this conflux was built without MPI (cmake -DCONFLUX_MPI=ON; make check runs it in build-mpi)"
  exit 77
fi
CONFLUX=$(readlink -f "$CONFLUX")
D=$SRC/tests/data/sweep
SC=$D/kachin-90d.yaml
# every member's `created` is the sweep's recorded time: this one, in both directories
export SOURCE_DATE_EPOCH=1762000000
# as root (CI), Open MPI needs --allow-run-as-root; --oversubscribe allows more ranks than cores
MPIRUN=(timeout 300 mpirun --allow-run-as-root --oversubscribe)
# in_dir NAME COMMAND...: runs COMMAND in $WORK/NAME, so that -o out (named by each member's
# command_line) is spelled the same for the local and the MPI sweep.
in_dir() { local at=$WORK/$1; shift; mkdir -p "$at" && (cd "$at" && "$@"); }
for design in grid sobol; do
  expect_exit 0 "local $design sweep" -- in_dir "local-$design" "$CONFLUX" sweep "$SC" "$D/$design.yaml" -o out --quiet
  expect_exit 0 "mpirun -n 2 $design sweep" -- in_dir "mpi-$design" "${MPIRUN[@]}" -n 2 "$CONFLUX" sweep "$SC" "$D/$design.yaml" -o out
  expect_err "on MPI ranks" "the sweep ran on MPI ranks"
  "$PY" "$SRC/tests/cli/sweep_compare.py" "$WORK/local-$design/out" "$WORK/mpi-$design/out" >"$WORK/cmp" 2>&1 \
    && ok "$design: member files byte-identical, local and mpirun -n 2 ($(tail -1 "$WORK/cmp"))" || { bad "$design: MPI members differ"; tail -5 "$WORK/cmp"; }
  cmp -s "$WORK/local-$design/out/sweep.h5" "$WORK/mpi-$design/out/sweep.h5" \
    && ok "$design: sweep.h5 byte-identical, local and mpirun -n 2" || bad "$design: MPI sweep.h5 differs"
done
# three ranks on two cores, with a failing member: it is recorded, the others run
expect_exit 1 "mpirun -n 3 with an impossible value exits 1" -- "${MPIRUN[@]}" -n 3 "$CONFLUX" sweep "$SC" "$D/impossible.yaml" -o "$WORK/mpi-fail"
expect_err "member 1 failed" "the failed member is reported once"
n=$(grep -c "member 1 failed" "$WORK/err")
[ "$n" = 1 ] && ok "only rank 0 reports" || bad "reported $n times"
[ -e "$WORK/mpi-fail/member-00000.h5" ] && [ -e "$WORK/mpi-fail/member-00002.h5" ] && [ -e "$WORK/mpi-fail/member-00001.error" ] \
  && ok "members 0 and 2 ran, member 1 has its error note" || bad "MPI failure files"
finish
