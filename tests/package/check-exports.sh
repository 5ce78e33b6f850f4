#!/usr/bin/env bash
# Checks the public ABI of the built libraries against the public header.
#
#   check-exports.sh <shared lib> <static lib, or - for none> <public header>
#
# Fails unless:
#  - every dynamic symbol the shared library defines starts with clogin_
#    (and not clogin__, the prefix of internal helpers);
#  - every one of them is declared in the public header(s);
#  - every function declared in the public header(s) is exported (a missing
#    CLOGIN_API fails here);
#  - every global symbol defined in the static archive starts with clogin_
#    (internal ones with clogin__), so static users get no name clashes.
# The header is the one public header of that library (clogin.h for
# libclogin, clogin/mhd.h for libclogin-mhd).
set -euo pipefail
export LC_ALL=C

if [ $# -ne 3 ]; then
    echo "usage: $0 <shared lib> <static lib> <include/clogin.h>" >&2
    exit 2
fi
shared=$1
static=$2
header=$3

for f in "$shared" "$static" "$header"; do
    [ "$f" = - ] && continue # no static library to check
    if [ ! -f "$f" ]; then
        echo "check-exports: FAIL: no such file: $f" >&2
        exit 2
    fi
done
NM=${NM:-nm}
if ! command -v "$NM" >/dev/null 2>&1; then
    echo "check-exports: FAIL: '$NM' not found (install binutils)" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failed=0
fail() {
    echo "check-exports: FAIL: $*" >&2
    failed=1
}

# Symbols the linker or the toolchain adds on its own, never ours.
is_toolchain_symbol() {
    case $1 in
        _init | _fini | _edata | _end | __bss_start | __bss_start__ | \
            _bss_end__ | __bss_end__ | __end__ | __data_start | data_start | \
            __dso_handle | _DYNAMIC | _GLOBAL_OFFSET_TABLE_ | __TMC_END__ | \
            __x86.get_pc_thunk.*)
            return 0 ;;
        # Instrumentation from sanitizer, coverage and fuzzing builds.
        __asan_* | ___asan_* | __odr_asan* | __ubsan_* | __sanitizer_* | \
            __msan_* | __tsan_* | __hwasan_* | __sancov_* | __gcov_* | \
            __llvm_* | __profc_* | __profd_* | __profn_* | __profvp_*)
            return 0 ;;
    esac
    return 1
}

# --- The public header(s): declared functions and all identifiers --------
headers=("$header")

# Drop comments (so prose mentioning a function is not a declaration) and
# preprocessor lines (a function-like macro is not a function).
perl -0777 -ne '
    s{/\*.*?\*/}{ }gs;          # block comments
    s{//[^\n]*}{}g;             # line comments
    s{^[ \t]*#(?:[^\n]*\\\n)*[^\n]*}{}gm;  # directives, with continuations
    s{\btypedef\b[^;{}]*;}{ }g;  # function types are not functions
    s{\b\w+\s*\(\s*\*\s*\w+\s*\)}{ }g;  # nor function-pointer members
    print;
' "${headers[@]}" >"$tmp/header.c"

# static inline functions in a header are not exported, by design.
{ grep -oE '\bstatic\b[^;{}()]*\bclogin_[a-z0-9_]+[[:space:]]*\(' "$tmp/header.c" || true; } |
    { grep -oE 'clogin_[a-z0-9_]+[[:space:]]*\($' || true; } |
    sed -E 's/[[:space:]]*\($//' | sort -u >"$tmp/inline"
{ grep -oE 'clogin_[a-z0-9_]+[[:space:]]*\(' "$tmp/header.c" || true; } |
    sed -E 's/[[:space:]]*\($//' | sort -u |
    comm -23 - "$tmp/inline" >"$tmp/declared"
{ grep -oE '\bclogin_[a-z0-9_]+\b' "$tmp/header.c" || true; } | sort -u >"$tmp/identifiers"

if [ ! -s "$tmp/declared" ]; then
    fail "no clogin_* function declarations found in ${headers[*]}"
fi

# --- Shared library: nm -D --defined-only ---------------------------------
if ! "$NM" -D --defined-only "$shared" >"$tmp/nm-shared" 2>"$tmp/nm-err"; then
    cat "$tmp/nm-err" >&2
    fail "$NM -D failed on $shared"
    exit 1
fi
: >"$tmp/exported"
: >"$tmp/exported-functions"
while read -r addr type name rest; do
    # "ADDR TYPE NAME" (nm may also print "TYPE NAME" for some symbols).
    if [ -z "${name:-}" ]; then
        name=$type
        type=$addr
    fi
    name=${name%%@*} # strip a symbol version (name@@VERS)
    [ -n "$name" ] || continue
    if [ "$type" = A ] && [[ $name =~ ^[A-Z][A-Z0-9_.]*$ ]]; then
        continue # a version node of the version script
    fi
    if is_toolchain_symbol "$name"; then
        continue
    fi
    case $name in
        clogin__*)
            fail "$shared exports internal symbol $name (clogin__ prefix)" ;;
        clogin_*)
            echo "$name" >>"$tmp/exported"
            case $type in
                T | t | W | w | i) echo "$name" >>"$tmp/exported-functions" ;;
            esac ;;
        *)
            fail "$shared exports $name, which lacks the clogin_ prefix" ;;
    esac
