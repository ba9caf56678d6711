/* Callbacks into Go code that Go callers register: only Go programs that
 * use the core directly (the tests of package executor) do. The shipped
 * library never registers one, so no thread enters Go through these there.
 *
 * A Go item is an entry {cx_go_item, arg}: the batch runner calls it as it
 * calls any ctexec_fn, and it hands arg to the Go runner of the batch in
 * progress on this thread (cx_run_batch_go, cx_run_urgent_go set it; runs
 * nest, so each restores the one before). */
#include "shim.h"
#include "_cgo_export.h"

void cx_go_done_trampoline(ctexec_future f, void *ud) {
    (void)f;
    cxgo_done((uintptr_t)ud);
}

static __thread uintptr_t cx_go_runner;

int cx_go_item(void *arg, void **result) {
    uintptr_t r = 0;
    int rc = cxgo_item(cx_go_runner, (uintptr_t)arg, &r);
    *result = (void *)r;
    return rc;
}

cx_batch_stop cx_run_batch_go(uintptr_t runner, cx_ingress *in, int lanes, const cx_entry *e, size_t n,
                              cx_counters *cnt) {
    uintptr_t prev = cx_go_runner;
    cx_go_runner = runner;
    cx_batch_stop st = cx_run_batch(in, lanes, e, n, cnt);
    cx_go_runner = prev;
    return st;
}

uint64_t cx_run_urgent_go(uintptr_t runner, cx_ingress *in, cx_counters *cnt, uint64_t max) {
    uintptr_t prev = cx_go_runner;
    cx_go_runner = runner;
    uint64_t n = cx_run_urgent(in, cnt, max);
    cx_go_runner = prev;
    return n;
}
