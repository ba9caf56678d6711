/*
 * ctexec.hpp — the C++17 layer over ctexec.h: typed futures, lambdas and
 * exceptions; with C++20 (when the compiler defines __cpp_impl_coroutine),
 * coroutines too: `co_await future`, `co_await ex.schedule()` to hop onto
 * an owner thread, and a small cte::task<T> (see "C++20 coroutines" at the
 * end).
 *
 * Header-only, over the C ABI only: link the same library (CMake target
 * ctexec::ctexec). The namespace is cte, because the C header's global
 * `typedef struct ctexec ctexec;` already takes the name ctexec.
 *
 * Example:
 *
 *     cte::executor ex;                       // this thread is the owner
 *     cte::promise<void> done;
 *     cte::future<void> all = done.get_future();
 *     std::thread worker([&] {
 *         cte::future<int> f = ex.submit([&] { return draw(window); });
 *         int r = f.get();                    // draw() ran on the owner
 *         int s = ex.call(resize, window, 2); // the same, in one call
 *         done.set_value();                   // lets run_until return
 *     });
 *     ex.run_until(all);                      // runs the worker's items here
 *     worker.join();
 *
 * Conventions
 *   - Every failure is an exception. A status from the library becomes a
 *     cte::error (a std::system_error in the "ctexec" category, code().value()
 *     the CTEXEC_E* status or the host's positive code). Misuse that
 *     std::future and std::promise report with std::future_error (no state,
 *     already retrieved, already satisfied, broken promise) is reported the
 *     same way here.
 *   - Nothing ever unwinds through C: an exception thrown by a submitted
 *     callable is caught on the owner thread and delivered by the future.
 *   - Destructors never throw. Where the C call they make can fail, the
 *     failure is ignored, and what it means is said at the destructor.
 *   - Where this header is silent, std::future and std::promise are the
 *     model.
 *   - then() (continuations) is left out on purpose: run the continuation
 *     on the waiting thread after get(), or submit it from there.
 */
#ifndef CTEXEC_HPP
#define CTEXEC_HPP

#include "ctexec.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#if defined(__cpp_impl_coroutine)
#include <coroutine>
#define CTEXEC_HPP_COROUTINES 1
#endif

#if __cplusplus < 201703L && !(defined(_MSVC_LANG) && _MSVC_LANG >= 201703L)
#error "ctexec.hpp needs C++17 or later"
#endif

namespace cte {

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * The "ctexec" error category. message() is ctexec_strerror(value). Some
 * statuses compare equal to their std::errc counterparts:
 * CTEXEC_EINVAL == std::errc::invalid_argument, CTEXEC_EBUSY ==
 * std::errc::device_or_resource_busy, CTEXEC_ECANCELLED ==
 * std::errc::operation_canceled, CTEXEC_ETIMEDOUT == std::errc::timed_out,
 * CTEXEC_ENOMEM == std::errc::not_enough_memory, CTEXEC_EDEADLK ==
 * std::errc::resource_deadlock_would_occur, CTEXEC_EAGAIN ==
 * std::errc::resource_unavailable_try_again.
 */
class error_category_impl final : public std::error_category {
public:
    const char *name() const noexcept override { return "ctexec"; }
    std::string message(int status) const override { return ctexec_strerror(status); }
    std::error_condition default_error_condition(int status) const noexcept override {
        switch (status) {
        case CTEXEC_EINVAL: return std::errc::invalid_argument;
        case CTEXEC_EBUSY: return std::errc::device_or_resource_busy;
        case CTEXEC_ECANCELLED: return std::errc::operation_canceled;
        case CTEXEC_ETIMEDOUT: return std::errc::timed_out;
        case CTEXEC_ENOMEM: return std::errc::not_enough_memory;
        case CTEXEC_EDEADLK: return std::errc::resource_deadlock_would_occur;
        case CTEXEC_EAGAIN: return std::errc::resource_unavailable_try_again;
        default: return std::error_condition(status, *this);
        }
    }
};

/* The one instance of the category. Any thread. */
inline const std::error_category &category() noexcept {
    static const error_category_impl instance;
    return instance;
}

/*
 * A failure reported by the library, or an outcome that is not a value:
 * code().value() is a CTEXEC_E* status (negative), or the host's positive
 * error code when a C callback returned one. what() names the call that
 * failed and gives ctexec_strerror's text.
 */
class error : public std::system_error {
public:
    explicit error(int status, const char *where = "ctexec")
        : std::system_error(status, category(), where) {}
    /* The status, as code().value(). */
    int status() const noexcept { return code().value(); }
};

namespace detail {

/* Throws cte::error unless status is CTEXEC_OK. */
inline void check(int status, const char *where) {
    if (status != CTEXEC_OK) throw error(status, where);
}

/* Outcomes a wait reports for a completed future, as against a failure of
 * the wait itself (a bad handle, fork, an earlier panic). */
inline bool is_outcome(int status) noexcept {
    return status >= 0 || status == CTEXEC_ECANCELLED || status == CTEXEC_EINVAL;
}

/* A duration as a C timeout: never negative (a negative duration means
 * "poll", as for std::future::wait_for; the C API would read it as
 * "forever"), rounded up, and saturated instead of overflowing. */
template <class Rep, class Period>
int64_t timeout_ns(const std::chrono::duration<Rep, Period> &d) noexcept {
    using namespace std::chrono;
    if (d <= d.zero()) return 0;
    if (duration<long double, std::nano>(d).count() >= static_cast<long double>(INT64_MAX))
        return INT64_MAX;
    return static_cast<int64_t>(ceil<nanoseconds>(d).count());
}

/* Where a result waits for its reader: an object, a reference (as a
 * pointer), or nothing for void. */
template <class T>
struct slot {
    static_assert(!std::is_rvalue_reference_v<T>,
                  "cte: a callable that returns an rvalue reference is not supported; return by value");
    static_assert(std::is_move_constructible_v<T>,
                  "cte: a result type must be movable, an lvalue reference, or void");
    std::optional<T> v;
    template <class... V> void set(V &&...x) { v.emplace(std::forward<V>(x)...); }
    T take() { return std::move(*v); }
};
template <class T>
struct slot<T &> {
    T *p = nullptr;
    void set(T &x) noexcept { p = &x; }
    T &take() const noexcept { return *p; }
};
template <>
struct slot<void> {
    void set() noexcept {}
    void take() const noexcept {}
};

/* Runs fn and puts what it returns into s. */
template <class T, class Fn>
void fill(slot<T> &s, Fn &&fn) {
    if constexpr (std::is_void_v<T>) {
        std::forward<Fn>(fn)();
    } else {
        s.set(std::forward<Fn>(fn)());
    }
}

/* Invokes the callable and arguments held in a tuple, as std::thread does:
 * each element as an rvalue (for a tuple of references, as it was passed). */
template <class Tuple>
decltype(auto) invoke_tuple(Tuple &&t) {
    return std::apply([](auto &&...x) -> decltype(auto) {
        return std::invoke(std::forward<decltype(x)>(x)...);
    }, std::forward<Tuple>(t));
}

/*
 * The shared state behind a future. Who frees it:
 *   - an item's state (kind::task) has one owner, the future, until the
 *     future is destroyed. If the item's C future is known to be done by
 *     then (the item ran, was cancelled or was discarded), the future frees
 *     it. Otherwise the future hands it to a done callback, which frees it
 *     after the item has finished with it, or when the item is cancelled or
 *     discarded, whichever happens, exactly once.
 *   - a promise's state (kind::promise) is counted: the promise and its
 *     future each hold one reference.
 *   - an adopted C future (kind::raw) has only its handle.
 * The C handle is freed with the state's last reference, or at once when a
 * task is handed to its done callback (the callback then makes no C call).
 */
struct state_base {
    enum class kind : unsigned char { task, promise, raw };

    explicit state_base(kind which, int initial_refs = 1) noexcept : refs(initial_refs), k(which) {}
    state_base(const state_base &) = delete;
    state_base &operator=(const state_base &) = delete;
    virtual ~state_base() = default;

    void release() noexcept {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            if (handle != 0) ctexec_future_free(handle);
            delete this;
        }
    }

    static void delete_on_done(ctexec_future, void *userdata) noexcept {
        delete static_cast<state_base *>(userdata);
    }

    std::atomic<int> refs;
    const kind k;
    std::atomic<bool> claimed{false}; /* a promise: set_* has begun */
    ctexec_future handle = 0;
    std::exception_ptr error;
};

template <class T>
struct state : state_base {
    using state_base::state_base;
    slot<T> value;
};

/* A submitted item: the callable and its arguments, decay-copied, and the
 * slot for its result. */
template <class R, class... Fn>
struct task final : state<R> {
    template <class... X>
    explicit task(X &&...x) : state<R>(state_base::kind::task), fn(std::in_place, std::forward<X>(x)...) {}

    /* The C work item, on the owner thread. The callable is destroyed here,
     * on the owner, right after it ran, so captures that belong to the
     * owner's thread die there. */
    static int run(void *arg, void **) noexcept {
        auto *t = static_cast<task *>(arg);
        try {
            fill(t->value, [t]() -> decltype(auto) { return invoke_tuple(std::move(*t->fn)); });
        } catch (...) {
            t->error = std::current_exception();
        }
        try {
            t->fn.reset();
        } catch (...) {
            if (!t->error) t->error = std::current_exception();
        }
        return 0;
    }

