package executor

//go:generate go test -run=^TestSharedHeader$ -update .

import (
	"reflect"
	"strconv"
	"sync/atomic"
	"unsafe"
)

// Memory shared with C
//
// The C API (capi/) reaches into three structures without entering Go: a
// C→Go call costs 50–160 ns here, more than a whole submit. They are
// defined once, here. capi/cx/shared.h is generated from these definitions
// (go generate ./executor; TestSharedHeader fails while it is stale), it
// checks every offset at compile time, and capi checks every size, offset
// and constant again at load (SharedValues) and refuses all calls on a
// mismatch. The transitions below are the protocol. Each is implemented
// once, in C (capi/cx/shim.c, future.c, future_ext.c, submit_with.c); Go
// calls them through package cx (ingress.go, future.go, executor.go) per
// batch or on slow paths, and the Go tests of this package run them too.
// Those marked "Go" are the core's own: flags that only the owner's policy
// sets. docs/internals.md maps them.
//
// Ingress (one per executor, in the executor's C slot):
//   - Lock is a three-state futex mutex: 0 free, 1 held, 2 held with
//     waiters. lock: CAS 0→1, spin 100 reads, then swap 2 and futex-wait
//     while it was not 0. unlock: swap 0; if it was 2, wake one. [C]
//   - Flags, Buf, Len, Cap are guarded by Lock. flagQuit: pushes go down
//     the chain (Go only: C falls back to Go when it sees it). Owner is
//     immutable.
//   - Push [C; Go's chain walk and waits for room push through it]: under Lock, refuse if flagQuit (the submit walks the
//     chain, in Go); if Len == Cap, grow: queue the current chunk, if any,
//     at FullTail (FullN++) and take a fresh one from the process pool
//     (Cap 0 only after the owner took a batch with no spare chunk);
//     then write the entry at Len and Len++. If flagWaiting was set, clear it under Lock
//     and, after unlock, signal. If flagHostIdle was set, clear it under
//     Lock and, after unlock, wake the host (cx_host_wake: make the
//     descriptor readable, call the notify callback). Both bits are tested
//     with one mask, so an executor with no host pays nothing more.
//   - Counted push [C] (flagCount; an unflagged push pays nothing,
//     since C tests flagCount with flagQuit in one mask): under Lock, let
//     q = Pushed - StartedSeen, after StartedSeen = Started if flagStamp
//     and Len is a multiple of stampEvery (statistics: a fresh count at
//     each stamped push, not at every push, which would read the owner's
//     cache line every time) or if Max != 0 and q >= Max (the bound looks
//     reached). Refuse if Max != 0 and q >= Max still (C falls back to Go,
//     which fails with EAGAIN or waits for room), else Pushed++, with
//     flagStamp HighWater = max(HighWater, q+1), and with flagStamp, if Len
//     is a multiple of stampEvery, write the clock (platform Now, C's
//     cx_now) into the chunk's stamp Len/stampEvery, which follows its
//     chunkLen entries. Started only grows, so q never undercounts and
//     the bound is never exceeded (HighWater may exceed the true peak by
//     what the owner started since the last refresh, never Max).
//   - Counters [C] (the owner, in cx_run_batch): before an item starts, or is skipped
//     as cancelled, Started++ (and Cancelled++ for a skip), as atomic
//     stores. Room [Go; the flag's take is C's, cx_take_room_waiters_locked]: a submitter waiting for room sets
//     flagRoomWait under Lock and sleeps on Room; the owner (once the
//     queue is down to Max/2), quit and Free clear it under Lock, bump
//     Room and wake all.
//   - Host [Go only, the owner]: flagHost says a host loop is attached
//     (ctexec_fd, ctexec_set_notify). flagHostIdle says the host was told
//     the queue is empty. The owner sets it when it finds the queue empty
//     (run_ready, or run_until about to sleep): unlock, clear the
//     descriptor, lock, check the queue again, and set flagHostIdle only if
//     it is still empty (else make the descriptor readable again: a push in
//     between saw no flagHostIdle and told no one). So the descriptor is
//     readable whenever work is queued and flagHostIdle is clear.
//   - signal [C]: swap Wake to wakeSignaled; if it was wakeSleeping,
//     futex-wake all. The owner (Go) sets flagWaiting and Wake =
//     wakeArmed under Lock before it spins on Wake, and CASes wakeArmed →
//     wakeSleeping before it futex-waits on it.
//
// Entry: an item as queued. Fut is nil for fire and forget, else the
// item's future slot; the entry holds the slot's futQueued reference.
//
// Future (a slot in C memory):
// State holds the slot's generation above futGenShift and the fut* bits
// below it. Every transition is a CAS on the whole word, so an operation
// made through a stale handle (an older generation) fails instead of
// touching the slot's new future. State is also the futex word waiters
// sleep on.
//   - alloc [C]: State = gen | futHandle, plus
//     futQueued for an item's future or futPromise for a promise.
//   - start [C, the owner, in cx_run_batch]: set
//     futStarted unless futClaimed|futDone (then the item was cancelled
//     and is skipped).
//   - claim [C]: set futClaimed unless futClaimed|futDone (and, for
//     cancel, unless futStarted). The claimer alone writes Code and Result,
//     then publishes.
//   - publish [C]: set futDone, clear futClaimed|futSleepers (and
//     futQueued when the item is over), in one CAS; if futSleepers was set,
//     futex-wake all. The atomic publish orders the Code/Result writes
//     before any reader that sees futDone (acquire/release on State; the
//     futex calls themselves order nothing).
//   - wait [C]: while live and not futDone, spin, then CAS in
//     futSleepers and futex-wait on the word with that value.
//   - where [C]: while an item's future is pending and unclaimed,
//     Result holds the address of the Ingress its entry was pushed to
//     (push stores it under Lock before it writes the entry; an item never
//     moves to another executor). Only deadlock detection reads it, with
//     a seqlock read of State around it: capi/cx/deadlock.c has the protocol.
//   - free the handle [C]: clear futHandle. release when the handle
//     and the item are both gone: bump the generation, clear the bits,
//     wake sleepers, return the slot to its pool [C]. Whoever clears the
//     last of futHandle and futQueued releases.
//   - futExt: the future has side state (done callbacks, or runs
//     watching it). It is set under the side state's lock, only while the
//     future is pending and unclaimed; once set, claims and publishes
//     happen under that lock, so that watching runs quit before the future
//     is seen done and callbacks run in registration order. The side state
//     and its lock are C's (capi/cx/future_ext.c), so that a thread the Go
//     runtime has never seen completes such a future without entering Go.

