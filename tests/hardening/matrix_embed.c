/* The bad-input matrix: embedding in a host loop (ctexec_fd,
 * ctexec_event_handle, ctexec_run_ready, ctexec_set_notify). */
#include "matrix.h"

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

/* ---- the rows ------------------------------------------------------------ */

static const struct row embed_rows[] = {
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
};
