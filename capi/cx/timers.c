/* Timers: items submitted with ctexec_submit_opts.delay_ns > 0 (the
 * contract is in include/ctexec.h, "Timers"). One implementation, in C;
 * Go holds no copy and sees a timer only once it is queued.
 *
 * The store. Each executor that ever had a timer has a struct cx_timers
 * (allocated on its first timer, installed once in its slot with a CAS,
 * freed by ctexec_free): a binary min-heap of records keyed by (deadline,
 * seq), seq a per-executor submit counter, so equal deadlines keep submit
 * order. An executor that never had a timer has s->timers NULL and pays
 * nothing: its submits never look here, and its owner's run tests one
 * flag bit (CX_FLAG_TIMERS) that it already loads.
 *
 * Protocol (every step under the executor's ingress lock, the lock of
 * shared.h, so the memory-order argument is the lock's):
 *   - insert (any thread, cx_timer_add from ctexec_submit_with): refuse if CX_FLAG_QUIT; push the
 *     record, sift up; store the heap's minimum in t->min (an atomic int64,
 *     INT64_MAX when empty, written only under the lock, read without it by
 *     ctexec_next_deadline and the timer thread); set CX_FLAG_TIMERS. If
 *     the record is the new minimum and the owner is armed
 *     (CX_FLAG_WAITING), clear the flag and signal it after unlocking,
 *     exactly as a push does: the owner computed its sleep from the old
 *     minimum. The owner arms under the lock and reads t->min after it has
 *     armed (ctexec_run_until in shim.c: cx_timers_wait_limit), so either
 *     the insert's critical section came first and the owner's read sees
 *     the new minimum, or it came after and sees CX_FLAG_WAITING set: no
 *     earlier deadline is ever slept through.
 *   - move (the owner only, cx_timers_move_due): pop the due records (up to
 *     a batch) under the lock, update t->min and the flag, unlock, then
 *     push each with the ordinary push (cx_push), which puts it at the back
 *     of the queue "as if submitted then" and does the owner's and the
 *     host's wake-ups. A record whose future was cancelled meanwhile is
 *     dropped here (its entry reference released), not queued. A push that
 *     fails (quit, a full bounded queue, no memory) puts the rest back with
 *     their keys, to be moved later (or cancelled at quit). Go calls it
 *     from the owner's run before each look at the queue (Runner.MoveDue),
 *     so timers fire under a steady load too, and from RunReady once its
 *     checks pass, before its snapshot (a refused ctexec_run_ready moves
 *     nothing).
 *   - quit (the owner, at the end of a ctexec_run_until that quit,
 *     cx_timers_quit): take the whole heap; due records run as items do
 *     (future started or skipped, run, completed; destroy after), the rest
 *     are cancelled (CTEXEC_ECANCELLED, destroy on the owner). CX_FLAG_QUIT
 *     is set by then, so no insert can land after.
 *   - free (cx_timers_free, after Go's Free set CX_FLAG_QUIT): take the
 *     heap and discard every record as ctexec_free discards queued items.
 *   - cancel: ctexec_future_cancel completes a timer's future like any
 *     queued item's (its slot has CX_FUT_QUEUED, held by the record); the
 *     record stays in the heap until it is due, then is dropped (lazily).
 *
 * Waking at a deadline.
 *   - The owner in ctexec_run_until sleeps in C (cx_owner_wait) for at most
 *     the time to t->min, then Go's resume moves the due timers and runs
 *     them. No polling: an idle owner sleeps until the earliest deadline.
 *   - A host loop (ctexec_fd, ctexec_event_handle, a notify callback) is
 *     told by the timer thread: one per process, created by C on the first
 *     timer of an executor with a host attached, never seen by the Go
 *     runtime. It keeps a list of such executors (cx_tt, under its mutex),
 *     sleeps on a word (cx_wait_on, the platform layer: futex, WaitOnAddress,
 *     os_sync_wait_on_address or the parking lot) until the earliest t->min
 *     over the list, and raises the host (cx_host_wake_due: descriptor and
 *     notify callback) for each executor whose minimum has passed, checked
 *     again and raised under the ingress lock, so a minimum that the
 *     owner moved meanwhile raises nothing (no wake-up that finds nothing
 *     to run; the executor is watched again at once). It then
 *     leaves that executor alone (t->raised) until the owner moves its due
 *     timers; an insert of a new minimum, a move and an attach poke it
 *     (bump the word and wake it). With nothing pending it sleeps without
 *     a timeout: an idle process pays nothing.
 *   - ctexec_next_deadline reads t->min.
 *
 * Lock order: the timer thread's mutex is never taken with an ingress lock
 * held, and the thread calls cx_host_wake_due (which takes the ingress lock and
 * may call the host's callback) with its mutex dropped; ctexec_free waits
 * for a raise in progress on its executor (t->raising) before the slot
 * goes. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "shim.h"

#define CX_NEVER INT64_MAX

/* How close to a deadline a sleeper stops sleeping and spins: a timed
 * sleep wakes late by the kernel's timer slack (50 us by default on
 * Linux) plus the wake-up itself, so the last stretch is spun, once per
 * deadline (0 when CTEXEC_SPIN_NS=0 disables spinning). */
