/* The size rule of the size-versioned structs; see abi.h. It is the rule
 * of Linux's openat2 (copy_struct_from_user): an older caller's smaller
 * struct gets defaults for what it lacks, and a newer caller's larger one
 * is accepted as long as everything this library does not know is zero,
 * which is what a newer caller that did not use the new fields passes. */
#include <string.h>
#include "abi.h"

#if UINTPTR_MAX == 0xffffffffffffffffu
_Static_assert(CX_OPTIONS_SIZE_0_2 == 48, "ctexec_options at 0.2.0 was 48 bytes");
_Static_assert(CX_STATS_SIZE_0_2 == 112, "ctexec_stats_t at 0.2.0 was 112 bytes");
#endif
_Static_assert(CX_OPTIONS_SIZE_0_2 <= sizeof(ctexec_options), "fields are only added");
_Static_assert(CX_STATS_SIZE_0_2 <= sizeof(ctexec_stats_t), "fields are only added");

int cx_abi_in(void *full, size_t known, size_t first, const void *user) {
    uint32_t size;
    memcpy(&size, user, sizeof size);
    if (size < first || size > CX_ABI_MAX_SIZE) return CTEXEC_EINVAL;
    const unsigned char *p = user;
    for (size_t i = known; i < size; i++)
        if (p[i] != 0) return CTEXEC_EINVAL;
    memset(full, 0, known);
    memcpy(full, user, size < known ? size : known);
    return CTEXEC_OK;
}

void cx_abi_out(void *user, const void *full, size_t known) {
    uint32_t size;
    memcpy(&size, full, sizeof size);
    memcpy(user, full, size < known ? size : known);
}
