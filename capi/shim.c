/* The public entry points. Each checks, in C, the two states in which Go
 * must not be entered (a forked child, where the Go runtime is dead, and
 * after a panic), captures the caller's thread identity, and passes every
 * pointer to Go as an integer: a forged pointer or a small integer in a Go
 * pointer-typed slot is fatal to the Go runtime when it copies a stack. */
#include <pthread.h>
#include <stddef.h>
#include "shim.h"
#include "_cgo_export.h"

volatile int cx_forked;
volatile int cx_poisoned;

static void cx_on_fork_child(void) { cx_forked = 1; }

__attribute__((constructor)) static void cx_init(void) {
    pthread_atfork(NULL, NULL, cx_on_fork_child);
}

#define CX_ENTER()                              \
    do {                                        \
        if (cx_forked) return CTEXEC_EFORK;     \
        if (cx_poisoned) return CTEXEC_EPANIC;  \
    } while (0)

static uint64_t cx_self(void) { return (uint64_t)pthread_self(); }

cx_outcome cx_call(uintptr_t fn, uintptr_t arg) {
    void *result = NULL;
    cx_outcome o;
    o.rc = ((ctexec_fn)fn)((void *)arg, &result);
    o.result = (uintptr_t)result;
    return o;
}

void cx_done(uintptr_t cb, uint64_t f, uintptr_t userdata) {
    ((ctexec_done_fn)cb)(f, (void *)userdata);
}

int ctexec_new(ctexec *old_executor, ctexec **out) {
    CX_ENTER();
    if (out == NULL) return CTEXEC_EINVAL;
    uintptr_t ex = 0;
    int rc = ctexecgo_new((uintptr_t)old_executor, cx_self(), &ex);
    if (rc == CTEXEC_OK) *out = (ctexec *)ex;
    return rc;
}

int ctexec_submit(ctexec *ex, ctexec_fn fn, void *arg, ctexec_future *out_future) {
    CX_ENTER();
    if (ex == NULL || fn == NULL) return CTEXEC_EINVAL;
    uint64_t f = 0;
    int rc = ctexecgo_submit((uintptr_t)ex, (uintptr_t)fn, (uintptr_t)arg,
                             out_future != NULL, cx_self(), &f);
    if (rc == CTEXEC_OK && out_future != NULL) *out_future = f;
    return rc;
}

int ctexec_run_until(ctexec *ex, ctexec_future f) {
    return ctexec_run_until_timeout(ex, f, -1);
}

int ctexec_run_until_timeout(ctexec *ex, ctexec_future f, int64_t timeout_ns) {
    CX_ENTER();
    if (ex == NULL) return CTEXEC_EINVAL;
    return ctexecgo_run_until((uintptr_t)ex, f, timeout_ns, cx_self());
}

int ctexec_free(ctexec *ex) {
    CX_ENTER();
    if (ex == NULL) return CTEXEC_OK;
    return ctexecgo_free((uintptr_t)ex);
}

int ctexec_future_new(ctexec_future *out) {
    CX_ENTER();
    if (out == NULL) return CTEXEC_EINVAL;
    uint64_t f = 0;
    int rc = ctexecgo_future_new(&f);
    if (rc == CTEXEC_OK) *out = f;
    return rc;
}

int ctexec_future_set_result(ctexec_future f, void *result) {
    CX_ENTER();
    return ctexecgo_future_complete(f, (uintptr_t)result, 0, 0);
}

int ctexec_future_set_error(ctexec_future f, int code) {
    CX_ENTER();
    return ctexecgo_future_complete(f, 0, 1, code);
}

int ctexec_future_cancel(ctexec_future f) {
    CX_ENTER();
    return ctexecgo_future_cancel(f);
}

int ctexec_future_done(ctexec_future f) {
    CX_ENTER();
    return ctexecgo_future_done(f);
}

int ctexec_future_wait(ctexec_future f, int64_t timeout_ns, void **out_result) {
    CX_ENTER();
    uintptr_t r = 0;
    int rc = ctexecgo_future_wait(f, timeout_ns, &r);
    if (rc == CTEXEC_OK && out_result != NULL) *out_result = (void *)r;
    return rc;
}

int ctexec_future_add_done_callback(ctexec_future f, ctexec_done_fn cb, void *userdata) {
    CX_ENTER();
    if (cb == NULL) return CTEXEC_EINVAL;
    return ctexecgo_future_add_done_callback(f, (uintptr_t)cb, (uintptr_t)userdata);
}

int ctexec_future_free(ctexec_future f) {
    CX_ENTER();
    return ctexecgo_future_free(f);
}

int ctexec_live_counts(ctexec_counts *out) {
    CX_ENTER();
    if (out == NULL) return CTEXEC_EINVAL;
    return ctexecgo_live_counts(&out->executors, &out->futures, &out->queued);
}

unsigned ctexec_version(void) { return CTEXEC_VERSION_NUMBER; }

const char *ctexec_strerror(int status) {
    if (status > 0) return "host error";
    switch (status) {
    case CTEXEC_OK: return "success";
    case CTEXEC_EINVAL: return "invalid argument";
    case CTEXEC_EBADHANDLE: return "unknown, freed or forged executor or future";
    case CTEXEC_EWRONGTHREAD: return "You cannot run CurrentThreadExecutor from a different thread";
    case CTEXEC_ESAMETHREAD: return "You cannot submit onto CurrentThreadExecutor from its own thread";
    case CTEXEC_EQUIT: return "CurrentThreadExecutor already quit or is broken";
    case CTEXEC_EBUSY: return "executor is running";
    case CTEXEC_ECANCELLED: return "cancelled";
    case CTEXEC_ETIMEDOUT: return "timed out";
    case CTEXEC_ESTATE: return "future already completed or started";
    case CTEXEC_EFORK: return "called in a process forked after the library was loaded";
    case CTEXEC_EPANIC: return "internal panic earlier; the library refuses calls";
    case CTEXEC_ENOMEM: return "out of memory";
    default: return "unknown error";
    }
}
