/* The ingress: the one queue every submit crosses. Its lock, the push,
 * the owner's take and arming, the signal, the waits for room, the quit
 * and the host flags are implemented here and nowhere else; the Go core (executor/) calls them through package cx, per
 * batch or on slow paths. The protocol (executor/shared.go, "Ingress") in
 * short:
 *
 *   - lock is a three-state futex mutex; flags, buf/len/cap, the full list
 *     and the counted-push fields are guarded by it.
 *   - A push appends under the lock, growing into a fresh chunk when the
 *     current one is full (the full one goes on the full list), and clears
 *     CX_FLAG_WAITING / CX_FLAG_HOST_IDLE, waking the owner / the host after
 *     the unlock.
 *   - The owner's take (cx_take_locked) swaps everything queued out under
 *     the lock, so the owner runs a batch without it while pushes go on
 *     into a spare chunk.
 *   - The owner arms (CX_FLAG_WAITING, wake = ARMED) under the lock only
 *     after it found the queue empty under that same lock hold, so a push
 *     either lands before the check or sees the flag and signals.
 *
 * Every call that holds the lock holds it for a few stores, never across
 * a call into Go: a submitter that finds it held spins 100 reads and then
 * sleeps, and a holder that crossed into Go in between (50-160 ns) made
 * submitters sleep (bench/results/analysis.md, the regression of the move
 * onto capi/cx). */
#include <stddef.h>
#include <string.h>
#include "shim.h"

/* A chunk's last word: its link in the full list, or in the owner's pool. */
static void **cx_chunk_link(void *c) { return (void **)((char *)c + CX_CHUNK_BYTES - sizeof(void *)); }

