/* The public entry points for executors. Each checks, in C, the two
 * states in which Go must not be entered (a forked child, where the Go
 * runtime is dead, and after a panic), validates executor pointers against
 * the slab, captures the caller's thread identity, and passes every
 * pointer to Go as an integer: a forged pointer or a small integer in a Go
 * pointer-typed slot is fatal to the Go runtime when it copies a stack.
 *
 * Submits take a fast path that never enters Go: a C→Go call costs
 * 50–160 ns here, more than the rest of a submit. It appends to the
 * executor's ingress (ingress.c: cx_push, which also grows the queue and
 * waits for room in a full bounded queue) and falls back to Go only for
 * policy: the executor quit (the chain walk), or its full queue fails
 * submits (EAGAIN). A future is a slot in C memory (future.c), so a submit
 * with a future, and ctexec_call, stay in C too. Executor slots and thread
 * ids are slots.c's. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "shim.h"
#include "abi.h"

volatile int cx_forked;
volatile int cx_poisoned;
__thread uint64_t cx_go_entries;
const cx_go_table *cx_go; /* set at load by capi/gohooks.c */
const int64_t cx_shared_values[CX_SHARED_COUNT] = CX_SHARED_VALUES;
int64_t cx_spin_ns = CX_SPIN_NS_DEFAULT;
char cx_debug_panic[32];
/* CTEXEC_DEBUG_CALL_PAUSE_NS (tests only): ctexec_call pauses this long
 * between queueing its item and waiting for it, so that a test can let the
 * item start first (tests/core/test_deadlock.c, call_item_started). */
static int64_t cx_debug_call_pause_ns;

static void cx_on_fork_child(void) { cx_forked = 1; }

__attribute__((constructor)) static void cx_init(void) {
    cx_fork_guard(cx_on_fork_child);
    /* CTEXEC_SPIN_NS: how long waiters spin before they sleep (0: never). */
    const char *v = getenv("CTEXEC_SPIN_NS");
    if (v != NULL && *v != 0) {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (*end == 0 && n >= 0) cx_spin_ns = n;
    }
    v = getenv("CTEXEC_DEBUG_CALL_PAUSE_NS");
    if (v != NULL && *v != 0) cx_debug_call_pause_ns = strtoll(v, NULL, 10);
    v = getenv("CTEXEC_DEBUG_PANIC");
    if (v != NULL) strncpy(cx_debug_panic, v, sizeof cx_debug_panic - 1);
}

/* ---- trampolines --------------------------------------------------------- */

cx_outcome cx_call(uintptr_t fn, uintptr_t arg) {
    void *result = NULL;
    cx_outcome o;
    o.rc = ((ctexec_fn)fn)((void *)arg, &result);
    o.result = (uintptr_t)result;
    return o;
}

/* ---- executors ----------------------------------------------------------- */

int ctexec_new(ctexec *old_executor, ctexec **out) { return ctexec_new_with(old_executor, NULL, out); }

int ctexec_new_with(ctexec *old_executor, const ctexec_options *opts, ctexec **out) {
    CX_ENTER();
    if (out == NULL) return CTEXEC_EINVAL;
    ctexec_options o = {sizeof o, 0, 0, CTEXEC_FULL_BLOCK, 0, NULL, NULL, NULL, NULL};
    if (opts != NULL) {
        if (CX_ABI_IN(o, CX_OPTIONS_SIZE_0_2, opts) != CTEXEC_OK || (o.flags & ~CTEXEC_OPT_STATS) != 0 ||
            (o.when_full != CTEXEC_FULL_BLOCK && o.when_full != CTEXEC_FULL_FAIL) ||
            o.stall_ns < 0 || (o.stall_ns > 0 && o.on_stall == NULL))
            return CTEXEC_EINVAL;
    }
    uint64_t old = 0;
    if (old_executor != NULL) {
        struct ctexec *p = cx_valid(old_executor);
        if (p == NULL) return CTEXEC_EBADHANDLE;
        old = p->handle;
    }
    uintptr_t ex = 0;
    int rc = CX_GO(cx_go->new_exec(old, cx_self(), &o, &ex));
    if (rc == CTEXEC_OK) ((struct ctexec *)ex)->owner_rec = cx_thread_rec(); /* deadlock.c */
    if (rc == CTEXEC_OK && cx_errhook_set((struct ctexec *)ex, o.on_error, o.error_userdata) != CTEXEC_OK) {
        ctexec_free((ctexec *)ex);
        return CTEXEC_ENOMEM;
    }
    if (rc == CTEXEC_OK) *out = (ctexec *)ex;
    return rc;
}

