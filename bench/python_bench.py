#!/usr/bin/python3
"""Python benchmark: ctexec.CurrentThreadExecutor against asgiref's.

Both executors run the same workloads, interleaved (rep 1 runs each once,
then rep 2, the starting one rotated per rep), in one process:

  py_rt      one submitter thread submits a callable and waits for its
             future, N times; median, p99 and mean per round trip.
  py_tp      S submitter threads (1, 2, 4) submit N callables in all without
             waiting (fire and forget: the futures are dropped); the owner
             runs until the last submitter completes the future it runs
             until; items per second from the start to the return of
             run_until_future.
  py_dj      the pattern Django runs: a plain thread calls
             async_to_sync(view), where the coroutine view awaits
             sync_to_async(fn, thread_sensitive=True)() once; per call. The
             executor is asgiref.sync.CurrentThreadExecutor, swapped for
             ctexec's in the py_ctexec rows.
  py_dj_await  N awaits of sync_to_async(fn, thread_sensitive=True)() inside
             one async_to_sync call (the loop thread lives across the
             awaits); per await.
  py_dj_empty  async_to_sync of a coroutine that awaits nothing; per call.
             What asgiref and asyncio cost around the executor (a new event
             loop and loop thread per call). py_bare is a trivial executor
             that only waits for the future: the machinery with no executor.

Latency workloads report the median, p99 and mean per call of each run;
py_dj and py_dj_await also report ctxsw, the context switches of the whole
process (getrusage(RUSAGE_SELF) ru_nvcsw + ru_nivcsw, exited threads
included) per call or await over the timed loop;
the summary gives the median over reps of each (the mean is what a request
pays). The callable increments a counter that only the owner touches; every run
checks that it ran exactly N times. Raw samples go out as TSV (the C
benchmark's format) on stdout or to --out; a human summary goes to stderr.
When ``ctexec`` cannot be imported its rows are reported as missing and the
run carries on with asgiref alone.

Run with Debian's interpreter (/usr/bin/python3, which has python3-asgiref)
and CTEXEC_LIBRARY pointing at the library to measure.
"""

import argparse
import os
import resource
import statistics
import sys
import threading
import time
from concurrent.futures import Future

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples", "python", "src"))


class Counter:
    __slots__ = ("n",)

    def __init__(self):
        self.n = 0

    def __call__(self):
        self.n += 1
        return self.n


def round_trip(factory, n):
    ex = factory()
    done = Future()
    work = Counter()
    lat = [0] * n
    start = threading.Barrier(2)

    def submitter():
        start.wait()
        clock = time.perf_counter_ns
        for i in range(n):
            t0 = clock()
            ex.submit(work).result()
            lat[i] = clock() - t0
        done.set_result(None)

    th = threading.Thread(target=submitter)
    th.start()
    start.wait()
    t0 = time.perf_counter_ns()
    ex.run_until_future(done)
    total = time.perf_counter_ns() - t0
    th.join()
    if work.n != n:
        raise SystemExit(f"round trip: {work.n} items ran, expected {n}")
    return latency_stats(lat)


class BareExecutor:
    """Stands in for CurrentThreadExecutor where nothing is submitted: it
    only waits for the future, so a run measures asgiref's machinery."""

    def __init__(self, old_executor=None):
        pass

    def run_until_future(self, future):
        future.exception()

    def submit(self, fn, *args, **kwargs):
        raise RuntimeError("BareExecutor runs nothing")


