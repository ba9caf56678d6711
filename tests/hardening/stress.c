/* Stress tests of the outcome guarantees.
 *
 *   hard_stress stress [threads] [items_per_thread]
 *       8 submitters x 250k items by default: half fire and forget, half
 *       with futures; of those some are cancelled at once (racing the
 *       owner), some freed before they run, some fail with a host code or
 *       a negative code. Asserts that every callback ran exactly once and on
 *       the owner thread, that every future completed exactly once (done
 *       callbacks count completions) with the outcome its kind implies, that
 *       no wait needed more than 10 s, and that the live counts are back to
 *       where they started.
 *
 *   hard_stress multi_owner [items_per_submitter]
 *       3 owner threads each run their own executor while 4 submitters
 *       spread items over all three (some through ctexec_call): every item
 *       runs exactly once, on the owner of the executor it was submitted
 *       to, never on another.
 *
 *   hard_stress cancel_race [iterations] [max_seconds]
 *       Races ctexec_future_cancel against the owner starting the item:
 *       a gate item holds the owner until the canceller releases it, then
 *       the canceller cancels the next item after a random delay. Exactly
 *       one side must win every time: cancel OK (never ran, ECANCELLED) or
 *       cancel ESTATE (ran once, has its result).
 */
#include "hard.h"

static const int64_t WAIT_NS = 10 * SEC_NS; /* bound on every wait */

static pthread_t owner;
static ctexec *ex;

/* ---- the 2M-item workload --------------------------------------------- */

enum kind { FIRE, FIRE_FAIL, OK_RESULT, HOST_ERROR, CANCEL, FREED, NEGATIVE };

/* The kind of item i of a submitter: half fire and forget. */
static enum kind kind_of(uint64_t i) {
    switch (i % 16) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: return FIRE;
    case 7: return FIRE_FAIL;
    case 8: case 9: case 10: return OK_RESULT;
    case 11: return HOST_ERROR;
    case 12: return CANCEL;
    case 13: return FREED;
    case 14: return NEGATIVE;
    default: return (i / 16) % 2 ? CANCEL : OK_RESULT;
    }
}

static uint64_t total_items;
static atomic_uchar *runs;       /* per item: how often its callback ran */
static atomic_uchar *dones;      /* per item: how often its done callback ran */
static atomic_uchar *cancel_won; /* per item: ctexec_future_cancel returned OK */
static ctexec_future *handles;   /* per item: its future handle, if any */
static atomic_long off_owner, ran_total, bad_done_handle;
static atomic_long cancel_ok, cancel_lost;

static int host_code(uint64_t idx) { return 1 + (int)(idx % 1000); }
static void *result_of(uint64_t idx) { return (void *)(uintptr_t)(idx * 2 + 1); }

static int item_fn(void *arg, void **result) {
    uint64_t idx = (uint64_t)(uintptr_t)arg - 1;
    if (!pthread_equal(pthread_self(), owner)) atomic_fetch_add(&off_owner, 1);
    atomic_fetch_add_explicit(&runs[idx], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&ran_total, 1, memory_order_relaxed);
    switch (kind_of(idx)) {
    case FIRE_FAIL:
    case HOST_ERROR: return host_code(idx);
    case NEGATIVE: *result = result_of(idx); return -(int)(idx % 7) - 1;
    default: *result = result_of(idx); return 0;
    }
}

static void done_fn(ctexec_future f, void *userdata) {
    uint64_t idx = (uint64_t)(uintptr_t)userdata - 1;
    /* The handle is stored before the callback is registered, and the
     * callback is registered after submit returned, so it is known here. */
    if (f == 0 || f != handles[idx]) atomic_fetch_add(&bad_done_handle, 1);
    atomic_fetch_add_explicit(&dones[idx], 1, memory_order_relaxed);
}

struct submitter {
    int id;
    uint64_t per_thread;
    int64_t max_wait_ns;
};

#define BATCH 256

