#!/bin/sh
# Run a behaviour test with sessions in a server-side store:
#   with-store.sh memory|sqlite|redis TEST [ARGS...]
# sqlite gets a fresh database in a temporary directory; redis gets its own
# redis-server on a free port of 127.0.0.1, stopped by pid afterwards.
set -eu
kind=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/clogin-store.XXXXXX")
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

case $kind in
memory)
    CLOGIN_TEST_STORE=memory ;;
sqlite)
    CLOGIN_TEST_STORE="sqlite:$dir/sessions.db" ;;
redis)
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$dir" >"$dir/redis.log" 2>&1 &
    pid=$!
    i=0
    until redis-cli -p "$port" ping >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -gt 100 ]; then
            echo "with-store: redis-server did not start" >&2
            cat "$dir/redis.log" >&2
            exit 1
        fi
        sleep 0.05
    done
    CLOGIN_TEST_STORE="redis://127.0.0.1:$port/0" ;;
*)
    echo "with-store: unknown store '$kind'" >&2
    exit 2 ;;
esac
export CLOGIN_TEST_STORE
"$@"
