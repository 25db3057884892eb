#!/usr/bin/python3
"""The layout check: project includes go only downward, no include circles, and no long
function in sim/engine/ and models/ without a stated reason.

Usage:
  check_layout.py ROOT         check the source tree at ROOT (the repository root)
  check_layout.py --self-test  check the checker on tiny fake trees in a temporary directory

Python 3, standard library only.

LAYERS. A file may include only headers of its own layer or of a lower one:

  0  include/**            the public header conflux.h (anything may include it)
  1  sim/core/**           (also the generated "core/version.h", from sim/core/version.h.in)
  2  sim/io/**
  3  sim/engine/**
  4  models/**
  5  sim/run/**
  6  sim/sweep/** and analysis/*.c, analysis/*.h (peers: neither may include the other)
  7  sim/cli/**            may include ONLY include/conflux.h and sim/cli/* headers

FILES CHECKED for includes: every .c and .h file under sim/, models/ and include/ (recursively)
and directly in analysis/. Folders named tests or fuzz are skipped; tests/ itself, the fuzz
harnesses (tests/fuzz/) and generated files (core/version.h, built from a .h.in template)
are not checked.

INCLUDES. Every `#include "NAME"` outside comments (#if branches are not evaluated: every
include counts) is resolved as the compiler does: NAME relative to the including file's own
folder, then include/, sim/, ROOT (the include path of libconflux), first hit wins.
`#include <...>` is a system include and is ignored. Reported, at the include's line:
  (a) upward:  the target's layer is higher than the including file's layer; also a target
               in no layer at all (e.g. a tests/ header)
  (b) peer:    an include between sim/sweep/ and analysis/, either way
  (c) cli:     a file of sim/cli/ includes anything but include/conflux.h or sim/cli/*
  (d) missing: NAME resolves to no file in the tree ("core/version.h" excepted: generated)
  (e) circle:  a circle in the include graph of modules. A module is a path without its
               extension (sim/core/error.c and sim/core/error.h are the module
               sim/core/error), so "a.c includes b.h, b.h includes a.h" is a circle. Each
               knot (strongly connected set of modules) is reported once, at the first
               include of one shortest circle through its alphabetically first module.
  A checked file outside every layer (e.g. a new folder sim/foo/) is reported at its line 1
  ("unplaced"): add its folder to LAYERS here and to the table of README.md.
Circles through calls (a.c calls b.c, b.c calls a.c) matter more in C than include circles,
but finding calls is out of scope.

FUNCTION LENGTH. For every .c file under sim/engine/ and models/ (recursively) each function
definition is found by a brace-matching scanner that skips comments, string and character
literals, and preprocessor lines: a `{` at file level whose head (the text since the last
`;` or `}` at file level, or the last empty line) ends with `)`, contains `(` and has no `=`
outside parentheses opens a function. Its length is counted from the first line of that
head (the first line of the signature, return type or attribute lines included) to the line
of its matching `}`, both included. A function of more than MAX_LINES (80) lines is reported
("long function") unless the comment block immediately above it gives a reason. The comment
block is the comment that ends on the line just before the head's first line (with only
spaces before it on its first line and after it on its last), together with the comments
directly above it with no empty line or code between. After removing the comment markers
(/*, */, //, a leading *) and joining its lines with single spaces, the block must match,
case-insensitively, either
  long:  followed by a word           e.g. /* Long: one pass over the calendar, ... */
  long because  followed by a word    e.g. // long because the phases share locals
Braces that do not match (e.g. a function opened differently in two #if branches) are
reported too ("braces").

OUTPUT. Each problem as `path:line: message` (path relative to ROOT), sorted by path and line,
then one summary line; exit status 1 if there is any problem. Without problems, one line
saying how many files, includes and functions were checked, and exit status 0. Exit status 2:
bad usage (ROOT is not a conflux tree).
"""
import io
import os
import re
import shutil
import sys
import tempfile
from collections import deque

MAX_LINES = 80

