/* Helpers shared by the hardening tests (tests/hardening). Header-only, so
 * each test stays a single program linked against the public API only. */
#ifndef CTEXEC_HARD_H
#define CTEXEC_HARD_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctexec.h"

#include "../check.h"

#define SEC_NS 1000000000LL
#define MS_NS 1000000LL

/* A work item and a done callback that do nothing, for calls that need one. */
static inline int hard_noop_item(void *arg, void **result) {
    (void)arg;
    (void)result;
    return 0;
}

static inline void hard_noop_done(ctexec_future f, void *userdata) {
    (void)f;
    (void)userdata;
}

static inline int64_t hard_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SEC_NS + ts.tv_nsec;
}

static inline void hard_sleep_ns(int64_t ns) {
    struct timespec ts = {(time_t)(ns / SEC_NS), (long)(ns % SEC_NS)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static inline const char *hard_status_name(int st) {
    switch (st) {
#define HARD_STATUS_NAME(name, text) \
    case CTEXEC_##name:              \
        return "CTEXEC_" #name;
        CTEXEC_STATUS_TEXTS(HARD_STATUS_NAME)
#undef HARD_STATUS_NAME
    default: return st > 0 ? "host code" : "unknown";
    }
}

/* Leak accounting: every test takes the counts first and checks at the end
 * that executors, future handles and queued items are back to them. */
static inline ctexec_counts hard_counts(void) {
    ctexec_counts c;
    OK(ctexec_live_counts(&c));
    return c;
}

static inline void hard_counts_back_to(ctexec_counts start) {
    ctexec_counts c = hard_counts();
    if (c.executors != start.executors || c.futures != start.futures ||
        c.queued != start.queued)
        FAIL("leak: executors %" PRIu64 "->%" PRIu64 " futures %" PRIu64 "->%" PRIu64
             " queued %" PRIu64 "->%" PRIu64,
             start.executors, c.executors, start.futures, c.futures, start.queued, c.queued);
    printf("counts back to start: executors=%" PRIu64 " futures=%" PRIu64 " queued=%" PRIu64 "\n",
           c.executors, c.futures, c.queued);
}

/* A small, fast, per-thread PRNG (xorshift64*). */
static inline uint64_t hard_rand(uint64_t *s) {
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* A reusable barrier of a mutex and a condition variable, because macOS has
 * no pthread_barrier_t; the same code on every platform. Destroy it only
 * after every waiter has returned (the tests join the threads first). */
typedef struct hard_barrier {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned count, waiting, generation;
} hard_barrier;

static inline void hard_barrier_init(hard_barrier *b, unsigned count) {
    CHECK(count > 0);
    CHECK(pthread_mutex_init(&b->mu, NULL) == 0);
    CHECK(pthread_cond_init(&b->cv, NULL) == 0);
    b->count = count;
    b->waiting = 0;
    b->generation = 0;
}

static inline void hard_barrier_wait(hard_barrier *b) {
    CHECK(pthread_mutex_lock(&b->mu) == 0);
    unsigned gen = b->generation;
    if (++b->waiting == b->count) {
        b->waiting = 0;
        b->generation++;
        CHECK(pthread_cond_broadcast(&b->cv) == 0);
    } else {
        while (gen == b->generation) CHECK(pthread_cond_wait(&b->cv, &b->mu) == 0);
    }
    CHECK(pthread_mutex_unlock(&b->mu) == 0);
}

static inline void hard_barrier_destroy(hard_barrier *b) {
    CHECK(pthread_cond_destroy(&b->cv) == 0);
    CHECK(pthread_mutex_destroy(&b->mu) == 0);
}

/* Watchdog: a hang anywhere fails the test with a message instead of
 * waiting for the CTest timeout. */
static inline void *hard_watchdog_main(void *arg) {
    int64_t secs = (int64_t)(intptr_t)arg;
    hard_sleep_ns(secs * SEC_NS);
    fprintf(stderr, "FAIL: watchdog: still running after %" PRId64 " s (hang?)\n", secs);
    fflush(stderr);
    _exit(2);
    return NULL;
}

static inline void hard_watchdog(int seconds) {
    pthread_t t;
    CHECK(pthread_create(&t, NULL, hard_watchdog_main, (void *)(intptr_t)seconds) == 0);
    pthread_detach(t);
}

#endif
