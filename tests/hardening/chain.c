/* Chains and nesting under races.
 *
 *   hard_chain [seconds] [submitters]
 *
 * The owner (main) runs level 0. A driver thread keeps submitting a "nest"
 * item to the deepest running level; the nest callback, on the owner,
 * creates the next executor with the current one as old_executor and runs
 * it until that level's promise completes, so loops nest up to 16 deep on
 * one thread. The driver also completes level promises at random (mostly
 * the deepest, sometimes a middle one, which then quits while the levels
 * inside it still run). Meanwhile submitter threads submit to random
 * levels, including executors that have quit or are quitting under them.
 *
 * Asserts, for every submit: it returned CTEXEC_OK and its callback ran
 * exactly once, on the owner, at a depth no deeper than the level it
 * targeted (forwarding only walks outwards); or it returned CTEXEC_EQUIT.
 * ran + EQUIT == attempted; nothing else is returned, nothing is lost.
 * Executors stay alive until the end (so no submit can see a freed one),
 * then everything is freed and the live counts are back to the start.
 */
#include "hard.h"

#define DEPTH 16
static const int64_t WAIT_NS = 10 * SEC_NS;

static pthread_t owner;

/* Owner-only state: the stack of running levels. */
static int cur_depth;
static ctexec *running_ex[DEPTH + 1];

/* Shared state, under lvl_mu. */
static pthread_mutex_t lvl_mu = PTHREAD_MUTEX_INITIALIZER;
static int deepest;             /* depth of the innermost running level */
static ctexec_future level_p[DEPTH + 1];
static int stopping;
static ctexec **all_ex;         /* every executor created, freed at the end */
static ctexec_future *all_p;    /* every level promise, freed at the end */
static size_t n_all, cap_all;

/* The executor last published for each level; read by submitters. */
static _Atomic(ctexec *) slot[DEPTH + 1];

static atomic_int nest_pending;
static atomic_long nest_ran, levels_created, reached_full_depth;
static atomic_int max_depth;
static atomic_long off_owner;

/* Submitter accounting. */
static atomic_long attempted, submitted_ok, returned_equit, ran, forwarded, deeper_than_target;
static atomic_int submitters_stop;

static void push_level(ctexec *e, ctexec_future p) {
    if (n_all == cap_all) {
        cap_all = cap_all ? cap_all * 2 : 1024;
        all_ex = realloc(all_ex, cap_all * sizeof *all_ex);
        all_p = realloc(all_p, cap_all * sizeof *all_p);
        CHECK(all_ex && all_p);
    }
    all_ex[n_all] = e;
    all_p[n_all] = p;
    n_all++;
}

static int nest_fn(void *arg, void **result) {
    (void)arg;
    (void)result;
    if (!pthread_equal(pthread_self(), owner)) atomic_fetch_add(&off_owner, 1);
    atomic_fetch_add(&nest_ran, 1);
    atomic_store(&nest_pending, 0);
    int k = cur_depth + 1;
    if (k > DEPTH) return 0;
    pthread_mutex_lock(&lvl_mu);
    if (stopping) {
        pthread_mutex_unlock(&lvl_mu);
        return 0;
    }
    ctexec *e;
    ctexec_future p;
    OK(ctexec_new(running_ex[cur_depth], &e));
    OK(ctexec_future_new(&p));
    push_level(e, p);
    level_p[k] = p;
    deepest = k;
    atomic_store(&slot[k], e);
    pthread_mutex_unlock(&lvl_mu);

    atomic_fetch_add(&levels_created, 1);
    if (k > atomic_load(&max_depth)) atomic_store(&max_depth, k);
    if (k == DEPTH) atomic_fetch_add(&reached_full_depth, 1);
    running_ex[k] = e;
    cur_depth = k;
    /* Re-entering the level being run is refused, even from deep inside. */
    EXPECT_RC(ctexec_run_until(running_ex[k - 1], p), CTEXEC_EBUSY);
    OK(ctexec_run_until(e, p));
    cur_depth = k - 1;
    pthread_mutex_lock(&lvl_mu);
    deepest = k - 1;
    pthread_mutex_unlock(&lvl_mu);
    return 0;
}

/* A submitter's item: arg encodes the level it targeted. */
static int item_fn(void *arg, void **result) {
    int target = (int)(uintptr_t)arg;
    if (!pthread_equal(pthread_self(), owner)) atomic_fetch_add(&off_owner, 1);
    atomic_fetch_add(&ran, 1);
    if (cur_depth < target) atomic_fetch_add(&forwarded, 1);
    if (cur_depth > target) atomic_fetch_add(&deeper_than_target, 1);
    *result = arg;
    return 0;
}

