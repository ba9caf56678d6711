/* Memory shared by Go and C: its layout and its protocol.
 *
 * Three structures are touched by both sides without a call across: an
 * executor's ingress (cx_ingress), a queued entry (cx_entry) and a future's
 * slot (cx_future). A C->Go call costs 50-160 ns here, more than a whole
 * submit, so the fast paths reach into them directly. This header defines
 * them, their constants and the protocol of every transition on them. Each
 * transition is implemented once, in C, in the file named beside it; the Go
 * core (executor/) calls those functions through package cx per batch or on
 * slow paths, and writes no field itself: [Go] marks what its policy
 * decides, through those functions.
 *
 * Go mirrors the structs and constants (executor/shared.go) because it reads
 * them. Three checks keep the two equal:
 *   - the _Static_asserts below pin every C offset and size;
 *   - at load, capi compares executor.SharedValues() with CX_SHARED_VALUES
 *     (the array cx_shared_values) and refuses every call on a mismatch;
 *   - TestSharedValuesMatchC (executor/shared_test.go) compares the two lists
 *     value by value and names the first field that differs.
 * A change here is made in both places, in the same order.
 *
 * Memory order. The words marked atomic are only accessed with __atomic
 * builtins; a futex wait or wake orders nothing, so every waker publishes
 * with a release (or seq_cst) store or CAS on the word before it wakes, and
 * every sleeper re-reads the word with an acquire load after it wakes.
 * Fields "under lock" are ordered by the ingress lock. */
#ifndef CTEXEC_SHARED_H
#define CTEXEC_SHARED_H

#include <stddef.h>
#include <stdint.h>

