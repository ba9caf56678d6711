"""Run work on a chosen thread: a ctypes binding of libctexec.

:class:`CurrentThreadExecutor` is a drop-in replacement for
``asgiref.current_thread_executor.CurrentThreadExecutor`` whose queue, wake-ups
and old-executor chain live in libctexec (a Go core with a C ABI)::

    import asgiref.sync, ctexec
    asgiref.sync.CurrentThreadExecutor = ctexec.CurrentThreadExecutor

The thread that creates an executor owns it. Other threads :meth:`submit`
callables; the owner calls :meth:`run_until_future`, which runs them on the
owner's own thread until a future completes.

Finding the library (first match wins): :func:`load` with an explicit path,
the ``CTEXEC_LIBRARY`` environment variable, the copy inside this package
(what a wheel installs), the CMake build tree when the package is imported
from a checkout (``<repo>/build/libctexec.so.0``), then an installed copy
found by the dynamic loader under its soname. The current directory is never
searched implicitly. The library is loaded on first use, not at import: loading starts
the Go runtime, and a Go runtime does not survive ``fork()``.

Fork: in a child forked after the library was loaded, every call into the
library fails with ``CTEXEC_EFORK``. Executors in such a child, old and new,
switch to a pure-Python engine with the same semantics (a Condition and a
deque, like asgiref's own executor), so code that forks, such as
``multiprocessing`` with the fork start method, keeps working.

Tuning: the core's waiters spin before they sleep, for an adaptive budget of
at most 50 us (``CTEXEC_SPIN_NS``, in nanoseconds, sets the ceiling; 0 never
spins). Python threads hand over through the GIL, which sleeps anyway, so on
small machines the spin mostly takes a CPU from the thread that holds the
GIL, and ``CTEXEC_SPIN_NS=0`` can make a Python round trip faster (on 2 vCPUs
it did). The library reads the variable from the C environment once, when it
loads, and it loads on first use: set ``os.environ["CTEXEC_SPIN_NS"]`` before
the first call into this module that needs the library, or in the shell.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import math
import os
import sys
import threading
import weakref
from collections import deque
from concurrent.futures import CancelledError as _FuturesCancelledError
from concurrent.futures import Executor, Future, InvalidStateError
from time import monotonic as _monotonic
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Optional, Union

if TYPE_CHECKING:
    import asyncio

__all__ = [
    "CurrentThreadExecutor",
    "attach_asyncio",
    "Error",
    "InvalidArgumentError",
    "BadHandleError",
    "WrongThreadError",
    "SameThreadError",
    "QuitError",
    "BusyError",
    "CancelledError",
    "TimedOutError",
    "StateError",
    "ForkedError",
    "PanicError",
    "OutOfMemoryError",
    "DeadlockError",
    "QueueFullError",
    "LiveCounts",
    "Stats",
    "process_stats",
    "load",
    "library_path",
    "live_counts",
    "version",
    "strerror",
    "using_fallback",
]

# Status codes, as in include/ctexec.h. Values never change.
# tests/test_status.py holds this table and _MESSAGES to the header.
OK = 0
EINVAL = -1
EBADHANDLE = -2
EWRONGTHREAD = -3
ESAMETHREAD = -4
EQUIT = -5
EBUSY = -6
ECANCELLED = -7
ETIMEDOUT = -8
ESTATE = -9
EFORK = -10
EPANIC = -11
ENOMEM = -12
EDEADLK = -13
EAGAIN = -14

#: The library major version this module speaks (CTEXEC_VERSION_MAJOR).
ABI_MAJOR = 0

#: How long run_until_future stays inside one foreign call. The owner thread
#: must come back to Python now and then so that a pending SIGINT can raise
#: KeyboardInterrupt; a slice costs one cheap re-entry, so 50 ms keeps Ctrl-C
#: prompt at no measurable cost.
RUN_SLICE_NS = 50_000_000

_get_ident = threading.get_ident

# Messages asgiref uses, which code in the wild matches on. The library's
# ctexec_strerror returns the same text; these are used where the library is
# not involved (the fork fallback).
_MSG_WRONG_THREAD = "You cannot run CurrentThreadExecutor from a different thread"
_MSG_SAME_THREAD = "You cannot submit onto CurrentThreadExecutor from its own thread"
_MSG_QUIT = "CurrentThreadExecutor already quit or is broken"
# ThreadPoolExecutor's, for a submit after shutdown (asgiref defines none).
_MSG_SHUTDOWN = "cannot schedule new futures after shutdown"


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class Error(Exception):
    """A libctexec call failed.

    ``status`` is the negative ``CTEXEC_E*`` code (or a host's positive code).
    Constructing ``Error(status)`` picks the subclass registered for that
    status, so ``except RuntimeError`` and friends work as Python users
    expect.
    """

    status: int

    def __new__(cls, status: int = EINVAL, message: Optional[str] = None) -> "Error":
        # Error(status) picks the registered subclass. The arguments are not
        # passed on, because OSError (TimeoutError's base) would read two of
        # them as errno and strerror; __init__ sets args itself.
        if cls is Error:
            cls = _ERROR_CLASSES.get(status, Error)
        return super().__new__(cls)

    def __init__(self, status: int = EINVAL, message: Optional[str] = None) -> None:
        text = strerror(status) if message is None else message
        super().__init__(text)
        self.args = (text,)  # OSError's initialiser ignores it for subclasses
        self.status = status

    def __reduce__(self) -> tuple[type["Error"], tuple[int, str]]:
        # Keeps .status across pickling (multiprocessing sends exceptions).
        return (type(self), (self.status, str(self)))


class InvalidArgumentError(Error, ValueError):
    """CTEXEC_EINVAL: a NULL or out-of-range argument."""


class BadHandleError(Error, ValueError):
    """CTEXEC_EBADHANDLE: an unknown, freed or forged executor or future."""


class WrongThreadError(Error, RuntimeError):
    """CTEXEC_EWRONGTHREAD: run from a thread that is not the owner."""


class SameThreadError(Error, RuntimeError):
    """CTEXEC_ESAMETHREAD: submit from the owner thread."""


class QuitError(Error, RuntimeError):
    """CTEXEC_EQUIT: the executor and its whole chain have quit."""


class BusyError(Error, RuntimeError):
    """CTEXEC_EBUSY: run re-entered on the same executor."""


class CancelledError(Error, _FuturesCancelledError):
    """CTEXEC_ECANCELLED: the future was cancelled or discarded."""


class TimedOutError(Error, TimeoutError):
    """CTEXEC_ETIMEDOUT: the time ran out first."""


class StateError(Error, InvalidStateError):
    """CTEXEC_ESTATE: the future already completed (or its item started)."""


class ForkedError(Error, RuntimeError):
    """CTEXEC_EFORK: called in a child forked after the library was loaded."""


class PanicError(Error, RuntimeError):
    """CTEXEC_EPANIC: an internal panic happened earlier; calls are refused."""


class OutOfMemoryError(Error):
    """CTEXEC_ENOMEM: out of memory. (Not a MemoryError: that builtin's
    constructor cannot be shared with another exception base.)"""


class DeadlockError(Error, RuntimeError):
    """CTEXEC_EDEADLK: the wait could never finish, so it was refused at
    once instead of hanging: the waiting thread owns the executor the item
    is queued to, or the wait closes a cycle of owners waiting on each
    other's items. The future is still pending afterwards."""


class QueueFullError(Error, RuntimeError):
    """CTEXEC_EAGAIN: the executor's bounded queue is full
    (``when_full="fail"``); the item was not queued. A RuntimeError, like
    the other refusals of a submit (:exc:`SameThreadError`,
    :exc:`QuitError`)."""


_ERROR_CLASSES: dict[int, type[Error]] = {
    EINVAL: InvalidArgumentError,
    EBADHANDLE: BadHandleError,
    EWRONGTHREAD: WrongThreadError,
    ESAMETHREAD: SameThreadError,
    EQUIT: QuitError,
    EBUSY: BusyError,
    ECANCELLED: CancelledError,
    ETIMEDOUT: TimedOutError,
    ESTATE: StateError,
    EFORK: ForkedError,
    EPANIC: PanicError,
    ENOMEM: OutOfMemoryError,
    EDEADLK: DeadlockError,
    EAGAIN: QueueFullError,
}

# The library's own texts (CTEXEC_STATUS_TEXTS in ctexec.h), for messages
# built while the library is not loaded: an exception must never be what
# starts the runtime.
_MESSAGES = {
    OK: "success",
    EINVAL: "invalid argument",
    EBADHANDLE: "unknown, freed or forged executor or future",
    EWRONGTHREAD: _MSG_WRONG_THREAD,
    ESAMETHREAD: _MSG_SAME_THREAD,
    EQUIT: _MSG_QUIT,
    EBUSY: "executor is running",
    ECANCELLED: "cancelled",
    ETIMEDOUT: "timed out",
    ESTATE: "future already completed or started",
    EFORK: "called in a process forked after the library was loaded",
    EPANIC: "internal panic earlier; the library refuses calls",
    ENOMEM: "out of memory",
    EDEADLK: "deadlock: the wait could never finish",
    EAGAIN: "queue full",
}


# ---------------------------------------------------------------------------
# The foreign functions: one table
# ---------------------------------------------------------------------------

_c_executor_p = ctypes.c_void_p  # ctexec*, opaque
_c_future = ctypes.c_uint64  # ctexec_future

#: ctexec_fn. The result slot is declared as a plain pointer-sized integer
#: rather than POINTER(c_void_p): the binding never writes it (the Python
#: future carries the outcome), and ctypes builds an int much faster than a
#: pointer object on every call.
CTEXEC_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
#: ctexec_done_fn.
CTEXEC_DONE_FN = ctypes.CFUNCTYPE(None, _c_future, ctypes.c_void_p)
#: ctexec_notify_fn.
CTEXEC_NOTIFY_FN = ctypes.CFUNCTYPE(None, _c_executor_p, ctypes.c_void_p)


#: ctexec_stall_fn.
CTEXEC_STALL_FN = ctypes.CFUNCTYPE(None, _c_executor_p, ctypes.c_int64, ctypes.c_void_p)

# ctexec_options.flags and .when_full, as in include/ctexec.h.
_OPT_STATS = 1
_FULL_MODES = {"block": 0, "fail": 1}


class _Options(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("max_queued", ctypes.c_uint64),
        ("when_full", ctypes.c_int),
        ("stall_ns", ctypes.c_int64),
        ("on_stall", CTEXEC_STALL_FN),
        ("stall_userdata", ctypes.c_void_p),
    ]


class _CStats(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("flags", ctypes.c_uint32)] + [
        (name, ctypes.c_uint64)
        for name in (
            "queued",
            "high_water",
            "submitted",
            "run",
            "cancelled",
            "discarded",
            "rejected",
            "wait_samples",
        )
    ] + [
        (name, ctypes.c_int64)
        for name in ("wait_p50_ns", "wait_p99_ns", "wait_max_ns", "busy_ns", "idle_ns")
    ]


class _Counts(ctypes.Structure):
    _fields_ = [
        ("executors", ctypes.c_uint64),
        ("futures", ctypes.c_uint64),
        ("queued", ctypes.c_uint64),
    ]


def _check(status: int, func: Any, args: tuple[Any, ...]) -> int:
    """errcheck: raise for any status other than CTEXEC_OK."""
    if status != OK:
        raise Error(status)
    return status


def _check_run(status: int, func: Any, args: tuple[Any, ...]) -> int:
    """errcheck for run_until_timeout: ETIMEDOUT (another slice) and EQUIT
    (an earlier run already quit) are outcomes, not errors."""
    if status != OK and status != ETIMEDOUT and status != EQUIT:
        raise Error(status)
    return status


def _check_done(status: int, func: Any, args: tuple[Any, ...]) -> bool:
    """errcheck for future_done: 1 or 0, or a negative status."""
    if status < 0:
        raise Error(status)
    return bool(status)


def _check_wait(status: int, func: Any, args: tuple[Any, ...]) -> int:
    """errcheck for future_wait: the outcome codes are returned, the call
    failures raised."""
    if status in (EBADHANDLE, EFORK, EPANIC):
        raise Error(status)
    return status


def _check_ready(status: int, func: Any, args: tuple[Any, ...]) -> bool:
    """errcheck for run_ready: 1 (items remain) or 0, or a negative status."""
    if status < 0:
        raise Error(status)
    return bool(status)


def _check_text(result: Optional[bytes], func: Any, args: tuple[Any, ...]) -> str:
    """errcheck for ctexec_strerror: bytes to str."""
    return (result or b"").decode("utf-8", "replace")


def _check_version(result: int, func: Any, args: tuple[Any, ...]) -> int:
    """errcheck for ctexec_version: a plain number, never an error."""
    return int(result)


_P = ctypes.POINTER
# name: (restype, argtypes, errcheck)
_FUNCTIONS: dict[str, tuple[Any, list[Any], Callable[..., Any]]] = {
    "ctexec_new": (ctypes.c_int, [_c_executor_p, _P(_c_executor_p)], _check),
    "ctexec_submit": (
        ctypes.c_int,
        [_c_executor_p, CTEXEC_FN, ctypes.c_void_p, _P(_c_future)],
        _check,
    ),
    "ctexec_call": (
        ctypes.c_int,
        [_c_executor_p, CTEXEC_FN, ctypes.c_void_p, _P(ctypes.c_void_p)],
        _check,
    ),
    "ctexec_run_until": (ctypes.c_int, [_c_executor_p, _c_future], _check),
    "ctexec_run_until_timeout": (
        ctypes.c_int,
        [_c_executor_p, _c_future, ctypes.c_int64],
        _check_run,
    ),
    "ctexec_free": (ctypes.c_int, [_c_executor_p], _check),
    "ctexec_future_new": (ctypes.c_int, [_P(_c_future)], _check),
    "ctexec_future_set_result": (ctypes.c_int, [_c_future, ctypes.c_void_p], _check),
    "ctexec_future_set_error": (ctypes.c_int, [_c_future, ctypes.c_int], _check),
    "ctexec_future_cancel": (ctypes.c_int, [_c_future], _check),
    "ctexec_future_done": (ctypes.c_int, [_c_future], _check_done),
    "ctexec_future_wait": (
        ctypes.c_int,
        [_c_future, ctypes.c_int64, _P(ctypes.c_void_p)],
        _check_wait,
    ),
    "ctexec_future_add_done_callback": (
        ctypes.c_int,
        [_c_future, CTEXEC_DONE_FN, ctypes.c_void_p],
        _check,
    ),
    "ctexec_future_free": (ctypes.c_int, [_c_future], _check),
    "ctexec_strerror": (ctypes.c_char_p, [ctypes.c_int], _check_text),
    "ctexec_version": (ctypes.c_uint, [], _check_version),
    "ctexec_live_counts": (ctypes.c_int, [_P(_Counts)], _check),
    "ctexec_fd": (ctypes.c_int, [_c_executor_p, _P(ctypes.c_int)], _check),
    "ctexec_event_handle": (ctypes.c_int, [_c_executor_p, _P(ctypes.c_void_p)], _check),
    "ctexec_run_ready": (
        ctypes.c_int,
        [_c_executor_p, ctypes.c_uint64, ctypes.c_int64, _P(ctypes.c_uint64)],
        _check_ready,
    ),
    "ctexec_set_notify": (ctypes.c_int, [_c_executor_p, CTEXEC_NOTIFY_FN, ctypes.c_void_p], _check),
    "ctexec_new_with": (
        ctypes.c_int,
        [_c_executor_p, _P(_Options), _P(_c_executor_p)],
        _check,
    ),
    "ctexec_submit_timeout": (
        ctypes.c_int,
        [_c_executor_p, CTEXEC_FN, ctypes.c_void_p, _P(_c_future), ctypes.c_int64],
        _check,
    ),
    "ctexec_stats": (ctypes.c_int, [_c_executor_p, _P(_CStats)], _check),
}

# Added after 0.1.0 was first built; the binding does not depend on them.
_OPTIONAL = frozenset(
    {
        "ctexec_call",
        "ctexec_fd",
        "ctexec_event_handle",
        "ctexec_run_ready",
        "ctexec_set_notify",
        "ctexec_new_with",
        "ctexec_submit_timeout",
        "ctexec_stats",
    }
)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

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
# Set in a child forked after the library was loaded: the Go runtime is gone
# there, so everything runs on the pure-Python engine.
_forked = False

# Hot-path foreign functions, bound at load time so submit() pays no lookup.
_c_new: Any = None
_c_submit: Any = None
_c_run: Any = None
_c_free: Any = None
_c_future_new: Any = None
_c_set_result: Any = None
_c_future_free: Any = None
_c_wait: Any = None


def _version_text(number: int) -> str:
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def _bind(lib: ctypes.CDLL, path: str) -> None:
    global _lib, _lib_path, _c_new, _c_submit, _c_run, _c_free
    global _c_future_new, _c_set_result, _c_future_free, _c_wait
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
    _lib_path = path
    _lib = lib


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


def strerror(status: int) -> str:
    """The library's description of *status*.

    Works without loading the library for the codes this module knows, so
    that building an exception never starts the Go runtime.
    """
    if _lib is not None:
        return str(_lib.ctexec_strerror(status))
    if status > 0:
        return "host error"
    return _MESSAGES.get(status, "unknown error")


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


def using_fallback() -> bool:
    """True in a child forked after the library was loaded, where executors
    run on the pure-Python engine."""
    return _forked


# ---------------------------------------------------------------------------
# Work items and the trampoline
# ---------------------------------------------------------------------------

# Batches waiting to run, by the integer key that C carries as the callback's
# arg. A dict lookup is cheaper than turning a PyObject* into a C pointer and
# back, and it keeps every queued item reachable, so nothing a C queue holds
# can be collected under it. Entries: (items, lineage, slot).
#
# Why batches: every C item costs the owner one GIL acquisition in the ctypes
# callback, and while submitters are busy the owner gets the GIL back only
# at the interpreter's switch interval (5 ms). So consecutive submits to one
# executor join the batch that is already queued and not yet started; the
# owner then runs the whole batch in one callback, and a burst of submits
# makes one foreign call instead of one each. A batch is one C item, so the
# core still decides where it runs (the chain walk) and in which order.
#: A work item: (future, fn, args, kwargs).
_Item = tuple["Future[Any]", Callable[..., Any], tuple[Any, ...], dict[str, Any]]

_pending: dict[int, tuple[list[_Item], frozenset[int], "_Slot"]] = {}
_keys = itertools.count(1)  # next() on a count is atomic under the GIL


class _BatchWait:
    """The C future of one batch, which completes once the owner has run the
    whole batch (so every Python future in it is done by then).

    A thread in :meth:`_Future.result` whose item is the last of its batch
    waits on it inside the core, with the GIL released: it spins first, so
    when the owner is quick the answer arrives without either thread
    sleeping, where a wait on the Python future's Condition costs a wake-up
    (a kernel round trip and a GIL handoff) every time; and the core checks
    the wait for deadlocks. Freed with the last future that refers to it.

    ``last`` is ``id()`` of the batch's newest future (guarded by the
    executor's slot lock): a waiter whose future is not the newest must not
    wait for the batch, since the items behind its own may take any time
    (see :meth:`_Future._wait_in_core`). An ``id`` rather than the future
    itself, so that no cycle keeps the batch's futures alive; both futures
    are alive while they are compared, so the ids cannot collide."""

    __slots__ = ("handle", "last", "slot")

    def __init__(self, handle: int, last: int, slot: "_Slot") -> None:
        self.handle = handle
        self.last = last
        self.slot = slot

    def wait(self, timeout_ns: int) -> None:
        try:
            status = _c_wait(self.handle, timeout_ns, None)
        except Error:
            return  # EFORK and the like: the Python future's own wait follows
        if status == EDEADLK:
            # The core refused a wait that could never finish (this thread
            # owns the executor the batch is queued to, or closes a cycle).
            raise DeadlockError(EDEADLK)

    def close_at(self, future: "Future[Any]") -> bool:
        """Close the batch to new items, if it is still open; then whether
        *future* is its last item."""
        slot = self.slot
        with slot.lock:
            if slot.wait is self:
                slot.batch = None
                slot.wait = None
            return self.last == id(future)

    def __del__(self) -> None:
        handle, self.handle = self.handle, 0
        if handle and _c_future_free is not None:
            try:
                _c_future_free(handle)
            except Exception:
                pass  # a forked child or interpreter shutdown: nothing to free


def _wake(promises: list[int]) -> None:
    """Complete the promises of the threads waiting on one item (see
    :meth:`_Future._wait_in_core`). A waiter that gave up has freed its
    promise already: the core then answers EBADHANDLE, which is harmless
    (handles are generation-tagged, so a freed one never names another)."""
    for handle in tuple(promises):
        try:
            _c_set_result(handle, None)
        except Error:
            pass


class _Future(Future):  # type: ignore[type-arg]
    """A :class:`concurrent.futures.Future` whose blocking calls first wait
    in the core, with the GIL released, until its own item has run.

    Per-item completion: a waiter never waits for items queued behind its
    own. If its item is the last of its batch, it closes the batch (later
    submits start a new one) and waits on the batch's C future, which then
    completes right after its item. Otherwise it waits on a promise of its
    own, which the owner completes as soon as the item has run
    (:func:`_trampoline`); the core first checks a brief wait on the batch
    for deadlocks, so a wait that could never finish still raises
    :exc:`DeadlockError`. (A cycle of owners is seen by the core only
    through waits without a time limit on the batch itself, so a cycle
    made solely of such promise waits is not detected.)"""

    _batch_wait: Optional[_BatchWait] = None
    #: Promises of the threads waiting on this future, or None.
    _promises: Optional[list[int]] = None

    def _wait_in_core(self, timeout: Optional[float]) -> Optional[float]:
        bw = self._batch_wait
        if bw is None or self.done():
            return timeout
        # Future.result's own rules: None waits for ever, <= 0 polls.
        ns = -1 if timeout is None else min(_INT64_MAX, max(0, int(timeout * 1e9)))
        end = None if timeout is None else _monotonic() + timeout
        if bw.close_at(self):
            bw.wait(ns)
        else:
            self._wait_promise(bw, ns)
        return None if end is None else max(0.0, end - _monotonic())

    def _wait_promise(self, bw: _BatchWait, ns: int) -> None:
        if ns != 0:
            bw.wait(1)  # the core's deadlock check; a 0 ns poll is not checked
        handle = ctypes.c_uint64()
        try:
            _c_future_new(ctypes.byref(handle))
        except Error:
            return  # EFORK and the like: the Python future's own wait follows
        promise = handle.value
        promises = self._promises
        if promises is None:
            promises = self._promises = []
        promises.append(promise)
        try:
            # Appended before done() is read, and the owner reads the list
            # after it completes the future (both under the GIL): either the
            # owner sees the promise or this thread sees the future done.
            if not self.done():
                _c_wait(promise, ns, None)
        finally:
            promises.remove(promise)
            try:
                _c_future_free(promise)
            except Error:
                pass

    def cancel(self) -> bool:
        if not super().cancel():
            return False
        promises = self._promises
        if promises:
            _wake(promises)
        return True

    def result(self, timeout: Optional[float] = None) -> Any:
        return super().result(self._wait_in_core(timeout))

    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]:
        return super().exception(self._wait_in_core(timeout))


