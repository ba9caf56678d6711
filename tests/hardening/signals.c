/* Host signals during a workload: the README's rule ("a host signal handler
 * must be installed with SA_ONSTACK") in practice.
 *
 *   hard_signals [restart|norestart] [items_per_thread]
 *
 * The host installs a SIGUSR1 handler (SA_ONSTACK, with or without
 * SA_RESTART: without it, every futex sleep the signal hits is interrupted
 * with EINTR). A signaller thread then sends SIGUSR1 to the owner and to
 * every submitter, round robin, every few microseconds, while 4 submitters
 * push items (half with futures, waited without a time limit) to an owner
 * that sleeps between batches. Asserts: every callback ran exactly once on
 * the owner, every infinite wait returned the item's result (a wait
 * interrupted by a signal never returns early), run_until returned OK, the
 * handler really ran, and the live counts are back to start.
 */
#include <signal.h>

#include "hard.h"

#define NSUB 4

static pthread_t owner;
static ctexec *ex;
static atomic_long handled, ran, off_owner;
static atomic_int done_submitting; /* set once every submitter finished */
static atomic_int finished;        /* submitters done with their items */

static void on_usr1(int sig) {
    (void)sig;
    atomic_fetch_add_explicit(&handled, 1, memory_order_relaxed);
}

static int item(void *arg, void **result) {
    if (!pthread_equal(pthread_self(), owner)) atomic_fetch_add(&off_owner, 1);
    atomic_fetch_add(&ran, 1);
    *result = arg;
    return 0;
}

struct sub {
    int per_thread;
    pthread_t self;
};

static void *submitter_main(void *p) {
    struct sub *s = p;
    for (int i = 0; i < s->per_thread; i++) {
        void *tag = (void *)(uintptr_t)(i + 1);
        if (i % 2) {
            OK(ctexec_submit(ex, item, tag, NULL));
        } else {
            ctexec_future f;
            void *r = NULL;
            OK(ctexec_submit(ex, item, tag, &f));
            /* Forever: a signal must not make it return early. */
            EXPECT_RC(ctexec_future_wait(f, -1, &r), CTEXEC_OK);
            CHECK(r == tag);
            OK(ctexec_future_free(f));
        }
        if (i % 64 == 0) hard_sleep_ns(20000); /* let the owner fall asleep */
    }
    /* Stay alive until the signaller has stopped: it must never signal a
     * thread that has exited. */
    atomic_fetch_add(&finished, 1);
    while (!atomic_load(&done_submitting)) hard_sleep_ns(MS_NS);
    return NULL;
}

struct sig {
    pthread_t targets[NSUB + 1];
    long sent;
};

static void *signaller_main(void *p) {
    struct sig *s = p;
    for (unsigned i = 0; !atomic_load(&done_submitting); i++) {
        if (pthread_kill(s->targets[i % (NSUB + 1)], SIGUSR1) == 0) s->sent++;
        hard_sleep_ns(5000);
    }
    return NULL;
}

struct joiner {
    pthread_t *ts;
    ctexec_future stop;
    pthread_t sig_t;
};

static void *joiner_main(void *p) {
    struct joiner *j = p;
    while (atomic_load(&finished) != NSUB) hard_sleep_ns(MS_NS);
    atomic_store(&done_submitting, 1);
    CHECK(pthread_join(j->sig_t, NULL) == 0);
    for (int i = 0; i < NSUB; i++) CHECK(pthread_join(j->ts[i], NULL) == 0);
    OK(ctexec_future_set_result(j->stop, NULL));
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int restart = !(argc > 1 && !strcmp(argv[1], "norestart"));
    int per = argc > 2 ? atoi(argv[2]) : 20000;
    hard_watchdog(120);
    owner = pthread_self();
    ctexec_counts start = hard_counts();

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_ONSTACK | (restart ? SA_RESTART : 0);
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);

    ctexec_future stop;
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_future_new(&stop));
    struct sub subs[NSUB];
    pthread_t ts[NSUB];
    struct sig sg = {{0}, 0};
    sg.targets[0] = owner;
    for (int i = 0; i < NSUB; i++) {
        subs[i].per_thread = per;
        CHECK(pthread_create(&ts[i], NULL, submitter_main, &subs[i]) == 0);
        sg.targets[i + 1] = ts[i];
    }
    pthread_t sig_t;
    CHECK(pthread_create(&sig_t, NULL, signaller_main, &sg) == 0);

    /* A helper joins the submitters, stops the signaller, then completes
     * stop; the owner runs meanwhile, being signalled. */
    struct joiner j = {ts, stop, sig_t};
    pthread_t jt;
    CHECK(pthread_create(&jt, NULL, joiner_main, &j) == 0);
    int64_t t0 = hard_now_ns();
    OK(ctexec_run_until(ex, stop));
    double secs = (hard_now_ns() - t0) / 1e9;
    CHECK(pthread_join(jt, NULL) == 0);

    if (atomic_load(&off_owner)) FAIL("%ld callbacks ran off the owner", atomic_load(&off_owner));
    if (atomic_load(&ran) != (long)NSUB * per)
        FAIL("ran %ld items, want %ld", atomic_load(&ran), (long)NSUB * per);
    if (atomic_load(&handled) == 0) FAIL("the handler never ran");
    OK(ctexec_future_free(stop));
    OK(ctexec_free(ex));
    hard_counts_back_to(start);
    printf("signals (%s): %d items in %.2f s with %ld SIGUSR1 sent, %ld handled; every item ran "
           "once on the owner, every infinite wait returned its result\n",
           restart ? "SA_ONSTACK|SA_RESTART" : "SA_ONSTACK, no SA_RESTART", NSUB * per, secs, sg.sent,
           atomic_load(&handled));
    return 0;
}
