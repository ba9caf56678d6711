#!/usr/bin/env bash
# tests/install/docs.sh <ctexec source>
#
# Runs the ```sh blocks of docs/install.md as written, in order, in one
# shell (set -e), in a copy of the source tree without build trees, with
# HOME a scratch directory (the page installs into $HOME/.local). Then
# checks that the plain build built the library and the examples and no
# test program, and that the demo linked through pkg-config runs with
# nothing else set (its RPATH finds the library).
set -euo pipefail
root="$(cd "$1" && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src" "$scratch/home"
tar -C "$root" --exclude=./.git --exclude='./build*' -cf - . | tar -C "$scratch/src" -xf -
awk '/^```sh$/ {on=1; next} /^```$/ {on=0} on' "$root/docs/install.md" > "$scratch/commands.sh"
[ -s "$scratch/commands.sh" ] || { echo "no sh blocks in docs/install.md" >&2; exit 1; }
echo "---- docs/install.md's commands ----"; cat "$scratch/commands.sh"; echo "----"
(cd "$scratch/src" && env -u LD_LIBRARY_PATH -u PKG_CONFIG_PATH HOME="$scratch/home" bash -euo pipefail "$scratch/commands.sh")

b="$scratch/src/build"
test -e "$b/libctexec.so.0"
test -x "$b/examples/c/ctexec_demo"
test ! -e "$b/tests" || { echo "a plain build configured the tests" >&2; exit 1; }
test ! -e "$b/bench" || { echo "a plain build configured the benchmarks" >&2; exit 1; }
! find "$b" -name '*_asan' -o -name '*_cgocheck2' | grep . || { echo "a plain build built checked copies" >&2; exit 1; }
test -f "$scratch/home/.local/lib/pkgconfig/ctexec.pc"
readelf -d "$scratch/src/demo" | grep -qE 'R(UN)?PATH.*\.local/lib'
echo "docs/install.md: the commands work as written; the plain build made the library and the examples only"
