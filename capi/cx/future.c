/* Futures in C memory. A future is a 16-byte slot (cx_future, shared.h) in
 * one slab of pages (cx_pages_alloc); its state word, outcome and started
 * flag live there, so submitting with a future, waiting, polling,
 * cancelling, completing a promise or an item, and freeing never enter Go.
 * The transitions are the protocol in shared.h; each is written
 * once here (alloc, claim, publish, start, wait, free, release). A future
 * with side state (CX_FUT_EXT: done callbacks, or runs watching it) is
 * completed under its stripe's lock, in future_ext.c. *
 * A handle is the slot index and the slot's generation, multiplied by a
 * per-process odd random number and xor-ed with a per-process random key.
 * Decoding must give 16 zero bits above the 48 that carry index and
 * generation, and the generation must match the slot's and its handle bit
 * be set: a small integer or a random value passes with odds of about
 * 2^-16 times the slab's fill times 2^-24, and a freed handle fails until
 * its slot has been reused 2^24 times (the generation wraps then). */
#define _GNU_SOURCE
#include <stdlib.h>
#include "shim.h"

#define CX_FSLOTS (1u << 24) /* 256 MiB of address space, committed as used (slab.c) */
#define CX_BITS ((1u << CX_FUT_GEN_SHIFT) - 1)

static cx_slab cx_fslots;
static cx_future *cx_fslab;
static uint32_t cx_fused = 1;  /* slots ever handed out; slot 0 is never used */
static uint64_t cx_ffree;      /* free stack: tag << 32 | index (0: empty) */
static uint64_t cx_key, cx_mul, cx_mul_inv;
uint64_t cx_futures_live;

static uint64_t cx_decode_v(uint64_t h) { return (h ^ cx_key) * cx_mul_inv; }

__attribute__((constructor)) static void cx_future_init(void) {
    cx_slab_init(&cx_fslots, (size_t)CX_FSLOTS * sizeof(cx_future));
    cx_fslab = (cx_future *)cx_fslots.base;
    cx_mul = cx_random64() | 1;
    cx_mul_inv = cx_mul; /* Newton's iteration: each step doubles the correct low bits */
    for (int i = 0; i < 6; i++) cx_mul_inv *= 2 - cx_mul * cx_mul_inv;
    do cx_key = cx_random64(); while (cx_decode_v(0) >> 48 == 0); /* 0 is never valid */
}

uint64_t cx_fut_handle(const cx_future *f, uint32_t gen) {
    uint64_t v = (uint64_t)(f - cx_fslab) | (uint64_t)gen << 24;
    return (v * cx_mul) ^ cx_key;
}

/* The slot a handle names, and its generation; NULL if the handle cannot be
 * one we issued. The caller checks the generation against the slot. */
static cx_future *cx_fut_decode(uint64_t h, uint32_t *gen) {
    uint64_t v = cx_decode_v(h);
    uint32_t i = (uint32_t)(v & 0xffffff);
    if (v >> 48 != 0 || i == 0 || i >= __atomic_load_n(&cx_fused, __ATOMIC_ACQUIRE)) return NULL;
    *gen = (uint32_t)(v >> 24) & 0xffffff;
    return &cx_fslab[i];
}

/* ---- the pool: a lock-free stack of released slots ---------------------- */

