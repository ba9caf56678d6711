# Sourced by tests/windows/run and tests/darwin/run: a cross build's install
# tree, made from the templates the native install uses, and its checks
# (tests/install/check.sh checks the native one).

# cross_install_tree <system> <prefix>: include/, lib/cmake/ctexec/ and
# lib/pkgconfig/ for <system> (Windows or Darwin); the caller copies the
# library's files in.
cross_install_tree() {
    local system=$1 prefix=$2
    rm -rf "$prefix"
    mkdir -p "$prefix/include" "$prefix/lib/cmake/ctexec" "$prefix/lib/pkgconfig"
    cp "$CTEXEC_ROOT/include/ctexec.h" "$CTEXEC_ROOT/include/ctexec.hpp" "$prefix/include/"
    cmake -DCTEXEC_SYSTEM="$system" -DCTEXEC_OUT="$prefix/lib/cmake/ctexec" -P "$CTEXEC_ROOT/cmake/CtexecPackage.cmake"
    mv "$prefix/lib/cmake/ctexec/ctexec.pc" "$prefix/lib/pkgconfig/"
}

# cross_find_package <prefix> <pattern>...: find_package(ctexec) against the
# tree names only files that exist, and its properties match every
# <pattern> (grep -E on "ctexec::ctexec PROPERTY value" lines).
cross_find_package() {
    local prefix=$1 p out
    shift
    out=$(cmake -S "$CTEXEC_ROOT/tests/install/files" -B "$prefix.files" -DCMAKE_PREFIX_PATH="$prefix" 2>&1) ||
        { echo "$out"; return 1; }
    for p in "$@"; do
        grep -qE -- "-- ctexec::ctexec $p\$" <<<"$out" || { echo "no property matches: $p"; echo "$out"; return 1; }
    done
}

# cross_pkg_config <prefix> <cc> <exe> [flags...]: the flags pkg-config
# gives for the tree, under PKG_CONFIG_SYSROOT_DIR as a cross build sets
# it, compile and link tests/install/consumer/main.c with <cc>.
cross_pkg_config() {
    local prefix=$1 cc=$2 exe=$3 cflags libs
    shift 3
    cflags=$(PKG_CONFIG_SYSROOT_DIR="$prefix" PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" PKG_CONFIG_PATH= \
        pkg-config --cflags ctexec) || return 1
    libs=$(PKG_CONFIG_SYSROOT_DIR="$prefix" PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig" PKG_CONFIG_PATH= \
        pkg-config --libs ctexec) || return 1
    # shellcheck disable=SC2086 # the flags are words
    "$cc" $cflags "$CTEXEC_ROOT/tests/install/consumer/main.c" -o "$exe" $libs "$@"
}
