/* The owner's run: the batch runner, which starts, runs and completes
 * each item of a batch (cx_run_batch) or discards it (cx_discard), and
 * the run loop between the policy's steps. ctexec_run_until (shim.c)
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

/* ---- the batch runner ---------------------------------------------------- */

/* The owner's counts of a counted executor (shared.h: cx_counters):
 * an item is counted as it starts or is skipped. */
static inline void cx_count(uint64_t *c) { __atomic_store_n(c, *c + 1, __ATOMIC_RELEASE); }

/* Runs one entry of a batch (cx_run_batch). */
static inline void cx_run_entry(cx_ingress *in, const cx_entry *e, cx_counters *cnt) {
    if (__builtin_expect(e->fn == (uintptr_t)cx_xrun, 0)) {
        cx_run_rec(in, (cx_xrec *)e->arg, cnt);
        return;
    }
    cx_future *f = e->fut;
    void *result = NULL;
    if (f == NULL || ((uintptr_t)f & CX_ENTRY_DESTROY)) {
        /* No future; with a destroy function, called after the item, on
         * the owner (submit_with.c, "destroy: who calls it"). */
        if (cnt != NULL) cx_count(&cnt->started);
        int rc = ((ctexec_fn)e->fn)((void *)e->arg, &result);
        if (__builtin_expect(rc != 0, 0)) cx_item_error(in, rc);
        if (f != NULL) cx_entry_destroy(f)((void *)e->arg);
        return;
    }
    int started = cx_fut_start(f);
    if (cnt != NULL) {
        cx_count(&cnt->started);
        if (!started) cx_count(&cnt->cancelled);
    }
    int code = started ? ((ctexec_fn)e->fn)((void *)e->arg, &result) : CTEXEC_ECANCELLED;
    if (code < 0 && started) { /* a negative return breaks the contract */
        code = CTEXEC_EINVAL;
        result = NULL;
    }
    /* A skipped item's claim fails (its canceller holds it): that drops
     * the entry's reference only. */
    cx_fut_complete(f, CX_GEN(CX_LOAD(&f->state)), CX_BY_ITEM, (uintptr_t)result, code);
}

/* Runs entries in order on the owner: each item's future is started (or
 * the item skipped if cancelled), the item run, and its future completed,
 * before the next starts; done callbacks run here, on the owner. cnt, if
 * not NULL, counts each item it starts or skips. in is the executor's
 * ingress; with lanes, before each entry and after the last one the owner
 * looks at its urgent lane (one relaxed load; submit_with.c) and runs the
 * urgent items queued then, so an urgent item waits for at most the item
 * running when it came. An entry that is a record (an item with destroy or
 * other attributes) runs through cx_run_rec; a fire-and-forget item's
 * nonzero code goes to the error hook.
 *
 * The look after the last entry is there because the next look, before
 * the next batch's first entry, comes only after a return to Go: after an
 * item that blocked (the owner's P retaken), that return wakes the
 * runtime's sysmon thread (exitsyscall), which took the owner's CPU while
 * the urgent item waited: measured here from the item's return to the
 * urgent item's start, 5.7 us median and up to about 25 us, against 0.3 us
 * with this look (perf sched_switch shows the switches). If that look ran
 * urgent items, the next batch skips its first look (urgent_after), so
 * that a normal item still runs between two looks. */
cx_batch_stop cx_run_batch(cx_ingress *in, int lanes, const cx_entry *e, size_t n, cx_counters *cnt) {
    cx_batch_stop st = {n, 0, 0, 0};
    /* The look before the first entry. The whole word: nonzero once the
     * lane was ever used. */
    uint64_t u0 = n > 0 ? __atomic_load_n(&in->urgent, __ATOMIC_RELAXED) : 0;
    if (__builtin_expect(u0 != 0, 0) && cx_urgent_first_look(in, lanes, (uint32_t)u0 != 0))
        cx_run_urgent(in, cnt, UINT64_MAX);
    for (size_t i = 0; i < n; i++) {
        cx_run_entry(in, &e[i], cnt);
        /* The look after each entry: before the next, or after the last. */
        if (lanes && __builtin_expect((uint32_t)__atomic_load_n(&in->urgent, __ATOMIC_RELAXED) != 0, 0) &&
            cx_run_urgent(in, cnt, UINT64_MAX) > 0 && i + 1 == n)
            CX_SLOT_OF(in)->urgent_after = 1;
    }
    return st;
}

/* The look before a batch's first entry, in a process whose lane was ever
 * used: whether to take the urgent items queued now (queued: the count is
 * nonzero). Not if the last thing the owner ran was the snapshot taken
 * after the previous batch's last entry; either way a batch starts, so
 * that no longer holds. */
int cx_urgent_first_look(cx_ingress *in, int lanes, int queued) {
    struct ctexec *s = CX_SLOT_OF(in);
    int after = s->urgent_after;
    if (after) s->urgent_after = 0;
    return lanes && queued && !after;
}

/* Runs one record's item on the owner, as cx_run_batch runs an entry, then
 * decides its destroy (submit_with.c, "destroy: who calls it"): called here
 * after the future completed (done callbacks included) unless the item
 * was skipped as cancelled (its canceller called it). Frees the record. */
