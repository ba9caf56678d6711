/* Internal to libctexec: shared by the C files of capi/ and the cgo
 * preambles. The structs and constants that Go and C both touch, and their
 * protocol, are in shared.h. */
#ifndef CTEXEC_SHIM_H
#define CTEXEC_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include "ctexec.h"
#include "shared.h"

/* Internal symbols. A DLL exports only what is dllexport (and listed in
 * ctexec.def), so Windows needs no attribute. */
#if defined(_WIN32)
#define CX_HIDDEN
#else
#define CX_HIDDEN __attribute__((visibility("hidden")))
#endif

/* The C allocation behind a ctexec*: a slot in one mmap'd slab, so a
 * pointer is validated by arithmetic and a magic number, never by reading
 * memory that might not be ours. */
struct ctexec {
    uint64_t magic;
    uint64_t handle; /* cgo.Handle of the Go-side entry */
    cx_ingress in;
    /* Embedding in a host loop (embed.c). host_sig is written once, before
     * the executor is attached; notify and notify_ud change under in's
     * lock; notify_busy counts wakes that may still call notify. */
    intptr_t host_sig;   /* what the host waits on (hostfd_*.c), + 1; 0: none yet */
    intptr_t host_raise; /* what raises it (a pipe's write end; else the same) */
    uint32_t notify_busy;
    ctexec_notify_fn notify;
    void *notify_ud;
    /* The creating (owner) thread's record, for deadlock detection
     * (deadlock.c); NULL if it has none. Set once, by ctexec_new. */
    struct cx_thread *owner_rec;
    /* The run in progress (future_ext.c), under in's lock: the future
     * ctexec_run_until runs until, with its generation (NULL: no run is
     * watching one), and the future whose completion quit the executor.
     * watch_next links the runs watching futures of one stripe, under
     * that stripe's lock. */
    cx_future *run_target;
    uint32_t run_gen;
    /* The owner's alone (run.c, cx_run_batch): 1 while the last thing
     * it ran was an urgent snapshot taken after a batch's last entry, so
     * that the next batch does not look again before its first entry. */
    uint32_t urgent_after;
    cx_future *quit_by;
    struct ctexec *watch_next;
    /* Submit options (submit_with.c): the urgent lane, a FIFO list of
     * records under in's lock (its length in in.urgent); the error hook
     * (set once by ctexec_new_with, NULL: none); and the timer module's
     * state (NULL: no timer was ever added). */
    struct cx_xrec *urgent_head, *urgent_tail;
    struct cx_errhook *err;
    struct cx_timers *timers;
    /* The owner's empty chunks (ingress.c, "The owner's pool"), linked
     * through their last word: the owner's alone while it runs, else
     * under in's lock. */
    void *pool;
    uint32_t pool_n;
    /* The hand-off's policy (ingress.c, cx_owner_arm_unlock), the owner's
     * alone: items run since the owner's last wait ended, and how many
     * more armings keep the cell closed after a wake-up that ran more
     * than one item (a stream). */
    uint32_t woke_items;
    uint32_t hand_skip;
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct ctexec) == 320, "an executor slot is 320 bytes");
#define CX_MAGIC_LIVE 0x63746578656331ull /* "ctexec1" */
#define CX_MAGIC_DEAD 0x646561646465ull

/* Set by the pthread_atfork child handler and by the panic guard; checked
 * by every entry point before it reaches Go. */
CX_HIDDEN extern volatile int cx_forked;
CX_HIDDEN extern volatile int cx_poisoned;
/* CX_SHARED_VALUES as compiled, for the load-time check in Go. */
CX_HIDDEN extern const int64_t cx_shared_values[CX_SHARED_COUNT];

/* Settings read from the C environment once, at load (the Go runtime's
 * os.Getenv sees only the environment the process started with). */
CX_HIDDEN extern int64_t cx_spin_ns;        /* CTEXEC_SPIN_NS */
CX_HIDDEN extern char cx_debug_panic[32];   /* CTEXEC_DEBUG_PANIC */

