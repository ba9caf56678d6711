/* The bad-input matrix: NULL arguments, zero, forged, stale and freed handles,
 * forged executor pointers, double free and use after free. */
#include "matrix.h"

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

/* ---- the rows ------------------------------------------------------------ */

static const struct row handle_rows[] = {
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
};
