/* Timers (include/ctexec.h, "Timers"; capi/cx/timers.c): ctexec_submit_with
 * with delay_ns > 0 and ctexec_next_deadline. One case per behaviour;
 * `test_timers --list` names them; every case ends with the live counts back
 * where they started. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <sched.h>
#include <unistd.h>

#include "ctexec.h"

#include "../check.h"

#define MS 1000000LL

static pthread_t owner;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ns(int64_t ns) {
    struct timespec ts = {ns / 1000000000LL, ns % 1000000000LL};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static int timer_submit(ctexec *ex, int64_t delay, ctexec_fn fn, void *arg, ctexec_destroy_fn destroy,
                        ctexec_future *f) {
    ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
    o.delay_ns = delay;
    o.destroy = destroy;
    return ctexec_submit_with(ex, &o, fn, arg, f);
}

/* ---- items -------------------------------------------------------------- */

#define MAX_LOG 4096
static int order_log[MAX_LOG];
static atomic_int order_len;
static atomic_int destroyed;
static atomic_int destroyed_off_owner;

static int log_item(void *arg, void **result) {
    (void)result;
    if (!pthread_equal(pthread_self(), owner)) FAIL("item ran off the owner thread");
    int i = atomic_fetch_add(&order_len, 1);
    CHECK(i < MAX_LOG);
    order_log[i] = (int)(intptr_t)arg;
    return 0;
}

static void count_destroy(void *arg) {
    (void)arg;
    atomic_fetch_add(&destroyed, 1);
    if (!pthread_equal(pthread_self(), owner)) atomic_fetch_add(&destroyed_off_owner, 1);
}

static ctexec_future stop_promise;
static int stop_item(void *arg, void **result) {
    (void)arg;
    (void)result;
    OK(ctexec_future_set_result(stop_promise, NULL));
    return 0;
}

static void reset(void) {
    atomic_store(&order_len, 0);
    atomic_store(&destroyed, 0);
    atomic_store(&destroyed_off_owner, 0);
}

/* ---- lateness: runs no earlier than its deadline ---------------------- */

#define LATE_N 200
struct late {
    int64_t earliest; /* the test's clock before the submit, + delay */
    int64_t ran;
};
static struct late lates[LATE_N];
static atomic_int late_done;

static int late_item(void *arg, void **result) {
    (void)result;
    struct late *l = arg;
    l->ran = now_ns();
    if (atomic_fetch_add(&late_done, 1) + 1 == LATE_N) OK(ctexec_future_set_result(stop_promise, NULL));
    return 0;
}

static int cmp64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* 200 timers at spread deadlines (1..200 ms, shuffled submit order), idle
 * owner in ctexec_run_until: none runs before its deadline; prints the
 * lateness (median, mean, max), measured against the clock read before
 * the submit (an upper bound of the true lateness). */
static void test_runs_no_earlier_than_deadline(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_future_new(&stop_promise));
    atomic_store(&late_done, 0);
    unsigned seed = 12345;
    for (int i = 0; i < LATE_N; i++) {
        int k = (int)(rand_r(&seed) % LATE_N);
        int64_t delay = (k + 1) * MS + (int64_t)(rand_r(&seed) % 1000) * 1000;
        lates[i].earliest = now_ns() + delay;
        OK(timer_submit(ex, delay, late_item, &lates[i], NULL, NULL));
    }
    OK(ctexec_run_until(ex, stop_promise));
    int64_t v[LATE_N], sum = 0;
    for (int i = 0; i < LATE_N; i++) {
        if (lates[i].ran < lates[i].earliest)
            FAIL("timer %d ran %lld ns before its deadline", i, (long long)(lates[i].earliest - lates[i].ran));
        v[i] = lates[i].ran - lates[i].earliest;
        sum += v[i];
    }
    qsort(v, LATE_N, sizeof v[0], cmp64);
    printf("lateness over %d timers: median %lld us, mean %lld us, p99 %lld us, max %lld us\n", LATE_N,
           (long long)v[LATE_N / 2] / 1000, (long long)(sum / LATE_N) / 1000,
           (long long)v[LATE_N * 99 / 100] / 1000, (long long)v[LATE_N - 1] / 1000);
    OK(ctexec_future_free(stop_promise));
    OK(ctexec_free(ex));
}

