/* Deadlock detection (include/ctexec.h, ctexec_future_wait: "Deadlocks.";
 * capi/cx/deadlock.c has the design). Self-waits (direct, down the chain,
 * from inside an item, from a 3-deep nested loop), cycles of 2 and 3
 * threads built 1,000 times with random timing, and runs in which every
 * wait could finish and none may get CTEXEC_EDEADLK. `test_deadlock
 * --list` names the cases. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctexec.h"

#include "../check.h"

/* A small seeded generator (rand_r is not everywhere: mingw lacks it). */
static int next_rand(unsigned *seed) {
    *seed = *seed * 1103515245u + 12345u;
    return (int)((*seed >> 1) & 0x7fffffff);
}

#ifdef _WIN32
/* Built for Wine too (tests/windows/run), which skips the two cases that
 * re-execute themselves; mingw has no setenv. */
#define setenv(name, value, overwrite) _putenv_s(name, value)
#endif

#define SEC 1000000000ll

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

static int ret_arg(void *arg, void **result) {
    *result = arg;
    return 0;
}

static atomic_int counter;

static int count_item(void *arg, void **result) {
    (void)arg;
    (void)result;
    atomic_fetch_add(&counter, 1);
    return 0;
}

/* ---- submits from another thread (an owner cannot submit to itself) ---- */

struct sub {
    ctexec *ex;
    ctexec_fn fn;
    void *arg;
    ctexec_future fut;
    int rc;
};

static void *sub_main(void *p) {
    struct sub *s = p;
    s->rc = ctexec_submit(s->ex, s->fn, s->arg, &s->fut);
    return NULL;
}

/* Submits fn(arg) to ex from a fresh thread and returns the future. */
static ctexec_future submit_other(ctexec *ex, ctexec_fn fn, void *arg) {
    struct sub s = {ex, fn, arg, 0, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, sub_main, &s) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    OK(s.rc);
    return s.fut;
}

static void *run_fn(void *p) {
    void (*fn)(void) = (void (*)(void))p;
    fn();
    return NULL;
}

/* Waits on f and checks it returns CTEXEC_EDEADLK at once. */
static void expect_deadlock_now(ctexec_future f, int64_t timeout_ns) {
    int64_t t0 = now_ns();
    EXPECT_RC(ctexec_future_wait(f, timeout_ns, NULL), CTEXEC_EDEADLK);
    int64_t took = now_ns() - t0;
    if (took > SEC / 2) FAIL("CTEXEC_EDEADLK took %lld ns", (long long)took);
    EXPECT_RC(ctexec_future_done(f), 0); /* still pending, still ours */
}

static ctexec_future done_promise(void) {
    ctexec_future p;
    OK(ctexec_future_new(&p));
    OK(ctexec_future_set_result(p, NULL));
    return p;
}

/* ---- self-waits ---------------------------------------------------------- */

/* The owner waits on an item queued to its own executor by another thread:
 * untimed, timed (5 s: it must not sleep them), and a poll, which is never
 * checked. The item still runs once the owner serves. */
static void test_self_wait_direct(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    ctexec_future y = submit_other(ex, ret_arg, (void *)42);
    expect_deadlock_now(y, -1);
    expect_deadlock_now(y, 5 * SEC);
    EXPECT_RC(ctexec_future_wait(y, 0, NULL), CTEXEC_ETIMEDOUT);
    OK(ctexec_run_ready(ex, 0, -1, NULL));
    void *r = NULL;
    OK(ctexec_future_wait(y, -1, &r));
    CHECK(r == (void *)42);
    OK(ctexec_future_free(y));
    OK(ctexec_free(ex));
}

/* A promise is not an item: a wait on it is never checked. */
static void test_promise_wait_not_checked(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    ctexec_future p;
    OK(ctexec_future_new(&p));
    EXPECT_RC(ctexec_future_wait(p, 20 * 1000 * 1000, NULL), CTEXEC_ETIMEDOUT);
    OK(ctexec_future_free(p));
    OK(ctexec_free(ex));
}

