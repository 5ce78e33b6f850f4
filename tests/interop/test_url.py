"""The URL vectors of tests/unit/test_url.c against real Flask-Login/Werkzeug.

tests/unit/test_url.c holds tables of inputs and the results clogin must
give (the unit test checks the C side). This module parses those tables and
checks every expected value against what the installed Flask-Login 0.6 /
Werkzeug 2.2 / Python produce, so both sides are checked on every run:

  NEXT_VECTORS     flask_login.utils.make_next_param(login_url, current_url)
  LOGIN_VECTORS    flask_login.utils.login_url(view, next_url, next_field),
                   FORCE_HOST_FOR_REDIRECTS = force_host
  REQUEST_VECTORS  werkzeug Request(environ).url for a request-target, with
                   the environ a PEP 3333 server builds
  ARG_VECTORS      werkzeug.urls.url_decode(query).get(name) (request.args)
  SAFE_VECTORS     the naive and classic-snippet verdicts of the open-redirect
                   table (clogin's own verdict has no Python oracle)

It also remakes two tables of src/url.c and src/idna.c from Python's Unicode data.

Run as a script with --update to rewrite the expected columns of
tests/unit/test_url.c from Python (after adding inputs), and to print the
naive-vs-clogin comparison block:

    /usr/bin/python3 tests/interop/test_url.py --update
"""

import pathlib
import re
import sys
import urllib.parse
import warnings

import flask
import pytest
from flask_login.utils import login_url, make_next_param
from werkzeug.urls import url_decode, url_parse
from werkzeug.wrappers import Request

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEST_C = ROOT / "tests" / "unit" / "test_url.c"
URL_C = ROOT / "src" / "url.c"
IDNA_C = ROOT / "src" / "idna.c"

# ---------------------------------------------------------------------------
# Parsing the C tables
# ---------------------------------------------------------------------------

_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(NULL)|(-?[0-9]+))\s*(,|\}|$)')


def c_string(body):
    """The bytes of a C string literal's body (the escapes test_url.c uses)."""
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        e = body[i + 1]
        if e in "01234567":
            j = i + 1
            while j < len(body) and j < i + 4 and body[j] in "01234567":
                j += 1
            out.append(int(body[i + 1:j], 8))
            i = j
            continue
        out += {"\\": b"\\", '"': b'"', "?": b"?", "n": b"\n", "t": b"\t",
                "r": b"\r", "'": b"'"}[e]
        i += 2
    return bytes(out)


def parse_row(line):
    """`{"a", NULL, 1},` -> [b"a", None, 1]"""
    s = line.strip()
    assert s.startswith("{") and s.endswith("},"), f"bad vector line: {line!r}"
    s = s[1:-2]
    fields, pos = [], 0
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        assert m, f"bad field in {line!r} at {s[pos:]!r}"
        if m.group(2):
            fields.append(None)
        elif m.group(3):
            fields.append(int(m.group(3)))
        else:
            fields.append(c_string(m.group(1)))
        pos = m.end()
    return fields


def table_lines(text, name):
    begin = text.index(f"/* BEGIN {name} */")
    end = text.index(f"/* END {name} */")
    lines = text[begin:end].splitlines()[1:]
    return [ln for ln in lines if ln.strip() and not ln.strip().startswith("/*")]


def table(name, path=TEST_C):
    return [parse_row(ln) for ln in table_lines(path.read_text("utf-8"), name)]


