#!/usr/bin/env bash
# Installs the build into a scratch prefix, then builds a consumer with
# find_package(ctexec CONFIG) and another with pkg-config, and runs both.
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
LD_LIBRARY_PATH="$prefix/lib" "$prefix/b/consumer"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cc $(pkg-config --cflags ctexec) "$src/consumer/main.c" -o "$prefix/pc" $(pkg-config --libs ctexec) -lpthread
LD_LIBRARY_PATH="$prefix/lib" "$prefix/pc"

# The C++ layer from the installed headers alone.
printf '#include <ctexec.hpp>\nint main() { cte::executor ex; return 0; }\n' > "$prefix/cxx.cpp"
c++ -std=c++17 $(pkg-config --cflags ctexec) "$prefix/cxx.cpp" -o "$prefix/cxx" $(pkg-config --libs ctexec) -lpthread
LD_LIBRARY_PATH="$prefix/lib" "$prefix/cxx"