#define CX_TIMER_SPIN_NS 60000
static int64_t cx_timer_spin_ns(void) { return cx_spin_ns > 0 ? CX_TIMER_SPIN_NS : 0; }

typedef struct cx_timer {
    int64_t deadline;
    uint64_t seq;
    uintptr_t fn, arg;
    cx_future *fut;
    ctexec_destroy_fn destroy;
    uint32_t flags; /* CTEXEC_SUBMIT_URGENT */
} cx_timer;

struct cx_timers {
    cx_timer *heap; /* under the ingress lock */
    size_t n, cap;
    uint64_t seq;
    int64_t min; /* atomic: heap[0].deadline, CX_NEVER if empty */
    uint32_t raised; /* atomic: the host was raised for the current minimum */
    /* The timer thread's list, under cx_tt.mu. */
    struct cx_timers *next, *prev;
    int registered; /* written under cx_tt.mu; read without it (atomic) */
    int raising;
    struct ctexec *slot;
};

static int cx_timer_before(const cx_timer *a, const cx_timer *b) {
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

/* Heap operations, lock held. cx_heap_push returns 0 when out of memory. */
static int cx_heap_push(struct cx_timers *t, const cx_timer *r) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        cx_timer *h = realloc(t->heap, cap * sizeof *h);
        if (h == NULL) return 0;
        t->heap = h;
        t->cap = cap;
    }
    size_t i = t->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!cx_timer_before(r, &t->heap[p])) break;
        t->heap[i] = t->heap[p];
        i = p;
    }
    t->heap[i] = *r;
    return 1;
}

static cx_timer cx_heap_pop(struct cx_timers *t) {
    cx_timer top = t->heap[0], last = t->heap[--t->n];
    size_t i = 0, n = t->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && cx_timer_before(&t->heap[c + 1], &t->heap[c])) c++;
        if (!cx_timer_before(&t->heap[c], &last)) break;
        t->heap[i] = t->heap[c];
        i = c;
    }
    if (n > 0) t->heap[i] = last;
    return top;
}

/* After a heap change, lock held: t->min and CX_FLAG_TIMERS. */
static void cx_heap_publish(cx_ingress *in, struct cx_timers *t) {
    __atomic_store_n(&t->min, t->n ? t->heap[0].deadline : CX_NEVER, __ATOMIC_SEQ_CST);
    uint32_t fl = __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST);
    uint32_t nf = t->n ? fl | CX_FLAG_TIMERS : fl & ~(uint32_t)CX_FLAG_TIMERS;
    if (nf != fl) __atomic_store_n(&in->flags, nf, __ATOMIC_SEQ_CST);
}

/* ---- the timer thread (hosts) --------------------------------------------- */

static struct {
    pthread_mutex_t mu;
    struct cx_timers *head;
    int started;
    uint32_t word; /* bumped to wake the thread */
} cx_tt = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};

static void cx_tt_poke(void) {
    __atomic_add_fetch(&cx_tt.word, 1, __ATOMIC_SEQ_CST);
    cx_wake_one(&cx_tt.word);
}

#define CX_TT_BATCH 16

