/* Waits on a 32-bit word, Windows 8+: WaitOnAddress and WakeByAddress*
 * (see platform.c). The timeout is in whole milliseconds, rounded up, so
 * a timed wait never returns before its deadline for that reason alone;
 * callers re-check either way. */
#include <windows.h>
#include "shim.h"

void cx_wait_on(uint32_t *addr, uint32_t val, int64_t ns) {
    DWORD ms = INFINITE;
    if (ns >= 0) {
        int64_t m = (ns + 999999) / 1000000;
        ms = m >= (int64_t)INFINITE ? INFINITE - 1 : (DWORD)m;
    }
    WaitOnAddress(addr, &val, sizeof val, ms);
}

void cx_wake_one(uint32_t *addr) { WakeByAddressSingle(addr); }
void cx_wake_all(uint32_t *addr) { WakeByAddressAll(addr); }
