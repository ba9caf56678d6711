/* The bad-input matrix's shared part: the row type and the helpers that
 * the rows of every area use. Included by matrix.c only (see there). */
#ifndef CTEXEC_MATRIX_H
#define CTEXEC_MATRIX_H

#include <limits.h>

#include "hard.h"

/* One row: the call, the bad input, the status the contract promises, and
 * the function that performs the call on fresh objects and returns the
 * status it got. */
struct row {
    const char *call;
    const char *input;
    int want;
    int (*run)(void);
};

#define MATRIX_ROWS(a) (a), (int)(sizeof(a) / sizeof((a)[0]))

struct thread_call {
    int (*fn)(void *);
    void *arg;
    int rc;
};

static void *thread_call_main(void *p) {
    struct thread_call *tc = p;
    tc->rc = tc->fn(tc->arg);
    return NULL;
}

/* Runs fn(arg) on a new thread and returns its result. */
static int on_other_thread(int (*fn)(void *), void *arg) {
    struct thread_call tc = {fn, arg, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, thread_call_main, &tc) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    return tc.rc;
}

struct submit_args {
    ctexec *ex;
    ctexec_fn fn;
    void *arg;
    ctexec_future *out;
};

static int submit_main(void *p) {
    struct submit_args *a = p;
    return ctexec_submit(a->ex, a->fn, a->arg, a->out);
}

/* ctexec_submit from a thread that is not the owner. */
static int submit_other(ctexec *ex, ctexec_fn fn, void *arg, ctexec_future *out) {
    struct submit_args a = {ex, fn, arg, out};
    return on_other_thread(submit_main, &a);
}

static atomic_int item_runs;

static int item_ok(void *arg, void **result) {
    atomic_fetch_add(&item_runs, 1);
    *result = arg;
    return 0;
}

static ctexec *new_ex(void) {
    ctexec *e;
    OK(ctexec_new(NULL, &e));
    return e;
}

static ctexec_future new_promise(void) {
    ctexec_future f;
    OK(ctexec_future_new(&f));
    return f;
}

static ctexec_future done_promise(void) {
    ctexec_future f = new_promise();
    OK(ctexec_future_set_result(f, NULL));
    return f;
}

/* A freed executor, a freed promise: their old values, for use-after-free
 * and double-free rows. (A freed ctexec* is quarantined by the library, so
 * passing it back is well-defined there: it is looked up by address.) */
static ctexec *freed_ex(void) {
    ctexec *e = new_ex();
    OK(ctexec_free(e));
    return e;
}

static ctexec_future freed_future(void) {
    ctexec_future f = new_promise();
    OK(ctexec_future_free(f));
    return f;
}

/* Runs ex on the owner until the item fn(arg) has run; returns the wait
 * status of the item's future and frees it. ex is freed too. */
static int run_item(ctexec *ex, ctexec_fn fn, void *arg, void **out) {
    ctexec_future f;
    OK(submit_other(ex, fn, arg, &f));
    OK(ctexec_run_until(ex, f));
    int rc = ctexec_future_wait(f, 0, out);
    OK(ctexec_future_free(f));
    OK(ctexec_free(ex));
    return rc;
}

struct later {
    ctexec_future f;
    int64_t delay_ns;
    pthread_t t;
};

static void *later_main(void *p) {
    struct later *l = p;
    hard_sleep_ns(l->delay_ns);
    OK(ctexec_future_set_result(l->f, (void *)0x5));
    return NULL;
}

/* Completes f from another thread after delay_ns; join with later_join. */
static void complete_later(struct later *l, ctexec_future f, int64_t delay_ns) {
    l->f = f;
    l->delay_ns = delay_ns;
    CHECK(pthread_create(&l->t, NULL, later_main, l) == 0);
}

static void later_join(struct later *l) { CHECK(pthread_join(l->t, NULL) == 0); }

/* libctexec's internal layout (capi/):
 *     struct ctexec { uint64_t magic; uint64_t handle; };
 * This is not part of the API. The test peeks at it only to obtain a live
 * cgo.Handle value that names an executor rather than a future: the most
 * plausible wrong handle there is, since both kinds come from one table. */
static uint64_t exec_handle(ctexec *e) {
    uint64_t words[2];
    memcpy(words, e, sizeof words);
    CHECK(words[1] != 0);
    return words[1];
}

/* Checks one outcome of a timed call: it returned within max_ns. */
static int timed(int rc, int64_t t0, int64_t max_ns, const char *what) {
    int64_t dt = hard_now_ns() - t0;
    if (dt > max_ns) FAIL("%s took %.3f s", what, dt / 1e9);
    return rc;
}

#endif
