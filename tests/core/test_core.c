/* Core behaviour tests of the C contract (include/ctexec.h), one case per
 * behaviour. Usage: test_core <case>; CTest registers every case. Each case
 * ends by checking that ctexec_live_counts is back to where it started. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctexec.h"

#include "../check.h"

static const int64_t SEC = 1000000000LL;
static pthread_t owner_thread;

/* ---- helpers ----------------------------------------------------------- */

/* Runs fn(arg) on a new thread and joins it: "from another thread". */
static void on_other_thread(void *(*fn)(void *), void *arg) {
    pthread_t t;
    CHECK(pthread_create(&t, NULL, fn, arg) == 0);
    CHECK(pthread_join(t, NULL) == 0);
}

/* A promise that is already done. */
static ctexec_future done_future(void) {
    ctexec_future f;
    OK(ctexec_future_new(&f));
    OK(ctexec_future_set_result(f, NULL));
    return f;
}

/* A record kept by callbacks: how often they ran and on which thread. */
struct rec {
    atomic_int runs;
    atomic_int off_owner; /* runs that were not on the owner thread */
    int value;            /* returned as the result */
    int code;             /* returned as the status */
    int order;            /* the global sequence number of the last run */
};
static atomic_int sequence;

static int record(void *arg, void **result) {
    struct rec *r = arg;
    atomic_fetch_add(&r->runs, 1);
    if (!pthread_equal(pthread_self(), owner_thread)) atomic_fetch_add(&r->off_owner, 1);
    r->order = atomic_fetch_add(&sequence, 1);
    *result = (void *)(intptr_t)r->value;
    return r->code;
}

struct submit_req {
    ctexec *ex;
    struct rec *rec;
    ctexec_future *fut; /* NULL: fire and forget */
    int rc;
};

static void *submit_thread(void *p) {
    struct submit_req *s = p;
    s->rc = ctexec_submit(s->ex, record, s->rec, s->fut);
    return NULL;
}

/* Submits from another thread and returns the status. */
static int submit_elsewhere(ctexec *ex, struct rec *r, ctexec_future *fut) {
    struct submit_req s = {ex, r, fut, 0};
    on_other_thread(submit_thread, &s);
    return s.rc;
}

/* ---- 1. owner ---------------------------------------------------------- */

struct run_req {
    ctexec *ex;
    ctexec_future f;
    int rc;
};

static void *run_thread(void *p) {
    struct run_req *r = p;
    r->rc = ctexec_run_until(r->ex, r->f);
    return NULL;
}

static void test_run_from_other_thread_fails(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct rec r = {0};
    OK(submit_elsewhere(ex, &r, NULL));
    struct run_req req = {ex, done_future(), 0};
    on_other_thread(run_thread, &req);
    EXPECT_RC(req.rc, CTEXEC_EWRONGTHREAD);
    CHECK(atomic_load(&r.runs) == 0);
    /* The owner can still run it: the failed call changed nothing. */
    OK(ctexec_run_until(ex, req.f));
    CHECK(atomic_load(&r.runs) == 1);
    OK(ctexec_future_free(req.f));
    OK(ctexec_free(ex));
}

static void test_submit_from_owner_fails(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    ctexec_counts before, after;
    OK(ctexec_live_counts(&before));
    struct rec r = {0};
    ctexec_future f = 12345;
    EXPECT_RC(ctexec_submit(ex, record, &r, &f), CTEXEC_ESAMETHREAD);
    EXPECT_RC(ctexec_submit(ex, record, &r, NULL), CTEXEC_ESAMETHREAD);
    OK(ctexec_live_counts(&after));
    CHECK(f == 12345);                       /* out parameter untouched */
    CHECK(after.futures == before.futures);  /* no future was created */
    CHECK(after.queued == before.queued);    /* nothing was queued */
    ctexec_future d = done_future();
    OK(ctexec_run_until(ex, d));
    CHECK(atomic_load(&r.runs) == 0);        /* and nothing ever runs */
    OK(ctexec_future_free(d));
    OK(ctexec_free(ex));
}

/* ---- 2. running -------------------------------------------------------- */

struct pump {
    ctexec *ex;
    ctexec_future done;
    int n;
    struct rec *recs;
    ctexec_future *futs;
};