def c_literal(value):
    """A C literal for bytes/str/None/int, as test_url.c writes them: octal
    escapes for non-printable and non-ASCII bytes, '?' escaped after '?'
    (trigraphs)."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        value = value.encode("utf-8")
    out = ['"']
    prev = None
    for b in value:
        ch = chr(b)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "?" and prev == ord("?"):
            out.append("\\?")
        elif 0x20 <= b < 0x7F:
            out.append(ch)
        else:
            out.append("\\%03o" % b)
        prev = b
    out.append('"')
    return "".join(out)


def text(b):
    return None if b is None else b.decode("utf-8")


# ---------------------------------------------------------------------------
# The Python side
# ---------------------------------------------------------------------------

warnings.simplefilter("ignore", DeprecationWarning)
_APP = flask.Flask("clogin_url_oracle")


def py_make_next_param(login, current):
    try:
        return make_next_param(login, current)
    except ValueError:
        return None


def py_login_url(view, next_url, field, force_host):
    _APP.config["FORCE_HOST_FOR_REDIRECTS"] = force_host
    with _APP.app_context():
        try:
            return login_url(view, next_url, "next" if field is None else field)
        except ValueError:
            return None


def wsgi_parts(target):
    """(host or None, raw path, raw query) as clogin__request_url splits a
    request-target: absolute-form as Werkzeug's development server reads it,
    otherwise cut at '#' and split at '?'."""
    if not target.startswith(b"/"):
        try:
            u = url_parse(target.decode("latin1"))
        except ValueError:
            u = None
        if u is not None and u.scheme and u.netloc:
            return (u.netloc.encode("latin1"), u.path.encode("latin1"),
                    u.query.encode("latin1"))
    path, _, query = target.split(b"#", 1)[0].partition(b"?")
    return None, path, query


def py_request_url(scheme, host, target):
    abs_host, path, query = wsgi_parts(target)
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": urllib.parse.unquote_to_bytes(path).decode("latin1"),
        "QUERY_STRING": query.decode("latin1"),
        "SERVER_NAME": "server.invalid",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": scheme,
        "HTTP_HOST": (abs_host if abs_host is not None else host).decode("latin1"),
    }
    return Request(environ).url


def py_query_arg(query, name):
    return url_decode(query).get(name)


def naive_is_safe(target):
    return target.startswith("/")


def snippet_is_safe(target, host):
    """The is_safe_url snippet of Flask's documentation and tutorials."""
    host_url = f"http://{host}/"
    try:
        ref_url = urllib.parse.urlparse(host_url)
        test_url = urllib.parse.urlparse(urllib.parse.urljoin(host_url, target))
    except ValueError:
        return False
    return test_url.scheme in ("http", "https") and ref_url.netloc == test_url.netloc


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------

def _ids(rows):
    return [repr(r[:-1])[:80] for r in rows]


NEXT = table("NEXT_VECTORS")
LOGIN = table("LOGIN_VECTORS")
REQUEST = table("REQUEST_VECTORS")
ARGS = table("ARG_VECTORS")
SAFE = table("SAFE_VECTORS")


def test_tables_are_not_empty():
    assert len(NEXT) >= 20 and len(LOGIN) >= 30 and len(REQUEST) >= 30
    assert len(ARGS) >= 15
    assert sum(1 for r in SAFE if r[2] == 0) >= 60
    assert sum(1 for r in SAFE if r[2] == 1) >= 20


@pytest.mark.parametrize("row", NEXT, ids=_ids(NEXT))
def test_make_next_param(row):
    login, current, expected = map(text, row)
    assert py_make_next_param(login, current) == expected


@pytest.mark.parametrize("row", LOGIN, ids=_ids(LOGIN))
def test_login_url(row):
    view, next_url, field, force_host, expected = map(text, row)
    assert py_login_url(view, next_url, field, force_host) == expected


@pytest.mark.parametrize("row", REQUEST, ids=_ids(REQUEST))
def test_request_url(row):
    scheme, host, target, expected = row
    assert py_request_url(scheme.decode(), host, target) == text(expected)


@pytest.mark.parametrize("row", ARGS, ids=_ids(ARGS))
def test_query_arg(row):
    query, name, expected = row
    assert py_query_arg(query, text(name)) == text(expected)


@pytest.mark.parametrize("row", SAFE, ids=_ids(SAFE))
def test_safe_table_naive_and_snippet_columns(row):
    target, host, safe, leaves, naive, snippet = row
    t = target.decode("utf-8", "surrogateescape")
    assert naive == int(naive_is_safe(t))
    assert snippet == int(snippet_is_safe(t, host.decode("utf-8")))
    assert not (safe and leaves)


def test_comparison_block_is_current():
    """The comment block of test_url.c listing what the naive check and the
    snippet accept among clogin's refused values matches the table."""
    src = TEST_C.read_text("utf-8")
    begin = src.index("/* BEGIN COMPARISON")
    end = src.index("END COMPARISON */") + len("END COMPARISON */")
    assert src[begin:end] == comparison_block(SAFE)


def comparison_block(rows):
    refused = [r for r in rows if r[2] == 0]
    leaving = [r for r in refused if r[3]]

    def count(rs, col):
        return sum(1 for r in rs if r[col])

    lines = [
        "/* BEGIN COMPARISON (written by tests/interop/test_url.py --update)",
        f" * clogin_url_is_safe() refuses {len(refused)} targets above; "
        f"{len(leaving)} of them would take",
        " * a browser off the site or run script (leaves = 1), the rest are "
        "refused",
        " * only to be safe (encoded slashes, relative paths, odd spaces...).",
        " * A naive startswith(\"/\") check accepts "
        f"{count(leaving, 4)} of the {len(leaving)} that leave the site",
        f" * ({count(refused, 4)} of all {len(refused)} refused); the classic "
        "snippet accepts",
        f" * {count(leaving, 5)} of the {len(leaving)} ({count(refused, 5)} of "
        f"{len(refused)}); both accept {count([r for r in leaving if r[4]], 5)} "
        f"of the {len(leaving)}.",
        " * Refused targets accepted by the naive check (N) or the snippet (S);",
        " * L marks those that leave the site:",
    ]
    for r in refused:
        if r[4] or r[5]:
            tag = ("L" if r[3] else " ") + ("N" if r[4] else " ") + ("S" if r[5] else " ")
            lit = c_literal(r[0]).replace("*/", "*\\/").replace("/*", "/\\*")
            host = "" if r[1] == b"example.com" else f" (host {c_literal(r[1])})"
            lines.append(f" *   {tag} {lit}{host}")
    lines.append(" * (host \"example.com\" unless given)")
    lines.append(" * END COMPARISON */")
    return "\n".join(lines)


