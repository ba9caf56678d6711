"""Embedding in a host loop: fileno(), run_ready() and attach_asyncio()."""

from __future__ import annotations

import asyncio
import gc
import select
import threading
import unittest

import ctexec
from support import WAIT, in_thread


def readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


class EmbedTests(unittest.TestCase):
    def setUp(self) -> None:
        gc.collect()
        self.start = ctexec.live_counts()

    def tearDown(self) -> None:
        gc.collect()
        self.assertEqual(ctexec.live_counts(), self.start)

    def test_fileno_readable_while_work_is_queued(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        fd = ex.fileno()
        self.assertEqual(fd, ex.fileno())
        self.assertFalse(readable(fd))
        ran: list[int] = []
        futures = in_thread(lambda: [ex.submit(ran.append, i) for i in range(3)])
        self.assertTrue(readable(fd))
        self.assertFalse(ex.run_ready())
        self.assertEqual(ran, [0, 1, 2])
        self.assertFalse(readable(fd))
        for f in futures:
            self.assertIsNone(f.result(0))

    def test_run_ready_off_the_owner_raises(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        with self.assertRaises(ctexec.WrongThreadError):
            in_thread(ex.run_ready)

    def test_attach_asyncio_runs_items_on_the_loop_thread(self) -> None:
        ex = ctexec.CurrentThreadExecutor()
        n = 2000

        async def main() -> list[int]:
            detach = ctexec.attach_asyncio(ex, max_items=100)
            loop_thread = threading.get_ident()
            done = asyncio.get_running_loop().create_future()
            seen: list[int] = []

            def item(i: int) -> None:
                self.assertEqual(threading.get_ident(), loop_thread)
                seen.append(i)
                if len(seen) == n:
                    done.set_result(None)

            t = threading.Thread(target=lambda: [ex.submit(item, i) for i in range(n)])
            t.start()
            await asyncio.wait_for(done, WAIT)
            t.join(WAIT)
            detach()
            return seen

        self.assertEqual(asyncio.run(main()), list(range(n)))
        self.assertFalse(ex.run_ready())


if __name__ == "__main__":
    unittest.main()
