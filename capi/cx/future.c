/* Futures in C memory. A future is a 16-byte slot (cx_future, shared.h) in
 * one slab of pages (cx_pages_alloc); its state word, outcome and started
 * flag live there, so submitting with a future, waiting, polling,
 * cancelling, completing a promise or an item, and freeing never enter Go.
 * The transitions are the protocol in shared.h; each is written
 * once here (alloc, claim, publish, start, wait, free, release). A future
 * with side state (CX_FUT_EXT: done callbacks, or runs watching it) is
 * completed under its stripe's lock, in future_ext.c. The waits are in
 * wait.c, the batch runner that starts and completes items in run.c and
 * the entry points in future_api.c.
 *
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

/* The outcome of generation gen of f, if it is done (wait.c). */
int cx_fut_outcome(cx_future *f, uint32_t gen, uintptr_t *out) {
    uint32_t s = CX_LOAD(&f->state);
    if (!CX_LIVE(s, gen)) return CTEXEC_EBADHANDLE;
    if (!(s & CX_FUT_DONE)) return CTEXEC_ETIMEDOUT;
    int code = f->code;
    uintptr_t r = f->result;
    if (!CX_LIVE(CX_LOAD(&f->state), gen)) return CTEXEC_EBADHANDLE; /* reused while read */
    *out = r;
    return code;
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

/* ---- start (the owner) ------------------------------------------------- */

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