/* The checks every submit makes before it queues anything. */
static int cx_submit_checks(ctexec *ex, ctexec_fn fn, struct ctexec **s, uint64_t *self) {
    if (ex == NULL || fn == NULL) return CTEXEC_EINVAL;
    if ((*s = cx_valid(ex)) == NULL) return CTEXEC_EBADHANDLE;
    *self = cx_self();
    if (*self == (*s)->in.owner) return CTEXEC_ESAMETHREAD;
    return CTEXEC_OK;
}

/* Queues fn(arg) with the future slot f (NULL: fire and forget); timeout
 * bounds a wait for room in a full bounded queue (< 0: none). A full queue
 * that waits (no CX_FLAG_FAIL_FULL) is waited on here, in C, outside any Go
 * frame, and pushed to again (ingress.c, cx_room_wait). Go is entered only
 * for the policy: a queue that fails when full (EAGAIN and its count), a
 * quit executor (the chain walk), a wait that timed out (Go looks once
 * more, then counts the reject), or one that ended with the executor freed
 * (waited: Go answers CTEXEC_ECANCELLED; its handle is read before the
 * push, while the executor is live, never from the slot after a wait). */
static int cx_enqueue(struct ctexec *s, uintptr_t fn, uintptr_t arg, cx_future *f, uint64_t self,
                      int64_t timeout) {
    uint64_t h = s->handle;
    cx_push_t r = cx_push(&s->in, fn, arg, f);
    if (r == CX_PUSHED) return CTEXEC_OK;
    int waited = 0;
    if (r == CX_PUSH_FULL && !(__atomic_load_n(&s->in.flags, __ATOMIC_RELAXED) & CX_FLAG_FAIL_FULL)) {
        int64_t deadline = timeout < 0 ? -1 : cx_deadline(timeout);
        waited = 1;
        for (;;) {
            int64_t left = -1;
            if (deadline >= 0 && (left = deadline - cx_now()) < 0) left = 0;
            if (cx_room_wait(&s->in, left) != CX_ROOM_OK) break;
            if ((r = cx_push(&s->in, fn, arg, f)) == CX_PUSHED) return CTEXEC_OK;
            if (r != CX_PUSH_FULL) break;
        }
        if (deadline >= 0 && (timeout = deadline - cx_now()) < 0) timeout = 0;
    }
    return CX_GO(cx_go->submit(h, fn, arg, f, self, timeout, waited));
}

int ctexec_submit(ctexec *ex, ctexec_fn fn, void *arg, ctexec_future *out_future) {
    return ctexec_submit_timeout(ex, fn, arg, out_future, -1);
}

int ctexec_submit_timeout(ctexec *ex, ctexec_fn fn, void *arg, ctexec_future *out_future,
                          int64_t timeout_ns) {
    CX_ENTER();
    struct ctexec *s;
    uint64_t self;
    int rc = cx_submit_checks(ex, fn, &s, &self);
    if (rc != CTEXEC_OK) return rc;
    CX_HOOK("submit");
    if (out_future == NULL) return cx_enqueue(s, (uintptr_t)fn, (uintptr_t)arg, NULL, self, timeout_ns);
    uint32_t gen;
    cx_future *f = cx_fut_alloc(CX_FUT_HANDLE | CX_FUT_QUEUED, &gen);
    if (f == NULL) return CTEXEC_ENOMEM;
    rc = cx_enqueue(s, (uintptr_t)fn, (uintptr_t)arg, f, self, timeout_ns);
    if (rc != CTEXEC_OK) {
        cx_fut_release(f); /* never queued, never seen */
        return rc;
    }
    __atomic_add_fetch(&cx_futures_live, 1, __ATOMIC_RELAXED);
    *out_future = cx_fut_handle(f, gen);
    return CTEXEC_OK;
}

/* Submit, wait and free, with a slot whose handle never leaves this call. */
int ctexec_call(ctexec *ex, ctexec_fn fn, void *arg, void **out_result) {
    CX_ENTER();
    struct ctexec *s;
    uint64_t self;
    int rc = cx_submit_checks(ex, fn, &s, &self);
    if (rc != CTEXEC_OK) return rc;
    CX_HOOK("call");
    uint32_t gen;
    cx_future *f = cx_fut_alloc(CX_FUT_HANDLE | CX_FUT_QUEUED, &gen);
    if (f == NULL) return CTEXEC_ENOMEM;
    rc = cx_enqueue(s, (uintptr_t)fn, (uintptr_t)arg, f, self, -1);
    if (rc != CTEXEC_OK) {
        cx_fut_release(f);
        return rc;
    }
    uintptr_t r = 0;
    if (cx_debug_call_pause_ns > 0) cx_sleep_ns(cx_debug_call_pause_ns);
    rc = cx_fut_wait(f, gen, -1, &r, 1); /* on CTEXEC_EDEADLK its item was cancelled */
    cx_fut_free(f, gen);
    if (rc == CTEXEC_OK && out_result != NULL) *out_result = (void *)r;
    return rc;
}