def latency_stats(lat):
    n = len(lat)
    mean = sum(lat) / n
    lat.sort()
    return [lat[n // 2], lat[min(n - 1, int(n * 0.99))], mean]


def _swapped(cls, body):
    """Run body() with asgiref.sync.CurrentThreadExecutor = cls (asgiref
    looks the name up on every async_to_sync call), on a plain thread as a
    Django request would be."""
    import asgiref.sync

    saved = asgiref.sync.CurrentThreadExecutor
    asgiref.sync.CurrentThreadExecutor = cls
    box = {}

    def run():
        try:
            box["r"] = body()
        except BaseException as exc:  # noqa: BLE001
            box["e"] = exc

    try:
        th = threading.Thread(target=run)
        th.start()
        th.join()
    finally:
        asgiref.sync.CurrentThreadExecutor = saved
    if "e" in box:
        raise box["e"]
    return box["r"]


def context_switches():
    """Voluntary plus involuntary context switches of the whole process so
    far (threads that have exited included)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_nvcsw + ru.ru_nivcsw


def timed_calls(call, n):
    """Latencies of n calls of call(), in ns."""
    clock = time.perf_counter_ns
    lat = [0] * n
    for i in range(n):
        t0 = clock()
        call()
        lat[i] = clock() - t0
    return lat


def django_call(cls, n):
    from asgiref.sync import async_to_sync, sync_to_async

    work = Counter()
    s2a = sync_to_async(work, thread_sensitive=True)

    async def view():
        return await s2a()

    call = async_to_sync(view)

    def body():
        cs0 = context_switches()
        lat = timed_calls(call, n)
        return lat, (context_switches() - cs0) / n

    lat, ctxsw = _swapped(cls, body)
    if work.n != n:
        raise SystemExit(f"django pattern: {work.n} calls ran, expected {n}")
    return latency_stats(lat) + [ctxsw]


def django_await(cls, n):
    from asgiref.sync import async_to_sync, sync_to_async

    work = Counter()
    s2a = sync_to_async(work, thread_sensitive=True)

    async def view():
        clock = time.perf_counter_ns
        lat = [0] * n
        cs0 = context_switches()
        for i in range(n):
            t0 = clock()
            await s2a()
            lat[i] = clock() - t0
        return lat, (context_switches() - cs0) / n

    lat, ctxsw = _swapped(cls, async_to_sync(view))
    if work.n != n:
        raise SystemExit(f"django awaits: {work.n} calls ran, expected {n}")
    return latency_stats(lat) + [ctxsw]


def django_empty(cls, n):
    from asgiref.sync import async_to_sync

    async def view():
        return None

    call = async_to_sync(view)

    def body():
        return timed_calls(call, n)

    return latency_stats(_swapped(cls, body))


def throughput(factory, threads, n):
    ex = factory()
    done = Future()
    work = Counter()
    per = n // threads
    remaining = [threads]
    lock = threading.Lock()
    start = threading.Barrier(threads + 1)

    def submitter():
        start.wait()
        submit = ex.submit
        for _ in range(per):
            submit(work)
        with lock:
            remaining[0] -= 1
            last = remaining[0] == 0
        if last:
            done.set_result(None)

    ths = [threading.Thread(target=submitter) for _ in range(threads)]
    for th in ths:
        th.start()
    start.wait()
    t0 = time.perf_counter_ns()
    ex.run_until_future(done)
    elapsed = time.perf_counter_ns() - t0
    for th in ths:
        th.join()
    if work.n != per * threads:
        raise SystemExit(f"throughput: {work.n} items ran, expected {per * threads}")
    return [per * threads / (elapsed / 1e9)]


WORKLOADS = {
    "py_rt": (["median", "p99", "mean"], ["ns", "ns", "ns"]),
    "py_tp": (["rate"], ["items/s"]),
    "py_dj": (["median", "p99", "mean", "ctxsw"], ["ns", "ns", "ns", "count"]),
    "py_dj_await": (["median", "p99", "mean", "ctxsw"], ["ns", "ns", "ns", "count"]),
    "py_dj_empty": (["median", "p99", "mean"], ["ns", "ns", "ns"]),
}
DJANGO = {"py_dj": django_call, "py_dj_await": django_await, "py_dj_empty": django_empty}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rt-n", type=int, default=5000)
    ap.add_argument("--tp-n", type=int, default=20000)
    ap.add_argument("--dj-n", type=int, default=2000)
    ap.add_argument("--threads", default="1,2,4")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated: " + ", ".join(WORKLOADS))
    ap.add_argument("--smoke", action="store_true", help="tiny N, 2 reps")
    ap.add_argument("--out", help="write the TSV here instead of stdout")
    args = ap.parse_args()
    if args.smoke:
        args.reps, args.rt_n, args.tp_n, args.dj_n = 2, 50, 400, 20
    threads = [int(t) for t in args.threads.split(",")]

    out = open(args.out, "w") if args.out else sys.stdout
    print("# python_bench samples: sample WORKLOAD VARIANT PARAM METRIC UNIT REP VALUE", file=out)
    print(f"meta\tpython\t{sys.version.split()[0]}", file=out)
    for k, v in (("py_reps", args.reps), ("py_rt_n", args.rt_n), ("py_tp_n", args.tp_n), ("py_dj_n", args.dj_n)):
        print(f"meta\t{k}\t{v}", file=out)

    variants = []
    try:
        import ctexec

        ctexec.CurrentThreadExecutor  # noqa: B018 (the API this bench needs)
        variants.append(("py_ctexec", "ctexec.CurrentThreadExecutor", ctexec.CurrentThreadExecutor))
    except Exception as exc:  # any failure to load counts as missing
        print(f"missing\tpy_ctexec\tcannot import ctexec: {type(exc).__name__}: {exc}".replace("\n", " "), file=out)
        print(f"python_bench: ctexec missing ({exc}); measuring asgiref alone", file=sys.stderr)
    try:
        import asgiref
        from asgiref.current_thread_executor import CurrentThreadExecutor as AsgirefExecutor

        variants.append(("py_asgiref", "asgiref CurrentThreadExecutor", AsgirefExecutor))
        print(f"meta\tasgiref\t{getattr(asgiref, '__version__', '?')}", file=out)
    except Exception as exc:
        print(f"missing\tpy_asgiref\tcannot import asgiref: {exc}", file=out)
        print(f"python_bench: asgiref missing ({exc})", file=sys.stderr)
    for name, title, _ in variants:
        print(f"variant\t{name}\t{title}", file=out)
    out.flush()

    wanted = args.workloads.split(",")
    unknown = set(wanted) - set(WORKLOADS)
    if unknown:
        raise SystemExit(f"python_bench: unknown workloads {sorted(unknown)}")
    have_asgiref = any(name == "py_asgiref" for name, _, _ in variants)
    bare = ("py_bare", "no executor (the machinery alone)", BareExecutor)
    # (workload, param, run(factory, param), warm-up(factory, param), variants)
    plan = []
    if "py_rt" in wanted:
        plan.append(("py_rt", 0, lambda f, p: round_trip(f, args.rt_n),
                     lambda f, p: round_trip(f, max(1, args.rt_n // 20)), variants))
    if "py_tp" in wanted:
        plan += [("py_tp", t, lambda f, p: throughput(f, p, args.tp_n),
                  lambda f, p: throughput(f, p, max(p, args.tp_n // 20)), variants) for t in threads]
    for wname, fn in DJANGO.items():
        if wname not in wanted:
            continue
        if not have_asgiref:
            print(f"missing\t{wname}\tneeds asgiref", file=out)
            continue
        plan.append((wname, 0, lambda f, p, fn=fn: fn(f, args.dj_n),
                     lambda f, p, fn=fn: fn(f, max(1, args.dj_n // 20)),
                     variants + [bare] if wname == "py_dj_empty" else variants))
    if any(w == "py_dj_empty" for w, *_ in plan):
        print(f"variant\t{bare[0]}\t{bare[1]}", file=out)
    results = {}
    for wname, param, fn, warm, vs in plan:
        for _, _, factory in vs:  # warm-up, untimed
            warm(factory, param)
        for rep in range(args.reps):
            for k in range(len(vs)):
                name, _, factory = vs[(k + rep) % len(vs)]
                vals = fn(factory, param)
                metrics, units = WORKLOADS[wname]
                for m, u, v in zip(metrics, units, vals):
                    print(f"sample\t{wname}\t{name}\t{param}\t{m}\t{u}\t{rep}\t{v:.6g}", file=out)
                    results.setdefault((wname, param, name, m), []).append(v)
                out.flush()

    if variants and variants[0][0] == "py_ctexec" and hasattr(ctexec, "library_path"):
        print(f"meta\tpy_ctexec_library\t{ctexec.library_path()}", file=out)
    labels = {
        "py_rt": "round trip, submit(fn).result()",
        "py_dj": "Django pattern, per async_to_sync call (one thread-sensitive await)",
        "py_dj_await": "Django pattern, per thread-sensitive await inside one async_to_sync",
        "py_dj_empty": "async_to_sync of an empty coroutine (asgiref + asyncio alone)",
    }
    for wname, param, _, _, vs in plan:
        label = labels.get(wname) or f"throughput, {param} submitter(s)"
        print(f"\n{label} (median over {args.reps} reps of each run's figure)", file=sys.stderr)
        metrics, units = WORKLOADS[wname]
        for name, title, _ in vs:
            cells = []
            for m, u in zip(metrics, units):
                v = statistics.median(results[(wname, param, name, m)])
                base = results.get((wname, param, "py_asgiref", m))
                ratio = f" ({v / statistics.median(base):.2f}x)" if base else ""
                cells.append(f"{m} {v:10.4g} {u}{ratio}")
            print(f"  {title:34s} " + "  ".join(cells), file=sys.stderr)
    print("\npython_bench: ok", file=sys.stderr)
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
