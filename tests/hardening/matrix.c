/* The bad-input matrix (issue 5, item 4).
 *
 *   hard_matrix            run every row, print the table, fail on mismatch
 *   hard_matrix --markdown print the table as Markdown (docs/guarantees.md)
 *
 * Each row names the call, the bad input and the status the contract
 * promises; its function performs the call (setting up whatever it needs on
 * fresh objects) and returns the status it got. Some rows also check a side
 * effect (the callback never ran, the out parameter is untouched, the
 * object still works afterwards) and fail on the spot if it is wrong. None
 * may crash or hang: a watchdog fails the run after 60 s. At the end the
 * live counts must be back to where they started.
 */
#include <limits.h>

#include "hard.h"

static pthread_t owner;

/* ---- helpers ------------------------------------------------------------ */

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

/* libctexec's internal layout (capi/shim.h):
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

/* ---- rows: NULL arguments ---------------------------------------------- */

static int c_new_out_null(void) { return ctexec_new(NULL, NULL); }

static int c_submit_ex_null(void) {
    int rc = submit_other(NULL, item_ok, NULL, NULL);
    return rc;
}

static int c_submit_fn_null(void) {
    ctexec *e = new_ex();
    ctexec_future f = 0;
    int rc = submit_other(e, NULL, NULL, &f);
    CHECK(f == 0);
    OK(ctexec_free(e));
    return rc;
}

static int c_run_ex_null(void) {
    ctexec_future p = done_promise();
    int rc = ctexec_run_until(NULL, p);
    OK(ctexec_future_free(p));
    return rc;
}

static int c_run_timeout_ex_null(void) {
    ctexec_future p = done_promise();
    int rc = ctexec_run_until_timeout(NULL, p, 0);
    OK(ctexec_future_free(p));
    return rc;
}

static int c_free_null(void) { return ctexec_free(NULL); }
static int c_future_new_null(void) { return ctexec_future_new(NULL); }

static int c_add_cb_null(void) {
    ctexec_future p = new_promise();
    int rc = ctexec_future_add_done_callback(p, NULL, NULL);
    OK(ctexec_future_free(p));
    return rc;
}

static int c_counts_null(void) { return ctexec_live_counts(NULL); }

static int c_wait_out_null(void) {
    ctexec_future p = done_promise();
    int rc = ctexec_future_wait(p, 0, NULL);
    OK(ctexec_future_free(p));
    return rc;
}

/* ---- rows: zero and forged future handles ------------------------------ */

static int c_set_result_zero(void) { return ctexec_future_set_result(0, NULL); }
static int c_set_error_zero(void) { return ctexec_future_set_error(0, 1); }
static int c_cancel_zero(void) { return ctexec_future_cancel(0); }
static int c_done_zero(void) { return ctexec_future_done(0); }
static int c_wait_zero(void) { return ctexec_future_wait(0, -1, NULL); }
static int c_add_cb_zero(void) { return ctexec_future_add_done_callback(0, hard_noop_done, NULL); }
static int c_future_free_zero(void) { return ctexec_future_free(0); }

static int c_run_future_zero(void) {
    ctexec *e = new_ex();
    int rc = ctexec_run_until(e, 0);
    OK(ctexec_free(e));
    return rc;
}

static int c_wait_forged(void) {
    int64_t t0 = hard_now_ns();
    return timed(ctexec_future_wait(0xdeadbeefULL, -1, NULL), t0, SEC_NS, "wait(forged, -1)");
}
static int c_future_free_forged(void) { return ctexec_future_free(0xdeadbeefULL); }
static int c_set_result_max(void) { return ctexec_future_set_result(UINT64_MAX, NULL); }
static int c_cancel_high_bit(void) { return ctexec_future_cancel(1ULL << 63); }
static int c_done_int64_max(void) { return ctexec_future_done((ctexec_future)INT64_MAX); }
static int c_add_cb_forged(void) {
    return ctexec_future_add_done_callback(0xdeadbeefULL, hard_noop_done, NULL);
}

/* Handles are small sequential numbers; one far past the newest has never
 * been issued. */
static int c_set_error_unissued(void) {
    ctexec_future p = new_promise();
    int rc = ctexec_future_set_error(p + 100000, 1);
    EXPECT_RC(ctexec_future_done(p), 0);
    OK(ctexec_future_free(p));
    return rc;
}

static int c_run_future_forged(void) {
    ctexec *e = new_ex();
    int64_t t0 = hard_now_ns();
    int rc = timed(ctexec_run_until_timeout(e, 0xdeadbeefULL, -1), t0, SEC_NS, "run(forged, -1)");
    OK(ctexec_free(e));
    return rc;
}

/* ---- rows: forged and stale handles against many live futures --------- */

/* Live futures of both kinds: promises, and futures of items queued on an
 * executor whose owner (this thread) does not run them during the row. */
struct live_set {
    ctexec *ex;
    ctexec_future f[10000];
    int n;
};

static int done_cb_ran;
static void counting_done(ctexec_future f, void *userdata) {
    (void)f;
    (void)userdata;
    done_cb_ran++;
}

static int submit_future_main(void *p) {
    struct live_set *ls = p;
    for (int i = ls->n; i < 10000; i++) OK(ctexec_submit(ls->ex, hard_noop_item, NULL, &ls->f[i]));
    ls->n = 10000;
    return 0;
}

static void live_set_make(struct live_set *ls) {
    ls->ex = new_ex();
    for (ls->n = 0; ls->n < 5000; ls->n++) ls->f[ls->n] = new_promise();
    on_other_thread(submit_future_main, ls);
}

/* Every live future is untouched (pending, not cancelled), then all are
 * completed and freed the normal way. */
static void live_set_check_and_free(struct live_set *ls) {
    for (int i = 0; i < ls->n; i++) EXPECT_RC(ctexec_future_done(ls->f[i]), 0);
    for (int i = 0; i < 5000; i++) OK(ctexec_future_set_result(ls->f[i], NULL));
    OK(ctexec_run_until(ls->ex, ls->f[0]));
    for (int i = 0; i < ls->n; i++) {
        void *r = (void *)1;
        OK(ctexec_future_wait(ls->f[i], 0, &r)); /* every item ran, none was cancelled */
        CHECK(r == NULL);
        OK(ctexec_future_free(ls->f[i]));
    }
    OK(ctexec_free(ls->ex));
}

/* Every handle-taking call with h: each must say EBADHANDLE. Returns
 * EBADHANDLE, or the first other status (with the call's index). */
static int all_calls_refuse(ctexec *ex, ctexec_future h, int *which) {
    void *r = (void *)7;
    int rcs[] = {
        ctexec_future_done(h),
        ctexec_future_wait(h, 0, &r),
        ctexec_future_wait(h, -1, &r),
        ctexec_future_cancel(h),
        ctexec_future_set_result(h, NULL),
        ctexec_future_set_error(h, 5),
        ctexec_future_add_done_callback(h, counting_done, NULL),
        ctexec_run_until_timeout(ex, h, 0),
        ctexec_future_free(h),
    };
    for (int i = 0; i < (int)(sizeof rcs / sizeof rcs[0]); i++)
        if (rcs[i] != CTEXEC_EBADHANDLE) {
            *which = i;
            return rcs[i];
        }
    CHECK(r == (void *)7);
    return CTEXEC_EBADHANDLE;
}

static struct live_set live;

/* Runs every call with n handles from next(): all must be refused, and no
 * live future may change. */
static int forged_against_live(uint64_t (*next)(uint64_t *state), uint64_t state, long n) {
    live_set_make(&live);
    int rc = CTEXEC_EBADHANDLE, which = -1;
    for (long i = 0; i < n && rc == CTEXEC_EBADHANDLE; i++) {
        uint64_t h = next(&state);
        rc = all_calls_refuse(live.ex, h, &which);
        if (rc != CTEXEC_EBADHANDLE) fprintf(stderr, "handle %#llx: call %d gave %d\n", (unsigned long long)h, which, rc);
    }
    CHECK(done_cb_ran == 0);
    live_set_check_and_free(&live);
    return rc;
}

static uint64_t next_counting(uint64_t *state) { return ++*state; }

static int c_random_handles(void) {
    return forged_against_live(hard_rand, 0x9e3779b97f4a7c15ull ^ (uint64_t)hard_now_ns(), 1000000);
}

static int c_small_int_handles(void) { return forged_against_live(next_counting, 0, 100000); }

/* A freed handle whose slot now holds a newer future: every call refuses
 * it, and the newer future is untouched. */
static int c_stale_after_reuse(void) {
    ctexec *e = new_ex();
    int rc = CTEXEC_EBADHANDLE, which = -1;
    for (int i = 0; i < 1000 && rc == CTEXEC_EBADHANDLE; i++) {
        ctexec_future old = new_promise();
        OK(ctexec_future_free(old));
        ctexec_future fresh = new_promise(); /* the pool hands the same slot out again */
        CHECK(fresh != old);
        rc = all_calls_refuse(e, old, &which);
        EXPECT_RC(ctexec_future_done(fresh), 0);
        OK(ctexec_future_set_result(fresh, (void *)9));
        void *r = NULL;
        OK(ctexec_future_wait(fresh, 0, &r));
        CHECK(r == (void *)9);
        OK(ctexec_future_free(fresh));
    }
    CHECK(done_cb_ran == 0);
    OK(ctexec_free(e));
    return rc;
}

