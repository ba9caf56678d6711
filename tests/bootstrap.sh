# Sourced by tests/run and examples/c/run. Makes sure the tools and Debian
# packages the build and the tests need are present, installing the missing
# ones with apt-get when running as root, or stopping with a one-line
# instruction otherwise.

export PATH="$PATH:/usr/local/go/bin"

# Debian packages the full suite uses. cmake builds everything; the others
# are for the Python tests (asgiref interop, the wheel installed into venvs,
# pip builds, mypy --strict), the host loops of the embedding examples
# (GLib, libuv, Qt 6), the C++ header check under clang++, the ABI check
# (abidw, abidiff, abilint: tests/abi/check.sh), and the benchmark smoke
# test.
CTEXEC_PACKAGES="${CTEXEC_PACKAGES:-cmake python3-asgiref python3-venv python3-pip mypy libglib2.0-dev libuv1-dev qt6-base-dev clang abigail-tools libasio-dev}"

# Debian packages of the Windows-under-Wine tests (tests/windows/run):
# mingw-w64's -posix compiler, and Wine. Measured here: about 21 s and 46 s
# to install. CTEXEC_NATIVE_ONLY=1 skips those tests and these packages.
CTEXEC_WINDOWS_PACKAGES="${CTEXEC_WINDOWS_PACKAGES:-gcc-mingw-w64-x86-64-posix wine64 wine bc}"

# Debian packages of the macOS cross-link (tests/darwin/run), besides zig:
# clang and LLVM's ld64.lld link the dylib (zig's own Mach-O linker cannot
# limit its exports), llvm-objdump reads its export trie.
CTEXEC_DARWIN_PACKAGES="${CTEXEC_DARWIN_PACKAGES:-clang-14 lld-14 llvm-14}"

ctexec_bootstrap() {
    command -v go >/dev/null || { echo "ctexec: Go is missing: install Go 1.24+ (https://go.dev/dl) and put it on PATH" >&2; return 1; }
    command -v gcc >/dev/null || { echo "ctexec: gcc is missing: apt-get install -y gcc" >&2; return 1; }
    local missing="" p
    for p in $CTEXEC_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "ctexec: installing:$missing" >&2
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update -qq && apt-get install -y -qq $missing; } >&2 || {
            echo "ctexec: could not install:$missing" >&2; return 1; }
    else
        echo "ctexec: missing packages: run 'sudo apt-get install -y$missing'" >&2
        return 1
    fi
}

# ctexec_configure [target...]: configures the build tree with the test
# suite on (a plain configure builds only the library and the examples) and
# builds the given targets, or everything when none is given.
ctexec_configure() {
    local targets=() t
    for t in "$@"; do targets+=(--target "$t"); done
    cmake -S "$CTEXEC_ROOT" -B "$CTEXEC_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON >/dev/null &&
    cmake --build "$CTEXEC_BUILD" -j "$(nproc)" "${targets[@]}"
}

CTEXEC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CTEXEC_BUILD="${CTEXEC_BUILD:-$CTEXEC_ROOT/build}"