/* Order of deadlines, equal deadlines in submit order; from the owner. */
static void test_order_by_deadline_then_submit(void) {
    reset();
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_future_new(&stop_promise));
    /* item i: deadline slot (i % 5), reversed: slot 4 first, ... Slots are
     * 50 ms apart, far more than the submits take on a busy machine (the
     * deadline is relative to each submit's own clock). */
    for (int i = 0; i < 50; i++) {
        int slot = 4 - i % 5;
        OK(timer_submit(ex, (int64_t)(slot + 1) * 50 * MS, log_item, (void *)(intptr_t)(slot * 1000 + i), NULL,
                        NULL));
    }
    OK(timer_submit(ex, 300 * MS, stop_item, NULL, NULL, NULL));
    OK(ctexec_run_until(ex, stop_promise));
    CHECK(atomic_load(&order_len) == 50);
    for (int i = 1; i < 50; i++)
        if (order_log[i - 1] >= order_log[i]) FAIL("out of order at %d: %d then %d", i, order_log[i - 1], order_log[i]);
    OK(ctexec_future_free(stop_promise));
    OK(ctexec_free(ex));
}

/* The owner may submit timers to itself; a plain submit from it stays
 * refused, and so does ctexec_submit_with without a delay or a flag. */
static void test_owner_self_timer(void) {
    reset();
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_future_new(&stop_promise));
    EXPECT_RC(ctexec_submit(ex, log_item, (void *)1, NULL), CTEXEC_ESAMETHREAD);
    EXPECT_RC(ctexec_submit_with(ex, NULL, log_item, (void *)1, NULL), CTEXEC_ESAMETHREAD);
    EXPECT_RC(timer_submit(ex, 0, log_item, (void *)1, count_destroy, NULL), CTEXEC_ESAMETHREAD);
    CHECK(atomic_load(&destroyed) == 1); /* refused: destroy before the call returns */
    ctexec_future f;
    int64_t t0 = now_ns();
    OK(timer_submit(ex, 10 * MS, log_item, (void *)7, NULL, &f));
    OK(timer_submit(ex, 11 * MS, stop_item, NULL, NULL, NULL));
    OK(ctexec_run_until(ex, stop_promise));
    CHECK(now_ns() - t0 >= 11 * MS);
    void *r;
    OK(ctexec_future_wait(f, 0, &r));
    CHECK(atomic_load(&order_len) == 1 && order_log[0] == 7);
    OK(ctexec_future_free(f));
    OK(ctexec_future_free(stop_promise));
    OK(ctexec_free(ex));
}

/* Cancel before it fires: ECANCELLED at once, the item never runs. */
static void test_cancel_before_fire(void) {
    reset();
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_future_new(&stop_promise));
    ctexec_future f;
    OK(timer_submit(ex, 5 * MS, log_item, (void *)1, count_destroy, &f));
    OK(ctexec_future_cancel(f));
    CHECK(atomic_load(&destroyed) == 1); /* on the canceller, before cancel returned */
    void *r;
    EXPECT_RC(ctexec_future_wait(f, 0, &r), CTEXEC_ECANCELLED);
    OK(timer_submit(ex, 20 * MS, stop_item, NULL, NULL, NULL));
    OK(ctexec_run_until(ex, stop_promise));
    CHECK(atomic_load(&order_len) == 0);
    CHECK(atomic_load(&destroyed) == 1); /* not again when the dead record was dropped */
    EXPECT_RC(ctexec_future_wait(f, 0, &r), CTEXEC_ECANCELLED);
    OK(ctexec_future_free(f));
    OK(ctexec_future_free(stop_promise));
    OK(ctexec_free(ex));
}