/* ---- rows: an executor's handle passed as a future ---------------------- */

static int c_wait_exec_handle(void) {
    ctexec *e = new_ex();
    int rc = ctexec_future_wait(exec_handle(e), -1, NULL);
    OK(ctexec_free(e));
    return rc;
}

static int c_set_result_exec_handle(void) {
    ctexec *e = new_ex();
    int rc = ctexec_future_set_result(exec_handle(e), NULL);
    OK(ctexec_free(e));
    return rc;
}

static int c_cancel_exec_handle(void) {
    ctexec *e = new_ex();
    int rc = ctexec_future_cancel(exec_handle(e));
    OK(ctexec_free(e));
    return rc;
}

static int c_add_cb_exec_handle(void) {
    ctexec *e = new_ex();
    int rc = ctexec_future_add_done_callback(exec_handle(e), hard_noop_done, NULL);
    OK(ctexec_free(e));
    return rc;
}

/* Must not release the executor's handle: the executor keeps working. */
static int c_future_free_exec_handle(void) {
    ctexec *e = new_ex();
    int rc = ctexec_future_free(exec_handle(e));
    atomic_store(&item_runs, 0);
    void *r = NULL;
    EXPECT_RC(run_item(e, item_ok, (void *)0x77, &r), CTEXEC_OK); /* frees e */
    CHECK(r == (void *)0x77 && atomic_load(&item_runs) == 1);
    return rc;
}

static int c_run_own_exec_handle(void) {
    ctexec *e = new_ex();
    int rc = ctexec_run_until(e, exec_handle(e));
    OK(ctexec_free(e));
    return rc;
}

/* ---- rows: forged executor pointers ------------------------------------- */

static int c_submit_ptr_1(void) { return submit_other((ctexec *)0x1, item_ok, NULL, NULL); }

static int c_submit_ptr_max(void) {
    return submit_other((ctexec *)(uintptr_t)UINTPTR_MAX, item_ok, NULL, NULL);
}

static int c_submit_interior(void) {
    ctexec *e = new_ex();
    int rc = submit_other((ctexec *)((char *)e + 8), item_ok, NULL, NULL);
    CHECK(hard_counts().queued == 0);
    OK(ctexec_free(e));
    return rc;
}

static int c_free_interior(void) {
    ctexec *e = new_ex();
    int rc = ctexec_free((ctexec *)((char *)e - 8));
    OK(ctexec_free(e)); /* untouched: still live */
    return rc;
}

static int c_run_ptr_stack(void) {
    uint64_t fake[2] = {0x63746578656331ULL, 1}; /* looks like a struct ctexec */
    ctexec_future p = done_promise();
    int rc = ctexec_run_until((ctexec *)fake, p);
    OK(ctexec_future_free(p));
    return rc;
}

static int c_free_ptr_1(void) { return ctexec_free((ctexec *)0x1); }

static int c_free_ptr_stack(void) {
    uint64_t fake[2] = {0x1111, 0x2222};
    int rc = ctexec_free((ctexec *)fake);
    CHECK(fake[0] == 0x1111 && fake[1] == 0x2222); /* never written */
    return rc;
}

static int c_new_old_stack(void) {
    uint64_t fake[2] = {0, 0};
    ctexec *out = (ctexec *)0x99;
    int rc = ctexec_new((ctexec *)fake, &out);
    CHECK(out == (ctexec *)0x99); /* out untouched on error */
    return rc;
}

/* A byte-for-byte copy of a live executor's struct at another address: a
 * ctexec* is validated by address, not by content. */
static int c_free_counterfeit(void) {
    ctexec *e = new_ex();
    void *copy = malloc(16);
    CHECK(copy);
    memcpy(copy, e, 16);
    int rc = ctexec_free((ctexec *)copy);
    free(copy);
    OK(ctexec_free(e));
    return rc;
}

/* ---- rows: double free and use after free ------------------------------- */

static int c_double_free_ex(void) { return ctexec_free(freed_ex()); }
static int c_double_free_promise(void) { return ctexec_future_free(freed_future()); }

static int c_double_free_submit_future(void) {
    ctexec *e = new_ex();
    ctexec_future f;
    OK(submit_other(e, item_ok, NULL, &f));
    OK(ctexec_future_free(f));
    int rc = ctexec_future_free(f);
    OK(ctexec_free(e)); /* discards the item */
    return rc;
}

static int c_uaf_submit(void) { return submit_other(freed_ex(), item_ok, NULL, NULL); }

static int c_uaf_run(void) {
    ctexec_future p = done_promise();
    int rc = ctexec_run_until(freed_ex(), p);
    OK(ctexec_future_free(p));
    return rc;
}

static int c_uaf_new_old(void) {
    ctexec *out = NULL;
    int rc = ctexec_new(freed_ex(), &out);
    CHECK(out == NULL);
    return rc;
}

static int c_uaf_wait(void) { return ctexec_future_wait(freed_future(), -1, NULL); }
static int c_uaf_set_result(void) { return ctexec_future_set_result(freed_future(), NULL); }
static int c_uaf_cancel(void) { return ctexec_future_cancel(freed_future()); }
static int c_uaf_done(void) { return ctexec_future_done(freed_future()); }
static int c_uaf_add_cb(void) {
    return ctexec_future_add_done_callback(freed_future(), hard_noop_done, NULL);
}

/* Handles are never reused: a freed value stays invalid however many new
 * futures are made after it. */
static int c_uaf_after_many_new(void) {
    ctexec_future old = freed_future();
    ctexec_future fresh[1000];
    for (int i = 0; i < 1000; i++) {
        fresh[i] = new_promise();
        CHECK(fresh[i] != old);
    }
    int rc = ctexec_future_set_result(old, NULL);
    for (int i = 0; i < 1000; i++) {
        EXPECT_RC(ctexec_future_done(fresh[i]), 0); /* none was hit */
        OK(ctexec_future_free(fresh[i]));
    }
    return rc;
}

static int c_uaf_run_future(void) {
    ctexec *e = new_ex();
    int rc = ctexec_run_until(e, freed_future());
    OK(ctexec_free(e));
    return rc;
}

/* ---- rows: wrong thread, same thread ------------------------------------ */

struct run_args {
    ctexec *ex;
    ctexec_future f;
    int64_t timeout;
};

static int run_main(void *p) {
    struct run_args *a = p;
    return ctexec_run_until_timeout(a->ex, a->f, a->timeout);
}

static int c_run_wrong_thread(void) {
    ctexec *e = new_ex();
    ctexec_future p = new_promise();
    struct run_args a = {e, p, -1}; /* returns at once, never waits */
    int rc = on_other_thread(run_main, &a);
    OK(ctexec_future_free(p));
    OK(ctexec_free(e));
    return rc;
}

static int c_run_timeout_wrong_thread(void) {
    ctexec *e = new_ex();
    ctexec_future p = done_promise();
    struct run_args a = {e, p, 0};
    int rc = on_other_thread(run_main, &a);
    OK(ctexec_future_free(p));
    OK(ctexec_free(e));
    return rc;
}

static int c_submit_same_thread(void) {
    ctexec_counts before = hard_counts();
    ctexec *e = new_ex();
    ctexec_future f = 0;
    atomic_store(&item_runs, 0);
    int rc = ctexec_submit(e, item_ok, NULL, &f);
    CHECK(f == 0);                                         /* no future created */
    CHECK(hard_counts().futures == before.futures);
    ctexec_future p = done_promise();
    OK(ctexec_run_until(e, p));
    CHECK(atomic_load(&item_runs) == 0);                   /* and it never runs */
    OK(ctexec_future_free(p));
    OK(ctexec_free(e));
    return rc;
}

/* ---- rows: re-entrant run, free while running --------------------------- */

struct inside {
    ctexec *ex;
    int rc;
};

static int reenter_item(void *arg, void **result) {
    (void)result;
    struct inside *in = arg;
    ctexec_future p = done_promise();
    in->rc = ctexec_run_until(in->ex, p);
    OK(ctexec_future_free(p));
    return 0;
}

static int reenter_timeout_item(void *arg, void **result) {
    (void)result;
    struct inside *in = arg;
    ctexec_future p = new_promise();
    in->rc = ctexec_run_until_timeout(in->ex, p, 0);
    OK(ctexec_future_free(p));
    return 0;
}

static int free_inside_item(void *arg, void **result) {
    (void)result;
    struct inside *in = arg;
    in->rc = ctexec_free(in->ex);
    return 0;
}

