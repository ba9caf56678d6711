/* Concurrent misuse: several threads racing on the same object.
 *
 *   hard_races <case> [iterations]
 *
 *   complete   set_result, set_error and cancel on one promise from 6
 *              threads at once, with a waiter and a done callback: exactly
 *              one completion wins, the others get CTEXEC_ESTATE, the done
 *              callback runs once and the waiter sees the winner's outcome.
 *   free_ex    ctexec_free of one executor from 4 threads at once: exactly
 *              one CTEXEC_OK, the others CTEXEC_EBADHANDLE.
 *   free_future ctexec_future_free of one handle from 4 threads at once:
 *              exactly one CTEXEC_OK (and the live count drops by one).
 *   free_vs_submit  3 threads submit (with and without futures) while a
 *              fourth frees the executor: each submit returns OK, EQUIT
 *              or EBADHANDLE; every OK future completes with ECANCELLED
 *              (discarded), no callback runs, the queue count is back to 0.
 *   free_vs_run the owner starts run_until while another thread frees:
 *              either free is EBUSY and the run completed, or free won and
 *              the run returned EQUIT or EBADHANDLE; never anything else.
 *
 * Every case ends with the live counts back at their start.
 *
 * Four more cases guard core bugs this work found (all fixed):
 *
 *   quit_after_done  the contract says "at the moment f completes the
 *              executor quits: later submits go to its old_executor chain".
 *              A thread that has seen ctexec_future_done(f) == 1 and then
 *              submits to an executor running until f, with no
 *              old_executor, must get CTEXEC_EQUIT. It used to get
 *              CTEXEC_OK now and then (asgiref has that window): the core
 *              now quits the watching executors before it publishes done.
 *   done_order   the header says done callbacks "run in registration order".
 *              cb1 is registered on a pending promise; another thread sees
 *              the promise done and registers cb2, which used to run at once
 *              on its thread, sometimes before the completing thread had
 *              run cb1; it now runs after cb1, on the completing thread.
 *   chain_slots  ex_i = ctexec_new(ex_{i-1}), then ctexec_free(ex_{i-1}), in
 *              a loop: one executor is live at any time, ctexec_new used
 *              to fail with CTEXEC_ENOMEM at the 262,144th: a freed
 *              executor's slot was released only when its Go object died,
 *              and the next one's old_executor link kept it alive.
 *   owner_reuse  after the owner thread exits, glibc reuses its pthread_t
 *              for the next thread; the library used to take that thread
 *              for the owner. Threads now get ids that are never reused.
 */
#include "hard.h"

static hard_barrier barrier;
static const int64_t WAIT_NS = 10 * SEC_NS;

/* ---- complete ----------------------------------------------------------- */

static ctexec_future promise;
static atomic_int dones;

struct completer {
    int id, rc;
};

static void *completer_main(void *p) {
    struct completer *c = p;
    hard_barrier_wait(&barrier);
    switch (c->id % 3) {
    case 0: c->rc = ctexec_future_set_result(promise, (void *)(uintptr_t)(100 + c->id)); break;
    case 1: c->rc = ctexec_future_set_error(promise, 100 + c->id); break;
    default: c->rc = ctexec_future_cancel(promise); break;
    }
    return NULL;
}

struct waiter {
    int rc;
    void *r;
};

static void *waiter_main(void *p) {
    struct waiter *w = p;
    hard_barrier_wait(&barrier);
    w->rc = ctexec_future_wait(promise, WAIT_NS, &w->r);
    return NULL;
}

static void count_done(ctexec_future f, void *u) {
    (void)u;
    CHECK(f == promise);
    atomic_fetch_add(&dones, 1);
}

#define NCOMP 6