cx_future *cx_fut_alloc(uint32_t bits, uint32_t *gen) {
    if (cx_fslab == NULL) return NULL;
    uint64_t h = CX_LOAD(&cx_ffree);
    uint32_t i;
    for (;;) {
        i = (uint32_t)h;
        if (i == 0) break;
        /* The link may be stale if another thread pops i first; the tag
         * makes the CAS fail then. The slab is never unmapped. */
        uint64_t next = __atomic_load_n(&cx_fslab[i].result, __ATOMIC_RELAXED) & 0xffffffff;
        if (CX_CAS(&cx_ffree, &h, ((h >> 32) + 1) << 32 | next)) break;
    }
    if (i == 0) {
        /* A fresh slot: counted in cx_fused only once its page is
         * committed, since decoding reads any slot below cx_fused. */
        uint32_t u = __atomic_load_n(&cx_fused, __ATOMIC_RELAXED);
        do {
            if (u >= CX_FSLOTS) return NULL;
            if (!cx_slab_cover(&cx_fslots, (size_t)(u + 1) * sizeof(cx_future))) return NULL;
        } while (!CX_CAS(&cx_fused, &u, u + 1));
        i = u;
    }
    cx_future *f = &cx_fslab[i];
    uint32_t s = CX_LOAD(&f->state);
    f->code = 0;
    f->result = 0;
    __atomic_store_n(&f->state, (s & ~CX_BITS) | bits, __ATOMIC_RELEASE);
    *gen = CX_GEN(s);
    return f;
}

/* Ends the slot's generation and returns it to the pool. A waiter still
 * asleep on it (a host bug: it freed a handle another thread waits on)
 * wakes up to CTEXEC_EBADHANDLE. */
void cx_fut_release(cx_future *f) {
    uint32_t s = CX_LOAD(&f->state);
    if (s & CX_FUT_EXT) cx_fut_drop_ext(f, CX_GEN(s)); /* before the generation moves on */
    uint32_t n = ((CX_GEN(s) + 1) & CX_FUT_GEN_MASK) << CX_FUT_GEN_SHIFT;
    if (__atomic_exchange_n(&f->state, n, __ATOMIC_ACQ_REL) & CX_FUT_SLEEPERS) cx_wake_all(&f->state);
    uint64_t i = (uint64_t)(f - cx_fslab), h = CX_LOAD(&cx_ffree);
    do __atomic_store_n(&f->result, (uintptr_t)(uint32_t)h, __ATOMIC_RELAXED);
    while (!CX_CAS(&cx_ffree, &h, ((h >> 32) + 1) << 32 | i));
}

/* ---- transitions (shared.h) ---------------------------------------------- */

/* The outcome of cx_fut_claim: the caller owns Code and Result; or the
 * future has side state and its completion must take the stripe's lock
 * (future_ext.c); or it cannot be claimed (the status says why). */
typedef enum { CX_CLAIMED, CX_CLAIM_EXT, CX_CLAIM_FAILED } cx_claim_t;

/* Claims f for kind: sets CX_FUT_CLAIMED unless it is claimed or done
 * (and, for a cancel, unless its item started). A completion by the item
 * needs no handle. locked: the caller holds f's stripe lock, so side
 * state is no reason to refuse. */
static cx_claim_t cx_fut_claim(cx_future *f, uint32_t gen, int kind, int locked, int *st) {
    uint32_t s = CX_LOAD(&f->state);
    for (;;) {
        *st = CTEXEC_EBADHANDLE;
        if (CX_GEN(s) != gen || (kind != CX_BY_ITEM && !(s & CX_FUT_HANDLE))) return CX_CLAIM_FAILED;
        *st = CTEXEC_EINVAL;
        if (kind == CX_BY_PROMISE && !(s & CX_FUT_PROMISE)) return CX_CLAIM_FAILED;
        *st = CTEXEC_ESTATE;
        if ((s & (CX_FUT_CLAIMED | CX_FUT_DONE)) || (kind == CX_BY_CANCEL && (s & CX_FUT_STARTED)))
            return CX_CLAIM_FAILED;
        *st = CTEXEC_OK;
        if ((s & CX_FUT_EXT) && !locked) return CX_CLAIM_EXT;
        if (CX_CAS(&f->state, &s, s | CX_FUT_CLAIMED)) return CX_CLAIMED;
    }
}

/* Makes a claimed f done and wakes its waiters; a completion by the item
 * also drops the entry's reference. The release ordering of the CAS puts
 * the claimer's Code and Result writes before any reader that sees
 * CX_FUT_DONE with an acquire load. 1: that was the slot's last
 * reference, and the caller releases it. */
