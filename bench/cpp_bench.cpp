// cpp_bench: the C++ layer (include/ctexec.hpp) against the C API it wraps,
// in one run and one process.
//
// Workloads (the item is the same tiny callable in every variant: it bumps
// an owner-only counter and returns it):
//   call    one submitter, N synchronous round trips:
//           cte::executor::call  vs  ctexec_call;
//   submit  two submitter threads, N items in all, each submitted and waited
//           for before the next: cte::executor::submit(...).get()  vs
//           ctexec_submit + ctexec_future_wait + ctexec_future_free.
// In every measurement the main thread is the owner and serves the items
// with run_until; the submitters start together and the clock runs from
// their start to the last one's end.
//
// Repetitions are interleaved (rep 1 runs each variant once, then rep 2, ...;
// the first variant alternates), so drift on this shared VM hits both sides
// alike. Each sample is the mean cost per item over the N items of one
// measurement (what a caller pays on average); the report gives, per
// workload, the median and the mean of the per-rep ratios C++ / C.
//
//   coroutine hop round trip (C++20 builds only): one coroutine hops
//           worker -> owner -> worker with co_await ex.schedule() and
//           co_await worker.schedule(), the worker being the owner of an
//           executor of its own that it serves with run_until, against
//           cte::executor::call's round trip (the "C" side of this row
//           is cte::executor::call, not C).
//
//   asio post 2 threads (when built with standalone Asio's asio.hpp):
//           two posting threads, N items in all, asio::post(ex, item)
//           with no wait, the owner running them, the clock stopped when
//           the owner ran the last one: onto cte::asio_executor (the owner
//           in cte::executor::run_until) against onto an asio::io_context
//           whose run() is on the owner (the "C" side of this row is the
//           io_context, not C).
//
// Targets: call ratio <= 1.2 (time), submit ratio >= 0.8 (items/s),
// coroutine hop <= 1.3 (time, against cte::executor::call), asio post
// >= 1.0 (items/s, against the io_context). --smoke runs tiny N and checks only consistency (every item ran
// exactly once and returned the right value, no library error, the live
// counts back to their start, every figure finite), never a timing.
#include "ctexec.hpp"
#if __has_include(<asio.hpp>) && defined(CTEXEC_HPP_COROUTINES)
#include "ctexec_asio.hpp"
#include <asio.hpp>
#define CPP_BENCH_ASIO 1
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const std::string &msg) {
    std::fprintf(stderr, "cpp_bench: %s\n", msg.c_str());
    std::exit(1);
}

void c_check(int rc, const char *what) {
    if (rc != CTEXEC_OK) die(std::string(what) + ": " + ctexec_strerror(rc));
}

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Owner-only state the item touches; checked after each measurement.
struct item_state {
    long counter = 0;
};

int c_item(void *arg, void **result) {
    auto *s = static_cast<item_state *>(arg);
    *result = reinterpret_cast<void *>(static_cast<intptr_t>(++s->counter));
    return 0;
}

// Runs body(t) on `threads` submitter threads while this thread serves the
// items with serve() (the C or C++ run_until), and returns the
// seconds from the submitters' common start to the last one's end.
template <class Body, class Serve>
double drive(int threads, Body body, Serve serve, bool until_served = false) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::atomic<double> end{0};
    std::vector<std::thread> ts;
    double start = 0;
    for (int t = 0; t < threads; t++)
        ts.emplace_back([&, t] {
            ++ready;
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            body(t);
            double e = now_s();
            double prev = end.load();
            while (e > prev && !end.compare_exchange_weak(prev, e)) {
            }
        });
    while (ready.load() != threads) std::this_thread::yield();
    start = now_s();
    go.store(true, std::memory_order_release);
    serve();
    double served = now_s();
    for (auto &t : ts) t.join();
    /* until_served: fire and forget, done when the owner ran the last item */
    return (until_served ? std::max(served, end.load()) : end.load()) - start;
}

// ---- variants -------------------------------------------------------------
// Each returns seconds for n items and checks the results.

// Runs n items over `threads` submitters through the C API; one_item(ex, s)
// runs one and returns its result (null: wrong).
template <class One>
double c_run(const char *name, long n, int threads, One one_item) {
    item_state s;
    ctexec *ex;
    ctexec_future stop;
    c_check(ctexec_new(nullptr, &ex), "ctexec_new");
    c_check(ctexec_future_new(&stop), "ctexec_future_new");
    std::atomic<int> left{threads};
    std::atomic<long> bad{0};
    double secs = drive(threads, [&](int) {
        for (long i = 0; i < n / threads; i++)
            if (one_item(ex, &s) == nullptr) ++bad;
        if (--left == 0) c_check(ctexec_future_set_result(stop, nullptr), "set_result");
    }, [&] { c_check(ctexec_run_until(ex, stop), "ctexec_run_until"); });
    c_check(ctexec_future_free(stop), "ctexec_future_free");
    c_check(ctexec_free(ex), "ctexec_free");
    if (bad || s.counter != n / threads * threads) die(std::string(name) + ": lost or bad items");
    return secs;
}