static void *cx_tt_main(void *unused) {
    (void)unused;
    for (;;) {
        uint32_t seen = __atomic_load_n(&cx_tt.word, __ATOMIC_SEQ_CST);
        struct cx_timers *due[CX_TT_BATCH];
        int nd = 0;
        int64_t earliest = CX_NEVER, now = cx_now();
        pthread_mutex_lock(&cx_tt.mu);
        for (struct cx_timers *t = cx_tt.head; t != NULL; t = t->next) {
            if (__atomic_load_n(&t->raised, __ATOMIC_SEQ_CST)) continue;
            int64_t d = __atomic_load_n(&t->min, __ATOMIC_SEQ_CST);
            if (d == CX_NEVER) continue;
            if (d <= now && nd < CX_TT_BATCH) {
                __atomic_store_n(&t->raised, 1, __ATOMIC_SEQ_CST);
                t->raising = 1;
                due[nd++] = t;
            } else if (d < earliest) {
                earliest = d;
            }
        }
        pthread_mutex_unlock(&cx_tt.mu);
        /* A raise that lost the race with the owner's move (the minimum
         * is no longer due) is not made, and the executor is watched
         * again at once: the move may have seen raised still 0 and so
         * not poked. */
        int made[CX_TT_BATCH];
        for (int i = 0; i < nd; i++) made[i] = cx_host_wake_due(&due[i]->slot->in, &due[i]->min);
        if (nd > 0) {
            pthread_mutex_lock(&cx_tt.mu);
            for (int i = 0; i < nd; i++) {
                if (!made[i]) __atomic_store_n(&due[i]->raised, 0, __ATOMIC_SEQ_CST);
                due[i]->raising = 0;
            }
            pthread_mutex_unlock(&cx_tt.mu);
            continue; /* look again: more may be due */
        }
        int64_t left = -1;
        if (earliest != CX_NEVER) {
            left = earliest - cx_now();
            if (left <= cx_timer_spin_ns()) { /* the last stretch: spin (see CX_TIMER_SPIN_NS) */
                while (left > 0 && __atomic_load_n(&cx_tt.word, __ATOMIC_ACQUIRE) == seen) {
                    cx_relax();
                    left = earliest - cx_now();
                }
                continue;
            }
            left -= cx_timer_spin_ns();
        }
        cx_wait_on(&cx_tt.word, seen, left);
    }
    return NULL;
}

/* Puts t on the timer thread's list (starting the thread the first time). */
static void cx_tt_register(struct cx_timers *t) {
    pthread_mutex_lock(&cx_tt.mu);
    if (!t->registered) {
        __atomic_store_n(&t->registered, 1, __ATOMIC_SEQ_CST);
        t->prev = NULL;
        t->next = cx_tt.head;
        if (cx_tt.head != NULL) cx_tt.head->prev = t;
        cx_tt.head = t;
        if (!cx_tt.started) {
            pthread_t th;
            pthread_attr_t a;
            pthread_attr_init(&a);
            pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
            pthread_attr_setstacksize(&a, 64 * 1024);
            if (pthread_create(&th, &a, cx_tt_main, NULL) == 0) cx_tt.started = 1;
            pthread_attr_destroy(&a);
        }
    }
    pthread_mutex_unlock(&cx_tt.mu);
    cx_tt_poke();
}

/* Takes t off the list and waits out a raise in progress on it. */
static void cx_tt_unregister(struct cx_timers *t) {
    pthread_mutex_lock(&cx_tt.mu);
    if (t->registered) {
        if (t->prev != NULL) t->prev->next = t->next; else cx_tt.head = t->next;
        if (t->next != NULL) t->next->prev = t->prev;
        __atomic_store_n(&t->registered, 0, __ATOMIC_SEQ_CST);
    }
    while (t->raising) {
        pthread_mutex_unlock(&cx_tt.mu);
        sched_yield();
        pthread_mutex_lock(&cx_tt.mu);
    }
    pthread_mutex_unlock(&cx_tt.mu);
}

/* A host was attached to s (embed.c): its pending timers now raise it. */
void cx_timers_attached(struct ctexec *s) {
    struct cx_timers *t = __atomic_load_n(&s->timers, __ATOMIC_ACQUIRE);
    if (t != NULL) cx_tt_register(t);
}

/* ---- insert ---------------------------------------------------------------- */