int cx_fut_publish(cx_future *f, int kind) {
    uint32_t s = CX_LOAD(&f->state), n;
    do {
        n = (s | CX_FUT_DONE) & ~(uint32_t)(CX_FUT_CLAIMED | CX_FUT_SLEEPERS);
        if (kind == CX_BY_ITEM) n &= ~(uint32_t)CX_FUT_QUEUED;
    } while (!CX_CAS(&f->state, &s, n));
    if (s & CX_FUT_SLEEPERS) cx_wake_all(&f->state);
    return kind == CX_BY_ITEM && !(n & (CX_FUT_HANDLE | CX_FUT_QUEUED));
}

/* An item is over without completing its future (it was cancelled first):
 * drops the entry's reference, and releases the slot if it was the last. */
void cx_fut_unqueue(cx_future *f) {
    uint32_t s = CX_LOAD(&f->state), n;
    do n = s & ~(uint32_t)CX_FUT_QUEUED;
    while (!CX_CAS(&f->state, &s, n));
    if (!(n & CX_FUT_HANDLE)) cx_fut_release(f);
}

/* Completes generation gen of f once, with (result, code), for kind: the
 * one implementation of set_result, set_error, cancel, an item's end and
 * the discard of a freed executor's items. A future with side state goes
 * through its stripe's lock (future_ext.c). Returns CTEXEC_OK or why not;
 * an item's end always drops the entry's reference. */
int cx_fut_complete(cx_future *f, uint32_t gen, int kind, uintptr_t result, int code) {
    int st;
    switch (cx_fut_claim(f, gen, kind, 0, &st)) {
    case CX_CLAIM_EXT: return cx_fut_complete_ext(f, gen, kind, result, code);
    case CX_CLAIM_FAILED:
        if (kind == CX_BY_ITEM) cx_fut_unqueue(f);
        return st;
    case CX_CLAIMED: break;
    }
    f->code = code;
    f->result = result;
    if (cx_fut_publish(f, kind)) cx_fut_release(f);
    return CTEXEC_OK;
}

/* cx_fut_complete_ext's claim, under the stripe's lock. */
int cx_fut_claim_locked(cx_future *f, uint32_t gen, int kind) {
    int st;
    if (cx_fut_claim(f, gen, kind, 1, &st) == CX_CLAIMED) return CTEXEC_OK;
    return st;
}

static int cx_fut_outcome(cx_future *f, uint32_t gen, uintptr_t *out) {
    uint32_t s = CX_LOAD(&f->state);
    if (!CX_LIVE(s, gen)) return CTEXEC_EBADHANDLE;
    if (!(s & CX_FUT_DONE)) return CTEXEC_ETIMEDOUT;
    int code = f->code;
    uintptr_t r = f->result;
    if (!CX_LIVE(CX_LOAD(&f->state), gen)) return CTEXEC_EBADHANDLE; /* reused while read */
    *out = r;
    return code;
}

/* The adaptive spin of every waiter (cx_spin: futures, the idle owner,
 * and submitters waiting for room, cx_spin_while), with one addition for
 * futures: a waiter
 * whose item has not started within CX_SPIN_UNSTARTED_NS stops spinning
 * (without shrinking the budget). Then the owner is asleep or busy with
 * items queued ahead, the wait will be long, and a spinning waiter would
 * only take a CPU from the threads that make the progress it waits for
 * (measured: with 2 submitters and the owner on 2 vCPUs, spinning waiters
 * cut throughput with futures to 0.6x of not spinning at all). Once the
 * item has started, the owner is running it, and the spin goes on up to
 * the budget. A promise never starts: its waiter spins briefly only.
 * And at most one waiter per CPU but one spins at a time; the others sleep
 * at once (measured: 8 submitters on 2 vCPUs, each spinning on its own
 * future, kept the owner off the CPU and fell to 0.78x a pthread queue). */
#define CX_SPIN_UNSTARTED_NS 3000

static uint32_t cx_spinners, cx_max_spinners = 1;