/* Submits n items, waits for each, then completes `done`. */
static void *pump_thread(void *p) {
    struct pump *pm = p;
    for (int i = 0; i < pm->n; i++) {
        OK(ctexec_submit(pm->ex, record, &pm->recs[i], &pm->futs[i]));
        void *res;
        OK(ctexec_future_wait(pm->futs[i], 10 * SEC, &res));
        CHECK((intptr_t)res == pm->recs[i].value);
    }
    OK(ctexec_future_set_result(pm->done, NULL));
    return NULL;
}

static void test_callbacks_run_on_owner_thread(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    enum { N = 100 };
    struct rec recs[N];
    ctexec_future futs[N];
    memset(recs, 0, sizeof recs);
    for (int i = 0; i < N; i++) recs[i].value = i * 3;
    struct pump pm = {ex, 0, N, recs, futs};
    OK(ctexec_future_new(&pm.done));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, pump_thread, &pm) == 0);
    OK(ctexec_run_until(ex, pm.done));
    CHECK(pthread_join(t, NULL) == 0);
    for (int i = 0; i < N; i++) {
        CHECK(atomic_load(&recs[i].runs) == 1);
        CHECK(atomic_load(&recs[i].off_owner) == 0);
        OK(ctexec_future_free(futs[i]));
    }
    OK(ctexec_future_free(pm.done));
    OK(ctexec_free(ex));
}

static void test_fifo_order_and_drain_after_quit(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    enum { N = 50 };
    struct rec recs[N];
    memset(recs, 0, sizeof recs);
    for (int i = 0; i < N; i++) OK(submit_elsewhere(ex, &recs[i], NULL));
    /* The future completes before the run starts: the executor quits at
     * once, and every item queued before that still runs, in order. */
    ctexec_future d = done_future();
    OK(ctexec_run_until(ex, d));
    for (int i = 0; i < N; i++) {
        CHECK(atomic_load(&recs[i].runs) == 1);
        if (i > 0) CHECK(recs[i].order > recs[i - 1].order);
    }
    /* A quit executor cannot be run again, and refuses submits. */
    EXPECT_RC(ctexec_run_until(ex, d), CTEXEC_EQUIT);
    struct rec late = {0};
    EXPECT_RC(submit_elsewhere(ex, &late, NULL), CTEXEC_EQUIT);
    OK(ctexec_future_free(d));
    OK(ctexec_free(ex));
}

/* An item that completes the run's future: items queued before it and after
 * it (but before the completion) both run before run_until returns. */
static ctexec_future quit_target;
static int complete_target(void *arg, void **result) {
    (void)arg;
    (void)result;
    OK(ctexec_future_set_result(quit_target, NULL));
    return 0;
}

struct submit_fn_req {
    ctexec *ex;
    ctexec_fn fn;
    void *arg;
    int rc;
};
static void *submit_fn_thread(void *p) {
    struct submit_fn_req *s = p;
    s->rc = ctexec_submit(s->ex, s->fn, s->arg, NULL);
    return NULL;
}

static void test_quit_at_completion_then_drain(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_future_new(&quit_target));
    struct rec before = {0}, after = {0};
    OK(submit_elsewhere(ex, &before, NULL));
    struct submit_fn_req s = {ex, complete_target, NULL, 0};
    on_other_thread(submit_fn_thread, &s);
    OK(s.rc);
    OK(submit_elsewhere(ex, &after, NULL));
    OK(ctexec_run_until(ex, quit_target));
    CHECK(atomic_load(&before.runs) == 1 && atomic_load(&after.runs) == 1);
    EXPECT_RC(ctexec_run_until(ex, quit_target), CTEXEC_EQUIT);
    OK(ctexec_future_free(quit_target));
    OK(ctexec_free(ex));
}

static void *complete_later(void *p) {
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    OK(ctexec_future_set_result(*(ctexec_future *)p, NULL));
    return NULL;
}

