/* ctexec inside a plain epoll loop, no library: the executor's descriptor
 * is one more epoll entry (level-triggered, the default), and a timerfd
 * stands for the loop's own work. When the descriptor is readable the loop
 * calls ctexec_run_ready with a budget, then goes back to epoll_wait.
 * Usage: epoll_embed [submitters] [items each] [queued] */
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include "embed_work.h"

static int running = 1;

static void stop(void) { running = 0; }

int main(int argc, char **argv) {
    work_start(argc, argv, stop);
    int fd, ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0 || ctexec_fd(work.ex, &fd) != CTEXEC_OK) DIE("setup");
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    struct itimerspec every_ms = {{0, 1000000}, {0, 1000000}};
    if (tfd < 0 || timerfd_settime(tfd, 0, &every_ms, NULL) != 0) DIE("timerfd");
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    ev.data.fd = tfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    while (running) {
        struct epoll_event got[2];
        int n = epoll_wait(ep, got, 2, -1);
        for (int i = 0; i < n; i++) {
            if (got[i].data.fd == tfd) {
                uint64_t expirations;
                if (read(tfd, &expirations, sizeof expirations) > 0) work_tick();
            } else {
                int rc = ctexec_run_ready(work.ex, 1000, -1, NULL); /* 1: more remain */
                if (rc < 0) DIE("run_ready: %s", ctexec_strerror(rc));
            }
        }
    }
    close(tfd);
    close(ep); /* before ctexec_free closes the descriptor */
    return work_finish("epoll", 20 * 1000000);
}
