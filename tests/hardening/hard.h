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
    case CTEXEC_OK: return "CTEXEC_OK";
    case CTEXEC_EINVAL: return "CTEXEC_EINVAL";
    case CTEXEC_EBADHANDLE: return "CTEXEC_EBADHANDLE";
    case CTEXEC_EWRONGTHREAD: return "CTEXEC_EWRONGTHREAD";
    case CTEXEC_ESAMETHREAD: return "CTEXEC_ESAMETHREAD";
    case CTEXEC_EQUIT: return "CTEXEC_EQUIT";
    case CTEXEC_EBUSY: return "CTEXEC_EBUSY";
    case CTEXEC_ECANCELLED: return "CTEXEC_ECANCELLED";
    case CTEXEC_ETIMEDOUT: return "CTEXEC_ETIMEDOUT";
    case CTEXEC_ESTATE: return "CTEXEC_ESTATE";
    case CTEXEC_EFORK: return "CTEXEC_EFORK";
    case CTEXEC_EPANIC: return "CTEXEC_EPANIC";
    case CTEXEC_ENOMEM: return "CTEXEC_ENOMEM";
    case CTEXEC_EDEADLK: return "CTEXEC_EDEADLK";
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