static void case_complete(int iterations) {
    long wins[3] = {0, 0, 0};
    for (int it = 0; it < iterations; it++) {
        OK(ctexec_future_new(&promise));
        atomic_store(&dones, 0);
        OK(ctexec_future_add_done_callback(promise, count_done, NULL));
        hard_barrier_init(&barrier, NCOMP + 1);
        pthread_t ts[NCOMP + 1];
        struct completer cs[NCOMP];
        struct waiter w = {0, NULL};
        for (int i = 0; i < NCOMP; i++) {
            cs[i] = (struct completer){i, 0};
            CHECK(pthread_create(&ts[i], NULL, completer_main, &cs[i]) == 0);
        }
        CHECK(pthread_create(&ts[NCOMP], NULL, waiter_main, &w) == 0);
        for (int i = 0; i <= NCOMP; i++) CHECK(pthread_join(ts[i], NULL) == 0);
        hard_barrier_destroy(&barrier);
        int winner = -1;
        for (int i = 0; i < NCOMP; i++) {
            if (cs[i].rc == CTEXEC_OK) {
                if (winner >= 0) FAIL("iteration %d: threads %d and %d both completed it", it, winner, i);
                winner = i;
            } else if (cs[i].rc != CTEXEC_ESTATE) {
                FAIL("iteration %d: thread %d got %d", it, i, cs[i].rc);
            }
        }
        if (winner < 0) FAIL("iteration %d: nobody completed the promise", it);
        if (atomic_load(&dones) != 1) FAIL("iteration %d: done callback ran %d times", it, atomic_load(&dones));
        switch (winner % 3) {
        case 0:
            CHECK(w.rc == CTEXEC_OK && w.r == (void *)(uintptr_t)(100 + winner));
            break;
        case 1: CHECK(w.rc == 100 + winner); break;
        default: CHECK(w.rc == CTEXEC_ECANCELLED); break;
        }
        wins[winner % 3]++;
        OK(ctexec_future_free(promise));
    }
    printf("complete: %d races of 6 completers and a waiter: set_result won %ld, set_error %ld, "
           "cancel %ld; always exactly one\n", iterations, wins[0], wins[1], wins[2]);
}

/* ---- free_ex / free_future ---------------------------------------------- */

static ctexec *shared_ex;
static ctexec_future shared_f;

struct freer {
    int which; /* 0: executor, 1: future */
    int rc;
};

static void *freer_main(void *p) {
    struct freer *fr = p;
    hard_barrier_wait(&barrier);
    fr->rc = fr->which ? ctexec_future_free(shared_f) : ctexec_free(shared_ex);
    return NULL;
}

static void case_double_free(int iterations, int which) {
    ctexec_counts before = hard_counts();
    for (int it = 0; it < iterations; it++) {
        if (which) {
            OK(ctexec_future_new(&shared_f));
        } else {
            OK(ctexec_new(NULL, &shared_ex));
        }
        hard_barrier_init(&barrier, 4);
        pthread_t ts[4];
        struct freer fr[4];
        for (int i = 0; i < 4; i++) {
            fr[i] = (struct freer){which, 0};
            CHECK(pthread_create(&ts[i], NULL, freer_main, &fr[i]) == 0);
        }
        for (int i = 0; i < 4; i++) CHECK(pthread_join(ts[i], NULL) == 0);
        hard_barrier_destroy(&barrier);
        int oks = 0;
        for (int i = 0; i < 4; i++) {
            if (fr[i].rc == CTEXEC_OK) oks++;
            else if (fr[i].rc != CTEXEC_EBADHANDLE) FAIL("iteration %d: free returned %d", it, fr[i].rc);
        }
        if (oks != 1) FAIL("iteration %d: %d frees succeeded, want exactly 1", it, oks);
        ctexec_counts c = hard_counts();
        if (c.executors != before.executors || c.futures != before.futures)
            FAIL("iteration %d: counts off after the racing frees", it);
    }
    printf("%s: %d races of 4 threads freeing one %s: exactly one CTEXEC_OK each time\n",
           which ? "free_future" : "free_ex", iterations, which ? "future" : "executor");
}

/* ---- free_vs_submit ----------------------------------------------------- */

static atomic_int ran;

static int item(void *arg, void **result) {
    (void)arg;
    (void)result;
    atomic_fetch_add(&ran, 1);
    return 0;
}

struct sub {
    int ok, equit, bad, cancelled;
    uint64_t seed;
};

