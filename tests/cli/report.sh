# conflux report: the briefing page of kachin-2025 against kachin-2025-no-offensive, of a run
# alone and of a small sweep. The page is one file that references nothing on the network
# (CSP; no http(s) src/href/@import/url()); opened in headless Chromium it is not blank, its
# script moves the map to day 200 (#selftest) with every node and road drawn and the right
# date, and it makes no request but file:// ones (net log, against a control page that does).
# Exit codes: 66 missing input, 65 not a conflux file, 73 page exists without --force, 2 when
# the script cannot be found. Without chromium (scripts/install-deps.sh test) the browser
# checks are skipped and the test exits 77 after the others.
source "$(dirname "$0")/testlib.bash"
export MPLCONFIGDIR="$WORK/mpl"

"$CONFLUX" run "$SRC/scenarios/kachin-2025.yaml" -o "$WORK/a.h5" --quiet
"$CONFLUX" run "$SRC/scenarios/kachin-2025-no-offensive.yaml" -o "$WORK/b.h5" --quiet
PAGE="$WORK/r.html"
expect_exit 0 "report A --against B" -- "$CONFLUX" report "$WORK/a.h5" --against "$WORK/b.h5" -o "$PAGE"
bytes=$(stat -c %s "$PAGE" 2>/dev/null || echo 0)
[ "$bytes" -gt 100000 ] && [ "$bytes" -lt 3000000 ] && ok "page of $bytes bytes (< 3 MB)" ||
  bad "page of $bytes bytes"
ls "$WORK"/.report-* >/dev/null 2>&1 && bad "temporary file left behind" || ok "no temporary file left"
if "$CONFLUX" help compare >/dev/null 2>&1; then
  grep -q "Effect of the scenario" "$PAGE" && ok "effect table (conflux compare)" || bad "no effect table"
else
  grep -q "does not have" "$PAGE" && ok "notice in place of the effect table (no conflux compare)" ||
    bad "no notice for the missing compare"
fi

# The effect table's numbers and interval as the page formats them, with a stand-in conflux
# whose compare prints known values in compare's layout and whose other verbs are conflux's.
cat >"$WORK/fake-conflux" <<FAKE
#!/bin/bash
case "\$1 \$2" in
  "help compare") exit 0 ;;
  compare*) echo '{"note": "paired over 8 members", "metrics": {"Dy2O3.peak_usd_per_kg": {"unit": "USD/kg",
    "a": 1080.5, "b": 228.25, "effect": 852.25, "q05": 700, "q95": 990.7}, "Dy2O3.peak_day": {"unit":
    "day", "a": 1, "b": 2, "effect": -1, "q05": null, "q95": null}}}' ;;
  *) exec "$CONFLUX" "\$@" ;;
esac
FAKE
chmod +x "$WORK/fake-conflux"
expect_exit 0 "report with a conflux that has compare" -- /usr/bin/python3 "$SRC/analysis/conflux-report" \
  "$WORK/a.h5" --against "$WORK/b.h5" -o "$WORK/fx.html" --conflux "$WORK/fake-conflux"
grep -q "Effect of the scenario" "$WORK/fx.html" && grep -q "Dy2O3.peak_usd_per_kg" "$WORK/fx.html" &&
  grep -q ">852<" "$WORK/fx.html" && grep -q ">991<" "$WORK/fx.html" &&
  grep -q "paired over 8 members" "$WORK/fx.html" && ! grep -q "Dy2O3.peak_day" "$WORK/fx.html" &&
  ok "effect table from compare's JSON" || bad "no effect table from compare's JSON"

# Nothing from the network: the CSP, and no external src/href/@import/url().
grep -qF "default-src 'none'" "$PAGE" && ok "Content-Security-Policy default-src 'none'" || bad "no CSP"
if grep -Eiq "(src|href)[[:space:]]*=[[:space:]]*[\"']?[[:space:]]*(https?:|//)|@import|url\([[:space:]]*[\"']?[[:space:]]*(https?:|//)" "$PAGE"; then
  bad "external reference: $(grep -Eio "(src|href)[[:space:]]*=[[:space:]]*[\"']?(https?:|//)[^\"' ]*|@import[^;]*|url\([^)]*\)" "$PAGE" | head -3)"
