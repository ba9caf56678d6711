/*
 * ctexec.h — run work on a chosen thread.
 *
 * A host thread (the *owner*) creates an executor. Any other thread submits
 * callbacks to it. The owner calls ctexec_run_until(), which runs the queued
 * callbacks on the owner's own thread until a future completes. The semantics
 * are those of asgiref's CurrentThreadExecutor.
 *
 * Example (error handling trimmed):
 *
 *     // on the owner thread
 *     ctexec *ex;
 *     ctexec_future done;
 *     ctexec_new(NULL, &ex);
 *     ctexec_future_new(&done);
 *     start_worker(ex, done);          // some other thread, see below
 *     ctexec_run_until(ex, done);      // runs the worker's callbacks here
 *     ctexec_future_free(done);
 *     ctexec_free(ex);
 *
 *     // on the worker thread
 *     static int paint(void *arg, void **result) {   // runs on the owner
 *         *result = draw(arg);
 *         return 0;
 *     }
 *     ctexec_future f;
 *     void *r;
 *     ctexec_submit(ex, paint, window, &f);
 *     ctexec_future_wait(f, -1, &r);   // CTEXEC_OK, r is draw()'s result
 *     ctexec_future_free(f);
 *     ctexec_future_set_result(done, NULL);   // lets run_until return
 *
 * Conventions
 *   - Every function that can fail returns an int status: CTEXEC_OK (0),
 *     a negative CTEXEC_E* code, or, where a callback or ctexec_future_set_error
 *     supplied one, the host's own positive error code.
 *   - When a function that takes a callback returns an error, the callback is
 *     never called.
 *   - Out parameters are written only on success.
 *   - ctexec_free(NULL) is a harmless no-op. A future handle of 0 is never
 *     valid: every call given one returns CTEXEC_EBADHANDLE.
 *
 * Process rules
 *   - The library is a Go c-shared library. There is one Go runtime per
 *     process; loading the library starts it (a few threads appear).
 *   - Never dlclose() the library: a Go runtime cannot be unloaded.
 *   - Signals: the library installs no handlers of its own beyond the Go
 *     runtime's handlers for synchronous signals (SIGSEGV, SIGBUS, SIGFPE) and
 *     SIGPIPE. A host signal handler must be installed with SA_ONSTACK.
 *   - fork(): a Go runtime does not survive fork(). In a child forked after
 *     the library was loaded, every function returns CTEXEC_EFORK at once
 *     without entering Go (ctexec_strerror and ctexec_version still work).
 *   - Panics: an internal Go panic never crosses into the host. It is
 *     recovered, its stack is printed once to stderr, and from then on every
 *     function returns CTEXEC_EPANIC. The process stays alive.
 */
#ifndef CTEXEC_H
#define CTEXEC_H

#include <stddef.h> /* NULL */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CTEXEC_API marks the exported functions. On Windows it is dllimport for
 * users of ctexec.dll and dllexport while the DLL itself is built
 * (CTEXEC_BUILDING, defined by capi/main.go). */
#if defined(_WIN32) && defined(CTEXEC_BUILDING)
#define CTEXEC_API __declspec(dllexport)
#elif defined(_WIN32)
#define CTEXEC_API __declspec(dllimport)
#elif defined(__GNUC__) || defined(__clang__)
#define CTEXEC_API __attribute__((visibility("default")))
#else
#define CTEXEC_API
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                  */
/* ------------------------------------------------------------------------ */

#define CTEXEC_VERSION_MAJOR 0
#define CTEXEC_VERSION_MINOR 3
#define CTEXEC_VERSION_PATCH 0
#define CTEXEC_VERSION_NUMBER \
    (CTEXEC_VERSION_MAJOR * 10000 + CTEXEC_VERSION_MINOR * 100 + CTEXEC_VERSION_PATCH)
#define CTEXEC_VERSION_STRING "0.3.0"

/* ------------------------------------------------------------------------ */
/* Status codes. Values never change; new codes are only ever added.        */
/* Positive values are the host's own error codes.                          */
/* ------------------------------------------------------------------------ */

#define CTEXEC_OK            0
#define CTEXEC_EINVAL       (-1)  /* a bad argument: see "CTEXEC_EINVAL, by cause" */
#define CTEXEC_EBADHANDLE   (-2)  /* unknown, freed or forged executor/future */
#define CTEXEC_EWRONGTHREAD (-3)  /* run from a thread that is not the owner */
#define CTEXEC_ESAMETHREAD  (-4)  /* submit or call from the owner thread */
#define CTEXEC_EQUIT        (-5)  /* executor (for a submit: its whole chain) has quit */
#define CTEXEC_EBUSY        (-6)  /* run re-entered, free while running, and the like */
#define CTEXEC_ECANCELLED   (-7)  /* the future was cancelled or discarded */
#define CTEXEC_ETIMEDOUT    (-8)  /* the time ran out first */
#define CTEXEC_ESTATE       (-9)  /* the future already completed (or started) */
#define CTEXEC_EFORK        (-10) /* called in a child forked after load */
#define CTEXEC_EPANIC       (-11) /* an internal panic happened earlier */
#define CTEXEC_ENOMEM       (-12) /* out of memory */
#define CTEXEC_EDEADLK      (-13) /* the wait could never finish: see ctexec_future_wait (0.2.0) */
#define CTEXEC_EAGAIN       (-14) /* the executor's queue is full, CTEXEC_FULL_FAIL (0.2.0) */

/*
 * The text ctexec_strerror() gives for each code above, one row per code:
 * X(name, text), where CTEXEC_<name> is the code. The texts say what went
 * wrong in this API's terms. The library's ctexec_strerror and the Go
 * core's Status names are built from or tested against this table; the
 * Python binding uses it too, except that for EWRONGTHREAD, ESAMETHREAD
 * and EQUIT it raises asgiref's own messages, which Python code in the
 * wild matches on.
 */