# (path prefix, layer number, layer name); "analysis/" covers only files directly in it.
LAYERS = [
    ("include/", 0, "public"),
    ("sim/core/", 1, "core"),
    ("sim/io/", 2, "io"),
    ("sim/engine/", 3, "engine"),
    ("models/", 4, "models"),
    ("sim/run/", 5, "run"),
    ("sim/sweep/", 6, "sweep"),
    ("sim/fit/", 6, "fit"),
    ("analysis/", 6, "analysis"),
    ("sim/cli/", 7, "cli"),
]
PEERS = {"sweep", "fit", "analysis"}
INCLUDE_DIRS = ["include", "sim", ""]       # after the including file's own folder
GENERATED = {"core/version.h": "sim/core/version.h"}  # include name -> its place as a layer
RECURSIVE_TOPS = ["sim", "models", "include"]
FLAT_TOPS = ["analysis"]
SKIP_DIRS = {"tests", "fuzz"}
LENGTH_TOPS = ["sim/engine", "models"]

CATEGORY_NAMES = [("upward", "upward"), ("peer", "peer"), ("cli", "cli"),
                  ("missing", "missing"), ("unplaced", "unplaced"), ("circle", "circle"),
                  ("long", "long function"), ("braces", "braces")]


def layer_of(rel):
    """(number, name) of the layer holding ROOT-relative path rel, or None."""
    for prefix, num, name in LAYERS:
        if rel.startswith(prefix):
            if name == "analysis" and "/" in rel[len(prefix):]:
                return None
            return num, name
    return None


def module_of(rel):
    """A header named X_impl.h is the private view of module X (engine/world_impl.h of
    engine/world), so it is part of that module, not a module of its own."""
    base = os.path.splitext(rel)[0]
    return base[:-len("_impl")] if base.endswith("_impl") else base


# ---------------------------------------------------------------- lexing

def lex(text):
    """Returns (nocomment, code, comments): text with comments blanked, text with comments
    and the contents of string and character literals blanked (both the same length as text,
    newlines kept), and the comments as (first line, last line, text, start offset, end
    offset) with 1-based lines. A literal ends at an unescaped newline at the latest."""
    n = len(text)
    nocom = list(text)
    code = list(text)
    comments = []
    i = 0
    line = 1

    def blank(buf, a, b):
        for k in range(a, b):
            if buf[k] != "\n":
                buf[k] = " "

    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            first = line
            line += text.count("\n", i, j)
            comments.append((first, line, text[i:j], i, j))
            blank(nocom, i, j)
            blank(code, i, j)
            i = j
        elif c == "/" and i + 1 < n and text[i + 1] == "/":
            j = i + 2
            while j < n and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n and text[j + 1] == "\n":
                    j += 2
                    continue
                j += 1
            first = line
            line += text.count("\n", i, j)
            comments.append((first, line, text[i:j], i, j))
            blank(nocom, i, j)
            blank(code, i, j)
            i = j
        elif c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n:
                    if text[j + 1] == "\n":
                        line += 1
                    j += 2
                    continue
                j += 1
            blank(code, i + 1, min(j, n))
            if j < n and text[j] == c:
                j += 1
            i = j
        else:
            i += 1
    return "".join(nocom), "".join(code), comments


INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"\n]+)"', re.M)


def find_includes(text):
    """[(line, name)] of the quoted includes of text, comments ignored."""
    nocom, _, _ = lex(text)
    out = []
    for m in INCLUDE_RE.finditer(nocom):
        out.append((nocom.count("\n", 0, m.start()) + 1, m.group(1)))
    return out


def blank_directives(code):
    """code with preprocessor lines (and their continuation lines) blanked."""
    lines = code.split("\n")
    cont = False
    for k, ln in enumerate(lines):
        if cont or ln.lstrip().startswith("#"):
            cont = ln.rstrip().endswith("\\")
            lines[k] = " " * len(ln)
        else:
            cont = False
    return "\n".join(lines)


HEAD_NAME_RE = re.compile(r"([A-Za-z_]\w*)\s*\(")
NOT_NAMES = {"__attribute__", "__declspec", "_Alignas", "alignas", "__extension__"}


def is_function_head(head):
    h = " ".join(head.split())
    if not h.endswith(")") or "(" not in h:
        return False
    depth = 0
    for ch in h:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "=" and depth == 0:
            return False
    return True


