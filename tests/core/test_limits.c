/* Options at creation (include/ctexec.h, "Options: bounded queues,
 * statistics, the stall watchdog"): ctexec_new_with's checks, bounded
 * queues in both modes, ctexec_submit_timeout, ctexec_stats and the stall
 * watchdog, one case per behaviour. `test_limits --list` names them; every
 * case ends by checking that ctexec_live_counts is back to where it
 * started. */
#define _GNU_SOURCE
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

#define MS 1000000LL

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ns(int64_t ns) {
    struct timespec ts = {ns / 1000000000, ns % 1000000000};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static ctexec_stats_t stats_of(ctexec *ex) {
    ctexec_stats_t st;
    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    OK(ctexec_stats(ex, &st));
    return st;
}

static int nop(void *arg, void **result) {
    (void)arg, (void)result;
    return 0;
}

/* ctexec_submit_timeout(ex, fn, arg, out, timeout) on a new thread (an
 * owner cannot submit to its own executor), joined: its status, and in
 * *took (nullable) how long it took. */
struct on_thread {
    ctexec *ex;
    ctexec_fn fn;
    void *arg;
    ctexec_future *out;
    int64_t timeout, took;
    int rc;
};

static void *on_thread_main(void *p) {
    struct on_thread *t = p;
    int64_t t0 = now_ns();
    t->rc = ctexec_submit_timeout(t->ex, t->fn, t->arg, t->out, t->timeout);
    t->took = now_ns() - t0;
    return NULL;
}

static int submit_on_thread(ctexec *ex, ctexec_fn fn, void *arg, ctexec_future *out, int64_t timeout,
                            int64_t *took) {
    struct on_thread t = {ex, fn, arg, out, timeout, 0, 0};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, on_thread_main, &t) == 0);
    CHECK(pthread_join(th, NULL) == 0);
    if (took) *took = t.took;
    return t.rc;
}

static void on_stall(ctexec *ex, int64_t age, void *ud);

/* ctexec_new_with with the options a case sets, the rest zero; a watched
 * executor reports to on_stall (below) with stall_userdata. */
static ctexec *new_with(ctexec *old, uint32_t flags, uint64_t max_queued, int when_full, int64_t stall_ns,
                        void *stall_userdata) {
    ctexec_options o = {sizeof o, flags, max_queued, when_full, stall_ns, stall_ns ? on_stall : NULL,
                        stall_userdata, NULL, NULL};
    ctexec *ex;
    OK(ctexec_new_with(old, &o, &ex));
    return ex;
}

/* A bounded executor with statistics. */
static ctexec *bounded_new(ctexec *old, uint64_t max, int when_full) {
    return new_with(old, CTEXEC_OPT_STATS, max, when_full, 0, NULL);
}

/* Queues one nop from another thread, without keeping its future. */
static void submit_nop(ctexec *ex) {
    ctexec_future f;
    OK(submit_on_thread(ex, nop, NULL, &f, -1, NULL));
    OK(ctexec_future_free(f));
}

/* ---- ctexec_new_with's checks -------------------------------------------- */

static void on_stall_nop(ctexec *ex, int64_t age, void *ud) { (void)ex, (void)age, (void)ud; }

static void options_checked(void) {
    ctexec *ex = NULL;
    ctexec_options o;
    memset(&o, 0, sizeof o);
    o.size = 47; /* below the first released size, 0.2.0's 48 bytes */
    EXPECT_RC(ctexec_new_with(NULL, &o, &ex), CTEXEC_EINVAL);
    o.size = sizeof o;
    o.flags = 2;
    EXPECT_RC(ctexec_new_with(NULL, &o, &ex), CTEXEC_EINVAL);
    o.flags = 0;
    o.when_full = 2;
    EXPECT_RC(ctexec_new_with(NULL, &o, &ex), CTEXEC_EINVAL);
    o.when_full = -1;
    EXPECT_RC(ctexec_new_with(NULL, &o, &ex), CTEXEC_EINVAL);
    o.when_full = CTEXEC_FULL_FAIL;
    o.stall_ns = -1;
    EXPECT_RC(ctexec_new_with(NULL, &o, &ex), CTEXEC_EINVAL);
    o.stall_ns = 10 * MS; /* without on_stall */
    EXPECT_RC(ctexec_new_with(NULL, &o, &ex), CTEXEC_EINVAL);
    EXPECT_RC(ctexec_new_with(NULL, NULL, NULL), CTEXEC_EINVAL);
    CHECK(ex == NULL); /* out is written only on success */
    o.on_stall = on_stall_nop;
    o.flags = CTEXEC_OPT_STATS;
    o.max_queued = 3;
    OK(ctexec_new_with(NULL, &o, &ex));
    ctexec_stats_t st = stats_of(ex);
    CHECK(st.flags == CTEXEC_OPT_STATS);
    OK(ctexec_free(ex));
    /* NULL options are ctexec_new's: no statistics, no bound. */
    OK(ctexec_new_with(NULL, NULL, &ex));
    st = stats_of(ex);
    CHECK(st.flags == 0 && st.submitted == 0);
    OK(ctexec_free(ex));
}

