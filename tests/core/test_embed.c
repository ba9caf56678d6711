/* Embedding in a host loop (include/ctexec.h, "Embedding in a host event
 * loop"): the descriptor, ctexec_run_ready and the notify callback, one case
 * per behaviour. `test_embed --list` names them; every case ends by checking
 * that ctexec_live_counts is back to where it started. */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "ctexec.h"

#include "../check.h"

static int readable(int fd) {
    struct pollfd p = {fd, POLLIN, 0};
    int n;
    /* poll is never restarted after a signal handler (the Go runtime
     * preempts the threads that entered it with SIGURG): EINTR seen here
     * under a loaded machine. */
    while ((n = poll(&p, 1, 0)) < 0 && errno == EINTR) {
    }
    CHECK(n >= 0);
    return n == 1 && (p.revents & POLLIN);
}

/* ---- work items and submitting threads ---------------------------------- */

#define MAX_LOG 20000
static int order_log[MAX_LOG];
static atomic_int order_len;
static pthread_t owner;

static int log_item(void *arg, void **result) {
    (void)result;
    if (!pthread_equal(pthread_self(), owner)) FAIL("item ran off the owner thread");
    int i = atomic_fetch_add(&order_len, 1);
    CHECK(i < MAX_LOG);
    order_log[i] = (int)(intptr_t)arg;
    return 0;
}

struct submits {
    ctexec *ex;
    int from, n;
    ctexec_future *futures; /* nullable */
};

static void *submit_main(void *p) {
    struct submits *s = p;
    for (int i = 0; i < s->n; i++)
        OK(ctexec_submit(s->ex, log_item, (void *)(intptr_t)(s->from + i),
                         s->futures ? &s->futures[i] : NULL));
    return NULL;
}

/* Submits items from..from+n-1 from another thread, in order, and waits. */
static void submit_n(ctexec *ex, int from, int n, ctexec_future *futures) {
    struct submits s = {ex, from, n, futures};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, submit_main, &s) == 0);
    CHECK(pthread_join(t, NULL) == 0);
}

static void check_order(int n) {
    CHECK(atomic_load(&order_len) == n);
    for (int i = 0; i < n; i++)
        if (order_log[i] != i) FAIL("order_log[%d] = %d", i, order_log[i]);
}

static ctexec *new_ex(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    atomic_store(&order_len, 0);
    return ex;
}

/* ---- the descriptor ------------------------------------------------------ */

static void test_fd_readable_iff_work_queued(void) {
    ctexec *ex = new_ex();
    int fd, fd2;
    OK(ctexec_fd(ex, &fd));
    OK(ctexec_fd(ex, &fd2));
    CHECK(fd == fd2 && fd >= 0);
    CHECK(!readable(fd));
    submit_n(ex, 0, 1, NULL);
    CHECK(readable(fd));
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0);
    CHECK(!readable(fd));
    check_order(1);
    OK(ctexec_free(ex));
}

static void test_fd_made_late_is_readable_for_queued_work(void) {
    ctexec *ex = new_ex();
    submit_n(ex, 0, 3, NULL);
    int fd;
    OK(ctexec_fd(ex, &fd));
    CHECK(readable(fd));
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0);
    CHECK(!readable(fd));
    check_order(3);
    OK(ctexec_free(ex));
}

static void test_fd_level_triggered(void) {
    ctexec *ex = new_ex();
    int fd;
    OK(ctexec_fd(ex, &fd));
    submit_n(ex, 0, 10, NULL);
    for (int i = 0; i < 3; i++) CHECK(readable(fd)); /* polling does not consume it */
    uint64_t ran = 0;
    EXPECT_RC(ctexec_run_ready(ex, 4, -1, &ran), 1);
    CHECK(ran == 4 && readable(fd)); /* items left: still readable */
    submit_n(ex, 10, 2, NULL);
    CHECK(readable(fd));
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 0);
    CHECK(ran == 8 && !readable(fd));
    check_order(12);
    OK(ctexec_free(ex));
}

