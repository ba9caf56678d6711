/* Submit options (include/ctexec.h, "Submit options"): ctexec_submit_with,
 * ctexec_is_owner, dispatch and post, destroy-notify, the error hook and
 * the urgent lane. Timers (delay_ns > 0) are handed to the timer module
 * through cx_timer_add.
 *
 * ---- Records --------------------------------------------------------------
 * A plain item is an entry {fn, arg, fut} in a queue chunk, and nothing
 * here touches that path: ctexec_submit, ctexec_call, and
 * ctexec_submit_with with NULL or all-zero options, push it as before. An
 * item with a destroy function and nothing else (no future, not urgent,
 * not delayed) is an entry too, {fn, arg, destroy | CX_ENTRY_DESTROY}
 * (shared.h, "Entry"): the owner calls destroy after it ran (cx_run_entry),
 * ctexec_free's discard instead of running it (cx_discard). Any other
 * item with a destroy function or the urgent flag is a record (cx_xrec,
 * shim.h, C heap memory carved from a thread's slab: "The record pool"
 * below): {fn, arg, destroy, fut, next, flags, slab}. In a chunk
 * it is the entry {cx_xrun, record, fut}; the owner's batch runner
 * recognises cx_xrun with one compare per entry (run.c, cx_run_batch)
 * and runs it through cx_run_rec. The urgent lane holds records only. A
 * record belongs to the queue that holds it: exactly one of the owner
 * (cx_run_rec), ctexec_free (cx_discard_rec) or the submit that failed to
 * queue it frees it. Go's chain walk and waits for room move the entry
 * {cx_xrun, record, fut} as any other (cx_push_entry keeps its lane).
 *
 * ---- destroy: who calls it, exactly once -----------------------------------
 * The item's outcome is decided by exactly one thread, by the protocol of
 * the future's state word (shared.h): the owner's start CAS
 * (cx_fut_start) and a cancel's claim (cx_fut_claim) exclude each other,
 * and a discard's completion by the item (CX_BY_ITEM) claims only a future
 * no canceller claimed. That thread calls destroy:
 *   - the owner, in cx_run_rec, if the item started (or has no future),
 *     after cx_fut_complete returned (done callbacks ran in it);
 *   - the canceller, in ctexec_future_cancel, if its claim won: it reads
 *     destroy and arg from the future's side slot (below), never from the
 *     record, which the owner may free as soon as it sees the item
 *     skipped; the owner then frees the record without calling destroy;
 *   - ctexec_free's thread, in cx_discard_rec, if its completion of the
 *     future succeeded (or the item has none);
 *   - the submitting thread for every error ctexec_submit_with returns,
 *     when nothing was queued (the record, if any, is freed there).
 *
 * The side slot. Each future slot index i has cx_xslots[i] = {destroy,
 * arg, tag}, written by the submit before the handle leaves it (so before
 * any cancel can name it), tag = gen | CX_XLIVE stored last (release).
 * Whoever decides the outcome takes it with a CAS of the tag from
 * gen | CX_XLIVE to gen (cx_xtake): the canceller whose claim on
 * generation gen won (it holds the handle, so the slot and its generation
 * cannot move on under it: freeing a handle while another thread cancels
 * it is a host bug) and then calls destroy; the owner as soon as the item
 * started (cx_run_rec: from then on no cancel can win); ctexec_free's
 * discard after its completion won; a refused submit before it releases
 * the slot. So no owed side slot outlives its generation, and a slot of an
 * older generation never matches (its tag's generation differs, or its
 * live bit is clear), even after the 24-bit generation wraps. Plain
 * futures never write it, and the only cost to a plain cancel is one
 * load and compare. The table is
 * address space reserved once and committed as indexes are first used
 * (cx_xcovered, stored with release after the commit, loaded with
 * acquire before any read).
 *
 * ---- The urgent lane ------------------------------------------------------
 * A FIFO list of records in the executor's slot (urgent_head, urgent_tail)
 * under the ingress lock; in.urgent holds the number queued (low 32 bits)
 * and CX_URGENT_USED once the lane was ever used, written under the lock.
 * The owner loads in.urgent (relaxed) before each entry it runs and after
 * a batch's last entry; a nonzero
 * count makes it take the list under the lock (which orders the records'
 * contents before their use) and run it: the snapshot. A count it misses
 * (a push landing just after the load) is seen at the next entry, or by
 * nextBatch under the lock. Normal items cannot starve: after a snapshot
 * the owner runs the next normal entry before it looks again (after the
 * look that follows a batch's last entry, the slot's urgent_after skips
 * the next batch's first look: run.c, cx_run_batch). A push to
 * the lane counts against max_queued as any push does, and wakes the owner
 * or the host as cx_push does. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "shim.h"
#include "abi.h"

#define CX_SUBMIT_FLAGS (CTEXEC_SUBMIT_DISPATCH | CTEXEC_SUBMIT_URGENT | CTEXEC_SUBMIT_POST)
/* The first released size of ctexec_submit_opts (0.3.0): 24 bytes. */
#define CX_SUBMIT_OPTS_SIZE_0_3 (offsetof(ctexec_submit_opts, destroy) + sizeof(void *))

