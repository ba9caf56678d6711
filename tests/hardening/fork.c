/* fork() after heavy use.
 *
 *   hard_fork after_heavy_use | while_running | from_callback
 *
 * A Go runtime does not survive fork(). In the child every export must
 * return CTEXEC_EFORK at once, without entering Go (where it would hang),
 * and ctexec_strerror/ctexec_version must still work. The child arms
 * alarm(1), calls every export of capi/exports.h (entries.h) with real
 * handles inherited from the parent (a live executor, a pending and a done
 * future), requires all of them to return CTEXEC_EFORK within 1 s in
 * total, reports through a pipe with write(2) only, and _exit()s. The parent waits with a timeout and
 * kills a hung child. Then the parent goes on working: it runs more items
 * on the same executor and checks that the live counts are back to start.
 *
 *   after_heavy_use  thousands of items from 4 threads, then fork from main
 *   while_running    fork 20 times from a submitter while the owner runs
 *                    and 3 other threads submit
 *   from_callback    fork from inside a callback running on the owner
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "entries.h"

static pthread_t owner;
static ctexec *ex;
static ctexec_future pending; /* a promise nobody completes before the end */
static ctexec_future done;    /* a completed promise */

/* In the child: every export (entries.h, made from capi/exports.h), then
 * report and _exit. Only calls that are safe after fork in a
 * multithreaded process are made here besides the library's own (strcmp,
 * snprintf on ints, write, _exit). */
static void child_checks(int wfd) {
    alarm(1); /* a call that enters the dead Go runtime hangs: SIGALRM kills */
    int64_t t0 = hard_now_ns();
    entry_ex = ex;
    entry_future = pending;
    int rc = 0, bad = hard_entries_all_return(CTEXEC_EFORK, &rc);
    /* The same functions on other states: NULL, a done future. */
    int extra[] = {
        ctexec_free(NULL),
        ctexec_submit(ex, hard_noop_item, NULL, NULL),
        ctexec_run_until(ex, done),
        ctexec_future_done(done),
        ctexec_future_wait(done, 0, NULL),
        ctexec_future_add_done_callback(done, hard_noop_done, NULL),
        ctexec_future_free(done),
    };
    int n_extra = (int)(sizeof extra / sizeof extra[0]), bad_extra = -1;
    for (int i = 0; i < n_extra; i++)
        if (extra[i] != CTEXEC_EFORK && bad_extra < 0) bad_extra = i;
    int64_t dt = hard_now_ns() - t0;
    int ok = bad < 0 && bad_extra < 0 && entry_probes_untouched() && dt < SEC_NS;
    char msg[200];
    int len = snprintf(msg, sizeof msg, "%s calls=%d bad=%s rc=%d bad_extra=%d dt_ns=%lld probes=%d\n",
                       ok ? "EFORK-ALL" : "WRONG", HARD_NENTRIES + n_extra, bad < 0 ? "none" : hard_entries[bad].name,
                       bad < 0 ? 0 : rc, bad_extra, (long long)dt, entry_probes_untouched());
    if (write(wfd, msg, (size_t)len) != len) _exit(3);
    _exit(ok ? 0 : 1);
}

static atomic_int forks_done;
static int64_t max_child_ns;

/* Forks a child that runs child_checks; waits for it (5 s, then kill). */
static void fork_and_check(const char *where) {
    int p[2];
    CHECK(pipe(p) == 0);
    int64_t t0 = hard_now_ns();
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        child_checks(p[1]);
    }
    close(p[1]);
    int status = 0;
    int64_t deadline = t0 + 5 * SEC_NS;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno == EINTR) continue;
        CHECK(r == 0);
        if (hard_now_ns() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            FAIL("fork %s: the child hung for 5 s; killed", where);
        }
        hard_sleep_ns(MS_NS);
    }
    int64_t dt = hard_now_ns() - t0;
    if (dt > max_child_ns) max_child_ns = dt;
    char msg[200] = {0};
    ssize_t got = read(p[0], msg, sizeof msg - 1);
    close(p[0]);
    if (WIFSIGNALED(status))
        FAIL("fork %s: the child was killed by signal %d (SIGALRM: an entry point hung)", where,
             WTERMSIG(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got <= 0 || strncmp(msg, "EFORK-ALL", 9) != 0)
        FAIL("fork %s: child status %d, report: %s", where, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
             got > 0 ? msg : "(none)");
    if (atomic_fetch_add(&forks_done, 1) == 0) printf("fork %s: child: %s", where, msg);
}

/* ---- a mixed workload --------------------------------------------------- */

static atomic_long ran, off_owner;

static int count_item(void *arg, void **result) {
    if (!pthread_equal(pthread_self(), owner)) atomic_fetch_add(&off_owner, 1);
    atomic_fetch_add(&ran, 1);
    *result = arg;
    return (int)((uintptr_t)arg % 3); /* some fail with host codes 1 and 2 */
}

static int fork_item(void *arg, void **result) {
    (void)arg;
    (void)result;
    fork_and_check("from a callback on the owner");
    return 0;
}

