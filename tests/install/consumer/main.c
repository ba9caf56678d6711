/* Links against the installed library and header; checks they match. */
#include <stdio.h>
#include <ctexec.h>

int main(void) {
    ctexec *ex;
    ctexec_future f;
    if (ctexec_version() != CTEXEC_VERSION_NUMBER) return 1;
    if (ctexec_new(NULL, &ex) != CTEXEC_OK || ctexec_future_new(&f) != CTEXEC_OK) return 2;
    if (ctexec_future_set_result(f, NULL) != CTEXEC_OK || ctexec_run_until(ex, f) != CTEXEC_OK) return 3;
    ctexec_future_free(f);
    ctexec_free(ex);
    printf("installed ctexec %u works\n", ctexec_version());
    return 0;
}