/* The error hook of an executor (ctexec_options.on_error). */
struct cx_errhook {
    ctexec_error_fn fn;
    void *ud;
};

/* ---- the side slots of futures ------------------------------------------ */

typedef struct cx_xslot {
    ctexec_destroy_fn destroy;
    uintptr_t arg;
    uint32_t tag; /* the generation, | CX_XLIVE while destroy is still owed */
} cx_xslot;
#define CX_XLIVE 0x80000000u

#define CX_XSLOTS (1u << 24) /* as many as future slots (future.c) */
static cx_slab cx_xslab;
static uint32_t cx_xslab_mu;
static cx_xslot *cx_xbase;
static uint64_t cx_xcovered; /* bytes of cx_xbase usable */

int cx_fut_set_destroy(cx_future *f, uint32_t gen, ctexec_destroy_fn destroy, uintptr_t arg) {
    uint64_t need = ((uint64_t)cx_fut_index(f) + 1) * sizeof(cx_xslot);
    if (CX_LOAD(&cx_xcovered) < need) {
        cx_mutex_lock(&cx_xslab_mu);
        if (cx_xbase == NULL) {
            cx_slab_init(&cx_xslab, (size_t)CX_XSLOTS * sizeof(cx_xslot));
            cx_xbase = (cx_xslot *)cx_xslab.base;
        }
        int ok = cx_xbase != NULL && cx_slab_cover(&cx_xslab, (size_t)need);
        if (ok) __atomic_store_n(&cx_xcovered, cx_xslab.committed, __ATOMIC_RELEASE);
        cx_mutex_unlock(&cx_xslab_mu);
        if (!ok) return CTEXEC_ENOMEM;
    }
    cx_xslot *x = &cx_xbase[cx_fut_index(f)];
    x->destroy = destroy;
    x->arg = arg;
    __atomic_store_n(&x->tag, gen | CX_XLIVE, __ATOMIC_RELEASE);
    return CTEXEC_OK;
}

/* Takes generation gen's side slot of f: 1 (with *x) if it was still owed,
 * and it no longer is. The CAS on the tag makes a slot of an older
 * generation (say the slot was released and reused since) never match:
 * so no stale side slot survives to meet a cancel 2^24 generations later,
 * every owed one is taken by whoever decides the outcome. */
static int cx_xtake(cx_future *f, uint32_t gen, cx_xslot **x) {
    uint32_t i = cx_fut_index(f);
    if (CX_LOAD(&cx_xcovered) < ((uint64_t)i + 1) * sizeof(cx_xslot)) return 0;
    *x = &cx_xbase[i];
    uint32_t t = gen | CX_XLIVE;
    return CX_CAS(&(*x)->tag, &t, gen);
}

void cx_fut_cancelled_destroy(cx_future *f, uint32_t gen) {
    cx_xslot *x;
    /* The canceller holds the handle: the slot cannot be released and
     * written again before this returns, so destroy and arg are gen's. */
    if (cx_xtake(f, gen, &x) && x->destroy != NULL) x->destroy((void *)x->arg);
}

void cx_fut_drop_destroy(cx_future *f, uint32_t gen) {
    cx_xslot *x;
    cx_xtake(f, gen, &x);
}

/* ---- records and the lanes ---------------------------------------------- */