/* Waits (bounded) for a submitter's future and checks its result. */
static void finish_future(ctexec_future f, int k) {
    void *r = NULL;
    int64_t t0 = hard_now_ns();
    int wrc = ctexec_future_wait(f, WAIT_NS, &r);
    if (wrc == CTEXEC_ETIMEDOUT) FAIL("a waiter hung 10 s on an item for level %d", k);
    /* Done, but only noticed at the bound: a lost wake-up. */
    if (hard_now_ns() - t0 > WAIT_NS * 9 / 10) FAIL("a wait took %.1f s", (hard_now_ns() - t0) / 1e9);
    if (wrc != CTEXEC_OK || r != (void *)(uintptr_t)k) FAIL("wait returned %d", wrc);
    OK(ctexec_future_free(f));
}

#define PENDING 64

static void *submitter_main(void *arg) {
    uint64_t seed = 0x1234567ULL + (uint64_t)(uintptr_t)arg * 7919;
    ctexec_future pend[PENDING];
    int pend_k[PENDING], npend = 0, next = 0;
    while (!atomic_load(&submitters_stop)) {
        int k = (int)(hard_rand(&seed) % (DEPTH + 1));
        ctexec *e = atomic_load(&slot[k]);
        if (e == NULL) continue;
        int with_future = hard_rand(&seed) % 8 == 0;
        ctexec_future f = 0;
        atomic_fetch_add(&attempted, 1);
        int rc = ctexec_submit(e, item_fn, (void *)(uintptr_t)k, with_future ? &f : NULL);
        if (rc == CTEXEC_EQUIT) {
            atomic_fetch_add(&returned_equit, 1);
            CHECK(f == 0);
            continue;
        }
        if (rc != CTEXEC_OK) FAIL("submit to level %d returned %d (%s)", k, rc, ctexec_strerror(rc));
        atomic_fetch_add(&submitted_ok, 1);
        if (with_future) {
            /* Keep a window of futures in flight; wait for the oldest. */
            if (npend == PENDING) {
                finish_future(pend[next], pend_k[next]);
                npend--;
            }
            pend[next] = f;
            pend_k[next] = k;
            next = (next + 1) % PENDING;
            npend++;
        }
    }
    for (int i = 0; i < PENDING && npend > 0; i++) {
        int j = (next + PENDING - npend) % PENDING;
        finish_future(pend[j], pend_k[j]);
        npend--;
    }
    return NULL;
}

struct driver {
    int64_t seconds_ns;
    ctexec_future stop;
    long nest_submitted, completed_deepest, completed_middle;
    long equit_while_level0_ran; /* EQUITs counted before level 0 quit */
};