// Entry is one queued item as it sits in a queue chunk.
type Entry struct {
	Call
	Fut *Future `c:"struct cx_future *fut"` // nil: fire and forget
}

// Ingress is the part of an executor that the C fast path touches: the
// lock, the flags it guards, the owner's wake word and the current chunk.
// It lives in the executor's C slot (capi/cx/shim.h, struct ctexec),
// because C keeps its address between calls.
type Ingress struct {
	// What every push touches, on the slot's first cache line (the C
	// slot is 64-byte aligned and holds the Ingress at offset 16, after
	// the magic number that every call validates).
	Lock  atomic.Uint32  // 0 free, 1 held, 2 held and contended
	Flags atomic.Uint32  // flag*, under Lock
	Owner uint64         // the owner's ThreadID; immutable
	Buf   unsafe.Pointer `c:"cx_entry *buf"` // Cap entries; nil when Cap is 0
	Len   uint64
	Cap   uint64
	Max   uint64 // max_queued; 0: unbounded; immutable
	// The next line: what a plain push does not touch. Wake is here, so
	// that an owner spinning on it does not take the first line away from
	// the pushes that fill its queue (measured: with Wake beside Lock, a
	// fast owner's spin cost a submitter a cache miss per push).
	// Counted pushes (flagCount): under Lock.
	Pushed    uint64 // items accepted onto this queue
	HighWater uint64 // the largest Pushed - Started seen at a push (statistics)
	// StartedSeen is a copy of Started, refreshed only when the bound
	// looks reached, so that submits to a bounded queue do not read the
	// owner's cache line at every push.
	StartedSeen uint64
	// Full chunks queued by a push that found the current one full, in
	// order, linked through each chunk's last word; under Lock. The owner
	// takes them with the current chunk.
	FullHead unsafe.Pointer `c:"void *full_head"`
	FullTail unsafe.Pointer `c:"void *full_tail"`
	FullN    uint64
	// Urgent is the urgent lane's state (capi/cx/submit_with.c keeps the
	// lane, a list in the executor's C slot): the number of urgent items
	// queued in the low 32 bits, and urgentUsed once the lane was ever
	// used. Written under Lock; the owner loads it once per item, without
	// the lock, to look at the lane between items.
	Urgent atomic.Uint64
	Wake   atomic.Uint32 // wakeIdle .. wakeSignaled; the owner sleeps on it
	Room   atomic.Uint32 // submitters waiting for room sleep on it (flagRoomWait)
	// Written by the owner only, on a cache line of their own.
	Counters
}