/* Cancel racing fire, from another thread, many times: exactly one
 * outcome each time. */
#define RACES 300
static atomic_int race_ran[RACES];
static atomic_int race_destroyed[RACES];
static void race_destroy(void *arg) { atomic_fetch_add(&race_destroyed[(intptr_t)arg], 1); }
static int race_item(void *arg, void **result) {
    (void)result;
    atomic_fetch_add(&race_ran[(intptr_t)arg], 1);
    return 0;
}
struct race_ctx {
    ctexec *ex;
    int cancelled, ran;
};
static void *race_main(void *p) {
    struct race_ctx *c = p;
    unsigned seed = 99;
    for (int i = 0; i < RACES; i++) {
        ctexec_future f;
        OK(timer_submit(c->ex, 200000, race_item, (void *)(intptr_t)i, race_destroy, &f));
        sleep_ns((int64_t)(rand_r(&seed) % 400) * 1000);
        int rc = ctexec_future_cancel(f);
        void *r;
        int w = ctexec_future_wait(f, -1, &r);
        if (rc == CTEXEC_OK) {
            CHECK(w == CTEXEC_ECANCELLED);
            c->cancelled++;
        } else {
            CHECK(w == CTEXEC_OK);
            c->ran++;
        }
        OK(ctexec_future_free(f));
        /* the item ran iff the cancel lost; destroy follows the outcome
         * (after the future completed, when the item ran) */
        for (int64_t t0 = now_ns(); atomic_load(&race_destroyed[i]) == 0 && now_ns() - t0 < 2000 * MS;)
            sched_yield();
        sleep_ns(100000); /* a second call would come now */
        if (atomic_load(&race_ran[i]) != (rc == CTEXEC_OK ? 0 : 1))
            FAIL("race %d: cancel rc %d but the item ran %d times", i, rc, atomic_load(&race_ran[i]));
        if (atomic_load(&race_destroyed[i]) != 1)
            FAIL("race %d: destroy called %d times", i, atomic_load(&race_destroyed[i]));
    }
    OK(ctexec_future_set_result(stop_promise, NULL));
    return NULL;
}
static void test_cancel_races_fire(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_future_new(&stop_promise));
    for (int i = 0; i < RACES; i++) {
        atomic_store(&race_ran[i], 0);
        atomic_store(&race_destroyed[i], 0);
    }
    struct race_ctx c = {ex, 0, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, race_main, &c) == 0);
    OK(ctexec_run_until(ex, stop_promise));
    CHECK(pthread_join(t, NULL) == 0);
    printf("cancel won %d, fire won %d of %d\n", c.cancelled, c.ran, RACES);
    CHECK(c.cancelled + c.ran == RACES);
    OK(ctexec_future_free(stop_promise));
    OK(ctexec_free(ex));
}

/* An earlier deadline inserted while the owner sleeps towards a later one
 * wakes it. */
struct later_ctx {
    ctexec *ex;
};
static void *insert_earlier_main(void *p) {
    struct later_ctx *c = p;
    sleep_ns(20 * MS); /* the owner is asleep towards the 10 s timer by now */
    OK(timer_submit(c->ex, 20 * MS, stop_item, NULL, NULL, NULL));
    return NULL;
}
static void test_earlier_insert_wakes_owner(void) {
    reset();
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_future_new(&stop_promise));
    OK(timer_submit(ex, 10000 * MS, log_item, (void *)1, count_destroy, NULL));
    struct later_ctx c = {ex};
    pthread_t t;
    int64_t t0 = now_ns();
    CHECK(pthread_create(&t, NULL, insert_earlier_main, &c) == 0);
    OK(ctexec_run_until(ex, stop_promise));
    int64_t took = now_ns() - t0;
    CHECK(pthread_join(t, NULL) == 0);
    if (took > 2000 * MS) FAIL("run_until took %lld ms: the earlier deadline did not wake it", (long long)(took / MS));
    CHECK(took >= 40 * MS);
    /* quit cancelled the 10 s timer: destroy on the owner, once */
    CHECK(atomic_load(&order_len) == 0);
    CHECK(atomic_load(&destroyed) == 1 && atomic_load(&destroyed_off_owner) == 0);
    OK(ctexec_future_free(stop_promise));
    OK(ctexec_free(ex));
}

