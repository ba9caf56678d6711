/* Internal to libctexec: shared by shim.c and the cgo preambles. */
#ifndef CTEXEC_SHIM_H
#define CTEXEC_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include "ctexec.h"

#define CX_HIDDEN __attribute__((visibility("hidden")))

/* Mirrors executor.Entry and executor.Ingress (checked at load). */
typedef struct cx_entry {
    uintptr_t fn, arg;
    uint64_t has_future;
} cx_entry;

typedef struct cx_ingress {
    uint32_t lock;  /* 0 free, 1 held, 2 held and contended (futex) */
    uint32_t flags; /* CX_FLAG_QUIT | CX_FLAG_WAITING, under lock */
    uint32_t wake;  /* the owner's futex word */
    uint32_t pad;
    uint64_t owner; /* the owner's thread id (shim.c, cx_self); immutable */
    cx_entry *buf;  /* under lock */
    uint64_t len, cap;
} cx_ingress;

#define CX_FLAG_QUIT 1u
#define CX_FLAG_WAITING 2u
#define CX_WAKE_SLEEPING 2u
#define CX_WAKE_SIGNALED 3u

/* The C allocation behind a ctexec*: a slot in one mmap'd slab, so a
 * pointer is validated by arithmetic and a magic number, never by reading
 * memory that might not be ours. */
struct ctexec {
    uint64_t magic;
    uint64_t handle; /* cgo.Handle of the Go-side entry */
    cx_ingress in;
};
#define CX_MAGIC_LIVE 0x63746578656331ull /* "ctexec1" */
#define CX_MAGIC_DEAD 0x646561646465ull

/* Set by the pthread_atfork child handler and by the panic guard; checked
 * by every entry point before it reaches Go. */
CX_HIDDEN extern volatile int cx_forked;
CX_HIDDEN extern volatile int cx_poisoned;
CX_HIDDEN extern const size_t cx_layout[8];

typedef struct cx_outcome {
    int rc;
    uintptr_t result;
} cx_outcome;

/* Go cannot call C function pointers; these trampolines do it. */
CX_HIDDEN cx_outcome cx_call(uintptr_t fn, uintptr_t arg);
CX_HIDDEN void cx_run_many(const cx_entry *e, size_t n);
CX_HIDDEN void cx_done(uintptr_t cb, uint64_t f, uintptr_t userdata);

/* Slots: allocated by ctexecgo_new, released by ctexec_free, and reused
 * only after a quarantine of CX_QUARANTINE other released slots. */
CX_HIDDEN struct ctexec *cx_slot_alloc(void);
CX_HIDDEN void cx_slot_release(uintptr_t slot);

#endif
