//go:build !windows

/* The portable wait on a 32-bit word: a parking lot, the design of WebKit's
 * WTF::ParkingLot and Rust's parking_lot (written here from the idea, not
 * their code). Sleepers queue in one of CX_PL_BUCKETS buckets chosen by a
 * hash of the word's address; each bucket is a mutex and a FIFO list of
 * sleepers. Each thread has a parker (a mutex, a condition variable and a
 * woken flag), so a wake signals exactly the threads it dequeued. A waker
 * sets woken under the parker's mutex, lets it go, and only then signals:
 * a woken thread that found the mutex still held by its waker would sleep
 * and be woken a second time (measured: 1.9x the pthread queue's sleeping
 * round trip with the signal under the mutex). That late signal may reach
 * a parker whose wait is over; so parkers are never freed: a thread's
 * parker goes back to a free list when the thread exits and serves the
 * next thread, where a late signal is one more spurious wake-up.
 *
 * No wake-up is lost: a sleeper compares the word with its expected value
 * under the bucket's mutex, and every waker changes the word (a seq_cst
 * atomic) before it takes that mutex to wake. So either the waker finds the
 * sleeper queued, or the sleeper, taking the mutex after the waker let it
 * go, sees the new value and does not sleep. Beyond that the lot orders
 * nothing (see the fences in platform.c).
 *
 * A bucket is taken only by threads that go to sleep or wake a sleeper:
 * libctexec's wakers call cx_wake_* only when the word says someone sleeps
 * (the lock's 2, the owner's WAKE_SLEEPING, a future's SLEEPERS bit). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "shim.h"

#define CX_PL_BUCKETS 256

typedef struct cx_parker {
    uint32_t *addr;          /* guarded by the bucket's mutex */
    struct cx_parker *next;  /* guarded by the bucket's mutex */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int woken;               /* guarded by mu */
} cx_parker;

typedef struct {
    pthread_mutex_t mu;
    cx_parker *head, *tail;
} __attribute__((aligned(64))) cx_pl_bucket;

static cx_pl_bucket cx_pl[CX_PL_BUCKETS] = {
    [0 ... CX_PL_BUCKETS - 1] = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL}};

static __thread cx_parker *cx_me;
static pthread_key_t cx_pl_key; /* its destructor returns a thread's parker */
static pthread_once_t cx_pl_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t cx_pl_free_mu = PTHREAD_MUTEX_INITIALIZER;
static cx_parker *cx_pl_free; /* parkers of exited threads, linked by next */

static void cx_pl_release(void *v) {
    cx_parker *p = v;
    cx_me = NULL; /* a later wait in this thread's exit takes a new one */
    pthread_mutex_lock(&cx_pl_free_mu);
    p->next = cx_pl_free;
    cx_pl_free = p;
    pthread_mutex_unlock(&cx_pl_free_mu);
}

static void cx_pl_key_init(void) { pthread_key_create(&cx_pl_key, cx_pl_release); }

static cx_pl_bucket *cx_pl_bucket_for(const uint32_t *addr) {
    return &cx_pl[(uint32_t)(((uintptr_t)addr >> 2) * 0x9e3779b97f4a7c15ull >> 56) % CX_PL_BUCKETS];
}

/* Timed waits use CLOCK_MONOTONIC where the condvar can (Linux, the BSDs):
 * a wall-clock step must not stretch an owner's run_until_timeout. macOS
 * has no pthread_condattr_setclock, only a relative wait. */
static int cx_pl_timedwait(pthread_cond_t *c, pthread_mutex_t *m, int64_t ns) {
#if defined(__APPLE__)
    struct timespec rel = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    return pthread_cond_timedwait_relative_np(c, m, &rel);
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t t = (int64_t)ts.tv_nsec + ns % 1000000000;
    ts.tv_sec += (time_t)(ns / 1000000000 + t / 1000000000);
    ts.tv_nsec = (long)(t % 1000000000);
    return pthread_cond_timedwait(c, m, &ts);
#endif
}