    std::optional<std::tuple<Fn...>> fn;
};

/* A synchronous call: references to the callable and its arguments, on the
 * caller's stack (ctexec_call returns only once the item ran or was
 * discarded, so the frame outlives every use). */
template <class R, class Refs>
struct call_frame {
    static int run(void *arg, void **) noexcept {
        auto *c = static_cast<call_frame *>(arg);
        try {
            fill(c->value, [c]() -> decltype(auto) { return invoke_tuple(std::move(c->args)); });
        } catch (...) {
            c->error = std::current_exception();
        }
        return 0;
    }

    Refs args;
    slot<R> value;
    std::exception_ptr error;
};

[[noreturn]] inline void no_state() { throw std::future_error(std::future_errc::no_state); }

} // namespace detail

template <class T> class future;
template <class T> class promise;
class executor;
template <class Allocator> class basic_asio_executor; /* ctexec_asio.hpp */
#if defined(CTEXEC_HPP_COROUTINES)
template <class T> class future_awaiter;
class schedule_awaiter;
#endif

/* ------------------------------------------------------------------------ */
/* Futures                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * What every cte::future<T> has, whatever T: waiting, polling, cancelling,
 * and the C handle, which executor::run_until takes. Not made directly.
 *
 * Threads: as std::future, one future object is used by one thread at a
 * time; different futures, and a future and its promise, may be used from
 * any threads at once.
 *
 * A future is valid from the submit or get_future() that made it until get()
 * or a move. On an invalid future every member but valid(), native_handle(),
 * assignment and the destructor throws std::future_error(no_state).
 */
class future_base {
public:
    future_base(const future_base &) = delete;
    future_base &operator=(const future_base &) = delete;

    /* True while the future refers to an outcome (see above). */
    bool valid() const noexcept { return st_ != nullptr; }

    /*
     * Wait until the outcome is ready. Like std::future::wait, an exception
     * or cancellation is not thrown here; get() throws it.
     * Throws cte::error if the wait itself fails (CTEXEC_EFORK,
     * CTEXEC_EPANIC), or at once with CTEXEC_EDEADLK if it could never
     * finish (this thread owns the executor the item is queued to, or the
     * wait closes a cycle of owners waiting on each other's items; see
     * ctexec_future_wait); the future is then still valid and pending.
     */
    void wait() const { wait_ns(-1); }

    /*
     * Wait at most d. A zero or negative d polls. Returns
     * std::future_status::ready or ::timeout (never ::deferred).
     */
    template <class Rep, class Period>
    std::future_status wait_for(const std::chrono::duration<Rep, Period> &d) const {
        return wait_ns(detail::timeout_ns(d)) ? std::future_status::ready
                                              : std::future_status::timeout;
    }

    /* Wait until the clock reaches t, as wait_for(t - Clock::now()). */
    template <class Clock, class Duration>
    std::future_status wait_until(const std::chrono::time_point<Clock, Duration> &t) const {
        return wait_for(t - Clock::now());
    }

    /* True if the outcome is ready (a value, an exception, or cancelled).
     * Never blocks. */
    bool ready() const {
        if (!st_) detail::no_state();
        if (done_) return true;
        int rc = ctexec_future_done(st_->handle);
        if (rc < 0) throw error(rc, "ctexec_future_done");
        return done_ = rc == 1;
    }

    /*
     * Cancel the item if it has not started (for a promise's future: if
     * the promise is not yet satisfied). Returns true if this call cancelled
     * it: the item never runs, its callable is destroyed without being
     * called, get() throws cte::error(CTEXEC_ECANCELLED), and the promise's
     * later set_value/set_exception throws cte::error(CTEXEC_ESTATE).
     * Returns false if it was too late (started, done or already
     * cancelled). Any thread that holds the future.
     */
    bool cancel() {
        if (!st_) detail::no_state();
        int rc = ctexec_future_cancel(st_->handle);
        if (rc == CTEXEC_OK) return done_ = true;
        if (rc == CTEXEC_ESTATE) return false;
        throw error(rc, "ctexec_future_cancel");
    }

    /* The C handle, for ctexec_run_until or ctexec_future_add_done_callback;
     * 0 on an invalid future. Still owned by this object: never free it. */
    ctexec_future native_handle() const noexcept { return st_ ? st_->handle : 0; }

protected:
    future_base() noexcept = default;
    explicit future_base(detail::state_base *st) noexcept : st_(st) {}
    future_base(future_base &&o) noexcept
        : st_(std::exchange(o.st_, nullptr)), done_(std::exchange(o.done_, false)) {}
    future_base &operator=(future_base &&o) noexcept {
        if (this != &o) {
            drop();
            st_ = std::exchange(o.st_, nullptr);
            done_ = std::exchange(o.done_, false);
        }
        return *this;
    }
    ~future_base() { drop(); }

    /* Waits up to timeout_ns (< 0: forever) and returns whether done;
     * out gets the C result when done. */
    bool wait_ns(int64_t timeout_ns, void **out = nullptr) const {
        if (!st_) detail::no_state();
        void *r = nullptr;
        int rc = ctexec_future_wait(st_->handle, done_ ? 0 : timeout_ns, &r);
        if (rc == CTEXEC_ETIMEDOUT) return false;
        if (!detail::is_outcome(rc)) throw error(rc, "ctexec_future_wait");
        done_ = true;
        last_ = rc;
        if (out) *out = r;
        return true;
    }

    /*
     * Lets go of the state. A task whose item may still run (not known to
     * be done) goes to a done callback, which frees it once the item has
     * finished with it; if registering that callback fails (CTEXEC_ENOMEM,
     * or the process is in the EFORK/EPANIC state), the state is leaked
     * rather than freed under a running item.
     */
    void drop() noexcept {
        detail::state_base *st = std::exchange(st_, nullptr);
        if (!st) return;
        if (st->k != detail::state_base::kind::task || done_) {
            st->release();
            return;
        }
        ctexec_future h = std::exchange(st->handle, 0);
        ctexec_future_add_done_callback(h, &detail::state_base::delete_on_done, st);
        ctexec_future_free(h);
    }

    detail::state_base *st_ = nullptr;
    mutable bool done_ = false; /* the C future is known to be done */
    mutable int last_ = 0;      /* the status of the wait that saw it done */
};

/*
 * The typed outcome of a submitted item, of a promise, or of an adopted C
 * future. Move-only, like std::future<T>. T is an object type (movable), a
 * reference, or void.
 *
 * Destroying a future does not cancel its item (it still runs, and its
 * result is destroyed unread), and never blocks, unlike a future from
 * std::async.
 */
template <class T>
class future : public future_base {
public:
    /* An invalid future. */
    future() noexcept = default;
    future(future &&) noexcept = default;
    future &operator=(future &&) noexcept = default;
    ~future() = default;

    /*
     * Wait for the outcome and return it, once: the future is invalid
     * afterwards. Throws the exception the callable threw (or the promise
     * set); cte::error(CTEXEC_ECANCELLED) if the item was cancelled or
     * discarded by its executor's destruction; cte::error(code) with the
     * host's positive code, or CTEXEC_EINVAL, for an adopted C future whose
     * callback returned one; std::future_error(no_state) on an invalid
     * future.
     */
    T get() {
        void *raw = nullptr;
        wait_ns(-1, &raw);
        auto *st = static_cast<detail::state<T> *>(st_);
        struct release_on_exit {
            future &f;
            ~release_on_exit() { f.drop(); }
        } release{*this};
        if (last_ != CTEXEC_OK) throw error(last_, "cte::future::get");
        if constexpr (std::is_same_v<T, void *>) {
            if (st->k == detail::state_base::kind::raw) return raw;
        }
        if (st->error) std::rethrow_exception(st->error);
        return st->value.take();
    }

#if defined(CTEXEC_HPP_COROUTINES)
    /*
     * C++20: `co_await f` suspends the coroutine until f completes, without
     * blocking a thread, and gives what get() gives (the value, or the
     * exception get() throws: the callable's, cte::error(CTEXEC_ECANCELLED)
     * when cancelled or discarded, ...); f is then invalid, as after get().
     * If f is already done it does not suspend.
     *
     * Where it resumes: on the thread that completed f (the owner that ran
     * the item, the thread that set the promise, cancelled f or destroyed
     * the executor), inside that completion, until the coroutine next
     * suspends; blocking there holds that thread up (see resume_on).
     * Throws std::future_error(no_state) on an invalid future, and
     * cte::error if the done callback cannot be registered (CTEXEC_ENOMEM,
     * CTEXEC_EFORK, CTEXEC_EPANIC); f then stays valid.
     *
     * Threads: f must stay in place (not moved or destroyed) until the
     * co_await has resumed, and no one else may use it meanwhile: a
     * future named in the coroutine, or a temporary one, does.
     */
    future_awaiter<T> operator co_await() & noexcept;
    future_awaiter<T> operator co_await() && noexcept;

    /*
     * C++20: `co_await f.resume_on(ex)` is `co_await f`, but the coroutine
     * resumes on ex's owner thread, as an item of ex (as
     * `co_await ex.schedule()` does after f completed): at once if f
     * completes on ex's owner, or is already done when awaited there.
     * If that item cannot be queued or never runs, the coroutine resumes
     * where the hop failed and cte::error is thrown instead of f's outcome
     * (CTEXEC_EQUIT, CTEXEC_ECANCELLED, ... as for schedule()); f then
     * stays valid and done. ex must outlive the wait.
     */
    future_awaiter<T> resume_on(executor &ex) & noexcept;
#endif

private:
    friend class executor;
    friend class promise<T>;
    friend future<void *> adopt(ctexec_future);
    explicit future(detail::state_base *st) noexcept : future_base(st) {}
};

