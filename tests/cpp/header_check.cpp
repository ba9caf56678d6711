// Compiled with -fsyntax-only and every warning as an error (see
// CMakeLists.txt): instantiates each template of ctexec.hpp once, so the
// warnings of the instantiations show too. Never run.
#include "ctexec.hpp"

#include <memory>
#include <string>

namespace {

struct move_only {
    std::unique_ptr<int> p;
};

int twice(int x) { return 2 * x; }
int global = 0;

[[maybe_unused]] void instantiate(cte::executor &ex) {
    cte::executor chained(ex);
    cte::future<int> a = ex.submit([] { return 1; });
    cte::future<void> b = ex.submit([] {});
    cte::future<move_only> c = ex.submit([m = move_only{}]() mutable { return std::move(m); });
    cte::future<int &> d = ex.submit([]() -> int & { return global; });
    cte::future<int> e = ex.submit(twice, 3);
    cte::future<std::string> s = ex.submit([](std::string x) { return x; }, std::string("s"));
    int v = a.get() + d.get() + e.get() + ex.call(twice, 2);
    v += ex.call([](const int &x) { return x; }, v);
    b.get();
    c.get();
    s.wait();
    (void)s.wait_for(std::chrono::milliseconds(1));
    (void)s.wait_for(std::chrono::duration<double>(0.5));
    (void)s.wait_until(std::chrono::system_clock::now());
    (void)s.ready();
    (void)s.cancel();
    ex.call([] {});
    int &r = ex.call([]() -> int & { return global; });
    (void)r;
    move_only m = ex.call([] { return move_only{}; });
    (void)m;

    cte::promise<int> pi;
    cte::promise<void> pv;
    cte::promise<int &> pr;
    cte::promise<move_only> pm;
    cte::future<int> fi = pi.get_future();
    cte::future<void> fv = pv.get_future();
    pi.set_value(v);
    pv.set_value();
    pr.set_value(global);
    pm.set_value(move_only{});
    pi.set_exception(std::make_exception_ptr(1));
    ex.run_until(fv);
    (void)ex.run_until_for(fi, std::chrono::seconds(1));
    cte::future<void *> raw = cte::adopt(fi.native_handle());
    (void)raw;
    (void)ex.native_handle();
    // 0.3.0: submit options.
    ex.post([m = move_only{}]() mutable { (void)m; });
    ex.post(twice, 1);
    ex.post(cte::urgent, [] {});
    ex.dispatch([] {});
    ex.dispatch(cte::urgent, twice, 2);
    ex.post_after(std::chrono::milliseconds(5), [] {});
    cte::future<int> u = ex.submit(cte::urgent, twice, 3);
    cte::future<void> t1 = ex.submit_after(std::chrono::milliseconds(5), [] {});
    cte::future<int> t2 = ex.submit_after(cte::urgent, std::chrono::duration<double>(0.5), twice, 4);
    cte::future<move_only> w = ex.submit_with({cte::submit_mode::post, true, std::chrono::nanoseconds(0)},
                                              [] { return move_only{}; });
    (void)u.get();
    (void)ex.is_owner();
    std::optional<std::chrono::nanoseconds> nd = ex.next_deadline();
    (void)nd;
    cte::options o;
    o.on_error = [](std::exception_ptr) {};
    o.stats = true;
    o.max_queued = 4;
    o.when_full = cte::when_full::fail;
    o.stall = std::chrono::milliseconds(100);
    o.on_stall = [](std::chrono::nanoseconds) {};
    cte::executor bounded(o);
    cte::executor bounded_chained(ex, o);
    cte::future<int> t = bounded.submit_for(std::chrono::milliseconds(5), twice, 4);
    (void)bounded.submit_for(std::chrono::duration<double>(0.5), [] {});
    cte::executor_stats st = bounded.stats();
    (void)st;
    (void)t;
    ex.close();
    try {
        throw cte::error(CTEXEC_EINVAL);
    } catch (const cte::error &err) {
        (void)err.status();
        (void)err.code().message();
    }
}

// The C header's initialisers, as C++ users write them, under this file's
// warnings (-Wconversion, -Wold-style-cast among them).
[[maybe_unused]] int c_initialisers() {
    ctexec_options o = CTEXEC_OPTIONS_INIT;
    ctexec_stats_t st = CTEXEC_STATS_INIT;
    o.max_queued = 4;
    ctexec *raw = nullptr;
    if (ctexec_new_with(nullptr, &o, &raw) == CTEXEC_OK) {
        (void)ctexec_stats(raw, &st);
        (void)ctexec_free(raw);
    }
    return static_cast<int>(st.size);
}

} // namespace

#if defined(CTEXEC_HPP_COROUTINES)
// C++20: the coroutine pieces, each instantiated once.
namespace {

cte::task<int> coro_value(cte::executor &ex, cte::future<int> &f) {
    co_await ex.schedule();
    int a = co_await f;
    int b = co_await f.resume_on(ex);
    int c = co_await ex.submit([] { return 1; });
    co_return a + b + c;
}
cte::task<void> coro_void(cte::executor &ex, cte::future<void> &f, cte::future<int> &g) {
    co_await f;
    int x = co_await coro_value(ex, g);
    (void)x;
}
cte::task<int &> coro_ref() { co_return global; }
cte::task<move_only> coro_move() { co_return move_only{}; }

[[maybe_unused]] void instantiate_coroutines(cte::executor &ex, cte::future<void> &f,
                                             cte::future<int> &g) {
    cte::future<void> started = coro_void(ex, f, g).start();
    (void)started;
    int &r = cte::sync_wait(coro_ref());
    (void)r;
    move_only m = cte::sync_wait(coro_move());
    (void)m;
    cte::task<void> t;
    (void)t.valid();
}

} // namespace
#endif

// The embedding calls and the process totals.
namespace {
[[maybe_unused]] void instantiate_embedding(cte::executor &ex) {
    (void)ex.fd();
    (void)ex.event_handle();
    cte::executor::ready_result r = ex.run_ready();
    r = ex.run_ready(10, std::chrono::milliseconds(2));
    (void)r.more;
    (void)r.ran;
    ex.set_notify([] {});
    ex.set_notify(nullptr);
    cte::executor_stats totals = cte::process_stats();
    (void)totals;
}
} // namespace
