/* Waiting on a 32-bit word, and the monotonic clock: Linux futexes. The
 * futex calls order no memory themselves; every waiter and waker in
 * libctexec publishes with a sequentially consistent or release atomic on
 * the word before it wakes, and re-reads the word with acquire after. */
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

int64_t cx_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A relative timeout as an absolute deadline; -1 is forever. */
int64_t cx_deadline(int64_t timeout_ns) {
    if (timeout_ns < 0) return -1;
    int64_t now = cx_now();
    if (timeout_ns > INT64_MAX - now) return -1; /* a huge timeout is forever */
    return now + timeout_ns;
}

/* A pause inside a spin, so that a spinning reader does not keep stealing
 * the cache line the other thread is about to write. */
void cx_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