// The same through the C++ layer; one_item(ex, s) returns the item's count
// (0: wrong).
template <class One>
double cpp_run(const char *name, long n, int threads, One one_item) {
    item_state s;
    cte::executor ex;
    cte::promise<void> stop;
    cte::future<void> stopped = stop.get_future();
    std::atomic<int> left{threads};
    std::atomic<long> bad{0};
    double secs = drive(threads, [&](int) {
        for (long i = 0; i < n / threads; i++)
            if (one_item(ex, s) == 0) ++bad;
        if (--left == 0) stop.set_value();
    }, [&] { ex.run_until(stopped); });
    if (bad || s.counter != n / threads * threads) die(std::string(name) + ": lost or bad items");
    return secs;
}

double c_call(long n, int threads) {
    return c_run("c_call", n, threads, [](ctexec *ex, item_state *s) {
        void *r = nullptr;
        c_check(ctexec_call(ex, c_item, s, &r), "ctexec_call");
        return r;
    });
}

double c_submit(long n, int threads) {
    return c_run("c_submit", n, threads, [](ctexec *ex, item_state *s) {
        ctexec_future f;
        void *r = nullptr;
        c_check(ctexec_submit(ex, c_item, s, &f), "ctexec_submit");
        c_check(ctexec_future_wait(f, -1, &r), "ctexec_future_wait");
        c_check(ctexec_future_free(f), "ctexec_future_free");
        return r;
    });
}

double cpp_call(long n, int threads) {
    return cpp_run("cpp_call", n, threads,
                   [](cte::executor &ex, item_state &s) { return ex.call([&s] { return ++s.counter; }); });
}

double cpp_submit(long n, int threads) {
    return cpp_run("cpp_submit", n, threads, [](cte::executor &ex, item_state &s) {
        return ex.submit([&s] { return ++s.counter; }).get();
    });
}

#if defined(CTEXEC_HPP_COROUTINES)
// The coroutine hop: a coroutine on a worker thread (the owner of an
// executor of its own, which it serves with run_until) hops onto the
// owner with co_await ex.schedule(), runs the item's body there, and hops
// back with co_await worker.schedule(): worker -> owner -> worker, the
// path of a call() round trip, n times.
cte::task<long> hop_loop(cte::executor &ex, cte::executor &worker, item_state &s, long n) {
    long bad = 0;
    for (long i = 0; i < n; i++) {
        co_await ex.schedule();
        long v = ++s.counter; // on the owner
        co_await worker.schedule();
        if (v == 0) ++bad;
    }
    co_return bad;
}

double coro_hop(long n, int threads) {
    item_state s;
    cte::executor ex;
    cte::promise<void> stop;
    cte::future<void> stopped = stop.get_future();
    std::atomic<int> left{threads};
    std::atomic<long> bad{0};
    double secs = drive(threads, [&](int) {
        cte::executor worker;
        cte::future<long> f = hop_loop(ex, worker, s, n / threads).start();
        worker.run_until(f); // serves the hops back until the loop ends
        bad += f.get();
        if (--left == 0) stop.set_value();
    }, [&] { ex.run_until(stopped); });
    if (bad || s.counter != n / threads * threads) die("coro_hop: lost or bad items");
    return secs;
}
#endif

#if defined(CPP_BENCH_ASIO)
// asio::post of n items from `threads` posting threads onto an executor
// whose owner is this thread; the owner stops when it ran the last one.
// The io_context side: io.run() on the owner, stopped by the last item.
double asio_io_context(long n, int threads) {
    item_state s;
    asio::io_context io(1);
    auto guard = asio::make_work_guard(io);
    const long total = n / threads * threads;
    double secs = drive(threads, [&](int) {
        for (long i = 0; i < n / threads; i++)
            asio::post(io, [&s, &io, total] {
                if (++s.counter == total) io.stop();
            });
    }, [&] { io.run(); }, true);
    if (s.counter != total) die("asio_io_context: lost items");
    return secs;
}

// The cte::asio_executor side: the owner in run_until, the last item sets
// the future it waits for.
double asio_ctexec(long n, int threads) {
    item_state s;
    cte::executor ex;
    cte::asio_executor a(ex);
    cte::promise<void> stop;
    cte::future<void> stopped = stop.get_future();
    const long total = n / threads * threads;
    double secs = drive(threads, [&](int) {
        for (long i = 0; i < n / threads; i++)
            asio::post(a, [&s, &stop, total] {
                if (++s.counter == total) stop.set_value();
            });
    }, [&] { ex.run_until(stopped); }, true);
    if (s.counter != total) die("asio_ctexec: lost items");
    return secs;
}
#endif

