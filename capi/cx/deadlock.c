/* Deadlock detection: the "Deadlocks." paragraph of ctexec_future_wait in
 * include/ctexec.h, implemented for every blocking wait of the C API (they
 * all go through cx_fut_wait: ctexec_future_wait, ctexec_call, and the C++
 * and Python layers, which call those two).
 *
 * What is known, and where.
 *   - Where an item is queued. While an item's future is pending and
 *     unclaimed its slot's Result is unused (the claimer writes it at
 *     completion; the pool uses it only while the slot is free). Every push
 *     (cx_push in shim.c, Executor.push in executor/executor.go) stores the
 *     address of the ingress it pushes to in Result, under the ingress lock,
 *     before the entry becomes visible. An item never moves to another
 *     executor once queued (it runs there, or is cancelled, or is discarded
 *     by ctexec_free), so Result names the executor whose owner must run it,
 *     even after a walk down the old_executor chain. The executor is the
 *     slot around that ingress, in slots.c's slab (never unmapped): cx_valid
 *     checks the address lies in it before anything is read there.
 *   - Who owns an executor, and what that thread waits on. A thread gets a
 *     record (struct cx_thread) the first time it creates an executor, and
 *     every executor it creates points at it (struct ctexec, owner_rec).
 *     The record holds the thread's id (cx_self) and one word, wait: the
 *     future the thread is blocked on, packed with its generation, whether
 *     the wait is untimed, and a count of the waits published so far:
 *         bits  0..23  the future's slot index (0: not waiting; slot 0 is
 *                      never used)
 *         bits 24..47  the future's generation
 *         bit  48      untimed (timeout_ns < 0)
 *         bits 49..63  publish count, never reset (so a word read twice
 *                      and found equal did not change in between, short of
 *                      32768 waits of that thread between two reads of one
 *                      walk)
 *     One word, so a reader never sees half of a publication, and the
 *     publication is one seq_cst store.
 *     Records come from a slab of CX_THREADS, never unmapped, and go back
 *     to a free list at thread exit (a pthread key destructor; capi uses
 *     pthreads on Linux, macOS and, through winpthreads, Windows). A record
 *     can then serve a new thread: whoever reads a record through an
 *     executor compares its tid with the executor's owner (ingress Owner)
 *     and treats a mismatch as "that owner is not waiting". When the slab
 *     is exhausted a thread gets no record: its executors are never a link
 *     of a cycle and its waits are not checked (no false positive, a missed
 *     detection). A thread that owns no executor never gets a record; its
 *     waits cost one TLS load (cx_fut_wait). A record whose destructor never
 *     runs (a thread killed without pthread cleanup; on Windows, a thread
 *     not made by pthread_create if winpthreads does not run destructors
 *     for it) just stays in use: its tid never matches another thread, so
 *     that costs slab space, never a false report.
 *
 * The check (cx_dl_enter, called by cx_fut_wait before it spins, only when
 * the timeout is not 0, the future is a pending item and the thread has a
 * record):
 *   1. Publish: wait = (f, gen, untimed, count + 1), seq_cst.
 *   2. Walk (pass 1), from (f, gen): the slot must still be generation gen,
 *      a live item (handle and CX_FUT_QUEUED, not a promise), neither done
 *      nor claimed; read its Result (the ingress), then its state again:
 *      unchanged (but for CX_FUT_SLEEPERS, which a waiter sets) means the
 *      Result read was the push's (a seqlock read). The executor around the
 *      ingress must be live, have a record, and the record's tid must be
 *      the ingress Owner. If the record is mine: a cycle (length 1 is the
 *      self-wait: an owner waiting on an item of one of its own executors,
 *      directly, from inside an item or from an inner nested loop, since
 *      all of a thread's executors point at its one record). Else the
 *      owner must be in an untimed wait (a timed waiter may give up and
 *      serve its executor, so it is no link); continue from the future it
 *      waits on. Anything else ends the walk: no deadlock. The walk stops
 *      after CX_DL_MAX_HOPS hops, and at a loop that does not pass through
 *      this thread (Brent's cycle finding): those are not reported here.
 *   3. Confirm (pass 2, the double collect): read again every state word
 *      (but for CX_FUT_SLEEPERS), every owner's wait word and every tid
 *      seen in pass 1; report CTEXEC_EDEADLK only if all are unchanged.
 *      Within one generation a state word only gains bits (CX_FUT_CLAIMED
 *      is shed only together with gaining CX_FUT_DONE; the generation
 *      wraps after 2^24 reuses of the slot, not within one walk), wait
 *      words carry their count, and tids never come back (cx_self ids are
 *      never reused), so each value held for the whole time between its
 *      two reads; all pass-1 reads come before all pass-2 reads (a fence
 *      between them), so at the instant between the passes every link held
 *      at once: each item pending and queued to its executor, each owner
 *      blocked in an untimed wait on the next, the last executor mine.
 *      No owner can run the item that would end its predecessor's wait, so
 *      none of these waits can finish (short of a third thread cancelling
 *      an item or freeing an executor, which the header excludes). Without
 *      pass 2 a stale pass-1 read (an item that completed while the walk
 *      went on) could report a wait that was about to finish.
 *      If pass 2 finds a change, the walk is tried again (CX_DL_TRIES in
 *      all), so that a change that does not end a cycle (a done callback
 *      added to one of its items) does not hide it.
 *   4. The publication is cleared (the count kept) when the wait returns,
 *      on every path; on CTEXEC_EDEADLK the wait returns at once, the
 *      future still pending and still the caller's.
 *
 * Why a cycle is always reported to at least one of its waiters (the
 * Dekker argument): every waiter publishes (a seq_cst store) before it
 * walks, and the walk reads wait words with seq_cst loads. Take the cycle's
 * waiters in the order of their publishing stores in the single total
 * order of seq_cst operations; the last one, L, loads each other waiter's
 * word after all of their stores, so its pass 1 sees every link. Its pass 2
 * fails only if a link changed: a waiter left its wait, which in a
 * deadlock only CTEXEC_EDEADLK does, so that waiter was told. Several
 * waiters may be told at once (the header says so).
 *
 * Cost: nothing for a poll, a done future, a promise, or a thread with no
 * record (one TLS load). A thread that owns an executor and waits on a
 * pending item pays one seq_cst store and one hop (about ten loads) when
 * the item's owner is not itself waiting, one hop more per waiting owner.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "shim.h"

#define CX_THREADS 65536u   /* records: 1 MiB of address space, touched as used */
#define CX_DL_MAX_HOPS 4096 /* the longest chain a walk follows */
#define CX_DL_STACK_HOPS 64 /* hops recorded on the stack; more are malloc'd */
#define CX_DL_TRIES 3       /* walks per check when pass 2 finds a change */