static void test_run_until_drain_clears_fd(void) {
    ctexec *ex = new_ex();
    int fd;
    OK(ctexec_fd(ex, &fd));
    submit_n(ex, 0, 5, NULL);
    CHECK(readable(fd));
    ctexec_future done;
    OK(ctexec_future_new(&done));
    EXPECT_RC(ctexec_run_until_timeout(ex, done, 0), CTEXEC_ETIMEDOUT);
    CHECK(!readable(fd));
    check_order(5);
    OK(ctexec_future_free(done));
    OK(ctexec_free(ex));
}

/* ---- run_ready ----------------------------------------------------------- */

static void test_run_ready_max_items_fifo(void) {
    ctexec *ex = new_ex();
    submit_n(ex, 0, 10000, NULL); /* more than one queue chunk */
    uint64_t ran = 0;
    int total = 0;
    for (int i = 0; i < 3; i++) {
        EXPECT_RC(ctexec_run_ready(ex, 3000, -1, &ran), 1);
        CHECK(ran == 3000);
        total += 3000;
        CHECK(atomic_load(&order_len) == total);
    }
    submit_n(ex, 10000, 5, NULL); /* after the items left over: runs after them */
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 0);
    CHECK(ran == 1005);
    check_order(10005);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 0);
    CHECK(ran == 0);
    OK(ctexec_free(ex));
}

static ctexec *snap_ex;

static int resubmit_item(void *arg, void **result) {
    log_item(arg, result);
    submit_n(snap_ex, (int)(intptr_t)arg + 1, 1, NULL);
    return 0;
}

static void *submit_resubmitter(void *p) {
    (void)p;
    OK(ctexec_submit(snap_ex, resubmit_item, (void *)0, NULL));
    return NULL;
}

static void test_run_ready_runs_a_snapshot(void) {
    snap_ex = new_ex();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, submit_resubmitter, NULL) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    uint64_t ran = 0;
    /* the item queues another while it runs: it waits for the next call */
    EXPECT_RC(ctexec_run_ready(snap_ex, 0, -1, &ran), 1);
    CHECK(ran == 1);
    EXPECT_RC(ctexec_run_ready(snap_ex, 0, -1, &ran), 0);
    CHECK(ran == 1);
    check_order(2);
    OK(ctexec_free(snap_ex));
}

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* When each slow item started and ended (indexed by its arg). */
static int64_t slow_start[20], slow_end[20];

static int slow_item(void *arg, void **result) {
    slow_start[(intptr_t)arg] = mono_ns();
    log_item(arg, result);
    struct timespec ts = {0, 2000000}; /* 2 ms */
    nanosleep(&ts, NULL);
    slow_end[(intptr_t)arg] = mono_ns();
    return 0;
}

static void *submit_slow(void *p) {
    for (int i = 0; i < 20; i++) OK(ctexec_submit(p, slow_item, (void *)(intptr_t)i, NULL));
    return NULL;
}

/* The budget is checked after each item: the call goes on while less than
 * max_ns has passed since it began, and stops after the first item that
 * ends later. Checked without assuming how long a 2 ms sleep takes (a
 * loaded machine oversleeps): every item of the call but the last ended
 * within 5 ms of the first one's start (the call began before it), the
 * call took at least 5 ms, and it stopped well before the 19 left. */
