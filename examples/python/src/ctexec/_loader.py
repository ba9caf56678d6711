"""Finding and loading libctexec, and the process-wide queries.

The loaded library, its path and the foreign functions of the hot paths
live here, bound once at load time.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from typing import Any, NamedTuple, Optional

from . import _status
from ._ffi import _FUNCTIONS, _OPTIONAL, _Counts, _CStats

#: The library major version this module speaks (CTEXEC_VERSION_MAJOR).
ABI_MAJOR = 0

# The library's file name by the platform's rules. A bare name is looked up
# by the system loader (on Windows, Python 3.8+ leaves the current directory
# and PATH out of that search).
_SONAME = {"win32": "ctexec.dll", "darwin": "libctexec.0.dylib"}.get(sys.platform, "libctexec.so.0")
_HERE = os.path.dirname(os.path.abspath(__file__))
_PACKAGE_LIB = os.path.join(_HERE, _SONAME)


def _checkout_root() -> Optional[str]:
    """The repository root when this package is imported from a checkout
    (<root>/examples/python/src/ctexec/), else None: an installed package
    must not look for a build tree relative to site-packages."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(_HERE))))
    if os.path.isfile(os.path.join(root, "capi", "ctexec.map")):
        return root
    return None


_ROOT = _checkout_root()
_BUILD_TREE_LIB: Optional[str] = os.path.join(_ROOT, "build", _SONAME) if _ROOT else None

_load_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_lib_path: Optional[str] = None

# Hot-path foreign functions, bound at load time so submit() pays no lookup.
_c_new: Any = None
_c_submit: Any = None
_c_run: Any = None
_c_free: Any = None
_c_future_new: Any = None
_c_set_result: Any = None
_c_future_free: Any = None
_c_wait: Any = None
_c_cancel: Any = None
# The same three without errcheck, for the round trip's own calls, which
# test the status inline: an errcheck is one more Python call per foreign
# call. They release the GIL like every other call here (holding it across
# a submit was measured to cost more: the owner, woken by the submit, then
# waits for the GIL until the submitter drops it again).
_r_submit: Any = None
_r_wait: Any = None
_r_future_free: Any = None


def _version_text(number: int) -> str:
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def _bind(lib: ctypes.CDLL, path: str) -> None:
    global _lib, _lib_path, _c_new, _c_submit, _c_run, _c_free
    global _c_future_new, _c_set_result, _c_future_free, _c_wait, _c_cancel
    global _r_submit, _r_wait, _r_future_free
    # The version first: a library of another major version may lack some
    # functions, and the versions say more than a missing name.
    get_version = getattr(lib, "ctexec_version", None)
    if get_version is None:
        raise OSError(f"{path}: ctexec_version is missing; not a libctexec")
    get_version.restype = ctypes.c_uint
    get_version.argtypes = []
    number = int(get_version())
    if number // 10000 != ABI_MAJOR:
        raise OSError(
            f"{path}: libctexec version {_version_text(number)} does not match: "
            f"this ctexec package needs {ABI_MAJOR}.x"
        )
    for name, (restype, argtypes, errcheck) in _FUNCTIONS.items():
        fn = getattr(lib, name, None)
        if fn is None:
            if name in _OPTIONAL:
                continue
            raise OSError(f"{path}: {name} is missing; not a libctexec {ABI_MAJOR}.x")
        fn.restype = restype
        fn.argtypes = argtypes
        fn.errcheck = errcheck
    _c_new = lib.ctexec_new
    _c_submit = lib.ctexec_submit
    _c_run = lib.ctexec_run_until_timeout
    _c_free = lib.ctexec_free
    _c_future_new = lib.ctexec_future_new
    _c_set_result = lib.ctexec_future_set_result
    _c_future_free = lib.ctexec_future_free
    _c_wait = lib.ctexec_future_wait
    _c_cancel = lib.ctexec_future_cancel
    raw = ctypes.CDLL(path, handle=lib._handle)  # the same library, other function objects
    _r_submit, _r_wait, _r_future_free = (
        _raw(raw, name) for name in ("ctexec_submit", "ctexec_future_wait", "ctexec_future_free")
    )
    _status._use_library_texts(lib.ctexec_strerror)
    _lib_path = path
    _lib = lib


def _raw(lib: ctypes.CDLL, name: str) -> Any:
    """*name*, typed as the table says, returning its status (no errcheck)."""
    fn = getattr(lib, name)
    fn.restype, fn.argtypes = _FUNCTIONS[name][0], _FUNCTIONS[name][1]
    return fn


def _open(path: str) -> None:
    # CDLL, not PyDLL: ctypes releases the GIL around every foreign call, so
    # other Python threads run while the owner waits inside the core.
    _bind(ctypes.CDLL(path), path)