/* Checks the outcome of a waited-for future against its kind. */
static void check_outcome(uint64_t idx, int rc, void *r) {
    switch (kind_of(idx)) {
    case OK_RESULT:
        if (rc != CTEXEC_OK || r != result_of(idx)) FAIL("item %" PRIu64 ": rc %d r %p", idx, rc, r);
        break;
    case HOST_ERROR:
        if (rc != host_code(idx)) FAIL("item %" PRIu64 ": rc %d want %d", idx, rc, host_code(idx));
        break;
    case NEGATIVE:
        if (rc != CTEXEC_EINVAL) FAIL("item %" PRIu64 ": rc %d want EINVAL", idx, rc);
        break;
    case CANCEL:
        if (atomic_load(&cancel_won[idx])) {
            if (rc != CTEXEC_ECANCELLED) FAIL("item %" PRIu64 ": cancel won but rc %d", idx, rc);
            if (atomic_load(&runs[idx]) != 0) FAIL("item %" PRIu64 ": cancelled but ran", idx);
        } else if (rc != CTEXEC_OK || r != result_of(idx)) {
            FAIL("item %" PRIu64 ": cancel lost but rc %d r %p", idx, rc, r);
        }
        break;
    default:
        FAIL("item %" PRIu64 ": unexpected kind waited for", idx);
    }
    if (rc != CTEXEC_ECANCELLED && atomic_load(&runs[idx]) != 1)
        FAIL("item %" PRIu64 ": completed but ran %d times", idx, atomic_load(&runs[idx]));
}

static void *submitter_main(void *arg) {
    struct submitter *s = arg;
    uint64_t base = (uint64_t)s->id * s->per_thread;
    uint64_t waiting[BATCH];
    int nwait = 0;
    /* An idle executor of its own: a thread that owns one takes the
     * deadlock check on every wait (one that owns none never does). */
    ctexec *mine;
    OK(ctexec_new(NULL, &mine));
    for (uint64_t i = 0; i < s->per_thread; i++) {
        uint64_t idx = base + i;
        enum kind k = kind_of(idx);
        void *arg_ = (void *)(uintptr_t)(idx + 1);
        if (k == FIRE || k == FIRE_FAIL) {
            OK(ctexec_submit(ex, item_fn, arg_, NULL));
        } else {
            ctexec_future f = 0;
            OK(ctexec_submit(ex, item_fn, arg_, &f));
            CHECK(f != 0);
            handles[idx] = f;
            OK(ctexec_future_add_done_callback(f, done_fn, arg_));
            if (k == CANCEL) {
                int rc = ctexec_future_cancel(f);
                if (rc == CTEXEC_OK) {
                    atomic_store(&cancel_won[idx], 1);
                    atomic_fetch_add(&cancel_ok, 1);
                } else if (rc == CTEXEC_ESTATE) {
                    atomic_fetch_add(&cancel_lost, 1);
                } else {
                    FAIL("cancel returned %d", rc);
                }
            }
            if (k == FREED) {
                OK(ctexec_future_free(f)); /* before it runs, most of the time */
            } else {
                waiting[nwait++] = idx;
            }
        }
        if (nwait == BATCH || i + 1 == s->per_thread) {
            for (int j = 0; j < nwait; j++) {
                uint64_t w = waiting[j];
                void *r = NULL;
                int64_t t0 = hard_now_ns();
                int rc = ctexec_future_wait(handles[w], WAIT_NS, &r);
                int64_t dt = hard_now_ns() - t0;
                if (dt > s->max_wait_ns) s->max_wait_ns = dt;
                if (rc == CTEXEC_ETIMEDOUT) FAIL("item %" PRIu64 ": waiter hung for 10 s", w);
                if (rc == CTEXEC_EDEADLK) FAIL("item %" PRIu64 ": EDEADLK on a wait that finishes", w);
                /* Done, but only noticed at the bound: a lost wake-up. */
                if (dt > WAIT_NS * 9 / 10) FAIL("item %" PRIu64 ": wait took %.1f s", w, dt / 1e9);
                check_outcome(w, rc, r);
                EXPECT_RC(ctexec_future_done(handles[w]), 1);
                /* A second look reports the same outcome. */
                void *r2 = NULL;
                EXPECT_RC(ctexec_future_wait(handles[w], 0, &r2), rc);
                if (rc == CTEXEC_OK) CHECK(r2 == r);
                OK(ctexec_future_free(handles[w]));
            }
            nwait = 0;
        }
    }
    OK(ctexec_free(mine));
    return NULL;
}

