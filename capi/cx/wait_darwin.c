//go:build !ctexec_parkinglot

/* Waits on a 32-bit word, macOS: os_sync_wait_on_address and its wake
 * calls (macOS 14.4+, <os/os_sync_wait_on_address.h>), looked up with dlsym
 * once at load so that the library still loads on older systems, where the
 * parking lot serves instead. The choice is made before any wait and never
 * changes, so every waiter and waker of a word use the same primitive.
 * Never __ulock_wait: it is private API, and apps that ship it risk App
 * Store rejection. */
#include <dlfcn.h>
#include "shim.h"

#define CX_OS_CLOCK_MACH_ABSOLUTE_TIME 32 /* os_clockid_t */

static int (*cx_os_wait)(void *, uint64_t, size_t, uint32_t);
static int (*cx_os_wait_timeout)(void *, uint64_t, size_t, uint32_t, uint32_t, uint64_t);
static int (*cx_os_wake_any)(void *, size_t, uint32_t);
static int (*cx_os_wake_all)(void *, size_t, uint32_t);
static int cx_os_sync; /* 1: all four were found */

__attribute__((constructor)) static void cx_wait_init(void) {
    cx_os_wait = dlsym(RTLD_DEFAULT, "os_sync_wait_on_address");
    cx_os_wait_timeout = dlsym(RTLD_DEFAULT, "os_sync_wait_on_address_with_timeout");
    cx_os_wake_any = dlsym(RTLD_DEFAULT, "os_sync_wake_by_address_any");
    cx_os_wake_all = dlsym(RTLD_DEFAULT, "os_sync_wake_by_address_all");
    cx_os_sync = cx_os_wait && cx_os_wait_timeout && cx_os_wake_any && cx_os_wake_all;
}

void cx_wait_on(uint32_t *addr, uint32_t val, int64_t ns) {
    if (!cx_os_sync) {
        cx_pl_wait(addr, val, ns);
    } else if (ns < 0) {
        cx_os_wait(addr, val, sizeof *addr, 0);
    } else {
        cx_os_wait_timeout(addr, val, sizeof *addr, 0, CX_OS_CLOCK_MACH_ABSOLUTE_TIME, (uint64_t)ns);
    }
}

void cx_wake_one(uint32_t *addr) {
    if (cx_os_sync) cx_os_wake_any(addr, sizeof *addr, 0);
    else cx_pl_wake(addr, 0);
}

void cx_wake_all(uint32_t *addr) {
    if (cx_os_sync) cx_os_wake_all(addr, sizeof *addr, 0);
    else cx_pl_wake(addr, 1);
}
