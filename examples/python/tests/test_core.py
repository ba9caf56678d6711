"""CurrentThreadExecutor's behaviour, on the C engine and on the fork fallback.

Every test in ExecutorBehaviour runs twice: once on libctexec, once on the
pure-Python engine that a forked child uses (forced here by setting the
module's fork flag, which is what the at-fork hook does in a real child).
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import gc
import os
import signal
import threading
import time
import traceback
import unittest
from concurrent.futures import Future

import ctexec
from support import WAIT, complete, in_thread, serve

ASGIREF_MESSAGES = {
    "run": "You cannot run CurrentThreadExecutor from a different thread",
    "submit": "You cannot submit onto CurrentThreadExecutor from its own thread",
    "quit": "CurrentThreadExecutor already quit or is broken",
}


def fail_with(exc: BaseException):
    def fn():
        raise exc

    return fn


class ExecutorBehaviour:
    """Tests shared by both engines; mixed into a TestCase below."""

    fallback = False

    def setUp(self) -> None:
        ctexec.load()
        self._saved_forked = ctexec._postfork.forked
        ctexec._postfork.forked = self.fallback

    def tearDown(self) -> None:
        ctexec._postfork.forked = self._saved_forked

    # -- submit and run ------------------------------------------------------

    def test_submitted_item_runs_on_owner_thread(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        owner = threading.get_ident()
        got = serve(ex, lambda: ex.submit(threading.get_ident).result(WAIT))
        self.assertEqual(got, owner)

    def test_submit_passes_args_and_kwargs(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        got = serve(ex, lambda: ex.submit(lambda a, b, *, c: (a, b, c), 1, 2, c=3).result(WAIT))
        self.assertEqual(got, (1, 2, 3))

    def test_submit_returns_a_concurrent_future(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        f = serve(ex, lambda: ex.submit(int))
        self.assertIsInstance(f, concurrent.futures.Future)
        self.assertEqual(f.result(WAIT), 0)

    def test_items_run_in_fifo_order(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        seen: list[int] = []

        def work():
            fs = [ex.submit(seen.append, i) for i in range(200)]
            for f in fs:
                f.result(WAIT)

        serve(ex, work)
        self.assertEqual(seen, list(range(200)))

    def test_many_submitter_threads(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        owner = threading.get_ident()
        seen: dict[int, list[int]] = {}

        def submitter(n: int) -> None:
            fs = [ex.submit(lambda i=i: (seen.setdefault(n, []).append(i), threading.get_ident())[1]) for i in range(300)]
            for f in fs:
                assert f.result(WAIT) == owner

        def work():
            threads = [threading.Thread(target=submitter, args=(n,)) for n in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(WAIT)

        serve(ex, work)
        self.assertEqual(sorted(seen), [0, 1, 2, 3])
        for n in range(4):
            self.assertEqual(seen[n], list(range(300)), "per-thread FIFO order")

    def test_executor_map_works_from_another_thread(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        got = serve(ex, lambda: list(ex.map(lambda x: x * x, range(10), timeout=WAIT)))
        self.assertEqual(got, [x * x for x in range(10)])

    def test_result_timeout_is_honoured(self) -> None:
        ex = ctexec.CurrentThreadExecutor()

        def work():
            f = ex.submit(int)  # the owner is not running yet
            start = time.monotonic()
            with self.assertRaises(concurrent.futures.TimeoutError):
                f.result(timeout=0.05)
            with self.assertRaises(concurrent.futures.TimeoutError):
                f.exception(timeout=0.05)
            return time.monotonic() - start

        done = Future()
        took = in_thread(work)
        self.assertLess(took, 2.0)
        complete(done)
        ex.run_until_future(done)

    # -- errors --------------------------------------------------------------

    def test_submit_from_owner_thread_raises_runtime_error(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        with self.assertRaises(RuntimeError) as cm:
            ex.submit(int)
        self.assertEqual(str(cm.exception), ASGIREF_MESSAGES["submit"])
        self.assertIsInstance(cm.exception, ctexec.SameThreadError)
        self.assertEqual(cm.exception.status, ctexec.ESAMETHREAD)

    def test_run_from_other_thread_raises_runtime_error(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        done = Future()
        with self.assertRaises(RuntimeError) as cm:
            in_thread(lambda: ex.run_until_future(done))
        self.assertEqual(str(cm.exception), ASGIREF_MESSAGES["run"])
        self.assertIsInstance(cm.exception, ctexec.WrongThreadError)
        self.assertEqual(cm.exception.status, ctexec.EWRONGTHREAD)
        # Nothing was registered on the caller's future, and the executor
        # still works for its owner.
        got = serve(ex, lambda: ex.submit(lambda: 7).result(WAIT))
        self.assertEqual(got, 7)

    def test_exception_reaches_future_with_traceback(self) -> None:
        ex = ctexec.CurrentThreadExecutor()

        def deep_failure():
            raise ValueError("boom")

        f = serve(ex, lambda: (lambda f: (f.exception(WAIT), f)[1])(ex.submit(deep_failure)))
        exc = f.exception(0)
        self.assertIsInstance(exc, ValueError)
        self.assertEqual(str(exc), "boom")
        frames = [fs.name for fs in traceback.extract_tb(exc.__traceback__)]
        self.assertIn("deep_failure", frames)
        try:
            f.result(0)
        except ValueError as raised:
            self.assertIs(raised, exc)
            frames = [fs.name for fs in traceback.extract_tb(raised.__traceback__)]
            self.assertIn("deep_failure", frames)
        else:
            self.fail("result() did not raise")

    def test_base_exceptions_reach_the_future(self) -> None:
        # As in asgiref's _WorkItem: BaseException too, so an item that calls
        # sys.exit() does not tear down the owner's loop.
        ex = ctexec.CurrentThreadExecutor()

        def work():
            a = ex.submit(fail_with(SystemExit(3)))
            b = ex.submit(fail_with(KeyboardInterrupt()))
            c = ex.submit(lambda: "after")
            return a.exception(WAIT), b.exception(WAIT), c.result(WAIT)

        a, b, c = serve(ex, work)
        self.assertIsInstance(a, SystemExit)
        self.assertIsInstance(b, KeyboardInterrupt)
        self.assertEqual(c, "after")

    def test_cancelled_future_is_skipped(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        ran: list[str] = []
        futures = in_thread(lambda: [ex.submit(ran.append, name) for name in "abc"])
        self.assertTrue(futures[1].cancel())
        done = Future()
        futures[2].add_done_callback(lambda _f: complete(done))
        ex.run_until_future(done)
        self.assertEqual(ran, ["a", "c"])
        self.assertTrue(futures[1].cancelled())
        self.assertTrue(futures[0].done() and futures[2].done())

    # -- quitting and chains ----------------------------------------------

    def test_items_queued_before_completion_still_run(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        ran: list[int] = []
        futures = in_thread(lambda: [ex.submit(ran.append, i) for i in range(5)])
        done = Future()
        done.set_result(None)  # already done: quit at once, then drain
        ex.run_until_future(done)
        self.assertEqual(ran, list(range(5)))
        self.assertTrue(all(f.done() for f in futures))

    def test_second_run_returns_at_once(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        done = Future()
        done.set_result(None)
        ex.run_until_future(done)
        start = time.monotonic()
        ex.run_until_future(Future())  # never completes; must not wait
        self.assertLess(time.monotonic() - start, 1.0)

    def test_submit_after_quit_without_old_executor_raises(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        done = Future()
        done.set_result(None)
        ex.run_until_future(done)
        with self.assertRaises(RuntimeError) as cm:
            in_thread(lambda: ex.submit(int))
        self.assertEqual(str(cm.exception), ASGIREF_MESSAGES["quit"])
        self.assertIsInstance(cm.exception, ctexec.QuitError)

    def test_submit_after_quit_goes_to_old_executor(self) -> None:
        outer = ctexec.CurrentThreadExecutor()
        inner = ctexec.CurrentThreadExecutor(outer)
        done = Future()
        done.set_result(None)
        inner.run_until_future(done)
        # inner has quit: its submits go down the chain to outer.
        got = serve(outer, lambda: inner.submit(lambda: "via outer").result(WAIT))
        self.assertEqual(got, "via outer")
        # The whole chain has quit now.
        with self.assertRaises(RuntimeError) as cm:
            in_thread(lambda: inner.submit(int))
        self.assertEqual(str(cm.exception), ASGIREF_MESSAGES["quit"])

    def test_submit_after_quit_does_not_join_a_batch_still_queued(self) -> None:
        outer = ctexec.CurrentThreadExecutor()
        inner = ctexec.CurrentThreadExecutor(outer)
        current = ["none"]
        ran_in: dict[str, str] = {}
        release = threading.Event()
        inner_done = Future()

        def record(name: str) -> None:
            ran_in[name] = current[0]

        def work():
            inner.submit(int).result(WAIT)  # the owner is inside the run now
            blocker = inner.submit(release.wait, WAIT)  # keeps the owner busy
            queued = [inner.submit(record, f"queued{i}") for i in range(3)]
            complete(inner_done)  # inner quits now, with items still queued
            late = inner.submit(record, "late")  # must go down the chain
            release.set()
            return blocker, queued, late

        box = {}
        t = threading.Thread(target=lambda: box.setdefault("r", work()))
        t.start()
        current[0] = "inner"
        inner.run_until_future(inner_done)
        t.join(WAIT)
        current[0] = "outer"
        blocker, queued, late = box["r"]
        run = Future()
        late.add_done_callback(lambda _f: complete(run))
        outer.run_until_future(run)
        self.assertEqual(ran_in, {"queued0": "inner", "queued1": "inner", "queued2": "inner", "late": "outer"})

    def test_chain_skips_every_quit_executor(self) -> None:
        a = ctexec.CurrentThreadExecutor()
        b = ctexec.CurrentThreadExecutor(a)
        c = ctexec.CurrentThreadExecutor(b)
        for ex in (c, b):
            done = Future()
            done.set_result(None)
            ex.run_until_future(done)
        got = serve(a, lambda: c.submit(lambda: "reached a").result(WAIT))
        self.assertEqual(got, "reached a")

    def test_nested_executors_on_one_thread(self) -> None:
        outer = ctexec.CurrentThreadExecutor()
        owner = threading.get_ident()
        log: list[str] = []

        def nested_loop() -> str:
            # Runs on the owner, inside outer's loop: start an inner loop.
            inner = ctexec.CurrentThreadExecutor(outer)

            def inner_work():
                log.append("inner item on owner: %s" % (inner.submit(threading.get_ident).result(WAIT) == owner))
                return inner

            result = serve(inner, inner_work)
            return result

        def work():
            inner = outer.submit(nested_loop).result(WAIT)
            # inner has quit; this goes to outer, which is running again.
            log.append("forwarded on owner: %s" % (inner.submit(threading.get_ident).result(WAIT) == owner))

        serve(outer, work)
        self.assertEqual(log, ["inner item on owner: True", "forwarded on owner: True"])

    def test_old_executor_must_be_a_ctexec_executor(self) -> None:
        with self.assertRaises(TypeError):
            ctexec.CurrentThreadExecutor(concurrent.futures.ThreadPoolExecutor(1))

    def test_shutdown_is_available(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        self.assertIsNone(ex.shutdown())
        with ex:  # Executor's context manager calls shutdown()
            pass

    # -- Ctrl-C ------------------------------------------------------------

    @unittest.skipUnless(threading.current_thread() is threading.main_thread(), "needs the main thread")
    def test_ctrl_c_interrupts_run_until_future(self) -> None:
        # Python's own handler, even if this process started with SIGINT
        # ignored (as background jobs of a non-interactive shell do).
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        self.addCleanup(signal.signal, signal.SIGINT, previous)
        ex = ctexec.CurrentThreadExecutor()
        before = self.live()
        timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        never = Future()
        start = time.monotonic()
        try:
            with self.assertRaises(KeyboardInterrupt):
                ex.run_until_future(never)
        finally:
            timer.cancel()
        self.assertLess(time.monotonic() - start, 3.0)
        self.assertEqual(self.live(), before, "the run's promise was freed")
        # The executor did not quit: a later run resumes and serves items.
        self.assertEqual(serve(ex, lambda: ex.submit(lambda: "resumed").result(WAIT)), "resumed")

    def live(self):
        return None if self.fallback else ctexec.live_counts()


class CEngineTests(ExecutorBehaviour, unittest.TestCase):
    fallback = False

    def test_gil_is_released_while_the_owner_waits(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        ticks = [0]

        def spin():
            end = time.monotonic() + 0.3
            while time.monotonic() < end:
                ticks[0] += 1

        t = threading.Thread(target=spin)
        t.start()
        done = Future()
        threading.Timer(0.3, complete, (done,)).start()
        ex.run_until_future(done)
        t.join(WAIT)
        self.assertGreater(ticks[0], 1000)

    def test_run_reentered_on_same_executor_is_busy(self) -> None:
        ex = ctexec.CurrentThreadExecutor()

        def reenter():
            inner_done = Future()
            inner_done.set_result(None)
            ex.run_until_future(inner_done)

        f = serve(ex, lambda: (lambda f: (f.exception(WAIT), f)[1])(ex.submit(reenter)))
        self.assertIsInstance(f.exception(0), ctexec.BusyError)
        self.assertIsInstance(f.exception(0), RuntimeError)

    def test_exception_between_items_is_raised_after_the_batch(self) -> None:
        # A KeyboardInterrupt that lands between items (outside any item's
        # try) cannot cross the C frames: the rest of the batch still runs
        # and run_until_future raises it once the core returns.
        ex = ctexec.CurrentThreadExecutor()
        original = ctexec._executor._run_item
        fired = []

        def flaky_run_item(item):
            if not fired and item[1] is marker:
                fired.append(True)
                original(item)
                raise KeyboardInterrupt
            original(item)

        def marker():
            return "marker"

        futures = in_thread(lambda: [ex.submit(marker)] + [ex.submit(lambda i=i: i) for i in range(3)])
        done = Future()
        futures[-1].add_done_callback(lambda _f: complete(done))
        ctexec._executor._run_item = flaky_run_item
        try:
            with self.assertRaises(KeyboardInterrupt):
                ex.run_until_future(done)
        finally:
            ctexec._executor._run_item = original
        self.assertEqual([f.result(0) for f in futures], ["marker", 0, 1, 2])
        self.assertEqual(ctexec._executor._interrupts, [])

    def test_freed_executor_cancels_its_queued_items(self) -> None:
        gc.collect()
        before = ctexec.live_counts()
        ex = ctexec.CurrentThreadExecutor()
        pending = ctexec._executor._pending_items()
        futures = in_thread(lambda: [ex.submit(int) for _ in range(10)])
        self.assertEqual(ctexec._executor._pending_items(), pending + 10)
        del ex
        self.assertTrue(all(f.cancelled() for f in futures))
        self.assertEqual(ctexec._executor._pending_items(), pending)
        del futures
        gc.collect()
        after = ctexec.live_counts()
        self.assertEqual(after, before)

    def test_forwarded_items_survive_freeing_the_quit_executor(self) -> None:
        outer = ctexec.CurrentThreadExecutor()
        inner = ctexec.CurrentThreadExecutor(outer)
        done = Future()
        done.set_result(None)
        inner.run_until_future(done)
        futures = in_thread(lambda: [inner.submit(lambda i=i: i) for i in range(3)])
        del inner  # quit, so nothing of outer's queue is discarded
        self.assertFalse(any(f.cancelled() for f in futures))
        run = Future()
        futures[-1].add_done_callback(lambda _f: complete(run))
        outer.run_until_future(run)
        self.assertEqual([f.result(0) for f in futures], [0, 1, 2])


class FallbackEngineTests(ExecutorBehaviour, unittest.TestCase):
    fallback = True

    def test_fallback_never_enters_the_library(self) -> None:
        before = ctexec.live_counts()  # safe: the flag only steers executors
        ex = ctexec.CurrentThreadExecutor()
        serve(ex, lambda: ex.submit(int).result(WAIT))
        self.assertIsNone(ex._ptr)
        ctexec._postfork.forked = False
        self.assertEqual(ctexec.live_counts(), before)


class ErrorTests(unittest.TestCase):
    def test_status_maps_to_subclass(self) -> None:
        cases = {
            ctexec.EINVAL: (ctexec.InvalidArgumentError, ValueError),
            ctexec.EBADHANDLE: (ctexec.BadHandleError, ValueError),
            ctexec.EWRONGTHREAD: (ctexec.WrongThreadError, RuntimeError),
            ctexec.ESAMETHREAD: (ctexec.SameThreadError, RuntimeError),
            ctexec.EQUIT: (ctexec.QuitError, RuntimeError),
            ctexec.EBUSY: (ctexec.BusyError, RuntimeError),
            ctexec.ECANCELLED: (ctexec.CancelledError, concurrent.futures.CancelledError),
            ctexec.ETIMEDOUT: (ctexec.TimedOutError, TimeoutError),
            ctexec.ESTATE: (ctexec.StateError, concurrent.futures.InvalidStateError),
            ctexec.EFORK: (ctexec.ForkedError, RuntimeError),
            ctexec.EPANIC: (ctexec.PanicError, RuntimeError),
            ctexec.ENOMEM: (ctexec.OutOfMemoryError, ctexec.Error),
            ctexec.EDEADLK: (ctexec.DeadlockError, RuntimeError),
            ctexec.EAGAIN: (ctexec.QueueFullError, RuntimeError),
        }
        for status, (cls, base) in cases.items():
            err = ctexec.Error(status)
            self.assertIs(type(err), cls)
            self.assertIsInstance(err, base)
            self.assertIsInstance(err, ctexec.Error)
            self.assertEqual(err.status, status)
            self.assertEqual(str(err), ctexec.strerror(status))
        self.assertIs(type(ctexec.Error(42)), ctexec.Error)
        self.assertEqual(ctexec.Error(42).status, 42)

    def test_messages_match_the_library(self) -> None:
        ctexec.load()
        # The copy used before load is the library's own table; strerror
        # then answers asgiref's texts for the three codes asgiref defines.
        for status in ctexec._status._MESSAGES:
            self.assertEqual(ctexec._status._MESSAGES[status], ctexec._loader._lib.ctexec_strerror(status))
        self.assertEqual(ctexec.strerror(ctexec.EQUIT), ASGIREF_MESSAGES["quit"])

    def test_errors_pickle_with_status(self) -> None:
        import pickle

        err = pickle.loads(pickle.dumps(ctexec.Error(ctexec.EQUIT)))
        self.assertIs(type(err), ctexec.QuitError)
        self.assertEqual(err.status, ctexec.EQUIT)
        self.assertEqual(str(err), ASGIREF_MESSAGES["quit"])

    def test_raw_errors_raise_from_the_table(self) -> None:
        ctexec.load()
        lib = ctexec._loader._lib
        with self.assertRaises(ctexec.BadHandleError):
            lib.ctexec_future_free(12345)
        with self.assertRaises(ctexec.InvalidArgumentError):
            lib.ctexec_new(None, None)
        h = ctypes.c_uint64()
        lib.ctexec_future_new(ctypes.byref(h))
        try:
            self.assertFalse(lib.ctexec_future_done(h.value))
            self.assertEqual(lib.ctexec_future_wait(h.value, 0, None), ctexec.ETIMEDOUT)
            lib.ctexec_future_set_result(h.value, None)
            with self.assertRaises(ctexec.StateError):
                lib.ctexec_future_cancel(h.value)
            self.assertTrue(lib.ctexec_future_done(h.value))
        finally:
            lib.ctexec_future_free(h.value)


class PackageTests(unittest.TestCase):
    def test_version_is_a_release_of_the_library_major_it_speaks(self) -> None:
        parts = ctexec.__version__.split(".")
        self.assertEqual(len(parts), 3, ctexec.__version__)
        self.assertEqual(int(parts[0]), ctexec.ABI_MAJOR)
        self.assertEqual(ctexec.version() // 10000, ctexec.ABI_MAJOR)

    def test_help_says_asgiref_is_optional_and_how_to_swap_it_in(self) -> None:
        doc = ctexec.__doc__ or ""
        self.assertIn("asgiref is optional", doc)
        self.assertIn("asgiref.sync.CurrentThreadExecutor = ctexec.CurrentThreadExecutor", doc)

    def test_public_names_are_re_exported_for_type_checkers(self) -> None:
        # Every name in __all__ is the package's, and the submodules are
        # private.
        for name in ctexec.__all__:
            self.assertTrue(hasattr(ctexec, name), name)
        self.assertTrue(all(not n.startswith("_") for n in ctexec.__all__))


class FunctionTableTests(unittest.TestCase):
    def test_every_function_is_declared_with_types_and_errcheck(self) -> None:
        ctexec.load()
        for name, (restype, argtypes, errcheck) in ctexec._ffi._FUNCTIONS.items():
            fn = getattr(ctexec._loader._lib, name, None)
            if fn is None and name in ctexec._ffi._OPTIONAL:
                continue
            self.assertIs(fn.restype, restype, name)
            self.assertEqual(tuple(fn.argtypes), tuple(argtypes), name)
            self.assertIs(fn.errcheck, errcheck, name)
            self.assertIsNotNone(errcheck, name)

    def test_table_covers_the_header(self) -> None:
        header = os.path.join(os.path.dirname(__file__), "..", "..", "..", "include", "ctexec.h")
        if not os.path.exists(header):
            self.skipTest("header not found")
        import re

        with open(header) as f:
            declared = set(re.findall(r"CTEXEC_API\s+[^;(]*?\b(ctexec_\w+)\s*\(", f.read()))
        self.assertEqual(declared, set(ctexec._ffi._FUNCTIONS))

    def test_library_is_a_cdll_that_releases_the_gil(self) -> None:
        ctexec.load()
        self.assertIs(type(ctexec._loader._lib), ctypes.CDLL)
        self.assertFalse(ctexec._loader._lib._func_flags_ & ctypes._FUNCFLAG_PYTHONAPI)

    def test_version_matches_the_module(self) -> None:
        self.assertEqual(ctexec.version() // 10000, ctexec.ABI_MAJOR)


if __name__ == "__main__":
    unittest.main()
