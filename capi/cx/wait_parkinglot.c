//go:build !windows && (ctexec_parkinglot || !(linux || darwin))

/* Waits on a 32-bit word through the parking lot (parkinglot.c): on every
 * POSIX system without a native primitive here, and on Linux in the copy of
 * the library built with the tag ctexec_parkinglot, which the tests run the
 * whole C suite against. */
#include "shim.h"

void cx_wait_on(uint32_t *addr, uint32_t val, int64_t ns) { cx_pl_wait(addr, val, ns); }
void cx_wake_one(uint32_t *addr) { cx_pl_wake(addr, 0); }
void cx_wake_all(uint32_t *addr) { cx_pl_wake(addr, 1); }
