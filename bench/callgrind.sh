#!/bin/sh
# Instructions per request (callgrind's Ir) for the requests of bench_alloc
# (the five of issue 6 and "session cookie, first sight"), figures that do not depend on machine noise:
#
#   bench/callgrind.sh [--json] [-n N] build/release/bench/bench_alloc
#
# Each operation runs as `bench_alloc --callgrind OP N` under
# valgrind --tool=callgrind with instrumentation and collection off until
# the program turns them on around its N measured requests (after setup and
# warm-up), so the total Ir divided by N is one request. Then the 15
# functions with the most inclusive Ir in the session-cookie request.
#
# Ir counts what runs on valgrind's simulated CPU: OpenSSL picks its code
# paths from the CPU features valgrind reports, so compare figures taken
# with the same valgrind on the same kind of machine. The allocator is
# glibc's (callgrind does not replace it) and is counted.
set -eu

usage() {
    echo "usage: $0 [--json] [-n N] [--top OP] BENCH_ALLOC_BINARY" >&2
    echo "  -n N      requests per operation (500)" >&2
    echo "  --top OP  whose functions to list (session-cookie)" >&2
    exit 2
}

json=0
n=500
top=session-cookie
bin=
while [ $# -gt 0 ]; do
    case $1 in
    --json) json=1 ;;
    -n) [ $# -ge 2 ] || usage; n=$2; shift ;;
    --top) [ $# -ge 2 ] || usage; top=$2; shift ;;
    -h | --help) usage ;;
    -*) usage ;;
    *) [ -z "$bin" ] || usage; bin=$1 ;;
    esac
    shift
done
[ -n "$bin" ] || usage
case $n in '' | *[!0-9]*) usage ;; esac
[ "$n" -gt 0 ] || usage
if [ ! -x "$bin" ]; then
    echo "$0: $bin: not an executable" >&2
    exit 2
fi
if ! command -v valgrind >/dev/null 2>&1 || ! command -v callgrind_annotate >/dev/null 2>&1; then
    echo "$0: valgrind is not installed (apt-get install -y valgrind)" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/clogin-callgrind.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# slug|name as bench_alloc reports it
ops="anonymous|anonymous
session-cookie|session cookie
remember-restore|remember restore
login-remember|login with remember
logout|logout
session-cookie-first-sight|session cookie, first sight"

if [ $json -eq 0 ]; then
    echo "instructions per request (callgrind Ir, mean of $n requests after warm-up)"
    echo
    printf '| %-24s | %12s |\n' operation "Ir/request"
    echo "|--------------------------|--------------|"
fi

status=0
echo "$ops" | while IFS='|' read -r slug name; do
    out="$tmp/callgrind.$slug.out"
    if ! valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
        --callgrind-out-file="$out" "$bin" --callgrind "$slug" "$n" \
        >"$tmp/$slug.stdout" 2>"$tmp/$slug.log"; then
        echo "$0: $slug: bench_alloc failed under callgrind:" >&2
        cat "$tmp/$slug.log" >&2
        exit 1
    fi
    total=$(awk '$1 == "totals:" { t = $2 } $1 == "summary:" && t == "" { s = $2 }
                 END { print (t != "" ? t : s) }' "$out")
    if [ -z "$total" ] || [ "$total" -eq 0 ]; then
        echo "$0: $slug: callgrind counted nothing (was bench_alloc built with valgrind/callgrind.h?)" >&2
        exit 1
    fi
    ir=$(awk -v t="$total" -v n="$n" 'BEGIN { printf "%.0f", t / n }')
    if [ $json -eq 1 ]; then
        printf '{"section": "instructions", "op": "%s", "ir": %s, "requests": %s}\n' "$name" "$ir" "$n"
    else
        printf '| %-24s | %12s |\n' "$name" "$ir"
    fi
done || exit 1

# Where the session-cookie request's (or --top OP's) instructions go: callgrind_annotate's
# lists ("Ir (pct) file:function [object]" after the header), inclusive and
# self, without the benchmark's own frames (main, run_checked, op_*).
out="$tmp/callgrind.$top.out"
if [ ! -s "$out" ]; then
    echo "$0: --top $top: no such operation" >&2
    exit 2
fi
topname=$(echo "$ops" | awk -F'|' -v s="$top" '$1 == s { print $2 }')
annotate() { # inclusive yes|no -> file
    callgrind_annotate --inclusive="$1" --threshold=100 --auto=no --show-percs=no "$out" \
        >"$2" 2>/dev/null ||
        callgrind_annotate --inclusive="$1" --threshold=100 --auto=no "$out" >"$2"
}
annotate no "$tmp/self.txt"
annotate yes "$tmp/inclusive.txt"
awk -v n="$n" -v json="$json" -v op="$topname" '
    FNR == 1 { body = 0; file++ }
    /file:function/ { body = 1; next }
    !body || $1 !~ /^[0-9,]+$/ { next }
    {
        ir = $1; gsub(",", "", ir)
        line = $0
        sub(/^ *[0-9,]+ +(\([^)]*\) +)?/, "", line)   # the count and a percentage
        obj = ""
        if (match(line, / \[[^]]*\]$/)) {
            obj = substr(line, RSTART + 2, RLENGTH - 3)
            line = substr(line, 1, RSTART - 1)
            sub(/.*\//, "", obj)
        }
        sub(/^[^:]*:/, "", line)                       # "???:" or "file.c:"
        fn = line
        if (fn ~ /^0x0+$/ || fn == "(below main)" || fn == "main" || fn == "run_checked" ||
            fn ~ /^op_/ || fn == "callgrind_mode")
            next
        if (fn ~ /^0x/)
            fn = "(internal " fn ")"
        if (file == 1) { self[fn SUBSEP obj] = ir; next }
        if (++k > 15) exit
        if (json) {
            gsub(/\\/, "\\\\", fn); gsub(/"/, "\\\"", fn)
            printf "{\"section\": \"instructions_top\", \"op\": \"%s\", \"function\": \"%s\", \"object\": \"%s\", \"ir_inclusive\": %.0f, \"ir_self\": %.0f}\n", op, fn, obj, ir / n, self[fn SUBSEP obj] / n
        } else {
            if (k == 1) {
                printf "\ntop 15 functions by inclusive Ir, %s (per request):\n\n", op
                printf "| %9s | %9s | %-40s | %-20s |\n", "inclusive", "self", "function", "object"
                printf "|-----------|-----------|------------------------------------------|----------------------|\n"
            }
            printf "| %9.0f | %9.0f | %-40s | %-20s |\n", ir / n, self[fn SUBSEP obj] / n, fn, obj
        }
    }
' "$tmp/self.txt" "$tmp/inclusive.txt"
exit $status
