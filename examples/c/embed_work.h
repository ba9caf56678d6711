/* The work every embedding example (the GLib, libuv, epoll and Win32 ones
 * here, the Qt ones in examples/cpp) gives its host loop: submitter threads
 * queue items onto an executor whose owner runs a host event loop; each
 * item checks that it runs on the owner, in order per submitter, and the
 * last one asks the loop to stop. Not part of the API: it keeps the host
 * code of each example short. */
#ifndef CTEXEC_EMBED_WORK_H
#define CTEXEC_EMBED_WORK_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ctexec.h"

#define MAX_SUBMITTERS 16

static struct {
    ctexec *ex;
    pthread_t owner, threads[MAX_SUBMITTERS];
    int submitters, prequeued;
    long per_thread, ran, next[MAX_SUBMITTERS];
    void (*stop)(void); /* asks the host loop to return; runs on the owner */
    int64_t last_tick, max_gap;
    long ticks;
} work;

#define DIE(...) (fprintf(stderr, __VA_ARGS__), fputc('\n', stderr), exit(1))

static int64_t work_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* arg: submitter << 32 | sequence number. */
static int work_item(void *arg, void **result) {
    (void)result;
    uintptr_t a = (uintptr_t)arg;
    int t = (int)(a >> 32);
    long seq = (long)(a & 0xffffffff);
    if (!pthread_equal(pthread_self(), work.owner)) DIE("item ran off the loop thread");
    if (work.prequeued) { /* 100 ns of work, so that the whole queue takes 100 ms */
        int64_t end = work_now() + 100;
        while (work_now() < end)
            ;
    }
    if (work.next[t] != seq) DIE("submitter %d: item %ld ran, expected %ld", t, seq, work.next[t]);
    work.next[t]++;
    if (++work.ran == work.submitters * work.per_thread) work.stop();
    return 0;
}

static void *work_submitter(void *p) {
    uintptr_t t = (uintptr_t)p;
    for (long i = 0; i < work.per_thread; i++) {
        int rc = ctexec_submit(work.ex, work_item, (void *)(t << 32 | (uintptr_t)i), NULL);
        if (rc != CTEXEC_OK) DIE("submit: %s", ctexec_strerror(rc));
    }
    return NULL;
}

/* The loop thread's CPU time: a gap between ticks measured in it is time
 * the loop spent away from its own work, not time the OS gave to other
 * processes (the tests share the machine). */
static int64_t work_cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A host timer callback: records the largest gap between ticks. */
static void work_tick(void) {
    int64_t now = work_cpu_now();
    if (now - work.last_tick > work.max_gap) work.max_gap = now - work.last_tick;
    work.last_tick = now;
    work.ticks++;
}

static void work_start(int argc, char **argv, void (*stop)(void)) {
    work.submitters = argc > 1 ? atoi(argv[1]) : 4;
    work.per_thread = argc > 2 ? atol(argv[2]) : 250000;
    if (work.submitters < 1 || work.submitters > MAX_SUBMITTERS) DIE("1..16 submitters");
    work.owner = pthread_self();
    work.stop = stop;
    if (ctexec_new(NULL, &work.ex) != CTEXEC_OK) DIE("ctexec_new");
    for (int t = 0; t < work.submitters; t++)
        pthread_create(&work.threads[t], NULL, work_submitter, (void *)(uintptr_t)t);
    /* "queued": every item is queued before the loop starts, so the loop's
     * timer gaps measure ctexec_run_ready's budget, not the OS scheduler
     * sharing the CPUs with the submitters. */
    work.prequeued = argc > 3 && strcmp(argv[3], "queued") == 0;
    if (work.prequeued)
        for (int t = 0; t < work.submitters; t++) pthread_join(work.threads[t], NULL);
    work.last_tick = work_cpu_now(); /* the loop starts now: gaps count from here */
}

/* After the loop returned: every item ran once, then free and check. */
static int work_finish(const char *host, int64_t max_gap_allowed) {
    work_tick(); /* the gap from the last tick to the end counts too */
    if (!work.prequeued)
        for (int t = 0; t < work.submitters; t++) pthread_join(work.threads[t], NULL);
    if (work.ran != work.submitters * work.per_thread) DIE("%ld items ran", work.ran);
    if (ctexec_free(work.ex) != CTEXEC_OK) DIE("ctexec_free");
    ctexec_counts c;
    ctexec_live_counts(&c);
    if (c.executors || c.futures || c.queued) DIE("live objects left");
    printf("%s: %ld items from %d threads ran on the loop thread, in order; "
           "%ld timer ticks, largest gap %.1f ms of loop CPU time\n",
           host, work.ran, work.submitters, work.ticks, work.max_gap / 1e6);
    if (work.prequeued && work.max_gap > max_gap_allowed) DIE("the loop was starved");
    return 0;
}

#endif