#define CTEXEC_STATUS_TEXTS(X)                                                \
    X(OK, "success")                                                          \
    X(EINVAL, "invalid argument")                                             \
    X(EBADHANDLE, "unknown, freed or forged executor or future")              \
    X(EWRONGTHREAD, "not the executor's owner thread (only the thread that created it may run it)") \
    X(ESAMETHREAD, "submit or call from the executor's own owner thread (it would wait on itself)") \
    X(EQUIT, "executor already quit (for a submit: its whole old_executor chain too)") \
    X(EBUSY, "executor is busy (running, or inside one of its own callbacks)") \
    X(ECANCELLED, "cancelled, or discarded when its executor was freed")      \
    X(ETIMEDOUT, "timed out")                                                 \
    X(ESTATE, "future already completed or started")                          \
    X(EFORK, "called in a process forked after the library was loaded")      \
    X(EPANIC, "internal panic earlier; the library refuses calls")            \
    X(ENOMEM, "out of memory")                                                \
    X(EDEADLK, "deadlock: the wait could never finish")                       \
    X(EAGAIN, "the executor's queue is full")

/*
 * CTEXEC_EINVAL, by cause. Each function's @return names its own; across
 * the API they are:
 *   - A NULL where an argument is "not NULL": the executor of every
 *     executor function (not ctexec_free, where NULL is a no-op, nor
 *     ctexec_stats, where it asks for the process totals); fn of
 *     ctexec_submit, ctexec_submit_timeout and ctexec_call; cb of
 *     ctexec_future_add_done_callback; the out parameter of ctexec_new,
 *     ctexec_new_with, ctexec_future_new, ctexec_fd, ctexec_event_handle,
 *     ctexec_stats and ctexec_live_counts.
 *   - A value out of range: code <= 0 for ctexec_future_set_error;
 *     ctexec_new_with's options (a size outside the size rule, an unknown
 *     flag or when_full, a negative stall_ns, stall_ns > 0 without
 *     on_stall); ctexec_stats's out->size outside the size rule (see
 *     "Size-versioned structs").
 *   - The wrong kind of future: ctexec_future_set_result and
 *     ctexec_future_set_error on a future from ctexec_submit, which only its
 *     item completes.
 *   - A callback that broke its contract: an item (ctexec_fn) that returned
 *     a negative code. Its future completes with CTEXEC_EINVAL, so
 *     ctexec_future_wait and ctexec_call return it after the item ran.
 *   - A platform without the object: ctexec_fd on Windows and
 *     ctexec_event_handle elsewhere, for every live executor.
 * A NULL or made-up handle where a live one is expected (a future of 0, a
 * freed executor) is CTEXEC_EBADHANDLE, not CTEXEC_EINVAL.
 */

/* ------------------------------------------------------------------------ */
/* Types                                                                    */
/* ------------------------------------------------------------------------ */

/* An executor. Opaque; a real C allocation holding the Go-side handle. */
typedef struct ctexec ctexec;

/*
 * A future: the eventual outcome of a submitted item, or a promise the host
 * completes itself. The value is an opaque handle, 0 is never valid, and
 * it is meaningful only in the process that received it. It names a slot
 * of the library's future table and the slot's generation, scrambled with
 * a key drawn at random when the library loads, so 0, small integers and
 * made-up values are refused (CTEXEC_EBADHANDLE); a random 64-bit value
 * passes with odds below 2^-40. Once freed, a handle stays invalid while
 * its slot is reused by newer futures, until that one slot has been freed
 * 2^24 (16,777,216) times more: then its generation wraps and the old value
 * could name a live future again. At most 2^24 - 1 futures are live at
 * once; past that, calls that make one return CTEXEC_ENOMEM.
 */
typedef uint64_t ctexec_future;

/*
 * A work item. Runs on the owner thread. `result` points to writable storage
 * initialised to NULL; store the item's result there. Return 0 for success or
 * a positive host error code. A negative return is a contract violation; it
 * is reported to the future as CTEXEC_EINVAL and the result is dropped.
 */
typedef int (*ctexec_fn)(void *arg, void **result);

/*
 * A done callback. Runs once, on the thread that completed the future, or at
 * once on the registering thread if the future is already done. It receives
 * the future's handle value; if the host freed the handle before completion,
 * the value is only an identifier (calls on it return EBADHANDLE).
 * Do not block in it: it runs inside whatever call completed the future.
 */
typedef void (*ctexec_done_fn)(ctexec_future f, void *userdata);

/* ------------------------------------------------------------------------ */
/* Executors                                                                */
/* ------------------------------------------------------------------------ */

/*
 * Create an executor owned by the calling thread. Threads are told apart by
 * an id the library gives each thread on its first call and never reuses
 * (pthread_t values are reused once a thread exits, so a new thread could
 * otherwise pass for a dead owner).
 *
 * old_executor  in, nullable. The executor that submits are forwarded to
 *               once this one has quit (see ctexec_submit). It is used only
 *               while it is alive; freeing it later is allowed and makes it
 *               count as quit.
 * out           out, not NULL. The new executor; free it with ctexec_free.
 *
 * Threads: any thread; the calling thread becomes the owner.
 * @return CTEXEC_OK, CTEXEC_EINVAL (out is NULL), CTEXEC_EBADHANDLE
 *         (old_executor is not a live executor), CTEXEC_ENOMEM,
 *         CTEXEC_EFORK, CTEXEC_EPANIC.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_new(ctexec *old_executor, ctexec **out);

/*
 * Queue fn(arg) to run on the owner thread.
 *
 * If ex has quit, the item goes to the nearest executor in the old_executor
 * chain that has not quit (freed executors count as quit). Only ex's own
 * owner is checked against the calling thread, as in asgiref.
 *
 * ex          in, not NULL.
 * fn          in, not NULL.
 * arg         in, nullable; passed to fn untouched. The caller keeps
 *             ownership and must keep it valid until fn has run or the
 *             item's future has completed.
 * out_future  out, nullable. NULL means fire and forget. Otherwise receives
 *             a new future the caller owns and must free exactly once with
 *             ctexec_future_free. Freeing it does not cancel the item.
 *
 * A bounded executor (ctexec_new_with) that is full makes this call wait
 * for room (CTEXEC_FULL_BLOCK) or fail with CTEXEC_EAGAIN (CTEXEC_FULL_FAIL).
 *
 * Threads: any thread except ex's owner.
 * @return CTEXEC_OK, CTEXEC_EINVAL (ex or fn NULL), CTEXEC_EBADHANDLE,
 *         CTEXEC_ESAMETHREAD (called on ex's owner thread; fn never runs and
 *         no future is created), CTEXEC_EQUIT (ex and its whole chain have
 *         quit), CTEXEC_EAGAIN, CTEXEC_ECANCELLED (ex was freed while the
 *         call waited for room), CTEXEC_ENOMEM, CTEXEC_EFORK, CTEXEC_EPANIC.
 *         On any error fn never runs and no future is created.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_submit(ctexec *ex, ctexec_fn fn, void *arg,
                             ctexec_future *out_future);

/*
 * Run fn(arg) on ex's owner thread and wait for it: ctexec_submit plus
 * ctexec_future_wait plus ctexec_future_free in one call, without a future
 * handle. This is the cheapest synchronous round trip.
 *
 * As with ctexec_submit, the item goes down the old_executor chain if ex
 * has quit, and a full bounded queue makes it wait for room (or fail with
 * CTEXEC_EAGAIN). The call waits with no time limit; a wait that could
 * never finish (see ctexec_future_wait) returns CTEXEC_EDEADLK at once,
 * with the item cancelled (fn never runs). If the item has already
 * started, ctexec_call does not return before it has (fn may use arg on
 * the caller's stack): it keeps waiting and hands the cycle to the next
 * waiter in it, which is told instead (in a cycle, not every item can have
 * started).
 *
 * ex, fn, arg  as for ctexec_submit.
 * out_result   out, nullable. Receives fn's result when the call returns
 *              CTEXEC_OK; untouched otherwise.
 *
 * Threads: any thread except ex's owner.
 * @return CTEXEC_OK, a positive host error code returned by fn,
 *         CTEXEC_EINVAL (ex or fn NULL, or fn returned a negative code),
 *         CTEXEC_ECANCELLED (the executor holding the item was freed before
 *         it ran), CTEXEC_EDEADLK, CTEXEC_EAGAIN, CTEXEC_EBADHANDLE,
 *         CTEXEC_ESAMETHREAD, CTEXEC_EQUIT, CTEXEC_ENOMEM, CTEXEC_EFORK,
 *         CTEXEC_EPANIC.
 * \since 0.2.0
 */
