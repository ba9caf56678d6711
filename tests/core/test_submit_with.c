/* Submit options (include/ctexec.h, "Submit options"): ctexec_submit_with's
 * checks, DISPATCH and POST, ctexec_is_owner, destroy exactly once for
 * every outcome, the error hook, the urgent lane (order, FIFO lanes, no
 * starvation, run_ready's budget, the bound, the chain). `test_submit_with
 * --list` names the cases; each ends with the live counts back where they
 * started. (Timers have their own cases.) */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctexec.h"

#include "../check.h"

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- helpers ------------------------------------------------------------ */

/* Who destroy was called for, how often, and on which thread. */
struct dtrack {
    atomic_int calls;
    pthread_t thread;
    int item_ran_before; /* the item had run when destroy was called */
    atomic_int runs;
    int code; /* what the item returns */
    pthread_t ran_on;
};

static void dtrack_destroy(void *arg) {
    struct dtrack *d = arg;
    d->thread = pthread_self();
    d->item_ran_before = atomic_load(&d->runs);
    atomic_fetch_add(&d->calls, 1);
}

static int dtrack_item(void *arg, void **result) {
    struct dtrack *d = arg;
    d->ran_on = pthread_self();
    atomic_fetch_add(&d->runs, 1);
    *result = (void *)(uintptr_t)42;
    return d->code;
}

static ctexec_submit_opts opts_of(uint32_t flags, ctexec_destroy_fn destroy) {
    ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
    o.flags = flags;
    o.destroy = destroy;
    return o;
}

/* A submit_with on another thread, joined. */
struct on_thread {
    ctexec *ex;
    ctexec_submit_opts opts;
    int use_opts;
    ctexec_fn fn;
    void *arg;
    ctexec_future *out;
    int rc;
    pthread_t thread;
};

static void *submit_with_thread(void *p) {
    struct on_thread *t = p;
    t->thread = pthread_self();
    t->rc = ctexec_submit_with(t->ex, t->use_opts ? &t->opts : NULL, t->fn, t->arg, t->out);
    return NULL;
}

static int submit_elsewhere(ctexec *ex, uint32_t flags, ctexec_destroy_fn destroy, ctexec_fn fn, void *arg,
                            ctexec_future *out) {
    struct on_thread t = {ex, opts_of(flags, destroy), 1, fn, arg, out, 0, 0};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, submit_with_thread, &t) == 0);
    pthread_join(th, NULL);
    return t.rc;
}

static ctexec_future done_future(void) {
    ctexec_future f;
    OK(ctexec_future_new(&f));
    OK(ctexec_future_set_result(f, NULL));
    return f;
}

static int nop(void *arg, void **result) {
    (void)arg, (void)result;
    return 0;
}

/* Runs ex until nothing is queued, without quitting it (ctexec_run_ready). */
static void drain(ctexec *ex) {
    uint64_t ran;
    int rc;
    while ((rc = ctexec_run_ready(ex, 0, -1, &ran)) == 1)
        ;
    OK(rc);
}

/* Runs ex with ctexec_run_until until a marker item, from another thread,
 * at the back of the normal lane, ran: everything queued now ran. ex quits
 * then (its run's target completed). */
static void drain_until(ctexec *ex) {
    ctexec_future m;
    OK(submit_elsewhere(ex, 0, NULL, nop, NULL, &m));
    OK(ctexec_run_until_timeout(ex, m, 10 * 1000000000LL));
    OK(ctexec_future_free(m));
}

/* A promise the run waits on while items run; completed by an item. */
static int complete_promise(void *arg, void **result) {
    (void)result;
    OK(ctexec_future_set_result(*(ctexec_future *)arg, NULL));
    return 0;
}

/* ---- options ------------------------------------------------------------ */

