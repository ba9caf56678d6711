/* Waits: the adaptive spin every waiter shares (cx_spin), the idle
 * owner's wait on its wake word (cx_owner_wait), a future's wait with
 * deadlock detection (cx_fut_wait) and the spin of submitters waiting for
 * room (cx_spin_while). The words they wait on and their protocol are in
 * shared.h; the sleeping itself is the platform layer's (cx_wait_on). */
#include "shim.h"

/* The adaptive spin of every waiter (cx_spin: futures, the idle owner,
 * and submitters waiting for room, cx_spin_while), with one addition for
 * futures: a waiter
 * whose item has not started within CX_SPIN_UNSTARTED_NS stops spinning
 * (without shrinking the budget). Then the owner is asleep or busy with
 * items queued ahead, the wait will be long, and a spinning waiter would
 * only take a CPU from the threads that make the progress it waits for
 * (measured: with 2 submitters and the owner on 2 vCPUs, spinning waiters
 * cut throughput with futures to 0.6x of not spinning at all). Once the
 * item has started, the owner is running it, and the spin goes on up to
 * the budget. A promise never starts: its waiter spins briefly only.
 * And at most one waiter per CPU but one spins at a time; the others sleep
 * at once (measured: 8 submitters on 2 vCPUs, each spinning on its own
 * future, kept the owner off the CPU and fell to 0.78x a pthread queue). */
#define CX_SPIN_UNSTARTED_NS 3000

static uint32_t cx_spinners, cx_max_spinners = 1;

__attribute__((constructor)) static void cx_spin_init(void) {
    long n = cx_ncpus();
    if (n > 2) cx_max_spinners = (uint32_t)(n - 1);
}

/* The adaptive budget of a kind of waiter. A spin that ends in success
 * doubles it, or raises it to four times what the spin took if that is
 * more (at most cx_spin_ns); one that fails halves it. So a lone failure
 * is repaired by the next success, and only failures in a row collapse it.
 * Once collapsed (below CX_SPIN_MIN_NS: both threads share a CPU, or the
 * other side is slow), one wait in CX_SPIN_PROBE_EVERY still probes with
 * the full cx_spin_ns, so the fast mode is found again. One budget for
 * waiters on futures, one for idle owners (cx_owner_wait), one for
 * submitters waiting for room (cx_spin_while). */
typedef struct {
    int64_t budget;
    uint32_t waits;
} cx_spinner;

static cx_spinner cx_wait_spin, cx_owner_spin, cx_room_spin;

/* What a spin waits for: a future done (CX_SPIN_DONE), the owner's Wake
 * signalled (CX_SPIN_SIGNALED), or the word moved off a value
 * (CX_SPIN_CHANGED). */
enum { CX_SPIN_DONE, CX_SPIN_SIGNALED, CX_SPIN_CHANGED };

static inline __attribute__((always_inline)) int cx_spin(cx_spinner *sp, const uint32_t *word, int kind,
                                                          uint32_t val, int64_t deadline);

static int cx_spin_until_done(const uint32_t *word, int64_t deadline) {
    if (CX_LOAD(word) & CX_FUT_DONE) return 1;
    if (cx_spin_ns <= 0) return 0;
    if (__atomic_add_fetch(&cx_spinners, 1, __ATOMIC_RELAXED) > cx_max_spinners) {
        __atomic_sub_fetch(&cx_spinners, 1, __ATOMIC_RELAXED);
        return 0;
    }
    int done = cx_spin(&cx_wait_spin, word, CX_SPIN_DONE, 0, deadline);
    __atomic_sub_fetch(&cx_spinners, 1, __ATOMIC_RELAXED);
    return done;
}

/* A submitter waiting for room (ingress.c, cx_room_wait): spins, within
 * the room waiters' budget and the deadline, until *word != val; 1 if it
 * changed. Room waiters have a cap of their own, the same number: the
 * owner needs a CPU to make room (measured: with 2 submitters on 2 vCPUs
 * both spinning, a bound of 1,024 ran at 0.56x of unbounded). */
static uint32_t cx_room_spinners;