typedef struct cx_outcome {
    int rc;
    uintptr_t result;
} cx_outcome;

/* Go cannot call C function pointers; these trampolines do it. */
CX_HIDDEN cx_outcome cx_call(uintptr_t fn, uintptr_t arg);
typedef struct cx_batch_stop {
    size_t done; /* entries finished */
    int ran;     /* the next entry's item ran; rc and result are its outcome */
    int rc;
    uintptr_t result;
} cx_batch_stop;
CX_HIDDEN cx_batch_stop cx_run_batch(cx_ingress *in, int lanes, const cx_entry *e, size_t n, cx_counters *cnt);
/* cx_run_batch with runner, the handle of a Go runner (gocalls.c), for
 * the Go items of Go programs that use the core directly. */
CX_HIDDEN cx_batch_stop cx_run_batch_go(uintptr_t runner, cx_ingress *in, int lanes, const cx_entry *e, size_t n,
                                        cx_counters *cnt);
CX_HIDDEN int cx_urgent_first_look(cx_ingress *in, int lanes, int queued);
CX_HIDDEN void cx_stall(uintptr_t fn, uintptr_t ex, int64_t age, uintptr_t userdata);

/* Executor slots: allocated by Go's ctexecgo_new, released by ctexec_free, and
 * reused only after a quarantine of CX_QUARANTINE other released slots. */
CX_HIDDEN struct ctexec *cx_slot_alloc(void);
CX_HIDDEN void cx_slot_release(uintptr_t slot);

/* The caller's thread id, and ex if it is a live executor (slots.c). */
CX_HIDDEN uint64_t cx_self(void);
CX_HIDDEN struct ctexec *cx_valid(ctexec *ex);

/* The ingress lock (ingress.c), and the host wake-ups (embed.c): see the
 * host protocol in shared.h. */
CX_HIDDEN void cx_lock(cx_ingress *in);
CX_HIDDEN void cx_unlock(cx_ingress *in);
CX_HIDDEN void cx_host_wake(cx_ingress *in, int notify);
CX_HIDDEN int cx_host_wake_due(cx_ingress *in, const int64_t *due);

/* The host's signal (hostfd_*.c): what a host loop waits on, set while
 * raised. Each platform has one kind, cx_host_kind: a descriptor on POSIX
 * (ctexec_fd), an event HANDLE on Windows (ctexec_event_handle); the other
 * call returns CTEXEC_EINVAL. open returns 0 and sets *sig (what the host
 * waits on) and *raise (what raises it), or returns -1; raise never
 * blocks; clear resets it without blocking. */
#define CX_HOST_FD 1
#define CX_HOST_EVENT 2
CX_HIDDEN extern const int cx_host_kind;
CX_HIDDEN int cx_hostsig_open(intptr_t *sig, intptr_t *raise);
CX_HIDDEN void cx_hostsig_raise(intptr_t raise);
CX_HIDDEN void cx_hostsig_clear(intptr_t sig);
CX_HIDDEN void cx_hostsig_close(intptr_t sig, intptr_t raise);
CX_HIDDEN void cx_host_clear(cx_ingress *in);
CX_HIDDEN void cx_host_detach(struct ctexec *s);

/* A three-state futex mutex on a word: 0 free, 1 held, 2 held with
 * waiters (ingress.c). cx_lock and cx_unlock are it on an ingress. */
CX_HIDDEN void cx_mutex_lock(uint32_t *w);
CX_HIDDEN void cx_mutex_unlock(uint32_t *w);

/* Queue chunks (chunks.c): the process-wide pool. */
CX_HIDDEN void *cx_chunk_get(void); /* NULL: out of memory */
CX_HIDDEN void cx_chunk_put(void *c);

/* The owner's take (ingress.c): what cx_take_locked swapped out of an
 * ingress, the full list (linked through each chunk's last word:
 * cx_taken_next) then the current chunk, which holds len entries. */
