//go:build linux

/* The host's signal on Linux: one eventfd (ctexec_fd), level-triggered
 * readable while its counter is not zero. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "shim.h"

const int cx_host_kind = CX_HOST_FD;

int cx_hostsig_open(intptr_t *sig, intptr_t *raise) {
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) return -1;
    *sig = *raise = fd;
    return 0;
}

void cx_hostsig_raise(intptr_t raise) {
    uint64_t one = 1;
    /* EAGAIN only if the counter is near 2^64: it is readable then. */
    while (write((int)raise, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

void cx_hostsig_clear(intptr_t sig) {
    uint64_t v;
    while (read((int)sig, &v, sizeof v) < 0 && errno == EINTR)
        ;
}

void cx_hostsig_close(intptr_t sig, intptr_t raise) {
    (void)raise;
    close((int)sig);
}
