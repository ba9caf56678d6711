/* ctexec inside a GLib main loop, as in a GTK application: the executor's
 * descriptor is a GSource (g_unix_fd_add); when it is readable the loop
 * calls ctexec_run_ready with a budget, so its own timers and events keep
 * running between batches.  Usage: glib_embed [submitters] [items each] [queued] */
#include <glib.h>
#include <glib-unix.h>
#include "embed_work.h"

static GMainLoop *loop;

static gboolean on_ready(gint fd, GIOCondition cond, gpointer ex) {
    (void)fd;
    (void)cond;
    /* At most 1000 items per turn; if more remain the descriptor stays
     * readable and GLib calls us again after its other sources. */
    int rc = ctexec_run_ready(ex, 1000, -1, NULL);
    if (rc < 0) DIE("run_ready: %s", ctexec_strerror(rc));
    return G_SOURCE_CONTINUE;
}

static gboolean on_tick(gpointer unused) {
    (void)unused;
    work_tick();
    return G_SOURCE_CONTINUE;
}

static void stop(void) { g_main_loop_quit(loop); }

int main(int argc, char **argv) {
    loop = g_main_loop_new(NULL, FALSE);
    work_start(argc, argv, stop);
    int fd;
    if (ctexec_fd(work.ex, &fd) != CTEXEC_OK) DIE("ctexec_fd");
    guint ready = g_unix_fd_add(fd, G_IO_IN, on_ready, work.ex);
    guint tick = g_timeout_add(1, on_tick, NULL);
    g_main_loop_run(loop);
    g_source_remove(ready); /* before ctexec_free closes the descriptor */
    g_source_remove(tick);
    g_main_loop_unref(loop);
    return work_finish("glib", 20 * 1000000);
}
