"""The concurrent.futures.Executor contract: shutdown, the with block, and
what run_until_future accepts. Each test runs on the C engine and on the
pure-Python engine of a forked child (forced, as in test_core)."""

from __future__ import annotations

import asyncio
import threading
import time
import unittest
from concurrent.futures import CancelledError, Future

import ctexec
from support import WAIT, complete, in_thread, serve

SHUTDOWN_MESSAGE = "cannot schedule new futures after shutdown"


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> int:
        self.n += 1
        return self.n


def set_fallback(on: bool) -> bool:
    """Force the engine (as the at-fork hook does); returns the old flag."""
    saved = ctexec._postfork.forked
    ctexec._postfork.forked = on
    return saved


class ContractBehaviour:
    fallback = False

    def setUp(self) -> None:
        ctexec.load()
        self._saved = set_fallback(self.fallback)

    def tearDown(self) -> None:
        set_fallback(self._saved)

    # -- shutdown ------------------------------------------------------------

    def test_submit_after_shutdown_raises(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        ex.shutdown(wait=False)
        for submit in (lambda: ex.submit(Counter()), lambda: ex.submit_timeout(1.0, Counter())):
            with self.assertRaises(RuntimeError) as cm:
                in_thread(submit)
            self.assertEqual(str(cm.exception), SHUTDOWN_MESSAGE)
        ex.shutdown()  # again: harmless

    def test_cancel_futures_cancels_the_items_not_started(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        work = Counter()
        futures = [in_thread(lambda: ex.submit(work)) for _ in range(3)]
        ex.shutdown(wait=False, cancel_futures=True)
        self.assertTrue(all(f.cancelled() for f in futures))
        done: Future = Future()
        done.set_result(None)
        ex.run_until_future(done)
        self.assertEqual(work.n, 0)

    def test_cancel_futures_from_inside_an_item_cancels_the_rest(self) -> None:
        # The later items may share the running item's batch: they have not
        # started, so they are cancelled too.
        ex = ctexec.CurrentThreadExecutor()
        work = Counter()
        first = in_thread(lambda: ex.submit(ex.shutdown, wait=False, cancel_futures=True))
        rest = [in_thread(lambda: ex.submit(work)) for _ in range(3)]
        done: Future = Future()
        rest[-1].add_done_callback(lambda _f: complete(done))
        ex.run_until_future(done)
        self.assertIsNone(first.result(0))
        self.assertTrue(all(f.cancelled() for f in rest))
        self.assertEqual(work.n, 0)

    def test_with_block_runs_what_is_queued(self) -> None:
        work = Counter()
        with ctexec.CurrentThreadExecutor() as ex:
            futures = [in_thread(lambda: ex.submit(work)) for _ in range(3)]
            self.assertFalse(any(f.done() for f in futures))
        self.assertEqual(sorted(f.result(0) for f in futures), [1, 2, 3])
        with self.assertRaises(RuntimeError):
            in_thread(lambda: ex.submit(work))
        # The executor quit: run_until_future returns at once.
        ex.run_until_future(Future())

    def test_shutdown_wait_from_another_thread_waits_for_queued_items(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        gate = threading.Event()

        def work() -> list:
            futures = [ex.submit(gate.wait, WAIT)] + [ex.submit(time.sleep, 0.01) for _ in range(3)]
            threading.Timer(0.05, gate.set).start()
            ex.shutdown(wait=True)
            return [f.done() for f in futures]

        self.assertEqual(serve(ex, work), [True] * 4)

    def test_shutdown_wait_from_another_thread_after_quit_returns(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        serve(ex, lambda: ex.submit(lambda: 1).result(WAIT))
        in_thread(ex.shutdown)

    def test_cancel_futures_from_another_thread(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        work = Counter()
        futures = [in_thread(lambda: ex.submit(work)) for _ in range(3)]
        in_thread(lambda: ex.shutdown(wait=False, cancel_futures=True))
        for f in futures:
            with self.assertRaises(CancelledError):
                f.result(0)
        done: Future = Future()
        done.set_result(None)
        ex.run_until_future(done)
        self.assertEqual(work.n, 0)

    # -- run_until_future's argument ------------------------------------------

    def test_run_until_future_refuses_a_non_future(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        for bad in (None, 42, object()):
            with self.assertRaises(TypeError):
                ex.run_until_future(bad)  # type: ignore[arg-type]
        # asgiref checks the thread first.
        with self.assertRaises(RuntimeError) as cm:
            in_thread(lambda: ex.run_until_future(None))  # type: ignore[arg-type]
        self.assertIsInstance(cm.exception, ctexec.WrongThreadError)
        # The executor is still usable.
        self.assertEqual(serve(ex, lambda: ex.submit(lambda: 5).result(WAIT)), 5)

    def test_asyncio_future_of_a_loop_not_running_is_refused(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        loop = asyncio.new_event_loop()
        try:
            fut = loop.create_future()
            t0 = time.monotonic()
            with self.assertRaises(RuntimeError) as cm:
                ex.run_until_future(fut)
            self.assertIn("not running", str(cm.exception))
            self.assertLess(time.monotonic() - t0, WAIT / 2)
            fut.set_result(None)  # done: accepted, nothing to wait for
            ex.run_until_future(fut)
        finally:
            loop.close()

    def test_asyncio_future_of_a_loop_on_this_thread_is_refused(self) -> None:
        ex = ctexec.CurrentThreadExecutor()

        async def main() -> str:
            with self.assertRaises(RuntimeError) as cm:
                ex.run_until_future(asyncio.get_running_loop().create_future())
            return str(cm.exception)

        self.assertIn("this thread", asyncio.run(main()))

    def test_asyncio_future_of_a_loop_on_another_thread_works(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        loop = asyncio.new_event_loop()
        t = threading.Thread(target=loop.run_forever, daemon=True)
        t.start()
        try:
            fut: Future = Future()

            def make() -> asyncio.Future:
                box: Future = Future()
                loop.call_soon_threadsafe(lambda: box.set_result(loop.create_future()))
                return box.result(WAIT)

            afut = make()
            results = []

            def work() -> None:
                results.append(ex.submit(lambda: "ran").result(WAIT))
                loop.call_soon_threadsafe(afut.set_result, None)

            threading.Thread(target=work, daemon=True).start()
            timer = threading.Timer(WAIT, loop.call_soon_threadsafe, (afut.cancel,))
            timer.daemon = True
            timer.start()
            ex.run_until_future(afut)
            timer.cancel()
            self.assertEqual(results, ["ran"])
            self.assertFalse(afut.cancelled())
            del fut
        finally:
            loop.call_soon_threadsafe(loop.stop)
            t.join(WAIT)
            loop.close()


class CEngineContract(ContractBehaviour, unittest.TestCase):
    fallback = False


class FallbackEngineContract(ContractBehaviour, unittest.TestCase):
    fallback = True


if __name__ == "__main__":
    unittest.main()
