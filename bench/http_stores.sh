#!/bin/sh
# The protected page over HTTP per session store: clogin-demo with cookie
# sessions, then each server-side store, serving GET /protected to a
# logged-in client under wrk on loopback. Prints requests per second and
# latency; run through `make bench` (or: bench/http_stores.sh DEMO).
set -eu
demo=${1:?usage: http_stores.sh PATH-TO-clogin-demo [--json]}
json=${2:-}
seconds=${BENCH_SECONDS:-5}
dir=$(mktemp -d "${TMPDIR:-/tmp}/clogin-bench-http.XXXXXX")
pids=
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
# One User-Agent for the login and the load: another would look like
# another browser to session protection, which would re-sign the session
# on every request.
ua='Mozilla/5.0 (X11; Linux x86_64) clogin-bench'

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {
    i=0
    until curl -s -o /dev/null "http://127.0.0.1:$1/whoami"; do
        i=$((i + 1)); [ $i -lt 200 ] || { echo "http_stores: nothing on port $1" >&2; exit 1; }
        sleep 0.05
    done
}

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$dir" >"$dir/redis.log" 2>&1 &
pids="$pids $!"
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done

[ "$json" = --json ] || printf '%-8s %10s %10s %10s\n' store 'req/s' 'p50' 'p99'
for store in cookie memory "sqlite:$dir/sessions.db" "redis://127.0.0.1:$redis_port/0"; do
    port=$(free_port)
    CLOGIN_SECRET_KEY=bench-secret "$demo" --port "$port" --db "$dir/demo.db" \
        --session-store "$store" >"$dir/demo.log" 2>&1 &
    pid=$!
    pids="$pids $pid"
    wait_port "$port"
    jar="$dir/jar"
    rm -f "$jar"
    curl -s -o /dev/null -A "$ua" -c "$jar" -d 'username=alice&password=wonderland' \
        "http://127.0.0.1:$port/login"
    cookie=$(awk '$6 == "session" { print "session=" $7 }' "$jar")
    [ -n "$cookie" ] || { echo "http_stores: login failed with $store" >&2; exit 1; }
    headers=$(curl -s -o /dev/null -D - -A "$ua" -H "Cookie: $cookie" \
        "http://127.0.0.1:$port/protected")
    case $headers in
    "HTTP/1.1 200"*) ;;
    *) echo "http_stores: /protected answered: $headers" >&2; exit 1 ;;
    esac
    if printf '%s' "$headers" | grep -qi '^set-cookie:'; then
        echo "http_stores: /protected re-sent a cookie; the load would measure that" >&2
        exit 1
    fi
    wrk -t2 -c32 -d"${seconds}s" --latency -H "Cookie: $cookie" -H "User-Agent: $ua" \
        "http://127.0.0.1:$port/protected" >"$dir/wrk.log"
    rps=$(awk '/^Requests\/sec/ { print $2 }' "$dir/wrk.log")
    p50=$(awk '$1 == "50%" { print $2 }' "$dir/wrk.log")
    p99=$(awk '$1 == "99%" { print $2 }' "$dir/wrk.log")
    if [ "$json" = --json ]; then
        printf '{"section": "stores-http", "store": "%s", "rps": %s, "p50": "%s", "p99": "%s"}\n' \
            "${store%%:*}" "$rps" "$p50" "$p99"
    else
        printf '%-8s %10s %10s %10s\n' "${store%%:*}" "$rps" "$p50" "$p99"
    fi
    kill "$pid"
    wait "$pid" 2>/dev/null || true
done