int ctexec_run_until(ctexec *ex, ctexec_future f) {
    return ctexec_run_until_timeout(ex, f, -1);
}

int ctexec_run_until_timeout(ctexec *ex, ctexec_future f, int64_t timeout_ns) {
    CX_ENTER();
    if (ex == NULL) return CTEXEC_EINVAL;
    struct ctexec *s = cx_valid(ex);
    uint32_t gen;
    cx_future *fs = cx_fut_lookup(f, &gen);
    if (s == NULL || fs == NULL) return CTEXEC_EBADHANDLE;
    /* Go starts the run, decides, and finishes it; the owner waits, and
     * runs what wakes it, in C. */
    int64_t left = -1;
    int wait = 0;
    int rc = CX_GO(cx_go->run_until(s->handle, fs, gen, timeout_ns, cx_self(), &left, &wait));
    while (rc == CTEXEC_OK && wait) {
        /* Armed: wait, and serve the wake-ups that need no policy, in C
         * (run.c). slept tells Go whether the last wait slept (see
         * ownerYield in main.go). */
        int slept = cx_run_idle(&s->in, left, timeout_ns < 0, 0);
        rc = CX_GO(cx_go->run_resume(s->handle, fs, slept, &left, &wait));
    }
    /* Quit: due timers run, the rest are cancelled, before we return. */
    if (rc == CTEXEC_OK && __atomic_load_n(&s->timers, __ATOMIC_ACQUIRE) != NULL) cx_timers_quit(s);
    return rc;
}

/* The executor whose stall callback this thread is running, if any: it
 * must not free that executor (free waits for the callback to return). */
static __thread struct ctexec *cx_stalling;

void cx_stall(uintptr_t fn, uintptr_t ex, int64_t age, uintptr_t userdata) {
    struct ctexec *outer = cx_stalling;
    cx_stalling = (struct ctexec *)ex;
    ((ctexec_stall_fn)fn)((ctexec *)ex, age, (void *)userdata);
    cx_stalling = outer;
}

int ctexec_free(ctexec *ex) {
    CX_ENTER();
    if (ex == NULL) return CTEXEC_OK;
    struct ctexec *s = cx_valid(ex);
    if (s == NULL) return CTEXEC_EBADHANDLE;
    if (s == cx_stalling) return CTEXEC_EBUSY;
    int rc = CX_GO(cx_go->free_exec(s->handle));
    if (rc == CTEXEC_OK) {
        cx_urgent_discard(s); /* after Go's discard: the normal lane's items are older */
        cx_errhook_free(s);
        cx_timers_free(s);    /* pending timers are discarded like queued items */
        cx_host_detach(s);
        /* The Go executor has let go of the slot's ingress (chains reach a
         * tombstone now), so the slot can start its quarantine. */
        __atomic_store_n(&s->magic, CX_MAGIC_DEAD, __ATOMIC_RELEASE);
        cx_slot_release((uintptr_t)s);
    }
    return rc;
}

/* ---- miscellany ---------------------------------------------------------- */

int ctexec_live_counts(ctexec_counts *out) {
    CX_ENTER();
    if (out == NULL) return CTEXEC_EINVAL;
    int rc = CX_GO(cx_go->live_counts(&out->executors, &out->queued));
    if (rc == CTEXEC_OK) out->futures = __atomic_load_n(&cx_futures_live, __ATOMIC_RELAXED);
    return rc;
}

int ctexec_stats(ctexec *ex, ctexec_stats_t *out) {
    CX_ENTER();
    ctexec_stats_t st;
    if (out == NULL || CX_ABI_IN(st, CX_STATS_SIZE_0_2, out) != CTEXEC_OK) return CTEXEC_EINVAL;
    uint64_t h = 0;
    if (ex != NULL) {
        struct ctexec *s = cx_valid(ex);
        if (s == NULL) return CTEXEC_EBADHANDLE;
        h = s->handle;
    }
    int rc = CX_GO(cx_go->stats(h, &st));
    if (rc == CTEXEC_OK) CX_ABI_OUT(out, st);
    return rc;
}

unsigned ctexec_version(void) { return CTEXEC_VERSION_NUMBER; }

const char *ctexec_strerror(int status) {
    if (status > 0) return "host error";
    switch (status) {
#define CX_STATUS_TEXT(name, text) \
    case CTEXEC_##name:            \
        return text;
        CTEXEC_STATUS_TEXTS(CX_STATUS_TEXT)
#undef CX_STATUS_TEXT
    default: return "unknown error";
    }
}
