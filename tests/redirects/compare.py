#!/usr/bin/python3
"""Open-redirect checks compared on tests/redirects/corpus.tsv.

For every value of the corpus (what a login view receives in `next`, after
the query string is decoded) this script asks:

  naive     target.startswith("/")
  snippet   the is_safe_url() snippet that Flask-Login's documentation points
            to (Flask snippet 62, "Securely Redirect Back"), with Python's
            urllib.parse:
                ref = urlparse(request.host_url)
                test = urlparse(urljoin(request.host_url, target))
                return test.scheme in ('http', 'https') and \\
                       ref.netloc == test.netloc
  wz        the same snippet written with werkzeug.urls.url_parse and
            url_join, as many copies of it are (Werkzeug 2.2)
  mega      the Flask Mega-Tutorial's check: url_parse(next).netloc == ''
            (werkzeug.urls.url_parse)
  clogin    clogin_url_is_safe(target, len, host), called in the very
            libclogin.so that $CLOGIN_COOKIE_TOOL is linked with (or
            --lib / $CLOGIN_LIBRARY)
  browser   where a browser goes with it: the WHATWG URL parser (Node's
            `URL`, the parser of the URL standard that browsers follow)
            resolves the value against http://HOST/login and against
            https://HOST/login; "offsite" when either lands on another host
            or port, "script" for javascript:, "scheme" for any other
            non-HTTP scheme (data:, vbscript:...), "invalid" when neither
            parses, else "onsite".

and prints Markdown: counts, then every value that some check gets wrong
(accepts a bypass, refuses a legitimate value).

    /usr/bin/python3 tests/redirects/compare.py [--lib PATH] [--update-doc]

With --update-doc it rewrites the comparison block of docs/open-redirects.md;
tests/interop/test_redirect_compare.py runs the same code under pytest and
fails when that block differs from what the checks really do today.
"""

import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import urllib.parse
import warnings
from collections import namedtuple

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE / "corpus.tsv"
FIELDS = ("kind", "expect", "host", "value", "source", "note")
KINDS = ("bypass", "onsite", "legit")

Row = namedtuple("Row", ("line",) + FIELDS + ("text",))  # text: value as written

# ---------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------

NAMED = {"TAB": b"\t", "LF": b"\n", "CR": b"\r", "NUL": b"\0", "SP": b" "}
_ESCAPE = re.compile(r"\{(?:x([0-9A-Fa-f]{2})|U\+([0-9A-Fa-f]{4,6})|([A-Z]+))\}")


def unescape(text):
    """The bytes of a corpus value: {xHH} is a byte, {U+HHHH} a code point
    in UTF-8, {TAB} {LF} {CR} {NUL} {SP} those bytes; any other '{' is an
    error; everything else is the UTF-8 text itself."""
    out = bytearray()
    pos = 0
    while pos < len(text):
        brace = text.find("{", pos)
        if brace < 0:
            out += text[pos:].encode("utf-8")
            break
        out += text[pos:brace].encode("utf-8")
        m = _ESCAPE.match(text, brace)
        if not m:
            raise ValueError(f"bad escape at {text[brace:brace + 12]!r}")
        if m.group(1):
            out.append(int(m.group(1), 16))
        elif m.group(2):
            out += chr(int(m.group(2), 16)).encode("utf-8")
        else:
            if m.group(3) not in NAMED:
                raise ValueError(f"unknown escape {{{m.group(3)}}}")
            out += NAMED[m.group(3)]
        pos = m.end()
    return bytes(out)


def show(value):
    """A value for a Markdown table: printable ASCII as is, the rest escaped
    as in the corpus; '|' escaped for the table."""
    out = []
    for ch in value.decode("utf-8", "surrogateescape"):
        c = ord(ch)
        if 0xDC80 <= c <= 0xDCFF:
            out.append("{x%02X}" % (c - 0xDC00))
        elif ch == "{":
            out.append("{x7B}")
        elif ch == "\t":
            out.append("{TAB}")
        elif ch == "\n":
            out.append("{LF}")
        elif ch == "\r":
            out.append("{CR}")
        elif ch == "\0":
            out.append("{NUL}")
        elif ch == " ":
            out.append("{SP}")
        elif c < 0x20 or c == 0x7F:
            out.append("{x%02X}" % c)
        elif c >= 0x80 and not ch.isprintable() or c in (0xA0, 0x3000, 0xFEFF):
            out.append("{U+%04X}" % c)
        elif ch == "|":
            out.append("\\|")
        else:
            out.append(ch)
    s = "".join(out)
    return "`" + s + "`" if s else "(empty)"