else ok "no external src, href, @import or url()"; fi
for part in '<svg id=.map.' 'id=.day. type=.range.' 'id=.play.' '<table id=.events.' \
  'Natural Earth' 'conflux_version' 'git_commit' 'command_line' 'USD/kg' 't/day'; do
  grep -q "$part" "$PAGE" && ok "page has $part" || bad "page lacks $part"
done
[ "$(grep -o '<svg' "$PAGE" | wc -l)" -ge 4 ] && ok "inline SVG figures and map" || bad "too few <svg>"

# Exit codes, and --force.
expect_exit 73 "page exists without --force" -- "$CONFLUX" report "$WORK/a.h5" -o "$PAGE"
expect_exit 0 "--force overwrites" -- "$CONFLUX" report "$WORK/a.h5" --against "$WORK/b.h5" -o "$PAGE" --force
expect_exit 66 "missing input" -- "$CONFLUX" report "$WORK/none.h5" -o "$WORK/x.html"
expect_exit 66 "missing --against" -- "$CONFLUX" report "$WORK/a.h5" --against "$WORK/none.h5" -o "$WORK/x.html"
echo "not hdf5" >"$WORK/text.h5"
expect_exit 65 "not a conflux file" -- "$CONFLUX" report "$WORK/text.h5" -o "$WORK/x.html"
[ ! -e "$WORK/x.html" ] && ok "no page written on error" || bad "page written on error"
CONFLUX_REPORT="$WORK/nowhere" expect_exit 2 "script not found" -- "$CONFLUX" report "$WORK/a.h5" -o "$WORK/x.html"
expect_err "looked at" "says where it looked for the script"
expect_exit 0 "help report" -- "$CONFLUX" help report

# A run alone: the headline table of conflux analyze.
expect_exit 0 "report of a run alone" -- "$CONFLUX" report "$WORK/a.h5" -o "$WORK/alone.html"
grep -q "Headline metrics" "$WORK/alone.html" && grep -q "Dy2O3 peak price" "$WORK/alone.html" &&
  ok "headline table" || bad "no headline table"

# A small sweep: percentiles, --member.
printf 'design: grid\nparameters:\n  - path: conflict.offensive.attack_rate\n    values: [0.02, 0.1]\n' >"$WORK/sw.yaml"
if "$CONFLUX" sweep "$SRC/scenarios/kachin-2025.yaml" "$WORK/sw.yaml" -o "$WORK/sw" --quiet >/dev/null 2>&1; then
  expect_exit 0 "report of a sweep, --member 1" -- \
    "$CONFLUX" report "$WORK/sw/sweep.h5" --member 1 -o "$WORK/sweep.html"
  grep -q "median" "$WORK/sweep.html" && grep -q "member 1" "$WORK/sweep.html" &&
    ok "sweep page: percentiles, member 1" || bad "sweep page lacks percentiles or member"
  expect_exit 2 "--member outside the sweep" -- \
    "$CONFLUX" report "$WORK/sw/sweep.h5" --member 5 -o "$WORK/s2.html"
else
  bad "conflux sweep failed"
fi
# A member that failed (a probability of 1.5) has no events or map to show: refused, as
# conflux-plot refuses it, naming the ones that finished.
printf 'design: list\nparameters:\n  - path: conflict.strikes.loss_p\n    values: [0.3, 1.5]\n' >"$WORK/swf.yaml"
"$CONFLUX" sweep "$SRC/scenarios/kachin-2025.yaml" "$WORK/swf.yaml" -o "$WORK/swf" --quiet >/dev/null 2>&1
expect_exit 2 "--member of a failed member" -- \
  "$CONFLUX" report "$WORK/swf/sweep.h5" --member 1 -o "$WORK/sf.html"
expect_err "did not finish (member_status); finished: 0" "names the members that finished"
[ ! -e "$WORK/sf.html" ] && ok "no page for a failed member" || bad "page written for a failed member"