class _Slot:
    """An executor's open batch: the one new submits may still join."""

    __slots__ = ("lock", "create_lock", "batch", "wait", "running")

    def __init__(self) -> None:
        self.lock = threading.Lock()  # guards batch and wait; never held across a call
        self.create_lock = threading.Lock()  # one batch creation at a time
        self.batch: Optional[list[_Item]] = None
        self.wait: Optional[_BatchWait] = None
        # The batch the owner is running, for shutdown(cancel_futures=True):
        # its items that have not started yet are still cancellable.
        self.running: Optional[list[_Item]] = None


def _close(slot: _Slot, batch: list[_Item]) -> None:
    with slot.lock:
        if slot.batch is batch:
            slot.batch = None
            slot.wait = None


def _run_item(item: _Item) -> None:
    future = item[0]
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = item[1](*item[2], **item[3])
    except BaseException as exc:
        future.set_exception(exc)
        # The traceback holds this frame; drop the future so that a result
        # holding the future does not make a cycle through it.
        del future, item
    else:
        future.set_result(result)


def _trampoline(key: int, _result: int) -> int:
    # Runs on the owner thread, inside ctexec_run_until_timeout. Exceptions
    # cannot cross the C frames (ctypes would print and drop them). The items'
    # own exceptions go to their futures; what is left is a signal handler's
    # exception (KeyboardInterrupt) raised between items. It is kept, the rest
    # of the batch still runs, and run_until_future raises it as soon as the
    # core returns.
    try:
        entry = _pending.pop(key, None)
        if entry is None:
            return 0
        batch = entry[0]
        slot = entry[2]
        _close(slot, batch)
        slot.running = batch
    except BaseException as exc:  # noqa: BLE001
        _interrupts.append((_get_ident(), exc))
        return 0
    for item in batch:
        try:
            _run_item(item)
        except BaseException as exc:  # noqa: BLE001
            _interrupts.append((_get_ident(), exc))
        # Per-item completion: a thread waiting on this item alone is woken
        # now, not when the rest of the batch has run.
        promises = item[0]._promises  # type: ignore[attr-defined]
        if promises:
            _wake(promises)
    slot.running = None
    return 0


