# Shared helpers for the CLI tests (sourced, not a test itself): each test is `bash T.sh CONFLUX SOURCE_DIR WORK_DIR`.
set -u
CONFLUX=$1
SRC=$(cd "$2" && pwd)
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
PY=/usr/bin/python3
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# expect_exit CODE DESCRIPTION -- command...
expect_exit() {
  local want=$1 what=$2
  shift 3
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  if [ "$got" = "$want" ]; then ok "$what (exit $got)"; else
    bad "$what: exit $got, expected $want"; sed 's/^/  | /' "$WORK/err" | head -5; fi
}

# expect_err SUBSTRING DESCRIPTION: the last command's stderr contains SUBSTRING.
expect_err() {
  if grep -qF -- "$1" "$WORK/err"; then ok "$2"; else
    bad "$2: stderr lacks '$1'"; sed 's/^/  | /' "$WORK/err" | head -5; fi
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}