/* ---- The record pool -------------------------------------------------------
 * Records are made by the submitting threads and freed by the owner (or by
 * ctexec_free's thread). A malloc and a cross-thread free of one record
 * per item was the largest cost of a fire-and-forget item with
 * destroy-notify (asio::post onto cte::asio_executor, issue 21: glibc's
 * free of another thread's chunk takes that arena's lock). So a thread
 * carves its records out of a slab of CX_REC_SLAB records, one malloc,
 * that holds a count of the records not yet freed. cx_rec_free decrements
 * it (one atomic operation, from any thread) and the last one frees the
 * slab. Nothing is cached beyond that: a thread holds at most one slab
 * not yet handed out in full, and its unused records are given up (the
 * count decremented by them) when the thread exits, by a pthread key's
 * destructor; a thread without it (the key failed, or it is exiting)
 * mallocs records one by one (slab NULL). A slab is freed as soon as its
 * last record is: memory is bounded by the live records plus one slab a
 * thread, and leak checkers see every slab reachable (from a thread's
 * current slab or from a live record) or freed. */
#define CX_REC_SLAB 64

struct cx_rec_slab {
    uint32_t live; /* records not yet freed, plus those not yet handed out */
    uint32_t pad;
    cx_xrec recs[CX_REC_SLAB];
};

struct cx_rec_cache {
    struct cx_rec_slab *slab; /* the one being handed out, or NULL */
    uint32_t next;            /* its next record */
    uint8_t state;            /* 0: no key yet; 1: the key's destructor is armed; 2: off */
};
static __thread struct cx_rec_cache cx_rc;
static pthread_key_t cx_rec_key;
static pthread_once_t cx_rec_once = PTHREAD_ONCE_INIT;
static int cx_rec_key_ok;

/* Gives up n records of slab b; frees it if they were its last. */
static void cx_rec_slab_put(struct cx_rec_slab *b, uint32_t n) {
    if (__atomic_sub_fetch(&b->live, n, __ATOMIC_ACQ_REL) == 0) free(b);
}

static void cx_rec_thread_exit(void *p) {
    (void)p;
    struct cx_rec_cache *c = &cx_rc;
    c->state = 2;
    /* A slab handed out in full is no longer this thread's to put. */
    if (c->slab != NULL && c->next < CX_REC_SLAB) cx_rec_slab_put(c->slab, CX_REC_SLAB - c->next);
    c->slab = NULL;
}

static void cx_rec_key_init(void) { cx_rec_key_ok = pthread_key_create(&cx_rec_key, cx_rec_thread_exit) == 0; }

cx_xrec *cx_rec_alloc(void) {
    struct cx_rec_cache *c = &cx_rc;
    if (c->slab == NULL || c->next == CX_REC_SLAB) {
        c->slab = NULL;
        if (c->state == 0) {
            pthread_once(&cx_rec_once, cx_rec_key_init);
            c->state = cx_rec_key_ok && pthread_setspecific(cx_rec_key, c) == 0 ? 1 : 2;
        }
        struct cx_rec_slab *b = c->state == 1 ? malloc(sizeof *b) : NULL;
        if (b == NULL) {
            cx_xrec *r = malloc(sizeof *r);
            if (r != NULL) r->slab = NULL;
            return r;
        }
        b->live = CX_REC_SLAB;
        for (uint32_t i = 0; i < CX_REC_SLAB; i++) b->recs[i].slab = b;
        c->slab = b;
        c->next = 0;
    }
    return &c->slab->recs[c->next++];
}

void cx_rec_free(cx_xrec *r) {
    if (r == NULL) return;
    if (r->slab == NULL)
        free(r);
    else
        cx_rec_slab_put(r->slab, 1);
}

/* The marker of a record's entry; never called as an item (cx_run_batch and
 * cx_discard recognise it first). */
int cx_xrun(void *rec, void **result) {
    cx_xrec *r = rec;
    return ((ctexec_fn)r->fn)((void *)r->arg, result);
}

/* Pushes a record to its lane: the urgent list, or a chunk as the entry
 * {cx_xrun, record, fut}. */
