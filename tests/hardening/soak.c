/* ctexec_soak: the mixed workload for N seconds.
 *
 *   ctexec_soak [seconds] [submitters]      (defaults: 60 s, 3 submitters)
 *
 * The owner (main) runs one executor for the whole time. Each submitter
 * sends batches of mixed items: fire and forget (some failing with host
 * codes), futures with results, host errors and negative codes, futures
 * cancelled at once, futures freed before they run (with done callbacks),
 * promises completed across threads, synchronous ctexec_call round trips,
 * and items that create, run (with a
 * timeout, then to completion) and free a nested executor on the owner.
 * Every batch waits for its futures (bounded, 10 s), which also bounds the
 * queue.
 *
 * Once a second it prints the item rate, the resident set size and the live
 * counts. After the warm-up (the first 20 % of the run, at least 2 s) it
 * fails if RSS grows more than max(8 MiB, 25 %) over its warm-up value, or
 * if the live counts exceed what the in-flight window allows. At the end
 * the counts must be back to where they started.
 */
#include <sys/resource.h>

#include "hard.h"

#define BATCH 256
static const int64_t WAIT_NS = 10 * SEC_NS;

static pthread_t owner;
static ctexec *ex;
static atomic_int stopping;
static atomic_long ran, off_owner, done_fired, done_registered, nested, failures;

static int item_fn(void *arg, void **result) {
    if (!pthread_equal(pthread_self(), owner)) atomic_fetch_add(&off_owner, 1);
    atomic_fetch_add_explicit(&ran, 1, memory_order_relaxed);
    intptr_t code = (intptr_t)arg;
    *result = (void *)(uintptr_t)0x600d;
    return (int)code;
}

/* On the owner: a nested executor, run with a timeout, then to its end. */
static int nest_fn(void *arg, void **result) {
    (void)arg;
    (void)result;
    atomic_fetch_add_explicit(&ran, 1, memory_order_relaxed);
    ctexec *inner;
    ctexec_future p;
    OK(ctexec_new(ex, &inner));
    OK(ctexec_future_new(&p));
    EXPECT_RC(ctexec_run_until_timeout(inner, p, 50000), CTEXEC_ETIMEDOUT);
    OK(ctexec_future_set_result(p, NULL));
    OK(ctexec_run_until(inner, p));
    OK(ctexec_free(inner));
    OK(ctexec_future_free(p));
    atomic_fetch_add(&nested, 1);
    return 0;
}

static void done_fn(ctexec_future f, void *u) {
    (void)f;
    (void)u;
    atomic_fetch_add_explicit(&done_fired, 1, memory_order_relaxed);
}

/* What each submitter is doing, for the stall report: the future it waits
 * for (0 while submitting) and since when. */
struct phase {
    _Atomic(uint64_t) waiting_on;
    _Atomic(int64_t) since;
    atomic_long max_wait_ns;
};
static struct phase *phases;

struct pending {
    ctexec_future f;
    int want; /* expected status, or INT32_MIN: OK or ECANCELLED (raced) */
};