__attribute__((constructor)) static void cx_spin_init(void) {
    long n = cx_ncpus();
    if (n > 2) cx_max_spinners = (uint32_t)(n - 1);
}

/* The adaptive budget of a kind of waiter. A spin that ends in success
 * doubles it, or raises it to four times what the spin took if that is
 * more (at most cx_spin_ns); one that fails halves it. So a lone failure
 * is repaired by the next success, and only failures in a row collapse it.
 * Once collapsed (below CX_SPIN_MIN_NS: both threads share a CPU, or the
 * other side is slow), one wait in CX_SPIN_PROBE_EVERY still probes with
 * the full cx_spin_ns, so the fast mode is found again. One budget for
 * waiters on futures, one for idle owners (cx_owner_wait), one for
 * submitters waiting for room (cx_spin_while). */
typedef struct {
    int64_t budget;
    uint32_t waits;
} cx_spinner;

static cx_spinner cx_wait_spin, cx_owner_spin, cx_room_spin;

/* What a spin waits for: a future done (CX_SPIN_DONE), the owner's Wake
 * signalled (CX_SPIN_SIGNALED), or the word moved off a value
 * (CX_SPIN_CHANGED). */
enum { CX_SPIN_DONE, CX_SPIN_SIGNALED, CX_SPIN_CHANGED };

static inline __attribute__((always_inline)) int cx_spin(cx_spinner *sp, const uint32_t *word, int kind,
                                                          uint32_t val, int64_t deadline);

static int cx_spin_until_done(const uint32_t *word, int64_t deadline) {
    if (CX_LOAD(word) & CX_FUT_DONE) return 1;
    if (cx_spin_ns <= 0) return 0;
    if (__atomic_add_fetch(&cx_spinners, 1, __ATOMIC_RELAXED) > cx_max_spinners) {
        __atomic_sub_fetch(&cx_spinners, 1, __ATOMIC_RELAXED);
        return 0;
    }
    int done = cx_spin(&cx_wait_spin, word, CX_SPIN_DONE, 0, deadline);
    __atomic_sub_fetch(&cx_spinners, 1, __ATOMIC_RELAXED);
    return done;
}

/* A submitter waiting for room (ingress.c, cx_room_wait): spins, within
 * the room waiters' budget and the deadline, until *word != val; 1 if it
 * changed. Room waiters have a cap of their own, the same number: the
 * owner needs a CPU to make room (measured: with 2 submitters on 2 vCPUs
 * both spinning, a bound of 1,024 ran at 0.56x of unbounded). */
static uint32_t cx_room_spinners;

int cx_spin_while(const uint32_t *word, uint32_t val, int64_t deadline) {
    if (cx_spin_ns <= 0) return 0;
    if (__atomic_add_fetch(&cx_room_spinners, 1, __ATOMIC_RELAXED) > cx_max_spinners) {
        __atomic_sub_fetch(&cx_room_spinners, 1, __ATOMIC_RELAXED);
        return 0;
    }
    int changed = cx_spin(&cx_room_spin, word, CX_SPIN_CHANGED, val, deadline);
    __atomic_sub_fetch(&cx_room_spinners, 1, __ATOMIC_RELAXED);
    return changed;
}

/* Spins, within sp's budget and the deadline, until *word says the wait is
 * over (kind: see CX_SPIN_DONE). 1: it is. Inlined into each caller, whose
 * kind is a constant, so that the test per read folds to the one it needs
 * (out of line, futures throughput with 2 submitters measured 0.82-0.89x
 * of the two-kind version in A/B runs here, on a loaded machine; inlined,
 * 1.02-1.04x). */
