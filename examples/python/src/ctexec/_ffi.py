"""The foreign-function table: ctypes declarations of include/ctexec.h."""

from __future__ import annotations

import ctypes
from typing import Any, Callable, Optional

from ._status import EBADHANDLE, EFORK, EPANIC, EQUIT, ETIMEDOUT, OK, Error

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

#: ctexec_destroy_fn (\since 0.3.0).
CTEXEC_DESTROY_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p)

# ctexec_submit_opts.flags, as in include/ctexec.h (\since 0.3.0).
_SUBMIT_DISPATCH = 0x1
_SUBMIT_URGENT = 0x2
_SUBMIT_POST = 0x4


class _SubmitOpts(ctypes.Structure):
    """struct ctexec_submit_opts (size-versioned, 24 bytes on 64-bit)."""

    _fields_ = [
        ("size", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("delay_ns", ctypes.c_int64),
        ("destroy", CTEXEC_DESTROY_FN),
    ]


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


def _check_owner(status: int, func: Any, args: tuple[Any, ...]) -> bool:
    """errcheck for is_owner: 1 or 0, or a negative status."""
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
    "ctexec_submit_with": (
        ctypes.c_int,
        [_c_executor_p, _P(_SubmitOpts), CTEXEC_FN, ctypes.c_void_p, _P(_c_future)],
        _check,
    ),
    "ctexec_is_owner": (ctypes.c_int, [_c_executor_p], _check_owner),
    "ctexec_next_deadline": (ctypes.c_int, [_c_executor_p, _P(ctypes.c_int64)], _check),
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
        # 0.3.0: timers, dispatch and post, the urgent lane.
        "ctexec_submit_with",
        "ctexec_is_owner",
        "ctexec_next_deadline",
    }
)