static struct cx_timers *cx_timers_of(struct ctexec *s) {
    struct cx_timers *t = __atomic_load_n(&s->timers, __ATOMIC_ACQUIRE);
    if (t != NULL) return t;
    struct cx_timers *n = calloc(1, sizeof *n);
    if (n == NULL) return NULL;
    n->min = CX_NEVER;
    n->slot = s;
    if (__atomic_compare_exchange_n(&s->timers, &t, n, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return n;
    free(n);
    return t;
}

/* Inserts a timer on s: CX_PUSHED, CX_PUSH_QUIT (s has quit: the caller
 * walks the chain) or CX_PUSH_NOMEM. */
static cx_push_t cx_timer_insert(struct ctexec *s, const cx_timer *r) {
    struct cx_timers *t = cx_timers_of(s);
    if (t == NULL) return CX_PUSH_NOMEM;
    cx_ingress *in = &s->in;
    cx_lock(in);
    uint32_t fl = __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST);
    if (fl & CX_FLAG_QUIT) {
        cx_unlock(in);
        return CX_PUSH_QUIT;
    }
    cx_timer rec = *r;
    rec.seq = t->seq++;
    if (!cx_heap_push(t, &rec)) {
        cx_unlock(in);
        return CX_PUSH_NOMEM;
    }
    /* Where the item is queued, for deadlock detection (deadlock.c). */
    if (rec.fut != NULL) rec.fut->result = (uintptr_t)in;
    int first = t->heap[0].seq == rec.seq;
    cx_heap_publish(in, t);
    fl = __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST);
    int wake = first && (fl & CX_FLAG_WAITING);
    if (wake) {
        __atomic_store_n(&in->flags, fl & ~(uint32_t)CX_FLAG_WAITING, __ATOMIC_SEQ_CST);
        cx_hand_close_locked(in); /* shared.h, "hand-off" */
    }
    int host = (fl & CX_FLAG_HOST) != 0;
    cx_unlock(in);
    if (wake) cx_signal(in);
    if (host) {
        if (!__atomic_load_n(&t->registered, __ATOMIC_SEQ_CST)) cx_tt_register(t);
        else if (first) cx_tt_poke(); /* the thread may sleep past the new minimum */
    }
    return CX_PUSHED;
}

/* The delay_ns > 0 part of ctexec_submit_with (submit_with.c, which has
 * made the future slot f, with destroy attached for a canceller): inserts
 * the timer on s or, if s has quit, on the first executor down its chain
 * that has not (the walk is policy: Go finds it). On an error nothing is
 * taken: the caller releases f and calls destroy. */
int cx_timer_add(struct ctexec *s, uintptr_t fn, uintptr_t arg, ctexec_destroy_fn destroy, uint32_t flags,
                 int64_t delay_ns, cx_future *f, uint32_t gen) {
    (void)gen;
    int64_t now = cx_now();
    cx_timer r = {delay_ns > CX_NEVER - 1 - now ? CX_NEVER - 1 : now + delay_ns, 0, fn, arg, f, destroy,
                  flags & CTEXEC_SUBMIT_URGENT};
    struct ctexec *x = s;
    for (;;) {
        cx_push_t p = cx_timer_insert(x, &r);
        if (p == CX_PUSHED) return CTEXEC_OK;
        if (p == CX_PUSH_NOMEM) return CTEXEC_ENOMEM;
        uintptr_t next = 0;
        int rc = CX_GO(cx_go->chain_live(x->handle, &next));
        if (rc != CTEXEC_OK) return rc;
        x = CX_SLOT_OF((cx_ingress *)next);
    }
}

/* ---- outcomes -------------------------------------------------------------- */

/* A record that will never run: as ctexec_free discards a queued record
 * (run.c: cx_discard_rec, the same rule without the allocation): its
 * future completes with ECANCELLED (done callbacks on this thread) and
 * destroy is called here, unless a canceller won first (it called destroy
 * from the future's side slot, submit_with.c). */
static void cx_timer_cancel(const cx_timer *r) {
    cx_future *f = r->fut;
    uint32_t gen = f != NULL ? CX_GEN(CX_LOAD(&f->state)) : 0;
    int decided = f == NULL || cx_fut_complete(f, gen, CX_BY_ITEM, 0, CTEXEC_ECANCELLED) == CTEXEC_OK;
    /* No longer owed through the future's side slot (submit_with.c). */
    if (f != NULL && decided && r->destroy != NULL) cx_fut_drop_destroy(f, gen);
    if (decided && r->destroy != NULL) r->destroy((void *)r->arg);
}

/* A due record run on the owner at quit, as the owner runs a queued record
 * (future.c: cx_run_rec: started or skipped, run, completed, the error
 * hook, destroy). Out of memory for the record: cancelled instead. */