static void test_run_until_timeout(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    ctexec_future p;
    OK(ctexec_future_new(&p));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT_RC(ctexec_run_until_timeout(ex, p, 20 * 1000 * 1000), CTEXEC_ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t el = (t1.tv_sec - t0.tv_sec) * SEC + (t1.tv_nsec - t0.tv_nsec);
    CHECK(el >= 20 * 1000 * 1000);
    EXPECT_RC(ctexec_run_until_timeout(ex, p, 0), CTEXEC_ETIMEDOUT);
    /* Not quit: submits still land here, and the call may be repeated. */
    struct rec r = {0};
    OK(submit_elsewhere(ex, &r, NULL));
    EXPECT_RC(ctexec_run_until_timeout(ex, p, 0), CTEXEC_ETIMEDOUT);
    CHECK(atomic_load(&r.runs) == 1);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, complete_later, &p) == 0);
    int rc;
    int rounds = 0;
    while ((rc = ctexec_run_until_timeout(ex, p, 5 * 1000 * 1000)) == CTEXEC_ETIMEDOUT) rounds++;
    OK(rc);
    CHECK(rounds >= 1);
    CHECK(pthread_join(t, NULL) == 0);
    EXPECT_RC(ctexec_run_until_timeout(ex, p, 0), CTEXEC_EQUIT);
    OK(ctexec_future_free(p));
    OK(ctexec_free(ex));
}

/* ---- 3. chaining ------------------------------------------------------- */

static void test_chain_after_quit(void) {
    ctexec *outer, *inner;
    OK(ctexec_new(NULL, &outer));
    OK(ctexec_new(outer, &inner));
    ctexec_future d = done_future();
    OK(ctexec_run_until(inner, d)); /* inner quits */
    struct rec r = {0};
    ctexec_future f;
    OK(submit_elsewhere(inner, &r, &f));
    ctexec_counts c;
    OK(ctexec_live_counts(&c));
    CHECK(c.queued - start_counts.queued == 1);
    /* It went to the outer executor: the outer's run executes it. */
    OK(ctexec_run_until(outer, f));
    CHECK(atomic_load(&r.runs) == 1 && atomic_load(&r.off_owner) == 0);
    OK(ctexec_future_wait(f, 0, NULL));
    /* Now the whole chain has quit. */
    EXPECT_RC(submit_elsewhere(inner, &r, NULL), CTEXEC_EQUIT);
    OK(ctexec_future_free(f));
    OK(ctexec_future_free(d));
    OK(ctexec_free(inner));
    OK(ctexec_free(outer));
}

static void test_freed_executor_counts_as_quit(void) {
    ctexec *outer, *middle, *inner;
    OK(ctexec_new(NULL, &outer));
    OK(ctexec_new(outer, &middle));
    OK(ctexec_new(middle, &inner));
    OK(ctexec_free(middle)); /* freed: counts as quit in the chain */
    ctexec_future d = done_future();
    OK(ctexec_run_until(inner, d));
    struct rec r = {0};
    ctexec_future f;
    OK(submit_elsewhere(inner, &r, &f)); /* skips middle, lands on outer */
    OK(ctexec_run_until(outer, f));
    CHECK(atomic_load(&r.runs) == 1);
    OK(ctexec_future_free(f));
    OK(ctexec_future_free(d));
    OK(ctexec_free(inner));
    OK(ctexec_free(outer));
}

/* ---- 4. nesting -------------------------------------------------------- */

static ctexec *nest_outer;
static int nest_inner_ran, nest_reentry_rc, nest_inner_rc;

struct inner_ctx {
    ctexec *inner;
    ctexec_future inner_done;
    struct rec r;
};

static void *inner_submitter(void *p) {
    struct inner_ctx *c = p;
    ctexec_future f;
    OK(ctexec_submit(c->inner, record, &c->r, &f));
    OK(ctexec_future_wait(f, 10 * SEC, NULL));
    OK(ctexec_future_free(f));
    OK(ctexec_future_set_result(c->inner_done, NULL));
    return NULL;
}

static int nest(void *arg, void **result) {
    (void)result;
    ctexec_future outer_done = *(ctexec_future *)arg;
    ctexec_future never;
    OK(ctexec_future_new(&never));
    nest_reentry_rc = ctexec_run_until(nest_outer, never); /* EBUSY */
    OK(ctexec_future_free(never));

    struct inner_ctx c;
    memset(&c, 0, sizeof c);
    OK(ctexec_new(nest_outer, &c.inner));
    OK(ctexec_future_new(&c.inner_done));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, inner_submitter, &c) == 0);
    nest_inner_rc = ctexec_run_until(c.inner, c.inner_done);
    CHECK(pthread_join(t, NULL) == 0);
    nest_inner_ran = atomic_load(&c.r.runs) == 1 && atomic_load(&c.r.off_owner) == 0;
    OK(ctexec_future_free(c.inner_done));
    OK(ctexec_free(c.inner));
    OK(ctexec_future_set_result(outer_done, NULL));
    return 0;
}

