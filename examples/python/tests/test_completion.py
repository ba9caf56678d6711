"""Per-item completion: a thread waiting on a future returns as soon as that
future's own item has run, whatever is queued behind it.

Consecutive submits may share one core item (a batch); these tests queue
items before the owner serves, so that they do share one, and make a later
item wait for something the earlier item's waiter does only after its
result() returns. asgiref's executor finishes every case here at once; a
waiter held until the whole batch has run would make the later item wait
out its time limit (LATE), and the test fail.
"""

from __future__ import annotations

import threading
import time
import unittest
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FuturesTimeoutError
from typing import Any, Callable

import ctexec
from support import WAIT, complete, in_thread, run_until_done

#: How long a later item waits for the earlier waiter's signal. Far longer
#: than any prompt hand-over, far shorter than WAIT.
LATE = WAIT / 2


def waits_for(event: threading.Event) -> Callable[[], bool]:
    """An item that waits (bounded) for *event*; True if it was set."""
    return lambda: event.wait(LATE)


def serve_until(ex: ctexec.CurrentThreadExecutor, futures: list[Future]) -> None:
    """Serve *ex* on this (owner) thread until every one of *futures* is
    done, or WAIT has passed."""
    every: Future = Future()
    lock = threading.Lock()

    def check(_f: Future) -> None:
        with lock:
            if all(f.done() for f in futures):
                complete(every)

    for f in futures:
        f.add_done_callback(check)
    run_until_done(ex, every)


def waiter(future: Future, then: Callable[[], Any], box: dict, name: str) -> threading.Thread:
    """A thread that waits on *future*, records how long, then calls *then*."""

    def body() -> None:
        t0 = time.monotonic()
        try:
            box[name] = future.result(WAIT)
        except BaseException as exc:  # noqa: BLE001
            box[name] = exc
        box[name + "_s"] = time.monotonic() - t0
        then()

    t = threading.Thread(target=body, daemon=True)
    t.start()
    return t


class PerItemCompletion(unittest.TestCase):
    def test_the_waiter_of_an_item_is_not_held_by_a_later_item(self) -> None:
        # Thread A submits a and waits; thread B then submits b, which waits
        # for an event that A sets once its result() has returned. Two
        # orders: b queued before A starts waiting (b shares a's batch), and
        # after (the wait closed the batch; either way b must not block a).
        for b_first in (True, False):
            with self.subTest(b_first=b_first):
                ex = ctexec.CurrentThreadExecutor()
                event = threading.Event()
                box: dict = {}
                fa = in_thread(lambda: ex.submit(lambda: "a"))
                futures = [fa]
                if b_first:
                    futures.append(in_thread(lambda: ex.submit(waits_for(event))))
                    self.assertIs(fa._batch_wait, futures[1]._batch_wait)  # one batch
                t = waiter(fa, event.set, box, "a")
                if not b_first:
                    time.sleep(0.05)  # A is waiting by now (if not, it is the case above)
                    futures.append(in_thread(lambda: ex.submit(waits_for(event))))
                serve_until(ex, futures)
                t.join(WAIT)
                self.assertEqual(box["a"], "a")
                self.assertTrue(futures[1].result(0), "b waited out its time: A's result() was held by b")
                self.assertLess(box["a_s"], LATE)

    def test_items_in_between_and_several_submitting_threads(self) -> None:
        # Several threads each submit one item and wait on it; behind all of
        # them, in the same batch, an item waits until every one of those
        # waiters has returned. Items nobody waits on sit in between.
        ex = ctexec.CurrentThreadExecutor()
        count = 4
        all_back = threading.Barrier(count + 1)
        futures: list[Future] = []
        for i in range(count):
            futures.append(in_thread(lambda i=i: ex.submit(lambda: i)))
            futures.append(in_thread(lambda i=i: ex.submit(lambda: -i)))  # nobody waits on it

        def last() -> bool:
            try:
                all_back.wait(LATE)
            except threading.BrokenBarrierError:
                return False
            return True

        futures.append(in_thread(lambda: ex.submit(last)))
        self.assertEqual(len({id(f._batch_wait) for f in futures}), 1)  # one batch
        box: dict = {}

        def back() -> None:
            try:
                all_back.wait(LATE)
            except threading.BrokenBarrierError:
                pass

        threads = [waiter(futures[2 * i], back, box, str(i)) for i in range(count)]
        time.sleep(0.05)  # the waiters are waiting (a late one only makes this easier)
        serve_until(ex, futures)
        for t in threads:
            t.join(WAIT)
        self.assertTrue(futures[-1].result(0), "the last item timed out: a waiter was held by it")
        self.assertEqual([box[str(i)] for i in range(count)], list(range(count)))
        self.assertEqual([f.result(0) for f in futures[1:-1:2]], [-i for i in range(count)])

    def test_cancel_wakes_a_waiter_of_an_item_with_items_behind_it(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        fa = in_thread(lambda: ex.submit(lambda: "a"))
        fb = in_thread(lambda: ex.submit(lambda: "b"))
        box: dict = {}
        t = waiter(fa, lambda: None, box, "a")
        time.sleep(0.05)
        self.assertTrue(fa.cancel())
        t.join(WAIT)
        self.assertIsInstance(box["a"], CancelledError)
        self.assertLess(box["a_s"], LATE)
        serve_until(ex, [fb])
        self.assertEqual(fb.result(0), "b")

    def test_waiting_on_an_item_with_items_behind_it_still_detects_deadlock(self) -> None:
        # The owner waits on an item of its own executor that is not the last
        # of its batch: the core still refuses the wait.
        ex = ctexec.CurrentThreadExecutor()
        fa = in_thread(lambda: ex.submit(lambda: "a"))
        fb = in_thread(lambda: ex.submit(lambda: "b"))
        self.assertIs(fa._batch_wait, fb._batch_wait)
        t0 = time.monotonic()
        with self.assertRaises(ctexec.DeadlockError):
            fa.result(WAIT)
        self.assertLess(time.monotonic() - t0, LATE)
        self.assertFalse(fa.done())
        serve_until(ex, [fa, fb])
        self.assertEqual([fa.result(0), fb.result(0)], ["a", "b"])

    def test_a_timed_wait_on_an_item_with_items_behind_it_times_out(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        fa = in_thread(lambda: ex.submit(lambda: "a"))
        fb = in_thread(lambda: ex.submit(lambda: "b"))

        def wait_briefly() -> float:
            t0 = time.monotonic()
            with self.assertRaises(FuturesTimeoutError):  # not the builtin before 3.11
                fa.result(0.05)
            return time.monotonic() - t0

        self.assertLess(in_thread(wait_briefly), LATE)
        self.assertIsNone(fa._promises or None)  # the waiter's promise is gone
        serve_until(ex, [fa, fb])
        self.assertEqual([fa.result(0), fb.result(0)], ["a", "b"])


if __name__ == "__main__":
    unittest.main()
