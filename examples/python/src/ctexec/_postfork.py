"""The post-fork engine: what executors run on in a child forked after the
library was loaded, where the Go runtime is gone and every call into the
library fails with CTEXEC_EFORK.

Each executor then gets asgiref's own state (a Condition and a deque);
:mod:`ctexec._executor` switches to it when :data:`forked` is set. Work
items, and how one runs, are shared by both engines and defined here.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from concurrent.futures import Future
from typing import Any, Callable

from . import _loader

#: Set in a child forked after the library was loaded: everything runs on
#: the pure-Python engine there.
forked = False

#: Called (without arguments) when this process switches to the Python
#: engine, to drop state that referred to the parent's C queues.
on_fork: list[Callable[[], None]] = []

#: A work item: (future, fn, args, kwargs).
_Item = tuple["Future[Any]", Callable[..., Any], tuple[Any, ...], dict[str, Any]]


def _run_item(item: _Item) -> None:
    """Run one item into its future, on either engine: skipped if the future
    was cancelled; any BaseException goes to the future."""
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


class _PyEngine:
    """asgiref-style state for one executor: a Condition and a deque."""

    __slots__ = ("cond", "items", "broken")

    def __init__(self, broken: bool) -> None:
        self.cond = threading.Condition()
        self.items: deque[_Item] = deque()
        self.broken = broken


#: Guards the lazy creation of an executor's engine.
_fallback_lock = threading.Lock()


def _after_fork_child() -> None:
    global _fallback_lock
    # Locks another thread held at fork() stay locked forever in the child.
    _fallback_lock = threading.Lock()
    _loader._load_lock = threading.Lock()
    if _loader._lib is not None:
        _note_fork()


def _note_fork() -> None:
    """Switch this process to the Python engine: called by the at-fork hook,
    and on CTEXEC_EFORK from a fork the hook did not see (one made by C)."""
    global forked
    forked = True
    for hook in on_fork:
        hook()


def using_fallback() -> bool:
    """True in a child forked after the library was loaded, where executors
    run on the pure-Python engine."""
    return forked


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_child)
