// ctexec inside a Qt 6 event loop (a headless QCoreApplication), through
// the C++ layer only: cte::executor::set_notify takes a lambda that posts a
// queued call to the loop thread, and that call runs run_ready() with a
// budget, posting itself again while items remain, so Qt's own events and
// timers keep running between batches.
//
// Worker threads run "GUI" steps on the loop thread with cte::executor::call
// and submit().get(). Built as C++20, a coroutine also hops back and forth
// between a worker's executor and the loop thread with co_await
// ex.schedule(). Every step checks that it runs on the loop thread; a 20 s
// watchdog timer fails the run if it stalls.
//
// Usage: qt_embed [workers] [steps per worker]
#include <QCoreApplication>
#include <QTimer>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

#include "ctexec.hpp"

namespace {

[[noreturn]] void die(const char *what) {
    std::fprintf(stderr, "qt_embed: %s\n", what);
    std::exit(1);
}

#if defined(CTEXEC_HPP_COROUTINES)
// steps round trips: worker thread -> loop thread -> worker thread. The
// worker thread owns `worker` and serves it with run_until while the
// coroutine is away.
cte::task<long> hop(cte::executor &gui, cte::executor &worker, std::thread::id loop_thread,
                    long &painted, long steps) {
    const auto worker_thread = std::this_thread::get_id();
    long done = 0;
    for (long i = 0; i < steps; i++) {
        co_await gui.schedule();
        if (std::this_thread::get_id() != loop_thread) die("coroutine step off the loop thread");
        ++painted;
        co_await worker.schedule();
        if (std::this_thread::get_id() != worker_thread) die("coroutine came back elsewhere");
        ++done;
    }
    co_return done;
}
#endif

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const int workers = argc > 1 ? std::atoi(argv[1]) : 4;
    const long steps = argc > 2 ? std::atol(argv[2]) : 20000;
    if (workers < 1 || workers > 64 || steps < 1) die("usage: qt_embed [1..64 workers] [steps >= 1]");
    const auto loop_thread = std::this_thread::get_id();
    long painted = 0; // the "GUI" state: touched on the loop thread only
    long expected = 0;
    try {
        cte::executor gui; // this (the loop) thread is its owner

        // Runs at most 1000 items per turn of the Qt loop.
        std::function<void()> run_some;
        auto post = [&app, &run_some] {
            QMetaObject::invokeMethod(&app, [&run_some] { run_some(); }, Qt::QueuedConnection);
        };
        run_some = [&gui, &post] {
            if (gui.run_ready(1000).more) post(); // else: the next submit notifies
        };
        // On a submitting thread, once per "queue became non-empty".
        gui.set_notify(post);

#if defined(CTEXEC_HPP_COROUTINES)
        std::atomic<int> running{workers + 1}; // and the coroutine's thread
#else
        std::atomic<int> running{workers};
#endif
        auto finished = [&] {
            if (--running == 0) gui.post([] { QCoreApplication::quit(); });
        };
        std::vector<std::thread> threads;
        for (int w = 0; w < workers; w++) {
            threads.emplace_back([&] {
                for (long i = 0; i < steps; i++) {
                    auto step = [&] {
                        if (std::this_thread::get_id() != loop_thread) die("step off the loop thread");
                        return ++painted;
                    };
                    long v = i % 2 ? gui.call(step) : gui.submit(step).get();
                    if (v < 1) die("bad step result");
                }
                finished();
            });
        }
        expected = workers * steps;

#if defined(CTEXEC_HPP_COROUTINES)
        // One more thread: a coroutine that hops between its own executor
        // and the loop thread. Its thread serves its executor with
        // run_until until the coroutine is done.
        expected += steps;
        threads.emplace_back([&] {
            long hops = 0;
            {
                cte::executor worker;
                cte::future<long> f = hop(gui, worker, loop_thread, painted, steps).start();
                worker.run_until(f); // serves the hops back until it is done
                hops = f.get();
            }
            if (hops != steps) die("coroutine lost hops");
            finished();
        });
#endif

        QTimer watchdog;
        watchdog.setSingleShot(true);
        QObject::connect(&watchdog, &QTimer::timeout, [] { die("timed out after 20 s"); });
        watchdog.start(20000);
        app.exec();
        watchdog.stop();
        for (auto &t : threads) t.join();
        gui.set_notify(nullptr); // nothing may post to the loop from here on
        if (painted != expected) die("some steps did not run");
    } catch (const std::exception &e) {
        std::fprintf(stderr, "qt_embed: %s\n", e.what());
        return 1;
    }
    ctexec_counts c{};
    if (ctexec_live_counts(&c) != CTEXEC_OK || c.executors || c.futures || c.queued) die("live objects left");
    std::printf("qt_embed: %ld steps from %d worker threads%s ran on the Qt loop thread\n", painted, workers,
#if defined(CTEXEC_HPP_COROUTINES)
                " and one coroutine"
#else
                ""
#endif
    );
    return 0;
}
