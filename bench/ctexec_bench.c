/*
 * ctexec_bench: ctexec against in-tree peers, same workloads, one run.
 *
 * Every variant implements the same small interface (create a queue on the
 * owner thread, submit fire-and-forget, submit with a completion, run until
 * stopped, stop). The workloads below drive that interface only, so each
 * variant pays for exactly the same work: one call of the same callback per
 * item, on the owner thread.
 *
 * Variants:
 *   pthread        a ring buffer under a mutex, owner pops one item per lock
 *                  and sleeps on a condvar (the baseline of every ratio);
 *   pthread_batch  the same queue, owner swaps out the whole queue per wake;
 *   glib           g_main_context_invoke_full on a context the owner holds,
 *                  run by a GMainLoop;
 *   libuv          uv_async_send plus a mutex-guarded queue, the owner swaps
 *                  the queue out in the async callback (as libuv's own
 *                  thread pool does);
 *   ctexec         the public header only, default spin;
 *   ctexec_nospin  the same with CTEXEC_SPIN_NS=0. The library reads the
 *                  variable once, at load, so this variant always runs in a
 *                  child process (this program re-executed with the variable
 *                  set) that performs one measurement and prints it;
 *   ctexec_call, ctexec_call_nospin
 *                  the round trip through ctexec_call (submit, wait and
 *                  release in one call, no future handle); round trip only;
 *   ctexec_glib, ctexec_uv
 *                  ctexec embedded in a GLib / libuv loop that the owner
 *                  runs: the loop watches ctexec_fd and calls
 *                  ctexec_run_ready (1000 items per turn);
 *   spin_mailbox   one slot where both threads spin and nobody sleeps: the
 *                  floor for a round trip with both threads on CPU; round
 *                  trip only.
 *
 * Peers complete a per-item completion object (mutex + condvar + flag,
 * malloc'd per item and freed after the wait), the equivalent of a ctexec
 * future.
 *
 * Repetitions are interleaved: rep 1 runs every variant once, then rep 2,
 * and so on, with the starting variant rotated each rep. Queue growth runs
 * every measurement in a fresh child process, so its RSS delta is not hidden
 * by memory that an earlier measurement freed.
 *
 * Output: a human summary on stderr; raw samples as TSV (--out) for
 * bench/report. Exit status 1 on any inconsistency (an item lost or run
 * twice, a library error, a value that is not finite).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctexec.h"

#ifdef HAVE_GLIB
#include <glib.h>
#include <glib-unix.h>
#endif
#ifdef HAVE_LIBUV
#include <uv.h>
#endif

extern char **environ;

/* ------------------------------------------------------------------------ */
/* Utilities                                                                */
/* ------------------------------------------------------------------------ */

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ctexec_bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n);
    if (p == NULL) die("out of memory (%zu bytes)", n);
    return p;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double cpu_us(int who) {
    struct rusage ru;
    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
}

static long rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (f == NULL) die("cannot open /proc/self/statm");
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) die("cannot parse /proc/self/statm");
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n) {
    double *c = xmalloc(sizeof(double) * (size_t)n);
    memcpy(c, v, sizeof(double) * (size_t)n);
    qsort(c, (size_t)n, sizeof(double), cmp_double);
    double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    free(c);
    return m;
}

static void start_thread(pthread_t *t, void *(*fn)(void *), void *arg) {
    int rc = pthread_create(t, NULL, fn, arg);
    if (rc != 0) die("pthread_create: %s", strerror(rc));
}

/* ------------------------------------------------------------------------ */
/* The work: one callback, the same for every variant                        */
/* ------------------------------------------------------------------------ */

/* Same shape as ctexec_fn, so ctexec gets the callback untouched and the
 * peers call exactly the same function. arg points at a counter that only
 * the owner thread writes. */
typedef int (*work_fn)(void *arg, void **result);

