/* The side state of futures: the runs watching a future (ctexec_run_until)
 * and its done callbacks. Neither fits in the 16-byte slot, so they live
 * here, under a lock striped by slot, and the slot's state word carries
 * one bit, CX_FUT_EXT, set while the future is pending and unclaimed,
 * under the stripe's lock: from then on every completion of the future
 * claims and publishes it under that lock (cx_fut_complete_ext).
 *
 * All of it is C, so that a thread the Go runtime has never seen completes
 * a watched promise, or one with done callbacks, without entering Go.
 *
 * Quit and done are one moment. A completion quits every run watching the
 * future (cx_quit_locked on the executor, under its ingress lock, then it
 * wakes the owner) before it publishes the future as done, both under the
 * stripe's lock. So whoever sees an executor quit and then takes the
 * stripe's lock (cx_settle) sees the future done: a submit that reports
 * CTEXEC_EQUIT, and the run that returns. And a submit made after the
 * future was seen done never lands on a watching executor.
 *
 * Done callbacks run in registration order on the completing thread, after
 * the lock is dropped: the completion takes the list and marks the record
 * running; a callback registered meanwhile (the future is done, the record
 * still running) is appended and run by the completion too, which drops
 * the record only once the list stays empty under the lock.
 *
 * Lock order: a stripe's lock, then an executor's ingress lock. Nothing
 * takes a stripe's lock while it holds an ingress lock. */
#include <stdlib.h>
#include "shim.h"

typedef struct cx_cb {
    uintptr_t fn, ud;
    uint64_t handle; /* what the callback receives */
    struct cx_cb *next;
} cx_cb;

/* The done callbacks of generation gen of f, while it has any or a
 * completion is running them. */
typedef struct cx_cbs {
    cx_future *f;
    uint32_t gen;
    int running; /* a completion is running the list; it drops the record */
    cx_cb *head, **tail;
    struct cx_cbs *next;
} cx_cbs;

#define CX_STRIPES 64

static struct {
    uint32_t lock; /* cx_mutex_lock */
    struct ctexec *watchers; /* runs watching a future of this stripe (watch_next) */
    cx_cbs *cbs;
} __attribute__((aligned(64))) cx_stripes[CX_STRIPES];

#define CX_STRIPE(f) (&cx_stripes[((uintptr_t)(f) / sizeof(cx_future)) % CX_STRIPES])

static cx_cbs **cx_cbs_find(cx_cbs **pp, cx_future *f, uint32_t gen) {
    for (; *pp != NULL; pp = &(*pp)->next)
        if ((*pp)->f == f && (*pp)->gen == gen) return pp;
    return NULL;
}

/* Waits out a completion that claimed f without the lock and has yet to
 * publish it: a few stores away. */
static void cx_await_published(cx_future *f) {
    uint32_t s;
    while (((s = CX_LOAD(&f->state)) & CX_FUT_CLAIMED) && !(s & CX_FUT_DONE)) cx_relax();
}

/* Sets CX_FUT_EXT on a pending, unclaimed f, under its stripe's lock
 * (held; it is dropped and taken again around the wait for a lock-free
 * completion). Returns the state with the bit set, or the state that says
 * f is done or no longer generation gen (gen 0xffffffff: any generation, handle held or not). */
static uint32_t cx_ext_mark(cx_future *f, uint32_t gen, uint32_t *lock) {
    uint32_t s = CX_LOAD(&f->state);
    for (;;) {
        if ((gen != 0xffffffffu && !CX_LIVE(s, gen)) || (s & CX_FUT_DONE)) return s;
        if ((s & CX_FUT_CLAIMED) && !(s & CX_FUT_EXT)) {
            cx_mutex_unlock(lock);
            cx_await_published(f);
            cx_mutex_lock(lock);
            s = CX_LOAD(&f->state);
            continue;
        }
        if (s & CX_FUT_EXT) return s;
        if (CX_CAS(&f->state, &s, s | CX_FUT_EXT)) return s | CX_FUT_EXT;
    }
}

