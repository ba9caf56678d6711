/* The bad-input matrix: ctexec_submit_with's options and ctexec_is_owner
 * (include/ctexec.h, "Submit options"). Every refused submit_with calls
 * destroy once, on the calling thread, when destroy could be read: each
 * row checks that count too. */
#include "matrix.h"

static int sw_destroyed;
static void sw_destroy(void *arg) {
    (void)arg;
    sw_destroyed++;
}

/* ctexec_submit_with(e, o, fn) from the owner or another thread, with a
 * future; a success is run (or cancelled) and freed. want_destroy: the
 * count the call must leave. */
struct sw_args {
    ctexec *ex;
    const ctexec_submit_opts *o;
    ctexec_fn fn;
    ctexec_future *out;
};
static int sw_main(void *p) {
    struct sw_args *a = p;
    return ctexec_submit_with(a->ex, a->o, a->fn, NULL, a->out);
}
static int sw_call(ctexec *e, const ctexec_submit_opts *o, ctexec_fn fn, int other, int want_destroy) {
    sw_destroyed = 0;
    ctexec_future f = 0;
    struct sw_args a = {e, o, fn, &f};
    int rc = other ? on_other_thread(sw_main, &a) : sw_main(&a);
    if (rc == CTEXEC_OK) {
        ctexec_future_cancel(f); /* may have run inline already */
        OK(ctexec_future_free(f));
        want_destroy = 1;
    } else {
        CHECK(f == 0);
    }
    if (sw_destroyed != want_destroy) FAIL("destroy called %d times, want %d", sw_destroyed, want_destroy);
    return rc;
}
static ctexec_submit_opts sw_opts(uint32_t flags) {
    ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
    o.flags = flags;
    o.destroy = sw_destroy;
    return o;
}
static int sw_on_new(ctexec_submit_opts o, int other, int want_destroy) {
    ctexec *e = new_ex();
    int rc = sw_call(e, &o, item_ok, other, want_destroy);
    OK(ctexec_free(e));
    return rc;
}

static int c_sw_opts_null_owner(void) {
    ctexec *e = new_ex();
    int rc = sw_call(e, NULL, item_ok, 0, 0);
    OK(ctexec_free(e));
    return rc;
}
static int c_sw_size_zero(void) {
    ctexec_submit_opts o = sw_opts(CTEXEC_SUBMIT_POST);
    o.size = 0;
    return sw_on_new(o, 0, 0);
}
static int c_sw_size_small(void) {
    ctexec_submit_opts o = sw_opts(CTEXEC_SUBMIT_POST);
    o.size = 16;
    return sw_on_new(o, 0, 0);
}
static int c_sw_size_huge(void) {
    ctexec_submit_opts o = sw_opts(CTEXEC_SUBMIT_POST);
    o.size = 0xffffffffu;
    return sw_on_new(o, 0, 0);
}
static int c_sw_size_bigger_nonzero(void) {
    struct {
        ctexec_submit_opts o;
        uint64_t more;
    } b;
    memset(&b, 0, sizeof b);
    b.o = sw_opts(CTEXEC_SUBMIT_POST);
    b.o.size = sizeof b;
    b.more = 5;
    ctexec *e = new_ex();
    int rc = sw_call(e, &b.o, item_ok, 0, 1);
    OK(ctexec_free(e));
    return rc;
}
static int c_sw_flag_unknown(void) { return sw_on_new(sw_opts(0x100u), 1, 1); }
static int c_sw_dispatch_and_post(void) {
    return sw_on_new(sw_opts(CTEXEC_SUBMIT_DISPATCH | CTEXEC_SUBMIT_POST), 1, 1);
}
static int c_sw_delay_negative(void) {
    ctexec_submit_opts o = sw_opts(CTEXEC_SUBMIT_POST);
    o.delay_ns = INT64_MIN;
    return sw_on_new(o, 1, 1);
}
static int c_sw_ex_null(void) {
    ctexec_submit_opts o = sw_opts(0);
    return sw_call(NULL, &o, item_ok, 1, 1);
}
static int c_sw_fn_null(void) {
    ctexec_submit_opts o = sw_opts(CTEXEC_SUBMIT_URGENT);
    ctexec *e = new_ex();
    int rc = sw_call(e, &o, NULL, 1, 1);
    OK(ctexec_free(e));
    return rc;
}
static int c_sw_ex_freed(void) {
    ctexec_submit_opts o = sw_opts(CTEXEC_SUBMIT_URGENT);
    return sw_call(freed_ex(), &o, item_ok, 1, 1);
}
static int c_sw_ex_forged(void) {
    ctexec_submit_opts o = sw_opts(CTEXEC_SUBMIT_DISPATCH);
    return sw_call((ctexec *)0x1, &o, item_ok, 1, 1);
}
static int c_sw_owner_no_flag(void) { return sw_on_new(sw_opts(CTEXEC_SUBMIT_URGENT), 0, 1); }
static int c_sw_owner_post(void) { return sw_on_new(sw_opts(CTEXEC_SUBMIT_POST | CTEXEC_SUBMIT_URGENT), 0, 1); }
static int c_sw_owner_dispatch(void) { return sw_on_new(sw_opts(CTEXEC_SUBMIT_DISPATCH), 0, 1); }
static int c_sw_quit(void) {
    ctexec *e = new_ex();
    ctexec_future d;
    OK(ctexec_future_new(&d));
    OK(ctexec_future_set_result(d, NULL));
    OK(ctexec_run_until(e, d));
    OK(ctexec_future_free(d));
    ctexec_submit_opts o = sw_opts(CTEXEC_SUBMIT_URGENT);
    int rc = sw_call(e, &o, item_ok, 1, 1);
    OK(ctexec_free(e));
    return rc;
}
static int c_is_owner_null(void) { return ctexec_is_owner(NULL); }
static int c_is_owner_freed(void) { return ctexec_is_owner(freed_ex()); }
static int c_is_owner_forged(void) { return ctexec_is_owner((ctexec *)0x40); }

