"""Status codes, their texts, and the exceptions they raise."""

from __future__ import annotations

from concurrent.futures import CancelledError as _FuturesCancelledError
from concurrent.futures import InvalidStateError
from typing import Any, Callable, Optional

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

# Messages asgiref uses, which code in the wild matches on. The Python
# binding raises its RuntimeErrors with exactly these texts, whatever the C
# library's own texts for the same codes say.
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

#: The codes whose Python text is asgiref's message, not the library's.
_ASGIREF_TEXTS = {
    EWRONGTHREAD: _MSG_WRONG_THREAD,
    ESAMETHREAD: _MSG_SAME_THREAD,
    EQUIT: _MSG_QUIT,
}

# The library's own texts (CTEXEC_STATUS_TEXTS in ctexec.h), for messages
# built before the library is loaded: an exception must never be what starts
# the runtime. Once it is loaded, ctexec_strerror's texts replace these
# (see _use_library_texts), so a library whose texts changed is believed.
_MESSAGES = {
    OK: "success",
    EINVAL: "invalid argument",
    EBADHANDLE: "unknown, freed or forged executor or future",
    EWRONGTHREAD: "not the executor's owner thread (only the thread that created it may run it)",
    ESAMETHREAD: "submit or call from the executor's own owner thread (it would wait on itself)",
    EQUIT: "executor already quit (for a submit: its whole old_executor chain too)",
    EBUSY: "executor is busy (running, or inside one of its own callbacks)",
    ECANCELLED: "cancelled, or discarded when its executor was freed",
    ETIMEDOUT: "timed out",
    ESTATE: "future already completed or started",
    EFORK: "called in a process forked after the library was loaded",
    EPANIC: "internal panic earlier; the library refuses calls",
    ENOMEM: "out of memory",
    EDEADLK: "deadlock: the wait could never finish",
    EAGAIN: "the executor's queue is full",
}

# What strerror answers for the known codes: the library's texts (or the
# copy above), with asgiref's for the codes asgiref defines.
_texts: dict[int, str] = {**_MESSAGES, **_ASGIREF_TEXTS}
# ctexec_strerror, once the library is loaded, for the codes not known here.
_lib_strerror: Optional[Callable[[int], Any]] = None


def _use_library_texts(lib_strerror: Callable[[int], Any]) -> None:
    """Take the loaded library's texts (the loader calls this once)."""
    global _lib_strerror
    texts = {code: str(lib_strerror(code)) for code in _MESSAGES}
    texts.update(_ASGIREF_TEXTS)
    _texts.update(texts)
    _lib_strerror = lib_strerror


def strerror(status: int) -> str:
    """The description of *status*: asgiref's message for the three codes
    asgiref raises (EWRONGTHREAD, ESAMETHREAD, EQUIT), the library's
    ctexec_strerror text for the others.

    Works without loading the library for the codes this module knows, so
    that building an exception never starts the Go runtime.
    """
    text = _texts.get(status)
    if text is not None:
        return text
    if _lib_strerror is not None:
        return str(_lib_strerror(status))
    if status > 0:
        return "host error"
    return "unknown error"