static void cx_timer_run(struct ctexec *s, const cx_timer *t) {
    cx_xrec *r = cx_rec_alloc();
    if (r == NULL) {
        cx_timer_cancel(t);
        return;
    }
    r->fn = t->fn;
    r->arg = t->arg;
    r->destroy = t->destroy;
    r->fut = t->fut;
    r->next = NULL;
    r->flags = t->flags;
    cx_run_rec(&s->in, r, NULL);
}

/* ---- the owner's side -------------------------------------------------------- */

#define CX_MOVE_BATCH 32

/* Runner.MoveDue (the owner's run and RunReady): moves due timers to the
 * back of the queue, on the owner. */
void cx_timers_move_due(cx_ingress *in) {
    struct ctexec *s = CX_SLOT_OF(in);
    struct cx_timers *t = __atomic_load_n(&s->timers, __ATOMIC_ACQUIRE);
    if (t == NULL) return;
    for (;;) {
        cx_timer due[CX_MOVE_BATCH];
        size_t n = 0;
        cx_lock(in);
        int64_t now = cx_now();
        while (n < CX_MOVE_BATCH && t->n > 0 && t->heap[0].deadline <= now) due[n++] = cx_heap_pop(t);
        cx_heap_publish(in, t);
        cx_unlock(in);
        size_t i = 0;
        for (; i < n; i++) {
            cx_timer *r = &due[i];
            if (r->fut != NULL && (CX_LOAD(&r->fut->state) & CX_FUT_DONE)) {
                cx_timer_cancel(r); /* cancelled: drop the record's reference */
                continue;
            }
            /* its lane and destroy travel with it (submit_with.c) */
            if (cx_push_item(in, r->fn, r->arg, r->fut, r->destroy, r->flags | CX_ITEM_HANDED_OUT) != CX_PUSHED)
                break;
        }
        if (i < n) { /* put the rest back with their keys */
            cx_lock(in);
            for (; i < n; i++) cx_heap_push(t, &due[i]); /* room: they came from there */
            cx_heap_publish(in, t);
            cx_unlock(in);
            break;
        }
        if (n < CX_MOVE_BATCH) break;
    }
    /* The host may be told of the next minimum again. (Without a raise
     * pending, the thread sleeps until a minimum no later than the new one:
     * no poke needed, so a loaded owner makes no system call here.) */
    if (__atomic_load_n(&t->raised, __ATOMIC_RELAXED) && __atomic_exchange_n(&t->raised, 0, __ATOMIC_SEQ_CST))
        cx_tt_poke();
}

/* ctexec_run_ready's end: a timer that fell due while it ran is told to the
 * host by the timer thread, after the drain that cleared the descriptor. */
void cx_timers_after_ready(struct ctexec *s) {
    struct cx_timers *t = __atomic_load_n(&s->timers, __ATOMIC_ACQUIRE);
    if (t == NULL || !__atomic_load_n(&t->registered, __ATOMIC_SEQ_CST)) return;
    if (__atomic_load_n(&t->min, __ATOMIC_SEQ_CST) <= cx_now()) {
        __atomic_store_n(&t->raised, 0, __ATOMIC_SEQ_CST);
        cx_tt_poke();
    }
}

/* The owner's sleep in ctexec_run_until: at most left ns (< 0: no limit)
 * and no later than the earliest deadline. Called once the owner is armed
 * (see the protocol above). Within CX_TIMER_SPIN_NS of the deadline it
 * spins to it here (or until signalled) and returns 0. */
int64_t cx_timers_wait_limit(struct ctexec *s, int64_t left) {
    struct cx_timers *t = __atomic_load_n(&s->timers, __ATOMIC_ACQUIRE);
    if (t == NULL) return left;
    int64_t d = __atomic_load_n(&t->min, __ATOMIC_SEQ_CST);
    if (d == CX_NEVER) return left;
    int64_t l = d - cx_now();
    if (left >= 0 && left < l) return left;
    if (l <= cx_timer_spin_ns()) {
        uint32_t w;
        while (l > 0 && ((w = __atomic_load_n(&s->in.wake, __ATOMIC_ACQUIRE)) == CX_WAKE_ARMED || w == CX_WAKE_OPEN)) {
            cx_relax();
            l = d - cx_now();
        }
        return 0;
    }
    return l - cx_timer_spin_ns();
}

/* Takes every record out of the heap, in deadline order, into *out (malloc'd;
 * NULL and 0 if none). */