/*
 * Take ownership of a C future handle (from ctexec_submit with a C
 * callback, or ctexec_future_new), so that it is freed by the destructor
 * and its outcome is read by get(): the callback's void * result, or a
 * cte::error carrying the callback's positive host error code (or
 * CTEXEC_ECANCELLED, CTEXEC_EINVAL). The handle must not be freed by anyone
 * else afterwards. A handle of 0 throws cte::error(CTEXEC_EBADHANDLE);
 * other bad handles show on first use. If this throws (that, or
 * std::bad_alloc), the caller still owns the handle.
 */
inline future<void *> adopt(ctexec_future h) {
    if (h == 0) throw error(CTEXEC_EBADHANDLE, "cte::adopt");
    auto *st = new detail::state<void *>(detail::state_base::kind::raw);
    st->handle = h;
    return future<void *>(st);
}

/* ------------------------------------------------------------------------ */
/* Promises                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * The writing end of a future that the host completes itself, over a C
 * promise (ctexec_future_new). Move-only, like std::promise<T>. Its future
 * works with executor::run_until, so a promise is the usual way to say when
 * an owner's loop may stop.
 *
 * Threads: set_value and set_exception may be called from any thread, and
 * race safely with each other (one wins; the others throw) and with the
 * future's reader.
 */
template <class T>
class promise {
public:
    /* Throws cte::error (CTEXEC_ENOMEM, CTEXEC_EFORK, CTEXEC_EPANIC). */
    promise() : st_(new detail::state<T>(detail::state_base::kind::promise)) {
        int rc = ctexec_future_new(&st_->handle);
        if (rc != CTEXEC_OK) {
            delete st_;
            throw error(rc, "ctexec_future_new");
        }
    }
    promise(promise &&o) noexcept : st_(std::exchange(o.st_, nullptr)) {}
    /* Abandons the current state first, as the destructor does. */
    promise &operator=(promise &&o) noexcept {
        if (this != &o) {
            abandon();
            st_ = std::exchange(o.st_, nullptr);
        }
        return *this;
    }
    promise(const promise &) = delete;
    promise &operator=(const promise &) = delete;

    /* An unsatisfied promise completes its future with
     * std::future_error(broken_promise), as std::promise does. */
    ~promise() { abandon(); }

    /* The future, once. A second call throws
     * std::future_error(future_already_retrieved). */
    future<T> get_future() {
        if (!st_) detail::no_state();
        if (retrieved_) throw std::future_error(std::future_errc::future_already_retrieved);
        retrieved_ = true;
        st_->refs.fetch_add(1, std::memory_order_relaxed);
        return future<T>(st_);
    }

    /*
     * Store the value (nothing for void, one lvalue for T&, constructor
     * arguments for an object T) and complete the future. Throws
     * std::future_error(promise_already_satisfied) if set before,
     * cte::error(CTEXEC_ESTATE) if the future was cancelled (the value is
     * then destroyed unread), or whatever constructing the value throws
     * (the promise then stays unsatisfied).
     */
    template <class... V>
    void set_value(V &&...v) {
        claim();
        try {
            st_->value.set(std::forward<V>(v)...);
        } catch (...) {
            st_->claimed.store(false);
            throw;
        }
        complete();
    }

    /* Complete the future with an exception that get() rethrows. A null
     * pointer throws cte::error(CTEXEC_EINVAL) and sets nothing. Otherwise
     * as set_value. */
    void set_exception(std::exception_ptr e) {
        if (!e) throw error(CTEXEC_EINVAL, "cte::promise::set_exception (null exception_ptr)");
        claim();
        st_->error = std::move(e);
        complete();
    }

private:
    void claim() {
        if (!st_) detail::no_state();
        if (st_->claimed.exchange(true))
            throw std::future_error(std::future_errc::promise_already_satisfied);
    }
    void complete() {
        int rc = ctexec_future_set_result(st_->handle, nullptr);
        if (rc != CTEXEC_OK) throw error(rc, "ctexec_future_set_result");
    }
    void abandon() noexcept {
        if (!st_) return;
        if (!st_->claimed.exchange(true)) {
            try {
                st_->error = std::make_exception_ptr(
                    std::future_error(std::future_errc::broken_promise));
            } catch (...) {
                st_->error = std::current_exception();
            }
            ctexec_future_set_result(st_->handle, nullptr); /* ESTATE if cancelled */
        }
        std::exchange(st_, nullptr)->release();
    }

    detail::state<T> *st_;
    bool retrieved_ = false;
};

/* ------------------------------------------------------------------------ */
/* Executors                                                                */
/* ------------------------------------------------------------------------ */

/* What a submit to a full bounded queue does (ctexec_options.when_full). */
enum class when_full : int {
    block = CTEXEC_FULL_BLOCK, /* wait for room (submit_for bounds the wait) */
    fail = CTEXEC_FULL_FAIL,   /* throw cte::error(CTEXEC_EAGAIN) at once */
};

/*
 * Options for an executor (ctexec_new_with); the defaults are a plain
 * executor's behaviour. See ctexec_options in ctexec.h for the semantics.
 */
struct options {
    bool stats = false;              /* keep the statistics of executor::stats() */
    std::uint64_t max_queued = 0;    /* 0: unbounded; else at most this many queued */
    cte::when_full when_full = when_full::block;
    std::chrono::nanoseconds stall{0}; /* 0: no watchdog; needs on_stall */
    /*
     * Called with the oldest queued item's wait once it has waited stall
     * without starting: once per stall, on a library thread (never the
     * owner). Keep it short; an exception it throws is caught and dropped
     * (nothing unwinds through C). The executor keeps a copy alive for as
     * long as the C executor lives.
     */
    std::function<void(std::chrono::nanoseconds oldest_wait)> on_stall;
    /*
     * \since 0.3.0. The error hook (ctexec_options.on_error): called on
     * the owner thread with what a fire-and-forget item (post, dispatch,
     * post_after; no future to carry it) threw, right after it ran; or,
     * for a C item submitted without a future through native_handle() that
     * returned a positive host code, with cte::error(code). Items with a
     * future never reach it. It must not block; an exception it throws is
     * caught and dropped. It is the hook of the executor that ran the item
     * (after a quit, the one down the old-executor chain that took it).
     * Without a hook, what a fire-and-forget item throws is dropped
     * (cte::asio_executor's functions: std::terminate, see
     * ctexec_asio.hpp). The
     * executor keeps a copy alive for as long as the C executor lives.
     */
    std::function<void(std::exception_ptr)> on_error;
};

/*
 * \since 0.3.0. Tag for the urgent lane (CTEXEC_SUBMIT_URGENT), as the first
 * argument of submit, post, dispatch and submit_after:
 * `ex.post(cte::urgent, repaint)`. Urgent items run before normal items
 * queued earlier; each lane stays FIFO; normal items do not starve (see
 * ctexec_submit_with).
 */
struct urgent_t {
    explicit urgent_t() = default;
};
inline constexpr urgent_t urgent{};

/* \since 0.3.0. Where an item of submit_with runs (ctexec_submit_with's
 * flags). */
enum class submit_mode : unsigned {
    queue = 0,                         /* submit's rule: refused on the owner */
    dispatch = CTEXEC_SUBMIT_DISPATCH, /* inline on the owner, else queued */
    post = CTEXEC_SUBMIT_POST,         /* always queued, from the owner too */
};

/* \since 0.3.0. The options of one submit_with (ctexec_submit_opts). */
struct submit_options {
    submit_mode mode = submit_mode::queue;
    bool urgent = false;               /* the urgent lane */
    std::chrono::nanoseconds delay{0}; /* > 0: a timer (queued, even with dispatch) */
};

/* An executor's statistics (struct ctexec_stats). queued is always filled;
 * the rest only for an executor made with options::stats. Counters are
 * exact; the waits are sampled (see ctexec_stats_t in ctexec.h). */
struct executor_stats {
    std::uint32_t flags = 0; /* the executor's CTEXEC_OPT_* flags */
    std::uint64_t queued = 0, high_water = 0, submitted = 0, run = 0, cancelled = 0,
                  discarded = 0, rejected = 0, wait_samples = 0;
    std::chrono::nanoseconds wait_p50{0}, wait_p99{0}, wait_max{0}, busy{0}, idle{0};
};

