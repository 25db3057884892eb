# analysis/examples/offensive.ipynb executes without an error under Debian's nbconvert and
# ipykernel (the "python3" kernel: /usr/bin/python3), with the Python API of this build; the
# notebook is stored without outputs.
. "$(dirname "$0")/testlib.bash"
BUILD=$(cd "$(dirname "$CONFLUX")" && pwd)
NB=$SRC/analysis/examples/offensive.ipynb
if ldd "$CONFLUX" 2>/dev/null | grep -q libasan; then
  echo "SKIP: this build uses AddressSanitizer, whose runtime python3 does not load first"
  exit 0
fi
"$PY" - "$NB" >"$WORK/out" 2>&1 <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
dirty = [i for i, c in enumerate(nb["cells"]) if c.get("outputs") or c.get("execution_count")]
print("cells with outputs:", dirty)
sys.exit(1 if dirty else 0)
PY
[ $? = 0 ] && ok "the notebook is stored without outputs" || { bad "stored with outputs"; cat "$WORK/out"; }
if ! command -v jupyter-nbconvert >/dev/null || ! "$PY" -c 'import ipykernel' 2>/dev/null; then
  bad "jupyter-nbconvert or python3-ipykernel is not installed (scripts/install-deps.sh test)"
  finish; exit
fi
expect_exit 0 "jupyter nbconvert --execute offensive.ipynb" -- \
  env PYTHONPATH="$SRC/analysis/python" CONFLUX_LIB="$BUILD/libconflux.so" \
  PYDEVD_DISABLE_FILE_VALIDATION=1 MPLBACKEND=module://matplotlib_inline.backend_inline \
  JUPYTER_RUNTIME_DIR="$WORK/runtime" \
  timeout 300 jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=120 \
  --ExecutePreprocessor.kernel_name=python3 --output "$WORK/offensive.ipynb" "$NB"
"$PY" - "$WORK/offensive.ipynb" >"$WORK/out" 2>&1 <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
outs = [o for c in nb["cells"] for o in c.get("outputs", [])]
def s(v):  # a string, or the list of lines nbformat stores
    return "".join(v) if isinstance(v, list) else v
text = "".join(s(o.get("text", "")) + s(o.get("data", {}).get("text/plain", "")) for o in outs)
errors = [o for o in outs if o.get("output_type") == "error"]
print("errors:", len(errors), "| figure:", any("image/png" in o.get("data", {}) for o in outs))
ok = (not errors and any("image/png" in o.get("data", {}) for o in outs)
      and "effect, %" in text and "contest" in text and "peak price" in text)
sys.exit(0 if ok else 1)
PY
[ $? = 0 ] && ok "it drew the figure, the effect table and the events ($(cat "$WORK/out"))" ||
  { bad "executed notebook lacks its outputs"; cat "$WORK/out"; }
finish