static void *sub_main(void *p) {
    struct sub *s = p;
    hard_barrier_wait(&barrier);
    ctexec_future fs[64];
    int nf = 0;
    for (int i = 0; i < 64; i++) {
        int with = hard_rand(&s->seed) % 2;
        ctexec_future f = 0;
        int rc = ctexec_submit(shared_ex, item, NULL, with ? &f : NULL);
        if (rc == CTEXEC_OK) {
            s->ok++;
            if (with) fs[nf++] = f;
        } else if (rc == CTEXEC_EQUIT) {
            s->equit++;
        } else if (rc == CTEXEC_EBADHANDLE) {
            s->bad++;
        } else {
            FAIL("submit during free returned %d", rc);
        }
        if (rc != CTEXEC_OK) CHECK(f == 0);
    }
    for (int i = 0; i < nf; i++) {
        int rc = ctexec_future_wait(fs[i], WAIT_NS, NULL);
        if (rc != CTEXEC_ECANCELLED) FAIL("a future of a discarded item reports %d", rc);
        s->cancelled++;
        OK(ctexec_future_free(fs[i]));
    }
    return NULL;
}

static void *free_after_main(void *p) {
    (void)p;
    hard_barrier_wait(&barrier);
    for (volatile int i = 0; i < 2000; i++) {
    }
    OK(ctexec_free(shared_ex));
    return NULL;
}

static void case_free_vs_submit(int iterations) {
    long ok = 0, equit = 0, bad = 0, cancelled = 0;
    for (int it = 0; it < iterations; it++) {
        OK(ctexec_new(NULL, &shared_ex)); /* owned by main, never run */
        hard_barrier_init(&barrier, 4);
        pthread_t ts[4];
        struct sub subs[3];
        for (int i = 0; i < 3; i++) {
            subs[i] = (struct sub){0, 0, 0, 0, 0x5eed + (uint64_t)it * 3 + (uint64_t)i};
            CHECK(pthread_create(&ts[i], NULL, sub_main, &subs[i]) == 0);
        }
        CHECK(pthread_create(&ts[3], NULL, free_after_main, NULL) == 0);
        for (int i = 0; i < 4; i++) CHECK(pthread_join(ts[i], NULL) == 0);
        hard_barrier_destroy(&barrier);
        for (int i = 0; i < 3; i++) {
            ok += subs[i].ok;
            equit += subs[i].equit;
            bad += subs[i].bad;
            cancelled += subs[i].cancelled;
        }
        CHECK(hard_counts().queued == 0);
    }
    if (atomic_load(&ran) != 0) FAIL("%d discarded items ran", atomic_load(&ran));
    printf("free_vs_submit: %d iterations: submits OK %ld (futures all ECANCELLED: %ld), "
           "EQUIT %ld, EBADHANDLE %ld; no discarded item ran\n",
           iterations, ok, cancelled, equit, bad);
}

/* ---- free_vs_run -------------------------------------------------------- */

static atomic_int free_rc;

static void *free_racer_main(void *p) {
    (void)p;
    hard_barrier_wait(&barrier);
    atomic_store(&free_rc, ctexec_free(shared_ex));
    return NULL;
}

static void case_free_vs_run(int iterations) {
    long busy = 0, free_won = 0, run_first = 0;
    ctexec_future done;
    OK(ctexec_future_new(&done));
    for (int it = 0; it < iterations; it++) {
        OK(ctexec_new(NULL, &shared_ex));
        /* A pending promise makes the run last a moment: 20 µs. */
        ctexec_future p;
        OK(ctexec_future_new(&p));
        hard_barrier_init(&barrier, 2);
        pthread_t t;
        CHECK(pthread_create(&t, NULL, free_racer_main, NULL) == 0);
        hard_barrier_wait(&barrier);
        int run = ctexec_run_until_timeout(shared_ex, p, 20000);
        CHECK(pthread_join(t, NULL) == 0);
        hard_barrier_destroy(&barrier);
        int fr = atomic_load(&free_rc);
        if (fr == CTEXEC_EBUSY) {
            /* Free lost: the run was under way and ended normally. */
            if (run != CTEXEC_ETIMEDOUT) FAIL("iteration %d: free EBUSY but run %d", it, run);
            OK(ctexec_free(shared_ex));
            busy++;
        } else if (fr == CTEXEC_OK) {
            if (run == CTEXEC_ETIMEDOUT) run_first++; /* ran to its end before the free */
            else if (run == CTEXEC_EQUIT || run == CTEXEC_EBADHANDLE) free_won++;
            else FAIL("iteration %d: free OK but run returned %d", it, run);
        } else {
            FAIL("iteration %d: free returned %d", it, fr);
        }
        OK(ctexec_future_free(p));
    }
    OK(ctexec_future_free(done));
    printf("free_vs_run: %d races: free EBUSY (run under way) %ld, free first (run EQUIT or "
           "EBADHANDLE) %ld, run finished first %ld\n",
           iterations, busy, free_won, run_first);
}

