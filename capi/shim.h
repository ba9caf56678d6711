/* Internal to libctexec: shared by shim.c and the cgo preambles. */
#ifndef CTEXEC_SHIM_H
#define CTEXEC_SHIM_H

#include <stdint.h>
#include "ctexec.h"

#define CX_HIDDEN __attribute__((visibility("hidden")))

/* The C allocation behind a ctexec*. It holds the cgo.Handle of the Go
 * executor entry; Go validates a ctexec* by its address before it ever
 * reads this memory, so forged and freed pointers are never dereferenced. */
struct ctexec {
    uint64_t magic;
    uint64_t handle;
};
#define CX_MAGIC_LIVE 0x63746578656331ull /* "ctexec1" */
#define CX_MAGIC_DEAD 0x646561646465ull

/* Set by the pthread_atfork child handler and by the panic guard; checked
 * by every entry point before it reaches Go. */
CX_HIDDEN extern volatile int cx_forked;
CX_HIDDEN extern volatile int cx_poisoned;

typedef struct cx_outcome {
    int rc;
    uintptr_t result;
} cx_outcome;

/* Go cannot call C function pointers; these trampolines do it. */
CX_HIDDEN cx_outcome cx_call(uintptr_t fn, uintptr_t arg);
CX_HIDDEN void cx_done(uintptr_t cb, uint64_t f, uintptr_t userdata);

#endif
