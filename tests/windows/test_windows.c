/* Windows-only cases, built and run under Wine by tests/windows/run: the
 * event HANDLE from ctexec_event_handle (include/ctexec.h, "Embedding in a
 * host event loop"), and what the header promises when ctexec_free meets a
 * thread that waits and when an owner thread exits. Threads are made with
 * CreateThread and told apart by GetCurrentThreadId, as a Win32 host would.
 * `test_windows --list` names the cases; every case ends by checking that
 * ctexec_live_counts is back to where it started. */
#include <windows.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "ctexec.h"

#include "../check.h"

static DWORD owner_tid; /* the main thread, which owns every executor here but one */
static atomic_int ran;

/* A work item: counts itself, and fails the run if it is not on the owner. */
static int count_item(void *arg, void **result) {
    (void)arg;
    (void)result;
    if (GetCurrentThreadId() != owner_tid) FAIL("item ran off the owner thread");
    atomic_fetch_add(&ran, 1);
    return 0;
}

static ctexec *new_ex(void) {
    ctexec *ex;
    OK(ctexec_new(NULL, &ex));
    atomic_store(&ran, 0);
    return ex;
}

static HANDLE start(LPTHREAD_START_ROUTINE fn, void *arg) {
    HANDLE t = CreateThread(NULL, 0, fn, arg, 0, NULL);
    CHECK(t != NULL);
    return t;
}

static void join(HANDLE t) {
    CHECK(WaitForSingleObject(t, 60000) == WAIT_OBJECT_0);
    CloseHandle(t);
}

struct submits {
    ctexec *ex;
    int n, pause_every; /* Sleep(1) after every pause_every items; 0: never */
};

static DWORD WINAPI submit_main(LPVOID p) {
    struct submits *s = p;
    for (int i = 0; i < s->n; i++) {
        OK(ctexec_submit(s->ex, count_item, NULL, NULL));
        if (s->pause_every && i % s->pause_every == 0) Sleep(1);
    }
    return 0;
}

/* Submits n items from another thread and waits for it. */
static void submit_n(ctexec *ex, int n) {
    struct submits s = {ex, n, 0};
    join(start(submit_main, &s));
}

static int signalled(HANDLE h) {
    DWORD w = WaitForSingleObject(h, 0);
    CHECK(w == WAIT_OBJECT_0 || w == WAIT_TIMEOUT);
    return w == WAIT_OBJECT_0;
}

static HANDLE event_of(ctexec *ex) {
    void *h = NULL;
    OK(ctexec_event_handle(ex, &h));
    CHECK(h != NULL);
    return (HANDLE)h;
}

/* ---- the event handle -------------------------------------------------- */

static void test_event_signalled_iff_work_queued(void) {
    ctexec *ex = new_ex();
    HANDLE h = event_of(ex);
    CHECK(!signalled(h));
    submit_n(ex, 3);
    CHECK(signalled(h));
    CHECK(signalled(h)); /* manual reset: a wait does not reset it */
    uint64_t n = 0;
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, &n), 0);
    CHECK(n == 3 && atomic_load(&ran) == 3);
    CHECK(!signalled(h));
    OK(ctexec_free(ex));
}

static void test_event_stays_signalled_when_budget_leaves_work(void) {
    ctexec *ex = new_ex();
    HANDLE h = event_of(ex);
    submit_n(ex, 3);
    EXPECT_RC(ctexec_run_ready(ex, 1, -1, NULL), 1);
    CHECK(signalled(h));
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0);
    CHECK(!signalled(h));
    CHECK(atomic_load(&ran) == 3);
    OK(ctexec_free(ex));
}

static void test_event_made_late_is_signalled_for_queued_work(void) {
    ctexec *ex = new_ex();
    submit_n(ex, 2);
    HANDLE h = event_of(ex);
    CHECK(signalled(h));
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0);
    CHECK(!signalled(h));
    OK(ctexec_free(ex));
}

static void test_run_until_drain_resets_event(void) {
    ctexec *ex = new_ex();
    HANDLE h = event_of(ex);
    submit_n(ex, 5);
    CHECK(signalled(h));
    ctexec_future done;
    OK(ctexec_future_new(&done));
    EXPECT_RC(ctexec_run_until_timeout(ex, done, 0), CTEXEC_ETIMEDOUT);
    CHECK(!signalled(h));
    CHECK(atomic_load(&ran) == 5);
    OK(ctexec_future_free(done));
    OK(ctexec_free(ex));
}