static void test_opts_size_rule_and_flags(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct dtrack d = {0};
    /* NULL opts and zero opts are a plain submit: refused on the owner. */
    EXPECT_RC(ctexec_submit_with(ex, NULL, nop, NULL, NULL), CTEXEC_ESAMETHREAD);
    ctexec_submit_opts z = CTEXEC_SUBMIT_OPTS_INIT;
    EXPECT_RC(ctexec_submit_with(ex, &z, nop, NULL, NULL), CTEXEC_ESAMETHREAD);
    CHECK(sizeof(ctexec_submit_opts) == 24);
    /* A bigger struct (a newer header) with zero bytes past ours is fine. */
    struct {
        ctexec_submit_opts o;
        uint64_t more;
    } big;
    memset(&big, 0, sizeof big);
    big.o.size = sizeof big;
    big.o.flags = CTEXEC_SUBMIT_POST;
    big.o.destroy = dtrack_destroy;
    ctexec_future f;
    OK(ctexec_submit_with(ex, &big.o, dtrack_item, &d, &f));
    OK(ctexec_run_until(ex, f));
    CHECK(atomic_load(&d.calls) == 1 && atomic_load(&d.runs) == 1);
    OK(ctexec_future_free(f));
    /* ... but a field we do not know, set, is refused, and destroy (which
     * could be read) is called once, on this thread. */
    big.more = 1;
    EXPECT_RC(ctexec_submit_with(ex, &big.o, dtrack_item, &d, NULL), CTEXEC_EINVAL);
    CHECK(atomic_load(&d.calls) == 2 && pthread_equal(d.thread, pthread_self()));
    /* Sizes below the first (24) and absurd ones: EINVAL, destroy unread. */
    ctexec_submit_opts o = opts_of(CTEXEC_SUBMIT_POST, dtrack_destroy);
    o.size = 16;
    EXPECT_RC(ctexec_submit_with(ex, &o, dtrack_item, &d, NULL), CTEXEC_EINVAL);
    o.size = 0;
    EXPECT_RC(ctexec_submit_with(ex, &o, dtrack_item, &d, NULL), CTEXEC_EINVAL);
    o.size = 1u << 30;
    EXPECT_RC(ctexec_submit_with(ex, &o, dtrack_item, &d, NULL), CTEXEC_EINVAL);
    CHECK(atomic_load(&d.calls) == 2);
    /* Bad flags, DISPATCH with POST, a negative delay, NULL ex or fn:
     * EINVAL, destroy called each time. */
    uint32_t bad[] = {0x8u, 0x80000000u, CTEXEC_SUBMIT_DISPATCH | CTEXEC_SUBMIT_POST};
    int calls = 2;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = opts_of(bad[i], dtrack_destroy);
        EXPECT_RC(ctexec_submit_with(ex, &o, dtrack_item, &d, NULL), CTEXEC_EINVAL);
        CHECK(atomic_load(&d.calls) == ++calls);
    }
    o = opts_of(CTEXEC_SUBMIT_POST, dtrack_destroy);
    o.delay_ns = -1;
    EXPECT_RC(ctexec_submit_with(ex, &o, dtrack_item, &d, NULL), CTEXEC_EINVAL);
    CHECK(atomic_load(&d.calls) == ++calls);
    o.delay_ns = 0;
    EXPECT_RC(ctexec_submit_with(NULL, &o, dtrack_item, &d, NULL), CTEXEC_EINVAL);
    CHECK(atomic_load(&d.calls) == ++calls);
    EXPECT_RC(ctexec_submit_with(ex, &o, NULL, &d, NULL), CTEXEC_EINVAL);
    CHECK(atomic_load(&d.calls) == ++calls);
    EXPECT_RC(ctexec_submit_with((ctexec *)&d, &o, dtrack_item, &d, NULL), CTEXEC_EBADHANDLE);
    CHECK(atomic_load(&d.calls) == ++calls);
    CHECK(atomic_load(&d.runs) == 1);
    OK(ctexec_free(ex));
    CHECK(atomic_load(&d.calls) == calls);
}

static void *is_owner_thread(void *p) {
    *(int *)p = ctexec_is_owner(*(ctexec **)((int *)p + 2));
    return NULL;
}

static void test_is_owner(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    CHECK(ctexec_is_owner(ex) == 1);
    struct {
        int rc, pad;
        ctexec *ex;
    } t = {-100, 0, ex};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, is_owner_thread, &t) == 0);
    pthread_join(th, NULL);
    CHECK(t.rc == 0);
    EXPECT_RC(ctexec_is_owner(NULL), CTEXEC_EINVAL);
    EXPECT_RC(ctexec_is_owner((ctexec *)&t), CTEXEC_EBADHANDLE);
    /* A quit executor still has its owner. */
    ctexec_future d = done_future();
    OK(ctexec_run_until(ex, d));
    CHECK(ctexec_is_owner(ex) == 1);
    OK(ctexec_future_free(d));
    OK(ctexec_free(ex));
    EXPECT_RC(ctexec_is_owner(ex), CTEXEC_EBADHANDLE);
}

/* ---- dispatch and post -------------------------------------------------- */

static void test_dispatch_inline_on_owner(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct dtrack d = {0};
    d.code = 0;
    ctexec_submit_opts o = opts_of(CTEXEC_SUBMIT_DISPATCH, dtrack_destroy);
    ctexec_future f;
    OK(ctexec_submit_with(ex, &o, dtrack_item, &d, &f));
    /* Ran inline, future complete, destroy after the item, all here. */
    CHECK(atomic_load(&d.runs) == 1 && pthread_equal(d.ran_on, pthread_self()));
    CHECK(atomic_load(&d.calls) == 1 && d.item_ran_before == 1 && pthread_equal(d.thread, pthread_self()));
    CHECK(ctexec_future_done(f) == 1);
    void *r = NULL;
    OK(ctexec_future_wait(f, 0, &r));
    CHECK((uintptr_t)r == 42);
    OK(ctexec_future_free(f));
    /* An error code goes to the future; the call still returns OK. */
    d.code = 17;
    OK(ctexec_submit_with(ex, &o, dtrack_item, &d, &f));
    EXPECT_RC(ctexec_future_wait(f, 0, NULL), 17);
    OK(ctexec_future_free(f));
    d.code = -5;
    OK(ctexec_submit_with(ex, &o, dtrack_item, &d, &f));
    EXPECT_RC(ctexec_future_wait(f, 0, NULL), CTEXEC_EINVAL);
    OK(ctexec_future_free(f));
    /* Fire and forget, no destroy. */
    d.code = 0;
    o.destroy = NULL;
    OK(ctexec_submit_with(ex, &o, dtrack_item, &d, NULL));
    CHECK(atomic_load(&d.runs) == 4 && atomic_load(&d.calls) == 3);
    OK(ctexec_free(ex));
}

