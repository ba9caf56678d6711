/* The platform layer, C side. Everything that differs by OS lives in these
 * files, and the rest of capi/ has no #ifdef:
 *
 *   platform.c           what needs no OS: deadlines, the spin pause
 *   platform_posix.c     monotonic clock, slab memory (mmap), fork guard,
 *                        seed (all but Windows)
 *   platform_windows.c   the same with QueryPerformanceCounter, VirtualAlloc
 *                        and rand_s; Windows has no fork
 *   wait_linux.c         waits on a 32-bit word: futex
 *   wait_windows.c       WaitOnAddress / WakeByAddress* (Windows 8+)
 *   wait_darwin.c        os_sync_wait_on_address (macOS 14.4+), looked up
 *                        at run time, else the parking lot
 *   parkinglot.c         the portable fallback: mutex + condvar buckets
 *   wait_parkinglot.c    makes the parking lot the wait everywhere else,
 *                        and on Linux with the tag ctexec_parkinglot (the
 *                        tests' second copy of the library)
 *
 * Thread identity is a C thread-local counter (slots.c), portable as it is.
 * The files are chosen by Go's build constraints (file name suffixes and
 * //go:build lines), so cgo compiles exactly one implementation of each.
 *
 * Fences: no wait or wake orders memory, whichever primitive it is. Every
 * waker in libctexec publishes with a sequentially consistent or release
 * atomic on the word before it wakes (cx_signal, cx_unlock and the future
 * transitions in future.c), and every sleeper re-reads the word with an
 * acquire load after the wait returns. */
#include "shim.h"

/* A relative timeout as an absolute deadline; -1 is forever. */
int64_t cx_deadline(int64_t timeout_ns) {
    if (timeout_ns < 0) return -1;
    int64_t now = cx_now();
    if (timeout_ns > INT64_MAX - now) return -1; /* a huge timeout is forever */
    return now + timeout_ns;
}

/* Sleeps ns nanoseconds (debug pauses of the tests only: no hot path). */
void cx_sleep_ns(int64_t ns) {
    uint32_t word = 0;
    for (int64_t end = cx_now() + ns, left = ns; left > 0; left = end - cx_now()) cx_wait_on(&word, 0, left);
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