# Two runs compare refuses (other days): no page of 'effects' across them.
"$CONFLUX" gen --topology grid --nodes 50 --mines 2 --sinks 2 --shipments 200 --days 10 \
  --seed 1 -o "$WORK/g" >/dev/null
"$CONFLUX" run "$WORK/g/scenario.yaml" -o "$WORK/g.h5" --quiet
if "$CONFLUX" help compare >/dev/null 2>&1; then
  expect_exit 65 "--against a run on other days" -- \
    "$CONFLUX" report "$WORK/a.h5" --against "$WORK/g.h5" -o "$WORK/ag.html"
  expect_err "same days" "says why, in compare's words"
  [ ! -e "$WORK/ag.html" ] && ok "no page across other days" || bad "page written across other days"
fi

# The page in a browser.
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
  echo "skip: chromium not installed (scripts/install-deps.sh test): the browser checks"
  finish || exit 1
  exit 77
fi
# browse NAME ARGS...: headless chromium with its own profile; quiet about dbus.
browse() {
  local name=$1
  shift
  timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/chrome-$name" \
    --no-first-run --disable-background-networking --disable-component-update "$@" 2>"$WORK/chrome-$name.err"
}
browse shot --window-size=1400,2400 --screenshot="$WORK/shot.png" "file://$PAGE" >/dev/null
if $PY - "$WORK/shot.png" <<'PY'; then
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
colours = im.getcolors(maxcolors=1 << 22)
assert im.size == (1400, 2400), im.size
assert len(colours) > 300, len(colours)
white = max(colours)[0] / (im.size[0] * im.size[1])
assert white < 0.9, white
print(f"  screenshot {im.size}: {len(colours)} colours, commonest {white:.0%}")
PY
  ok "screenshot not blank"
else bad "screenshot blank or missing"; fi

browse dom --dump-dom "file://$PAGE#selftest" >"$WORK/dom.html"
if $PY - "$WORK/dom.html" "$WORK/a.h5" <<'PY'; then
import json, re, sys
import h5py, numpy as np
m = re.search(r'<pre id="selftest">(.*?)</pre>', open(sys.argv[1]).read(), re.S)
assert m, "no <pre id=selftest> in the DOM"
got = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
f = h5py.File(sys.argv[2], "r")
date = str(np.datetime64(f.attrs["start"].decode(), "D") + np.timedelta64(200, "D"))
assert got["day"] == 200, got
assert date in got["map_day_label"], (date, got)
assert got["drawn_nodes"] == f["node"].shape[0], got
assert got["drawn_roads"] == f["edge"].shape[0], got
assert got["table_rows"] > 0, got
print("  selftest:", got)
PY
  ok "the page's script: day 200 drawn, every node and road, the date, the events table"
else bad "selftest of the page's script"; fi

# net_urls LOG: the URLs the page requested (initiator set; chromium's own background
# requests are 'not an origin').
net_urls() {
  $PY - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = {v: k for k, v in d["constants"]["logEventTypes"].items()}
for e in d["events"]:
    p = e.get("params", {})
    if names.get(e["type"]) == "URL_REQUEST_START_JOB" and "url" in p \
            and p.get("initiator") != "not an origin":
        print(p["url"])
PY
}
printf '<html><body><img src="http://127.0.0.1:9/x.png">control</body></html>' >"$WORK/control.html"
browse ctl --log-net-log="$WORK/net-control.json" --net-log-capture-mode=Default \
  --dump-dom "file://$WORK/control.html" >/dev/null
net_urls "$WORK/net-control.json" | grep -q "127.0.0.1:9" && ok "net log shows a control page's request" ||
  bad "net log does not show the control page's request (the check below would prove nothing)"
browse net --log-net-log="$WORK/net.json" --net-log-capture-mode=Default \
  --dump-dom "file://$PAGE#selftest" >/dev/null
others=$(net_urls "$WORK/net.json" | grep -v '^file:' | grep -v '^data:')
[ -s "$WORK/net.json" ] && [ -z "$others" ] && ok "the page requested nothing but file://" ||
  bad "the page requested: $others"
finish