static void test_dispatch_elsewhere_queues(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct dtrack d = {0};
    ctexec_future f;
    OK(submit_elsewhere(ex, CTEXEC_SUBMIT_DISPATCH, dtrack_destroy, dtrack_item, &d, &f));
    CHECK(atomic_load(&d.runs) == 0 && ctexec_future_done(f) == 0 && atomic_load(&d.calls) == 0);
    OK(ctexec_run_until(ex, f));
    CHECK(atomic_load(&d.runs) == 1 && pthread_equal(d.ran_on, pthread_self()));
    CHECK(atomic_load(&d.calls) == 1 && pthread_equal(d.thread, pthread_self()) && d.item_ran_before == 1);
    OK(ctexec_future_free(f));
    OK(ctexec_free(ex));
}

static int order_log[64];
static atomic_int order_n;
static int log_item(void *arg, void **result) {
    (void)result;
    order_log[atomic_fetch_add(&order_n, 1)] = (int)(intptr_t)arg;
    return 0;
}

/* An item that posts item 100 to its own executor, then dispatches 200
 * (which runs inline, at once). */
static ctexec *post_ex;
static int post_rc, dispatch_rc;
static int post_and_dispatch(void *arg, void **result) {
    (void)result;
    log_item(arg, result);
    ctexec_submit_opts o = opts_of(CTEXEC_SUBMIT_POST, NULL);
    post_rc = ctexec_submit_with(post_ex, &o, log_item, (void *)(intptr_t)100, NULL);
    o.flags = CTEXEC_SUBMIT_DISPATCH;
    dispatch_rc = ctexec_submit_with(post_ex, &o, log_item, (void *)(intptr_t)200, NULL);
    return 0;
}

static void test_post_from_owner_runs_next_turn(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    post_ex = ex;
    atomic_store(&order_n, 0);
    struct dtrack d = {0};
    ctexec_submit_opts o = opts_of(CTEXEC_SUBMIT_POST, dtrack_destroy);
    ctexec_future f;
    OK(ctexec_submit_with(ex, &o, dtrack_item, &d, &f));
    CHECK(atomic_load(&d.runs) == 0 && ctexec_future_done(f) == 0);
    /* Waiting on a self-posted item from the owner is a deadlock. */
    EXPECT_RC(ctexec_future_wait(f, -1, NULL), CTEXEC_EDEADLK);
    drain(ex);
    OK(ctexec_future_wait(f, 0, NULL));
    CHECK(atomic_load(&d.runs) == 1 && atomic_load(&d.calls) == 1);
    OK(ctexec_future_free(f));
    /* From an item: the posted item runs after the items already queued,
     * the dispatched one inline. */
    OK(submit_elsewhere(ex, 0, NULL, post_and_dispatch, (void *)(intptr_t)1, NULL));
    OK(submit_elsewhere(ex, 0, NULL, log_item, (void *)(intptr_t)2, NULL));
    drain(ex);
    OK(post_rc);
    OK(dispatch_rc);
    CHECK(atomic_load(&order_n) == 4);
    CHECK(order_log[0] == 1 && order_log[1] == 200 && order_log[2] == 2 && order_log[3] == 100);
    OK(ctexec_free(ex));
}

static void test_owner_plain_submit_still_refused(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct dtrack d = {0};
    ctexec_submit_opts o = opts_of(0, dtrack_destroy); /* destroy, but no DISPATCH or POST */
    ctexec_future f = 0;
    EXPECT_RC(ctexec_submit_with(ex, &o, dtrack_item, &d, &f), CTEXEC_ESAMETHREAD);
    CHECK(atomic_load(&d.calls) == 1 && atomic_load(&d.runs) == 0 && f == 0);
    o.flags = CTEXEC_SUBMIT_URGENT;
    EXPECT_RC(ctexec_submit_with(ex, &o, dtrack_item, &d, NULL), CTEXEC_ESAMETHREAD);
    CHECK(atomic_load(&d.calls) == 2);
    OK(ctexec_free(ex));
}

/* ---- destroy ------------------------------------------------------------ */

static void test_destroy_once_when_cancelled(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct dtrack d[2] = {0};
    ctexec_future f[2];
    OK(submit_elsewhere(ex, 0, dtrack_destroy, dtrack_item, &d[0], &f[0]));
    OK(submit_elsewhere(ex, CTEXEC_SUBMIT_URGENT, dtrack_destroy, dtrack_item, &d[1], &f[1]));
    for (int i = 0; i < 2; i++) {
        OK(ctexec_future_cancel(f[i]));
        /* Called by the canceller, before cancel returned. */
        CHECK(atomic_load(&d[i].calls) == 1 && pthread_equal(d[i].thread, pthread_self()));
        EXPECT_RC(ctexec_future_cancel(f[i]), CTEXEC_ESTATE);
    }
    drain(ex); /* the owner skips both */
    for (int i = 0; i < 2; i++) {
        CHECK(atomic_load(&d[i].calls) == 1 && atomic_load(&d[i].runs) == 0);
        EXPECT_RC(ctexec_future_wait(f[i], 0, NULL), CTEXEC_ECANCELLED);
        OK(ctexec_future_free(f[i]));
    }
    /* A cancel that loses (the item ran) calls nothing. */
    struct dtrack r = {0};
    ctexec_future g;
    OK(submit_elsewhere(ex, 0, dtrack_destroy, dtrack_item, &r, &g));
    OK(ctexec_run_until(ex, g));
    EXPECT_RC(ctexec_future_cancel(g), CTEXEC_ESTATE);
    CHECK(atomic_load(&r.calls) == 1 && r.item_ran_before == 1);
    OK(ctexec_future_free(g));
    OK(ctexec_free(ex));
}

