/* The bad-input matrix: ctexec_call, and what a callback's return code
 * becomes. */
#include "matrix.h"

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

/* ---- the rows ------------------------------------------------------------ */

static const struct row call_rows[] = {
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
};