static inline __attribute__((always_inline)) int cx_spin(cx_spinner *sp, const uint32_t *word, int kind,
                                                          uint32_t val, int64_t deadline) {
    int64_t limit = cx_spin_ns;
    if (limit <= 0) return 0;
    int64_t budget = __atomic_load_n(&sp->budget, __ATOMIC_RELAXED);
    if (budget == 0) budget = limit;
    if (budget < CX_SPIN_MIN_NS) {
        if ((__atomic_add_fetch(&sp->waits, 1, __ATOMIC_RELAXED) % CX_SPIN_PROBE_EVERY) != 0)
            return 0;
        budget = limit;
    }
    int64_t start = cx_now(), end = start + (budget < limit ? budget : limit);
    if (deadline >= 0 && deadline < end) end = deadline;
    for (unsigned i = 1;; i++) {
        cx_relax();
        uint32_t s = CX_LOAD(word);
        if (kind == CX_SPIN_DONE ? (s & CX_FUT_DONE) != 0 : kind == CX_SPIN_SIGNALED ? s == CX_WAKE_SIGNALED : s != val) {
            int64_t b = 4 * (cx_now() - start);
            if (b < 2 * budget) b = 2 * budget;
            if (b < CX_SPIN_MIN_NS) b = CX_SPIN_MIN_NS;
            __atomic_store_n(&sp->budget, b < limit ? b : limit, __ATOMIC_RELAXED);
            return 1;
        }
        if ((i & 63) == 0) {
            int64_t now = cx_now();
            if (now >= end) {
                __atomic_store_n(&sp->budget, budget / 2, __ATOMIC_RELAXED);
                return 0;
            }
            if (kind == CX_SPIN_DONE && !(s & CX_FUT_STARTED) && now - start >= CX_SPIN_UNSTARTED_NS) return 0;
        }
    }
}

/* The owner's wait in ctexec_run_until, between two Go steps
 * (executor.RunUntilStart, RunUntilResume): the owner is armed (Wake is
 * CX_WAKE_ARMED, CX_FLAG_WAITING set); a push or a quit signals it
 * (cx_signal: Wake becomes CX_WAKE_SIGNALED, and a futex wake if it was
 * CX_WAKE_SLEEPING). It spins first, then moves Wake from ARMED to
 * SLEEPING and sleeps, at most left_ns (< 0: no limit). Go disarms it
 * under the lock on its next step. Waiting here, outside any Go frame,
 * keeps the Go runtime from seeing a thread blocked in a cgo call.
 * Returns 1 if it slept (or tried to: a timeout), 0 if the spin, or a
 * signal before the sleep, ended it. */
