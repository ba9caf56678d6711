/* The panic guard (every export, from capi/exports.h).
 *
 *   hard_panic <function|none|all> [threads]
 *
 * <function> is an exported function, with or without its ctexec_ prefix.
 * The library reads CTEXEC_DEBUG_PANIC=<hook> once at load, and the entry
 * points with that hook (capi/exports.h names each function's) then panic
 * on purpose. The variable must be set before the library loads, so this
 * program re-executes itself (/proc/self/exe) as a child with the
 * function's hook set, its stdout and stderr going to temporary files, and
 * waits for it with a timeout. The child:
 *   - sets up what the function needs through the other entry points;
 *   - calls the function (from `threads` threads at once if given; from a
 *     thread that is not the owner for submits and calls, whose hook comes
 *     after the owner check): each call returns CTEXEC_EPANIC;
 *   - calls every export again (entries.h, from the list): all return
 *     CTEXEC_EPANIC and leave their out parameters alone, and
 *     ctexec_strerror and ctexec_version still work;
 *   - exits normally with status 0.
 * The parent asserts: exit status 0 (the host survived), the child's
 * report is complete, and stderr holds the "libctexec: internal panic" line
 * exactly once, with a goroutine stack. With "none" the variable is set to
 * a name no entry has: nothing may panic and stderr stays clean.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "entries.h"

/* ---- child -------------------------------------------------------------- */

static const hard_entry *entry; /* NULL: the control run */

/* Submits and calls check the owner before their hook. */
static int off_owner(const hard_entry *e) { return !strcmp(e->hook, "submit") || !strcmp(e->hook, "call"); }

static hard_barrier barrier;

static void *caller_main(void *arg) {
    int *rc = arg;
    hard_barrier_wait(&barrier);
    *rc = entry->call();
    return NULL;
}

/* Every export, with plausible arguments: all must be EPANIC (the pure
 * ones must work), and no out parameter may be written. */
static int all_entries_refuse(void) {
    int rc, bad = hard_entries_all_return(CTEXEC_EPANIC, &rc);
    if (bad >= 0) FAIL("later call of %s returned %d, want EPANIC", hard_entries[bad].name, rc);
    EXPECT_RC(ctexec_free(NULL), CTEXEC_EPANIC); /* even the no-op refuses: nothing reaches Go */
    CHECK(entry_probes_untouched());
    return HARD_NENTRIES + 1;
}

static int child(int threads) {
    alarm(20); /* a hang in the child is a failure, not a stuck test */
    const char *hook = entry != NULL ? entry->hook : "none";
    /* Set-up through entry points that do not panic. */
    if (strcmp(hook, "new") != 0) OK(ctexec_new(NULL, &entry_ex));
    if (strcmp(hook, "future_new") != 0) OK(ctexec_future_new(&entry_future));
    if (entry == NULL) {
        /* Control: no entry panics. Exercise them all once. */
        ctexec_future f;
        OK(ctexec_future_set_result(entry_future, NULL));
        OK(ctexec_future_wait(entry_future, 0, NULL));
        OK(ctexec_run_until(entry_ex, entry_future));
        OK(ctexec_future_new(&f));
        OK(ctexec_future_free(f));
        OK(ctexec_future_free(entry_future));
        OK(ctexec_free(entry_ex));
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
            if (rcs[i] != CTEXEC_EPANIC) FAIL("thread %d: %s returned %d, want EPANIC", i, entry->name, rcs[i]);
        first = rcs[0];
        free(ts);
        free(rcs);
    } else if (off_owner(entry)) {
        /* From a thread that is not the owner, as a host would. */
        hard_barrier_init(&barrier, 1);
        pthread_t t;
        CHECK(pthread_create(&t, NULL, caller_main, &first) == 0);
        CHECK(pthread_join(t, NULL) == 0);
    } else {
        first = entry->call();
    }
    if (first != CTEXEC_EPANIC) FAIL("%s returned %d, want EPANIC", entry->name, first);
    EXPECT_RC(entry->call(), CTEXEC_EPANIC); /* again: refused in C, no new trace */
    int n = all_entries_refuse();
    printf("child %s (hook %s, %d thread%s): the call returned CTEXEC_EPANIC, then %d later calls "
           "(every export and ctexec_free(NULL)) were refused or, strerror and version, worked\n",
           entry->name, entry->hook, threads, threads == 1 ? "" : "s", n);
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

/* Runs the child for `ent` (NULL: the control run) and checks its outcome. */
static int parent(const hard_entry *ent, const char *threads_arg) {
    const char *which = ent != NULL ? ent->name : "none";
    int out = temp_fd(), err = temp_fd();
    char env_var[64];
    snprintf(env_var, sizeof env_var, "CTEXEC_DEBUG_PANIC=%s", ent != NULL ? ent->hook : "no_such_entry");
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
        snprintf(tag, sizeof tag, "CTEXEC_DEBUG_PANIC=%s", ent->hook);
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
        entry = hard_entry_named(argv[2]);
        if (entry == NULL && strcmp(argv[2], "none") != 0) FAIL("no export %s", argv[2]);
        return child(argc > 3 ? atoi(argv[3]) : 1);
    }
    if (argc < 2) {
        fprintf(stderr, "usage: %s <function|none|all> [threads]\n", argv[0]);
        return 2;
    }
    hard_watchdog(300);
    if (!strcmp(argv[1], "all")) {
        for (int i = 0; i < HARD_NENTRIES; i++)
            if (!hard_entry_is_pure(&hard_entries[i])) parent(&hard_entries[i], NULL);
        return parent(NULL, NULL);
    }
    if (!strcmp(argv[1], "none")) return parent(NULL, NULL);
    const hard_entry *e = hard_entry_named(argv[1]);
    if (e == NULL || hard_entry_is_pure(e)) FAIL("%s is not an export with a panic hook (capi/exports.h)", argv[1]);
    return parent(e, argc > 2 ? argv[2] : NULL);
}
