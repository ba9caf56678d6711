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

The callable increments a counter that only the owner touches; every run
checks that it ran exactly N times. Raw samples go out as TSV (the C
benchmark's format) on stdout or to --out; a human summary goes to stderr.
When ``ctexec`` cannot be imported its rows are reported as missing and the
run carries on with asgiref alone.

Run with Debian's interpreter (/usr/bin/python3, which has python3-asgiref)
and CTEXEC_LIBRARY pointing at the library to measure.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from concurrent.futures import Future

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples", "python"))


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
    lat.sort()
    return [lat[n // 2], lat[min(n - 1, int(n * 0.99))], total / n]


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
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rt-n", type=int, default=5000)
    ap.add_argument("--tp-n", type=int, default=20000)
    ap.add_argument("--threads", default="1,2,4")
    ap.add_argument("--workloads", default="py_rt,py_tp", help="comma-separated: py_rt, py_tp")
    ap.add_argument("--smoke", action="store_true", help="tiny N, 2 reps")
    ap.add_argument("--out", help="write the TSV here instead of stdout")
    args = ap.parse_args()
    if args.smoke:
        args.reps, args.rt_n, args.tp_n = 2, 50, 400
    threads = [int(t) for t in args.threads.split(",")]

    out = open(args.out, "w") if args.out else sys.stdout
    print("# python_bench samples: sample WORKLOAD VARIANT PARAM METRIC UNIT REP VALUE", file=out)
    print(f"meta\tpython\t{sys.version.split()[0]}", file=out)
    for k, v in (("py_reps", args.reps), ("py_rt_n", args.rt_n), ("py_tp_n", args.tp_n)):
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
    plan = [("py_rt", 0, lambda f, p: round_trip(f, args.rt_n))] if "py_rt" in wanted else []
    if "py_tp" in wanted:
        plan += [("py_tp", t, lambda f, p: throughput(f, p, args.tp_n)) for t in threads]
    results = {}
    for wname, param, fn in plan:
        for _, _, factory in variants:  # warm-up, untimed
            if wname == "py_rt":
                round_trip(factory, max(1, args.rt_n // 20))
            else:
                throughput(factory, param, max(param, args.tp_n // 20))
        for rep in range(args.reps):
            for k in range(len(variants)):
                name, _, factory = variants[(k + rep) % len(variants)]
                vals = fn(factory, param)
                metrics, units = WORKLOADS[wname]
                for m, u, v in zip(metrics, units, vals):
                    print(f"sample\t{wname}\t{name}\t{param}\t{m}\t{u}\t{rep}\t{v:.6g}", file=out)
                    results.setdefault((wname, param, name, m), []).append(v)
                out.flush()

    if variants and variants[0][0] == "py_ctexec" and hasattr(ctexec, "library_path"):
        print(f"meta\tpy_ctexec_library\t{ctexec.library_path()}", file=out)
    for wname, param, _ in plan:
        label = "round trip" if wname == "py_rt" else f"throughput, {param} submitter(s)"
        print(f"\n{label} (median of {args.reps})", file=sys.stderr)
        metrics, units = WORKLOADS[wname]
        for name, title, _ in variants:
            cells = []
            for m, u in zip(metrics, units):
                v = statistics.median(results[(wname, param, name, m)])
                base = results.get((wname, param, "py_asgiref", m))
                ratio = f" ({v / statistics.median(base):.2f}x asgiref)" if base else ""
                cells.append(f"{m} {v:12.4g} {u}{ratio}")
            print(f"  {title:32s} " + "  ".join(cells), file=sys.stderr)
    print("\npython_bench: ok", file=sys.stderr)
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
