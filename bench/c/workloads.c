/* The workloads: what each measures, and how. Each one drives a variant
 * through the variant interface only (bench.h). */
#include "bench.h" /* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

struct bench_config cfg = {100000, 2000000, 400000, 64, 1000000, 1000, 5};

/* One run's shared state. */
typedef struct run_ctx {
    const variant *v;
    void *q;
    long counter; /* written only by the owner, in work_count */
    long per_thread;
    long window;
    pthread_barrier_t start;
    atomic_int remaining; /* submitters still going; the last one stops q */
    uint64_t *lat;        /* round-trip latencies */
    long warm;            /* untimed round trips before the timed ones */
    uint64_t elapsed;     /* the timed round trips, all of them */
    long idle_ms;
} run_ctx;

static void finish_submitter(run_ctx *c) {
    if (atomic_fetch_sub(&c->remaining, 1) == 1) c->v->stop(c->q);
}

static void *submit_fire_thread(void *p) {
    run_ctx *c = p;
    pthread_barrier_wait(&c->start);
    for (long i = 0; i < c->per_thread; i++) c->v->fire(c->q, work_count, &c->counter);
    finish_submitter(c);
    return NULL;
}

static void *submit_future_thread(void *p) {
    run_ctx *c = p;
    uintptr_t *tok = xmalloc(sizeof(uintptr_t) * (size_t)c->window);
    pthread_barrier_wait(&c->start);
    for (long done = 0; done < c->per_thread;) {
        long k = c->per_thread - done < c->window ? c->per_thread - done : c->window;
        for (long i = 0; i < k; i++) tok[i] = c->v->submit_f(c->q, work_count, &c->counter);
        for (long i = 0; i < k; i++)
            if (c->v->wait_free(tok[i]) != &c->counter) die("%s: wrong result", c->v->name);
        done += k;
    }
    free(tok);
    finish_submitter(c);
    return NULL;
}

/* One round trip: the variant's call, or submit + wait + free. */
static inline void one_round_trip(run_ctx *c) {
    void *r;
    if (c->v->call != NULL) {
        r = c->v->call(c->q, work_count, &c->counter);
    } else {
        uintptr_t tok = c->v->submit_f(c->q, work_count, &c->counter);
        r = c->v->wait_free(tok);
    }
    if (r != &c->counter) die("%s: wrong result", c->v->name);
}

/* Each round trip timed on its own, for the latency percentiles. */
static void *round_trip_thread(void *p) {
    run_ctx *c = p;
    pthread_barrier_wait(&c->start);
    for (long i = 0; i < c->per_thread; i++) {
        uint64_t t0 = now_ns();
        one_round_trip(c);
        c->lat[i] = now_ns() - t0;
    }
    finish_submitter(c);
    return NULL;
}
/* The tight round trip: back-to-back calls with one clock read before them
 * and one after, so that the figure (total time / calls) holds no per-call
 * timing. The untimed calls first let the owner settle in its loop. */
static void *tight_thread(void *p) {
    run_ctx *c = p;
    pthread_barrier_wait(&c->start);
    for (long i = 0; i < c->warm; i++) one_round_trip(c);
    uint64_t t0 = now_ns();
    for (long i = 0; i < c->per_thread; i++) one_round_trip(c);
    c->elapsed = now_ns() - t0;
    finish_submitter(c);
    return NULL;
}