CTEXEC_API int ctexec_call(ctexec *ex, ctexec_fn fn, void *arg, void **out_result);

/*
 * Run queued items on the calling (owner) thread, one at a time in FIFO
 * order, until f completes. At the moment f completes the executor quits:
 * later submits go to its old_executor chain. The items queued before that
 * moment are then run, and the call returns CTEXEC_OK. f may be any future,
 * including one that is already done, and its outcome does not matter.
 *
 * Loops nest: a callback may create an executor with this one as
 * old_executor and run it. Re-entering run on the same executor is EBUSY.
 *
 * ex  in, not NULL.
 * f   in, a live future. The call does not take ownership of it.
 *
 * Threads: ex's owner only.
 * @return CTEXEC_OK, CTEXEC_EINVAL (ex NULL), CTEXEC_EBADHANDLE (ex or f),
 *         CTEXEC_EWRONGTHREAD, CTEXEC_EBUSY (already running),
 *         CTEXEC_EQUIT (ex already quit in an earlier run), CTEXEC_EFORK,
 *         CTEXEC_EPANIC.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_run_until(ctexec *ex, ctexec_future f);

/*
 * As ctexec_run_until, but gives up after timeout_ns nanoseconds (measured
 * on a monotonic clock) if f is still pending. The executor then does not
 * quit and keeps its queue; the call may be repeated. timeout_ns < 0 waits
 * forever; 0 runs what is queued now and then checks f once.
 *
 * Threads: ex's owner only.
 * @return as ctexec_run_until, plus CTEXEC_ETIMEDOUT.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_run_until_timeout(ctexec *ex, ctexec_future f,
                                        int64_t timeout_ns);

/*
 * Free an executor. Items still queued are discarded: their callbacks never
 * run, and their futures complete with CTEXEC_ECANCELLED (done callbacks run
 * on this thread). Executors chained to ex treat it as quit from now on.
 * NULL is a harmless no-op that returns CTEXEC_OK (but CTEXEC_EFORK or
 * CTEXEC_EPANIC in the states where every call returns those).
 *
 * The descriptor from ctexec_fd (on Windows, the event from
 * ctexec_event_handle) is closed (take it out of the host loop first) and
 * the notify callback removed; it is never called afterwards.
 *
 * Threads: any thread, while ex is not inside ctexec_run_until* or
 * ctexec_run_ready.
 * @return CTEXEC_OK, CTEXEC_EBADHANDLE (not a live executor, e.g. freed
 *         twice), CTEXEC_EBUSY (ex is running), CTEXEC_EFORK, CTEXEC_EPANIC.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_free(ctexec *ex);

/* ------------------------------------------------------------------------ */
/* Options: bounded queues, statistics, the stall watchdog                  */
/* ------------------------------------------------------------------------ */

/* ctexec_options.flags */
#define CTEXEC_OPT_STATS 1u /* keep statistics: see ctexec_stats */

/* ctexec_options.when_full */
#define CTEXEC_FULL_BLOCK 0 /* a submit to a full queue waits for room */
#define CTEXEC_FULL_FAIL  1 /* a submit to a full queue fails with CTEXEC_EAGAIN */

/*
 * A stall callback: the oldest item queued on ex has waited oldest_wait_ns
 * (at least the options' stall_ns) without starting. It runs on a library
 * thread, never on the owner or a submitter, once per stall: it is called
 * again only after the owner has caught up, that is, once every item that
 * was queued when it was called has started (or was cancelled). It may
 * call ctexec_stats and submit to other executors; it must not block for
 * long (it holds up the next check) and must not free ex (CTEXEC_EBUSY).
 */
typedef void (*ctexec_stall_fn)(ctexec *ex, int64_t oldest_wait_ns, void *userdata);