static void test_destroy_once_when_freed(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct dtrack d[4] = {0};
    ctexec_future f[2];
    OK(submit_elsewhere(ex, 0, dtrack_destroy, dtrack_item, &d[0], &f[0]));
    OK(submit_elsewhere(ex, CTEXEC_SUBMIT_URGENT, dtrack_destroy, dtrack_item, &d[1], &f[1]));
    OK(submit_elsewhere(ex, 0, dtrack_destroy, dtrack_item, &d[2], NULL));
    OK(submit_elsewhere(ex, CTEXEC_SUBMIT_URGENT, dtrack_destroy, dtrack_item, &d[3], NULL));
    /* One of them cancelled first: its destroy is the canceller's. */
    OK(ctexec_future_cancel(f[0]));
    CHECK(atomic_load(&d[0].calls) == 1);
    OK(ctexec_free(ex));
    for (int i = 0; i < 4; i++) {
        CHECK(atomic_load(&d[i].calls) == 1 && atomic_load(&d[i].runs) == 0);
        CHECK(pthread_equal(d[i].thread, pthread_self()));
    }
    for (int i = 0; i < 2; i++) {
        EXPECT_RC(ctexec_future_wait(f[i], 0, NULL), CTEXEC_ECANCELLED);
        OK(ctexec_future_free(f[i]));
    }
}

static void test_destroy_once_when_ran(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct dtrack d[4] = {0};
    ctexec_future f[2];
    OK(submit_elsewhere(ex, 0, dtrack_destroy, dtrack_item, &d[0], &f[0]));
    OK(submit_elsewhere(ex, CTEXEC_SUBMIT_URGENT, dtrack_destroy, dtrack_item, &d[1], &f[1]));
    OK(submit_elsewhere(ex, 0, dtrack_destroy, dtrack_item, &d[2], NULL));
    OK(submit_elsewhere(ex, CTEXEC_SUBMIT_URGENT | CTEXEC_SUBMIT_DISPATCH, dtrack_destroy, dtrack_item, &d[3],
                        NULL));
    drain(ex);
    for (int i = 0; i < 4; i++) {
        CHECK(atomic_load(&d[i].runs) == 1 && atomic_load(&d[i].calls) == 1 && d[i].item_ran_before == 1);
        CHECK(pthread_equal(d[i].thread, pthread_self()));
    }
    for (int i = 0; i < 2; i++) {
        OK(ctexec_future_wait(f[i], 0, NULL));
        OK(ctexec_future_free(f[i]));
    }
    OK(ctexec_free(ex));
}

/* A future slot is reused, and its 24-bit generation wraps after 2^24
 * reuses: a later future of the same slot and generation must not find
 * the old item's destroy owed (the owner took it when the item started). */
static void test_destroy_not_owed_after_generation_wraps(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct dtrack d = {0};
    ctexec_future f, p;
    OK(submit_elsewhere(ex, 0, dtrack_destroy, dtrack_item, &d, &f));
    drain(ex);
    CHECK(atomic_load(&d.calls) == 1);
    OK(ctexec_future_free(f));
    /* The slot goes back to the free stack's top: the next future here
     * takes it, generation + 1, and so on round the 24 bits. */
    int wrapped = 0;
    for (uint32_t i = 0; i < (1u << 24) + 4; i++) {
        OK(ctexec_future_new(&p));
        if (p == f) { /* same slot, same generation: the handle repeats */
            wrapped = 1;
            OK(ctexec_future_cancel(p));
            OK(ctexec_future_free(p));
            break;
        }
        OK(ctexec_future_free(p));
    }
    CHECK(wrapped);
    CHECK(atomic_load(&d.calls) == 1);
    OK(ctexec_free(ex));
}

/* destroy runs after the future's done callbacks. */
static atomic_int cb_seen_destroy;
static void done_cb(ctexec_future f, void *ud) {
    (void)f;
    atomic_store(&cb_seen_destroy, 1 + atomic_load(&((struct dtrack *)ud)->calls));
}

static void test_destroy_after_done_callbacks(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    struct dtrack d = {0};
    ctexec_future f;
    OK(submit_elsewhere(ex, 0, dtrack_destroy, dtrack_item, &d, &f));
    OK(ctexec_future_add_done_callback(f, done_cb, &d));
    drain(ex);
    CHECK(atomic_load(&cb_seen_destroy) == 1 && atomic_load(&d.calls) == 1);
    OK(ctexec_future_free(f));
    OK(ctexec_free(ex));
}