struct handle_query {
    ctexec *ex;
    void *h;
};

static DWORD WINAPI event_handle_main(LPVOID p) {
    struct handle_query *q = p;
    OK(ctexec_event_handle(q->ex, &q->h));
    return 0;
}

static void test_event_handle_same_on_every_call(void) {
    ctexec *ex = new_ex();
    void *h1 = NULL, *h2 = NULL;
    OK(ctexec_event_handle(ex, &h1));
    OK(ctexec_event_handle(ex, &h2));
    CHECK(h1 != NULL && h1 == h2);
    struct handle_query q = {ex, NULL}; /* any thread may ask */
    join(start(event_handle_main, &q));
    CHECK(q.h == h1);
    OK(ctexec_free(ex));
}

static void test_event_handle_bad_input(void) {
    ctexec *ex = new_ex();
    void *h = &h;
    EXPECT_RC(ctexec_event_handle(ex, NULL), CTEXEC_EINVAL);
    EXPECT_RC(ctexec_event_handle(NULL, &h), CTEXEC_EINVAL);
    OK(ctexec_free(ex));
    EXPECT_RC(ctexec_event_handle(ex, &h), CTEXEC_EBADHANDLE);
    CHECK(h == (void *)&h);
}

static void test_fd_is_einval_on_windows(void) {
    ctexec *ex = new_ex();
    int fd = -7;
    EXPECT_RC(ctexec_fd(ex, &fd), CTEXEC_EINVAL);
    CHECK(fd == -7);
    event_of(ex); /* and after the event exists */
    EXPECT_RC(ctexec_fd(ex, &fd), CTEXEC_EINVAL);
    CHECK(fd == -7);
    OK(ctexec_free(ex));
}

/* After ctexec_free the event's handle value is invalid. The value can be
 * reused at once by a handle that another thread of the process (the Go
 * runtime's, Wine's) opens meanwhile, so a valid value is only a failure
 * if it happens three times: a free that never closed the event leaves it
 * valid every time. */
static void test_free_closes_event(void) {
    int closed = 0;
    for (int attempt = 0; attempt < 3 && !closed; attempt++) {
        ctexec *ex = new_ex();
        HANDLE h = event_of(ex);
        DWORD flags;
        CHECK(GetHandleInformation(h, &flags));
        OK(ctexec_free(ex));
        SetLastError(0);
        closed = !GetHandleInformation(h, &flags) && GetLastError() == ERROR_INVALID_HANDLE;
    }
    if (!closed) FAIL("the event's handle was still valid after ctexec_free, three times");
}

/* A host loop sleeping on the event while 4 threads submit in bursts (so
 * that the loop often drains the queue and sleeps): every sleep ends
 * within 10 s, and every item runs once, on the loop thread. */
#define RACE_THREADS 4
#define RACE_ITEMS 5000

static void test_no_lost_wakeup_waiting_on_event(void) {
    ctexec *ex = new_ex();
    HANDLE h = event_of(ex), t[RACE_THREADS];
    struct submits s = {ex, RACE_ITEMS, 10};
    for (int i = 0; i < RACE_THREADS; i++) t[i] = start(submit_main, &s);
    long waits = 0, sleeps = 0;
    while (atomic_load(&ran) < RACE_THREADS * RACE_ITEMS) {
        sleeps += !signalled(h);
        if (WaitForSingleObject(h, 10000) != WAIT_OBJECT_0)
            FAIL("event not signalled for 10 s with %d of %d items run", atomic_load(&ran),
                 RACE_THREADS * RACE_ITEMS);
        waits++;
        int rc = ctexec_run_ready(ex, 50, -1, NULL);
        CHECK(rc == 0 || rc == 1);
    }
    for (int i = 0; i < RACE_THREADS; i++) join(t[i]);
    EXPECT_RC(ctexec_run_ready(ex, 0, -1, NULL), 0);
    CHECK(!signalled(h));
    CHECK(atomic_load(&ran) == RACE_THREADS * RACE_ITEMS);
    printf("%d items, %ld waits on the event, %ld of them asleep\n", RACE_THREADS * RACE_ITEMS,
           waits, sleeps);
    CHECK(sleeps > 0); /* else the loop never slept and this proved nothing */
    OK(ctexec_free(ex));
}