static void test_run_ready_max_ns(void) {
    ctexec *ex = new_ex();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, submit_slow, ex) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    uint64_t ran = 0;
    EXPECT_RC(ctexec_run_ready(ex, 0, 0, &ran), 1);
    CHECK(ran == 1); /* a zero budget still makes progress */
    int64_t t0 = mono_ns();
    EXPECT_RC(ctexec_run_ready(ex, 0, 5000000, &ran), 1); /* 5 ms: about 3 of 2 ms */
    int64_t took = mono_ns() - t0;
    if (ran < 1 || ran > 10) FAIL("a 5 ms budget ran %llu items of 2 ms", (unsigned long long)ran);
    if (took < 5000000) FAIL("a 5 ms budget stopped after %lld ns", (long long)took);
    for (uint64_t i = 1; i < ran; i++) /* items 1..ran ran in this call; all but the last */
        if (slow_end[i] - slow_start[1] >= 5000000)
            FAIL("the call went on after item %llu ended %lld ns into its 5 ms budget", (unsigned long long)i,
                 (long long)(slow_end[i] - slow_start[1]));
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 0);
    check_order(20);
    OK(ctexec_free(ex));
}

static int value_item(void *arg, void **result) {
    *result = arg;
    return (int)(intptr_t)arg == 2 ? 42 : 0;
}

static void *submit_values(void *p) {
    ctexec_future *f = p;
    extern ctexec *values_ex;
    for (int i = 0; i < 3; i++) OK(ctexec_submit(values_ex, value_item, (void *)(intptr_t)i, &f[i]));
    return NULL;
}
ctexec *values_ex;

static void test_run_ready_futures_and_cancel(void) {
    values_ex = new_ex();
    ctexec_future f[3];
    pthread_t t;
    CHECK(pthread_create(&t, NULL, submit_values, f) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    OK(ctexec_future_cancel(f[1]));
    uint64_t ran = 0;
    EXPECT_RC(ctexec_run_ready(values_ex, 1, -1, &ran), 1);
    /* started and completed; the others are still queued */
    void *r = NULL;
    OK(ctexec_future_wait(f[0], 0, &r));
    CHECK(r == (void *)0);
    EXPECT_RC(ctexec_future_done(f[2]), 0);
    EXPECT_RC(ctexec_future_cancel(f[0]), CTEXEC_ESTATE);
    EXPECT_RC(ctexec_run_ready(values_ex, 0, -1, &ran), 0);
    CHECK(ran == 2); /* the cancelled item was skipped */
    EXPECT_RC(ctexec_future_wait(f[1], 0, NULL), CTEXEC_ECANCELLED);
    EXPECT_RC(ctexec_future_wait(f[2], 0, NULL), 42);
    for (int i = 0; i < 3; i++) OK(ctexec_future_free(f[i]));
    OK(ctexec_free(values_ex));
}

static void test_free_cancels_items_left_by_run_ready(void) {
    values_ex = new_ex();
    ctexec_future f[3];
    pthread_t t;
    CHECK(pthread_create(&t, NULL, submit_values, f) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    EXPECT_RC(ctexec_run_ready(values_ex, 1, -1, NULL), 1);
    OK(ctexec_free(values_ex));
    OK(ctexec_future_wait(f[0], 0, NULL));
    EXPECT_RC(ctexec_future_wait(f[1], 0, NULL), CTEXEC_ECANCELLED);
    EXPECT_RC(ctexec_future_wait(f[2], 0, NULL), CTEXEC_ECANCELLED);
    for (int i = 0; i < 3; i++) OK(ctexec_future_free(f[i]));
}

static void test_run_until_after_run_ready_keeps_fifo(void) {
    ctexec *ex = new_ex();
    submit_n(ex, 0, 10, NULL);
    EXPECT_RC(ctexec_run_ready(ex, 4, -1, NULL), 1);
    submit_n(ex, 10, 3, NULL);
    ctexec_future done;
    OK(ctexec_future_new(&done));
    OK(ctexec_future_set_result(done, NULL));
    OK(ctexec_run_until(ex, done)); /* quits, drains */
    check_order(13);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0); /* quit: nothing, no error */
    OK(ctexec_future_free(done));
    OK(ctexec_free(ex));
}

static int wrong_thread_rc;
static void *run_ready_main(void *p) {
    wrong_thread_rc = ctexec_run_ready(p, 0, -1, NULL);
    return NULL;
}

static void test_run_ready_from_other_thread_fails(void) {
    ctexec *ex = new_ex();
    submit_n(ex, 0, 1, NULL);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, run_ready_main, ex) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    EXPECT_RC(wrong_thread_rc, CTEXEC_EWRONGTHREAD);
    CHECK(atomic_load(&order_len) == 0);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0);
    check_order(1);
    OK(ctexec_free(ex));
}