/* Down the chain: thread U owns e2 (old: e1, owned by this thread) and
 * quits it; a submit to e2 from here lands on e1 (through Go's chain walk),
 * and waiting on it is a self-wait. ctexec_call cancels its item. */
static ctexec *chain_e1, *chain_e2;

static void chain_owner(void) {
    OK(ctexec_new(chain_e1, &chain_e2));
    ctexec_future d = done_promise();
    OK(ctexec_run_until(chain_e2, d));
    OK(ctexec_future_free(d));
}

static void test_self_wait_down_the_chain(void) {
    OK(ctexec_new(NULL, &chain_e1));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, run_fn, (void *)chain_owner) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    atomic_store(&counter, 0);
    int64_t t0 = now_ns();
    EXPECT_RC(ctexec_call(chain_e2, count_item, NULL, NULL), CTEXEC_EDEADLK);
    CHECK(now_ns() - t0 < SEC / 2);
    ctexec_future y;
    OK(ctexec_submit(chain_e2, ret_arg, (void *)7, &y));
    expect_deadlock_now(y, -1);
    OK(ctexec_run_ready(chain_e1, 0, -1, NULL));
    CHECK(atomic_load(&counter) == 0); /* ctexec_call's item was cancelled */
    void *r = NULL;
    OK(ctexec_future_wait(y, -1, &r));
    CHECK(r == (void *)7);
    OK(ctexec_future_free(y));
    OK(ctexec_free(chain_e2));
    OK(ctexec_free(chain_e1));
}

/* From inside a running item of ex: it waits on another item queued to ex. */
static ctexec *inner_ex;
static ctexec_future inner_y, inner_target;

static int wait_inside(void *arg, void **result) {
    (void)arg;
    (void)result;
    inner_y = submit_other(inner_ex, ret_arg, (void *)9);
    expect_deadlock_now(inner_y, -1);
    expect_deadlock_now(inner_y, 5 * SEC);
    OK(ctexec_future_set_result(inner_target, NULL));
    return 0;
}

static void test_self_wait_inside_item(void) {
    OK(ctexec_new(NULL, &inner_ex));
    OK(ctexec_future_new(&inner_target));
    ctexec_future outer = submit_other(inner_ex, wait_inside, NULL);
    OK(ctexec_run_until(inner_ex, inner_target));
    void *r = NULL;
    OK(ctexec_future_wait(inner_y, 0, &r)); /* queued before the quit: it ran */
    CHECK(r == (void *)9);
    OK(ctexec_future_wait(outer, 0, NULL));
    OK(ctexec_future_free(inner_y));
    OK(ctexec_future_free(outer));
    OK(ctexec_future_free(inner_target));
    OK(ctexec_free(inner_ex));
}

/* 3 deep: an item of e1 runs e2 (old e1), an item of e2 runs e3 (old e2),
 * and an item of e3 waits on items queued to e1, e2 and e3. */
static ctexec *nest_ex[3];
static ctexec_future nest_target[3], nest_y[3];

static int nest_item(void *arg, void **result) {
    (void)result;
    int level = (int)(intptr_t)arg; /* 0, 1, 2: running on nest_ex[level] */
    if (level < 2) {
        OK(ctexec_new(nest_ex[level], &nest_ex[level + 1]));
        OK(ctexec_future_new(&nest_target[level + 1]));
        ctexec_future f = submit_other(nest_ex[level + 1], nest_item, (void *)(intptr_t)(level + 1));
        OK(ctexec_run_until(nest_ex[level + 1], nest_target[level + 1]));
        OK(ctexec_future_wait(f, 0, NULL));
        OK(ctexec_future_free(f));
        OK(ctexec_future_free(nest_target[level + 1]));
        OK(ctexec_free(nest_ex[level + 1]));
    } else {
        for (int i = 0; i < 3; i++) nest_y[i] = submit_other(nest_ex[i], ret_arg, (void *)(intptr_t)(i + 1));
        expect_deadlock_now(nest_y[0], -1);
        expect_deadlock_now(nest_y[1], 5 * SEC);
        expect_deadlock_now(nest_y[2], -1);
        EXPECT_RC(ctexec_call(nest_ex[0], ret_arg, NULL, NULL), CTEXEC_ESAMETHREAD);
    }
    OK(ctexec_future_set_result(nest_target[level], NULL));
    return 0;
}

