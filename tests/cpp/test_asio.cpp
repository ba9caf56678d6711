// Tests of cte::asio_executor (include/ctexec_asio.hpp) against standalone
// Asio (Debian's libasio-dev, 1.22). Usage: test_asio <case>; CTest
// registers every case of the table at the bottom as asio.<case> and, under
// ASan+UBSan, asan.asio.<case>. Each case checks the thread each function
// ran on, and that ctexec_live_counts is back to where it started.
#include "ctexec_asio.hpp"

#include <asio.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond))                                                                 \
            throw failure(std::string(__FILE__ ":") + std::to_string(__LINE__) +     \
                          ": CHECK(" #cond ") failed");                              \
    } while (0)

// The executor concept and the properties, at compile time.
namespace ex = asio::execution;
static_assert(ex::is_executor<cte::asio_executor>::value);
static_assert(std::is_nothrow_copy_constructible_v<cte::asio_executor>);
static_assert(std::is_constructible_v<asio::any_io_executor, cte::asio_executor>);
static_assert(std::is_same_v<decltype(asio::require(std::declval<cte::asio_executor>(), ex::blocking.never)),
                             cte::asio_executor>);
static_assert(std::is_same_v<decltype(asio::query(std::declval<cte::asio_executor>(), ex::context)),
                             asio::execution_context &>);

// Runs work() on a new thread while this (the owner) thread serves ex until
// work returns; then rethrows what work threw.
template <class Work>
void serve(cte::executor &e, Work work) {
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
    e.run_until(all);
    t.join();
    all.get();
}

// Runs the owner's loop until `flag` is set by an item (run_ready, polling).
void run_until_set(cte::executor &e, const std::atomic<bool> &flag) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!flag) {
        e.run_ready();
        CHECK(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(100us);
    }
}

// ---- cases ----------------------------------------------------------------

// The properties: blocking possibly by default, never after require;
// relationship, outstanding_work and allocator kept; equality.
void test_properties() {
    cte::executor e;
    cte::asio_executor a(e);
    CHECK(asio::query(a, ex::blocking) == ex::blocking.possibly);
    auto n = asio::require(a, ex::blocking.never);
    CHECK(asio::query(n, ex::blocking) == ex::blocking.never);
    CHECK(asio::query(asio::require(n, ex::blocking.possibly), ex::blocking) == ex::blocking.possibly);
    CHECK(asio::query(asio::prefer(a, ex::relationship.continuation), ex::relationship) ==
          ex::relationship.continuation);
    CHECK(asio::query(a, ex::relationship) == ex::relationship.fork);
    CHECK(asio::query(asio::prefer(a, ex::outstanding_work.tracked), ex::outstanding_work) ==
          ex::outstanding_work.tracked);
    CHECK(a == cte::asio_executor(e));
    CHECK(a != n);
    cte::executor other;
    CHECK(a != cte::asio_executor(other));
    CHECK(&a.cte_executor() == &e);
    CHECK(&asio::query(a, ex::context) == &asio::query(n, ex::context));
    CHECK(&asio::query(a, ex::context) == &asio::query(cte::asio_executor(e), ex::context));
    CHECK(&asio::query(a, ex::context) != &asio::query(cte::asio_executor(other), ex::context));
    std::allocator<int> al;
    auto wa = asio::require(a, ex::allocator(al));
    CHECK(asio::query(wa, ex::allocator) == al);
    CHECK(a.running_in_this_thread());
    std::thread([&] { CHECK(!a.running_in_this_thread()); }).join();
}

// asio::post from a worker runs on the owner; from the owner it is queued,
// never inline.
void test_post() {
    cte::executor e;
    cte::asio_executor a(e);
    const auto owner = std::this_thread::get_id();
    bool ran = false;
    asio::post(a, [&] { ran = std::this_thread::get_id() == owner; });
    CHECK(!ran); // queued, not inline
    CHECK(e.run_ready().ran == 1);
    CHECK(ran);
    std::atomic<int> n{0};
    serve(e, [&] {
        std::atomic<bool> all{false};
        for (int i = 0; i < 1000; i++)
            asio::post(a, [&, i] {
                CHECK(std::this_thread::get_id() == owner);
                CHECK(n == i); // FIFO
                if (++n == 1000) all = true;
            });
        while (!all) std::this_thread::sleep_for(1ms);
    });
    CHECK(n == 1000);
}

// asio::dispatch on the owner runs inline; from a worker, on the owner.
void test_dispatch() {
    cte::executor e;
    cte::asio_executor a(e);
    const auto owner = std::this_thread::get_id();
    bool ran = false;
    asio::dispatch(a, [&] { ran = true; });
    CHECK(ran); // inline
    std::atomic<bool> remote{false};
    serve(e, [&] {
        std::atomic<bool> done{false};
        asio::dispatch(a, [&] {
            remote = std::this_thread::get_id() == owner;
            done = true;
        });
        while (!done) std::this_thread::sleep_for(1ms);
    });
    CHECK(remote);
}