static int nested_rc[2];
static ctexec *nest_ex;
static int nesting_item(void *arg, void **result) {
    (void)arg;
    (void)result;
    ctexec_future done;
    OK(ctexec_future_new(&done));
    OK(ctexec_future_set_result(done, NULL));
    nested_rc[0] = ctexec_run_ready(nest_ex, 0, -1, NULL);
    nested_rc[1] = ctexec_run_until(nest_ex, done);
    OK(ctexec_future_free(done));
    return 0;
}
static void *submit_nesting(void *p) {
    (void)p;
    OK(ctexec_submit(nest_ex, nesting_item, NULL, NULL));
    return NULL;
}

static void test_run_ready_reentry_is_busy(void) {
    nest_ex = new_ex();
    for (int round = 0; round < 2; round++) { /* inside run_ready, then inside run_until */
        pthread_t t;
        CHECK(pthread_create(&t, NULL, submit_nesting, NULL) == 0);
        CHECK(pthread_join(t, NULL) == 0);
        nested_rc[0] = nested_rc[1] = 99;
        if (round == 0) {
            EXPECT_RC(ctexec_run_ready(nest_ex, 0, -1, NULL), 0);
        } else {
            ctexec_future p;
            OK(ctexec_future_new(&p));
            EXPECT_RC(ctexec_run_until_timeout(nest_ex, p, 0), CTEXEC_ETIMEDOUT);
            OK(ctexec_future_free(p));
        }
        EXPECT_RC(nested_rc[0], CTEXEC_EBUSY);
        EXPECT_RC(nested_rc[1], CTEXEC_EBUSY);
    }
    OK(ctexec_free(nest_ex));
}

/* ---- notify -------------------------------------------------------------- */

static atomic_int notifies;
static ctexec *notify_ex_seen;
static void count_notify(ctexec *ex, void *ud) {
    CHECK(ud == (void *)&notifies);
    notify_ex_seen = ex;
    atomic_fetch_add(&notifies, 1);
}

static void test_notify_once_per_transition_coalesced(void) {
    ctexec *ex = new_ex();
    atomic_store(&notifies, 0);
    OK(ctexec_set_notify(ex, count_notify, &notifies));
    CHECK(atomic_load(&notifies) == 0); /* nothing queued */
    submit_n(ex, 0, 100, NULL);
    CHECK(atomic_load(&notifies) == 1 && notify_ex_seen == ex);
    EXPECT_RC(ctexec_run_ready(ex, 10, -1, NULL), 1); /* not drained */
    submit_n(ex, 100, 10, NULL);
    CHECK(atomic_load(&notifies) == 1);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0); /* drained: re-armed */
    submit_n(ex, 110, 3, NULL);
    CHECK(atomic_load(&notifies) == 2);
    ctexec_future p;
    OK(ctexec_future_new(&p));
    EXPECT_RC(ctexec_run_until_timeout(ex, p, 0), CTEXEC_ETIMEDOUT); /* run_until drains too */
    submit_n(ex, 113, 1, NULL);
    CHECK(atomic_load(&notifies) == 3);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0);
    check_order(114);
    OK(ctexec_future_free(p));
    OK(ctexec_free(ex));
}

static void test_notify_set_with_work_queued_is_called_at_once(void) {
    ctexec *ex = new_ex();
    atomic_store(&notifies, 0);
    submit_n(ex, 0, 2, NULL);
    OK(ctexec_set_notify(ex, count_notify, &notifies));
    CHECK(atomic_load(&notifies) == 1);
    submit_n(ex, 2, 1, NULL);
    CHECK(atomic_load(&notifies) == 1);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0);
    check_order(3);
    OK(ctexec_free(ex));
}

