#!/bin/sh
# What the guard costs over HTTP, and the same page from Flask-Login. Under
# wrk on loopback (-t2 -c32, BENCH_SECONDS each, default 5), one after the
# other:
#   clogin-demo /protected       GET /protected with alice's session cookie
#   clogin-demo unguarded        the same process, GET /bench/unguarded?id=1:
#                                the same bytes without the guard
#   clogin-demo loader only      GET /bench/loaded?username=alice: the same
#                                bytes after the same SQLite lookup the user
#                                loader makes, still without clogin; beside
#                                /protected it isolates clogin's own share
#   flask+gunicorn /protected    tests/http/flask_app.py (Flask + Flask-Login)
#                                under Debian's gunicorn, 4 sync workers (the
#                                demo has a pool of 4 threads), alice's cookie
# Each target is checked (200, the expected body, no Set-Cookie) before it
# is loaded, then warmed up for a second (not counted).
# Prints requests per second, p50 and p99 latency, and the server's resident
# memory after its run (VmRSS; gunicorn's master and workers summed). With
# --json (or BENCH_JSON=1), one JSON object per line:
#   {"section": "http", "server": ..., "rps": ..., "p50_ms": ..., "p99_ms": ..., "rss_kb": ...}
# Needs wrk, curl, gunicorn and python3-flask-login (Debian's, /usr/bin/python3).
#   bench/http_bench.sh PATH-TO-clogin-demo [--json]
set -eu
usage() { echo "usage: http_bench.sh PATH-TO-clogin-demo [--json]" >&2; exit 2; }
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
demo=$1
json=${BENCH_JSON:-0}
case "${2:-}" in
--json) json=1 ;;
"") ;;
*) usage ;;
esac
[ -x "$demo" ] || { echo "http_bench: $demo is not an executable" >&2; exit 2; }
seconds=${BENCH_SECONDS:-5}
flask_dir=$(cd "$(dirname "$0")/../tests/http" && pwd)
secret=bench-secret-key-0123456789
# Logins, checks and wrk all send this User-Agent: with another one the
# session identifier would not match, and session protection (basic) would
# mark the session not fresh and send a new cookie on every request.
ua='Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0'
dir=$(mktemp -d "${TMPDIR:-/tmp}/clogin-bench-http.XXXXXX")
pids=
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

die() { echo "http_bench: $*" >&2; exit 1; }
free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() { # port log
    i=0
    until curl -s -o /dev/null "http://127.0.0.1:$1/whoami"; do
        i=$((i + 1)); [ $i -lt 400 ] || { cat "$2" >&2; die "nothing on port $1"; }
        sleep 0.05
    done
}
# alice's session cookie ("session=VALUE") from a login on port $1
login() {
    rm -f "$dir/jar"
    status=$(curl -s -o /dev/null -w '%{http_code}' -A "$ua" -c "$dir/jar" \
        -d 'username=alice&password=wonderland' "http://127.0.0.1:$1/login")
    [ "$status" = 302 ] || die "login on port $1 answered $status"
    cookie=$(awk '$6 == "session" { print "session=" $7 }' "$dir/jar")
    [ -n "$cookie" ] || die "no session cookie from the login on port $1"
    echo "$cookie"
}
# 200, exactly the body $3 (without its newline) and no Set-Cookie (nothing
# to write back: each of wrk's requests is then the same) from URL $1, cookie $2
check() {
    status=$(curl -s -D "$dir/head" -o "$dir/body" -w '%{http_code}' -A "$ua" \
        -H "Cookie: $2" "$1")
    printf '%s\n' "$3" >"$dir/expected"
    if [ "$status" != 200 ] || ! cmp -s "$dir/body" "$dir/expected"; then
        die "$1 answered $status: $(head -c 200 "$dir/body")"
    fi
    ! grep -qi '^set-cookie:' "$dir/head" || die "$1 sets a cookie: $(cat "$dir/head")"
}
# kB of VmRSS summed over the pids given
rss() {
    total=0
    for p in "$@"; do
        kb=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$p/status" 2>/dev/null || true)
        total=$((total + ${kb:-0}))
    done
    echo "$total"
}
# wrk's latency ("812.00us", "1.20ms", "1.01s") in ms
to_ms() {
    echo "$1" | awk '{ v = $1 + 0
        if ($1 ~ /us$/) v /= 1000; else if ($1 ~ /ms$/) ; else if ($1 ~ /m$/) v *= 60000;
        else if ($1 ~ /s$/) v *= 1000
        printf "%.3f", v }'
}
# load URL $2 with cookie $3 and report it as server $1; the pids after are the server's
load() {
    label=$1 url=$2 cookie=$3
    shift 3
    # a second of warm-up, not counted: every worker booted, caches filled
    wrk -t2 -c32 -d1s -H "User-Agent: $ua" -H "Cookie: $cookie" "$url" >/dev/null
    wrk -t2 -c32 -d"${seconds}s" --latency -H "User-Agent: $ua" -H "Cookie: $cookie" "$url" \
        >"$dir/wrk.log"
    ! grep -q 'Non-2xx' "$dir/wrk.log" ||
        { cat "$dir/wrk.log" >&2; die "$label: wrk saw answers other than 2xx"; }
    # gunicorn's sync workers close each connection after its answer: wrk
    # reconnects, and may count a few socket errors, which are said
    ! grep -q 'Socket errors' "$dir/wrk.log" ||
        echo "http_bench: $label: $(grep 'Socket errors' "$dir/wrk.log" | sed 's/^ *//')" >&2
    rps=$(awk '/^Requests\/sec/ { print $2 }' "$dir/wrk.log")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$dir/wrk.log")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$dir/wrk.log")")
    kb=$(rss "$@")
    if [ "$json" = 1 ]; then
        printf '{"section": "http", "server": "%s", "rps": %s, "p50_ms": %s, "p99_ms": %s, "rss_kb": %s}\n' \
            "$label" "$rps" "$p50" "$p99" "$kb"
    else
        printf '%-28s %10s %9s %9s %9s\n' "$label" "$rps" "$p50" "$p99" "$kb"
    fi
}
stop() {
    kill "$1"
    wait "$1" 2>/dev/null || true
}