typedef struct cx_taken {
    void *full_head;
    uint64_t full_n;
    void *buf;
    uint64_t len;
} cx_taken;
CX_HIDDEN void cx_ingress_init(cx_ingress *in, uint64_t owner, uint64_t max, uint32_t flags, int chunks);
CX_HIDDEN int cx_take_locked(cx_ingress *in, void *spare, cx_taken *out);
CX_HIDDEN void cx_take_all_locked(cx_ingress *in, void *spare, cx_taken *out);
CX_HIDDEN void *cx_taken_next(void *chunk);
enum { CX_NEXT_TAKEN, CX_NEXT_ARMED, CX_NEXT_LOCKED };
typedef struct cx_next {
    int next;
    cx_taken taken; /* with CX_NEXT_TAKEN */
} cx_next;
CX_HIDDEN cx_next cx_owner_next(cx_ingress *in, int64_t deadline);
CX_HIDDEN cx_next cx_take_go(cx_ingress *in);
CX_HIDDEN cx_taken cx_take_all_go(cx_ingress *in);
CX_HIDDEN void cx_pool_put(cx_ingress *in, void *chunk);
CX_HIDDEN void cx_pool_drain(cx_ingress *in);
/* The owner's wait in a run, and the wake-ups that need no policy
 * (run.c). */
CX_HIDDEN int cx_run_idle(cx_ingress *in, int64_t left_ns, int fast, uintptr_t runner);
CX_HIDDEN void cx_owner_arm_unlock(cx_ingress *in);

/* Room, quit, the end of a run and the host flags (ingress.c, which has
 * their protocol). cx_room_wait waits for room in a bounded queue, the lock
 * not held, and answers OK (push again), QUIT (quit or freed: the policy
 * tells which) or TIMEDOUT; AGAIN is internal. cx_quit_locked returns what
 * cx_quit_wake wakes after the unlock (CX_QUIT_*). */
typedef enum { CX_ROOM_OK, CX_ROOM_QUIT, CX_ROOM_TIMEDOUT, CX_ROOM_AGAIN } cx_room_t;
/* An ingress flag of the policy's (set at init by executor.configure),
 * above shared.h's: a bounded queue that fails when full
 * (CTEXEC_FULL_FAIL) instead of waiting for room. Without it, a C
 * thread's submit waits for room in C (shim.c, cx_enqueue). */
#define CX_FLAG_FAIL_FULL (1u << 16)
#define CX_QUIT_SIGNAL 1
#define CX_QUIT_ROOM 2
CX_HIDDEN int cx_bound_reached_locked(cx_ingress *in);
CX_HIDDEN cx_room_t cx_room_wait(cx_ingress *in, int64_t left_ns);
CX_HIDDEN void cx_make_room(cx_ingress *in);
CX_HIDDEN int cx_spin_while(const uint32_t *word, uint32_t val, int64_t deadline); /* wait.c */
CX_HIDDEN int cx_quit_locked(cx_ingress *in);
CX_HIDDEN void cx_quit_wake(cx_ingress *in, int w);
CX_HIDDEN void cx_quit(cx_ingress *in);
CX_HIDDEN void cx_run_end_unlock(cx_ingress *in);
CX_HIDDEN int cx_host_attach_locked(cx_ingress *in, uint64_t held);
CX_HIDDEN int cx_host_idle_locked(cx_ingress *in, uint64_t held, int force);

/* The urgent lane's word (cx_ingress.urgent; submit_with.c). */
#define CX_URGENT_USED (1ull << 32)
#define CX_URGENT_COUNT (CX_URGENT_USED - 1)

/* The push (ingress.c; shared.h has the protocol). */
typedef enum { CX_PUSHED, CX_PUSH_QUIT, CX_PUSH_FULL, CX_PUSH_NOMEM } cx_push_t;
CX_HIDDEN cx_push_t cx_push(cx_ingress *in, uintptr_t fn, uintptr_t arg, cx_future *fut);
CX_HIDDEN cx_push_t cx_push_mark(cx_ingress *in, uintptr_t fn, uintptr_t arg, cx_future *fut, int mark);