/* ---- quit_after_done ----------------------------------------------------- */

static atomic_int qa_go;
static atomic_long qa_late_ok;

/* Runs on the owner: run_until is then watching the promise, so its
 * completion is what makes the executor quit. (A promise completed before
 * run_until starts cannot quit an executor that has not been told of it.) */
static int qa_open_gate(void *arg, void **result) {
    (void)arg, (void)result;
    atomic_store(&qa_go, 1);
    return 0;
}

/* Completes the promise once the gate is open. With a non-NULL argument it
 * first queues the item that opens the gate on shared_ex; otherwise the
 * main thread opens it. */
static void *qa_completer(void *p) {
    if (p != NULL) OK(ctexec_submit(shared_ex, qa_open_gate, NULL, NULL));
    while (!atomic_load(&qa_go)) {
    }
    OK(ctexec_future_set_result(promise, NULL));
    return NULL;
}

static void *qa_observer(void *p) {
    (void)p;
    while (!atomic_load(&qa_go)) {
    }
    int d;
    while ((d = ctexec_future_done(promise)) == 0) {
    }
    CHECK(d == 1);
    /* f is done: the executor has quit, and has no old_executor. */
    int rc = ctexec_submit(shared_ex, item, NULL, NULL);
    if (rc == CTEXEC_OK) atomic_fetch_add(&qa_late_ok, 1);
    else if (rc != CTEXEC_EQUIT) FAIL("submit returned %d", rc);
    return NULL;
}

static void case_quit_after_done(int iterations) {
    for (int it = 0; it < iterations; it++) {
        OK(ctexec_new(NULL, &shared_ex));
        OK(ctexec_future_new(&promise));
        atomic_store(&qa_go, 0);
        pthread_t a, b;
        CHECK(pthread_create(&a, NULL, qa_completer, &shared_ex) == 0);
        CHECK(pthread_create(&b, NULL, qa_observer, NULL) == 0);
        OK(ctexec_run_until(shared_ex, promise));
        CHECK(pthread_join(a, NULL) == 0);
        CHECK(pthread_join(b, NULL) == 0);
        OK(ctexec_free(shared_ex));
        OK(ctexec_future_free(promise));
    }
    printf("quit_after_done: %d iterations; submits accepted after the target was seen done: %ld\n",
           iterations, atomic_load(&qa_late_ok));
    if (atomic_load(&qa_late_ok)) FAIL("a submit made after f was seen done was accepted, want EQUIT");
}

/* ---- done_order ----------------------------------------------------------- */

static atomic_int do_seq, do_first;

static void do_cb(ctexec_future f, void *u) {
    (void)f;
    if (atomic_fetch_add(&do_seq, 1) == 0) atomic_store(&do_first, (int)(intptr_t)u);
}

static void *do_observer(void *p) {
    (void)p;
    while (!atomic_load(&qa_go)) {
    }
    while (ctexec_future_done(promise) != 1) {
    }
    OK(ctexec_future_add_done_callback(promise, do_cb, (void *)2)); /* registered second */
    return NULL;
}

