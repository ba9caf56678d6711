/* ctexec_bench: the variant table, the options and the run. What the
 * program measures and how is described in bench.h. */
#include "bench.h" /* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* In this order in the TSV, the summary and the report. */
static const variant *const variants[] = {
    &variant_pthread,
    &variant_pthread_batch,
#ifdef HAVE_GLIB
    &variant_glib,
#endif
#ifdef HAVE_LIBUV
    &variant_libuv,
#endif
    &variant_spin_mailbox,
    &variant_ctexec,
    &variant_ctexec_nospin,
    &variant_ctexec_call,
    &variant_ctexec_call_nospin,
    &variant_ctexec_stats,
    &variant_ctexec_bounded,
    &variant_ctexec_owner_nospin,
#ifdef HAVE_GLIB
    &variant_ctexec_glib,
#endif
#ifdef HAVE_LIBUV
    &variant_ctexec_uv,
#endif
};
#define NVARIANTS ((int)(sizeof variants / sizeof variants[0]))

const variant *find_variant(const char *name) {
    for (int i = 0; i < NVARIANTS; i++)
        if (strcmp(variants[i]->name, name) == 0) return variants[i];
    return NULL;
}

static void usage(void) {
    fprintf(stderr,
            "usage: ctexec_bench [--smoke] [--reps N] [--out FILE] [--workloads a,b] [--variants a,b]\n"
            "                    [--rt-n N] [--tp-n N] [--tpf-n N] [--window N] [--growth-n N]\n"
            "                    [--idle-ms MS] [--threads 1,2,4,8]\n"
            "workloads: ");
    for (int i = 0; i < nworkloads; i++) fprintf(stderr, "%s ", workloads[i].name);
    fprintf(stderr, "\nvariants:  ");
    for (int i = 0; i < NVARIANTS; i++) fprintf(stderr, "%s ", variants[i]->name);
    fprintf(stderr, "\n");
    exit(2);
}

typedef struct options {
    const char *out, *only_w, *only_v;
    int threads[16], nthreads;
    int child_at; /* argv index after --child, or 0 */
} options;

static void parse_threads(options *o, const char *arg) {
    for (const char *p = arg; *p && o->nthreads < 16;) {
        o->threads[o->nthreads++] = atoi(p);
        const char *e = strchr(p, ',');
        if (!e) break;
        p = e + 1;
    }
    for (int i = 0; i < o->nthreads; i++)
        if (o->threads[i] < 1 || o->threads[i] > 64) usage();
}

static options parse_options(int argc, char **argv) {
    options o = {0};
    const char *threads_arg = "1,2,4,8";
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
        if (strcmp(a, "--out") == 0 && val) { o.out = val; i++; continue; }
        if (strcmp(a, "--workloads") == 0 && val) { o.only_w = val; i++; continue; }
        if (strcmp(a, "--variants") == 0 && val) { o.only_v = val; i++; continue; }
        if (strcmp(a, "--threads") == 0 && val) { threads_arg = val; i++; continue; }
        if (strcmp(a, "--smoke") == 0) {
            cfg.rt_n = 300, cfg.tp_n = 4000, cfg.tpf_n = 2000, cfg.window = 16;
            cfg.growth_n = 5000, cfg.idle_ms = 20, cfg.reps = 2;
            continue;
        }
        if (strcmp(a, "--child") == 0) { o.child_at = i + 1; break; }
        usage();
    }
    if (cfg.rt_n < 1 || cfg.tp_n < 8 || cfg.tpf_n < 8 || cfg.window < 1 || cfg.growth_n < 1 ||
        cfg.idle_ms < 0 || cfg.reps < 1 || cfg.reps > 64)
        usage();
    parse_threads(&o, threads_arg);
    return o;
}

/* The variants that run workload w: the round-trip-only ones (with a call)
 * in the round-trip workloads only, each as its own `only` and the
 * workload's `variants` allow, and spin is irrelevant to a queue that is
 * filled before run. */
static int runs_in(const workload *w, const variant *v) {
    if (w->always_child && v->nospin) return 0;
    if (v->call != NULL && !w->round_trip) return 0;
    if (v->only != NULL && !list_has(v->only, w->name)) return 0;
    return list_has(w->variants, v->name);
}

/* Every variant in vs that runs w, cfg.reps times each, interleaved. */
static void run_workload(const workload *w, long param, const variant **vs, int nv, double t) {
    const variant *wv[32];
    int nwv = 0;
    for (int j = 0; j < nv; j++)
        if (runs_in(w, vs[j])) wv[nwv++] = vs[j];
    if (nwv == 0) return;
    fprintf(stderr, "[%6.1fs] %s param %ld:", t, w->name, param);
    for (int j = 0; j < nwv; j++)
        if (!w->always_child && !wv[j]->nospin && w->warm_up != NULL) w->warm_up(wv[j], param);
    for (int rep = 0; rep < cfg.reps; rep++) {
        for (int k = 0; k < nwv; k++) {
            const variant *v = wv[(k + rep) % nwv];
            sample s = (w->always_child || v->nospin) ? measure_in_child(w, v, param)
                                                      : w->measure(v, param);
            add_record(w, v, param, rep, s);
        }
        fprintf(stderr, " %d", rep + 1);
    }
    fprintf(stderr, "\n");
    print_summary(w, param, wv, nwv);
}

static void check_no_leaks(void) {
    ctexec_counts counts;
    cx_check(ctexec_live_counts(&counts), "ctexec_live_counts");
    if (counts.executors != 0 || counts.futures != 0 || counts.queued != 0)
        die("ctexec leaked: %llu executors, %llu futures, %llu queued",
            (unsigned long long)counts.executors, (unsigned long long)counts.futures,
            (unsigned long long)counts.queued);
}

int main(int argc, char **argv) {
    child_init();
    if (ctexec_version() != CTEXEC_VERSION_NUMBER) die("library and header versions differ");
    options o = parse_options(argc, argv);
    if (o.child_at) {
        child_main(argc, argv, o.child_at);
        return 0;
    }
    /* The in-process ctexec variant must see the library's default spin. */
    if (getenv("CTEXEC_SPIN_NS") != NULL) {
        fprintf(stderr, "ctexec_bench: re-running without CTEXEC_SPIN_NS in the environment\n");
        unsetenv("CTEXEC_SPIN_NS");
        execv(self_exe, argv);
        die("execv: %s", strerror(errno));
    }
    const variant *vs[32];
    int nv = 0;
    for (int i = 0; i < NVARIANTS; i++)
        if (list_has(o.only_v, variants[i]->name)) vs[nv++] = variants[i];
    if (nv == 0) usage();
    if (o.out != NULL) output_open(o.out, vs, nv);

    uint64_t t_start = now_ns();
    for (int wi = 0; wi < nworkloads; wi++) {
        const workload *w = &workloads[wi];
        if (!list_has(o.only_w, w->name)) continue;
        for (int pi = 0; pi < (w->per_thread ? o.nthreads : 1); pi++)
            run_workload(w, w->per_thread ? o.threads[pi] : 0, vs, nv,
                         (double)(now_ns() - t_start) / 1e9);
    }
    check_no_leaks();
    double elapsed = (double)(now_ns() - t_start) / 1e9;
    output_close(elapsed);
    fprintf(stderr, "\nctexec_bench: ok, %zu samples in %.1f s\n", nrecords, elapsed);
    return 0;
}
