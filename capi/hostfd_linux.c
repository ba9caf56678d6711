//go:build linux

/* The host's descriptor on Linux: one eventfd, level-triggered readable
 * while its counter is not zero. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "shim.h"

int cx_hostfd_open(int *wfd) {
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    *wfd = fd;
    return fd;
}

void cx_hostfd_raise(int wfd) {
    uint64_t one = 1;
    /* EAGAIN only if the counter is near 2^64: it is readable then. */
    while (write(wfd, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

void cx_hostfd_clear(int fd) {
    uint64_t v;
    while (read(fd, &v, sizeof v) < 0 && errno == EINTR)
        ;
}

void cx_hostfd_close(int fd, int wfd) {
    (void)wfd;
    close(fd);
}