static const struct row submit_with_rows[] = {
    {"ctexec_submit_with", "opts = NULL, on the owner (plain submit)", CTEXEC_ESAMETHREAD, c_sw_opts_null_owner},
    {"ctexec_submit_with", "opts->size = 0", CTEXEC_EINVAL, c_sw_size_zero},
    {"ctexec_submit_with", "opts->size = 16 (below 24)", CTEXEC_EINVAL, c_sw_size_small},
    {"ctexec_submit_with", "opts->size = 0xffffffff", CTEXEC_EINVAL, c_sw_size_huge},
    {"ctexec_submit_with", "opts->size bigger, a byte past ours set", CTEXEC_EINVAL, c_sw_size_bigger_nonzero},
    {"ctexec_submit_with", "opts->flags has an unknown bit", CTEXEC_EINVAL, c_sw_flag_unknown},
    {"ctexec_submit_with", "DISPATCH | POST", CTEXEC_EINVAL, c_sw_dispatch_and_post},
    {"ctexec_submit_with", "delay_ns = INT64_MIN", CTEXEC_EINVAL, c_sw_delay_negative},
    {"ctexec_submit_with", "ex = NULL", CTEXEC_EINVAL, c_sw_ex_null},
    {"ctexec_submit_with", "fn = NULL", CTEXEC_EINVAL, c_sw_fn_null},
    {"ctexec_submit_with", "ex freed", CTEXEC_EBADHANDLE, c_sw_ex_freed},
    {"ctexec_submit_with", "ex = (ctexec *)0x1", CTEXEC_EBADHANDLE, c_sw_ex_forged},
    {"ctexec_submit_with", "URGENT on the owner, no DISPATCH or POST", CTEXEC_ESAMETHREAD, c_sw_owner_no_flag},
    {"ctexec_submit_with", "POST | URGENT on the owner (queued)", CTEXEC_OK, c_sw_owner_post},
    {"ctexec_submit_with", "DISPATCH on the owner (inline)", CTEXEC_OK, c_sw_owner_dispatch},
    {"ctexec_submit_with", "executor quit, no chain", CTEXEC_EQUIT, c_sw_quit},
    {"ctexec_is_owner", "ex = NULL", CTEXEC_EINVAL, c_is_owner_null},
    {"ctexec_is_owner", "ex freed", CTEXEC_EBADHANDLE, c_is_owner_freed},
    {"ctexec_is_owner", "ex = (ctexec *)0x40", CTEXEC_EBADHANDLE, c_is_owner_forged},
};