static int c_reenter(void) {
    struct inside in = {new_ex(), 0};
    EXPECT_RC(run_item(in.ex, reenter_item, &in, NULL), CTEXEC_OK);
    return in.rc;
}

static int c_reenter_timeout(void) {
    struct inside in = {new_ex(), 0};
    EXPECT_RC(run_item(in.ex, reenter_timeout_item, &in, NULL), CTEXEC_OK);
    return in.rc;
}

static int c_free_inside(void) {
    struct inside in = {new_ex(), 0};
    EXPECT_RC(run_item(in.ex, free_inside_item, &in, NULL), CTEXEC_OK); /* still alive */
    return in.rc;
}

/* Another thread frees the executor while the owner is inside run_until
 * (held there by an item that waits for the attempt). */
static atomic_int holder_state; /* 1: owner inside the item, 2: free tried */

static int hold_item(void *arg, void **result) {
    (void)arg;
    (void)result;
    atomic_store(&holder_state, 1);
    int64_t deadline = hard_now_ns() + 10 * SEC_NS;
    while (atomic_load(&holder_state) != 2)
        if (hard_now_ns() > deadline) FAIL("free-while-running: the freeing thread never tried");
    return 0;
}

static int freer_main(void *p) {
    ctexec *e = p;
    int64_t deadline = hard_now_ns() + 10 * SEC_NS;
    while (atomic_load(&holder_state) != 1)
        if (hard_now_ns() > deadline) FAIL("free-while-running: the owner never ran the item");
    int rc = ctexec_free(e);
    atomic_store(&holder_state, 2);
    return rc;
}

static void *freer_thread(void *p) {
    struct thread_call *tc = p;
    tc->rc = freer_main(tc->arg);
    return NULL;
}

static int c_free_other_thread_running(void) {
    ctexec *e = new_ex();
    atomic_store(&holder_state, 0);
    struct thread_call tc = {NULL, e, 0};
    pthread_t t;
    ctexec_future f;
    OK(submit_other(e, hold_item, NULL, &f));
    CHECK(pthread_create(&t, NULL, freer_thread, &tc) == 0);
    OK(ctexec_run_until(e, f));
    CHECK(pthread_join(t, NULL) == 0);
    OK(ctexec_future_free(f));
    OK(ctexec_free(e));
    return tc.rc;
}

/* ---- rows: quit executors ---------------------------------------------- */

static int c_run_after_quit(void) {
    ctexec *e = new_ex();
    ctexec_future p = done_promise();
    OK(ctexec_run_until(e, p));
    int rc = ctexec_run_until(e, p);
    OK(ctexec_future_free(p));
    OK(ctexec_free(e));
    return rc;
}

static int c_submit_after_quit(void) {
    ctexec *e = new_ex();
    ctexec_future p = done_promise();
    OK(ctexec_run_until(e, p));
    ctexec_future f = 0;
    int rc = submit_other(e, item_ok, NULL, &f);
    CHECK(f == 0);
    OK(ctexec_future_free(p));
    OK(ctexec_free(e));
    return rc;
}

/* ---- rows: set_error codes, completing twice ---------------------------- */

static int set_error_code(int code) {
    ctexec_future p = new_promise();
    int rc = ctexec_future_set_error(p, code);
    EXPECT_RC(ctexec_future_done(p), 0); /* still pending */
    OK(ctexec_future_free(p));
    return rc;
}

static int c_set_error_0(void) { return set_error_code(0); }
static int c_set_error_m1(void) { return set_error_code(-1); }
static int c_set_error_intmin(void) { return set_error_code(INT_MIN); }
static int c_set_error_ecancelled(void) { return set_error_code(CTEXEC_ECANCELLED); }

static int c_set_result_twice(void) {
    ctexec_future p = new_promise();
    OK(ctexec_future_set_result(p, (void *)0x1));
    int rc = ctexec_future_set_result(p, (void *)0x2);
    void *r = NULL;
    OK(ctexec_future_wait(p, 0, &r));
    CHECK(r == (void *)0x1); /* the first outcome stands */
    OK(ctexec_future_free(p));
    return rc;
}

static int c_set_error_after_result(void) {
    ctexec_future p = done_promise();
    int rc = ctexec_future_set_error(p, 5);
    OK(ctexec_future_wait(p, 0, NULL));
    OK(ctexec_future_free(p));
    return rc;
}

static int c_set_result_after_error(void) {
    ctexec_future p = new_promise();
    OK(ctexec_future_set_error(p, 5));
    int rc = ctexec_future_set_result(p, NULL);
    EXPECT_RC(ctexec_future_wait(p, 0, NULL), 5);
    OK(ctexec_future_free(p));
    return rc;
}

static int c_cancel_after_result(void) {
    ctexec_future p = done_promise();
    int rc = ctexec_future_cancel(p);
    OK(ctexec_future_free(p));
    return rc;
}

static int c_set_result_after_cancel(void) {
    ctexec_future p = new_promise();
    OK(ctexec_future_cancel(p));
    int rc = ctexec_future_set_result(p, NULL);
    EXPECT_RC(ctexec_future_wait(p, 0, NULL), CTEXEC_ECANCELLED);
    OK(ctexec_future_free(p));
    return rc;
}

static int c_cancel_twice(void) {
    ctexec_future p = new_promise();
    OK(ctexec_future_cancel(p));
    int rc = ctexec_future_cancel(p);
    OK(ctexec_future_free(p));
    return rc;
}

static int c_cancel_after_ran(void) {
    ctexec *e = new_ex();
    ctexec_future f;
    OK(submit_other(e, item_ok, NULL, &f));
    OK(ctexec_run_until(e, f));
    int rc = ctexec_future_cancel(f);
    OK(ctexec_future_wait(f, 0, NULL));
    OK(ctexec_future_free(f));
    OK(ctexec_free(e));
    return rc;
}

/* ---- rows: completing a submit's future by hand ------------------------- */

static int complete_submit_future(int error) {
    ctexec *e = new_ex();
    ctexec_future f;
    atomic_store(&item_runs, 0);
    OK(submit_other(e, item_ok, (void *)0x42, &f));
    int rc = error ? ctexec_future_set_error(f, 7) : ctexec_future_set_result(f, (void *)0x1);
    OK(ctexec_run_until(e, f));
    void *r = NULL;
    OK(ctexec_future_wait(f, 0, &r)); /* the item's own outcome */
    CHECK(r == (void *)0x42 && atomic_load(&item_runs) == 1);
    OK(ctexec_future_free(f));
    OK(ctexec_free(e));
    return rc;
}

static int c_set_result_submit_future(void) { return complete_submit_future(0); }
static int c_set_error_submit_future(void) { return complete_submit_future(1); }

/* ---- rows: timeouts ----------------------------------------------------- */

static int c_wait_poll_pending(void) {
    ctexec_future p = new_promise();
    void *r = (void *)0x33;
    int rc = ctexec_future_wait(p, 0, &r);
    CHECK(r == (void *)0x33); /* untouched */
    OK(ctexec_future_free(p));
    return rc;
}

static int c_wait_1ns_pending(void) {
    ctexec_future p = new_promise();
    int rc = ctexec_future_wait(p, 1, NULL);
    OK(ctexec_future_free(p));
    return rc;
}

static int wait_completed_soon(int64_t timeout) {
    ctexec_future p = new_promise();
    struct later l;
    void *r = NULL;
    int64_t t0 = hard_now_ns();
    complete_later(&l, p, 20 * MS_NS);
    int rc = timed(ctexec_future_wait(p, timeout, &r), t0, 5 * SEC_NS, "wait");
    later_join(&l);
    if (rc == CTEXEC_OK) CHECK(r == (void *)0x5);
    OK(ctexec_future_free(p));
    return rc;
}

static int c_wait_minus1(void) { return wait_completed_soon(-1); }
static int c_wait_int64_max(void) { return wait_completed_soon(INT64_MAX); }
static int c_wait_int64_max_m1(void) { return wait_completed_soon(INT64_MAX - 1); }
static int c_wait_int64_min(void) { return wait_completed_soon(INT64_MIN); }

static int c_wait_cancelled_int64_max(void) {
    ctexec_future p = new_promise();
    OK(ctexec_future_cancel(p));
    int64_t t0 = hard_now_ns();
    int rc = timed(ctexec_future_wait(p, INT64_MAX, NULL), t0, SEC_NS, "wait(cancelled)");
    OK(ctexec_future_free(p));
    return rc;
}

static int run_completed_soon(int64_t timeout) {
    ctexec *e = new_ex();
    ctexec_future p = new_promise();
    struct later l;
    int64_t t0 = hard_now_ns();
    complete_later(&l, p, 20 * MS_NS);
    int rc = timed(ctexec_run_until_timeout(e, p, timeout), t0, 5 * SEC_NS, "run_until_timeout");
    later_join(&l);
    OK(ctexec_future_free(p));
    OK(ctexec_free(e));
    return rc;
}