def head_name(head):
    for m in HEAD_NAME_RE.finditer(head):
        if m.group(1) not in NOT_NAMES:
            return m.group(1)
    return "?"


REASON_RES = [re.compile(r"\blong:\s*\w", re.I), re.compile(r"\blong\s+because\s+\w", re.I)]


def comment_words(ctext):
    """A comment's text without its markers, lines joined by single spaces."""
    if ctext.startswith("/*"):
        ctext = ctext[2:]
        if ctext.endswith("*/"):
            ctext = ctext[:-2]
    parts = []
    for ln in ctext.split("\n"):
        ln = ln.strip()
        if ln.startswith("//"):
            ln = ln[2:]
        elif ln.startswith("*"):
            ln = ln.lstrip("*")
        parts.append(ln.strip())
    return " ".join(" ".join(parts).split())


def has_reason(text, comments, start_line):
    """Whether the comment block ending on the line before start_line states a reason."""
    lines = text.split("\n")
    by_end = {}
    for cm in comments:
        first, last, ctext, _, end = cm
        # only spaces may follow the comment on its last line
        rest = text[end:text.find("\n", end) if text.find("\n", end) >= 0 else len(text)]
        if not rest.strip():
            by_end.setdefault(last, []).append(cm)
    want = start_line - 1
    block = []
    while want in by_end:
        group = sorted(by_end[want], key=lambda c: c[3])
        # a comment after code on its line (int y; /* ... */) is not part of the block
        line_start = text.rfind("\n", 0, group[0][3]) + 1
        if text[line_start:group[0][3]].strip():
            break
        block = [c[2] for c in group] + block
        want = group[0][0] - 1
        if want < 1 or not lines[want - 1].strip():
            break
    words = " ".join(comment_words(c) for c in block)
    return any(r.search(words) for r in REASON_RES)


def find_functions(text):
    """([(name, first line, last line)], [(line, message)] of brace errors)."""
    _, code, comments = lex(text)
    scan = blank_directives(code)
    orig_lines = text.split("\n")
    # offsets of the starts of lines
    starts = [0]
    for k, ch in enumerate(text):
        if ch == "\n":
            starts.append(k + 1)

    def line_at(off):
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= off:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    funcs, errors = [], []
    depth = 0
    head_from = 0          # offset after the last file-level ; or }
    open_off = None
    open_is_func = False
    head_start = 0
    for k, ch in enumerate(scan):
        if ch == "{":
            if depth == 0:
                # the head: from the last terminator, or after the last empty line
                hs = head_from
                ln = line_at(k)
                first_ln = line_at(hs)
                for L in range(ln - 1, first_ln - 1, -1):
                    if not orig_lines[L - 1].strip():
                        hs = max(hs, starts[L])      # start of the line after the empty one
                        break
                head = scan[hs:k]
                m = re.search(r"\S", head)
                head_start = hs + (m.start() if m else len(head))
                open_off = k
                open_is_func = bool(m) and is_function_head(head)
            depth += 1
        elif ch == "}":
            if depth == 0:
                errors.append((line_at(k), 'a "}" with no "{" to match (a function opened '
                               'differently in two #if branches?)'))
                head_from = k + 1
                continue
            depth -= 1
            if depth == 0:
                if open_is_func:
                    funcs.append((head_name(scan[head_start:open_off]),
                                  line_at(head_start), line_at(k)))
                head_from = k + 1
        elif ch == ";" and depth == 0:
            head_from = k + 1
    if depth > 0 and open_off is not None:
        errors.append((line_at(open_off), 'this "{" is never closed (a function opened '
                       'differently in two #if branches?)'))
    return funcs, errors, comments


# ---------------------------------------------------------------- the check

class Problem:
    def __init__(self, path, line, category, message):
        self.path, self.line, self.category, self.message = path, line, category, message

    def __str__(self):
        return "%s:%d: %s" % (self.path, self.line, self.message)