# (thread, exception) raised on an owner thread outside any item; see
# _trampoline. Keyed by thread so that one owner never raises another's.
_interrupts: list[tuple[int, BaseException]] = []


def _raise_interrupt() -> None:
    me = _get_ident()
    mine = [exc for ident, exc in _interrupts if ident == me]
    if mine:
        _interrupts[:] = [(i, e) for i, e in _interrupts if i != me]
        raise mine[0]


def _pending_items() -> int:
    """Items queued in batches not yet started (for leak checks)."""
    return sum(len(entry[0]) for entry in list(_pending.values()))


# One callback object for the life of the process: C may call it at any time
# an item is queued, so it is never released.
_TRAMPOLINE = CTEXEC_FN(_trampoline)


def _promise_done_callback(handle: int, slot: _Slot) -> Callable[["Future[Any]"], None]:
    def done(_future: "Future[Any]") -> None:
        # The executor quits now: later submits must reach C (and its chain
        # walk) instead of joining a batch that is still queued here.
        with slot.lock:
            slot.batch = None
            slot.wait = None
        # The run may have ended (and freed the promise) before this fires,
        # for instance after KeyboardInterrupt: then the handle is stale.
        try:
            _c_set_result(handle, None)
        except Error:
            pass

    return done


# ---------------------------------------------------------------------------
# The pure-Python engine, for forked children
# ---------------------------------------------------------------------------