def load(path=CORPUS):
    rows = []
    header = None
    for n, line in enumerate(path.read_text("utf-8").split("\n"), 1):
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if header is None:
            header = tuple(fields)
            if header != FIELDS:
                raise ValueError(f"{path}:{n}: header must be {FIELDS}, not {header}")
            continue
        if len(fields) != len(FIELDS):
            raise ValueError(f"{path}:{n}: {len(fields)} fields, want {len(FIELDS)}")
        kind, expect, host, value, source, note = fields
        if kind not in KINDS or expect not in ("accept", "refuse"):
            raise ValueError(f"{path}:{n}: bad kind or expect: {kind!r} {expect!r}")
        if not host or not source or not note:
            raise ValueError(f"{path}:{n}: host, source and note are required")
        try:
            raw = unescape(value)
        except ValueError as e:
            raise ValueError(f"{path}:{n}: {e}") from None
        rows.append(Row(n, kind, expect, host, raw, source, note, value))
    return rows


def corpus_value(row):
    """The value as the corpus writes it (escapes included)."""
    return row.text


# ---------------------------------------------------------------------------
# The Python checks
# ---------------------------------------------------------------------------

warnings.simplefilter("ignore", DeprecationWarning)


def as_flask_sees(value):
    """The str a Flask view gets from request.args: Werkzeug decodes the
    query as UTF-8 with errors='replace'."""
    return value.decode("utf-8", "replace")


def naive(value, host):
    return as_flask_sees(value).startswith("/")


def snippet(value, host):
    host_url = f"http://{host}/"
    try:
        ref = urllib.parse.urlparse(host_url)
        test = urllib.parse.urlparse(urllib.parse.urljoin(host_url, as_flask_sees(value)))
    except ValueError:
        return False
    return test.scheme in ("http", "https") and ref.netloc == test.netloc


def snippet_werkzeug(value, host):
    from werkzeug.urls import url_join, url_parse
    host_url = f"http://{host}/"
    try:
        ref = url_parse(host_url)
        test = url_parse(url_join(host_url, as_flask_sees(value)))
    except ValueError:
        return False
    return test.scheme in ("http", "https") and ref.netloc == test.netloc


def mega_tutorial(value, host):
    from werkzeug.urls import url_parse
    target = as_flask_sees(value)
    if not target:
        return False  # `if not next_page ...: next_page = url_for('index')`
    try:
        return url_parse(target).netloc == ""
    except ValueError:
        return False


PY_CHECKS = {
    "naive": naive,
    "snippet": snippet,
    "wz": snippet_werkzeug,
    "mega": mega_tutorial,
}

# ---------------------------------------------------------------------------
# clogin, through ctypes in a child process (the library may be built with
# AddressSanitizer, whose runtime must be loaded first: LD_PRELOAD)
# ---------------------------------------------------------------------------


def _ldd(path):
    out = subprocess.run(["ldd", str(path)], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, check=False).stdout
    libs = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+) => (/\S+)", line)
        if m:
            libs[m.group(1)] = m.group(2)
    return libs


def find_library(lib=None):
    """libclogin.so to call: lib, else $CLOGIN_LIBRARY, else the one
    $CLOGIN_COOKIE_TOOL is linked with. None when there is none."""
    lib = lib or os.environ.get("CLOGIN_LIBRARY")
    if lib:
        return lib
    tool = os.environ.get("CLOGIN_COOKIE_TOOL")
    if tool and os.path.isfile(tool):
        for name, path in _ldd(tool).items():
            if name.startswith("libclogin.so"):
                return path
    return None