static void test_notify_removed_is_never_called(void) {
    ctexec *ex = new_ex();
    atomic_store(&notifies, 0);
    OK(ctexec_set_notify(ex, count_notify, &notifies));
    OK(ctexec_set_notify(ex, NULL, NULL));
    submit_n(ex, 0, 5, NULL);
    CHECK(atomic_load(&notifies) == 0);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0);
    OK(ctexec_free(ex));
}

static int inner_rc;
static void notify_reenters(ctexec *ex, void *ud) {
    (void)ud;
    inner_rc = ctexec_set_notify(ex, NULL, NULL);
    atomic_fetch_add(&notifies, 1);
}

static void test_set_notify_inside_notify_is_busy(void) {
    ctexec *ex = new_ex();
    atomic_store(&notifies, 0);
    OK(ctexec_set_notify(ex, notify_reenters, NULL));
    submit_n(ex, 0, 1, NULL);
    CHECK(atomic_load(&notifies) == 1);
    EXPECT_RC(inner_rc, CTEXEC_EBUSY);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0);
    OK(ctexec_free(ex));
}

/* A submit racing the drain: every transition is heard, none is lost. */
static atomic_int race_pending;
static void race_notify(ctexec *ex, void *ud) {
    (void)ex;
    (void)ud;
    atomic_store(&race_pending, 1);
}

static void *submit_race(void *p) {
    for (int i = 0; i < 20000; i++) {
        OK(ctexec_submit(p, log_item, (void *)(intptr_t)i, NULL));
        if ((i & 63) == 0) sched_yield();
    }
    return NULL;
}

static void test_no_lost_wakeup_under_race(void) {
    ctexec *ex = new_ex();
    int fd;
    OK(ctexec_fd(ex, &fd));
    OK(ctexec_set_notify(ex, race_notify, NULL));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, submit_race, ex) == 0);
    /* A host loop: sleep in poll until readable, run a little, repeat. */
    int64_t idle_polls = 0;
    while (atomic_load(&order_len) < 20000) {
        struct pollfd p = {fd, POLLIN, 0};
        int n = poll(&p, 1, 2000);
        if (n == 0) FAIL("descriptor not readable for 2 s with %d of 20000 items run",
                         atomic_load(&order_len));
        atomic_store(&race_pending, 0);
        int rc = ctexec_run_ready(ex, 50, -1, NULL);
        CHECK(rc == 0 || rc == 1);
        if (rc == 0 && readable(fd) && ++idle_polls > 1000000) FAIL("busy idle");
    }
    CHECK(pthread_join(t, NULL) == 0);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0);
    CHECK(!readable(fd));
    check_order(20000);
    OK(ctexec_free(ex));
}

/* set_notify(NULL) returning while submits keep coming: from then on the
 * old callback never runs, even one that a submit had already copied. */
static atomic_int slow_notifies, stop_submitting;
static void slow_notify(ctexec *ex, void *ud) {
    (void)ex;
    (void)ud;
    atomic_fetch_add(&slow_notifies, 1);
    struct timespec ts = {0, 200000}; /* 0.2 ms: widen the race */
    nanosleep(&ts, NULL);
    atomic_fetch_add(&slow_notifies, 1);
}

static int noop_item(void *arg, void **result) {
    (void)arg;
    (void)result;
    return 0;
}

static void *submit_until_stopped(void *p) {
    while (!atomic_load(&stop_submitting)) {
        OK(ctexec_submit(p, noop_item, NULL, NULL));
        sched_yield();
    }
    return NULL;
}