static int c_run_int64_max(void) { return run_completed_soon(INT64_MAX); }
static int c_run_minus1(void) { return run_completed_soon(-1); }
static int c_run_int64_min(void) { return run_completed_soon(INT64_MIN); }

static int c_run_1ms_pending(void) {
    ctexec *e = new_ex();
    ctexec_future p = new_promise();
    int64_t t0 = hard_now_ns();
    int rc = timed(ctexec_run_until_timeout(e, p, MS_NS), t0, 5 * SEC_NS, "run 1 ms");
    /* The executor did not quit: once p is done, a new run returns OK. */
    OK(ctexec_future_set_result(p, NULL));
    OK(ctexec_run_until(e, p));
    OK(ctexec_future_free(p));
    OK(ctexec_free(e));
    return rc;
}

/* A timeout is honoured: never returns before it, nor grossly after. */
static int c_wait_50ms_not_early(void) {
    ctexec_future p = new_promise();
    int64_t t0 = hard_now_ns();
    int rc = ctexec_future_wait(p, 50 * MS_NS, NULL);
    int64_t dt = hard_now_ns() - t0;
    if (dt < 50 * MS_NS || dt > 5 * SEC_NS) FAIL("wait(50 ms) took %.3f ms", dt / 1e6);
    OK(ctexec_future_free(p));
    return rc;
}

static int c_run_50ms_not_early(void) {
    ctexec *e = new_ex();
    ctexec_future p = new_promise();
    int64_t t0 = hard_now_ns();
    int rc = ctexec_run_until_timeout(e, p, 50 * MS_NS);
    int64_t dt = hard_now_ns() - t0;
    if (dt < 50 * MS_NS || dt > 5 * SEC_NS) FAIL("run_until_timeout(50 ms) took %.3f ms", dt / 1e6);
    OK(ctexec_future_free(p));
    OK(ctexec_free(e));
    return rc;
}

static int c_run_0_pending(void) {
    ctexec *e = new_ex();
    ctexec_future p = new_promise();
    atomic_store(&item_runs, 0);
    OK(submit_other(e, item_ok, NULL, NULL));
    int rc = ctexec_run_until_timeout(e, p, 0);
    CHECK(atomic_load(&item_runs) == 1); /* ran what was queued */
    OK(ctexec_future_free(p));
    OK(ctexec_free(e));
    return rc;
}

/* ---- rows: callback return codes ---------------------------------------- */

static int ret_code(void *arg, void **result) {
    *result = (void *)0x66;
    return (int)(intptr_t)arg;
}

static int item_returning(int code) {
    void *r = (void *)0x11;
    int rc = run_item(new_ex(), ret_code, (void *)(intptr_t)code, &r);
    if (rc != CTEXEC_OK) CHECK(r == (void *)0x11); /* result dropped, out untouched */
    return rc;
}

static int c_cb_minus1(void) { return item_returning(-1); }
static int c_cb_intmin(void) { return item_returning(INT_MIN); }
static int c_cb_ecancelled(void) { return item_returning(CTEXEC_ECANCELLED); }
static int c_cb_42(void) { return item_returning(42); }
static int c_cb_intmax(void) { return item_returning(INT_MAX); }

/* ---- rows: ctexec_call -------------------------------------------------- */

struct call_args {
    ctexec *ex;
    ctexec_fn fn;
    void *arg;
    void *result;
    ctexec_future done; /* completed after the call returns; 0: none */
    int rc;
};

static void *call_main(void *p) {
    struct call_args *a = p;
    a->rc = ctexec_call(a->ex, a->fn, a->arg, &a->result);
    if (a->done) OK(ctexec_future_set_result(a->done, NULL));
    return NULL;
}

/* ctexec_call from another thread while the owner (main) runs ex until the
 * call has returned. */
static int call_running(ctexec_fn fn, void *arg, void **result) {
    ctexec *e = new_ex();
    struct call_args a = {e, fn, arg, (void *)0x11, new_promise(), 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, call_main, &a) == 0);
    OK(ctexec_run_until(e, a.done));
    CHECK(pthread_join(t, NULL) == 0);
    OK(ctexec_future_free(a.done));
    OK(ctexec_free(e));
    if (result) *result = a.result;
    return a.rc;
}

/* ctexec_call from another thread, no run: for calls that fail at once. */
static int call_other(ctexec *e, ctexec_fn fn, void *arg) {
    struct call_args a = {e, fn, arg, (void *)0x11, 0, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, call_main, &a) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(a.result == (void *)0x11); /* out untouched on error */
    return a.rc;
}

static int c_call_ex_null(void) { return call_other(NULL, item_ok, NULL); }

static int c_call_fn_null(void) {
    ctexec *e = new_ex();
    int rc = call_other(e, NULL, NULL);
    OK(ctexec_free(e));
    return rc;
}

static int c_call_forged(void) { return call_other((ctexec *)0x1, item_ok, NULL); }

/* Inside the executor's own memory but not at the start of a slot. */
static int c_call_interior(void) {
    ctexec *e = new_ex();
    int rc = call_other((ctexec *)((char *)e + 8), item_ok, NULL);
    OK(ctexec_free(e));
    return rc;
}

static int c_call_freed(void) { return call_other(freed_ex(), item_ok, NULL); }

static int c_call_same_thread(void) {
    ctexec *e = new_ex();
    atomic_store(&item_runs, 0);
    void *r = (void *)0x11;
    int rc = ctexec_call(e, item_ok, NULL, &r); /* returns at once */
    CHECK(r == (void *)0x11 && atomic_load(&item_runs) == 0);
    OK(ctexec_free(e));
    return rc;
}

static int c_call_quit(void) {
    ctexec *e = new_ex();
    ctexec_future p = done_promise();
    OK(ctexec_run_until(e, p));
    int rc = call_other(e, item_ok, NULL);
    OK(ctexec_future_free(p));
    OK(ctexec_free(e));
    return rc;
}

static int c_call_negative(void) {
    void *r = NULL;
    int rc = call_running(ret_code, (void *)(intptr_t)-1, &r);
    CHECK(r == (void *)0x11); /* result dropped, out untouched */
    return rc;
}

static int c_call_host_code(void) { return call_running(ret_code, (void *)(intptr_t)42, NULL); }

static int c_call_ok(void) {
    void *r = NULL;
    int rc = call_running(item_ok, (void *)0x99, &r);
    CHECK(r == (void *)0x99);
    return rc;
}

/* The executor holding the call's item is freed before the item runs: the
 * waiting caller is released with ECANCELLED. */
static int c_call_freed_while_waiting(void) {
    ctexec *e = new_ex();
    struct call_args a = {e, item_ok, NULL, (void *)0x11, 0, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, call_main, &a) == 0);
    int64_t deadline = hard_now_ns() + 10 * SEC_NS;
    while (hard_counts().queued == 0)
        if (hard_now_ns() > deadline) FAIL("the call never queued its item");
    OK(ctexec_free(e));
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(a.result == (void *)0x11);
    return a.rc;
}

/* ---- rows: deadlocks ---------------------------------------------------- */

/* The caller (main) owns an executor and waits on an item queued to it by
 * another thread: it can never run while main waits. */
static int wait_own_item(int64_t timeout) {
    ctexec *e = new_ex();
    ctexec_future f;
    atomic_store(&item_runs, 0);
    OK(submit_other(e, item_ok, (void *)0x44, &f));
    void *r = (void *)0x11;
    int64_t t0 = hard_now_ns();
    int rc = timed(ctexec_future_wait(f, timeout, &r), t0, SEC_NS, "wait(own item)");
    CHECK(r == (void *)0x11 && ctexec_future_done(f) == 0); /* out untouched, still pending */
    OK(ctexec_run_ready(e, 0, -1, NULL));
    OK(ctexec_future_wait(f, -1, &r)); /* and it completes once main serves */
    CHECK(r == (void *)0x44);
    OK(ctexec_future_free(f));
    OK(ctexec_free(e));
    return rc;
}

static int c_wait_own_item(void) { return wait_own_item(-1); }
static int c_wait_own_item_poll(void) { return wait_own_item(0); }

/* ctexec_call to a quit executor whose old_executor main owns: the item
 * goes down the chain to main's own executor. */
static ctexec *own_chain_old, *own_chain_quit;

static int make_quit_child(void *p) {
    (void)p;
    OK(ctexec_new(own_chain_old, &own_chain_quit));
    ctexec_future d = done_promise();
    OK(ctexec_run_until(own_chain_quit, d));
    OK(ctexec_future_free(d));
    return 0;
}

static int c_call_own_item(void) {
    own_chain_old = new_ex();
    OK(on_other_thread(make_quit_child, NULL));
    atomic_store(&item_runs, 0);
    void *r = (void *)0x11;
    int64_t t0 = hard_now_ns();
    int rc = timed(ctexec_call(own_chain_quit, item_ok, NULL, &r), t0, SEC_NS, "call(own item)");
    OK(ctexec_run_ready(own_chain_old, 0, -1, NULL));
    CHECK(r == (void *)0x11 && atomic_load(&item_runs) == 0); /* cancelled: fn never ran */
    OK(ctexec_free(own_chain_quit));
    OK(ctexec_free(own_chain_old));
    return rc;
}

