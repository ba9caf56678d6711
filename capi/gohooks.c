/* Fills the machinery's table of Go entry points (capi/cx/shim.h, cx_go)
 * with this package's exports (main.go). It runs as a load-time
 * constructor, so the table is set before any entry point can run: it
 * stores addresses only and does not enter Go. */
#include "shim.h"
#include "_cgo_export.h"

static const cx_go_table table = {
    .debug_panic = ctexecgo_debug_panic,
    .new_exec = ctexecgo_new,
    .taker = ctexecgo_taker,
    .submit = ctexecgo_submit,
    .stats = ctexecgo_stats,
    .run_until = ctexecgo_run_until,
    .run_resume = ctexecgo_run_resume,
    .run_ready = ctexecgo_run_ready,
    .chain_live = ctexecgo_chain_live,
    .attach = ctexecgo_attach,
    .free_exec = ctexecgo_free,
    .live_counts = ctexecgo_live_counts,
};

__attribute__((constructor)) static void cx_install_go_table(void) { cx_go = &table; }
