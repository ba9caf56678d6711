//go:build ctexec_selftest

package main

/*
#include <pthread.h>
#include <stdlib.h>
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

// A thread that Go has never seen (a plain pthread) does what a host's
// worker thread does against a running owner: submit without and with a
// future, wait, free, ctexec_call, cancel, complete a promise with done
// callbacks, submit a burst that grows the queue, submit timers (one that
// fires, one cancelled, with destroy) and read next_deadline, and complete
// the promise the owner's run is watching, with a done callback. It counts its own entries into Go (cx_go_entries).
typedef struct selftest_foreign {
    ctexec *ex;
    ctexec_future stop; // the owner runs until it
    int rc;             // the first failure, or 0
    int step;           // where it failed
    int cbs;            // done callbacks run
    uint64_t entries;   // entries into Go
    int gate;           // selftest_hold holds the owner until it is set
    pthread_t th;
} selftest_foreign;

static int selftest_hold(void *arg, void **result) {
    (void)result;
    while (!__atomic_load_n((int *)arg, __ATOMIC_ACQUIRE)) cx_relax();
    return 0;
}

static void selftest_cb(ctexec_future f, void *ud) {
    (void)f;
    __atomic_add_fetch((int *)ud, 1, __ATOMIC_SEQ_CST);
}

static void selftest_count_destroy(void *arg) { __atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST); }

#define SELFTEST_TRY(n, call)        \
    do {                             \
        int rc_ = (call);            \
        if (rc_ != 0) {              \
            x->rc = rc_;             \
            x->step = (n);           \
            goto out;                \
        }                            \
    } while (0)

static void selftest_destroy(void *arg) { (void)arg; }

static void *selftest_foreign_main(void *p) {
    selftest_foreign *x = p;
    uint64_t before = cx_go_entries;
    ctexec_future f, g;
    void *r = 0;
    SELFTEST_TRY(1, ctexec_submit(x->ex, selftest_item, (void *)1, NULL));
    SELFTEST_TRY(2, ctexec_submit(x->ex, selftest_item, (void *)1, &f));
    SELFTEST_TRY(3, ctexec_future_wait(f, -1, &r)); // the run is on now
    SELFTEST_TRY(4, ctexec_future_free(f));
    SELFTEST_TRY(5, ctexec_call(x->ex, selftest_item, (void *)2, &r));
    for (int i = 0; i < 64; i++) { // many, so that some are cancelled
        SELFTEST_TRY(6, ctexec_submit(x->ex, selftest_item, (void *)1, &f));
        int rc = ctexec_future_cancel(f);
        if (rc != 0 && rc != CTEXEC_ESTATE) SELFTEST_TRY(7, rc);
        rc = ctexec_future_wait(f, -1, &r);
        if (rc != 0 && rc != CTEXEC_ECANCELLED) SELFTEST_TRY(8, rc);
        SELFTEST_TRY(9, ctexec_future_free(f));
    }
    // Submit options: destroy, urgent, dispatch and post from a thread
    // that is not the owner (queued), a cancel that calls destroy.
    for (int i = 0; i < 64; i++) {
        ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
        o.flags = (i & 1 ? CTEXEC_SUBMIT_URGENT : 0) | (i & 2 ? CTEXEC_SUBMIT_DISPATCH : CTEXEC_SUBMIT_POST);
        o.destroy = selftest_destroy;
        SELFTEST_TRY(20, ctexec_submit_with(x->ex, &o, selftest_item, (void *)1, i & 4 ? NULL : &f));
        if (i & 4) continue;
        int rc = ctexec_future_cancel(f);
        if (rc != 0 && rc != CTEXEC_ESTATE) SELFTEST_TRY(21, rc);
        rc = ctexec_future_wait(f, -1, &r);
        if (rc != 0 && rc != CTEXEC_ECANCELLED) SELFTEST_TRY(22, rc);
        SELFTEST_TRY(23, ctexec_future_free(f));
    }
    SELFTEST_TRY(24, ctexec_is_owner(x->ex));
    SELFTEST_TRY(10, ctexec_future_new(&g));
    SELFTEST_TRY(11, ctexec_future_add_done_callback(g, selftest_cb, &x->cbs));
    SELFTEST_TRY(12, ctexec_future_set_result(g, (void *)3));
    SELFTEST_TRY(13, ctexec_future_wait(g, -1, &r));
    SELFTEST_TRY(14, ctexec_future_free(g));
    // A burst while the owner is held up in an item: the queue grows past
    // its chunk (CX_CHUNK_LEN entries) in C.
    SELFTEST_TRY(17, ctexec_submit(x->ex, selftest_hold, &x->gate, NULL));
    for (int i = 0; i < 3 * CX_CHUNK_LEN; i++)
        SELFTEST_TRY(18, ctexec_submit(x->ex, selftest_item, (void *)1, NULL));
    __atomic_store_n(&x->gate, 1, __ATOMIC_RELEASE);
    SELFTEST_TRY(19, ctexec_call(x->ex, selftest_item, (void *)2, &r));
    // Timers: one that fires (the owner sleeps towards it and runs it),
    // one with destroy cancelled before its deadline, and next_deadline.
    {
        ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
        o.delay_ns = 1000000;
        int64_t ns;
        SELFTEST_TRY(30, ctexec_submit_with(x->ex, &o, selftest_item, (void *)1, &f));
        SELFTEST_TRY(31, ctexec_future_wait(f, -1, &r));
        SELFTEST_TRY(32, ctexec_future_free(f));
        o.delay_ns = 60000000000LL;
        o.destroy = selftest_count_destroy;
        SELFTEST_TRY(33, ctexec_submit_with(x->ex, &o, selftest_item, &x->cbs, &f));
        SELFTEST_TRY(34, ctexec_next_deadline(x->ex, &ns));
        SELFTEST_TRY(35, ctexec_future_cancel(f));
        SELFTEST_TRY(36, ctexec_future_free(f));
    }
    SELFTEST_TRY(15, ctexec_future_add_done_callback(x->stop, selftest_cb, &x->cbs));
    SELFTEST_TRY(16, ctexec_future_set_result(x->stop, NULL));
out:
    x->entries = cx_go_entries - before;
    if (x->rc != 0) { // let the owner go
        __atomic_store_n(&x->gate, 1, __ATOMIC_RELEASE);
        ctexec_future_set_result(x->stop, NULL);
    }
    return NULL;
}

// A thread that Go has never seen submits to a full bounded queue that
// blocks: it waits for room in C, without entering Go. The owner is held
// in an item while the thread fills the bound; a second thread opens the
// gate after pause_ns, so the next submit must wait at least that long.
typedef struct selftest_room {
    ctexec *ex;
    ctexec_future stop; // the owner runs until it
    long n, bound;      // items to submit after the bound is full; max_queued
    int64_t pause_ns;
    int rc, step;
    int held, gate;
    int64_t waited_ns; // how long the first submit past the bound took
    uint64_t entries;  // entries into Go
    pthread_t th, opener;
} selftest_room;

static int selftest_room_hold(void *arg, void **result) {
    (void)result;
    selftest_room *x = arg;
    __atomic_store_n(&x->held, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&x->gate, __ATOMIC_ACQUIRE)) cx_relax();
    return 0;
}

static void *selftest_room_opener(void *p) {
    selftest_room *x = p;
    cx_sleep_ns(x->pause_ns);
    __atomic_store_n(&x->gate, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void *selftest_room_main(void *p) {
    selftest_room *x = p;
    uint64_t before = cx_go_entries;
    int opened = 0;
    SELFTEST_TRY(1, ctexec_submit(x->ex, selftest_room_hold, x, NULL));
    while (!__atomic_load_n(&x->held, __ATOMIC_ACQUIRE)) cx_relax();
    for (long i = 0; i < x->bound; i++) SELFTEST_TRY(2, ctexec_submit(x->ex, selftest_item, (void *)1, NULL));
    // t0 before the opener exists: its pause starts after t0, so a loaded
    // machine that stalls this thread cannot shorten the measured wait (it
    // did: t0 taken after pthread_create measured 2 us to 0.9 ms).
    int64_t t0 = cx_now();
    SELFTEST_TRY(3, pthread_create(&x->opener, NULL, selftest_room_opener, x));
    opened = 1;
    SELFTEST_TRY(4, ctexec_submit(x->ex, selftest_item, (void *)1, NULL));
    x->waited_ns = cx_now() - t0;
    for (long i = 0; i < x->n; i++) {
        ctexec_future f;
        void *r = 0;
        if (i % 8 != 0) {
            SELFTEST_TRY(5, ctexec_submit(x->ex, selftest_item, (void *)1, NULL));
            continue;
        }
        SELFTEST_TRY(6, ctexec_submit(x->ex, selftest_item, (void *)1, &f));
        SELFTEST_TRY(7, ctexec_future_wait(f, -1, &r));
        SELFTEST_TRY(8, ctexec_future_free(f));
    }
out:
    x->entries = cx_go_entries - before;
    __atomic_store_n(&x->gate, 1, __ATOMIC_RELEASE);
    if (opened) pthread_join(x->opener, NULL);
    ctexec_future_set_result(x->stop, NULL);
    return NULL;
}

static int selftest_room_start(selftest_room *x) { return pthread_create(&x->th, NULL, selftest_room_main, x); }
static void selftest_room_join(selftest_room *x) { pthread_join(x->th, NULL); }

static int selftest_new_bounded(uint64_t max, ctexec **out) {
    ctexec_options o = CTEXEC_OPTIONS_INIT;
    o.max_queued = max;
    o.when_full = CTEXEC_FULL_BLOCK;
    return ctexec_new_with(NULL, &o, out);
}

static int selftest_foreign_start(selftest_foreign *x) {
    return pthread_create(&x->th, NULL, selftest_foreign_main, x);
}

static void selftest_foreign_join(selftest_foreign *x) { pthread_join(x->th, NULL); }

// ctexec_run_until, counting the calling (owner) thread's entries into Go.
static int selftest_run_counting(ctexec *ex, ctexec_future stop, uint64_t *entries, uint64_t *hands) {
    uint64_t before = cx_go_entries, hands_before = cx_hands_run;
    int rc = ctexec_run_until(ex, stop);
    *entries = cx_go_entries - before;
    *hands = cx_hands_run - hands_before;
    return rc;
}
*/
import "C"