static void *submitter_main(void *arg) {
    struct phase *ph = &phases[(uintptr_t)arg];
    uint64_t seed = 0xabcdef12345ULL * (uint64_t)((uintptr_t)arg + 1);
    struct pending pend[BATCH + 1];
    /* An idle executor of its own: a thread that owns one takes the
     * deadlock check on every wait (one that owns none never does). */
    ctexec *mine;
    OK(ctexec_new(NULL, &mine));
    while (!atomic_load(&stopping)) {
        int np = 0;
        for (int j = 0; j < BATCH; j++) {
            unsigned k = (unsigned)(hard_rand(&seed) % 32);
            ctexec_future f = 0;
            if (k < 14) {
                OK(ctexec_submit(ex, item_fn, (void *)(intptr_t)0, NULL));
            } else if (k < 16) {
                OK(ctexec_submit(ex, item_fn, (void *)(intptr_t)(1 + k), NULL));
            } else if (k < 22) {
                OK(ctexec_submit(ex, item_fn, (void *)(intptr_t)0, &f));
                pend[np++] = (struct pending){f, CTEXEC_OK};
            } else if (k < 24) {
                OK(ctexec_submit(ex, item_fn, (void *)(intptr_t)(100 + k), &f));
                pend[np++] = (struct pending){f, 100 + (int)k};
            } else if (k < 25) {
                OK(ctexec_submit(ex, item_fn, (void *)(intptr_t)-3, &f));
                pend[np++] = (struct pending){f, CTEXEC_EINVAL};
            } else if (k < 27) {
                OK(ctexec_submit(ex, item_fn, (void *)(intptr_t)0, &f));
                int rc = ctexec_future_cancel(f);
                CHECK(rc == CTEXEC_OK || rc == CTEXEC_ESTATE);
                pend[np++] = (struct pending){f, rc == CTEXEC_OK ? CTEXEC_ECANCELLED : CTEXEC_OK};
            } else if (k < 29) {
                OK(ctexec_submit(ex, item_fn, (void *)(intptr_t)0, &f));
                atomic_fetch_add(&done_registered, 1);
                OK(ctexec_future_add_done_callback(f, done_fn, NULL));
                OK(ctexec_future_free(f)); /* freed before it runs */
            } else if (k < 31) {
                /* A promise completed on this thread, with a done callback. */
                OK(ctexec_future_new(&f));
                atomic_fetch_add(&done_registered, 1);
                OK(ctexec_future_add_done_callback(f, done_fn, NULL));
                OK(ctexec_future_set_error(f, 9));
                pend[np++] = (struct pending){f, 9};
            } else if ((k = (unsigned)(hard_rand(&seed) % 8)) == 0) {
                OK(ctexec_submit(ex, nest_fn, NULL, NULL));
            } else if (k == 1) {
                /* A synchronous round trip (no future handle). */
                void *r = NULL;
                OK(ctexec_call(ex, item_fn, (void *)(intptr_t)0, &r));
                CHECK(r == (void *)(uintptr_t)0x600d);
            }
        }
        /* A final future per batch bounds the queue: it runs after all of
         * this batch's fire-and-forget items. */
        ctexec_future last;
        OK(ctexec_submit(ex, item_fn, (void *)(intptr_t)0, &last));
        pend[np++] = (struct pending){last, CTEXEC_OK};
        for (int i = 0; i < np; i++) {
            void *r = NULL;
            int64_t t0 = hard_now_ns();
            atomic_store(&ph->since, t0);
            atomic_store(&ph->waiting_on, pend[i].f);
            int rc = ctexec_future_wait(pend[i].f, WAIT_NS, &r);
            atomic_store(&ph->waiting_on, 0);
            int64_t dt = hard_now_ns() - t0;
            if (dt > atomic_load(&ph->max_wait_ns)) atomic_store(&ph->max_wait_ns, dt);
            if (rc == CTEXEC_ETIMEDOUT) FAIL("a waiter hung for 10 s");
            if (rc == CTEXEC_EDEADLK) FAIL("EDEADLK on a wait that finishes");
            if (rc != pend[i].want) {
                fprintf(stderr, "soak: future outcome %d, want %d\n", rc, pend[i].want);
                atomic_fetch_add(&failures, 1);
            }
            OK(ctexec_future_free(pend[i].f));
        }
    }
    OK(ctexec_free(mine));
    return NULL;
}

static double rss_mib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &res) != 2) res = 0;
        fclose(f);
    }
    return (double)res * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

struct sampler {
    int seconds, nsub;
    ctexec_future stop;
    pthread_t *subs;
    /* results */
    double warm_rss, max_rss_after, last_rss;
    uint64_t max_futures, max_execs, max_queued;
    int bad, stalls;
};

