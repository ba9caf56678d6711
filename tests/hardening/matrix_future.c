/* The bad-input matrix: completing futures (error codes, twice, a submit's
 * future by hand) and timeouts of waits and runs. */
#include "matrix.h"

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

/* ---- the rows ------------------------------------------------------------ */

static const struct row future_rows[] = {
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
};