class _PyEngine:
    """asgiref-style state for one executor: a Condition and a deque."""

    __slots__ = ("cond", "items", "broken")

    def __init__(self, broken: bool) -> None:
        self.cond = threading.Condition()
        self.items: deque[_Item] = deque()
        self.broken = broken


_fallback_lock = threading.Lock()


def _after_fork_child() -> None:
    global _fallback_lock, _load_lock
    # Locks another thread held at fork() stay locked forever in the child.
    _fallback_lock = threading.Lock()
    _load_lock = threading.Lock()
    if _lib is not None:
        _note_fork()


def _note_fork() -> None:
    """Switch this process to the Python engine: called by the at-fork hook,
    and on CTEXEC_EFORK from a fork the hook did not see (one made by C)."""
    global _forked
    _forked = True
    # These batches sat in the parent's C queues, which do not exist here.
    _pending.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_child)


# ---------------------------------------------------------------------------
# The executor
# ---------------------------------------------------------------------------

_serials = itertools.count(1)
_log = logging.getLogger("ctexec")
_INT64_MAX = 2**63 - 1


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _timeout_ns(timeout: Optional[float]) -> int:
    """A submit timeout in seconds as the C API's nanoseconds: None (or
    infinity) waits as long as it takes (-1)."""
    if timeout is None:
        return -1
    if not _is_number(timeout):
        raise TypeError(f"timeout must be a number of seconds or None, not {type(timeout).__name__}")
    if not timeout >= 0:  # also NaN
        raise ValueError(f"timeout must be >= 0, not {timeout!r}")
    ns = timeout * 1e9
    return -1 if ns >= _INT64_MAX else int(ns)