/* Quits the runs watching generation gen of f. Stripe lock held. */
static void cx_quit_watchers(struct ctexec **pp, cx_future *f, uint32_t gen) {
    while (*pp != NULL) {
        struct ctexec *s = *pp;
        cx_lock(&s->in);
        if (s->run_target != f || s->run_gen != gen) {
            cx_unlock(&s->in);
            pp = &s->watch_next;
            continue;
        }
        s->run_target = NULL;
        s->quit_by = f;
        int w = cx_quit_locked(&s->in);
        *pp = s->watch_next;
        cx_unlock(&s->in);
        cx_quit_wake(&s->in, w);
    }
}

/* Runs a taken callback list, then those registered meanwhile, and drops
 * the record once none is left. */
static void cx_run_cbs(uint32_t *lock, cx_cbs *rec, cx_cb *list) {
    while (list != NULL) {
        while (list != NULL) {
            cx_cb *c = list;
            list = c->next;
            ((ctexec_done_fn)c->fn)(c->handle, (void *)c->ud);
            free(c);
        }
        cx_mutex_lock(lock);
        list = rec->head;
        rec->head = NULL;
        rec->tail = &rec->head;
        if (list == NULL) {
            cx_cbs **pp = cx_cbs_find(&CX_STRIPE(rec->f)->cbs, rec->f, rec->gen);
            if (pp != NULL) *pp = rec->next;
        }
        cx_mutex_unlock(lock);
    }
    free(rec);
}

/* Completes a future that has side state (see the top of the file). */
int cx_fut_complete_ext(cx_future *f, uint32_t gen, int kind, uintptr_t result, int code) {
    __typeof__(&cx_stripes[0]) x = CX_STRIPE(f);
    cx_mutex_lock(&x->lock);
    int st = cx_fut_claim_locked(f, gen, kind);
    if (st != CTEXEC_OK) {
        cx_mutex_unlock(&x->lock);
        if (kind == CX_BY_ITEM) cx_fut_unqueue(f); /* it may release: not under the lock */
        return st;
    }
    f->code = code;
    f->result = result;
    cx_quit_watchers(&x->watchers, f, gen);
    cx_cbs **pp = cx_cbs_find(&x->cbs, f, gen), *rec = NULL;
    cx_cb *list = NULL;
    if (pp != NULL) {
        rec = *pp;
        list = rec->head;
        rec->head = NULL;
        rec->tail = &rec->head;
        rec->running = 1;
        if (list == NULL) {
            *pp = rec->next;
            free(rec);
            rec = NULL;
        }
    }
    int release = cx_fut_publish(f, kind);
    cx_mutex_unlock(&x->lock);
    if (rec != NULL) cx_run_cbs(&x->lock, rec, list);
    if (release) cx_fut_release(f);
    return CTEXEC_OK;
}

/* ctexec_future_add_done_callback on generation gen of f. */
int cx_fut_add_done(cx_future *f, uint32_t gen, uint64_t h, uintptr_t cb, uintptr_t ud) {
    cx_cb *c = malloc(sizeof *c);
    if (c == NULL) return CTEXEC_ENOMEM;
    c->fn = cb;
    c->ud = ud;
    c->handle = h;
    c->next = NULL;
    __typeof__(&cx_stripes[0]) x = CX_STRIPE(f);
    cx_mutex_lock(&x->lock);
    uint32_t s = cx_ext_mark(f, gen, &x->lock);
    cx_cbs **pp = cx_cbs_find(&x->cbs, f, gen), *rec = pp != NULL ? *pp : NULL;
    if (!CX_LIVE(s, gen) || ((s & CX_FUT_DONE) && (rec == NULL || !rec->running))) {
        cx_mutex_unlock(&x->lock);
        free(c);
        if (!CX_LIVE(s, gen)) return CTEXEC_EBADHANDLE;
        ((ctexec_done_fn)cb)(h, (void *)ud); /* done, earlier callbacks run: now, here */
        return CTEXEC_OK;
    }
    if (rec == NULL) {
        rec = calloc(1, sizeof *rec);
        if (rec == NULL) {
            cx_mutex_unlock(&x->lock);
            free(c);
            return CTEXEC_ENOMEM;
        }
        rec->f = f;
        rec->gen = gen;
        rec->tail = &rec->head;
        rec->next = x->cbs;
        x->cbs = rec;
    }
    *rec->tail = c;
    rec->tail = &c->next;
    cx_mutex_unlock(&x->lock);
    return CTEXEC_OK;
}