static void stats_checked(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    ctexec_stats_t st;
    memset(&st, 0, sizeof st);
    EXPECT_RC(ctexec_stats(ex, NULL), CTEXEC_EINVAL);
    st.size = sizeof st - 8; /* below the first released size */
    EXPECT_RC(ctexec_stats(ex, &st), CTEXEC_EINVAL);
    st.size = sizeof st;
    st.flags = 0xff; /* every field is written, flags too */
    st.submitted = 7;
    OK(ctexec_stats(ex, &st));
    CHECK(st.flags == 0 && st.submitted == 0);
    OK(ctexec_free(ex));
    EXPECT_RC(ctexec_stats(ex, &st), CTEXEC_EBADHANDLE);
    EXPECT_RC(ctexec_stats((ctexec *)&st, &st), CTEXEC_EBADHANDLE);
}

/* ---- bounded queues -------------------------------------------------------- */

#define SUBMITTERS 8
#define BOUND 64

struct bounded {
    ctexec *ex;
    int attempts;     /* per submitter */
    atomic_int *runs; /* per item: SUBMITTERS * attempts */
    atomic_long accepted, again;
    atomic_int finished;
    atomic_int stop_sampling;
    atomic_ulong max_seen;
    ctexec_future done;
};

static struct bounded *bnd;

static int count_run(void *arg, void **result) {
    (void)result;
    atomic_fetch_add(&bnd->runs[(intptr_t)arg], 1);
    return 0;
}

static void *bounded_submitter(void *p) {
    int from = (int)(intptr_t)p;
    for (int i = 0; i < bnd->attempts; i++) {
        int item = from * bnd->attempts + i;
        int rc = ctexec_submit(bnd->ex, count_run, (void *)(intptr_t)item, NULL);
        if (rc == CTEXEC_OK)
            atomic_fetch_add(&bnd->accepted, 1);
        else if (rc == CTEXEC_EAGAIN)
            atomic_fetch_add(&bnd->again, 1);
        else
            FAIL("submit returned %d (%s)", rc, ctexec_strerror(rc));
        if ((i & 255) == 0) sched_yield();
    }
    if (atomic_fetch_add(&bnd->finished, 1) == SUBMITTERS - 1) OK(ctexec_future_set_result(bnd->done, NULL));
    return NULL;
}

/* Samples the queue length from another thread while the run goes on. */
static void *queue_sampler(void *p) {
    (void)p;
    while (!atomic_load(&bnd->stop_sampling)) {
        ctexec_stats_t st = stats_of(bnd->ex);
        if (st.queued > atomic_load(&bnd->max_seen)) atomic_store(&bnd->max_seen, st.queued);
    }
    return NULL;
}

