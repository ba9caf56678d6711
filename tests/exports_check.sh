#!/usr/bin/env bash
# tests/exports_check.sh <what> <source root> [library]
#
# Holds each place that names the exported functions to the one list,
# capi/exports.h (its X(function, hook) rows):
#   symbols  the library's defined dynamic symbols are exactly the list
#            (capi/ctexec.map and capi/ctexec.exports export ctexec_*)
#   header   the CTEXEC_API declarations of include/ctexec.h are the list
#   def      capi/ctexec.def's EXPORTS (ctexec.dll) are the list
#   hooks    the CTEXEC_DEBUG_PANIC hooks in capi/ (hook("x") in Go,
#            CX_HOOK("x") in C) are the list's hooks, `pure` aside
# A difference is printed as a diff, the list's side first.
set -euo pipefail
what="$1" root="$2"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
sed -n 's/^ *X(\(ctexec_[a-z_0-9]*\), *\([a-z_0-9]*\)).*/\1 \2/p' "$root/capi/exports.h" > "$scratch/rows"
[ -s "$scratch/rows" ] || { echo "no X(function, hook) rows in capi/exports.h" >&2; exit 1; }
cut -d' ' -f1 "$scratch/rows" | sort > "$scratch/list"
cut -d' ' -f2 "$scratch/rows" | grep -vx pure | sort -u > "$scratch/hooks"
[ "$(sort -u "$scratch/list" | wc -l)" = "$(wc -l < "$scratch/list")" ] || { echo "a function is listed twice" >&2; exit 1; }

case "$what" in
symbols)
    nm -D --defined-only "$3" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u > "$scratch/got"
    ;;
header)
    grep -o 'CTEXEC_API [^(]*(' "$root/include/ctexec.h" |
        sed -E 's/.*[ *](ctexec_[a-z_0-9]+)[(]$/\1/' | grep '^ctexec_' | sort > "$scratch/got"
    ;;
def)
    sed -n 's/^ *\(ctexec_[a-z_0-9]*\) *$/\1/p' "$root/capi/ctexec.def" | sort > "$scratch/got"
    ;;
hooks)
    { grep -ho 'hook("[a-z_0-9]*")' "$root"/capi/*.go; grep -ho 'CX_HOOK("[a-z_0-9]*")' "$root"/capi/cx/*.c; } |
        sed -E 's/.*"([a-z_0-9]+)".*/\1/' | sort -u > "$scratch/got"
    diff -u --label "capi/exports.h hooks" --label "capi/ hooks" "$scratch/hooks" "$scratch/got"
    echo "the $(wc -l < "$scratch/hooks") hooks of capi/exports.h are the hooks in capi/"
    exit 0
    ;;
*)
    echo "usage: $0 symbols|header|def|hooks <root> [library]" >&2
    exit 2
    ;;
esac
diff -u --label "capi/exports.h" --label "$what" "$scratch/list" "$scratch/got"
echo "$what: the $(wc -l < "$scratch/list") functions of capi/exports.h"
