/*
 * ctexec_asio.hpp — a ctexec executor as a standalone Asio executor
 * (\since 0.3.0). Needs Asio (standalone, 1.22 or later: Debian's
 * libasio-dev) and ctexec.hpp; ctexec.hpp itself never needs Asio.
 *
 *     cte::executor gui;                              // this thread owns it
 *     cte::asio_executor on_gui(gui);
 *     asio::post(on_gui, [] { repaint(); });          // runs on gui's owner
 *     asio::co_spawn(on_gui, draw(), asio::detached); // so does the coroutine
 *     socket.async_read_some(buf, asio::bind_executor(on_gui, on_read));
 *     asio::any_io_executor any = on_gui;             // type-erased
 *
 * cte::asio_executor meets Asio's execution::executor concept (a const
 * execute member, copyable and equality-comparable without throwing) with
 * these properties:
 *   - blocking: possibly (the default) is dispatch: called on the owner
 *     thread, the function runs inline before execute returns; elsewhere
 *     it is queued (CTEXEC_SUBMIT_DISPATCH). never is post: always queued,
 *     from the owner too, and run at the owner's next turn
 *     (CTEXEC_SUBMIT_POST). asio::dispatch uses the first, asio::post and
 *     asio::defer the second. always is not supported (as io_context).
 *   - relationship (fork, continuation): kept and reported by query, with
 *     no effect.
 *   - outstanding_work (untracked, the default; tracked): "work" is the
 *     number of tracked asio_executor objects alive for this cte::executor
 *     (an executor_work_guard, co_spawn's and async operations' work
 *     guards hold one), as io_context counts its work guards; read it
 *     with outstanding_work(). It never keeps an owner loop running, nor
 *     ends one: run_until ends when the future given to it completes, not
 *     when work runs out. A host that wants io_context's rule waits for
 *     outstanding_work() == 0 itself. Queued functions are not counted.
 *   - allocator: the memory of each queued function comes from it.
 *   - context: an asio::execution_context, one per cte::executor, made by
 *     the first asio_executor constructed from it and destroyed with the
 *     cte::executor (after the queued functions are discarded), so equal
 *     asio_executors have the same context. It has no io_context
 *     services: Asio's I/O objects need an io_context.
 * It converts to asio::any_io_executor, so that asio::post, dispatch,
 * defer, bind_executor and co_spawn work with it.
 *
 * Functions run as fire-and-forget items of the cte::executor (see
 * cte::executor::post): they run on its owner inside run_until or
 * run_ready. What one throws cannot propagate out of run_until as it
 * would out of io_context::run (nothing unwinds through C). It goes to the
 * executor's options::on_error, on the owner, right after the function;
 * without an on_error it calls std::terminate, as an exception that leaves
 * io_context::run on a std::thread, or an asio::thread_pool thread, does
 * (never dropped unseen). Which of the two is decided by the cte::executor
 * the asio_executor was made from, when the function is queued (one that
 * went down the old_executor chain keeps that choice). A function
 * queued but never run (the executor was destroyed, or quit and none in
 * its chain would take it) is destroyed, not called, exactly once. A
 * refused execute (the executor and its chain have quit: CTEXEC_EQUIT; a
 * full bounded queue) throws cte::error, after destroying the function.
 *
 * Threads: any. The cte::executor must outlive every asio_executor made
 * from it, and every copy inside handlers and coroutines.
 */
#ifndef CTEXEC_ASIO_HPP
#define CTEXEC_ASIO_HPP

#include "ctexec.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/execution.hpp>
#include <asio/execution_context.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

namespace cte {

namespace detail {
/* Per cte::executor (executor::companion): the context and the count of
 * tracked asio_executors. */
struct asio_companion final : companion {
    asio::execution_context ctx;
    std::atomic<std::size_t> work{0};
};
} // namespace detail

template <class Allocator = std::allocator<void>>
class basic_asio_executor {
public:
    /* An Asio executor that runs functions on ex's owner thread. Throws
     * what making the context throws (std::bad_alloc) on first use of ex. */
    explicit basic_asio_executor(executor &ex, const Allocator &a = Allocator())
        : ex_(&ex), c_(&ex.companion<detail::asio_companion>()), alloc_(a) {}

    /* Copies share the context; a copy of a tracked executor is tracked
     * work too. No reference count is touched unless tracked: asio::post
     * copies the executor several times per call (require, prefer). */
    basic_asio_executor(const basic_asio_executor &o) noexcept
        : ex_(o.ex_), c_(o.c_), alloc_(o.alloc_), bits_(o.bits_) {
        work_started();
    }
    basic_asio_executor(basic_asio_executor &&o) noexcept : basic_asio_executor(o) {}
    basic_asio_executor &operator=(const basic_asio_executor &o) noexcept {
        if (this != &o) {
            o.work_started();
            work_finished();
            ex_ = o.ex_;
            c_ = o.c_;
            alloc_ = o.alloc_;
            bits_ = o.bits_;
        }
        return *this;
    }
    basic_asio_executor &operator=(basic_asio_executor &&o) noexcept { return *this = o; }
    ~basic_asio_executor() { work_finished(); }

    /* The outstanding work of the cte::executor: how many tracked
     * asio_executors made from it are alive (see the top of this header).
     * Any thread. */
    std::size_t outstanding_work() const noexcept { return c_->work.load(std::memory_order_acquire); }

    /* The cte::executor it runs on. */
    executor &cte_executor() const noexcept { return *ex_; }

