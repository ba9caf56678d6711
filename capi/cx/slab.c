/* Slabs: one reservation of address space each (executor slots, future
 * slots, thread records), committed from the start in steps of
 * CX_COMMIT_STEP as slots are first handed out. On Windows a reservation
 * costs no commit charge, so a process that loads the library is charged
 * only for the slots it uses; with POSIX's lazy mmap, committing is free
 * and the steps are only counted.
 *
 * committed only grows, and is stored (release) after the pages are
 * committed, so a reader that loads it (acquire) and sees an offset
 * covered may touch the memory below it. */
#include "shim.h"

#define CX_COMMIT_STEP ((size_t)64 << 10)

void cx_slab_init(cx_slab *s, size_t size) {
    s->base = cx_pages_reserve(size);
    s->size = s->base != NULL ? size : 0;
}

int cx_slab_cover(cx_slab *s, size_t bytes) {
    if (bytes <= __atomic_load_n(&s->committed, __ATOMIC_ACQUIRE)) return 1;
    if (bytes > s->size) return 0;
    cx_mutex_lock(&s->lock);
    size_t c = s->committed;
    int ok = 1;
    while (ok && c < bytes) {
        size_t step = s->size - c < CX_COMMIT_STEP ? s->size - c : CX_COMMIT_STEP;
        if (cx_pages_commit(s->base + c, step) != 0)
            ok = 0;
        else
            __atomic_store_n(&s->committed, c += step, __ATOMIC_RELEASE);
    }
    cx_mutex_unlock(&s->lock);
    return ok;
}