static void bounded_run(int when_full, int attempts) {
    struct bounded b;
    memset(&b, 0, sizeof b);
    bnd = &b;
    b.attempts = attempts;
    b.runs = calloc((size_t)SUBMITTERS * attempts, sizeof *b.runs);
    b.ex = bounded_new(NULL, BOUND, when_full);
    OK(ctexec_future_new(&b.done));
    pthread_t t[SUBMITTERS], sampler;
    pthread_create(&sampler, NULL, queue_sampler, NULL);
    for (int i = 0; i < SUBMITTERS; i++) pthread_create(&t[i], NULL, bounded_submitter, (void *)(intptr_t)i);
    OK(ctexec_run_until(b.ex, b.done));
    for (int i = 0; i < SUBMITTERS; i++) pthread_join(t[i], NULL);
    atomic_store(&b.stop_sampling, 1);
    pthread_join(sampler, NULL);
    long total = (long)SUBMITTERS * attempts, ran = 0;
    for (long i = 0; i < total; i++) {
        int n = atomic_load(&b.runs[i]);
        if (n > 1) FAIL("item %ld ran %d times", i, n);
        ran += n;
    }
    CHECK(ran == b.accepted);
    CHECK(b.accepted + b.again == total);
    ctexec_stats_t st = stats_of(b.ex);
    if (b.max_seen > BOUND || st.high_water > BOUND)
        FAIL("queue above its bound: sampled %lu, high water %llu", (unsigned long)b.max_seen,
             (unsigned long long)st.high_water);
    CHECK(st.submitted == (uint64_t)b.accepted && st.run == (uint64_t)b.accepted);
    CHECK(st.rejected == (uint64_t)b.again && st.queued == 0);
    if (when_full == CTEXEC_FULL_BLOCK) CHECK(b.again == 0 && st.high_water == BOUND);
    printf("  %s: %ld accepted, %ld EAGAIN, sampled queue max %lu, high water %llu\n",
           when_full == CTEXEC_FULL_BLOCK ? "block" : "fail", (long)b.accepted, (long)b.again,
           (unsigned long)b.max_seen, (unsigned long long)st.high_water);
    OK(ctexec_future_free(b.done));
    OK(ctexec_free(b.ex));
    free(b.runs);
}

static void bound_block_8_submitters(void) { bounded_run(CTEXEC_FULL_BLOCK, 20000); }

static void bound_fail_8_submitters(void) { bounded_run(CTEXEC_FULL_FAIL, 20000); }

/* A submitter blocked on a full queue, and how it is let go. */
struct blocked {
    ctexec *ex;
    int rc;
    ctexec_future f;
    atomic_int started, returned;
};

static void *blocked_submit(void *p) {
    struct blocked *b = p;
    atomic_store(&b->started, 1);
    b->rc = ctexec_submit(b->ex, nop, NULL, &b->f);
    atomic_store(&b->returned, 1);
    return NULL;
}


/* Starts a submitter that finds b->ex full, and checks that it blocks. */
static pthread_t start_blocked(struct blocked *b) {
    pthread_t t;
    pthread_create(&t, NULL, blocked_submit, b);
    while (!atomic_load(&b->started)) sched_yield();
    sleep_ns(30 * MS);
    CHECK(!atomic_load(&b->returned));
    return t;
}

static void blocked_submit_released_by_free(void) {
    struct blocked b;
    memset(&b, 0, sizeof b);
    b.ex = bounded_new(NULL, 1, CTEXEC_FULL_BLOCK);
    ctexec_future first;
    OK(submit_on_thread(b.ex, nop, NULL, &first, -1, NULL)); /* full now */
    pthread_t t = start_blocked(&b);
    OK(ctexec_free(b.ex));
    pthread_join(t, NULL);
    EXPECT_RC(b.rc, CTEXEC_ECANCELLED);
    EXPECT_RC(ctexec_future_wait(first, 0, NULL), CTEXEC_ECANCELLED); /* discarded */
    OK(ctexec_future_free(first));
}

static void blocked_submit_released_by_quit(void) {
    /* With an old executor: the released item goes down the chain. */
    ctexec *old;
    OK(ctexec_new(NULL, &old));
    struct blocked b;
    memset(&b, 0, sizeof b);
    b.ex = bounded_new(old, 1, CTEXEC_FULL_BLOCK);
    ctexec_future first;
    OK(submit_on_thread(b.ex, nop, NULL, &first, -1, NULL)); /* full now */
    pthread_t t = start_blocked(&b);
    ctexec_future done;
    OK(ctexec_future_new(&done));
    OK(ctexec_future_set_result(done, NULL));
    OK(ctexec_run_until(b.ex, done)); /* quits at once, runs the first item */
    pthread_join(t, NULL);
    OK(b.rc);
    OK(ctexec_future_wait(first, 0, NULL));
    CHECK(ctexec_future_done(b.f) == 0); /* went to old, which has not run */
    ctexec_stats_t st = stats_of(b.ex);
    CHECK(st.submitted == 1 && st.run == 1);
    uint64_t ran = 0;
    EXPECT_RC(ctexec_run_ready(old, 0, -1, &ran), 0);
    CHECK(ran == 1);
    OK(ctexec_future_wait(b.f, 0, NULL));
    OK(ctexec_future_free(b.f));
    OK(ctexec_future_free(first));
    OK(ctexec_free(b.ex));
    OK(ctexec_free(old));
    OK(ctexec_future_free(done));

    /* Without one: EQUIT. */
    memset(&b, 0, sizeof b);
    b.ex = bounded_new(NULL, 1, CTEXEC_FULL_BLOCK);
    OK(submit_on_thread(b.ex, nop, NULL, &first, -1, NULL));
    t = start_blocked(&b);
    OK(ctexec_future_new(&done));
    OK(ctexec_future_set_result(done, NULL));
    OK(ctexec_run_until(b.ex, done));
    pthread_join(t, NULL);
    EXPECT_RC(b.rc, CTEXEC_EQUIT);
    OK(ctexec_future_free(first));
    OK(ctexec_future_free(done));
    OK(ctexec_free(b.ex));
}