static void test_notify_never_called_after_removal(void) {
    ctexec *ex = new_ex();
    atomic_store(&stop_submitting, 0);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, submit_until_stopped, ex) == 0);
    for (int round = 0; round < 8; round++) {
    atomic_store(&slow_notifies, 0);
    OK(ctexec_set_notify(ex, slow_notify, NULL));
    /* Drain often so that many transitions (and notify calls) happen: for
     * 20 ms and until the callback has run a few times (a loaded machine
     * may not schedule the submitter at once), at most 10 s. */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t start = now.tv_sec * 1000000000LL + now.tv_nsec, el;
    do {
        CHECK(ctexec_run_ready(ex, 0, -1, NULL) >= 0);
        clock_gettime(CLOCK_MONOTONIC, &now);
        el = now.tv_sec * 1000000000LL + now.tv_nsec - start;
        if (el > 10000000000LL) FAIL("the notify callback ran %d times in 10 s", atomic_load(&slow_notifies) / 2);
    } while (el < 20000000 || atomic_load(&slow_notifies) < 6);
    OK(ctexec_set_notify(ex, NULL, NULL));
    int seen = atomic_load(&slow_notifies);
    CHECK(seen % 2 == 0); /* no call is half done */
    for (int i = 0; i < 200; i++) { /* more transitions, no callback */
        CHECK(ctexec_run_ready(ex, 0, -1, NULL) >= 0);
        sched_yield();
    }
    if (atomic_load(&slow_notifies) != seen) FAIL("notify ran after ctexec_set_notify(NULL) returned");
    CHECK(seen > 0);
    }
    atomic_store(&stop_submitting, 1);
    CHECK(pthread_join(t, NULL) == 0);
    while (ctexec_run_ready(ex, 0, -1, NULL) == 1) {
    }
    OK(ctexec_free(ex));
}

/* An attached executor with nothing queued leaves its descriptor quiet: a
 * host loop sleeping in poll uses no CPU. */
static void test_idle_loop_does_not_spin(void) {
    ctexec *ex = new_ex();
    int fd;
    OK(ctexec_fd(ex, &fd));
    submit_n(ex, 0, 10, NULL);
    struct rusage r0, r1;
    CHECK(getrusage(RUSAGE_THREAD, &r0) == 0);
    int wakeups = 0;
    for (int i = 0; i < 20; i++) { /* 200 ms of a host loop */
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10) == 1) {
            wakeups++;
            CHECK(ctexec_run_ready(ex, 0, -1, NULL) == 0);
        }
    }
    CHECK(getrusage(RUSAGE_THREAD, &r1) == 0);
    int64_t cpu_us = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1000000LL + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) +
                     (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1000000LL + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
    if (wakeups != 1) FAIL("the idle loop woke %d times", wakeups);
    if (cpu_us > 5000) FAIL("the idle loop used %lld us of CPU in 200 ms", (long long)cpu_us);
    check_order(10);
    OK(ctexec_free(ex));
}

/* A submit to a quit executor goes down the chain; the old executor's host
 * hears of it (this push takes the core's path, not the C fast path). */
static void test_chained_submit_wakes_old_executors_host(void) {
    ctexec *old = new_ex(), *ex;
    OK(ctexec_new(old, &ex));
    int fd;
    OK(ctexec_fd(old, &fd));
    atomic_store(&notifies, 0);
    OK(ctexec_set_notify(old, count_notify, &notifies));
    ctexec_future done;
    OK(ctexec_future_new(&done));
    OK(ctexec_future_set_result(done, NULL));
    OK(ctexec_run_until(ex, done)); /* ex quits */
    CHECK(!readable(fd));
    submit_n(ex, 0, 2, NULL);
    CHECK(readable(fd) && atomic_load(&notifies) == 1 && notify_ex_seen == old);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0); /* quit: it runs nothing */
    EXPECT_RC(ctexec_run_ready(old, 0, -1, NULL), 0);
    CHECK(!readable(fd));
    check_order(2);
    OK(ctexec_future_free(done));
    OK(ctexec_free(ex));
    OK(ctexec_free(old));
}

/* A forked child gets CTEXEC_EFORK from every embedding call, and never
 * signals the parent's descriptor. */