// Counters are the owner's per-item counts of a counted executor: items
// that left the queue (started, or skipped as cancelled) and, of those,
// the skipped ones. Only the owner writes them; others load them.
type Counters struct {
	Started   atomic.Uint64
	Cancelled atomic.Uint64
}

// Future is a future's slot: its state word and outcome. A Future
// completes exactly once: with a result and OK, with a host error code
// (> 0), with ECANCELLED, or with EINVAL when an item's callback broke the
// contract. See the protocol above.
type Future struct {
	State  atomic.Uint32 // generation << futGenShift | fut* bits
	Code   int32         // the outcome's Status; the claimer writes it
	Result uintptr       // the claimer writes it; the pool's link while free; see "where"
}

// Ingress.Flags.
const (
	flagQuit     = 1  // quit or freed: pushes must go down the chain
	flagWaiting  = 2  // the owner is (about to be) asleep on Wake
	flagHost     = 4  // a host loop is attached (descriptor or notify)
	flagHostIdle = 8  // the host was told the queue is empty: the next push wakes it
	flagCount    = 16 // counted pushes: a bound (Max) or statistics
	flagStamp    = 32 // statistics: stamp every stampEvery-th chunk position
	flagRoomWait = 64 // a submitter sleeps on Room, waiting for room
	// flagTimers: the executor's timer heap (capi/cx/timers.c, which has its
	// protocol) is not empty; set and cleared under Lock by C only. The
	// owner's run asks C to move due timers into the queue
	// (cx_timers_move_due) only while it is set.
	flagTimers = 128
)

// Queue chunks and the statistics' wait samples.
const (
	chunkLen   = 4096 // entries in one chunk
	stampEvery = 128  // a stamp per this many chunk positions, after the entries
)

// Ingress.Wake, the word the owner sleeps on.
const (
	wakeIdle     = 0 // owner not waiting
	wakeArmed    = 1 // owner spinning; a waker just flips the word
	wakeSleeping = 2 // owner in the kernel; a waker must futex-wake
	wakeSignaled = 3
)

// Future.State bits.
const (
	futHandle   = 1 << 0 // the host holds the handle
	futQueued   = 1 << 1 // a queued entry refers to the slot
	futPromise  = 1 << 2 // made by NewPromise: SetResult/SetError allowed
	futStarted  = 1 << 3 // the item began running: Cancel is too late
	futClaimed  = 1 << 4 // a completer owns Code and Result
	futDone     = 1 << 5
	futSleepers = 1 << 6 // a waiter may be in the kernel
	futExt      = 1 << 7 // Go-side state exists: see the protocol
	futGenShift = 8
	futGenMask  = 1<<(32-futGenShift) - 1
)

// sharedConst names a constant for the generated header.
type sharedConst struct {
	name  string
	value int64
}