/* ---- the table ---------------------------------------------------------- */

/* ---- rows: embedding in a host loop --------------------------------------- */

static int c_fd_ex_null(void) {
    int fd = -7;
    int rc = ctexec_fd(NULL, &fd);
    CHECK(fd == -7);
    return rc;
}

static int c_fd_out_null(void) {
    ctexec *e = new_ex();
    int rc = ctexec_fd(e, NULL);
    OK(ctexec_free(e));
    return rc;
}

static int c_fd_freed(void) {
    int fd = -7;
    int rc = ctexec_fd(freed_ex(), &fd);
    CHECK(fd == -7);
    return rc;
}

static int c_fd_forged(void) { int fd; return ctexec_fd((ctexec *)0x1, &fd); }

/* ctexec_event_handle's rows hold on every platform; what it returns for a
 * live executor (a handle on Windows, EINVAL on POSIX) is tested in
 * tests/windows/test_windows.c and tests/core/test_embed.c. */
static int c_event_handle_ex_null(void) {
    void *h = &h;
    int rc = ctexec_event_handle(NULL, &h);
    CHECK(h == (void *)&h);
    return rc;
}

static int c_event_handle_out_null(void) {
    ctexec *e = new_ex();
    int rc = ctexec_event_handle(e, NULL);
    OK(ctexec_free(e));
    return rc;
}

static int c_event_handle_freed(void) {
    void *h = &h;
    int rc = ctexec_event_handle(freed_ex(), &h);
    CHECK(h == (void *)&h);
    return rc;
}

static int c_run_ready_ex_null(void) { return ctexec_run_ready(NULL, 0, -1, NULL); }

static int c_run_ready_freed(void) { return ctexec_run_ready(freed_ex(), 0, -1, NULL); }

struct ready_args {
    ctexec *ex;
};

static int run_ready_main(void *p) { return ctexec_run_ready(((struct ready_args *)p)->ex, 0, -1, NULL); }

static int c_run_ready_wrong_thread(void) {
    ctexec *e = new_ex();
    atomic_store(&item_runs, 0);
    OK(submit_other(e, item_ok, NULL, NULL));
    struct ready_args a = {e};
    int rc = on_other_thread(run_ready_main, &a);
    CHECK(atomic_load(&item_runs) == 0); /* still queued */
    EXPECT_RC(ctexec_run_ready(e, 0, -1, NULL), 0);
    CHECK(atomic_load(&item_runs) == 1);
    OK(ctexec_free(e));
    return rc;
}

static int run_ready_inside_item(void *arg, void **result) {
    (void)result;
    struct inside *in = arg;
    in->rc = ctexec_run_ready(in->ex, 0, -1, NULL);
    return 0;
}

static int c_run_ready_inside_run_until(void) {
    struct inside in = {new_ex(), 0};
    EXPECT_RC(run_item(in.ex, run_ready_inside_item, &in, NULL), CTEXEC_OK);
    return in.rc;
}

static int c_run_ready_inside_run_ready(void) {
    struct inside in = {new_ex(), 0};
    OK(submit_other(in.ex, run_ready_inside_item, &in, NULL));
    EXPECT_RC(ctexec_run_ready(in.ex, 0, -1, NULL), 0);
    OK(ctexec_free(in.ex));
    return in.rc;
}

/* Queues 3 items, runs them with the given budget, expects all to run. */
static int run_ready_budget(uint64_t max_items, int64_t max_ns) {
    ctexec *e = new_ex();
    atomic_store(&item_runs, 0);
    for (int i = 0; i < 3; i++) OK(submit_other(e, item_ok, NULL, NULL));
    int rc = ctexec_run_ready(e, max_items, max_ns, NULL);
    CHECK(atomic_load(&item_runs) == 3);
    OK(ctexec_free(e));
    return rc;
}

static int c_run_ready_ns_min(void) { return run_ready_budget(0, INT64_MIN); }
static int c_run_ready_ns_m1(void) { return run_ready_budget(0, -1); }
static int c_run_ready_items_max(void) { return run_ready_budget(UINT64_MAX, INT64_MAX); }

static int c_run_ready_after_quit(void) {
    ctexec *e = new_ex();
    ctexec_future p = done_promise();
    OK(ctexec_run_until(e, p));
    int rc = ctexec_run_ready(e, 0, -1, NULL);
    OK(ctexec_future_free(p));
    OK(ctexec_free(e));
    return rc;
}

static void noop_notify(ctexec *ex, void *ud) {
    (void)ex;
    (void)ud;
}

static int c_set_notify_ex_null(void) { return ctexec_set_notify(NULL, noop_notify, NULL); }
static int c_set_notify_freed(void) { return ctexec_set_notify(freed_ex(), noop_notify, NULL); }

static int c_set_notify_null_cb(void) {
    ctexec *e = new_ex();
    int rc = ctexec_set_notify(e, NULL, NULL);
    OK(ctexec_free(e));
    return rc;
}

static int notify_rc;
static void notify_sets_notify(ctexec *ex, void *ud) {
    (void)ud;
    notify_rc = ctexec_set_notify(ex, NULL, NULL);
}

static int c_set_notify_inside_notify(void) {
    ctexec *e = new_ex();
    notify_rc = 99;
    OK(ctexec_set_notify(e, notify_sets_notify, NULL));
    OK(submit_other(e, hard_noop_item, NULL, NULL));
    EXPECT_RC(ctexec_run_ready(e, 0, -1, NULL), 0);
    OK(ctexec_free(e));
    return notify_rc;
}

static ctexec *notify_other_ex;
static void notify_submits_elsewhere(ctexec *ex, void *ud) {
    (void)ex;
    (void)ud;
    notify_rc = ctexec_submit(notify_other_ex, item_ok, NULL, NULL);
}

static int c_notify_submits_to_other(void) {
    ctexec *e = new_ex();
    notify_other_ex = new_ex();
    notify_rc = 99;
    atomic_store(&item_runs, 0);
    OK(ctexec_set_notify(e, notify_submits_elsewhere, NULL));
    OK(submit_other(e, item_ok, NULL, NULL));
    EXPECT_RC(ctexec_run_ready(e, 0, -1, NULL), 0);
    EXPECT_RC(ctexec_run_ready(notify_other_ex, 0, -1, NULL), 0);
    CHECK(atomic_load(&item_runs) == 2);
    OK(ctexec_free(notify_other_ex));
    OK(ctexec_free(e));
    return notify_rc;
}


/* ---- options, bounded queues, statistics (issue 14) ---------------------- */

static ctexec_options opts_ok(void) {
    ctexec_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    return o;
}

/* ctexec_new_with with o; on success the executor is freed at once. */
static int new_with(const ctexec_options *o) {
    ctexec *e = NULL;
    int rc = ctexec_new_with(NULL, o, &e);
    if (rc == CTEXEC_OK) OK(ctexec_free(e));
    else CHECK(e == NULL);
    return rc;
}

static void stall_nop(ctexec *ex, int64_t age, void *ud) { (void)ex, (void)age, (void)ud; }

static int c_new_with_out_null(void) {
    ctexec_options o = opts_ok();
    return ctexec_new_with(NULL, &o, NULL);
}
static int c_new_with_opts_null(void) { return new_with(NULL); }
static int c_new_with_size_small(void) {
    ctexec_options o = opts_ok();
    o.size = sizeof o - 8;
    return new_with(&o);
}
static int c_new_with_size_zero(void) {
    ctexec_options o = opts_ok();
    o.size = 0;
    return new_with(&o);
}
static int c_new_with_flag_unknown(void) {
    ctexec_options o = opts_ok();
    o.flags = 0x80000000u;
    return new_with(&o);
}
static int c_new_with_when_full_unknown(void) {
    ctexec_options o = opts_ok();
    o.when_full = 7;
    return new_with(&o);
}
static int c_new_with_stall_negative(void) {
    ctexec_options o = opts_ok();
    o.stall_ns = -5;
    o.on_stall = stall_nop;
    return new_with(&o);
}
static int c_new_with_stall_no_callback(void) {
    ctexec_options o = opts_ok();
    o.stall_ns = 1000000;
    return new_with(&o);
}
static int c_new_with_all_set(void) {
    ctexec_options o = opts_ok();
    o.flags = CTEXEC_OPT_STATS;
    o.max_queued = UINT64_MAX;
    o.when_full = CTEXEC_FULL_FAIL;
    o.stall_ns = INT64_MAX;
    o.on_stall = stall_nop;
    return new_with(&o);
}
static int c_new_with_old_forged(void) {
    ctexec_options o = opts_ok();
    ctexec *e;
    return ctexec_new_with((ctexec *)0x40, &o, &e);
}