static int work_count(void *arg, void **result) {
    (*(long *)arg)++;
    *result = arg;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Per-item completion for the peers: the analogue of a ctexec future        */
/* ------------------------------------------------------------------------ */

typedef struct completion {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    int rc;
    void *result;
} completion;

static completion *completion_new(void) {
    completion *c = xmalloc(sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->done = 0;
    c->rc = 0;
    c->result = NULL;
    return c;
}

/* Signals under the lock: the waiter frees c as soon as it sees done. */
static void completion_complete(completion *c, int rc, void *result) {
    pthread_mutex_lock(&c->mu);
    c->rc = rc;
    c->result = result;
    c->done = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void *completion_wait_free(completion *c) {
    pthread_mutex_lock(&c->mu);
    while (!c->done) pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
    if (c->rc != 0) die("peer item failed: %d", c->rc);
    void *r = c->result;
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
    return r;
}

/* An item as the peers queue it. */
typedef struct item {
    work_fn fn;
    void *arg;
    completion *comp; /* NULL: fire and forget */
} item;

static inline void item_run(const item *it) {
    void *r = NULL;
    int rc = it->fn(it->arg, &r);
    if (it->comp != NULL) completion_complete(it->comp, rc, r);
}

/* A growable array of items, for the peers that swap out whole batches. */
typedef struct vec {
    item *v;
    size_t len, cap;
} vec;

static inline void vec_push(vec *q, item it) {
    if (q->len == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 64;
        item *n = realloc(q->v, q->cap * sizeof(item));
        if (n == NULL) die("out of memory (queue of %zu)", q->cap);
        q->v = n;
    }
    q->v[q->len++] = it;
}

/* ------------------------------------------------------------------------ */
/* The variant interface                                                    */
/* ------------------------------------------------------------------------ */

typedef struct variant {
    const char *name;  /* machine name, used in the TSV */
    const char *title; /* for humans */
    int nospin;        /* run in a child with CTEXEC_SPIN_NS=0 */
    void *(*create)(void); /* on the owner thread */
    void (*destroy)(void *q); /* on the owner thread, after run and joins */
    void (*fire)(void *q, work_fn fn, void *arg);
    uintptr_t (*submit_f)(void *q, work_fn fn, void *arg);
    void *(*wait_free)(uintptr_t token); /* wait, release, return result */
    void (*run)(void *q);  /* owner: run until stopped and drained */
    void (*stop)(void *q); /* any thread: let run return once drained */
    /* Optional synchronous round trip in one call (submit, wait, release).
     * Variants that have it are measured in the round-trip workload only. */
    void *(*call)(void *q, work_fn fn, void *arg);
    /* Optional: the workloads it runs in (comma-separated; NULL: all). */
    const char *only;
} variant;

/* ---- pthread: ring buffer, one pop per lock ----------------------------- */

typedef struct pq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    item *buf;
    size_t cap, head, count; /* cap is a power of two */
    int stop;
} pq;

static void *pq_create(void) {
    pq *q = xmalloc(sizeof *q);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->cap = 64;
    q->buf = xmalloc(q->cap * sizeof(item));
    q->head = q->count = 0;
    q->stop = 0;
    return q;
}

static void pq_destroy(void *p) {
    pq *q = p;
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q->buf);
    free(q);
}

static void pq_grow(pq *q) {
    size_t ncap = q->cap * 2;
    item *n = xmalloc(ncap * sizeof(item));
    for (size_t i = 0; i < q->count; i++) n[i] = q->buf[(q->head + i) & (q->cap - 1)];
    free(q->buf);
    q->buf = n;
    q->cap = ncap;
    q->head = 0;
}

/* The owner only sleeps on an empty queue, so only the push that makes the
 * queue non-empty needs to signal; it signals after unlocking so the woken
 * owner does not block on the mutex. */
static void pq_push(pq *q, item it) {
    pthread_mutex_lock(&q->mu);
    if (q->count == q->cap) pq_grow(q);
    q->buf[(q->head + q->count) & (q->cap - 1)] = it;
    int was_empty = q->count++ == 0;
    pthread_mutex_unlock(&q->mu);
    if (was_empty) pthread_cond_signal(&q->cv);
}

static void pq_fire(void *p, work_fn fn, void *arg) { pq_push(p, (item){fn, arg, NULL}); }

static uintptr_t pq_submit_f(void *p, work_fn fn, void *arg) {
    completion *c = completion_new();
    pq_push(p, (item){fn, arg, c});
    return (uintptr_t)c;
}

static void *peer_wait_free(uintptr_t token) { return completion_wait_free((completion *)token); }

static void pq_run(void *p) {
    pq *q = p;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (q->count == 0 && !q->stop) pthread_cond_wait(&q->cv, &q->mu);
        if (q->count == 0) break;
        item it = q->buf[q->head];
        q->head = (q->head + 1) & (q->cap - 1);
        q->count--;
        pthread_mutex_unlock(&q->mu);
        item_run(&it);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
}

static void pq_stop(void *p) {
    pq *q = p;
    pthread_mutex_lock(&q->mu);
    q->stop = 1;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* ---- pthread_batch: the owner swaps out the whole queue per wake ---------- */

typedef struct bq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    vec queue;
    int stop;
} bq;

static void *bq_create(void) {
    bq *q = xmalloc(sizeof *q);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->queue = (vec){0};
    q->stop = 0;
    return q;
}

static void bq_destroy(void *p) {
    bq *q = p;
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q->queue.v);
    free(q);
}

static void bq_push(bq *q, item it) {
    pthread_mutex_lock(&q->mu);
    vec_push(&q->queue, it);
    int was_empty = q->queue.len == 1;
    pthread_mutex_unlock(&q->mu);
    if (was_empty) pthread_cond_signal(&q->cv);
}

static void bq_fire(void *p, work_fn fn, void *arg) { bq_push(p, (item){fn, arg, NULL}); }

static uintptr_t bq_submit_f(void *p, work_fn fn, void *arg) {
    completion *c = completion_new();
    bq_push(p, (item){fn, arg, c});
    return (uintptr_t)c;
}

static void bq_run(void *p) {
    bq *q = p;
    vec mine = {0}; /* the owner's batch; its array goes back as the next queue */
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (q->queue.len == 0 && !q->stop) pthread_cond_wait(&q->cv, &q->mu);
        if (q->queue.len == 0) break;
        vec t = q->queue;
        q->queue = mine;
        mine = t;
        pthread_mutex_unlock(&q->mu);
        for (size_t i = 0; i < mine.len; i++) item_run(&mine.v[i]);
        mine.len = 0;
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    free(mine.v);
}

