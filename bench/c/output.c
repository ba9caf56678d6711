/* The samples: kept for the summary on stderr, and written as TSV lines
 * (sample WORKLOAD VARIANT PARAM METRIC UNIT REP VALUE) for bench/report. */
#include "bench.h" /* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <math.h>
#include <string.h>

typedef struct record {
    const workload *w;
    const variant *v;
    long param;
    sample s;
} record;

static record *records;
size_t nrecords;
static size_t caprecords;
static FILE *tsv;

void add_record(const workload *w, const variant *v, long param, int rep, sample s) {
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

int list_has(const char *list, const char *name) {
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

void print_summary(const workload *w, long param, const variant **vs, int nv) {
    fprintf(stderr, "\n%s", w->title);
    if (w->per_thread) fprintf(stderr, ", %ld submitter%s", param, param > 1 ? "s" : "");
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
                if (strcmp(vs[j]->name, w->base) == 0)
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

void output_open(const char *path, const variant **vs, int nv) {
    tsv = fopen(path, "w");
    if (tsv == NULL) die("cannot write %s: %s", path, strerror(errno));
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
    for (int i = 0; i < nv; i++) fprintf(tsv, "variant\t%s\t%s\n", vs[i]->name, vs[i]->title);
    for (int i = 0; i < nworkloads; i++)
        fprintf(tsv, "workload\t%s\t%s\n", workloads[i].name, workloads[i].title);
#ifndef HAVE_GLIB
    fprintf(tsv, "missing\tglib\tbuilt without libglib2.0-dev\n");
#endif
#ifndef HAVE_LIBUV
    fprintf(tsv, "missing\tlibuv\tbuilt without libuv1-dev\n");
#endif
    fflush(tsv);
}

void output_close(double elapsed_s) {
    if (tsv == NULL) return;
    fprintf(tsv, "meta\telapsed_s\t%.1f\n", elapsed_s);
    fclose(tsv);
    tsv = NULL;
}