/* An executor bounded at 1 item, already holding one. */
static ctexec *full_ex(int when_full) {
    ctexec_options o = opts_ok();
    o.max_queued = 1;
    o.when_full = when_full;
    o.flags = CTEXEC_OPT_STATS;
    ctexec *e;
    OK(ctexec_new_with(NULL, &o, &e));
    OK(submit_other(e, item_ok, NULL, NULL));
    return e;
}

struct timeout_args {
    ctexec *ex;
    ctexec_fn fn;
    ctexec_future *out;
    int64_t timeout;
};

static int submit_timeout_main(void *p) {
    struct timeout_args *a = p;
    return ctexec_submit_timeout(a->ex, a->fn, NULL, a->out, a->timeout);
}

/* ctexec_submit_timeout from another thread; the executor is then run
 * empty, its items counted, and freed. */
static int submit_timeout_full(ctexec *e, int64_t timeout, ctexec_future *out) {
    struct timeout_args a = {e, item_ok, out, timeout};
    atomic_store(&item_runs, 0);
    int rc = on_other_thread(submit_timeout_main, &a);
    EXPECT_RC(ctexec_run_ready(e, 0, -1, NULL), 0);
    CHECK(atomic_load(&item_runs) == (rc == CTEXEC_OK ? 2 : 1));
    OK(ctexec_free(e));
    return rc;
}

static int c_submit_full_fail(void) {
    ctexec_future f = 7;
    int rc = submit_timeout_full(full_ex(CTEXEC_FULL_FAIL), -1, &f);
    CHECK(f == 7); /* no future created */
    return rc;
}
static int c_submit_timeout_full_zero(void) { return submit_timeout_full(full_ex(CTEXEC_FULL_BLOCK), 0, NULL); }
static int c_submit_timeout_full_1ms(void) {
    return submit_timeout_full(full_ex(CTEXEC_FULL_BLOCK), 1000000, NULL);
}
static int c_submit_timeout_full_fail_zero(void) { return submit_timeout_full(full_ex(CTEXEC_FULL_FAIL), 0, NULL); }
static int c_submit_timeout_int64_min(void) {
    ctexec *e = new_ex();
    struct timeout_args a = {e, item_ok, NULL, INT64_MIN};
    atomic_store(&item_runs, 0);
    int rc = on_other_thread(submit_timeout_main, &a);
    EXPECT_RC(ctexec_run_ready(e, 0, -1, NULL), 0);
    CHECK(atomic_load(&item_runs) == 1);
    OK(ctexec_free(e));
    return rc;
}
static int c_submit_timeout_ex_null(void) {
    struct timeout_args a = {NULL, item_ok, NULL, 0};
    return on_other_thread(submit_timeout_main, &a);
}
static int c_submit_timeout_fn_null(void) {
    ctexec *e = new_ex();
    struct timeout_args a = {e, NULL, NULL, 0};
    int rc = on_other_thread(submit_timeout_main, &a);
    OK(ctexec_free(e));
    return rc;
}
static int c_submit_timeout_freed(void) {
    struct timeout_args a = {freed_ex(), item_ok, NULL, 0};
    return on_other_thread(submit_timeout_main, &a);
}
static int c_submit_timeout_owner(void) {
    ctexec *e = new_ex();
    int rc = ctexec_submit_timeout(e, item_ok, NULL, NULL, 0);
    OK(ctexec_free(e));
    return rc;
}

static int stats_call(ctexec *e, uint32_t size) {
    ctexec_stats_t st;
    memset(&st, 0, sizeof st);
    st.size = size;
    return ctexec_stats(e, &st);
}
static int c_stats_out_null(void) {
    ctexec *e = new_ex();
    int rc = ctexec_stats(e, NULL);
    OK(ctexec_free(e));
    return rc;
}
static int c_stats_size_wrong(void) {
    ctexec *e = new_ex();
    int rc = stats_call(e, sizeof(ctexec_stats_t) - 8);
    OK(ctexec_free(e));
    return rc;
}
static int c_stats_freed(void) { return stats_call(freed_ex(), sizeof(ctexec_stats_t)); }
static int c_stats_forged(void) { return stats_call((ctexec *)0x1, sizeof(ctexec_stats_t)); }
static int c_stats_totals(void) { return stats_call(NULL, sizeof(ctexec_stats_t)); }
static int c_stats_no_stats(void) {
    ctexec *e = new_ex();
    int rc = stats_call(e, sizeof(ctexec_stats_t));
    OK(ctexec_free(e));
    return rc;
}

struct row {
    const char *call;
    const char *input;
    int want;
    int (*run)(void);
};

