/* The exported entry points of libctexec: the one list that the export
 * checks, the panic tests and the fork tests are made from or checked
 * against, so that each of them covers every export.
 *
 *   X(function, hook)
 *
 * hook is the name CTEXEC_DEBUG_PANIC takes to make that function panic
 * on purpose, inside the library (hook() in main.go, CX_HOOK in the C
 * files); functions that share a path share its hook. `pure` marks the
 * two functions that are pure C, never fail, and keep working in a forked
 * child and after a panic.
 *
 * Made from it or checked against it:
 *   - the library's dynamic symbols, the CTEXEC_API declarations of
 *     include/ctexec.h and capi/ctexec.def (tests/exports_check.sh; the
 *     ctexec_* patterns of ctexec.map and ctexec.exports then export
 *     exactly this list);
 *   - the hook names in capi/ (tests/exports_check.sh);
 *   - tests/hardening/panic.c (one test per function with a hook, and
 *     every function refused after a panic) and tests/hardening/fork.c
 *     (every function in a forked child), which need a call_<function>
 *     for every row to compile.
 * A new export is a row here, then whatever those checks ask for.
 */
#ifndef CTEXEC_EXPORTS_H
#define CTEXEC_EXPORTS_H

#define CTEXEC_EXPORTS(X)                                   \
    X(ctexec_new, new)                                      \
    X(ctexec_new_with, new)                                 \
    X(ctexec_submit, submit)                                \
    X(ctexec_submit_timeout, submit)                        \
    X(ctexec_submit_with, submit)                           \
    X(ctexec_is_owner, is_owner)                            \
    X(ctexec_next_deadline, next_deadline)                  \
    X(ctexec_call, call)                                    \
    X(ctexec_run_until, run_until)                          \
    X(ctexec_run_until_timeout, run_until)                  \
    X(ctexec_free, free)                                    \
    X(ctexec_stats, stats)                                  \
    X(ctexec_fd, fd)                                        \
    X(ctexec_event_handle, event_handle)                    \
    X(ctexec_run_ready, run_ready)                          \
    X(ctexec_set_notify, set_notify)                        \
    X(ctexec_future_new, future_new)                        \
    X(ctexec_future_set_result, future_complete)            \
    X(ctexec_future_set_error, future_complete)             \
    X(ctexec_future_cancel, future_cancel)                  \
    X(ctexec_future_done, future_done)                      \
    X(ctexec_future_wait, future_wait)                      \
    X(ctexec_future_add_done_callback, future_add_done_callback) \
    X(ctexec_future_free, future_free)                      \
    X(ctexec_strerror, pure)                                \
    X(ctexec_version, pure)                                 \
    X(ctexec_live_counts, live_counts)

#endif