static int timed(ctexec *ex, int64_t timeout, int64_t *took) {
    return submit_on_thread(ex, nop, NULL, NULL, timeout, took);
}

static void submit_timeout_bounds_the_wait(void) {
    ctexec *ex = bounded_new(NULL, 2, CTEXEC_FULL_BLOCK);
    OK(timed(ex, 0, NULL));
    OK(timed(ex, -1, NULL));
    int64_t took;
    EXPECT_RC(timed(ex, 0, &took), CTEXEC_ETIMEDOUT);
    CHECK(took < 20 * MS);
    EXPECT_RC(timed(ex, 50 * MS, &took), CTEXEC_ETIMEDOUT);
    if (took < 50 * MS) FAIL("gave up after %lld ns, before its 50 ms", (long long)took);
    ctexec_stats_t st = stats_of(ex);
    CHECK(st.submitted == 2 && st.rejected == 2 && st.queued == 2);
    uint64_t ran;
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 0);
    CHECK(ran == 2);
    OK(timed(ex, 0, NULL)); /* room again */
    OK(ctexec_free(ex));
    /* FULL_FAIL: EAGAIN whatever the timeout. */
    ex = bounded_new(NULL, 1, CTEXEC_FULL_FAIL);
    OK(timed(ex, -1, NULL));
    EXPECT_RC(timed(ex, -1, NULL), CTEXEC_EAGAIN);
    EXPECT_RC(timed(ex, 50 * MS, &took), CTEXEC_EAGAIN);
    CHECK(took < 40 * MS);
    OK(ctexec_free(ex));
    /* Unbounded: submit_timeout is submit. */
    OK(ctexec_new(NULL, &ex));
    for (int i = 0; i < 5; i++) OK(timed(ex, 0, NULL));
    OK(ctexec_free(ex));
}

/* ---- statistics ------------------------------------------------------------ */

#define MIXED 1000000

struct mixed {
    ctexec *ex;
    ctexec_future done;
    long fire, with_future, cancelled;
};

static void *mixed_submitter(void *p) {
    struct mixed *m = p;
    for (long i = 0; i < MIXED; i++) {
        ctexec_future f;
        switch (i % 4) {
        case 0:
        case 1:
            OK(ctexec_submit(m->ex, nop, NULL, NULL));
            m->fire++;
            break;
        case 2:
            OK(ctexec_submit(m->ex, nop, NULL, &f));
            m->with_future++;
            OK(ctexec_future_free(f));
            break;
        case 3: {
            OK(ctexec_submit(m->ex, nop, NULL, &f));
            int rc = ctexec_future_cancel(f);
            if (rc == CTEXEC_OK)
                m->cancelled++;
            else if (rc == CTEXEC_ESTATE)
                m->with_future++; /* started first */
            else
                FAIL("cancel returned %d", rc);
            OK(ctexec_future_free(f));
            break;
        }
        }
    }
    OK(ctexec_future_set_result(m->done, NULL));
    return NULL;
}