static void test_nested_run_loops(void) {
    OK(ctexec_new(NULL, &nest_outer));
    ctexec_future outer_done;
    OK(ctexec_future_new(&outer_done));
    struct submit_fn_req s = {nest_outer, nest, &outer_done, 0};
    on_other_thread(submit_fn_thread, &s);
    OK(s.rc);
    OK(ctexec_run_until(nest_outer, outer_done));
    EXPECT_RC(nest_reentry_rc, CTEXEC_EBUSY);
    OK(nest_inner_rc);
    CHECK(nest_inner_ran);
    OK(ctexec_future_free(outer_done));
    OK(ctexec_free(nest_outer));
}

/* ---- 5. outcomes ------------------------------------------------------- */

static void test_outcomes_result_error_negative(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct rec ok = {0}, err = {0}, neg = {0};
    ok.value = 77;
    err.code = 42;
    err.value = 5;
    neg.code = -3;
    neg.value = 9;
    ctexec_future fo, fe, fn;
    OK(submit_elsewhere(ex, &ok, &fo));
    OK(submit_elsewhere(ex, &err, &fe));
    OK(submit_elsewhere(ex, &neg, &fn));
    ctexec_future d = done_future();
    OK(ctexec_run_until(ex, d));
    void *res = (void *)1;
    OK(ctexec_future_wait(fo, 0, &res));
    CHECK((intptr_t)res == 77);
    res = (void *)1;
    EXPECT_RC(ctexec_future_wait(fe, 0, &res), 42); /* host code, result untouched */
    CHECK(res == (void *)1);
    EXPECT_RC(ctexec_future_wait(fn, -1, &res), CTEXEC_EINVAL);
    OK(ctexec_future_free(fo));
    OK(ctexec_future_free(fe));
    OK(ctexec_future_free(fn));
    OK(ctexec_future_free(d));
    OK(ctexec_free(ex));
}

static void test_cancelled_item_is_skipped(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct rec r = {0}, keep = {0};
    ctexec_future f, g;
    OK(submit_elsewhere(ex, &r, &f));
    OK(submit_elsewhere(ex, &keep, &g));
    OK(ctexec_future_cancel(f));
    EXPECT_RC(ctexec_future_cancel(f), CTEXEC_ESTATE);
    CHECK(ctexec_future_done(f) == 1);
    ctexec_future d = done_future();
    OK(ctexec_run_until(ex, d));
    CHECK(atomic_load(&r.runs) == 0 && atomic_load(&keep.runs) == 1);
    EXPECT_RC(ctexec_future_wait(f, 0, NULL), CTEXEC_ECANCELLED);
    EXPECT_RC(ctexec_future_cancel(g), CTEXEC_ESTATE); /* already ran */
    OK(ctexec_future_free(f));
    OK(ctexec_future_free(g));
    OK(ctexec_future_free(d));
    OK(ctexec_free(ex));
}

static atomic_int done_calls;
static void count_done(ctexec_future f, void *ud) {
    (void)f;
    atomic_fetch_add((atomic_int *)ud, 1);
    atomic_fetch_add(&done_calls, 1);
}

struct free_req {
    ctexec *ex;
    int rc;
};
static void *free_thread(void *p) {
    struct free_req *r = p;
    r->rc = ctexec_free(r->ex);
    return NULL;
}

static void test_free_with_items_pending(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct rec a = {0}, b = {0};
    ctexec_future f;
    atomic_int fired = 0;
    OK(submit_elsewhere(ex, &a, &f));
    OK(submit_elsewhere(ex, &b, NULL));
    OK(ctexec_future_add_done_callback(f, count_done, &fired));
    /* Freed from another thread: allowed while not running. */
    struct free_req fr = {ex, 1};
    on_other_thread(free_thread, &fr);
    OK(fr.rc);
    CHECK(atomic_load(&a.runs) == 0 && atomic_load(&b.runs) == 0);
    EXPECT_RC(ctexec_future_wait(f, 0, NULL), CTEXEC_ECANCELLED);
    CHECK(atomic_load(&fired) == 1);
    EXPECT_RC(ctexec_free(ex), CTEXEC_EBADHANDLE); /* double free */
    EXPECT_RC(ctexec_submit(ex, record, &a, NULL), CTEXEC_EBADHANDLE);
    OK(ctexec_future_free(f));
}