static const struct row rows[] = {
    /* NULL arguments */
    {"ctexec_new", "out = NULL", CTEXEC_EINVAL, c_new_out_null},
    {"ctexec_submit", "ex = NULL", CTEXEC_EINVAL, c_submit_ex_null},
    {"ctexec_submit", "fn = NULL (no future created)", CTEXEC_EINVAL, c_submit_fn_null},
    {"ctexec_run_until", "ex = NULL", CTEXEC_EINVAL, c_run_ex_null},
    {"ctexec_run_until_timeout", "ex = NULL", CTEXEC_EINVAL, c_run_timeout_ex_null},
    {"ctexec_free", "ex = NULL (harmless no-op)", CTEXEC_OK, c_free_null},
    {"ctexec_future_new", "out = NULL", CTEXEC_EINVAL, c_future_new_null},
    {"ctexec_future_add_done_callback", "cb = NULL", CTEXEC_EINVAL, c_add_cb_null},
    {"ctexec_live_counts", "out = NULL", CTEXEC_EINVAL, c_counts_null},
    {"ctexec_future_wait", "out_result = NULL (nullable)", CTEXEC_OK, c_wait_out_null},
    /* zero future handle */
    {"ctexec_future_set_result", "f = 0", CTEXEC_EBADHANDLE, c_set_result_zero},
    {"ctexec_future_set_error", "f = 0", CTEXEC_EBADHANDLE, c_set_error_zero},
    {"ctexec_future_cancel", "f = 0", CTEXEC_EBADHANDLE, c_cancel_zero},
    {"ctexec_future_done", "f = 0", CTEXEC_EBADHANDLE, c_done_zero},
    {"ctexec_future_wait", "f = 0, timeout -1", CTEXEC_EBADHANDLE, c_wait_zero},
    {"ctexec_future_add_done_callback", "f = 0", CTEXEC_EBADHANDLE, c_add_cb_zero},
    {"ctexec_future_free", "f = 0", CTEXEC_EBADHANDLE, c_future_free_zero},
    {"ctexec_run_until", "f = 0", CTEXEC_EBADHANDLE, c_run_future_zero},
    /* forged future handles */
    {"ctexec_future_wait", "f = 0xdeadbeef, timeout -1 (returns at once)", CTEXEC_EBADHANDLE, c_wait_forged},
    {"ctexec_future_free", "f = 0xdeadbeef", CTEXEC_EBADHANDLE, c_future_free_forged},
    {"ctexec_future_set_result", "f = UINT64_MAX", CTEXEC_EBADHANDLE, c_set_result_max},
    {"ctexec_future_cancel", "f = 1 << 63", CTEXEC_EBADHANDLE, c_cancel_high_bit},
    {"ctexec_future_done", "f = INT64_MAX", CTEXEC_EBADHANDLE, c_done_int64_max},
    {"ctexec_future_add_done_callback", "f = 0xdeadbeef", CTEXEC_EBADHANDLE, c_add_cb_forged},
    {"ctexec_future_set_error", "f = newest handle + 100000 (never issued)", CTEXEC_EBADHANDLE, c_set_error_unissued},
    {"ctexec_run_until_timeout", "f = 0xdeadbeef, timeout -1 (returns at once)", CTEXEC_EBADHANDLE, c_run_future_forged},
    /* an executor's handle passed as a future */
    {"ctexec_future_wait", "f = an executor's internal handle", CTEXEC_EBADHANDLE, c_wait_exec_handle},
    {"ctexec_future_set_result", "f = an executor's internal handle", CTEXEC_EBADHANDLE, c_set_result_exec_handle},
    {"ctexec_future_cancel", "f = an executor's internal handle", CTEXEC_EBADHANDLE, c_cancel_exec_handle},
    {"ctexec_future_add_done_callback", "f = an executor's internal handle", CTEXEC_EBADHANDLE, c_add_cb_exec_handle},
    {"ctexec_future_free", "f = an executor's internal handle (executor keeps working)", CTEXEC_EBADHANDLE, c_future_free_exec_handle},
    {"ctexec_run_until", "f = the same executor's own handle", CTEXEC_EBADHANDLE, c_run_own_exec_handle},
    /* forged executor pointers */
    {"ctexec_submit", "ex = (ctexec *)0x1", CTEXEC_EBADHANDLE, c_submit_ptr_1},
    {"ctexec_submit", "ex = (ctexec *)UINTPTR_MAX", CTEXEC_EBADHANDLE, c_submit_ptr_max},
    {"ctexec_submit", "ex = a live executor's pointer + 8", CTEXEC_EBADHANDLE, c_submit_interior},
    {"ctexec_free", "ex = a live executor's pointer - 8", CTEXEC_EBADHANDLE, c_free_interior},
    {"ctexec_run_until", "ex = a stack buffer shaped like struct ctexec", CTEXEC_EBADHANDLE, c_run_ptr_stack},
    {"ctexec_free", "ex = (ctexec *)0x1", CTEXEC_EBADHANDLE, c_free_ptr_1},
    {"ctexec_free", "ex = &stack_var (never written)", CTEXEC_EBADHANDLE, c_free_ptr_stack},
    {"ctexec_new", "old_executor = &stack_var (out untouched)", CTEXEC_EBADHANDLE, c_new_old_stack},
    {"ctexec_free", "ex = a byte copy of a live executor's struct", CTEXEC_EBADHANDLE, c_free_counterfeit},
    /* double free */
    {"ctexec_free", "executor freed twice", CTEXEC_EBADHANDLE, c_double_free_ex},
    {"ctexec_future_free", "promise freed twice", CTEXEC_EBADHANDLE, c_double_free_promise},
    {"ctexec_future_free", "submit's future freed twice", CTEXEC_EBADHANDLE, c_double_free_submit_future},
    /* use after free */
    {"ctexec_submit", "ex freed", CTEXEC_EBADHANDLE, c_uaf_submit},
    {"ctexec_run_until", "ex freed", CTEXEC_EBADHANDLE, c_uaf_run},
    {"ctexec_new", "old_executor freed", CTEXEC_EBADHANDLE, c_uaf_new_old},
    {"ctexec_future_wait", "f freed, timeout -1", CTEXEC_EBADHANDLE, c_uaf_wait},
    {"ctexec_future_set_result", "f freed", CTEXEC_EBADHANDLE, c_uaf_set_result},
    {"ctexec_future_cancel", "f freed", CTEXEC_EBADHANDLE, c_uaf_cancel},
    {"ctexec_future_done", "f freed", CTEXEC_EBADHANDLE, c_uaf_done},
    {"ctexec_future_add_done_callback", "f freed", CTEXEC_EBADHANDLE, c_uaf_add_cb},
    {"ctexec_run_until", "f freed", CTEXEC_EBADHANDLE, c_uaf_run_future},
    {"ctexec_future_set_result", "f freed, then 1000 new futures made (the slot is reused, the handle value never)", CTEXEC_EBADHANDLE, c_uaf_after_many_new},
    {"every call taking a future", "f freed, its slot reused by a newer future (1000 times; the newer one is untouched)", CTEXEC_EBADHANDLE, c_stale_after_reuse},
    {"every call taking a future", "f = 10^6 random 64-bit values, 10^4 live futures (none changes)", CTEXEC_EBADHANDLE, c_random_handles},
    {"every call taking a future", "f = every integer 1..10^5, 10^4 live futures (none changes)", CTEXEC_EBADHANDLE, c_small_int_handles},
    /* threads */
    {"ctexec_run_until", "called on a thread that is not the owner", CTEXEC_EWRONGTHREAD, c_run_wrong_thread},
    {"ctexec_run_until_timeout", "called on a thread that is not the owner", CTEXEC_EWRONGTHREAD, c_run_timeout_wrong_thread},
    {"ctexec_submit", "called on the owner thread (fn never runs, no future)", CTEXEC_ESAMETHREAD, c_submit_same_thread},
    /* re-entrancy, free while running */
    {"ctexec_run_until", "re-entered from a callback of the same executor", CTEXEC_EBUSY, c_reenter},
    {"ctexec_run_until_timeout", "re-entered from a callback, timeout 0", CTEXEC_EBUSY, c_reenter_timeout},
    {"ctexec_free", "from a callback of that executor (still usable)", CTEXEC_EBUSY, c_free_inside},
    {"ctexec_free", "from another thread while the owner runs it", CTEXEC_EBUSY, c_free_other_thread_running},
    /* quit */
    {"ctexec_run_until", "executor already quit (earlier run)", CTEXEC_EQUIT, c_run_after_quit},
    {"ctexec_submit", "executor quit, no old_executor", CTEXEC_EQUIT, c_submit_after_quit},
    /* set_error codes */
    {"ctexec_future_set_error", "code = 0 (promise stays pending)", CTEXEC_EINVAL, c_set_error_0},
    {"ctexec_future_set_error", "code = -1", CTEXEC_EINVAL, c_set_error_m1},
    {"ctexec_future_set_error", "code = INT_MIN", CTEXEC_EINVAL, c_set_error_intmin},
    {"ctexec_future_set_error", "code = CTEXEC_ECANCELLED", CTEXEC_EINVAL, c_set_error_ecancelled},
    /* completing twice */
    {"ctexec_future_set_result", "twice (first result stands)", CTEXEC_ESTATE, c_set_result_twice},
    {"ctexec_future_set_error", "after set_result", CTEXEC_ESTATE, c_set_error_after_result},
    {"ctexec_future_set_result", "after set_error", CTEXEC_ESTATE, c_set_result_after_error},
    {"ctexec_future_cancel", "after set_result", CTEXEC_ESTATE, c_cancel_after_result},
    {"ctexec_future_set_result", "after cancel", CTEXEC_ESTATE, c_set_result_after_cancel},
    {"ctexec_future_cancel", "twice", CTEXEC_ESTATE, c_cancel_twice},
    {"ctexec_future_cancel", "submit's future, item already ran", CTEXEC_ESTATE, c_cancel_after_ran},
    /* completing a submit's future by hand */
    {"ctexec_future_set_result", "a submit's future (item still runs)", CTEXEC_EINVAL, c_set_result_submit_future},
    {"ctexec_future_set_error", "a submit's future (item still runs)", CTEXEC_EINVAL, c_set_error_submit_future},
    /* timeouts */
    {"ctexec_future_wait", "timeout 0 on a pending future (out untouched)", CTEXEC_ETIMEDOUT, c_wait_poll_pending},
    {"ctexec_future_wait", "timeout 1 ns on a pending future", CTEXEC_ETIMEDOUT, c_wait_1ns_pending},
    {"ctexec_future_wait", "timeout -1, completed after 20 ms", CTEXEC_OK, c_wait_minus1},
    {"ctexec_future_wait", "timeout INT64_MAX (no overflow), completed after 20 ms", CTEXEC_OK, c_wait_int64_max},
    {"ctexec_future_wait", "timeout INT64_MAX - 1, completed after 20 ms", CTEXEC_OK, c_wait_int64_max_m1},
    {"ctexec_future_wait", "timeout INT64_MIN (forever), completed after 20 ms", CTEXEC_OK, c_wait_int64_min},
    {"ctexec_future_wait", "timeout INT64_MAX on a cancelled future (at once)", CTEXEC_ECANCELLED, c_wait_cancelled_int64_max},
    {"ctexec_run_until_timeout", "timeout INT64_MAX (no overflow), completed after 20 ms", CTEXEC_OK, c_run_int64_max},
    {"ctexec_run_until_timeout", "timeout -1 (forever), completed after 20 ms", CTEXEC_OK, c_run_minus1},
    {"ctexec_run_until_timeout", "timeout INT64_MIN (forever), completed after 20 ms", CTEXEC_OK, c_run_int64_min},
    {"ctexec_run_until_timeout", "timeout 1 ms, never completed (executor not quit)", CTEXEC_ETIMEDOUT, c_run_1ms_pending},
    {"ctexec_run_until_timeout", "timeout 0, pending (queued items ran)", CTEXEC_ETIMEDOUT, c_run_0_pending},
    {"ctexec_future_wait", "timeout 50 ms, pending (not before 50 ms)", CTEXEC_ETIMEDOUT, c_wait_50ms_not_early},
    {"ctexec_run_until_timeout", "timeout 50 ms, pending (not before 50 ms)", CTEXEC_ETIMEDOUT, c_run_50ms_not_early},
    /* ctexec_call */
    {"ctexec_call", "ex = NULL", CTEXEC_EINVAL, c_call_ex_null},
    {"ctexec_call", "fn = NULL", CTEXEC_EINVAL, c_call_fn_null},
    {"ctexec_call", "ex = (ctexec *)0x1 (out untouched)", CTEXEC_EBADHANDLE, c_call_forged},
    {"ctexec_call", "ex = a live executor's pointer + 8", CTEXEC_EBADHANDLE, c_call_interior},
    {"ctexec_call", "ex freed", CTEXEC_EBADHANDLE, c_call_freed},
    {"ctexec_call", "called on the owner thread (returns at once, fn never runs)", CTEXEC_ESAMETHREAD, c_call_same_thread},
    {"ctexec_call", "executor quit, no old_executor", CTEXEC_EQUIT, c_call_quit},
    {"ctexec_call", "fn returns -1 (result dropped)", CTEXEC_EINVAL, c_call_negative},
    {"ctexec_call", "fn returns host code 42", 42, c_call_host_code},
    {"ctexec_call", "valid call (result delivered)", CTEXEC_OK, c_call_ok},
    {"ctexec_call", "executor freed while the caller waits", CTEXEC_ECANCELLED, c_call_freed_while_waiting},
    /* callback return codes, seen through the item's future */
    {"ctexec_fn -> future_wait", "callback returns -1 (result dropped)", CTEXEC_EINVAL, c_cb_minus1},
    {"ctexec_fn -> future_wait", "callback returns INT_MIN", CTEXEC_EINVAL, c_cb_intmin},
    {"ctexec_fn -> future_wait", "callback returns CTEXEC_ECANCELLED", CTEXEC_EINVAL, c_cb_ecancelled},
    {"ctexec_fn -> future_wait", "callback returns host code 42", 42, c_cb_42},
    {"ctexec_fn -> future_wait", "callback returns INT_MAX", INT_MAX, c_cb_intmax},
    /* embedding in a host loop */
    {"ctexec_fd", "ex = NULL (out untouched)", CTEXEC_EINVAL, c_fd_ex_null},
    {"ctexec_fd", "out_fd = NULL", CTEXEC_EINVAL, c_fd_out_null},
    {"ctexec_fd", "ex freed (out untouched)", CTEXEC_EBADHANDLE, c_fd_freed},
    {"ctexec_fd", "ex = (ctexec *)0x1", CTEXEC_EBADHANDLE, c_fd_forged},
    {"ctexec_event_handle", "ex = NULL (out untouched)", CTEXEC_EINVAL, c_event_handle_ex_null},
    {"ctexec_event_handle", "out_handle = NULL", CTEXEC_EINVAL, c_event_handle_out_null},
    {"ctexec_event_handle", "ex freed (out untouched)", CTEXEC_EBADHANDLE, c_event_handle_freed},
    {"ctexec_run_ready", "ex = NULL", CTEXEC_EINVAL, c_run_ready_ex_null},
    {"ctexec_run_ready", "ex freed", CTEXEC_EBADHANDLE, c_run_ready_freed},
    {"ctexec_run_ready", "called on a thread that is not the owner (items stay queued)", CTEXEC_EWRONGTHREAD, c_run_ready_wrong_thread},
    {"ctexec_run_ready", "from a callback that run_until runs on that executor", CTEXEC_EBUSY, c_run_ready_inside_run_until},
    {"ctexec_run_ready", "from a callback that run_ready runs on that executor", CTEXEC_EBUSY, c_run_ready_inside_run_ready},
    {"ctexec_run_ready", "max_ns = INT64_MIN (no time limit: all 3 run, returns 0)", CTEXEC_OK, c_run_ready_ns_min},
    {"ctexec_run_ready", "max_ns = -1 (no time limit: all 3 run, returns 0)", CTEXEC_OK, c_run_ready_ns_m1},
    {"ctexec_run_ready", "max_items = UINT64_MAX, max_ns = INT64_MAX (all 3 run)", CTEXEC_OK, c_run_ready_items_max},
    {"ctexec_run_ready", "executor already quit (runs nothing, returns 0)", CTEXEC_OK, c_run_ready_after_quit},
    {"ctexec_set_notify", "ex = NULL", CTEXEC_EINVAL, c_set_notify_ex_null},
    {"ctexec_set_notify", "ex freed", CTEXEC_EBADHANDLE, c_set_notify_freed},
    {"ctexec_set_notify", "cb = NULL (removes; none was set)", CTEXEC_OK, c_set_notify_null_cb},
    {"ctexec_set_notify", "from inside that executor's notify callback", CTEXEC_EBUSY, c_set_notify_inside_notify},
    {"ctexec_submit", "from a notify callback, onto another executor (item runs)", CTEXEC_OK, c_notify_submits_to_other},
    {"ctexec_new_with", "out = NULL", CTEXEC_EINVAL, c_new_with_out_null},
    {"ctexec_new_with", "opts = NULL (ctexec_new's defaults)", CTEXEC_OK, c_new_with_opts_null},
    {"ctexec_new_with", "opts->size = sizeof - 8", CTEXEC_EINVAL, c_new_with_size_small},
    {"ctexec_new_with", "opts->size = 0", CTEXEC_EINVAL, c_new_with_size_zero},
    {"ctexec_new_with", "opts->flags has an unknown bit", CTEXEC_EINVAL, c_new_with_flag_unknown},
    {"ctexec_new_with", "opts->when_full = 7", CTEXEC_EINVAL, c_new_with_when_full_unknown},
    {"ctexec_new_with", "opts->stall_ns < 0", CTEXEC_EINVAL, c_new_with_stall_negative},
    {"ctexec_new_with", "opts->stall_ns > 0, on_stall = NULL", CTEXEC_EINVAL, c_new_with_stall_no_callback},
    {"ctexec_new_with", "every option at its largest", CTEXEC_OK, c_new_with_all_set},
    {"ctexec_new_with", "old_executor = (ctexec *)0x40", CTEXEC_EBADHANDLE, c_new_with_old_forged},
    {"ctexec_submit_timeout", "queue full, CTEXEC_FULL_FAIL (no future created)", CTEXEC_EAGAIN, c_submit_full_fail},
    {"ctexec_submit_timeout", "queue full, CTEXEC_FULL_BLOCK, timeout 0", CTEXEC_ETIMEDOUT, c_submit_timeout_full_zero},
    {"ctexec_submit_timeout", "queue full, CTEXEC_FULL_BLOCK, timeout 1 ms", CTEXEC_ETIMEDOUT, c_submit_timeout_full_1ms},
    {"ctexec_submit_timeout", "queue full, CTEXEC_FULL_FAIL, timeout 0", CTEXEC_EAGAIN, c_submit_timeout_full_fail_zero},
    {"ctexec_submit_timeout", "timeout INT64_MIN, unbounded (queued)", CTEXEC_OK, c_submit_timeout_int64_min},
    {"ctexec_submit_timeout", "ex = NULL", CTEXEC_EINVAL, c_submit_timeout_ex_null},
    {"ctexec_submit_timeout", "fn = NULL", CTEXEC_EINVAL, c_submit_timeout_fn_null},
    {"ctexec_submit_timeout", "ex freed", CTEXEC_EBADHANDLE, c_submit_timeout_freed},
    {"ctexec_submit_timeout", "called on the owner thread", CTEXEC_ESAMETHREAD, c_submit_timeout_owner},
    {"ctexec_stats", "out = NULL", CTEXEC_EINVAL, c_stats_out_null},
    {"ctexec_stats", "out->size = sizeof - 8", CTEXEC_EINVAL, c_stats_size_wrong},
    {"ctexec_stats", "ex freed", CTEXEC_EBADHANDLE, c_stats_freed},
    {"ctexec_stats", "ex = (ctexec *)0x1", CTEXEC_EBADHANDLE, c_stats_forged},
    {"ctexec_stats", "ex = NULL (process totals)", CTEXEC_OK, c_stats_totals},
    {"ctexec_stats", "executor made without CTEXEC_OPT_STATS", CTEXEC_OK, c_stats_no_stats},
    /* deadlocks */
    {"ctexec_future_wait", "timeout -1 on an item queued to an executor the caller owns (at once; still pending, runs once served)", CTEXEC_EDEADLK, c_wait_own_item},
    {"ctexec_future_wait", "timeout 0 (a poll is never checked) on an item queued to an executor the caller owns", CTEXEC_ETIMEDOUT, c_wait_own_item_poll},
    {"ctexec_call", "ex quit, its old_executor owned by the caller (at once; the item is cancelled, fn never runs)", CTEXEC_EDEADLK, c_call_own_item},
};