namespace detail {

/* The C statistics struct, named through ctexec_stats' parameter (the
 * header's spelling of its tag has changed once). */
template <class Fn> struct second_param;
template <class R, class A, class B> struct second_param<R (*)(A, B)> {
    using type = std::remove_pointer_t<B>;
};
using c_stats = second_param<decltype(&::ctexec_stats)>::type;

/* The C statistics as executor_stats. */
inline executor_stats from_c(const c_stats &c) noexcept {
    using ns = std::chrono::nanoseconds;
    return {c.flags, c.queued, c.high_water, c.submitted, c.run, c.cancelled, c.discarded,
            c.rejected, c.wait_samples, ns(c.wait_p50_ns), ns(c.wait_p99_ns),
            ns(c.wait_max_ns), ns(c.busy_ns), ns(c.idle_ns)};
}

/* The C notify callback: userdata is the executor's std::function. */
using notify_function = std::function<void()>;
inline void on_notify(ctexec *, void *userdata) noexcept {
    try {
        (*static_cast<notify_function *>(userdata))();
    } catch (...) {
    }
}

/* The C stall callback: userdata is the executor's std::function. */
using stall_function = std::function<void(std::chrono::nanoseconds)>;
inline void on_stall(ctexec *, int64_t oldest_wait_ns, void *userdata) noexcept {
    try {
        (*static_cast<stall_function *>(userdata))(std::chrono::nanoseconds(oldest_wait_ns));
    } catch (...) {
    }
}

/* The C error hook: userdata is the executor's std::function. */
using error_function = std::function<void(std::exception_ptr)>;

/* The positive status a fire-and-forget C++ item returns when its callable
 * threw: the exception waits in pending_exception() for the error hook,
 * which the library calls on the same thread right after the item. ("CTEX") */
inline constexpr int thrown_status = 0x43544558;
inline std::exception_ptr &pending_exception() noexcept {
    static thread_local std::exception_ptr e;
    return e;
}

inline void on_error(ctexec *, int code, void *userdata) noexcept {
    std::exception_ptr e;
    if (code == thrown_status) e = std::exchange(pending_exception(), nullptr);
    if (!e) e = std::make_exception_ptr(error(code, "cte: fire-and-forget item"));
    try {
        (*static_cast<error_function *>(userdata))(std::move(e));
    } catch (...) {
    }
}

/*
 * small_pool: the memory of small fire-and-forget items (at most
 * small_pool::size bytes, alignment at most 16) made with std::allocator.
 * They are made by the submitting threads and freed by the owner, and
 * operator new/delete of one per item paid malloc's cross-thread free
 * (the profile of asio::post onto cte::asio_executor, issue 21). As the
 * C library does with its records (capi/cx/submit_with.c, "The record
 * pool"), a thread carves its items out of a slab of `count` cells, one
 * operator new, that counts the cells not yet freed; deallocate, from any
 * thread, decrements it and the last one deletes the slab. A thread holds
 * at most one slab not yet handed out in full, and gives up its unused
 * cells when it exits (a thread_local guard's destructor); after that, or
 * for a cell made without a slab, the cell is its own allocation (slab
 * null). Memory is bounded by the live items plus one slab a thread.
 */
struct small_pool {
    static constexpr std::size_t size = 64;
    static constexpr std::size_t count = 64;

    struct slab;
    struct alignas(16) cell {
        slab *owner; // null: allocated alone
        alignas(16) unsigned char data[size];
    };
    struct slab {
        std::atomic<std::size_t> live{count}; // cells not yet freed or not yet handed out
        cell cells[count];
    };
    struct cache {
        slab *current = nullptr;
        std::size_t next = 0;
        unsigned char state = 0; // 0: no guard yet; 1: guarded; 2: the thread is exiting
    };

    // Trivially destructible, so it stays usable while the thread exits.
    static cache &mine() noexcept {
        static thread_local cache c;
        return c;
    }
    static void put(slab *b, std::size_t n) noexcept {
        if (b->live.fetch_sub(n, std::memory_order_acq_rel) == n) delete b;
    }
    struct guard {
        ~guard() {
            cache &c = mine();
            c.state = 2;
            // A slab handed out in full is no longer this thread's to put.
            slab *b = std::exchange(c.current, nullptr);
            if (b != nullptr && c.next < count) put(b, count - c.next);
        }
    };

    static void *allocate() {
        cache &c = mine();
        if (c.current == nullptr || c.next == count) {
            c.current = nullptr;
            if (c.state == 0) {
                static thread_local guard g; // destroyed at this thread's exit
                (void)g;
                c.state = 1;
            }
            if (c.state == 1) {
                slab *b = new slab;
                for (cell &x : b->cells) x.owner = b;
                c.current = b;
                c.next = 0;
            } else {
                cell *x = new cell;
                x->owner = nullptr;
                return x->data;
            }
        }
        return c.current->cells[c.next++].data;
    }

    static void deallocate(void *p) noexcept {
        cell *x = reinterpret_cast<cell *>(static_cast<unsigned char *>(p) - offsetof(cell, data));
        if (x->owner == nullptr)
            delete x;
        else
            put(x->owner, 1);
    }
};

template <class Alloc, class T>
inline constexpr bool small_pooled =
    std::is_same_v<typename std::allocator_traits<Alloc>::template rebind_alloc<T>, std::allocator<T>> &&
    sizeof(T) <= small_pool::size && alignof(T) <= 16 && __STDCPP_DEFAULT_NEW_ALIGNMENT__ >= 16;

/*
 * A fire-and-forget item: the callable and its arguments, decay-copied.
 * Submitted with destroy = fire::destroy, so the library deletes it exactly
 * once: on the owner right after it ran, or where it was discarded
 * (ctexec_free), cancelled at quit (a timer) or refused (inside the failing
 * submit). An exception it throws goes to the error hook (see on_error).
 * Alloc is the allocator of its memory (std::allocator<void>: new/delete).
 */
template <class Alloc, class... Fn>
struct fire final {
    using self_alloc = typename std::allocator_traits<Alloc>::template rebind_alloc<fire>;
    using traits = std::allocator_traits<self_alloc>;

    template <class... X>
    explicit fire(const Alloc &a, X &&...x) : alloc(a), fn(std::forward<X>(x)...) {}

    template <class... X>
    static fire *make(const Alloc &a, X &&...x) {
        if constexpr (small_pooled<Alloc, fire>) {
            void *m = small_pool::allocate();
            try {
                return ::new (m) fire(a, std::forward<X>(x)...);
            } catch (...) {
                small_pool::deallocate(m);
                throw;
            }
        } else {
            self_alloc sa(a);
            fire *p = traits::allocate(sa, 1);
            try {
                ::new (static_cast<void *>(p)) fire(a, std::forward<X>(x)...);
            } catch (...) {
                traits::deallocate(sa, p, 1);
                throw;
            }
            return p;
        }
    }

    static int run(void *arg, void **) noexcept {
        try {
            invoke_tuple(std::move(static_cast<fire *>(arg)->fn));
        } catch (...) {
            pending_exception() = std::current_exception();
            return thrown_status;
        }
        return 0;
    }

    static void destroy(void *arg) noexcept {
        auto *p = static_cast<fire *>(arg);
        if constexpr (small_pooled<Alloc, fire>) {
            p->~fire();
            small_pool::deallocate(p);
        } else {
            self_alloc sa(p->alloc);
            p->~fire();
            traits::deallocate(sa, p, 1);
        }
    }

    Alloc alloc;
    std::tuple<Fn...> fn;
};

/* Submits a fire-and-forget item with flags and a delay; throws cte::error
 * if refused (the library has destroyed the item by then). */
template <class Alloc, class F, class... A>
void fire_submit(ctexec *ex, unsigned flags, int64_t delay_ns, const Alloc &a, F &&f,
                 A &&...args) {
    static_assert(std::is_invocable_v<std::decay_t<F>, std::decay_t<A>...>,
                  "cte: f is not callable with these arguments");
    using T = fire<Alloc, std::decay_t<F>, std::decay_t<A>...>;
    T *t = T::make(a, std::forward<F>(f), std::forward<A>(args)...);
    ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
    o.flags = flags;
    o.delay_ns = delay_ns;
    o.destroy = &T::destroy;
    check(ctexec_submit_with(ex, &o, &T::run, t, nullptr), "ctexec_submit_with");
}

/* What a companion header (ctexec_asio.hpp) keeps per executor: made on
 * first use, destroyed with the executor after ctexec_free (or leaked with
 * it, when it stays allocated), so that items discarded by the free may
 * still use it. */
struct companion {
    virtual ~companion() = default;
};

} // namespace detail

/*
 * An executor: owns a ctexec *. The thread that constructs it is its owner.
 * Move-only; a moved-from executor holds nothing, and every call on it
 * throws cte::error(CTEXEC_EINVAL).
 */
class executor {
public:
    /* Throws cte::error (CTEXEC_ENOMEM, CTEXEC_EFORK, CTEXEC_EPANIC). */
    executor() { detail::check(ctexec_new(nullptr, &ex_), "ctexec_new"); }

    /*
     * An executor whose submits go to old once this one has quit (asgiref's
     * old_executor). old must outlive nothing: destroying it later makes it
     * count as quit. A moved-from old throws cte::error(CTEXEC_EINVAL).
     */
    explicit executor(executor &old) : executor(&old, nullptr) {}

    /*
     * An executor with options (ctexec_new_with), optionally chained to old.
     * Throws cte::error(CTEXEC_EINVAL) for an unknown when_full, a negative
     * stall, a stall without on_stall or an on_stall without a stall; and
     * what the constructors above throw.
     */
    explicit executor(const options &o) : executor(nullptr, &o) {}
    executor(executor &old, const options &o) : executor(&old, &o) {}

    executor(executor &&o) noexcept
        : ex_(std::exchange(o.ex_, nullptr)), stall_(std::move(o.stall_)),
          notify_(std::move(o.notify_)), error_(std::move(o.error_)),
          companion_(o.companion_.exchange(nullptr)) {}
    executor &operator=(executor &&o) noexcept {
        if (this != &o) {
            free_now();
            ex_ = std::exchange(o.ex_, nullptr);
            stall_ = std::move(o.stall_);
            notify_ = std::move(o.notify_);
            error_ = std::move(o.error_);
            companion_.store(o.companion_.exchange(nullptr));
        }
        return *this;
    }
    executor(const executor &) = delete;
    executor &operator=(const executor &) = delete;

