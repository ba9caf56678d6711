/* ctexec embedded in a host loop: the owner runs the host's own loop,
 * GLib's or libuv's, which watches ctexec_fd and calls ctexec_run_ready
 * with a budget of 1000 items per turn; submits and waits are ctexec's, as
 * in the ctexec variant. The struct begins with a cq so that the cq_*
 * submit functions serve it. */
#include "bench.h" /* first: it defines _GNU_SOURCE */

#include <string.h>

#if defined(HAVE_GLIB) || defined(HAVE_LIBUV)
#ifdef HAVE_GLIB
#include <glib-unix.h>
#endif
#ifdef HAVE_LIBUV
#include <uv.h>
#endif

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
    g_source_set_callback(s, glib_quit_loop, q->loop, NULL);
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

#ifdef HAVE_GLIB
const variant variant_ctexec_glib = {"ctexec_glib", "ctexec in a GLib loop (fd + run_ready)", 0,
                                     eg_create, eg_destroy, cq_fire, cq_submit_f, cq_wait_free,
                                     eg_run, eg_stop, NULL, NULL};
#endif
#ifdef HAVE_LIBUV
const variant variant_ctexec_uv = {"ctexec_uv", "ctexec in a libuv loop (uv_poll + run_ready)", 0,
                                   eu_create, eu_destroy, cq_fire, cq_submit_f, cq_wait_free,
                                   eu_run, eu_stop, NULL, NULL};
#endif
#endif