/* Quit with pending timers: not-due ones are cancelled (ECANCELLED,
 * destroy once, on the owner) before run_until returns; due ones run. */
static void test_quit_cancels_pending_timers(void) {
    reset();
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_future_new(&stop_promise));
    ctexec_future f[10];
    for (int i = 0; i < 10; i++) OK(timer_submit(ex, 60000 * MS, log_item, (void *)(intptr_t)i, count_destroy, &f[i]));
    ctexec_future due;
    OK(timer_submit(ex, 1, log_item, (void *)100, count_destroy, &due));
    OK(timer_submit(ex, 5 * MS, stop_item, NULL, NULL, NULL));
    int64_t t0 = now_ns();
    OK(ctexec_run_until(ex, stop_promise));
    CHECK(now_ns() - t0 < 2000 * MS);
    void *r;
    for (int i = 0; i < 10; i++) {
        EXPECT_RC(ctexec_future_wait(f[i], 0, &r), CTEXEC_ECANCELLED);
        OK(ctexec_future_free(f[i]));
    }
    OK(ctexec_future_wait(due, 0, &r));
    OK(ctexec_future_free(due));
    CHECK(atomic_load(&order_len) == 1 && order_log[0] == 100);
    /* 10 cancelled + the due one, after it ran: all on the owner */
    CHECK(atomic_load(&destroyed) == 11 && atomic_load(&destroyed_off_owner) == 0);
    int64_t ns;
    OK(ctexec_next_deadline(ex, &ns));
    CHECK(ns == -1);
    EXPECT_RC(ctexec_run_until(ex, stop_promise), CTEXEC_EQUIT);
    OK(ctexec_future_free(stop_promise));
    OK(ctexec_free(ex));
}

/* A timer submitted to a quit executor goes down the chain (and stays a
 * timer there). */
static void test_timer_to_quit_executor_goes_down_chain(void) {
    reset();
    ctexec *old, *ex;
    OK(ctexec_new(NULL, &old));
    OK(ctexec_new(old, &ex));
    ctexec_future done;
    OK(ctexec_future_new(&done));
    OK(ctexec_future_set_result(done, NULL));
    OK(ctexec_run_until(ex, done)); /* ex quits */
    OK(ctexec_future_free(done));
    OK(ctexec_future_new(&stop_promise));
    int64_t ns, t0 = now_ns();
    OK(timer_submit(ex, 30 * MS, stop_item, NULL, NULL, NULL)); /* from the owner of both */
    OK(ctexec_next_deadline(old, &ns));
    CHECK(ns >= 0 && ns <= 30 * MS); /* 0 only on a machine slow enough to pass the deadline */
    OK(ctexec_run_until(old, stop_promise));
    CHECK(now_ns() - t0 >= 30 * MS);
    OK(ctexec_future_free(stop_promise));
    OK(ctexec_free(ex));
    OK(ctexec_free(old));
}

/* ctexec_free discards pending timers: ECANCELLED, destroy once each, on
 * the freeing thread. */
struct free_ctx {
    ctexec *ex;
    ctexec_future f[8];
};
static void *submit_far_main(void *p) {
    struct free_ctx *c = p;
    for (int i = 0; i < 8; i++) OK(timer_submit(c->ex, 60000 * MS, log_item, NULL, count_destroy, &c->f[i]));
    return NULL;
}
static void test_free_discards_pending_timers(void) {
    reset();
    struct free_ctx c;
    OK(ctexec_new(NULL, &c.ex));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, submit_far_main, &c) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    ctexec_stats_t st = CTEXEC_STATS_INIT;
    OK(ctexec_stats(c.ex, &st));
    CHECK(st.queued == 0); /* timers are not queued */
    OK(ctexec_free(c.ex));
    void *r;
    for (int i = 0; i < 8; i++) {
        EXPECT_RC(ctexec_future_wait(c.f[i], 0, &r), CTEXEC_ECANCELLED);
        OK(ctexec_future_free(c.f[i]));
    }
    CHECK(atomic_load(&destroyed) == 8 && atomic_load(&destroyed_off_owner) == 0);
    CHECK(atomic_load(&order_len) == 0);
}