// asio::defer: queued, also from the owner, and run there.
void test_defer() {
    cte::executor e;
    cte::asio_executor a(e);
    const auto owner = std::this_thread::get_id();
    std::vector<int> order;
    asio::defer(a, [&] {
        CHECK(std::this_thread::get_id() == owner);
        order.push_back(2);
    });
    order.push_back(1);
    e.run_ready();
    CHECK((order == std::vector<int>{1, 2}));
}

// asio::bind_executor: a handler bound to the owner, completed by an
// io_context running on another thread, runs on the owner.
void test_bind_executor() {
    cte::executor e;
    cte::asio_executor a(e);
    const auto owner = std::this_thread::get_id();
    asio::io_context io;
    auto guard = asio::make_work_guard(io);
    std::thread io_thread([&] { io.run(); });
    const auto io_id = io_thread.get_id();
    std::atomic<bool> done{false};
    std::atomic<bool> on_owner{false};
    asio::steady_timer timer(io, 1ms);
    timer.async_wait(asio::bind_executor(a, [&](std::error_code ec) {
        on_owner = !ec && std::this_thread::get_id() == owner;
        done = true;
    }));
    std::atomic<bool> post_done{false};
    std::atomic<bool> post_on_owner{false};
    asio::post(io, asio::bind_executor(a, [&] {
        post_on_owner = std::this_thread::get_id() == owner && std::this_thread::get_id() != io_id;
        post_done = true;
    }));
    run_until_set(e, done);
    run_until_set(e, post_done);
    guard.reset();
    io_thread.join();
    CHECK(on_owner);
    CHECK(post_on_owner);
}

// Through asio::any_io_executor: post, dispatch and the properties.
void test_any_io_executor() {
    cte::executor e;
    asio::any_io_executor any = cte::asio_executor(e);
    const auto owner = std::this_thread::get_id();
    CHECK(any.target<cte::asio_executor>() != nullptr);
    std::atomic<bool> done{false};
    std::atomic<bool> ok{false};
    std::thread t([&] {
        asio::post(any, [&] {
            ok = std::this_thread::get_id() == owner;
            done = true;
        });
    });
    t.join();
    run_until_set(e, done);
    CHECK(ok);
    bool inline_ran = false;
    asio::dispatch(any, [&] { inline_ran = true; });
    CHECK(inline_ran);
    CHECK(asio::query(any, ex::blocking) == ex::blocking.possibly);
    CHECK(asio::query(asio::require(any, ex::blocking.never), ex::blocking) == ex::blocking.never);
}

// asio::co_spawn onto the owner from a worker: the coroutine runs on the
// owner; it hops to an io_context and back with co_spawn + use_awaitable;
// its completion handler gets the result.
asio::awaitable<int> on_io(std::thread::id io_id) {
    CHECK(std::this_thread::get_id() == io_id);
    co_return 20;
}

asio::awaitable<int> gui_coroutine(std::thread::id owner, asio::io_context &io, std::thread::id io_id) {
    CHECK(std::this_thread::get_id() == owner);
    int sum = 0;
    for (int i = 0; i < 100; i++) {
        sum += co_await asio::co_spawn(io, on_io(io_id), asio::use_awaitable);
        CHECK(std::this_thread::get_id() == owner); // back on the owner
        co_await asio::post(asio::use_awaitable);   // a post to itself
        CHECK(std::this_thread::get_id() == owner);
    }
    co_return sum;
}

void test_co_spawn() {
    cte::executor e;
    cte::asio_executor a(e);
    const auto owner = std::this_thread::get_id();
    asio::io_context io;
    auto guard = asio::make_work_guard(io);
    std::thread io_thread([&] { io.run(); });
    const auto io_id = io_thread.get_id();
    std::atomic<bool> done{false};
    int result = 0;
    std::exception_ptr error;
    std::thread starter([&] {
        asio::co_spawn(a, gui_coroutine(owner, io, io_id), [&](std::exception_ptr ep, int r) {
            CHECK(std::this_thread::get_id() == owner);
            error = ep;
            result = r;
            done = true;
        });
    });
    starter.join();
    run_until_set(e, done);
    guard.reset();
    io_thread.join();
    if (error) std::rethrow_exception(error);
    CHECK(result == 2000);
}

// A throwing handler: its exception goes to options::on_error on the owner.
void test_handler_exception_to_on_error() {
    std::vector<std::string> seen;
    cte::options o;
    o.on_error = [&](std::exception_ptr ep) {
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception &x) {
            seen.push_back(x.what());
        }
    };
    cte::executor e(o);
    cte::asio_executor a(e);
    asio::dispatch(a, [] { throw std::runtime_error("inline"); });
    CHECK(seen.size() == 1 && seen[0] == "inline");
}