def source_files(root):
    out = []
    for top in RECURSIVE_TOPS:
        base = os.path.join(root, top)
        for d, dirs, files in os.walk(base):
            dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not x.startswith("."))
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/"))
    for top in FLAT_TOPS:
        base = os.path.join(root, top)
        if os.path.isdir(base):
            for f in sorted(os.listdir(base)):
                if f.endswith((".c", ".h")) and os.path.isfile(os.path.join(base, f)):
                    out.append(top + "/" + f)
    return sorted(set(out))


def resolve(root, rel, name):
    """ROOT-relative path of the file that `#include "name"` in rel names, or None."""
    dirs = [os.path.dirname(rel)] + INCLUDE_DIRS
    for d in dirs:
        cand = os.path.normpath(os.path.join(d, name)).replace(os.sep, "/")
        if cand.startswith("../") or cand == "..":
            continue
        if os.path.isfile(os.path.join(root, cand)):
            return cand
    return GENERATED.get(name)


def describe(rel):
    lay = layer_of(rel)
    if lay is None:
        return "%s (in no layer)" % rel
    return "%s (layer %d, %s)" % (rel, lay[0], lay[1])


def check_includes(root, files, problems):
    """Checks (a)-(d); returns (number of includes, module graph)."""
    graph = {}      # module -> {module: (path, line, name)}
    n_inc = 0
    for rel in files:
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            text = f.read()
        src = layer_of(rel)
        if src is None:
            problems.append(Problem(rel, 1, "unplaced",
                                    "file is in no layer: add its folder to LAYERS in "
                                    "tests/layout/check_layout.py and to README.md"))
        mod = module_of(rel)
        graph.setdefault(mod, {})
        for line, name in find_includes(text):
            n_inc += 1
            tgt = resolve(root, rel, name)
            if tgt is None:
                problems.append(Problem(rel, line, "missing",
                                        'includes "%s", which is no file of the tree '
                                        '(searched: the file\'s folder, include/, sim/, ./)'
                                        % name))
                continue
            tmod = module_of(tgt)
            if tmod != mod:
                graph[mod].setdefault(tmod, (rel, line, name))
            if src is None:
                continue
            dst = layer_of(tgt)
            if src[1] == "cli":
                if tgt != "include/conflux.h" and not tgt.startswith("sim/cli/"):
                    problems.append(Problem(rel, line, "cli",
                                            'includes "%s" = %s: sim/cli may include only '
                                            '"conflux.h", "cli/..." and system headers'
                                            % (name, describe(tgt))))
                continue
            if dst is None:
                problems.append(Problem(rel, line, "upward",
                                        'includes "%s" = %s, from layer %d (%s)'
                                        % (name, describe(tgt), src[0], src[1])))
            elif src[1] in PEERS and dst[1] in PEERS and src[1] != dst[1]:
                problems.append(Problem(rel, line, "peer",
                                        'includes "%s" = %s: sweep and analysis are peers, '
                                        'neither may include the other'
                                        % (name, describe(tgt))))
            elif dst[0] > src[0]:
                problems.append(Problem(rel, line, "upward",
                                        'includes "%s" = %s, a higher layer than its own '
                                        '(layer %d, %s)' % (name, describe(tgt), src[0], src[1])))
    return n_inc, graph