static void test_destroy_once_when_refused(void) {
    struct dtrack d = {0};
    int calls = 0;
    /* EQUIT: the whole chain quit. */
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    ctexec_future dn = done_future();
    OK(ctexec_run_until(ex, dn));
    for (uint32_t fl = 0; fl <= CTEXEC_SUBMIT_URGENT; fl += CTEXEC_SUBMIT_URGENT) {
        ctexec_future f = 0;
        EXPECT_RC(submit_elsewhere(ex, fl, dtrack_destroy, dtrack_item, &d, &f), CTEXEC_EQUIT);
        CHECK(atomic_load(&d.calls) == ++calls && f == 0);
        EXPECT_RC(submit_elsewhere(ex, fl, dtrack_destroy, dtrack_item, &d, NULL), CTEXEC_EQUIT);
        CHECK(atomic_load(&d.calls) == ++calls);
        /* POST from the owner of a quit chain */
        ctexec_submit_opts o = opts_of(fl | CTEXEC_SUBMIT_POST, dtrack_destroy);
        EXPECT_RC(ctexec_submit_with(ex, &o, dtrack_item, &d, NULL), CTEXEC_EQUIT);
        CHECK(atomic_load(&d.calls) == ++calls && pthread_equal(d.thread, pthread_self()));
    }
    OK(ctexec_future_free(dn));
    OK(ctexec_free(ex));
    /* EAGAIN: a full bounded queue that fails; from the owner (POST) even
     * when it would block. Both lanes count against max_queued. */
    for (int when = 0; when < 2; when++) {
        ctexec_options opt = CTEXEC_OPTIONS_INIT;
        opt.max_queued = 2;
        opt.when_full = when ? CTEXEC_FULL_FAIL : CTEXEC_FULL_BLOCK;
        OK(ctexec_new_with(NULL, &opt, &ex));
        ctexec_submit_opts o = opts_of(CTEXEC_SUBMIT_POST, dtrack_destroy);
        OK(ctexec_submit_with(ex, &o, dtrack_item, &d, NULL));
        o.flags |= CTEXEC_SUBMIT_URGENT;
        OK(ctexec_submit_with(ex, &o, dtrack_item, &d, NULL));
        EXPECT_RC(ctexec_submit_with(ex, &o, dtrack_item, &d, NULL), CTEXEC_EAGAIN);
        CHECK(atomic_load(&d.calls) == ++calls);
        o.flags = CTEXEC_SUBMIT_POST;
        EXPECT_RC(ctexec_submit_with(ex, &o, dtrack_item, &d, NULL), CTEXEC_EAGAIN);
        CHECK(atomic_load(&d.calls) == ++calls);
        if (when) {
            EXPECT_RC(submit_elsewhere(ex, CTEXEC_SUBMIT_URGENT, dtrack_destroy, dtrack_item, &d, NULL),
                      CTEXEC_EAGAIN);
            CHECK(atomic_load(&d.calls) == ++calls);
        }
        int runs = atomic_load(&d.runs);
        uint64_t ran = 0;
        OK(ctexec_run_ready(ex, 0, -1, &ran));
        CHECK(ran == 2 && atomic_load(&d.runs) == runs + 2);
        calls += 2;
        CHECK(atomic_load(&d.calls) == calls);
        OK(ctexec_free(ex));
    }
}

/* ---- the error hook ----------------------------------------------------- */

static int err_codes[16];
static atomic_int err_n;
static pthread_t err_thread;
static ctexec *err_ex;
static void on_error(ctexec *ex, int code, void *ud) {
    CHECK(ud == &err_n && ex == err_ex);
    err_thread = pthread_self();
    err_codes[atomic_fetch_add(&err_n, 1)] = code;
}

static int return_arg(void *arg, void **result) {
    (void)result;
    return (int)(intptr_t)arg;
}

static void test_on_error_codes(void) {
    for (int sz = 0; sz < 2; sz++) {
        ctexec_options opt = CTEXEC_OPTIONS_INIT;
        CHECK(sizeof opt == 64);
        opt.on_error = on_error;
        opt.error_userdata = &err_n;
        if (sz == 1) {
            /* A 0.2 caller's 48 bytes: accepted, with no hook. */
            opt.size = 48;
        }
        ctexec *ex;
        OK(ctexec_new_with(NULL, &opt, &ex));
        err_ex = ex;
        atomic_store(&err_n, 0);
        OK(submit_elsewhere(ex, 0, NULL, return_arg, (void *)(intptr_t)7, NULL));
        OK(submit_elsewhere(ex, CTEXEC_SUBMIT_URGENT, NULL, return_arg, (void *)(intptr_t)8, NULL));
        OK(submit_elsewhere(ex, 0, NULL, return_arg, (void *)(intptr_t)0, NULL));
        OK(submit_elsewhere(ex, 0, NULL, return_arg, (void *)(intptr_t)-3, NULL));
        /* A plain ctexec_submit's item too (fire and forget) */
        struct on_thread t = {ex, opts_of(0, NULL), 0, return_arg, (void *)(intptr_t)9, NULL, 0, 0};
        pthread_t th;
        CHECK(pthread_create(&th, NULL, submit_with_thread, &t) == 0);
        pthread_join(th, NULL);
        OK(t.rc);
        /* ... but not one with a future: the future has its code. */
        ctexec_future f;
        OK(submit_elsewhere(ex, 0, NULL, return_arg, (void *)(intptr_t)11, &f));
        drain(ex);
        /* DISPATCH inline on the owner: the hook, before the call returns */
        ctexec_submit_opts o = opts_of(CTEXEC_SUBMIT_DISPATCH, NULL);
        OK(ctexec_submit_with(ex, &o, return_arg, (void *)(intptr_t)12, NULL));
        if (sz == 0) {
            if (atomic_load(&err_n) != 5)
                FAIL("%d codes: %d %d %d %d %d", atomic_load(&err_n), err_codes[0], err_codes[1], err_codes[2],
                     err_codes[3], err_codes[4]);
            CHECK(err_codes[0] == 8 && err_codes[1] == 7 && err_codes[2] == CTEXEC_EINVAL && err_codes[3] == 9 &&
                  err_codes[4] == 12);
            CHECK(pthread_equal(err_thread, pthread_self()));
        } else {
            CHECK(atomic_load(&err_n) == 0);
        }
        EXPECT_RC(ctexec_future_wait(f, 0, NULL), 11);
        OK(ctexec_future_free(f));
        OK(ctexec_free(ex));
    }
    /* Below 0.2.0's 48 bytes: refused. */
    ctexec_options opt = CTEXEC_OPTIONS_INIT;
    ctexec *ex = NULL;
    opt.size = 40;
    EXPECT_RC(ctexec_new_with(NULL, &opt, &ex), CTEXEC_EINVAL);
}