static ctexec *busy_ex;
static int free_busy_rc;
static int try_free(void *arg, void **result) {
    (void)result;
    free_busy_rc = ctexec_free(busy_ex);
    OK(ctexec_future_set_result(*(ctexec_future *)arg, NULL));
    return 0;
}

static void test_free_while_running_is_busy(void) {
    OK(ctexec_new(NULL, &busy_ex));
    ctexec_future p;
    OK(ctexec_future_new(&p));
    struct submit_fn_req s = {busy_ex, try_free, &p, 0};
    on_other_thread(submit_fn_thread, &s);
    OK(s.rc);
    OK(ctexec_run_until(busy_ex, p));
    EXPECT_RC(free_busy_rc, CTEXEC_EBUSY);
    OK(ctexec_future_free(p));
    OK(ctexec_free(busy_ex));
}

/* ---- 6. futures -------------------------------------------------------- */

static void test_bad_future_handles(void) {
    ctexec_future f;
    OK(ctexec_future_new(&f));
    OK(ctexec_future_free(f));
    EXPECT_RC(ctexec_future_free(f), CTEXEC_EBADHANDLE);        /* double free */
    EXPECT_RC(ctexec_future_done(f), CTEXEC_EBADHANDLE);        /* use after free */
    EXPECT_RC(ctexec_future_wait(f, 0, NULL), CTEXEC_EBADHANDLE);
    EXPECT_RC(ctexec_future_free(0), CTEXEC_EBADHANDLE);        /* zero */
    EXPECT_RC(ctexec_future_set_result(0, NULL), CTEXEC_EBADHANDLE);
    ctexec_future forged[] = {1, 0xdeadbeef, UINT64_MAX, f + 1000000};
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        EXPECT_RC(ctexec_future_done(forged[i]), CTEXEC_EBADHANDLE);
        EXPECT_RC(ctexec_future_cancel(forged[i]), CTEXEC_EBADHANDLE);
        EXPECT_RC(ctexec_future_free(forged[i]), CTEXEC_EBADHANDLE);
    }
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    EXPECT_RC(ctexec_run_until(ex, f), CTEXEC_EBADHANDLE);
    EXPECT_RC(ctexec_run_until(ex, 0), CTEXEC_EBADHANDLE);
    EXPECT_RC(ctexec_run_until((ctexec *)&f, f), CTEXEC_EBADHANDLE); /* forged executor */
    OK(ctexec_free(ex));
}

struct promise_req {
    ctexec_future f;
    int rc;
};
static void *set_error_thread(void *p) {
    struct promise_req *r = p;
    r->rc = ctexec_future_set_error(r->f, 17);
    return NULL;
}

static void test_promise_completes_once_from_any_thread(void) {
    ctexec_future f;
    OK(ctexec_future_new(&f));
    CHECK(ctexec_future_done(f) == 0);
    EXPECT_RC(ctexec_future_wait(f, 0, NULL), CTEXEC_ETIMEDOUT);
    EXPECT_RC(ctexec_future_set_error(f, 0), CTEXEC_EINVAL);
    EXPECT_RC(ctexec_future_set_error(f, -4), CTEXEC_EINVAL);
    struct promise_req r = {f, 1};
    on_other_thread(set_error_thread, &r);
    OK(r.rc);
    CHECK(ctexec_future_done(f) == 1);
    EXPECT_RC(ctexec_future_set_result(f, NULL), CTEXEC_ESTATE);
    EXPECT_RC(ctexec_future_set_error(f, 3), CTEXEC_ESTATE);
    EXPECT_RC(ctexec_future_cancel(f), CTEXEC_ESTATE);
    EXPECT_RC(ctexec_future_wait(f, -1, NULL), 17);
    OK(ctexec_future_free(f));

    ctexec_future c;
    OK(ctexec_future_new(&c));
    OK(ctexec_future_cancel(c));
    EXPECT_RC(ctexec_future_set_result(c, NULL), CTEXEC_ESTATE);
    EXPECT_RC(ctexec_future_wait(c, 0, NULL), CTEXEC_ECANCELLED);
    OK(ctexec_future_free(c));
}

static void test_set_result_on_submit_future_is_einval(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct rec r = {0};
    ctexec_future f;
    OK(submit_elsewhere(ex, &r, &f));
    EXPECT_RC(ctexec_future_set_result(f, NULL), CTEXEC_EINVAL);
    EXPECT_RC(ctexec_future_set_error(f, 5), CTEXEC_EINVAL);
    CHECK(ctexec_future_done(f) == 0);
    ctexec_future d = done_future();
    OK(ctexec_run_until(ex, d));
    OK(ctexec_future_wait(f, 0, NULL));
    OK(ctexec_future_free(f));
    OK(ctexec_future_free(d));
    OK(ctexec_free(ex));
}