struct finisher {
    pthread_t *threads;
    int n;
    ctexec_future stop;
};

/* Joins the submitters, then lets the owner's run_until return. */
static void *finisher_main(void *arg) {
    struct finisher *fin = arg;
    for (int i = 0; i < fin->n; i++) CHECK(pthread_join(fin->threads[i], NULL) == 0);
    OK(ctexec_future_set_result(fin->stop, NULL));
    return NULL;
}

static int test_stress(int nthreads, uint64_t per_thread) {
    ctexec_counts start = hard_counts();
    total_items = (uint64_t)nthreads * per_thread;
    runs = calloc(total_items, sizeof *runs);
    dones = calloc(total_items, sizeof *dones);
    cancel_won = calloc(total_items, sizeof *cancel_won);
    handles = calloc(total_items, sizeof *handles);
    CHECK(runs && dones && cancel_won && handles);

    owner = pthread_self();
    ctexec_future stop;
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_future_new(&stop));

    pthread_t *threads = calloc((size_t)nthreads, sizeof *threads);
    struct submitter *subs = calloc((size_t)nthreads, sizeof *subs);
    int64_t t0 = hard_now_ns();
    for (int i = 0; i < nthreads; i++) {
        subs[i].id = i;
        subs[i].per_thread = per_thread;
        CHECK(pthread_create(&threads[i], NULL, submitter_main, &subs[i]) == 0);
    }
    struct finisher fin = {threads, nthreads, stop};
    pthread_t fin_thread;
    CHECK(pthread_create(&fin_thread, NULL, finisher_main, &fin) == 0);

    OK(ctexec_run_until(ex, stop));
    int64_t elapsed = hard_now_ns() - t0;
    CHECK(pthread_join(fin_thread, NULL) == 0);

    /* Every item accounted for. */
    uint64_t n_fire = 0, n_future = 0, n_freed = 0, n_cancelled = 0, n_fail = 0;
    for (uint64_t idx = 0; idx < total_items; idx++) {
        enum kind k = kind_of(idx);
        int r = atomic_load(&runs[idx]), d = atomic_load(&dones[idx]);
        int cancelled = k == CANCEL && atomic_load(&cancel_won[idx]);
        if (cancelled) {
            n_cancelled++;
            if (r != 0) FAIL("item %" PRIu64 ": cancelled, yet ran %d times", idx, r);
        } else if (r != 1) {
            FAIL("item %" PRIu64 " (kind %d): ran %d times, want exactly once", idx, (int)k, r);
        }
        if (k == FIRE || k == FIRE_FAIL) {
            n_fire++;
            if (k == FIRE_FAIL) n_fail++;
            if (d != 0) FAIL("item %" PRIu64 ": fire and forget but a done callback ran", idx);
        } else {
            n_future++;
            if (k == FREED) n_freed++;
            if (k == HOST_ERROR || k == NEGATIVE) n_fail++;
            if (d != 1) FAIL("item %" PRIu64 " (kind %d): done callback ran %d times, want once",
                             idx, (int)k, d);
        }
    }
    if (atomic_load(&off_owner) != 0) FAIL("%ld callbacks ran off the owner thread", atomic_load(&off_owner));
    if (atomic_load(&bad_done_handle) != 0)
        FAIL("%ld done callbacks got the wrong handle", atomic_load(&bad_done_handle));
    CHECK((uint64_t)atomic_load(&ran_total) == total_items - n_cancelled);

    int64_t max_wait = 0;
    for (int i = 0; i < nthreads; i++)
        if (subs[i].max_wait_ns > max_wait) max_wait = subs[i].max_wait_ns;

    OK(ctexec_future_free(stop));
    OK(ctexec_free(ex));
    hard_counts_back_to(start);
    printf("stress: %d threads x %" PRIu64 " = %" PRIu64 " items in %.2f s (%.0f items/s)\n",
           nthreads, per_thread, total_items, elapsed / 1e9, total_items / (elapsed / 1e9));
    printf("stress: fire-and-forget %" PRIu64 ", with future %" PRIu64 " (freed before run %" PRIu64
           "), cancelled %" PRIu64 " (cancel lost the race %ld), failing %" PRIu64 "\n",
           n_fire, n_future, n_freed, n_cancelled, atomic_load(&cancel_lost), n_fail);
    printf("stress: every callback ran once on the owner, every future completed once; "
           "longest wait %.1f ms (bound 10 s)\n", max_wait / 1e6);
    free(threads);
    free(subs);
    free(runs);
    free(dones);
    free(cancel_won);
    free(handles);
    return 0;
}

