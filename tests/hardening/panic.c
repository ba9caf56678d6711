/* The panic guard (issue 5, item 6).
 *
 *   hard_panic <entry> [threads]
 *
 * The library reads CTEXEC_DEBUG_PANIC=<entry> once at load, and that entry
 * point then panics on purpose. The env var must be set before the library
 * loads, so this program re-executes itself (/proc/self/exe) as a child with
 * the variable set, its stdout and stderr going to temporary files, and
 * waits for it with a timeout. The child:
 *   - sets up what the entry needs through the other entry points;
 *   - calls the entry (from `threads` threads at once if given): each call
 *     returns CTEXEC_EPANIC;
 *   - calls every entry point again: all return CTEXEC_EPANIC;
 *   - checks that ctexec_strerror and ctexec_version still work;
 *   - exits normally with status 0.
 * The parent asserts: exit status 0 (the host survived), the child's
 * report is complete, and stderr holds the "libctexec: internal panic" line
 * exactly once, with a goroutine stack. With entry "none" the variable is
 * set to a name no entry has: nothing may panic and stderr stays clean.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "hard.h"

static const char *const entries[] = {"new", "submit", "run_until", "free", "future_new",
                                      "future_complete", "future_wait", "future_free"};
#define NENTRIES ((int)(sizeof entries / sizeof entries[0]))

/* ---- child -------------------------------------------------------------- */

static ctexec *ex;
static ctexec_future promise;
static const char *entry;

/* Calls `entry` once and returns its status. */
static int call_entry(void) {
    if (!strcmp(entry, "new")) {
        ctexec *e = NULL;
        int rc = ctexec_new(NULL, &e);
        if (rc == CTEXEC_OK) ctexec_free(e);
        return rc;
    }
    if (!strcmp(entry, "submit")) return ctexec_submit(ex, hard_noop_item, NULL, NULL);
    if (!strcmp(entry, "run_until")) return ctexec_run_until(ex, promise);
    if (!strcmp(entry, "free")) return ctexec_free(ex);
    if (!strcmp(entry, "future_new")) {
        ctexec_future f = 0;
        int rc = ctexec_future_new(&f);
        if (rc == CTEXEC_OK) ctexec_future_free(f);
        return rc;
    }
    if (!strcmp(entry, "future_complete")) return ctexec_future_set_result(promise, NULL);
    if (!strcmp(entry, "future_wait")) return ctexec_future_wait(promise, 0, NULL);
    if (!strcmp(entry, "future_free")) return ctexec_future_free(promise);
    FAIL("unknown entry %s", entry);
}

static hard_barrier barrier;

static void *caller_main(void *arg) {
    int *rc = arg;
    hard_barrier_wait(&barrier);
    *rc = call_entry();
    return NULL;
}

/* Every entry point, with plausible arguments: all must be EPANIC. */
static int all_entries_refuse(void) {
    ctexec *e = (ctexec *)0x1;
    ctexec_future f = 0;
    ctexec_counts c;
    int rcs[] = {
        ctexec_new(NULL, &e),
        ctexec_new(ex, &e),
        ctexec_submit(ex, hard_noop_item, NULL, NULL),
        ctexec_submit(ex, hard_noop_item, NULL, &f),
        ctexec_call(ex, hard_noop_item, NULL, NULL), /* must not block */
        ctexec_run_until(ex, promise),
        ctexec_run_until_timeout(ex, promise, 0),
        ctexec_free(ex),
        ctexec_future_new(&f),
        ctexec_future_set_result(promise, NULL),
        ctexec_future_set_error(promise, 3),
        ctexec_future_cancel(promise),
        ctexec_future_done(promise),
        ctexec_future_wait(promise, -1, NULL), /* must not block */
        ctexec_future_add_done_callback(promise, hard_noop_done, NULL),
        ctexec_future_free(promise),
        ctexec_live_counts(&c),
        ctexec_free(NULL), /* even the no-op refuses: nothing reaches Go */
    };
    int n = (int)(sizeof rcs / sizeof rcs[0]);
    for (int i = 0; i < n; i++)
        if (rcs[i] != CTEXEC_EPANIC) FAIL("later call #%d returned %d, want EPANIC", i, rcs[i]);
    CHECK(e == (ctexec *)0x1 && f == 0); /* out parameters untouched */
    return n;
}