/* ---- the urgent lane ---------------------------------------------------- */

static int *lane_log;
static atomic_int lane_n;

/* A fresh log of n slots, empty (the caller frees it). */
static void lane_log_start(size_t n) {
    lane_log = calloc(n, sizeof(int));
    CHECK(lane_log != NULL);
    atomic_store(&lane_n, 0);
}
static int lane_item(void *arg, void **result) {
    (void)result;
    lane_log[atomic_fetch_add(&lane_n, 1)] = (int)(intptr_t)arg;
    return 0;
}

/* Many submits from one thread, fire and forget. */
struct bulk {
    ctexec *ex;
    int from, n;
    uint32_t flags;
};
static void *bulk_thread(void *p) {
    struct bulk *b = p;
    ctexec_submit_opts o = opts_of(b->flags, NULL);
    for (int i = 0; i < b->n; i++) OK(ctexec_submit_with(b->ex, &o, lane_item, (void *)(intptr_t)(b->from + i), NULL));
    return NULL;
}
static void bulk(ctexec *ex, int from, int n, uint32_t flags) {
    struct bulk b = {ex, from, n, flags};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, bulk_thread, &b) == 0);
    pthread_join(th, NULL);
}

static void test_urgent_overtakes_10000_normal(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    lane_log_start(20100);
    bulk(ex, 0, 10000, 0);
    bulk(ex, 100000, 1, CTEXEC_SUBMIT_URGENT);
    drain_until(ex);
    CHECK(atomic_load(&lane_n) == 10001);
    CHECK(lane_log[0] == 100000);
    for (int i = 0; i < 10000; i++) CHECK(lane_log[1 + i] == i);
    OK(ctexec_free(ex));
    /* Interleaved submits: each lane stays FIFO, urgent ones first; the
     * same through ctexec_run_ready. */
    for (int ready = 0; ready < 2; ready++) {
    OK(ctexec_new(NULL, &ex));
    atomic_store(&lane_n, 0);
    for (int k = 0; k < 10; k++) {
        bulk(ex, k * 100, 100, 0);
        bulk(ex, 100000 + k * 10, 10, CTEXEC_SUBMIT_URGENT);
    }
    if (ready)
        drain(ex);
    else
        drain_until(ex);
    CHECK(atomic_load(&lane_n) == 1100);
    for (int i = 0; i < 100; i++) CHECK(lane_log[i] == 100000 + i);
    for (int i = 0; i < 1000; i++) CHECK(lane_log[100 + i] == i);
    OK(ctexec_free(ex));
    }
    free(lane_log);
}

/* Inside one long normal batch: an urgent item queued by item 0 runs right
 * after it, before item 1. */
static ctexec *mid_ex;

/* From an item on the owner: posts fn(arg) to mid_ex with flags. */
static void mid_post(uint32_t flags, ctexec_fn fn, intptr_t arg) {
    ctexec_submit_opts o = opts_of(CTEXEC_SUBMIT_POST | flags, NULL);
    OK(ctexec_submit_with(mid_ex, &o, fn, (void *)arg, NULL));
}

static int post_urgent_mid(void *arg, void **result) {
    lane_item(arg, result);
    mid_post(CTEXEC_SUBMIT_URGENT, lane_item, -1);
    return 0;
}

static void test_urgent_runs_between_items_of_a_batch(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    mid_ex = ex;
    lane_log_start(1100);
    OK(submit_elsewhere(ex, 0, NULL, post_urgent_mid, (void *)(intptr_t)1000, NULL));
    bulk(ex, 0, 1000, 0);
    drain_until(ex);
    CHECK(atomic_load(&lane_n) == 1002);
    CHECK(lane_log[0] == 1000 && lane_log[1] == -1 && lane_log[2] == 0 && lane_log[1001] == 999);
    free(lane_log);
    OK(ctexec_free(ex));
}

/* The owner also looks after a batch's last entry, and the rule holds
 * across batches: item 1, alone in its batch, posts urgent item 2, run by
 * that look; item 2 posts normal item 3 and urgent item 4. Item 3 was
 * queued when the look's items ran, so it runs before the next look
 * takes item 4 (which ends the run). */
static ctexec_future after_p;
static int after_item4(void *arg, void **result) {
    lane_item(arg, result);
    OK(ctexec_future_set_result(after_p, NULL));
    return 0;
}
static int after_item2(void *arg, void **result) {
    lane_item(arg, result);
    mid_post(0, lane_item, 3);
    mid_post(CTEXEC_SUBMIT_URGENT, after_item4, 4);
    return 0;
}
static int after_item1(void *arg, void **result) {
    lane_item(arg, result);
    mid_post(CTEXEC_SUBMIT_URGENT, after_item2, 2);
    return 0;
}

