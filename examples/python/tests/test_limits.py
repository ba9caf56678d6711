"""Safety and diagnostics in the binding: the constructor's options (bounded queues,
statistics, the stall watchdog), submit_timeout, stats(), QueueFullError
and DeadlockError."""

from __future__ import annotations

import concurrent.futures
import threading
import time
import unittest
from concurrent.futures import Future

import ctexec
from support import WAIT, complete, in_thread, run_until_done, serve


class OptionTests(unittest.TestCase):
    def test_bad_options_raise(self) -> None:
        cte = ctexec.CurrentThreadExecutor
        bad = [
            (TypeError, {"max_queued": "4"}),
            (TypeError, {"max_queued": 4.0}),
            (TypeError, {"max_queued": True}),
            (ValueError, {"max_queued": -1}),
            (ValueError, {"max_queued": 2**64}),
            (TypeError, {"when_full": 1}),
            (ValueError, {"when_full": "drop"}),
            (TypeError, {"on_stall": 5, "stall_seconds": 0.1}),
            (TypeError, {"on_stall": print, "stall_seconds": "0.1"}),
            (ValueError, {"on_stall": print, "stall_seconds": 0}),
            (ValueError, {"on_stall": print, "stall_seconds": -1}),
            (ValueError, {"on_stall": print, "stall_seconds": float("nan")}),
            (ValueError, {"on_stall": print, "stall_seconds": float("inf")}),
            (ValueError, {"on_stall": print}),
            (ValueError, {"stall_seconds": 0.1}),
            (TypeError, {"stats": 1}),
            (TypeError, {"bogus": 1}),
        ]
        for exc, kwargs in bad:
            with self.subTest(kwargs=kwargs), self.assertRaises(exc):
                cte(**kwargs)

    def test_old_executor_stays_the_first_positional_argument(self) -> None:
        old = ctexec.CurrentThreadExecutor()
        ex = ctexec.CurrentThreadExecutor(old, max_queued=4, stats=True)
        self.assertIs(ex._old_executor, old)
        with self.assertRaises(TypeError):
            ctexec.CurrentThreadExecutor(old, 4)  # the options are keyword-only

    def test_submit_timeout_checks_its_timeout(self) -> None:
        ex = ctexec.CurrentThreadExecutor(max_queued=1)
        for exc, timeout in [(TypeError, "1"), (TypeError, True), (ValueError, -1), (ValueError, float("nan"))]:
            with self.subTest(timeout=timeout), self.assertRaises(exc):
                in_thread(lambda: ex.submit_timeout(timeout, print))
        self.assertEqual(ex.stats().queued, 0)