static void stats_exact_after_1m_mixed(void) {
    ctexec_stats_t before;
    memset(&before, 0, sizeof before);
    before.size = sizeof before;
    OK(ctexec_stats(NULL, &before));
    struct mixed m;
    memset(&m, 0, sizeof m);
    m.ex = new_with(NULL, CTEXEC_OPT_STATS, 0, CTEXEC_FULL_BLOCK, 0, NULL);
    OK(ctexec_future_new(&m.done));
    pthread_t t;
    pthread_create(&t, NULL, mixed_submitter, &m);
    OK(ctexec_run_until(m.ex, m.done));
    pthread_join(t, NULL);
    ctexec_stats_t st = stats_of(m.ex);
    printf("  submitted %llu run %llu cancelled %llu samples %llu p50 %lld p99 %lld max %lld ns busy %lld idle %lld ns\n",
           (unsigned long long)st.submitted, (unsigned long long)st.run, (unsigned long long)st.cancelled,
           (unsigned long long)st.wait_samples, (long long)st.wait_p50_ns, (long long)st.wait_p99_ns,
           (long long)st.wait_max_ns, (long long)st.busy_ns, (long long)st.idle_ns);
    CHECK(st.submitted == MIXED);
    CHECK(st.cancelled == (uint64_t)m.cancelled);
    CHECK(st.run == (uint64_t)(m.fire + m.with_future));
    CHECK(st.queued == 0 && st.rejected == 0 && st.discarded == 0);
    CHECK(st.wait_samples >= MIXED / 128 / 2 && st.wait_samples <= MIXED);
    CHECK(st.wait_p50_ns <= st.wait_p99_ns && st.wait_p99_ns <= st.wait_max_ns && st.wait_max_ns > 0);
    CHECK(st.busy_ns > 0);
    OK(ctexec_future_free(m.done));
    /* Discarded items show in the process totals once the executor is
     * freed. */
    ctexec *ex = new_with(NULL, CTEXEC_OPT_STATS, 0, CTEXEC_FULL_BLOCK, 0, NULL);
    for (int i = 0; i < 3; i++) submit_nop(ex);
    OK(ctexec_free(ex));
    OK(ctexec_free(m.ex));
    ctexec_stats_t after;
    memset(&after, 0, sizeof after);
    after.size = sizeof after;
    OK(ctexec_stats(NULL, &after));
    CHECK(after.discarded - before.discarded == 3);
    CHECK(after.submitted - before.submitted == MIXED + 3);
    CHECK(after.cancelled - before.cancelled == (uint64_t)m.cancelled);
    CHECK(after.run - before.run == (uint64_t)(m.fire + m.with_future));
}

struct one_submit {
    ctexec *ex;
    atomic_int go, done;
};

static void *submit_on_go(void *p) {
    struct one_submit *s = p;
    for (;;) {
        int g;
        while ((g = atomic_load(&s->go)) == 0) sched_yield();
        if (g < 0) return NULL;
        OK(ctexec_submit(s->ex, nop, NULL, NULL));
        atomic_store(&s->go, 0);
        atomic_fetch_add(&s->done, 1);
    }
}

/* Each item waits a known time (the owner sleeps before it takes the
 * queue), and the percentiles land in the buckets of that time. */
static void stats_latency_buckets(void) {
    struct one_submit s;
    memset(&s, 0, sizeof s);
    s.ex = new_with(NULL, CTEXEC_OPT_STATS, 0, CTEXEC_FULL_BLOCK, 0, NULL);
    pthread_t t;
    pthread_create(&t, NULL, submit_on_go, &s);
    const int64_t delay = 20 * MS;
    for (int i = 0; i < 10; i++) {
        int before = atomic_load(&s.done);
        atomic_store(&s.go, 1);
        while (atomic_load(&s.done) == before) sched_yield();
        sleep_ns(delay);
        uint64_t ran;
        EXPECT_RC(ctexec_run_ready(s.ex, 0, -1, &ran), 0);
        CHECK(ran == 1);
    }
    atomic_store(&s.go, -1);
    pthread_join(t, NULL);
    ctexec_stats_t st = stats_of(s.ex);
    printf("  samples %llu p50 %lld p99 %lld max %lld ns\n", (unsigned long long)st.wait_samples,
           (long long)st.wait_p50_ns, (long long)st.wait_p99_ns, (long long)st.wait_max_ns);
    CHECK(st.wait_samples == 10); /* the first item after each take is sampled */
    /* Every sample is at least the delay; a bucket's top is at most 25%
     * above its values, and scheduling may add a few ms. */
    if (st.wait_p50_ns < delay || st.wait_p50_ns > delay * 5 / 4 + 10 * MS)
        FAIL("p50 %lld ns for waits of %lld ns", (long long)st.wait_p50_ns, (long long)delay);
    CHECK(st.wait_p99_ns >= st.wait_p50_ns && st.wait_max_ns >= st.wait_p99_ns);
    CHECK(st.wait_max_ns < 2 * delay + 100 * MS);
    OK(ctexec_free(s.ex));
}

