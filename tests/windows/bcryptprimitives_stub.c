/* TEST HARNESS ONLY, never shipped with ctexec.dll.
 *
 * Go 1.21+ runtimes load ProcessPrng from System32\bcryptprimitives.dll at
 * start-up, and Wine 8.0 (Debian 12's wine64) has no such DLL: a Go
 * c-shared DLL then dies with "bcryptprimitives.dll not found" before any
 * test runs. tests/windows/run builds this stub and copies it into the
 * test-only Wine prefix's system32. It implements ProcessPrng over
 * RtlGenRandom (advapi32's SystemFunction036), which Wine has. Real
 * Windows 10+ has the real DLL, so nothing of this belongs in a release. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
