#!/usr/bin/env bash
# Builds and installs clogin into a scratch prefix, then builds programs
# against the installed copy the way users would, and runs them:
#   - CMake: find_package(clogin) with clogin::clogin and clogin::clogin_static;
#   - pkg-config: `pkg-config --cflags --libs clogin`, and --static.
#
#   check-install.sh <source dir> <scratch dir>
#
# The scratch directory is removed first. Needs no network.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 <source dir> <scratch dir>" >&2
    exit 2
fi
src=$(cd "$1" && pwd)
scratch=$2
case $scratch in
    "" | / | "$src" | "$src"/) echo "check-install: refusing scratch dir '$scratch'" >&2; exit 2 ;;
esac

step() { printf '\n== check-install: %s\n' "$*"; }
die() {
    echo "check-install: FAIL: $*" >&2
    exit 1
}

# A clean, release build: nothing from the outer build's environment (such
# as sanitizer flags) may leak in.
unset CFLAGS CPPFLAGS CXXFLAGS LDFLAGS LDLIBS CMAKE_BUILD_TYPE \
    CMAKE_GENERATOR CMAKE_TOOLCHAIN_FILE CMAKE_PREFIX_PATH \
    CMAKE_EXPORT_COMPILE_COMMANDS CMAKE_C_COMPILER_LAUNCHER \
    PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR \
    LD_LIBRARY_PATH LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS \
    MAKEFLAGS MFLAGS MAKELEVEL DESTDIR
export LC_ALL=C
CC=${CC:-cc}

rm -rf "$scratch"
mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
build=$scratch/build
prefix=$scratch/prefix
consumer_build=$scratch/consumer

generator=()
if command -v ninja >/dev/null 2>&1; then
    generator=(-G Ninja)
fi
jobs=$(nproc 2>/dev/null || echo 2)

step "configure $src"
cmake -S "$src" -B "$build" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCLOGIN_BUILD_TESTS=OFF \
    -DCLOGIN_BUILD_BENCH=OFF \
    -DCLOGIN_BUILD_TOOLS=OFF \
    -DCLOGIN_FUZZ=OFF \
    -DCLOGIN_SANITIZE=OFF ||
    die "configuring the project failed"

step "build"
cmake --build "$build" --parallel "$jobs" || die "building the project failed"

step "install into $prefix"
cmake --install "$build" --prefix "$prefix" || die "cmake --install failed"

# GNUInstallDirs picks lib, lib64 or lib/<multiarch>.
libdir=
for d in "$prefix"/lib "$prefix"/lib64 "$prefix"/lib/*-linux-gnu*; do
    if [ -f "$d/pkgconfig/clogin.pc" ]; then
        libdir=$d
        break
    fi
done
[ -n "$libdir" ] || die "no pkgconfig/clogin.pc installed under $prefix"
echo "libdir: $libdir"

for f in "$prefix/include/clogin.h" "$libdir/libclogin.a" \
    "$libdir/libclogin.so" "$libdir/cmake/clogin/cloginConfig.cmake" \
    "$libdir/cmake/clogin/cloginConfigVersion.cmake" \
    "$libdir/cmake/clogin/cloginTargets.cmake"; do
    [ -e "$f" ] || die "not installed: ${f#"$prefix"/}"
done
ls "$libdir"/libclogin.so.* >/dev/null 2>&1 || die "no versioned libclogin.so.* installed"

# needs_clogin_so <exe>: whether the program loads libclogin.so.
needs_clogin_so() {
    local dynamic
    dynamic=$(readelf -d "$1") || die "readelf -d $1 failed"
    grep -q 'NEEDED.*\[libclogin\.so' <<<"$dynamic"
}

# run <what> <exe>: run a consumer; the shared ones find libclogin through
# LD_LIBRARY_PATH, the static ones must not need it.
run() {
    local what=$1 exe=$2
    shift 2
    [ -x "$exe" ] || die "$what: $exe was not built"
    echo "+ $exe"
    env "$@" "$exe" || die "$what: $exe failed"
}

step "CMake consumer: find_package(clogin) with CMAKE_PREFIX_PATH=$prefix"
cmake -S "$src/tests/package/consumer" -B "$consumer_build" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" ||
    die "configuring the CMake consumer failed (find_package(clogin))"
cmake --build "$consumer_build" --parallel "$jobs" ||
    die "building the CMake consumer failed"

needs_clogin_so "$consumer_build/consumer_shared" ||
    die "consumer_shared (clogin::clogin) does not link libclogin.so"
run "clogin::clogin" "$consumer_build/consumer_shared" LD_LIBRARY_PATH="$libdir"
if needs_clogin_so "$consumer_build/consumer_static"; then
    die "consumer_static (clogin::clogin_static) links libclogin.so, not libclogin.a"
fi
run "clogin::clogin_static" "$consumer_build/consumer_static"

step "pkg-config consumer: PKG_CONFIG_PATH=$libdir/pkgconfig"
export PKG_CONFIG_PATH=$libdir/pkgconfig
pkg-config --exists --print-errors clogin || die "pkg-config does not find clogin"
[ "$(pkg-config --modversion clogin)" = "$(sed -n 's/^#define CLOGIN_VERSION_STRING "\(.*\)"$/\1/p' "$prefix/include/clogin.h")" ] ||
    die "clogin.pc version $(pkg-config --modversion clogin) differs from clogin.h"

cflags=$(pkg-config --cflags clogin)
libs=$(pkg-config --libs clogin)
echo "cflags: $cflags"
echo "libs: $libs"
# shellcheck disable=SC2086
"$CC" -std=c11 -o "$scratch/pc_shared" "$src/tests/package/consumer/main.c" $cflags $libs ||
    die "cc \$(pkg-config --cflags --libs clogin) failed"
needs_clogin_so "$scratch/pc_shared" || die "pc_shared does not link libclogin.so"
run "pkg-config" "$scratch/pc_shared" LD_LIBRARY_PATH="$libdir"

# Static: the archive itself, plus what Requires.private brings. The .so is
# installed beside the .a, so ask the linker for the archive by file name.
static_libs=$(pkg-config --static --libs clogin)
echo "static libs: $static_libs"
case " $static_libs " in
    *" -lclogin "*) ;;
    *) die "pkg-config --static --libs clogin lacks -lclogin" ;;
esac
static_libs=$(printf '%s\n' " $static_libs " | sed 's/ -lclogin / -l:libclogin.a /')
# shellcheck disable=SC2086
"$CC" -std=c11 -o "$scratch/pc_static" "$src/tests/package/consumer/main.c" $cflags $static_libs ||
    die "cc \$(pkg-config --static --libs clogin) failed"
if needs_clogin_so "$scratch/pc_static"; then
    die "pc_static links libclogin.so, not libclogin.a"
fi
run "pkg-config --static" "$scratch/pc_static"

printf '\ncheck-install: OK: installed to %s; CMake (shared, static) and pkg-config (shared, static) consumers built and ran\n' "$prefix"
