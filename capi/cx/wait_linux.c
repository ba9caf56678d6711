//go:build !ctexec_parkinglot

/* Waits on a 32-bit word, Linux: private futexes (see platform.c). */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "shim.h"

static void cx_futex(uint32_t *addr, int op, uint32_t val, const struct timespec *ts) {
    syscall(SYS_futex, addr, op | FUTEX_PRIVATE_FLAG, val, ts, NULL, 0);
}

/* Blocks while *addr == val, at most ns nanoseconds (ns < 0: forever). May
 * return early; callers re-check. */
void cx_wait_on(uint32_t *addr, uint32_t val, int64_t ns) {
    struct timespec ts, *tsp = NULL;
    if (ns >= 0) {
        ts.tv_sec = (time_t)(ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        tsp = &ts;
    }
    cx_futex(addr, FUTEX_WAIT, val, tsp);
}

void cx_wake_one(uint32_t *addr) { cx_futex(addr, FUTEX_WAKE, 1, NULL); }
void cx_wake_all(uint32_t *addr) { cx_futex(addr, FUTEX_WAKE, 0x7fffffff, NULL); }