    /*
     * Frees the executor (ctexec_free), from any thread. Items still queued
     * are discarded: their callables are never called, and their futures
     * complete with CTEXEC_ECANCELLED (get() throws cte::error). Destroying
     * it from inside its own run_until or its own on_stall (CTEXEC_EBUSY)
     * leaves it allocated, with its on_stall; use close() to see such
     * errors.
     */
    ~executor() { free_now(); }

    /* Free it now, as the destructor does, but throw cte::error on failure
     * (CTEXEC_EBUSY: it is running); the executor is then unchanged. */
    void close() {
        detail::check(ctexec_free(ex_), "ctexec_free");
        ex_ = nullptr;
        stall_.reset();
        notify_.reset();
        error_.reset();
        delete companion_.exchange(nullptr);
    }

    /* Its statistics (ctexec_stats), from any thread. Throws cte::error
     * (CTEXEC_EINVAL when moved-from, CTEXEC_EFORK, CTEXEC_EPANIC). */
    executor_stats stats() const {
        if (!ex_) throw error(CTEXEC_EINVAL, "cte::executor::stats (moved-from)");
        detail::c_stats c{};
        c.size = static_cast<std::uint32_t>(sizeof c);
        detail::check(ctexec_stats(ex_, &c), "ctexec_stats");
        return detail::from_c(c);
    }

    /*
     * Queue f(args...) to run on the owner thread, and return its future.
     * f and args are decay-copied (or moved) into the item, as std::thread
     * and std::async do, and invoked as rvalues: move-only callables and
     * arguments work. R, the invoke result, is a movable type, a reference
     * or void. An exception thrown by f is caught on the owner and rethrown
     * by get(). The callable is destroyed on the owner right after it ran;
     * a cancelled or discarded one is destroyed where that happened.
     *
     * As in C, the item goes down the old-executor chain if this executor
     * has quit. A full bounded queue (options::max_queued) makes it wait for room
     * (when_full::block) or throw CTEXEC_EAGAIN (when_full::fail).
     *
     * Threads: any thread except the owner.
     * Throws cte::error: CTEXEC_ESAMETHREAD (called on the owner),
     * CTEXEC_EQUIT (this executor and its chain have quit), CTEXEC_EAGAIN,
     * CTEXEC_ECANCELLED (destroyed while this waited for room), CTEXEC_EINVAL
     * (moved-from), CTEXEC_ENOMEM, CTEXEC_EFORK, CTEXEC_EPANIC; then f never
     * runs. Also std::bad_alloc, or what copying f or args throws.
     */
    template <class F, class... A>
    [[nodiscard]] auto submit(F &&f, A &&...args) {
        return submit_ns(-1, std::forward<F>(f), std::forward<A>(args)...);
    }

    /*
     * submit, waiting at most timeout for room in a full bounded queue
     * (options::max_queued with when_full::block; ctexec_submit_timeout).
     * A zero or negative timeout does not wait. Throws
     * cte::error(CTEXEC_ETIMEDOUT) if the queue is still full then, and
     * what submit throws; f never runs. On an unbounded executor it is
     * submit.
     */
    template <class Rep, class Period, class F, class... A>
    [[nodiscard]] auto submit_for(const std::chrono::duration<Rep, Period> &timeout, F &&f, A &&...args) {
        return submit_ns(detail::timeout_ns(timeout), std::forward<F>(f), std::forward<A>(args)...);
    }

    /*
     * Run f(args...) on the owner thread and return what it returns (a
     * reference stays a reference), or rethrow what it throws. f and args
     * are passed by reference, never copied: this waits until f has run.
     * The cheapest round trip (ctexec_call: no future, no allocation here).
     *
     * Threads: any thread except the owner; never a thread that owns an
     * executor in this one's chain while that executor cannot run.
     * Throws what f throws, or cte::error: CTEXEC_ECANCELLED (the executor
     * was destroyed before the item ran), CTEXEC_EDEADLK at once for a wait
     * that could never finish (see future_base::wait), and the statuses of
     * submit.
     */
    template <class F, class... A>
    std::invoke_result_t<F, A...> call(F &&f, A &&...args) {
        using R = std::invoke_result_t<F, A...>;
        using Refs = std::tuple<F &&, A &&...>;
        detail::call_frame<R, Refs> c{Refs(std::forward<F>(f), std::forward<A>(args)...), {}, {}};
        detail::check(ctexec_call(ex_, &detail::call_frame<R, Refs>::run, &c, nullptr), "ctexec_call");
        if (c.error) std::rethrow_exception(c.error);
        return c.value.take();
    }

    /* ---- Submit options (\since 0.3.0; see ctexec_submit_with) --------
     *
     * Futures or fire and forget. submit, submit_with and submit_after
     * return a cte::future (marked [[nodiscard]]: a dropped future drops
     * the exception inside it); post, dispatch and post_after return
     * nothing, as asio::post, asio::dispatch, QMetaObject::invokeMethod and
     * g_main_context_invoke do: what their callable throws goes to
     * options::on_error. Every one of them throws cte::error when the item
     * is refused (fn then never runs, and its callable has been destroyed
     * on this thread).
     *
     * Callables. Decay-copied into the item as for submit. A fire-and-forget
     * item's callable is destroyed exactly once by the library's
     * destroy-notify: on the owner right after it ran; in the destructor of
     * the executor that discarded it; on the owner when a timer is
     * cancelled because the executor quit; on this thread when refused.
     */

    /* submit, on the urgent lane (CTEXEC_SUBMIT_URGENT). */
    template <class F, class... A>
    [[nodiscard]] auto submit(urgent_t, F &&f, A &&...args) {
        return submit_opts(CTEXEC_SUBMIT_URGENT, 0, std::forward<F>(f), std::forward<A>(args)...);
    }

    /*
     * submit with options: o.mode dispatch runs f inline when called on
     * the owner (the future is then ready when this returns; what f throws
     * is in the future), post queues it from the owner too (waiting for it
     * there with get() is CTEXEC_EDEADLK: co_await it, or run_until it);
     * o.urgent takes the urgent lane; o.delay > 0 makes it a timer (see
     * submit_after). Throws as submit, plus CTEXEC_EAGAIN for a post from
     * the owner to a full bounded queue (the owner never waits for room).
     * CTEXEC_ESAMETHREAD only for mode queue without a delay.
     */
    template <class F, class... A>
    [[nodiscard]] auto submit_with(const submit_options &o, F &&f, A &&...args) {
        return submit_opts(flags_of(o), detail::timeout_ns(o.delay), std::forward<F>(f),
                           std::forward<A>(args)...);
    }

    /*
     * A timer: run f(args...) on the owner no earlier than delay from now
     * (steady clock), and return its future; future::cancel() cancels the
     * timer. From any thread, the owner included (a zero or negative delay
     * is then a post: queued for the owner's next turn). Timers run in the
     * order of their deadlines. When this executor quits (run_until
     * returns), timers not yet due are cancelled: their futures throw
     * cte::error(CTEXEC_ECANCELLED); they do not go down the chain.
     * Throws as submit (never CTEXEC_ESAMETHREAD).
     */
    template <class Rep, class Period, class F, class... A>
    [[nodiscard]] auto submit_after(const std::chrono::duration<Rep, Period> &delay, F &&f,
                                    A &&...args) {
        return submit_opts(CTEXEC_SUBMIT_POST, detail::timeout_ns(delay), std::forward<F>(f),
                           std::forward<A>(args)...);
    }
    template <class Rep, class Period, class F, class... A>
    [[nodiscard]] auto submit_after(urgent_t, const std::chrono::duration<Rep, Period> &delay,
                                    F &&f, A &&...args) {
        return submit_opts(CTEXEC_SUBMIT_POST | CTEXEC_SUBMIT_URGENT, detail::timeout_ns(delay),
                           std::forward<F>(f), std::forward<A>(args)...);
    }

    /*
     * Fire and forget: queue f(args...) for the owner, from any thread, the
     * owner included (CTEXEC_SUBMIT_POST; Asio's post and defer). It runs at
     * the owner's next turn, never inline. Throws cte::error: CTEXEC_EQUIT,
     * CTEXEC_EAGAIN (full bounded queue with when_full::fail, or any full
     * bounded queue when called on the owner), CTEXEC_ECANCELLED,
     * CTEXEC_EINVAL (moved-from), CTEXEC_ENOMEM, CTEXEC_EFORK, CTEXEC_EPANIC.
     */
    template <class F, class... A>
    void post(F &&f, A &&...args) {
        detail::fire_submit(ex_, CTEXEC_SUBMIT_POST, 0, std::allocator<void>(), std::forward<F>(f),
                            std::forward<A>(args)...);
    }
    template <class F, class... A>
    void post(urgent_t, F &&f, A &&...args) {
        detail::fire_submit(ex_, CTEXEC_SUBMIT_POST | CTEXEC_SUBMIT_URGENT, 0,
                            std::allocator<void>(), std::forward<F>(f), std::forward<A>(args)...);
    }