static void test_self_wait_nested_3_deep(void) {
    OK(ctexec_new(NULL, &nest_ex[0]));
    OK(ctexec_future_new(&nest_target[0]));
    ctexec_future f = submit_other(nest_ex[0], nest_item, (void *)0);
    OK(ctexec_run_until(nest_ex[0], nest_target[0]));
    for (int i = 0; i < 3; i++) {
        void *r = NULL;
        OK(ctexec_future_wait(nest_y[i], 0, &r)); /* each ran in its own loop */
        CHECK(r == (void *)(intptr_t)(i + 1));
        OK(ctexec_future_free(nest_y[i]));
    }
    OK(ctexec_future_wait(f, 0, NULL));
    OK(ctexec_future_free(f));
    OK(ctexec_future_free(nest_target[0]));
    OK(ctexec_free(nest_ex[0]));
}

/* ---- cycles across threads ---------------------------------------------- */

#define MAX_RING 3

static struct {
    int n, iterations;
    pthread_barrier_t bar;
    ctexec *ex[MAX_RING];
    ctexec_future got[MAX_RING]; /* got[i]: the item from thread i-1 ran on i */
    atomic_int reports;
    atomic_int progress;
} ring;

static void jitter(unsigned *seed) {
    switch (next_rand(seed) % 4) {
    case 0: break;
    case 1: sched_yield(); break;
    case 2: {
        volatile unsigned x = 0;
        unsigned n = (unsigned)next_rand(seed) % 4000;
        for (unsigned i = 0; i < n; i++) x += i;
        break;
    }
    default: {
        struct timespec ts = {0, (long)(next_rand(seed) % 50000)};
        nanosleep(&ts, NULL);
    }
    }
}

static int set_promise(void *arg, void **result) {
    (void)result;
    OK(ctexec_future_set_result(*(ctexec_future *)arg, NULL));
    return 0;
}

/* Runs what is queued on ex. 1 ("items remain") is a success too: the
 * other ring threads retry their calls, and a submit that lands while the
 * call runs waits for the next one. */
static void serve_ready(ctexec *ex) {
    int rc = ctexec_run_ready(ex, 0, -1, NULL);
    if (rc != 0 && rc != 1)
        FAIL("ctexec_run_ready returned %d (%s)", rc, ctexec_strerror(rc));
}

