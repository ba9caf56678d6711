/* The owner's run between the policy's steps. ctexec_run_until (shim.c)
 * and the Go core's RunUntil enter Go to start a run, to finish it, and
 * for every decision of its policy; in between, the owner waits here, and
 * a wake-up that only brings items (the common case: a round trip, a
 * coroutine's hop, a burst of submits) is served here too: take the
 * batch, run it, arm, wait again, without entering Go. Go's step
 * (executor.go: runSteps) makes the same calls, so the order is the same
 * either way: cx_owner_next takes or arms under one lock hold, and
 * cx_run_batch starts, runs and completes each item.
 *
 * Go is entered when the policy has something to decide: the executor
 * counts its items (bounds, statistics, a watchdog: run segments, room,
 * samples), has timers, the run has a time limit, or cx_owner_next leaves
 * the decision to it (quit, the urgent lane alone, a host to tell, the
 * deadline). */
#include "shim.h"

/* Runs what cx_owner_next took, in order, and gives its chunks back to
 * the owner's pool. runner: as for cx_run_batch_go (0: none). */
static void cx_run_taken(cx_ingress *in, const cx_taken *t, uintptr_t runner) {
    void *c = t->full_head;
    for (uint64_t k = 0; k <= t->full_n; k++) {
        void *next = NULL;
        size_t n = CX_CHUNK_LEN;
        if (k < t->full_n) {
            next = cx_taken_next(c); /* before the pool reuses the link */
        } else {
            c = t->buf;
            n = t->len;
            if (c == NULL) break;
        }
        if (runner != 0)
            cx_run_batch_go(runner, in, 1, (const cx_entry *)c, n, NULL);
        else
            cx_run_batch(in, 1, (const cx_entry *)c, n, NULL);
        cx_pool_put(in, c);
        c = next;
    }
}

/* After a batch of more than one item (a stream: submitters are pushing
 * faster than one item per turn), the owner pauses about 0.7 us (32 x
 * 23 ns here) before it takes again, so that the next batch is bigger. An
 * owner that takes again at once runs far faster than a submitter pushes
 * (no future: a few ns per item against tens), so it took the ingress
 * lock every few items and lost it to the pushing thread: the lock's
 * contended path (futex wait and wake on both sides) took a third of
 * the time, and fire-and-forget ran at 0.63-0.74x of the tree before
 * this loop existed (bench/ab against 230463d, 10 rounds); with the pause,
 * 1.02-1.14x. A round trip's batch is one item and does not pause. */
#define CX_STREAM_PAUSES 32

/* A wake-up of an owner in a run with no time limit: 1 if it took and ran
 * what was queued and armed the owner again, 0 if the policy must act
 * (the lock is not held). */
static int cx_run_wake(cx_ingress *in, uintptr_t runner) {
    for (;;) {
        if (__atomic_load_n(&in->flags, __ATOMIC_SEQ_CST) & (CX_FLAG_COUNT | CX_FLAG_TIMERS)) return 0;
        cx_next r = cx_owner_next(in, -1);
        if (r.next == CX_NEXT_ARMED) return 1;
        if (r.next == CX_NEXT_LOCKED) {
            cx_unlock(in);
            return 0;
        }
        cx_run_taken(in, &r.taken, runner);
        if (r.taken.full_n > 0 || r.taken.len >= 2)
            for (int i = 0; i < CX_STREAM_PAUSES; i++) cx_relax();
    }
}

/* The armed owner's wait, at most left_ns (< 0: no limit), then, with
 * fast (a run with no time limit), the wake-ups that need no policy.
 * Returns whether the last wait slept, once Go's step must run. The wait
 * ends no later than the earliest timer (timers.c); a timer due now needs
 * no wait, nor a failed spin that would shrink the owner's spin budget:
 * Go's step moves it. */
int cx_run_idle(cx_ingress *in, int64_t left_ns, int fast, uintptr_t runner) {
    struct ctexec *s = CX_SLOT_OF(in);
    for (;;) {
        int slept = 0;
        if (__builtin_expect(__atomic_load_n(&in->flags, __ATOMIC_SEQ_CST) & CX_FLAG_TIMERS, 0)) {
            left_ns = cx_timers_wait_limit(s, left_ns);
            if (left_ns != 0) slept = cx_owner_wait(in, left_ns);
        } else {
            slept = cx_owner_wait(in, left_ns);
        }
        if (!fast || !cx_run_wake(in, runner)) return slept;
    }
}
