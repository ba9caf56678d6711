/*
 * ctexec_bench: ctexec against in-tree peers, same workloads, one run.
 *
 * Every variant implements the same small interface (create a queue on the
 * owner thread, submit fire-and-forget, submit with a completion, run until
 * stopped, stop). The workloads drive that interface only, so each variant
 * pays for exactly the same work: one call of the same callback per item, on
 * the owner thread.
 *
 * Files, one responsibility each:
 *   bench.h          this interface, shared by every file;
 *   common.c         utilities, the callback, the peers' per-item completion;
 *   peer_pthread.c   pthread (ring buffer, owner pops one item per lock and
 *                    sleeps on a condvar: the baseline of every ratio) and
 *                    pthread_batch (the owner swaps out the whole queue);
 *   peer_glib.c      glib: g_main_context_invoke_full, run by a GMainLoop;
 *   peer_libuv.c     libuv: uv_async_send plus a mutex-guarded queue that the
 *                    async callback swaps out (as libuv's thread pool does);
 *   peer_mailbox.c   spin_mailbox: two flags where both threads spin and
 *                    nobody sleeps, the floor for a round trip with both
 *                    threads on CPU; round trip only;
 *   peer_ctexec.c    ctexec through the public header: default spin,
 *                    CTEXEC_SPIN_NS=0 (nospin: always in a child process,
 *                    because the library reads the variable once, at load),
 *                    ctexec_call, statistics on, bounded, and a waiter that
 *                    owns an executor (deadlock-checked waits);
 *   peer_embedded.c  ctexec embedded in a GLib / libuv loop that watches
 *                    ctexec_fd and calls ctexec_run_ready (1000 per turn);
 *   workloads.c      the workloads and their measurements;
 *   child.c          measurements in a fresh child process;
 *   output.c         samples, the TSV file and the summary on stderr;
 *   ctexec_bench.c   the variant table, options and main.
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
#ifndef CTEXEC_BENCH_H
#define CTEXEC_BENCH_H

#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctexec.h"

/* ---- utilities (common.c) ------------------------------------------------ */

__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
void *xmalloc(size_t n);
uint64_t now_ns(void);
double cpu_us(int who); /* RUSAGE_SELF or RUSAGE_THREAD, user + system */
long rss_bytes(void);
int cmp_u64(const void *a, const void *b);
double median(const double *v, int n);
void start_thread(pthread_t *t, void *(*fn)(void *), void *arg);
void cx_check(int rc, const char *what); /* dies unless rc is CTEXEC_OK */

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* ---- the work: one callback, the same for every variant ------------------- */

/* Same shape as ctexec_fn, so ctexec gets the callback untouched and the
 * peers call exactly the same function. arg points at a counter that only
 * the owner thread writes. */
typedef int (*work_fn)(void *arg, void **result);
int work_count(void *arg, void **result);

/* ---- per-item completion for the peers: the analogue of a ctexec future --- */

typedef struct completion completion;
completion *completion_new(void);
void completion_complete(completion *c, int rc, void *result);
void *peer_wait_free(uintptr_t token); /* token: a completion */

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

void vec_grow(vec *q);

static inline void vec_push(vec *q, item it) {
    if (q->len == q->cap) vec_grow(q);
    q->v[q->len++] = it;
}

/* ---- the variant interface ------------------------------------------------ */

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
     * Variants that have it are measured in the round-trip workloads only. */
    void *(*call)(void *q, work_fn fn, void *arg);
    /* Optional: the workloads it runs in (comma-separated; NULL: all). */
    const char *only;
} variant;

/* Each peer file defines its variants; ctexec_bench.c lists them in order. */
extern const variant variant_pthread, variant_pthread_batch;
#ifdef HAVE_GLIB
extern const variant variant_glib;
#endif
#ifdef HAVE_LIBUV
extern const variant variant_libuv;
#endif
extern const variant variant_spin_mailbox;
extern const variant variant_ctexec, variant_ctexec_nospin, variant_ctexec_call,
    variant_ctexec_call_nospin, variant_ctexec_stats, variant_ctexec_bounded,
    variant_ctexec_owner_nospin;
#ifdef HAVE_GLIB
extern const variant variant_ctexec_glib;
#endif
#ifdef HAVE_LIBUV
extern const variant variant_ctexec_uv;
#endif

const variant *find_variant(const char *name);

/* The ctexec variant's queue and functions, which the embedded variants
 * reuse for submits and waits (peer_ctexec.c). */
typedef struct cq {
    ctexec *ex;
    ctexec_future done;
} cq;
void cq_destroy(void *q);
void cq_fire(void *q, work_fn fn, void *arg);
uintptr_t cq_submit_f(void *q, work_fn fn, void *arg);
void *cq_wait_free(uintptr_t token);

#ifdef HAVE_GLIB
#include <glib.h>
int glib_quit_loop(void *loop); /* a GSourceFunc: quits the GMainLoop */
#endif

/* ---- workloads (workloads.c) ---------------------------------------------- */

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
    int round_trip;   /* the variants with a call run here (and only here) */
    int per_thread;   /* the parameter is the number of submitter threads */
    const char *variants; /* the variants it runs (comma-separated; NULL: all) */
    const char *base;     /* the summary's ratios are to this variant */
    sample (*measure)(const variant *v, long param);
    void (*warm_up)(const variant *v, long param); /* untimed first use; NULL: none */
} workload;

extern const workload workloads[];
extern const int nworkloads;
const workload *find_workload(const char *name);

/* Settings; --smoke shrinks them. */
struct bench_config {
    long rt_n;      /* round trips per measurement */
    long tp_n;      /* items per throughput measurement, all submitters */
    long tpf_n;     /* items per throughput-with-future measurement */
    long window;    /* futures a submitter keeps in flight before waiting */
    long growth_n;  /* items queued before run */
    long idle_ms;   /* how long the idle owner waits */
    int reps;
};
extern struct bench_config cfg;

/* ---- where a measurement runs ------------------------------------------- */

void child_init(void); /* finds this program's path, for the children */
sample measure_in_child(const workload *w, const variant *v, long param);
void child_main(int argc, char **argv, int i); /* the child's side */
extern char self_exe[4096];

/* ---- output (output.c) ---------------------------------------------------- */

int list_has(const char *list, const char *name);
void output_open(const char *path, const variant **vs, int nv);
void add_record(const workload *w, const variant *v, long param, int rep, sample s);
void print_summary(const workload *w, long param, const variant **vs, int nv);
void output_close(double elapsed_s);
extern size_t nrecords;

#endif