/* ---- cancel against start ---------------------------------------------- */

/* 0 armed, 1 owner inside the gate, 2 released, 3 the owner left it */
static atomic_int gate = 3;
static atomic_long gate_stuck; /* the gate waited 10 s for its release */

static int gate_fn(void *arg, void **result) {
    (void)arg;
    (void)result;
    atomic_store(&gate, 1);
    int64_t deadline = hard_now_ns() + WAIT_NS;
    for (unsigned i = 0; atomic_load(&gate) != 2; i++)
        if ((i & 1023) == 0 && hard_now_ns() > deadline) {
            atomic_fetch_add(&gate_stuck, 1);
            break;
        }
    atomic_store(&gate, 3);
    return 0;
}

struct race_rec {
    atomic_int runs;
    atomic_int dones;
    atomic_int on_owner;
};

static int race_item(void *arg, void **result) {
    struct race_rec *r = arg;
    atomic_fetch_add(&r->runs, 1);
    if (pthread_equal(pthread_self(), owner)) atomic_fetch_add(&r->on_owner, 1);
    *result = r;
    return 0;
}

static void race_done(ctexec_future f, void *userdata) {
    (void)f;
    struct race_rec *r = userdata;
    atomic_fetch_add(&r->dones, 1);
}

static void spin(int n) {
    for (volatile int i = 0; i < n; i++) {
    }
}

struct race {
    int iterations;     /* at most; the time budget may end it earlier */
    int64_t budget_ns;
    int done;           /* iterations actually run */
    ctexec_future stop;
    long cancel_won, start_won;
    struct race_rec *recs;
};

static void *canceller_main(void *arg) {
    struct race *rs = arg;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    int64_t end = hard_now_ns() + rs->budget_ns;
    int i;
    for (i = 0; i < rs->iterations; i++) {
        /* Under load (spinning on 2 shared vCPUs) keep the run time bounded,
         * but always do a meaningful number of races. */
        if (i >= 10000 && (i & 1023) == 0 && hard_now_ns() > end) break;
        struct race_rec *rec = &rs->recs[i];
        ctexec_future f;
        int delay = (int)(hard_rand(&seed) % 600) - 100; /* < 0: cancel first */
        /* The previous gate must be left before this one is armed. */
        int64_t deadline = hard_now_ns() + WAIT_NS;
        while (atomic_load(&gate) != 3)
            if (hard_now_ns() > deadline) FAIL("iteration %d: the owner never left the gate", i);
        atomic_store(&gate, 0);
        OK(ctexec_submit(ex, gate_fn, NULL, NULL));
        OK(ctexec_submit(ex, race_item, rec, &f));
        OK(ctexec_future_add_done_callback(f, race_done, rec));
        deadline = hard_now_ns() + WAIT_NS;
        while (atomic_load(&gate) != 1)
            if (hard_now_ns() > deadline) FAIL("iteration %d: the owner never entered the gate", i);
        int rc;
        if (delay < 0) {
            rc = ctexec_future_cancel(f);
            atomic_store(&gate, 2);
        } else {
            atomic_store(&gate, 2);
            spin(delay);
            rc = ctexec_future_cancel(f);
        }
        void *r = NULL;
        int wrc = ctexec_future_wait(f, WAIT_NS, &r);
        if (wrc == CTEXEC_ETIMEDOUT) FAIL("iteration %d: waiter hung", i);
        if (rc == CTEXEC_OK) {
            rs->cancel_won++;
            if (wrc != CTEXEC_ECANCELLED) FAIL("iteration %d: cancel won, wait says %d", i, wrc);
            if (atomic_load(&rec->runs) != 0) FAIL("iteration %d: cancel won but the item ran", i);
        } else if (rc == CTEXEC_ESTATE) {
            rs->start_won++;
            if (wrc != CTEXEC_OK || r != rec) FAIL("iteration %d: start won, wait says %d", i, wrc);
            if (atomic_load(&rec->runs) != 1) FAIL("iteration %d: start won but ran %d times", i,
                                                   atomic_load(&rec->runs));
        } else {
            FAIL("iteration %d: cancel returned %d (%s)", i, rc, ctexec_strerror(rc));
        }
        /* Cancel again: always too late now. */
        EXPECT_RC(ctexec_future_cancel(f), CTEXEC_ESTATE);
        OK(ctexec_future_free(f));
    }
    rs->done = i;
    OK(ctexec_future_set_result(rs->stop, NULL));
    return NULL;
}