static void test_fork_child_gets_efork(void) {
    ctexec *ex = new_ex();
    int fd;
    OK(ctexec_fd(ex, &fd));
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int fd2;
        if (ctexec_fd(ex, &fd2) != CTEXEC_EFORK) _exit(2);
        if (ctexec_run_ready(ex, 0, -1, NULL) != CTEXEC_EFORK) _exit(3);
        if (ctexec_set_notify(ex, NULL, NULL) != CTEXEC_EFORK) _exit(4);
        if (ctexec_submit(ex, log_item, NULL, NULL) != CTEXEC_EFORK) _exit(5);
        _exit(0);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) FAIL("child status %d", status);
    CHECK(!readable(fd));
    OK(ctexec_free(ex));
}

/* ---- free ---------------------------------------------------------------- */

static void test_free_closes_fd_and_drops_notify(void) {
    ctexec *ex = new_ex();
    int fd;
    OK(ctexec_fd(ex, &fd));
    OK(ctexec_set_notify(ex, count_notify, &notifies));
    OK(ctexec_free(ex));
    errno = 0;
    CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
    EXPECT_RC(ctexec_fd(ex, &fd), CTEXEC_EBADHANDLE);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), CTEXEC_EBADHANDLE);
    EXPECT_RC(ctexec_set_notify(ex, NULL, NULL), CTEXEC_EBADHANDLE);
}

static void test_event_handle_is_einval_on_posix(void) {
    ctexec *ex = new_ex();
    void *h = (void *)&h;
    EXPECT_RC(ctexec_event_handle(ex, &h), CTEXEC_EINVAL);
    CHECK(h == (void *)&h);
    OK(ctexec_free(ex));
}

/* ---- driver ------------------------------------------------------------ */

static const check_case cases[] = {
    {"fd_readable_iff_work_queued", test_fd_readable_iff_work_queued},
    {"fd_made_late_is_readable_for_queued_work", test_fd_made_late_is_readable_for_queued_work},
    {"fd_level_triggered", test_fd_level_triggered},
    {"run_until_drain_clears_fd", test_run_until_drain_clears_fd},
    {"run_ready_max_items_fifo", test_run_ready_max_items_fifo},
    {"run_ready_runs_a_snapshot", test_run_ready_runs_a_snapshot},
    {"run_ready_max_ns", test_run_ready_max_ns},
    {"run_ready_futures_and_cancel", test_run_ready_futures_and_cancel},
    {"free_cancels_items_left_by_run_ready", test_free_cancels_items_left_by_run_ready},
    {"run_until_after_run_ready_keeps_fifo", test_run_until_after_run_ready_keeps_fifo},
    {"run_ready_from_other_thread_fails", test_run_ready_from_other_thread_fails},
    {"run_ready_reentry_is_busy", test_run_ready_reentry_is_busy},
    {"notify_once_per_transition_coalesced", test_notify_once_per_transition_coalesced},
    {"notify_set_with_work_queued_is_called_at_once", test_notify_set_with_work_queued_is_called_at_once},
    {"notify_removed_is_never_called", test_notify_removed_is_never_called},
    {"set_notify_inside_notify_is_busy", test_set_notify_inside_notify_is_busy},
    {"no_lost_wakeup_under_race", test_no_lost_wakeup_under_race},
    {"notify_never_called_after_removal", test_notify_never_called_after_removal},
    {"idle_loop_does_not_spin", test_idle_loop_does_not_spin},
    {"chained_submit_wakes_old_executors_host", test_chained_submit_wakes_old_executors_host},
    {"fork_child_gets_efork", test_fork_child_gets_efork},
    {"free_closes_fd_and_drops_notify", test_free_closes_fd_and_drops_notify},
    {"event_handle_is_einval_on_posix", test_event_handle_is_einval_on_posix},
};

int main(int argc, char **argv) {
    owner = pthread_self();
    return run_cases(cases, sizeof cases / sizeof cases[0], argc, argv);
}