/*
 * Size-versioned structs: ctexec_options (in) and ctexec_stats_t (in and
 * out). Their first member, size, is the struct's sizeof in the caller's
 * header. Later versions only add fields at the end, and the library
 * accepts:
 *   - every size from the first released one (0.2.0's: 48 bytes for
 *     ctexec_options and 112 for ctexec_stats_t on 64-bit targets) up to
 *     its own, for ever: a program built against an older header keeps
 *     working, and the fields its struct lacks take their defaults (zero);
 *   - a larger size, from a newer header, when every byte past the struct
 *     this library knows is zero: the caller left the newer fields at
 *     their defaults. A non-zero byte there asks for something this
 *     library cannot do, and the call returns CTEXEC_EINVAL (the rule of
 *     Linux's openat2).
 * A size below the first released one, or above 4096, is CTEXEC_EINVAL.
 * ctexec_stats writes back only the caller's size bytes.
 *
 * So start from CTEXEC_OPTIONS_INIT or CTEXEC_STATS_INIT, which set size
 * and zero the rest, and set the fields you use:
 *
 *     ctexec_options o = CTEXEC_OPTIONS_INIT;
 *     o.max_queued = 1024;
 *     ctexec_stats_t st = CTEXEC_STATS_INIT;
 *
 * They are initialisers (not expressions), with every field spelled out,
 * so they compile without a warning under -Wall -Wextra in C and in every
 * C++ from C++11 (which has no designated initialisers before C++20).
 */

/*
 * An error hook: an item that nobody can observe failed. It is called on
 * the owner thread, right after an item submitted without a future
 * (fire and forget) returned a positive host error code, or a negative
 * one (code is then CTEXEC_EINVAL, as a future would have said). Items with
 * a future never reach it: their future carries the code. It must not
 * block; it may submit to other executors and use ctexec_submit_with's
 * POST flag on ex. \since 0.3.0
 */
typedef void (*ctexec_error_fn)(ctexec *ex, int code, void *userdata);

/*
 * Options for ctexec_new_with. A zeroed field means the default, which is
 * ctexec_new's behaviour. \since 0.2.0
 */
typedef struct ctexec_options {
    uint32_t size;       /* sizeof(ctexec_options): see "Size-versioned structs" */
    uint32_t flags;      /* CTEXEC_OPT_STATS: keep statistics */
    uint64_t max_queued; /* 0: unbounded; else at most this many items
                            queued and not yet started */
    int when_full;       /* CTEXEC_FULL_BLOCK or CTEXEC_FULL_FAIL */
    int64_t stall_ns;    /* 0: no watchdog; else call on_stall when the
                            oldest queued item has waited this long */
    ctexec_stall_fn on_stall; /* required when stall_ns > 0 */
    void *stall_userdata;
    /* \since 0.3.0 (the struct was 48 bytes before; that size stays
     * accepted): the error hook, see ctexec_error_fn. NULL: none. */
    ctexec_error_fn on_error;
    void *error_userdata;
} ctexec_options;

#define CTEXEC_OPTIONS_INIT \
    {sizeof(ctexec_options), 0, 0, CTEXEC_FULL_BLOCK, 0, NULL, NULL, NULL, NULL}

/*
 * Create an executor with options. ctexec_new(old, out) is exactly
 * ctexec_new_with(old, NULL, out).
 *
 * Bounded queue (max_queued > 0): an item counts from its submit until it
 * starts (or is skipped as cancelled). A submit that finds max_queued items
 * queued waits for room (CTEXEC_FULL_BLOCK: ctexec_submit and ctexec_call
 * wait as long as it takes, ctexec_submit_timeout as long as it says) or
 * fails at once with CTEXEC_EAGAIN (CTEXEC_FULL_FAIL). A waiting submitter
 * is released by room, by ex quitting (its item then goes down the
 * old_executor chain as any submit to a quit executor does, or it gets
 * CTEXEC_EQUIT) and by ctexec_free (it gets CTEXEC_ECANCELLED). Waits for
 * room are not checked for deadlocks. The bound applies to ex's own queue:
 * an item that goes down the chain meets the bound of the executor that
 * takes it. The bound costs submits a shared counter; an unbounded
 * executor without statistics pays nothing for either.
 *
 * Watchdog (stall_ns > 0): a library thread checks ex every stall_ns / 4
 * (at least every 1 ms) and calls on_stall as ctexec_stall_fn says. The
 * age it reports is a lower bound, at most one check period late.
 *
 * opts  in, nullable. NULL: the defaults.
 *
 * Threads: any thread; the calling thread becomes the owner.
 * @return as ctexec_new, plus CTEXEC_EINVAL for opts->size outside the
 *         size rule ("Size-versioned structs" above: too small, too large,
 *         or a newer header's unknown fields set), an unknown flag, an
 *         unknown when_full, a negative stall_ns, or stall_ns > 0 without
 *         on_stall.
 * \since 0.2.0
 */
CTEXEC_API int ctexec_new_with(ctexec *old_executor, const ctexec_options *opts,
                               ctexec **out);

/*
 * ctexec_submit, with a bound on the wait for room in a full queue
 * (CTEXEC_FULL_BLOCK): timeout_ns < 0 waits as long as it takes, 0 does
 * not wait, > 0 waits at most that long (monotonic clock). On an executor
 * without max_queued it is ctexec_submit.
 *
 * Threads: any thread except ex's owner.
 * @return as ctexec_submit, plus CTEXEC_ETIMEDOUT (still full when the time
 *         ran out; fn never runs), CTEXEC_EAGAIN (full, CTEXEC_FULL_FAIL),
 *         CTEXEC_ECANCELLED (ex was freed while the call waited for room).
 * \since 0.2.0
 */
CTEXEC_API int ctexec_submit_timeout(ctexec *ex, ctexec_fn fn, void *arg,
                                     ctexec_future *out_future, int64_t timeout_ns);

/* ------------------------------------------------------------------------ */
/* Submit options: timers, dispatch and post, destroy-notify, urgent lane   */
/* ------------------------------------------------------------------------ */

/*
 * Called exactly once with an item's arg when the library is done with the
 * item: see ctexec_submit_opts.destroy. \since 0.3.0
 */
typedef void (*ctexec_destroy_fn)(void *arg);

/* ctexec_submit_opts.flags. \since 0.3.0 */
#define CTEXEC_SUBMIT_DISPATCH 0x1u /* on the owner: run inline, before the call returns */
#define CTEXEC_SUBMIT_URGENT   0x2u /* the urgent lane */
#define CTEXEC_SUBMIT_POST     0x4u /* on the owner: queue it to itself, never inline */

/*
 * Options for one submit (size-versioned: see "Size-versioned structs";
 * the first released size is this one, 24 bytes on 64-bit targets). Start
 * from CTEXEC_SUBMIT_OPTS_INIT. \since 0.3.0
 */