static size_t cx_timers_take(struct ctexec *s, struct cx_timers *t, cx_timer **out) {
    cx_lock(&s->in);
    size_t n = t->n;
    cx_timer *h = t->heap;
    t->heap = NULL;
    t->n = t->cap = 0;
    cx_heap_publish(&s->in, t);
    cx_unlock(&s->in);
    /* Heap order to deadline order: pop from a private heap. */
    cx_timer *v = n ? malloc(n * sizeof *v) : NULL;
    struct cx_timers tmp = {h, n, n, 0, 0, 0, NULL, NULL, 0, 0, NULL};
    for (size_t i = 0; i < n; i++) {
        cx_timer r = cx_heap_pop(&tmp);
        if (v != NULL) v[i] = r; else cx_timer_cancel(&r); /* no memory: cancel in heap order */
    }
    free(h);
    *out = v;
    return v ? n : 0;
}

/* ctexec_run_until ended with ex quit: due timers run, the others are
 * cancelled (destroy on this thread, the owner). */
void cx_timers_quit(struct ctexec *s) {
    struct cx_timers *t = __atomic_load_n(&s->timers, __ATOMIC_ACQUIRE);
    if (t == NULL || !(__atomic_load_n(&s->in.flags, __ATOMIC_SEQ_CST) & CX_FLAG_QUIT)) return;
    cx_timer *v;
    size_t n = cx_timers_take(s, t, &v);
    int64_t now = cx_now();
    for (size_t i = 0; i < n; i++) {
        if (v[i].deadline <= now) cx_timer_run(s, &v[i]);
        else cx_timer_cancel(&v[i]);
    }
    free(v);
}

/* ctexec_free, once Go has freed ex: pending timers are discarded as queued
 * items are, on this thread. */
void cx_timers_free(struct ctexec *s) {
    struct cx_timers *t = __atomic_load_n(&s->timers, __ATOMIC_ACQUIRE);
    if (t == NULL) return;
    cx_tt_unregister(t);
    cx_timer *v;
    size_t n = cx_timers_take(s, t, &v);
    for (size_t i = 0; i < n; i++) cx_timer_cancel(&v[i]);
    free(v);
    free(t->heap);
    s->timers = NULL;
    free(t);
}

/* Drops cancelled records from the top of the heap, so that the deadline
 * reported to a host is one that will run something (a host loop would
 * otherwise wake at a cancelled timer's deadline for nothing). Records
 * below the top stay until they reach it: the cost is one look at the
 * top's future per call. The records' references are dropped outside the
 * lock, as cx_timers_move_due does; the future is already complete, so
 * cx_timer_cancel only releases the record's reference to it (no destroy:
 * the canceller ran it). Any thread. */
static void cx_timers_prune_cancelled(cx_ingress *in, struct cx_timers *t) {
    if (__atomic_load_n(&t->min, __ATOMIC_SEQ_CST) == CX_NEVER) return;
    for (;;) {
        cx_timer dead[CX_MOVE_BATCH];
        size_t n = 0;
        cx_lock(in);
        while (n < CX_MOVE_BATCH && t->n > 0 && t->heap[0].fut != NULL &&
               (CX_LOAD(&t->heap[0].fut->state) & CX_FUT_DONE))
            dead[n++] = cx_heap_pop(t);
        if (n > 0) cx_heap_publish(in, t);
        cx_unlock(in);
        for (size_t i = 0; i < n; i++) cx_timer_cancel(&dead[i]);
        if (n < CX_MOVE_BATCH) return;
    }
}

int ctexec_next_deadline(ctexec *ex, int64_t *out_ns) {
    CX_ENTER();
    CX_HOOK("next_deadline");
    if (ex == NULL || out_ns == NULL) return CTEXEC_EINVAL;
    struct ctexec *s = cx_valid(ex);
    if (s == NULL) return CTEXEC_EBADHANDLE;
    struct cx_timers *t = __atomic_load_n(&s->timers, __ATOMIC_ACQUIRE);
    if (t != NULL) cx_timers_prune_cancelled(&s->in, t);
    int64_t d = t ? __atomic_load_n(&t->min, __ATOMIC_SEQ_CST) : CX_NEVER;
    if (d == CX_NEVER) {
        *out_ns = -1;
    } else {
        int64_t l = d - cx_now();
        *out_ns = l > 0 ? l : 0;
    }
    return CTEXEC_OK;
}