class StatsTests(unittest.TestCase):
    def test_counts_are_exact_for_a_small_run(self) -> None:
        ex = ctexec.CurrentThreadExecutor(stats=True)
        # Three items queued before the owner serves: the queue reaches 3.
        futures = in_thread(lambda: [ex.submit(time.sleep, 0.01) for _ in range(3)])
        before = ex.stats()
        self.assertEqual(before.flags, 1)
        self.assertEqual((before.queued, before.high_water, before.submitted, before.run), (3, 3, 3, 0))

        def work() -> None:
            for f in futures:
                f.result(WAIT)
            ex.submit(lambda: None).result(WAIT)

        serve(ex, work)
        st = ex.stats()
        self.assertEqual(
            (st.queued, st.high_water, st.submitted, st.run, st.cancelled, st.rejected),
            (0, 3, 4, 4, 0, 0),
        )
        self.assertGreaterEqual(st.wait_samples, 1)
        self.assertGreaterEqual(st.wait_max_ns, st.wait_p99_ns)
        self.assertGreaterEqual(st.wait_p99_ns, st.wait_p50_ns)
        self.assertGreaterEqual(st.busy_ns, 30_000_000)  # three 10 ms sleeps

    def test_without_stats_only_queued_is_filled(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        f = in_thread(lambda: ex.submit(lambda: None))
        st = ex.stats()
        self.assertEqual(st.queued, 1)
        self.assertEqual(st._replace(queued=0), ctexec.Stats(*[0] * len(ctexec.Stats._fields)))
        run_until_done(ex, f)

    def test_process_totals_count_discarded_items(self) -> None:
        before = ctexec.process_stats()
        ex = ctexec.CurrentThreadExecutor(stats=True)
        futures = in_thread(lambda: [ex.submit(lambda: None) for _ in range(2)])
        self.assertEqual(ctexec.process_stats().queued - before.queued, 2)
        del ex  # frees it: both items are discarded
        for f in futures:
            self.assertTrue(f.cancelled())
        after = ctexec.process_stats()
        self.assertEqual(
            (after.submitted - before.submitted, after.discarded - before.discarded, after.queued),
            (2, 2, before.queued),
        )

    def test_fields_mirror_the_c_struct(self) -> None:
        c_fields = [name for name, _type in ctexec._ffi._CStats._fields_]
        self.assertEqual(c_fields, ["size"] + list(ctexec.Stats._fields))


class BoundTests(unittest.TestCase):
    def blocked_submit(self, ex: ctexec.CurrentThreadExecutor) -> tuple[threading.Thread, dict]:
        """Start a thread that submits an item returning "second" to the
        full *ex*, and check that it waits; box["future"] is set once the
        submit returns."""
        box: dict = {}
        entered = threading.Event()

        def blocked() -> None:
            entered.set()
            box["future"] = ex.submit(lambda: "second")

        t = threading.Thread(target=blocked, daemon=True)
        t.start()
        entered.wait(WAIT)
        time.sleep(0.2)
        self.assertTrue(t.is_alive(), "the submit to a full queue did not wait")
        return t, box

    def test_fail_mode_raises_queue_full(self) -> None:
        ex = ctexec.CurrentThreadExecutor(max_queued=2, when_full="fail", stats=True)
        accepted = in_thread(lambda: [ex.submit(lambda i=i: i) for i in range(2)])
        with self.assertRaises(ctexec.QueueFullError) as cm:
            in_thread(lambda: ex.submit(lambda: "refused"))
        self.assertIsInstance(cm.exception, RuntimeError)
        self.assertEqual(cm.exception.status, ctexec.EAGAIN)
        self.assertEqual(ex.stats().rejected, 1)
        self.assertEqual(serve(ex, lambda: [f.result(WAIT) for f in accepted]), [0, 1])
        st = ex.stats()
        self.assertEqual((st.submitted, st.run, st.rejected), (2, 2, 1))

    def test_block_mode_waits_for_room_and_is_released(self) -> None:
        ex = ctexec.CurrentThreadExecutor(max_queued=1)
        first = in_thread(lambda: ex.submit(lambda: "first"))
        # Full: a bounded wait for room gives up.
        t0 = time.monotonic()
        with self.assertRaises(ctexec.TimedOutError):
            in_thread(lambda: ex.submit_timeout(0.05, lambda: "refused"))
        self.assertGreaterEqual(time.monotonic() - t0, 0.05)
        # An unbounded one waits until the owner makes room.
        t, box = self.blocked_submit(ex)
        self.assertNotIn("future", box)

        def work() -> list:
            t.join(WAIT)
            return [first.result(WAIT), box["future"].result(WAIT)]

        self.assertEqual(serve(ex, work), ["first", "second"])
        self.assertEqual(ex.stats().queued, 0)

    def test_a_waiting_submitter_is_released_by_quit(self) -> None:
        # Its item then goes down the old-executor chain, as any submit to a
        # quit executor does.
        old = ctexec.CurrentThreadExecutor()
        ex = ctexec.CurrentThreadExecutor(old, max_queued=1)
        first = in_thread(lambda: ex.submit(lambda: "first"))
        t, box = self.blocked_submit(ex)
        done: Future = Future()
        done.set_result(None)
        ex.run_until_future(done)  # quits at once, then runs what was queued
        self.assertEqual(first.result(0), "first")
        t.join(WAIT)
        self.assertFalse(t.is_alive())
        self.assertFalse(box["future"].done())  # not run by ex: it went to old
        self.assertEqual(serve(old, lambda: box["future"].result(WAIT)), "second")
        self.assertEqual(ex.stats().submitted, 0)  # no statistics kept


class StallTests(unittest.TestCase):
    @staticmethod
    def stall_once(ex: ctexec.CurrentThreadExecutor) -> str:
        """Serve *ex* while another thread queues an item that sleeps 300 ms
        and a second item behind it (a new core item: the first has started)."""

        def work() -> str:
            started = threading.Event()
            first = ex.submit(lambda: (started.set(), time.sleep(0.3)))
            started.wait(WAIT)
            second = ex.submit(lambda: "second")
            first.result(WAIT)
            return second.result(WAIT)

        return serve(ex, work)

    def test_on_stall_is_called_once_for_a_stalled_item(self) -> None:
        calls: list = []

        def on_stall(executor: ctexec.CurrentThreadExecutor, age: float) -> None:
            calls.append((executor, age, threading.get_ident()))

        ex = ctexec.CurrentThreadExecutor(on_stall=on_stall, stall_seconds=0.1)
        self.assertEqual(self.stall_once(ex), "second")
        time.sleep(0.1)  # room for a wrong second call
        self.assertEqual(len(calls), 1, calls)
        executor, age, thread = calls[0]
        self.assertIs(executor, ex)
        self.assertGreaterEqual(age, 0.1)
        self.assertLess(age, 5.0)  # seconds, not nanoseconds
        self.assertNotEqual(thread, threading.get_ident())

    def test_an_exception_in_on_stall_is_logged(self) -> None:
        def on_stall(executor: ctexec.CurrentThreadExecutor, age: float) -> None:
            raise ValueError("boom")

        ex = ctexec.CurrentThreadExecutor(on_stall=on_stall, stall_seconds=0.1)
        with self.assertLogs("ctexec", "ERROR") as logs:
            self.assertEqual(self.stall_once(ex), "second")
            time.sleep(0.1)
        self.assertEqual(len(logs.records), 1)
        self.assertIsInstance(logs.records[0].exc_info[1], ValueError)

    def test_last_reference_dropped_inside_on_stall(self) -> None:
        # The core refuses to free an executor from inside its own stall
        # callback; the binding frees it from another thread afterwards.
        base = ctexec.live_counts().executors
        inside, go = threading.Event(), threading.Event()

        def on_stall(executor: ctexec.CurrentThreadExecutor, age: float) -> None:
            inside.set()
            go.wait(WAIT)

        ex = ctexec.CurrentThreadExecutor(on_stall=on_stall, stall_seconds=0.05)
        f = in_thread(lambda: ex.submit(lambda: None))  # never served: it stalls
        self.assertTrue(inside.wait(WAIT))
        del ex  # the callback now holds the last reference
        go.set()
        with self.assertRaises(concurrent.futures.CancelledError):
            in_thread(lambda: f.result(WAIT))  # discarded by the free
        deadline = time.monotonic() + WAIT
        while ctexec.live_counts().executors != base and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(ctexec.live_counts().executors, base)


class DeadlockTests(unittest.TestCase):
    def test_owner_waiting_on_an_item_of_its_own_executor(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        f = in_thread(lambda: ex.submit(lambda: 42))
        for timeout in (WAIT, None):
            t0 = time.monotonic()
            with self.assertRaises(ctexec.DeadlockError) as cm:
                f.result(timeout)
            self.assertLess(time.monotonic() - t0, WAIT / 2)
            self.assertIsInstance(cm.exception, RuntimeError)
            self.assertEqual(cm.exception.status, ctexec.EDEADLK)
            self.assertFalse(f.done())
        run_until_done(ex, f)  # still pending: the owner can serve it
        self.assertEqual(f.result(0), 42)

    def test_item_waiting_on_a_later_item_of_its_own_executor(self) -> None:
        # Two cases: the later item shares the waiting item's batch (the
        # core sees a wait on the item it is running), or is a core item of
        # its own, queued behind.
        for same_batch in (True, False):
            with self.subTest(same_batch=same_batch):
                ex = ctexec.CurrentThreadExecutor(stats=not same_batch)
                box: dict = {}

                def first() -> str:
                    try:
                        box["later"].result(WAIT)
                    except ctexec.DeadlockError:
                        return "deadlock"
                    return "waited"

                def submit_both() -> Future:
                    f = ex.submit(first)
                    box["later"] = ex.submit(lambda: "later")
                    return f

                f = in_thread(submit_both)  # both queued before the owner serves
                self.assertEqual(f._batch_wait is box["later"]._batch_wait, same_batch)
                self.assertEqual(serve(ex, lambda: [f.result(WAIT), box["later"].result(WAIT)]), ["deadlock", "later"])

    def test_cycle_of_two_owners(self) -> None:
        # Each thread owns an executor and waits on an item queued to the
        # other's: at least one wait is refused; once the threads serve
        # their executors, both items run.
        executors: dict = {}
        futures: dict = {}
        outcome: dict = {}
        ready = threading.Barrier(2, timeout=WAIT)
        all_done: Future = Future()
        lock = threading.Lock()

        def one_done(_f: Future) -> None:
            with lock:
                if len(futures) == 2 and all(f.done() for f in futures.values()):
                    complete(all_done)

        def owner(me: str, other: str) -> None:
            executors[me] = ctexec.CurrentThreadExecutor()
            ready.wait()
            f = executors[other].submit(lambda: me)
            with lock:
                futures[me] = f
            ready.wait()  # both items queued before either waits
            try:
                # Without a time limit: a timed waiter is no link of another's
                # cycle (it may give up). A missed cycle hangs here until the
                # support module's watchdog ends the run.
                outcome[me] = f.result()
            except ctexec.DeadlockError:
                outcome[me] = "deadlock"
            f.add_done_callback(one_done)
            executors[me].run_until_future(all_done)

        threads = [threading.Thread(target=owner, args=p, daemon=True) for p in (("a", "b"), ("b", "a"))]
        timer = threading.Timer(WAIT, complete, (all_done, TimeoutError("cycle test timed out")))
        timer.daemon = True
        timer.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(2 * WAIT)
        timer.cancel()
        self.assertIsNone(all_done.exception())
        self.assertIn("deadlock", outcome.values())
        self.assertTrue(set(outcome.values()) <= {"deadlock", "a", "b"}, outcome)
        self.assertEqual({k: f.result(0) for k, f in futures.items()}, {"a": "a", "b": "b"})

    def test_another_thread_waits_without_error(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        self.assertEqual(serve(ex, lambda: ex.submit(lambda: 7).result(WAIT)), 7)


if __name__ == "__main__":
    unittest.main()
