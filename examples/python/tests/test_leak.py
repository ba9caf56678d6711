"""No leak across 100k submits: C handles, queued items, the binding's
pending-item table and gc-tracked Python objects all return to where they
started."""

from __future__ import annotations

import gc
import sys
import threading
import unittest
from concurrent.futures import Future

import ctexec
from support import WAIT, complete

SUBMITS = 100_000
SUBMITTERS = 2


def boom() -> None:
    raise ValueError("boom")


class LeakTest(unittest.TestCase):
    def round(self, n_per_thread: int) -> int:
        """One owner run with SUBMITTERS threads submitting n_per_thread items
        each: plain results, exceptions, cancelled items, and waits."""
        ex = ctexec.CurrentThreadExecutor()
        done: Future = Future()
        remaining = [SUBMITTERS]
        lock = threading.Lock()
        ran = [0]
        errors: list[BaseException] = []

        def item(i: int) -> int:
            ran[0] += 1
            return i

        def submitter() -> None:
            try:
                last = None
                for i in range(n_per_thread):
                    if i % 100 == 0:
                        f = ex.submit(boom)
                    else:
                        f = ex.submit(item, i)
                    if i % 250 == 1:
                        f.cancel()
                    if i % 500 == 2:
                        f.result(WAIT)  # a synchronous round trip now and then
                    last = f
                assert last is not None
                last.exception(WAIT)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                with lock:
                    remaining[0] -= 1
                    if remaining[0] == 0:
                        complete(done)

        watchdog = threading.Timer(60, complete, (done, TimeoutError("leak round timed out")))
        watchdog.daemon = True
        watchdog.start()
        threads = [threading.Thread(target=submitter) for _ in range(SUBMITTERS)]
        for t in threads:
            t.start()
        ex.run_until_future(done)
        watchdog.cancel()
        watchdog.join(WAIT)  # a live Timer thread holds objects of its own
        for t in threads:
            t.join(WAIT)
        self.assertFalse(errors, errors)
        done.result(0)
        return ran[0]

    def snapshot(self) -> tuple:
        gc.collect()
        gc.collect()
        return ctexec.live_counts(), ctexec._executor._pending_items() + len(ctexec._executor._pending), len(gc.get_objects())

    def test_no_leak_across_100k_submits(self) -> None:
        ctexec.load()
        self.round(1000)  # warm up: caches, thread-local state, lazy imports
        counts0, pending0, objects0 = self.snapshot()
        ran = self.round(SUBMITS // SUBMITTERS)
        self.assertGreater(ran, SUBMITS * 0.9)
        counts1, pending1, objects1 = self.snapshot()
        print(f"\nleak check: C {counts0} -> {counts1}, pending {pending0} -> {pending1}, "
              f"gc objects {objects0} -> {objects1}", file=sys.stderr)
        self.assertEqual(counts1, counts0, "live C executors, futures and queued items")
        self.assertEqual(pending1, pending0, "the binding's pending-item table")
        self.assertEqual(pending1, 0)
        # A few objects may come and go for reasons of their own (the
        # interpreter's internal caches); a leak here would be ~100k.
        self.assertLessEqual(objects1 - objects0, 10, "gc-tracked objects")


if __name__ == "__main__":
    unittest.main()