/* ---- ctexec_free meets a waiting thread ---------------------------------- */

static atomic_int waiter_ready;
static atomic_uint done_cb_thread;

static void record_done_thread(ctexec_future f, void *ud) {
    (void)f;
    (void)ud;
    atomic_store(&done_cb_thread, GetCurrentThreadId());
}

struct waiter {
    ctexec *ex;
    int rc;
};

static DWORD WINAPI wait_future_main(LPVOID p) {
    struct waiter *w = p;
    ctexec_future f;
    OK(ctexec_submit(w->ex, count_item, NULL, &f));
    OK(ctexec_future_add_done_callback(f, record_done_thread, NULL));
    atomic_fetch_add(&waiter_ready, 1);
    w->rc = ctexec_future_wait(f, -1, NULL);
    OK(ctexec_future_free(f));
    return 0;
}

static DWORD WINAPI call_main(LPVOID p) {
    struct waiter *w = p;
    atomic_fetch_add(&waiter_ready, 1);
    w->rc = ctexec_call(w->ex, count_item, NULL, NULL);
    return 0;
}

/* Waits (at most 10 s) until the live counts show n items queued. */
static void wait_queued(uint64_t n) {
    for (int i = 0; i < 10000; i++) {
        ctexec_counts c;
        OK(ctexec_live_counts(&c));
        if (c.queued == start_counts.queued + n) return;
        Sleep(1);
    }
    FAIL("%llu items never queued", (unsigned long long)n);
}

/* The header: ctexec_free discards queued items, "their callbacks never
 * run, and their futures complete with CTEXEC_ECANCELLED (done callbacks
 * run on this thread)"; ctexec_call gives CTEXEC_ECANCELLED when "the
 * executor holding the item was freed before it ran". */
static void test_free_while_threads_wait_cancels_their_items(void) {
    ctexec *ex = new_ex();
    atomic_store(&waiter_ready, 0);
    atomic_store(&done_cb_thread, 0);
    struct waiter w1 = {ex, 0}, w2 = {ex, 0};
    HANDLE t1 = start(wait_future_main, &w1), t2 = start(call_main, &w2);
    while (atomic_load(&waiter_ready) < 2) Sleep(1);
    wait_queued(2);
    Sleep(50);
    /* Both are still inside their waits when the executor goes. */
    CHECK(WaitForSingleObject(t1, 0) == WAIT_TIMEOUT);
    CHECK(WaitForSingleObject(t2, 0) == WAIT_TIMEOUT);
    OK(ctexec_free(ex));
    join(t1);
    join(t2);
    EXPECT_RC(w1.rc, CTEXEC_ECANCELLED);
    EXPECT_RC(w2.rc, CTEXEC_ECANCELLED);
    CHECK(atomic_load(&ran) == 0);
    CHECK(atomic_load(&done_cb_thread) == GetCurrentThreadId());
}

/* The header: ctexec_free is CTEXEC_EBUSY while ex is running, and ex
 * still works afterwards. Here the owner sleeps in ctexec_run_until. */
struct freer {
    ctexec *ex;
    ctexec_future done;
    int free_rc;
};

static atomic_int owner_running;

static int mark_running(void *arg, void **result) {
    (void)arg;
    (void)result;
    atomic_store(&owner_running, 1);
    return 0;
}

static int finish(void *arg, void **result) {
    (void)result;
    atomic_fetch_add(&ran, 1);
    return ctexec_future_set_result(((struct freer *)arg)->done, NULL);
}

static DWORD WINAPI freer_main(LPVOID p) {
    struct freer *f = p;
    OK(ctexec_submit(f->ex, mark_running, NULL, NULL));
    while (!atomic_load(&owner_running)) Sleep(1);
    Sleep(50); /* the owner is back asleep in run_until */
    f->free_rc = ctexec_free(f->ex);
    OK(ctexec_call(f->ex, finish, f, NULL)); /* ex still works */
    return 0;
}