def load(path: Optional[str] = None) -> str:
    """Load libctexec and return the path it was loaded from.

    With *path*, load exactly that file. Without it, look in order at the
    ``CTEXEC_LIBRARY`` environment variable, the copy inside this package,
    the CMake build tree of the checkout this package is imported from, and
    an installed copy found by the dynamic loader. Loading is
    otherwise automatic on first use; call this to choose the file, or to
    fail early. A Go runtime cannot be unloaded, so once loaded the library
    stays: a second call with a different path raises :exc:`RuntimeError`.

    Raises :exc:`OSError` when no library can be loaded; the message lists
    every place that was tried.
    """
    with _load_lock:
        if _lib is not None:
            if path is not None and os.path.realpath(path) != os.path.realpath(
                _lib_path or ""
            ):
                raise RuntimeError(
                    f"libctexec is already loaded from {_lib_path}; "
                    "a Go runtime cannot be unloaded"
                )
            return _lib_path or ""
        if path is not None:
            _open(os.path.abspath(path))
            return _lib_path or ""
        tried = []
        env = os.environ.get("CTEXEC_LIBRARY")
        if env:
            # An explicit choice that fails is an error, not a reason to
            # silently pick up some other copy.
            try:
                _open(os.path.abspath(env))
            except OSError as exc:
                raise OSError(f"CTEXEC_LIBRARY={env}: {exc}") from exc
            return _lib_path or ""
        tried.append("CTEXEC_LIBRARY (not set)")
        if os.path.exists(_PACKAGE_LIB):
            # Installed with the package: if it does not load, the install
            # is broken, and another copy would hide that.
            try:
                _open(_PACKAGE_LIB)
            except OSError as exc:
                tried.append(f"{_PACKAGE_LIB} ({exc})")
                raise OSError("libctexec did not load; looked at: " + "; ".join(tried)) from exc
            return _lib_path or ""
        tried.append(f"{_PACKAGE_LIB} (no such file)")
        if _BUILD_TREE_LIB is None:
            tried.append("the build tree (not imported from a checkout)")
        elif os.path.exists(_BUILD_TREE_LIB):
            _open(_BUILD_TREE_LIB)
            return _lib_path or ""
        else:
            tried.append(f"{_BUILD_TREE_LIB} (no such file; build with tests/run or cmake)")
        try:
            # A bare soname: the loader searches LD_LIBRARY_PATH and the
            # system directories, never the current directory.
            _open(_SONAME)
            return _lib_path or ""
        except OSError as exc:
            tried.append(f"{_SONAME} via the dynamic loader ({exc})")
        raise OSError("libctexec not found; looked at: " + "; ".join(tried))


def _ensure_loaded() -> None:
    if _lib is None:
        load()


def library_path() -> Optional[str]:
    """The path the library was loaded from, or None if it is not loaded."""
    return _lib_path


def version() -> int:
    """The loaded library's CTEXEC_VERSION_NUMBER (loads it if needed)."""
    _ensure_loaded()
    assert _lib is not None
    return int(_lib.ctexec_version())


def _optional(name: str) -> Any:
    """A foreign function of _OPTIONAL, or OSError if this library lacks it."""
    _ensure_loaded()
    fn = getattr(_lib, name, None)
    if fn is None:
        raise OSError(f"{_lib_path}: {name} is missing; this libctexec is too old")
    return fn


class Stats(NamedTuple):
    """One executor's statistics (struct ctexec_stats; see
    :meth:`CurrentThreadExecutor.stats`). ``queued`` is always filled; the
    rest only for an executor made with ``stats=True`` (zero otherwise).
    Counters are exact; the waits from submit to start are sampled into a
    log-bucket histogram (p50 and p99 are bucket upper bounds). Times are in
    nanoseconds."""

    flags: int  #: the executor's CTEXEC_OPT_* flags (1: statistics kept)
    queued: int  #: submitted, not yet started or cancelled
    high_water: int  #: the largest ``queued`` seen at a submit
    submitted: int  #: accepted onto this executor's queue
    run: int  #: started
    cancelled: int  #: skipped in the core: cancelled before they started
    discarded: int  #: dropped by freeing an executor (in :func:`process_stats` only)
    rejected: int  #: refused: :exc:`QueueFullError` or :exc:`TimedOutError`
    wait_samples: int  #: items whose wait was sampled
    wait_p50_ns: int
    wait_p99_ns: int
    wait_max_ns: int
    busy_ns: int  #: the owner's time running items
    idle_ns: int  #: the owner's time asleep in run_until_future waiting for work


def _read_stats(ptr: Optional[int]) -> Stats:
    c = _CStats()
    c.size = ctypes.sizeof(_CStats)
    _optional("ctexec_stats")(ptr, ctypes.byref(c))
    return Stats(*(getattr(c, name) for name in Stats._fields))


def process_stats() -> Stats:
    """The process totals (ctexec_stats with no executor): submitted, run,
    cancelled, discarded and rejected over every executor made with
    ``stats=True``, freed ones included, and queued summed over the live
    ones; the other fields are 0. Raises :exc:`ForkedError` in a forked
    child."""
    return _read_stats(None)


class LiveCounts(NamedTuple):
    """Live objects in the library, process-wide (see ctexec_live_counts)."""

    executors: int
    futures: int
    queued: int


def live_counts() -> LiveCounts:
    """Return the library's live executor, future and queued-item counts.

    Meant for leak checks. Raises :exc:`ForkedError` in a forked child.
    """
    _ensure_loaded()
    assert _lib is not None
    c = _Counts()
    _lib.ctexec_live_counts(ctypes.byref(c))
    return LiveCounts(c.executors, c.futures, c.queued)


