/* The spin mailbox: the floor for a round trip with both threads on CPU.
 *
 * Two flags, each on its own cache line and written by one thread only: the
 * caller counts the calls it has made in req, the owner counts the calls it
 * has answered in ans. The caller publishes fn and arg with req (release);
 * the owner publishes the result with ans (release). Nobody sleeps, there is
 * no queue and nothing is allocated: no real executor can beat it. Round
 * trip only. */
#include "bench.h" /* first: it defines _GNU_SOURCE */

#include <string.h>

typedef struct mq {
    _Alignas(64) atomic_ulong req; /* the caller's line */
    work_fn fn;
    void *arg;
    _Alignas(64) atomic_ulong ans; /* the owner's line */
    void *result;
    _Alignas(64) atomic_int stop;
} mq;

static void *mq_create(void) {
    mq *q = aligned_alloc(64, sizeof(mq));
    if (q == NULL) die("out of memory (mailbox)");
    memset(q, 0, sizeof *q);
    atomic_init(&q->req, 0);
    atomic_init(&q->ans, 0);
    atomic_init(&q->stop, 0);
    return q;
}

static void mq_destroy(void *q) { free(q); }

/* One caller at a time: req is the caller's own counter, so a relaxed read
 * of it is exact. */
static void *mq_call(void *p, work_fn fn, void *arg) {
    mq *q = p;
    unsigned long n = atomic_load_explicit(&q->req, memory_order_relaxed) + 1;
    q->fn = fn;
    q->arg = arg;
    atomic_store_explicit(&q->req, n, memory_order_release);
    while (atomic_load_explicit(&q->ans, memory_order_acquire) != n) cpu_relax();
    return q->result;
}

static void mq_run(void *p) {
    mq *q = p;
    unsigned long served = atomic_load_explicit(&q->ans, memory_order_relaxed);
    for (;;) {
        unsigned long n = atomic_load_explicit(&q->req, memory_order_acquire);
        if (n != served) {
            q->result = NULL;
            q->fn(q->arg, &q->result);
            served = n;
            atomic_store_explicit(&q->ans, n, memory_order_release);
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
}

const variant variant_spin_mailbox = {
    "spin_mailbox", "C spin mailbox (both spin)", 0, mq_create, mq_destroy, mq_unused_fire,
    mq_unused_submit, mq_unused_wait, mq_run, mq_stop, mq_call, NULL};