struct done_rec {
    atomic_int calls;
    pthread_t thread;
    ctexec_future seen;
};
static void note_done(ctexec_future f, void *ud) {
    struct done_rec *d = ud;
    d->thread = pthread_self();
    d->seen = f;
    atomic_fetch_add(&d->calls, 1);
}

static void *set_result_thread(void *p) {
    struct promise_req *r = p;
    r->rc = ctexec_future_set_result(r->f, (void *)5);
    return NULL;
}

static void test_done_callbacks(void) {
    ctexec_future f;
    OK(ctexec_future_new(&f));
    struct done_rec a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    EXPECT_RC(ctexec_future_add_done_callback(f, NULL, NULL), CTEXEC_EINVAL);
    OK(ctexec_future_add_done_callback(f, note_done, &a));
    CHECK(atomic_load(&a.calls) == 0);
    struct promise_req r = {f, 1};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, set_result_thread, &r) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    OK(r.rc);
    /* Ran once, on the completing thread, with the handle. */
    CHECK(atomic_load(&a.calls) == 1);
    CHECK(pthread_equal(a.thread, t));
    CHECK(a.seen == f);
    /* Already done: runs at once, on this thread. */
    OK(ctexec_future_add_done_callback(f, note_done, &b));
    CHECK(atomic_load(&b.calls) == 1 && pthread_equal(b.thread, pthread_self()));
    ctexec_future_cancel(f);
    CHECK(atomic_load(&a.calls) == 1);
    OK(ctexec_future_free(f));
    EXPECT_RC(ctexec_future_add_done_callback(f, note_done, &b), CTEXEC_EBADHANDLE);
}

struct waiter {
    ctexec_future f;
    int rc;
    void *res;
};
static void *wait_thread(void *p) {
    struct waiter *w = p;
    w->rc = ctexec_future_wait(w->f, 10 * SEC, &w->res);
    return NULL;
}

static void test_future_wait_timeout_and_wakeup(void) {
    ctexec_future f;
    OK(ctexec_future_new(&f));
    EXPECT_RC(ctexec_future_wait(f, 1000000, NULL), CTEXEC_ETIMEDOUT);
    struct waiter w = {f, 99, NULL};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, wait_thread, &w) == 0);
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL); /* let it go to sleep in the kernel */
    OK(ctexec_future_set_result(f, (void *)123));
    CHECK(pthread_join(t, NULL) == 0);
    OK(w.rc);
    CHECK(w.res == (void *)123);
    OK(ctexec_future_free(f));
}

/* Freeing a submit future does not cancel it. */
static void test_future_free_does_not_cancel(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct rec r = {0};
    ctexec_future f;
    OK(submit_elsewhere(ex, &r, &f));
    OK(ctexec_future_free(f));
    ctexec_future d = done_future();
    OK(ctexec_run_until(ex, d));
    CHECK(atomic_load(&r.runs) == 1);
    OK(ctexec_future_free(d));
    OK(ctexec_free(ex));
}

/* ctexec_call: submit + wait + free in one call. */
struct call_req {
    ctexec *ex;
    struct rec *rec;
    int rc;
    void *res;
};
static void *call_thread(void *p) {
    struct call_req *c = p;
    c->rc = ctexec_call(c->ex, record, c->rec, &c->res);
    return NULL;
}

