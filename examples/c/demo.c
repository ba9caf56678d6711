/* ctexec demo: main() owns an executor; worker threads submit work to it and
 * wait for the results. Every item reports the thread it ran on. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctexec.h"

#define WORKERS 4
#define ITEMS_PER_WORKER 3

static ctexec *ex;
static pthread_t owner;

struct job {
    int worker, item;
    pthread_t ran_on;
};

/* Runs on the owner thread: the place for thread-affine work (a GUI call, a
 * GL context, a thread-bound database handle). */
static int square(void *arg, void **result) {
    struct job *j = arg;
    j->ran_on = pthread_self();
    int v = j->worker * 10 + j->item;
    *result = (void *)(intptr_t)(v * v);
    return 0;
}

static void check(int rc, const char *what) {
    if (rc != CTEXEC_OK) {
        fprintf(stderr, "%s: %s (%d)\n", what, ctexec_strerror(rc), rc);
        exit(1);
    }
}

static void *worker(void *p) {
    int w = (int)(intptr_t)p;
    for (int i = 0; i < ITEMS_PER_WORKER; i++) {
        struct job j = {w, i, 0};
        ctexec_future f;
        void *result;
        check(ctexec_submit(ex, square, &j, &f), "submit");
        check(ctexec_future_wait(f, -1, &result), "wait");
        check(ctexec_future_free(f), "future_free");
        printf("worker %d item %d: %3d*%-3d = %5ld, ran on %s thread\n", w, i,
               w * 10 + i, w * 10 + i, (long)(intptr_t)result,
               pthread_equal(j.ran_on, owner) ? "the owner" : "ANOTHER");
        if (!pthread_equal(j.ran_on, owner)) exit(1);
    }
    return NULL;
}

static ctexec_future all_done;
static pthread_t workers[WORKERS];

/* Joins the workers, then lets the owner's run_until return. */
static void *joiner(void *unused) {
    (void)unused;
    for (int w = 0; w < WORKERS; w++) pthread_join(workers[w], NULL);
    check(ctexec_future_set_result(all_done, NULL), "set_result");
    return NULL;
}

int main(void) {
    if (ctexec_version() != CTEXEC_VERSION_NUMBER) {
        fprintf(stderr, "header/library version mismatch\n");
        return 1;
    }
    owner = pthread_self();
    check(ctexec_new(NULL, &ex), "new");
    check(ctexec_future_new(&all_done), "future_new");

    for (int w = 0; w < WORKERS; w++)
        pthread_create(&workers[w], NULL, worker, (void *)(intptr_t)w);
    pthread_t j;
    pthread_create(&j, NULL, joiner, NULL);

    /* Serve the workers' items on this thread until all_done completes. */
    check(ctexec_run_until(ex, all_done), "run_until");
    pthread_join(j, NULL);

    ctexec_counts c;
    check(ctexec_future_free(all_done), "future_free");
    check(ctexec_free(ex), "free");
    check(ctexec_live_counts(&c), "live_counts");
    printf("done: %d items ran on the owner; live executors=%llu futures=%llu queued=%llu\n",
           WORKERS * ITEMS_PER_WORKER, (unsigned long long)c.executors,
           (unsigned long long)c.futures, (unsigned long long)c.queued);
    return c.executors || c.futures || c.queued;
}
