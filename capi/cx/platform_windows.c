/* Platform layer, Windows (see platform.c): clock, memory, seed. Windows
 * has no fork, so there is no fork guard. */
#define _CRT_RAND_S
#include <stdlib.h>
#include <windows.h>
#include "shim.h"

int64_t cx_now(void) {
    static LARGE_INTEGER freq;
    LARGE_INTEGER c;
    if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq); /* idempotent: a race is harmless */
    QueryPerformanceCounter(&c);
    return (int64_t)(c.QuadPart / freq.QuadPart) * 1000000000 +
           (int64_t)(c.QuadPart % freq.QuadPart) * 1000000000 / freq.QuadPart;
}

/* Zeroed memory, committed: it counts against the process's commit
 * charge from now on, so only for what is used at once (queue chunks). */
void *cx_pages_alloc(size_t size) {
    return VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

/* Address space only: no commit charge until cx_pages_commit. */
void *cx_pages_reserve(size_t size) { return VirtualAlloc(NULL, size, MEM_RESERVE, PAGE_NOACCESS); }

int cx_pages_commit(void *p, size_t size) {
    return VirtualAlloc(p, size, MEM_COMMIT, PAGE_READWRITE) != NULL ? 0 : -1;
}

void cx_pages_free(void *p, size_t size) {
    (void)size;
    VirtualFree(p, 0, MEM_RELEASE);
}

void cx_fork_guard(void (*child)(void)) { (void)child; }

uint64_t cx_random64(void) {
    unsigned int a = 0, b = 0;
    rand_s(&a);
    rand_s(&b);
    return (uint64_t)a << 32 | b;
}

long cx_ncpus(void) {
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return (long)si.dwNumberOfProcessors;
}