static void *driver_main(void *arg) {
    struct driver *d = arg;
    uint64_t seed = 42;
    int64_t end = hard_now_ns() + d->seconds_ns;
    while (hard_now_ns() < end) {
        pthread_mutex_lock(&lvl_mu);
        int dd = deepest;
        ctexec_future deep_p = dd > 0 ? level_p[dd] : 0;
        int mid = dd > 1 ? 1 + (int)(hard_rand(&seed) % (uint64_t)(dd - 1)) : 0;
        ctexec_future mid_p = mid ? level_p[mid] : 0;
        pthread_mutex_unlock(&lvl_mu);
        uint64_t dice = hard_rand(&seed) % 16;
        if (dd < DEPTH && !atomic_load(&nest_pending) && dice < 13) {
            atomic_store(&nest_pending, 1);
            int rc = ctexec_submit(atomic_load(&slot[dd]), nest_fn, NULL, NULL);
            if (rc == CTEXEC_OK) d->nest_submitted++;
            else FAIL("nest submit returned %d", rc);
        } else if (deep_p && dice < 15) {
            int rc = ctexec_future_set_result(deep_p, NULL);
            CHECK(rc == CTEXEC_OK || rc == CTEXEC_ESTATE);
            d->completed_deepest += rc == CTEXEC_OK;
        } else if (mid_p) {
            /* A middle level quits while the levels inside it still run. */
            int rc = ctexec_future_set_result(mid_p, NULL);
            CHECK(rc == CTEXEC_OK || rc == CTEXEC_ESTATE);
            d->completed_middle += rc == CTEXEC_OK;
        }
        hard_sleep_ns((int64_t)(hard_rand(&seed) % 50000));
    }
    /* Stop: no new levels, complete every level promise, then level 0. */
    pthread_mutex_lock(&lvl_mu);
    stopping = 1;
    for (size_t i = 0; i < n_all; i++) {
        int rc = ctexec_future_set_result(all_p[i], NULL);
        CHECK(rc == CTEXEC_OK || rc == CTEXEC_ESTATE);
    }
    pthread_mutex_unlock(&lvl_mu);
    /* Level 0 has not quit yet, so every chain still ends at a live,
     * running executor: no submit may have returned EQUIT so far. */
    d->equit_while_level0_ran = atomic_load(&returned_equit);
    OK(ctexec_future_set_result(d->stop, NULL));
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    int nsub = argc > 2 ? atoi(argv[2]) : 3;
    CHECK(seconds > 0 && nsub > 0);
    hard_watchdog((int)seconds + 60);
    ctexec_counts start = hard_counts();
    owner = pthread_self();

    ctexec *ex0;
    struct driver d = {(int64_t)(seconds * SEC_NS), 0, 0, 0, 0, 0};
    OK(ctexec_new(NULL, &ex0));
    OK(ctexec_future_new(&d.stop));
    running_ex[0] = ex0;
    atomic_store(&slot[0], ex0);

    pthread_t drv, *subs = calloc((size_t)nsub, sizeof *subs);
    CHECK(pthread_create(&drv, NULL, driver_main, &d) == 0);
    for (int i = 0; i < nsub; i++)
        CHECK(pthread_create(&subs[i], NULL, submitter_main, (void *)(uintptr_t)i) == 0);

    OK(ctexec_run_until(ex0, d.stop));
    CHECK(cur_depth == 0);
    CHECK(pthread_join(drv, NULL) == 0);

    /* The whole chain has quit: from now on every submit is EQUIT. Let the
     * submitters see that for a while (bounded) before stopping them. */
    long eq0 = atomic_load(&returned_equit);
    int64_t deadline = hard_now_ns() + WAIT_NS;
    while (atomic_load(&returned_equit) < eq0 + 1000)
        if (hard_now_ns() > deadline) FAIL("submitters made no progress after the last quit");
        else hard_sleep_ns(MS_NS);
    atomic_store(&submitters_stop, 1);
    for (int i = 0; i < nsub; i++) CHECK(pthread_join(subs[i], NULL) == 0);
    long ok_n = atomic_load(&submitted_ok), eq = atomic_load(&returned_equit);
    long att = atomic_load(&attempted), ran_n = atomic_load(&ran);

    printf("chain: %.1f s, %d submitters; levels created %ld, max depth %d, full depth (%d) "
           "reached %ld times; promises completed: deepest %ld, middle %ld\n",
           seconds, nsub, atomic_load(&levels_created), atomic_load(&max_depth), DEPTH,
           atomic_load(&reached_full_depth), d.completed_deepest, d.completed_middle);
    printf("chain: attempted %ld = ran %ld + EQUIT %ld (while level 0 ran: %ld); "
           "forwarded down the chain %ld\n",
           att, ran_n, eq, d.equit_while_level0_ran, atomic_load(&forwarded));

    if (atomic_load(&off_owner)) FAIL("%ld callbacks ran off the owner", atomic_load(&off_owner));
    if (atomic_load(&deeper_than_target))
        FAIL("%ld items ran deeper than the level they targeted", atomic_load(&deeper_than_target));
    if (ran_n != ok_n) FAIL("lost items: %ld submits returned OK but %ld ran", ok_n, ran_n);
    if (ok_n + eq != att) FAIL("ran %ld + EQUIT %ld != attempted %ld", ok_n, eq, att);
    if (atomic_load(&nest_ran) != d.nest_submitted)
        FAIL("nest items: %ld submitted, %ld ran", d.nest_submitted, atomic_load(&nest_ran));
    CHECK(atomic_load(&max_depth) == DEPTH);
    if (d.equit_while_level0_ran != 0)
        FAIL("%ld submits returned EQUIT while level 0 was still running", d.equit_while_level0_ran);
    CHECK(eq > 0);
    CHECK(atomic_load(&forwarded) > 0);

    /* Free everything, innermost first; the counts are back to start. */
    for (size_t i = n_all; i-- > 0;) {
        OK(ctexec_free(all_ex[i]));
        OK(ctexec_future_free(all_p[i]));
    }
    OK(ctexec_free(ex0));
    OK(ctexec_future_free(d.stop));
    hard_counts_back_to(start);
    free(all_ex);
    free(all_p);
    free(subs);
    return 0;
}