import "unsafe"

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

// runUntilCounting is runUntil, with the owner thread's entries into Go
// during the run and the items it ran from the hand-off cell
// (capi/cx/shared.h, "hand-off").
func (s selftestEx) runUntilCounting(f uint64) (rc int, entries, hands uint64) {
	var n, h C.uint64_t
	rc = int(C.selftest_run_counting(s.ex, C.ctexec_future(f), &n, &h))
	return rc, uint64(n), uint64(h)
}

func selftestPromise() (uint64, int) {
	var f C.ctexec_future
	rc := int(C.ctexec_future_new(&f))
	return uint64(f), rc
}

func selftestSetResult(f uint64) int { return int(C.ctexec_future_set_result(C.ctexec_future(f), nil)) }

func selftestFutureFree(f uint64) int { return int(C.ctexec_future_free(C.ctexec_future(f))) }

// foreignThread runs selftest_foreign_main on a new pthread against ex,
// whose owner must run until stop; join waits for it.
type foreignThread struct{ x *C.selftest_foreign }

func startForeign(ex selftestEx, stop uint64) (foreignThread, int) {
	x := (*C.selftest_foreign)(C.calloc(1, C.sizeof_selftest_foreign))
	x.ex, x.stop = ex.ex, C.ctexec_future(stop)
	return foreignThread{x}, int(C.selftest_foreign_start(x))
}

