"""The executor: CurrentThreadExecutor on libctexec, its batches, futures
and the trampoline the owner thread runs them through."""

from __future__ import annotations

import ctypes
import itertools
import logging
import math
import threading
import weakref
from concurrent.futures import Executor, Future
from time import monotonic as _monotonic
from typing import Any, Callable, Optional

from . import _loader, _postfork
from ._asyncio import _as_future
from ._ffi import (
    _FULL_MODES,
    _OPT_STATS,
    _SUBMIT_DISPATCH,
    _SUBMIT_POST,
    _SUBMIT_URGENT,
    CTEXEC_DESTROY_FN,
    CTEXEC_FN,
    CTEXEC_STALL_FN,
    _Options,
    _SubmitOpts,
)
from ._loader import Stats
from ._postfork import _Item, _PyEngine, _run_item
from ._status import (
    _MSG_QUIT,
    _MSG_SAME_THREAD,
    _MSG_SHUTDOWN,
    _MSG_WRONG_THREAD,
    EDEADLK,
    EFORK,
    OK,
    EQUIT,
    ESAMETHREAD,
    ETIMEDOUT,
    EWRONGTHREAD,
    BusyError,
    DeadlockError,
    Error,
    ForkedError,
    QuitError,
    SameThreadError,
    WrongThreadError,
)

#: How long run_until_future stays inside one foreign call. The owner thread
#: must come back to Python now and then so that a pending SIGINT can raise
#: KeyboardInterrupt; a slice costs one cheap re-entry, so 50 ms keeps Ctrl-C
#: prompt at no measurable cost.
RUN_SLICE_NS = 50_000_000

_get_ident = threading.get_ident

# concurrent.futures.Future's states (its _state strings, the same in every
# supported Python), read by _Future's fast paths.
_FINISHED = "FINISHED"
_DONE_STATES = frozenset(("CANCELLED", "CANCELLED_AND_NOTIFIED", _FINISHED))

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
        status = _loader._r_wait(self.handle, timeout_ns, None)
        # EFORK and the like return too: the Python future's own wait follows.
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
        if handle and _loader._r_future_free is not None:
            try:
                _loader._r_future_free(handle)  # EFORK in a forked child: nothing to free
            except Exception:
                pass  # interpreter shutdown


def _wake(promises: list[int]) -> None:
    """Complete the promises of the threads waiting on one item (see
    :meth:`_Future._wait_in_core`). A waiter that gave up has freed its
    promise already: the core then answers EBADHANDLE, which is harmless
    (handles are generation-tagged, so a freed one never names another)."""
    for handle in tuple(promises):
        try:
            _loader._c_set_result(handle, None)
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
        # _state read without the Condition (done() takes it): a stale
        # "pending" only costs the wait below, which checks again.
        if bw is None or self._state in _DONE_STATES:  # type: ignore[attr-defined]
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
            _loader._c_future_new(ctypes.byref(handle))
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
                _loader._c_wait(promise, ns, None)
        finally:
            promises.remove(promise)
            try:
                _loader._c_future_free(promise)
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
        timeout = self._wait_in_core(timeout)
        if self._state == _FINISHED and self._exception is None:  # type: ignore[attr-defined]
            # Finished with a result: what Future.result returns, without
            # taking the Condition (set_result wrote _result before _state).
            return self._result  # type: ignore[attr-defined]
        return super().result(timeout)

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


def _destroy(key: Optional[int]) -> None:
    # ctexec_submit_opts.destroy of a timer: the core is done with the item
    # (it ran, or was cancelled, discarded by ctexec_free, cancelled when
    # its executor quit, or refused). If it did not run, its batch is still
    # in _pending: drop it and cancel its future, so that nothing waits for
    # an item that will never run. Runs on the thread that decided the
    # outcome; an exception must not cross into C.
    try:
        entry = _pending.pop(key or 0, None)
        if entry is not None:
            _close(entry[2], entry[0])
            for item in entry[0]:
                future = item[0]
                # destroy must not call into the executor: the core has
                # settled the item, so the cancel stays in Python.
                future._settled = True  # type: ignore[attr-defined]
                future.cancel()
    except BaseException:  # noqa: BLE001 - nothing above this frame can take it
        _log.exception("ctexec: discarding a timer's item failed")


# Like _TRAMPOLINE, never released.
_DESTROY = CTEXEC_DESTROY_FN(_destroy)