static void *sampler_main(void *p) {
    struct sampler *s = p;
    int warm = s->seconds / 5 > 2 ? s->seconds / 5 : 2;
    long last_ran = 0;
    int64_t t0 = hard_now_ns(), last_t = t0;
    /* In flight at most: per submitter a batch of futures (plus its last
     * one), one nested executor and its own idle one; the queue at most
     * the batches. */
    uint64_t fut_bound = (uint64_t)s->nsub * (BATCH + 2);
    uint64_t exec_bound = 1 + 2 * (uint64_t)s->nsub;
    uint64_t queue_bound = (uint64_t)s->nsub * (BATCH + 2);
    for (int sec = 1; sec <= s->seconds; sec++) {
        int64_t next = t0 + sec * SEC_NS;
        int64_t now = hard_now_ns();
        if (next > now) hard_sleep_ns(next - now);
        now = hard_now_ns();
        long r = atomic_load(&ran);
        double rate = (double)(r - last_ran) / ((double)(now - last_t) / 1e9);
        last_ran = r;
        last_t = now;
        ctexec_counts c = hard_counts();
        double rss = rss_mib();
        printf("t=%3ds items/s=%9.0f rss=%6.1f MiB live: executors=%" PRIu64 " futures=%" PRIu64
               " queued=%" PRIu64 "%s\n",
               sec, rate, rss, c.executors, c.futures, c.queued, sec == warm ? "  (end of warm-up)" : "");
        if (rate == 0) {
            /* A second without progress: say what everyone is doing. */
            printf("soak: stall: no item ran in the last second\n");
            for (int i = 0; i < s->nsub; i++) {
                uint64_t f = atomic_load(&phases[i].waiting_on);
                int64_t since = atomic_load(&phases[i].since);
                printf("soak: stall: submitter %d %s %" PRIu64 " for %.3f s, done=%d\n", i,
                       f ? "waits on future" : "is submitting", f, f ? (now - since) / 1e9 : 0.0,
                       f ? ctexec_future_done(f) : -99);
            }
            s->stalls++;
        }
        if (c.futures > fut_bound || c.executors > exec_bound || c.queued > queue_bound) {
            printf("soak: FAIL: live counts beyond the in-flight bound (futures <= %" PRIu64
                   ", executors <= %" PRIu64 ", queued <= %" PRIu64 ")\n",
                   fut_bound, exec_bound, queue_bound);
            s->bad = 1;
        }
        if (c.futures > s->max_futures) s->max_futures = c.futures;
        if (c.executors > s->max_execs) s->max_execs = c.executors;
        if (c.queued > s->max_queued) s->max_queued = c.queued;
        if (sec == warm) s->warm_rss = rss;
        if (sec > warm && rss > s->max_rss_after) s->max_rss_after = rss;
        s->last_rss = rss;
    }
    atomic_store(&stopping, 1);
    for (int i = 0; i < s->nsub; i++) CHECK(pthread_join(s->subs[i], NULL) == 0);
    OK(ctexec_future_set_result(s->stop, NULL));
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int seconds = argc > 1 ? atoi(argv[1]) : 60;
    int nsub = argc > 2 ? atoi(argv[2]) : 3;
    if (seconds < 3 || nsub < 1) {
        fprintf(stderr, "usage: %s [seconds >= 3] [submitters]\n", argv[0]);
        return 2;
    }
    hard_watchdog(seconds + 60);
    owner = pthread_self();
    ctexec_counts start = hard_counts();
    printf("soak: %d s, %d submitters, batches of %d mixed items; warm-up %d s\n", seconds, nsub,
           BATCH, seconds / 5 > 2 ? seconds / 5 : 2);

    struct sampler s;
    memset(&s, 0, sizeof s);
    s.seconds = seconds;
    s.nsub = nsub;
    s.subs = calloc((size_t)nsub, sizeof *s.subs);
    phases = calloc((size_t)nsub, sizeof *phases);
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_future_new(&s.stop));
    int64_t t0 = hard_now_ns();
    for (int i = 0; i < nsub; i++)
        CHECK(pthread_create(&s.subs[i], NULL, submitter_main, (void *)(uintptr_t)i) == 0);
    pthread_t st;
    CHECK(pthread_create(&st, NULL, sampler_main, &s) == 0);
    OK(ctexec_run_until(ex, s.stop));
    CHECK(pthread_join(st, NULL) == 0);
    double elapsed = (double)(hard_now_ns() - t0) / 1e9;
    OK(ctexec_future_free(s.stop));
    OK(ctexec_free(ex));
    hard_counts_back_to(start);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long total = atomic_load(&ran);
    double growth = s.max_rss_after - s.warm_rss;
    double bound = s.warm_rss * 0.25 > 8.0 ? s.warm_rss * 0.25 : 8.0;
    printf("soak: %ld items in %.1f s = %.0f items/s; %ld nested executors\n", total, elapsed,
           total / elapsed, atomic_load(&nested));
    printf("soak: peak RSS %.1f MiB (ru_maxrss); RSS after warm-up %.1f MiB, max later %.1f MiB "
           "(growth %.1f MiB, bound %.1f MiB), at the end %.1f MiB\n",
           ru.ru_maxrss / 1024.0, s.warm_rss, s.max_rss_after, growth, bound, s.last_rss);
    printf("soak: max live futures %" PRIu64 ", executors %" PRIu64 ", queued %" PRIu64
           "; done callbacks %ld of %ld\n",
           s.max_futures, s.max_execs, s.max_queued, atomic_load(&done_fired),
           atomic_load(&done_registered));
    int64_t max_wait = 0;
    for (int i = 0; i < nsub; i++)
        if (atomic_load(&phases[i].max_wait_ns) > max_wait) max_wait = atomic_load(&phases[i].max_wait_ns);
    printf("soak: longest future wait %.1f ms; seconds without progress: %d\n", max_wait / 1e6, s.stalls);
    int ok = 1;
    if (growth > bound) { printf("soak: FAIL: RSS grew beyond the bound after warm-up\n"); ok = 0; }
    if (s.bad) ok = 0;
    if (atomic_load(&off_owner)) { printf("soak: FAIL: callbacks off the owner thread\n"); ok = 0; }
    if (atomic_load(&failures)) { printf("soak: FAIL: %ld wrong outcomes\n", atomic_load(&failures)); ok = 0; }
    if (atomic_load(&done_fired) != atomic_load(&done_registered)) {
        printf("soak: FAIL: done callbacks fired %ld, registered %ld\n", atomic_load(&done_fired),
               atomic_load(&done_registered));
        ok = 0;
    }
    printf("soak: %s\n", ok ? "PASS" : "FAIL");
    free(s.subs);
    return ok ? 0 : 1;
}