/* Submit options (submit_with.c, which has the protocol). An item with a
 * destroy function or the urgent flag is queued as a record: its entry is
 * {cx_xrun, record, future}; the urgent lane holds records only.
 *   cx_push_item pushes fn(arg) with its attributes: a plain cx_push when
 *     it has none; else a record (CX_PUSH_NOMEM if none can be had). On
 *     CX_PUSHED the item's outcome belongs to the queue (the owner runs
 *     it, a canceller or ctexec_free ends it; destroy is called then);
 *     otherwise nothing was queued, the caller still owns the outcome
 *     (destroy not called). With a future f, destroy and arg must have
 *     been attached to it (cx_fut_set_destroy) first.
 *   cx_push_entry is the push of an entry that may be a record (Go's
 *     chain walk, waits for room): a record goes to its lane.
 *   cx_fut_set_destroy attaches destroy(arg) to the future f of
 *     generation gen, for ctexec_future_cancel (0, or CTEXEC_ENOMEM).
 *   cx_fut_cancelled_destroy is what ctexec_future_cancel calls once its
 *     cancel won: destroy(arg), if attached to that generation and still
 *     owed (a cancel by the library, e.g. of a timer at quit, calls it too).
 *   cx_fut_drop_destroy: generation gen's destroy is no longer owed through
 *     the future (the item started, or its outcome was decided elsewhere).
 *   cx_run_urgent runs up to max items of the urgent lane queued now.
 *   cx_item_error hands a fire-and-forget item's nonzero code to the hook. */
typedef struct cx_xrec {
    uintptr_t fn, arg;
    ctexec_destroy_fn destroy; /* NULL: none */
    cx_future *fut;            /* NULL: fire and forget */
    struct cx_xrec *next;      /* the urgent lane's link */
    uint32_t flags;            /* CTEXEC_SUBMIT_URGENT */
    struct cx_rec_slab *slab;  /* the slab it was carved from, or NULL (submit_with.c, "The record pool") */
} cx_xrec;
CX_HIDDEN int cx_xrun(void *rec, void **result);
/* cx_push_item's flags may add CX_ITEM_HANDED_OUT: the future's handle is
 * already held by the host (a timer's), so the push must not mark where
 * it is queued (see cx_push_mark). */
#define CX_ITEM_HANDED_OUT 0x80000000u
CX_HIDDEN cx_push_t cx_push_item(cx_ingress *in, uintptr_t fn, uintptr_t arg, cx_future *fut,
                                 ctexec_destroy_fn destroy, uint32_t flags);
CX_HIDDEN cx_push_t cx_push_entry(cx_ingress *in, uintptr_t fn, uintptr_t arg, cx_future *fut);
CX_HIDDEN int cx_fut_set_destroy(cx_future *f, uint32_t gen, ctexec_destroy_fn destroy, uintptr_t arg);
CX_HIDDEN void cx_fut_cancelled_destroy(cx_future *f, uint32_t gen);
CX_HIDDEN void cx_fut_drop_destroy(cx_future *f, uint32_t gen);
CX_HIDDEN uint64_t cx_run_urgent(cx_ingress *in, cx_counters *cnt, uint64_t max);
CX_HIDDEN void cx_run_rec(cx_ingress *in, struct cx_xrec *r, cx_counters *cnt);
CX_HIDDEN void cx_discard_rec(struct cx_xrec *r);
/* The records' memory (submit_with.c, "The record pool"): cx_rec_alloc
 * returns an uninitialised record or NULL (out of memory); cx_rec_free
 * takes back one from any thread, NULL included. */
CX_HIDDEN cx_xrec *cx_rec_alloc(void);
CX_HIDDEN void cx_rec_free(cx_xrec *r);
CX_HIDDEN void cx_urgent_discard(struct ctexec *s);
CX_HIDDEN void cx_item_error(cx_ingress *in, int code);
CX_HIDDEN int cx_count_push(cx_ingress *in, uint32_t fl); /* ingress.c: 0 if the bound is reached */
CX_HIDDEN int cx_errhook_set(struct ctexec *s, ctexec_error_fn fn, void *ud);
CX_HIDDEN void cx_errhook_free(struct ctexec *s);
/* The timer module's entry (delay_ns > 0): takes fn(arg) with its
 * attributes and the future slot f (NULL: fire and forget), or returns an
 * error with nothing taken (the caller then calls destroy). */
