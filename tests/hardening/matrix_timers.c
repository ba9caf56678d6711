/* The bad-input matrix: timers (ctexec_submit_with's delay_ns,
 * ctexec_next_deadline). Every refused timer submit calls destroy once and
 * leaves the out future untouched. */
#include "matrix.h"

static atomic_int timer_destroys;
static void timer_destroy(void *arg) {
    (void)arg;
    atomic_fetch_add(&timer_destroys, 1);
}

/* A timer submit on ex with delay; checks destroy ran once and *out kept. */
static int timer_refused(ctexec *ex, int64_t delay, ctexec_fn fn) {
    ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
    o.delay_ns = delay;
    o.destroy = timer_destroy;
    ctexec_future f = 77;
    atomic_store(&timer_destroys, 0);
    int rc = ctexec_submit_with(ex, &o, fn, NULL, &f);
    CHECK(rc == CTEXEC_OK || (f == 77 && atomic_load(&timer_destroys) == 1));
    if (rc == CTEXEC_OK) OK(ctexec_future_free(f));
    return rc;
}

static int c_timer_delay_minus_one(void) {
    ctexec *e = new_ex();
    int rc = timer_refused(e, -1, item_ok);
    OK(ctexec_free(e));
    return rc;
}

static int c_timer_fn_null(void) {
    ctexec *e = new_ex();
    int rc = timer_refused(e, 1000000, NULL);
    OK(ctexec_free(e));
    return rc;
}

static int c_timer_ex_freed(void) { return timer_refused(freed_ex(), 1000000, item_ok); }

static int c_timer_ex_forged(void) { return timer_refused((ctexec *)0x1, 1000000, item_ok); }

/* ex quit and no executor down its chain is left: CTEXEC_EQUIT. */
static int c_timer_chain_quit(void) {
    ctexec *e = new_ex();
    ctexec_future d = done_promise();
    OK(ctexec_run_until(e, d));
    OK(ctexec_future_free(d));
    int rc = timer_refused(e, 1000000, item_ok);
    OK(ctexec_free(e));
    return rc;
}

/* INT64_MAX is a valid delay (never due in practice): accepted, and
 * ctexec_free discards it. */
static int c_timer_delay_max(void) {
    ctexec *e = new_ex();
    int rc = timer_refused(e, INT64_MAX, item_ok);
    int64_t ns = 0;
    OK(ctexec_next_deadline(e, &ns));
    CHECK(ns > 0);
    OK(ctexec_free(e));
    return rc;
}

static int c_next_deadline_ex_null(void) {
    int64_t ns = 7;
    int rc = ctexec_next_deadline(NULL, &ns);
    CHECK(ns == 7);
    return rc;
}

static int c_next_deadline_out_null(void) {
    ctexec *e = new_ex();
    int rc = ctexec_next_deadline(e, NULL);
    OK(ctexec_free(e));
    return rc;
}

static int c_next_deadline_freed(void) {
    int64_t ns = 7;
    int rc = ctexec_next_deadline(freed_ex(), &ns);
    CHECK(ns == 7);
    return rc;
}

static int c_next_deadline_forged(void) {
    int64_t ns = 7;
    int rc = ctexec_next_deadline((ctexec *)0x1, &ns);
    CHECK(ns == 7);
    return rc;
}

static const struct row timer_rows[] = {
    /* timers */
    {"ctexec_submit_with", "delay_ns = -1 (destroy once, out untouched)", CTEXEC_EINVAL, c_timer_delay_minus_one},
    {"ctexec_submit_with", "delay_ns > 0, fn = NULL", CTEXEC_EINVAL, c_timer_fn_null},
    {"ctexec_submit_with", "delay_ns > 0, ex freed", CTEXEC_EBADHANDLE, c_timer_ex_freed},
    {"ctexec_submit_with", "delay_ns > 0, ex = (ctexec *)0x1", CTEXEC_EBADHANDLE, c_timer_ex_forged},
    {"ctexec_submit_with", "delay_ns > 0, ex quit, no executor down its chain", CTEXEC_EQUIT, c_timer_chain_quit},
    {"ctexec_submit_with", "delay_ns = INT64_MAX (accepted; free discards it)", CTEXEC_OK, c_timer_delay_max},
    {"ctexec_next_deadline", "ex = NULL (out untouched)", CTEXEC_EINVAL, c_next_deadline_ex_null},
    {"ctexec_next_deadline", "out_ns = NULL", CTEXEC_EINVAL, c_next_deadline_out_null},
    {"ctexec_next_deadline", "ex freed (out untouched)", CTEXEC_EBADHANDLE, c_next_deadline_freed},
    {"ctexec_next_deadline", "ex = (ctexec *)0x1 (out untouched)", CTEXEC_EBADHANDLE, c_next_deadline_forged},
};
