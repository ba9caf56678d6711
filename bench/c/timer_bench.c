/*
 * timer_bench: the figures of issue 20 (timers and the urgent lane), in the
 * sample format of ctexec_bench (see bench.h), for bench/report.
 *
 *   timer_acc    lateness of N timers whose delays are spread uniformly over
 *                0-500 ms (a fixed pseudo-random sequence), submitted at once,
 *                each measured as (time it started) - (time before its
 *                submit + its delay); median, p99 and mean in ns, per rep:
 *                  ctexec_timer       the owner in ctexec_run_until (idle
 *                                     between timers);
 *                  ctexec_glib_timer  the owner runs a GMainLoop with ctexec
 *                                     embedded: a GSource polls ctexec_fd
 *                                     and its prepare sets the poll timeout
 *                                     from ctexec_next_deadline; dispatch
 *                                     calls ctexec_run_ready;
 *                  glib_timeout       GLib's g_timeout_add_full, same loop
 *                                     shape. Its interval is in ms, so each
 *                                     delay is rounded up to a whole ms and
 *                                     the lateness is measured from that
 *                                     rounded deadline (what GLib was asked
 *                                     for): GLib is not charged for the
 *                                     rounding;
 *                  glib_ready_time    a GSource with g_source_set_ready_time
 *                                     (µs deadlines): the finest GLib offers.
 *                                     GLib's poll timeout is still in ms.
 *   timer_cpu    CPU of the whole process (getrusage RUSAGE_SELF) in ms per
 *                second while the owner waits in ctexec_run_until with P
 *                timers pending 60 s out (P = 1000; P = 0 as the reference).
 *   urgent_lat   time from a submit to the start of the item (ns). In a
 *                trial the owner is held by a gate item (blocked on a
 *                condition variable) while P normal items (fire and forget)
 *                are queued behind it; once the owner is inside the gate
 *                and has been held there for gate_hold_ns, the measured
 *                item is submitted, then the gate opened (so each figure
 *                includes the owner's wake-up from the gate). The hold is
 *                the same whatever P is, so that every case wakes the
 *                owner from the same kind of sleep: measured here, an
 *                owner blocked for microseconds woke from the condition
 *                variable in about 7.5 us, one blocked for milliseconds
 *                (as behind a backlog being queued) in about 23 us, and a
 *                long block also lets the Go runtime retake the owner's P.
 *                Without the wait for the owner to be inside the gate, an
 *                empty-queue trial sometimes measured an owner that had
 *                not reached the gate yet:
 *                  urgent_empty    an urgent item, P = 0;
 *                  urgent_backlog  an urgent item, P = 100,000: it must
 *                                  not wait for them;
 *                  normal_backlog  a normal item, P = 100,000, for scale
 *                                  (it waits for the backlog);
 *                  urgent_idle     an urgent item, the queue empty and the
 *                                  owner asleep in ctexec_run_until (its
 *                                  wake-up), for scale.
 *                median and mean over the rep's trials; still_queued: the
 *                normal items not yet run when the measured item started.
 *                The urgent_empty and urgent_backlog trials alternate
 *                (10 empty-queue trials to 3 backlog ones), so that the ratio
 *                compares the same moments of a loaded machine.
 *
 *   timer_bench [--smoke] [--reps N] [--out FILE] [--idle-s S] [--backlog N]
 *               [--urgent-only]   (the urgent rows alone, for A/B runs)
 *               [--gate-hold-us US] (gate_hold_ns in µs; default 3000)
 *
 * Exit status 1 on any inconsistency (a timer early, lost or run twice, a
 * library error).
 */
#include "bench.h" /* first: it defines _GNU_SOURCE */

#include <math.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_GLIB
#include <glib-unix.h>
#endif