#define CX_W_INDEX(w) ((uint32_t)((w) & 0xffffff))
#define CX_W_GEN(w) ((uint32_t)((w) >> 24) & 0xffffff)
#define CX_W_UNTIMED (1ull << 48)
#define CX_W_COUNT_SHIFT 49
#define CX_W_COUNT_MASK (~0ull << CX_W_COUNT_SHIFT)

struct cx_thread {
    uint64_t tid;  /* the thread's cx_self(); 0 while the record is free */
    uint64_t wait; /* what the thread waits on: the layout above */
};

__thread struct cx_thread *cx_thread_self;

/* CTEXEC_DEBUG_DEADLOCK_PAUSE_NS, read at load: a walk pauses this long at
 * every hop before it reads the owner's wait word, so that a test can make
 * the rest of the world move under a walk (tests/core/test_deadlock.c,
 * no_false_positive_stale_walk, which fails without pass 2). 0: never. */
static int64_t cx_dl_pause_ns;

__attribute__((constructor)) static void cx_deadlock_init(void) {
    const char *v = getenv("CTEXEC_DEBUG_DEADLOCK_PAUSE_NS");
    if (v != NULL && *v != 0) cx_dl_pause_ns = strtoll(v, NULL, 10);
}


static struct cx_thread *cx_threads; /* the slab */
static uint32_t cx_threads_used;     /* records ever handed out */
static uint32_t cx_threads_free[CX_THREADS];
static uint32_t cx_threads_nfree;
static pthread_mutex_t cx_threads_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t cx_thread_key;
static pthread_once_t cx_threads_once = PTHREAD_ONCE_INIT;
static int cx_threads_ok;

/* At thread exit: the record goes back to the free list, its tid cleared
 * first so that no executor of this thread matches it any more. */