static int child(int threads) {
    alarm(20); /* a hang in the child is a failure, not a stuck test */
    /* Set-up through entry points that do not panic. */
    if (strcmp(entry, "new") != 0) OK(ctexec_new(NULL, &ex));
    if (strcmp(entry, "future_new") != 0) OK(ctexec_future_new(&promise));
    if (!strcmp(entry, "none")) {
        /* Control: no entry panics. Exercise them all once. */
        ctexec_future f;
        OK(ctexec_future_set_result(promise, NULL));
        OK(ctexec_future_wait(promise, 0, NULL));
        OK(ctexec_run_until(ex, promise));
        OK(ctexec_future_new(&f));
        OK(ctexec_future_free(f));
        OK(ctexec_future_free(promise));
        OK(ctexec_free(ex));
        printf("child none: no panic, every entry worked\n");
        return 0;
    }
    int first;
    if (threads > 1) {
        /* Several threads enter the panicking export at once: each gets
         * EPANIC; the stack is still printed once. */
        pthread_t *ts = calloc((size_t)threads, sizeof *ts);
        int *rcs = calloc((size_t)threads, sizeof *rcs);
        hard_barrier_init(&barrier, (unsigned)threads);
        for (int i = 0; i < threads; i++) CHECK(pthread_create(&ts[i], NULL, caller_main, &rcs[i]) == 0);
        for (int i = 0; i < threads; i++) CHECK(pthread_join(ts[i], NULL) == 0);
        for (int i = 0; i < threads; i++)
            if (rcs[i] != CTEXEC_EPANIC) FAIL("thread %d: %s returned %d, want EPANIC", i, entry, rcs[i]);
        first = rcs[0];
        free(ts);
        free(rcs);
    } else if (!strcmp(entry, "submit")) {
        /* Submit from a thread that is not the owner, as a host would. */
        hard_barrier_init(&barrier, 1);
        pthread_t t;
        CHECK(pthread_create(&t, NULL, caller_main, &first) == 0);
        CHECK(pthread_join(t, NULL) == 0);
    } else {
        first = call_entry();
    }
    if (first != CTEXEC_EPANIC) FAIL("%s returned %d, want EPANIC", entry, first);
    EXPECT_RC(call_entry(), CTEXEC_EPANIC); /* again: refused in C, no new trace */
    int n = all_entries_refuse();
    CHECK(ctexec_version() == CTEXEC_VERSION_NUMBER);
    const char *s = ctexec_strerror(CTEXEC_EPANIC);
    CHECK(s != NULL && strstr(s, "panic") != NULL);
    CHECK(ctexec_strerror(CTEXEC_OK) != NULL);
    printf("child %s (%d thread%s): the call returned CTEXEC_EPANIC, then %d later calls "
           "returned CTEXEC_EPANIC; strerror and version work\n",
           entry, threads, threads == 1 ? "" : "s", n);
    printf("CHILD-OK\n");
    fflush(stdout);
    return 0;
}

/* ---- parent ------------------------------------------------------------- */

static char *slurp(int fd) {
    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    char *buf = calloc(1, (size_t)st.st_size + 1);
    CHECK(buf);
    CHECK(pread(fd, buf, (size_t)st.st_size, 0) == st.st_size);
    return buf;
}

static int count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

static int temp_fd(void) {
    char path[] = "/tmp/ctexec_panic_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    unlink(path);
    return fd;
}

static int parent(const char *which, const char *threads_arg) {
    int out = temp_fd(), err = temp_fd();
    char env_var[64];
    snprintf(env_var, sizeof env_var, "CTEXEC_DEBUG_PANIC=%s", strcmp(which, "none") ? which : "no_such_entry");
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(out, 1);
        dup2(err, 2);
        /* The library must load with the variable set: exec afresh. */
        putenv(env_var);
        char *argv[] = {"hard_panic", "--child", (char *)which, (char *)threads_arg, NULL};
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    int status = 0;
    int64_t deadline = hard_now_ns() + 30 * SEC_NS;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        CHECK(r == 0);
        if (hard_now_ns() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            FAIL("%s: child hung; killed", which);
        }
        hard_sleep_ns(5 * MS_NS);
    }
    char *o = slurp(out), *e = slurp(err);
    printf("---- child stdout ----\n%s---- child stderr ----\n%s----------------------\n", o, e);
    if (!WIFEXITED(status)) FAIL("%s: child died (signal %d): the host did not survive", which,
                                 WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    if (WEXITSTATUS(status) != 0) FAIL("%s: child exited with %d", which, WEXITSTATUS(status));
    int traces = count(e, "libctexec: internal panic");
    if (!strcmp(which, "none")) {
        if (traces != 0 || count(e, "goroutine ") != 0) FAIL("control run printed a panic");
        printf("panic[none]: no entry panicked, stderr clean\n");
    } else {
        if (traces != 1) FAIL("%s: the panic was printed %d times, want exactly once", which, traces);
        char tag[64];
        snprintf(tag, sizeof tag, "CTEXEC_DEBUG_PANIC=%s", which);
        if (count(e, tag) != 1) FAIL("%s: the trace does not name the panic once", which);
        if (count(e, "goroutine ") < 1) FAIL("%s: no stack in the trace", which);
        if (count(o, "CHILD-OK") != 1) FAIL("%s: the child did not finish its checks", which);
        printf("panic[%s%s%s]: host survived (exit 0), trace printed exactly once, every later "
               "call refused\n", which, threads_arg ? ", threads " : "", threads_arg ? threads_arg : "");
    }
    free(o);
    free(e);
    close(out);
    close(err);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 3 && !strcmp(argv[1], "--child")) {
        entry = argv[2];
        return child(argc > 3 ? atoi(argv[3]) : 1);
    }
    if (argc < 2) {
        fprintf(stderr, "usage: %s <entry|none|all> [threads]\n", argv[0]);
        return 2;
    }
    hard_watchdog(120);
    if (!strcmp(argv[1], "all")) {
        for (int i = 0; i < NENTRIES; i++) parent(entries[i], NULL);
        return parent("none", NULL);
    }
    return parent(argv[1], argc > 2 ? argv[2] : NULL);
}