/* ctexec_next_deadline: -1 without timers, the time left, 0 once due. */
static void test_next_deadline_values(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    int64_t ns = 42;
    OK(ctexec_next_deadline(ex, &ns));
    CHECK(ns == -1);
    ctexec_future f;
    OK(timer_submit(ex, 500 * MS, log_item, NULL, NULL, &f));
    OK(ctexec_next_deadline(ex, &ns));
    CHECK(ns > 250 * MS && ns <= 500 * MS); /* room for a busy machine */
    ctexec_future g;
    OK(timer_submit(ex, 2 * MS, log_item, NULL, NULL, &g));
    OK(ctexec_next_deadline(ex, &ns));
    CHECK(ns >= 0 && ns <= 2 * MS); /* the earlier one now */
    /* A cancelled earliest timer is not reported: the host would wake
     * for nothing. The later one is. */
    OK(ctexec_future_cancel(g));
    OK(ctexec_next_deadline(ex, &ns));
    CHECK(ns > 250 * MS && ns <= 500 * MS);
    OK(ctexec_future_free(g));
    OK(timer_submit(ex, 2 * MS, log_item, NULL, NULL, &g));
    sleep_ns(3 * MS);
    OK(ctexec_next_deadline(ex, &ns));
    CHECK(ns == 0);
    /* Cancelling the only timer: none left. */
    OK(ctexec_future_cancel(f));
    EXPECT_RC(ctexec_future_cancel(g), CTEXEC_OK);
    OK(ctexec_next_deadline(ex, &ns));
    CHECK(ns == -1);
    EXPECT_RC(ctexec_next_deadline(ex, NULL), CTEXEC_EINVAL);
    EXPECT_RC(ctexec_next_deadline(NULL, &ns), CTEXEC_EINVAL);
    OK(ctexec_free(ex));
    EXPECT_RC(ctexec_next_deadline(ex, &ns), CTEXEC_EBADHANDLE);
    OK(ctexec_future_free(f));
    OK(ctexec_future_free(g));
}

/* The descriptor becomes readable when a deadline passes while nobody runs
 * the executor; ctexec_run_ready then runs the timer. */
/* poll on one descriptor, resumed after a signal (poll is never restarted:
 * the Go runtime preempts the threads that entered it with SIGURG). */
static int poll1(struct pollfd *p, int timeout_ms) {
    int64_t end = now_ns() + (int64_t)timeout_ms * MS;
    for (;;) {
        int n = poll(p, 1, timeout_ms);
        if (n >= 0 || errno != EINTR) return n;
        int64_t left = end - now_ns();
        timeout_ms = left > 0 ? (int)(left / MS) + 1 : 0;
    }
}

static void test_fd_readable_at_deadline(void) {
    reset();
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    int fd;
    OK(ctexec_fd(ex, &fd));
    int64_t t0 = now_ns();
    OK(timer_submit(ex, 30 * MS, log_item, (void *)5, NULL, NULL));
    struct pollfd p = {fd, POLLIN, 0};
    CHECK(poll1(&p, 0) == 0); /* not before the deadline */
    int n = poll1(&p, 3000);
    int64_t at = now_ns() - t0;
    if (n != 1) FAIL("descriptor not readable 3 s after a 30 ms deadline");
    CHECK(at >= 30 * MS);
    printf("descriptor readable %lld us after the deadline\n", (long long)(at - 30 * MS) / 1000);
    uint64_t ran = 0;
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 0);
    CHECK(ran == 1 && atomic_load(&order_len) == 1 && order_log[0] == 5);
    CHECK(poll1(&p, 0) == 0); /* drained: cleared */
    OK(ctexec_free(ex));
}