    /*
     * Fire and forget, inline on the owner: called on the owner thread,
     * f(args...) runs now, before dispatch returns (what it throws goes to
     * options::on_error, not to the caller: it ran inside the C library);
     * elsewhere it is queued as by post (CTEXEC_SUBMIT_DISPATCH; Asio's
     * dispatch, Qt's AutoConnection, GLib's g_main_context_invoke). After
     * a quit, the owner that matters is that of the executor down the chain
     * that takes the item. Throws as post.
     */
    template <class F, class... A>
    void dispatch(F &&f, A &&...args) {
        detail::fire_submit(ex_, CTEXEC_SUBMIT_DISPATCH, 0, std::allocator<void>(),
                            std::forward<F>(f), std::forward<A>(args)...);
    }
    template <class F, class... A>
    void dispatch(urgent_t, F &&f, A &&...args) {
        detail::fire_submit(ex_, CTEXEC_SUBMIT_DISPATCH | CTEXEC_SUBMIT_URGENT, 0,
                            std::allocator<void>(), std::forward<F>(f), std::forward<A>(args)...);
    }

    /* Fire and forget, as a timer: post after delay (see submit_after; a
     * timer cancelled by the quit destroys its callable on the owner). */
    template <class Rep, class Period, class F, class... A>
    void post_after(const std::chrono::duration<Rep, Period> &delay, F &&f, A &&...args) {
        detail::fire_submit(ex_, CTEXEC_SUBMIT_POST, detail::timeout_ns(delay),
                            std::allocator<void>(), std::forward<F>(f), std::forward<A>(args)...);
    }

    /* Whether the calling thread is this executor's owner (a quit executor
     * still has one). Any thread. Throws cte::error: CTEXEC_EINVAL
     * (moved-from), CTEXEC_EFORK, CTEXEC_EPANIC. */
    bool is_owner() const {
        int rc = ctexec_is_owner(ex_);
        if (rc < 0) throw error(rc, "ctexec_is_owner");
        return rc == 1;
    }

    /*
     * For a host loop's poll timeout: the time until this executor's
     * earliest timer is due (zero if one is due now: call run_ready), or
     * std::nullopt if it has no timer (ctexec_next_deadline). Any thread.
     * Throws cte::error: CTEXEC_EINVAL (moved-from), CTEXEC_EFORK,
     * CTEXEC_EPANIC.
     */
    std::optional<std::chrono::nanoseconds> next_deadline() const {
        int64_t ns = -1;
        detail::check(ctexec_next_deadline(ex_, &ns), "ctexec_next_deadline");
        if (ns < 0) return std::nullopt;
        return std::chrono::nanoseconds(ns);
    }

    /*
     * Run queued items on this (the owner) thread until f completes, then
     * the items queued before that moment; the executor then quits. f may be
     * any valid future, done or not; its outcome is not read. Loops nest: an
     * item may make an executor with this one as old and run it.
     *
     * Threads: the owner only.
     * Throws cte::error: CTEXEC_EWRONGTHREAD, CTEXEC_EBUSY (already
     * running), CTEXEC_EQUIT (already quit in an earlier run),
     * CTEXEC_EBADHANDLE (f is invalid), CTEXEC_EINVAL (moved-from),
     * CTEXEC_EFORK, CTEXEC_EPANIC.
     */
    void run_until(const future_base &f) {
        detail::check(ctexec_run_until(ex_, f.native_handle()), "ctexec_run_until");
    }

    /*
     * As run_until, but gives up after timeout if f is still pending and
     * returns false; the executor then has not quit, keeps its queue, and
     * the call may be repeated. Returns true once f completed (and the
     * executor quit). A zero or negative timeout runs what is queued now and
     * checks f once.
     */
    bool run_until_for(const future_base &f, std::chrono::nanoseconds timeout) {
        int rc = ctexec_run_until_timeout(ex_, f.native_handle(), detail::timeout_ns(timeout));
        if (rc == CTEXEC_ETIMEDOUT) return false;
        detail::check(rc, "ctexec_run_until_timeout");
        return true;
    }

    /* ---- Embedding in a host event loop (see ctexec.h) ----------------
     *
     * A host loop that owns the owner thread (Qt, GLib, libuv, a game
     * loop) cannot block in run_until. It watches fd() (Windows:
     * event_handle()), or is told through set_notify, and calls
     * run_ready() on the owner, which runs what is queued and never waits.
     * Items run exactly as under run_until; nothing changes for submitters.
     */

    /*
     * A descriptor that is readable while this executor has work for its
     * owner (level-triggered; see ctexec_fd). Made on the first call;
     * later calls return the same one. Owned by the executor and closed
     * with it: only poll it (QSocketNotifier, g_unix_fd_add, uv_poll),
     * never read, write or close it, and take it out of the host loop
     * before the executor is destroyed. Any thread.
     * Throws cte::error: CTEXEC_EINVAL (moved-from; and on Windows, always:
     * use event_handle), CTEXEC_ENOMEM, CTEXEC_EFORK, CTEXEC_EPANIC.
     */
    int fd() const {
        int out = -1;
        detail::check(ctexec_fd(ex_, &out), "ctexec_fd");
        return out;
    }

    /*
     * Windows: a manual-reset event HANDLE, signalled while this executor
     * has work for its owner, with the rules of fd() (see
     * ctexec_event_handle): wait on it (MsgWaitForMultipleObjectsEx), never
     * set, reset or close it. Any thread.
     * Throws cte::error: CTEXEC_EINVAL (moved-from; and on POSIX, always:
     * use fd), CTEXEC_ENOMEM, CTEXEC_EFORK, CTEXEC_EPANIC.
     */
    void *event_handle() const {
        void *out = nullptr;
        detail::check(ctexec_event_handle(ex_, &out), "ctexec_event_handle");
        return out;
    }

    /* What run_ready did. */
    struct ready_result {
        bool more = false;      /* items remain queued: call again (the descriptor stays ready) */
        std::uint64_t ran = 0;  /* items run (skipped cancelled items count) */
    };

    /*
     * Run queued items on this (the owner) thread without ever blocking:
     * in FIFO order, at most max_items of them (0: every item queued when
     * the call started, not those submitted meanwhile), and no new item
     * once max_time has passed (nanoseconds::max(): no time limit; zero or
     * negative: one item, if any is queued, so every call makes progress).
     * Never quits the executor. An exception thrown by an item goes to its
     * future, as under run_until.
     *
     * Threads: the owner only.
     * Throws cte::error: CTEXEC_EWRONGTHREAD, CTEXEC_EBUSY (called from
     * inside an item that run_until or run_ready is running on this
     * executor), CTEXEC_EINVAL (moved-from), CTEXEC_EFORK, CTEXEC_EPANIC.
     */
    ready_result run_ready(std::uint64_t max_items = 0,
                           std::chrono::nanoseconds max_time = std::chrono::nanoseconds::max()) {
        std::uint64_t ran = 0;
        int64_t ns = max_time == std::chrono::nanoseconds::max() ? -1 : detail::timeout_ns(max_time);
        int rc = ctexec_run_ready(ex_, max_items, ns, &ran);
        if (rc < 0) throw error(rc, "ctexec_run_ready");
        return {rc == 1, ran};
    }

    /*
     * Call f() once each time this executor goes from "nothing for the
     * owner" to "work for the owner" (see ctexec_set_notify): on the
     * submitting thread, inside submit or call. It must not block and must
     * not use this executor (submitting to another one is fine); post a
     * message to the host loop that calls run_ready on the owner. If work
     * is already queued and the host was not woken for it, f() is called
     * once, on this thread, before set_notify returns. An exception f
     * throws is caught and dropped (nothing unwinds through C), and that
     * wake-up is lost: let f not throw.
     *
     * f replaces the previous callable; an empty f (nullptr) removes it.
     * The executor keeps f alive while the library may call it: once
     * set_notify returns, the previous callable is never called again (a
     * call running on another thread has returned) and has been destroyed,
     * here; the last one is destroyed with the executor.
     *
     * Threads: any thread, but not from inside this executor's own notify
     * callable (CTEXEC_EBUSY), and not at the same time as another
     * set_notify, close or the destructor on this object.
     * Throws cte::error: CTEXEC_EBUSY, CTEXEC_EINVAL (moved-from),
     * CTEXEC_EFORK, CTEXEC_EPANIC (the previous callable then stays), or
     * what copying f throws.
     */
    void set_notify(std::function<void()> f) {
        std::unique_ptr<detail::notify_function> next;
        if (f) next = std::make_unique<detail::notify_function>(std::move(f));
        detail::check(ctexec_set_notify(ex_, next ? &detail::on_notify : nullptr, next.get()),
                      "ctexec_set_notify");
        notify_ = std::move(next); /* the C side no longer calls the old one */
    }

