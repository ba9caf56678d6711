/* The bad-input matrix: the driver.
 *
 *   hard_matrix            run every row, print the table, fail on mismatch
 *   hard_matrix --markdown print the table as Markdown (docs/guarantees.md)
 *
 * Each row names the call, the bad input and the status the contract
 * promises; its function performs the call (setting up whatever it needs on
 * fresh objects) and returns the status it got. Some rows also check a side
 * effect (the callback never ran, the out parameter is untouched, the
 * object still works afterwards) and fail on the spot if it is wrong. None
 * may crash or hang: a watchdog fails the run after 60 s. At the end the
 * live counts must be back to where they started.
 *
 * The rows live beside their functions, one file per API area, and are
 * numbered in the order of the areas below; docs/guarantees.md quotes the
 * numbered table (the docs_bad_input_table test diffs it). The area files
 * are included here rather than compiled apart, so that hard_matrix stays
 * one source file to the build scripts that compile each test program from
 * a single file (tests/windows/run, tests/darwin/run).
 */
#include "matrix.h"

#include "matrix_handles.c"
#include "matrix_threads.c"
#include "matrix_future.c"
#include "matrix_call.c"
#include "matrix_embed.c"
#include "matrix_options.c"
#include "matrix_submit_with.c"
#include "matrix_deadlock.c"

static const struct area {
    const struct row *rows;
    int n;
} areas[] = {
    {MATRIX_ROWS(handle_rows)}, {MATRIX_ROWS(thread_rows)}, {MATRIX_ROWS(future_rows)},
    {MATRIX_ROWS(call_rows)},   {MATRIX_ROWS(embed_rows)},  {MATRIX_ROWS(option_rows)}, {MATRIX_ROWS(submit_with_rows)},
    {MATRIX_ROWS(deadlock_rows)},
};

static void status_text(int st, char *buf, size_t n) {
    if (st > 0) snprintf(buf, n, "%d (host code)", st);
    else snprintf(buf, n, "%s", hard_status_name(st));
}

/* Runs one row, numbered n; returns whether it got the promised status. */
static int run_row(const struct row *r, int n, int markdown) {
    int got = r->run();
    char want_s[40], got_s[40];
    status_text(r->want, want_s, sizeof want_s);
    status_text(got, got_s, sizeof got_s);
    if (markdown) {
        printf("| %d | `%s` | %s | `%s` |\n", n, r->call, r->input, want_s);
    } else {
        printf("%-4s %2d  %-32s %-62s want %-20s got %s\n", got == r->want ? "ok" : "FAIL", n,
               r->call, r->input, want_s, got_s);
    }
    return got == r->want;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int markdown = argc > 1 && strcmp(argv[1], "--markdown") == 0;
    hard_watchdog(60);
    ctexec_counts start = hard_counts();
    int n = 0, failed = 0;
    if (markdown) printf("| # | call | bad input | status |\n|---|---|---|---|\n");
    for (size_t a = 0; a < sizeof areas / sizeof areas[0]; a++)
        for (int i = 0; i < areas[a].n; i++)
            if (!run_row(&areas[a].rows[i], ++n, markdown)) failed++;
    hard_counts_back_to(start);
    printf("matrix: %d cases, %d failed\n", n, failed);
    return failed ? 1 : 0;
}