typedef struct ctexec_submit_opts {
    uint32_t size;             /* sizeof(ctexec_submit_opts) */
    uint32_t flags;            /* CTEXEC_SUBMIT_DISPATCH, _URGENT, _POST */
    int64_t delay_ns;          /* > 0: a timer, run no earlier than now +
                                  delay_ns (monotonic clock); 0: now */
    ctexec_destroy_fn destroy; /* nullable: called once with arg, see below */
} ctexec_submit_opts;

#define CTEXEC_SUBMIT_OPTS_INIT {sizeof(ctexec_submit_opts), 0, 0, NULL}

/*
 * ctexec_submit with options. With opts NULL, or all its fields zero, it
 * is exactly ctexec_submit. Like ctexec_submit it never waits, except for
 * room in a full bounded queue.
 *
 * Where it runs. Without DISPATCH or POST, a call from ex's owner is
 * refused with CTEXEC_ESAMETHREAD (asgiref's rule), unless delay_ns > 0.
 *   - DISPATCH: on ex's owner, fn runs inline, on this thread, before the
 *     call returns (with the current thread still the owner, inside or
 *     outside ctexec_run_until); its future, if asked for, is then already
 *     complete, and the call returns CTEXEC_OK whatever fn returned (the
 *     future, or the error hook, has its code). Elsewhere the item is
 *     queued as by ctexec_submit. With delay_ns > 0 it is always queued.
 *     GLib's g_main_context_invoke, Qt's AutoConnection, Asio's dispatch.
 *   - POST: the item is always queued, from any thread, the owner
 *     included, and runs at the owner's next turn (Asio's post and defer,
 *     Qt's queued calls, GLib's idle sources). A bounded executor does not
 *     make its owner wait for room: a POST from the owner to a full queue
 *     is CTEXEC_EAGAIN. On the owner, waiting on the item's future is
 *     CTEXEC_EDEADLK unless the wait runs the executor itself
 *     (ctexec_run_until).
 *   - DISPATCH and POST together are CTEXEC_EINVAL.
 * If ex has quit, the item goes down the old_executor chain as for
 * ctexec_submit; "the owner" is then the owner of the executor that takes
 * the item.
 *
 * Timers (delay_ns > 0). The item runs on the owner no earlier than its
 * deadline (monotonic clock), in the order of deadlines, items with equal
 * deadlines in submit order. Until then it is not queued: it does not
 * count against max_queued, ctexec_stats' queued, the descriptor or the
 * notify callback. At its deadline it joins the back of its lane as if
 * submitted then. The owner may submit timers to itself. A timer is
 * cancelled through its future like any item (ctexec_future_cancel); it
 * keeps "exactly one outcome". ctexec_run_until wakes for the deadline;
 * a host loop uses ctexec_next_deadline for its poll timeout, and the
 * descriptor (or notify callback) is raised when a deadline passes while
 * the host sleeps; ctexec_run_ready runs due timers. An executor without
 * timers pays nothing for them; pending timers cost no CPU while idle.
 *   Quit: when ex quits, its timers that are not yet due are cancelled
 *   (their futures complete with CTEXEC_ECANCELLED, destroy is called on
 *   the owner) before ctexec_run_until returns; those already due run as
 *   queued items do. They are not moved down the chain: a deadline set
 *   against one owner's loop does not carry over to another thread's.
 *   ctexec_free discards pending timers as it discards queued items.
 *
 * The urgent lane (URGENT). Urgent items run before normal items queued
 * earlier; each lane stays FIFO. Between any two of its items the owner
 * looks at the urgent lane, so an urgent item waits for at most the item
 * running when it was submitted, not for the normal backlog. Normal items
 * do not starve: each time the owner looks, it takes the urgent items
 * queued at that moment, and once it has run them it runs at least one
 * normal item (if any is queued) before it looks again. ctexec_run_ready
 * counts both lanes in its snapshot and its budget, urgent items first.
 * max_queued bounds both lanes together.
 *
 * destroy. When not NULL, destroy(arg) is called exactly once, after the
 * item's outcome, on the thread that decides it:
 *   - on the owner, after fn ran (after the future completed and its done
 *     callbacks ran; for DISPATCH on the owner, before the call returns);
 *   - on the thread whose ctexec_future_cancel cancelled the item, before
 *     that call returns;
 *   - on the thread in ctexec_free that discarded it;
 *   - on the owner, for a timer cancelled when ex quit;
 *   - on the calling thread, before ctexec_submit_with returns, for every
 *     error it returns (a refused submit: fn never runs). Even for
 *     CTEXEC_EINVAL, if destroy could be read.
 * So arg may be owned by the item, as with GLib's g_main_context_invoke_full.
 * destroy must not block and must not call into ex.
 *
 * ex          in, not NULL.
 * opts        in, nullable.
 * fn, arg     as for ctexec_submit.
 * out_future  out, nullable: as for ctexec_submit. NULL: fire and forget
 *             (a failure goes to the options' on_error hook, if any).
 *
 * Threads: any thread (see "Where it runs" for the owner).
 * @return as ctexec_submit, plus CTEXEC_EINVAL (opts->size outside the
 *         size rule, an unknown flag, DISPATCH with POST, delay_ns < 0).
 *         CTEXEC_ESAMETHREAD only without DISPATCH, POST or a delay.
 * \since 0.3.0
 */
CTEXEC_API int ctexec_submit_with(ctexec *ex, const ctexec_submit_opts *opts,
                                  ctexec_fn fn, void *arg, ctexec_future *out_future);

/*
 * Whether the calling thread is ex's owner: 1 yes, 0 no, or a negative
 * status: CTEXEC_EINVAL (ex NULL), CTEXEC_EBADHANDLE, CTEXEC_EFORK,
 * CTEXEC_EPANIC. A quit executor still has its owner. Never enters Go.
 * Threads: any thread. \since 0.3.0
 */
CTEXEC_API int ctexec_is_owner(ctexec *ex);