_StallCallback = Callable[["CurrentThreadExecutor", float], Any]


def _stall_trampoline(ref: "weakref.ref[CurrentThreadExecutor]", fn: _StallCallback) -> Any:
    """The C stall callback for one executor. It runs on a library thread:
    an exception must not escape into C, so it is logged."""

    def call(_ptr: Optional[int], age_ns: int, _userdata: Optional[int]) -> None:
        try:
            ex = ref()
            if ex is not None:
                fn(ex, age_ns / 1e9)
        except BaseException:  # noqa: BLE001 - nothing above this frame can take it
            _log.exception("ctexec: the on_stall callback %r raised", fn)

    return CTEXEC_STALL_FN(call)


def _options(
    ex: "CurrentThreadExecutor",
    max_queued: int,
    when_full: str,
    on_stall: Optional[_StallCallback],
    stall_seconds: Optional[float],
    stats: bool,
) -> Optional[_Options]:
    """Check the constructor's options; None when all are the defaults
    (plain ctexec_new). Raises TypeError and ValueError, before anything is
    created."""
    if not isinstance(max_queued, int) or isinstance(max_queued, bool):
        raise TypeError(f"max_queued must be an int, not {type(max_queued).__name__}")
    if not 0 <= max_queued < 2**64:
        raise ValueError(f"max_queued must be 0 (unbounded) or a positive 64-bit count, not {max_queued}")
    if not isinstance(when_full, str):
        raise TypeError(f"when_full must be 'block' or 'fail', not {type(when_full).__name__}")
    if when_full not in _FULL_MODES:
        raise ValueError(f"when_full must be 'block' or 'fail', not {when_full!r}")
    if on_stall is not None and not callable(on_stall):
        raise TypeError(f"on_stall must be callable or None, not {type(on_stall).__name__}")
    if not isinstance(stats, bool):
        raise TypeError(f"stats must be a bool, not {type(stats).__name__}")
    stall_ns = 0
    if stall_seconds is not None:
        if not _is_number(stall_seconds):
            raise TypeError(f"stall_seconds must be a number or None, not {type(stall_seconds).__name__}")
        if not 0 < stall_seconds * 1e9 < _INT64_MAX:  # also NaN and infinity
            raise ValueError(f"stall_seconds must be a positive finite time, not {stall_seconds!r}")
        stall_ns = max(1, math.ceil(stall_seconds * 1e9))
    if (on_stall is None) != (stall_seconds is None):
        raise ValueError("on_stall and stall_seconds go together: give both or neither")
    if not (max_queued or stats or on_stall):
        return None
    o = _Options()
    o.size = ctypes.sizeof(_Options)
    o.flags = _OPT_STATS if stats else 0
    o.max_queued = max_queued
    o.when_full = _FULL_MODES[when_full]
    if on_stall is not None:
        o.stall_ns = stall_ns
        o.on_stall = _stall_trampoline(weakref.ref(ex), on_stall)
    return o


def _free_later(ptr: int, keep: Any, serial: int, quit: bool) -> None:
    """Free an executor whose last reference went away inside its own stall
    callback, where ctexec_free is refused (EBUSY): from another thread,
    once the callback has returned. *keep* (the C callback) stays alive
    until then."""

    def free() -> None:
        while True:
            try:
                _c_free(ptr)
            except BusyError:
                threading.Event().wait(0.001)
                continue
            except Exception:
                return
            if not quit:
                _discard_pending(serial)
            return

    try:
        threading.Thread(target=free, name="ctexec-free", daemon=True).start()
    except RuntimeError:
        _leaked.append(keep)  # interpreter shutdown: leak it rather than crash


def _noop() -> None:
    pass


def _as_future(obj: Any) -> "Future[Any]":
    """What run_until_future waits on, for an argument that is not a plain
    concurrent.futures.Future: the object itself if it has a callable
    add_done_callback, or, for an asyncio.Future, a concurrent Future that
    its loop completes. Raises TypeError and RuntimeError (see
    run_until_future)."""
    if not callable(getattr(obj, "add_done_callback", None)):
        raise TypeError(
            "run_until_future needs a future (concurrent.futures.Future or asyncio.Future), "
            f"not {type(obj).__name__}"
        )
    if isinstance(obj, Future) or getattr(type(obj), "_asyncio_future_blocking", None) is None:
        return obj  # type: ignore[no-any-return]
    # An asyncio future: its callbacks run on its loop, scheduled with the
    # loop's call_soon, so the loop must be running, and on another thread.
    import asyncio

    proxy: Future[Any] = Future()
    if obj.done():
        proxy.set_result(None)
        return proxy
    loop = obj.get_loop()
    if not loop.is_running():
        raise RuntimeError(
            "run_until_future: the asyncio.Future's event loop is not running, "
            "so its completion could never be seen; run the loop on another thread, "
            "or pass a concurrent.futures.Future"
        )
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        raise RuntimeError(
            "run_until_future: the asyncio.Future's event loop runs on this thread, "
            "which run_until_future would block; use await (or the loop's "
            "run_in_executor) there instead"
        )

    def relay(_f: Any) -> None:
        if not proxy.done():
            proxy.set_result(None)

    # add_done_callback is not thread-safe on an asyncio future.
    loop.call_soon_threadsafe(obj.add_done_callback, relay)
    return proxy