var sharedConsts = []sharedConst{
	{"CX_FLAG_QUIT", flagQuit}, {"CX_FLAG_WAITING", flagWaiting},
	{"CX_FLAG_HOST", flagHost}, {"CX_FLAG_HOST_IDLE", flagHostIdle},
	{"CX_FLAG_COUNT", flagCount}, {"CX_FLAG_STAMP", flagStamp}, {"CX_FLAG_ROOM_WAIT", flagRoomWait},
	{"CX_FLAG_TIMERS", flagTimers},
	{"CX_CHUNK_LEN", chunkLen}, {"CX_STAMP_EVERY", stampEvery}, {"CX_CHUNK_BYTES", int64(chunkBytes)},
	{"CX_WAKE_IDLE", wakeIdle}, {"CX_WAKE_ARMED", wakeArmed},
	{"CX_WAKE_SLEEPING", wakeSleeping}, {"CX_WAKE_SIGNALED", wakeSignaled},
	{"CX_FUT_HANDLE", futHandle}, {"CX_FUT_QUEUED", futQueued},
	{"CX_FUT_PROMISE", futPromise}, {"CX_FUT_STARTED", futStarted},
	{"CX_FUT_CLAIMED", futClaimed}, {"CX_FUT_DONE", futDone},
	{"CX_FUT_SLEEPERS", futSleepers}, {"CX_FUT_EXT", futExt},
	{"CX_FUT_GEN_SHIFT", futGenShift}, {"CX_FUT_GEN_MASK", futGenMask},
	{"CX_SPIN_NS_DEFAULT", defaultSpinNs}, {"CX_SPIN_MIN_NS", minSpinNs},
	{"CX_SPIN_PROBE_EVERY", spinProbeEvery},
}

// sharedStruct names a struct for the generated header.
type sharedStruct struct {
	name string // the C typedef
	typ  reflect.Type
}

var sharedStructs = []sharedStruct{
	{"cx_entry", reflect.TypeOf(Entry{})},
	{"cx_counters", reflect.TypeOf(Counters{})},
	{"cx_ingress", reflect.TypeOf(Ingress{})},
	{"cx_future", reflect.TypeOf(Future{})},
}

// sharedField is one field of a shared struct, embedded structs flattened.
type sharedField struct {
	goName string
	cDecl  string // the C declaration, without the semicolon
	cName  string
	offset uintptr
	size   uintptr
}

func sharedFields(t reflect.Type, base uintptr) []sharedField {
	var out []sharedField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, sharedFields(f.Type, base+f.Offset)...)
			continue
		}
		name := cName(f.Name, i)
		decl := f.Tag.Get("c")
		if decl == "" && f.Type.Kind() == reflect.Array {
			decl = cType(f.Type.Elem()) + " " + name + "[" + strconv.Itoa(f.Type.Len()) + "]"
		} else if decl == "" {
			decl = cType(f.Type) + " " + name
		} else {
			name = decl[lastIdent(decl):]
		}
		out = append(out, sharedField{f.Name, decl, name, base + f.Offset, f.Type.Size()})
	}
	return out
}

// SharedValues lists, in the generated header's order, every size, offset
// and constant that C and Go share. capi compares it with the same list
// compiled from capi/cx/shared.h at load.
func SharedValues() []int64 {
	var v []int64
	for _, s := range sharedStructs {
		v = append(v, int64(s.typ.Size()))
		for _, f := range sharedFields(s.typ, 0) {
			v = append(v, int64(f.offset))
		}
	}
	for _, c := range sharedConsts {
		v = append(v, c.value)
	}
	return v
}

func cName(goName string, i int) string {
	if goName == "_" {
		return "pad" + strconv.Itoa(i)
	}
	var b []byte
	for j, r := range goName {
		if r >= 'A' && r <= 'Z' {
			if j > 0 {
				b = append(b, '_')
			}
			r += 'a' - 'A'
		}
		b = append(b, byte(r))
	}
	return string(b)
}

func cType(t reflect.Type) string {
	switch t {
	case reflect.TypeOf(atomic.Uint32{}):
		return "uint32_t"
	case reflect.TypeOf(atomic.Uint64{}):
		return "uint64_t"
	}
	switch t.Kind() {
	case reflect.Uint32:
		return "uint32_t"
	case reflect.Int32:
		return "int32_t"
	case reflect.Uint64:
		return "uint64_t"
	case reflect.Uintptr:
		return "uintptr_t"
	}
	panic("executor: no C type for shared field of type " + t.String())
}

func lastIdent(decl string) int {
	i := len(decl)
	for i > 0 {
		c := decl[i-1]
		if c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			i--
			continue
		}
		break
	}
	return i
}
