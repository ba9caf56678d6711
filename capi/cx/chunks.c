/* The process-wide pool of queue chunks (CX_CHUNK_BYTES each: entries,
 * the statistics' stamps, and the link of an ingress's list of full
 * chunks; shared.h). Pushes in C grow a queue from it and the
 * owner, in Go, takes from it and returns to it (executor.Platform
 * GetChunk, PutChunk), so one pool serves both. It keeps up to
 * CX_SPARE_CHUNKS chunks whose pages are faulted in, so that short-lived
 * executors (asgiref makes one per async_to_sync call) do not pay an mmap
 * and page faults each. */
#include "shim.h"

#define CX_SPARE_CHUNKS 64 /* 6 MiB */

static uint32_t cx_chunks_lock; /* cx_mutex_lock */
static void *cx_spare[CX_SPARE_CHUNKS];
static int cx_nspare;

void *cx_chunk_get(void) {
    void *c = NULL;
    cx_mutex_lock(&cx_chunks_lock);
    if (cx_nspare > 0) c = cx_spare[--cx_nspare];
    cx_mutex_unlock(&cx_chunks_lock);
    return c != NULL ? c : cx_pages_alloc(CX_CHUNK_BYTES);
}

void cx_chunk_put(void *c) {
    cx_mutex_lock(&cx_chunks_lock);
    if (cx_nspare < CX_SPARE_CHUNKS) {
        cx_spare[cx_nspare++] = c;
        c = NULL;
    }
    cx_mutex_unlock(&cx_chunks_lock);
    if (c != NULL) cx_pages_free(c, CX_CHUNK_BYTES);
}