class _TimerFuture(_Future):
    """The future of :meth:`CurrentThreadExecutor.submit_after`: cancelling
    it before its deadline also cancels the timer in the core
    (ctexec_future_cancel), so a cancelled timer holds nothing until its
    deadline."""

    _timer: Any = None  # threading.Timer on the fork fallback
    _settled = False  # the core is done with the item (set by _destroy)

    def cancel(self) -> bool:
        if not super().cancel():
            return False
        timer = self._timer
        if timer is not None:
            timer.cancel()
        bw = self._batch_wait
        if bw is not None and bw.handle and not self._settled and not _postfork.forked:
            try:
                _loader._c_cancel(bw.handle)
            except Error:
                pass  # already fired, or freed with its executor
        return True


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
            _loader._c_set_result(handle, None)
        except Error:
            pass

    return done


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
                _loader._c_free(ptr)
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


def _delay_ns(delay: float) -> int:
    """submit_after's delay in seconds as ctexec_submit_opts.delay_ns: at
    least 1 ns, so that even a zero delay makes a timer (which the owner may
    submit to itself)."""
    if not _is_number(delay):
        raise TypeError(f"delay must be a number of seconds, not {type(delay).__name__}")
    if not 0 <= delay < _INT64_MAX / 1e9:  # also NaN and infinity
        raise ValueError(f"delay must be a finite number of seconds >= 0, not {delay!r}")
    return max(1, math.ceil(delay * 1e9))


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
        if _postfork.forked:
            self._py = _PyEngine(broken=False)
            return
        _loader._ensure_loaded()
        out = ctypes.c_void_p()
        try:
            if opts is None:
                _loader._c_new(self._nearest_live_c(old_executor), ctypes.byref(out))
            else:
                _loader._optional("ctexec_new_with")(
                    self._nearest_live_c(old_executor), ctypes.byref(opts), ctypes.byref(out)
                )
        except ForkedError:
            _postfork._note_fork()
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
        if self._py is not None or _postfork.forked:
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
            _postfork._note_fork()
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
        if not self._max_queued or self._py is not None or _postfork.forked:
            return self.submit(fn, *args, **kwargs)
        if _get_ident() == self._owner:
            raise SameThreadError(ESAMETHREAD, _MSG_SAME_THREAD)
        return self._submit_alone(fn, args, kwargs, ns)

    # -- timers, dispatch, post, the urgent lane (ctexec_submit_with) -------

    def is_owner(self) -> bool:
        """Whether the calling thread is this executor's owner (the thread
        that created it), the one that runs its items. Stays true after the
        executor quit (ctexec_is_owner). A method, like
        :meth:`threading.Thread.is_alive`, because the answer depends on the
        calling thread."""
        return _get_ident() == self._owner

    def submit_after(
        self, delay: float, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> "Future[Any]":
        """Schedule ``fn(*args, **kwargs)`` to run on the owner thread no
        earlier than *delay* seconds from now (monotonic clock): a timer.

        The owner may schedule timers to itself (a plain :meth:`submit`
        from the owner stays refused). Returns a
        :class:`concurrent.futures.Future`; cancelling it before the
        deadline cancels the timer. Timers run in deadline order, then join
        the back of the queue as if submitted then; they run while the
        owner serves the executor (:meth:`run_until_future`, or
        :meth:`run_ready` from a host loop, which :meth:`next_deadline`
        tells when to call). When the executor quits, timers not yet due are
        cancelled (their futures raise
        :exc:`concurrent.futures.CancelledError`); they are not moved down
        the *old_executor* chain. *delay* is a finite number of seconds
        ``>= 0`` (:exc:`TypeError`, :exc:`ValueError` otherwise).

        Named after :meth:`submit` rather than asyncio's ``call_later``,
        because it returns a :class:`concurrent.futures.Future` carrying
        the result, as :meth:`submit` does, where ``call_later`` returns a
        handle without one.

        Raises :exc:`QuitError` when this executor and its whole chain have
        quit, :exc:`RuntimeError` after :meth:`shutdown`, and
        :exc:`OSError` with a library older than 0.3.0.
        """
        delay_ns = _delay_ns(delay)
        if self._shutdown:
            raise RuntimeError(_MSG_SHUTDOWN)
        future = _TimerFuture()
        item: _Item = (future, fn, args, kwargs)
        if self._py is None and not _postfork.forked:
            queued = self._queue_with([item], 0, delay_ns)
            if queued is not None:
                future._batch_wait = queued[1]
                return future
        self._py_timer(future, item, delay_ns / 1e9)
        return future

    def dispatch(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> "Future[Any]":
        """Run ``fn(*args, **kwargs)`` now, on this thread, if it is the
        owner; from any other thread, queue it as :meth:`submit` does.

        On the owner the returned future is done when this returns (it
        carries fn's result or exception; fn's exception is not raised
        here), whether or not the owner is inside :meth:`run_until_future`
        (GLib's ``g_main_context_invoke``, Asio's ``dispatch``). For code
        reached both from the owner and from other threads, where
        :meth:`submit` would raise :exc:`SameThreadError` on the owner. If
        the executor has quit, the item goes down the *old_executor* chain,
        and runs inline only if this thread owns the executor that takes
        it.
        """
        if self._shutdown:
            raise RuntimeError(_MSG_SHUTDOWN)
        if _get_ident() != self._owner:
            return self._submit(fn, args, kwargs)
        future = _Future()
        item: _Item = (future, fn, args, kwargs)
        if self._py is None and not _postfork.forked:
            queued = self._queue_with([item], _SUBMIT_DISPATCH, 0)
            if _interrupts:
                _raise_interrupt()  # KeyboardInterrupt while the item ran
            if queued is not None:
                future._batch_wait = queued[1]
                return future
        _run_item(item)
        return future

    def post(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> "Future[Any]":
        """Queue ``fn(*args, **kwargs)`` to run on the owner thread, from any
        thread, the owner included: the owner runs it at its next turn
        (Asio's ``post``, GLib's idle sources). From another thread it is
        :meth:`submit`. On the owner, waiting on the future raises
        :exc:`DeadlockError` unless the owner serves the executor meanwhile
        (it cannot run the item while it waits on it); a bounded executor
        then raises :exc:`QueueFullError` when full instead of waiting.
        """
        if self._shutdown:
            raise RuntimeError(_MSG_SHUTDOWN)
        if _get_ident() != self._owner:
            return self._submit(fn, args, kwargs)
        future = _Future()
        item: _Item = (future, fn, args, kwargs)
        if self._py is None and not _postfork.forked:
            queued = self._queue_with([item], _SUBMIT_POST, 0)
            if queued is not None:
                future._batch_wait = queued[1]
                return future
        self._py_enqueue(item)
        return future

    def submit_urgent(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> "Future[Any]":
        """:meth:`submit` in the urgent lane: the item runs before the normal
        items queued earlier (each lane stays FIFO), waiting at most for the
        item running when it was submitted. Normal items do not starve: the
        owner runs at least one normal item between two looks at the urgent
        lane. For input or paint work that must not wait behind a backlog.

        A method of its own, not a keyword of :meth:`submit`, whose
        signature stays asgiref's: a keyword there would be taken from
        *fn*'s own keyword arguments. Raises as :meth:`submit` does. On the
        fork fallback (a forked child) there is no urgent lane: it is
        :meth:`submit`.
        """
        if self._shutdown:
            raise RuntimeError(_MSG_SHUTDOWN)
        if self._py is not None or _postfork.forked:
            return self._py_submit(fn, args, kwargs)
        if _get_ident() == self._owner:
            raise SameThreadError(ESAMETHREAD, _MSG_SAME_THREAD)
        future = _Future()
        queued = self._queue_with([(future, fn, args, kwargs)], _SUBMIT_URGENT, 0)
        if queued is None:
            _postfork._note_fork()
            return self._py_submit(fn, args, kwargs)
        future._batch_wait = queued[1]
        return future

    def next_deadline(self) -> Optional[float]:
        """Seconds until this executor's earliest timer is due (0.0 if one
        is due now: call :meth:`run_ready`), or None without timers: a host
        loop's poll timeout (ctexec_next_deadline). Any thread. Raises
        :exc:`ForkedError` on the fork fallback."""
        if self._py is not None or _postfork.forked or self._ptr is None:
            raise ForkedError(EFORK)
        ns = ctypes.c_int64()
        _loader._optional("ctexec_next_deadline")(self._ptr, ctypes.byref(ns))
        return None if ns.value < 0 else ns.value / 1e9

    def _queue_with(self, batch: list[_Item], flags: int, delay_ns: int) -> Optional[tuple[int, _BatchWait]]:
        """:meth:`_queue_c` through ctexec_submit_with. A timer's batch is
        taken out of _pending by its destroy callback if it never runs."""
        submit_with = _loader._optional("ctexec_submit_with")
        key = next(_keys)
        _pending[key] = (batch, self._lineage, self._slot)
        opts = _SubmitOpts()
        opts.size = ctypes.sizeof(_SubmitOpts)
        opts.flags = flags
        opts.delay_ns = delay_ns
        if delay_ns:
            opts.destroy = _DESTROY
        handle = ctypes.c_uint64()
        try:
            submit_with(self._ptr, ctypes.byref(opts), _TRAMPOLINE, key, ctypes.byref(handle))
        except Error as exc:
            _pending.pop(key, None)
            if exc.status != EFORK:
                raise
            _postfork._note_fork()
            return None
        except BaseException:
            _pending.pop(key, None)
            raise
        return key, _BatchWait(handle.value, id(batch[-1][0]), self._slot)

    def _submit_alone(
        self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], timeout_ns: Optional[int]
    ) -> "Future[Any]":
        """Submit one item as one C item, never batched (see __init__)."""
        future = _Future()
        queued = self._queue_c([(future, fn, args, kwargs)], timeout_ns)
        if queued is None:
            _postfork._note_fork()
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
                status = _loader._r_submit(self._ptr, _TRAMPOLINE, key, ctypes.byref(handle))
                if status != OK:
                    raise Error(status)
            else:
                _loader._optional("ctexec_submit_timeout")(
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
        if self._py is not None or _postfork.forked or self._ptr is None:
            raise ForkedError(EFORK)
        return _loader._read_stats(self._ptr)

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
        if self._py is not None or _postfork.forked:
            self._py_run(future)
            return
        if self._quit:
            return
        handle = ctypes.c_uint64()
        try:
            _loader._c_future_new(ctypes.byref(handle))
        except ForkedError:
            _postfork._note_fork()
            self._py_run(future)
            return
        promise = handle.value
        try:
            future.add_done_callback(_promise_done_callback(promise, self._slot))
            ptr = self._ptr
            # Bounded slices, so that SIGINT's KeyboardInterrupt is raised
            # between them (a signal cannot interrupt the wait in the core).
            while True:
                status = _loader._c_run(ptr, promise, RUN_SLICE_NS)
                if _interrupts:
                    _raise_interrupt()
                if status != ETIMEDOUT:
                    break
            self._quit = True
        except ForkedError:
            # fork() from inside an item: continue in Python.
            _postfork._note_fork()
        finally:
            try:
                _loader._c_future_free(promise)
            except Error:
                pass
        if _postfork.forked:
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
        if self._py is not None or _postfork.forked or self._ptr is None:
            raise ForkedError(EFORK)
        assert _loader._lib is not None
        fd = ctypes.c_int()
        _loader._lib.ctexec_fd(self._ptr, ctypes.byref(fd))
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
        if self._py is not None or _postfork.forked or self._ptr is None:
            raise ForkedError(EFORK)
        assert _loader._lib is not None
        return bool(_loader._lib.ctexec_run_ready(self._ptr, max_items, max_ns, None))

    # -- the fork fallback -------------------------------------------------

    def _engine(self) -> _PyEngine:
        eng = self._py
        if eng is None:
            with _postfork._fallback_lock:
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

    def _py_enqueue(self, item: _Item) -> None:
        """Queue *item* on the Python engine from any thread, the owner
        included (post, and a timer at its deadline)."""
        eng = self._engine()
        with eng.cond:
            if eng.broken:
                item[0].cancel()
                return
            eng.items.append(item)
            eng.cond.notify()

    def _py_timer(self, future: _TimerFuture, item: _Item, delay: float) -> None:
        """A timer on the Python engine: a threading.Timer queues the item at
        its deadline; an executor that has quit by then cancels it."""
        timer = threading.Timer(delay, self._py_enqueue, (item,))
        timer.daemon = True
        future._timer = timer
        timer.start()

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
        if ptr is None or _loader._c_free is None:
            return
        self._ptr = None
        try:
            _loader._c_free(ptr)
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


# A forked child's batches sat in the parent's C queues, which do not exist
# there.
_postfork.on_fork.append(_pending.clear)