CX_HIDDEN int cx_timer_add(struct ctexec *s, uintptr_t fn, uintptr_t arg, ctexec_destroy_fn destroy,
                           uint32_t flags, int64_t delay_ns, cx_future *f, uint32_t gen);

/* The executor slot that holds an ingress. */
#define CX_SLOT_OF(inp) ((struct ctexec *)((char *)(inp) - offsetof(struct ctexec, in)))

/* Future slots (future.c). A handle names a slot and a generation. */
CX_HIDDEN cx_future *cx_fut_alloc(uint32_t bits, uint32_t *gen); /* NULL: out of slots */
CX_HIDDEN void cx_fut_release(cx_future *f);
CX_HIDDEN uint64_t cx_fut_handle(const cx_future *f, uint32_t gen);
/* call: the wait of ctexec_call, whose item must not outlive the call
 * (its arguments may be on the caller's stack): see cx_dl_blocked. */
CX_HIDDEN int cx_fut_wait(cx_future *f, uint32_t gen, int64_t timeout_ns, uintptr_t *out, int call);
CX_HIDDEN int cx_fut_free(cx_future *f, uint32_t gen);
CX_HIDDEN cx_future *cx_fut_lookup(uint64_t h, uint32_t *gen); /* NULL: not a handle we issued */
CX_HIDDEN int cx_fut_outcome(cx_future *f, uint32_t gen, uintptr_t *out); /* CTEXEC_ETIMEDOUT: not done */
CX_HIDDEN void cx_discard(const cx_entry *e, size_t n);

/* A state word's generation; whether it is generation gen with its handle
 * held. */
#define CX_GEN(s) ((s) >> CX_FUT_GEN_SHIFT)
#define CX_LIVE(s, gen) (CX_GEN(s) == (gen) && ((s) & CX_FUT_HANDLE))
CX_HIDDEN int cx_fut_claim_locked(cx_future *f, uint32_t gen, int kind);
CX_HIDDEN void cx_fut_unqueue(cx_future *f);
CX_HIDDEN int cx_fut_start(cx_future *f); /* 0: cancelled first, the item is skipped */

/* Timers (timers.c, which has their protocol). */
struct cx_timers;
CX_HIDDEN void cx_timers_move_due(cx_ingress *in);
CX_HIDDEN void cx_timers_after_ready(struct ctexec *s);
CX_HIDDEN int64_t cx_timers_wait_limit(struct ctexec *s, int64_t left);
CX_HIDDEN void cx_timers_quit(struct ctexec *s);
CX_HIDDEN void cx_timers_free(struct ctexec *s);
CX_HIDDEN void cx_timers_attached(struct ctexec *s);

/* Who completes a future, which decides what it may do (future.c). */
enum { CX_BY_ITEM, CX_BY_PROMISE, CX_BY_CANCEL };
CX_HIDDEN int cx_fut_complete(cx_future *f, uint32_t gen, int kind, uintptr_t result, int code);
CX_HIDDEN int cx_fut_publish(cx_future *f, int kind); /* 1: the slot's last reference went */

/* The side state of futures (future_ext.c): the runs watching them and
 * their done callbacks, under a lock striped by slot. CX_FUT_EXT in the
 * state word says a future may have some; then its completion takes the
 * stripe's lock (cx_fut_complete_ext). */