def clogin_verdicts(rows, lib):
    """clogin_url_is_safe() of every row, as a list of bools."""
    preload = [p for n, p in _ldd(lib).items()
               if n.startswith(("libasan.so", "libubsan.so"))]
    preload.sort(key=lambda p: "libasan" not in p)  # ASan's runtime first
    env = dict(os.environ)
    if preload:
        env["LD_PRELOAD"] = ":".join(preload + ([env["LD_PRELOAD"]] if env.get("LD_PRELOAD") else []))
        # Python itself is not instrumented; its allocations are not leaks
        # of clogin's, and clogin_url_is_safe() allocates nothing.
        # (Later options win.)
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
        env["UBSAN_OPTIONS"] = ":".join(filter(None, [env.get("UBSAN_OPTIONS"),
                                                      "halt_on_error=1", "print_stacktrace=1"]))
    payload = json.dumps([[r.value.hex(), r.host] for r in rows])
    proc = subprocess.run([sys.executable, __file__, "--clogin-worker", lib],
                          input=payload, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env, check=False)
    if proc.returncode != 0 or "Sanitizer" in proc.stderr or "runtime error:" in proc.stderr:
        raise RuntimeError(f"calling clogin_url_is_safe in {lib} failed "
                           f"(exit {proc.returncode}):\n{proc.stderr}")
    got = json.loads(proc.stdout)
    assert len(got) == len(rows)
    return [bool(v) for v in got]


def _clogin_worker(lib):
    import ctypes
    f = ctypes.CDLL(lib).clogin_url_is_safe
    f.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]
    f.restype = ctypes.c_int
    out = []
    for value_hex, host in json.load(sys.stdin):
        value = bytes.fromhex(value_hex)
        # An exact-size copy, not NUL-terminated beyond len for the callee.
        buf = ctypes.create_string_buffer(value, len(value))
        out.append(f(buf, len(value), host.encode("utf-8")))
    json.dump(out, sys.stdout)


# ---------------------------------------------------------------------------
# Browsers: the WHATWG URL parser (Node's URL class)
# ---------------------------------------------------------------------------

_NODE_SCRIPT = r"""
const rows = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = rows.map(([value, host]) => ['http', 'https'].map(scheme => {
  try {
    const base = new URL(scheme + '://' + host + '/login');
    const u = new URL(value, base);
    return [u.href, u.protocol, u.hostname, u.port, base.hostname, base.port];
  } catch (e) { return null; }
}));
process.stdout.write(JSON.stringify(out));
"""

Landing = namedtuple("Landing", "verdict href")

_ORDER = ("script", "offsite", "scheme", "onsite", "invalid")


def browser_landings(rows, node=None):
    """For each row: Landing(verdict, href) where verdict is the worst of
    the two resolutions (against http://HOST/login and https://HOST/login):
    script, offsite, scheme, onsite or invalid; href is the URL of that
    resolution (None when invalid)."""
    node = node or shutil.which("node")
    if not node:
        raise RuntimeError("node (Node.js) is needed for the browser column "
                           "(scripts/install-deps installs it)")
    # A Location header is bytes; browsers read it as UTF-8, invalid
    # sequences as U+FFFD.
    payload = json.dumps([[r.value.decode("utf-8", "replace"), r.host] for r in rows])
    proc = subprocess.run([node, "-e", _NODE_SCRIPT], input=payload,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"node failed: {proc.stderr}")
    result = []
    for pair in json.loads(proc.stdout):
        found = []
        for res in pair:
            if res is None:
                found.append(("invalid", None))
                continue
            href, protocol, hostname, port, base_host, base_port = res
            if protocol == "javascript:":
                found.append(("script", href))
            elif protocol not in ("http:", "https:"):
                found.append(("scheme", href))
            elif hostname != base_host or port != base_port:
                found.append(("offsite", href))
            else:
                found.append(("onsite", href))
        found.sort(key=lambda vh: _ORDER.index(vh[0]))
        result.append(Landing(*found[0]))
    return result


DANGEROUS = ("offsite", "script", "scheme")

# ---------------------------------------------------------------------------
# Evaluation and report
# ---------------------------------------------------------------------------

CHECKS = ("naive", "snippet", "wz", "mega", "clogin")
TITLES = {
    "naive": 'naive `startswith("/")`',
    "snippet": "snippet, urllib.parse",
    "wz": "snippet, werkzeug.urls",
    "mega": "Mega-Tutorial `url_parse(next).netloc == ''`",
    "clogin": "`clogin_url_is_safe()`",
}

Result = namedtuple("Result", "row verdicts landing")


