//go:build !linux && !windows

/* The host's signal on other POSIX systems (macOS, the BSDs): a
 * non-blocking pipe (ctexec_fd). The host polls the read end; a raise
 * writes a byte unless the pipe is full (it is readable then); a clear
 * drains it. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include "shim.h"

const int cx_host_kind = CX_HOST_FD;

static int cx_nonblocking_cloexec(int fd) {
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ? -1 : 0;
}

int cx_hostsig_open(intptr_t *sig, intptr_t *raise) {
    int p[2];
    if (pipe(p) != 0) return -1;
    if (cx_nonblocking_cloexec(p[0]) != 0 || cx_nonblocking_cloexec(p[1]) != 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    *sig = p[0];
    *raise = p[1];
    return 0;
}

void cx_hostsig_raise(intptr_t raise) {
    char b = 1;
    while (write((int)raise, &b, 1) < 0 && errno == EINTR)
        ;
}

void cx_hostsig_clear(intptr_t sig) {
    char buf[64];
    for (;;) {
        ssize_t n = read((int)sig, buf, sizeof buf);
        if (n > 0 || (n < 0 && errno == EINTR)) continue;
        return; /* empty (EAGAIN) */
    }
}

void cx_hostsig_close(intptr_t sig, intptr_t raise) {
    close((int)sig);
    close((int)raise);
}