static cx_push_t cx_push_rec(cx_ingress *in, cx_xrec *r, int mark) {
    if (!(r->flags & CTEXEC_SUBMIT_URGENT)) return cx_push_mark(in, (uintptr_t)cx_xrun, (uintptr_t)r, r->fut, mark);
    struct ctexec *s = CX_SLOT_OF(in);
    cx_lock(in);
    uint32_t fl = __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST);
    if (fl & (CX_FLAG_QUIT | CX_FLAG_COUNT)) {
        cx_push_t rc = CX_PUSHED;
        if (fl & CX_FLAG_QUIT)
            rc = CX_PUSH_QUIT;
        else if (!cx_count_push(in, fl & ~(uint32_t)CX_FLAG_STAMP)) /* no chunk to stamp */
            rc = CX_PUSH_FULL;
        if (rc != CX_PUSHED) {
            cx_unlock(in);
            return rc;
        }
    }
    r->next = NULL;
    if (s->urgent_tail != NULL)
        s->urgent_tail->next = r;
    else
        s->urgent_head = r;
    s->urgent_tail = r;
    if (r->fut != NULL && mark) r->fut->result = (uintptr_t)in; /* where it is queued: deadlock.c */
    uint64_t u = __atomic_load_n(&in->urgent, __ATOMIC_RELAXED);
    __atomic_store_n(&in->urgent, (u + 1) | CX_URGENT_USED, __ATOMIC_SEQ_CST);
    if (fl & (CX_FLAG_WAITING | CX_FLAG_HOST_IDLE))
        __atomic_store_n(&in->flags, fl & ~(CX_FLAG_WAITING | CX_FLAG_HOST_IDLE), __ATOMIC_SEQ_CST);
    if (fl & CX_FLAG_WAITING) cx_hand_close_locked(in); /* shared.h, "hand-off" */
    cx_unlock(in);
    if (fl & CX_FLAG_WAITING) cx_signal(in);
    if (fl & CX_FLAG_HOST_IDLE) cx_host_wake(in, 1);
    return CX_PUSHED;
}

static cx_xrec *cx_rec_new(uintptr_t fn, uintptr_t arg, cx_future *fut, ctexec_destroy_fn destroy,
                           uint32_t flags) {
    cx_xrec *r = cx_rec_alloc();
    if (r == NULL) return NULL;
    r->fn = fn;
    r->arg = arg;
    r->destroy = destroy;
    r->fut = fut;
    r->next = NULL;
    r->flags = flags & CTEXEC_SUBMIT_URGENT;
    return r;
}

cx_push_t cx_push_item(cx_ingress *in, uintptr_t fn, uintptr_t arg, cx_future *fut, ctexec_destroy_fn destroy,
                       uint32_t flags) {
    int mark = !(flags & CX_ITEM_HANDED_OUT);
    if (!(flags & CTEXEC_SUBMIT_URGENT)) {
        if (destroy == NULL) return cx_push_mark(in, fn, arg, fut, mark);
        if (fut == NULL) return cx_push_mark(in, fn, arg, cx_entry_tag_destroy(destroy), mark);
    }
    cx_xrec *r = cx_rec_new(fn, arg, fut, destroy, flags);
    if (r == NULL) return CX_PUSH_NOMEM;
    cx_push_t rc = cx_push_rec(in, r, mark);
    if (rc != CX_PUSHED) cx_rec_free(r);
    return rc;
}

cx_push_t cx_push_entry(cx_ingress *in, uintptr_t fn, uintptr_t arg, cx_future *fut) {
    if (fn == (uintptr_t)cx_xrun) return cx_push_rec(in, (cx_xrec *)arg, 1);
    return cx_push(in, fn, arg, fut);
}

/* Takes up to max of the records queued in s's urgent lane now. */
static cx_xrec *cx_take_urgent(struct ctexec *s, uint64_t max, uint64_t *n) {
    cx_ingress *in = &s->in;
    cx_lock(in);
    cx_xrec *head = s->urgent_head, *last = NULL, *r = head;
    uint64_t k = 0;
    while (r != NULL && k < max) {
        last = r;
        r = r->next;
        k++;
    }
    if (k > 0) {
        s->urgent_head = r;
        if (r == NULL) s->urgent_tail = NULL;
        last->next = NULL;
        uint64_t u = __atomic_load_n(&in->urgent, __ATOMIC_RELAXED);
        __atomic_store_n(&in->urgent, u - k, __ATOMIC_SEQ_CST);
    }
    cx_unlock(in);
    *n = k;
    return k > 0 ? head : NULL;
}

uint64_t cx_run_urgent(cx_ingress *in, cx_counters *cnt, uint64_t max) {
    uint64_t n;
    cx_xrec *r = cx_take_urgent(CX_SLOT_OF(in), max, &n);
    while (r != NULL) {
        cx_xrec *next = r->next;
        cx_run_rec(in, r, cnt);
        r = next;
    }
    return n;
}