int cx_owner_wait(cx_ingress *in, int64_t left_ns) {
    int64_t deadline = left_ns < 0 ? -1 : cx_now() + left_ns;
    if (cx_spin(&cx_owner_spin, &in->wake, CX_SPIN_SIGNALED, 0, deadline)) return 0;
    uint32_t armed = CX_WAKE_ARMED;
    if (!__atomic_compare_exchange_n(&in->wake, &armed, CX_WAKE_SLEEPING, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return 0; /* signaled meanwhile */
    int64_t left = -1;
    if (deadline >= 0 && (left = deadline - cx_now()) < 0) left = 0;
    cx_wait_on(&in->wake, CX_WAKE_SLEEPING, left);
    return 1;
}

/* Deadlock detection (deadlock.c): 1 if this wait is to return
 * CTEXEC_EDEADLK now. The wait of ctexec_call cancels its item first; if
 * the item has started it must not return (the item may use the caller's
 * stack), so it stays published and hands the cycle on (*handed): it wakes
 * the next waiter of the cycle, which checks again before it sleeps. In a
 * cycle not every item can have started (each started item's owner is
 * inside it, waiting on the next; the cycle's first submit came before any
 * start), so the hand-over ends at a waiter that is told. */
static int cx_dl_blocked(struct cx_thread *me, cx_future *f, uint32_t gen, int untimed, int call,
                         int *handed) {
    cx_future *next;
    if (!cx_dl_enter(me, f, gen, untimed, &next)) return 0;
    if (!call || cx_fut_cancel(f, gen) == CTEXEC_OK) return 1;
    cx_dl_publish(me, f, gen, untimed);
    if (next != NULL) cx_wake_all(&next->state);
    *handed = 1;
    return 0;
}

/* A waiter that handed a cycle on sleeps at most this long, doubling up to
 * CX_DL_RECHECK_MAX_NS, and checks (and wakes the next waiter) again each
 * time: its wake-up may have come between the next waiter's last check
 * and its sleep. Other waits sleep without a time limit: a timed sleep
 * arms a timer, which cost 6 us per sleeping round trip here. */
#define CX_DL_RECHECK_NS 1000000
#define CX_DL_RECHECK_MAX_NS 256000000

int cx_fut_wait(cx_future *f, uint32_t gen, int64_t timeout_ns, uintptr_t *out, int call) {
    uint32_t s = CX_LOAD(&f->state);
    if (CX_LIVE(s, gen) && !(s & CX_FUT_DONE) && timeout_ns != 0) {
        /* Deadlock detection (deadlock.c): waits on items, by threads that
         * own an executor; everyone else pays the TLS load only. */
        struct cx_thread *me = (s & CX_FUT_PROMISE) ? NULL : cx_thread_self;
        int untimed = timeout_ns < 0, handed = 0;
        if (me != NULL && cx_dl_blocked(me, f, gen, untimed, call, &handed)) return CTEXEC_EDEADLK;
        int64_t deadline = cx_deadline(timeout_ns), recheck = CX_DL_RECHECK_NS;
        if (!cx_spin_until_done(&f->state, deadline)) {
            for (;;) {
                s = CX_LOAD(&f->state);
                if (!CX_LIVE(s, gen) || (s & CX_FUT_DONE)) break;
                int64_t left = -1;
                if (deadline >= 0 && (left = deadline - cx_now()) <= 0) break;
                if (!(s & CX_FUT_SLEEPERS)) {
                    if (!CX_CAS(&f->state, &s, s | CX_FUT_SLEEPERS)) continue;
                    s |= CX_FUT_SLEEPERS;
                }
                if (me != NULL && untimed) {
                    if (cx_dl_blocked(me, f, gen, untimed, call, &handed)) return CTEXEC_EDEADLK;
                    if (handed) {
                        left = recheck;
                        if (recheck < CX_DL_RECHECK_MAX_NS) recheck *= 2;
                    }
                }
                cx_wait_on(&f->state, s, left);
            }
        }
        if (me != NULL) cx_dl_leave(me);
    }
    return cx_fut_outcome(f, gen, out);
}

/* Lets go of the handle; releases the slot if its item is over too. */
int cx_fut_free(cx_future *f, uint32_t gen) {
    uint32_t s = CX_LOAD(&f->state), n;
    do {
        if (!CX_LIVE(s, gen)) return CTEXEC_EBADHANDLE;
        n = s & ~(uint32_t)CX_FUT_HANDLE;
    } while (!CX_CAS(&f->state, &s, n));
    if (!(n & CX_FUT_QUEUED)) cx_fut_release(f);
    return CTEXEC_OK;
}

/* ---- the owner's side: executor.Runner.RunBatch ----------------------- */

/* The owner's counts of a counted executor (shared.h: cx_counters):
 * an item is counted as it starts or is skipped. */
static inline void cx_count(uint64_t *c) { __atomic_store_n(c, *c + 1, __ATOMIC_RELEASE); }

/* Marks an item's future as running: 0 if it was cancelled first (the
 * item is then skipped). Exactly one of this CAS and a cancel's claim
 * wins. */
int cx_fut_start(cx_future *f) {
    uint32_t s = CX_LOAD(&f->state);
    for (;;) {
        if (s & (CX_FUT_CLAIMED | CX_FUT_DONE)) return 0;
        if (CX_CAS(&f->state, &s, s | CX_FUT_STARTED)) return 1;
    }
}

/* Runs one entry of a batch (cx_run_batch). */
static inline void cx_run_entry(cx_ingress *in, const cx_entry *e, cx_counters *cnt) {
    if (__builtin_expect(e->fn == (uintptr_t)cx_xrun, 0)) {
        cx_run_rec(in, (cx_xrec *)e->arg, cnt);
        return;
    }
    cx_future *f = e->fut;
    void *result = NULL;
    if (f == NULL) {
        if (cnt != NULL) cx_count(&cnt->started);
        int rc = ((ctexec_fn)e->fn)((void *)e->arg, &result);
        if (__builtin_expect(rc != 0, 0)) cx_item_error(in, rc);
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
        if (f != NULL) cx_fut_complete(f, CX_GEN(CX_LOAD(&f->state)), CX_BY_ITEM, 0, CTEXEC_ECANCELLED);
    }
}

/* ---- entry points -------------------------------------------------------- */

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
    cx_future *f = cx_fut_decode(h, &gen);
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
        cx_future *f = cx_fut_decode(h, &gen);
        return f != NULL && CX_LIVE(CX_LOAD(&f->state), gen) ? CTEXEC_EINVAL : CTEXEC_EBADHANDLE;
    }
    return cx_complete_handle(h, CX_BY_PROMISE, 0, code);
}

