/* Seeded model tester: random operations across real threads through the C
 * ABI, checked against a model of the contract.
 *
 *   model_tester [--seed N] [--ops N] [--seconds S] [--threads K]
 *                [--round R [--repeat N]] [--lenient-quit] [--quiet]
 *
 * Each round, the owner (main) builds a chain of 1..4 executors (ex[i] has
 * ex[i-1] as old_executor), sometimes plus an "orphan" executor chained to
 * the innermost one that is never run, and runs ex[0] until promise P[0].
 * An item queued on ex[L] (a "nest" item) runs ex[L+1] until P[L+1] inside
 * it, so the loops nest on the owner's thread. Each level runs in one of
 * four modes: one ctexec_run_until, ctexec_run_until_timeout loops with a
 * zero or a 50 us timeout, or embedded: the owner calls ctexec_run_ready
 * with random budgets (max_items 0, 1, 1..16 or 1000; max_ns -1, 0,
 * 0..200 us or 10 s) as a host loop would, polling ctexec_fd for at most
 * 1 ms whenever nothing is left, until P[L] is done, and then
 * ctexec_run_until(P[L]), which quits it. K submitter threads then
 * perform random operations: submits with and without futures to any level,
 * cancels, bounded waits, done callbacks, early future frees, completions of
 * the P[L] (directly or from an item on the owner), runs from the wrong
 * thread. Each P[L] has one submitter assigned to complete it, so every run
 * ends; every wait is bounded, so nothing can hang.
 *
 * Options: 5 rounds in 8 build every executor of the chain and
 * the orphan with ctexec_new_with and the same options: CTEXEC_OPT_STATS,
 * and in 4 of the 5 a bound (max_queued 1..64) in CTEXEC_FULL_FAIL or
 * CTEXEC_FULL_BLOCK mode. In BLOCK mode every submit is
 * ctexec_submit_timeout with 0..200 us (a submitter blocked on a queue
 * that only a nested run on the owner drains could otherwise wait on a run
 * that waits on it); unbounded rounds use it in half the rounds (it is
 * then ctexec_submit). A refused submit never runs and creates no future;
 * an item that completes a promise and is refused completes it directly.
 * The options come from a stream of their own, so every other choice of a
 * round is what it was before options.
 *
 * Timers: half the rounds without options are timer rounds, in which a
 * third of the submits are ctexec_submit_with with delay_ns 1..300 us or
 * 5 ms (cancelled late or early like any item). Checked: a timer never
 * runs before its deadline (the clock read before its submit + delay),
 * it runs at most once, and if it never ran its outcome is ECANCELLED
 * (its cancel won, it was on the orphan, or it was not yet due when its
 * executor quit, in which case a later cancel is ESTATE); timers are left
 * out of the FIFO and run_ready snapshot checks (a timer is queued only
 * once due) and of the orphan's queued count; a descriptor readable after
 * a run_ready that returned 0 with no submit since is allowed when a timer
 * is due (ctexec_next_deadline 0: the timer thread raised it), or when a
 * timer of the round was cancelled (the thread raises at its deadline too,
 * but ctexec_next_deadline drops it). A run_ready moves due timers into
 * the queue before its snapshot and at no other moment (not from a nested,
 * refused call either), so a 1 with no submit overlapping the call is a
 * failure in timer rounds too.
 *
 * Checked, each round:
 *   - every accepted item ran exactly once, on the owner, on a level at or
 *     below the one it was submitted to, unless its cancel won or it was
 *     queued on the orphan (then its future reports ECANCELLED);
 *   - every future completed exactly once, with the item's outcome (result,
 *     host code, EINVAL for a negative code, ECANCELLED); done callbacks ran
 *     exactly once; a bounded wait that returned agrees with the outcome;
 *   - cancel: OK means the item never ran, ESTATE means it ran;
 *   - items from one submitter that ran on one executor ran in submit order;
 *   - EQUIT only when every executor of the chain had quit (its run started
 *     and its promise completed); always once every run had returned, and
 *     always once every promise of the chain was seen done while its run
 *     was in progress ("at the moment f completes the executor quits");
 *   - a run returns only once its future is done;
 *   - each promise was completed successfully exactly once;
 *   - each ctexec_run_ready call, against the FIFO snapshot the header
 *     documents: it returns 0 or 1 and writes out_ran; out_ran is at least
 *     the items that ran in it and at most max_items (max_items > 0), 1
 *     (max_ns 0), and at least 1 if an item was queued; it never runs an
 *     item whose submit began after the call's first item started (the
 *     growing tail); an item whose submit had returned before the call
 *     runs in that call when the call returned 0 or its budget did not cut
 *     it short (out_ran below max_items, and the call took less than
 *     max_ns); it returns 0 when its budget did not cut it short and no
 *     submit overlapped it; the descriptor is readable after a 1, and not
 *     readable after a 0 when no submit overlapped the call and the poll;
 *   - ctexec_live_counts is back to its starting values;
 *   - refusals: EAGAIN (FAIL) or ETIMEDOUT (BLOCK, only after the timeout
 *     has passed) only on a bounded chain and never once the chain has
 *     quit; the refused item never ran; at each refusal, every queue of
 *     the chain, sampled from the submitter, is within max_queued (queued
 *     and high_water); the orphan accepted exactly the first max_queued
 *     submits to it (all of them when unbounded);
 *   - ctexec_stats, after an options round and before ctexec_free. An item
 *     submitted to ex[L] lands on the first of ex[L], ex[L-1], ... that has
 *     not quit, so where an item that never ran was queued is unknown, but
 *     one that ran was queued on the level it ran in. Per executor: flags;
 *     run exact (the items, nest items included, that ran in its run);
 *     queued 0 and submitted == run + cancelled on every executor of the
 *     chain (they all quit); on the orphan queued == submitted == its
 *     items (cancelled ones stay queued: a cancel is counted when the
 *     owner skips the item), run == cancelled == 0, rejected == refusals
 *     of submits to it, high_water == max_queued once it refused one;
 *     discarded 0 (process totals only); high_water <= max_queued, and
 *     >= 1 once anything was submitted; wait_samples <= run + cancelled,
 *     and >= 1 when that is not 0 (the first item of each queue chunk is
 *     sampled); p50 <= p99 <= max; busy and idle >= 0. In sum: submitted
 *     == accepted submits (nest and completing items included), run ==
 *     items that ran, cancelled == items of the chain whose cancel won,
 *     rejected == EAGAIN + ETIMEDOUT returns; cancelled also by prefix
 *     (ex[0..j] skipped at least the cancelled items submitted to levels
 *     0..j). The process totals (ctexec_stats(NULL)) grew by the sums,
 *     and their queued by the orphan's items;
 *   - after ctexec_free, the process totals grew by the orphan's items in
 *     discarded and by nothing else (by nothing at all in a round without
 *     options, whose executors report queued alone, the rest 0).
 *
 * The seed fixes every choice of operation (each thread draws from its own
 * stream, derived from the seed, the round and the thread), so a failing
 * seed replays the same operations; the interleaving is up to the threads.
 * --seconds only limits the number of rounds. Rounds are independent, so
 * --round R replays round R alone (--repeat N times, since the failure may
 * need a particular interleaving). On failure the seed, the round and a
 * replay command are printed. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctexec.h"

#define MAXD 4      /* chain depth */
#define MAXSUB 8    /* submitter threads */
#define MAXOPS 400  /* operations per submitter per round */