static void case_done_order(int iterations) {
    int inverted = 0;
    for (int it = 0; it < iterations; it++) {
        OK(ctexec_future_new(&promise));
        atomic_store(&qa_go, 0);
        atomic_store(&do_seq, 0);
        atomic_store(&do_first, 0);
        OK(ctexec_future_add_done_callback(promise, do_cb, (void *)1)); /* registered first */
        pthread_t a, b;
        CHECK(pthread_create(&a, NULL, qa_completer, NULL) == 0);
        CHECK(pthread_create(&b, NULL, do_observer, NULL) == 0);
        atomic_store(&qa_go, 1);
        CHECK(pthread_join(a, NULL) == 0);
        CHECK(pthread_join(b, NULL) == 0);
        CHECK(atomic_load(&do_seq) == 2);
        if (atomic_load(&do_first) != 1) inverted++;
        OK(ctexec_future_free(promise));
    }
    printf("done_order: %d iterations; the second-registered callback ran first %d times\n",
           iterations, inverted);
    if (inverted) FAIL("done callbacks did not run in registration order");
}

/* ---- chain_slots ---------------------------------------------------------- */

static void case_chain_slots(int n) {
    ctexec *prev = NULL;
    for (int i = 0; i < n; i++) {
        ctexec *e;
        int rc = ctexec_new(prev, &e);
        if (rc != CTEXEC_OK) {
            if (prev) OK(ctexec_free(prev));
            FAIL("chain of executors, one live at a time: ctexec_new #%d returned %d (%s)", i, rc,
                 hard_status_name(rc));
        }
        if (prev) OK(ctexec_free(prev));
        prev = e;
    }
    OK(ctexec_free(prev));
    printf("chain_slots: %d executors chained and freed one after the other\n", n);
}

/* ---- owner_reuse ---------------------------------------------------------- */

static pthread_t dead_owner;

static void *qa_make_owner(void *p) {
    (void)p;
    dead_owner = pthread_self();
    OK(ctexec_new(NULL, &shared_ex));
    return NULL; /* the owner thread exits */
}

static void *qa_other(void *p) {
    int *rc = p;
    if (!pthread_equal(pthread_self(), dead_owner)) {
        *rc = 1000; /* this libc did not reuse the id: inconclusive */
        return NULL;
    }
    *rc = ctexec_submit(shared_ex, item, NULL, NULL);
    return NULL;
}

static void case_owner_reuse(void) {
    pthread_t t;
    int rc = 0;
    CHECK(pthread_create(&t, NULL, qa_make_owner, NULL) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(pthread_create(&t, NULL, qa_other, &rc) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    OK(ctexec_free(shared_ex)); /* discards the item if it was queued */
    atomic_store(&ran, 0);
    if (rc == 1000) {
        printf("owner_reuse: the new thread got a different pthread_t; inconclusive\n");
        return;
    }
    printf("owner_reuse: a new thread with the dead owner's pthread_t submits: %d (%s)\n", rc,
           hard_status_name(rc));
    if (rc != CTEXEC_OK) FAIL("a thread that is not the owner was taken for it");
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: %s complete|free_ex|free_future|free_vs_submit|free_vs_run [iterations]\n",
                argv[0]);
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    CHECK(n > 0);
    hard_watchdog(120);
    ctexec_counts start = hard_counts();
    if (!strcmp(argv[1], "complete")) case_complete(n);
    else if (!strcmp(argv[1], "free_ex")) case_double_free(n, 0);
    else if (!strcmp(argv[1], "free_future")) case_double_free(n, 1);
    else if (!strcmp(argv[1], "free_vs_submit")) case_free_vs_submit(n);
    else if (!strcmp(argv[1], "free_vs_run")) case_free_vs_run(n);
    else if (!strcmp(argv[1], "quit_after_done")) case_quit_after_done(n);
    else if (!strcmp(argv[1], "owner_reuse")) case_owner_reuse();
    else if (!strcmp(argv[1], "done_order")) case_done_order(n);
    else if (!strcmp(argv[1], "chain_slots")) case_chain_slots(n);
    else {
        fprintf(stderr, "unknown case %s\n", argv[1]);
        return 2;
    }
    hard_counts_back_to(start);
    return 0;
}