static atomic_int notified;
static void on_notify(ctexec *ex, void *ud) {
    (void)ex;
    (void)ud;
    atomic_fetch_add(&notified, 1);
}

/* The notify callback fires when a deadline passes. */
static void test_notify_fires_at_deadline(void) {
    reset();
    atomic_store(&notified, 0);
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_set_notify(ex, on_notify, NULL));
    OK(timer_submit(ex, 20 * MS, log_item, (void *)9, NULL, NULL));
    CHECK(atomic_load(&notified) == 0);
    int64_t t0 = now_ns();
    while (atomic_load(&notified) == 0 && now_ns() - t0 < 3000 * MS) sleep_ns(MS / 2);
    if (atomic_load(&notified) == 0) FAIL("notify not called 3 s after a 20 ms deadline");
    uint64_t ran = 0;
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 0);
    CHECK(ran == 1 && order_log[0] == 9);
    OK(ctexec_set_notify(ex, NULL, NULL));
    OK(ctexec_free(ex));
}

/* ctexec_run_ready runs timers that are due, and only those. */
static void test_run_ready_runs_due_timers(void) {
    reset();
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    int64_t t0 = now_ns();
    OK(timer_submit(ex, 200 * MS, log_item, (void *)1, NULL, NULL));
    OK(timer_submit(ex, 60000 * MS, log_item, (void *)2, count_destroy, NULL));
    uint64_t ran = 9;
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 0);
    CHECK(ran == 0 || now_ns() - t0 >= 200 * MS); /* not due yet (unless the machine stalled) */
    uint64_t first = ran;
    sleep_ns(250 * MS);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 0);
    CHECK(first + ran == 1 && atomic_load(&order_len) == 1 && order_log[0] == 1);
    OK(ctexec_free(ex)); /* discards the 60 s one */
    CHECK(atomic_load(&destroyed) == 1);
}

/* A ctexec_run_ready refused with CTEXEC_EBUSY (called from inside an item
 * that ctexec_run_ready or ctexec_run_until is running on the same
 * executor) has no side effect: a timer due at that moment is not moved
 * into the queue by it (ctexec_next_deadline still reports it due, 0), and
 * it joins the back of the queue only at the owner's next look, behind an
 * item that the running item posted after the refusal. Log: the item 1,
 * the posted item 2, the timer 3. */
static ctexec *nested_ex;
static int64_t nested_at_start, nested_after;
static int nested_rc;
static uint64_t nested_ran;
static int log_stop_at_3(void *arg, void **result) {
    log_item(arg, result);
    if (atomic_load(&order_len) == 3) OK(ctexec_future_set_result(stop_promise, NULL));
    return 0;
}
static int nested_ready_item(void *arg, void **result) {
    ctexec *ex = nested_ex;
    OK(ctexec_next_deadline(ex, &nested_at_start));
    int64_t ns = nested_at_start;
    while (ns != 0) { /* until the timer is due */
        CHECK(ns > 0);
        sleep_ns(ns);
        OK(ctexec_next_deadline(ex, &ns));
    }
    nested_ran = 77;
    nested_rc = ctexec_run_ready(ex, 0, -1, &nested_ran);
    OK(ctexec_next_deadline(ex, &nested_after));
    ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
    o.flags = CTEXEC_SUBMIT_POST;
    OK(ctexec_submit_with(ex, &o, log_stop_at_3, (void *)2, NULL));
    return log_item(arg, result);
}
/* One round, the outer call being ctexec_run_until (until) or
 * ctexec_run_ready. Returns 0 if the machine stalled so long that the timer
 * was due before the item started (nothing to judge), else 1. */
