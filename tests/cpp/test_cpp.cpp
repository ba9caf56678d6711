// Tests of the C++ layer (include/ctexec.hpp), one case per behaviour.
// Usage: test_cpp <case>; CTest registers every case of the table at the
// bottom, for each build (C++17, C++20, ASan+UBSan). Each case ends by
// checking that ctexec_live_counts is back to where it started.
#include "ctexec.hpp"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>

using namespace std::chrono_literals;

namespace {

// ---- assertions -----------------------------------------------------------

struct failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond))                                                                 \
            throw failure(std::string(__FILE__ ":") + std::to_string(__LINE__) +     \
                          ": CHECK(" #cond ") failed");                              \
    } while (0)

// Runs stmt and checks that it throws cte::error with the given status.
#define CHECK_STATUS(stmt, want)                                                     \
    do {                                                                             \
        int got_ = 0;                                                                \
        try {                                                                        \
            static_cast<void>(stmt);                                                                    \
        } catch (const cte::error &e_) {                                             \
            got_ = e_.status();                                                      \
        }                                                                            \
        if (got_ != (want))                                                          \
            throw failure(std::string(__FILE__ ":") + std::to_string(__LINE__) +     \
                          ": " #stmt " gave status " + std::to_string(got_) +        \
                          ", want " #want);                                          \
    } while (0)

// Runs stmt and checks that it throws std::future_error with the given code.
#define CHECK_FUTURE_ERRC(stmt, want)                                                \
    do {                                                                             \
        bool ok_ = false;                                                            \
        try {                                                                        \
            stmt;                                                                    \
        } catch (const std::future_error &e_) {                                      \
            ok_ = e_.code() == (want);                                               \
        }                                                                            \
        if (!ok_)                                                                    \
            throw failure(std::string(__FILE__ ":") + std::to_string(__LINE__) +     \
                          ": " #stmt " did not throw " #want);                       \
    } while (0)

// ---- helpers --------------------------------------------------------------

// Runs work() on a new thread while this (the owner) thread serves ex until
// work returns; then rethrows what work threw.
template <class Work>
void serve(cte::executor &ex, Work work) {
    cte::promise<void> done;
    cte::future<void> all = done.get_future();
    std::thread t([&] {
        try {
            work();
            done.set_value();
        } catch (...) {
            done.set_exception(std::current_exception());
        }
    });
    ex.run_until(all);
    t.join();
    all.get();
}

// Runs work() on a new thread and joins it; rethrows what work threw.
template <class Work>
void on_other_thread(Work work) {
    std::exception_ptr err;
    std::thread t([&] {
        try {
            work();
        } catch (...) {
            err = std::current_exception();
        }
    });
    t.join();
    if (err) std::rethrow_exception(err);
}

// Counts live instances, to see that callables are destroyed exactly once.
struct tracked {
    static std::atomic<int> live;
    tracked() { ++live; }
    tracked(const tracked &) { ++live; }
    tracked(tracked &&) noexcept { ++live; }
    ~tracked() { --live; }
};
std::atomic<int> tracked::live{0};

struct custom_error {
    int n;
};

// ---- cases ----------------------------------------------------------------

void test_value() {
    cte::executor ex;
    const auto owner = std::this_thread::get_id();
    serve(ex, [&] {
        cte::future<int> f = ex.submit([] { return 6 * 7; });
        CHECK(f.valid());
        CHECK(f.get() == 42);
        CHECK(!f.valid());
        auto g = ex.submit([&](int a, const std::string &b) {
            CHECK(std::this_thread::get_id() == owner);
            return b + std::to_string(a);
        }, 7, std::string("n="));
        static_assert(std::is_same_v<decltype(g), cte::future<std::string>>);
        CHECK(g.get() == "n=7");
        CHECK(ex.call([](int a, int b) { return a * b; }, 6, 9) == 54);
        std::thread::id ran_on = ex.call([] { return std::this_thread::get_id(); });
        CHECK(ran_on == owner);
    });
}

void test_void() {
    cte::executor ex;
    int hits = 0; // touched only on the owner, read after run_until
    serve(ex, [&] {
        cte::future<void> f = ex.submit([&] { ++hits; });
        f.get();
        ex.call([&] { ++hits; });
        auto g = ex.submit([&](int n) { hits += n; }, 10);
        g.wait();
        CHECK(g.ready());
        g.get();
    });
    CHECK(hits == 12);
}

void test_move_only_result() {
    cte::executor ex;
    serve(ex, [&] {
        cte::future<std::unique_ptr<int>> f = ex.submit([] { return std::make_unique<int>(5); });
        std::unique_ptr<int> p = f.get();
        CHECK(p && *p == 5);
        std::unique_ptr<int> q = ex.call([] { return std::make_unique<int>(6); });
        CHECK(q && *q == 6);
    });
}

void test_move_only_callable() {
    cte::executor ex;
    serve(ex, [&] {
        auto p = std::make_unique<int>(3);
        // A move-only callable, and a move-only argument moved in.
        auto f = ex.submit([p = std::move(p)](std::unique_ptr<int> q) { return *p + *q; },
                           std::make_unique<int>(4));
        CHECK(f.get() == 7);
        // call() passes by reference: a move-only lvalue argument is not copied.
        auto r = std::make_unique<int>(8);
        CHECK(ex.call([](std::unique_ptr<int> &x) { return *x; }, r) == 8);
        CHECK(r && *r == 8);
        // call() with an rvalue argument that the callee takes over.
        auto s = ex.call([](std::unique_ptr<int> &&x) { return std::move(x); }, std::make_unique<int>(9));
        CHECK(*s == 9);
    });
}

// Records the thread its last copy is destroyed on.
struct dies_on {
    std::shared_ptr<std::thread::id> where;
    explicit dies_on(std::shared_ptr<std::thread::id> w) : where(std::move(w)) {}
    // A move leaves the source empty, so only the item's copy records.
    dies_on(dies_on &&) noexcept = default;
    dies_on(const dies_on &) = delete;
    ~dies_on() {
        if (where && where.use_count() == 2) *where = std::this_thread::get_id();
    }
};

void test_callable_destroyed_on_owner() {
    cte::executor ex;
    const auto owner = std::this_thread::get_id();
    auto where = std::make_shared<std::thread::id>();
    serve(ex, [&] {
        cte::future<void> f = ex.submit([d = dies_on(where)] { (void)d; });
        f.wait();
        CHECK(where.use_count() == 1); // destroyed before the future completed
        f.get();
    });
    CHECK(*where == owner);
}

void test_reference_result() {
    cte::executor ex;
    int target = 1;
    serve(ex, [&] {
        int &r = ex.call([&]() -> int & { return target; });
        CHECK(&r == &target);
        cte::future<int &> f = ex.submit([&]() -> int & { return target; });
        int &s = f.get();
        CHECK(&s == &target);
    });
}

void test_exceptions() {
    cte::executor ex;
    serve(ex, [&] {
        auto f = ex.submit([]() -> int { throw std::runtime_error("boom"); });
        try {
            f.get();
            CHECK(false);
        } catch (const std::runtime_error &e) {
            CHECK(std::strcmp(e.what(), "boom") == 0);
        }
        auto g = ex.submit([] { throw custom_error{17}; });
        try {
            g.get();
            CHECK(false);
        } catch (const custom_error &e) {
            CHECK(e.n == 17);
        }
        auto h = ex.submit([] { throw 5; });
        try {
            h.get();
            CHECK(false);
        } catch (int n) {
            CHECK(n == 5);
        }
        try {
            ex.call([] { throw std::out_of_range("range"); });
            CHECK(false);
        } catch (const std::out_of_range &e) {
            CHECK(std::strcmp(e.what(), "range") == 0);
        }
        // A cte::error thrown by the callable is delivered as is.
        CHECK_STATUS(ex.call([] { throw cte::error(CTEXEC_EBUSY); }), CTEXEC_EBUSY);
        // The executor still works after all that.
        CHECK(ex.call([] { return 1; }) == 1);
    });
}

void test_same_thread() {
    cte::executor ex;
    bool ran = false;
    CHECK_STATUS(ex.submit([&] { ran = true; }), CTEXEC_ESAMETHREAD);
    CHECK_STATUS(ex.call([&] { ran = true; }), CTEXEC_ESAMETHREAD);
    CHECK(!ran);
    try {
        static_cast<void>(ex.submit([] {}));
    } catch (const cte::error &e) {
        CHECK(e.code().category() == cte::category());
        CHECK(std::string(e.code().category().name()) == "ctexec");
        CHECK(e.code().message() == ctexec_strerror(CTEXEC_ESAMETHREAD));
        CHECK(std::string(e.what()).find("ctexec_submit") != std::string::npos);
    }
}

void test_wrong_thread() {
    cte::executor ex;
    cte::promise<void> p;
    auto f = p.get_future();
    on_other_thread([&] {
        CHECK_STATUS(ex.run_until(f), CTEXEC_EWRONGTHREAD);
        CHECK_STATUS(ex.run_until_for(f, 1ms), CTEXEC_EWRONGTHREAD);
    });
    p.set_value();
}

void test_cancel_before_start() {
    cte::executor ex;
    tracked::live = 0;
    std::atomic<bool> ran{false};
    cte::future<int> f, g;
    on_other_thread([&] {
        f = ex.submit([&, t = tracked()] { ran = true; return 1; });
        g = ex.submit([] { return 2; });
    });
    CHECK(tracked::live == 1);
    CHECK(!f.ready());
    CHECK(f.cancel());
    CHECK(f.ready());
    CHECK(!f.cancel()); // already cancelled
    cte::promise<void> stop;
    auto s = stop.get_future();
    stop.set_value();
    ex.run_until(s); // runs g; f is skipped
    CHECK(!ran);
    CHECK(tracked::live == 1); // the never-called callable dies with the state
    CHECK_STATUS(f.get(), CTEXEC_ECANCELLED);
    CHECK(tracked::live == 0);
    CHECK(!g.cancel()); // too late: it ran
    CHECK(g.get() == 2);
    // ex has quit and has no chain.
    on_other_thread([&] { CHECK_STATUS(ex.submit([] {}), CTEXEC_EQUIT); });
    // The std::errc equivalence of the category.
    CHECK(cte::error(CTEXEC_ECANCELLED).code() == std::errc::operation_canceled);
    CHECK(cte::error(CTEXEC_ETIMEDOUT).code() == std::errc::timed_out);
}

void test_chain_old_executor() {
    const auto owner = std::this_thread::get_id();
    cte::executor outer;
    cte::executor inner(outer);
    cte::promise<void> inner_done, outer_done;
    auto fi = inner_done.get_future(), fo = outer_done.get_future();
    std::atomic<int> on_owner{0};
    cte::future<int> forwarded;
    std::thread worker([&] {
        CHECK(inner.call([&] { return std::this_thread::get_id() == owner; }));
        // Completing fi quits inner before set_value returns, so this submit
        // goes down the chain to outer.
        inner_done.set_value();
        forwarded = inner.submit([&] { ++on_owner; return 9; });
        outer_done.set_value();
    });
    inner.run_until(fi);
    // Submits to inner now go to outer.
    outer.run_until(fo);
    worker.join();
    CHECK(forwarded.get() == 9);
    CHECK(on_owner == 1);
    // Both have quit and there is nothing further down the chain.
    on_other_thread([&] { CHECK_STATUS(inner.submit([] {}), CTEXEC_EQUIT); });
    { cte::executor again(inner); } // chaining to a quit executor is allowed
    cte::executor moved = std::move(outer);
    CHECK_STATUS(cte::executor{outer}, CTEXEC_EINVAL); // moved-from old
}

void test_nested_run_until() {
    const auto owner = std::this_thread::get_id();
    cte::executor outer;
    std::vector<int> order; // touched only on the owner thread
    serve(outer, [&] {
        outer.call([&] {
            order.push_back(1);
            // On the owner, inside outer's run_until: a nested loop.
            cte::executor inner(outer);
            serve(inner, [&] {
                inner.call([&] {
                    CHECK(std::this_thread::get_id() == owner);
                    order.push_back(2);
                });
                // Re-entering the running outer loop is refused.
                cte::promise<void> never;
                auto nf = never.get_future();
                CHECK_STATUS(inner.call([&] { outer.run_until(nf); }), CTEXEC_EBUSY);
            });
            order.push_back(3);
        });
        outer.call([&] { order.push_back(4); });
    });
    CHECK((order == std::vector<int>{1, 2, 3, 4}));
}

void test_promise_across_threads() {
    {
        cte::promise<std::string> p;
        auto f = p.get_future();
        CHECK_FUTURE_ERRC(p.get_future(), std::future_errc::future_already_retrieved);
        std::thread t([&] { p.set_value("from a thread"); });
        CHECK(f.get() == "from a thread");
        t.join();
        CHECK_FUTURE_ERRC(p.set_value("again"), std::future_errc::promise_already_satisfied);
        CHECK_FUTURE_ERRC(p.set_exception(std::make_exception_ptr(1)),
                          std::future_errc::promise_already_satisfied);
    }
    {
        cte::promise<std::unique_ptr<int>> p;
        auto f = p.get_future();
        CHECK(f.wait_for(-1s) == std::future_status::timeout); // polls, never "forever"
        std::unique_ptr<int> got;
        std::thread t([&] { got = f.get(); });
        std::this_thread::sleep_for(10ms);
        p.set_value(std::make_unique<int>(1));
        t.join();
        CHECK(got && *got == 1);
    }
    {
        cte::promise<int> p;
        auto f = p.get_future();
        std::thread t([&] { p.set_exception(std::make_exception_ptr(std::logic_error("x"))); });
        t.join();
        try {
            f.get();
            CHECK(false);
        } catch (const std::logic_error &) {
        }
        cte::promise<int> q;
        CHECK_STATUS(q.set_exception(nullptr), CTEXEC_EINVAL);
        q.set_value(3); // still unsatisfied after the refused null
        CHECK(q.get_future().get() == 3);
    }
    {
        cte::future<int> f;
        {
            cte::promise<int> p;
            f = p.get_future();
        } // broken promise
        CHECK_FUTURE_ERRC(f.get(), std::future_errc::broken_promise);
    }
    {
        int x = 0;
        cte::promise<int &> p;
        auto f = p.get_future();
        std::thread t([&] { p.set_value(x); });
        CHECK(&f.get() == &x);
        t.join();
    }
    {
        // Cancelling a promise's future: the promise's set_value then fails.
        cte::promise<int> p;
        auto f = p.get_future();
        CHECK(f.cancel());
        CHECK_STATUS(p.set_value(1), CTEXEC_ESTATE);
        CHECK_STATUS(f.get(), CTEXEC_ECANCELLED);
    }
    {
        // Many threads race to satisfy one promise: exactly one wins.
        cte::promise<int> p;
        auto f = p.get_future();
        std::atomic<int> wins{0};
        std::vector<std::thread> ts;
        for (int i = 0; i < 4; i++)
            ts.emplace_back([&, i] {
                try {
                    p.set_value(i);
                    ++wins;
                } catch (const std::future_error &) {
                }
            });
        for (auto &t : ts) t.join();
        CHECK(wins == 1);
        int v = f.get();
        CHECK(v >= 0 && v < 4);
    }
    {
        // A promise that is never given a future is freed cleanly.
        cte::promise<int> unused;
        cte::promise<int> p, q;
        auto f = p.get_future();
        p = std::move(q); // abandons p's first state: a broken promise
        CHECK_FUTURE_ERRC(f.get(), std::future_errc::broken_promise);
        p.set_value(1);
    }
}

void test_destroy_with_pending() {
    tracked::live = 0;
    std::atomic<int> ran{0};
    std::vector<cte::future<int>> kept;
    {
        cte::executor ex;
        on_other_thread([&] {
            for (int i = 0; i < 3; i++) kept.push_back(ex.submit([&, t = tracked()] { return ++ran; }));
            // Futures dropped at once: their items are fire-and-forget.
            for (int i = 0; i < 3; i++) static_cast<void>(ex.submit([&, t = tracked()] { return ++ran; }));
        });
        CHECK(tracked::live == 6);
    } // destroyed with 6 items queued
    CHECK(ran == 0);
    CHECK(tracked::live == 3); // the dropped futures' items are already gone
    for (auto &f : kept) {
        CHECK(f.ready());
        CHECK_STATUS(f.get(), CTEXEC_ECANCELLED);
    }
    CHECK(tracked::live == 0);
    // close() does the same and reports errors; closing inside run is EBUSY.
    cte::executor ex;
    serve(ex, [&] { CHECK_STATUS(ex.call([&] { ex.close(); }), CTEXEC_EBUSY); });
    ex.close();
    CHECK(ex.native_handle() == nullptr);
}

void test_future_dropped_before_run() {
    cte::executor ex;
    tracked::live = 0;
    std::atomic<int> ran{0};
    on_other_thread([&] {
        for (int i = 0; i < 100; i++) static_cast<void>(ex.submit([&, t = tracked()] { ++ran; return std::string(100, 'x'); }));
    });
    cte::promise<void> p;
    auto f = p.get_future();
    p.set_value();
    ex.run_until(f);
    CHECK(ran == 100);
    CHECK(tracked::live == 0);
}

void test_wait_for() {
    cte::executor ex;
    cte::future<int> f;
    on_other_thread([&] { f = ex.submit([] { return 1; }); });
    CHECK(f.wait_for(0s) == std::future_status::timeout);
    CHECK(f.wait_for(-5s) == std::future_status::timeout);
    // A timed wait by the owner on its own item could never succeed: the
    // core says CTEXEC_EDEADLK at once. Another thread times out.
    CHECK_STATUS(f.wait_for(2ms), CTEXEC_EDEADLK);
    on_other_thread([&] {
        CHECK(f.wait_for(2ms) == std::future_status::timeout);
        CHECK(f.wait_until(std::chrono::steady_clock::now() + 1ms) == std::future_status::timeout);
    });
    cte::promise<void> p;
    auto pf = p.get_future();
    CHECK(!ex.run_until_for(pf, 5ms)); // runs f's item, then times out
    CHECK(!ex.run_until_for(pf, -1h)); // negative: checks once, no wait
    CHECK(f.wait_for(std::chrono::hours::max()) == std::future_status::ready);
    CHECK(f.get() == 1);
    p.set_value();
    CHECK(ex.run_until_for(pf, 1s));
}

void test_invalid_future() {
    cte::future<int> f;
    CHECK(!f.valid());
    CHECK(f.native_handle() == 0);
    CHECK_FUTURE_ERRC(f.get(), std::future_errc::no_state);
    CHECK_FUTURE_ERRC(f.wait(), std::future_errc::no_state);
    CHECK_FUTURE_ERRC(f.wait_for(1ms), std::future_errc::no_state);
    CHECK_FUTURE_ERRC(f.ready(), std::future_errc::no_state);
    CHECK_FUTURE_ERRC(f.cancel(), std::future_errc::no_state);
    cte::executor ex;
    CHECK_STATUS(ex.run_until(f), CTEXEC_EBADHANDLE);
    cte::promise<int> p;
    auto g = p.get_future();
    p.set_value(1);
    CHECK(g.get() == 1);
    CHECK_FUTURE_ERRC(g.get(), std::future_errc::no_state);
    cte::promise<int> moved_from;
    cte::promise<int> q(std::move(moved_from));
    CHECK_FUTURE_ERRC(moved_from.set_value(1), std::future_errc::no_state);
    CHECK_FUTURE_ERRC(moved_from.get_future(), std::future_errc::no_state);
    CHECK_STATUS(cte::adopt(0), CTEXEC_EBADHANDLE);
}

void test_moved_from_executor() {
    cte::executor a;
    cte::executor b(std::move(a));
    CHECK(a.native_handle() == nullptr && b.native_handle() != nullptr);
    cte::promise<void> p;
    auto f = p.get_future();
    p.set_value();
    CHECK_STATUS(a.run_until(f), CTEXEC_EINVAL);
    on_other_thread([&] {
        CHECK_STATUS(a.submit([] {}), CTEXEC_EINVAL);
        CHECK_STATUS(a.call([] {}), CTEXEC_EINVAL);
    });
    a = std::move(b);
    a.run_until(f);
    a.close();
    a.close(); // closing nothing is a no-op, as ctexec_free(NULL)
}

// A C callback that fails with a host error code.
int c_fails(void *arg, void **) { return *static_cast<int *>(arg); }
int c_returns(void *arg, void **result) {
    *result = arg;
    return 0;
}

void test_host_error_code() {
    cte::executor ex;
    int code = 42;
    cte::future<void *> bad, good;
    on_other_thread([&] {
        ctexec_future h;
        CHECK(ctexec_submit(ex.native_handle(), c_fails, &code, &h) == CTEXEC_OK);
        bad = cte::adopt(h);
        CHECK(ctexec_submit(ex.native_handle(), c_returns, &code, &h) == CTEXEC_OK);
        good = cte::adopt(h);
    });
    cte::promise<void> p;
    auto f = p.get_future();
    p.set_value();
    ex.run_until(f);
    try {
        bad.get();
        CHECK(false);
    } catch (const cte::error &e) {
        CHECK(e.status() == 42);
        CHECK(e.code().message() == ctexec_strerror(42));
    }
    CHECK(good.get() == &code);
    // An adopted promise completed from C with a host error.
    ctexec_future h;
    CHECK(ctexec_future_new(&h) == CTEXEC_OK);
    cte::future<void *> a = cte::adopt(h);
    CHECK(ctexec_future_set_error(h, 7) == CTEXEC_OK);
    CHECK_STATUS(a.get(), 7);
}


// ---- options, bounded queues, statistics, the watchdog, deadlocks

void test_errc_of_new_statuses() {
    CHECK(cte::error(CTEXEC_EDEADLK).code() == std::errc::resource_deadlock_would_occur);
    CHECK(cte::error(CTEXEC_EAGAIN).code() == std::errc::resource_unavailable_try_again);
    CHECK(cte::error(CTEXEC_EAGAIN).code() != std::errc::resource_deadlock_would_occur);
}

void test_bad_options() {
    auto with = [](auto set) {
        cte::options o;
        set(o);
        cte::executor ex(o);
    };
    CHECK_STATUS(with([](cte::options &o) { o.when_full = static_cast<cte::when_full>(7); }), CTEXEC_EINVAL);
    CHECK_STATUS(with([](cte::options &o) {
        o.stall = -1ms;
        o.on_stall = [](std::chrono::nanoseconds) {};
    }), CTEXEC_EINVAL);
    CHECK_STATUS(with([](cte::options &o) { o.stall = 100ms; }), CTEXEC_EINVAL);
    CHECK_STATUS(with([](cte::options &o) { o.on_stall = [](std::chrono::nanoseconds) {}; }), CTEXEC_EINVAL);
    cte::executor moved;
    cte::executor to(std::move(moved));
    CHECK_STATUS(cte::executor(moved, cte::options{}), CTEXEC_EINVAL);
    CHECK_STATUS((void)moved.stats(), CTEXEC_EINVAL);
    cte::executor plain(to, cte::options{}); // all defaults: a plain chained executor
    CHECK(plain.stats().flags == 0);
}

void test_stats_counts() {
    cte::options o;
    o.stats = true;
    cte::executor ex(o);
    std::vector<cte::future<void>> fs;
    on_other_thread([&] {
        for (int i = 0; i < 3; i++) fs.push_back(ex.submit([] { std::this_thread::sleep_for(10ms); }));
    });
    cte::executor_stats before = ex.stats();
    CHECK(before.flags == CTEXEC_OPT_STATS);
    CHECK(before.queued == 3 && before.high_water == 3 && before.submitted == 3 && before.run == 0);
    serve(ex, [&] {
        for (auto &f : fs) f.get();
        ex.call([] {});
    });
    cte::executor_stats st = ex.stats();
    CHECK(st.queued == 0 && st.high_water == 3 && st.submitted == 4 && st.run == 4);
    CHECK(st.cancelled == 0 && st.rejected == 0);
    CHECK(st.wait_samples >= 1 && st.wait_max >= st.wait_p99 && st.wait_p99 >= st.wait_p50);
    CHECK(st.busy >= 30ms); // three 10 ms sleeps
    cte::executor plain;
    CHECK(plain.stats().flags == 0 && plain.stats().submitted == 0);
}

void test_bounded_fail() {
    cte::options o;
    o.stats = true;
    o.max_queued = 2;
    o.when_full = cte::when_full::fail;
    cte::executor ex(o);
    std::vector<cte::future<int>> fs;
    on_other_thread([&] {
        for (int i = 0; i < 2; i++) fs.push_back(ex.submit([i] { return i; }));
        CHECK_STATUS(ex.submit([] { return -1; }), CTEXEC_EAGAIN);
        CHECK_STATUS(ex.submit_for(1s, [] { return -1; }), CTEXEC_EAGAIN);
    });
    CHECK(ex.stats().rejected == 2);
    serve(ex, [&] { CHECK(fs[0].get() == 0 && fs[1].get() == 1); });
    cte::executor_stats st = ex.stats();
    CHECK(st.submitted == 2 && st.run == 2 && st.rejected == 2);
}

void test_bounded_block() {
    cte::options o;
    o.max_queued = 1;
    cte::executor ex(o);
    cte::future<int> first, second;
    on_other_thread([&] {
        first = ex.submit([] { return 1; });
        auto t0 = std::chrono::steady_clock::now();
        CHECK_STATUS(ex.submit_for(50ms, [] { return -1; }), CTEXEC_ETIMEDOUT);
        CHECK(std::chrono::steady_clock::now() - t0 >= 50ms);
        CHECK_STATUS(ex.submit_for(0s, [] { return -1; }), CTEXEC_ETIMEDOUT);
    });
    std::atomic<bool> accepted{false};
    std::thread blocked([&] {
        second = ex.submit([] { return 2; }); // waits for room
        accepted = true;
    });
    std::this_thread::sleep_for(200ms);
    CHECK(!accepted); // still waiting: the queue is full
    serve(ex, [&] {
        blocked.join();
        CHECK(accepted);
        CHECK(first.get() == 1 && second.get() == 2);
    });
    CHECK(ex.stats().queued == 0);
}

void test_bounded_block_released_by_close() {
    cte::options o;
    o.max_queued = 1;
    cte::executor ex(o);
    cte::future<int> first;
    on_other_thread([&] { first = ex.submit([] { return 1; }); });
    std::atomic<int> status{0};
    std::thread blocked([&] {
        try {
            static_cast<void>(ex.submit([] { return 2; })); // waits for room
            status = 1;
        } catch (const cte::error &e) {
            status = e.status();
        }
    });
    std::this_thread::sleep_for(100ms);
    CHECK(status == 0); // still waiting
    ex.close();         // the waiter gets CTEXEC_ECANCELLED; the queued item is discarded
    blocked.join();
    CHECK(status == CTEXEC_ECANCELLED);
    CHECK_STATUS(first.get(), CTEXEC_ECANCELLED);
}

// An item that sleeps 300 ms and a second one queued behind it, with a
// 100 ms watchdog.
void stall_once(cte::executor &ex) {
    serve(ex, [&] {
        std::atomic<bool> started{false};
        auto first = ex.submit([&] {
            started = true;
            std::this_thread::sleep_for(300ms);
        });
        while (!started) std::this_thread::sleep_for(1ms);
        auto second = ex.submit([] { return 2; });
        first.get();
        CHECK(second.get() == 2);
    });
}

void test_stall_watchdog() {
    std::mutex mu;
    std::vector<std::pair<std::chrono::nanoseconds, std::thread::id>> calls;
    cte::options o;
    o.stall = 100ms;
    o.on_stall = [&](std::chrono::nanoseconds age) {
        std::lock_guard<std::mutex> lock(mu);
        calls.emplace_back(age, std::this_thread::get_id());
    };
    cte::executor made(o);
    cte::executor ex(std::move(made)); // the callback stays where the C executor looks
    stall_once(ex);
    std::this_thread::sleep_for(100ms); // room for a wrong second call
    std::lock_guard<std::mutex> lock(mu);
    CHECK(calls.size() == 1);
    CHECK(calls[0].first >= 100ms && calls[0].first < 5s);
    CHECK(calls[0].second != std::this_thread::get_id());
}

void test_stall_callback_throws() {
    std::atomic<int> calls{0};
    cte::options o;
    o.stall = 100ms;
    o.on_stall = [&](std::chrono::nanoseconds) {
        ++calls;
        throw std::runtime_error("from on_stall");
    };
    cte::executor ex(o);
    stall_once(ex); // the exception is dropped, not unwound through C
    CHECK(calls == 1);
}

void test_deadlock_self_wait() {
    cte::executor ex;
    cte::future<int> f;
    on_other_thread([&] { f = ex.submit([] { return 42; }); });
    CHECK_STATUS(f.wait(), CTEXEC_EDEADLK);
    CHECK_STATUS(f.get(), CTEXEC_EDEADLK);
    CHECK(f.valid() && !f.ready()); // still pending, still ours
    ex.run_until(f);
    CHECK(f.get() == 42);
    // From inside an item, on a later item of the same executor.
    cte::executor ex2;
    cte::future<int> later;
    cte::future<bool> waiter;
    on_other_thread([&] {
        waiter = ex2.submit([&] {
            try {
                later.wait();
            } catch (const cte::error &e) {
                return e.code() == std::errc::resource_deadlock_would_occur;
            }
            return false;
        });
        later = ex2.submit([] { return 7; });
    });
    serve(ex2, [&] {
        CHECK(waiter.get());
        CHECK(later.get() == 7);
    });
}
// ---- embedding: fd, event_handle, run_ready, set_notify; process totals ---

// Waits up to ms for fd to be readable.
bool readable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

void test_embed_fd_run_ready() {
    cte::executor ex;
    int fd = ex.fd();
    CHECK(fd >= 0);
    CHECK(ex.fd() == fd); // the same one every time
    CHECK_STATUS((void)ex.event_handle(), CTEXEC_EINVAL); // POSIX has none
    CHECK(!readable(fd, 0));
    std::vector<cte::future<int>> fs;
    on_other_thread([&] {
        for (int i = 0; i < 3; i++) fs.push_back(ex.submit([i] { return i; }));
        CHECK_STATUS(ex.run_ready(), CTEXEC_EWRONGTHREAD);
    });
    CHECK(readable(fd, 1000));
    cte::executor::ready_result r = ex.run_ready(1);
    CHECK(r.more && r.ran == 1);
    CHECK(fs[0].ready() && !fs[1].ready());
    CHECK(readable(fd, 0)); // a budget that leaves items keeps it readable
    r = ex.run_ready(0, 0ms); // at least one item, even with no time
    CHECK(r.ran >= 1);
    r = ex.run_ready();
    CHECK(!r.more);
    CHECK(!readable(fd, 0));
    for (int i = 0; i < 3; i++) CHECK(fs[static_cast<size_t>(i)].get() == i);
    r = ex.run_ready();
    CHECK(!r.more && r.ran == 0); // nothing queued: not an error
    // From inside an item that run_ready runs: EBUSY, delivered by its future.
    cte::future<void> inner;
    on_other_thread([&] { inner = ex.submit([&] { ex.run_ready(); }); });
    CHECK(ex.run_ready().ran == 1);
    CHECK_STATUS(inner.get(), CTEXEC_EBUSY);
    cte::executor moved(std::move(ex));
    CHECK_STATUS((void)ex.fd(), CTEXEC_EINVAL);
    CHECK_STATUS((void)ex.run_ready(), CTEXEC_EINVAL);
    CHECK_STATUS(ex.set_notify([] {}), CTEXEC_EINVAL);
}

void test_embed_set_notify() {
    cte::executor ex;
    std::atomic<int> calls{0};
    std::atomic<int> busy{0};
    std::thread::id called_on;
    auto token = std::make_shared<int>(0);
    ex.set_notify([&, token] {
        ++calls;
        called_on = std::this_thread::get_id();
        try {
            ex.set_notify(nullptr); // not from inside its own callable
        } catch (const cte::error &e) {
            if (e.status() == CTEXEC_EBUSY) ++busy;
        }
    });
    CHECK(token.use_count() == 2); // the executor keeps a copy
    std::thread::id submitter;
    std::vector<cte::future<void>> fs;
    on_other_thread([&] {
        submitter = std::this_thread::get_id();
        fs.push_back(ex.submit([] {}));
        fs.push_back(ex.submit([] {})); // no second call before a drain
    });
    CHECK(calls == 1 && busy == 1 && called_on == submitter);
    CHECK(ex.run_ready().ran == 2);
    on_other_thread([&] { fs.push_back(ex.submit([] {})); });
    CHECK(calls == 2); // drained, so the next submit notifies again
    // A new callable replaces the old, which is destroyed at once.
    std::atomic<int> second{0};
    ex.set_notify([&] { ++second; });
    CHECK(token.use_count() == 1);
    CHECK(ex.run_ready().ran == 1);
    second = 0;
    // A callable that throws: the exception is dropped, the submit works.
    ex.set_notify([] { throw std::runtime_error("from notify"); });
    on_other_thread([&] { fs.push_back(ex.submit([] {})); });
    CHECK(ex.run_ready().ran == 1);
    // Removed: not called again.
    auto token2 = std::make_shared<int>(0);
    ex.set_notify([&, token2] { ++second; });
    ex.set_notify(nullptr);
    CHECK(token2.use_count() == 1);
    on_other_thread([&] { fs.push_back(ex.submit([] {})); });
    CHECK(second == 0);
    for (auto &f : fs) {
        if (!f.ready()) CHECK(ex.run_ready().ran >= 1);
        f.get();
    }
    // Work queued before any callable was set is reported at once, on the
    // thread that sets it.
    cte::executor late;
    cte::future<void> queued;
    on_other_thread([&] { queued = late.submit([] {}); });
    std::thread::id late_on;
    late.set_notify([&] { late_on = std::this_thread::get_id(); });
    CHECK(late_on == std::this_thread::get_id());
    CHECK(late.run_ready().ran == 1);
    queued.get();
    // The executor's destruction releases the callable.
    auto token3 = std::make_shared<int>(0);
    {
        cte::executor e2;
        e2.set_notify([token3] {});
        cte::executor e3(std::move(e2)); // moves with the executor
        CHECK(token3.use_count() == 2);
    }
    CHECK(token3.use_count() == 1);
}

void test_process_stats() {
    cte::executor_stats before = cte::process_stats();
    {
        cte::options o;
        o.stats = true;
        cte::executor ex(o);
        on_other_thread([&] {
            static_cast<void>(ex.submit([] {}));
            static_cast<void>(ex.submit([] {}));
        });
        CHECK(cte::process_stats().queued == before.queued + 2);
    } // destroyed with both queued: discarded
    cte::executor_stats after = cte::process_stats();
    CHECK(after.submitted == before.submitted + 2);
    CHECK(after.discarded == before.discarded + 2);
    CHECK(after.run == before.run);
    CHECK(after.queued == before.queued);
    CHECK(after.wait_samples == 0 && after.flags == 0);
}

// ---- C++20 coroutines: co_await on futures, ex.schedule(), cte::task ------
// ---- submit options (0.3.0): post, dispatch, urgent, timers, on_error ----

// post from the owner queues (never inline), runs at the next turn, on the
// owner; from a worker it queues like submit; the order of posts is kept.
void test_post_fire_and_forget() {
    cte::executor ex;
    const auto owner = std::this_thread::get_id();
    std::vector<int> order; // touched on the owner only
    ex.post([&] { order.push_back(1); });
    CHECK(order.empty()); // not inline
    ex.post([&](int v) { order.push_back(v); }, 2);
    CHECK(ex.run_ready().ran == 2);
    CHECK((order == std::vector<int>{1, 2}));
    serve(ex, [&] {
        cte::promise<void> seen;
        cte::future<void> f = seen.get_future();
        for (int i = 3; i < 100; i++)
            ex.post([&, i] {
                CHECK(std::this_thread::get_id() == owner);
                order.push_back(i);
            });
        ex.post([&] { seen.set_value(); });
        f.get();
    });
    CHECK(order.size() == 99);
    for (int i = 0; i < 99; i++) CHECK(order[static_cast<size_t>(i)] == i + 1);
}

// dispatch on the owner runs inline, before it returns; from a worker it
// queues to the owner.
void test_dispatch_inline_on_owner() {
    cte::executor ex;
    const auto owner = std::this_thread::get_id();
    int inline_runs = 0;
    ex.dispatch([&] { ++inline_runs; });
    CHECK(inline_runs == 1);
    CHECK(ex.run_ready().ran == 0); // nothing was queued
    std::atomic<int> remote{0};
    serve(ex, [&] {
        cte::promise<void> seen;
        cte::future<void> f = seen.get_future();
        ex.dispatch([&] {
            CHECK(std::this_thread::get_id() == owner);
            ++remote;
            seen.set_value();
        });
        f.get();
    });
    CHECK(remote == 1);
}

// submit_with: dispatch on the owner gives a ready future (value or
// exception); post from the owner gives a future that get() cannot wait
// for there (EDEADLK) until the owner ran it; queue from the owner is
// refused (asgiref's rule).
void test_submit_with_modes() {
    cte::executor ex;
    cte::future<int> d = ex.submit_with({cte::submit_mode::dispatch, false, {}}, [] { return 7; });
    CHECK(d.ready());
    CHECK(d.get() == 7);
    cte::future<int> de = ex.submit_with({cte::submit_mode::dispatch, false, {}},
                                         []() -> int { throw custom_error{3}; });
    CHECK(de.ready());
    bool caught = false;
    try {
        de.get();
    } catch (const custom_error &e) {
        caught = e.n == 3;
    }
    CHECK(caught);
    cte::future<int> p = ex.submit_with({cte::submit_mode::post, false, {}}, [] { return 8; });
    CHECK(!p.ready());
    CHECK_STATUS(p.wait(), CTEXEC_EDEADLK);
    CHECK(ex.run_ready().ran == 1);
    CHECK(p.get() == 8);
    CHECK_STATUS(ex.submit_with({}, [] { return 1; }), CTEXEC_ESAMETHREAD);
    serve(ex, [&] {
        CHECK(ex.submit_with({}, [] { return 2; }).get() == 2);
        CHECK(ex.submit_with({cte::submit_mode::dispatch, true, {}}, [] { return 3; }).get() == 3);
    });
}

// The urgent lane: urgent items run before normal items queued earlier,
// each lane in FIFO order.
void test_urgent_lane_order() {
    cte::executor ex;
    std::vector<int> order;
    for (int i = 0; i < 3; i++) ex.post([&, i] { order.push_back(i); });
    ex.post(cte::urgent, [&] { order.push_back(100); });
    ex.post(cte::urgent, [&] { order.push_back(101); });
    cte::future<int> f = ex.submit_with({cte::submit_mode::post, true, {}}, [&] {
        order.push_back(102);
        return 5;
    });
    while (ex.run_ready().more) {
    }
    CHECK((order == std::vector<int>{100, 101, 102, 0, 1, 2}));
    CHECK(f.get() == 5);
    serve(ex, [&] {
        CHECK(ex.submit(cte::urgent, [] { return 9; }).get() == 9);
        ex.dispatch(cte::urgent, [] {});
    });
}

// is_owner: true on the owner only, and still after the executor quit.
void test_is_owner() {
    cte::executor ex;
    CHECK(ex.is_owner());
    serve(ex, [&] { CHECK(!ex.is_owner()); });
    CHECK(ex.is_owner()); // quit, still the owner
    cte::executor moved(std::move(ex));
    CHECK_STATUS(static_cast<void>(ex.is_owner()), CTEXEC_EINVAL);
    on_other_thread([&] { CHECK(!moved.is_owner()); });
}

// A fire-and-forget callable is destroyed exactly once, never called,
// when its item is discarded (executor destroyed), refused (quit), or a
// timer cancelled by the quit; and once after it ran.
void test_fire_callable_destroyed_once() {
    std::atomic<int> ran{0};
    {
        cte::executor ex;
        for (int i = 0; i < 10; i++) ex.post([&, t = tracked()] { ++ran; });
        ex.post_after(1h, [&, t = tracked()] { ++ran; });
        CHECK(tracked::live == 11);
    } // discarded by the destructor
    CHECK(tracked::live == 0);
    CHECK(ran == 0);
    {
        cte::executor ex;
        ex.post([&, t = tracked()] { ++ran; });
        ex.post_after(1h, [&, t = tracked()] { ++ran; });
        cte::future<int> timer = ex.submit_after(1h, [&, t = tracked()] { return ++ran; });
        serve(ex, [] {}); // quits: the due item runs, the timers are cancelled
        CHECK(ran == 1);
        CHECK(tracked::live == 1); // the timer with a future: held by its state
        CHECK_STATUS(timer.get(), CTEXEC_ECANCELLED);
        CHECK(tracked::live == 0);
        on_other_thread([&] {
            CHECK_STATUS(ex.post([&, t = tracked()] { ++ran; }), CTEXEC_EQUIT);
            CHECK_STATUS(ex.dispatch([&, t = tracked()] { ++ran; }), CTEXEC_EQUIT);
        });
        CHECK(tracked::live == 0);
        CHECK(ran == 1);
    }
}

// Fire-and-forget items and their C records are carved out of per-thread
// slabs (ctexec.hpp detail::small_pool, capi/cx/submit_with.c "The record
// pool") and freed on the owner: posting threads that exit before the
// owner ran their items (partial slabs given up at thread exit), items
// small enough for a slab and too big for one, some run and some
// discarded. Each callable runs at most once and is destroyed exactly
// once; under ASan a slab freed early is a use after free and one never
// freed is a leak.
void test_pooled_items_across_threads() {
    std::atomic<int> ran{0};
    struct big {
        char pad[200];
    };
    const int threads = 3, per = 150; // 150 = two full slabs of 64 and part of a third
    {
        cte::executor ex;
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; t++)
            ts.emplace_back([&, t] {
                for (int i = 0; i < per; i++) {
                    if ((i + t) % 5 == 0)
                        ex.post([&, k = tracked(), b = big{}] { ran += 1 + (b.pad[0] != 0); });
                    else
                        ex.post([&, k = tracked()] { ++ran; });
                }
            });
        for (std::thread &t : ts) t.join(); // exited with their slabs partly used
        CHECK(tracked::live == threads * per);
        int left = threads * per;
        while (left > 0) left -= static_cast<int>(ex.run_ready().ran);
        CHECK(ran == threads * per);
        CHECK(tracked::live == 0);
        // Items still queued when the executor goes: discarded, each
        // destroyed once, never run.
        on_other_thread([&] {
            for (int i = 0; i < per; i++) ex.post([&, k = tracked()] { ++ran; });
        });
        CHECK(tracked::live == per);
    }
    CHECK(tracked::live == 0);
    CHECK(ran == threads * per);
    // A thread that handed out exactly one slab (64 items: 64 C records
    // and 64 C++ cells) and exits after the owner freed them all: the slab
    // was freed by its last item, and the thread's exit must not put it
    // again (a double free).
    {
        cte::executor ex;
        serve(ex, [&] {
            for (int i = 0; i < 64; i++) ex.post([&, k = tracked()] { ++ran; });
            ex.call([] {}); // runs after the 64 were run and freed (FIFO)
            CHECK(tracked::live == 0);
        });
    }
    CHECK(ran == threads * per + 64);
}

// on_error gets what a fire-and-forget item threw, on the owner, right
// after it ran (also for dispatch inline); items with a future never reach it.
void test_on_error_hook() {
    std::vector<std::string> errors;
    std::vector<std::thread::id> threads;
    cte::options o;
    o.on_error = [&](std::exception_ptr e) {
        threads.push_back(std::this_thread::get_id());
        try {
            std::rethrow_exception(e);
        } catch (const std::runtime_error &x) {
            errors.push_back(x.what());
        } catch (const custom_error &x) {
            errors.push_back("custom " + std::to_string(x.n));
        }
    };
    cte::executor ex(o);
    const auto owner = std::this_thread::get_id();
    ex.post([] { throw std::runtime_error("posted"); });
    ex.dispatch([] { throw custom_error{4}; }); // inline: to the hook, not to us
    CHECK((errors == std::vector<std::string>{"custom 4"}));
    ex.post([] {});
    cte::future<int> f = ex.submit_with({cte::submit_mode::post, false, {}},
                                        []() -> int { throw std::runtime_error("future"); });
    CHECK(ex.run_ready().ran == 3); // "posted", the plain one, the one with a future
    CHECK((errors == std::vector<std::string>{"custom 4", "posted"}));
    ex.post([] { throw std::runtime_error("posted again"); });
    serve(ex, [&] { ex.post([] { throw std::runtime_error("remote"); }); });
    CHECK((errors == std::vector<std::string>{"custom 4", "posted", "posted again", "remote"}));
    bool in_future = false;
    try {
        f.get();
    } catch (const std::runtime_error &x) {
        in_future = std::string(x.what()) == "future";
    }
    CHECK(in_future);
    for (auto t : threads) CHECK(t == owner);
    // Without a hook, what a fire-and-forget item throws is dropped.
    cte::executor plain;
    plain.post([] { throw std::runtime_error("dropped"); });
    CHECK(plain.run_ready().ran == 1);
}

// Timers: submit_after runs on the owner no earlier than its delay, in
// deadline order; from the owner too; cancellable through the future;
// next_deadline tells a host loop when the next one is due.
void test_submit_after_timers() {
    cte::executor ex;
    CHECK(!ex.next_deadline());
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<int> order;
    std::vector<std::chrono::steady_clock::duration> at;
    auto late = ex.submit_after(60ms, [&] {
        order.push_back(2);
        at.push_back(std::chrono::steady_clock::now() - t0);
    });
    ex.post_after(20ms, [&] {
        order.push_back(1);
        at.push_back(std::chrono::steady_clock::now() - t0);
    });
    auto cancelled = ex.submit_after(40ms, [&] { order.push_back(99); return 0; });
    auto next = ex.next_deadline();
    CHECK(next && *next > 0ms && *next <= 20ms);
    CHECK(cancelled.cancel());
    auto zero = ex.submit_after(0ms, [] { return 3; }); // a post from the owner
    CHECK(ex.run_ready().ran == 1);
    CHECK(zero.get() == 3);
    CHECK(order.empty());
    while (!late.ready()) {
        auto d = ex.next_deadline();
        CHECK(d.has_value());
        std::this_thread::sleep_for(*d);
        ex.run_ready();
    }
    late.get();
    CHECK((order == std::vector<int>{1, 2}));
    CHECK(at[0] >= 20ms && at[1] >= 60ms);
    CHECK_STATUS(cancelled.get(), CTEXEC_ECANCELLED);
    CHECK(!ex.next_deadline());
    serve(ex, [&] {
        auto t1 = std::chrono::steady_clock::now();
        auto id = ex.submit_after(30ms, [] { return std::this_thread::get_id(); }).get();
        CHECK(std::chrono::steady_clock::now() - t1 >= 30ms);
        CHECK(id != std::this_thread::get_id());
    });
}

#if defined(CTEXEC_HPP_COROUTINES)

cte::task<long> owner_step(cte::executor &ex, std::thread::id owner, long i) {
    co_await ex.schedule();
    CHECK(std::this_thread::get_id() == owner);
    if (i % 1000 == 999) throw custom_error{static_cast<int>(i)};
    co_return i * 3;
}

// worker -> owner -> worker, n times; returns how many steps threw.
cte::task<long> hop_loop(cte::executor &owner_ex, std::thread::id owner, cte::executor &worker_ex,
                         std::thread::id worker, long n) {
    CHECK(std::this_thread::get_id() == worker);
    long thrown = 0;
    for (long i = 0; i < n; i++) {
        long v = -1;
        bool caught = false;
        try {
            v = co_await owner_step(owner_ex, owner, i);
        } catch (const custom_error &e) {
            CHECK(e.n == i);
            caught = true;
        }
        CHECK(std::this_thread::get_id() == owner); // the step ended there
        co_await worker_ex.schedule();
        CHECK(std::this_thread::get_id() == worker);
        if (caught) {
            thrown++;
        } else {
            CHECK(v == i * 3);
        }
    }
    co_return thrown;
}

void test_coro_hop_loop() {
    const long n = 100000;
    cte::executor ex;
    const auto owner = std::this_thread::get_id();
    serve(ex, [&] {
        cte::executor worker_ex;
        cte::future<long> f = hop_loop(ex, owner, worker_ex, std::this_thread::get_id(), n).start();
        worker_ex.run_until(f); // serves the hops back until the loop ends
        CHECK(f.get() == n / 1000);
    });
}

// co_await on a future resumes on the thread that completed it, or goes
// on at once if it was done already. worker_ex is served by the thread
// that started the task.
cte::task<void> await_futures(cte::executor &ex, std::thread::id owner, cte::executor &worker_ex) {
    const auto me = std::this_thread::get_id();
    // An item's future: resumed on the owner, which ran it (the item
    // sleeps, so it is almost always still pending when awaited).
    int v = co_await ex.submit([] {
        std::this_thread::sleep_for(20ms);
        return 5;
    });
    CHECK(v == 5);
    CHECK(std::this_thread::get_id() == owner || std::this_thread::get_id() == me);
    co_await worker_ex.schedule();
    CHECK(std::this_thread::get_id() == me);
    // Its exception arrives as from get().
    bool threw = false;
    try {
        co_await ex.submit([]() -> int { throw custom_error{3}; });
    } catch (const custom_error &e) {
        threw = e.n == 3;
    }
    CHECK(threw);
    co_await worker_ex.schedule();
    // A promise set on another thread: resumed there.
    cte::promise<int> p;
    cte::future<int> pf = p.get_future();
    std::thread::id setter;
    std::thread t([&] {
        setter = std::this_thread::get_id();
        std::this_thread::sleep_for(20ms);
        p.set_value(8);
    });
    int w = co_await pf;
    CHECK(w == 8);
    CHECK(std::this_thread::get_id() == setter || std::this_thread::get_id() == me);
    CHECK(!pf.valid()); // consumed, as by get()
    co_await worker_ex.schedule();
    t.join();
    // An already-done future does not suspend.
    cte::promise<std::string> done;
    done.set_value("ready");
    std::string s = co_await done.get_future();
    CHECK(s == "ready" && std::this_thread::get_id() == me);
    // Cancelled by another thread while awaited: resumed there, with
    // CTEXEC_ECANCELLED thrown as from get().
    cte::promise<int> never;
    cte::future<int> nf = never.get_future();
    bool cancelled = false;
    std::thread c([&] {
        std::this_thread::sleep_for(20ms);
        cancelled = nf.cancel(); // resumes the coroutine inside this call
    });
    int status = 0;
    try {
        co_await nf;
    } catch (const cte::error &e) {
        status = e.status();
    }
    CHECK(status == CTEXEC_ECANCELLED);
    co_await worker_ex.schedule();
    c.join();
    CHECK(cancelled);
}

void test_coro_await_future() {
    cte::executor ex;
    const auto owner = std::this_thread::get_id();
    serve(ex, [&] {
        cte::executor worker_ex;
        cte::future<void> f = await_futures(ex, owner, worker_ex).start();
        worker_ex.run_until(f);
        f.get();
    });
}

// A cancelled future's co_await throws CTEXEC_ECANCELLED, and resume_on
// brings the coroutine to the executor's owner.
cte::task<int> await_cancelled(cte::future<int> &f) { co_return co_await f; }

cte::task<std::thread::id> await_on(cte::future<int> &f, cte::executor &ex, int want) {
    int v = co_await f.resume_on(ex);
    CHECK(v == want);
    co_return std::this_thread::get_id();
}

void test_coro_resume_on() {
    cte::executor ex;
    const auto owner = std::this_thread::get_id();
    serve(ex, [&] {
        // Completed by another thread, resumed on the owner.
        cte::promise<int> p;
        cte::future<int> pf = p.get_future();
        cte::future<std::thread::id> where = await_on(pf, ex, 4).start();
        std::thread([&] { p.set_value(4); }).join();
        CHECK(where.get() == owner);
        // Already done when awaited off the owner: still hops.
        cte::promise<int> q;
        q.set_value(6);
        cte::future<int> qf = q.get_future();
        CHECK(cte::sync_wait(await_on(qf, ex, 6)) == owner);
        // An item's future completes on the owner: resumed there at once.
        cte::future<int> item = ex.submit([] { return 2; });
        CHECK(cte::sync_wait(await_on(item, ex, 2)) == owner);
        // Cancelled: the co_await throws as get() does.
        cte::promise<int> c;
        cte::future<int> cf = c.get_future();
        CHECK(cf.cancel());
        CHECK_STATUS(cte::sync_wait(await_cancelled(cf)), CTEXEC_ECANCELLED);
    });
    // A quit executor with no chain: the hop fails and says why; the
    // future stays valid and done.
    on_other_thread([&] {
        cte::promise<int> p;
        cte::future<int> pf = p.get_future();
        p.set_value(1);
        CHECK_STATUS(cte::sync_wait(await_on(pf, ex, 1)), CTEXEC_EQUIT);
        CHECK(pf.valid() && pf.get() == 1);
    });
}

cte::task<int> plain(int x) { co_return x + 1; }
cte::task<void> plain_void(int &out) {
    out = co_await plain(41);
    co_return;
}
cte::task<int &> plain_ref(int &x) { co_return x; }
cte::task<std::unique_ptr<int>> plain_move() { co_return std::make_unique<int>(3); }
cte::task<int> plain_throws() {
    throw std::runtime_error("task");
    co_return 0;
}
cte::task<void> holds(std::shared_ptr<int> p) {
    (void)p;
    co_return;
}

void test_coro_task() {
    CHECK(cte::sync_wait(plain(1)) == 2);
    int out = 0;
    cte::sync_wait(plain_void(out));
    CHECK(out == 42);
    int target = 0;
    CHECK(&cte::sync_wait(plain_ref(target)) == &target);
    CHECK(*cte::sync_wait(plain_move()) == 3);
    try {
        cte::sync_wait(plain_throws());
        CHECK(false);
    } catch (const std::runtime_error &e) {
        CHECK(std::strcmp(e.what(), "task") == 0);
    }
    // Lazy: nothing runs before it is awaited; a task never started is
    // destroyed with its frame.
    auto p = std::make_shared<int>(1);
    {
        cte::task<void> t = holds(p);
        CHECK(p.use_count() == 2);
    }
    CHECK(p.use_count() == 1);
    cte::task<int> moved = plain(0);
    cte::task<int> to = std::move(moved);
    CHECK(!moved.valid() && to.valid());
    CHECK_FUTURE_ERRC(std::move(moved).start(), std::future_errc::no_state);
    // start() with the future dropped: the task still runs to its end.
    cte::promise<int> gate;
    cte::future<int> gf = gate.get_future();
    std::atomic<bool> finished{false};
    auto waits = [](cte::future<int> &g, std::atomic<bool> &fin) -> cte::task<void> {
        CHECK(co_await g == 9);
        fin = true;
    };
    { (void)waits(gf, finished).start(); }
    CHECK(!finished);
    gate.set_value(9);
    CHECK(finished);
}

// The owner itself: schedule() does not suspend there.
cte::task<int> on_owner_already(cte::executor &ex) {
    const auto me = std::this_thread::get_id();
    co_await ex.schedule();
    CHECK(std::this_thread::get_id() == me);
    co_return 1;
}

void test_coro_schedule_on_owner() {
    cte::executor ex;
    cte::future<int> f = on_owner_already(ex).start();
    CHECK(f.ready()); // ran to its end inside start(), on this thread
    CHECK(f.get() == 1);
    CHECK(ex.stats().queued == 0);
    // Chains apply: a quit executor's schedule() goes to its old one.
    cte::executor outer;
    cte::executor inner(outer);
    const auto owner = std::this_thread::get_id();
    cte::promise<void> p;
    auto pf = p.get_future();
    p.set_value();
    inner.run_until(pf); // inner quits
    serve(outer, [&] {
        auto hop = [](cte::executor &to) -> cte::task<std::thread::id> {
            co_await to.schedule();
            co_return std::this_thread::get_id();
        };
        CHECK(cte::sync_wait(hop(inner)) == owner); // run by outer
    });
    // Both quit now, no chain left: the co_await throws CTEXEC_EQUIT.
    on_other_thread([&] {
        auto hop = [](cte::executor &to) -> cte::task<void> { co_await to.schedule(); };
        CHECK_STATUS(cte::sync_wait(hop(inner)), CTEXEC_EQUIT);
        cte::executor moved_to(std::move(ex));
        CHECK_STATUS(cte::sync_wait(hop(ex)), CTEXEC_EINVAL); // moved-from
    });
}

// The executor goes away while coroutines are suspended on it.
cte::task<int> parks(cte::executor &ex, std::atomic<int> &resumed, std::atomic<int> &errors) {
    tracked t; // dies with the frame
    try {
        co_await ex.schedule();
    } catch (const cte::error &e) {
        CHECK(e.code() == std::errc::operation_canceled);
        ++errors;
        throw;
    }
    ++resumed;
    co_return 1;
}

void test_coro_quit_while_suspended() {
    const int n = 50;
    tracked::live = 0;
    std::atomic<int> resumed{0}, errors{0};
    std::vector<cte::future<int>> fs;
    {
        // Quit by run_until: the items queued before that moment still run.
        cte::executor ex;
        on_other_thread([&] {
            for (int i = 0; i < n; i++) fs.push_back(parks(ex, resumed, errors).start());
        });
        CHECK(tracked::live == n);
        cte::promise<void> p;
        auto pf = p.get_future();
        p.set_value();
        ex.run_until(pf);
        CHECK(resumed == n && errors == 0 && tracked::live == 0);
        for (auto &f : fs) CHECK(f.get() == 1);
        fs.clear();
    }
    {
        // Destroyed with the items queued: each coroutine resumes with
        // CTEXEC_ECANCELLED on the destroying thread, and unwinds.
        auto ex = std::make_unique<cte::executor>();
        on_other_thread([&] {
            for (int i = 0; i < n; i++) fs.push_back(parks(*ex, resumed, errors).start());
        });
        CHECK(tracked::live == n);
        ex.reset();
        CHECK(resumed == n && errors == n && tracked::live == 0);
        for (auto &f : fs) CHECK_STATUS(f.get(), CTEXEC_ECANCELLED);
        fs.clear();
    }
    {
        // The same with an owner that is serving another executor and a
        // worker thread that destroys it: resumed on that worker.
        std::thread::id destroyer;
        cte::executor keep;
        std::unique_ptr<cte::executor> ex;
        std::atomic<bool> made{false};
        std::thread owner([&] {
            ex = std::make_unique<cte::executor>();
            made = true;
        });
        owner.join();
        (void)made;
        auto where = [](cte::executor &e, std::thread::id &at) -> cte::task<void> {
            try {
                co_await e.schedule();
            } catch (const cte::error &) {
                at = std::this_thread::get_id();
            }
        };
        std::thread::id at;
        cte::future<void> f;
        on_other_thread([&] { f = where(*ex, at).start(); });
        on_other_thread([&] {
            destroyer = std::this_thread::get_id();
            ex.reset();
        });
        f.get();
        CHECK(at == destroyer);
    }
    {
        // Down the chain: inner has quit, so its schedule() items go to
        // outer; destroying outer with them queued resumes them too.
        auto outer = std::make_unique<cte::executor>();
        cte::executor inner(*outer);
        cte::promise<void> p;
        auto pf = p.get_future();
        p.set_value();
        inner.run_until(pf); // inner quits
        on_other_thread([&] {
            for (int i = 0; i < n; i++) fs.push_back(parks(inner, resumed, errors).start());
        });
        CHECK(tracked::live == n && outer->stats().queued == static_cast<std::uint64_t>(n));
        resumed = 0;
        errors = 0;
        outer.reset();
        CHECK(resumed == 0 && errors == n && tracked::live == 0);
        for (auto &f : fs) CHECK_STATUS(f.get(), CTEXEC_ECANCELLED);
        fs.clear();
    }
}

#endif // CTEXEC_HPP_COROUTINES

struct test_case {
    const char *name;
    void (*fn)();
};

// clang-format off
const test_case cases[] = {
    {"value", test_value},
    {"void_result", test_void},
    {"move_only_result", test_move_only_result},
    {"move_only_callable", test_move_only_callable},
    {"reference_result", test_reference_result},
    {"callable_destroyed_on_owner", test_callable_destroyed_on_owner},
    {"exceptions", test_exceptions},
    {"same_thread_error", test_same_thread},
    {"wrong_thread_error", test_wrong_thread},
    {"cancel_before_start", test_cancel_before_start},
    {"chain_old_executor", test_chain_old_executor},
    {"nested_run_until", test_nested_run_until},
    {"promise_across_threads", test_promise_across_threads},
    {"destroy_with_pending", test_destroy_with_pending},
    {"future_dropped_before_run", test_future_dropped_before_run},
    {"wait_for", test_wait_for},
    {"invalid_future", test_invalid_future},
    {"moved_from_executor", test_moved_from_executor},
    {"host_error_code", test_host_error_code},
    {"errc_of_new_statuses", test_errc_of_new_statuses},
    {"bad_options", test_bad_options},
    {"stats_counts", test_stats_counts},
    {"bounded_fail", test_bounded_fail},
    {"bounded_block", test_bounded_block},
    {"bounded_block_released_by_close", test_bounded_block_released_by_close},
    {"stall_watchdog", test_stall_watchdog},
    {"stall_callback_throws", test_stall_callback_throws},
    {"deadlock_self_wait", test_deadlock_self_wait},
    {"embed_fd_run_ready", test_embed_fd_run_ready},
    {"embed_set_notify", test_embed_set_notify},
    {"process_stats", test_process_stats},
    {"post_fire_and_forget", test_post_fire_and_forget},
    {"dispatch_inline_on_owner", test_dispatch_inline_on_owner},
    {"submit_with_modes", test_submit_with_modes},
    {"urgent_lane_order", test_urgent_lane_order},
    {"is_owner", test_is_owner},
    {"fire_callable_destroyed_once", test_fire_callable_destroyed_once},
    {"pooled_items_across_threads", test_pooled_items_across_threads},
    {"on_error_hook", test_on_error_hook},
    {"submit_after_timers", test_submit_after_timers},
#if defined(CTEXEC_HPP_COROUTINES)
    // C++20 only: CMakeLists.txt registers the coro_ cases for the C++20
    // builds alone.
    {"coro_hop_loop", test_coro_hop_loop},
    {"coro_await_future", test_coro_await_future},
    {"coro_resume_on", test_coro_resume_on},
    {"coro_task", test_coro_task},
    {"coro_schedule_on_owner", test_coro_schedule_on_owner},
    {"coro_quit_while_suspended", test_coro_quit_while_suspended},
#endif
};
// clang-format on

bool counts_equal(const ctexec_counts &a, const ctexec_counts &b) {
    return a.executors == b.executors && a.futures == b.futures && a.queued == b.queued;
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <case>\n", argv[0]);
        return 2;
    }
    for (const test_case &c : cases) {
        if (std::strcmp(c.name, argv[1]) != 0) continue;
        ctexec_counts start{}, end{};
        if (ctexec_live_counts(&start) != CTEXEC_OK) return 1;
        try {
            c.fn();
        } catch (const std::exception &e) {
            std::fprintf(stderr, "%s: FAIL: %s\n", c.name, e.what());
            return 1;
        }
        if (ctexec_live_counts(&end) != CTEXEC_OK || !counts_equal(start, end)) {
            std::fprintf(stderr,
                         "%s: FAIL: leak: executors %llu->%llu futures %llu->%llu queued %llu->%llu\n",
                         c.name, (unsigned long long)start.executors, (unsigned long long)end.executors,
                         (unsigned long long)start.futures, (unsigned long long)end.futures,
                         (unsigned long long)start.queued, (unsigned long long)end.queued);
            return 1;
        }
        std::printf("%s: ok\n", c.name);
        return 0;
    }
    std::fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
}
