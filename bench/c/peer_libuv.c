/* The libuv peer: uv_async_send plus a mutex-guarded queue that the async
 * callback swaps out whole, as libuv's own thread pool does. Built only
 * with HAVE_LIBUV. */
#include "bench.h" /* first: it defines _GNU_SOURCE */

#include <string.h>

#ifdef HAVE_LIBUV
#include <uv.h>

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

const variant variant_libuv = {"libuv", "libuv async", 0, uq_create, uq_destroy, uq_fire,
                               uq_submit_f, peer_wait_free, uq_run, uq_stop, NULL, NULL};
#endif
