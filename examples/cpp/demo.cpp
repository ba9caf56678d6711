// ctexec C++ demo: main() owns an executor; worker threads submit work to it
// and wait for the results. Every item reports the thread it ran on. The same
// scenario as examples/c/demo.c, through include/ctexec.hpp.
#include <cstdio>
#include <thread>
#include <vector>

#include "ctexec.hpp"

constexpr int workers = 4;
constexpr int items_per_worker = 3;

int main() {
    if (ctexec_version() != CTEXEC_VERSION_NUMBER) {
        std::fprintf(stderr, "header/library version mismatch\n");
        return 1;
    }
    try {
        const std::thread::id owner = std::this_thread::get_id();
        cte::executor ex;
        cte::promise<void> all_done;
        cte::future<void> done = all_done.get_future();

        std::vector<std::thread> pool;
        for (int w = 0; w < workers; w++)
            pool.emplace_back([&, w] {
                for (int i = 0; i < items_per_worker; i++) {
                    int v = w * 10 + i;
                    // Runs on the owner thread: the place for thread-affine
                    // work (a GUI call, a GL context, a thread-bound handle).
                    cte::future<std::pair<int, bool>> f = ex.submit([v, owner] {
                        return std::pair(v * v, std::this_thread::get_id() == owner);
                    });
                    auto [square, on_owner] = f.get();
                    std::printf("worker %d item %d: %3d*%-3d = %5d, ran on %s thread\n", w, i, v,
                                v, square, on_owner ? "the owner" : "ANOTHER");
                    if (!on_owner) std::exit(1);
                }
            });
        // Joins the workers, then lets the owner's run_until return.
        std::thread joiner([&] {
            for (auto &t : pool) t.join();
            all_done.set_value();
        });

        // Serve the workers' items on this thread until all_done completes.
        ex.run_until(done);
        joiner.join();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    ctexec_counts c;
    if (ctexec_live_counts(&c) != CTEXEC_OK) return 1;
    std::printf("done: %d items ran on the owner; live executors=%llu futures=%llu queued=%llu\n",
                workers * items_per_worker, static_cast<unsigned long long>(c.executors),
                static_cast<unsigned long long>(c.futures), static_cast<unsigned long long>(c.queued));
    return c.executors || c.futures || c.queued;
}
