#!/usr/bin/env bash
# Installs the build into a scratch prefix, then builds a consumer with
# find_package(ctexec CONFIG) and another with pkg-config, and runs both
# with LD_LIBRARY_PATH unset: the first through the RPATH CMake gives the
# build tree, the second through the -Wl,-rpath docs/install.md tells a
# pkg-config user outside the system prefix to add.
set -euo pipefail
build="$1" src="$(cd "$(dirname "$0")" && pwd)"
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
test -f "$prefix/include/ctexec.h"
test -f "$prefix/include/ctexec.hpp"
test ! -e "$prefix/include/libctexec.so.h"   # the cgo header is not installed

cmake -S "$src/consumer" -B "$prefix/b" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/b" >/dev/null
readelf -d "$prefix/b/consumer" | grep -q 'NEEDED.*libctexec.so.0'
env -u LD_LIBRARY_PATH "$prefix/b/consumer"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
rpath="-Wl,-rpath,$(pkg-config --variable=libdir ctexec)"
cc $(pkg-config --cflags ctexec) "$src/consumer/main.c" -o "$prefix/pc" $(pkg-config --libs ctexec) -lpthread "$rpath"
env -u LD_LIBRARY_PATH "$prefix/pc"
# Without the RPATH it links but cannot start: what docs/install.md explains.
cc $(pkg-config --cflags ctexec) "$src/consumer/main.c" -o "$prefix/pc_norpath" $(pkg-config --libs ctexec) -lpthread
if env -u LD_LIBRARY_PATH "$prefix/pc_norpath" 2>/dev/null; then
    echo "a consumer without RPATH started: is a libctexec.so.0 installed system-wide?" >&2
    exit 1
fi
LD_LIBRARY_PATH="$prefix/lib" "$prefix/pc_norpath"

# The C++ layer from the installed headers alone.
printf '#include <ctexec.hpp>\nint main() { cte::executor ex; return 0; }\n' > "$prefix/cxx.cpp"
c++ -std=c++17 $(pkg-config --cflags ctexec) "$prefix/cxx.cpp" -o "$prefix/cxx" $(pkg-config --libs ctexec) -lpthread "$rpath"
env -u LD_LIBRARY_PATH "$prefix/cxx"