void cx_urgent_discard(struct ctexec *s) {
    uint64_t n;
    cx_xrec *r = cx_take_urgent(s, UINT64_MAX, &n);
    while (r != NULL) {
        cx_xrec *next = r->next;
        cx_discard_rec(r);
        r = next;
    }
}

void cx_item_error(cx_ingress *in, int code) {
    if (in == NULL) return;
    struct cx_errhook *h = CX_SLOT_OF(in)->err;
    if (h != NULL) h->fn((ctexec *)CX_SLOT_OF(in), code < 0 ? CTEXEC_EINVAL : code, h->ud);
}

/* ---- the error hook's lifetime (shim.c: ctexec_new_with, ctexec_free) ----- */

int cx_errhook_set(struct ctexec *s, ctexec_error_fn fn, void *ud) {
    if (fn == NULL) return CTEXEC_OK;
    struct cx_errhook *h = malloc(sizeof *h);
    if (h == NULL) return CTEXEC_ENOMEM;
    h->fn = fn;
    h->ud = ud;
    s->err = h;
    return CTEXEC_OK;
}

void cx_errhook_free(struct ctexec *s) {
    free(s->err);
    s->err = NULL;
}

/* ---- entry points -------------------------------------------------------- */

int ctexec_submit_with(ctexec *ex, const ctexec_submit_opts *opts, ctexec_fn fn, void *arg,
                       ctexec_future *out_future) {
    if (opts == NULL) return ctexec_submit_timeout(ex, fn, arg, out_future, -1);
    ctexec_submit_opts o = {0};
    ctexec_destroy_fn destroy = NULL;
    int rc = CTEXEC_OK;
    if (cx_abi_in(&o, sizeof o, CX_SUBMIT_OPTS_SIZE_0_3, opts) != CTEXEC_OK) {
        /* destroy can be read if the caller's struct has it */
        uint32_t size = opts->size;
        if (size >= CX_SUBMIT_OPTS_SIZE_0_3 && size <= CX_ABI_MAX_SIZE) destroy = opts->destroy;
        rc = CTEXEC_EINVAL;
        goto refuse;
    }
    destroy = o.destroy;
    if (o.flags == 0 && o.delay_ns == 0 && destroy == NULL) return ctexec_submit_timeout(ex, fn, arg, out_future, -1);
    if (cx_forked) {
        rc = CTEXEC_EFORK;
        goto refuse;
    }
    if (cx_poisoned) {
        rc = CTEXEC_EPANIC;
        goto refuse;
    }
    if ((o.flags & ~CX_SUBMIT_FLAGS) != 0 ||
        (o.flags & (CTEXEC_SUBMIT_DISPATCH | CTEXEC_SUBMIT_POST)) == (CTEXEC_SUBMIT_DISPATCH | CTEXEC_SUBMIT_POST) ||
        o.delay_ns < 0 || ex == NULL || fn == NULL) {
        rc = CTEXEC_EINVAL;
        goto refuse;
    }
    struct ctexec *s = cx_valid(ex);
    if (s == NULL) {
        rc = CTEXEC_EBADHANDLE;
        goto refuse;
    }
    uint64_t self = cx_self();
    int owner = self == s->in.owner;
    int anywhere = (o.flags & (CTEXEC_SUBMIT_DISPATCH | CTEXEC_SUBMIT_POST)) != 0;
    if (owner && !anywhere && o.delay_ns == 0) {
        rc = CTEXEC_ESAMETHREAD;
        goto refuse;
    }
    if (cx_debug_panic[0] && strcmp(cx_debug_panic, "submit") == 0) {
        rc = CX_GO(cx_go->debug_panic());
        goto refuse;
    }
    uint32_t gen = 0;
    cx_future *f = NULL;
    if (out_future != NULL) {
        f = cx_fut_alloc(CX_FUT_HANDLE | CX_FUT_QUEUED, &gen);
        if (f == NULL) {
            rc = CTEXEC_ENOMEM;
            goto refuse;
        }
        if (destroy != NULL && (rc = cx_fut_set_destroy(f, gen, destroy, (uintptr_t)arg)) != CTEXEC_OK) {
            cx_fut_release(f);
            goto refuse;
        }
    }
    /* DISPATCH on the owner of the executor that takes the item: ex if it
     * has not quit, else the first one down its chain that has not (the
     * chain is Go's: a submit to a quit executor enters Go anyway). */
    struct ctexec *taker = NULL;
    if ((o.flags & CTEXEC_SUBMIT_DISPATCH) && o.delay_ns == 0) {
        if (!(__atomic_load_n(&s->in.flags, __ATOMIC_ACQUIRE) & CX_FLAG_QUIT)) {
            if (owner) taker = s;
        } else {
            uintptr_t tin = 0;
            if (CX_GO(cx_go->taker(s->handle, &tin)) == CTEXEC_OK && tin != 0 &&
                self == ((cx_ingress *)tin)->owner)
                taker = CX_SLOT_OF((cx_ingress *)tin);
        }
    }
    if (taker != NULL) {
        /* Run as the owner runs a record (cx_run_rec), uncounted: it was
         * never queued. */
        cx_xrec *r = cx_rec_new((uintptr_t)fn, (uintptr_t)arg, f, destroy, 0);
        if (r == NULL) {
            if (f != NULL) {
                if (destroy != NULL) cx_fut_drop_destroy(f, gen);
                cx_fut_release(f);
            }
            rc = CTEXEC_ENOMEM;
            goto refuse;
        }
        if (f != NULL) {
            __atomic_add_fetch(&cx_futures_live, 1, __ATOMIC_RELAXED);
            *out_future = cx_fut_handle(f, gen);
        }
        cx_run_rec(&taker->in, r, NULL);
        return CTEXEC_OK;
    }
    if (o.delay_ns > 0) {
        rc = cx_timer_add(s, (uintptr_t)fn, (uintptr_t)arg, destroy, o.flags, o.delay_ns, f, gen);
    } else {
        /* A record for destroy with a future, or for the urgent lane; an
         * item with destroy alone carries it in its entry (shared.h,
         * "Entry"): measured, a record's allocation and cross-thread free
         * were a fifth of a coroutine's hop round trip. */
        int tagged = destroy != NULL && f == NULL && !(o.flags & CTEXEC_SUBMIT_URGENT);
        cx_xrec *r = NULL;
        if (!tagged && (destroy != NULL || (o.flags & CTEXEC_SUBMIT_URGENT))) {
            r = cx_rec_new((uintptr_t)fn, (uintptr_t)arg, f, destroy, o.flags);
            if (r == NULL) rc = CTEXEC_ENOMEM;
        }
        cx_future *efut = tagged ? cx_entry_tag_destroy(destroy) : f;
        if (rc == CTEXEC_OK &&
            (r != NULL ? cx_push_rec(&s->in, r, 1) : cx_push(&s->in, (uintptr_t)fn, (uintptr_t)arg, efut)) != CX_PUSHED) {
            /* Quit (the chain walk) or full: Go's slow path. From the
             * owner (POST, or DISPATCH to a quit executor) it neither is
             * refused as ESAMETHREAD (thread 0 owns nothing) nor waits
             * for room. Go moves records, never a tagged entry. */
            if (tagged && (r = cx_rec_new((uintptr_t)fn, (uintptr_t)arg, NULL, destroy, o.flags)) == NULL)
                rc = CTEXEC_ENOMEM;
            if (rc == CTEXEC_OK) {
                uintptr_t efn = r != NULL ? (uintptr_t)cx_xrun : (uintptr_t)fn;
                uintptr_t earg = r != NULL ? (uintptr_t)r : (uintptr_t)arg;
                rc = CX_GO(cx_go->submit(s->handle, efn, earg, f, anywhere ? 0 : self, owner ? 0 : -1, 0));
                if (owner && rc == CTEXEC_ETIMEDOUT) rc = CTEXEC_EAGAIN;
            }
        }
        if (rc != CTEXEC_OK) cx_rec_free(r);
    }
    if (rc != CTEXEC_OK) {
        if (f != NULL) {
            if (destroy != NULL) cx_fut_drop_destroy(f, gen);
            cx_fut_release(f); /* never queued, never seen */
        }
        goto refuse;
    }
    if (f != NULL) {
        __atomic_add_fetch(&cx_futures_live, 1, __ATOMIC_RELAXED);
        *out_future = cx_fut_handle(f, gen);
    }
    return CTEXEC_OK;
refuse:
    if (destroy != NULL) destroy(arg);
    return rc;
}

int ctexec_is_owner(ctexec *ex) {
    CX_ENTER();
    if (ex == NULL) return CTEXEC_EINVAL;
    struct ctexec *s = cx_valid(ex);
    if (s == NULL) return CTEXEC_EBADHANDLE;
    CX_HOOK("is_owner");
    return cx_self() == s->in.owner;
}