# Stall callbacks of executors that could not be freed: C may still call them.
_leaked: list[Any] = []


class CurrentThreadExecutor(Executor):
    """An executor that runs submitted work on the thread that created it.

    A drop-in replacement for asgiref's ``CurrentThreadExecutor``. Other
    threads :meth:`submit` callables; the creating (owner) thread runs them
    inside :meth:`run_until_future`. Once the future given to
    :meth:`run_until_future` is done the executor has quit: items queued
    before that still run, and later submits go to *old_executor*, or to the
    nearest executor down its chain that has not quit.

    *old_executor* is another :class:`CurrentThreadExecutor` or None.

    Keyword-only options (ctexec_new_with; the defaults are asgiref's
    behaviour):

    - *max_queued*: 0 (unbounded), or at most this many items queued and
      not yet started. A submit to a full queue then waits for room
      (*when_full* ``"block"``; :meth:`submit_timeout` bounds the wait) or
      raises :exc:`QueueFullError` at once (``"fail"``).
    - *stats*: keep the counters and wait histogram of :meth:`stats`.
    - *on_stall* and *stall_seconds* (together): call
      ``on_stall(executor, oldest_wait_seconds)`` once the oldest queued
      item has waited *stall_seconds* without starting; once per stall (again
      only after the owner has caught up), on a library thread, never the
      owner's. It must return quickly. An exception it raises is logged on
      the ``ctexec`` logger and dropped.

    With *max_queued* or *stats* every submit is one item in the core, so
    the bound and the counts are of submits; otherwise consecutive submits
    may share one core item (a batch), and the watchdog sees a batch's
    first submit. Cancelling a future does not take its item out of the
    core: it is skipped when it comes up, and counts as run. Bad options
    raise :exc:`TypeError` or :exc:`ValueError`. In a forked child (the
    pure-Python engine) the options have no effect and :meth:`stats` raises
    :exc:`ForkedError`.

    :meth:`concurrent.futures.Future.result` and ``exception()`` on a future
    this executor returned raise :exc:`DeadlockError` instead of waiting
    when the wait could never finish (the waiting thread owns the executor
    the item is queued to, or closes a cycle of such waits); the future
    stays pending.

    An executor that is garbage-collected before it quits discards the items
    still queued on it and cancels their futures (asgiref's leaves them
    pending for ever).

    The :class:`concurrent.futures.Executor` contract holds: after
    :meth:`shutdown` a submit raises :exc:`RuntimeError`, and ``with
    CurrentThreadExecutor() as ex:`` on the owner runs what is still queued
    when the block ends (see :meth:`shutdown` for other threads).
    """

    _ptr: Optional[int] = None  # the C executor; None on the Python engine
    _shutdown = False  # shutdown() was called: submit refuses
    _stall_fn: Any = None  # the C stall callback, kept while _ptr lives

    def __init__(
        self,
        old_executor: Optional["CurrentThreadExecutor"] = None,
        *,
        max_queued: int = 0,
        when_full: str = "block",
        on_stall: Optional[_StallCallback] = None,
        stall_seconds: Optional[float] = None,
        stats: bool = False,
    ) -> None:
        if old_executor is not None and not isinstance(old_executor, CurrentThreadExecutor):
            raise TypeError(
                "old_executor must be a ctexec.CurrentThreadExecutor or None, "
                f"not {type(old_executor).__name__}"
            )
        opts = _options(self, max_queued, when_full, on_stall, stall_seconds, stats)
        # The C callback must live as long as the C executor (see __del__).
        self._stall_fn = opts.on_stall if opts is not None and on_stall is not None else None
        self._max_queued = max_queued
        # One C item per submit when C counts or bounds items: batches would
        # make the counts and the bound be of batches.
        self._unbatched = bool(max_queued or stats)
        self._owner = threading.get_ident()
        self._old_executor = old_executor
        self._quit = False
        self._ptr: Optional[int] = None
        self._py: Optional[_PyEngine] = None
        self._serial = next(_serials)
        self._slot = _Slot()
        # Serials of this executor and its chain. A queued item remembers the
        # lineage it was submitted to, so that when a C executor is freed with
        # items still queued, the items it discarded can be found (see
        # _discard_pending).
        self._lineage: frozenset[int] = frozenset((self._serial,)) | (
            old_executor._lineage if old_executor is not None else frozenset()
        )
        if _forked:
            self._py = _PyEngine(broken=False)
            return
        _ensure_loaded()
        out = ctypes.c_void_p()
        try:
            if opts is None:
                _c_new(self._nearest_live_c(old_executor), ctypes.byref(out))
            else:
                _optional("ctexec_new_with")(
                    self._nearest_live_c(old_executor), ctypes.byref(opts), ctypes.byref(out)
                )
        except ForkedError:
            _note_fork()
            self._py = _PyEngine(broken=False)
            return
        self._ptr = out.value

    @staticmethod
    def _nearest_live_c(ex: Optional["CurrentThreadExecutor"]) -> Optional[int]:
        # An executor that lives on the Python engine has no C handle; what
        # matters to C is the rest of the chain.
        while ex is not None and ex._ptr is None:
            ex = ex._old_executor
        return ex._ptr if ex is not None else None

    # -- submit ------------------------------------------------------------

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> "Future[Any]":
        """Schedule ``fn(*args, **kwargs)`` to run on the owner thread.

        Returns a :class:`concurrent.futures.Future` that carries the result,
        or the exception (any :exc:`BaseException`) with its traceback. A
        future cancelled before its item starts makes the item be skipped.

        Raises :exc:`SameThreadError` (a :exc:`RuntimeError`) on the owner
        thread, and :exc:`QuitError` (a :exc:`RuntimeError`) when this
        executor and its whole chain have quit. After :meth:`shutdown` it
        raises :exc:`RuntimeError`, as ``ThreadPoolExecutor`` does.
        """
        if self._shutdown:
            raise RuntimeError(_MSG_SHUTDOWN)
        return self._submit(fn, args, kwargs)

    def _submit(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> "Future[Any]":
        if self._py is not None or _forked:
            return self._py_submit(fn, args, kwargs)
        if _get_ident() == self._owner:
            # Checked before the batch is touched: an owner's submit must not
            # join a batch (C would never see it).
            raise SameThreadError(ESAMETHREAD, _MSG_SAME_THREAD)
        if self._unbatched:
            return self._submit_alone(fn, args, kwargs, None)
        slot = self._slot
        with slot.lock:
            batch = slot.batch
            if batch is not None:
                future: _Future = _Future()
                bw = future._batch_wait = slot.wait
                bw.last = id(future)  # type: ignore[union-attr]
                batch.append((future, fn, args, kwargs))
                return future
        # Batches are created one at a time per executor, so their order in
        # the C queue is their creation order and the open batch is always
        # the newest: joining it never puts an item before an earlier one
        # from the same thread. The owner never takes this lock, so it never
        # waits behind the foreign call below.
        with slot.create_lock:
            with slot.lock:
                batch = slot.batch
                if batch is not None:
                    future = _Future()
                    bw = future._batch_wait = slot.wait
                    bw.last = id(future)  # type: ignore[union-attr]
                    batch.append((future, fn, args, kwargs))
                    return future
            future = _Future()
            batch = [(future, fn, args, kwargs)]
            queued = self._queue_c(batch, None)
            if queued is not None:
                key, bw = queued
                future._batch_wait = bw
                # Others may join only now that C holds the batch (so EQUIT
                # reaches every submitter), and only if the owner has not
                # started it (the trampoline pops the key first).
                with slot.lock:
                    if key in _pending:
                        slot.batch = batch
                        slot.wait = bw
        if queued is None:
            _note_fork()
            return self._py_submit(fn, args, kwargs)
        return future

    def submit_timeout(
        self, timeout: Optional[float], fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> "Future[Any]":
        """:meth:`submit`, waiting at most *timeout* seconds for room in a
        full bounded queue (``max_queued`` with ``when_full="block"``; None
        waits as long as it takes, 0 does not wait). Raises
        :exc:`TimedOutError` (a :exc:`TimeoutError`) if the queue is still
        full then; *fn* never runs. On an unbounded executor it is
        :meth:`submit`."""
        ns = _timeout_ns(timeout)
        if self._shutdown:
            raise RuntimeError(_MSG_SHUTDOWN)
        if not self._max_queued or self._py is not None or _forked:
            return self.submit(fn, *args, **kwargs)
        if _get_ident() == self._owner:
            raise SameThreadError(ESAMETHREAD, _MSG_SAME_THREAD)
        return self._submit_alone(fn, args, kwargs, ns)

    def _submit_alone(
        self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], timeout_ns: Optional[int]
    ) -> "Future[Any]":
        """Submit one item as one C item, never batched (see __init__)."""
        future = _Future()
        queued = self._queue_c([(future, fn, args, kwargs)], timeout_ns)
        if queued is None:
            _note_fork()
            return self._py_submit(fn, args, kwargs)
        future._batch_wait = queued[1]
        return future

    def _queue_c(self, batch: list[_Item], timeout_ns: Optional[int]) -> Optional[tuple[int, _BatchWait]]:
        """Hand a new batch to C (ctexec_submit, or ctexec_submit_timeout with
        *timeout_ns*); its key and C future, or None on CTEXEC_EFORK. Other
        failures raise."""
        key = next(_keys)
        _pending[key] = (batch, self._lineage, self._slot)
        handle = ctypes.c_uint64()
        try:
            # The Python futures carry the outcomes; the batch's C future
            # only tells waiters, in C, that the batch has run.
            if timeout_ns is None:
                _c_submit(self._ptr, _TRAMPOLINE, key, ctypes.byref(handle))
            else:
                _optional("ctexec_submit_timeout")(
                    self._ptr, _TRAMPOLINE, key, ctypes.byref(handle), timeout_ns
                )
        except Error as exc:
            _pending.pop(key, None)
            if exc.status != EFORK:
                raise
            return None
        except BaseException:
            _pending.pop(key, None)
            raise
        return key, _BatchWait(handle.value, id(batch[-1][0]), self._slot)

    # -- statistics --------------------------------------------------------

    def stats(self) -> Stats:
        """This executor's :class:`Stats` (ctexec_stats), from any thread.
        Without ``stats=True`` only ``queued`` is filled. Raises
        :exc:`ForkedError` on the fork fallback, which keeps none."""
        if self._py is not None or _forked or self._ptr is None:
            raise ForkedError(EFORK)
        return _read_stats(self._ptr)

    # -- run_until_future --------------------------------------------------

    def run_until_future(self, future: "Future[Any]") -> None:
        """Run submitted work on this thread until *future* is done.

        When *future* completes the executor quits; the items queued before
        that still run, then this returns. Calling it again afterwards
        returns at once. Ctrl-C (SIGINT) interrupts the wait with
        :exc:`KeyboardInterrupt`; the executor has then not quit, and a later
        call resumes.

        *future* is a :class:`concurrent.futures.Future`, or anything with
        its thread-safe ``add_done_callback``. An :class:`asyncio.Future`
        works when its event loop runs on another thread; one whose loop is
        not running, or runs on this thread (which this call blocks), could
        never report its completion, so it raises :exc:`RuntimeError` at once
        (unless it is already done).

        Raises :exc:`WrongThreadError` (a :exc:`RuntimeError`) when called
        from a thread other than the owner, and :exc:`TypeError` for an
        object that is not a future.
        """
        # Checked here as well as in C so that a wrong call registers nothing
        # on the caller's future; before the future's type, as asgiref does.
        if _get_ident() != self._owner:
            raise WrongThreadError(EWRONGTHREAD, _MSG_WRONG_THREAD)
        if type(future) is not Future and type(future) is not _Future:
            future = _as_future(future)
        if self._py is not None or _forked:
            self._py_run(future)
            return
        if self._quit:
            return
        handle = ctypes.c_uint64()
        try:
            _c_future_new(ctypes.byref(handle))
        except ForkedError:
            _note_fork()
            self._py_run(future)
            return
        promise = handle.value
        try:
            future.add_done_callback(_promise_done_callback(promise, self._slot))
            ptr = self._ptr
            # Bounded slices, so that SIGINT's KeyboardInterrupt is raised
            # between them (a signal cannot interrupt the wait in the core).
            while True:
                status = _c_run(ptr, promise, RUN_SLICE_NS)
                if _interrupts:
                    _raise_interrupt()
                if status != ETIMEDOUT:
                    break
            self._quit = True
        except ForkedError:
            # fork() from inside an item: continue in Python.
            _note_fork()
        finally:
            try:
                _c_future_free(promise)
            except Error:
                pass
        if _forked:
            self._py_run(future)

    # -- shutdown ----------------------------------------------------------

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop accepting work, as :meth:`concurrent.futures.Executor.shutdown`.

        Afterwards :meth:`submit` raises :exc:`RuntimeError`. With
        *cancel_futures*, the futures of the items submitted through this
        executor that have not started are cancelled (their items are
        skipped). With *wait*:

        - on the owner thread, the items still queued run now, on this
          thread, and the executor quits (as if :meth:`run_until_future` had
          been given a finished future), so a ``with`` block never leaves an
          item pending; from inside one of this executor's own items it
          cannot run them and does not wait;
        - on another thread, it returns once every item queued to this
          executor before the call has run: the owner must be serving it
          (in :meth:`run_until_future`, or :meth:`run_ready`). A wait that
          could never finish raises :exc:`DeadlockError`, as a future's does.

        Without *wait* it returns at once, and the items left queued run
        whenever the owner next serves the executor. Calling it again is
        harmless. Submits through a newer executor whose chain reaches this
        one are not affected once that one has quit (asgiref's chain walk
        sees quitting, not shutdown).
        """
        self._shutdown = True
        if cancel_futures:
            self._cancel_queued()
        if not wait or self._quit:
            return
        if _get_ident() == self._owner:
            done: Future[Any] = Future()
            done.set_result(None)
            try:
                self.run_until_future(done)
            except BusyError:
                pass  # inside one of its own items: the run is already on
            return
        try:
            # FIFO: once an item queued now has run, so have all before it.
            marker = self._submit(_noop, (), {})
        except QuitError:
            return  # the whole chain quit, having run everything queued
        marker.result()

    def _cancel_queued(self) -> None:
        slot = self._slot
        futures = [item[0] for entry in list(_pending.values()) if entry[2] is slot for item in entry[0]]
        running = slot.running
        if running is not None:
            futures += [item[0] for item in running]
        eng = self._py
        if eng is not None:
            with eng.cond:
                futures += [item[0] for item in eng.items]
        for future in futures:
            future.cancel()

    # -- embedding in a host event loop ------------------------------------

    def fileno(self) -> int:
        """The executor's descriptor: readable while work is queued for it.

        For host event loops (``selectors``, asyncio's ``loop.add_reader``,
        GLib, libuv): watch it for readability and call :meth:`run_ready` on
        the owner thread when it is. The executor owns the descriptor and
        closes it when it is freed; only ever poll it. See
        :func:`attach_asyncio`.

        Raises :exc:`ForkedError` on the fork fallback, which has none.
        """
        if self._py is not None or _forked or self._ptr is None:
            raise ForkedError(EFORK)
        assert _lib is not None
        fd = ctypes.c_int()
        _lib.ctexec_fd(self._ptr, ctypes.byref(fd))
        return fd.value

    def run_ready(self, max_items: int = 0, max_ns: int = -1) -> bool:
        """Run the work queued now on this (owner) thread, without waiting.

        At most *max_items* items (0: those queued when the call started),
        and no new one once *max_ns* nanoseconds have passed (< 0: no
        limit). Returns True if work remains queued (call again on the next
        turn of the host loop), False if none does. It never quits the
        executor.

        Raises :exc:`WrongThreadError` off the owner thread, and
        :exc:`BusyError` from inside an item this executor is running.
        """
        if self._py is not None or _forked or self._ptr is None:
            raise ForkedError(EFORK)
        assert _lib is not None
        return bool(_lib.ctexec_run_ready(self._ptr, max_items, max_ns, None))

    # -- the fork fallback -------------------------------------------------

    def _engine(self) -> _PyEngine:
        eng = self._py
        if eng is None:
            with _fallback_lock:
                eng = self._py
                if eng is None:
                    # An executor inherited from the parent: its C queue is
                    # gone with the parent's Go runtime.
                    eng = self._py = _PyEngine(broken=self._quit)
        return eng

    def _py_submit(
        self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> "Future[Any]":
        if threading.get_ident() == self._owner:
            raise SameThreadError(ESAMETHREAD, _MSG_SAME_THREAD)
        future: Future[Any] = Future()
        item = (future, fn, args, kwargs)
        ex: Optional[CurrentThreadExecutor] = self
        while ex is not None:
            eng = ex._engine()
            with eng.cond:
                if not eng.broken:
                    eng.items.append(item)
                    eng.cond.notify()
                    return future
            ex = ex._old_executor
        raise QuitError(EQUIT, _MSG_QUIT)

    def _py_run(self, future: "Future[Any]") -> None:
        if threading.get_ident() != self._owner:
            raise WrongThreadError(EWRONGTHREAD, _MSG_WRONG_THREAD)
        eng = self._engine()

        def done(_future: "Future[Any]") -> None:
            with eng.cond:
                eng.broken = True
                eng.cond.notify()

        future.add_done_callback(done)
        while True:
            with eng.cond:
                while not eng.items and not eng.broken:
                    # Bounded, like the C path: a lock wait is interruptible
                    # by signals, but a slice keeps that independent of the
                    # platform.
                    eng.cond.wait(RUN_SLICE_NS / 1e9)
                if not eng.items:
                    break
                item = eng.items.popleft()
            _run_item(item)
            del item
        self._quit = True

    # -- lifetime ----------------------------------------------------------

    def __del__(self) -> None:
        ptr = self._ptr
        if ptr is None or _c_free is None:
            return
        self._ptr = None
        try:
            _c_free(ptr)
            if not self._quit:
                _discard_pending(self._serial)
        except BusyError:
            # The last reference went away inside this executor's own stall
            # callback, where the core refuses to free it.
            if self._stall_fn is not None:
                _free_later(ptr, self._stall_fn, self._serial, self._quit)
        except Exception:
            # EFORK in a forked child (nothing to free there), or interpreter
            # shutdown (module globals already gone); nothing left to do.
            return


def attach_asyncio(
    executor: CurrentThreadExecutor,
    loop: Optional["asyncio.AbstractEventLoop"] = None,
    max_items: int = 1000,
) -> Callable[[], None]:
    """Serve *executor* from an asyncio event loop; return a detach function.

    Call it on the executor's owner thread, which runs *loop* (default: the
    running loop). Items submitted from other threads then run on the
    loop's thread between its other callbacks, at most *max_items* per turn
    of the loop (``loop.add_reader`` on :meth:`CurrentThreadExecutor.fileno`),
    so that a long queue never starves the loop. Call the returned function
    on the same thread to stop, before the executor is freed::

        ex = ctexec.CurrentThreadExecutor()
        detach = ctexec.attach_asyncio(ex)
        ...            # other threads: ex.submit(fn).result()
        detach()
    """
    import asyncio

    if threading.get_ident() != executor._owner:
        raise WrongThreadError(EWRONGTHREAD, _MSG_WRONG_THREAD)
    host = loop if loop is not None else asyncio.get_running_loop()
    fd = executor.fileno()
    host.add_reader(fd, executor.run_ready, max_items)

    def detach() -> None:
        host.remove_reader(fd)

    return detach


def _discard_pending(serial: int) -> None:
    """Cancel the items a freed, never-quit executor discarded.

    ctexec_free drops the items still queued on an executor without running
    them. Every executor chained to this one holds a reference to it, so all
    of them were freed before it; a batch whose lineage includes this
    executor therefore either ran already or was queued here.
    """
    for key, entry in list(_pending.items()):
        if serial in entry[1] and _pending.pop(key, None) is not None:
            _close(entry[2], entry[0])
            for item in entry[0]:
                item[0].cancel()
