"""The PEP 517 build backend of the ctexec Python package (in-tree).

Standard library only, so that ``pip install ./examples/python`` works with
build isolation and no package index: ``requires = []`` gives this backend
an empty environment, so it writes the wheel and sdist archives itself
instead of relying on setuptools or wheel.

A wheel holds the pure-Python package and ``libctexec.so.0``, built here by
the project's own Go build (the flags of ``ctexec_go_library`` in the top
CMakeLists.txt). It is tagged ``py3-none-<platform>``: ctypes needs no
particular CPython ABI, but the library is native code.

The Go sources come from the checkout (two directories up) or, in an sdist,
from its ``go/`` directory. ``CTEXEC_WHEEL_LIBRARY=<path>`` packs an already
built library instead of running Go (the CTest suite uses it so that the
library it tests is the one CMake built).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile
from typing import Any, Callable, Iterable, Optional

__all__ = [
    "build_wheel",
    "build_sdist",
    "get_requires_for_build_wheel",
    "get_requires_for_build_sdist",
    "BuildError",
]

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # examples/python
PACKAGE = "ctexec"
SONAME = "libctexec.so.0"
# What an sdist carries of the repository, under go/: enough for `go build
# ./capi`, and nothing the build does not read.
GO_FILES = ("go.mod", "go.sum")
GO_DIRS = ("capi", "capi/cx", "executor", "include")


class BuildError(Exception):
    """A build step failed; the message is one line saying what to do."""


def _project() -> dict[str, str]:
    """name, version, description and requires-python from pyproject.toml.

    A line-based read of the [project] table's simple string keys: tomllib
    is not in Python 3.10, and the file is this project's own.
    """
    fields: dict[str, str] = {}
    section = ""
    with open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
                continue
            m = re.fullmatch(r'([A-Za-z-]+)\s*=\s*"([^"]*)"', line)
            if section == "[project]" and m:
                fields[m.group(1)] = m.group(2)
    for key in ("name", "version"):
        if key not in fields:
            raise BuildError(f"pyproject.toml: [project] {key} is missing")
    return fields


def _dist_name() -> str:
    p = _project()
    return f"{p['name']}-{p['version']}"


def platform_tag() -> str:
    """This interpreter's platform tag, e.g. ``linux_x86_64``."""
    return re.sub(r"[^A-Za-z0-9]", "_", sysconfig.get_platform())


def _metadata() -> str:
    p = _project()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {p['name']}",
        f"Version: {p['version']}",
    ]
    if "description" in p:
        lines.append(f"Summary: {p['description']}")
    if "requires-python" in p:
        lines.append(f"Requires-Python: {p['requires-python']}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# The Go build
# ---------------------------------------------------------------------------


def go_root() -> str:
    """The directory holding go.mod and capi/: the sdist's go/ or the checkout."""
    for root in (os.path.join(HERE, "go"), os.path.dirname(os.path.dirname(HERE))):
        if os.path.isfile(os.path.join(root, "go.mod")) and os.path.isfile(
            os.path.join(root, "capi", "ctexec.map")
        ):
            return root
    raise BuildError(
        "ctexec: the Go sources (go.mod, capi/) are missing; "
        "build from a ctexec checkout or an sdist made by this backend"
    )


def _find_go() -> str:
    go = os.environ.get("GO") or shutil.which("go")
    if not go or not os.path.isfile(go):
        raise BuildError(
            "ctexec: Go is missing: install Go 1.24+ (https://go.dev/dl) "
            "and put it on PATH (or set GO=/path/to/go)"
        )
    return go


def build_library(out_dir: str) -> str:
    """Run the project's Go build; return the path of libctexec.so.0."""
    prebuilt = os.environ.get("CTEXEC_WHEEL_LIBRARY")
    if prebuilt:
        if not os.path.isfile(prebuilt):
            raise BuildError(f"ctexec: CTEXEC_WHEEL_LIBRARY={prebuilt}: no such file")
        return prebuilt
    root = go_root()
    go = _find_go()
    env = dict(os.environ, CGO_ENABLED="1")
    cc = subprocess.run(
        [go, "env", "CC"], capture_output=True, text=True, env=env, cwd=root
    ).stdout.strip() or "gcc"
    if shutil.which(cc.split()[0]) is None:
        raise BuildError(
            f"ctexec: a C compiler ({cc}) is missing; cgo needs one: "
            "install gcc (apt-get install gcc)"
        )
    lib = os.path.join(out_dir, SONAME)
    mapfile = os.path.join(root, "capi", "ctexec.map")
    cmd = [
        go, "build", "-buildmode=c-shared", "-trimpath",
        f"-ldflags=-extldflags=-Wl,-soname,{SONAME},--version-script={mapfile}",
        "-o", lib, "./capi",
    ]
    print("ctexec: " + " ".join(cmd), file=sys.stderr)
    done = subprocess.run(cmd, cwd=root, env=env)
    if done.returncode != 0:
        raise BuildError(f"ctexec: go build failed (exit status {done.returncode})")
    # The cgo-generated header is not the contract; include/ctexec.h is.
    header = os.path.join(out_dir, "libctexec.so.h")
    if os.path.exists(header):
        os.remove(header)
    return lib


# ---------------------------------------------------------------------------
# Archives
# ---------------------------------------------------------------------------


def _timestamp() -> int:
    # Reproducible archives when SOURCE_DATE_EPOCH is set; zip cannot go
    # before 1980.
    return max(int(os.environ.get("SOURCE_DATE_EPOCH", time.time())), 315532800)


def _package_files() -> list[tuple[str, str]]:
    """(path in the archive, file) for the pure-Python package."""
    pkg = os.path.join(HERE, "src", PACKAGE)
    names = sorted(n for n in os.listdir(pkg) if n.endswith(".py") or n == "py.typed")
    return [(f"{PACKAGE}/{n}", os.path.join(pkg, n)) for n in names]


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"{name},sha256={digest.decode()},{len(data)}"


def _write_wheel(path: str, files: Iterable[tuple[str, bytes, int]], dist_info: str) -> None:
    when = time.gmtime(_timestamp())[:6]
    record: list[str] = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in files:
            info = zipfile.ZipInfo(name, date_time=when)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
            record.append(_record_line(name, data))
        record.append(f"{dist_info}/RECORD,,")
        info = zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=when)
        info.external_attr = 0o100644 << 16
        zf.writestr(info, "\n".join(record) + "\n")