static void test_call_runs_on_owner_and_returns_outcome(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    ctexec_future p;
    OK(ctexec_future_new(&p));
    struct rec ok = {0}, err = {0};
    ok.value = 31;
    err.code = 8;
    struct call_req a = {ex, &ok, 99, NULL}, b = {ex, &err, 99, (void *)1};
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, call_thread, &a) == 0);
    CHECK(pthread_create(&tb, NULL, call_thread, &b) == 0);
    /* Serve until both calls have been made and answered. */
    while (atomic_load(&ok.runs) + atomic_load(&err.runs) < 2)
        EXPECT_RC(ctexec_run_until_timeout(ex, p, 1000000), CTEXEC_ETIMEDOUT);
    CHECK(pthread_join(ta, NULL) == 0 && pthread_join(tb, NULL) == 0);
    OK(a.rc);
    CHECK(a.res == (void *)31);
    EXPECT_RC(b.rc, 8);
    CHECK(b.res == (void *)1); /* untouched on error */
    CHECK(atomic_load(&ok.off_owner) == 0 && atomic_load(&err.off_owner) == 0);
    /* From the owner: refused, nothing runs. */
    EXPECT_RC(ctexec_call(ex, record, &ok, NULL), CTEXEC_ESAMETHREAD);
    EXPECT_RC(ctexec_call(ex, NULL, &ok, NULL), CTEXEC_EINVAL);
    OK(ctexec_future_set_result(p, NULL));
    OK(ctexec_run_until(ex, p));
    struct call_req c = {ex, &ok, 0, NULL};
    on_other_thread(call_thread, &c);
    EXPECT_RC(c.rc, CTEXEC_EQUIT);
    CHECK(atomic_load(&ok.runs) == 1);
    OK(ctexec_future_free(p));
    OK(ctexec_free(ex));
}

/* ---- 7. argument checks -------------------------------------------------- */

static void test_null_arguments(void) {
    ctexec *ex;
    EXPECT_RC(ctexec_new(NULL, NULL), CTEXEC_EINVAL);
    OK(ctexec_new(NULL, &ex));
    EXPECT_RC(ctexec_new((ctexec *)&ex, &ex), CTEXEC_EBADHANDLE);
    EXPECT_RC(ctexec_submit(NULL, record, NULL, NULL), CTEXEC_EINVAL);
    EXPECT_RC(ctexec_submit(ex, NULL, NULL, NULL), CTEXEC_EINVAL);
    EXPECT_RC(ctexec_run_until(NULL, 1), CTEXEC_EINVAL);
    EXPECT_RC(ctexec_future_new(NULL), CTEXEC_EINVAL);
    EXPECT_RC(ctexec_live_counts(NULL), CTEXEC_EINVAL);
    OK(ctexec_free(NULL));
    OK(ctexec_free(ex));
}

static void test_strerror_and_version(void) {
    CHECK(ctexec_version() == CTEXEC_VERSION_NUMBER);
    for (int s = -20; s <= 5; s++) CHECK(ctexec_strerror(s) != NULL);
    /* C messages in C terms: no code's text is asgiref's Python message. */
    for (int s = CTEXEC_EAGAIN; s <= CTEXEC_OK; s++) CHECK(strstr(ctexec_strerror(s), "CurrentThreadExecutor") == NULL);
    CHECK(strstr(ctexec_strerror(CTEXEC_EQUIT), "old_executor chain") != NULL);
    CHECK(strcmp(ctexec_strerror(-1000), "unknown error") == 0);
    CHECK(strcmp(ctexec_strerror(7), "host error") == 0);
}

/* The library gives the header's text for every code in the header, and
 * the codes run from 0 down without a gap. */
