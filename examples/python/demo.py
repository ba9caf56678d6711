"""The main thread serves thread-sensitive calls from an event loop thread.

An asyncio event loop runs on a second thread. Its coroutines need some work
done on the main thread (think: a GUI toolkit, an OpenGL context, a database
handle bound to one thread). They hand that work to a
ctexec.CurrentThreadExecutor owned by the main thread, which serves it in
run_until_future() until the loop's main coroutine finishes.

Run it with the package installed (pip install ./examples/python):
    python3 examples/python/demo.py
or from a checkout with a CMake build (build/libctexec.so.0):
    PYTHONPATH=examples/python/src python3 examples/python/demo.py
Exit status 0 when every thread-sensitive call ran on the main thread.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future

import ctexec

MAIN = threading.get_ident()


def thread_sensitive(job: int) -> str:
    """Stands for an API that must only be used from the main thread."""
    if threading.get_ident() != MAIN:
        raise RuntimeError("called off the main thread")
    if job == 3:
        raise ValueError(f"job {job} failed on purpose")
    return f"job {job} ran on {threading.current_thread().name}"


async def handle(executor: ctexec.CurrentThreadExecutor, job: int) -> str:
    loop = asyncio.get_running_loop()
    await asyncio.sleep(0.01 * (job % 3))  # some async work first
    try:
        return await loop.run_in_executor(executor, thread_sensitive, job)
    except ValueError as exc:
        return f"job {job} raised {exc!r} (and it crossed back to the coroutine)"


async def serve_requests(executor: ctexec.CurrentThreadExecutor) -> list[str]:
    print(f"event loop on {threading.current_thread().name}")
    return await asyncio.gather(*(handle(executor, job) for job in range(6)))


def main() -> int:
    executor = ctexec.CurrentThreadExecutor()  # owned by the main thread
    done: Future = Future()

    def loop_thread() -> None:
        try:
            done.set_result(asyncio.run(serve_requests(executor)))
        except BaseException as exc:  # handed to the main thread
            done.set_exception(exc)

    threading.Thread(target=loop_thread, name="event-loop", daemon=True).start()
    # Serve the loop's thread-sensitive calls here until it is finished.
    # Ctrl-C interrupts this with KeyboardInterrupt.
    executor.run_until_future(done)
    lines = done.result()
    for line in lines:
        print(line)
    print(f"library: {ctexec.library_path()}")
    ok = all("MainThread" in line or "crossed back" in line for line in lines)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