static int nested_round(int until) {
    reset();
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    nested_ex = ex;
    OK(ctexec_future_new(&stop_promise));
    OK(timer_submit(ex, 50 * MS, log_stop_at_3, (void *)3, NULL, NULL));
    ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
    o.flags = CTEXEC_SUBMIT_POST;
    OK(ctexec_submit_with(ex, &o, nested_ready_item, (void *)1, NULL));
    if (until) {
        OK(ctexec_run_until(ex, stop_promise));
    } else {
        uint64_t ran = 0;
        EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 1); /* its snapshot: the item */
        CHECK(ran == 1);
        EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 0);
        CHECK(ran == 2);
    }
    int judged = nested_at_start > 0;
    if (judged) {
        EXPECT_RC(nested_rc, CTEXEC_EBUSY);
        CHECK(nested_ran == 77); /* out_ran not written */
        if (nested_after != 0) FAIL("the refused run_ready moved the due timer (next_deadline %lld, not 0)",
                                    (long long)nested_after);
        CHECK(atomic_load(&order_len) == 3);
        if (order_log[0] != 1 || order_log[1] != 2 || order_log[2] != 3)
            FAIL("order %d %d %d, want 1 2 3 (%s)", order_log[0], order_log[1], order_log[2],
                 until ? "run_until" : "run_ready");
    }
    OK(ctexec_future_free(stop_promise));
    OK(ctexec_free(ex));
    return judged;
}
static void test_refused_run_ready_moves_no_timer(void) {
    for (int until = 0; until <= 1; until++) {
        int tries = 0;
        while (!nested_round(until))
            if (++tries == 5) FAIL("the owner stalled past a 50 ms deadline five times (%s)", until ? "run_until" : "run_ready");
    }
}

/* Bad options: delay_ns < 0 is CTEXEC_EINVAL, destroy still called. */
static void test_negative_delay_is_einval(void) {
    reset();
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    EXPECT_RC(timer_submit(ex, -1, log_item, NULL, count_destroy, NULL), CTEXEC_EINVAL);
    CHECK(atomic_load(&destroyed) == 1);
    OK(ctexec_free(ex));
}

/* A due urgent timer joins the urgent lane: it runs before normal items
 * queued before it fell due (and not yet taken by the owner). */
static atomic_int gate_started, gate_open;
static int hold_item(void *arg, void **result) {
    (void)arg;
    (void)result;
    atomic_store(&gate_started, 1);
    while (!atomic_load(&gate_open)) sched_yield();
    return 0;
}
static void *urgent_timer_main(void *p) {
    ctexec *ex = p;
    OK(ctexec_submit(ex, hold_item, NULL, NULL));
    while (!atomic_load(&gate_started)) sched_yield();
    for (int i = 1; i <= 5; i++) OK(ctexec_submit(ex, log_item, (void *)(intptr_t)i, NULL));
    ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
    o.delay_ns = 1 * MS;
    o.flags = CTEXEC_SUBMIT_URGENT;
    OK(ctexec_submit_with(ex, &o, log_item, (void *)100, NULL));
    sleep_ns(5 * MS); /* due now, while the owner is held */
    OK(ctexec_submit(ex, stop_item, NULL, NULL));
    atomic_store(&gate_open, 1);
    return NULL;
}
static void test_urgent_timer_joins_urgent_lane(void) {
    reset();
    atomic_store(&gate_started, 0);
    atomic_store(&gate_open, 0);
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_future_new(&stop_promise));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, urgent_timer_main, ex) == 0);
    OK(ctexec_run_until(ex, stop_promise));
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(atomic_load(&order_len) == 6);
    if (order_log[0] != 100) FAIL("item %d ran first, want the due urgent timer (100)", order_log[0]);
    for (int i = 1; i <= 5; i++) CHECK(order_log[i] == i);
    OK(ctexec_future_free(stop_promise));
    OK(ctexec_free(ex));
}

