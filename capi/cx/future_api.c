/* The entry points of include/ctexec.h for futures: each validates the
 * handle (cx_fut_lookup) and makes one of the transitions of future.c and
 * future_ext.c, or waits (wait.c). None enters Go. */
#include "shim.h"


int ctexec_future_new(ctexec_future *out) {
    CX_ENTER();
    if (out == NULL) return CTEXEC_EINVAL;
    CX_HOOK("future_new");
    uint32_t gen;
    cx_future *f = cx_fut_alloc(CX_FUT_HANDLE | CX_FUT_PROMISE, &gen);
    if (f == NULL) return CTEXEC_ENOMEM;
    __atomic_add_fetch(&cx_futures_live, 1, __ATOMIC_RELAXED);
    *out = cx_fut_handle(f, gen);
    return CTEXEC_OK;
}

/* set_result, set_error and cancel through a handle. */
static int cx_complete_handle(ctexec_future h, int kind, uintptr_t result, int code) {
    uint32_t gen;
    cx_future *f = cx_fut_lookup(h, &gen);
    if (f == NULL) return CTEXEC_EBADHANDLE;
    return cx_fut_complete(f, gen, kind, result, code);
}

int ctexec_future_set_result(ctexec_future h, void *result) {
    CX_ENTER();
    CX_HOOK("future_complete");
    return cx_complete_handle(h, CX_BY_PROMISE, (uintptr_t)result, CTEXEC_OK);
}

int ctexec_future_set_error(ctexec_future h, int code) {
    CX_ENTER();
    CX_HOOK("future_complete");
    if (code <= 0) { /* a bad handle is reported before a bad code */
        uint32_t gen;
        cx_future *f = cx_fut_lookup(h, &gen);
        return f != NULL && CX_LIVE(CX_LOAD(&f->state), gen) ? CTEXEC_EINVAL : CTEXEC_EBADHANDLE;
    }
    return cx_complete_handle(h, CX_BY_PROMISE, 0, code);
}

int ctexec_future_cancel(ctexec_future h) {
    CX_ENTER();
    CX_HOOK("future_cancel");
    uint32_t gen;
    cx_future *f = cx_fut_lookup(h, &gen);
    if (f == NULL) return CTEXEC_EBADHANDLE;
    int rc = cx_fut_complete(f, gen, CX_BY_CANCEL, 0, CTEXEC_ECANCELLED);
    if (rc == CTEXEC_OK) cx_fut_cancelled_destroy(f, gen); /* this cancel decided the outcome */
    return rc;
}

int ctexec_future_done(ctexec_future h) {
    CX_ENTER();
    CX_HOOK("future_done");
    uint32_t gen;
    cx_future *f = cx_fut_lookup(h, &gen);
    if (f == NULL) return CTEXEC_EBADHANDLE;
    uint32_t s = CX_LOAD(&f->state);
    if (!CX_LIVE(s, gen)) return CTEXEC_EBADHANDLE;
    return (s & CX_FUT_DONE) != 0;
}

int ctexec_future_wait(ctexec_future h, int64_t timeout_ns, void **out_result) {
    CX_ENTER();
    CX_HOOK("future_wait");
    uint32_t gen;
    cx_future *f = cx_fut_lookup(h, &gen);
    if (f == NULL) return CTEXEC_EBADHANDLE;
    uintptr_t r = 0;
    int rc = cx_fut_wait(f, gen, timeout_ns, &r, 0);
    if (rc == CTEXEC_OK && out_result != NULL) *out_result = (void *)r;
    return rc;
}

int ctexec_future_add_done_callback(ctexec_future h, ctexec_done_fn cb, void *userdata) {
    CX_ENTER();
    CX_HOOK("future_add_done_callback");
    if (cb == NULL) return CTEXEC_EINVAL;
    uint32_t gen;
    cx_future *f = cx_fut_lookup(h, &gen);
    if (f == NULL) return CTEXEC_EBADHANDLE;
    return cx_fut_add_done(f, gen, h, (uintptr_t)cb, (uintptr_t)userdata);
}

int ctexec_future_free(ctexec_future h) {
    CX_ENTER();
    CX_HOOK("future_free");
    uint32_t gen;
    cx_future *f = cx_fut_lookup(h, &gen);
    if (f == NULL) return CTEXEC_EBADHANDLE;
    int rc = cx_fut_free(f, gen);
    if (rc == CTEXEC_OK) __atomic_sub_fetch(&cx_futures_live, 1, __ATOMIC_RELAXED);
    return rc;
}