static void cx_thread_exit(void *p) {
    struct cx_thread *r = p;
    if (cx_thread_self == r) cx_thread_self = NULL;
    __atomic_store_n(&r->tid, 0, __ATOMIC_SEQ_CST);
    uint64_t w = __atomic_load_n(&r->wait, __ATOMIC_RELAXED);
    __atomic_store_n(&r->wait, w & CX_W_COUNT_MASK, __ATOMIC_RELEASE);
    pthread_mutex_lock(&cx_threads_mu);
    cx_threads_free[cx_threads_nfree++] = (uint32_t)(r - cx_threads);
    pthread_mutex_unlock(&cx_threads_mu);
}

static cx_slab cx_threads_slab; /* committed as records are first handed out */

static void cx_threads_init(void) {
    cx_slab_init(&cx_threads_slab, (size_t)CX_THREADS * sizeof(struct cx_thread));
    cx_threads = (struct cx_thread *)cx_threads_slab.base;
    cx_threads_ok = cx_threads != NULL && pthread_key_create(&cx_thread_key, cx_thread_exit) == 0;
}

struct cx_thread *cx_thread_rec(void) {
    struct cx_thread *r = cx_thread_self;
    if (r != NULL) return r;
    pthread_once(&cx_threads_once, cx_threads_init);
    if (!cx_threads_ok) return NULL;
    pthread_mutex_lock(&cx_threads_mu);
    if (cx_threads_nfree > 0)
        r = &cx_threads[cx_threads_free[--cx_threads_nfree]];
    else if (cx_threads_used < CX_THREADS &&
             cx_slab_cover(&cx_threads_slab, (cx_threads_used + 1) * sizeof(struct cx_thread)))
        r = &cx_threads[cx_threads_used++];
    pthread_mutex_unlock(&cx_threads_mu);
    if (r == NULL) return NULL; /* exhausted: this thread's executors go unchecked */
    if (pthread_setspecific(cx_thread_key, r) != 0) {
        pthread_mutex_lock(&cx_threads_mu);
        cx_threads_free[cx_threads_nfree++] = (uint32_t)(r - cx_threads);
        pthread_mutex_unlock(&cx_threads_mu);
        return NULL;
    }
    __atomic_store_n(&r->tid, cx_self(), __ATOMIC_SEQ_CST);
    cx_thread_self = r;
    return r;
}

/* ---- the walk ------------------------------------------------------------ */

/* One link as pass 1 saw it. */
typedef struct cx_hop {
    cx_future *f;
    struct cx_thread *rec; /* the owner of the executor f's item is queued to */
    uint64_t tid;          /* rec's tid (= that executor's Owner) */
    uint64_t wait;         /* rec's wait word (not read for the last hop) */
    uint32_t state;        /* f's state word, without CX_FUT_SLEEPERS */
} cx_hop;

typedef struct cx_walk {
    cx_hop *hops;
    size_t n, cap;
    cx_hop stack[CX_DL_STACK_HOPS];
} cx_walk;

static cx_hop *cx_walk_next(cx_walk *w) {
    if (w->n == w->cap) {
        if (w->cap >= CX_DL_MAX_HOPS) return NULL;
        cx_hop *h = malloc(CX_DL_MAX_HOPS * sizeof *h);
        if (h == NULL) return NULL;
        memcpy(h, w->hops, w->n * sizeof *h);
        w->hops = h;
        w->cap = CX_DL_MAX_HOPS;
    }
    return &w->hops[w->n++];
}

#define CX_GEN_OF(s) ((s) >> CX_FUT_GEN_SHIFT)
#define CX_PENDING_ITEM(s, gen)                                                         \
    (CX_GEN_OF(s) == (gen) && ((s) & (CX_FUT_HANDLE | CX_FUT_QUEUED)) ==               \
                                  (CX_FUT_HANDLE | CX_FUT_QUEUED) &&                   \
     !((s) & (CX_FUT_PROMISE | CX_FUT_CLAIMED | CX_FUT_DONE)))

/* Pass 1: 1 if the chain from (f, gen) comes back to me, with its links in
 * w; 0 if it ends (no deadlock seen). */
