//go:build !linux && !windows

/* The host's descriptor on other POSIX systems (macOS, the BSDs): a
 * non-blocking pipe. The host polls the read end; a raise writes a byte
 * unless the pipe is full (it is readable then); a clear drains it. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "shim.h"

static int cx_nonblocking_cloexec(int fd) {
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ? -1 : 0;
}

int cx_hostfd_open(int *wfd) {
    int p[2];
    if (pipe(p) != 0) return -1;
    if (cx_nonblocking_cloexec(p[0]) != 0 || cx_nonblocking_cloexec(p[1]) != 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    *wfd = p[1];
    return p[0];
}

void cx_hostfd_raise(int wfd) {
    char b = 1;
    while (write(wfd, &b, 1) < 0 && errno == EINTR)
        ;
}

void cx_hostfd_clear(int fd) {
    char buf[64];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0 || (n < 0 && errno == EINTR)) continue;
        return; /* empty (EAGAIN) */
    }
}

void cx_hostfd_close(int fd, int wfd) {
    close(fd);
    close(wfd);
}