    /* The C executor, still owned by this object: never free it. nullptr
     * when moved-from. */
    ctexec *native_handle() const noexcept { return ex_; }

#if defined(CTEXEC_HPP_COROUTINES)
    /*
     * C++20: `co_await ex.schedule()` moves the coroutine onto the owner
     * thread: it resumes there as an item of this executor, run by
     * run_until / run_ready like any other, in FIFO order. On the owner
     * thread it does not suspend and continues at once.
     *
     * The rules of submit apply to the item: it goes down the old-executor
     * chain once this executor has quit, a full bounded queue makes the
     * suspending thread wait for room (or fail), and a failure to queue it
     * resumes the coroutine at once, where it was, with cte::error thrown
     * from the co_await: CTEXEC_EQUIT (this executor and its chain have
     * quit), CTEXEC_EAGAIN, CTEXEC_EINVAL (moved-from), CTEXEC_ENOMEM,
     * CTEXEC_EFORK, CTEXEC_EPANIC.
     *
     * An item that is queued but never runs (the executor holding it was
     * destroyed first) does not leak the coroutine: it is resumed on the
     * thread that destroyed that executor, inside the destruction, with
     * cte::error(CTEXEC_ECANCELLED) thrown from the co_await, so that its
     * frame unwinds and whoever awaits it hears of it. The executor
     * (this object) must stay alive until the coroutine has resumed or
     * its co_await has thrown.
     *
     * Threads: any coroutine on any thread. Costs one item with a
     * destroy-notify per hop, no future (the destroy-notify is what sees
     * an item that never ran).
     */
    schedule_awaiter schedule() noexcept;
#endif

private:
    executor(executor *old, const options *o) {
        if (old && !old->ex_) throw error(CTEXEC_EINVAL, "cte::executor (moved-from old executor)");
        ctexec *c_old = old ? old->ex_ : nullptr;
        if (!o) {
            detail::check(ctexec_new(c_old, &ex_), "ctexec_new");
            return;
        }
        if (o->on_stall && o->stall.count() == 0)
            throw error(CTEXEC_EINVAL, "cte::executor (on_stall without a stall time)");
        ctexec_options c{};
        c.size = static_cast<std::uint32_t>(sizeof c);
        c.flags = o->stats ? CTEXEC_OPT_STATS : 0u;
        c.max_queued = o->max_queued;
        c.when_full = static_cast<int>(o->when_full);
        c.stall_ns = static_cast<int64_t>(o->stall.count());
        if (o->on_stall) {
            stall_ = std::make_unique<detail::stall_function>(o->on_stall);
            c.on_stall = &detail::on_stall;
            c.stall_userdata = stall_.get();
        }
        if (o->on_error) {
            error_ = std::make_unique<detail::error_function>(o->on_error);
            c.on_error = &detail::on_error;
            c.error_userdata = error_.get();
        }
        detail::check(ctexec_new_with(c_old, &c, &ex_), "ctexec_new_with");
    }

    /* ctexec_free; the stall and notify callables go with the C executor,
     * and stay (leaked) if the C executor does (CTEXEC_EBUSY), as it may
     * still call them. */
    void free_now() noexcept {
        if (ctexec_free(ex_) == CTEXEC_OK) {
            stall_.reset();
            notify_.reset();
            error_.reset();
            delete companion_.exchange(nullptr);
        } else {
            static_cast<void>(stall_.release());
            static_cast<void>(notify_.release());
            static_cast<void>(error_.release());
            companion_.store(nullptr);
        }
        ex_ = nullptr;
    }

    static unsigned flags_of(const submit_options &o) noexcept {
        return static_cast<unsigned>(o.mode) | (o.urgent ? CTEXEC_SUBMIT_URGENT : 0u);
    }

    /* ctexec_submit_with, with a future. */
    template <class F, class... A>
    auto submit_opts(unsigned flags, int64_t delay_ns, F &&f, A &&...args) {
        static_assert(std::is_invocable_v<std::decay_t<F>, std::decay_t<A>...>,
                      "cte::executor::submit: f is not callable with these arguments");
        using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>;
        using T = detail::task<R, std::decay_t<F>, std::decay_t<A>...>;
        auto *t = new T(std::forward<F>(f), std::forward<A>(args)...);
        ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
        o.flags = flags;
        o.delay_ns = delay_ns;
        int rc = ctexec_submit_with(ex_, &o, &T::run, t, &t->handle);
        if (rc != CTEXEC_OK) {
            delete t;
            throw error(rc, "ctexec_submit_with");
        }
        return future<R>(t);
    }

    /* submit with timeout_ns < 0 (ctexec_submit) or >= 0
     * (ctexec_submit_timeout). */
    template <class F, class... A>
    auto submit_ns(int64_t timeout_ns, F &&f, A &&...args) {
        static_assert(std::is_invocable_v<std::decay_t<F>, std::decay_t<A>...>,
                      "cte::executor::submit: f is not callable with these arguments");
        using R = std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>;
        using T = detail::task<R, std::decay_t<F>, std::decay_t<A>...>;
        auto *t = new T(std::forward<F>(f), std::forward<A>(args)...);
        int rc = timeout_ns < 0 ? ctexec_submit(ex_, &T::run, t, &t->handle)
                                : ctexec_submit_timeout(ex_, &T::run, t, &t->handle, timeout_ns);
        if (rc != CTEXEC_OK) {
            delete t;
            throw error(rc, timeout_ns < 0 ? "ctexec_submit" : "ctexec_submit_timeout");
        }
        return future<R>(t);
    }

    template <class> friend class basic_asio_executor;

    /* The companion of type T (one type per executor), made on the first
     * call from any thread; throws what T's constructor throws. */
    template <class T>
    T &companion() const {
        detail::companion *c = companion_.load(std::memory_order_acquire);
        if (c == nullptr) {
            auto made = std::make_unique<T>();
            if (companion_.compare_exchange_strong(c, made.get(), std::memory_order_acq_rel,
                                                   std::memory_order_acquire))
                c = made.release();
        }
        return *static_cast<T *>(c);
    }

    /* Whether options::on_error was given. */
    bool has_error_hook() const noexcept { return error_ != nullptr; }

    ctexec *ex_ = nullptr;
    std::unique_ptr<detail::stall_function> stall_; /* options::on_stall, at a fixed address */
    std::unique_ptr<detail::notify_function> notify_; /* set_notify's callable, likewise */
    std::unique_ptr<detail::error_function> error_;   /* options::on_error, likewise */
    mutable std::atomic<detail::companion *> companion_{nullptr}; /* see companion() */
};

/*
 * The process totals (ctexec_stats with no executor): submitted, run,
 * cancelled, discarded and rejected summed over every executor made with
 * options::stats, destroyed ones included (discarded counts the items
 * dropped by destroying an executor), and queued summed over the live
 * ones; the other fields are 0. Any thread.
 * Throws cte::error (CTEXEC_EFORK, CTEXEC_EPANIC).
 */
inline executor_stats process_stats() {
    detail::c_stats c{};
    c.size = static_cast<std::uint32_t>(sizeof c);
    detail::check(ctexec_stats(nullptr, &c), "ctexec_stats");
    return detail::from_c(c);
}

#if defined(CTEXEC_HPP_COROUTINES)
/* ------------------------------------------------------------------------ */
/* C++20 coroutines                                                         */
/* ------------------------------------------------------------------------ */

/*
 * Three pieces, standard library only:
 *   - co_await on a cte::future<T> (future::operator co_await, resume_on);
 *   - co_await ex.schedule(), which hops onto an executor's owner thread;
 *   - cte::task<T>, a lazy coroutine type to write them in, with start()
 *     (a cte::future<T> for run_until, get() or co_await) and sync_wait.
 *
 *     cte::task<int> paint(cte::executor &gui, cte::executor &worker) {
 *         int size = compute();            // on whatever thread started it
 *         co_await gui.schedule();         // now on gui's owner thread
 *         int drawn = draw(size);
 *         co_await worker.schedule();      // back on worker's owner thread
 *         co_return drawn;
 *     }
 *
 * Nothing here blocks a thread: a suspended coroutine is resumed by an item
 * queued to an executor or by a future's done callback. A coroutine that
 * waits on a schedule() item that is discarded is resumed with
 * cte::error(CTEXEC_ECANCELLED) rather than leaked (see schedule()).
 */

namespace detail {

/*
 * One hop of a suspended coroutine onto an executor's owner: an item
 * queued with ctexec_submit_with and a destroy-notify (no future), which
 * tells an item that ran (it resumed the coroutine itself) from one that
 * never ran (discarded by ctexec_free): the destroy-notify then resumes the
 * coroutine with status set to CTEXEC_ECANCELLED. Lives in the awaiter, in
 * the coroutine frame; once the item has resumed the coroutine the frame
 * may be gone, so the destroy-notify that follows the run on the same
 * thread recognises it by the value of the pointer only (just_ran).
 */
struct hop {
    std::coroutine_handle<> h;
    int status = CTEXEC_OK; /* why the hop failed; CTEXEC_OK if it did not */

    /* The hop whose item just ran on this thread (set by run after the
     * resumption, read by on_destroy, which the library calls next on the
     * same thread), and the hop being submitted from this thread (a refusal
     * calls on_destroy inside the submit). Only the value `this` is kept:
     * the hop itself may be gone. */
    static const void *&just_ran() noexcept {
        static thread_local const void *p = nullptr;
        return p;
    }
    static const void *&submitting() noexcept {
        static thread_local const void *p = nullptr;
        return p;
    }

    /* The item, on the owner. A coroutine type whose resume() throws would
     * unwind through C: noexcept turns that into std::terminate. */
    static int run(void *arg, void **) noexcept {
        static_cast<hop *>(arg)->h.resume();
        just_ran() = arg;
        return 0;
    }

    /* destroy-notify: exactly once, after run (then just_ran is arg), on
     * a refusal inside post (then submitting is arg), or for an item that
     * never ran (discarded): then it resumes the coroutine with
     * CTEXEC_ECANCELLED. */
    static void on_destroy(void *arg) noexcept {
        if (just_ran() == arg) {
            just_ran() = nullptr;
            return;
        }
        if (submitting() == arg) return;
        auto *self = static_cast<hop *>(arg);
        self->status = CTEXEC_ECANCELLED;
        self->h.resume();
    }

