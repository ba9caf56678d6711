"""Run work on a chosen thread: a ctypes binding of libctexec.

:class:`CurrentThreadExecutor` is a drop-in replacement for
``asgiref.current_thread_executor.CurrentThreadExecutor`` whose queue, wake-ups
and old-executor chain live in libctexec (a Go core with a C ABI)::

    import asgiref.sync, ctexec
    asgiref.sync.CurrentThreadExecutor = ctexec.CurrentThreadExecutor

asgiref is optional: this package does not import it, and the executor
works on its own. To use it under asgiref (Django's ``async_to_sync`` and
``sync_to_async(thread_sensitive=True)``), install asgiref into the same
interpreter's site-packages and run the two lines above once, at start-up
(Django: in ``settings.py`` or an ``AppConfig.ready``), before the first
``async_to_sync`` call; asgiref looks the name up on every call, so the
swap takes effect at once. Undo it by assigning asgiref's class back.

The executor honours :class:`concurrent.futures.Executor`: ``with``,
``shutdown(wait, cancel_futures)``. A thread waiting on a future returns as
soon as that future's own item has run.

The thread that creates an executor owns it. Other threads :meth:`submit`
callables; the owner calls :meth:`run_until_future`, which runs them on the
owner's own thread until a future completes.

Beyond asgiref's API (0.3.0): ``submit_after(delay, fn, ...)`` (a timer on
the owner, cancellable through its future; the owner may schedule its
own), ``dispatch`` (inline on the owner, queued elsewhere), ``post``
(queued, from the owner too), ``submit_urgent`` (the urgent lane),
``is_owner()`` and ``next_deadline()``. ``submit`` keeps asgiref's exact
signature and rules.

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

from ._asyncio import (
    attach_asyncio as attach_asyncio,
)
from ._executor import (
    RUN_SLICE_NS as RUN_SLICE_NS,
    CurrentThreadExecutor as CurrentThreadExecutor,
)
from ._ffi import (
    CTEXEC_DONE_FN as CTEXEC_DONE_FN,
    CTEXEC_FN as CTEXEC_FN,
    CTEXEC_NOTIFY_FN as CTEXEC_NOTIFY_FN,
    CTEXEC_STALL_FN as CTEXEC_STALL_FN,
)
from ._loader import (
    ABI_MAJOR as ABI_MAJOR,
    LiveCounts as LiveCounts,
    Stats as Stats,
    library_path as library_path,
    live_counts as live_counts,
    load as load,
    process_stats as process_stats,
    version as version,
)
from ._postfork import (
    using_fallback as using_fallback,
)
from ._status import (
    EAGAIN as EAGAIN,
    EBADHANDLE as EBADHANDLE,
    EBUSY as EBUSY,
    ECANCELLED as ECANCELLED,
    EDEADLK as EDEADLK,
    EFORK as EFORK,
    EINVAL as EINVAL,
    ENOMEM as ENOMEM,
    EPANIC as EPANIC,
    EQUIT as EQUIT,
    ESAMETHREAD as ESAMETHREAD,
    ESTATE as ESTATE,
    ETIMEDOUT as ETIMEDOUT,
    EWRONGTHREAD as EWRONGTHREAD,
    OK as OK,
    BadHandleError as BadHandleError,
    BusyError as BusyError,
    CancelledError as CancelledError,
    DeadlockError as DeadlockError,
    Error as Error,
    ForkedError as ForkedError,
    InvalidArgumentError as InvalidArgumentError,
    OutOfMemoryError as OutOfMemoryError,
    PanicError as PanicError,
    QueueFullError as QueueFullError,
    QuitError as QuitError,
    SameThreadError as SameThreadError,
    StateError as StateError,
    TimedOutError as TimedOutError,
    WrongThreadError as WrongThreadError,
    strerror as strerror,
)
from ._version import (
    __version__ as __version__,
)

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
