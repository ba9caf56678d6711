"""asgiref with ctexec.CurrentThreadExecutor swapped in.

The swap is the README's two lines. asgiref.sync looks CurrentThreadExecutor
up as a module global each time AsyncToSync runs (asgiref 3.6 and later), so
assigning the name in asgiref.sync is what takes effect.

These skip where asgiref is not installed, unless CTEXEC_REQUIRE_ASGIREF=1
(set by CTest for /usr/bin/python3, which has Debian's python3-asgiref), in
which case a missing asgiref is a failure.
"""

from __future__ import annotations

import asyncio
import os
import threading
import traceback
import unittest

import ctexec
import support  # noqa: F401  (watchdog)

try:
    import asgiref
    import asgiref.sync
    from asgiref.sync import async_to_sync, sync_to_async
except ImportError:  # pragma: no cover - depends on the machine
    asgiref = None

REQUIRED = os.environ.get("CTEXEC_REQUIRE_ASGIREF") == "1"


class SpyExecutor(ctexec.CurrentThreadExecutor):
    """Counts what asgiref does with the executor, to prove the swap is used."""

    created = 0
    submitted = 0
    runs = 0

    def __init__(self, *args, **kwargs) -> None:
        type(self).created += 1
        super().__init__(*args, **kwargs)

    def submit(self, fn, /, *args, **kwargs):
        type(self).submitted += 1
        return super().submit(fn, *args, **kwargs)

    def run_until_future(self, future) -> None:
        type(self).runs += 1
        super().run_until_future(future)


class AsgirefInterop(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        if asgiref is None:
            if REQUIRED:
                raise AssertionError("asgiref is required here (CTEXEC_REQUIRE_ASGIREF=1) but not importable")
            raise unittest.SkipTest("asgiref is not installed for this interpreter")
        cls.original = asgiref.sync.CurrentThreadExecutor
        # The README's swap.
        asgiref.sync.CurrentThreadExecutor = ctexec.CurrentThreadExecutor

    @classmethod
    def tearDownClass(cls) -> None:
        asgiref.sync.CurrentThreadExecutor = cls.original

    def spy(self) -> type[SpyExecutor]:
        SpyExecutor.created = SpyExecutor.submitted = SpyExecutor.runs = 0
        asgiref.sync.CurrentThreadExecutor = SpyExecutor
        self.addCleanup(setattr, asgiref.sync, "CurrentThreadExecutor", ctexec.CurrentThreadExecutor)
        return SpyExecutor

    def test_swap_takes_effect(self) -> None:
        spy = self.spy()
        outer = threading.get_ident()

        def sensitive() -> int:
            return threading.get_ident()

        async def main() -> int:
            return await sync_to_async(sensitive, thread_sensitive=True)()

        self.assertEqual(async_to_sync(main)(), outer)
        self.assertGreaterEqual(spy.created, 1)
        self.assertGreaterEqual(spy.runs, 1)
        self.assertGreaterEqual(spy.submitted, 1, "the thread-sensitive call went through ctexec")

    def test_async_to_sync_returns_the_result(self) -> None:
        async def add(a: int, b: int) -> int:
            await asyncio.sleep(0)
            return a + b

        self.assertEqual(async_to_sync(add)(2, 3), 5)

    def test_thread_sensitive_runs_on_the_outer_sync_thread(self) -> None:
        outer = threading.get_ident()
        seen: list[int] = []

        def sensitive(i: int) -> int:
            seen.append(threading.get_ident())
            return i * 10

        async def main() -> list[int]:
            loop_thread = threading.get_ident()
            assert loop_thread != outer
            call = sync_to_async(sensitive, thread_sensitive=True)
            return [await call(i) for i in range(5)] + list(await asyncio.gather(*(call(i) for i in range(5, 10))))

        self.assertEqual(async_to_sync(main)(), [i * 10 for i in range(10)])
        self.assertEqual(seen, [outer] * 10)

    def test_nested_async_sync_chains(self) -> None:
        outer = threading.get_ident()
        log: list[tuple[str, bool]] = []

        def sync_inner() -> str:
            log.append(("sync_inner", threading.get_ident() == outer))
            return "inner"

        async def async_inner() -> str:
            log.append(("async_inner", threading.get_ident() != outer))
            return await sync_to_async(sync_inner, thread_sensitive=True)()

        def sync_middle() -> str:
            log.append(("sync_middle", threading.get_ident() == outer))
            return "middle+" + async_to_sync(async_inner)()

        async def async_outer() -> str:
            log.append(("async_outer", threading.get_ident() != outer))
            return "outer+" + await sync_to_async(sync_middle, thread_sensitive=True)()

        self.assertEqual(async_to_sync(async_outer)(), "outer+middle+inner")
        self.assertEqual(
            log,
            [("async_outer", True), ("sync_middle", True), ("async_inner", True), ("sync_inner", True)],
        )

    def test_exception_from_sync_reaches_async_and_back(self) -> None:
        def sync_fails() -> None:
            raise KeyError("from sync")

        async def main() -> str:
            try:
                await sync_to_async(sync_fails, thread_sensitive=True)()
            except KeyError as exc:
                frames = [f.name for f in traceback.extract_tb(exc.__traceback__)]
                assert "sync_fails" in frames, frames
                raise ValueError("from async") from exc
            return "not reached"

        with self.assertRaises(ValueError) as cm:
            async_to_sync(main)()
        self.assertIsInstance(cm.exception.__cause__, KeyError)

    def test_exception_from_async_reaches_sync_inside_thread_sensitive(self) -> None:
        outer = threading.get_ident()

        async def async_fails() -> None:
            raise LookupError("from async")

        def sync_middle() -> str:
            assert threading.get_ident() == outer
            try:
                async_to_sync(async_fails)()
            except LookupError as exc:
                frames = [f.name for f in traceback.extract_tb(exc.__traceback__)]
                assert "async_fails" in frames, frames
                return "caught in sync"
            return "not reached"

        async def main() -> str:
            return await sync_to_async(sync_middle, thread_sensitive=True)()

        self.assertEqual(async_to_sync(main)(), "caught in sync")

    def test_many_sequential_calls(self) -> None:
        outer = threading.get_ident()

        def sensitive() -> int:
            return threading.get_ident()

        async def main() -> set[int]:
            call = sync_to_async(sensitive, thread_sensitive=True)
            return {await call() for _ in range(200)}

        for _ in range(20):
            self.assertEqual(async_to_sync(main)(), {outer})

    def test_executors_are_freed_afterwards(self) -> None:
        import gc

        async def main() -> None:
            await sync_to_async(lambda: None, thread_sensitive=True)()

        async_to_sync(main)()
        gc.collect()
        before = ctexec.live_counts()
        for _ in range(50):
            async_to_sync(main)()
        gc.collect()
        self.assertEqual(ctexec.live_counts(), before)


if __name__ == "__main__":
    unittest.main()
