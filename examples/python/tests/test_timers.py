"""Timers, dispatch, post and the urgent lane (ctexec_submit_with, 0.3.0):
submit_after, dispatch, post, submit_urgent, is_owner, next_deadline.

The C-engine tests need a libctexec that exports ctexec_submit_with; the
behaviours that the fork fallback also has run on both engines.
"""

from __future__ import annotations

import concurrent.futures
import gc
import threading
import time
import unittest
from concurrent.futures import Future

import ctexec
from support import WAIT, complete, in_thread, run_until_done, serve


def _has_submit_with() -> bool:
    ctexec.load()
    return getattr(ctexec._loader._lib, "ctexec_submit_with", None) is not None


class OwnerBehaviour:
    """Shared by both engines; mixed into a TestCase below."""

    fallback = False

    def setUp(self) -> None:
        if not _has_submit_with():
            self.skipTest("this libctexec predates 0.3.0")  # type: ignore[attr-defined]
        self._saved_forked = ctexec._postfork.forked
        ctexec._postfork.forked = self.fallback

    def tearDown(self) -> None:
        ctexec._postfork.forked = self._saved_forked

    # -- timers ----------------------------------------------------------------

    def test_timer_runs_on_owner_no_earlier_than_its_delay(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        owner = threading.get_ident()

        def work():
            start = time.monotonic()
            ran = ex.submit_after(0.05, lambda: (threading.get_ident(), time.monotonic())).result(WAIT)
            return start, ran

        start, (thread, at) = serve(ex, work)
        self.assertEqual(thread, owner)
        self.assertGreaterEqual(at - start, 0.05)

    def test_owner_submits_a_timer_to_itself(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        start = time.monotonic()
        f = ex.submit_after(0.03, time.monotonic)
        run_until_done(ex, f)
        self.assertGreaterEqual(f.result(0) - start, 0.03)

    def test_timer_cancelled_before_its_deadline_never_runs(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        ran: list[int] = []
        f = ex.submit_after(0.05, ran.append, 1)
        self.assertTrue(f.cancel())
        self.assertTrue(f.cancelled())
        later = ex.submit_after(0.15, ran.append, 2)
        run_until_done(ex, later)
        self.assertEqual(ran, [2])
        with self.assertRaises(concurrent.futures.CancelledError):
            f.result(0)

    def test_timer_cancelled_after_it_ran_stays_done(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        f = ex.submit_after(0.001, int, "7")
        run_until_done(ex, f)
        self.assertFalse(f.cancel())
        self.assertEqual(f.result(0), 7)

    def test_exception_in_a_timer_reaches_its_future(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        f = ex.submit_after(0.001, int, "x")
        run_until_done(ex, f)
        self.assertIsInstance(f.exception(0), ValueError)

    def test_delay_is_checked(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        for bad in (-1, float("nan"), float("inf")):
            with self.assertRaises(ValueError):
                ex.submit_after(bad, int)
        for bad in ("1", None, True):
            with self.assertRaises(TypeError):
                ex.submit_after(bad, int)  # type: ignore[arg-type]

    def test_submit_after_after_shutdown_raises(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        ex.shutdown()
        for call in (lambda: ex.submit_after(0, int), lambda: ex.dispatch(int), lambda: ex.post(int),
                     lambda: ex.submit_urgent(int)):
            with self.assertRaises(RuntimeError):
                call()

    # -- dispatch and post --------------------------------------------------------

    def test_dispatch_runs_inline_on_the_owner(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        f = ex.dispatch(threading.get_ident)
        self.assertTrue(f.done())  # before the owner ever served the executor
        self.assertEqual(f.result(0), threading.get_ident())

    def test_dispatch_on_the_owner_puts_the_exception_in_the_future(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        f = ex.dispatch(int, "x")
        self.assertTrue(f.done())
        self.assertIsInstance(f.exception(0), ValueError)

    def test_dispatch_inside_an_item_runs_inline(self) -> None:
        ex = ctexec.CurrentThreadExecutor()

        def item():
            inner = ex.dispatch(lambda: "inner")
            return inner.done(), inner.result(0)

        self.assertEqual(serve(ex, lambda: ex.submit(item).result(WAIT)), (True, "inner"))

    def test_dispatch_from_another_thread_is_queued_to_the_owner(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        owner = threading.get_ident()
        self.assertEqual(serve(ex, lambda: ex.dispatch(threading.get_ident).result(WAIT)), owner)

    def test_post_from_the_owner_runs_at_its_next_turn(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        f = ex.post(threading.get_ident)
        self.assertFalse(f.done())
        run_until_done(ex, f)
        self.assertEqual(f.result(0), threading.get_ident())

    def test_post_from_another_thread_runs_on_the_owner(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        owner = threading.get_ident()
        self.assertEqual(serve(ex, lambda: ex.post(threading.get_ident).result(WAIT)), owner)

    # -- the owner's rules are unchanged --------------------------------------------

    def test_plain_submit_from_the_owner_is_still_refused(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        with self.assertRaises(ctexec.SameThreadError):
            ex.submit(int)
        with self.assertRaises(ctexec.SameThreadError):
            ex.submit_urgent(int)

    def test_is_owner(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        self.assertTrue(ex.is_owner())
        self.assertFalse(in_thread(ex.is_owner))
        done: Future = Future()
        done.set_result(None)
        ex.run_until_future(done)
        self.assertTrue(ex.is_owner())  # a quit executor keeps its owner


class CEngineTests(OwnerBehaviour, unittest.TestCase):
    def test_timers_run_in_deadline_order(self) -> None:
        # C engine only: the fork fallback's timers are threading.Timer
        # threads, whose order under load is the scheduler's.
        ex = ctexec.CurrentThreadExecutor()
        order: list[int] = []
        ex.submit_after(0.06, order.append, 3)
        ex.submit_after(0.02, order.append, 1)
        ex.submit_after(0.04, order.append, 2)
        last = ex.submit_after(0.08, order.append, 4)
        run_until_done(ex, last)
        self.assertEqual(order, [1, 2, 3, 4])

    def test_cancelled_timer_leaves_nothing_pending(self) -> None:
        # The cancel reaches the core (ctexec_future_cancel), whose destroy
        # callback drops the item at once rather than at its deadline.
        ex = ctexec.CurrentThreadExecutor()
        before = ctexec._executor._pending_items()
        f = ex.submit_after(60, int)
        self.assertEqual(ctexec._executor._pending_items(), before + 1)
        self.assertEqual(ctexec.live_counts().futures > 0, True)
        f.cancel()
        self.assertEqual(ctexec._executor._pending_items(), before)

    def test_quit_cancels_timers_not_yet_due(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        ran: list[int] = []
        f = ex.submit_after(60, ran.append, 1)
        done: Future = Future()
        done.set_result(None)
        start = time.monotonic()
        ex.run_until_future(done)
        self.assertLess(time.monotonic() - start, 5)  # no wait for the deadline
        self.assertTrue(f.cancelled())
        self.assertEqual(ran, [])

    def test_freed_executor_cancels_its_pending_timer(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        f = ex.submit_after(60, int)
        del ex
        gc.collect()
        self.assertTrue(f.cancelled())

    def test_next_deadline(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        self.assertIsNone(ex.next_deadline())
        f = ex.submit_after(10, int)
        d = ex.next_deadline()
        assert d is not None
        self.assertTrue(0 < d <= 10, d)
        near = ex.submit_after(0.5, int)
        d = ex.next_deadline()
        assert d is not None
        self.assertTrue(0 < d <= 0.5, d)
        near.cancel()
        f.cancel()

    def test_run_ready_runs_due_timers(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        f = ex.submit_after(0.01, threading.get_ident)
        deadline = time.monotonic() + WAIT
        while not f.done() and time.monotonic() < deadline:
            d = ex.next_deadline()
            time.sleep(d if d is not None else 0.001)
            ex.run_ready()
        self.assertEqual(f.result(0), threading.get_ident())

    def test_waiting_on_its_own_timer_on_the_owner_is_a_deadlock(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        f = ex.submit_after(0.01, int)
        with self.assertRaises(ctexec.DeadlockError):
            f.result(WAIT)
        self.assertFalse(f.done())
        run_until_done(ex, f)

    def test_waiting_on_a_post_from_the_owner_is_a_deadlock(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        f = ex.post(int)
        with self.assertRaises(ctexec.DeadlockError):
            f.result(WAIT)
        run_until_done(ex, f)

    def test_urgent_item_runs_before_normal_items_queued_earlier(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        order: list[str] = []

        def queue():
            normal = [ex.submit(order.append, f"n{i}") for i in range(20)]
            urgent = ex.submit_urgent(order.append, "u")
            return normal[-1], urgent

        last, urgent = in_thread(queue)
        run_until_done(ex, last)
        self.assertTrue(urgent.done())
        self.assertEqual(order[0], "u")
        self.assertEqual(order[1:], [f"n{i}" for i in range(20)])

    def test_urgent_items_stay_fifo(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        order: list[int] = []
        last = in_thread(lambda: [ex.submit_urgent(order.append, i) for i in range(10)][-1])
        run_until_done(ex, last)
        self.assertEqual(order, list(range(10)))

    def test_timer_fires_in_an_attached_asyncio_loop(self) -> None:
        # The loop watches only the descriptor: a deadline that passes while
        # the loop sleeps must raise it.
        import asyncio

        async def main():
            ex = ctexec.CurrentThreadExecutor()
            detach = ctexec.attach_asyncio(ex)
            try:
                start = time.monotonic()
                f = ex.submit_after(0.03, lambda: (threading.get_ident(), time.monotonic()))
                thread, at = await asyncio.wait_for(asyncio.wrap_future(f), WAIT)
                return thread, at - start
            finally:
                detach()

        thread, waited = asyncio.run(main())
        self.assertEqual(thread, threading.get_ident())
        self.assertGreaterEqual(waited, 0.03)

    def test_shutdown_cancel_futures_cancels_timers(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        before = ctexec._executor._pending_items()
        f = ex.submit_after(60, int)
        ex.shutdown(wait=False, cancel_futures=True)
        self.assertTrue(f.cancelled())
        self.assertEqual(ctexec._executor._pending_items(), before)


class FallbackEngineTests(OwnerBehaviour, unittest.TestCase):
    fallback = True


if __name__ == "__main__":
    unittest.main()