CX_HIDDEN int cx_fut_complete_ext(cx_future *f, uint32_t gen, int kind, uintptr_t result, int code);
CX_HIDDEN int cx_fut_add_done(cx_future *f, uint32_t gen, uint64_t h, uintptr_t cb, uintptr_t ud);
CX_HIDDEN void cx_fut_drop_ext(cx_future *f, uint32_t gen);
CX_HIDDEN int cx_run_watch(cx_ingress *in, cx_future *f);
CX_HIDDEN void cx_run_stop_locked(cx_ingress *in);
CX_HIDDEN void cx_run_unwatch(cx_ingress *in, cx_future *f);
CX_HIDDEN void cx_settle(cx_future *f);
CX_HIDDEN void cx_settle_quit(cx_ingress *in);
/* An entry's fut (shared.h, "Entry"): the future, or NULL if it has none
 * or holds a destroy function instead. */
static inline cx_future *cx_entry_future(const cx_future *fut) {
    return ((uintptr_t)fut & CX_ENTRY_DESTROY) ? NULL : (cx_future *)fut;
}
/* The destroy function an entry's fut holds, or NULL. */
static inline ctexec_destroy_fn cx_entry_destroy(const cx_future *fut) {
    return ((uintptr_t)fut & CX_ENTRY_DESTROY) ? (ctexec_destroy_fn)((uintptr_t)fut & ~CX_ENTRY_DESTROY) : NULL;
}
static inline cx_future *cx_entry_tag_destroy(ctexec_destroy_fn destroy) {
    return (cx_future *)((uintptr_t)destroy | CX_ENTRY_DESTROY);
}
CX_HIDDEN void cx_signal(cx_ingress *in);
CX_HIDDEN void cx_hand_close_locked(cx_ingress *in);
CX_HIDDEN int cx_owner_wait(cx_ingress *in, int64_t left_ns);
CX_HIDDEN int cx_take_room_waiters_locked(cx_ingress *in);
CX_HIDDEN extern uint64_t cx_futures_live; /* handles given to the host, not yet freed */

/* Deadlock detection (deadlock.c, which documents it). cx_thread_self is
 * the calling thread's record, NULL until it creates an executor;
 * cx_thread_rec makes it (NULL if none is left). cx_dl_enter publishes a
 * wait on an item and reports 1 for a deadlock (the publication is then
 * cleared already); cx_dl_leave clears it when the wait ends. */
struct cx_thread;
CX_HIDDEN extern __thread struct cx_thread *cx_thread_self;
CX_HIDDEN struct cx_thread *cx_thread_rec(void);
CX_HIDDEN void cx_dl_publish(struct cx_thread *me, cx_future *f, uint32_t gen, int untimed);
CX_HIDDEN int cx_dl_enter(struct cx_thread *me, cx_future *f, uint32_t gen, int untimed, cx_future **next);
CX_HIDDEN void cx_dl_leave(struct cx_thread *me);
CX_HIDDEN cx_future *cx_fut_at(uint32_t index);      /* NULL: never handed out */
CX_HIDDEN uint32_t cx_fut_index(const cx_future *f);
CX_HIDDEN int cx_fut_cancel(cx_future *f, uint32_t gen); /* ctexec_future_cancel, by slot */

/* The platform layer (platform.c lists its files). */
/* Blocks while *addr == val, at most ns nanoseconds (ns < 0: forever). May
 * return early; callers re-check. Orders no memory. */
CX_HIDDEN void cx_wait_on(uint32_t *addr, uint32_t val, int64_t ns);
CX_HIDDEN void cx_wake_one(uint32_t *addr);
CX_HIDDEN void cx_wake_all(uint32_t *addr);
CX_HIDDEN void cx_pl_wait(uint32_t *addr, uint32_t val, int64_t ns); /* the parking lot */
CX_HIDDEN void cx_pl_wake(uint32_t *addr, int all);
CX_HIDDEN int64_t cx_now(void); /* monotonic, ns */
CX_HIDDEN int64_t cx_deadline(int64_t timeout_ns);
CX_HIDDEN void cx_relax(void);
CX_HIDDEN void cx_sleep_ns(int64_t ns); /* test pauses only */
CX_HIDDEN void *cx_pages_alloc(size_t size); /* zeroed; NULL on failure */
CX_HIDDEN void cx_pages_free(void *p, size_t size);
CX_HIDDEN void *cx_pages_reserve(size_t size);          /* address space only; NULL on failure */
CX_HIDDEN int cx_pages_commit(void *p, size_t size);    /* 0, or -1: out of memory */