struct workload {
    const char *name;
    int threads;
    double (*c)(long, int);
    double (*cpp)(long, int);
    const char *unit; // what the ratio compares
    bool higher_is_better;
    double target;
    const char *c_label = "C", *cpp_label = "C++"; // the two sides, as printed
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double mean(const std::vector<double> &v) {
    double sum = 0;
    for (double x : v) sum += x;
    return sum / static_cast<double>(v.size());
}

} // namespace

int main(int argc, char **argv) {
    bool smoke = false;
    int reps = 5;
    long n = 200000;
    const char *only = nullptr; // run only the rows whose name contains this
    for (int i = 1; i < argc; i++) {
        if (std::strcmp(argv[i], "--smoke") == 0) {
            smoke = true;
        } else if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            reps = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--n") == 0 && i + 1 < argc) {
            n = std::atol(argv[++i]);
        } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else {
            std::fprintf(stderr, "usage: cpp_bench [--smoke] [--reps N] [--n ITEMS] [--only NAME-PART]\n");
            return 2;
        }
    }
    if (smoke) {
        reps = 2;
        n = 2000;
    }
    if (reps < 1 || n < 2) die("--reps must be >= 1 and --n >= 2");

    ctexec_counts start{};
    c_check(ctexec_live_counts(&start), "ctexec_live_counts");

    const workload workloads[] = {
        {"call round trip (1 submitter)", 1, c_call, cpp_call, "time per call, C++/C", false, 1.2},
        {"submit().get() (2 submitters)", 2, c_submit, cpp_submit, "items/s, C++/C", true, 0.8},
#if defined(CTEXEC_HPP_COROUTINES)
        {"coroutine hop round trip", 1, cpp_call, coro_hop, "time per round trip, coroutine/call", false,
         1.3, "call", "coroutine"},
#endif
#if defined(CPP_BENCH_ASIO)
        {"asio post 2 threads", 2, asio_io_context, asio_ctexec, "items/s, ctexec/io_context", true, 1.0,
         "io_context", "ctexec"},
#endif
    };
    // Warm-up: the first calls into Go and on new threads cost extra.
    auto skip = [only](const workload &w) { return only != nullptr && std::strstr(w.name, only) == nullptr; };
    for (const workload &w : workloads) {
        if (skip(w)) continue;
        w.c(n / 10, w.threads);
        w.cpp(n / 10, w.threads);
    }

    std::printf("cpp_bench: %d reps, N=%ld items per measurement%s\n", reps, n, smoke ? " (smoke)" : "");
    int exit_code = 0;
    for (const workload &w : workloads) {
        if (skip(w)) continue;
        std::vector<double> c_ns, cpp_ns, ratio;
        for (int r = 0; r < reps; r++) {
            double tc, tcpp;
            if (r % 2 == 0) {
                tc = w.c(n, w.threads);
                tcpp = w.cpp(n, w.threads);
            } else {
                tcpp = w.cpp(n, w.threads);
                tc = w.c(n, w.threads);
            }
            double items = static_cast<double>(n / w.threads * w.threads);
            c_ns.push_back(tc / items * 1e9);
            cpp_ns.push_back(tcpp / items * 1e9);
            // Time ratio for call; items/s ratio (= inverse time ratio) for submit.
            ratio.push_back(w.higher_is_better ? tc / tcpp : tcpp / tc);
        }
        for (double x : ratio)
            if (!std::isfinite(x) || x <= 0) die(std::string(w.name) + ": a ratio is not finite");
        double rmed = median(ratio), rmean = mean(ratio);
        std::printf("%-32s %s %8.0f ns/item (median), %s %8.0f ns/item (median)\n", w.name,
                    w.c_label, median(c_ns), w.cpp_label, median(cpp_ns));
        std::printf("%-32s ratio %s: median %.3f, mean %.3f, per rep:", "", w.unit, rmed, rmean);
        for (double x : ratio) std::printf(" %.3f", x);
        bool met = w.higher_is_better ? rmed >= w.target : rmed <= w.target;
        std::printf("\n%-32s target %s %.1f: %s\n", "", w.higher_is_better ? ">=" : "<=", w.target,
                    smoke ? "not judged (smoke)" : met ? "met" : "MISSED");
    }

    ctexec_counts end{};
    c_check(ctexec_live_counts(&end), "ctexec_live_counts");
    if (end.executors != start.executors || end.futures != start.futures || end.queued != start.queued)
        die("live counts did not return to their start");
    return exit_code;
}
