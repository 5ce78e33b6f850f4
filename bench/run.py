#!/usr/bin/python3
"""Run every benchmark in one go and print one report (`make bench`).

    bench/run.py BUILD_DIR [--quick]

BUILD_DIR is a Release build (build/release). Runs, on this machine and in
this order: the in-process requests beside their floors (bench_request),
Flask-Login doing the same in Python (flask_login_bench.py), allocations
(bench_alloc under the counting allocator) and instructions (callgrind.sh)
per request, the protected request per session store (bench_store), and
over HTTP with wrk: the demo's guarded and unguarded routes and Flask under
gunicorn (http_bench.sh), then the demo per store (http_stores.sh).

Prints Markdown, and writes BUILD_DIR/bench/results.md, results.json and,
when gnuplot is installed, results.png. A part whose tool is missing is
reported as not measured; nothing is made up.
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OPS = ["anonymous", "session cookie", "session cookie, first sight", "remember restore",
       "login with remember", "logout"]


def run_json(argv, env=None, what=""):
    """The JSON lines a component prints, or [] (and a note) if it failed."""
    try:
        out = subprocess.run(argv, env={**os.environ, **(env or {})}, check=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             timeout=900).stdout
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        err = getattr(e, "stderr", "") or str(e)
        print(f"bench: {what or argv[0]} was not measured: {err.strip()[:300]}", file=sys.stderr)
        return []
    rows = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            rows.append(json.loads(line))
    return rows


def by(rows, section, key="op"):
    return {r[key]: r for r in rows if r.get("section") == section and key in r}


def fmt(v, digits=0, unit=""):
    if v is None:
        return "—"
    if isinstance(v, float) and digits:
        return f"{v:,.{digits}f}{unit}"
    return f"{v:,.0f}{unit}"


def ratio(a, b, digits=2):
    if a is None or b in (None, 0):
        return "—"
    return f"{a / b:.{digits}f}x"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    bench = os.path.join(build, "bench")
    demo = os.path.join(build, "examples", "demo", "clogin-demo")
    quick = "--quick" in sys.argv
    seconds = "2" if quick else os.environ.get("BENCH_SECONDS", "5")
    rows = []
    rows += run_json([os.path.join(bench, "bench_request"), "--json"], what="bench_request")
    rows += run_json(["/usr/bin/python3", os.path.join(HERE, "flask_login_bench.py"), "--json"],
                     what="Flask-Login")
    shim = os.path.join(bench, "liballoc_count.so")
    if os.path.exists(shim):
        rows += run_json([os.path.join(bench, "bench_alloc"), "--json"],
                         env={"LD_PRELOAD": shim}, what="allocations")
    if shutil.which("valgrind"):
        rows += run_json([os.path.join(HERE, "callgrind.sh"), "--json", "-n",
                          "100" if quick else "300", os.path.join(bench, "bench_alloc")],
                         what="instructions")
    rows += run_json([os.path.join(bench, "bench_store"), "--json"], what="stores")
    if shutil.which("wrk") and os.path.exists(demo):
        env = {"BENCH_SECONDS": seconds}
        rows += run_json([os.path.join(HERE, "http_bench.sh"), demo, "--json"], env=env,
                         what="HTTP")
        rows += run_json([os.path.join(HERE, "http_stores.sh"), demo, "--json"], env=env,
                         what="HTTP per store")

    report = render(rows)
    print(report)
    with open(os.path.join(bench, "results.md"), "w") as f:
        f.write(report)
    with open(os.path.join(bench, "results.json"), "w") as f:
        json.dump(rows, f, indent=1)
    chart(rows, bench)


def render(rows):
    core = by(rows, "in-process")
    flask = by(rows, "flask-login")
    allocs = by(rows, "allocations")
    ir = by(rows, "instructions")
    out = ["## In-process, per request (medians, one run)", "",
           "| operation | clogin ns | floor ns | clogin / floor | Flask-Login ns | "
           "Flask-Login / clogin | allocations | instructions |",
           "|---|---|---|---|---|---|---|---|"]
    for op in OPS:
        c = core.get(op, {})
        ns, fl = c.get("ns"), c.get("floor_ns") or None
        f = flask.get(op if op != "session cookie, first sight" else "session cookie", {})
        fns = f.get("ns")
        out.append(f"| {op} | {fmt(ns)} | {fmt(fl)} | {ratio(ns, fl)} | {fmt(fns)} | "
                   f"{ratio(fns, ns, 0)} | {fmt(allocs.get(op, {}).get('allocs'), 1)} | "
                   f"{fmt(ir.get(op, {}).get('ir'))} |")
    http = by(rows, "http", "server")
    if http:
        out += ["", "## Over HTTP (wrk, loopback)", "",
                "| server | requests/s | p50 | p99 | resident memory |", "|---|---|---|---|---|"]
        for name, h in http.items():
            out.append(f"| {name} | {fmt(h.get('rps'))} | {fmt(h.get('p50_ms'), 2, ' ms')} | "
                       f"{fmt(h.get('p99_ms'), 2, ' ms')} | {fmt(h.get('rss_kb'))} KiB |")
    stores, shttp = by(rows, "stores", "store"), by(rows, "stores-http", "store")
    if stores:
        out += ["", "## The protected request per session store", "",
                "| store | in-process ns | HTTP requests/s | p50 | p99 |", "|---|---|---|---|---|"]
        for name, s in stores.items():
            h = shttp.get(name, {})
            out.append(f"| {name} | {fmt(s.get('ns'))} | {fmt(h.get('rps'))} | "
                       f"{h.get('p50', '—')} | {h.get('p99', '—')} |")
    out += ["", "## Targets", ""] + targets(core, flask, allocs, http)
    versions = [r["versions"] for r in rows if r.get("section") == "flask-login" and "versions" in r]
    if versions:
        out += ["", "Reference: " + ", ".join(f"{k} {v}" for k, v in versions[0].items())]
    return "\n".join(out) + "\n"


def targets(core, flask, allocs, http):
    lines = []
    s, first = core.get("session cookie", {}), core.get("session cookie, first sight", {})
    if s.get("floor_ns"):
        r1, r2 = s["ns"] / s["floor_ns"], first.get("ns", 0) / s["floor_ns"]
        lines.append(f"- session-cookie request at most 1.5x its floor: {r1:.2f}x "
                     f"({'met' if r1 <= 1.5 else 'missed'}); a cookie this thread has not "
                     f"seen before: {r2:.2f}x ({'met' if r2 <= 1.5 else 'missed'})")
    guarded = http.get("clogin-demo /protected")
    open_, loaded = http.get("clogin-demo unguarded"), http.get("clogin-demo loader only")
    if guarded and open_:
        cost = 1 - guarded["rps"] / open_["rps"]
        lines.append(f"- the guard costs at most 5% of the unguarded route's requests/s: "
                     f"{cost * 100:.1f}% with the demo's SQLite user loader "
                     f"({'met' if cost <= 0.05 else 'missed'})")
    if guarded and loaded:
        own = 1 - guarded["rps"] / loaded["rps"]
        lines.append(f"  - clogin's own share (/protected beside the same bytes after the same "
                     f"SQLite lookup, no clogin): {own * 100:.1f}% "
                     f"({'met' if own <= 0.05 else 'missed'})")
    f = flask.get("session cookie", {}).get("ns")
    if f and s.get("ns"):
        x = f / s["ns"]
        lines.append(f"- at least 100x faster than Flask-Login on the session-cookie request: "
                     f"{x:.0f}x ({'met' if x >= 100 else 'missed'})")
    a = allocs.get("session cookie", {}).get("allocs")
    if a is not None:
        lines.append(f"- at most 2 heap allocations per session-cookie request: {a:g} "
                     f"({'met' if a <= 2 else 'missed'})")
    return lines or ["- not measured"]


def chart(rows, bench):
    if not shutil.which("gnuplot"):
        return
    core, flask = by(rows, "in-process"), by(rows, "flask-login")
    data = os.path.join(bench, "results-inprocess.dat")
    with open(data, "w") as f:
        for op in OPS:
            c = core.get(op, {})
            fo = flask.get(op if op != "session cookie, first sight" else "session cookie", {})
            f.write('"%s" %s %s %s\n' % (op.replace(", first sight", " (new)"),
                                         c.get("ns") or "?",
                                         c.get("floor_ns") or "?", fo.get("ns") or "?"))
    http = by(rows, "http", "server")
    hdata = os.path.join(bench, "results-http.dat")
    with open(hdata, "w") as f:
        for name, h in http.items():
            f.write('"%s" %s\n' % (name, h.get("rps", 0)))
    script = f"""
set terminal pngcairo size 1200,520 font ",10"
set output "{os.path.join(bench, 'results.png')}"
set multiplot layout 1,2
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics nomirror rotate by -30
set bmargin 7
set grid ytics
set logscale y
set ylabel "ns per request (log)"
set title "In-process: clogin, its floor, Flask-Login"
plot "{data}" using 2:xtic(1) title "clogin", "" using 3 title "floor", "" using 4 title "Flask-Login"
unset logscale y
set ylabel "requests/s"
set title "Over HTTP (wrk, loopback)"
plot "{hdata}" using 2:xtic(1) title "requests/s"
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=False)


if __name__ == "__main__":
    main()