static void test_free_while_owner_waits_in_run_until_is_busy(void) {
    ctexec *ex = new_ex();
    struct freer f = {ex, 0, 0};
    atomic_store(&owner_running, 0);
    OK(ctexec_future_new(&f.done));
    HANDLE t = start(freer_main, &f);
    OK(ctexec_run_until(ex, f.done));
    join(t);
    EXPECT_RC(f.free_rc, CTEXEC_EBUSY);
    CHECK(atomic_load(&ran) == 1);
    OK(ctexec_future_free(f.done));
    OK(ctexec_free(ex));
}

/* ---- an owner thread that exits ------------------------------------------ */

static ctexec *orphan;
static DWORD dead_owner;

static DWORD WINAPI make_owner_main(LPVOID p) {
    (void)p;
    dead_owner = GetCurrentThreadId();
    OK(ctexec_new(NULL, &orphan));
    return 0; /* the owner thread exits, leaving its executor behind */
}

struct heir {
    DWORD tid;
    int run_ready_rc, run_until_rc, submit_rc;
    ctexec_future f, done;
};

/* The header: threads get "an id the library gives each thread on its
 * first call and never reuses", so no new thread passes for the dead
 * owner, even one that Windows gave the dead owner's thread id. */
static DWORD WINAPI heir_main(LPVOID p) {
    struct heir *h = p;
    h->tid = GetCurrentThreadId();
    h->run_ready_rc = ctexec_run_ready(orphan, 0, -1, NULL);
    h->run_until_rc = ctexec_run_until_timeout(orphan, h->done, 0);
    h->submit_rc = ctexec_submit(orphan, count_item, NULL, &h->f);
    return 0;
}

static void test_owner_thread_exit(void) {
    atomic_store(&ran, 0);
    join(start(make_owner_main, NULL));
    /* New threads until Windows hands out the dead owner's id again (Wine
     * 8 did after 459 threads here). */
    struct heir h = {0};
    OK(ctexec_future_new(&h.done));
    int tries = 0, reused = 0;
    while (!reused && tries < 3000) {
        if (tries > 0) OK(ctexec_future_free(h.f));
        join(start(heir_main, &h));
        tries++;
        reused = h.tid == dead_owner;
        EXPECT_RC(h.run_ready_rc, CTEXEC_EWRONGTHREAD);
        EXPECT_RC(h.run_until_rc, CTEXEC_EWRONGTHREAD);
        EXPECT_RC(h.submit_rc, CTEXEC_OK); /* not ESAMETHREAD */
    }
    printf("%d threads after the owner exited; %s\n", tries,
           reused ? "the last one got the dead owner's thread id"
                  : "none got the dead owner's thread id (that part is inconclusive)");
    /* Nothing can run the orphan's items; freeing it, from any thread,
     * cancels them. */
    OK(ctexec_free(orphan));
    EXPECT_RC(ctexec_future_wait(h.f, 10 * 1000000000LL, NULL), CTEXEC_ECANCELLED);
    CHECK(atomic_load(&ran) == 0);
    OK(ctexec_future_free(h.f));
    OK(ctexec_future_free(h.done));
}

/* ---- driver ------------------------------------------------------------ */

static const check_case cases[] = {
    {"event_signalled_iff_work_queued", test_event_signalled_iff_work_queued},
    {"event_stays_signalled_when_budget_leaves_work", test_event_stays_signalled_when_budget_leaves_work},
    {"event_made_late_is_signalled_for_queued_work", test_event_made_late_is_signalled_for_queued_work},
    {"run_until_drain_resets_event", test_run_until_drain_resets_event},
    {"event_handle_same_on_every_call", test_event_handle_same_on_every_call},
    {"event_handle_bad_input", test_event_handle_bad_input},
    {"fd_is_einval_on_windows", test_fd_is_einval_on_windows},
    {"free_closes_event", test_free_closes_event},
    {"no_lost_wakeup_waiting_on_event", test_no_lost_wakeup_waiting_on_event},
    {"free_while_threads_wait_cancels_their_items", test_free_while_threads_wait_cancels_their_items},
    {"free_while_owner_waits_in_run_until_is_busy", test_free_while_owner_waits_in_run_until_is_busy},
    {"owner_thread_exit", test_owner_thread_exit},
};

int main(int argc, char **argv) {
    owner_tid = GetCurrentThreadId();
    return run_cases(cases, sizeof cases / sizeof cases[0], argc, argv);
}