# ---- tables of src/url.c made from Python's Unicode data ----

def nfkc_netloc_bad():
    import unicodedata
    return [c for c in range(0x80, 0x110000)
            if any(x in unicodedata.normalize("NFKC", chr(c)) for x in "/?#@:")]


def idna_ranges():
    import stringprep
    from encodings.idna import nameprep
    from unicodedata import ucd_3_2_0 as u

    # Characters that can compose with a preceding one (NFC_QC=Maybe):
    # second halves of primary composites, and Hangul vowel and final jamo.
    seconds = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for p in range(0x110000):
        d = u.decomposition(chr(p))
        if d and not d.startswith("<"):
            parts = d.split()
            if len(parts) == 2:
                a, b = (chr(int(x, 16)) for x in parts)
                if u.normalize("NFC", a + b) == chr(p):
                    seconds.add(ord(b))
    ranges = []
    for c in range(0x80, 0x110000):
        ch = chr(c)
        if 0xD800 <= c <= 0xDFFF or c in seconds:
            continue
        try:
            if nameprep(ch) != ch:
                continue
        except UnicodeError:
            continue
        kind = ("R" if stringprep.in_table_d1(ch)
                else "L" if stringprep.in_table_d2(ch) else "O")
        ccc = u.combining(ch)
        if ranges and ranges[-1][1] == c - 1 and ranges[-1][2:] == [kind, ccc]:
            ranges[-1][1] = c
        else:
            ranges.append([c, c, kind, ccc])
    return ranges


def url_c_block(name, path=URL_C):
    src = path.read_text("utf-8")
    begin = src.index(f"/* BEGIN {name} */") + len(f"/* BEGIN {name} */")
    return src[begin:src.index(f"/* END {name} */")]


def test_nfkc_netloc_table():
    values = [int(x, 16) for x in re.findall(r"0x([0-9A-Fa-f]+)", url_c_block("NFKC_NETLOC_BAD"))]
    assert values == nfkc_netloc_bad()


def test_idna_table():
    rows = re.findall(r"\{0x([0-9A-F]+), 0x([0-9A-F]+), '([LRO])', ([0-9]+)\}",
                      url_c_block("IDNA_RANGES", IDNA_C))
    got = [[int(a, 16), int(b, 16), k, int(c)] for a, b, k, c in rows]
    assert got == idna_ranges()


# ---------------------------------------------------------------------------
# --update: recompute the expected columns of test_url.c
# ---------------------------------------------------------------------------

def _update():
    src = TEST_C.read_text("utf-8")

    def rewrite(name, compute):
        nonlocal src
        old = table_lines(src, name)
        new = []
        for ln in old:
            row = parse_row(ln)
            indent = ln[:len(ln) - len(ln.lstrip())]
            row = compute(row)
            new.append(indent + "{" + ", ".join(c_literal(v) for v in row) + "},")
        for a, b in zip(old, new):
            src = src.replace(a + "\n", b + "\n", 1)

    rewrite("NEXT_VECTORS", lambda r: r[:2] + [py_make_next_param(text(r[0]), text(r[1]))])
    rewrite("LOGIN_VECTORS",
            lambda r: r[:4] + [py_login_url(*map(text, r[:4]))])
    rewrite("REQUEST_VECTORS",
            lambda r: r[:3] + [py_request_url(r[0].decode(), r[1], r[2])])
    rewrite("ARG_VECTORS", lambda r: r[:2] + [py_query_arg(r[0], text(r[1]))])
    rewrite("SAFE_VECTORS",
            lambda r: r[:4] + [int(naive_is_safe(r[0].decode("utf-8", "surrogateescape"))),
                               int(snippet_is_safe(r[0].decode("utf-8", "surrogateescape"),
                                                   text(r[1])))])
    begin = src.index("/* BEGIN COMPARISON")
    end = src.index("END COMPARISON */") + len("END COMPARISON */")
    rows = [parse_row(ln) for ln in table_lines(src, "SAFE_VECTORS")]
    src = src[:begin] + comparison_block(rows) + src[end:]
    TEST_C.write_text(src, "utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        _update()
    else:
        sys.exit("usage: test_url.py --update")
