/* The GLib peer: g_main_context_invoke_full on a context the owner holds,
 * run by a GMainLoop. Built only with HAVE_GLIB. */
#include "bench.h"

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

int glib_quit_loop(void *loop) {
    g_main_loop_quit(loop);
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
    g_source_set_callback(s, glib_quit_loop, q->loop, NULL);
    g_source_attach(s, q->ctx);
    g_source_unref(s);
}

const variant variant_glib = {"glib", "GLib invoke_full", 0, gq_create, gq_destroy, gq_fire,
                              gq_submit_f, peer_wait_free, gq_run, gq_stop, NULL, NULL};
#endif