/* Forgets the callbacks of generation gen of f as its slot is released: a
 * pending promise whose handle was freed can never complete. A record a
 * completion is running stays: that completion drops it. */
void cx_fut_drop_ext(cx_future *f, uint32_t gen) {
    __typeof__(&cx_stripes[0]) x = CX_STRIPE(f);
    cx_mutex_lock(&x->lock);
    cx_cbs **pp = cx_cbs_find(&x->cbs, f, gen), *rec = NULL;
    if (pp != NULL && !(*pp)->running) {
        rec = *pp;
        *pp = rec->next;
    }
    cx_mutex_unlock(&x->lock);
    if (rec == NULL) return;
    for (cx_cb *c = rec->head, *n; c != NULL; c = n) {
        n = c->next;
        free(c);
    }
    free(rec);
}

/* The owner starts a run until f (executor.Runner.Watch): 1 if it now
 * watches f, 0 if f is done already (the run then quits at once). */
int cx_run_watch(cx_ingress *in, cx_future *f) {
    struct ctexec *s = CX_SLOT_OF(in);
    __typeof__(&cx_stripes[0]) x = CX_STRIPE(f);
    cx_mutex_lock(&x->lock);
    uint32_t st = cx_ext_mark(f, 0xffffffffu, &x->lock);
    if (st & CX_FUT_DONE) {
        cx_mutex_unlock(&x->lock);
        return 0;
    }
    cx_lock(in);
    s->run_target = f;
    s->run_gen = CX_GEN(st);
    s->quit_by = NULL;
    cx_unlock(in);
    s->watch_next = x->watchers;
    x->watchers = s;
    cx_mutex_unlock(&x->lock);
    return 1;
}

/* The run ends without f's completion (a timeout): from now on a
 * completion does not quit the executor. in's lock held by the caller. */
void cx_run_stop_locked(cx_ingress *in) { CX_SLOT_OF(in)->run_target = NULL; }

/* Unlinks the executor from the watchers of f's stripe, if a completion
 * has not already. After cx_run_stop_locked, or after the run quit. */
void cx_run_unwatch(cx_ingress *in, cx_future *f) {
    struct ctexec *s = CX_SLOT_OF(in);
    __typeof__(&cx_stripes[0]) x = CX_STRIPE(f);
    cx_mutex_lock(&x->lock);
    for (struct ctexec **pp = &x->watchers; *pp != NULL; pp = &(*pp)->watch_next)
        if (*pp == s) {
            *pp = s->watch_next;
            break;
        }
    cx_mutex_unlock(&x->lock);
}

/* Returns once a completion of f in progress has published it. */
void cx_settle(cx_future *f) {
    __typeof__(&cx_stripes[0]) x = CX_STRIPE(f);
    cx_mutex_lock(&x->lock);
    cx_mutex_unlock(&x->lock);
}

/* cx_settle on the future whose completion quit the executor, if any. */
void cx_settle_quit(cx_ingress *in) {
    struct ctexec *s = CX_SLOT_OF(in);
    cx_lock(in);
    cx_future *f = s->quit_by;
    cx_unlock(in);
    if (f != NULL) cx_settle(f);
}
