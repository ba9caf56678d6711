/* Compiled as C (C99, C11, C17, C23) and as C++ (C++11, 14, 17, 20) with
 * every warning an error (tests/CMakeLists.txt, header_*): the public
 * header must be clean in all of them, and so must its initialisers, used
 * as the header documents them. */
#include "ctexec.h"

int header_check(void);
int header_check(void) {
    ctexec_counts c;
    ctexec_options o = CTEXEC_OPTIONS_INIT;
    ctexec_stats_t st = CTEXEC_STATS_INIT;
    static const ctexec_options so = CTEXEC_OPTIONS_INIT; /* a constant initialiser */
    c.executors = 0;
    o.max_queued = 4;
    return (int)c.executors + CTEXEC_OK + (int)sizeof(ctexec_future) +
           (CTEXEC_VERSION_NUMBER > 0) + (int)o.size + (int)st.size + (int)so.when_full;
}
