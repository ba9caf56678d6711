/* The bad-input matrix: waits that would deadlock. */
#include "matrix.h"

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

/* ---- the rows ------------------------------------------------------------ */

static const struct row deadlock_rows[] = {
    /* deadlocks */
    {"ctexec_future_wait", "timeout -1 on an item queued to an executor the caller owns (at once; still pending, runs once served)", CTEXEC_EDEADLK, c_wait_own_item},
    {"ctexec_future_wait", "timeout 0 (a poll is never checked) on an item queued to an executor the caller owns", CTEXEC_ETIMEDOUT, c_wait_own_item_poll},
    {"ctexec_call", "ex quit, its old_executor owned by the caller (at once; the item is cancelled, fn never runs)", CTEXEC_EDEADLK, c_call_own_item},
};
