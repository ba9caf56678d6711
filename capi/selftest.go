//go:build ctexec_selftest

package main

/*
#include "shim.h"

static int selftest_item(void *arg, void **result) {
    *result = arg;
    return 0;
}

// Submits n items with a future from this thread, keeping up to window in
// flight, and waits for and frees each. Returns 0 or the first failure.
static int selftest_submit_wait_free(ctexec *ex, long n, int window) {
    ctexec_future fs[256];
    for (long done = 0; done < n;) {
        int k = n - done < window ? (int)(n - done) : window;
        for (int i = 0; i < k; i++) {
            int rc = ctexec_submit(ex, selftest_item, (void *)1, &fs[i]);
            if (rc != 0) return rc;
        }
        for (int i = 0; i < k; i++) {
            void *r = 0;
            int rc = ctexec_future_wait(fs[i], -1, &r);
            if (rc == 0) rc = ctexec_future_free(fs[i]);
            if (rc != 0 || r != (void *)1) return rc ? rc : -100;
        }
        done += k;
    }
    return 0;
}

static int selftest_call(ctexec *ex, long n) {
    for (long i = 0; i < n; i++) {
        void *r = 0;
        int rc = ctexec_call(ex, selftest_item, (void *)2, &r);
        if (rc != 0 || r != (void *)2) return rc ? rc : -100;
    }
    return 0;
}
*/
import "C"

// The self-test drives the public C entry points from Go, so that a Go
// test can read the Go runtime's own counters (allocations) while the C
// API does the work. Built only with -tags ctexec_selftest.

type selftestEx struct{ ex *C.ctexec }

func selftestNew() (selftestEx, int) {
	var ex *C.ctexec
	rc := int(C.ctexec_new(nil, &ex))
	return selftestEx{ex}, rc
}

func (s selftestEx) submitWaitFree(n int64, window int) int {
	return int(C.selftest_submit_wait_free(s.ex, C.long(n), C.int(window)))
}

func (s selftestEx) call(n int64) int { return int(C.selftest_call(s.ex, C.long(n))) }

func (s selftestEx) runUntil(f uint64) int {
	return int(C.ctexec_run_until(s.ex, C.ctexec_future(f)))
}

func (s selftestEx) free() int { return int(C.ctexec_free(s.ex)) }

func selftestPromise() (uint64, int) {
	var f C.ctexec_future
	rc := int(C.ctexec_future_new(&f))
	return uint64(f), rc
}

func selftestSetResult(f uint64) int { return int(C.ctexec_future_set_result(C.ctexec_future(f), nil)) }

func selftestFutureFree(f uint64) int { return int(C.ctexec_future_free(C.ctexec_future(f))) }