// join returns the thread's first failure and its step (0, 0: none), the
// done callbacks it saw run, and its entries into Go.
func (t foreignThread) join() (rc, step, cbs int, entries uint64) {
	C.selftest_foreign_join(t.x)
	rc, step, cbs, entries = int(t.x.rc), int(t.x.step), int(t.x.cbs), uint64(t.x.entries)
	C.free(unsafe.Pointer(t.x))
	return
}

func selftestNewBounded(max uint64) (selftestEx, int) {
	var ex *C.ctexec
	rc := int(C.selftest_new_bounded(C.uint64_t(max), &ex))
	return selftestEx{ex}, rc
}

// roomThread runs selftest_room_main on a new pthread against ex, a
// bounded executor whose owner must run until stop.
type roomThread struct{ x *C.selftest_room }

func startRoom(ex selftestEx, stop uint64, bound, n int, pauseNs int64) (roomThread, int) {
	x := (*C.selftest_room)(C.calloc(1, C.sizeof_selftest_room))
	x.ex, x.stop = ex.ex, C.ctexec_future(stop)
	x.bound, x.n, x.pause_ns = C.long(bound), C.long(n), C.int64_t(pauseNs)
	return roomThread{x}, int(C.selftest_room_start(x))
}

// join returns the thread's first failure and its step, how long its
// first submit past the bound took, and its entries into Go.
func (t roomThread) join() (rc, step int, waitedNs int64, entries uint64) {
	C.selftest_room_join(t.x)
	rc, step, waitedNs, entries = int(t.x.rc), int(t.x.step), int64(t.x.waited_ns), uint64(t.x.entries)
	C.free(unsafe.Pointer(t.x))
	return
}
