# cmake --install puts the library, its header and a pkg-config file in place, and a program
# that uses only conflux.h builds against them (shared and static) and runs a scenario.
. "$(dirname "$0")/testlib.bash"
BUILD=$(dirname "$CONFLUX")
PREFIX="$WORK/prefix"
expect_exit 0 "cmake --install into a prefix" -- cmake --install "$BUILD" --prefix "$PREFIX"
LIBDIR=$(ls -d "$PREFIX"/lib*/ | head -1)
for f in bin/conflux include/conflux.h; do
  [ -e "$PREFIX/$f" ] && ok "installed $f" || bad "missing $PREFIX/$f"
done
ls "$LIBDIR"libconflux.so* >/dev/null 2>&1 && ok "installed the shared library" || bad "no libconflux.so"
[ -e "${LIBDIR}libconflux.a" ] && ok "installed the static library" || bad "no libconflux.a"
export PKG_CONFIG_PATH="${LIBDIR}pkgconfig"
expect_exit 0 "pkg-config knows conflux" -- pkg-config --exists conflux
EX="$SRC/analysis/examples/run_and_analyze.c"
# In the sanitize build the installed library is instrumented: a program linking it needs the
# sanitizer runtimes too (first in the library list), as users of such a build would.
SAN=""
ldd "$CONFLUX" | grep -q libasan && SAN="-fsanitize=address,undefined"
expect_exit 0 "the example builds against the shared library" -- \
  sh -c "cc -std=c11 -Wall -Werror $SAN '$EX' \$(pkg-config --cflags --libs conflux) -o '$WORK/ex'"
expect_exit 0 "and runs the line example" -- env LD_LIBRARY_PATH="$LIBDIR" "$WORK/ex" \
  "$SRC/scenarios/examples/line.yaml" "$WORK/line.h5"
grep -q "^refused: --set market.no_such_key: unknown key" "$WORK/out" && ok "a bad override is refused, naming it" ||
  { bad "no located refusal"; cat "$WORK/out"; }
grep -q "^Dy2O3.peak_usd_per_kg = " "$WORK/out" && ok "the metrics are read back by name" || { bad "no metric"; cat "$WORK/out"; }
# Only the public API is exported from the shared library.
if nm -D --defined-only "${LIBDIR}libconflux.so" | awk '{print $3}' | grep -v '^cfx_' | grep -q .; then
  bad "the shared library exports more than cfx_ symbols"
elif nm -D --defined-only "${LIBDIR}libconflux.so" | grep -q ' cfx_world_alloc$'; then
  bad "an internal function is exported"
else ok "the shared library exports only conflux.h's API"; fi
expect_exit 0 "the example links statically too" -- \
  sh -c "cc -std=c11 $SAN '$EX' -I'$PREFIX/include' '${LIBDIR}libconflux.a' \$(pkg-config --static --libs-only-other --libs-only-l conflux | sed 's/-lconflux//') -o '$WORK/ex-static'"
expect_exit 0 "and runs" -- "$WORK/ex-static" "$SRC/scenarios/examples/line.yaml" "$WORK/line2.h5"
finish