#define NROWS ((int)(sizeof rows / sizeof rows[0]))

static void status_text(int st, char *buf, size_t n) {
    if (st > 0) snprintf(buf, n, "%d (host code)", st);
    else snprintf(buf, n, "%s", hard_status_name(st));
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int markdown = argc > 1 && strcmp(argv[1], "--markdown") == 0;
    hard_watchdog(60);
    owner = pthread_self();
    (void)owner;
    ctexec_counts start = hard_counts();
    int failed = 0;
    if (markdown) {
        printf("| # | call | bad input | status |\n|---|---|---|---|\n");
    }
    for (int i = 0; i < NROWS; i++) {
        const struct row *r = &rows[i];
        int got = r->run();
        char want_s[40], got_s[40];
        status_text(r->want, want_s, sizeof want_s);
        status_text(got, got_s, sizeof got_s);
        if (markdown) {
            printf("| %d | `%s` | %s | `%s` |\n", i + 1, r->call, r->input, want_s);
        } else {
            printf("%-4s %2d  %-32s %-62s want %-20s got %s\n", got == r->want ? "ok" : "FAIL",
                   i + 1, r->call, r->input, want_s, got_s);
        }
        if (got != r->want) failed++;
    }
    hard_counts_back_to(start);
    printf("matrix: %d cases, %d failed\n", NROWS, failed);
    return failed ? 1 : 0;
}
