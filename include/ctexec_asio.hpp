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
 *   - relationship (fork, continuation), outstanding_work (untracked,
 *     tracked): kept and reported by query, with no effect: a ctexec owner
 *     loop ends when the future given to run_until completes, not when
 *     work runs out, so a work guard does not keep it running.
 *   - allocator: the memory of each queued function comes from it.
 *   - context: an asio::execution_context made by the constructor and
 *     shared by the copies (two asio_executors constructed separately from
 *     the same cte::executor compare equal but have distinct contexts).
 *     It has no io_context services: Asio's I/O objects need an
 *     io_context.
 * It converts to asio::any_io_executor, so that asio::post, dispatch,
 * defer, bind_executor and co_spawn work with it.
 *
 * Functions run as fire-and-forget items of the cte::executor (see
 * cte::executor::post): they run on its owner inside run_until or
 * run_ready. What one throws does not propagate out of run_until as it
 * would out of io_context::run (nothing unwinds through C): it goes to the
 * executor's options::on_error, or is dropped without one. A function
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

#include <memory>
#include <type_traits>
#include <utility>

namespace cte {

template <class Allocator = std::allocator<void>>
class basic_asio_executor {
public:
    /* An Asio executor that runs functions on ex's owner thread. */
    explicit basic_asio_executor(executor &ex, const Allocator &a = Allocator())
        : ex_(&ex), ctx_(std::make_shared<asio::execution_context>()), alloc_(a) {}

    basic_asio_executor(const basic_asio_executor &) noexcept = default;
    basic_asio_executor(basic_asio_executor &&) noexcept = default;
    basic_asio_executor &operator=(const basic_asio_executor &) noexcept = default;
    basic_asio_executor &operator=(basic_asio_executor &&) noexcept = default;

    /* The cte::executor it runs on. */
    executor &cte_executor() const noexcept { return *ex_; }

    /* Runs f() on the owner: inline if called there and blocking is
     * possibly; else queued (see the top of this header). */
    template <class F>
    void execute(F &&f) const {
        unsigned flags = (bits_ & never_bit) ? CTEXEC_SUBMIT_POST : CTEXEC_SUBMIT_DISPATCH;
        detail::fire_submit(ex_->native_handle(), flags, 0, alloc_, std::forward<F>(f));
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
    asio::execution_context &query(asio::execution::context_t) const noexcept { return *ctx_; }
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
        : ex_(o.ex_), ctx_(o.ctx_), alloc_(a), bits_(o.bits_) {}

    basic_asio_executor with(unsigned bit, bool on) const noexcept {
        basic_asio_executor r(*this);
        r.bits_ = on ? (bits_ | bit) : (bits_ & ~bit);
        return r;
    }

    executor *ex_;
    std::shared_ptr<asio::execution_context> ctx_;
    Allocator alloc_;
    unsigned bits_ = 0;
};

/* The Asio executor of a cte::executor (see basic_asio_executor). */
using asio_executor = basic_asio_executor<>;

} // namespace cte

#endif /* CTEXEC_ASIO_HPP */
