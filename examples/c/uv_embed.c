/* ctexec inside a libuv loop: a uv_poll_t watches the executor's descriptor
 * and calls ctexec_run_ready with a budget, so the loop's timers and I/O
 * keep running between batches.  Usage: uv_embed [submitters] [items each] [queued] */
#include <uv.h>
#include "embed_work.h"

static uv_loop_t loop;
static uv_poll_t ready;
static uv_timer_t tick;

static void on_ready(uv_poll_t *h, int status, int events) {
    (void)events;
    if (status < 0) DIE("poll: %s", uv_strerror(status));
    /* At most 1000 items per turn; the descriptor stays readable if more
     * remain (uv_poll is level-triggered), so libuv comes back for them. */
    int rc = ctexec_run_ready(h->data, 1000, -1, NULL);
    if (rc < 0) DIE("run_ready: %s", ctexec_strerror(rc));
}

static void on_tick(uv_timer_t *t) {
    (void)t;
    work_tick();
}

static void stop(void) {
    uv_poll_stop(&ready); /* before ctexec_free closes the descriptor */
    uv_timer_stop(&tick);
    uv_close((uv_handle_t *)&ready, NULL);
    uv_close((uv_handle_t *)&tick, NULL);
}

int main(int argc, char **argv) {
    uv_loop_init(&loop);
    work_start(argc, argv, stop);
    int fd;
    if (ctexec_fd(work.ex, &fd) != CTEXEC_OK) DIE("ctexec_fd");
    uv_poll_init(&loop, &ready, fd);
    ready.data = work.ex;
    uv_poll_start(&ready, UV_READABLE, on_ready);
    uv_timer_init(&loop, &tick);
    uv_timer_start(&tick, on_tick, 1, 1);
    uv_run(&loop, UV_RUN_DEFAULT); /* returns once stop() closed both handles */
    if (uv_loop_close(&loop) != 0) DIE("uv_loop_close");
    return work_finish("libuv", 20 * 1000000);
}