    int post(ctexec *ex) noexcept {
        ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
        o.destroy = &on_destroy;
        const void *outer = std::exchange(submitting(), this);
        int rc = ctexec_submit_with(ex, &o, &run, this, nullptr);
        submitting() = outer;
        return rc;
    }
};

} // namespace detail

/*
 * The awaiter of `co_await ex.schedule()` (see executor::schedule). Used
 * by co_await only.
 */
class schedule_awaiter {
public:
    explicit schedule_awaiter(executor &ex) noexcept : ex_(ex) {}
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) noexcept {
        hop_.h = h;
        int rc = hop_.post(ex_.native_handle());
        if (rc == CTEXEC_OK) return true; /* the frame may be gone already: touch nothing */
        if (rc != CTEXEC_ESAMETHREAD) hop_.status = rc; /* failed: resume now and throw */
        return false;                                   /* (ESAMETHREAD: on the owner already) */
    }
    void await_resume() const {
        if (hop_.status != CTEXEC_OK) throw error(hop_.status, "cte::executor::schedule");
    }

private:
    executor &ex_;
    detail::hop hop_;
};

inline schedule_awaiter executor::schedule() noexcept { return schedule_awaiter(*this); }

/*
 * The awaiter of `co_await f` and `co_await f.resume_on(ex)` (see
 * future::operator co_await). Used by co_await only; it refers to f,
 * which must outlive it (a temporary future does: it lives until the end
 * of the full expression that awaits it).
 */
template <class T>
class future_awaiter {
public:
    future_awaiter(future<T> &f, executor *ex) noexcept : f_(f), ex_(ex) {}
    future_awaiter(const future_awaiter &) = delete;
    future_awaiter &operator=(const future_awaiter &) = delete;

    bool await_ready() const { return ex_ == nullptr && f_.ready(); }

    bool await_suspend(std::coroutine_handle<> h) {
        hop_.h = h;
        int rc = ctexec_future_add_done_callback(f_.native_handle(), &on_done, this);
        if (rc != CTEXEC_OK) throw error(rc, "ctexec_future_add_done_callback");
        unsigned char registering = 0;
        if (phase_.compare_exchange_strong(registering, suspended, std::memory_order_acq_rel))
            return true; /* on_done resumes it */
        /* on_done ran inline, during the registration: f was done. */
        return move_on();
    }

    T await_resume() {
        if (hop_.status != CTEXEC_OK) throw error(hop_.status, "cte::future::resume_on");
        return f_.get();
    }

private:
    static constexpr unsigned char suspended = 1, completed = 2;

    /* f is done and the coroutine is suspended: hop to ex if there is one
     * and this is not its owner. Returns whether it stays suspended
     * (false: resume it here). */
    bool move_on() noexcept {
        if (ex_ == nullptr) return false;
        int rc = hop_.post(ex_->native_handle());
        if (rc == CTEXEC_OK) return true; /* the frame may be gone already: touch nothing */
        if (rc != CTEXEC_ESAMETHREAD) hop_.status = rc;
        return false;
    }

    static void on_done(ctexec_future, void *arg) noexcept {
        auto *self = static_cast<future_awaiter *>(arg);
        if (self->phase_.exchange(completed, std::memory_order_acq_rel) == 0)
            return; /* inline in await_suspend, which goes on from here */
        if (!self->move_on()) self->hop_.h.resume();
    }

    future<T> &f_;
    executor *ex_;
    detail::hop hop_;
    std::atomic<unsigned char> phase_{0};
};

template <class T>
future_awaiter<T> future<T>::operator co_await() & noexcept { return future_awaiter<T>(*this, nullptr); }
template <class T>
future_awaiter<T> future<T>::operator co_await() && noexcept { return future_awaiter<T>(*this, nullptr); }
template <class T>
future_awaiter<T> future<T>::resume_on(executor &ex) & noexcept { return future_awaiter<T>(*this, &ex); }

template <class T = void> class task;

namespace detail {

/* What every task's promise has: the coroutine awaiting it, and the
 * exception it ended with. */
struct task_promise_base {
    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        template <class P>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) const noexcept {
            std::coroutine_handle<> next = h.promise().continuation;
            return next ? next : std::noop_coroutine();
        }
        void await_resume() const noexcept {}
    };
    std::suspend_always initial_suspend() const noexcept { return {}; }
    final_awaiter final_suspend() const noexcept { return {}; }
    void unhandled_exception() noexcept { error = std::current_exception(); }

    std::coroutine_handle<> continuation;
    std::exception_ptr error;
};

template <class T>
struct task_promise : task_promise_base {
    cte::task<T> get_return_object() noexcept;
    template <class V = T>
    void return_value(V &&v) { value.set(std::forward<V>(v)); }
    T result() {
        if (error) std::rethrow_exception(error);
        return value.take();
    }
    slot<T> value;
};

template <>
struct task_promise<void> : task_promise_base {
    cte::task<void> get_return_object() noexcept;
    void return_void() const noexcept {}
    void result() const {
        if (error) std::rethrow_exception(error);
    }
};

/* A coroutine that runs at once and frees itself at its end: the driver
 * behind task::start. */
struct detached {
    struct promise_type {
        detached get_return_object() const noexcept { return {}; }
        std::suspend_never initial_suspend() const noexcept { return {}; }
        std::suspend_never final_suspend() const noexcept { return {}; }
        void return_void() const noexcept {}
        void unhandled_exception() const noexcept { std::terminate(); }
    };
};

} // namespace detail

/*
 * A lazy coroutine that returns T (an object type, a reference, or void):
 * it runs when awaited (`co_await std::move(t)` or `co_await t`) or
 * started (start(), sync_wait), not before. Move-only; awaited or started
 * once. Destroying a task that never started destroys its frame; a started
 * task belongs to whoever awaits it.
 *
 * `co_await t` runs t on the awaiting thread until t first suspends, and
 * the awaiting coroutine resumes where t finishes (the thread t is on
 * then), with t's value or exception, as a plain function call would.
 *
 * Threads: a task object is used by one thread at a time; its coroutine
 * moves between threads as its co_awaits say.
 */
template <class T>
class task {
public:
    using promise_type = detail::task_promise<T>;

    task() noexcept = default;
    task(task &&o) noexcept : h_(std::exchange(o.h_, {})) {}
    task &operator=(task &&o) noexcept {
        if (this != &o) {
            if (h_) h_.destroy();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    task(const task &) = delete;
    task &operator=(const task &) = delete;
    ~task() {
        if (h_) h_.destroy();
    }

    /* True while the task holds a coroutine (not moved-from). */
    bool valid() const noexcept { return static_cast<bool>(h_); }

    class awaiter {
    public:
        explicit awaiter(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
        bool await_ready() const noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
            h_.promise().continuation = caller;
            return h_; /* run the task now, on this thread */
        }
        T await_resume() { return h_.promise().result(); }

    private:
        std::coroutine_handle<promise_type> h_;
    };

    /* Runs the task and gives its value, or throws its exception. Throws
     * std::future_error(no_state) on a moved-from task. */
    awaiter operator co_await() & {
        if (!h_) detail::no_state();
        return awaiter(h_);
    }
    awaiter operator co_await() && { return operator co_await(); }

    /*
     * Starts the task now, on this thread, and returns a future that
     * completes with its value or exception when it finishes: the
     * coroutine's frame is then freed. The future works as any other: an
     * owner serves its executor with run_until(f) until the task is done,
     * another thread blocks in get(), a coroutine awaits it. The task is
     * moved-from afterwards. Dropping the future detaches the task (it runs
     * to its end; its outcome is dropped); cancelling it does not stop the
     * task. Throws std::future_error(no_state) on a moved-from task, and
     * what cte::promise's constructor throws (the task is then not
     * started).
     */
    future<T> start() && {
        if (!h_) detail::no_state();
        promise<T> p;
        future<T> f = p.get_future();
        drive(std::move(*this), std::move(p));
        return f;
    }

private:
    friend struct detail::task_promise<T>;
    explicit task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}

    static detail::detached drive(task t, promise<T> p) {
        std::exception_ptr e;
        try {
            if constexpr (std::is_void_v<T>) {
                co_await std::move(t);
                p.set_value();
            } else {
                p.set_value(co_await std::move(t));
            }
        } catch (...) {
            e = std::current_exception();
        }
        if (e) {
            try {
                p.set_exception(e);
            } catch (...) {
                /* The future was cancelled (or set already): nobody reads it. */
            }
        }
    }

    std::coroutine_handle<promise_type> h_;
};

namespace detail {
template <class T>
cte::task<T> task_promise<T>::get_return_object() noexcept {
    return cte::task<T>(std::coroutine_handle<task_promise<T>>::from_promise(*this));
}
inline cte::task<void> task_promise<void>::get_return_object() noexcept {
    return cte::task<void>(std::coroutine_handle<task_promise<void>>::from_promise(*this));
}
} // namespace detail

/*
 * Runs t on this thread until it first suspends, then blocks this thread
 * until t finishes, and returns its value or throws its exception: from a
 * plain function (main, a test, a worker thread) into coroutine code.
 * Never call it on an owner thread whose executor t hops onto: the item
 * could not run while the owner blocks (the wait is on a promise, which is
 * not checked for deadlocks); there, use `ex.run_until(f)` on
 * `f = std::move(t).start()`.
 */
template <class T>
T sync_wait(task<T> t) {
    return std::move(t).start().get();
}
#endif /* CTEXEC_HPP_COROUTINES */

} // namespace cte

#endif /* CTEXEC_HPP */