/*
 * For a host loop's poll timeout (libuv's uv_backend_timeout): *out_ns
 * receives the nanoseconds until ex's earliest timer is due, 0 if one is
 * due now (call ctexec_run_ready), or -1 if ex has no timer.
 *
 * ex      in, not NULL.
 * out_ns  out, not NULL.
 *
 * Threads: any thread.
 * @return CTEXEC_OK, CTEXEC_EINVAL (ex or out_ns NULL), CTEXEC_EBADHANDLE,
 *         CTEXEC_EFORK, CTEXEC_EPANIC.
 * \since 0.3.0
 */
CTEXEC_API int ctexec_next_deadline(ctexec *ex, int64_t *out_ns);

/*
 * Statistics of one executor (\since 0.2.0). Start from CTEXEC_STATS_INIT
 * (see "Size-versioned structs"). (The type has libuv's _t suffix because the name ctexec_stats
 * is the function's: C has one namespace for both, and C++ warns when a
 * function hides a struct's constructor.) queued is always filled; the rest only for an executor made with
 * CTEXEC_OPT_STATS (zero otherwise).
 *
 * Counters are exact. The wait from submit to start is sampled: the item
 * at every 128th position of a queue chunk, which includes the first item
 * queued after each time the owner takes the queue (so at low rates nearly
 * every item), goes into a histogram of 4 buckets per power of two of
 * nanoseconds; p50 and p99 are the upper bounds of the buckets that hold
 * them (at most 25% above the true value, never above the largest
 * sample), and max is the largest sample.
 * high_water counts a submit against the owner's progress as of the last
 * sampled submit, so it may exceed the true peak by the items the owner
 * started since (never max_queued). busy_ns is the owner's time running
 * items; idle_ns its time asleep in
 * ctexec_run_until* waiting for work (a host loop's own waits between
 * ctexec_run_ready calls are not seen).
 */
typedef struct ctexec_stats_t {
    uint32_t size;          /* in: sizeof(ctexec_stats_t): see "Size-versioned structs" */
    uint32_t flags;         /* the executor's CTEXEC_OPT_* flags */
    uint64_t queued;        /* submitted, not yet started or cancelled */
    uint64_t high_water;    /* the largest queued seen at a submit (see below) */
    uint64_t submitted;     /* accepted onto this executor's queue */
    uint64_t run;           /* started (their callback ran or is running) */
    uint64_t cancelled;     /* skipped: cancelled before they started */
    uint64_t discarded;     /* dropped by ctexec_free (process totals only) */
    uint64_t rejected;      /* refused: CTEXEC_EAGAIN or CTEXEC_ETIMEDOUT */
    uint64_t wait_samples;  /* items whose wait was sampled */
    int64_t wait_p50_ns;
    int64_t wait_p99_ns;
    int64_t wait_max_ns;
    int64_t busy_ns;
    int64_t idle_ns;
} ctexec_stats_t;

#define CTEXEC_STATS_INIT \
    {sizeof(ctexec_stats_t), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}

/*
 * Fill *out with ex's statistics. With ex NULL, the process totals of the
 * counters (submitted, run, cancelled, discarded, rejected) over every
 * executor made with CTEXEC_OPT_STATS, freed ones included, and queued
 * summed over the live ones; the other fields are 0.
 *
 * Threads: any thread, also from inside items and on_stall.
 * @return CTEXEC_OK, CTEXEC_EINVAL (out NULL, or out->size outside the
 *         size rule of "Size-versioned structs"), CTEXEC_EBADHANDLE,
 *         CTEXEC_EFORK, CTEXEC_EPANIC.
 * \since 0.2.0
 */
CTEXEC_API int ctexec_stats(ctexec *ex, ctexec_stats_t *out);

/* ------------------------------------------------------------------------ */
/* Embedding in a host event loop                                           */
/* ------------------------------------------------------------------------ */

/*
 * A host loop that owns the owner thread (GLib, libuv, asyncio, a GUI
 * toolkit, a game loop) cannot block in ctexec_run_until. It watches
 * ctexec_fd (on Windows, ctexec_event_handle; or it is told through a
 * notify callback) and calls ctexec_run_ready, which runs what is queued
 * and never waits:
 *
 *     int fd;
 *     ctexec_fd(ex, &fd);                        // once, on any thread
 *     // host: watch fd for readability; when readable, on the owner:
 *     ctexec_run_ready(ex, 1000, -1, NULL);      // at most 1000 items
 *
 * Items run exactly as under ctexec_run_until: on the owner, in FIFO
 * order, futures started (or skipped if cancelled) and completed; never on
 * the submitting thread. Attaching changes nothing for submitters.
 *
 * Mixing with ctexec_run_until: both may be used on one executor, one at a
 * time. ctexec_run_until may be called from the host loop (e.g. inside a
 * GUI callback); it runs items that an earlier ctexec_run_ready left
 * queued first. Neither may be called from inside an item that the other
 * (or itself) is running on the same executor: CTEXEC_EBUSY. A drain by
 * either one counts as the drain that re-arms the descriptor and the
 * notify callback.
 *
 * Quit: ctexec_run_ready never quits the executor and waits for no future.
 * An executor that quit in ctexec_run_until has drained its queue, and
 * later submits go down its old_executor chain, so ctexec_run_ready on it
 * runs nothing and returns 0; it is not an error.
 */

/*
 * A descriptor that is readable while ex has work for its owner (level-
 * triggered from the host's point of view: it stays readable until a
 * ctexec_run_ready or ctexec_run_until call has drained the queue, and a
 * ctexec_run_ready call whose budget leaves items queued leaves it
 * readable). It is made on the first call (an eventfd on Linux, the read
 * end of a pipe on macOS and other POSIX systems); later calls return the
 * same descriptor. Executors that never call this pay
 * nothing: no descriptor, no system call per submit.
 *
 * The descriptor is owned by ex and closed by ctexec_free. The host only
 * polls it (poll, epoll, g_unix_fd_add, uv_poll, loop.add_reader): it must
 * never read, write or close it. It is close-on-exec and non-blocking. A
 * readable descriptor may occasionally find nothing to run (a wake-up that
 * raced a drain): ctexec_run_ready then returns 0 and clears it.
 *
 * ex      in, not NULL.
 * out_fd  out, not NULL.
 *
 * Threads: any thread.
 * @return CTEXEC_OK, CTEXEC_EINVAL (ex or out_fd NULL; and on Windows,
 *         which has no descriptor to poll, for every live executor: use
 *         ctexec_event_handle there), CTEXEC_EBADHANDLE (not a live
 *         executor, e.g. freed), CTEXEC_ENOMEM (no descriptor could be
 *         made), CTEXEC_EFORK, CTEXEC_EPANIC.
 * \since 0.2.0
 */
