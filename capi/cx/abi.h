/* Internal to libctexec: the size rule of the size-versioned structs
 * (ctexec_options, ctexec_stats_t), written once in abi.c. include/ctexec.h
 * states it for callers, under "Size-versioned structs". */
#ifndef CTEXEC_ABI_H
#define CTEXEC_ABI_H

#include <stddef.h>
#include <stdint.h>
#include "ctexec.h"

#if defined(_WIN32)
#define CX_ABI_HIDDEN
#else
#define CX_ABI_HIDDEN __attribute__((visibility("hidden")))
#endif

/* The first released size of each struct (0.2.0): the end of its last
 * field then. 48 and 112 bytes on 64-bit targets. These never change;
 * fields added later go after them. */
#define CX_OPTIONS_SIZE_0_2 (offsetof(ctexec_options, stall_userdata) + sizeof(void *))
#define CX_STATS_SIZE_0_2 (offsetof(ctexec_stats_t, idle_ns) + sizeof(int64_t))

/* The largest size accepted: a size read from garbage is refused before
 * any byte past the known struct is read (openat2's cap is a page too). */
#define CX_ABI_MAX_SIZE 4096u

/* cx_abi_in copies the caller's struct `user`, whose first member is its
 * uint32_t size, into `full` (this library's struct, `known` bytes): the
 * caller's bytes, and zero (every field's default) for the fields the
 * caller's header did not have. CTEXEC_EINVAL, with `full` untouched, for
 * a size below `first` (the first released size), above CX_ABI_MAX_SIZE,
 * or above `known` with a non-zero byte past `known` (a field this library
 * does not know was set: it cannot honour it). */
CX_ABI_HIDDEN int cx_abi_in(void *full, size_t known, size_t first, const void *user);

/* cx_abi_out writes `full` (`known` bytes, filled by the library, its size
 * member the caller's as cx_abi_in copied it) back to `user`: only the
 * caller's size, so a caller with an older header gets the fields it has;
 * a newer caller's bytes past `known` stay as they were (zero, which
 * cx_abi_in checked). */
CX_ABI_HIDDEN void cx_abi_out(void *user, const void *full, size_t known);

#define CX_ABI_IN(full, first, user) cx_abi_in(&(full), sizeof(full), (first), (user))
#define CX_ABI_OUT(user, full) cx_abi_out((user), &(full), sizeof(full))

#endif