void cx_run_rec(cx_ingress *in, cx_xrec *r, cx_counters *cnt) {
    cx_future *f = r->fut;
    void *result = NULL;
    int started = f == NULL || cx_fut_start(f);
    /* Started: no cancel can win now, and the entry keeps the slot alive. */
    if (f != NULL && started && r->destroy != NULL) cx_fut_drop_destroy(f, CX_GEN(CX_LOAD(&f->state)));
    if (cnt != NULL) {
        cx_count(&cnt->started);
        if (!started) cx_count(&cnt->cancelled);
    }
    int code = started ? ((ctexec_fn)r->fn)((void *)r->arg, &result) : CTEXEC_ECANCELLED;
    if (code < 0 && started) {
        code = CTEXEC_EINVAL;
        result = NULL;
    }
    if (f != NULL)
        cx_fut_complete(f, CX_GEN(CX_LOAD(&f->state)), CX_BY_ITEM, (uintptr_t)result, code);
    else if (code != 0)
        cx_item_error(in, code);
    if (started && r->destroy != NULL) r->destroy((void *)r->arg);
    cx_rec_free(r);
}

/* Discards one record's item (ctexec_free): its future completes with
 * CTEXEC_ECANCELLED unless a canceller got there first (then that
 * canceller called destroy); otherwise destroy is called here. */
void cx_discard_rec(cx_xrec *r) {
    cx_future *f = r->fut;
    uint32_t gen = f != NULL ? CX_GEN(CX_LOAD(&f->state)) : 0;
    int mine = f == NULL || cx_fut_complete(f, gen, CX_BY_ITEM, 0, CTEXEC_ECANCELLED) == CTEXEC_OK;
    /* After our completion the slot may already be reused: cx_xtake's CAS
     * on generation gen cannot take a newer generation's side slot. */
    if (f != NULL && mine && r->destroy != NULL) cx_fut_drop_destroy(f, gen);
    if (mine && r->destroy != NULL) r->destroy((void *)r->arg);
    cx_rec_free(r);
}

/* Discards the entries of a freed executor: their futures complete with
 * CTEXEC_ECANCELLED, done callbacks running on this thread. */
void cx_discard(const cx_entry *e, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (e[i].fn == (uintptr_t)cx_xrun) {
            cx_discard_rec((cx_xrec *)e[i].arg);
            continue;
        }
        cx_future *f = e[i].fut;
        ctexec_destroy_fn d = cx_entry_destroy(f);
        if (d != NULL)
            d((void *)e[i].arg);
        else if (f != NULL)
            cx_fut_complete(f, CX_GEN(CX_LOAD(&f->state)), CX_BY_ITEM, 0, CTEXEC_ECANCELLED);
    }
}

/* ---- the run loop -------------------------------------------------------- */

/* Runs what cx_owner_next took, in order, and gives its chunks back to
 * the owner's pool. runner: as for cx_run_batch_go (0: none). */
static void cx_run_taken(cx_ingress *in, const cx_taken *t, uintptr_t runner) {
    CX_SLOT_OF(in)->woke_items += (uint32_t)(t->full_n * CX_CHUNK_LEN + t->len);
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

/* After the armed owner's wait: closes the hand-off cell if it is still
 * open, or runs the entry handed into it (shared.h, "hand-off"), before
 * the owner takes from the queue or returns to Go. A pusher that claimed
 * the cell is two stores from filling it; if it was preempted there, the
 * owner naps in short sleeps until it is back. runner: as for
 * cx_run_batch_go (0: none). */
__thread uint64_t cx_hands_run; /* entries this thread ran from the cell: for tests */

static void cx_run_hand(cx_ingress *in, uintptr_t runner) {
    for (unsigned i = 1;; i++) {
        uint32_t w = __atomic_load_n(&in->wake, __ATOMIC_ACQUIRE);
        if (w == CX_WAKE_OPEN || w == CX_WAKE_OPEN_SLEEPING) {
            if (__atomic_compare_exchange_n(&in->wake, &w, CX_WAKE_IDLE, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
                return;
            continue;
        }
        if (w == CX_WAKE_HANDING) {
            if ((i & 1023) == 0)
                cx_wait_on(&in->wake, CX_WAKE_HANDING, 20000);
            else
                cx_relax();
            continue;
        }
        if (w != CX_WAKE_HANDED) return;
        cx_entry e = {in->hand_fn, in->hand_arg, in->hand_fut};
        /* The cell is read: the next arming may open it again. */
        __atomic_store_n(&in->wake, CX_WAKE_IDLE, __ATOMIC_SEQ_CST);
        cx_hands_run++;
        CX_SLOT_OF(in)->woke_items++;
        if (runner != 0)
            cx_run_batch_go(runner, in, 1, &e, 1, NULL);
        else
            cx_run_batch(in, 1, &e, 1, NULL);
        return;
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
        s->woke_items = 0;
        cx_run_hand(in, runner);
        if (!fast || !cx_run_wake(in, runner)) return slept;
    }
}