[ "$json" = 1 ] ||
    printf '%-28s %10s %9s %9s %9s\n' "server (${seconds}s, wrk -t2 -c32)" 'req/s' 'p50 ms' \
        'p99 ms' 'RSS kB'

# a, b: one clogin-demo, guarded and unguarded
port=$(free_port)
CLOGIN_SECRET_KEY=$secret "$demo" --port "$port" --db "$dir/demo.db" >"$dir/demo.log" 2>&1 &
pid=$!
pids="$pids $pid"
wait_port "$port" "$dir/demo.log"
cookie=$(login "$port")
check "http://127.0.0.1:$port/protected" "$cookie" '{"id": "1"}'
check "http://127.0.0.1:$port/bench/unguarded?id=1" "$cookie" '{"id": "1"}'
check "http://127.0.0.1:$port/bench/loaded?username=alice" "$cookie" '{"id": "1"}'
load "clogin-demo /protected" "http://127.0.0.1:$port/protected" "$cookie" "$pid"
load "clogin-demo unguarded" "http://127.0.0.1:$port/bench/unguarded?id=1" "$cookie" "$pid"
load "clogin-demo loader only" "http://127.0.0.1:$port/bench/loaded?username=alice" \
    "$cookie" "$pid"
stop "$pid"

# c: the Flask reference under gunicorn; the database is seeded first, so
# that the workers do not race to seed it
/usr/bin/python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import flask_app
flask_app.make_app(sys.argv[2])' "$flask_dir" "$dir/flask.db" >"$dir/flask.log" 2>&1 ||
    { cat "$dir/flask.log" >&2; die "the Flask reference did not start"; }
port=$(free_port)
CLOGIN_SECRET_KEY=$secret PYTHONDONTWRITEBYTECODE=1 /usr/bin/gunicorn --workers 4 \
    --worker-class sync --bind "127.0.0.1:$port" --chdir "$flask_dir" --log-level warning \
    "flask_app:make_app('$dir/flask.db')" >>"$dir/flask.log" 2>&1 &
pid=$!
pids="$pids $pid"
wait_port "$port" "$dir/flask.log"
cookie=$(login "$port")
check "http://127.0.0.1:$port/protected" "$cookie" '{"id":"1"}'
i=0
until workers=$(pgrep -P "$pid" || true); [ "$(echo "$workers" | wc -w)" = 4 ]; do
    i=$((i + 1)); [ $i -lt 400 ] || die "gunicorn has workers '$workers', not 4"
    sleep 0.05
done
# shellcheck disable=SC2086 # one pid a word
load "flask+gunicorn /protected" "http://127.0.0.1:$port/protected" "$cookie" "$pid" $workers
stop "$pid"
