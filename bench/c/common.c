/* Utilities, the callback every variant runs, and the peers' completion. */
#include "bench.h" /* first: it defines _GNU_SOURCE */

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ctexec_bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

void *xmalloc(size_t n) {
    void *p = malloc(n);
    if (p == NULL) die("out of memory (%zu bytes)", n);
    return p;
}

uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double cpu_us(int who) {
    struct rusage ru;
    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
}

long rss_bytes(void) {
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

int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

double median(const double *v, int n) {
    double *c = xmalloc(sizeof(double) * (size_t)n);
    memcpy(c, v, sizeof(double) * (size_t)n);
    qsort(c, (size_t)n, sizeof(double), cmp_double);
    double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    free(c);
    return m;
}

void start_thread(pthread_t *t, void *(*fn)(void *), void *arg) {
    int rc = pthread_create(t, NULL, fn, arg);
    if (rc != 0) die("pthread_create: %s", strerror(rc));
}

void cx_check(int rc, const char *what) {
    if (rc != CTEXEC_OK) die("%s: %s (%d)", what, ctexec_strerror(rc), rc);
}

int work_count(void *arg, void **result) {
    (*(long *)arg)++;
    *result = arg;
    return 0;
}

struct completion {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    int rc;
    void *result;
};

completion *completion_new(void) {
    completion *c = xmalloc(sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->done = 0;
    c->rc = 0;
    c->result = NULL;
    return c;
}

/* Signals under the lock: the waiter frees c as soon as it sees done. */
void completion_complete(completion *c, int rc, void *result) {
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

void *peer_wait_free(uintptr_t token) { return completion_wait_free((completion *)token); }

void vec_grow(vec *q) {
    q->cap = q->cap ? q->cap * 2 : 64;
    item *n = realloc(q->v, q->cap * sizeof(item));
    if (n == NULL) die("out of memory (queue of %zu)", q->cap);
    q->v = n;
}