static int busy_item(void *arg, void **result) {
    (void)result;
    int64_t end = now_ns() + (int64_t)(intptr_t)arg;
    while (now_ns() < end)
        ;
    return 0;
}

struct late {
    ctexec *ex;
    ctexec_future done;
};

static void *submit_late(void *p) {
    struct late *l = p;
    sleep_ns(60 * MS);
    OK(ctexec_submit(l->ex, busy_item, (void *)(intptr_t)(60 * MS), NULL));
    OK(ctexec_future_set_result(l->done, NULL));
    return NULL;
}

static void stats_busy_and_idle(void) {
    struct late l;
    l.ex = new_with(NULL, CTEXEC_OPT_STATS, 0, CTEXEC_FULL_BLOCK, 0, NULL);
    OK(ctexec_future_new(&l.done));
    pthread_t t;
    pthread_create(&t, NULL, submit_late, &l);
    OK(ctexec_run_until(l.ex, l.done)); /* waits ~60 ms, runs ~60 ms */
    pthread_join(t, NULL);
    ctexec_stats_t st = stats_of(l.ex);
    printf("  busy %lld idle %lld ns\n", (long long)st.busy_ns, (long long)st.idle_ns);
    CHECK(st.busy_ns >= 60 * MS && st.busy_ns < 1000 * MS);
    CHECK(st.idle_ns >= 40 * MS && st.idle_ns < 1000 * MS);
    OK(ctexec_future_free(l.done));
    OK(ctexec_free(l.ex));
}

static void stats_off_counts_queue_only(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    submit_nop(ex);
    ctexec_stats_t st = stats_of(ex);
    CHECK(st.flags == 0 && st.queued == 1 && st.submitted == 0 && st.run == 0);
    OK(ctexec_free(ex));
}

/* ---- the stall watchdog ---------------------------------------------------- */

struct stall_log {
    atomic_int calls;
    atomic_llong age;
    pthread_t owner, submitter;
    atomic_int on_owner_or_submitter;
    atomic_int free_rc;
    int try_free;
};

static void on_stall(ctexec *ex, int64_t age, void *ud) {
    struct stall_log *l = ud;
    if (pthread_equal(pthread_self(), l->owner) || pthread_equal(pthread_self(), l->submitter))
        atomic_store(&l->on_owner_or_submitter, 1);
    atomic_store(&l->age, age);
    if (l->try_free) atomic_store(&l->free_rc, ctexec_free(ex));
    atomic_fetch_add(&l->calls, 1);
}

static int sleep_item(void *arg, void **result) {
    (void)result;
    sleep_ns((int64_t)(intptr_t)arg);
    return 0;
}

static void submit_sleeper(ctexec *ex, int64_t ns) {
    OK(submit_on_thread(ex, sleep_item, (void *)(intptr_t)ns, NULL, -1, NULL));
}

struct stall_run {
    ctexec *ex;
    ctexec_future done;
    struct stall_log *log;
    int rounds;
};

static void *stall_submitter(void *p) {
    struct stall_run *r = p;
    r->log->submitter = pthread_self();
    for (int i = 0; i < r->rounds; i++) {
        ctexec_future a, b;
        OK(ctexec_submit(r->ex, sleep_item, (void *)(intptr_t)(300 * MS), &a));
        OK(ctexec_submit(r->ex, nop, NULL, &b)); /* queued behind the sleeper */
        OK(ctexec_future_wait(b, -1, NULL));
        OK(ctexec_future_free(a));
        OK(ctexec_future_free(b));
    }
    OK(ctexec_future_set_result(r->done, NULL));
    return NULL;
}

static ctexec *stall_new(struct stall_log *l, int64_t stall_ns) {
    return new_with(NULL, 0, 0, CTEXEC_FULL_BLOCK, stall_ns, l);
}

