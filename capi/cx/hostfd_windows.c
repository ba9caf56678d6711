//go:build windows

/* The host's signal on Windows: a manual-reset event (ctexec_event_handle;
 * Windows has no descriptor to poll, so ctexec_fd is CTEXEC_EINVAL). It
 * stays signalled until reset, which is what level-triggered means for a
 * WaitForMultipleObjects or MsgWaitForMultipleObjectsEx loop. Raising a
 * signalled event and resetting a reset one are no-ops. */
#include <windows.h>
#include "shim.h"

const int cx_host_kind = CX_HOST_EVENT;

int cx_hostsig_open(intptr_t *sig, intptr_t *raise) {
    HANDLE h = CreateEventW(NULL, TRUE, FALSE, NULL); /* manual reset, unsignalled */
    if (h == NULL) return -1;
    *sig = *raise = (intptr_t)h;
    return 0;
}

void cx_hostsig_raise(intptr_t raise) { SetEvent((HANDLE)raise); }
void cx_hostsig_clear(intptr_t sig) { ResetEvent((HANDLE)sig); }

void cx_hostsig_close(intptr_t sig, intptr_t raise) {
    (void)raise;
    CloseHandle((HANDLE)sig);
}