static int test_cancel_race(int iterations, double budget_s) {
    ctexec_counts start = hard_counts();
    owner = pthread_self();
    struct race race = {iterations, (int64_t)(budget_s * SEC_NS), 0, 0, 0, 0,
                        calloc((size_t)iterations, sizeof(struct race_rec))};
    CHECK(race.recs);
    OK(ctexec_new(NULL, &ex));
    OK(ctexec_future_new(&race.stop));
    pthread_t t;
    int64_t t0 = hard_now_ns();
    CHECK(pthread_create(&t, NULL, canceller_main, &race) == 0);
    OK(ctexec_run_until(ex, race.stop));
    CHECK(pthread_join(t, NULL) == 0);
    int64_t elapsed = hard_now_ns() - t0;
    CHECK(atomic_load(&gate_stuck) == 0);
    iterations = race.done;
    /* After the owner drained everything: the losers of each race never
     * ran late, and every future completed exactly once. */
    for (int i = 0; i < iterations; i++) {
        struct race_rec *rec = &race.recs[i];
        int r = atomic_load(&rec->runs);
        if (r > 1 || atomic_load(&rec->on_owner) != r) FAIL("iteration %d: ran %d times", i, r);
        if (atomic_load(&rec->dones) != 1) FAIL("iteration %d: done callback ran %d times", i,
                                                 atomic_load(&rec->dones));
    }
    long ran = 0;
    for (int i = 0; i < iterations; i++) ran += atomic_load(&race.recs[i].runs);
    CHECK(ran == race.start_won);
    CHECK(race.cancel_won + race.start_won == iterations);
    OK(ctexec_future_free(race.stop));
    OK(ctexec_free(ex));
    hard_counts_back_to(start);
    printf("cancel_race: %d iterations in %.2f s: cancel won %ld, start won %ld; "
           "exactly one side won every time\n",
           iterations, elapsed / 1e9, race.cancel_won, race.start_won);
    free(race.recs);
    return 0;
}

/* ---- several owners at once ------------------------------------------- */

#define NOWN 3
#define NSUBM 4

static pthread_t owners[NOWN];
static ctexec *mo_ex[NOWN];
static ctexec_future mo_stop[NOWN];
static atomic_long mo_ran[NOWN], mo_wrong;
static atomic_int mo_ready;

static int mo_item(void *arg, void **result) {
    int o = (int)((uintptr_t)arg & 3);
    if (!pthread_equal(pthread_self(), owners[o])) atomic_fetch_add(&mo_wrong, 1);
    atomic_fetch_add(&mo_ran[o], 1);
    *result = arg;
    return 0;
}

static void *mo_owner_main(void *p) {
    int o = (int)(uintptr_t)p;
    owners[o] = pthread_self();
    OK(ctexec_new(NULL, &mo_ex[o]));
    OK(ctexec_future_new(&mo_stop[o]));
    atomic_fetch_add(&mo_ready, 1);
    OK(ctexec_run_until(mo_ex[o], mo_stop[o]));
    return NULL;
}

struct mo_sub {
    int id, per;
    long sent[NOWN];
};