/* CX_AT(type, field, offset, size): the layout Go's mirror relies on. */
#define CX_AT(t, f, off, size) \
    _Static_assert(offsetof(t, f) == (off) && sizeof(((t *)0)->f) == (size), #t "." #f)

/* ---- Entry ----------------------------------------------------------------
 * An item as it sits in a queue chunk: the host's function and argument,
 * and fut, NULL for fire and forget, else the item's future slot. The entry
 * holds the slot's CX_FUT_QUEUED reference until the item is over.
 *
 * A fire-and-forget item with a destroy function (and no other option)
 * keeps it in fut, tagged with CX_ENTRY_DESTROY, the top bit, which no
 * user-space address has on the platforms ctexec builds for: no record to
 * allocate and free per item (submit_with.c). Only C reads the tag
 * [cx_entry_future, cx_entry_destroy: run.c runs the item, then calls
 * destroy(arg); cx_discard calls destroy(arg); a push marks only a real
 * future]; Go moves such an entry as it is and never reaches its fut. */
#define CX_ENTRY_DESTROY ((uintptr_t)1 << 63)
typedef struct cx_entry {
    uintptr_t fn;
    uintptr_t arg;
    struct cx_future *fut;
} cx_entry;
_Static_assert(sizeof(cx_entry) == 24, "cx_entry size");
CX_AT(cx_entry, fn, 0, 8);
CX_AT(cx_entry, arg, 8, 8);
CX_AT(cx_entry, fut, 16, 8);

/* ---- Chunks ---------------------------------------------------------------
 * A queue is a list of fixed-size chunks outside the Go heap (chunks.c: a
 * process-wide pool), so growing never copies what is queued. A chunk holds
 * CX_CHUNK_LEN entries, then one int64 stamp per CX_STAMP_EVERY positions
 * (the time a stamped push wrote that position; see "counted push"), then
 * the link of the ingress's list of full chunks in its last word. */
#define CX_CHUNK_LEN 4096
#define CX_STAMP_EVERY 128
#define CX_CHUNK_BYTES (CX_CHUNK_LEN * 24 + CX_CHUNK_LEN / CX_STAMP_EVERY * 8 + 8)
_Static_assert(CX_CHUNK_BYTES == CX_CHUNK_LEN * sizeof(cx_entry) + CX_CHUNK_LEN / CX_STAMP_EVERY * 8 + sizeof(void *),
               "CX_CHUNK_BYTES");

/* ---- Counters -------------------------------------------------------------
 * The owner's per-item counts of a counted executor, on a cache line of
 * their own at the end of cx_ingress: items that left the queue (started,
 * or skipped as cancelled) and, of those, the skipped ones.
 *   - [C, the owner, cx_run_batch -> cx_run_entry, run.c] before an item
 *     starts or is skipped, started++ (and cancelled++ for a skip), each a
 *     release store; only the owner writes them, others load them. started
 *     only grows, which the counted push and the watchdog rely on. */
typedef struct cx_counters {
    uint64_t started;   /* atomic */
    uint64_t cancelled; /* atomic */
} cx_counters;
_Static_assert(sizeof(cx_counters) == 16, "cx_counters size");
CX_AT(cx_counters, started, 0, 8);
CX_AT(cx_counters, cancelled, 8, 8);

/* ---- Ingress --------------------------------------------------------------
 * The part of an executor that every submit crosses: one per executor, in
 * its C slot (shim.h, struct ctexec, at offset 16 of a 64-byte aligned
 * slot), because C keeps its address between calls. */
typedef struct cx_ingress {
    /* What every push touches: the slot's first cache line (the slot is
     * 64-byte aligned and holds the ingress at offset 16, after the magic
     * number that every call validates). */
    uint32_t lock;  /* atomic: 0 free, 1 held, 2 held with waiters */
    uint32_t flags; /* atomic, written under lock: CX_FLAG_* */
    uint64_t owner; /* the owner's thread id; immutable */
    /* The current chunk (cap entries, len used; NULL when cap is 0) and the
     * list of full chunks queued before it (below), in order, linked
     * through each chunk's last word: all under lock. */
    cx_entry *buf;
    uint64_t len;
    uint64_t cap;
    uint64_t max; /* max_queued; 0: unbounded; immutable */
    /* The next line: what a plain push does not touch. wake is here so
     * that an owner spinning on it does not take the first line from the
     * pushes that fill its queue (measured: with wake beside lock, a fast
     * owner's spin cost a submitter a cache miss per push). */
    /* Counted pushes (CX_FLAG_COUNT): under lock. */
    uint64_t pushed;       /* items accepted onto this queue */
    uint64_t high_water;   /* the largest pushed - started seen at a push */
    uint64_t started_seen; /* a copy of started, refreshed as below */
    void *full_head;
    void *full_tail;
    uint64_t full_n;
    /* The urgent lane (submit_with.c, which has its protocol): the number
     * of urgent items queued in the low 32 bits, and CX_URGENT_USED
     * (shim.h) once the lane was ever used. Written under lock; the owner
     * loads it without the lock before each entry it runs. */
    uint64_t urgent; /* atomic */
    uint32_t room;   /* atomic: submitters waiting for room sleep on it */
    /* 1 while the owner opens the hand-off cell when it arms (below):
     * pushes look at wake only then. Written by the owner when it
     * changes, so a stream's pushes, which find it 0, read a line that
     * nobody writes. */
    uint32_t hand_mode; /* atomic */
    /* The third line. cx_counters, inline, starting the line: written by
     * the owner of a counted executor only, away from the words that
     * pushes write. */
    uint64_t started;   /* atomic */
    uint64_t cancelled; /* atomic */
    /* The owner's wake word and the hand-off cell beside it ("hand-off",
     * below): an owner spinning on wake has the cell in the same line, so
     * an item handed to it crosses between CPUs as one cache line. A
     * counted executor never opens the cell (its pushes count under the
     * lock), so its counters and the cell never meet. */
    uint32_t wake; /* atomic: CX_WAKE_*; the owner sleeps on it */
    uint32_t pad1;
    uintptr_t hand_fn; /* the handed entry: written by the pusher that */
    uintptr_t hand_arg; /* moved wake CX_WAKE_OPEN -> CX_WAKE_HANDING, */
    struct cx_future *hand_fut; /* read by the owner once it is CX_WAKE_HANDED */
} cx_ingress;
_Static_assert(sizeof(cx_ingress) == 160, "cx_ingress size");
CX_AT(cx_ingress, lock, 0, 4);
CX_AT(cx_ingress, flags, 4, 4);
CX_AT(cx_ingress, owner, 8, 8);
CX_AT(cx_ingress, buf, 16, 8);
CX_AT(cx_ingress, len, 24, 8);
CX_AT(cx_ingress, cap, 32, 8);
CX_AT(cx_ingress, max, 40, 8);
CX_AT(cx_ingress, pushed, 48, 8);
CX_AT(cx_ingress, high_water, 56, 8);
CX_AT(cx_ingress, started_seen, 64, 8);
CX_AT(cx_ingress, full_head, 72, 8);
CX_AT(cx_ingress, full_tail, 80, 8);
CX_AT(cx_ingress, full_n, 88, 8);
CX_AT(cx_ingress, urgent, 96, 8);
CX_AT(cx_ingress, room, 104, 4);
CX_AT(cx_ingress, hand_mode, 108, 4);
CX_AT(cx_ingress, started, 112, 8);
CX_AT(cx_ingress, cancelled, 120, 8);
CX_AT(cx_ingress, wake, 128, 4);
CX_AT(cx_ingress, pad1, 132, 4);
CX_AT(cx_ingress, hand_fn, 136, 8);
CX_AT(cx_ingress, hand_arg, 144, 8);
CX_AT(cx_ingress, hand_fut, 152, 8);
/* The owner's counts are the cx_counters that cx_run_batch is handed. */
_Static_assert(offsetof(cx_ingress, cancelled) - offsetof(cx_ingress, started) ==
                   offsetof(cx_counters, cancelled) - offsetof(cx_counters, started),
               "cx_ingress counters");

/* cx_ingress.flags. One load of flags serves every fast-path test, so each
 * rare case costs an executor that does not use it nothing. */
#define CX_FLAG_QUIT 1       /* quit or freed: a push is refused, and Go walks the chain [cx_quit_locked: Go's admit and Free, future_ext.c for a watching run] */
#define CX_FLAG_WAITING 2    /* the owner is (about to be) asleep on wake */
#define CX_FLAG_HOST 4       /* a host loop is attached: descriptor or notify [cx_host_attach_locked] */
#define CX_FLAG_HOST_IDLE 8  /* the host was told the queue is empty: the next push wakes it [cx_host_idle_locked] */
#define CX_FLAG_COUNT 16     /* counted pushes: a bound (max) or statistics [Go, at creation] */
#define CX_FLAG_STAMP 32     /* statistics: stamp every CX_STAMP_EVERY-th chunk position [Go, at creation] */
#define CX_FLAG_ROOM_WAIT 64 /* a submitter sleeps on room, waiting for room [cx_room_wait] */
#define CX_FLAG_TIMERS 128   /* the timer heap is not empty (timers.c, which has the protocol) */

/* cx_ingress.wake, the word the owner sleeps on. */
#define CX_WAKE_IDLE 0     /* the owner is not waiting */
#define CX_WAKE_ARMED 1    /* the owner spins: a waker just flips the word */
#define CX_WAKE_SLEEPING 2 /* the owner is in the kernel: a waker must futex-wake */
#define CX_WAKE_SIGNALED 3
#define CX_WAKE_OPEN 4          /* the owner spins, armed, with the hand-off cell open */
#define CX_WAKE_HANDING 5       /* a pusher claimed the cell and is writing it */
#define CX_WAKE_HANDED 6        /* the cell holds an entry for the owner */
#define CX_WAKE_OPEN_SLEEPING 7 /* CX_WAKE_SLEEPING with the cell open */
/* Whether an armed owner has been woken: signalled or handed. */
#define CX_WAKE_WOKEN(w) ((w) == CX_WAKE_SIGNALED || (w) == CX_WAKE_HANDING || (w) == CX_WAKE_HANDED)

/* The ingress protocol (ingress.c unless named otherwise).
 *
 *   - lock [cx_mutex_lock, cx_mutex_unlock; cx_lock, cx_unlock]: a
 *     three-state futex mutex. lock: CAS 0->1; else spin 100 reads, each
 *     followed by a CAS if it read 0; else swap in 2 and futex-wait while
 *     the swap returned nonzero. unlock: swap in 0; if it was 2, wake one.
 *     The CAS and swaps are seq_cst, so everything under lock is ordered.
 *     Nothing holds the lock across a call into Go: a submitter that finds
 *     it held spins 100 reads, then sleeps.
 *
 *   - push [cx_push, cx_push_mark; submit_with.c for records]: under lock,
 *     load flags once; with CX_FLAG_QUIT refuse (CX_PUSH_QUIT: Go walks the
 *     chain). If len == cap, grow [cx_grow_locked]: queue the current
 *     chunk, if any, at full_tail (full_n++) and take a fresh one from the
 *     pool (chunks.c); cap is 0 only after the owner took a batch with no
 *     spare chunk. With CX_FLAG_COUNT, count the push (below). Then write
 *     the entry at len, len++, and (with mark) store the ingress's address in
 *     the item's future, if any ("where", below). If CX_FLAG_WAITING
 *     or CX_FLAG_HOST_IDLE was set, clear them under lock, close the
 *     hand-off cell (below) under lock too [cx_hand_close_locked: CAS
 *     CX_WAKE_OPEN -> CX_WAKE_ARMED, CX_WAKE_OPEN_SLEEPING ->
 *     CX_WAKE_SLEEPING, which does not wake the owner], and, after the
 *     unlock, signal the owner [cx_signal] and wake the host
 *     [cx_host_wake, embed.c: make the signal readable, call the notify
 *     callback]. One mask tests both bits, so an executor without a host
 *     pays nothing. Before the lock, a push tries the hand-off (below).
 *
 *   - counted push [cx_count_push] (CX_FLAG_COUNT; CX_FLAG_QUIT and
 *     CX_FLAG_COUNT are tested with one mask, so an unflagged push pays
 *     nothing): under lock, let q = pushed - started_seen, after
 *     started_seen = started if CX_FLAG_STAMP and len is a multiple of
 *     CX_STAMP_EVERY (statistics: a fresh count at each stamped push, not at
 *     every push, which would read the owner's cache line every time), or
 *     if max != 0 and q >= max (the bound looks reached). Refuse if still
 *     max != 0 and q >= max (CX_PUSH_FULL: Go fails with EAGAIN or waits for
 *     room). Else pushed++; with CX_FLAG_STAMP, high_water = max(high_water,
 *     q + 1) and, at a stamped position, write cx_now() into the chunk's
 *     stamp len / CX_STAMP_EVERY. started only grows, so q never undercounts
 *     and the bound is never exceeded (high_water may exceed the true peak
 *     by what the owner started since the last refresh, never max).
 *
 *   - take [cx_take_locked, cx_take, cx_take_all_locked; the owner]: under
 *     lock, move everything queued out (the full list, then the current
 *     chunk with its len) and make a spare chunk current (NULL: the next
 *     push grows). The owner runs the batch without the lock while pushes
 *     go on into the spare chunk.
 *
 *   - the owner's next step and its wait [cx_owner_next, cx_owner_arm_unlock,
 *     cx_owner_wait in wait.c]: in one lock hold, disarm
 *     (clear CX_FLAG_WAITING, wake = CX_WAKE_IDLE), then take; with nothing
 *     queued and nothing for the policy to decide, arm (set CX_FLAG_WAITING,
 *     wake = CX_WAKE_ARMED) and unlock. Since the owner arms only after it
 *     found the queue empty under that same lock hold, a push either lands
 *     before the check or sees CX_FLAG_WAITING and signals. The owner then
 *     spins on wake, CASes CX_WAKE_ARMED -> CX_WAKE_SLEEPING, and
 *     futex-waits on wake with that value, outside any Go frame
 *     [cx_run_idle, run.c, which also serves the wake-ups that need no
 *     policy]. A run's end clears CX_FLAG_WAITING [cx_run_end_unlock].
 *
 *   - signal [cx_signal]: CAS wake to CX_WAKE_SIGNALED unless it is
 *     CX_WAKE_SIGNALED, CX_WAKE_HANDING or CX_WAKE_HANDED (the owner is
 *     woken already, and looks at the queue under the lock once it ran the
 *     handed entry); if it was CX_WAKE_SLEEPING or CX_WAKE_OPEN_SLEEPING,
 *     futex-wake all. A signal
 *     that finds CX_WAKE_ARMED or CX_WAKE_OPEN ends the owner's spin (and
 *     closes the cell); one that finds CX_WAKE_IDLE is harmless, since the
 *     owner looks at the queue under the lock before it arms again.
 *
 *   - hand-off [cx_hand in cx_push_mark; cx_owner_arm_unlock opens;
 *     cx_hand_close_locked (a push under the lock, a quit, a timer) and
 *     cx_run_hand close; cx_run_hand in run.c takes]: a push to an owner
 *     armed on an empty queue, without the lock. The owner arms with
 *     wake = CX_WAKE_OPEN instead of CX_WAKE_ARMED when flags has none of
 *     CX_FLAG_QUIT, CX_FLAG_COUNT, CX_FLAG_HOST and CX_FLAG_TIMERS (the
 *     cases whose pushes need the lock) and it is not serving a stream
 *     (its policy: cx_owner_arm_unlock), and sets hand_mode to whether it opened the cell (a store
 *     only when that changes; a push loads hand_mode, and wake only if it
 *     is 1). An owner that stops spinning keeps it open while it sleeps
 *     (CAS CX_WAKE_OPEN -> CX_WAKE_OPEN_SLEEPING, futex-wait on that
 *     value). A pusher that loads CX_WAKE_OPEN or CX_WAKE_OPEN_SLEEPING
 *     CASes it to CX_WAKE_HANDING (seq_cst), writes hand_fn, hand_arg,
 *     hand_fut (and the future's "where", as a push under the lock does),
 *     stores CX_WAKE_HANDED (release) and, if the owner slept, futex-wakes
 *     it. The owner, whose spin or sleep ends on
 *     CX_WAKE_HANDING or CX_WAKE_HANDED, waits out CX_WAKE_HANDING (two
 *     stores away), loads the cell after an acquire load of
 *     CX_WAKE_HANDED, stores CX_WAKE_IDLE and runs the entry, before it
 *     takes from the queue or returns to Go. Why the order holds:
 *       - CX_WAKE_OPEN is stored under the lock only after the owner found
 *         the queue empty, and stays only until a push under the lock
 *         (which sees CX_FLAG_WAITING and, in the same lock hold, closes
 *         the cell [cx_hand_close_locked]: so while the cell is open the
 *         queue is empty, and a second pusher cannot queue an entry under
 *         the lock and then hand a later one past it) or one hand-off (the
 *         cell is claimed once per arming). A timer's insert and an urgent
 *         push close it the same way. So the handed entry is queued after everything taken
 *         before the arming and before everything pushed after it under
 *         the lock; a thread's later push finds wake no longer open and
 *         goes under the lock, behind it.
 *       - A quit (cx_quit_locked) closes the cell under the lock (CAS
 *         CX_WAKE_OPEN -> CX_WAKE_SIGNALED) before the quit is published,
 *         so no hand-off lands after a quit someone could have seen; one
 *         that landed before it is run by the owner before the owner's
 *         next step sees the quit (the owner drains after quit anyway).
 *       - The owner closes the cell when its wait ends (cx_run_hand: CAS
 *         CX_WAKE_OPEN or CX_WAKE_OPEN_SLEEPING -> CX_WAKE_IDLE) unless
 *         something was handed.
 *       - Only cx_run_idle waits on wake after an arming, and it runs a
 *         handed entry before anything else, so no taker of the queue,
 *         in C or in Go, ever meets a filled cell.
 *
 *   - room [cx_room_wait, cx_make_room, cx_take_room_waiters_locked; Go's
 *     policy (executor/bounds.go) decides fail, wait or give up]: room is a sequence number, even while no waiter sleeps. A
 *     submitter waiting for room on a bounded queue sets CX_FLAG_ROOM_WAIT
 *     under lock, reads room, spins, then CASes in room's low bit and
 *     futex-waits on it. Whoever makes room (the owner once the queue is
 *     down to max / 2, a quit, a free) clears the flag under lock and moves
 *     room to its next even value; only if the low bit was set does it wake
 *     all sleepers on room after the unlock.
 *
 *   - host [cx_host_attach_locked, cx_host_idle_locked, called by the
 *     policy (executor/ready.go); embed.c raises and clears the signal]:
 *     CX_FLAG_HOST says a host loop is attached (ctexec_fd,
 *     ctexec_set_notify); CX_FLAG_HOST_IDLE says the host was told the queue
 *     is empty. The owner sets CX_FLAG_HOST_IDLE when it finds the queue
 *     empty: unlock, clear the signal [cx_host_clear], lock, check the queue
 *     again, and set the flag only if it is still empty (else raise the
 *     signal again [cx_host_wake]: a push in between saw no flag and told
 *     no one). So the host's signal is raised whenever work is queued and
 *     CX_FLAG_HOST_IDLE is clear. cx_owner_next leaves that decision to the
 *     policy (CX_NEXT_LOCKED) while a host is attached and not yet idle. */

/* ---- Future ---------------------------------------------------------------
 * A future's slot, in one slab of C memory (future.c). It completes exactly
 * once: with a result and CTEXEC_OK, with a host error code (> 0), with
 * CTEXEC_ECANCELLED, or with CTEXEC_EINVAL when an item's callback broke the
 * contract. */
typedef struct cx_future {
    uint32_t state;   /* atomic: generation << CX_FUT_GEN_SHIFT | CX_FUT_* bits */
    int32_t code;     /* the outcome's status; the claimer writes it */
    uintptr_t result; /* the claimer writes it; the pool's link while free; "where" while queued */
} cx_future;
_Static_assert(sizeof(cx_future) == 16, "cx_future size");
CX_AT(cx_future, state, 0, 4);
CX_AT(cx_future, code, 4, 4);
CX_AT(cx_future, result, 8, 8);

/* cx_future.state: the bits, below the generation. */
#define CX_FUT_HANDLE 1    /* the host holds the handle */
#define CX_FUT_QUEUED 2    /* a queued entry refers to the slot */
#define CX_FUT_PROMISE 4   /* a promise: set_result and set_error allowed */
#define CX_FUT_STARTED 8   /* the item began running: a cancel is too late */
#define CX_FUT_CLAIMED 16  /* a completer owns code and result */
#define CX_FUT_DONE 32     /* published: code and result are final */
#define CX_FUT_SLEEPERS 64 /* a waiter may be in the kernel */
#define CX_FUT_EXT 128     /* the future has side state (future_ext.c) */
#define CX_FUT_GEN_SHIFT 8
#define CX_FUT_GEN_MASK 16777215 /* (1 << (32 - CX_FUT_GEN_SHIFT)) - 1 */
_Static_assert(CX_FUT_GEN_MASK == (1u << (32 - CX_FUT_GEN_SHIFT)) - 1, "CX_FUT_GEN_MASK");
_Static_assert(CX_FUT_EXT < (1u << CX_FUT_GEN_SHIFT), "CX_FUT_* bits below the generation");

/* The future protocol (future.c unless named otherwise).
 *
 * Every transition is a CAS on the whole state word, generation included,
 * so an operation made through a stale handle (an older generation) fails
 * instead of touching the slot's new future. state is also the futex word
 * that waiters sleep on.
 *
 *   - alloc [cx_fut_alloc]: pop a slot from the pool (a lock-free stack with
 *     a tag against ABA), or take a fresh one; code = result = 0, then a
 *     release store of state = gen | CX_FUT_HANDLE, plus CX_FUT_QUEUED for
 *     an item's future or CX_FUT_PROMISE for a promise.
 *
 *   - start [cx_fut_start; the owner, in cx_run_batch]: set CX_FUT_STARTED
 *     unless CX_FUT_CLAIMED | CX_FUT_DONE (then the item was cancelled first
 *     and is skipped). Exactly one of this CAS and a cancel's claim wins.
 *
 *   - claim [cx_fut_claim, cx_fut_claim_locked]: set CX_FUT_CLAIMED unless
 *     CX_FUT_CLAIMED | CX_FUT_DONE (and, for a cancel, unless
 *     CX_FUT_STARTED). Only the claimer writes code and result, then
 *     publishes.
 *
 *   - publish [cx_fut_publish]: set CX_FUT_DONE and clear CX_FUT_CLAIMED |
 *     CX_FUT_SLEEPERS (and CX_FUT_QUEUED when the item is over) in one CAS;
 *     if CX_FUT_SLEEPERS was set, futex-wake all. The CAS's release orders
 *     the claimer's code and result before any reader that sees CX_FUT_DONE
 *     with an acquire load. cx_fut_complete is claim, write, publish: the one
 *     implementation of set_result, set_error, cancel, an item's end and a
 *     freed executor's discards.
 *
 *   - wait [cx_fut_wait, with cx_spin]: while live and not CX_FUT_DONE,
 *     spin (wait.c has the spin's policy), then CAS in CX_FUT_SLEEPERS
 *     and futex-wait on state with that value; re-read state after each
 *     wake. The outcome is read between two acquire loads of state that
 *     must show the same live generation.
 *
 *   - where [cx_push_mark, ingress.c]: while an item's future is pending
 *     and unclaimed, result holds the address of the ingress its entry was
 *     pushed to (the push stores it under lock before it writes the entry;
 *     an item never moves to another executor). Only deadlock detection
 *     reads it, with a seqlock read of state around it: deadlock.c has the
 *     protocol.
 *
 *   - free and release [cx_fut_free, cx_fut_unqueue, cx_fut_release]:
 *     freeing the handle clears CX_FUT_HANDLE; an item that is over clears
 *     CX_FUT_QUEUED (with its publish, or cx_fut_unqueue for a skipped
 *     item). Whoever clears the last of the two releases: swap in the next
 *     generation with no bits, wake sleepers (a waiter on a freed handle
 *     wakes to CTEXEC_EBADHANDLE), push the slot on the pool.
 *
 *   - side state [future_ext.c: cx_ext_mark, cx_fut_complete_ext]: a future
 *     with done callbacks, or runs watching it, carries CX_FUT_EXT. It is
 *     set under the side state's stripe lock, only while the future is
 *     pending and unclaimed; once set, claims and publishes happen under
 *     that lock, so that watching runs quit before the future is seen done
 *     and callbacks run in registration order. The side state and its lock
 *     are C's, so a thread the Go runtime has never seen completes such a
 *     future without entering Go. */

/* ---- Spinning -------------------------------------------------------------
 * The adaptive spin of idle owners and of waiters (wait.c, cx_spin; Go's
 * copy for submitters waiting for room is executor/spin.go): the budget
 * starts at the spin limit (cx_spin_ns: CTEXEC_SPIN_NS, else CX_SPIN_NS_DEFAULT),
 * grows on a spin that succeeded and halves on one that ran out; once it is
 * below CX_SPIN_MIN_NS, only one wait in CX_SPIN_PROBE_EVERY spins. */
#define CX_SPIN_NS_DEFAULT 50000
#define CX_SPIN_MIN_NS 1000
#define CX_SPIN_PROBE_EVERY 32

/* ---- The load-time check --------------------------------------------------
 * Every size, offset and constant above, in the order of
 * executor.SharedValues(). CX_SHARED_VALUES is the list as int64_t values
 * (shim.c compiles it into cx_shared_values, which capi compares with Go's
 * list at load), CX_SHARED_NAMES the same list as strings, for the test that
 * names a mismatch. */
#define CX_SHARED_LIST(X)                                                                              \
    X(sizeof(cx_entry))                                                                                \
    X(offsetof(cx_entry, fn)) X(offsetof(cx_entry, arg)) X(offsetof(cx_entry, fut))                    \
    X(sizeof(cx_counters))                                                                             \
    X(offsetof(cx_counters, started)) X(offsetof(cx_counters, cancelled))                              \
    X(sizeof(cx_ingress))                                                                              \
    X(offsetof(cx_ingress, lock)) X(offsetof(cx_ingress, flags))                                       \
    X(offsetof(cx_ingress, owner)) X(offsetof(cx_ingress, buf))                                        \
    X(offsetof(cx_ingress, len)) X(offsetof(cx_ingress, cap))                                          \
    X(offsetof(cx_ingress, max)) X(offsetof(cx_ingress, pushed))                                       \
    X(offsetof(cx_ingress, high_water)) X(offsetof(cx_ingress, started_seen))                          \
    X(offsetof(cx_ingress, full_head)) X(offsetof(cx_ingress, full_tail))                              \
    X(offsetof(cx_ingress, full_n)) X(offsetof(cx_ingress, urgent))                                    \
    X(offsetof(cx_ingress, room)) X(offsetof(cx_ingress, hand_mode))                                     \
    X(offsetof(cx_ingress, started)) X(offsetof(cx_ingress, cancelled))                                \
    X(offsetof(cx_ingress, wake)) X(offsetof(cx_ingress, pad1))                                        \
    X(offsetof(cx_ingress, hand_fn)) X(offsetof(cx_ingress, hand_arg))                                 \
    X(offsetof(cx_ingress, hand_fut))                                                                  \
    X(sizeof(cx_future))                                                                               \
    X(offsetof(cx_future, state)) X(offsetof(cx_future, code)) X(offsetof(cx_future, result))          \
    X(CX_FLAG_QUIT) X(CX_FLAG_WAITING) X(CX_FLAG_HOST) X(CX_FLAG_HOST_IDLE)                            \
    X(CX_FLAG_COUNT) X(CX_FLAG_STAMP) X(CX_FLAG_ROOM_WAIT) X(CX_FLAG_TIMERS)                           \
    X(CX_CHUNK_LEN) X(CX_STAMP_EVERY) X(CX_CHUNK_BYTES)                                                \
    X(CX_WAKE_IDLE) X(CX_WAKE_ARMED) X(CX_WAKE_SLEEPING) X(CX_WAKE_SIGNALED)                           \
    X(CX_WAKE_OPEN) X(CX_WAKE_HANDING) X(CX_WAKE_HANDED) X(CX_WAKE_OPEN_SLEEPING)                      \
    X(CX_FUT_HANDLE) X(CX_FUT_QUEUED) X(CX_FUT_PROMISE) X(CX_FUT_STARTED)                              \
    X(CX_FUT_CLAIMED) X(CX_FUT_DONE) X(CX_FUT_SLEEPERS) X(CX_FUT_EXT)                                  \
    X(CX_FUT_GEN_SHIFT) X(CX_FUT_GEN_MASK)                                                             \
    X(CX_SPIN_NS_DEFAULT) X(CX_SPIN_MIN_NS) X(CX_SPIN_PROBE_EVERY)

#define CX_SHARED_VALUE(e) (int64_t)(e),
#define CX_SHARED_NAME(e) #e,
#define CX_SHARED_ONE(e) +1
#define CX_SHARED_VALUES { CX_SHARED_LIST(CX_SHARED_VALUE) }
#define CX_SHARED_NAMES { CX_SHARED_LIST(CX_SHARED_NAME) }
#define CX_SHARED_COUNT 67
_Static_assert((0 CX_SHARED_LIST(CX_SHARED_ONE)) == CX_SHARED_COUNT, "CX_SHARED_COUNT");

#endif