static int cx_dl_collect(struct cx_thread *me, cx_future *f, uint32_t gen, cx_walk *w) {
    struct cx_thread *mark = NULL; /* Brent: a loop that misses me ends the walk */
    size_t power = 1, steps = 0;
    for (;;) {
        uint32_t s = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
        if (!CX_PENDING_ITEM(s, gen)) return 0;
        uintptr_t in = __atomic_load_n(&f->result, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if ((__atomic_load_n(&f->state, __ATOMIC_RELAXED) ^ s) & ~(uint32_t)CX_FUT_SLEEPERS) return 0;
        struct ctexec *ex = cx_valid((ctexec *)(in - offsetof(struct ctexec, in)));
        if (ex == NULL) return 0;
        struct cx_thread *rec = __atomic_load_n(&ex->owner_rec, __ATOMIC_ACQUIRE);
        if (rec == NULL) return 0;
        uint64_t owner = __atomic_load_n(&ex->in.owner, __ATOMIC_RELAXED);
        uint64_t tid = __atomic_load_n(&rec->tid, __ATOMIC_SEQ_CST);
        if (tid != owner) return 0; /* the owner is gone; the record serves another thread */
        cx_hop *h = cx_walk_next(w);
        if (h == NULL) return 0; /* too long */
        h->f = f;
        h->rec = rec;
        h->tid = tid;
        h->state = s & ~(uint32_t)CX_FUT_SLEEPERS;
        h->wait = 0;
        if (rec == me) return 1;
        if (cx_dl_pause_ns > 0) cx_sleep_ns(cx_dl_pause_ns);
        uint64_t ww = __atomic_load_n(&rec->wait, __ATOMIC_SEQ_CST);
        if (CX_W_INDEX(ww) == 0 || !(ww & CX_W_UNTIMED)) return 0; /* the owner can serve */
        h->wait = ww;
        if (rec == mark) return 0; /* a loop without me: its own waiters are told */
        if (++steps == power) {
            mark = rec;
            power *= 2;
            steps = 0;
        }
        f = cx_fut_at(CX_W_INDEX(ww));
        gen = CX_W_GEN(ww);
        if (f == NULL) return 0;
    }
}

/* Pass 2: 1 if every value pass 1 read is unchanged. */
static int cx_dl_confirm(const cx_walk *w) {
    for (size_t i = 0; i < w->n; i++) {
        const cx_hop *h = &w->hops[i];
        uint32_t s = __atomic_load_n(&h->f->state, __ATOMIC_SEQ_CST);
        if ((s & ~(uint32_t)CX_FUT_SLEEPERS) != h->state) return 0;
        if (i + 1 < w->n && __atomic_load_n(&h->rec->wait, __ATOMIC_SEQ_CST) != h->wait) return 0;
        if (__atomic_load_n(&h->rec->tid, __ATOMIC_SEQ_CST) != h->tid) return 0;
    }
    return 1;
}

void cx_dl_publish(struct cx_thread *me, cx_future *f, uint32_t gen, int untimed) {
    uint64_t old = __atomic_load_n(&me->wait, __ATOMIC_RELAXED); /* only this thread writes it */
    uint64_t count = (old & CX_W_COUNT_MASK) + (1ull << CX_W_COUNT_SHIFT);
    uint64_t word = count | (untimed ? CX_W_UNTIMED : 0) | (uint64_t)(gen & 0xffffff) << 24 |
                    cx_fut_index(f);
    __atomic_store_n(&me->wait, word, __ATOMIC_SEQ_CST);
}

int cx_dl_enter(struct cx_thread *me, cx_future *f, uint32_t gen, int untimed, cx_future **next) {
    cx_dl_publish(me, f, gen, untimed);
    cx_walk w;
    w.hops = w.stack;
    w.cap = CX_DL_STACK_HOPS;
    int deadlock = 0;
    for (int t = 0; t < CX_DL_TRIES && !deadlock; t++) {
        w.n = 0;
        if (!cx_dl_collect(me, f, gen, &w)) break;
        __atomic_thread_fence(__ATOMIC_SEQ_CST); /* every pass-1 read before every pass-2 read */
        deadlock = cx_dl_confirm(&w);
    }
    /* The future the next waiter of the cycle waits on (NULL: a self-wait). */
    *next = deadlock && w.n > 1 ? cx_fut_at(CX_W_INDEX(w.hops[0].wait)) : NULL;
    if (w.hops != w.stack) free(w.hops);
    if (deadlock) cx_dl_leave(me);
    return deadlock;
}

void cx_dl_leave(struct cx_thread *me) {
    uint64_t w = __atomic_load_n(&me->wait, __ATOMIC_RELAXED);
    __atomic_store_n(&me->wait, w & CX_W_COUNT_MASK, __ATOMIC_RELEASE);
}