void cx_mutex_lock(uint32_t *w) {
    uint32_t z = 0;
    if (__atomic_compare_exchange_n(w, &z, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) return;
    for (int i = 0; i < 100; i++) {
        z = 0;
        if (__atomic_load_n(w, __ATOMIC_RELAXED) == 0 &&
            __atomic_compare_exchange_n(w, &z, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            return;
    }
    while (__atomic_exchange_n(w, 2, __ATOMIC_SEQ_CST) != 0) cx_wait_on(w, 2, -1);
}

void cx_mutex_unlock(uint32_t *w) {
    if (__atomic_exchange_n(w, 0, __ATOMIC_SEQ_CST) == 2) cx_wake_one(w);
}

void cx_lock(cx_ingress *in) { cx_mutex_lock(&in->lock); }

void cx_unlock(cx_ingress *in) { cx_mutex_unlock(&in->lock); }

void cx_signal(cx_ingress *in) {
    uint32_t w = __atomic_load_n(&in->wake, __ATOMIC_SEQ_CST);
    do {
        /* Woken already: a handed entry's owner takes from the queue
         * under the lock once it ran that entry (shared.h, "hand-off"). */
        if (CX_WAKE_WOKEN(w)) return;
    } while (!__atomic_compare_exchange_n(&in->wake, &w, CX_WAKE_SIGNALED, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    if (w == CX_WAKE_SLEEPING || w == CX_WAKE_OPEN_SLEEPING) cx_wake_all(&in->wake);
}

/* Closes the hand-off cell, if open, without waking the owner (shared.h,
 * "hand-off"): a push that clears CX_FLAG_WAITING calls it before it
 * unlocks, so that no later hand-off overtakes what the lock still hides,
 * and signals after the unlock as before. Waking the owner inside the
 * lock hold would send it straight into the pusher's lock (measured: the
 * signal's CAS made under the lock halved fire-and-forget and futures
 * throughput, bench/ab against a29ea11, with the owner losing the lock
 * race and futex-waiting on it). */
void cx_hand_close_locked(cx_ingress *in) {
    uint32_t w = __atomic_load_n(&in->wake, __ATOMIC_SEQ_CST);
    while (w == CX_WAKE_OPEN || w == CX_WAKE_OPEN_SLEEPING) {
        uint32_t closed = w == CX_WAKE_OPEN ? CX_WAKE_ARMED : CX_WAKE_SLEEPING;
        if (__atomic_compare_exchange_n(&in->wake, &w, closed, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) return;
    }
}

/* The hand-off (shared.h): 1 if the entry went into the open cell of an
 * owner spinning on an empty queue, without the lock; 0 if the cell is
 * not open (the caller pushes under the lock). */
static inline int cx_hand(cx_ingress *in, uintptr_t fn, uintptr_t arg, cx_future *fut, int mark) {
    /* Not wake first: the owner writes it at every wake-up, and a load of
     * it per push cost a stream half its throughput (measured, bench/ab
     * against a29ea11: fire-and-forget 0.6x, futures 0.4-0.5x). */
    if (__builtin_expect(__atomic_load_n(&in->hand_mode, __ATOMIC_RELAXED) == 0, 1)) return 0;
    uint32_t w = __atomic_load_n(&in->wake, __ATOMIC_RELAXED);
    if (__builtin_expect(w != CX_WAKE_OPEN && w != CX_WAKE_OPEN_SLEEPING, 1) ||
        !__atomic_compare_exchange_n(&in->wake, &w, CX_WAKE_HANDING, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        return 0;
    in->hand_fn = fn;
    in->hand_arg = arg;
    in->hand_fut = fut;
    if (mark && cx_entry_future(fut) != NULL) fut->result = (uintptr_t)in; /* where it is queued: deadlock.c */
    __atomic_store_n(&in->wake, CX_WAKE_HANDED, __ATOMIC_RELEASE);
    if (w == CX_WAKE_OPEN_SLEEPING) cx_wake_all(&in->wake);
    return 1;
}

/* Room is a sequence number, even while no waiter sleeps; a waiter that
 * sleeps sets its low bit first. Clears CX_FLAG_ROOM_WAIT and, if it was
 * set, moves Room to its next even value; 1 if a waiter may be asleep (the
 * caller then wakes Room's sleepers after unlocking). */
int cx_take_room_waiters_locked(cx_ingress *in) {
    uint32_t fl = __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST);
    if (!(fl & CX_FLAG_ROOM_WAIT)) return 0;
    __atomic_store_n(&in->flags, fl & ~(uint32_t)CX_FLAG_ROOM_WAIT, __ATOMIC_SEQ_CST);
    uint32_t old = __atomic_load_n(&in->room, __ATOMIC_SEQ_CST);
    while (!__atomic_compare_exchange_n(&in->room, &old, (old | 1) + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
    return old & 1;
}

/* Lock held: whether a bounded queue (max != 0) has no room for a push,
 * counting from a fresh started_seen (the slow path can afford the owner's
 * cache line). The one test of the bound: counted pushes and the waits
 * for room (cx_room_wait) use it. */
int cx_bound_reached_locked(cx_ingress *in) {
    in->started_seen = CX_LOAD(&in->started);
    return in->max != 0 && in->pushed - in->started_seen >= in->max;
}

/* A counted push (CX_FLAG_COUNT; executor/shared.go): 0 if the bounded
 * queue is full (Go then fails or waits for room), else counts it. */
int cx_count_push(cx_ingress *in, uint32_t fl) {
    int stamp = (fl & CX_FLAG_STAMP) && in->len % CX_STAMP_EVERY == 0;
    if (stamp) in->started_seen = CX_LOAD(&in->started);
    uint64_t q = in->pushed - in->started_seen;
    if (in->max != 0 && q >= in->max) {
        if (cx_bound_reached_locked(in)) return 0;
        q = in->pushed - in->started_seen;
    }
    in->pushed++;
    if ((fl & CX_FLAG_STAMP) && q + 1 > in->high_water) in->high_water = q + 1;
    if (stamp) ((int64_t *)(in->buf + CX_CHUNK_LEN))[in->len / CX_STAMP_EVERY] = cx_now();
    return 1;
}

/* The current chunk is full (or the owner took it with no spare): queue
 * it on the list of full chunks and start a fresh one from the pool. The
 * pool's lock nests inside in's; an mmap under in's lock happens only
 * when the pool is empty. 0: out of memory. */
static int cx_grow_locked(cx_ingress *in) {
    void *c = cx_chunk_get();
    if (c == NULL) return 0;
    if (in->buf != NULL) {
        *cx_chunk_link(in->buf) = NULL;
        if (in->full_tail != NULL)
            *cx_chunk_link(in->full_tail) = in->buf;
        else
            in->full_head = in->buf;
        in->full_tail = in->buf;
        in->full_n++;
    }
    in->buf = c;
    in->len = 0;
    in->cap = CX_CHUNK_LEN;
    return 1;
}

/* Appends an entry unless the executor quit or its bounded queue is
 * full; grows the queue when its chunk is full. Every push, C's and Go's
 * (executor.Runner.Push), is this one. */
cx_push_t cx_push(cx_ingress *in, uintptr_t fn, uintptr_t arg, cx_future *fut) {
    return cx_push_mark(in, fn, arg, fut, 1);
}

/* cx_push; mark: record in fut->result where it is queued (deadlock.c).
 * Only while nobody else holds fut's handle: a timer's future is handed
 * out at its submit, where it is marked (timers.c), and a cancel may
 * complete it while the timer is moved to the queue; marking it then would
 * overwrite the outcome the cancel wrote. */
cx_push_t cx_push_mark(cx_ingress *in, uintptr_t fn, uintptr_t arg, cx_future *fut, int mark) {
    if (cx_hand(in, fn, arg, fut, mark)) return CX_PUSHED;
    cx_lock(in);
    uint32_t fl = __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST);
    /* One mask for the rare cases: an uncounted executor pays nothing for
     * bounds and statistics. */
    if ((fl & (CX_FLAG_QUIT | CX_FLAG_COUNT)) || in->len == in->cap) {
        cx_push_t r = CX_PUSHED;
        if (fl & CX_FLAG_QUIT)
            r = CX_PUSH_QUIT;
        else if (in->len == in->cap && !cx_grow_locked(in))
            r = CX_PUSH_NOMEM;
        else if ((fl & CX_FLAG_COUNT) && !cx_count_push(in, fl))
            r = CX_PUSH_FULL;
        if (r != CX_PUSHED) {
            cx_unlock(in);
            return r;
        }
    }
    cx_entry *e = &in->buf[in->len++];
    e->fn = fn;
    e->arg = arg;
    e->fut = fut;
    if (mark && cx_entry_future(fut) != NULL) fut->result = (uintptr_t)in; /* where it is queued: deadlock.c */
    /* One test covers both the sleeping owner and an idle host loop, so an
     * executor that never embeds pays nothing for embedding. */
    if (fl & (CX_FLAG_WAITING | CX_FLAG_HOST_IDLE)) {
        __atomic_store_n(&in->flags, fl & ~(CX_FLAG_WAITING | CX_FLAG_HOST_IDLE), __ATOMIC_SEQ_CST);
        if (fl & CX_FLAG_WAITING) cx_hand_close_locked(in);
        cx_unlock(in);
        if (fl & CX_FLAG_WAITING) cx_signal(in);
        if (fl & CX_FLAG_HOST_IDLE) cx_host_wake(in, 1);
        return CX_PUSHED;
    }
    cx_unlock(in);
    return CX_PUSHED;
}

/* Makes in, possibly recycled memory nobody else can see yet, an empty
 * queue of owner's with bound max (0: none) and the flags the policy
 * chose. With chunks (an executor slot's ingress), it gets a current chunk
 * and a spare one in the owner's pool (either may be missing if memory is
 * out: the first push, or take, grows), so that short-lived executors
 * (asgiref makes one per async_to_sync call) take their first submits and
 * first batch without growing; without (a freed executor's tombstone,
 * which is not in a slot), it gets none. */
void cx_ingress_init(cx_ingress *in, uint64_t owner, uint64_t max, uint32_t flags, int chunks) {
    memset(in, 0, sizeof *in);
    in->owner = owner;
    in->max = max;
    in->flags = flags;
    in->wake = CX_WAKE_IDLE;
    if (!chunks) return;
    in->buf = cx_chunk_get();
    in->cap = in->buf != NULL ? CX_CHUNK_LEN : 0;
    struct ctexec *s = CX_SLOT_OF(in);
    s->pool = NULL;
    s->pool_n = 0;
    void *spare = cx_chunk_get();
    if (spare != NULL) cx_pool_put(in, spare);
}

/* ---- the owner's pool ---------------------------------------------------- */

/* Up to CX_POOL_MAX empty chunks (1.5 MiB), pages faulted in, kept by the
 * owner for the next take: in steady state a take installs the pooled
 * chunk and the batch's chunk comes back to the pool, so neither the
 * process pool's lock nor mmap is on the path. The owner's alone while it
 * runs (cx_take_pooled_locked takes from it under the lock, for the
 * reason given there); Free, which runs only while no run is in progress,
 * drains it. */
#define CX_POOL_MAX 16

void cx_pool_put(cx_ingress *in, void *c) {
    struct ctexec *s = CX_SLOT_OF(in);
    if (c == NULL) return;
    if (s->pool_n >= CX_POOL_MAX) {
        cx_chunk_put(c);
        return;
    }
    *cx_chunk_link(c) = s->pool;
    s->pool = c;
    s->pool_n++;
}

void cx_pool_drain(cx_ingress *in) {
    struct ctexec *s = CX_SLOT_OF(in);
    while (s->pool != NULL) {
        void *c = s->pool;
        s->pool = *cx_chunk_link(c);
        cx_chunk_put(c);
    }
    s->pool_n = 0;
}

/* ---- the owner's take ---------------------------------------------------- */

/* Lock held. Moves everything queued to *out (the full list, then the
 * current chunk with out->len entries) and makes spare the current chunk
 * (NULL: none; the next push grows). Returns 0, taking nothing and keeping
 * spare out of the ingress, when nothing is queued. */
int cx_take_locked(cx_ingress *in, void *spare, cx_taken *out) {
    if (in->len == 0 && in->full_n == 0) return 0;
    cx_take_all_locked(in, spare, out);
    return 1;
}

/* Lock held: cx_take_locked even when nothing is queued (out->buf is then
 * the current chunk, empty, or NULL). A freed executor's last take. */
void cx_take_all_locked(cx_ingress *in, void *spare, cx_taken *out) {
    out->full_head = in->full_head;
    out->full_n = in->full_n;
    out->buf = in->buf;
    out->len = in->len;
    if (out->full_n != 0) { /* a line that pushes read (hand_mode): written only if it changes */
        in->full_head = in->full_tail = NULL;
        in->full_n = 0;
    }
    in->buf = spare;
    in->len = 0;
    in->cap = spare != NULL ? CX_CHUNK_LEN : 0;
}

void *cx_taken_next(void *c) { return *cx_chunk_link(c); }

/* Lock held: cx_take_locked with the owner's pooled chunk as the spare.
 * It is unlinked from the pool before it becomes the current chunk, whose
 * link a push may overwrite (cx_grow_locked) as soon as the lock is gone.
 * The pool is looked at only with something to take: a freed executor's
 * tombstone (executor.go: Free) has no slot around it. */
static int cx_take_pooled_locked(cx_ingress *in, cx_taken *out) {
    if (in->len == 0 && in->full_n == 0) return 0;
    struct ctexec *s = CX_SLOT_OF(in);
    void *spare = s->pool;
    if (spare != NULL) {
        s->pool = *cx_chunk_link(spare);
        s->pool_n--;
    }
    cx_take_all_locked(in, spare, out);
    return 1;
}

/* Lock held: the owner is awake (a signal it missed no longer matters: it
 * is about to look at the queue under the lock). */
static void cx_owner_disarm_locked(cx_ingress *in) {
    uint32_t fl = __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST);
    if (fl & CX_FLAG_WAITING) __atomic_store_n(&in->flags, fl & ~(uint32_t)CX_FLAG_WAITING, __ATOMIC_SEQ_CST);
    __atomic_store_n(&in->wake, CX_WAKE_IDLE, __ATOMIC_SEQ_CST);
}

/* After a wake-up that ran more than one item, this many armings keep
 * the hand-off cell closed. */
#define CX_HAND_SKIP 16

/* Arms the owner, with the hand-off cell open unless its pushes need the
 * lock (shared.h, "hand-off") or the owner is serving a stream. The queue
 * is empty: the caller found it so under this lock hold.
 *
 * The cell serves an owner that is handed one item per wake-up, as in a
 * round trip or a coroutine's hop, where it saves the lock's, the chunk's
 * and the wake word's cache lines. In a stream it costs: each hand-off is
 * a wake-up for one item, and the owner comes back for the lock at once,
 * against a pusher that holds it for the items behind (measured, before
 * this policy: fire-and-forget 0.56x and a window of futures 0.56x of the
 * tree before the cell, bench/ab, 10 rounds, one submitter; perf showed
 * the lock's futex path). So a wake-up that ran more than one item
 * closes the cell for the next CX_HAND_SKIP armings: a stream keeps the
 * batching of the locked queue, and round trips open it again after
 * CX_HAND_SKIP wake-ups. */
void cx_owner_arm_unlock(cx_ingress *in) {
    uint32_t fl = __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST);
    __atomic_store_n(&in->flags, fl | CX_FLAG_WAITING, __ATOMIC_SEQ_CST);
    int open = !(fl & (CX_FLAG_QUIT | CX_FLAG_COUNT | CX_FLAG_HOST | CX_FLAG_TIMERS));
    if (open) { /* not a freed executor's tombstone: it has CX_FLAG_QUIT */
        struct ctexec *s = CX_SLOT_OF(in);
        if (s->woke_items > 1) s->hand_skip = CX_HAND_SKIP;
        if (s->hand_skip > 0) {
            s->hand_skip--;
            open = 0;
        }
    }
    if ((uint32_t)open != __atomic_load_n(&in->hand_mode, __ATOMIC_RELAXED))
        __atomic_store_n(&in->hand_mode, (uint32_t)open, __ATOMIC_RELAXED);
    __atomic_store_n(&in->wake, open ? CX_WAKE_OPEN : CX_WAKE_ARMED, __ATOMIC_SEQ_CST);
    /* The queue is empty: a submitter still waiting for room must go now.
     * The owner's checks between segments (cx_make_room, after Go's
     * makeRoom loads the flag) can miss a waiter: the owner's release
     * store of started and its load of the flag may pass each other
     * (x86 reorders a store before a later load), so the waiter, under
     * the lock, saw the old count and the owner no flag. Both then slept,
     * the owner armed on an empty queue and the waiter on room: found by
     * TestForeignThreadWaitsForRoomInC under a loaded machine (gdb: the
     * owner in cx_owner_wait, the submitter in cx_room_wait). This check
     * under the lock cannot miss: a waiter that sets the flag after it
     * reads the count under the same lock, after every start. */
    int room = (fl & CX_FLAG_ROOM_WAIT) && cx_take_room_waiters_locked(in);
    cx_unlock(in);
    if (room) cx_wake_all(&in->room);
}

/* The owner's next step in a run, in one lock hold: disarm, then take what
 * is queued (CX_NEXT_TAKEN, unlocked), or, with nothing queued and nothing
 * for the policy to decide, arm (CX_NEXT_ARMED, unlocked: the caller waits
 * with cx_owner_wait). The policy decides, lock still held
 * (CX_NEXT_LOCKED), when the urgent lane has items, a host is attached and
 * not yet told the queue is empty, the executor quit, or deadline (>= 0,
 * cx_now's clock) has passed. */
cx_next cx_owner_next(cx_ingress *in, int64_t deadline) {
    cx_next r;
    cx_lock(in);
    cx_owner_disarm_locked(in);
    if (cx_take_pooled_locked(in, &r.taken)) {
        cx_unlock(in);
        r.next = CX_NEXT_TAKEN;
        return r;
    }
    uint32_t fl = __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST);
    if ((fl & CX_FLAG_QUIT) || (fl & (CX_FLAG_HOST | CX_FLAG_HOST_IDLE)) == CX_FLAG_HOST ||
        (__atomic_load_n(&in->urgent, __ATOMIC_SEQ_CST) & CX_URGENT_COUNT) != 0 ||
        (deadline >= 0 && cx_now() >= deadline)) {
        r.next = CX_NEXT_LOCKED;
        return r;
    }
    cx_owner_arm_unlock(in);
    r.next = CX_NEXT_ARMED;
    return r;
}

/* cx_take with the owner's spare, and cx_take_all_locked with none,
 * returning what they took: for Go, which would otherwise pass a pointer
 * to its stack (a cgo check per call). */
cx_next cx_take_go(cx_ingress *in) {
    cx_next r;
    r.next = CX_NEXT_ARMED;
    cx_lock(in);
    if (cx_take_pooled_locked(in, &r.taken)) {
        cx_unlock(in);
        r.next = CX_NEXT_TAKEN;
        return r;
    }
    cx_unlock(in);
    return r;
}

cx_taken cx_take_all_go(cx_ingress *in) {
    cx_taken t;
    cx_take_all_locked(in, NULL, &t);
    return t;
}

/* ---- room, quit and the host flags ---------------------------------------
 *
 * Room. A submitter that finds a bounded queue full (CX_PUSH_FULL) and may
 * wait waits for room here (cx_room_wait); the owner makes room
 * (cx_make_room), and quit and free let every waiter go (cx_quit_locked).
 * room is a sequence number, even while no waiter sleeps:
 *   - the waiter, under the lock, finds the bound reached, reads room
 *     (seq) and sets CX_FLAG_ROOM_WAIT; after the unlock it spins while
 *     room == seq (cx_spin_while), then CASes seq -> seq | 1 (a sleeper)
 *     and sleeps on that value, then looks again under the lock;
 *   - the owner, once the queue is down to max/2, and a quit, clear the
 *     flag under the lock and move room to its next even value
 *     (cx_take_room_waiters_locked), and wake room's sleepers after the
 *     unlock only if the low bit was set: a wake that only spinning
 *     waiters need would cost a syscall for nothing (measured, it made a
 *     bound of 1,024 spend a third of its time in the kernel).
 * A waiter that sets its low bit after the bump fails its CAS (room moved
 * on), and one that set it before is woken: no wake-up is lost.
 *
 * The wait is one call, which returns only with an answer. A C thread's
 * submit makes it itself (shim.c, cx_enqueue), outside any Go frame, and
 * enters Go only for the policy once it answers quit or timed out: Go tells
 * a freed executor (CTEXEC_ECANCELLED) from one that quit (the chain walk),
 * since only Go holds both the executor's freed state and its chain; the
 * slot itself starts its quarantine once freed and is memset when reused,
 * so a waiter holding only the slot could not tell them apart. Go's own
 * submits (executor.waitRoom) make the same call, without the lock. What
 * no waiter avoids is the touch of a freed slot that it makes once after
 * free woke it (it looks under the lock, sees CX_FLAG_QUIT, and returns):
 * free sets the quit bit before it wakes anyone, and a slot is
 * reused only after CX_QUARANTINE later frees (shim.c). */

/* Waits until in's queue has room (CX_ROOM_OK), in quits or is freed
 * (CX_ROOM_QUIT), or left_ns (< 0: no limit) pass (CX_ROOM_TIMEDOUT). */
cx_room_t cx_room_wait(cx_ingress *in, int64_t left_ns) {
    int64_t deadline = left_ns < 0 ? -1 : cx_now() + left_ns;
    for (;;) {
        cx_lock(in);
        uint32_t fl = __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST);
        cx_room_t r = CX_ROOM_AGAIN;
        if (fl & CX_FLAG_QUIT)
            r = CX_ROOM_QUIT;
        else if (!cx_bound_reached_locked(in))
            r = CX_ROOM_OK;
        else if (deadline >= 0 && cx_now() >= deadline)
            r = CX_ROOM_TIMEDOUT;
        if (r != CX_ROOM_AGAIN) {
            cx_unlock(in);
            return r;
        }
        uint32_t seq = __atomic_load_n(&in->room, __ATOMIC_SEQ_CST);
        if (!(fl & CX_FLAG_ROOM_WAIT)) __atomic_store_n(&in->flags, fl | CX_FLAG_ROOM_WAIT, __ATOMIC_SEQ_CST);
        cx_unlock(in);
        /* Half a bound of 1,024 drains in tens of microseconds, about what
         * waking a sleeper costs: spin first, as the owner does. */
        if (cx_spin_while(&in->room, seq, deadline)) continue;
        uint32_t cur = seq;
        if (!(seq & 1) && !__atomic_compare_exchange_n(&in->room, &cur, seq | 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            continue; /* room was made meanwhile */
        int64_t left = -1;
        if (deadline >= 0 && (left = deadline - cx_now()) < 0) left = 0;
        cx_wait_on(&in->room, seq | 1, left);
    }
}

/* The owner, between segments of a batch of a bounded queue that has
 * waiters: wakes them once the queue is down to half its bound (one
 * wake-up per max/2 items, not one per item). */
void cx_make_room(cx_ingress *in) {
    cx_lock(in);
    int wake = in->pushed - CX_LOAD(&in->started) <= in->max / 2 && cx_take_room_waiters_locked(in);
    cx_unlock(in);
    if (wake) cx_wake_all(&in->room);
}

/* Quit. Lock held: in quits for good (pushes fail with CX_PUSH_QUIT from
 * now on; the owner drains what is queued). Clears CX_FLAG_WAITING and lets
 * the room waiters go; the caller passes the result to cx_quit_wake after
 * the unlock, which signals the owner if it was armed and wakes room's
 * sleepers. The one quit: a run's watched future completing
 * (future_ext.c), a run admitted on a future already done, and free
 * (executor.admit, Free) all use it. */
int cx_quit_locked(cx_ingress *in) {
    uint32_t fl = __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST);
    __atomic_store_n(&in->flags, (fl | CX_FLAG_QUIT) & ~(uint32_t)CX_FLAG_WAITING, __ATOMIC_SEQ_CST);
    /* Close the hand-off cell before the quit can be seen (shared.h). */
    cx_hand_close_locked(in);
    int w = (fl & CX_FLAG_WAITING) ? CX_QUIT_SIGNAL : 0;
    if (cx_take_room_waiters_locked(in)) w |= CX_QUIT_ROOM;
    return w;
}

void cx_quit_wake(cx_ingress *in, int w) {
    if (w & CX_QUIT_SIGNAL) cx_signal(in);
    if (w & CX_QUIT_ROOM) cx_wake_all(&in->room);
}

void cx_quit(cx_ingress *in) {
    cx_lock(in);
    int w = cx_quit_locked(in);
    cx_unlock(in);
    cx_quit_wake(in, w);
}

/* The end of a run (executor.finishRunLocked): no run watches a future
 * any more, the owner is disarmed, and the lock is let go. */
void cx_run_end_unlock(cx_ingress *in) {
    cx_run_stop_locked(in);
    cx_owner_disarm_locked(in);
    cx_unlock(in);
}

/* The host flags. CX_FLAG_HOST says a host loop is attached (ctexec_fd,
 * ctexec_set_notify); CX_FLAG_HOST_IDLE says it was told the queue is
 * empty, so the next push wakes it (cx_push_mark clears the flag under the
 * lock and raises the host's signal after the unlock). The owner sets
 * CX_FLAG_HOST_IDLE when it finds the queue empty (run_ready, or run_until
 * about to sleep), in cx_host_idle_locked: unlock, clear the signal, lock,
 * look at the queue again, and set the flag only if it is still empty;
 * else raise the signal again (a push in between saw no CX_FLAG_HOST_IDLE
 * and told no one). So the signal is raised whenever work is queued and
 * CX_FLAG_HOST_IDLE is clear.
 *
 * held is the number of items the owner took from the queue but has not
 * run yet (executor: a RunReady's held batch); they count as queued. */
static int cx_queue_empty_locked(cx_ingress *in, uint64_t held) {
    return in->len == 0 && in->full_n == 0 && held == 0 &&
           (__atomic_load_n(&in->urgent, __ATOMIC_SEQ_CST) & CX_URGENT_COUNT) == 0;
}

/* Lock held: attaches a host. 1 if work is queued that the host was not
 * woken for (the caller then raises what it just attached). */
int cx_host_attach_locked(cx_ingress *in, uint64_t held) {
    uint32_t fl = __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST);
    if (!(fl & CX_FLAG_HOST)) {
        fl |= CX_FLAG_HOST;
        if (cx_queue_empty_locked(in, held)) fl |= CX_FLAG_HOST_IDLE;
        __atomic_store_n(&in->flags, fl, __ATOMIC_SEQ_CST);
    }
    return !(fl & CX_FLAG_HOST_IDLE);
}

/* The owner, lock held, having found the queue empty: tells an attached
 * host so (see above), unless it was told already and not force. Returns
 * with the lock held: 1 if the queue is (still) empty, 0 if work came in
 * meanwhile (the signal is raised again). force: RunReady, which clears
 * the signal even when the host was told already: a push clears
 * CX_FLAG_HOST_IDLE under the lock but raises the signal after it, so its
 * raise can land after the owner drained and set the flag again, leaving
 * the signal raised over an empty queue (a host polling it would spin).
 * Clearing it is safe for the same reason as the first time: the queue
 * is looked at again afterwards. */
int cx_host_idle_locked(cx_ingress *in, uint64_t held, int force) {
    uint32_t fl = __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST);
    if (!(fl & CX_FLAG_HOST) || (!force && (fl & CX_FLAG_HOST_IDLE))) return 1;
    cx_unlock(in);
    cx_host_clear(in);
    cx_lock(in);
    if (cx_queue_empty_locked(in, held)) {
        __atomic_store_n(&in->flags, __atomic_load_n(&in->flags, __ATOMIC_SEQ_CST) | CX_FLAG_HOST_IDLE,
                         __ATOMIC_SEQ_CST);
        return 1;
    }
    /* The push saw no CX_FLAG_HOST_IDLE and told no one; no notify is owed
     * (the host has not drained), but the signal must be raised while work
     * is queued. */
    cx_unlock(in);
    cx_host_wake(in, 0);
    cx_lock(in);
    return 0;
}
