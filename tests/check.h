/* Assertion macros shared by the C test programs. A failure prints where it
 * happened and ends the process at once with status 1 (_exit, so that it is
 * safe in threads and in forked children). */
#ifndef CTEXEC_TESTS_CHECK_H
#define CTEXEC_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ctexec.h"

#define FAIL(...)                                                  \
    do {                                                           \
        fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);      \
        fprintf(stderr, __VA_ARGS__);                              \
        fprintf(stderr, "\n");                                     \
        fflush(stderr);                                            \
        _exit(1);                                                  \
    } while (0)
#define CHECK(cond) \
    do { if (!(cond)) FAIL("check failed: %s", #cond); } while (0)
#define EXPECT_RC(call, want)                                                 \
    do {                                                                      \
        int rc_ = (call);                                                     \
        if (rc_ != (want))                                                    \
            FAIL("%s returned %d (%s), want %d (%s)", #call, rc_,             \
                 ctexec_strerror(rc_), (int)(want), ctexec_strerror(want));   \
    } while (0)
#define OK(call) EXPECT_RC(call, CTEXEC_OK)

/* ---- case programs (tests/core): a table of named cases ---------------- */

typedef struct check_case {
    const char *name;
    void (*fn)(void);
} check_case;

/* The live counts when the current case started; a case may read them. */
static ctexec_counts start_counts;

static inline void counts_back_to_start(void) {
    ctexec_counts c;
    OK(ctexec_live_counts(&c));
    if (c.executors != start_counts.executors || c.futures != start_counts.futures ||
        c.queued != start_counts.queued)
        FAIL("live counts not back to start: executors %llu->%llu futures %llu->%llu queued %llu->%llu",
             (unsigned long long)start_counts.executors, (unsigned long long)c.executors,
             (unsigned long long)start_counts.futures, (unsigned long long)c.futures,
             (unsigned long long)start_counts.queued, (unsigned long long)c.queued);
}

/* `prog --list` names the cases (CTest registers one test each), `prog
 * NAME` runs one, `prog` runs all; each must leave the live counts where
 * it found them. */
static inline int run_cases(const check_case *cases, size_t n, int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++) printf("%s\n", cases[i].name);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0) continue;
        OK(ctexec_live_counts(&start_counts));
        cases[i].fn();
        counts_back_to_start();
        printf("ok %s\n", cases[i].name);
        if (argc > 1) return 0;
    }
    if (argc > 1) FAIL("no case %s", argv[1]);
    return 0;
}

#endif