static void test_urgent_look_after_last_entry_keeps_the_rule(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    mid_ex = ex;
    lane_log_start(8);
    OK(ctexec_future_new(&after_p));
    OK(submit_elsewhere(ex, 0, NULL, after_item1, (void *)(intptr_t)1, NULL));
    OK(ctexec_run_until_timeout(ex, after_p, 10 * 1000000000LL));
    CHECK(atomic_load(&lane_n) == 4);
    CHECK(lane_log[0] == 1 && lane_log[1] == 2 && lane_log[2] == 3 && lane_log[3] == 4);
    OK(ctexec_future_free(after_p));
    free(lane_log);
    OK(ctexec_free(ex));
}

/* A flood: every urgent item posts the next one, for ever (until the
 * normal items are done). The normal items still run, one after each
 * snapshot: between two normal items at most 2 urgent items ran. */
static atomic_int flood_on, flood_urgent, normal_done, max_gap, gap;
static ctexec *flood_ex;
static int flood_item(void *arg, void **result) {
    (void)arg, (void)result;
    atomic_fetch_add(&flood_urgent, 1);
    int g = atomic_fetch_add(&gap, 1) + 1;
    if (g > atomic_load(&max_gap)) atomic_store(&max_gap, g);
    if (atomic_load(&flood_on)) {
        ctexec_submit_opts o = opts_of(CTEXEC_SUBMIT_POST | CTEXEC_SUBMIT_URGENT, NULL);
        OK(ctexec_submit_with(flood_ex, &o, flood_item, NULL, NULL));
    }
    return 0;
}
static int normal_item(void *arg, void **result) {
    (void)result;
    atomic_store(&gap, 0);
    if (atomic_fetch_add(&normal_done, 1) + 1 == (int)(intptr_t)arg) atomic_store(&flood_on, 0);
    return 0;
}

/* From another thread: urgent items as fast as it can submit them. */
static void *flood_thread(void *p) {
    ctexec *ex = p;
    ctexec_submit_opts o = opts_of(CTEXEC_SUBMIT_URGENT, NULL);
    while (atomic_load(&flood_on)) {
        int rc = ctexec_submit_with(ex, &o, nop, NULL, NULL);
        CHECK(rc == CTEXEC_OK || rc == CTEXEC_EQUIT); /* EQUIT: the run ended first */
    }
    return NULL;
}

static void test_urgent_flood_does_not_starve_normal(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    flood_ex = ex;
    const int n = 1000;
    atomic_store(&flood_on, 1);
    OK(submit_elsewhere(ex, CTEXEC_SUBMIT_URGENT, NULL, flood_item, NULL, NULL));
    for (int i = 0; i < n; i++) OK(submit_elsewhere(ex, 0, NULL, normal_item, (void *)(intptr_t)n, NULL));
    ctexec_future m;
    OK(submit_elsewhere(ex, 0, NULL, nop, NULL, &m));
    OK(ctexec_run_until_timeout(ex, m, 10 * 1000000000LL));
    CHECK(atomic_load(&normal_done) == n);
    CHECK(atomic_load(&flood_urgent) >= n - 1);
    CHECK(atomic_load(&max_gap) <= 2);
    OK(ctexec_future_free(m));
    OK(ctexec_free(ex));
    /* A foreign thread's flood: normal items keep going. */
    OK(ctexec_new(NULL, &ex));
    atomic_store(&flood_on, 1);
    atomic_store(&normal_done, 0);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, flood_thread, ex) == 0);
    int64_t t0 = now_ns();
    for (int i = 0; i < n; i++) OK(submit_elsewhere(ex, 0, NULL, normal_item, (void *)(intptr_t)n, NULL));
    OK(submit_elsewhere(ex, 0, NULL, nop, NULL, &m));
    OK(ctexec_run_until_timeout(ex, m, 20 * 1000000000LL));
    atomic_store(&flood_on, 0);
    pthread_join(th, NULL);
    CHECK(atomic_load(&normal_done) == n && now_ns() - t0 < 20 * 1000000000LL);
    OK(ctexec_future_free(m));
    OK(ctexec_free(ex));
}

static void test_run_ready_budget_counts_both_lanes(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    lane_log_start(64);
    bulk(ex, 0, 5, 0);
    bulk(ex, 100, 3, CTEXEC_SUBMIT_URGENT);
    uint64_t ran = 0;
    EXPECT_RC(ctexec_run_ready(ex, 4, -1, &ran), 1); /* items remain */
    CHECK(ran == 4 && atomic_load(&lane_n) == 4);
    CHECK(lane_log[0] == 100 && lane_log[1] == 101 && lane_log[2] == 102 && lane_log[3] == 0);
    /* An urgent item queued now runs first at the next call; the snapshot
     * (0: all queued now) counts it. */
    bulk(ex, 200, 1, CTEXEC_SUBMIT_URGENT);
    EXPECT_RC(ctexec_run_ready(ex, 2, -1, &ran), 1);
    CHECK(ran == 2 && lane_log[4] == 200 && lane_log[5] == 1);
    bulk(ex, 300, 2, CTEXEC_SUBMIT_URGENT);
    OK(ctexec_run_ready(ex, 0, -1, &ran));
    CHECK(ran == 5 && atomic_load(&lane_n) == 11);
    CHECK(lane_log[6] == 300 && lane_log[7] == 301 && lane_log[8] == 2 && lane_log[10] == 4);
    /* A time budget: at least one item, the urgent one. */
    bulk(ex, 10, 3, 0);
    bulk(ex, 400, 1, CTEXEC_SUBMIT_URGENT);
    EXPECT_RC(ctexec_run_ready(ex, 0, 0, &ran), 1);
    CHECK(ran == 1 && lane_log[11] == 400);
    OK(ctexec_run_ready(ex, 0, -1, &ran));
    CHECK(ran == 3);
    free(lane_log);
    OK(ctexec_free(ex));
}