static void *ring_main(void *p) {
    int i = (int)(intptr_t)p, n = ring.n;
    unsigned seed = (unsigned)(i * 7919 + 1);
    for (int it = 0; it < ring.iterations; it++) {
        OK(ctexec_new(NULL, &ring.ex[i]));
        OK(ctexec_future_new(&ring.got[i]));
        pthread_barrier_wait(&ring.bar);
        ctexec *next = ring.ex[(i + 1) % n];
        void *arg = &ring.got[(i + 1) % n];
        int rc;
        jitter(&seed);
        /* Nobody serves before its wait returns: every round is a deadlock,
         * and only a report can end it. */
        if ((it + i) % 2 == 0) {
            while ((rc = ctexec_call(next, set_promise, arg, NULL)) == CTEXEC_EDEADLK) {
                atomic_fetch_add(&ring.reports, 1);
                serve_ready(ring.ex[i]); /* the reported waiter serves */
                jitter(&seed);
            }
        } else {
            ctexec_future f;
            OK(ctexec_submit(next, set_promise, arg, &f));
            jitter(&seed);
            while ((rc = ctexec_future_wait(f, -1, NULL)) == CTEXEC_EDEADLK) {
                atomic_fetch_add(&ring.reports, 1);
                serve_ready(ring.ex[i]);
            }
            OK(ctexec_future_free(f));
        }
        OK(rc);
        /* Serve until the item of thread i-1 has run here. */
        OK(ctexec_run_until(ring.ex[i], ring.got[i]));
        atomic_fetch_add(&ring.progress, 1);
        pthread_barrier_wait(&ring.bar);
        OK(ctexec_free(ring.ex[i]));
        OK(ctexec_future_free(ring.got[i]));
        if (i == 0) {
            /* Every round was reported to at least one of its waiters. */
            if (atomic_load(&ring.reports) < it + 1)
                FAIL("round %d of a %d-cycle: %d reports in all", it, n, atomic_load(&ring.reports));
        }
        pthread_barrier_wait(&ring.bar);
    }
    return NULL;
}

/* Fails if the rounds stop moving: a cycle nobody was told about hangs. */
static void *ring_watchdog(void *p) {
    (void)p;
    int last = -1;
    for (int tick = 1;; tick++) {
        usleep(10 * 1000);
        int now = atomic_load(&ring.progress);
        if (now == ring.n * ring.iterations) return NULL;
        if (tick % 2000 != 0) continue; /* every 20 s */
        if (now == last) FAIL("a %d-cycle hangs after %d thread-rounds", ring.n, now);
        last = now;
    }
}