/* A slab (slab.c): address space reserved once, committed from its start
 * as it is used, on every platform, so that loading the library charges
 * no memory for slots nobody uses. */
typedef struct cx_slab {
    char *base;       /* NULL: the reservation failed */
    size_t size;
    size_t committed; /* [base, base + committed) is usable */
    uint32_t lock;
} cx_slab;
CX_HIDDEN void cx_slab_init(cx_slab *s, size_t size);
CX_HIDDEN int cx_slab_cover(cx_slab *s, size_t bytes); /* 1: [0, bytes) is committed */
CX_HIDDEN void cx_fork_guard(void (*child)(void)); /* none on Windows */
CX_HIDDEN uint64_t cx_random64(void);
CX_HIDDEN long cx_ncpus(void); /* online CPUs */

/* The policy's entry points: the Go exports of package main (capi/main.go),
 * which C reaches through this table. The machinery (this package, capi/cx)
 * is a cgo package of its own, so that Go code other than the library's
 * main package can link it; it cannot name main's exports, so capi's
 * gohooks.c fills the table in a load-time constructor, before any entry
 * point can run (the exports themselves wait for the Go runtime's init).
 * In a program without package main's exports (a Go test of the core),
 * cx_go is NULL and the entry points that need Go are not called. */
typedef struct cx_go_table {
    int (*debug_panic)(void);
    int (*new_exec)(uint64_t old, uint64_t self, ctexec_options *opts, uintptr_t *out);
    int (*taker)(uint64_t ex, uintptr_t *out);
    int (*submit)(uint64_t ex, uintptr_t fn, uintptr_t arg, cx_future *fut, uint64_t self, int64_t timeout,
                  int waited);
    int (*stats)(uint64_t ex, ctexec_stats_t *out);
    int (*run_until)(uint64_t ex, cx_future *fut, uint32_t gen, int64_t timeout, uint64_t self, int64_t *left, int *wait);
    int (*run_resume)(uint64_t ex, cx_future *fut, int slept, int64_t *left, int *wait);
    int (*run_ready)(uint64_t ex, uint64_t max_items, int64_t max_ns, uint64_t self, uint64_t *ran);
    int (*chain_live)(uint64_t ex, uintptr_t *out);
    int (*attach)(uint64_t ex);
    int (*free_exec)(uint64_t ex);
    int (*live_counts)(uint64_t *execs, uint64_t *queued);
} cx_go_table;
CX_HIDDEN extern const cx_go_table *cx_go;

/* Entries into Go by the calling thread: every call through cx_go goes
 * through CX_GO. The self-test (capi/selftest.go) checks that a thread Go
 * has never seen submits, waits, cancels, frees futures and completes
 * promises without entering Go: its first entry would cost tens of
 * microseconds and lend it an M that Go takes back at thread exit. */
CX_HIDDEN extern __thread uint64_t cx_go_entries;
CX_HIDDEN extern __thread uint64_t cx_hands_run; /* run.c, cx_run_hand */
#define CX_GO(call) (cx_go_entries++, (call))

/* Entry-point prologue: the two states in which Go must not be entered. */
#define CX_ENTER()                              \
    do {                                        \
        if (cx_forked) return CTEXEC_EFORK;     \
        if (cx_poisoned) return CTEXEC_EPANIC;  \
    } while (0)

/* CTEXEC_DEBUG_PANIC=<name> makes the entry <name> panic in Go on purpose,
 * for the tests of the panic guard, even where it never enters Go. */
#define CX_HOOK(name)                                                        \
    do {                                                                     \
        if (cx_debug_panic[0] && __builtin_strcmp(cx_debug_panic, name) == 0) \
            return CX_GO(cx_go->debug_panic());                                \
    } while (0)

#define CX_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define CX_CAS(p, expp, v) \
    __atomic_compare_exchange_n((p), (expp), (v), 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)

#endif