static void test_strerror_gives_header_texts(void) {
    int rows = 0, lowest = 1;
#define ROW(name, text)                                                     \
    do {                                                                    \
        rows++;                                                             \
        if (CTEXEC_##name < lowest) lowest = CTEXEC_##name;                 \
        if (strcmp(ctexec_strerror(CTEXEC_##name), text) != 0)              \
            FAIL("ctexec_strerror(CTEXEC_%s) = \"%s\", header says \"%s\"", #name, \
                 ctexec_strerror(CTEXEC_##name), text);                     \
    } while (0);
    CTEXEC_STATUS_TEXTS(ROW)
#undef ROW
    CHECK(lowest == 1 - rows);
    CHECK(strcmp(ctexec_strerror(lowest - 1), "unknown error") == 0);
}

/* ---- 8. fork ----------------------------------------------------------- */

/* The fork and signal cases are POSIX-only. The Windows build keeps their
 * names, so that the case list is the same everywhere, and
 * tests/windows/run skips them by name. */
#ifdef _WIN32
static void test_fork_child_gets_efork(void) { FAIL("POSIX only"); }
static void test_no_signal_handlers_installed(void) { FAIL("POSIX only"); }
#else
#include <sys/wait.h>

static int noop(void *arg, void **result) {
    (void)arg;
    (void)result;
    return 0;
}

static void test_fork_child_gets_efork(void) {
    /* Use the library first, with threads, so the runtime is fully up. */
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct rec r = {0};
    ctexec_future f;
    OK(submit_elsewhere(ex, &r, &f));
    ctexec_future d = done_future();
    OK(ctexec_run_until(ex, d));

    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        alarm(1); /* every call must return within a second */
        ctexec *ex2 = NULL;
        ctexec_future g = 0;
        ctexec_counts c;
        int rcs[] = {
            ctexec_new(NULL, &ex2),
            ctexec_submit(ex, noop, NULL, NULL),
            ctexec_call(ex, noop, NULL, NULL),
            ctexec_run_until(ex, d),
            ctexec_run_until_timeout(ex, d, 0),
            ctexec_free(ex),
            ctexec_future_new(&g),
            ctexec_future_set_result(f, NULL),
            ctexec_future_set_error(f, 1),
            ctexec_future_cancel(f),
            ctexec_future_done(f),
            ctexec_future_wait(f, -1, NULL),
            ctexec_future_add_done_callback(f, count_done, NULL),
            ctexec_future_free(f),
            ctexec_live_counts(&c),
        };
        for (size_t i = 0; i < sizeof rcs / sizeof rcs[0]; i++)
            if (rcs[i] != CTEXEC_EFORK) {
                fprintf(stderr, "child call %zu returned %d\n", i, rcs[i]);
                _exit(2);
            }
        if (ctexec_version() != CTEXEC_VERSION_NUMBER) _exit(3);
        if (strcmp(ctexec_strerror(CTEXEC_EFORK), "called in a process forked after the library was loaded") != 0) _exit(4);
        _exit(0);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        FAIL("child: %s %d", WIFSIGNALED(status) ? "signal" : "exit",
             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    /* The parent is unaffected. */
    OK(ctexec_future_wait(f, 0, NULL));
    OK(ctexec_future_free(f));
    OK(ctexec_future_free(d));
    OK(ctexec_free(ex));
    ctexec *ex3;
    OK(ctexec_new(NULL, &ex3));
    OK(ctexec_free(ex3));
}

/* ---- 9. process rules ---------------------------------------------------- */

/* The library must not take over signals the host owns. */
static void test_no_signal_handlers_installed(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex)); /* the runtime is loaded and running */
    OK(ctexec_free(ex));
    int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        CHECK(sigaction(sigs[i], NULL, &sa) == 0);
        if (sa.sa_handler != SIG_DFL) FAIL("signal %d has a handler", sigs[i]);
    }
}

#endif /* _WIN32 */

/* ---- driver ------------------------------------------------------------ */

static const check_case cases[] = {
    {"run_from_other_thread_fails", test_run_from_other_thread_fails},
    {"submit_from_owner_fails", test_submit_from_owner_fails},
    {"callbacks_run_on_owner_thread", test_callbacks_run_on_owner_thread},
    {"fifo_order_and_drain_after_quit", test_fifo_order_and_drain_after_quit},
    {"quit_at_completion_then_drain", test_quit_at_completion_then_drain},
    {"run_until_timeout", test_run_until_timeout},
    {"chain_after_quit", test_chain_after_quit},
    {"freed_executor_counts_as_quit", test_freed_executor_counts_as_quit},
    {"nested_run_loops", test_nested_run_loops},
    {"outcomes_result_error_negative", test_outcomes_result_error_negative},
    {"cancelled_item_is_skipped", test_cancelled_item_is_skipped},
    {"free_with_items_pending", test_free_with_items_pending},
    {"free_while_running_is_busy", test_free_while_running_is_busy},
    {"bad_future_handles", test_bad_future_handles},
    {"promise_completes_once_from_any_thread", test_promise_completes_once_from_any_thread},
    {"set_result_on_submit_future_is_einval", test_set_result_on_submit_future_is_einval},
    {"done_callbacks", test_done_callbacks},
    {"future_wait_timeout_and_wakeup", test_future_wait_timeout_and_wakeup},
    {"future_free_does_not_cancel", test_future_free_does_not_cancel},
    {"call_runs_on_owner_and_returns_outcome", test_call_runs_on_owner_and_returns_outcome},
    {"null_arguments", test_null_arguments},
    {"strerror_and_version", test_strerror_and_version},
    {"strerror_gives_header_texts", test_strerror_gives_header_texts},
    {"fork_child_gets_efork", test_fork_child_gets_efork},
    {"no_signal_handlers_installed", test_no_signal_handlers_installed},
};

int main(int argc, char **argv) {
    owner_thread = pthread_self();
    return run_cases(cases, sizeof cases / sizeof cases[0], argc, argv);
}