CTEXEC_API int ctexec_fd(ctexec *ex, int *out_fd);

/*
 * Windows: a manual-reset event HANDLE that is signalled while ex has work
 * for its owner, with the rules of ctexec_fd: it stays signalled until a
 * ctexec_run_ready or ctexec_run_until call has drained the queue (a
 * budget that leaves items queued leaves it signalled), it is made on the
 * first call, and later calls return the same handle. A host waits on it
 * with WaitForMultipleObjects or MsgWaitForMultipleObjectsEx beside its
 * message queue, and calls ctexec_run_ready when it is signalled.
 *
 * The handle is owned by ex and closed by ctexec_free. The host only waits
 * on it: it must never set, reset or close it. A
 * signalled handle may occasionally find nothing to run (a wake-up that
 * raced a drain): ctexec_run_ready then returns 0 and resets it.
 * MsgWaitForMultipleObjectsEx reports the lowest signalled index, so a
 * loop that always has work would not see its messages from that call
 * alone: check the message queue on every turn too.
 *
 * ex          in, not NULL.
 * out_handle  out, not NULL. Receives the HANDLE.
 *
 * Threads: any thread.
 * @return CTEXEC_OK, CTEXEC_EINVAL (ex or out_handle NULL; and on POSIX,
 *         which has no event handles, for every live executor: use
 *         ctexec_fd there), CTEXEC_EBADHANDLE (not a live executor, e.g.
 *         freed), CTEXEC_ENOMEM (no event could be made), CTEXEC_EFORK,
 *         CTEXEC_EPANIC. *out_handle is untouched on every error.
 * \since 0.2.0
 */
CTEXEC_API int ctexec_event_handle(ctexec *ex, void **out_handle);

/*
 * Run queued items on the calling (owner) thread, without ever blocking:
 * in FIFO order, at most max_items of them, stopping between items once
 * max_ns nanoseconds (monotonic clock) have passed. Items submitted while
 * the call runs wait for the next call when max_items is 0, so a host loop
 * is never starved by a queue that keeps growing. Items beyond the budget
 * stay queued, in order, ahead of anything submitted later.
 *
 * ex         in, not NULL.
 * max_items  0: every item queued when the call started; else at most this
 *            many.
 * max_ns     < 0: no time limit. >= 0: no new item starts once this much
 *            time has passed; at least one item runs if any is queued, so
 *            every call makes progress (an item is never interrupted).
 * out_ran    out, nullable. The number of items run (cancelled items that
 *            were skipped count as run). Written on success.
 *
 * Threads: ex's owner only.
 * @return 1 if items remain queued (the descriptor stays readable: call
 *         again, e.g. on the next turn of the host loop), 0 if none
 *         remain, or a negative status: CTEXEC_EINVAL (ex NULL),
 *         CTEXEC_EBADHANDLE, CTEXEC_EWRONGTHREAD (not the owner),
 *         CTEXEC_EBUSY (called from inside an item that ctexec_run_ready or
 *         ctexec_run_until is running on ex; the call has no effect, and
 *         moves no due timer into the queue), CTEXEC_EFORK, CTEXEC_EPANIC.
 *         Never CTEXEC_EQUIT (see "Quit" above).
 * \since 0.2.0
 */
CTEXEC_API int ctexec_run_ready(ctexec *ex, uint64_t max_items, int64_t max_ns,
                                uint64_t *out_ran);

/*
 * A notify callback: ex went from "nothing for the owner" to "work for the
 * owner". For hosts that post a message (Qt, Cocoa, Win32) instead of
 * polling a descriptor: post one that calls ctexec_run_ready on the owner.
 * It runs on the submitting thread, inside ctexec_submit or ctexec_call.
 * It must not block and must not call into ex (submitting to another
 * executor is allowed).
 */
typedef void (*ctexec_notify_fn)(ctexec *ex, void *userdata);

/*
 * Set (or, with cb NULL, remove) ex's notify callback. It is called once
 * per transition from an empty queue to a non-empty one, and not again
 * until a ctexec_run_ready or ctexec_run_until call has drained the queue
 * (one call may stand for many items). If work is already queued and the
 * host has not been woken for it, cb is called once, on this thread,
 * before this call returns. Setting a callback replaces the previous one.
 *
 * Once this call returns, the previous callback is never called again
 * (the call waits for one that is running on another thread to return);
 * so ctexec_set_notify(ex, NULL, NULL) makes userdata free to release.
 * ctexec_free removes the callback too.
 *
 * ex        in, not NULL.
 * cb        in, nullable: NULL removes the callback.
 * userdata  in, nullable; passed to cb untouched.
 *
 * Threads: any thread, but not from inside ex's own notify callback.
 * @return CTEXEC_OK, CTEXEC_EINVAL (ex NULL), CTEXEC_EBADHANDLE,
 *         CTEXEC_EBUSY (called from inside ex's notify callback),
 *         CTEXEC_EFORK, CTEXEC_EPANIC.
 * \since 0.2.0
 */
CTEXEC_API int ctexec_set_notify(ctexec *ex, ctexec_notify_fn cb, void *userdata);

/* ------------------------------------------------------------------------ */
/* Futures. Every function here may be called from any thread.             */
/* ------------------------------------------------------------------------ */