static void bq_stop(void *p) {
    bq *q = p;
    pthread_mutex_lock(&q->mu);
    q->stop = 1;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* ---- GLib: g_main_context_invoke_full + GMainLoop ----------------------- */

#ifdef HAVE_GLIB
typedef struct gq {
    GMainContext *ctx;
    GMainLoop *loop;
} gq;

/* The owner acquires the context for the queue's whole life. Otherwise
 * g_main_context_invoke_full, called while the loop is not running, would
 * acquire the free context and run the function on the submitter's thread. */
static void *gq_create(void) {
    gq *q = xmalloc(sizeof *q);
    q->ctx = g_main_context_new();
    if (!g_main_context_acquire(q->ctx)) die("g_main_context_acquire failed");
    q->loop = g_main_loop_new(q->ctx, FALSE);
    return q;
}

static void gq_destroy(void *p) {
    gq *q = p;
    g_main_loop_unref(q->loop);
    g_main_context_release(q->ctx);
    g_main_context_unref(q->ctx);
    free(q);
}

/* GSourceFunc takes one pointer; the item (fn, arg, completion) is boxed. */
static gboolean gq_dispatch(gpointer data) {
    item *it = data;
    item_run(it);
    g_free(it);
    return G_SOURCE_REMOVE;
}

static void gq_push(gq *q, item it) {
    item *box = g_new(item, 1);
    *box = it;
    g_main_context_invoke_full(q->ctx, G_PRIORITY_DEFAULT, gq_dispatch, box, NULL);
}

static void gq_fire(void *p, work_fn fn, void *arg) { gq_push(p, (item){fn, arg, NULL}); }

static uintptr_t gq_submit_f(void *p, work_fn fn, void *arg) {
    completion *c = completion_new();
    gq_push(p, (item){fn, arg, c});
    return (uintptr_t)c;
}

static gboolean gq_quit(gpointer data) {
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

static void gq_run(void *p) {
    gq *q = p;
    g_main_loop_run(q->loop);
    /* The quit source is queued after every item at the same priority; this
     * only catches what a later iteration would still have dispatched. */
    while (g_main_context_iteration(q->ctx, FALSE)) {
    }
}

/* A plain idle source, not g_main_context_invoke_full: called on the owner
 * (growth stops the queue before running it), invoke would quit at once,
 * and g_main_loop_run would then forget that quit. */
static void gq_stop(void *p) {
    gq *q = p;
    GSource *s = g_idle_source_new();
    g_source_set_priority(s, G_PRIORITY_DEFAULT);
    g_source_set_callback(s, gq_quit, q->loop, NULL);
    g_source_attach(s, q->ctx);
    g_source_unref(s);
}
#endif

/* ---- libuv: uv_async_send + mutex-guarded queue ------------------------- */

#ifdef HAVE_LIBUV
typedef struct uq {
    uv_loop_t loop;
    uv_async_t async;
    pthread_mutex_t mu;
    vec queue;
    vec mine;
    int stop;
    int closing;
} uq;

static void uq_drain(uv_async_t *a) {
    uq *q = a->data;
    pthread_mutex_lock(&q->mu);
    vec t = q->queue;
    q->queue = q->mine;
    q->mine = t;
    int stop = q->stop;
    pthread_mutex_unlock(&q->mu);
    for (size_t i = 0; i < q->mine.len; i++) item_run(&q->mine.v[i]);
    q->mine.len = 0;
    if (stop && !q->closing) {
        /* Close once nothing is left; a push to an empty queue always sends,
         * so anything queued meanwhile brings the callback back. */
        pthread_mutex_lock(&q->mu);
        int empty = q->queue.len == 0;
        pthread_mutex_unlock(&q->mu);
        if (empty) {
            q->closing = 1;
            uv_close((uv_handle_t *)&q->async, NULL);
        }
    }
}

static void *uq_create(void) {
    uq *q = xmalloc(sizeof *q);
    memset(q, 0, sizeof *q);
    if (uv_loop_init(&q->loop) != 0) die("uv_loop_init failed");
    if (uv_async_init(&q->loop, &q->async, uq_drain) != 0) die("uv_async_init failed");
    q->async.data = q;
    pthread_mutex_init(&q->mu, NULL);
    return q;
}

static void uq_destroy(void *p) {
    uq *q = p;
    if (uv_loop_close(&q->loop) != 0) die("uv_loop_close: handles left");
    pthread_mutex_destroy(&q->mu);
    free(q->queue.v);
    free(q->mine.v);
    free(q);
}

/* uv_async_send coalesces, and the callback takes the whole queue, so only
 * the push that makes the queue non-empty has to send. */
static void uq_push(uq *q, item it) {
    pthread_mutex_lock(&q->mu);
    vec_push(&q->queue, it);
    int was_empty = q->queue.len == 1;
    pthread_mutex_unlock(&q->mu);
    if (was_empty) uv_async_send(&q->async);
}

static void uq_fire(void *p, work_fn fn, void *arg) { uq_push(p, (item){fn, arg, NULL}); }

static uintptr_t uq_submit_f(void *p, work_fn fn, void *arg) {
    completion *c = completion_new();
    uq_push(p, (item){fn, arg, c});
    return (uintptr_t)c;
}

static void uq_run(void *p) {
    uq *q = p;
    uv_run(&q->loop, UV_RUN_DEFAULT);
}

/* Sends under the lock: the callback reads stop under the same lock, so it
 * cannot close the handle while this send is still in progress. */
static void uq_stop(void *p) {
    uq *q = p;
    pthread_mutex_lock(&q->mu);
    q->stop = 1;
    uv_async_send(&q->async);
    pthread_mutex_unlock(&q->mu);
}
#endif

/* ---- spin mailbox: the floor for a round trip with both threads on CPU ---
 * One slot, no queue, no sleeping: the owner spins on the slot, the caller
 * spins on the answer. Nothing a real executor can beat; round trip only. */

typedef struct mq {
    atomic_int state; /* 0 empty, 1 request, 2 answered */
    atomic_int stop;
    work_fn fn;
    void *arg, *result;
} mq;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void *mq_create(void) {
    mq *q = xmalloc(sizeof *q);
    atomic_init(&q->state, 0);
    atomic_init(&q->stop, 0);
    return q;
}

static void mq_destroy(void *q) { free(q); }

static void *mq_call(void *p, work_fn fn, void *arg) {
    mq *q = p;
    q->fn = fn;
    q->arg = arg;
    atomic_store_explicit(&q->state, 1, memory_order_release);
    while (atomic_load_explicit(&q->state, memory_order_acquire) != 2) cpu_relax();
    void *r = q->result;
    atomic_store_explicit(&q->state, 0, memory_order_relaxed);
    return r;
}

static void mq_run(void *p) {
    mq *q = p;
    for (;;) {
        if (atomic_load_explicit(&q->state, memory_order_acquire) == 1) {
            q->result = NULL;
            q->fn(q->arg, &q->result);
            atomic_store_explicit(&q->state, 2, memory_order_release);
        } else if (atomic_load_explicit(&q->stop, memory_order_acquire)) {
            return;
        } else {
            cpu_relax();
        }
    }
}

static void mq_stop(void *p) { atomic_store_explicit(&((mq *)p)->stop, 1, memory_order_release); }

static void mq_unused_fire(void *q, work_fn fn, void *arg) {
    (void)q, (void)fn, (void)arg;
    die("spin_mailbox: round trip only");
}
static uintptr_t mq_unused_submit(void *q, work_fn fn, void *arg) {
    mq_unused_fire(q, fn, arg);
    return 0;
}
static void *mq_unused_wait(uintptr_t t) {
    (void)t;
    die("spin_mailbox: round trip only");
    return NULL;
}

/* ---- ctexec, through the public header ---------------------------------- */

typedef struct cq {
    ctexec *ex;
    ctexec_future done;
} cq;

static void cx_check(int rc, const char *what) {
    if (rc != CTEXEC_OK) die("%s: %s (%d)", what, ctexec_strerror(rc), rc);
}

static void *cq_create_with(const ctexec_options *o) {
    cq *q = xmalloc(sizeof *q);
    cx_check(ctexec_new_with(NULL, o, &q->ex), "ctexec_new_with");
    cx_check(ctexec_future_new(&q->done), "ctexec_future_new");
    return q;
}

static void *cq_create(void) { return cq_create_with(NULL); }

/* Issue 14's options: statistics on; a queue bounded at 1,024 that makes
 * submitters wait for room. */
static void *cq_create_stats(void) {
    ctexec_options o = {sizeof o, CTEXEC_OPT_STATS, 0, CTEXEC_FULL_BLOCK, 0, NULL, NULL};
    return cq_create_with(&o);
}

static void *cq_create_bounded(void) {
    ctexec_options o = {sizeof o, 0, 1024, CTEXEC_FULL_BLOCK, 0, NULL, NULL};
    return cq_create_with(&o);
}

static void cq_destroy(void *p) {
    cq *q = p;
    cx_check(ctexec_future_free(q->done), "ctexec_future_free");
    cx_check(ctexec_free(q->ex), "ctexec_free");
    free(q);
}

static void cq_fire(void *p, work_fn fn, void *arg) {
    cx_check(ctexec_submit(((cq *)p)->ex, fn, arg, NULL), "ctexec_submit");
}

static uintptr_t cq_submit_f(void *p, work_fn fn, void *arg) {
    ctexec_future f;
    cx_check(ctexec_submit(((cq *)p)->ex, fn, arg, &f), "ctexec_submit");
    return (uintptr_t)f;
}

static void *cq_wait_free(uintptr_t token) {
    void *r = NULL;
    cx_check(ctexec_future_wait((ctexec_future)token, -1, &r), "ctexec_future_wait");
    cx_check(ctexec_future_free((ctexec_future)token), "ctexec_future_free");
    return r;
}

/* The waiter owns an executor of its own (made on its first wait, freed
 * when the thread exits), so that every wait goes through the deadlock
 * check: a thread that owns none is never part of a cycle and skips it. */
static pthread_key_t owned_key;
static pthread_once_t owned_once = PTHREAD_ONCE_INIT;

static void owned_free(void *ex) { cx_check(ctexec_free(ex), "ctexec_free (owned)"); }
static void owned_init(void) { pthread_key_create(&owned_key, owned_free); }

static void *cq_owned_wait_free(uintptr_t token) {
    pthread_once(&owned_once, owned_init);
    if (pthread_getspecific(owned_key) == NULL) {
        ctexec *mine;
        cx_check(ctexec_new(NULL, &mine), "ctexec_new (owned)");
        pthread_setspecific(owned_key, mine);
    }
    return cq_wait_free(token);
}

static void *cq_call(void *p, work_fn fn, void *arg) {
    void *r = NULL;
    cx_check(ctexec_call(((cq *)p)->ex, fn, arg, &r), "ctexec_call");
    return r;
}

static void cq_run(void *p) {
    cq *q = p;
    cx_check(ctexec_run_until(q->ex, q->done), "ctexec_run_until");
}

static void cq_stop(void *p) {
    cx_check(ctexec_future_set_result(((cq *)p)->done, NULL), "ctexec_future_set_result");
}

/* ---- ctexec embedded in a host loop (issue 11) ----------------------------
 * The owner runs the host's own loop, GLib's or libuv's, which watches
 * ctexec_fd and calls ctexec_run_ready with a budget of 1000 items per turn;
 * submits and waits are ctexec's, as in the ctexec variant. The struct
 * begins with a cq so that the cq_* submit functions serve it. */

typedef struct eq {
    cq c;
    int fd;
#ifdef HAVE_GLIB
    GMainContext *ctx;
    GMainLoop *loop;
#endif
#ifdef HAVE_LIBUV
    uv_loop_t uv;
    uv_poll_t poll;
    uv_async_t quit;
#endif
} eq;

#if defined(HAVE_GLIB) || defined(HAVE_LIBUV)
static eq *eq_new(void) {
    eq *q = xmalloc(sizeof *q);
    memset(q, 0, sizeof *q);
    cx_check(ctexec_new(NULL, &q->c.ex), "ctexec_new");
    cx_check(ctexec_future_new(&q->c.done), "ctexec_future_new");
    cx_check(ctexec_fd(q->c.ex, &q->fd), "ctexec_fd");
    return q;
}

static void eq_run_ready(eq *q) {
    int rc = ctexec_run_ready(q->c.ex, 1000, -1, NULL);
    if (rc < 0) cx_check(rc, "ctexec_run_ready");
}

/* After the host loop returned: what was queued before stop still runs. */
static void eq_drain(eq *q) {
    int rc;
    while ((rc = ctexec_run_ready(q->c.ex, 0, -1, NULL)) == 1) {
    }
    if (rc < 0) cx_check(rc, "ctexec_run_ready");
}
#endif

#ifdef HAVE_GLIB
static gboolean eg_ready(gint fd, GIOCondition cond, gpointer p) {
    (void)fd, (void)cond;
    eq_run_ready(p);
    return G_SOURCE_CONTINUE;
}

static void *eg_create(void) {
    eq *q = eq_new();
    q->ctx = g_main_context_new();
    if (!g_main_context_acquire(q->ctx)) die("g_main_context_acquire failed");
    q->loop = g_main_loop_new(q->ctx, FALSE);
    GSource *s = g_unix_fd_source_new(q->fd, G_IO_IN);
    g_source_set_callback(s, (GSourceFunc)(void (*)(void))eg_ready, q, NULL);
    g_source_attach(s, q->ctx);
    g_source_unref(s);
    return q;
}

static void eg_destroy(void *p) {
    eq *q = p;
    g_main_loop_unref(q->loop);
    g_main_context_release(q->ctx);
    g_main_context_unref(q->ctx); /* destroys the fd source before the fd closes */
    cq_destroy(&q->c);
}

static void eg_run(void *p) {
    eq *q = p;
    g_main_loop_run(q->loop);
    eq_drain(q);
}

static void eg_stop(void *p) {
    eq *q = p;
    GSource *s = g_idle_source_new();
    g_source_set_callback(s, gq_quit, q->loop, NULL);
    g_source_attach(s, q->ctx);
    g_source_unref(s);
}
#endif

#ifdef HAVE_LIBUV
static void eu_ready(uv_poll_t *h, int status, int events) {
    (void)events;
    if (status < 0) die("uv_poll: %s", uv_strerror(status));
    eq_run_ready(h->data);
}

static void eu_quit(uv_async_t *a) {
    eq *q = a->data;
    uv_poll_stop(&q->poll);
    uv_close((uv_handle_t *)&q->poll, NULL);
    uv_close((uv_handle_t *)&q->quit, NULL);
}

static void *eu_create(void) {
    eq *q = eq_new();
    if (uv_loop_init(&q->uv) != 0) die("uv_loop_init failed");
    uv_poll_init(&q->uv, &q->poll, q->fd);
    q->poll.data = q;
    uv_poll_start(&q->poll, UV_READABLE, eu_ready);
    uv_async_init(&q->uv, &q->quit, eu_quit);
    q->quit.data = q;
    return q;
}

static void eu_destroy(void *p) {
    eq *q = p;
    if (uv_loop_close(&q->uv) != 0) die("uv_loop_close: handles left");
    cq_destroy(&q->c);
}

static void eu_run(void *p) {
    eq *q = p;
    uv_run(&q->uv, UV_RUN_DEFAULT);
    eq_drain(q);
}

static void eu_stop(void *p) { uv_async_send(&((eq *)p)->quit); }
#endif

/* ---- the table ----------------------------------------------------------- */

static const variant variants[] = {
    {"pthread", "pthread mutex/condvar", 0, pq_create, pq_destroy, pq_fire, pq_submit_f,
     peer_wait_free, pq_run, pq_stop, NULL, NULL},
    {"pthread_batch", "pthread, batch drain", 0, bq_create, bq_destroy, bq_fire, bq_submit_f,
     peer_wait_free, bq_run, bq_stop, NULL, NULL},
#ifdef HAVE_GLIB
    {"glib", "GLib invoke_full", 0, gq_create, gq_destroy, gq_fire, gq_submit_f, peer_wait_free,
     gq_run, gq_stop, NULL, NULL},
#endif
#ifdef HAVE_LIBUV
    {"libuv", "libuv async", 0, uq_create, uq_destroy, uq_fire, uq_submit_f, peer_wait_free,
     uq_run, uq_stop, NULL, NULL},
#endif
    {"spin_mailbox", "C spin mailbox (both spin)", 0, mq_create, mq_destroy, mq_unused_fire,
     mq_unused_submit, mq_unused_wait, mq_run, mq_stop, mq_call, NULL},
    {"ctexec", "ctexec (adaptive spin)", 0, cq_create, cq_destroy, cq_fire, cq_submit_f,
     cq_wait_free, cq_run, cq_stop, NULL, NULL},
    {"ctexec_nospin", "ctexec (CTEXEC_SPIN_NS=0)", 1, cq_create, cq_destroy, cq_fire,
     cq_submit_f, cq_wait_free, cq_run, cq_stop, NULL, NULL},
    {"ctexec_call", "ctexec_call (adaptive spin)", 0, cq_create, cq_destroy, cq_fire, cq_submit_f,
     cq_wait_free, cq_run, cq_stop, cq_call, NULL},
    {"ctexec_call_nospin", "ctexec_call (CTEXEC_SPIN_NS=0)", 1, cq_create, cq_destroy, cq_fire,
     cq_submit_f, cq_wait_free, cq_run, cq_stop, cq_call, NULL},
    {"ctexec_stats", "ctexec, statistics on", 0, cq_create_stats, cq_destroy, cq_fire, cq_submit_f,
     cq_wait_free, cq_run, cq_stop, NULL, "tp_fire,tp_future"},
    {"ctexec_bounded", "ctexec, bounded at 1,024 (block)", 0, cq_create_bounded, cq_destroy, cq_fire,
     cq_submit_f, cq_wait_free, cq_run, cq_stop, NULL, "tp_fire,tp_future"},
    {"ctexec_owner_nospin", "ctexec (CTEXEC_SPIN_NS=0), waiter owns an executor", 1, cq_create,
     cq_destroy, cq_fire, cq_submit_f, cq_owned_wait_free, cq_run, cq_stop, NULL, "rt"},
#ifdef HAVE_GLIB
    {"ctexec_glib", "ctexec in a GLib loop (fd + run_ready)", 0, eg_create, eg_destroy, cq_fire,
     cq_submit_f, cq_wait_free, eg_run, eg_stop, NULL, NULL},
#endif
#ifdef HAVE_LIBUV
    {"ctexec_uv", "ctexec in a libuv loop (uv_poll + run_ready)", 0, eu_create, eu_destroy,
     cq_fire, cq_submit_f, cq_wait_free, eu_run, eu_stop, NULL, NULL},
#endif
};
#define NVARIANTS ((int)(sizeof variants / sizeof variants[0]))

static const variant *find_variant(const char *name) {
    for (int i = 0; i < NVARIANTS; i++)
        if (strcmp(variants[i].name, name) == 0) return &variants[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Workloads                                                                */
/* ------------------------------------------------------------------------ */

#define MAXVALS 4
typedef struct sample {
    double v[MAXVALS];
} sample;

typedef struct workload {
    const char *name;
    const char *title;
    int nmetrics;
    const char *metric[MAXVALS];
    const char *unit[MAXVALS];
    int always_child; /* every measurement in a fresh process */
} workload;

static const workload workloads[] = {
    {"rt", "round trip, 1 submitter (submit + wait)", 3,
     {"median", "p99", "mean"}, {"ns", "ns", "ns"}, 0},
    {"tp_fire", "throughput, fire-and-forget", 1, {"rate"}, {"items/s"}, 0},
    {"tp_future", "throughput, a future per item", 1, {"rate"}, {"items/s"}, 0},
    {"growth_fire", "queue growth, fire-and-forget", 2,
     {"bytes_per_item", "drain_rate"}, {"B", "items/s"}, 1},
    {"growth_future", "queue growth, a future per item", 2,
     {"bytes_per_item", "drain_rate"}, {"B", "items/s"}, 1},
    {"idle", "idle owner blocked in run, nothing queued", 2,
     {"owner_cpu", "process_cpu"}, {"us", "us"}, 0},
};
#define NWORKLOADS ((int)(sizeof workloads / sizeof workloads[0]))

static const workload *find_workload(const char *name) {
    for (int i = 0; i < NWORKLOADS; i++)
        if (strcmp(workloads[i].name, name) == 0) return &workloads[i];
    return NULL;
}

/* Settings; --smoke shrinks them. */
static struct {
    long rt_n;      /* round trips per measurement */
    long tp_n;      /* items per throughput measurement, all submitters */
    long tpf_n;     /* items per throughput-with-future measurement */
    long window;    /* futures a submitter keeps in flight before waiting */
    long growth_n;  /* items queued before run */
    long idle_ms;   /* how long the idle owner waits */
    int reps;
} cfg = {100000, 2000000, 400000, 64, 1000000, 1000, 5};

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

static void *round_trip_thread(void *p) {
    run_ctx *c = p;
    pthread_barrier_wait(&c->start);
    for (long i = 0; i < c->per_thread; i++) {
        uint64_t t0 = now_ns();
        void *r;
        if (c->v->call != NULL) {
            r = c->v->call(c->q, work_count, &c->counter);
        } else {
            uintptr_t tok = c->v->submit_f(c->q, work_count, &c->counter);
            r = c->v->wait_free(tok);
        }
        c->lat[i] = now_ns() - t0;
        if (r != &c->counter) die("%s: wrong result", c->v->name);
    }
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

/* One measurement of workload w, param p, in this process. */
static sample measure_here(const workload *w, const variant *v, long param) {
    if (strcmp(w->name, "rt") == 0) return measure_rt(v, cfg.rt_n);
    if (strcmp(w->name, "tp_fire") == 0) return measure_tp(v, (int)param, cfg.tp_n, 0);
    if (strcmp(w->name, "tp_future") == 0) return measure_tp(v, (int)param, cfg.tpf_n, 1);
    if (strcmp(w->name, "growth_fire") == 0) return measure_growth(v, cfg.growth_n, 0);
    if (strcmp(w->name, "growth_future") == 0) return measure_growth(v, cfg.growth_n, 1);
    if (strcmp(w->name, "idle") == 0) return measure_idle(v, cfg.idle_ms);
    die("unknown workload %s", w->name);
    return (sample){{0}};
}

/* A small untimed run, so that first-use costs (thread-local setup, the
 * first C->Go call on a thread, page faults) stay out of the samples. */
static void warm_up(const workload *w, const variant *v, long param) {
    if (strcmp(w->name, "rt") == 0)
        measure_rt(v, cfg.rt_n / 20 + 1);
    else if (strcmp(w->name, "tp_fire") == 0)
        measure_tp(v, (int)param, cfg.tp_n / 20 + param, 0);
    else if (strcmp(w->name, "tp_future") == 0)
        measure_tp(v, (int)param, cfg.tpf_n / 20 + param, 1);
}

/* ------------------------------------------------------------------------ */
/* Child processes                                                          */
/* ------------------------------------------------------------------------ */

static char self_exe[4096];

static void add_setting_args(char **argv, int *argc, char bufs[][32]) {
    long vals[] = {cfg.rt_n, cfg.tp_n, cfg.tpf_n, cfg.window, cfg.growth_n, cfg.idle_ms};
    const char *names[] = {"--rt-n", "--tp-n", "--tpf-n", "--window", "--growth-n", "--idle-ms"};
    for (int i = 0; i < 6; i++) {
        snprintf(bufs[i], 32, "%ld", vals[i]);
        argv[(*argc)++] = (char *)names[i];
        argv[(*argc)++] = bufs[i];
    }
}

/* Runs this program as `SETTINGS --child W V P` (with CTEXEC_SPIN_NS=0 for a nospin
 * variant, without the variable otherwise) and parses its one result line. */
static sample measure_in_child(const workload *w, const variant *v, long param) {
    char pbuf[32], bufs[6][32];
    char *argv[32];
    int argc = 0;
    snprintf(pbuf, sizeof pbuf, "%ld", param);
    argv[argc++] = "ctexec_bench";
    add_setting_args(argv, &argc, bufs);
    argv[argc++] = "--child";
    argv[argc++] = (char *)w->name;
    argv[argc++] = (char *)v->name;
    argv[argc++] = pbuf;
    argv[argc] = NULL;

    size_t ne = 0;
    while (environ[ne]) ne++;
    char **envp = xmalloc(sizeof(char *) * (ne + 2));
    size_t k = 0;
    for (size_t i = 0; i < ne; i++)
        if (strncmp(environ[i], "CTEXEC_SPIN_NS=", 15) != 0) envp[k++] = environ[i];
    if (v->nospin) envp[k++] = "CTEXEC_SPIN_NS=0";
    envp[k] = NULL;

    int fds[2];
    if (pipe(fds) != 0) die("pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    pid_t pid;
    int rc = posix_spawn(&pid, self_exe, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    free(envp);
    close(fds[1]);
    if (rc != 0) die("posix_spawn %s: %s", self_exe, strerror(rc));

    char out[1024];
    size_t len = 0;
    ssize_t r;
    while ((r = read(fds[0], out + len, sizeof out - 1 - len)) > 0) len += (size_t)r;
    out[len] = 0;
    close(fds[0]);
    int status;
    if (waitpid(pid, &status, 0) < 0) die("waitpid: %s", strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("child %s %s failed (status %d)", w->name, v->name, status);
    sample s = {{0}};
    char *line = strstr(out, "child ");
    if (line == NULL) die("child %s %s printed no result", w->name, v->name);
    line += 6;
    for (int i = 0; i < w->nmetrics; i++) {
        char *end;
        s.v[i] = strtod(line, &end);
        if (end == line) die("child %s %s: bad result line", w->name, v->name);
        line = end;
    }
    return s;
}

/* ------------------------------------------------------------------------ */
/* Driver                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct record {
    const workload *w;
    const variant *v;
    long param;
    sample s;
} record;

static record *records;
static size_t nrecords, caprecords;
static FILE *tsv;

static void add_record(const workload *w, const variant *v, long param, int rep, sample s) {
    for (int i = 0; i < w->nmetrics; i++)
        if (!isfinite(s.v[i])) die("%s %s: value not finite", w->name, v->name);
    if (nrecords == caprecords) {
        caprecords = caprecords ? caprecords * 2 : 256;
        records = realloc(records, caprecords * sizeof(record));
        if (records == NULL) die("out of memory");
    }
    records[nrecords++] = (record){w, v, param, s};
    if (tsv != NULL) {
        for (int i = 0; i < w->nmetrics; i++)
            fprintf(tsv, "sample\t%s\t%s\t%ld\t%s\t%s\t%d\t%.6g\n", w->name, v->name, param,
                    w->metric[i], w->unit[i], rep, s.v[i]);
        fflush(tsv);
    }
}

static int list_has(const char *list, const char *name) {
    if (list == NULL) return 1;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

static void print_summary(const workload *w, long param, const variant **vs, int nv) {
    fprintf(stderr, "\n%s", w->title);
    if (strncmp(w->name, "tp_", 3) == 0) fprintf(stderr, ", %ld submitter%s", param, param > 1 ? "s" : "");
    fprintf(stderr, " (median of %d)\n", cfg.reps);
    double base[MAXVALS] = {0};
    for (int pass = 0; pass < 2; pass++) {
        for (int j = 0; j < nv; j++) {
            double vals[MAXVALS][64];
            int n = 0;
            for (size_t r = 0; r < nrecords; r++) {
                if (records[r].w != w || records[r].v != vs[j] || records[r].param != param) continue;
                if (n == 64) break;
                for (int i = 0; i < w->nmetrics; i++) vals[i][n] = records[r].s.v[i];
                n++;
            }
            if (n == 0) continue;
            if (pass == 0) {
                if (strcmp(vs[j]->name, "pthread") == 0)
                    for (int i = 0; i < w->nmetrics; i++) base[i] = median(vals[i], n);
                continue;
            }
            fprintf(stderr, "  %-32s", vs[j]->title);
            for (int i = 0; i < w->nmetrics; i++) {
                double m = median(vals[i], n);
                fprintf(stderr, "  %s %12.4g %-7s", w->metric[i], m, w->unit[i]);
                if (base[i] != 0) fprintf(stderr, "(%5.2fx)", m / base[i]);
            }
            fprintf(stderr, "\n");
        }
    }
}

static void child_main(int argc, char **argv, int i) {
    if (argc - i < 3) die("--child needs WORKLOAD VARIANT PARAM");
    const workload *w = find_workload(argv[i]);
    const variant *v = find_variant(argv[i + 1]);
    if (w == NULL || v == NULL) die("--child: unknown workload or variant");
    long param = atol(argv[i + 2]);
    warm_up(w, v, param);
    sample s = measure_here(w, v, param);
    printf("child");
    for (int k = 0; k < w->nmetrics; k++) printf(" %.9g", s.v[k]);
    printf("\n");
    fflush(stdout);
}

static void usage(void) {
    fprintf(stderr,
            "usage: ctexec_bench [--smoke] [--reps N] [--out FILE] [--workloads a,b] [--variants a,b]\n"
            "                    [--rt-n N] [--tp-n N] [--tpf-n N] [--window N] [--growth-n N]\n"
            "                    [--idle-ms MS] [--threads 1,2,4,8]\n"
            "workloads: rt tp_fire tp_future growth_fire growth_future idle\n"
            "variants:  ");
    for (int i = 0; i < NVARIANTS; i++) fprintf(stderr, "%s ", variants[i].name);
    fprintf(stderr, "\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *out = NULL, *only_w = NULL, *only_v = NULL, *threads_arg = "1,2,4,8";
    int child_at = 0;
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (n <= 0) die("readlink /proc/self/exe failed");
    self_exe[n] = 0;
    if (ctexec_version() != CTEXEC_VERSION_NUMBER) die("library and header versions differ");

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NUMOPT(flag, field) \
    if (strcmp(a, flag) == 0 && val) { cfg.field = atol(val); i++; continue; }
        NUMOPT("--rt-n", rt_n)
        NUMOPT("--tp-n", tp_n)
        NUMOPT("--tpf-n", tpf_n)
        NUMOPT("--window", window)
        NUMOPT("--growth-n", growth_n)
        NUMOPT("--idle-ms", idle_ms)
#undef NUMOPT
        if (strcmp(a, "--reps") == 0 && val) { cfg.reps = atoi(val); i++; continue; }
        if (strcmp(a, "--out") == 0 && val) { out = val; i++; continue; }
        if (strcmp(a, "--workloads") == 0 && val) { only_w = val; i++; continue; }
        if (strcmp(a, "--variants") == 0 && val) { only_v = val; i++; continue; }
        if (strcmp(a, "--threads") == 0 && val) { threads_arg = val; i++; continue; }
        if (strcmp(a, "--smoke") == 0) {
            cfg.rt_n = 300, cfg.tp_n = 4000, cfg.tpf_n = 2000, cfg.window = 16;
            cfg.growth_n = 5000, cfg.idle_ms = 20, cfg.reps = 2;
            continue;
        }
        if (strcmp(a, "--child") == 0) { child_at = i + 1; break; }
        usage();
    }
    if (cfg.rt_n < 1 || cfg.tp_n < 8 || cfg.tpf_n < 8 || cfg.window < 1 || cfg.growth_n < 1 ||
        cfg.idle_ms < 0 || cfg.reps < 1 || cfg.reps > 64)
        usage();
    if (child_at) {
        child_main(argc, argv, child_at);
        return 0;
    }

    /* The in-process ctexec variant must see the library's default spin. */
    if (getenv("CTEXEC_SPIN_NS") != NULL) {
        fprintf(stderr, "ctexec_bench: re-running without CTEXEC_SPIN_NS in the environment\n");
        unsetenv("CTEXEC_SPIN_NS");
        execv(self_exe, argv);
        die("execv: %s", strerror(errno));
    }

    int threads[16], nthreads = 0;
    for (const char *p = threads_arg; *p && nthreads < 16;) {
        threads[nthreads++] = atoi(p);
        const char *e = strchr(p, ',');
        if (!e) break;
        p = e + 1;
    }
    for (int i = 0; i < nthreads; i++)
        if (threads[i] < 1 || threads[i] > 64) usage();

    const variant *vs[32];
    int nv = 0;
    for (int i = 0; i < NVARIANTS; i++)
        if (list_has(only_v, variants[i].name)) vs[nv++] = &variants[i];
    if (nv == 0) usage();

    if (out != NULL) {
        tsv = fopen(out, "w");
        if (tsv == NULL) die("cannot write %s: %s", out, strerror(errno));
        fprintf(tsv, "# ctexec_bench samples: sample WORKLOAD VARIANT PARAM METRIC UNIT REP VALUE\n");
        fprintf(tsv, "meta\treps\t%d\nmeta\trt_n\t%ld\nmeta\ttp_n\t%ld\nmeta\ttpf_n\t%ld\n"
                     "meta\twindow\t%ld\nmeta\tgrowth_n\t%ld\nmeta\tidle_ms\t%ld\n",
                cfg.reps, cfg.rt_n, cfg.tp_n, cfg.tpf_n, cfg.window, cfg.growth_n, cfg.idle_ms);
        FILE *la = fopen("/proc/loadavg", "r");
        char labuf[128] = "";
        if (la != NULL) {
            if (fgets(labuf, sizeof labuf, la) != NULL) labuf[strcspn(labuf, "\n")] = 0;
            fclose(la);
            fprintf(tsv, "meta\tloadavg_start\t%s\n", labuf);
        }
        for (int i = 0; i < nv; i++)
            fprintf(tsv, "variant\t%s\t%s\n", vs[i]->name, vs[i]->title);
        for (int i = 0; i < NWORKLOADS; i++)
            fprintf(tsv, "workload\t%s\t%s\n", workloads[i].name, workloads[i].title);
#ifndef HAVE_GLIB
        fprintf(tsv, "missing\tglib\tbuilt without libglib2.0-dev\n");
#endif
#ifndef HAVE_LIBUV
        fprintf(tsv, "missing\tlibuv\tbuilt without libuv1-dev\n");
#endif
        fflush(tsv);
    }

    uint64_t t_start = now_ns();
    for (int wi = 0; wi < NWORKLOADS; wi++) {
        const workload *w = &workloads[wi];
        if (!list_has(only_w, w->name)) continue;
        long params[16];
        int np = 0;
        if (strncmp(w->name, "tp_", 3) == 0)
            for (int i = 0; i < nthreads; i++) params[np++] = threads[i];
        else
            params[np++] = 0;
        for (int pi = 0; pi < np; pi++) {
            /* Spin is irrelevant to a queue that is filled before run. */
            const variant *wv[32];
            int nwv = 0;
            for (int j = 0; j < nv; j++) {
                if (w->always_child && vs[j]->nospin) continue;
                if (vs[j]->call != NULL && strcmp(w->name, "rt") != 0) continue;
                if (vs[j]->only != NULL && !list_has(vs[j]->only, w->name)) continue;
                wv[nwv++] = vs[j];
            }
            fprintf(stderr, "[%6.1fs] %s param %ld:", (double)(now_ns() - t_start) / 1e9,
                    w->name, params[pi]);
            for (int j = 0; j < nwv; j++)
                if (!w->always_child && !wv[j]->nospin) warm_up(w, wv[j], params[pi]);
            for (int rep = 0; rep < cfg.reps; rep++) {
                for (int k = 0; k < nwv; k++) {
                    const variant *v = wv[(k + rep) % nwv];
                    sample s = (w->always_child || v->nospin) ? measure_in_child(w, v, params[pi])
                                                              : measure_here(w, v, params[pi]);
                    add_record(w, v, params[pi], rep, s);
                }
                fprintf(stderr, " %d", rep + 1);
            }
            fprintf(stderr, "\n");
            print_summary(w, params[pi], wv, nwv);
        }
    }

    ctexec_counts counts;
    cx_check(ctexec_live_counts(&counts), "ctexec_live_counts");
    if (counts.executors != 0 || counts.futures != 0 || counts.queued != 0)
        die("ctexec leaked: %llu executors, %llu futures, %llu queued",
            (unsigned long long)counts.executors, (unsigned long long)counts.futures,
            (unsigned long long)counts.queued);
    if (tsv != NULL) {
        fprintf(tsv, "meta\telapsed_s\t%.1f\n", (double)(now_ns() - t_start) / 1e9);
        fclose(tsv);
    }
    fprintf(stderr, "\nctexec_bench: ok, %zu samples in %.1f s\n", nrecords,
            (double)(now_ns() - t_start) / 1e9);
    return 0;
}