def knots(graph):
    """Strongly connected sets of more than one module (Tarjan, iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    nodes = sorted(set(graph) | {t for v in graph.values() for t in v})
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, {}))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, {})))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out)


def check_circles(graph, problems):
    for comp in knots(graph):
        members = set(comp)
        first = comp[0]
        # shortest circle through first: BFS back to it inside the knot
        prev = {}
        q = deque([first])
        found = None
        while q and found is None:
            v = q.popleft()
            for w in sorted(graph.get(v, {})):
                if w not in members:
                    continue
                if w == first:
                    found = v
                    break
                if w not in prev:
                    prev[w] = v
                    q.append(w)
        path = [first]
        v = found
        while v != first:
            path.insert(1, v)
            v = prev[v]
        cycle = path + [first]
        edges = [graph[a][b] for a, b in zip(cycle, cycle[1:])]
        msg = "include circle: %s (%s)" % (
            " -> ".join(cycle),
            "; ".join('%s:%d includes "%s"' % e for e in edges))
        others = [m for m in comp if m not in path]
        if others:
            msg += "; the knot also holds %s" % ", ".join(others)
        problems.append(Problem(edges[0][0], edges[0][1], "circle", msg))


def check_lengths(root, problems):
    files = []
    for top in LENGTH_TOPS:
        for d, dirs, fs in os.walk(os.path.join(root, top)):
            dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not x.startswith("."))
            for f in sorted(fs):
                if f.endswith(".c"):
                    files.append(os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/"))
    n_fn = 0
    for rel in sorted(files):
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            text = f.read()
        funcs, errors, comments = find_functions(text)
        n_fn += len(funcs)
        for line, msg in errors:
            problems.append(Problem(rel, line, "braces", msg))
        for name, first, last in funcs:
            n = last - first + 1
            if n > MAX_LINES and not has_reason(text, comments, first):
                problems.append(Problem(rel, first, "long",
                                        "function %s is %d lines long (more than %d) and the "
                                        "comment above it gives no reason (\"Long: ...\" or "
                                        "\"long because ...\")" % (name, n, MAX_LINES)))
    return len(files), n_fn


def run(root, out):
    """Checks the tree at root, writing the report to out; returns the exit status."""
    root = os.path.abspath(root)
    if not os.path.isdir(os.path.join(root, "sim")):
        out.write("check_layout: %s has no sim/ folder: not a conflux tree\n" % root)
        return 2
    problems = []
    files = source_files(root)
    n_inc, graph = check_includes(root, files, problems)
    check_circles(graph, problems)
    n_len_files, n_fn = check_lengths(root, problems)
    problems.sort(key=lambda p: (p.path, p.line, p.message))
    for p in problems:
        out.write("%s\n" % p)
    counted = ("%d files, %d includes, %d functions (of %d .c files in sim/engine and models)"
               % (len(files), n_inc, n_fn, n_len_files))
    if not problems:
        out.write("layout: OK: checked %s\n" % counted)
        return 0
    counts = []
    for cat, label in CATEGORY_NAMES:
        k = sum(1 for p in problems if p.category == cat)
        if k:
            counts.append("%d %s" % (k, label))
    out.write("layout: %d problem%s (%s); checked %s\n"
              % (len(problems), "" if len(problems) == 1 else "s", ", ".join(counts), counted))
    return 1


# ---------------------------------------------------------------- self-test

def long_function(name, n, comment=None):
    """C text of a function of exactly n lines, with braces in comments and literals."""
    body = []
    fillers = ['    x += 1; /* } { */',
               '    s = "{ }}";',
               "    c = '}';",
               "    c = '\\'';",
               '    // } a line comment with a brace',
               '    if (x) {',
               '        x--;',
               '    }']
    while len(body) + len(fillers) <= n - 5:
        body += fillers
    while len(body) < n - 5:
        body.append("    x++;")
    text = ""
    if comment:
        text += comment + "\n"
    text += ("static int %s(int x)\n{\n    const char *s; char c;\n" % name
             + "\n".join(body) + "\n    return x + (int)(s[0] + c);\n}\n")
    assert text.count("\n") - (comment.count("\n") + 1 if comment else 0) == n, name
    return text


CLEAN = {
    "include/conflux.h": "/* the public header */\n#ifndef CONFLUX_H\n#define CONFLUX_H\n"
                         "int cfx_x(void);\n#endif\n",
    "sim/core/error.h": '#include "conflux.h"\n',
    "sim/core/error.c": '#include "core/error.h"\n\n#include <stdio.h>\n'
                        '#include "core/version.h"\n'
                        '/* an example in a comment: #include "nowhere.h"\n'
                        '#include "engine/world.h" */\n'
                        '// #include "run/run.h"\n',
    "sim/core/version.h.in": '#define CFX_VERSION "@PROJECT_VERSION@"\n',
    "sim/core/grow.h": "int cfx_grow(void);\n",
    "sim/core/grow.c": '#include "core/grow.h"\n#include "core/error.h"\n',
    "sim/io/csv.h": '#include "core/error.h"\n',
    "sim/io/csv.c": '#include "io/csv.h"\n#include "core/grow.h"\n',
    "sim/engine/world.h": '#include "io/csv.h"\n',
    "sim/engine/world.c": ('#include "engine/world.h"\n\n'
                           '#define BLOCK(x) do { \\\n    x; \\\n} while (0)\n\n'
                           'static const int table[] = {\n    1, 2,\n};\n\n'
                           'struct pair {\n    int a, b;\n};\n\n'
                           'int short_one(void) { return table[0]; }\n\n'
                           + long_function("justified", 95,
                                           "/* Runs every phase in turn.\n"
                                           " * Long: the phases share their locals; split, "
                                           "they would pass ten arguments. */")
                           + "\n"
                           + long_function("also_justified", 85,
                                           "// Applies the commands.\n"
                                           "// It is long because each command kind is one "
                                           "case.")
                           + "\nint exactly_80(void)\n{\n" + "    ;\n" * 77 + "}\n"),
    "models/registry.h": '#include "engine/world.h"\n',
    "models/registry.c": '#include "models/registry.h"\n',
    "models/conflict/conflict.c": '#include "engine/world.h"\n#include "core/error.h"\n'
                                  "int conflict(void)\n{\n    return 0;\n}\n",
    "sim/run/run.h": '#include "engine/world.h"\n',
    "sim/run/run.c": '#include "run/run.h"\n#include "models/registry.h"\n',
    "sim/sweep/sweep.h": '#include "run/run.h"\n',
    "sim/sweep/design.c": '#include "sweep/sweep.h"\n#include "core/error.h"\n',
    "analysis/analyze.h": '#include "core/error.h"\n',
    "analysis/analyze.c": '#include "analysis/analyze.h"\n#include "sim/io/csv.h"\n',
    "analysis/conflux-plot": "#!/usr/bin/python3\n",
    "sim/cli/cli.h": '#include "conflux.h"\n',
    "sim/cli/main.c": '#include "cli/cli.h"\n#include <stdio.h>\n',
    "tests/test_x.c": '#include "run/run.h"\n#include "nowhere.h"\n',
    "tests/fuzz/fuzz_x.c": '#include "engine/world.h"\n',
}


def _append(tree, path, text):
    tree[path] = tree.get(path, "") + text


def bad_tree():
    t = dict(CLEAN)
    _append(t, "sim/io/csv.c", '#include "engine/calendar.h"\n')        # line 3: upward
    t["sim/engine/calendar.h"] = "int cfx_calendar(void);\n"
    _append(t, "sim/core/error.c", '#include "core/grow.h"\n')          # line 8: circle
    _append(t, "sim/cli/main.c", '#include "core/error.h"\n')           # line 3: cli
    _append(t, "sim/sweep/design.c", '#include "analysis/analyze.h"\n')  # line 3: peer
    _append(t, "models/registry.c", '#include "models/missing.h"\n')    # line 2: missing
    _append(t, "sim/run/run.c", '#include "tests/fixture.h"\n')         # line 3: no layer
    t["tests/fixture.h"] = "\n"
    t["sim/tools/x.c"] = '#include "core/error.h"\n'                    # unplaced
    lines = CLEAN["sim/engine/world.c"].count("\n")
    _append(t, "sim/engine/world.c",
            "\n" + long_function("unjustified", 90, "/* Too long, but no reason. */")
            + "\n" + long_function("bare", 81))
    return t, lines


def write_tree(root, tree):
    for path, text in tree.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)


def self_test():
    failures = []
    checks = [0]

    def expect(cond, what, output):
        checks[0] += 1
        if not cond:
            failures.append("%s\n--- output:\n%s" % (what, output))

    tmp = tempfile.mkdtemp(prefix="check_layout-")
    try:
        clean = os.path.join(tmp, "clean")
        write_tree(clean, CLEAN)
        buf = io.StringIO()
        rc = run(clean, buf)
        out = buf.getvalue()
        expect(rc == 0, "the clean tree passes (exit status %d)" % rc, out)
        expect(out.count("\n") == 1 and out.startswith("layout: OK: checked 20 files, "),
               "the clean tree gives one line counting 20 files", out)
        expect("5 functions" in out, "the clean tree has 5 functions in sim/engine and models",
               out)

        bad = os.path.join(tmp, "bad")
        tree, world_lines = bad_tree()
        write_tree(bad, tree)
        buf = io.StringIO()
        rc = run(bad, buf)
        out = buf.getvalue()
        lines = out.splitlines()
        expect(rc == 1, "the bad tree fails (exit status %d)" % rc, out)
        want = [
            ("sim/io/csv.c:3: includes \"engine/calendar.h\" = sim/engine/calendar.h (layer 3, "
             "engine), a higher layer than its own (layer 2, io)", "upward include"),
            ("sim/core/error.c:8: include circle: sim/core/error -> sim/core/grow -> "
             "sim/core/error (sim/core/error.c:8 includes \"core/grow.h\"; "
             "sim/core/grow.c:2 includes \"core/error.h\")", "include circle"),
            ("sim/cli/main.c:3: includes \"core/error.h\" = sim/core/error.h (layer 1, core): "
             "sim/cli may include only", "cli include of an internal header"),
            ("sim/sweep/design.c:3: includes \"analysis/analyze.h\" = analysis/analyze.h "
             "(layer 6, analysis): sweep and analysis are peers", "peer include"),
            ("models/registry.c:2: includes \"models/missing.h\", which is no file of the "
             "tree", "missing include"),
            ("sim/run/run.c:3: includes \"tests/fixture.h\" = tests/fixture.h (in no layer)",
             "include of a file in no layer"),
            ("sim/tools/x.c:1: file is in no layer", "file in no layer"),
            ("sim/engine/world.c:%d: function unjustified is 90 lines long (more than 80)"
             % (world_lines + 3), "90-line function without a reason"),
            ("sim/engine/world.c:%d: function bare is 81 lines long" % (world_lines + 94),
             "81-line function without a comment"),
        ]
        for text, what in want:
            expect(any(ln.startswith(text) for ln in lines), "reported: " + what, out)
        expect(len(lines) == len(want) + 1,
               "exactly %d problems and a summary" % len(want), out)
        expect(lines and lines[-1].startswith("layout: 9 problems (2 upward, 1 peer, 1 cli, "
                                              "1 missing, 1 unplaced, 1 circle, "
                                              "2 long function)"), "the summary line", out)
        expect("justified" not in out.replace("unjustified", ""),
               "functions with a reason are not reported", out)
        expect(not any(ln.startswith("tests/") for ln in lines),
               "tests/ and fuzz harnesses are not checked", out)

        # the scanner itself
        funcs, errors, _ = find_functions(long_function("f", 90))
        expect(funcs == [("f", 1, 90)] and not errors, "a 90-line function measures 90 lines",
               repr((funcs, errors)))
        funcs, errors, _ = find_functions("int f(void)\n{\n#if A\n    if (a) {\n#else\n"
                                          "    if (b) {\n#endif\n    }\n}\n")
        expect(len(errors) == 1 and errors[0][0] == 2, "an unmatched brace is reported",
               repr((funcs, errors)))
        for comment, ok in [("/* Long: it is a table */", True),
                            ("/* LONG: it is a table */", True),
                            ("// x\n// long because it is a table", True),
                            ("/* It is long because\n * it is a table. */", True),
                            ("/* Long: */", False),
                            ("/* a long function */", False),
                            ("/* Long: a table */\n", False),       # an empty line between
                            ("/* Long: a table */\nint y;", False),  # code between
                            ("int y; /* Long: a table */", False),   # after code
                            ("/* Long: a table */\nCFX_HOT", True)]:  # an attribute line
            text = comment + "\nint f(void)\n{\n}\n"
            funcs, _, comments = find_functions(text)
            got = has_reason(text, comments, funcs[0][1])
            expect(got == ok, "reason %r -> %s" % (comment, ok), repr(got))
    finally:
        shutil.rmtree(tmp)
    for f in failures:
        sys.stdout.write("FAIL: %s\n" % f)
    if failures:
        sys.stdout.write("layout self-test: %d of %d checks failed\n" % (len(failures), checks[0]))
        return 1
    sys.stdout.write("layout self-test: all %d checks passed\n" % checks[0])
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write("usage: check_layout.py ROOT | --self-test\n")
        return 2
    return run(argv[1], sys.stdout)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
