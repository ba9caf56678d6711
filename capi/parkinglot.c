//go:build !windows

/* The portable wait on a 32-bit word: a parking lot, the design of WebKit's
 * WTF::ParkingLot and Rust's parking_lot (written here from the idea, not
 * their code). Sleepers queue in one of CX_PL_BUCKETS buckets chosen by a
 * hash of the word's address; each bucket is a mutex and a FIFO list of
 * sleepers, and each sleeper has its own condition variable on its stack,
 * so a wake signals exactly the threads it dequeued.
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
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include "shim.h"

#define CX_PL_BUCKETS 256

typedef struct cx_parker {
    uint32_t *addr;
    int woken; /* set by the waker, under the bucket's mutex */
    pthread_cond_t cond;
    struct cx_parker *next;
} cx_parker;

typedef struct {
    pthread_mutex_t mu;
    cx_parker *head, *tail;
} __attribute__((aligned(64))) cx_pl_bucket;

static cx_pl_bucket cx_pl[CX_PL_BUCKETS] = {
    [0 ... CX_PL_BUCKETS - 1] = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL}};

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

static void cx_pl_cond_init(pthread_cond_t *c) {
#if defined(__APPLE__)
    pthread_cond_init(c, NULL);
#else
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
#endif
}

void cx_pl_wait(uint32_t *addr, uint32_t val, int64_t ns) {
    cx_pl_bucket *b = cx_pl_bucket_for(addr);
    pthread_mutex_lock(&b->mu);
    if (__atomic_load_n(addr, __ATOMIC_SEQ_CST) != val) {
        pthread_mutex_unlock(&b->mu);
        return;
    }
    cx_parker me = {addr, 0, {{0}}, NULL};
    cx_pl_cond_init(&me.cond);
    if (b->tail) b->tail->next = &me; else b->head = &me;
    b->tail = &me;
    int timed_out = 0;
    while (!me.woken && !timed_out) {
        if (ns < 0) pthread_cond_wait(&me.cond, &b->mu);
        else timed_out = cx_pl_timedwait(&me.cond, &b->mu, ns) == ETIMEDOUT;
        /* A spurious wake-up of a timed wait returns to the caller, which
         * re-checks and waits again with what is left of its deadline. */
        if (ns >= 0) break;
    }
    if (!me.woken) { /* leave the queue: no waker took us */
        cx_parker *prev = NULL;
        for (cx_parker *p = b->head; p; prev = p, p = p->next) {
            if (p != &me) continue;
            if (prev) prev->next = me.next; else b->head = me.next;
            if (b->tail == &me) b->tail = prev;
            break;
        }
    }
    pthread_mutex_unlock(&b->mu);
    pthread_cond_destroy(&me.cond);
}

/* Wakes one sleeper on addr, or all. The sleepers' condvars stay valid
 * while the mutex is held: a sleeper returns only after it retakes it. */
void cx_pl_wake(uint32_t *addr, int all) {
    cx_pl_bucket *b = cx_pl_bucket_for(addr);
    pthread_mutex_lock(&b->mu);
    cx_parker *prev = NULL, *p = b->head;
    while (p) {
        cx_parker *next = p->next;
        if (p->addr == addr) {
            if (prev) prev->next = next; else b->head = next;
            if (b->tail == p) b->tail = prev;
            p->woken = 1;
            pthread_cond_signal(&p->cond);
            if (!all) break;
        } else {
            prev = p;
        }
        p = next;
    }
    pthread_mutex_unlock(&b->mu);
}