def _build_wheel(wheel_directory: str) -> str:
    dist = _dist_name()
    tag = f"py3-none-{platform_tag()}"
    dist_info = f"{dist}.dist-info"
    with tempfile.TemporaryDirectory(prefix="ctexec-wheel-") as tmp:
        lib = build_library(tmp)
        with open(lib, "rb") as f:
            lib_data = f.read()
        files: list[tuple[str, bytes, int]] = []
        for name, src in _package_files():
            with open(src, "rb") as f:
                files.append((name, f.read(), 0o644))
        files.append((f"{PACKAGE}/{SONAME}", lib_data, 0o755))
        files.append((f"{dist_info}/METADATA", _metadata().encode(), 0o644))
        wheel_meta = (
            "Wheel-Version: 1.0\n"
            "Generator: ctexec_build\n"
            "Root-Is-Purelib: false\n"
            f"Tag: {tag}\n"
        )
        files.append((f"{dist_info}/WHEEL", wheel_meta.encode(), 0o644))
        name = f"{dist}-{tag}.whl"
        os.makedirs(wheel_directory, exist_ok=True)
        _write_wheel(os.path.join(wheel_directory, name), files, dist_info)
    return name


def _sdist_members() -> list[tuple[str, str]]:
    """(path in the sdist, file) for everything a wheel build needs."""
    members = [("pyproject.toml", os.path.join(HERE, "pyproject.toml"))]
    for extra in ("README.md", "demo.py"):
        if os.path.isfile(os.path.join(HERE, extra)):
            members.append((extra, os.path.join(HERE, extra)))
    members.append(("_build/ctexec_build.py", os.path.abspath(__file__)))
    members += [(f"src/{arcname}", src) for arcname, src in _package_files()]
    tests = os.path.join(HERE, "tests")
    if os.path.isdir(tests):
        members += [
            (f"tests/{n}", os.path.join(tests, n))
            for n in sorted(os.listdir(tests))
            if n.endswith(".py")
        ]
    root = go_root()
    for n in GO_FILES:
        if os.path.isfile(os.path.join(root, n)):
            members.append((f"go/{n}", os.path.join(root, n)))
    for d in GO_DIRS:
        for n in sorted(os.listdir(os.path.join(root, d))):
            src = os.path.join(root, d, n)
            if os.path.isfile(src) and not n.endswith("_test.go"):
                members.append((f"go/{d}/{n}", src))
    return members


def _build_sdist(sdist_directory: str) -> str:
    dist = _dist_name()
    name = f"{dist}.tar.gz"
    os.makedirs(sdist_directory, exist_ok=True)
    mtime = _timestamp()

    def add(tar: tarfile.TarFile, arcname: str, data: bytes, mode: int = 0o644) -> None:
        info = tarfile.TarInfo(f"{dist}/{arcname}")
        info.size = len(data)
        info.mtime = mtime
        info.mode = mode
        tar.addfile(info, io.BytesIO(data))

    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for arcname, src in _sdist_members():
            with open(src, "rb") as f:
                add(tar, arcname, f.read())
        add(tar, "PKG-INFO", _metadata().encode())
    return name


def get_requires_for_build_wheel(config_settings: Optional[dict[str, Any]] = None) -> list[str]:
    """PEP 517: nothing; the backend is standard library only."""
    return []


def get_requires_for_build_sdist(config_settings: Optional[dict[str, Any]] = None) -> list[str]:
    """PEP 517: nothing; the backend is standard library only."""
    return []


def _one_line_errors(build: Callable[[str], str], directory: str) -> str:
    # A BuildError is the user's to fix, not a bug: exit with its one line,
    # and no traceback for pip to show around it.
    try:
        return build(directory)
    except BuildError as exc:
        raise SystemExit(str(exc)) from None


def build_wheel(
    wheel_directory: str,
    config_settings: Optional[dict[str, Any]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    """PEP 517: build ``ctexec-<version>-py3-none-<platform>.whl``."""
    return _one_line_errors(_build_wheel, wheel_directory)


def build_sdist(sdist_directory: str, config_settings: Optional[dict[str, Any]] = None) -> str:
    """PEP 517: build ``ctexec-<version>.tar.gz`` with the Go sources in go/."""
    return _one_line_errors(_build_sdist, sdist_directory)
