/* The bad-input matrix: ctexec_new_with's options, bounded queues
 * (ctexec_submit_timeout) and statistics (ctexec_stats). */
#include "matrix.h"

/* ---- rows: options, bounded queues, statistics -------------------------- */

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
    o.size = 40; /* below the first released size, 48 */
    return new_with(&o);
}
static int c_new_with_size_0_2(void) {
    ctexec_options o = opts_ok();
    o.size = 48; /* 0.2.0's struct, without on_error */
    return new_with(&o);
}
static int c_new_with_size_bigger_nonzero(void) {
    struct {
        ctexec_options o;
        uint64_t more;
    } b;
    memset(&b, 0, sizeof b);
    b.o.size = sizeof b;
    b.more = 1;
    return new_with(&b.o);
}
static void err_nop(ctexec *ex, int code, void *ud) { (void)ex, (void)code, (void)ud; }
static int c_new_with_on_error(void) {
    ctexec_options o = opts_ok();
    o.on_error = err_nop;
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

/* ---- the rows ------------------------------------------------------------ */

static const struct row option_rows[] = {
    {"ctexec_new_with", "out = NULL", CTEXEC_EINVAL, c_new_with_out_null},
    {"ctexec_new_with", "opts = NULL (ctexec_new's defaults)", CTEXEC_OK, c_new_with_opts_null},
    {"ctexec_new_with", "opts->size = 40 (below 0.2.0's 48)", CTEXEC_EINVAL, c_new_with_size_small},
    {"ctexec_new_with", "opts->size = 48 (0.2.0's, no on_error)", CTEXEC_OK, c_new_with_size_0_2},
    {"ctexec_new_with", "opts->size bigger, a byte past ours set", CTEXEC_EINVAL, c_new_with_size_bigger_nonzero},
    {"ctexec_new_with", "opts->on_error set", CTEXEC_OK, c_new_with_on_error},
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
};