def evaluate(rows, lib, node=None):
    """Result(row, {check: bool}, Landing) for every row."""
    verdicts = {name: [f(r.value, r.host) for r in rows] for name, f in PY_CHECKS.items()}
    verdicts["clogin"] = clogin_verdicts(rows, lib)
    landings = browser_landings(rows, node)
    return [Result(r, {name: verdicts[name][i] for name in CHECKS}, landings[i])
            for i, r in enumerate(rows)]


def wrong(result, check):
    """Does check get this row wrong: accept a bypass, refuse a legitimate
    value? (Listed payloads that browsers keep on the site are right
    either way.)"""
    accepted = result.verdicts[check]
    if result.row.kind == "legit":
        return not accepted
    if result.row.kind == "bypass":
        return accepted
    return False


def report(results):
    """The Markdown block of docs/open-redirects.md."""
    by_kind = {k: [x for x in results if x.row.kind == k] for k in KINDS}
    bypasses, legit = by_kind["bypass"], by_kind["legit"]
    out = [
        f"Corpus: {len(bypasses)} bypass payloads, {len(by_kind['onsite'])} "
        f"listed payloads that browsers keep on the site, {len(legit)} "
        f"legitimate values.",
        "",
        "| check | bypasses accepted | of which a browser leaves the site or runs script "
        "| legitimate values refused |",
        "|---|---|---|---|",
    ]
    for c in CHECKS:
        acc = [x for x in bypasses if x.verdicts[c]]
        danger = [x for x in acc if x.landing.verdict in DANGEROUS]
        ref = [x for x in legit if not x.verdicts[c]]
        out.append(f"| {TITLES[c]} | {len(acc)} of {len(bypasses)} | {len(danger)} "
                   f"| {len(ref)} of {len(legit)} |")
    out += [
        "",
        "Every bypass some check accepts (**Y**) and every legitimate value "
        "some check refuses (**-**); browser: where the WHATWG URL parser "
        "sends the value from http://good.example/login or "
        "https://good.example/login, the worse of the two.",
        "",
        "| kind | value | naive | snippet | wz | mega | clogin | browser | why |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for x in results:
        if not any(wrong(x, c) for c in CHECKS):
            continue
        cells = []
        for c in CHECKS:
            mark = "Y" if x.verdicts[c] else "-"
            cells.append(f"**{mark}**" if wrong(x, c) else mark)
        value = show(x.row.value)
        if x.row.host != "good.example":
            value += f" (host {x.row.host})"
        browser = x.landing.verdict
        if browser in DANGEROUS:
            browser += f" `{x.landing.href}`"
        note = (x.row.note.replace("\\", "\\\\").replace("|", "\\|")
                .replace("<", "&lt;").replace("*", "\\*").replace("_", "\\_"))
        out.append(f"| {x.row.kind} | {value} | " + " | ".join(cells)
                   + f" | {browser} | {note} |")
    return "\n".join(out)


DOC = HERE.parents[1] / "docs" / "open-redirects.md"
BEGIN = "<!-- BEGIN COMPARISON (tests/redirects/compare.py --update-doc) -->"
END = "<!-- END COMPARISON -->"


def doc_block(path=DOC):
    text = path.read_text("utf-8")
    return text[text.index(BEGIN) + len(BEGIN):text.index(END)].strip("\n")


def update_doc(block, path=DOC):
    text = path.read_text("utf-8")
    a = text.index(BEGIN) + len(BEGIN)
    b = text.index(END)
    path.write_text(text[:a] + "\n" + block + "\n" + text[b:], "utf-8")


def main(argv):
    if argv[:1] == ["--clogin-worker"]:
        _clogin_worker(argv[1])
        return 0
    ap = argparse.ArgumentParser(
        description="Compare open-redirect checks on tests/redirects/corpus.tsv.")
    ap.add_argument("--lib", help="libclogin.so to call (default: "
                    "$CLOGIN_LIBRARY, else the one $CLOGIN_COOKIE_TOOL uses)")
    ap.add_argument("--update-doc", action="store_true",
                    help="rewrite the comparison block of docs/open-redirects.md")
    args = ap.parse_args(argv)
    lib = find_library(args.lib)
    if not lib:
        ap.error("no libclogin.so: give --lib, CLOGIN_LIBRARY or CLOGIN_COOKIE_TOOL")
    block = report(evaluate(load(), lib))
    if args.update_doc:
        update_doc(block)
    else:
        print(block)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
