/* The pthread peers, the baseline of every ratio: a queue under a mutex
 * whose owner sleeps on a condvar. */
#include "bench.h"

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

const variant variant_pthread = {"pthread", "pthread mutex/condvar", 0, pq_create, pq_destroy,
                                 pq_fire, pq_submit_f, peer_wait_free, pq_run, pq_stop, NULL, NULL};
const variant variant_pthread_batch = {"pthread_batch", "pthread, batch drain", 0, bq_create,
                                       bq_destroy, bq_fire, bq_submit_f, peer_wait_free, bq_run,
                                       bq_stop, NULL, NULL};