static void stall_rounds(struct stall_log *l, int rounds) {
    struct stall_run r = {stall_new(l, 100 * MS), 0, l, rounds};
    l->owner = pthread_self();
    OK(ctexec_future_new(&r.done));
    pthread_t t;
    pthread_create(&t, NULL, stall_submitter, &r);
    OK(ctexec_run_until(r.ex, r.done));
    pthread_join(t, NULL);
    sleep_ns(150 * MS); /* nothing is queued now: no more calls */
    OK(ctexec_future_free(r.done));
    OK(ctexec_free(r.ex));
}

static void watchdog_one_call_per_stall(void) {
    struct stall_log l;
    memset(&l, 0, sizeof l);
    stall_rounds(&l, 1);
    printf("  calls %d, age %lld ns\n", atomic_load(&l.calls), (long long)atomic_load(&l.age));
    CHECK(atomic_load(&l.calls) == 1);
    /* At least the stall; at most the item's 300 ms plus a loaded
     * machine's scheduling delays. */
    CHECK(atomic_load(&l.age) >= 100 * MS && atomic_load(&l.age) < 1000 * MS);
    CHECK(!atomic_load(&l.on_owner_or_submitter));
}

static void watchdog_again_after_catch_up(void) {
    struct stall_log l;
    memset(&l, 0, sizeof l);
    stall_rounds(&l, 3);
    CHECK(atomic_load(&l.calls) == 3);
}

static void watchdog_quiet_without_backlog(void) {
    /* A slow item with nothing queued behind it is not a stall. */
    struct stall_log l;
    memset(&l, 0, sizeof l);
    ctexec *ex = stall_new(&l, 50 * MS);
    OK(timed(ex, -1, NULL));
    /* That was nop; now a 250 ms item alone. */
    uint64_t ran;
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 0);
    CHECK(ran == 1);
    EXPECT_RC(ctexec_submit_timeout(ex, nop, NULL, NULL, 0), CTEXEC_ESAMETHREAD);
    submit_sleeper(ex, 250 * MS);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, &ran), 0); /* 250 ms, nothing behind */
    CHECK(ran == 1);
    sleep_ns(150 * MS);
    CHECK(atomic_load(&l.calls) == 0);
    OK(ctexec_free(ex));
}

static void watchdog_free_inside_callback_is_ebusy(void) {
    struct stall_log l;
    memset(&l, 0, sizeof l);
    l.try_free = 1;
    stall_rounds(&l, 1);
    CHECK(atomic_load(&l.calls) == 1);
    EXPECT_RC(atomic_load(&l.free_rc), CTEXEC_EBUSY);
}

static void watchdog_never_after_free(void) {
    struct stall_log l;
    memset(&l, 0, sizeof l);
    ctexec *ex = stall_new(&l, 10 * MS);
    for (int i = 0; i < 3; i++) submit_nop(ex);
    while (atomic_load(&l.calls) == 0) sleep_ns(1 * MS); /* stalled: nobody runs it */
    OK(ctexec_free(ex));
    int calls = atomic_load(&l.calls);
    sleep_ns(100 * MS);
    CHECK(atomic_load(&l.calls) == calls && calls == 1);
}

static const check_case cases[] = {
    {"options_checked", options_checked},
    {"stats_checked", stats_checked},
    {"bound_block_8_submitters", bound_block_8_submitters},
    {"bound_fail_8_submitters", bound_fail_8_submitters},
    {"blocked_submit_released_by_free", blocked_submit_released_by_free},
    {"blocked_submit_released_by_quit", blocked_submit_released_by_quit},
    {"submit_timeout_bounds_the_wait", submit_timeout_bounds_the_wait},
    {"stats_exact_after_1m_mixed", stats_exact_after_1m_mixed},
    {"stats_latency_buckets", stats_latency_buckets},
    {"stats_busy_and_idle", stats_busy_and_idle},
    {"stats_off_counts_queue_only", stats_off_counts_queue_only},
    {"watchdog_one_call_per_stall", watchdog_one_call_per_stall},
    {"watchdog_again_after_catch_up", watchdog_again_after_catch_up},
    {"watchdog_quiet_without_backlog", watchdog_quiet_without_backlog},
    {"watchdog_free_inside_callback_is_ebusy", watchdog_free_inside_callback_is_ebusy},
    {"watchdog_never_after_free", watchdog_never_after_free},
};

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    return run_cases(cases, sizeof cases / sizeof cases[0], argc, argv);
}
