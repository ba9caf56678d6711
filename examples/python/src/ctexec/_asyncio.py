"""asyncio helpers: serving an executor from an event loop, and waiting on
an asyncio.Future in run_until_future."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable, Optional

from ._status import _MSG_WRONG_THREAD, EWRONGTHREAD, WrongThreadError

if TYPE_CHECKING:
    import asyncio

    from ._executor import CurrentThreadExecutor


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



def attach_asyncio(
    executor: "CurrentThreadExecutor",
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