static void *mo_sub_main(void *p) {
    struct mo_sub *s = p;
    uint64_t seed = 77 + (uint64_t)s->id;
    ctexec_future fs[64];
    void *tags[64];
    ctexec *mine; /* idle: its waits and calls take the deadlock check */
    OK(ctexec_new(NULL, &mine));
    int nf = 0;
    for (int i = 0; i < s->per; i++) {
        int o = (int)(hard_rand(&seed) % NOWN);
        void *tag = (void *)(uintptr_t)(((uint64_t)i << 2) | (uint64_t)o);
        if (i % 32 == 1) {
            /* The synchronous round trip, without a future handle. */
            void *r = NULL;
            OK(ctexec_call(mo_ex[o], mo_item, tag, &r));
            CHECK(r == tag);
        } else if (i % 2) {
            OK(ctexec_submit(mo_ex[o], mo_item, tag, NULL));
        } else {
            tags[nf] = tag;
            OK(ctexec_submit(mo_ex[o], mo_item, tag, &fs[nf++]));
        }
        s->sent[o]++;
        if (nf == 64 || i + 1 == s->per) {
            for (int j = 0; j < nf; j++) {
                void *r = NULL;
                int rc = ctexec_future_wait(fs[j], WAIT_NS, &r);
                if (rc == CTEXEC_ETIMEDOUT) FAIL("a waiter hung 10 s");
                if (rc == CTEXEC_EDEADLK) FAIL("EDEADLK on a wait that finishes");
                CHECK(rc == CTEXEC_OK && r == tags[j]);
                OK(ctexec_future_free(fs[j]));
            }
            nf = 0;
        }
    }
    OK(ctexec_free(mine));
    return NULL;
}

static int test_multi_owner(int per) {
    ctexec_counts start = hard_counts();
    pthread_t ot[NOWN], st[NSUBM];
    struct mo_sub subs[NSUBM];
    for (int o = 0; o < NOWN; o++) CHECK(pthread_create(&ot[o], NULL, mo_owner_main, (void *)(uintptr_t)o) == 0);
    while (atomic_load(&mo_ready) != NOWN) hard_sleep_ns(100000);
    int64_t t0 = hard_now_ns();
    for (int i = 0; i < NSUBM; i++) {
        memset(&subs[i], 0, sizeof subs[i]);
        subs[i].id = i;
        subs[i].per = per;
        CHECK(pthread_create(&st[i], NULL, mo_sub_main, &subs[i]) == 0);
    }
    for (int i = 0; i < NSUBM; i++) CHECK(pthread_join(st[i], NULL) == 0);
    for (int o = 0; o < NOWN; o++) OK(ctexec_future_set_result(mo_stop[o], NULL));
    for (int o = 0; o < NOWN; o++) CHECK(pthread_join(ot[o], NULL) == 0);
    double secs = (hard_now_ns() - t0) / 1e9;
    if (atomic_load(&mo_wrong)) FAIL("%ld items ran on another executor's owner", atomic_load(&mo_wrong));
    for (int o = 0; o < NOWN; o++) {
        long sent = 0;
        for (int i = 0; i < NSUBM; i++) sent += subs[i].sent[o];
        if (sent != atomic_load(&mo_ran[o])) FAIL("owner %d: %ld sent, %ld ran", o, sent, atomic_load(&mo_ran[o]));
        OK(ctexec_future_free(mo_stop[o]));
        OK(ctexec_free(mo_ex[o])); /* from the main thread: any thread may free */
    }
    hard_counts_back_to(start);
    printf("multi_owner: %d owners, %d submitters, %d items in %.2f s (%ld / %ld / %ld per owner); "
           "each ran once on its own owner\n", NOWN, NSUBM, NSUBM * per, secs,
           atomic_load(&mo_ran[0]), atomic_load(&mo_ran[1]), atomic_load(&mo_ran[2]));
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: %s stress [threads] [items_per_thread] | multi_owner [items] | cancel_race [iterations] [max_seconds]\n", argv[0]);
        return 2;
    }
    hard_watchdog(150);
    if (strcmp(argv[1], "stress") == 0) {
        int threads = argc > 2 ? atoi(argv[2]) : 8;
        uint64_t per = argc > 3 ? strtoull(argv[3], NULL, 10) : 250000;
        CHECK(threads > 0 && per > 0);
        return test_stress(threads, per);
    }
    if (strcmp(argv[1], "multi_owner") == 0)
        return test_multi_owner(argc > 2 ? atoi(argv[2]) : 100000);
    if (strcmp(argv[1], "cancel_race") == 0)
        return test_cancel_race(argc > 2 ? atoi(argv[2]) : 100000, argc > 3 ? atof(argv[3]) : 20);
    fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
}