/* This thread's parker, or NULL when out of memory. */
static cx_parker *cx_parker_self(void) {
    cx_parker *me = cx_me;
    if (me != NULL) return me;
    pthread_once(&cx_pl_once, cx_pl_key_init);
    pthread_mutex_lock(&cx_pl_free_mu);
    if ((me = cx_pl_free) != NULL) cx_pl_free = me->next;
    pthread_mutex_unlock(&cx_pl_free_mu);
    if (me == NULL) {
        if ((me = calloc(1, sizeof *me)) == NULL) return NULL;
        pthread_mutex_init(&me->mu, NULL);
#if defined(__APPLE__)
        pthread_cond_init(&me->cond, NULL);
#else
        pthread_condattr_t a;
        pthread_condattr_init(&a);
        pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
        pthread_cond_init(&me->cond, &a);
        pthread_condattr_destroy(&a);
#endif
    }
    pthread_setspecific(cx_pl_key, me);
    cx_me = me;
    return me;
}

/* Takes me off b's queue if it is still there; 1 if it was. */
static int cx_pl_unqueue(cx_pl_bucket *b, cx_parker *me) {
    cx_parker *prev = NULL;
    for (cx_parker *p = b->head; p; prev = p, p = p->next) {
        if (p != me) continue;
        if (prev) prev->next = me->next; else b->head = me->next;
        if (b->tail == me) b->tail = prev;
        return 1;
    }
    return 0;
}

void cx_pl_wait(uint32_t *addr, uint32_t val, int64_t ns) {
    cx_parker *me = cx_parker_self();
    if (me == NULL) return; /* out of memory: an early return; callers re-check */
    cx_pl_bucket *b = cx_pl_bucket_for(addr);
    pthread_mutex_lock(&b->mu);
    if (__atomic_load_n(addr, __ATOMIC_SEQ_CST) != val) {
        pthread_mutex_unlock(&b->mu);
        return;
    }
    me->addr = addr;
    me->next = NULL;
    me->woken = 0; /* no waker can see me yet: I am not queued */
    if (b->tail) b->tail->next = me; else b->head = me;
    b->tail = me;
    pthread_mutex_unlock(&b->mu);

    pthread_mutex_lock(&me->mu);
    if (ns < 0) {
        while (!me->woken) pthread_cond_wait(&me->cond, &me->mu);
    } else if (!me->woken) {
        /* One timed wait: an early return (spurious or not) goes back to
         * the caller, which re-checks and waits again with what is left. */
        cx_pl_timedwait(&me->cond, &me->mu, ns);
    }
    int woken = me->woken;
    pthread_mutex_unlock(&me->mu);
    if (woken) return;

    pthread_mutex_lock(&b->mu);
    int was_queued = cx_pl_unqueue(b, me);
    pthread_mutex_unlock(&b->mu);
    if (!was_queued) {
        /* A waker dequeued me and is about to set woken: wait for it, so
         * that it never touches this parker during a later wait. */
        pthread_mutex_lock(&me->mu);
        while (!me->woken) pthread_cond_wait(&me->cond, &me->mu);
        pthread_mutex_unlock(&me->mu);
    }
}

/* Wakes one sleeper on addr, or all: dequeues them under the bucket's
 * mutex, then wakes each under its own. */
void cx_pl_wake(uint32_t *addr, int all) {
    cx_pl_bucket *b = cx_pl_bucket_for(addr);
    cx_parker *woke = NULL, **end = &woke;
    pthread_mutex_lock(&b->mu);
    cx_parker *prev = NULL, *p = b->head;
    while (p) {
        cx_parker *next = p->next;
        if (p->addr == addr) {
            if (prev) prev->next = next; else b->head = next;
            if (b->tail == p) b->tail = prev;
            p->next = NULL;
            *end = p;
            end = &p->next;
            if (!all) break;
        } else {
            prev = p;
        }
        p = next;
    }
    pthread_mutex_unlock(&b->mu);
    while (woke) {
        p = woke;
        woke = p->next; /* read before p's thread may run again */
        pthread_mutex_lock(&p->mu);
        p->woken = 1;
        pthread_mutex_unlock(&p->mu); /* p's thread may leave from here on */
        pthread_cond_signal(&p->cond); /* woken was set under mu: none lost */
    }
}