    /* Runs f() on the owner: inline if called there and blocking is
     * possibly; else queued (see the top of this header). */
    template <class F>
    void execute(F &&f) const {
        using T = detail::fire<Allocator, std::decay_t<F>>;
        T *t = T::make(alloc_, std::forward<F>(f));
        ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
        o.flags = (bits_ & never_bit) ? CTEXEC_SUBMIT_POST : CTEXEC_SUBMIT_DISPATCH;
        o.destroy = &T::destroy;
        ctexec_fn run = ex_->has_error_hook() ? &T::run : &run_or_terminate<T>;
        detail::check(ctexec_submit_with(ex_->native_handle(), &o, run, t, nullptr), "ctexec_submit_with");
    }

    /* Whether the calling thread is the executor's owner (as Asio's
     * running_in_this_thread). */
    bool running_in_this_thread() const { return ex_->is_owner(); }

    /* ---- properties ---------------------------------------------------- */

    basic_asio_executor require(asio::execution::blocking_t::possibly_t) const noexcept {
        return with(never_bit, false);
    }
    basic_asio_executor require(asio::execution::blocking_t::never_t) const noexcept {
        return with(never_bit, true);
    }
    basic_asio_executor require(asio::execution::relationship_t::fork_t) const noexcept {
        return with(continuation_bit, false);
    }
    basic_asio_executor require(asio::execution::relationship_t::continuation_t) const noexcept {
        return with(continuation_bit, true);
    }
    basic_asio_executor require(asio::execution::outstanding_work_t::untracked_t) const noexcept {
        return with(tracked_bit, false);
    }
    basic_asio_executor require(asio::execution::outstanding_work_t::tracked_t) const noexcept {
        return with(tracked_bit, true);
    }
    template <class OtherAllocator>
    basic_asio_executor<OtherAllocator>
    require(asio::execution::allocator_t<OtherAllocator> a) const noexcept {
        return basic_asio_executor<OtherAllocator>(*this, a.value());
    }
    basic_asio_executor<std::allocator<void>>
    require(asio::execution::allocator_t<void>) const noexcept {
        return basic_asio_executor<std::allocator<void>>(*this, std::allocator<void>());
    }

    static constexpr asio::execution::mapping_t query(asio::execution::mapping_t) noexcept {
        return asio::execution::mapping.thread;
    }
    asio::execution_context &query(asio::execution::context_t) const noexcept { return c_->ctx; }
    asio::execution::blocking_t query(asio::execution::blocking_t) const noexcept {
        return (bits_ & never_bit) ? asio::execution::blocking_t(asio::execution::blocking.never)
                                   : asio::execution::blocking_t(asio::execution::blocking.possibly);
    }
    asio::execution::relationship_t query(asio::execution::relationship_t) const noexcept {
        return (bits_ & continuation_bit)
                   ? asio::execution::relationship_t(asio::execution::relationship.continuation)
                   : asio::execution::relationship_t(asio::execution::relationship.fork);
    }
    asio::execution::outstanding_work_t query(asio::execution::outstanding_work_t) const noexcept {
        return (bits_ & tracked_bit)
                   ? asio::execution::outstanding_work_t(asio::execution::outstanding_work.tracked)
                   : asio::execution::outstanding_work_t(asio::execution::outstanding_work.untracked);
    }
    template <class OtherAllocator>
    Allocator query(asio::execution::allocator_t<OtherAllocator>) const noexcept {
        return alloc_;
    }
    Allocator query(asio::execution::allocator_t<void>) const noexcept { return alloc_; }

    /* Equal: the same cte::executor, properties and allocator. */
    friend bool operator==(const basic_asio_executor &a, const basic_asio_executor &b) noexcept {
        return a.ex_ == b.ex_ && a.bits_ == b.bits_ && a.alloc_ == b.alloc_;
    }
    friend bool operator!=(const basic_asio_executor &a, const basic_asio_executor &b) noexcept {
        return !(a == b);
    }

private:
    template <class> friend class basic_asio_executor;

    enum : unsigned { never_bit = 1, continuation_bit = 2, tracked_bit = 4 };

    template <class OtherAllocator>
    basic_asio_executor(const basic_asio_executor<OtherAllocator> &o, const Allocator &a) noexcept
        : ex_(o.ex_), c_(o.c_), alloc_(a), bits_(o.bits_) {
        work_started();
    }

    basic_asio_executor with(unsigned bit, bool on) const noexcept {
        basic_asio_executor r(*this);
        r.work_finished();
        r.bits_ = on ? (bits_ | bit) : (bits_ & ~bit);
        r.work_started();
        return r;
    }

    void work_started() const noexcept {
        if (bits_ & tracked_bit) c_->work.fetch_add(1, std::memory_order_relaxed);
    }
    void work_finished() const noexcept {
        if (bits_ & tracked_bit) c_->work.fetch_sub(1, std::memory_order_release);
    }

    /* The item without an error hook: what f throws leaves a noexcept
     * function, which calls std::terminate (see the top of this header). */
    template <class T>
    static int run_or_terminate(void *arg, void **) noexcept {
        detail::invoke_tuple(std::move(static_cast<T *>(arg)->fn));
        return 0;
    }

    executor *ex_;
    detail::asio_companion *c_;
    Allocator alloc_;
    unsigned bits_ = 0;
};

/* The Asio executor of a cte::executor (see basic_asio_executor). */
using asio_executor = basic_asio_executor<>;

} // namespace cte

#endif /* CTEXEC_ASIO_HPP */
