// Package cx is libctexec's C machinery: every transition on memory that
// Go and C share (the ingress lock, push, the future slots and their waits,
// the urgent lane, timers, the host descriptor, deadlock detection), the
// platform layer under them, and the C entry points of include/ctexec.h.
// Its protocol is written beside the code, in shared.h, shim.h and each
// file's opening comment; docs/internals.md maps each behaviour to its file.
//
// It is a cgo package of its own, apart from the library's main package
// (capi), so that Go code other than the shipped library can link the same
// machinery. The entry points reach the policy (package executor, through
// capi's Go exports) only through the table cx_go, which capi fills at load
// (capi/gohooks.c).
package cx

/*
#cgo CFLAGS: -I${SRCDIR}/../../include -DCTEXEC_BUILDING
#cgo !windows CFLAGS: -fvisibility=hidden
#cgo windows LDFLAGS: -lsynchronization
#include "shim.h"
void cx_go_done_trampoline(ctexec_future f, void *ud);
int cx_go_item(void *arg, void **result);
uint64_t cx_run_urgent_go(uintptr_t runner, cx_ingress *in, cx_counters *cnt, uint64_t max);
// cx_fut_alloc without the generation (a pointer passed from Go would
// escape to the Go heap).
static cx_future *cx_fut_alloc_any(uint32_t bits) {
    uint32_t gen;
    return cx_fut_alloc(bits, &gen);
}
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// The values of consts.go are C's.
func init() {
	if Pushed != C.CX_PUSHED || PushQuit != C.CX_PUSH_QUIT || PushFull != C.CX_PUSH_FULL || PushNoMem != C.CX_PUSH_NOMEM ||
		ByItem != C.CX_BY_ITEM || ByPromise != C.CX_BY_PROMISE || ByCancel != C.CX_BY_CANCEL ||
		NextTaken != C.CX_NEXT_TAKEN || NextArmed != C.CX_NEXT_ARMED || NextLocked != C.CX_NEXT_LOCKED ||
		RoomOK != C.CX_ROOM_OK || RoomQuit != C.CX_ROOM_QUIT || RoomTimedOut != C.CX_ROOM_TIMEDOUT ||
		FlagFailFull != C.CX_FLAG_FAIL_FULL {
		panic("cx: consts.go differs from capi/cx/shim.h")
	}
}

// The Go side's calls into the machinery. Pointers are to C memory (an
// executor slot's ingress, queue chunks, future slots), so they pass
// through cgo without a check of Go pointers; Go calls these per batch and
// on slow paths, never per item of the shipped library's runs. Each wraps
// one C function, whose protocol is beside it in C.

// Lock and Unlock take and let go of an ingress's lock (ingress.c).
func Lock(in unsafe.Pointer)   { C.cx_lock((*C.cx_ingress)(in)) }
func Unlock(in unsafe.Pointer) { C.cx_unlock((*C.cx_ingress)(in)) }

func taken(t C.cx_taken) Taken {
	return Taken{unsafe.Pointer(t.full_head), uint64(t.full_n), unsafe.Pointer(t.buf), uint64(t.len)}
}

// IngressInit makes in, memory nobody else sees yet, an empty queue,
// with its first chunks if chunks (an executor slot's ingress; ingress.c,
// cx_ingress_init).
func IngressInit(in unsafe.Pointer, owner, max uint64, flags uint32, chunks bool) {
	c := C.int(0)
	if chunks {
		c = 1
	}
	C.cx_ingress_init((*C.cx_ingress)(in), C.uint64_t(owner), C.uint64_t(max), C.uint32_t(flags), c)
}

// TakenNext is the chunk after c in a taken full list.
func TakenNext(c unsafe.Pointer) unsafe.Pointer { return C.cx_taken_next(c) }

// OwnerNext is the owner's step in one lock hold: disarm, then take
// everything queued, leaving a chunk of the owner's pool as the current
// one, or arm, or leave the decision to the caller with the lock held.
func OwnerNext(in unsafe.Pointer, deadline int64) (int, Taken) {
	r := C.cx_owner_next((*C.cx_ingress)(in), C.int64_t(deadline))
	return int(r.next), taken(r.taken)
}

// Take takes everything queued (ok), as OwnerNext does.
func Take(in unsafe.Pointer) (Taken, bool) {
	r := C.cx_take_go((*C.cx_ingress)(in))
	return taken(r.taken), r.next == C.CX_NEXT_TAKEN
}

// PoolPut gives a chunk whose entries have all run back to the owner's
// pool (or the process pool); PoolDrain empties the owner's pool, once no
// run can be in progress (ingress.c).
func PoolPut(in, c unsafe.Pointer) { C.cx_pool_put((*C.cx_ingress)(in), c) }
func PoolDrain(in unsafe.Pointer)  { C.cx_pool_drain((*C.cx_ingress)(in)) }

// RunIdle is the armed owner's wait, at most leftNs (< 0: no limit), and
// with fast the wake-ups that need no policy (run.c, cx_run_idle); it
// returns whether the last wait slept. runner: as for RunBatch.
func RunIdle(in unsafe.Pointer, leftNs int64, fast bool, runner uintptr) bool {
	f := C.int(0)
	if fast {
		f = 1
	}
	return C.cx_run_idle((*C.cx_ingress)(in), C.int64_t(leftNs), f, C.uintptr_t(runner)) != 0
}

// TakeAllLocked takes, lock held, everything queued and the current chunk
// even when nothing is (Buf: that chunk, empty; nil if none), leaving no
// current chunk.
func TakeAllLocked(in unsafe.Pointer) Taken {
	return taken(C.cx_take_all_go((*C.cx_ingress)(in)))
}

// OwnerArmUnlock arms the owner (it is about to wait on Wake) and lets go
// of the lock.
func OwnerArmUnlock(in unsafe.Pointer) { C.cx_owner_arm_unlock((*C.cx_ingress)(in)) }

// Signal wakes an ingress's owner if it is armed or asleep (ingress.c).
func Signal(in unsafe.Pointer) { C.cx_signal((*C.cx_ingress)(in)) }

// RoomWait waits, lock not held, until in's bounded queue has room
// (RoomOK), in quits or is freed (RoomQuit) or leftNs (< 0: no limit) pass
// (RoomTimedOut): spin, then sleep, in C (ingress.c, cx_room_wait).
func RoomWait(in unsafe.Pointer, leftNs int64) int {
	return int(C.cx_room_wait((*C.cx_ingress)(in), C.int64_t(leftNs)))
}

// MakeRoom wakes the submitters waiting for room once the queue is down to
// half its bound (ingress.c, cx_make_room).
func MakeRoom(in unsafe.Pointer) { C.cx_make_room((*C.cx_ingress)(in)) }

// Quit quits in for good (ingress.c, cx_quit). QuitLocked is the same with
// the lock held; it returns what QuitWake must wake after the unlock.
func Quit(in unsafe.Pointer)              { C.cx_quit((*C.cx_ingress)(in)) }
func QuitLocked(in unsafe.Pointer) int32  { return int32(C.cx_quit_locked((*C.cx_ingress)(in))) }
func QuitWake(in unsafe.Pointer, w int32) { C.cx_quit_wake((*C.cx_ingress)(in), C.int(w)) }

// RunEndUnlock ends a run, lock held: no future watched any more, the
// owner disarmed, then the lock let go (ingress.c, cx_run_end_unlock).
func RunEndUnlock(in unsafe.Pointer) { C.cx_run_end_unlock((*C.cx_ingress)(in)) }

// HostAttachLocked attaches a host, lock held, with held items taken but
// not run: true if work is queued that the host was not woken for.
// HostIdleLocked tells an attached host, lock held (and held again on
// return), that the queue is empty: false if work came in meanwhile
// (ingress.c, cx_host_attach_locked, cx_host_idle_locked).
func HostAttachLocked(in unsafe.Pointer, held uint64) bool {
	return C.cx_host_attach_locked((*C.cx_ingress)(in), C.uint64_t(held)) != 0
}
func HostIdleLocked(in unsafe.Pointer, held uint64, force bool) bool {
	f := C.int(0)
	if force {
		f = 1
	}
	return C.cx_host_idle_locked((*C.cx_ingress)(in), C.uint64_t(held), f) != 0
}

// Now is the machinery's monotonic clock, in ns.
func Now() int64 { return int64(C.cx_now()) }

// ChunkPut gives an empty queue chunk back to the process pool (chunks.c).
func ChunkPut(c unsafe.Pointer) { C.cx_chunk_put(c) }

// SlotAlloc allocates an executor slot (slots.c) and returns it with the
// address of its ingress; nil when none is left. SlotRelease gives it
// back; a released slot is reused only after a quarantine.
func SlotAlloc() (slot, in unsafe.Pointer) {
	s := C.cx_slot_alloc()
	if s == nil {
		return nil, nil
	}
	return unsafe.Pointer(s), unsafe.Pointer(&s.in)
}
func SlotRelease(slot unsafe.Pointer) { C.cx_slot_release(C.uintptr_t(uintptr(slot))) }

// Push is the push of an item onto an ingress (submit_with.c, cx_push_entry).

func Push(in unsafe.Pointer, fn, arg uintptr, f unsafe.Pointer) PushResult {
	return PushResult(C.cx_push_entry((*C.cx_ingress)(in), C.uintptr_t(fn), C.uintptr_t(arg), (*C.cx_future)(f)))
}

// RunBatch runs n entries on the owner (run.c, cx_run_batch): see
// there. It returns how many it finished and, if it stopped at an entry it
// ran, that entry's outcome. runner is 0, or the handle of the Go runner
// (GoRunner) that the batch's Go items (GoItemFn) run through.
func RunBatch(runner uintptr, in unsafe.Pointer, lanes bool, batch unsafe.Pointer, n int, cnt unsafe.Pointer) (done int, ran bool, result uintptr, rc int32) {
	look := C.int(0)
	if lanes {
		look = 1
	}
	var st C.cx_batch_stop
	if runner == 0 {
		st = C.cx_run_batch((*C.cx_ingress)(in), look, (*C.cx_entry)(batch), C.size_t(n), (*C.cx_counters)(cnt))
	} else {
		st = C.cx_run_batch_go(C.uintptr_t(runner), (*C.cx_ingress)(in), look, (*C.cx_entry)(batch), C.size_t(n), (*C.cx_counters)(cnt))
	}
	return int(st.done), st.ran != 0, uintptr(st.result), int32(st.rc)
}

// RunUrgent runs up to max items of the urgent lane (submit_with.c);
// runner as for RunBatch.
func RunUrgent(runner uintptr, in, cnt unsafe.Pointer, max uint64) uint64 {
	if runner == 0 {
		return uint64(C.cx_run_urgent((*C.cx_ingress)(in), (*C.cx_counters)(cnt), C.uint64_t(max)))
	}
	return uint64(C.cx_run_urgent_go(C.uintptr_t(runner), (*C.cx_ingress)(in), (*C.cx_counters)(cnt), C.uint64_t(max)))
}

// PushUrgent queues fn(arg) as a fire-and-forget item of the urgent lane
// (submit_with.c, cx_push_item with CTEXEC_SUBMIT_URGENT).
func PushUrgent(in unsafe.Pointer, fn, arg uintptr) PushResult {
	return PushResult(C.cx_push_item((*C.cx_ingress)(in), C.uintptr_t(fn), C.uintptr_t(arg), nil, nil, C.CTEXEC_SUBMIT_URGENT))
}

// GoItemFn is the C function of a Go item: queued with an argument, it
// calls the Go runner of the batch that runs it with that argument.
func GoItemFn() uintptr { return uintptr(unsafe.Pointer(C.cx_go_item)) }

// GoRunner makes a Go runner for RunBatch and RunUrgent; Delete the
// handle once no batch can run through it.
func GoRunner(run func(arg uintptr) (result uintptr, code int32)) cgo.Handle {
	return cgo.NewHandle(run)
}

// Discard completes the futures of a freed executor's entries with
// ECANCELLED, and destroys their records (run.c).
func Discard(entries unsafe.Pointer, n int) {
	if n > 0 {
		C.cx_discard((*C.cx_entry)(entries), C.size_t(n))
	}
}

// MoveDue moves an ingress's due timers to its queue (timers.c).
func MoveDue(in unsafe.Pointer) { C.cx_timers_move_due((*C.cx_ingress)(in)) }

// HostWake makes the descriptor readable and, with notify, calls the
// notify callback; HostClear makes it unreadable (embed.c).
func HostWake(in unsafe.Pointer, notify bool) {
	n := C.int(0)
	if notify {
		n = 1
	}
	C.cx_host_wake((*C.cx_ingress)(in), n)
}
func HostClear(in unsafe.Pointer) { C.cx_host_clear((*C.cx_ingress)(in)) }

// The runs watching futures (future_ext.c): see there.
func RunWatch(in, f unsafe.Pointer) bool {
	return C.cx_run_watch((*C.cx_ingress)(in), (*C.cx_future)(f)) != 0
}
func RunStopLocked(in unsafe.Pointer) { C.cx_run_stop_locked((*C.cx_ingress)(in)) }
func RunUnwatch(in, f unsafe.Pointer) { C.cx_run_unwatch((*C.cx_ingress)(in), (*C.cx_future)(f)) }
func Settle(f unsafe.Pointer)         { C.cx_settle((*C.cx_future)(f)) }
func SettleQuit(in unsafe.Pointer)    { C.cx_settle_quit((*C.cx_ingress)(in)) }

// Future slots (future.c). Kinds of completion:

// FutAlloc takes a slot with the given state bits; nil when none is left.
func FutAlloc(bits uint32) unsafe.Pointer {
	return unsafe.Pointer(C.cx_fut_alloc_any(C.uint32_t(bits)))
}

// FutRelease gives a slot whose handle and item are gone back to the pool.
func FutRelease(f unsafe.Pointer) { C.cx_fut_release((*C.cx_future)(f)) }

// FutComplete completes generation gen of f once (cx_fut_complete: the
// one implementation of set_result, set_error, cancel and an item's end).
func FutComplete(f unsafe.Pointer, gen uint32, kind int, result uintptr, code int32) int32 {
	return int32(C.cx_fut_complete((*C.cx_future)(f), C.uint32_t(gen), C.int(kind), C.uintptr_t(result), C.int(code)))
}

// FutStart marks an item's future started; false: it was cancelled first.
func FutStart(f unsafe.Pointer) bool { return C.cx_fut_start((*C.cx_future)(f)) != 0 }

// FutFree lets go of the handle of generation gen (releasing the slot if
// the item is over too).
func FutFree(f unsafe.Pointer, gen uint32) int32 {
	return int32(C.cx_fut_free((*C.cx_future)(f), C.uint32_t(gen)))
}

// FutWait waits for generation gen of f, at most timeoutNs (< 0: no
// limit; 0: poll), in C; it returns the outcome's result and status.
func FutWait(f unsafe.Pointer, gen uint32, timeoutNs int64) (uintptr, int32) {
	var out C.uintptr_t
	rc := C.cx_fut_wait((*C.cx_future)(f), C.uint32_t(gen), C.int64_t(timeoutNs), &out, 0)
	return uintptr(out), int32(rc)
}

// FutAddDone registers cb to run once when generation gen of f completes,
// on the completing thread (or now, if it is done and its earlier
// callbacks have run), through the C side state (future_ext.c).
func FutAddDone(f unsafe.Pointer, gen uint32, cb func()) int32 {
	h := cgo.NewHandle(cb)
	rc := int32(C.cx_fut_add_done((*C.cx_future)(f), C.uint32_t(gen), 0,
		C.uintptr_t(uintptr(unsafe.Pointer(C.cx_go_done_trampoline))), C.uintptr_t(h)))
	if rc != 0 {
		h.Delete()
	}
	return rc
}