struct sub {
    int id, per_thread;
    int forks;       /* how many times this thread forks while submitting */
    int in_callback; /* also submit one item that forks on the owner */
};

static void *submitter_main(void *p) {
    struct sub *s = p;
    ctexec_future fs[64];
    int nf = 0;
    for (int i = 0; i < s->per_thread; i++) {
        uintptr_t tag = (uintptr_t)(s->id * s->per_thread + i);
        if (i % 2) {
            OK(ctexec_submit(ex, count_item, (void *)tag, NULL));
        } else {
            OK(ctexec_submit(ex, count_item, (void *)tag, &fs[nf++]));
        }
        if (s->forks && i % (s->per_thread / s->forks) == s->per_thread / s->forks / 2)
            fork_and_check("from a submitter while the owner runs");
        if (s->in_callback && i == s->per_thread / 2) {
            ctexec_future f;
            OK(ctexec_submit(ex, fork_item, NULL, &f));
            EXPECT_RC(ctexec_future_wait(f, 10 * SEC_NS, NULL), CTEXEC_OK);
            OK(ctexec_future_free(f));
        }
        if (nf == 64 || i + 1 == s->per_thread) {
            for (int j = 0; j < nf; j++) {
                int rc = ctexec_future_wait(fs[j], 10 * SEC_NS, NULL);
                if (rc == CTEXEC_ETIMEDOUT) FAIL("a waiter hung 10 s");
                CHECK(rc == CTEXEC_OK || rc == 1 || rc == 2);
                OK(ctexec_future_free(fs[j]));
            }
            nf = 0;
        }
    }
    return NULL;
}

struct run {
    int threads, per_thread, forks, in_callback;
    ctexec_future stop;
};

static void *stopper_main(void *p) {
    struct run *r = p;
    pthread_t ts[8];
    struct sub subs[8];
    for (int i = 0; i < r->threads; i++) {
        subs[i] = (struct sub){i, r->per_thread, i == 0 ? r->forks : 0, i == 0 && r->in_callback};
        CHECK(pthread_create(&ts[i], NULL, submitter_main, &subs[i]) == 0);
    }
    for (int i = 0; i < r->threads; i++) CHECK(pthread_join(ts[i], NULL) == 0);
    OK(ctexec_future_set_result(r->stop, NULL));
    return NULL;
}

/* Runs `threads` x `per_thread` items through a new executor (left in ex,
 * quit but not freed); thread 0 forks `forks` times along the way, and
 * with in_callback has one item fork on the owner. */
static void workload(int threads, int per_thread, int forks, int in_callback) {
    struct run r = {threads, per_thread, forks, in_callback, 0};
    long before = atomic_load(&ran);
    OK(ctexec_future_new(&r.stop));
    ctexec *e;
    OK(ctexec_new(NULL, &e));
    ex = e;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, stopper_main, &r) == 0);
    OK(ctexec_run_until(e, r.stop));
    CHECK(pthread_join(t, NULL) == 0);
    OK(ctexec_future_free(r.stop));
    CHECK(atomic_load(&ran) - before == (long)threads * per_thread);
    CHECK(atomic_load(&off_owner) == 0);
}

static void make_handles(void) {
    OK(ctexec_future_new(&pending));
    OK(ctexec_future_new(&done));
    OK(ctexec_future_set_result(done, NULL));
}

static void free_handles(void) {
    OK(ctexec_future_free(pending));
    OK(ctexec_future_free(done));
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: %s after_heavy_use|while_running|from_callback\n", argv[0]);
        return 2;
    }
    hard_watchdog(120);
    owner = pthread_self();
    ctexec_counts start = hard_counts();
    make_handles();
    const char *mode = argv[1];

    if (!strcmp(mode, "after_heavy_use")) {
        workload(4, 5000, 0, 0); /* 20k items, 10k futures, 4 threads */
        /* ex (the executor just used) has quit but is still live. */
        fork_and_check("from main after 20000 items");
        OK(ctexec_free(ex));
    } else if (!strcmp(mode, "while_running")) {
        workload(4, 5000, 20, 0);
        OK(ctexec_free(ex));
    } else if (!strcmp(mode, "from_callback")) {
        workload(4, 5000, 0, 1);
        OK(ctexec_free(ex));
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }

    /* The parent is unaffected: more work, then everything is released. */
    workload(2, 2000, 0, 0);
    OK(ctexec_free(ex));
    EXPECT_RC(ctexec_future_done(pending), 0); /* the children touched nothing */
    EXPECT_RC(ctexec_future_done(done), 1);
    CHECK(atomic_load(&forks_done) == (!strcmp(mode, "while_running") ? 20 : 1));
    free_handles();
    hard_counts_back_to(start);
    printf("fork %s: %d child(ren) got CTEXEC_EFORK from every entry point "
           "(slowest child %.1f ms incl. fork and exit); the parent ran %ld items in total and "
           "is unaffected\n", mode, atomic_load(&forks_done), max_child_ns / 1e6, atomic_load(&ran));
    return 0;
}