static double cpu_s(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/* 1,000 timers 60 s out cost no CPU while idle (< 5 ms per second), for an
 * owner asleep in ctexec_run_until and for a host loop asleep on the
 * descriptor (the timer thread). */
static void test_idle_cpu_with_1000_timers(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    int fd;
    OK(ctexec_fd(ex, &fd));
    for (int i = 0; i < 1000; i++) OK(timer_submit(ex, 60000 * MS + i * MS, log_item, NULL, NULL, NULL));
    ctexec_future never;
    OK(ctexec_future_new(&never));
    /* Warm-up: the owner's first run (its first entry into Go) is not idling. */
    EXPECT_RC(ctexec_run_until_timeout(ex, never, 50 * MS), CTEXEC_ETIMEDOUT);
    /* A measurement is repeated (up to 3) when it is over the bound: on a
     * loaded machine a second of process CPU time picks up the Go
     * runtime's own work (sysmon, a GC cycle under cgocheck2). An owner or
     * a timer thread that polls pays in every second, so it still fails. */
    double run_ms = 0, host_ms = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        double c0 = cpu_s();
        int64_t t0 = now_ns();
        EXPECT_RC(ctexec_run_until_timeout(ex, never, 1000 * MS), CTEXEC_ETIMEDOUT);
        run_ms = (cpu_s() - c0) * 1000 / ((now_ns() - t0) / 1e9);
        c0 = cpu_s();
        t0 = now_ns();
        /* The header allows a descriptor that finds nothing to run (a
         * wake-up that raced a drain): one was seen once, in a cgocheck2
         * copy under a loaded full run, not yet explained. Such a wake must
         * run nothing, and a few are tolerated; a descriptor that keeps
         * firing is not idle. */
        int spurious = 0;
        for (int64_t left = 1000 * MS; left > 0; left = 1000 * MS - (now_ns() - t0)) {
            struct pollfd p = {fd, POLLIN, 0};
            int r = poll1(&p, (int)(left / MS) + 1);
            CHECK(r >= 0);
            if (r == 0) break;
            uint64_t ran = 1;
            EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 0);
            CHECK(ran == 0);
            if (++spurious > 2) FAIL("the descriptor became readable %d times with no timer due", spurious);
        }
        host_ms = (cpu_s() - c0) * 1000 / ((now_ns() - t0) / 1e9);
        printf("idle CPU with 1000 timers 60 s out: owner in run_until %.3f ms/s, host asleep on the fd %.3f ms/s\n",
               run_ms, host_ms);
        if (run_ms < 5 && host_ms < 5) break;
    }
    if (run_ms >= 5 || host_ms >= 5) FAIL("idle CPU %.3f / %.3f ms per second, bound 5, three times", run_ms, host_ms);
    OK(ctexec_future_free(never));
    OK(ctexec_free(ex));
}

static const check_case cases[] = {
    {"runs_no_earlier_than_deadline", test_runs_no_earlier_than_deadline},
    {"order_by_deadline_then_submit", test_order_by_deadline_then_submit},
    {"owner_self_timer", test_owner_self_timer},
    {"cancel_before_fire", test_cancel_before_fire},
    {"cancel_races_fire", test_cancel_races_fire},
    {"earlier_insert_wakes_owner", test_earlier_insert_wakes_owner},
    {"quit_cancels_pending_timers", test_quit_cancels_pending_timers},
    {"timer_to_quit_executor_goes_down_chain", test_timer_to_quit_executor_goes_down_chain},
    {"free_discards_pending_timers", test_free_discards_pending_timers},
    {"next_deadline_values", test_next_deadline_values},
    {"fd_readable_at_deadline", test_fd_readable_at_deadline},
    {"notify_fires_at_deadline", test_notify_fires_at_deadline},
    {"run_ready_runs_due_timers", test_run_ready_runs_due_timers},
    {"refused_run_ready_moves_no_timer", test_refused_run_ready_moves_no_timer},
    {"negative_delay_is_einval", test_negative_delay_is_einval},
    {"urgent_timer_joins_urgent_lane", test_urgent_timer_joins_urgent_lane},
    {"idle_cpu_with_1000_timers", test_idle_cpu_with_1000_timers},
};

int main(int argc, char **argv) {
    owner = pthread_self();
    return run_cases(cases, sizeof cases / sizeof cases[0], argc, argv);
}