static uint64_t seed = 1;
static uint64_t ops_budget = 20000;
static double seconds_budget = 5;
static int nsub = 3;
static int quiet;
static int round_no;
static int only_round = -1, repeat = 1;
static int strict_quit = 1;
static pthread_t owner;

static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "model_tester: FAILED (seed %" PRIu64 ", round %d, threads %d): ", seed,
            round_no, nsub);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nreplay: model_tester --seed %" PRIu64 " --threads %d --round %d --repeat 100%s\n",
            seed, nsub, round_no, strict_quit ? "" : " --lenient-quit");
    exit(1);
}

#define CHECK(c) do { if (!(c)) fail("%s:%d: check failed: %s", __FILE__, __LINE__, #c); } while (0)
#define EXPECT(call, want)                                                              \
    do {                                                                                \
        int rc_ = (call);                                                               \
        if (rc_ != (want))                                                              \
            fail("%s:%d: %s = %d (%s), want %d", __FILE__, __LINE__, #call, rc_,        \
                 ctexec_strerror(rc_), (int)(want));                                    \
    } while (0)

/* splitmix64: one stream per (seed, round, thread). */
typedef struct { uint64_t s; } rng;
static uint64_t next64(rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static unsigned below(rng *r, unsigned n) { return (unsigned)(next64(r) % n); }
static rng stream(int round, int thread) {
    rng r = {seed * 0x2545f4914f6cdd1dull + (uint64_t)round * 1000003u + (uint64_t)thread};
    next64(&r);
    return r;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
static double now_s(void) { return now_ns() / 1e9; }

/* A logical clock that orders submits, ctexec_run_ready calls and item
 * starts across threads. */
static atomic_uint_fast64_t clk;
static uint64_t tick(void) { return atomic_fetch_add(&clk, 1) + 1; }
/* Submits begun and returned, to tell whether one overlapped a call. */
static atomic_uint_fast64_t submits_begun, submits_returned;
/* Timers whose cancel won, this round: the timer thread may raise the
 * descriptor at such a timer's deadline, and ctexec_next_deadline no longer
 * reports it (it drops cancelled timers from the top). */
static atomic_uint_fast64_t timers_cancelled;

/* ---- one round's state --------------------------------------------------- */

enum { K_OK, K_HOSTERR, K_NEGATIVE };
#define NO_RC 1000

typedef struct rec {
    int sub, index, level, kind;
    int completes; /* level whose promise this item completes, or -1 */
    int has_future, freed_early, has_cb;
    int rejected; /* the submit got EAGAIN or ETIMEDOUT: it must never run */
    int cancel_rc, wait_rc; /* NO_RC when not done */
    void *wait_result;
    ctexec_future f;
    atomic_int ran;
    atomic_int cbs;
    int ran_level, wrong_thread;
    uint64_t seq;
    uint64_t t_begin, t_end, run_clk; /* tick() before and after the submit, at the start */
    size_t call;                      /* 1 + the ctexec_run_ready call it ran in, or 0 */
    int timer;                        /* submitted with a delay (a timer round) */
    int64_t deadline, ran_ns;         /* now_ns() before the submit + delay; when it ran */
} rec;

/* One ctexec_run_ready call of the round, as the owner made it. */
typedef struct {
    int level, ret;
    uint64_t max_items, ran;
    int64_t max_ns;
    int cut;                   /* its budget may have cut it short */
    uint64_t begin, first_run; /* tick()s: before the call, the first item it started */
    uint64_t ran_here;         /* items (nest items too) that started in it */
    int had_queued;            /* an item was queued when it began (found after the round) */
} ready_call;
static ready_call *calls;
static size_t ncalls, calls_cap;
static size_t cur_call; /* owner only: 1 + the call whose items run now, or 0 */
static uint64_t ready_calls, ready_queued_checks; /* for the summary */
static uint64_t opt_rounds, bounded_rounds, rejects, discards; /* for the summary */
static uint64_t timer_rounds, timers_fired, timers_quit; /* for the summary */

static struct {
    int depth, orphan, ops;
    ctexec *ex[MAXD + 1];
    ctexec_future prom[MAXD];
    int run_mode[MAXD];
    int comp_sub[MAXD], comp_at[MAXD], comp_how[MAXD];
    atomic_int run_started[MAXD], run_done[MAXD], prom_ok[MAXD];
    /* An item ran inside the run of ex[L], and that run is a single
     * ctexec_run_until (mode 0): it is in progress or has returned OK. (A
     * run_until_timeout loop has gaps between calls in which a completed
     * promise rightly leaves the executor running.) */
    atomic_int began[MAXD];
    pthread_barrier_t barrier;
    /* Options round: every executor made by ctexec_new_with with
     * CTEXEC_OPT_STATS and these options. max_queued 0: unbounded. */
    int opts, when_full, use_timeout;
    uint64_t max_queued;
    /* Timer round (rounds without options): a third of the submits are
     * timers, ctexec_submit_with with delay_ns 1..300 us, or 5 ms (those
     * may still be pending when their executor quits: then cancelled). */
    int timers;
    atomic_int rejected, rejected_orphan; /* EAGAIN + ETIMEDOUT returns */
    ctexec_stats_t total0;                /* ctexec_stats(NULL) before the round */
} R;

/* One record per submit: one per operation, plus the promise completions
 * assigned to the submitter that go through an item. */
static rec recs[MAXSUB][MAXOPS + MAXD];
static int nrecs[MAXSUB];
static int cur_level = -1;  /* owner only: level of the innermost run */
static uint64_t run_seq;    /* owner only */
static atomic_uint_fast64_t ops_done;

/* Every item start on the owner: a tick, and which run_ready call it is in. */
static uint64_t item_starts(size_t *call) {
    uint64_t t = tick();
    *call = cur_call;
    if (cur_call) {
        ready_call *c = &calls[cur_call - 1];
        if (c->ran_here++ == 0) c->first_run = t;
    }
    return t;
}

static int item_fn(void *arg, void **result) {
    rec *r = arg;
    if (atomic_fetch_add(&r->ran, 1) != 0) fail("item %d/%d ran twice", r->sub, r->index);
    if (r->timer && (r->ran_ns = now_ns()) < r->deadline)
        fail("timer %d/%d ran %" PRId64 " ns before its deadline", r->sub, r->index, r->deadline - r->ran_ns);
    r->wrong_thread = !pthread_equal(pthread_self(), owner);
    r->ran_level = cur_level;
    r->run_clk = item_starts(&r->call);
    for (int j = 0; j <= cur_level; j++)
        if (R.run_mode[j] == 0 && !atomic_load_explicit(&R.began[j], memory_order_relaxed))
            atomic_store(&R.began[j], 1);
    r->seq = ++run_seq;
    if (r->completes >= 0) {
        int rc = ctexec_future_set_result(R.prom[r->completes], r);
        if (rc == CTEXEC_OK) atomic_fetch_add(&R.prom_ok[r->completes], 1);
        else if (rc != CTEXEC_ESTATE) fail("set_result from an item: %d", rc);
    }
    *result = r;
    switch (r->kind) {
    case K_HOSTERR: return 1 + r->index % 50;
    case K_NEGATIVE: return -1 - r->index % 3;
    default: return 0;
    }
}

static int never_fn(void *arg, void **result) {
    (void)arg, (void)result;
    fail("a rejected callback ran");
    return 0;
}

static void done_cb(ctexec_future f, void *userdata) {
    rec *r = userdata;
    if (f != r->f) fail("done callback got future %" PRIu64 ", want %" PRIu64, f, r->f);
    if (atomic_fetch_add(&r->cbs, 1) != 0) fail("done callback of item %d/%d ran twice", r->sub, r->index);
}

/* One ctexec_run_ready(ex[level]) call with a random budget; checks what
 * needs no records (check_ready_calls does the rest after the round) and
 * returns its result. */
static int ready_once(int level, rng *g, int fd) {
    unsigned a = below(g, 4), b = below(g, 4), n = below(g, 16), ns = below(g, 200000);
    if (ncalls == calls_cap) {
        calls_cap = calls_cap ? 2 * calls_cap : 1024;
        calls = realloc(calls, calls_cap * sizeof *calls);
        CHECK(calls != NULL);
    }
    size_t i = ncalls++, saved = cur_call;
    ready_call *c = &calls[i];
    memset(c, 0, sizeof *c);
    c->level = level;
    c->max_items = a == 0 ? 0 : a == 1 ? 1 : a == 2 ? 1 + n : 1000;
    c->max_ns = b == 0 ? -1 : b == 1 ? 0 : b == 2 ? (int64_t)ns : 10000000000;
    uint64_t ran = UINT64_MAX, returned_before = atomic_load(&submits_returned);
    cur_call = i + 1;
    c->begin = tick();
    int64_t t0 = now_ns();
    int ret = ctexec_run_ready(R.ex[level], c->max_items, c->max_ns, &ran);
    int64_t took = now_ns() - t0;
    cur_call = saved;
    c = &calls[i]; /* a nested level's calls may have moved the array */
    if (ret != 0 && ret != 1) fail("run_ready(ex[%d]) = %d (%s)", level, ret, ctexec_strerror(ret));
    if (ran == UINT64_MAX) fail("run_ready(ex[%d]) returned %d without writing out_ran", level, ret);
    c->ret = ret, c->ran = ran;
    c->cut = (c->max_items && ran >= c->max_items) || (c->max_ns >= 0 && took >= c->max_ns);
    if (ran < c->ran_here) fail("run_ready(ex[%d]): out_ran %" PRIu64 ", but %" PRIu64 " items ran in it",
                                level, ran, c->ran_here);
    if (c->max_items && ran > c->max_items)
        fail("run_ready(ex[%d], max_items %" PRIu64 ") ran %" PRIu64, level, c->max_items, ran);
    if (c->max_ns == 0 && ran > 1) fail("run_ready(ex[%d], max_ns 0) ran %" PRIu64, level, ran);
    /* No submit overlapped the call: what was queued was all it could find. */
    int alone = atomic_load(&submits_begun) == returned_before;
    if (ret == 1 && alone && !c->cut)
        fail("run_ready(ex[%d]) ran its whole snapshot (%" PRIu64 "), nothing was submitted "
             "meanwhile, and it returned 1", level, ran);
    /* After a 1 the descriptor is readable, but maybe not at once: a push
     * makes it readable after it unlocks the queue, so a submit still in
     * progress may have left items that it has not signalled yet. */
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int readable = poll(&p, 1, ret ? 10000 : 1);
    if (ret == 1 && readable != 1)
        fail("run_ready(ex[%d]) returned 1, the descriptor is not readable after 10 s", level);
    /* In a timer round the timer thread raises it when a deadline passes:
     * then a timer is due (ctexec_next_deadline says 0; only this thread,
     * the owner, moves due timers). */
    int64_t due_in = -1;
    if (R.timers && readable == 1) EXPECT(ctexec_next_deadline(R.ex[level], &due_in), CTEXEC_OK);
    if (ret == 0 && readable == 1 && atomic_load(&submits_begun) == returned_before && due_in != 0 &&
        atomic_load(&timers_cancelled) == 0)
        fail("run_ready(ex[%d]) returned 0 and nothing was submitted since, "
             "but the descriptor is readable", level);
    return ret;
}

/* Mode 3: ex[level] embedded in a host loop until P[level] is done, then
 * ctexec_run_until, which quits it at once. A promise completed directly
 * wakes nothing, hence the 1 ms poll in ready_once. */
static int run_embedded(int level) {
    rng g = stream(round_no, MAXSUB + 1 + level);
    int fd;
    EXPECT(ctexec_fd(R.ex[level], &fd), CTEXEC_OK);
    while (ctexec_future_done(R.prom[level]) != 1) ready_once(level, &g, fd);
    return ctexec_run_until(R.ex[level], R.prom[level]);
}

/* Runs ex[level] until P[level] on the owner, as its mode says. */
static void run_level(int level) {
    int saved = cur_level, rc;
    size_t saved_call = cur_call;
    cur_level = level;
    cur_call = 0;
    atomic_store(&R.run_started[level], 1);
    switch (R.run_mode[level]) {
    case 0:
        rc = ctexec_run_until(R.ex[level], R.prom[level]);
        break;
    case 3:
        rc = run_embedded(level);
        break;
    default: {
        int64_t t = R.run_mode[level] == 1 ? 0 : 50000;
        while ((rc = ctexec_run_until_timeout(R.ex[level], R.prom[level], t)) == CTEXEC_ETIMEDOUT) {}
    }
    }
    if (rc != CTEXEC_OK) fail("run_until(ex[%d]) = %d (%s)", level, rc, ctexec_strerror(rc));
    /* "Runs until f completes": f is done by the time the run returns. */
    int done = ctexec_future_done(R.prom[level]);
    if (done != 1) fail("run_until(ex[%d]) returned OK but ctexec_future_done(P[%d]) = %d", level, level, done);
    atomic_store(&R.run_done[level], 1);
    cur_level = saved;
    cur_call = saved_call;
    /* A quit executor refuses a second run. */
    EXPECT(ctexec_run_until_timeout(R.ex[level], R.prom[level], 0), CTEXEC_EQUIT);
}

/* The nest item on ex[L]: checks the owner's errors, then runs ex[L+1]. */
static int nest_fn(void *arg, void **result) {
    int level = (int)(intptr_t)arg;
    size_t call;
    (void)result;
    item_starts(&call);
    if (!pthread_equal(pthread_self(), owner)) fail("nest item off the owner");
    ctexec_future f = 0;
    EXPECT(ctexec_submit(R.ex[level], never_fn, NULL, &f), CTEXEC_ESAMETHREAD);
    CHECK(f == 0);
    EXPECT(ctexec_run_until_timeout(R.ex[level], R.prom[level], 0), CTEXEC_EBUSY);
    EXPECT(ctexec_run_ready(R.ex[level], 0, -1, NULL), CTEXEC_EBUSY);
    EXPECT(ctexec_free(R.ex[level]), CTEXEC_EBUSY);
    run_level(level + 1);
    return 0;
}

/* ---- submitters ------------------------------------------------------------ */

static ctexec_stats_t stats_of(ctexec *ex) {
    ctexec_stats_t st;
    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    EXPECT(ctexec_stats(ex, &st), CTEXEC_OK);
    return st;
}


/* EQUIT from a submit to ex[level] is right only if every executor from
 * level down to 0 has quit: its run started and its promise completed. */
static void check_equit(int level) {
    for (int j = level; j >= 0; j--)
        if (!atomic_load(&R.run_started[j]) || ctexec_future_done(R.prom[j]) != 1)
            fail("submit to ex[%d] got EQUIT but ex[%d] has not quit", level, j);
}

/* Every executor from level down to 0 is inside its single
 * run_until call (an item has run there) or past it, and its promise is
 * done. The contract says it has quit "at the moment f completes", so a
 * submit must then get EQUIT. (The core before 3e3e213 published "done"
 * before it quit the running executors; --lenient-quit skips this check.) */
static int all_seen_quit(int level) {
    for (int j = level; j >= 0; j--)
        if (!atomic_load(&R.began[j]) || ctexec_future_done(R.prom[j]) != 1) return 0;
    return 1;
}

static int all_returned(int level) {
    for (int j = level; j >= 0; j--)
        if (!atomic_load(&R.run_done[j])) return 0;
    return 1;
}

static void complete_promise(int level, int how) {
    int rc;
    switch (how) {
    case 0: rc = ctexec_future_set_result(R.prom[level], NULL); break;
    case 1: rc = ctexec_future_set_error(R.prom[level], 7); break;
    default: rc = ctexec_future_cancel(R.prom[level]); break;
    }
    if (rc == CTEXEC_OK) atomic_fetch_add(&R.prom_ok[level], 1);
    else if (rc != CTEXEC_ESTATE) fail("completing P[%d] (%d): %d", level, how, rc);
}

static void submit_item(int sub, rng *g, int level, int completes) {
    /* Draw every choice first, so the stream does not depend on outcomes. */
    unsigned kind = below(g, 10), fut = below(g, 10), cancel = below(g, 10);
    unsigned cb = below(g, 10), wait = below(g, 10), wait_ns = below(g, 200000);
    unsigned early = below(g, 10);
    /* Only rounds that use ctexec_submit_timeout draw its timeout, so the
     * other rounds' streams are what they were before options. */
    int64_t timeout_ns = R.use_timeout ? (int64_t)below(g, 200001) : 0;
    /* Only timer rounds draw these. */
    unsigned tm = R.timers ? below(g, 3) : 1, td = R.timers ? below(g, 300) : 0;
    rec *r = &recs[sub][nrecs[sub]];
    memset(r, 0, sizeof *r);
    r->sub = sub, r->index = nrecs[sub], r->level = level, r->completes = completes;
    r->kind = completes >= 0 ? K_OK : kind < 7 ? K_OK : kind < 9 ? K_HOSTERR : K_NEGATIVE;
    r->has_future = completes < 0 && fut < 6;
    r->cancel_rc = r->wait_rc = NO_RC;
    int quit_before = level < R.depth && all_returned(level);
    int seen_quit = strict_quit && level < R.depth && all_seen_quit(level);
    atomic_fetch_add(&submits_begun, 1);
    r->t_begin = tick();
    int64_t t0 = now_ns();
    int rc;
    if (tm == 0 && completes < 0) {
        ctexec_submit_opts so = CTEXEC_SUBMIT_OPTS_INIT;
        so.delay_ns = td % 10 == 0 ? 5000000 : (int64_t)(td + 1) * 1000;
        r->timer = 1;
        r->deadline = t0 + so.delay_ns;
        rc = ctexec_submit_with(R.ex[level], &so, item_fn, r, r->has_future ? &r->f : NULL);
    } else {
        rc = R.use_timeout
                 ? ctexec_submit_timeout(R.ex[level], item_fn, r, r->has_future ? &r->f : NULL, timeout_ns)
                 : ctexec_submit(R.ex[level], item_fn, r, r->has_future ? &r->f : NULL);
    }
    int64_t took = now_ns() - t0;
    r->t_end = tick();
    atomic_fetch_add(&submits_returned, 1);
    if (rc == CTEXEC_EAGAIN || rc == CTEXEC_ETIMEDOUT) {
        /* Refused by a full queue: valid only on a bounded chain, EAGAIN in
         * FAIL mode and ETIMEDOUT in BLOCK mode, and never once the chain
         * has quit (that is EQUIT). The item never runs (check_rec) and no
         * future is created. */
        if (R.max_queued == 0) fail("submit to ex[%d] of an unbounded chain = %d (%s)", level, rc, ctexec_strerror(rc));
        if (rc != (R.when_full == CTEXEC_FULL_FAIL ? CTEXEC_EAGAIN : CTEXEC_ETIMEDOUT))
            fail("submit to ex[%d] (when_full %d) = %d (%s)", level, R.when_full, rc, ctexec_strerror(rc));
        if (quit_before || seen_quit) fail("submit to ex[%d] got %d after the whole chain quit, want EQUIT", level, rc);
        if (r->f != 0) fail("submit to ex[%d] = %d but wrote a future", level, rc);
        if (rc == CTEXEC_ETIMEDOUT && took < timeout_ns)
            fail("submit to ex[%d] with a %" PRId64 " ns timeout gave up after %" PRId64 " ns", level,
                 timeout_ns, took);
        /* Sample every queue of the chain (from a submitter, while the
         * owner runs): none is above the bound. */
        for (int l = 0; l < R.depth + R.orphan; l++) {
            ctexec_stats_t st = stats_of(R.ex[l]);
            if (st.queued > R.max_queued || st.high_water > R.max_queued)
                fail("ex[%d]: queued %" PRIu64 ", high_water %" PRIu64 ", above max_queued %" PRIu64, l,
                     st.queued, st.high_water, R.max_queued);
        }
        atomic_fetch_add(&R.rejected, 1);
        if (R.orphan && level == R.depth) atomic_fetch_add(&R.rejected_orphan, 1);
        r->rejected = 1, r->has_future = 0;
        nrecs[sub]++;
        /* Its promise must still complete, or the run never ends. */
        if (completes >= 0) complete_promise(completes, 0);
        return;
    }
    if (rc == CTEXEC_EQUIT) {
        if (level == R.depth) fail("submit to the orphan got EQUIT");
        check_equit(level);
        return;
    }
    if (rc != CTEXEC_OK) fail("submit to ex[%d] = %d (%s)", level, rc, ctexec_strerror(rc));
    if (quit_before) fail("submit to ex[%d] accepted after the whole chain quit", level);
    if (seen_quit) fail("submit to ex[%d] accepted after every promise of the chain was seen done "
                        "while its run was in progress", level);
    nrecs[sub]++;
    if (!r->has_future) return;
    if (cb < 3) {
        r->has_cb = 1;
        EXPECT(ctexec_future_add_done_callback(r->f, done_cb, r), CTEXEC_OK);
    }
    if (cancel < 2) {
        r->cancel_rc = ctexec_future_cancel(r->f);
        if (r->cancel_rc != CTEXEC_OK && r->cancel_rc != CTEXEC_ESTATE) fail("cancel = %d", r->cancel_rc);
        if (r->cancel_rc == CTEXEC_OK && r->timer) atomic_fetch_add(&timers_cancelled, 1);
    }
    if (wait < 3) {
        void *res = NULL;
        int w = ctexec_future_wait(r->f, wait_ns, &res);
        if (w != CTEXEC_ETIMEDOUT) r->wait_rc = w, r->wait_result = res;
    }
    if (early < 2) {
        r->freed_early = 1;
        EXPECT(ctexec_future_free(r->f), CTEXEC_OK);
    }
}

static void *submitter(void *arg) {
    int sub = (int)(intptr_t)arg;
    rng g = stream(round_no, 1 + sub);
    nrecs[sub] = 0;
    if (sub == 0)
        for (int l = 0; l + 1 < R.depth; l++) {
            atomic_fetch_add(&submits_begun, 1);
            EXPECT(ctexec_submit(R.ex[l], nest_fn, (void *)(intptr_t)l, NULL), CTEXEC_OK);
            atomic_fetch_add(&submits_returned, 1);
        }
    pthread_barrier_wait(&R.barrier);
    for (int op = 0; op < R.ops; op++) {
        for (int l = 0; l < R.depth; l++) {
            if (R.comp_sub[l] != sub || R.comp_at[l] != op) continue;
            if (R.comp_how[l] == 3) submit_item(sub, &g, l, l);
            else complete_promise(l, R.comp_how[l]);
        }
        unsigned what = below(&g, 100), level = below(&g, R.depth + R.orphan), x = below(&g, 3);
        if (what < 85) {
            submit_item(sub, &g, level, -1);
        } else if (what < 88) {
            if (level > 0 && level < (unsigned)R.depth) complete_promise(level, x);
        } else if (what < 91) {
            EXPECT(ctexec_run_until_timeout(R.ex[level], R.prom[0], 0), CTEXEC_EWRONGTHREAD);
            EXPECT(ctexec_run_ready(R.ex[level], x, -1, NULL), CTEXEC_EWRONGTHREAD);
        } else if (nrecs[sub] > 0) {
            /* Cancel an earlier item late. */
            rec *r = &recs[sub][x * 7919u % nrecs[sub]];
            if (r->has_future && !r->freed_early && r->cancel_rc == NO_RC) {
                r->cancel_rc = ctexec_future_cancel(r->f);
                if (r->cancel_rc != CTEXEC_OK && r->cancel_rc != CTEXEC_ESTATE)
                    fail("late cancel = %d", r->cancel_rc);
                if (r->cancel_rc == CTEXEC_OK && r->timer) atomic_fetch_add(&timers_cancelled, 1);
            }
        }
        atomic_fetch_add(&ops_done, 1);
    }
    return NULL;
}

/* ---- checks after a round ----------------------------------------------------- */

static void check_rec(rec *r) {
    int orphan = R.orphan && r->level == R.depth;
    int cancelled = r->cancel_rc == CTEXEC_OK;
    int ran = atomic_load(&r->ran);
    char name[64];
    snprintf(name, sizeof name, "item %d/%d (level %d)", r->sub, r->index, r->level);
    if (r->rejected) {
        if (ran) fail("%s: its submit was refused, but it ran", name);
        return;
    }
    /* (A timer's quit may cancel it first: then its outcome is ECANCELLED.) */
    if (r->cancel_rc == CTEXEC_ESTATE && !ran && !r->timer) fail("%s: cancel said ESTATE but it never ran", name);
    /* A timer not yet due when its executor quit is cancelled. */
    if (r->timer) {
        if (ran) timers_fired++;
        else if (!orphan && !cancelled) timers_quit++;
    }
    if (ran != !(orphan || cancelled) && !(r->timer && !ran))
        fail("%s ran %d times (orphan %d, cancelled %d)", name, ran, orphan, cancelled);
    if (ran && r->wrong_thread) fail("%s ran off the owner thread", name);
    if (ran && (r->ran_level < 0 || r->ran_level > r->level))
        fail("%s ran on level %d", name, r->ran_level);
    if (r->has_cb && atomic_load(&r->cbs) != 1) fail("%s: done callback ran %d times", name, atomic_load(&r->cbs));
    if (!r->has_future) return;
    int want = ran ? (r->kind == K_OK ? CTEXEC_OK : r->kind == K_HOSTERR ? 1 + r->index % 50 : CTEXEC_EINVAL)
                   : CTEXEC_ECANCELLED;
    if (r->wait_rc != NO_RC && (r->wait_rc != want || (want == CTEXEC_OK && r->wait_result != r)))
        fail("%s: an earlier wait returned %d, outcome is %d", name, r->wait_rc, want);
    if (r->freed_early) {
        EXPECT(ctexec_future_done(r->f), CTEXEC_EBADHANDLE);
        return;
    }
    void *res = NULL;
    EXPECT(ctexec_future_done(r->f), 1);
    int got = ctexec_future_wait(r->f, 0, &res);
    if (got != want) fail("%s: outcome %d (%s), want %d", name, got, ctexec_strerror(got), want);
    if (want == CTEXEC_OK && res != r) fail("%s: wrong result", name);
    EXPECT(ctexec_future_cancel(r->f), CTEXEC_ESTATE);
    EXPECT(ctexec_future_free(r->f), CTEXEC_OK);
}

/* Items from one submitter that ran on one executor ran in submit order. */
static void check_fifo(int sub) {
    uint64_t last[MAXD];
    memset(last, 0, sizeof last);
    for (int i = 0; i < nrecs[sub]; i++) {
        rec *r = &recs[sub][i];
        if (!atomic_load(&r->ran) || r->timer) continue; /* timers run in deadline order */
        if (r->seq <= last[r->ran_level])
            fail("FIFO: item %d/%d ran on level %d before an earlier item", sub, i, r->ran_level);
        last[r->ran_level] = r->seq;
    }
}

/* The run_ready checks that need the records: r was queued on ex[L] when
 * every call on ex[L] between its submit's return and its start began
 * (calls are in order of their begin ticks). */
static void check_ready_rec(const rec *r, uint64_t *skipped_budget) {
    if (r->cancel_rc == CTEXEC_OK) (*skipped_budget)++;
    if (!atomic_load(&r->ran) || r->timer) return; /* a timer is queued only once due */
    if (r->call) {
        const ready_call *c = &calls[r->call - 1];
        if (r->t_begin >= c->first_run)
            fail("item %d/%d: its submit began after run_ready's first item started, and it ran in that "
                 "call (the growing tail)", r->sub, r->index);
    }
    if (R.run_mode[r->level] != 3) return;
    size_t lo = 0, hi = ncalls;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (calls[mid].begin < r->t_end) lo = mid + 1;
        else hi = mid;
    }
    for (size_t i = lo; i < ncalls && calls[i].begin < r->run_clk; i++) {
        ready_call *c = &calls[i];
        if (c->level != r->level) continue;
        c->had_queued = 1;
        ready_queued_checks++;
        if ((c->ret == 0 || !c->cut) && r->call != i + 1)
            fail("item %d/%d was queued on ex[%d] before a run_ready call that returned %d with "
                 "out_ran %" PRIu64 " (max_items %" PRIu64 ", max_ns %" PRId64 "), but ran later",
                 r->sub, r->index, r->level, c->ret, c->ran, c->max_items, c->max_ns);
    }
}

static void check_ready_calls(void) {
    uint64_t skipped_budget = 0, skipped = 0;
    for (int s = 0; s < nsub; s++)
        for (int i = 0; i < nrecs[s]; i++) check_ready_rec(&recs[s][i], &skipped_budget);
    ready_calls += ncalls;
    for (size_t i = 0; i < ncalls; i++) {
        if (calls[i].had_queued && calls[i].ran == 0)
            fail("run_ready(ex[%d]) ran nothing while an item was queued", calls[i].level);
        skipped += calls[i].ran - calls[i].ran_here;
    }
    /* out_ran counts skipped (cancelled) items; only cancelled ones. */
    if (skipped > skipped_budget)
        fail("run_ready calls counted %" PRIu64 " items that did not run; only %" PRIu64 " were cancelled",
             skipped, skipped_budget);
}

#define STATS_EQ(what, got, want)                                                          \
    do {                                                                                    \
        uint64_t got_ = (got), want_ = (want);                                              \
        if (got_ != want_)                                                                  \
            fail("stats: %s = %" PRIu64 ", want %" PRIu64 " (max_queued %" PRIu64           \
                 ", when_full %d, depth %d, orphan %d)", what, got_, want_, R.max_queued,   \
                 R.when_full, R.depth, R.orphan);                                           \
    } while (0)

/* Accepted items of the round: records whose submit was not refused. */
static uint64_t accepted_recs(void) {
    uint64_t n = 0;
    for (int s = 0; s < nsub; s++)
        for (int i = 0; i < nrecs[s]; i++) n += !recs[s][i].rejected;
    return n;
}

/* After an options round, before ctexec_free: each executor's statistics
 * against the records. An item submitted to ex[L] lands on the first of
 * ex[L], ex[L-1], ... that has not quit, so the tester does not know where
 * an item that never ran was queued; it does know where one that ran was:
 * the level whose run it ran in. Hence run is checked per executor and
 * cancelled and rejected in sum (and cancelled by prefix: an item
 * submitted to ex[L] is never queued above L). Nest items count too: the
 * one on ex[L] is queued there before the runs begin and runs there. */
static void check_stats(ctexec_stats_t *total1) {
    uint64_t ran_at[MAXD] = {0}, cancelled_at[MAXD] = {0}, orphan_items = 0;
    for (int l = 0; l + 1 < R.depth; l++) ran_at[l]++; /* the nest items */
    for (int s = 0; s < nsub; s++)
        for (int i = 0; i < nrecs[s]; i++) {
            rec *r = &recs[s][i];
            if (r->rejected) continue;
            if (R.orphan && r->level == R.depth) orphan_items++;
            else if (atomic_load(&r->ran)) {
                if (r->ran_level >= 0 && r->ran_level < R.depth) ran_at[r->ran_level]++; /* else check_rec fails */
            }
            else if (r->cancel_rc == CTEXEC_OK) cancelled_at[r->level]++;
        }
    /* The orphan is never run, so its queue only grows: it took the first
     * max_queued submits to it and refused the rest. */
    if (R.orphan) {
        uint64_t tries = orphan_items + (uint64_t)atomic_load(&R.rejected_orphan);
        uint64_t want = R.max_queued && tries > R.max_queued ? R.max_queued : tries;
        if (orphan_items != want)
            fail("the orphan (max_queued %" PRIu64 ", when_full %d) accepted %" PRIu64 " of %" PRIu64
                 " submits, want %" PRIu64, R.max_queued, R.when_full, orphan_items, tries, want);
    }
    uint64_t sum_sub = 0, sum_run = 0, sum_can = 0, sum_rej = 0, want_run = 0, want_can = 0;
    uint64_t can_prefix = 0, want_prefix = 0;
    char what[96];
    for (int l = 0; l < R.depth + R.orphan; l++) {
        ctexec_stats_t st = stats_of(R.ex[l]);
        int orphan = l == R.depth;
#define F(field) (snprintf(what, sizeof what, "ex[%d]%s." #field, l, orphan ? " (orphan)" : ""), what)
        STATS_EQ(F(flags), st.flags, CTEXEC_OPT_STATS);
        if (orphan) {
            /* Never run: every item accepted there is still queued
             * (cancelled ones too: a cancel is counted when the owner
             * skips the item), and it took every refusal of a submit
             * to it. */
            STATS_EQ(F(queued), st.queued, orphan_items);
            STATS_EQ(F(submitted), st.submitted, orphan_items);
            STATS_EQ(F(run), st.run, 0);
            STATS_EQ(F(cancelled), st.cancelled, 0);
            STATS_EQ(F(rejected), st.rejected, (uint64_t)atomic_load(&R.rejected_orphan));
        } else {
            /* It quit, and ran or skipped everything queued before. */
            STATS_EQ(F(queued), st.queued, 0);
            STATS_EQ(F(run), st.run, ran_at[l]);
            STATS_EQ(F(submitted), st.submitted, st.run + st.cancelled);
            can_prefix += st.cancelled, want_prefix += cancelled_at[l];
            if (can_prefix < want_prefix)
                fail("stats: ex[0..%d] cancelled %" PRIu64 " items, but %" PRIu64 " cancelled items "
                     "were submitted to them", l, can_prefix, want_prefix);
            want_run += ran_at[l], want_can += cancelled_at[l];
        }
        STATS_EQ(F(discarded), st.discarded, 0); /* process totals only */
        if (st.submitted && !st.high_water) fail("stats: ex[%d]: %" PRIu64 " submitted, high_water 0", l, st.submitted);
        if (orphan && R.max_queued && atomic_load(&R.rejected_orphan))
            STATS_EQ(F(high_water), st.high_water, R.max_queued); /* it was full */
        if (st.run + st.cancelled && !st.wait_samples)
            fail("stats: ex[%d]: %" PRIu64 " items started or skipped, no wait sampled", l, st.run + st.cancelled);
        if (R.max_queued && st.high_water > R.max_queued)
            fail("stats: ex[%d].high_water %" PRIu64 " above max_queued %" PRIu64, l, st.high_water, R.max_queued);
        if (st.high_water > st.submitted)
            fail("stats: ex[%d].high_water %" PRIu64 " above submitted %" PRIu64, l, st.high_water, st.submitted);
        if (st.wait_samples > st.run + st.cancelled)
            fail("stats: ex[%d].wait_samples %" PRIu64 " above run + cancelled %" PRIu64, l, st.wait_samples,
                 st.run + st.cancelled);
        if (st.wait_samples && !(0 <= st.wait_p50_ns && st.wait_p50_ns <= st.wait_p99_ns &&
                                 st.wait_p99_ns <= st.wait_max_ns))
            fail("stats: ex[%d] wait p50 %" PRId64 ", p99 %" PRId64 ", max %" PRId64, l, st.wait_p50_ns,
                 st.wait_p99_ns, st.wait_max_ns);
        if (st.busy_ns < 0 || st.idle_ns < 0) fail("stats: ex[%d] busy %" PRId64 ", idle %" PRId64, l, st.busy_ns, st.idle_ns);
#undef F
        sum_sub += st.submitted, sum_run += st.run, sum_can += st.cancelled, sum_rej += st.rejected;
    }
    STATS_EQ("sum of submitted", sum_sub, accepted_recs() + (R.depth - 1));
    STATS_EQ("sum of run", sum_run, want_run);
    STATS_EQ("sum of cancelled", sum_can, want_can);
    STATS_EQ("sum of rejected", sum_rej, (uint64_t)atomic_load(&R.rejected));
    /* The process totals grew by the same, and the orphan's items are
     * the only live queued ones. */
    *total1 = stats_of(NULL);
    STATS_EQ("total submitted growth", total1->submitted - R.total0.submitted, sum_sub);
    STATS_EQ("total run growth", total1->run - R.total0.run, sum_run);
    STATS_EQ("total cancelled growth", total1->cancelled - R.total0.cancelled, sum_can);
    STATS_EQ("total rejected growth", total1->rejected - R.total0.rejected, sum_rej);
    STATS_EQ("total discarded growth before free", total1->discarded - R.total0.discarded, 0);
    STATS_EQ("total queued", total1->queued, R.total0.queued + orphan_items);
    discards += orphan_items;
}

/* After ctexec_free: the process totals grew by the orphan's items in
 * discarded and by nothing else since total1 (all of them for a round
 * without options). */
/* After a round without options, before ctexec_free: queued is filled
 * (0 on the executors that quit, the orphan's items on the orphan), and
 * everything else is zero. */
static void check_stats_off(void) {
    uint64_t orphan_items = 0;
    if (R.orphan)
        for (int s = 0; s < nsub; s++)
            for (int i = 0; i < nrecs[s]; i++) /* timers are never queued on the orphan: never run, never due */
                orphan_items += recs[s][i].level == R.depth && !recs[s][i].timer;
    for (int l = 0; l < R.depth + R.orphan; l++) {
        ctexec_stats_t st = stats_of(R.ex[l]);
        char what[64];
        snprintf(what, sizeof what, "ex[%d] (no statistics).queued", l);
        STATS_EQ(what, st.queued, l == R.depth ? orphan_items : 0);
        if (st.flags || st.high_water || st.submitted || st.run || st.cancelled || st.discarded || st.rejected ||
            st.wait_samples || st.wait_p50_ns || st.wait_p99_ns || st.wait_max_ns || st.busy_ns || st.idle_ns)
            fail("stats: ex[%d] was made without statistics, but a field other than queued is not 0", l);
    }
}

static void check_totals_after_free(const ctexec_stats_t *total1) {
    ctexec_stats_t t = stats_of(NULL);
    const ctexec_stats_t *b = R.opts ? total1 : &R.total0;
    uint64_t orphan_items = 0;
    if (R.opts && R.orphan)
        for (int s = 0; s < nsub; s++)
            for (int i = 0; i < nrecs[s]; i++)
                orphan_items += !recs[s][i].rejected && recs[s][i].level == R.depth;
    STATS_EQ("total discarded growth", t.discarded - R.total0.discarded, orphan_items);
    STATS_EQ("total submitted after free", t.submitted, b->submitted);
    STATS_EQ("total run after free", t.run, b->run);
    STATS_EQ("total cancelled after free", t.cancelled, b->cancelled);
    STATS_EQ("total rejected after free", t.rejected, b->rejected);
    STATS_EQ("total queued after free", t.queued, R.total0.queued);
}

static void one_round(void) {
    rng g = stream(round_no, 0);
    memset(&R, 0, sizeof R);
    ncalls = 0;
    R.depth = 1 + below(&g, MAXD);
    R.orphan = below(&g, 3) == 0;
    R.ops = 20 + below(&g, MAXOPS - 20);
    /* The options come from a stream of their own, so the other choices
     * of a round are what they were before options: 3/8 of the rounds use
     * ctexec_new, 1/8 statistics alone, 2/8 a bound in FAIL mode, 2/8 a
     * bound in BLOCK mode (submits then use ctexec_submit_timeout with
     * 0..200 us, or a nested run on the owner could wait on a submitter
     * blocked on it). */
    rng go = stream(round_no, MAXSUB + 1 + MAXD);
    unsigned opt = below(&go, 8), bound = 1 + below(&go, 64), timeouts = below(&go, 2);
    ctexec_options o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    if (opt >= 3) {
        R.opts = 1;
        o.flags = CTEXEC_OPT_STATS;
        if (opt >= 4) {
            R.max_queued = o.max_queued = bound;
            R.when_full = o.when_full = opt < 6 ? CTEXEC_FULL_FAIL : CTEXEC_FULL_BLOCK;
        }
        /* Unbounded or FAIL: ctexec_submit_timeout is ctexec_submit. */
        R.use_timeout = R.when_full == CTEXEC_FULL_BLOCK && R.max_queued ? 1 : (int)timeouts;
        opt_rounds++;
        bounded_rounds += R.max_queued != 0;
    } else if (below(&go, 2) == 0) {
        R.timers = 1;
        timer_rounds++;
    }
    atomic_store(&timers_cancelled, 0);
    R.total0 = stats_of(NULL);
    for (int l = 0; l < R.depth; l++) {
        R.run_mode[l] = below(&g, 4);
        R.comp_sub[l] = below(&g, nsub);
        /* P[0] late, so that most submits land before the chain quits. */
        R.comp_at[l] = l ? below(&g, R.ops) : R.ops - 1 - below(&g, R.ops / 4);
        R.comp_how[l] = below(&g, 4);
        if (R.opts) EXPECT(ctexec_new_with(l ? R.ex[l - 1] : NULL, &o, &R.ex[l]), CTEXEC_OK);
        else EXPECT(ctexec_new(l ? R.ex[l - 1] : NULL, &R.ex[l]), CTEXEC_OK);
        EXPECT(ctexec_future_new(&R.prom[l]), CTEXEC_OK);
    }
    if (R.orphan) EXPECT(ctexec_new_with(R.ex[R.depth - 1], R.opts ? &o : NULL, &R.ex[R.depth]), CTEXEC_OK);

    pthread_t th[MAXSUB];
    pthread_barrier_init(&R.barrier, NULL, nsub);
    for (int s = 0; s < nsub; s++)
        CHECK(pthread_create(&th[s], NULL, submitter, (void *)(intptr_t)s) == 0);
    run_level(0);
    for (int s = 0; s < nsub; s++) CHECK(pthread_join(th[s], NULL) == 0);
    pthread_barrier_destroy(&R.barrier);

    ctexec_stats_t total1;
    memset(&total1, 0, sizeof total1);
    if (R.opts) check_stats(&total1);
    else check_stats_off();
    for (int l = R.depth + R.orphan - 1; l >= 0; l--) EXPECT(ctexec_free(R.ex[l]), CTEXEC_OK);
    check_totals_after_free(&total1);
    rejects += atomic_load(&R.rejected);
    for (int l = 0; l < R.depth; l++) {
        if (atomic_load(&R.prom_ok[l]) != 1) fail("P[%d] completed %d times", l, atomic_load(&R.prom_ok[l]));
        EXPECT(ctexec_future_free(R.prom[l]), CTEXEC_OK);
    }
    for (int s = 0; s < nsub; s++) {
        check_fifo(s);
        for (int i = 0; i < nrecs[s]; i++) check_rec(&recs[s][i]);
    }
    check_ready_calls();
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--ops") && i + 1 < argc) ops_budget = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds_budget = atof(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) nsub = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--round") && i + 1 < argc) only_round = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--lenient-quit")) strict_quit = 0;
        else if (!strcmp(argv[i], "--quiet")) quiet = 1;
        else {
            fprintf(stderr, "usage: %s [--seed N] [--ops N] [--seconds S] [--threads K] "
                            "[--round R [--repeat N]] [--lenient-quit] [--quiet]\n", argv[0]);
            return 2;
        }
    }
    if (nsub < 1 || nsub > MAXSUB) nsub = 3;
    owner = pthread_self();
    ctexec_counts start, end;
    EXPECT(ctexec_live_counts(&start), CTEXEC_OK);
    double t0 = now_s();
    uint64_t items = 0;
    int rounds = 0;
    for (int i = 0; only_round >= 0 ? i < repeat : (atomic_load(&ops_done) < ops_budget &&
                                                     now_s() - t0 < seconds_budget); i++) {
        round_no = only_round >= 0 ? only_round : i;
        one_round();
        rounds++;
        items += accepted_recs();
        EXPECT(ctexec_live_counts(&end), CTEXEC_OK);
        if (end.executors != start.executors || end.futures != start.futures || end.queued != start.queued)
            fail("leak: executors %" PRIu64 "->%" PRIu64 ", futures %" PRIu64 "->%" PRIu64
                 ", queued %" PRIu64 "->%" PRIu64,
                 start.executors, end.executors, start.futures, end.futures, start.queued, end.queued);
    }
    free(calls);
    if (!quiet)
        printf("model_tester: seed %" PRIu64 ": %d rounds, %" PRIu64 " ops, %" PRIu64
               " items accepted, %" PRIu64 " run_ready calls (%" PRIu64 " checks of an item queued"
               " before one), %" PRIu64 " rounds with options (%" PRIu64 " bounded: %" PRIu64
               " submits refused; %" PRIu64 " orphan items discarded), %" PRIu64 " timer rounds (%" PRIu64
               " timers fired, %" PRIu64 " cancelled at quit), %.1f s: OK\n",
               seed, rounds, (uint64_t)atomic_load(&ops_done), items, ready_calls, ready_queued_checks,
               opt_rounds, bounded_rounds, rejects, discards, timer_rounds, timers_fired, timers_quit,
               now_s() - t0);
    return 0;
}
