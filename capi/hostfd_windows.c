//go:build windows

/* Windows has no descriptor for a host to poll: ctexec_fd returns
 * CTEXEC_EINVAL there. (ctexec_event_handle, the Windows way, is not
 * implemented yet and returns CTEXEC_EINVAL too; see the header.) */
#include "shim.h"

int cx_hostfd_open(int *wfd) {
    *wfd = -1;
    return -2;
}

void cx_hostfd_raise(int wfd) { (void)wfd; }
void cx_hostfd_clear(int fd) { (void)fd; }
void cx_hostfd_close(int fd, int wfd) { (void)fd, (void)wfd; }