int ctexec_future_cancel(ctexec_future h) {
    CX_ENTER();
    CX_HOOK("future_cancel");
    uint32_t gen;
    cx_future *f = cx_fut_decode(h, &gen);
    if (f == NULL) return CTEXEC_EBADHANDLE;
    int rc = cx_fut_complete(f, gen, CX_BY_CANCEL, 0, CTEXEC_ECANCELLED);
    if (rc == CTEXEC_OK) cx_fut_cancelled_destroy(f, gen); /* this cancel decided the outcome */
    return rc;
}

int ctexec_future_done(ctexec_future h) {
    CX_ENTER();
    CX_HOOK("future_done");
    uint32_t gen;
    cx_future *f = cx_fut_decode(h, &gen);
    if (f == NULL) return CTEXEC_EBADHANDLE;
    uint32_t s = CX_LOAD(&f->state);
    if (!CX_LIVE(s, gen)) return CTEXEC_EBADHANDLE;
    return (s & CX_FUT_DONE) != 0;
}

int ctexec_future_wait(ctexec_future h, int64_t timeout_ns, void **out_result) {
    CX_ENTER();
    CX_HOOK("future_wait");
    uint32_t gen;
    cx_future *f = cx_fut_decode(h, &gen);
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
    cx_future *f = cx_fut_decode(h, &gen);
    if (f == NULL) return CTEXEC_EBADHANDLE;
    return cx_fut_add_done(f, gen, h, (uintptr_t)cb, (uintptr_t)userdata);
}

int ctexec_future_free(ctexec_future h) {
    CX_ENTER();
    CX_HOOK("future_free");
    uint32_t gen;
    cx_future *f = cx_fut_decode(h, &gen);
    if (f == NULL) return CTEXEC_EBADHANDLE;
    int rc = cx_fut_free(f, gen);
    if (rc == CTEXEC_OK) __atomic_sub_fetch(&cx_futures_live, 1, __ATOMIC_RELAXED);
    return rc;
}

/* Used by deadlock.c: the slot of an index, and the index of a slot. */
cx_future *cx_fut_at(uint32_t i) {
    return i != 0 && i < __atomic_load_n(&cx_fused, __ATOMIC_ACQUIRE) ? &cx_fslab[i] : NULL;
}
uint32_t cx_fut_index(const cx_future *f) { return (uint32_t)(f - cx_fslab); }

/* Used by ctexec_call after CTEXEC_EDEADLK: cancels the item unless it
 * has started. */
int cx_fut_cancel(cx_future *f, uint32_t gen) {
    return cx_fut_complete(f, gen, CX_BY_CANCEL, 0, CTEXEC_ECANCELLED);
}

/* Used by ctexec_run_until: the slot and generation a handle names. */
cx_future *cx_fut_lookup(uint64_t h, uint32_t *gen) { return cx_fut_decode(h, gen); }
