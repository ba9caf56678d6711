/* Executor slots and thread identity: the C allocation behind every
 * ctexec* (struct ctexec, shim.h), validated by arithmetic and a magic
 * number, and the caller's thread id that ownership is checked against. */
#include <pthread.h>
#include <string.h>
#include "shim.h"

/* Thread identity: a number given to each thread on its first call and never
 * reused. pthread_self() is not enough: glibc hands an exited thread's
 * pthread_t to the next thread it creates, which would then pass for the
 * owner of the dead thread's executors. */
static uint64_t cx_next_tid;
static __thread uint64_t cx_tid;

uint64_t cx_self(void) {
    if (cx_tid == 0) cx_tid = __atomic_add_fetch(&cx_next_tid, 1, __ATOMIC_RELAXED);
    return cx_tid;
}

/* ---- the slab ------------------------------------------------------------ */

/* 2^18 slots of 320 bytes: 80 MiB of address space, reserved at the first
 * ctexec_new and committed as slots are first handed out (slab.c). */
#define CX_SLOTS (1u << 18)
#define CX_QUARANTINE 256

static cx_slab cx_slots;
static struct ctexec *cx_slots_base;    /* published once reserved */
static pthread_mutex_t cx_slab_mu = PTHREAD_MUTEX_INITIALIZER;
static uint32_t cx_slab_used;           /* slots ever handed out; stored after their commit */
static uint32_t cx_free_ring[CX_SLOTS]; /* released slots, FIFO */
static uint32_t cx_free_head, cx_free_len;

struct ctexec *cx_slot_alloc(void) {
    struct ctexec *s = NULL;
    pthread_mutex_lock(&cx_slab_mu);
    if (cx_slots_base == NULL) {
        cx_slab_init(&cx_slots, (size_t)CX_SLOTS * sizeof(struct ctexec));
        if (cx_slots.base != NULL) __atomic_store_n(&cx_slots_base, (struct ctexec *)cx_slots.base, __ATOMIC_RELEASE);
    }
    if (cx_slots_base != NULL) {
        /* Reuse a released slot only past the quarantine, so a stale
         * pointer keeps failing validation for a while. */
        if (cx_free_len > CX_QUARANTINE || (cx_slab_used == CX_SLOTS && cx_free_len > 0)) {
            s = &cx_slots_base[cx_free_ring[cx_free_head]];
            cx_free_head = (cx_free_head + 1) % CX_SLOTS;
            cx_free_len--;
        } else if (cx_slab_used < CX_SLOTS &&
                   cx_slab_cover(&cx_slots, (size_t)(cx_slab_used + 1) * sizeof(struct ctexec))) {
            s = &cx_slots_base[cx_slab_used];
            __atomic_store_n(&cx_slab_used, cx_slab_used + 1, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&cx_slab_mu);
    if (s != NULL) memset(s, 0, sizeof *s);
    return s;
}

void cx_slot_release(uintptr_t slot) {
    struct ctexec *s = (struct ctexec *)slot;
    pthread_mutex_lock(&cx_slab_mu);
    cx_free_ring[(cx_free_head + cx_free_len) % CX_SLOTS] = (uint32_t)(s - cx_slots_base);
    cx_free_len++;
    pthread_mutex_unlock(&cx_slab_mu);
}

/* Returns ex if it is a live executor, else NULL, without reading any
 * memory outside the slots handed out (the rest of the slab may not be
 * committed). */
struct ctexec *cx_valid(ctexec *ex) {
    struct ctexec *base = __atomic_load_n(&cx_slots_base, __ATOMIC_ACQUIRE);
    uintptr_t a = (uintptr_t)ex, b = (uintptr_t)base;
    if (base == NULL || a < b || (a - b) % sizeof(struct ctexec) != 0 ||
        (a - b) / sizeof(struct ctexec) >= __atomic_load_n(&cx_slab_used, __ATOMIC_ACQUIRE))
        return NULL;
    if (__atomic_load_n(&ex->magic, __ATOMIC_ACQUIRE) != CX_MAGIC_LIVE) return NULL;
    return ex;
}