static void run_ring(int n, int iterations) {
    ring.n = n;
    ring.iterations = iterations;
    atomic_store(&ring.reports, 0);
    atomic_store(&ring.progress, 0);
    CHECK(pthread_barrier_init(&ring.bar, NULL, (unsigned)n) == 0);
    pthread_t t[MAX_RING], w;
    CHECK(pthread_create(&w, NULL, ring_watchdog, NULL) == 0);
    for (int i = 0; i < n; i++) CHECK(pthread_create(&t[i], NULL, ring_main, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < n; i++) CHECK(pthread_join(t[i], NULL) == 0);
    CHECK(pthread_join(w, NULL) == 0);
    pthread_barrier_destroy(&ring.bar);
    printf("%d-cycle: %d rounds, %d reports\n", n, iterations, atomic_load(&ring.reports));
}

static void test_cycle_of_2(void) { run_ring(2, 1000); }
static void test_cycle_of_3(void) { run_ring(3, 1000); }

/* ---- waits that could finish: never CTEXEC_EDEADLK ----------------------- */

static struct {
    pthread_barrier_t bar;
    ctexec *ex[4];
    ctexec_future f[4];
    atomic_int ran[4];
    int iterations;
} ok;

static int mark_ran(void *arg, void **result) {
    (void)result;
    atomic_store(&ok.ran[(intptr_t)arg], 1);
    return 0;
}

static void serve_until_ran(int owner, int item) {
    while (!atomic_load(&ok.ran[item])) {
        int rc = ctexec_run_ready(ok.ex[owner], 0, -1, NULL);
        if (rc < 0) FAIL("ctexec_run_ready: %s", ctexec_strerror(rc));
        sched_yield();
    }
}

/* Two owners exchange items; B serves its executor before it waits, so A's
 * wait always finishes, and then A serves. A walk by A that read its item
 * pending, then B waiting on an item queued to A, would see a cycle that
 * never existed at one instant: the double collect must refuse it. */
static unsigned exchange_b_delay_us;

static void *exchange_main(void *p) {
    int i = (int)(intptr_t)p;
    unsigned seed = (unsigned)(i + 17);
    OK(ctexec_new(NULL, &ok.ex[i]));
    pthread_barrier_wait(&ok.bar);
    for (int it = 0; it < ok.iterations; it++) {
        OK(ctexec_submit(ok.ex[1 - i], mark_ran, (void *)(intptr_t)(1 - i), &ok.f[i]));
        pthread_barrier_wait(&ok.bar);
        if (i == 0) {
            jitter(&seed);
            OK(ctexec_future_wait(ok.f[0], -1, NULL)); /* item 1 runs on B */
            serve_until_ran(0, 0);
        } else {
            if (exchange_b_delay_us) usleep(exchange_b_delay_us); /* A is in its walk */
            serve_until_ran(1, 1);
            jitter(&seed);
            OK(ctexec_future_wait(ok.f[1], -1, NULL));
        }
        pthread_barrier_wait(&ok.bar);
        OK(ctexec_future_free(ok.f[i]));
        atomic_store(&ok.ran[i], 0);
        pthread_barrier_wait(&ok.bar);
    }
    OK(ctexec_free(ok.ex[i]));
    return NULL;
}

static void run_pair(void *(*fn)(void *), int iterations) {
    ok.iterations = iterations;
    CHECK(pthread_barrier_init(&ok.bar, NULL, 2) == 0);
    pthread_t t[2];
    for (int i = 0; i < 2; i++) CHECK(pthread_create(&t[i], NULL, fn, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < 2; i++) CHECK(pthread_join(t[i], NULL) == 0);
    pthread_barrier_destroy(&ok.bar);
}

static void test_no_false_positive_exchange(void) { run_pair(exchange_main, 20000); }

/* The exchange again, with every walk paused for 2 ms at each hop before
 * it reads the owner's wait word (CTEXEC_DEBUG_DEADLOCK_PAUSE_NS, read at
 * load: the case runs itself again with it set). A's walk reads its item
 * pending, pauses while B runs that item and starts waiting on the item
 * queued to A, then sees B waiting on it: a cycle that never existed at
 * one instant, which only the second pass (the double collect) refuses. */
static char **main_argv;

static void test_no_false_positive_stale_walk(void) {
    if (getenv("CTEXEC_DEBUG_DEADLOCK_PAUSE_NS") == NULL) {
        setenv("CTEXEC_DEBUG_DEADLOCK_PAUSE_NS", "2000000", 1);
        char *args[] = {main_argv[0], "no_false_positive_stale_walk", NULL};
        execv("/proc/self/exe", args);
        FAIL("execv: %s", strerror(errno));
    }
    exchange_b_delay_us = 500;
    run_pair(exchange_main, 300);
}

/* A would-be cycle of timed waiters: each waits 1 ms at a time and serves
 * its executor between waits. A timed waiter is no link: never EDEADLK. */
static void *timed_main(void *p) {
    int i = (int)(intptr_t)p;
    unsigned seed = (unsigned)(i + 3);
    OK(ctexec_new(NULL, &ok.ex[i]));
    pthread_barrier_wait(&ok.bar);
    for (int it = 0; it < ok.iterations; it++) {
        ctexec_future f;
        OK(ctexec_submit(ok.ex[1 - i], mark_ran, (void *)(intptr_t)(1 - i), &f));
        jitter(&seed);
        int rc;
        while ((rc = ctexec_future_wait(f, 1000 * 1000, NULL)) == CTEXEC_ETIMEDOUT)
            CHECK(ctexec_run_ready(ok.ex[i], 0, -1, NULL) >= 0);
        OK(rc);
        OK(ctexec_future_free(f));
        serve_until_ran(i, i);
        pthread_barrier_wait(&ok.bar);
        atomic_store(&ok.ran[i], 0);
        pthread_barrier_wait(&ok.bar);
    }
    OK(ctexec_free(ok.ex[i]));
    return NULL;
}

static void test_no_false_positive_timed_waiters(void) { run_pair(timed_main, 2000); }

/* A chain that ends in a serving owner: P (no executor) waits on an item
 * of T1, T1 waits on an item of T2, T2 on one of T3, and T3 serves. Each
 * wait finishes; each owner then serves the item queued to it. */
static void *chain_main(void *p) {
    int i = (int)(intptr_t)p; /* 0: P, 1..3: T1..T3 */
    unsigned seed = (unsigned)(i + 101);
    if (i > 0) OK(ctexec_new(NULL, &ok.ex[i]));
    pthread_barrier_wait(&ok.bar);
    for (int it = 0; it < ok.iterations; it++) {
        if (i < 3) OK(ctexec_submit(ok.ex[i + 1], mark_ran, (void *)(intptr_t)(i + 1), &ok.f[i]));
        pthread_barrier_wait(&ok.bar);
        jitter(&seed);
        if (i == 3) {
            serve_until_ran(3, 3);
        } else {
            if (it % 2 == 0 || i == 0)
                OK(ctexec_future_wait(ok.f[i], -1, NULL));
            else
                OK(ctexec_future_wait(ok.f[i], 5 * SEC, NULL));
            if (i > 0) serve_until_ran(i, i);
            OK(ctexec_future_free(ok.f[i]));
        }
        pthread_barrier_wait(&ok.bar);
        atomic_store(&ok.ran[i], 0);
        pthread_barrier_wait(&ok.bar);
    }
    if (i > 0) OK(ctexec_free(ok.ex[i]));
    return NULL;
}

static void test_no_false_positive_chain(void) {
    ok.iterations = 3000;
    CHECK(pthread_barrier_init(&ok.bar, NULL, 4) == 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) CHECK(pthread_create(&t[i], NULL, chain_main, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < 4; i++) CHECK(pthread_join(t[i], NULL) == 0);
    pthread_barrier_destroy(&ok.bar);
}

/* A record outlives its thread and serves the next one: an executor whose
 * owner has exited is not a link, even when its old record now belongs to
 * a thread that waits on an item queued to us. (Such a wait ends when
 * someone frees the dead owner's executor.) */
static ctexec *stale_dead, *stale_mine, *stale_c;
static ctexec_future stale_y;
static atomic_int stale_submitted;

static void stale_dead_owner(void) { OK(ctexec_new(NULL, &stale_dead)); }

static void stale_waiter(void) {
    OK(ctexec_new(NULL, &stale_c)); /* takes the exited thread's record */
    OK(ctexec_submit(stale_mine, ret_arg, (void *)5, &stale_y));
    atomic_store(&stale_submitted, 1);
    OK(ctexec_future_wait(stale_y, -1, NULL));
    OK(ctexec_free(stale_c));
}

static void test_stale_record_is_no_link(void) {
    OK(ctexec_new(NULL, &stale_mine));
    pthread_t a, c;
    CHECK(pthread_create(&a, NULL, run_fn, (void *)stale_dead_owner) == 0);
    CHECK(pthread_join(a, NULL) == 0);
    ctexec_future x;
    OK(ctexec_submit(stale_dead, ret_arg, NULL, &x)); /* never runs: its owner is gone */
    CHECK(pthread_create(&c, NULL, run_fn, (void *)stale_waiter) == 0);
    while (!atomic_load(&stale_submitted)) sched_yield();
    usleep(50 * 1000); /* c is waiting on stale_y by now (if not, the case proves less) */
    EXPECT_RC(ctexec_future_wait(x, 100 * 1000 * 1000, NULL), CTEXEC_ETIMEDOUT);
    OK(ctexec_run_until(stale_mine, stale_y)); /* lets c finish */
    CHECK(pthread_join(c, NULL) == 0);
    OK(ctexec_free(stale_dead)); /* discards x */
    EXPECT_RC(ctexec_future_wait(x, -1, NULL), CTEXEC_ECANCELLED);
    OK(ctexec_future_free(x));
    OK(ctexec_future_free(stale_y));
    OK(ctexec_free(stale_mine));
}

/* A cycle whose first reporter is a ctexec_call whose item has started: A
 * calls an item on B's executor (pausing 50 ms between queueing it and
 * waiting: CTEXEC_DEBUG_CALL_PAUSE_NS, so the case runs itself again with
 * it set); B starts it, and inside it waits without a time limit on an
 * item queued to A's executor, before A waits: B's walk sees no cycle. A's
 * does, but A must not return while its item runs (the item may use A's
 * stack): it hands the cycle to B, which gets CTEXEC_EDEADLK, and A's call
 * returns the item's result once the item is over. */
static struct {
    ctexec *a, *b;
    ctexec_future b_done;
    atomic_int item_over, b_rc;
} started;

static int started_item(void *arg, void **result) {
    ctexec_future f;
    OK(ctexec_submit(started.a, ret_arg, NULL, &f)); /* queued to A's executor */
    atomic_store(&started.b_rc, ctexec_future_wait(f, -1, NULL));
    OK(ctexec_future_cancel(f)); /* A never serves: drop it */
    OK(ctexec_future_free(f));
    OK(ctexec_future_set_result(started.b_done, NULL));
    atomic_store(&started.item_over, 1);
    *result = arg;
    return 0;
}

static void *started_b_thread(void *p) {
    pthread_barrier_t *bar = p;
    OK(ctexec_new(NULL, &started.b)); /* B's executor, made on B */
    pthread_barrier_wait(bar);
    OK(ctexec_run_until(started.b, started.b_done));
    return NULL;
}

static void test_call_item_started(void) {
    if (getenv("CTEXEC_DEBUG_CALL_PAUSE_NS") == NULL) {
        setenv("CTEXEC_DEBUG_CALL_PAUSE_NS", "50000000", 1);
        char *args[] = {main_argv[0], "call_item_started", NULL};
        execv("/proc/self/exe", args);
        FAIL("execv: %s", strerror(errno));
    }
    OK(ctexec_new(NULL, &started.a)); /* A, this thread, owns one */
    OK(ctexec_future_new(&started.b_done));
    pthread_barrier_t bar;
    CHECK(pthread_barrier_init(&bar, NULL, 2) == 0);
    pthread_t tb;
    CHECK(pthread_create(&tb, NULL, started_b_thread, &bar) == 0);
    pthread_barrier_wait(&bar);
    void *r = NULL;
    int rc = ctexec_call(started.b, started_item, (void *)0x5a, &r);
    CHECK(atomic_load(&started.item_over) == 1); /* not before its item was over */
    OK(rc);
    CHECK(r == (void *)0x5a);
    EXPECT_RC(atomic_load(&started.b_rc), CTEXEC_EDEADLK);
    CHECK(pthread_join(tb, NULL) == 0);
    pthread_barrier_destroy(&bar);
    OK(ctexec_future_free(started.b_done));
    OK(ctexec_free(started.b));
    OK(ctexec_free(started.a));
}

static const check_case cases[] = {
    {"self_wait_direct", test_self_wait_direct},
    {"promise_wait_not_checked", test_promise_wait_not_checked},
    {"self_wait_down_the_chain", test_self_wait_down_the_chain},
    {"self_wait_inside_item", test_self_wait_inside_item},
    {"self_wait_nested_3_deep", test_self_wait_nested_3_deep},
    {"cycle_of_2", test_cycle_of_2},
    {"cycle_of_3", test_cycle_of_3},
    {"no_false_positive_exchange", test_no_false_positive_exchange},
    {"no_false_positive_stale_walk", test_no_false_positive_stale_walk},
    {"no_false_positive_timed_waiters", test_no_false_positive_timed_waiters},
    {"no_false_positive_chain", test_no_false_positive_chain},
    {"stale_record_is_no_link", test_stale_record_is_no_link},
    {"call_item_started", test_call_item_started},
};

int main(int argc, char **argv) {
    main_argv = argv;
    return run_cases(cases, sizeof cases / sizeof cases[0], argc, argv);
}
