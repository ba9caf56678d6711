//go:build !windows

/* Platform layer, POSIX (see platform.c): clock, memory, fork guard, seed. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <sys/random.h> /* getentropy */
#endif
#include "shim.h"

int64_t cx_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Zeroed memory, reserved now and backed by pages only as they are touched. */
void *cx_pages_alloc(size_t size) {
    void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON | MAP_NORESERVE, -1, 0);
    return m == MAP_FAILED ? NULL : m;
}

void cx_pages_free(void *p, size_t size) { munmap(p, size); }

/* With MAP_NORESERVE, reserving is allocating: pages are backed as they
 * are touched, so committing has nothing to do. */
void *cx_pages_reserve(size_t size) { return cx_pages_alloc(size); }

int cx_pages_commit(void *p, size_t size) {
    (void)p;
    (void)size;
    return 0;
}

void cx_fork_guard(void (*child)(void)) { pthread_atfork(NULL, NULL, child); }

uint64_t cx_random64(void) {
    uint64_t v = 0;
    if (getentropy(&v, sizeof v) != 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        v = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&v ^ (uint64_t)getpid();
    }
    return v;
}

long cx_ncpus(void) { return sysconf(_SC_NPROCESSORS_ONLN); }
