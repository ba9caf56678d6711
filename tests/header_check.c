/* Compiled as C99 and as C++11 with every warning an error: the public
 * header must be clean in both. */
#include "ctexec.h"

int header_check(void);
int header_check(void) {
    ctexec_counts c;
    c.executors = 0;
    return (int)c.executors + CTEXEC_OK + (int)sizeof(ctexec_future) +
           (CTEXEC_VERSION_NUMBER > 0);
}
