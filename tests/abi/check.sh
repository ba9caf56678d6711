#!/usr/bin/env bash
# The ABI check, with Debian's abigail-tools (abidw, abidiff).
#
#   check.sh dump <libctexec.so.0> <out.abi>   the library's exported ABI
#   check.sh diff <old> <new>                   fails on any ABI change
#   check.sh selftest <ref.abi> <scratch dir>   changed dumps must fail
#
# <old> and <new> are .abi dumps or libraries (dumped first). The dump is
# the public interface only: the functions the library exports (ctexec_*,
# capi/ctexec.map) and the types include/ctexec.h defines; the library's
# internal types and functions are dropped, so refactoring them never
# trips the check. Locations, paths and the architecture are left out.
#
# "Any change" is abidiff's exit bit 4 (ABI change) or 8 (incompatible
# change): a removed function is 8, a changed struct layout only 4, and
# both break callers. An intended, compatible addition (a new function, or
# a field at the end of a size-versioned struct) also changes the ABI: then
# refresh the dump, record the addition in CHANGELOG.md, and commit both:
#   tests/abi/check.sh dump build/libctexec.so.0 tests/abi/ctexec.abi
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
include="$here/../../include"
for tool in abidw abidiff abilint; do
    command -v "$tool" >/dev/null ||
        { echo "ctexec: $tool is missing: apt-get install -y abigail-tools" >&2; exit 1; }
done

dump() { # <lib> <out>
    abidw --headers-dir "$include" --drop-private-types --drop-undefined-syms \
        --exported-interfaces-only --no-corpus-path --no-comp-dir-path --no-show-locs \
        --no-architecture --type-id-style hash --out-file "$2" "$1"
}

as_dump() { # <file> <scratch name>: prints a dump's path
    case "$1" in
        *.abi) echo "$1" ;;
        *) dump "$1" "$2" && echo "$2" ;;
    esac
}

diff_abi() { # <old> <new>: 0 if the same ABI, 1 otherwise
    local rc=0 f
    # abidiff reads a malformed dump as an empty one and reports no change.
    for f in "$1" "$2"; do
        abilint --noout "$f" || { echo "ABI check: $f is not a readable dump" >&2; return 2; }
    done
    abidiff --no-architecture "$1" "$2" || rc=$?
    if [ $((rc & 3)) -ne 0 ]; then
        echo "abidiff could not compare (exit $rc)" >&2
        return 2
    fi
    if [ $((rc & 12)) -ne 0 ]; then
        [ $((rc & 8)) -ne 0 ] && echo "ABI check: an INCOMPATIBLE change (exit $rc): callers built against the old ABI break" >&2
        [ $((rc & 8)) -eq 0 ] && echo "ABI check: the ABI changed (exit $rc): see tests/abi/check.sh for an intended addition" >&2
        return 1
    fi
    echo "ABI check: no change"
}

case "${1:-}" in
dump)
    dump "$2" "$3"
    ;;
diff)
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    diff_abi "$(as_dump "$2" "$scratch/old.abi")" "$(as_dump "$3" "$scratch/new.abi")"
    ;;
selftest)
    # The check must fail on the changes it exists for. Each is made to a
    # copy of the reference dump, which then plays the new library.
    ref="$2" dir="$3"
    mkdir -p "$dir"
    fails() { # <name> <changed dump> <wanted abidiff bit>
        local out rc=0
        out=$(diff_abi "$ref" "$2" 2>&1) || rc=$?
        if [ "$rc" -ne 1 ]; then
            echo "selftest $1: the check passed (rc $rc) a changed ABI:"; echo "$out"; exit 1
        fi
        grep -q "$3" <<<"$out" || { echo "selftest $1: not reported as '$3':"; echo "$out"; exit 1; }
        echo "selftest $1: refused, as it must be"
    }
    diff_abi "$ref" "$ref" >/dev/null || { echo "selftest: the dump differs from itself" >&2; exit 1; }
    # A removed export: ctexec_call's symbol and declaration gone.
    sed "/<function-decl name='ctexec_call'/,/<\/function-decl>/d" "$ref" | grep -v "name='ctexec_call'" > "$dir/removed.abi"
    ! grep -q "ctexec_call" "$dir/removed.abi" || { echo "selftest: ctexec_call is still in removed.abi"; exit 1; }
    fails removed_function "$dir/removed.abi" "INCOMPATIBLE"
    # A changed layout: ctexec_options' max_queued moved from bit 64 to 128.
    awk '/<class-decl name=.ctexec_options./ {in_opts=1}
         in_opts && /<\/class-decl>/ {in_opts=0}
         in_opts && /layout-offset-in-bits=.64./ {sub(/layout-offset-in-bits=.64./, "layout-offset-in-bits='"'"'128'"'"'"); moved=1}
         {print}
         END {if (!moved) exit 1}' "$ref" > "$dir/layout.abi" || { echo "selftest: no max_queued at bit 64 in the dump"; exit 1; }
    fails struct_layout "$dir/layout.abi" "the ABI changed"
    ;;
*)
    echo "usage: $0 dump <lib> <out.abi> | diff <old> <new> | selftest <ref.abi> <dir>" >&2
    exit 2
    ;;
esac