// Without options::on_error, a throwing handler calls std::terminate on
// the owner (never dropped unseen). The terminate handler ends the process
// with status 0 only if it was reached from the handler, on the owner.
std::atomic<int> terminate_stage{0};
std::thread::id terminate_owner;
void test_handler_exception_terminates_without_on_error() {
    cte::executor e;
    cte::asio_executor a(e);
    terminate_owner = std::this_thread::get_id();
    std::set_terminate([] {
        bool ok = terminate_stage == 1 && std::this_thread::get_id() == terminate_owner;
        std::fprintf(stderr, "std::terminate %s\n", ok ? "from the handler, on the owner" : "elsewhere");
        std::_Exit(ok ? 0 : 3);
    });
    std::atomic<bool> ran{false};
    serve(e, [&] {
        asio::post(a, [&] {
            ran = true;
            terminate_stage = 1;
            throw std::runtime_error("no hook");
        });
        CHECK(terminate_stage == 0); /* posted, not run here */
    });
    e.run_ready(); /* in case run_until saw its future first */
    CHECK(ran);
    throw failure("the handler's exception did not reach std::terminate");
}

// outstanding_work.tracked: work is the number of tracked asio_executors
// alive; copies, assignment, moves and work guards count; untracked ones
// and queued handlers do not; it never keeps run_until running.
void test_outstanding_work() {
    cte::executor e;
    cte::asio_executor a(e);
    CHECK(a.outstanding_work() == 0);
    CHECK(asio::query(a, ex::outstanding_work) == ex::outstanding_work.untracked);
    {
        auto t = asio::prefer(a, ex::outstanding_work.tracked);
        CHECK(a.outstanding_work() == 1);
        auto t2 = t;
        CHECK(a.outstanding_work() == 2);
        auto u = asio::prefer(t2, ex::outstanding_work.untracked);
        CHECK(a.outstanding_work() == 2);
        u = t; /* u becomes tracked */
        CHECK(a.outstanding_work() == 3);
        t2 = a; /* t2 becomes untracked */
        CHECK(a.outstanding_work() == 2);
        auto moved = std::move(u);
        CHECK(a.outstanding_work() >= 2);
        asio::any_io_executor any = t;
        CHECK(a.outstanding_work() >= 3);
    }
    CHECK(a.outstanding_work() == 0);
    {
        auto g = asio::make_work_guard(a);
        CHECK(a.outstanding_work() == 1);
        g.reset();
        CHECK(a.outstanding_work() == 0);
    }
    /* A posted handler that holds tracked work: counted until it is
     * destroyed (ran, or discarded with the executor). */
    std::atomic<int> ran{0};
    serve(e, [&] {
        auto t = asio::prefer(a, ex::outstanding_work.tracked);
        asio::post(a, [&ran, t] { ++ran; });
        CHECK(a.outstanding_work() >= 1);
    });
    CHECK(ran == 1);
    CHECK(a.outstanding_work() == 0);
    /* Work outstanding does not keep run_until running (run_until quits
     * the executor at its end: another one). */
    cte::executor e2;
    cte::asio_executor a2(e2);
    auto g = asio::make_work_guard(a2);
    serve(e2, [] {});
    CHECK(a2.outstanding_work() == 1 && a.outstanding_work() == 0);
}

// Handlers never run (the executor destroyed with them queued) are
// destroyed exactly once; a post to a quit executor throws and destroys it.
void test_discarded_handlers_destroyed() {
    auto token = std::make_shared<int>(0);
    std::atomic<int> ran{0};
    {
        cte::executor e;
        cte::asio_executor a(e);
        for (int i = 0; i < 10; i++) asio::post(a, [&, token] { ++ran; });
        CHECK(token.use_count() == 11);
    }
    CHECK(token.use_count() == 1);
    cte::executor e;
    cte::asio_executor a(e);
    serve(e, [] {});
    bool threw = false;
    std::thread([&] {
        try {
            asio::post(a, [&, token] { ++ran; });
        } catch (const cte::error &x) {
            threw = x.status() == CTEXEC_EQUIT;
        }
    }).join();
    CHECK(threw);
    CHECK(token.use_count() == 1);
    CHECK(ran == 0);
}

struct test_case {
    const char *name;
    void (*fn)();
};

// clang-format off
const test_case cases[] = {
    {"properties", test_properties},
    {"post", test_post},
    {"dispatch", test_dispatch},
    {"defer", test_defer},
    {"bind_executor", test_bind_executor},
    {"any_io_executor", test_any_io_executor},
    {"co_spawn", test_co_spawn},
    {"handler_exception_to_on_error", test_handler_exception_to_on_error},
    {"handler_exception_terminates_without_on_error", test_handler_exception_terminates_without_on_error},
    {"outstanding_work", test_outstanding_work},
    {"discarded_handlers_destroyed", test_discarded_handlers_destroyed},
};
// clang-format on

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
        if (ctexec_live_counts(&end) != CTEXEC_OK || end.executors != start.executors ||
            end.futures != start.futures || end.queued != start.queued) {
            std::fprintf(stderr, "%s: FAIL: leak of executors, futures or queued items\n", c.name);
            return 1;
        }
        std::printf("%s: ok\n", c.name);
        return 0;
    }
    std::fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
}
