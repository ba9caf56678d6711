/* Assertion macros shared by the C test programs. A failure prints where it
 * happened and ends the process at once with status 1 (_exit, so that it is
 * safe in threads and in forked children). */
#ifndef CTEXEC_TESTS_CHECK_H
#define CTEXEC_TESTS_CHECK_H

#include <stdio.h>
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

#endif