done <"$tmp/nm-shared"
sort -u -o "$tmp/exported" "$tmp/exported"
sort -u -o "$tmp/exported-functions" "$tmp/exported-functions"

if [ ! -s "$tmp/exported" ]; then
    fail "$shared exports no clogin_ symbol at all (version script or visibility broken?)"
fi

# Exported but not in the header: functions must be declared as functions,
# data at least named by the header.
while read -r name; do
    if grep -qxF "$name" "$tmp/exported-functions"; then
        grep -qxF "$name" "$tmp/declared" ||
            fail "$shared exports function $name, which no public header declares"
    else
        grep -qxF "$name" "$tmp/identifiers" ||
            fail "$shared exports data symbol $name, which no public header declares"
    fi
done <"$tmp/exported"

# Declared but not exported: a forgotten CLOGIN_API, or never defined.
while read -r name; do
    grep -qxF "$name" "$tmp/exported" ||
        fail "${headers[*]} declares $name() but $shared does not export it (missing CLOGIN_API or definition?)"
done <"$tmp/declared"

# --- Static archive: nm -g --defined-only ---------------------------------
static_count=0
if [ "$static" != - ]; then
    if ! "$NM" -g --defined-only "$static" >"$tmp/nm-static" 2>"$tmp/nm-err"; then
        cat "$tmp/nm-err" >&2
        fail "$NM -g failed on $static"
        exit 1
    fi
    member=
    static_count=0
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        case $line in
            *:) member=${line%:}; continue ;;
        esac
        # shellcheck disable=SC2086
        set -- $line
        if [ $# -ge 3 ]; then
            name=$3
        elif [ $# -eq 2 ]; then
            name=$2
        else
            continue
        fi
        if is_toolchain_symbol "$name"; then
            continue
        fi
        case $name in
            clogin_*) static_count=$((static_count + 1)) ;;
            *) fail "$static ($member) defines global symbol $name without the clogin_ prefix (make it static, or name it clogin__...)" ;;
        esac
    done <"$tmp/nm-static"
    if [ "$static_count" -eq 0 ]; then
        fail "$static defines no clogin_ symbol at all"
    fi

    if [ "$failed" -ne 0 ]; then
        echo "check-exports: FAILED" >&2
        exit 1
    fi
fi
echo "check-exports: OK: $(wc -l <"$tmp/exported") symbols exported by $(basename "$shared"), all declared; $(wc -l <"$tmp/declared") functions declared, all exported; $static_count global clogin_ symbols in $(basename "$static"), none unprefixed"