int cx_spin_while(const uint32_t *word, uint32_t val, int64_t deadline) {
    if (cx_spin_ns <= 0) return 0;
    if (__atomic_add_fetch(&cx_room_spinners, 1, __ATOMIC_RELAXED) > cx_max_spinners) {
        __atomic_sub_fetch(&cx_room_spinners, 1, __ATOMIC_RELAXED);
        return 0;
    }
    int changed = cx_spin(&cx_room_spin, word, CX_SPIN_CHANGED, val, deadline);
    __atomic_sub_fetch(&cx_room_spinners, 1, __ATOMIC_RELAXED);
    return changed;
}

/* Spins, within sp's budget and the deadline, until *word says the wait is
 * over (kind: see CX_SPIN_DONE). 1: it is. Inlined into each caller, whose
 * kind is a constant, so that the test per read folds to the one it needs
 * (out of line, futures throughput with 2 submitters measured 0.82-0.89x
 * of the two-kind version in A/B runs here, on a loaded machine; inlined,
 * 1.02-1.04x). */
static inline __attribute__((always_inline)) int cx_spin(cx_spinner *sp, const uint32_t *word, int kind,
                                                          uint32_t val, int64_t deadline) {
    int64_t limit = cx_spin_ns;
    if (limit <= 0) return 0;
    int64_t budget = __atomic_load_n(&sp->budget, __ATOMIC_RELAXED);
    if (budget == 0) budget = limit;
    if (budget < CX_SPIN_MIN_NS) {
        if ((__atomic_add_fetch(&sp->waits, 1, __ATOMIC_RELAXED) % CX_SPIN_PROBE_EVERY) != 0)
            return 0;
        budget = limit;
    }
    int64_t start = cx_now(), end = start + (budget < limit ? budget : limit);
    if (deadline >= 0 && deadline < end) end = deadline;
    for (unsigned i = 1;; i++) {
        cx_relax();
        uint32_t s = CX_LOAD(word);
        if (kind == CX_SPIN_DONE ? (s & CX_FUT_DONE) != 0 : kind == CX_SPIN_SIGNALED ? CX_WAKE_WOKEN(s) : s != val) {
            int64_t b = 4 * (cx_now() - start);
            if (b < 2 * budget) b = 2 * budget;
            if (b < CX_SPIN_MIN_NS) b = CX_SPIN_MIN_NS;
            __atomic_store_n(&sp->budget, b < limit ? b : limit, __ATOMIC_RELAXED);
            return 1;
        }
        if ((i & 63) == 0) {
            int64_t now = cx_now();
            if (now >= end) {
                __atomic_store_n(&sp->budget, budget / 2, __ATOMIC_RELAXED);
                return 0;
            }
            if (kind == CX_SPIN_DONE && !(s & CX_FUT_STARTED) && now - start >= CX_SPIN_UNSTARTED_NS) return 0;
        }
    }
}

/* The owner's wait in ctexec_run_until, between two Go steps
 * (executor.RunUntilStart, RunUntilResume): the owner is armed (Wake is
 * CX_WAKE_ARMED or CX_WAKE_OPEN, CX_FLAG_WAITING set); a push or a quit
 * signals it (cx_signal: Wake becomes CX_WAKE_SIGNALED, and a futex wake
 * if it slept), or a push hands it an entry (shared.h, "hand-off"). It
 * spins first, then moves Wake from ARMED to SLEEPING (OPEN to
 * OPEN_SLEEPING) and sleeps, at most left_ns (< 0: no limit). cx_run_idle
 * then runs a handed entry, and Go disarms the owner under the lock on
 * its next step. Waiting here, outside any Go frame,
 * keeps the Go runtime from seeing a thread blocked in a cgo call.
 * Returns 1 if it slept (or tried to: a timeout), 0 if the spin, or a
 * signal before the sleep, ended it. */
