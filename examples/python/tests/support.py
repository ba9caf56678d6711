"""Helpers shared by the tests: bounded waits, so that no test can hang."""

from __future__ import annotations

import faulthandler
import os
import threading
from concurrent.futures import Future, InvalidStateError
from typing import Any, Callable

import ctexec

#: Upper bound for any single wait in the tests.
WAIT = 10.0

# A hung test prints every thread's stack and exits instead of blocking CTest
# until its own timeout. The clock runs for the whole process, which also
# builds wheels with Go (test_build), so it sits just under CTest's 180 s
# rather than near a quiet machine's run time: on a loaded machine a whole
# healthy run took more than 100 s.
faulthandler.dump_traceback_later(float(os.environ.get("CTEXEC_TEST_WATCHDOG", "170")), exit=True)


def complete(future: Future, exc: BaseException | None = None) -> None:
    """Complete *future* unless something else already did."""
    try:
        if exc is None:
            future.set_result(None)
        else:
            future.set_exception(exc)
    except InvalidStateError:
        pass


def serve(ex: ctexec.CurrentThreadExecutor, work: Callable[[], Any], timeout: float = WAIT) -> Any:
    """Run *work* on a new thread while this (owner) thread serves *ex*.

    Returns what *work* returned, or raises what it raised. A watchdog
    completes the run future after *timeout*, so the owner never waits
    forever.
    """
    done: Future = Future()
    box: dict = {}

    def body() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the owner
            box["error"] = exc
        finally:
            complete(done)

    watchdog = threading.Timer(timeout, complete, (done, TimeoutError("serve: work timed out")))
    watchdog.daemon = True
    watchdog.start()
    worker = threading.Thread(target=body, daemon=True)
    worker.start()
    try:
        ex.run_until_future(done)
    finally:
        watchdog.cancel()
        watchdog.join(timeout)
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError("serve: worker thread did not finish")
    if done.exception() is not None:
        raise done.exception()
    if "error" in box:
        raise box["error"]
    return box.get("result")


def in_thread(fn: Callable[[], Any], timeout: float = WAIT) -> Any:
    """Call *fn* on a new thread and return its result (bounded)."""
    box: dict = {}

    def body() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001
            box["error"] = exc

    t = threading.Thread(target=body, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise TimeoutError("in_thread: timed out")
    if "error" in box:
        raise box["error"]
    return box.get("result")


def run_until_done(ex: ctexec.CurrentThreadExecutor, future: Future) -> None:
    """Serve *ex* on this (owner) thread until *future* is done (bounded)."""
    done: Future = Future()
    future.add_done_callback(lambda _f: complete(done))
    timer = threading.Timer(WAIT, complete, (done, TimeoutError("run_until_done timed out")))
    timer.daemon = True
    timer.start()
    try:
        ex.run_until_future(done)
    finally:
        timer.cancel()
    if done.exception() is not None:
        raise done.exception()
