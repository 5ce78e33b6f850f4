"""Open redirects: clogin_url_is_safe() against the corpus of
tests/redirects/corpus.tsv, compared with the checks Flask applications
copy (a naive startswith("/"), the is_safe_url() snippet with urllib.parse
and with werkzeug.urls, the Flask Mega-Tutorial's netloc test), and with
where browsers really go (the WHATWG URL parser, through Node.js).

clogin is called live, in the libclogin.so that $CLOGIN_COOKIE_TOOL is
linked with. The comparison block of docs/open-redirects.md must be what
tests/redirects/compare.py prints today:

    /usr/bin/python3 tests/redirects/compare.py --update-doc \
        --lib build/check/libclogin.so
"""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "redirects"))
import compare  # noqa: E402


@pytest.fixture(scope="module")
def results():
    lib = compare.find_library()
    if not lib:
        pytest.fail("no libclogin.so: CLOGIN_COOKIE_TOOL is not linked with one "
                    "(set CLOGIN_LIBRARY)", pytrace=False)
    return compare.evaluate(compare.load(), lib)


def accepted(results, check, kind):
    return {compare.corpus_value(x.row) for x in results
            if x.row.kind == kind and x.verdicts[check]}


def refused(results, check, kind):
    return {compare.corpus_value(x.row) for x in results
            if x.row.kind == kind and not x.verdicts[check]}


def test_corpus_size(results):
    kinds = [x.row.kind for x in results]
    assert kinds.count("bypass") >= 80
    assert kinds.count("legit") >= 30


def test_clogin_answers_as_the_corpus_expects(results):
    """The library gives the expect column (which test_redirect_corpus.c
    also asserts, in C)."""
    bad = [(x.row.line, compare.corpus_value(x.row), x.row.expect)
           for x in results if x.verdicts["clogin"] != (x.row.expect == "accept")]
    assert bad == []


def test_clogin_accepts_nothing_a_browser_leaves_the_site_with(results):
    """The property that matters: whatever clogin accepts, a browser that
    follows it (from an http or an https page) stays on this host and port
    and runs no script."""
    bad = [(compare.corpus_value(x.row), x.landing) for x in results
           if x.verdicts["clogin"] and x.landing.verdict != "onsite"]
    assert bad == []


def test_clogin_refuses_every_bypass_but_one(results):
    # Browsers land on http://good.example//evil.com: see open-redirects.md.
    assert accepted(results, "clogin", "bypass") == {"/..//evil.com"}


def test_clogin_accepts_every_legitimate_value_but_relative_ones(results):
    assert refused(results, "clogin", "legit") == {
        "account", "account?tab=2", "./account", "../account", "?tab=2",
        "#section", "/search?q=a{SP}b"}


# What the other checks let through (a selection; the doc's table has all).
KNOWN_FAILURES = {
    "naive": ["//evil.com", "///evil.com", "/\\evil.com", "/{TAB}/evil.com",
              "//evil%E3%80%82com", "//evil.com\\@good.example"],
    "snippet": ["///evil.com", "/\\evil.com", "\\\\evil.com", "\\/\\/evil.com/",
                "http:evil.com", "http:\\\\evil.com", "http:3627734734",
                "{CR}{LF}\\\\evil.com"],
    "wz": ["///evil.com", "/\\evil.com", "/{TAB}/evil.com", "{TAB}//evil.com",
           "{x08}//evil.com", "h{TAB}ttp://evil.com", "java{CR}{LF}script{CR}{LF}:alert(0)"],
    "mega": ["///evil.com", "/\\evil.com", "https:evil.com", "javascript:alert(1)",
             "data:text/html;base64,PHNjcmlwdD5hbGVydCgiWFNTIik7PC9zY3JpcHQ+Cg==",
             "{SP}http://evil.com"],
}


@pytest.mark.parametrize("check", sorted(KNOWN_FAILURES))
def test_known_bypasses_of_other_checks(results, check):
    """Each of these is accepted by the check and takes a browser off the
    site (or runs script), and clogin refuses it."""
    rows = {compare.corpus_value(x.row): x for x in results if x.row.kind == "bypass"}
    for value in KNOWN_FAILURES[check]:
        x = rows[value]
        assert x.verdicts[check], f"{check} no longer accepts {value!r}"
        assert x.landing.verdict in compare.DANGEROUS, (value, x.landing)
        assert not x.verdicts["clogin"], value


def test_snippets_refuse_legitimate_same_host_urls(results):
    """The snippet compares netlocs as strings: an upper-case host or the
    default port is "another site"."""
    for check in ("snippet", "wz"):
        assert {"HTTPS://GOOD.EXAMPLE/account", "https://good.example:443/account",
                "http://good.example:80/"} <= refused(results, check, "legit")


def test_doc_comparison_is_current(results):
    assert compare.doc_block() == compare.report(results), (
        "docs/open-redirects.md's comparison block is out of date: run "
        "/usr/bin/python3 tests/redirects/compare.py --update-doc --lib "
        "path/to/libclogin.so")
