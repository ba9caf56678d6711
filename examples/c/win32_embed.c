/* ctexec inside a Win32 message loop: the loop thread sleeps in
 * MsgWaitForMultipleObjectsEx on the executor's event handle and on its
 * own message queue. When the event is signalled it calls ctexec_run_ready
 * with a budget; a 1 ms WM_TIMER stands for the loop's own work and shows
 * it stays responsive. Built and run under Wine by tests/windows/run.
 * Usage: win32_embed [submitters] [items each] [queued] */
#include <windows.h>
#include "embed_work.h"

static void stop(void) { PostQuitMessage(0); } /* runs on the loop thread */

/* Handles every message waiting; returns 0 once WM_QUIT arrived. */
static int pump_messages(void) {
    MSG msg;
    while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) {
        if (msg.message == WM_QUIT) return 0;
        if (msg.message == WM_TIMER) work_tick();
        DispatchMessageW(&msg);
    }
    return 1;
}

int main(int argc, char **argv) {
    MSG msg;
    PeekMessageW(&msg, NULL, 0, 0, PM_NOREMOVE); /* gives this thread its queue */
    work_start(argc, argv, stop);
    void *ev;
    if (ctexec_event_handle(work.ex, &ev) != CTEXEC_OK) DIE("ctexec_event_handle");
    UINT_PTR timer = SetTimer(NULL, 0, 1, NULL); /* Windows rounds 1 ms up to 10 */
    if (timer == 0) DIE("SetTimer");
    HANDLE handles[1] = {ev};
    for (;;) {
        DWORD w = MsgWaitForMultipleObjectsEx(1, handles, INFINITE, QS_ALLINPUT, MWMO_INPUTAVAILABLE);
        if (w == WAIT_OBJECT_0) {
            int rc = ctexec_run_ready(work.ex, 1000, -1, NULL); /* 1: more remain */
            if (rc < 0) DIE("run_ready: %s", ctexec_strerror(rc));
        } else if (w != WAIT_OBJECT_0 + 1) {
            DIE("MsgWaitForMultipleObjectsEx: %lu", (unsigned long)GetLastError());
        }
        /* Every turn, not only when the wait says so: it reports the lowest
         * signalled index, so a busy executor would hide the messages. */
        if (!pump_messages()) break;
    }
    KillTimer(NULL, timer);
    /* 50 ms: a thread's CPU time advances in 10 ms steps under Wine (about
     * 16 ms on Windows), so the 20 ms of the other examples is one step. */
    return work_finish("win32", 50 * 1000000); /* frees ex, and with it ev */
}