/*
 * Create a promise: a pending future that the host completes with
 * ctexec_future_set_result, ctexec_future_set_error or ctexec_future_cancel.
 *
 * out  out, not NULL. Free it with ctexec_future_free.
 * @return CTEXEC_OK, CTEXEC_EINVAL (out NULL), CTEXEC_ENOMEM, CTEXEC_EFORK,
 *         CTEXEC_EPANIC.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_future_new(ctexec_future *out);

/*
 * Complete a promise with a result. result is opaque to the library.
 * Only promises from ctexec_future_new can be completed this way; futures
 * from ctexec_submit are completed by their item.
 *
 * @return CTEXEC_OK, CTEXEC_EBADHANDLE, CTEXEC_EINVAL (f came from
 *         ctexec_submit), CTEXEC_ESTATE (already completed or cancelled),
 *         CTEXEC_EFORK, CTEXEC_EPANIC.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_future_set_result(ctexec_future f, void *result);

/*
 * Complete a promise with a host error code. code must be > 0.
 *
 * @return CTEXEC_OK, CTEXEC_EBADHANDLE, CTEXEC_EINVAL (code <= 0, or f came
 *         from ctexec_submit), CTEXEC_ESTATE, CTEXEC_EFORK, CTEXEC_EPANIC.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_future_set_error(ctexec_future f, int code);

/*
 * Cancel a future. A promise is cancelled if it is still pending. A future
 * from ctexec_submit is cancelled only if its item has not started; the item
 * then never runs. Exactly one of cancel and the item's start wins.
 * Cancelled futures report CTEXEC_ECANCELLED.
 *
 * @return CTEXEC_OK (this call cancelled it), CTEXEC_ESTATE (too late: it is
 *         done, or its item already started), CTEXEC_EBADHANDLE,
 *         CTEXEC_EFORK, CTEXEC_EPANIC.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_future_cancel(ctexec_future f);

/*
 * Poll a future.
 * @return 1 if done (completed, failed or cancelled), 0 if pending, or a
 *         negative status: CTEXEC_EBADHANDLE, CTEXEC_EFORK, CTEXEC_EPANIC.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_future_done(ctexec_future f);

/*
 * Wait for a future to complete and fetch its outcome.
 *
 * timeout_ns  < 0 waits forever, 0 polls, > 0 waits at most that long
 *             (monotonic clock).
 * out_result  out, nullable. Receives the result when the call returns
 *             CTEXEC_OK; untouched otherwise.
 *
 * Deadlocks. A wait that could never finish returns CTEXEC_EDEADLK at once
 * instead of blocking (timeout_ns != 0 only; a poll is never checked):
 *   - a wait on an item queued to an executor that the waiting thread owns
 *     (directly, from inside one of its items, or from an inner nested
 *     loop): the owner cannot run the item while it waits;
 *   - a cycle of any length: this thread waits on an item queued to an
 *     executor owned by thread B, B waits without a time limit on an item
 *     queued to one owned by C, ..., and the last waits on an item queued
 *     to one this thread owns. Threads that close a cycle at the same
 *     moment may each get CTEXEC_EDEADLK; at least one does.
 * "Could never finish" counts only the items' owners as a way out: a
 * third thread that cancels one of the items, or frees its executor,
 * would end such a wait, and is not expected. A thread in a wait with a
 * time limit is not a link of someone else's cycle (it may give up and
 * serve its executor), but its own wait is checked. Waits on promises
 * (ctexec_future_new) are not items and are never checked; nor are waits
 * for room in a full queue. A thread that owns no executor is never part
 * of a cycle, and its waits cost nothing extra. After CTEXEC_EDEADLK the
 * future is still pending and still the caller's to wait on or free. A
 * waiter without a time limit that owns an executor also checks again
 * when it wakes without its future done (ctexec_call, below, may hand it
 * a cycle that way).
 *
 * @return CTEXEC_OK (completed with a result), a positive host error code
 *         (from the callback or ctexec_future_set_error), CTEXEC_ECANCELLED
 *         (cancelled, or discarded by ctexec_free), CTEXEC_EINVAL (the
 *         callback returned a negative code), CTEXEC_ETIMEDOUT,
 *         CTEXEC_EDEADLK (see above), CTEXEC_EBADHANDLE, CTEXEC_EFORK,
 *         CTEXEC_EPANIC.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_future_wait(ctexec_future f, int64_t timeout_ns,
                                  void **out_result);

/*
 * Register cb(f, userdata) to run once when f completes, on the completing
 * thread; or at once, on this thread, if f is already done and its earlier
 * callbacks have run. Callbacks run in registration order, even when they
 * are registered from several threads while f completes (a late one then
 * runs on the completing thread, after the others).
 *
 * @return CTEXEC_OK, CTEXEC_EINVAL (cb NULL), CTEXEC_EBADHANDLE,
 *         CTEXEC_ENOMEM, CTEXEC_EFORK, CTEXEC_EPANIC.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_future_add_done_callback(ctexec_future f,
                                               ctexec_done_fn cb,
                                               void *userdata);

/*
 * Release the caller's handle. Must be called exactly once per future the
 * caller received. Freeing does not cancel: a submitted item still runs, and
 * done callbacks still fire. Afterwards every call on f returns
 * CTEXEC_EBADHANDLE (for as long as ctexec_future above says).
 *
 * @return CTEXEC_OK, CTEXEC_EBADHANDLE (0, forged or already freed),
 *         CTEXEC_EFORK, CTEXEC_EPANIC.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_future_free(ctexec_future f);

/* ------------------------------------------------------------------------ */
/* Miscellany                                                               */
/* ------------------------------------------------------------------------ */

/*
 * A static English description of a status code: its text in
 * CTEXEC_STATUS_TEXTS. Never NULL; unknown negative codes give
 * "unknown error", positive codes "host error".
 * Pure C: works in a forked child and after a panic.
 * \since 0.1.0
 */
CTEXEC_API const char *ctexec_strerror(int status);

/*
 * The library's version, CTEXEC_VERSION_NUMBER as it was built. Check it
 * against the header you compiled with:
 *     if (ctexec_version() != CTEXEC_VERSION_NUMBER) abort();
 * Pure C: works in a forked child and after a panic.
 * \since 0.1.0
 */
CTEXEC_API unsigned ctexec_version(void);

/*
 * Leak accounting. Counts of live objects, process-wide.
 */
typedef struct ctexec_counts {
    uint64_t executors; /* created and not yet freed */
    uint64_t futures;   /* future handles not yet freed by their owners */
    uint64_t queued;    /* items queued on live executors, not yet started */
} ctexec_counts;

/*
 * Fill *out with the current counts. Meant for tests and diagnostics: take
 * the counts at the start, do the work, free everything, and compare.
 *
 * @return CTEXEC_OK, CTEXEC_EINVAL (out NULL), CTEXEC_EFORK, CTEXEC_EPANIC.
 * \since 0.1.0
 */
CTEXEC_API int ctexec_live_counts(ctexec_counts *out);

#ifdef __cplusplus
}
#endif

#endif /* CTEXEC_H */