static void *idle_stop_thread(void *p) {
    run_ctx *c = p;
    pthread_barrier_wait(&c->start);
    struct timespec ts = {c->idle_ms / 1000, (c->idle_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    finish_submitter(c);
    return NULL;
}

/* Runs one measurement on the calling (owner) thread: nthreads threads run
 * body, the owner runs the queue until the last of them stops it. Returns
 * the wall time from the start gate to the end of run. */
static uint64_t drive(run_ctx *c, int nthreads, void *(*body)(void *), long expect) {
    pthread_t th[64];
    if (nthreads > 64) die("too many threads");
    c->q = c->v->create();
    c->counter = 0;
    atomic_store(&c->remaining, nthreads);
    pthread_barrier_init(&c->start, NULL, (unsigned)nthreads + 1);
    for (int i = 0; i < nthreads; i++) start_thread(&th[i], body, c);
    pthread_barrier_wait(&c->start);
    uint64_t t0 = now_ns();
    c->v->run(c->q);
    uint64_t t = now_ns() - t0;
    for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&c->start);
    c->v->destroy(c->q);
    if (c->counter != expect)
        die("%s: %ld items ran, expected %ld", c->v->name, c->counter, expect);
    return t;
}

static sample measure_rt(const variant *v, long n) {
    run_ctx c = {.v = v, .per_thread = n};
    c.lat = xmalloc(sizeof(uint64_t) * (size_t)n);
    uint64_t total = drive(&c, 1, round_trip_thread, n);
    qsort(c.lat, (size_t)n, sizeof(uint64_t), cmp_u64);
    sample s = {{0}};
    s.v[0] = (double)c.lat[n / 2];
    s.v[1] = (double)c.lat[(size_t)((double)n * 0.99) < (size_t)n ? (size_t)((double)n * 0.99) : (size_t)n - 1];
    s.v[2] = (double)total / (double)n;
    free(c.lat);
    return s;
}

static sample measure_tp(const variant *v, int threads, long n, int with_future) {
    run_ctx c = {.v = v, .per_thread = n / threads, .window = cfg.window};
    long total_items = c.per_thread * threads;
    uint64_t t = drive(&c, threads, with_future ? submit_future_thread : submit_fire_thread,
                       total_items);
    sample s = {{0}};
    s.v[0] = (double)total_items / ((double)t / 1e9);
    return s;
}

static sample measure_idle(const variant *v, long ms) {
    run_ctx c = {.v = v, .idle_ms = ms};
    pthread_t th;
    c.q = v->create();
    atomic_store(&c.remaining, 1);
    pthread_barrier_init(&c.start, NULL, 2);
    start_thread(&th, idle_stop_thread, &c);
    pthread_barrier_wait(&c.start);
    double self0 = cpu_us(RUSAGE_SELF), own0 = cpu_us(RUSAGE_THREAD);
    v->run(c.q);
    double own1 = cpu_us(RUSAGE_THREAD), self1 = cpu_us(RUSAGE_SELF);
    pthread_join(th, NULL);
    pthread_barrier_destroy(&c.start);
    v->destroy(c.q);
    sample s = {{0}};
    s.v[0] = own1 - own0;
    s.v[1] = self1 - self0;
    return s;
}

/* Queue growth: meant to run in a fresh process. The submitter first makes
 * one call (so its thread's setup, and for ctexec the Go runtime's per-thread
 * state, is in the baseline), then the owner reads RSS, then the submitter
 * queues n items, then the owner reads RSS again, stops the queue and times
 * the drain. */
typedef struct growth_ctx {
    const variant *v;
    void *q;
    long counter;
    long n;
    int with_future;
    uintptr_t *tok;
    pthread_barrier_t step;
} growth_ctx;

static void *growth_thread(void *p) {
    growth_ctx *g = p;
    const variant *v = g->v;
    if (g->with_future)
        g->tok[0] = v->submit_f(g->q, work_count, &g->counter);
    else
        v->fire(g->q, work_count, &g->counter);
    pthread_barrier_wait(&g->step); /* owner reads the baseline */
    pthread_barrier_wait(&g->step);
    for (long i = 1; i <= g->n; i++) {
        if (g->with_future)
            g->tok[i] = v->submit_f(g->q, work_count, &g->counter);
        else
            v->fire(g->q, work_count, &g->counter);
    }
    return NULL;
}

static sample measure_growth(const variant *v, long n, int with_future) {
    growth_ctx g = {.v = v, .n = n, .with_future = with_future};
    if (with_future) {
        g.tok = xmalloc(sizeof(uintptr_t) * (size_t)(n + 1));
        memset(g.tok, 0, sizeof(uintptr_t) * (size_t)(n + 1)); /* resident before the baseline */
    }
    g.q = v->create();
    pthread_barrier_init(&g.step, NULL, 2);
    pthread_t th;
    start_thread(&th, growth_thread, &g);
    pthread_barrier_wait(&g.step);
    long rss0 = rss_bytes();
    pthread_barrier_wait(&g.step);
    pthread_join(th, NULL);
    long rss1 = rss_bytes();
    v->stop(g.q);
    uint64_t t0 = now_ns();
    v->run(g.q);
    uint64_t t = now_ns() - t0;
    if (with_future)
        for (long i = 0; i <= n; i++)
            if (v->wait_free(g.tok[i]) != &g.counter) die("%s: wrong result", v->name);
    pthread_barrier_destroy(&g.step);
    v->destroy(g.q);
    free(g.tok);
    if (g.counter != n + 1) die("%s: %ld items ran, expected %ld", v->name, g.counter, n + 1);
    sample s = {{0}};
    s.v[0] = (double)(rss1 - rss0) / (double)n;
    s.v[1] = (double)(n + 1) / ((double)t / 1e9);
    return s;
}

static sample measure_rt_tight(const variant *v, long n) {
    run_ctx c = {.v = v, .per_thread = n, .warm = n / 100 + 1};
    drive(&c, 1, tight_thread, n + c.warm);
    sample s = {{0}};
    s.v[0] = (double)c.elapsed / (double)n;
    return s;
}

/* Each workload's measurement of one parameter, and the small untimed run
 * before the first one, so that first-use costs (thread-local setup, the
 * first C->Go call on a thread, page faults) stay out of the samples. */
static sample m_rt(const variant *v, long p) { return (void)p, measure_rt(v, cfg.rt_n); }
static void w_rt(const variant *v, long p) { (void)p, measure_rt(v, cfg.rt_n / 20 + 1); }
static sample m_rt_tight(const variant *v, long p) { return (void)p, measure_rt_tight(v, cfg.rt_n); }
static void w_rt_tight(const variant *v, long p) { (void)p, measure_rt_tight(v, cfg.rt_n / 20 + 1); }
static sample m_tp_fire(const variant *v, long p) { return measure_tp(v, (int)p, cfg.tp_n, 0); }
static void w_tp_fire(const variant *v, long p) { measure_tp(v, (int)p, cfg.tp_n / 20 + p, 0); }
static sample m_tp_future(const variant *v, long p) { return measure_tp(v, (int)p, cfg.tpf_n, 1); }
static void w_tp_future(const variant *v, long p) { measure_tp(v, (int)p, cfg.tpf_n / 20 + p, 1); }
static sample m_growth_fire(const variant *v, long p) { return (void)p, measure_growth(v, cfg.growth_n, 0); }
static sample m_growth_future(const variant *v, long p) { return (void)p, measure_growth(v, cfg.growth_n, 1); }
static sample m_idle(const variant *v, long p) { return (void)p, measure_idle(v, cfg.idle_ms); }

/* rt times every call (the percentiles); rt_tight times back-to-back calls
 * as a whole (the floor comparison: ctexec against the spin mailbox, both
 * threads on CPU). */
const workload workloads[] = {
    {"rt", "round trip, 1 submitter (submit + wait)", 3, {"median", "p99", "mean"},
     {"ns", "ns", "ns"}, 0, 1, 0, NULL, "pthread", m_rt, w_rt},
    {"rt_tight", "round trip, both threads on CPU, back-to-back (total time / calls)", 1,
     {"mean"}, {"ns"}, 0, 1, 0, "spin_mailbox,ctexec,ctexec_call", "spin_mailbox", m_rt_tight,
     w_rt_tight},
    {"tp_fire", "throughput, fire-and-forget", 1, {"rate"}, {"items/s"}, 0, 0, 1, NULL, "pthread",
     m_tp_fire, w_tp_fire},
    {"tp_future", "throughput, a future per item", 1, {"rate"}, {"items/s"}, 0, 0, 1, NULL,
     "pthread", m_tp_future, w_tp_future},
    {"growth_fire", "queue growth, fire-and-forget", 2, {"bytes_per_item", "drain_rate"},
     {"B", "items/s"}, 1, 0, 0, NULL, "pthread", m_growth_fire, NULL},
    {"growth_future", "queue growth, a future per item", 2, {"bytes_per_item", "drain_rate"},
     {"B", "items/s"}, 1, 0, 0, NULL, "pthread", m_growth_future, NULL},
    {"idle", "idle owner blocked in run, nothing queued", 2, {"owner_cpu", "process_cpu"},
     {"us", "us"}, 0, 0, 0, NULL, "pthread", m_idle, NULL},
};
const int nworkloads = (int)(sizeof workloads / sizeof workloads[0]);

const workload *find_workload(const char *name) {
    for (int i = 0; i < nworkloads; i++)
        if (strcmp(workloads[i].name, name) == 0) return &workloads[i];
    return NULL;
}