static int reps = 5;
static long ntimers = 1000;
static long spread_ms = 500;
static double idle_s = 2.0;
static long backlog = 100000;
static int urgent_trials = 50; /* per rep, empty queue */
static int backlog_trials = 15; /* per rep, each behind a fresh backlog */
static long gate_hold_ns = 3000000; /* the owner held in the gate before the measured submit */
static int urgent_only;         /* --urgent-only: the urgent rows alone */
static FILE *out;

static void emit(const char *w, const char *v, long p, const char *metric, const char *unit, int rep,
                 double value) {
    if (!isfinite(value)) die("%s %s %s: value is not finite", w, v, metric);
    if (out) fprintf(out, "sample\t%s\t%s\t%ld\t%s\t%s\t%d\t%.3f\n", w, v, p, metric, unit, rep, value);
}

static void variant_line(const char *name, const char *title) {
    if (out) fprintf(out, "variant\t%s\t%s\n", name, title);
}

static void sleep_ns(uint64_t ns) {
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* ---- timer accuracy ------------------------------------------------------- */

typedef struct tcase {
    uint64_t deadline; /* monotonic ns */
    int64_t late;      /* ns; set once */
    int ran;
} tcase;

typedef struct tacc {
    tcase *c;
    long n;
    atomic_long fired;
    ctexec *ex;
    ctexec_future done; /* a promise: completed by the last timer */
#ifdef HAVE_GLIB
    GMainLoop *loop;
#endif
} tacc;

static uint64_t lcg_state;
static uint64_t spread_delay_ns(void) {
    lcg_state = lcg_state * 6364136223846793005u + 1442695040888963407u;
    return (lcg_state >> 11) % ((uint64_t)spread_ms * 1000000u);
}

static void tacc_hit(tacc *t, tcase *c) {
    uint64_t now = now_ns();
    if (c->ran++) die("timer ran twice");
    if (now < c->deadline) die("timer ran %.0f ns early", (double)(c->deadline - now));
    c->late = (int64_t)(now - c->deadline);
    if (atomic_fetch_add(&t->fired, 1) + 1 == t->n) {
        if (t->done) cx_check(ctexec_future_set_result(t->done, NULL), "ctexec_future_set_result");
#ifdef HAVE_GLIB
        if (t->loop) g_main_loop_quit(t->loop);
#endif
    }
}

static tacc *tacc_cur;
static int timer_fn(void *arg, void **result) {
    (void)result;
    tacc_hit(tacc_cur, arg);
    return 0;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void tacc_report(tacc *t, const char *v, int rep) {
    int64_t *l = xmalloc(sizeof(int64_t) * (size_t)t->n);
    double sum = 0;
    for (long i = 0; i < t->n; i++) {
        if (!t->c[i].ran) die("%s: timer %ld never ran", v, i);
        l[i] = t->c[i].late;
        sum += (double)l[i];
    }
    qsort(l, (size_t)t->n, sizeof *l, cmp_i64);
    double med = (double)l[t->n / 2], p99 = (double)l[(t->n * 99) / 100], mean = sum / (double)t->n;
    emit("timer_acc", v, t->n, "median", "ns", rep, med);
    emit("timer_acc", v, t->n, "p99", "ns", rep, p99);
    emit("timer_acc", v, t->n, "mean", "ns", rep, mean);
    fprintf(stderr, "  %-18s rep %d: lateness median %8.1f us, p99 %8.1f us, mean %8.1f us, max %8.1f us\n", v,
            rep, med / 1e3, p99 / 1e3, mean / 1e3, (double)l[t->n - 1] / 1e3);
    free(l);
}

static tacc *tacc_new(void) {
    tacc *t = xmalloc(sizeof *t);
    memset(t, 0, sizeof *t);
    t->n = ntimers;
    t->c = xmalloc(sizeof(tcase) * (size_t)t->n);
    memset(t->c, 0, sizeof(tcase) * (size_t)t->n);
    atomic_init(&t->fired, 0);
    lcg_state = 0x9e3779b97f4a7c15u; /* the same delays for every variant */
    tacc_cur = t;
    return t;
}

static void tacc_free(tacc *t) {
    free(t->c);
    free(t);
    tacc_cur = NULL;
}

/* The owner submits its own timers (allowed for timers), then waits. */
static void submit_timers(tacc *t) {
    ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
    for (long i = 0; i < t->n; i++) {
        uint64_t d = spread_delay_ns() + 1;
        t->c[i].deadline = now_ns() + d;
        o.delay_ns = (int64_t)d;
        cx_check(ctexec_submit_with(t->ex, &o, timer_fn, &t->c[i], NULL), "ctexec_submit_with (timer)");
    }
}

static void acc_ctexec(int rep) {
    tacc *t = tacc_new();
    cx_check(ctexec_new(NULL, &t->ex), "ctexec_new");
    cx_check(ctexec_future_new(&t->done), "ctexec_future_new");
    submit_timers(t);
    cx_check(ctexec_run_until(t->ex, t->done), "ctexec_run_until");
    tacc_report(t, "ctexec_timer", rep);
    cx_check(ctexec_future_free(t->done), "ctexec_future_free");
    cx_check(ctexec_free(t->ex), "ctexec_free");
    tacc_free(t);
}

#ifdef HAVE_GLIB
/* ctexec in a GSource: the descriptor for queued work (a timer that came
 * due while the loop slept raises it), ctexec_next_deadline for the poll
 * timeout (GLib's is in ms: rounded up, so never early). */
typedef struct cxsource {
    GSource s;
    ctexec *ex;
} cxsource;

static gboolean cx_prepare(GSource *s, gint *timeout) {
    int64_t ns = -1;
    cx_check(ctexec_next_deadline(((cxsource *)s)->ex, &ns), "ctexec_next_deadline");
    *timeout = ns < 0 ? -1 : (gint)((ns + 999999) / 1000000);
    return ns == 0;
}

static gpointer cx_tag;
static gboolean cx_check_tag(GSource *s) {
    int64_t ns = -1;
    cx_check(ctexec_next_deadline(((cxsource *)s)->ex, &ns), "ctexec_next_deadline");
    return ns == 0 || (g_source_query_unix_fd(s, cx_tag) & G_IO_IN) != 0;
}

static gboolean cx_dispatch(GSource *s, GSourceFunc cb, gpointer data) {
    (void)cb, (void)data;
    int rc = ctexec_run_ready(((cxsource *)s)->ex, 0, -1, NULL);
    if (rc < 0) cx_check(rc, "ctexec_run_ready");
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs cx_funcs = {cx_prepare, cx_check_tag, cx_dispatch, NULL, NULL, NULL};

static void acc_ctexec_glib(int rep) {
    tacc *t = tacc_new();
    GMainContext *ctx = g_main_context_new();
    if (!g_main_context_acquire(ctx)) die("g_main_context_acquire failed");
    t->loop = g_main_loop_new(ctx, FALSE);
    cx_check(ctexec_new(NULL, &t->ex), "ctexec_new");
    int fd = -1;
    cx_check(ctexec_fd(t->ex, &fd), "ctexec_fd");
    cxsource *s = (cxsource *)g_source_new(&cx_funcs, sizeof(cxsource));
    s->ex = t->ex;
    cx_tag = g_source_add_unix_fd(&s->s, fd, G_IO_IN);
    g_source_attach(&s->s, ctx);
    submit_timers(t);
    g_main_loop_run(t->loop);
    tacc_report(t, "ctexec_glib_timer", rep);
    g_source_destroy(&s->s);
    g_source_unref(&s->s);
    g_main_loop_unref(t->loop);
    g_main_context_release(ctx);
    g_main_context_unref(ctx);
    cx_check(ctexec_free(t->ex), "ctexec_free");
    tacc_free(t);
}

static gboolean glib_timer_fn(gpointer arg) {
    tacc_hit(tacc_cur, arg);
    return G_SOURCE_REMOVE;
}

static void acc_glib_timeout(int rep) {
    tacc *t = tacc_new();
    GMainContext *ctx = g_main_context_new();
    if (!g_main_context_acquire(ctx)) die("g_main_context_acquire failed");
    t->loop = g_main_loop_new(ctx, FALSE);
    for (long i = 0; i < t->n; i++) {
        uint64_t d = spread_delay_ns() + 1;
        guint ms = (guint)((d + 999999) / 1000000); /* GLib's interval is in ms */
        t->c[i].deadline = now_ns() + (uint64_t)ms * 1000000u;
        GSource *src = g_timeout_source_new(ms);
        g_source_set_callback(src, glib_timer_fn, &t->c[i], NULL);
        g_source_attach(src, ctx);
        g_source_unref(src);
    }
    g_main_loop_run(t->loop);
    tacc_report(t, "glib_timeout", rep);
    g_main_loop_unref(t->loop);
    g_main_context_release(ctx);
    g_main_context_unref(ctx);
    tacc_free(t);
}

static gboolean ready_dispatch(GSource *s, GSourceFunc cb, gpointer data) {
    (void)s;
    cb(data);
    return G_SOURCE_REMOVE;
}
static GSourceFuncs ready_funcs = {NULL, NULL, ready_dispatch, NULL, NULL, NULL};

static void acc_glib_ready_time(int rep) {
    tacc *t = tacc_new();
    GMainContext *ctx = g_main_context_new();
    if (!g_main_context_acquire(ctx)) die("g_main_context_acquire failed");
    t->loop = g_main_loop_new(ctx, FALSE);
    for (long i = 0; i < t->n; i++) {
        uint64_t d = spread_delay_ns() + 1;
        /* g_get_monotonic_time is CLOCK_MONOTONIC in µs on Linux. */
        gint64 at_us = g_get_monotonic_time() + (gint64)((d + 999) / 1000);
        t->c[i].deadline = (uint64_t)at_us * 1000u;
        GSource *src = g_source_new(&ready_funcs, sizeof(GSource));
        g_source_set_callback(src, glib_timer_fn, &t->c[i], NULL);
        g_source_set_ready_time(src, at_us);
        g_source_attach(src, ctx);
        g_source_unref(src);
    }
    g_main_loop_run(t->loop);
    tacc_report(t, "glib_ready_time", rep);
    g_main_loop_unref(t->loop);
    g_main_context_release(ctx);
    g_main_context_unref(ctx);
    tacc_free(t);
}
#endif

/* ---- CPU with pending timers ----------------------------------------------- */

typedef struct cpuarg {
    ctexec_future done;
    double cpu_ms_per_s;
} cpuarg;

static void *cpu_watch(void *p) {
    cpuarg *a = p;
    sleep_ns(50000000); /* the owner settles into its wait */
    double c0 = cpu_us(RUSAGE_SELF);
    uint64_t t0 = now_ns();
    sleep_ns((uint64_t)(idle_s * 1e9));
    double c1 = cpu_us(RUSAGE_SELF);
    uint64_t t1 = now_ns();
    a->cpu_ms_per_s = (c1 - c0) / 1e3 / ((double)(t1 - t0) / 1e9);
    cx_check(ctexec_future_set_result(a->done, NULL), "ctexec_future_set_result");
    return NULL;
}

static int never_fn(void *arg, void **result) {
    (void)arg, (void)result;
    die("a timer 60 s out ran");
}

static void cpu_pending(long n, int rep) {
    ctexec *ex;
    cx_check(ctexec_new(NULL, &ex), "ctexec_new");
    cpuarg a = {0, 0};
    cx_check(ctexec_future_new(&a.done), "ctexec_future_new");
    ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
    for (long i = 0; i < n; i++) {
        o.delay_ns = 60000000000LL + i * 1000000LL;
        cx_check(ctexec_submit_with(ex, &o, never_fn, NULL, NULL), "ctexec_submit_with (timer)");
    }
    pthread_t th;
    start_thread(&th, cpu_watch, &a);
    cx_check(ctexec_run_until(ex, a.done), "ctexec_run_until"); /* quit cancels the timers */
    pthread_join(th, NULL);
    emit("timer_cpu", "ctexec_timer", n, "cpu_ms_per_s", "ms/s", rep, a.cpu_ms_per_s);
    fprintf(stderr, "  %ld timers pending 60 s out, rep %d: %.3f ms CPU per s over %.1f s\n", n, rep,
            a.cpu_ms_per_s, idle_s);
    cx_check(ctexec_future_free(a.done), "ctexec_future_free");
    cx_check(ctexec_free(ex), "ctexec_free");
}

/* ---- the urgent lane ------------------------------------------------------- */

static atomic_ullong started_at; /* set by the measured item */
static atomic_long normals_run;
static atomic_long normals_at_mark; /* normals_run when the marked item started */
/* The gate: an item that blocks the owner (on a condition variable, so
 * that no thread spins on a loaded machine) until the driver opens it. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate;
static int gate_entered; /* the owner is inside gate_fn (under gate_mu) */

static int mark_fn(void *arg, void **result) {
    (void)arg, (void)result;
    atomic_store(&normals_at_mark, atomic_load(&normals_run));
    atomic_store(&started_at, now_ns());
    return 0;
}
static int normal_fn(void *arg, void **result) {
    (void)arg, (void)result;
    atomic_fetch_add_explicit(&normals_run, 1, memory_order_relaxed);
    return 0;
}
static int gate_fn(void *arg, void **result) {
    (void)arg, (void)result;
    pthread_mutex_lock(&gate_mu);
    gate_entered = 1;
    while (gate) pthread_cond_wait(&gate_cv, &gate_mu);
    gate_entered = 0;
    pthread_mutex_unlock(&gate_mu);
    return 0;
}

/* Waits (sleeping) until the owner is inside the gate: with gate_mu held
 * and gate_entered set, it is in (or entering) the condition wait. */
static void gate_wait_entered(void) {
    for (;;) {
        pthread_mutex_lock(&gate_mu);
        int in = gate_entered;
        pthread_mutex_unlock(&gate_mu);
        if (in) return;
        sleep_ns(20000);
    }
}

static void gate_set(int closed) {
    pthread_mutex_lock(&gate_mu);
    gate = closed;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

/* Waits (sleeping: the owner needs the CPU) until the marked item started. */
static uint64_t wait_started(void) {
    uint64_t at;
    while ((at = atomic_load(&started_at)) == 0) sleep_ns(20000);
    return at;
}

typedef struct urgarg {
    ctexec *ex;
    ctexec_future done;
    int rep;
} urgarg;

/* One trial: the owner is held by a gate item while n normal items are
 * queued behind it; once it is inside the gate, and after gate_hold_ns
 * there whatever n is (the baseline and the backlog case wake the owner
 * from the same kind of sleep), the marked item is submitted with flags
 * and the gate released. Returns the time from that submit to the marked
 * item's start, and sets *still_queued to the normal items not yet run
 * then. */
static double gated_trial(ctexec *ex, long n, uint32_t flags, long *still_queued) {
    ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
    o.flags = flags;
    gate_set(1);
    atomic_store(&normals_run, 0);
    atomic_store(&started_at, 0);
    cx_check(ctexec_submit(ex, gate_fn, NULL, NULL), "ctexec_submit (gate)");
    for (long k = 0; k < n; k++) cx_check(ctexec_submit(ex, normal_fn, NULL, NULL), "ctexec_submit");
    gate_wait_entered();
    sleep_ns(gate_hold_ns);
    uint64_t t0 = now_ns();
    cx_check(ctexec_submit_with(ex, &o, mark_fn, NULL, NULL), "ctexec_submit_with");
    gate_set(0);
    uint64_t at = wait_started();
    *still_queued = n - atomic_load(&normals_at_mark);
    while (atomic_load(&normals_run) < n) sleep_ns(100000);
    return (double)(at - t0);
}

/* The owner idle (asleep after its spin), the queue empty. */
static double idle_trial(ctexec *ex) {
    ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
    o.flags = CTEXEC_SUBMIT_URGENT;
    atomic_store(&started_at, 0);
    uint64_t t0 = now_ns();
    cx_check(ctexec_submit_with(ex, &o, mark_fn, NULL, NULL), "ctexec_submit_with");
    return (double)(wait_started() - t0);
}

static void emit_lat(const char *v, double *lat, int n, int rep) {
    double sum = 0;
    for (int i = 0; i < n; i++) sum += lat[i];
    double med = median(lat, n);
    emit("urgent_lat", v, backlog, "median", "ns", rep, med);
    emit("urgent_lat", v, backlog, "mean", "ns", rep, sum / n);
    fprintf(stderr, "  %-15s rep %d: median %9.1f us, mean %9.1f us (%d trials)\n", v, rep, med / 1e3,
            sum / n / 1e3, n);
}

static void emit_behind(const char *v, double behind_sum, int rep) {
    /* How much of the backlog was still queued when the item started: the
     * proof that it was measured behind one. */
    emit("urgent_lat", v, backlog, "still_queued", "items", rep, behind_sum / backlog_trials);
    fprintf(stderr, "  %-15s rep %d: %.0f normal items still queued when it started (mean)\n", v, rep,
            behind_sum / backlog_trials);
}

static void *urgent_driver(void *p) {
    urgarg *a = p;
    double *lat = xmalloc(sizeof(double) * (size_t)urgent_trials);
    double *blat = xmalloc(sizeof(double) * (size_t)backlog_trials);
    long behind;
    for (int i = 0; i < urgent_trials; i++) {
        sleep_ns(2000000);
        lat[i] = idle_trial(a->ex);
    }
    emit_lat("urgent_idle", lat, urgent_trials, a->rep);
    /* urgent_empty and urgent_backlog, whose ratio is the target, are
     * interleaved evenly, so that both sample the same moments of a
     * machine that others load. */
    double behind_sum = 0;
    for (int ie = 0, ib = 0; ie < urgent_trials || ib < backlog_trials;) {
        if (ib < backlog_trials && (ie >= urgent_trials || (long)ib * urgent_trials <= (long)ie * backlog_trials)) {
            blat[ib++] = gated_trial(a->ex, backlog, CTEXEC_SUBMIT_URGENT, &behind);
            behind_sum += (double)behind;
        } else {
            lat[ie++] = gated_trial(a->ex, 0, CTEXEC_SUBMIT_URGENT, &behind);
        }
    }
    emit_lat("urgent_empty", lat, urgent_trials, a->rep);
    emit_lat("urgent_backlog", blat, backlog_trials, a->rep);
    emit_behind("urgent_backlog", behind_sum, a->rep);
    behind_sum = 0;
    for (int i = 0; i < backlog_trials; i++) {
        blat[i] = gated_trial(a->ex, backlog, 0, &behind);
        behind_sum += (double)behind;
    }
    emit_lat("normal_backlog", blat, backlog_trials, a->rep);
    emit_behind("normal_backlog", behind_sum, a->rep);
    free(lat);
    free(blat);
    cx_check(ctexec_future_set_result(a->done, NULL), "ctexec_future_set_result");
    return NULL;
}

static void urgent_lat(int rep) {
    urgarg a = {NULL, 0, rep};
    cx_check(ctexec_new(NULL, &a.ex), "ctexec_new");
    cx_check(ctexec_future_new(&a.done), "ctexec_future_new");
    pthread_t th;
    start_thread(&th, urgent_driver, &a);
    cx_check(ctexec_run_until(a.ex, a.done), "ctexec_run_until");
    pthread_join(th, NULL);
    cx_check(ctexec_future_free(a.done), "ctexec_future_free");
    cx_check(ctexec_free(a.ex), "ctexec_free");
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv) {
    const char *outpath = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) {
            /* The same counts (the report's targets name them), less time. */
            reps = 1, spread_ms = 50, idle_s = 0.2;
            urgent_trials = 5, backlog_trials = 2;
        } else if (strcmp(argv[i], "--gate-hold-us") == 0 && i + 1 < argc) {
            gate_hold_ns = atol(argv[++i]) * 1000;
        } else if (strcmp(argv[i], "--urgent-only") == 0) {
            urgent_only = 1;
        } else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            outpath = argv[++i];
        } else if (strcmp(argv[i], "--backlog") == 0 && i + 1 < argc) {
            backlog = atol(argv[++i]);
        } else if (strcmp(argv[i], "--idle-s") == 0 && i + 1 < argc) {
            idle_s = atof(argv[++i]);
        } else {
            fprintf(stderr, "usage: timer_bench [--smoke] [--reps N] [--out FILE] [--idle-s S] [--backlog N] [--urgent-only]\n"
                            "                   [--gate-hold-us US]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 64 || !(idle_s > 0) || backlog < 1 || gate_hold_ns < 0) die("bad arguments");
    if (outpath) {
        out = fopen(outpath, "w");
        if (!out) die("cannot write %s", outpath);
        fprintf(out, "# timer_bench samples: sample WORKLOAD VARIANT PARAM METRIC UNIT REP VALUE\n");
        fprintf(out, "meta\ttimers\t%ld\nmeta\tspread_ms\t%ld\nmeta\tidle_s\t%.1f\nmeta\tbacklog\t%ld\n", ntimers,
                spread_ms, idle_s, backlog);
        fprintf(out, "meta\tgate_hold_us\t%ld\n", gate_hold_ns / 1000);
        variant_line("ctexec_timer", "ctexec timers (ctexec_run_until)");
        variant_line("ctexec_glib_timer", "ctexec timers in a GLib loop (fd + next_deadline)");
        variant_line("glib_timeout", "GLib g_timeout_add (ms)");
        variant_line("glib_ready_time", "GLib g_source_set_ready_time (µs)");
        variant_line("urgent_idle", "urgent item, empty queue, owner asleep");
        variant_line("urgent_empty", "urgent item, empty queue");
        variant_line("urgent_backlog", "urgent item behind the backlog");
        variant_line("normal_backlog", "normal item behind the backlog");
#ifndef HAVE_GLIB
        fprintf(out, "missing\tctexec_glib_timer\tbuilt without GLib\n");
        fprintf(out, "missing\tglib_timeout\tbuilt without GLib\n");
        fprintf(out, "missing\tglib_ready_time\tbuilt without GLib\n");
#endif
    }
    fprintf(stderr, "timer accuracy: %ld timers spread over 0-%ld ms\n", ntimers, spread_ms);
    for (int rep = 0; rep < reps && !urgent_only; rep++) {
        acc_ctexec(rep);
#ifdef HAVE_GLIB
        acc_ctexec_glib(rep);
        acc_glib_timeout(rep);
        acc_glib_ready_time(rep);
#endif
    }
    fprintf(stderr, "CPU with timers pending\n");
    for (int rep = 0; rep < (reps < 3 ? reps : 3) && !urgent_only; rep++) {
        cpu_pending(ntimers, rep);
        cpu_pending(0, rep);
    }
    fprintf(stderr, "urgent lane, backlog %ld\n", backlog);
    for (int rep = 0; rep < reps; rep++) urgent_lat(rep);

    ctexec_counts counts;
    cx_check(ctexec_live_counts(&counts), "ctexec_live_counts");
    if (counts.executors != 0 || counts.futures != 0 || counts.queued != 0)
        die("ctexec leaked: %llu executors, %llu futures, %llu queued", (unsigned long long)counts.executors,
            (unsigned long long)counts.futures, (unsigned long long)counts.queued);
    if (out && fclose(out) != 0) die("cannot write %s", outpath);
    return 0;
}
