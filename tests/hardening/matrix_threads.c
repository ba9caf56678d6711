/* The bad-input matrix: the wrong thread, the same thread, re-entrant runs,
 * frees while running, and executors that quit. */
#include "matrix.h"

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

/* ---- the rows ------------------------------------------------------------ */

static const struct row thread_rows[] = {
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
};