int cx_owner_wait(cx_ingress *in, int64_t left_ns) {
    int64_t deadline = left_ns < 0 ? -1 : cx_now() + left_ns;
    if (cx_spin(&cx_owner_spin, &in->wake, CX_SPIN_SIGNALED, 0, deadline)) return 0;
    /* Armed, or armed with the hand-off cell open, which stays open
     * (shared.h, "hand-off"). */
    uint32_t armed = __atomic_load_n(&in->wake, __ATOMIC_SEQ_CST);
    uint32_t sleeping = armed == CX_WAKE_OPEN ? CX_WAKE_OPEN_SLEEPING : CX_WAKE_SLEEPING;
    if ((armed != CX_WAKE_ARMED && armed != CX_WAKE_OPEN) ||
        !__atomic_compare_exchange_n(&in->wake, &armed, sleeping, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return 0; /* signaled or handed meanwhile */
    int64_t left = -1;
    if (deadline >= 0 && (left = deadline - cx_now()) < 0) left = 0;
    cx_wait_on(&in->wake, sleeping, left);
    return 1;
}

/* Deadlock detection (deadlock.c): 1 if this wait is to return
 * CTEXEC_EDEADLK now. The wait of ctexec_call cancels its item first; if
 * the item has started it must not return (the item may use the caller's
 * stack), so it stays published and hands the cycle on (*handed): it wakes
 * the next waiter of the cycle, which checks again before it sleeps. In a
 * cycle not every item can have started (each started item's owner is
 * inside it, waiting on the next; the cycle's first submit came before any
 * start), so the hand-over ends at a waiter that is told. */
static int cx_dl_blocked(struct cx_thread *me, cx_future *f, uint32_t gen, int untimed, int call,
                         int *handed) {
    cx_future *next;
    if (!cx_dl_enter(me, f, gen, untimed, &next)) return 0;
    if (!call || cx_fut_cancel(f, gen) == CTEXEC_OK) return 1;
    cx_dl_publish(me, f, gen, untimed);
    if (next != NULL) cx_wake_all(&next->state);
    *handed = 1;
    return 0;
}

/* A waiter that handed a cycle on sleeps at most this long, doubling up to
 * CX_DL_RECHECK_MAX_NS, and checks (and wakes the next waiter) again each
 * time: its wake-up may have come between the next waiter's last check
 * and its sleep. Other waits sleep without a time limit: a timed sleep
 * arms a timer, which cost 6 us per sleeping round trip here. */
#define CX_DL_RECHECK_NS 1000000
#define CX_DL_RECHECK_MAX_NS 256000000

int cx_fut_wait(cx_future *f, uint32_t gen, int64_t timeout_ns, uintptr_t *out, int call) {
    uint32_t s = CX_LOAD(&f->state);
    if (CX_LIVE(s, gen) && !(s & CX_FUT_DONE) && timeout_ns != 0) {
        /* Deadlock detection (deadlock.c): waits on items, by threads that
         * own an executor; everyone else pays the TLS load only. */
        struct cx_thread *me = (s & CX_FUT_PROMISE) ? NULL : cx_thread_self;
        int untimed = timeout_ns < 0, handed = 0;
        if (me != NULL && cx_dl_blocked(me, f, gen, untimed, call, &handed)) return CTEXEC_EDEADLK;
        int64_t deadline = cx_deadline(timeout_ns), recheck = CX_DL_RECHECK_NS;
        if (!cx_spin_until_done(&f->state, deadline)) {
            for (;;) {
                s = CX_LOAD(&f->state);
                if (!CX_LIVE(s, gen) || (s & CX_FUT_DONE)) break;
                int64_t left = -1;
                if (deadline >= 0 && (left = deadline - cx_now()) <= 0) break;
                if (!(s & CX_FUT_SLEEPERS)) {
                    if (!CX_CAS(&f->state, &s, s | CX_FUT_SLEEPERS)) continue;
                    s |= CX_FUT_SLEEPERS;
                }
                if (me != NULL && untimed) {
                    if (cx_dl_blocked(me, f, gen, untimed, call, &handed)) return CTEXEC_EDEADLK;
                    if (handed) {
                        left = recheck;
                        if (recheck < CX_DL_RECHECK_MAX_NS) recheck *= 2;
                    }
                }
                cx_wait_on(&f->state, s, left);
            }
        }
        if (me != NULL) cx_dl_leave(me);
    }
    return cx_fut_outcome(f, gen, out);
}