static void test_urgent_goes_down_the_chain(void) {
    ctexec *outer, *inner;
    OK(ctexec_new(NULL, &outer));
    OK(ctexec_new(outer, &inner));
    ctexec_future d = done_future();
    OK(ctexec_run_until(inner, d)); /* inner quits */
    lane_log_start(64);
    bulk(outer, 0, 3, 0);
    bulk(inner, 100, 2, CTEXEC_SUBMIT_URGENT); /* to outer's urgent lane */
    struct dtrack t = {0};
    ctexec_future f;
    OK(submit_elsewhere(inner, 0, dtrack_destroy, dtrack_item, &t, &f));
    /* DISPATCH to the quit inner from the owner of outer, which takes it:
     * inline, as for outer's owner. */
    ctexec_submit_opts o = opts_of(CTEXEC_SUBMIT_DISPATCH, NULL);
    OK(ctexec_submit_with(inner, &o, lane_item, (void *)(intptr_t)7, NULL));
    CHECK(atomic_load(&lane_n) == 1 && lane_log[0] == 7);
    /* From another thread: down the chain, queued. */
    OK(submit_elsewhere(inner, CTEXEC_SUBMIT_DISPATCH, NULL, lane_item, (void *)(intptr_t)8, NULL));
    CHECK(atomic_load(&lane_n) == 1);
    OK(ctexec_run_until(outer, f));
    CHECK(atomic_load(&lane_n) == 7);
    CHECK(lane_log[1] == 100 && lane_log[2] == 101 && lane_log[3] == 0 && lane_log[5] == 2 && lane_log[6] == 8);
    CHECK(atomic_load(&t.calls) == 1 && atomic_load(&t.runs) == 1);
    OK(ctexec_future_free(f));
    OK(ctexec_future_free(d));
    free(lane_log);
    OK(ctexec_free(inner));
    OK(ctexec_free(outer));
}

/* An urgent item wakes a sleeping owner. */
static void *late_urgent(void *p) {
    struct timespec ts = {0, 20 * 1000000};
    nanosleep(&ts, NULL);
    ctexec_future *pf = p;
    ctexec_submit_opts o = opts_of(CTEXEC_SUBMIT_URGENT, NULL);
    OK(ctexec_submit_with(post_ex, &o, complete_promise, pf, NULL));
    return NULL;
}

static void test_urgent_wakes_the_owner(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    post_ex = ex;
    ctexec_future p;
    OK(ctexec_future_new(&p));
    pthread_t th;
    CHECK(pthread_create(&th, NULL, late_urgent, &p) == 0);
    OK(ctexec_run_until_timeout(ex, p, 10 * 1000000000LL));
    pthread_join(th, NULL);
    OK(ctexec_future_free(p));
    OK(ctexec_free(ex));
}

static const check_case cases[] = {
    {"opts_size_rule_and_flags", test_opts_size_rule_and_flags},
    {"is_owner", test_is_owner},
    {"dispatch_inline_on_owner", test_dispatch_inline_on_owner},
    {"dispatch_elsewhere_queues", test_dispatch_elsewhere_queues},
    {"post_from_owner_runs_next_turn", test_post_from_owner_runs_next_turn},
    {"owner_plain_submit_still_refused", test_owner_plain_submit_still_refused},
    {"destroy_once_when_ran", test_destroy_once_when_ran},
    {"destroy_after_done_callbacks", test_destroy_after_done_callbacks},
    {"destroy_not_owed_after_generation_wraps", test_destroy_not_owed_after_generation_wraps},
    {"destroy_once_when_cancelled", test_destroy_once_when_cancelled},
    {"destroy_once_when_freed", test_destroy_once_when_freed},
    {"destroy_once_when_refused", test_destroy_once_when_refused},
    {"on_error_codes", test_on_error_codes},
    {"urgent_overtakes_10000_normal", test_urgent_overtakes_10000_normal},
    {"urgent_runs_between_items_of_a_batch", test_urgent_runs_between_items_of_a_batch},
    {"urgent_look_after_last_entry_keeps_the_rule", test_urgent_look_after_last_entry_keeps_the_rule},
    {"urgent_flood_does_not_starve_normal", test_urgent_flood_does_not_starve_normal},
    {"run_ready_budget_counts_both_lanes", test_run_ready_budget_counts_both_lanes},
    {"urgent_goes_down_the_chain", test_urgent_goes_down_the_chain},
    {"urgent_wakes_the_owner", test_urgent_wakes_the_owner},
};

int main(int argc, char **argv) { return run_cases(cases, sizeof cases / sizeof cases[0], argc, argv); }
