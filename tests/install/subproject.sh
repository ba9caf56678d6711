#!/usr/bin/env bash
# tests/install/subproject.sh add_subdirectory|FetchContent <ctexec source>
#
# Builds tests/install/subproject, which takes ctexec in through
# add_subdirectory (the source tree itself) or FetchContent (a file:// URL
# of a tar.gz of the source tree, as a release archive would be: no
# network), and runs its consumer without LD_LIBRARY_PATH: the build tree's
# RPATH finds libctexec.so.0.
set -euo pipefail
via="$1" root="$(cd "$2" && pwd)" here="$(cd "$(dirname "$0")" && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
source="$root"
if [ "$via" = FetchContent ]; then
    # The source tree as a release archive: no build trees, no .git.
    tar -C "$root" --exclude=./.git --exclude='./build*' -czf "$scratch/ctexec.tar.gz" .
    source="file://$scratch/ctexec.tar.gz"
fi
cmake -S "$here/subproject" -B "$scratch/b" -DCTEXEC_VIA="$via" -DCTEXEC_SOURCE="$source"
cmake --build "$scratch/b"
readelf -d "$scratch/b/consumer" | grep -q 'NEEDED.*libctexec.so.0'
env -u LD_LIBRARY_PATH "$scratch/b/consumer"
