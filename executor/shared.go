package executor

import (
	"reflect"
	"sync/atomic"
	"unsafe"
)

// Memory shared with C. The layout and protocol are defined in
// capi/cx/shared.h, beside the C functions that implement every transition;
// these Go mirrors are checked against it at load (SharedValues, compared
// by capi with the C list; a mismatch refuses every call) and by
// TestSharedValuesMatchC.

// Entry is one queued item as it sits in a queue chunk.
type Entry struct {
	Call
	Fut *Future // nil: fire and forget
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
	Buf   unsafe.Pointer // Cap entries; nil when Cap is 0
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
	FullHead unsafe.Pointer
	FullTail unsafe.Pointer
	FullN    uint64
	// Urgent is the urgent lane's state (capi/cx/submit_with.c keeps the
	// lane, a list in the executor's C slot): the number of urgent items
	// queued in the low 32 bits, and urgentUsed once the lane was ever
	// used. Written under Lock; the owner loads it once per item, without
	// the lock, to look at the lane between items.
	Urgent   atomic.Uint64
	Room     atomic.Uint32 // submitters waiting for room sleep on it (flagRoomWait)
	HandMode atomic.Uint32 // C's: 1 while the owner opens the hand-off cell
	// The third line: written by the owner of a counted executor only.
	Counters
	// The owner's wake word and, beside it, the hand-off cell: C's alone
	// (capi/cx/shared.h, "hand-off").
	Wake    atomic.Uint32 // wakeIdle .. wakeHanded; the owner sleeps on it
	Pad1    uint32
	HandFn  uintptr
	HandArg uintptr
	HandFut unsafe.Pointer
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
// contract. capi/cx/shared.h has the protocol.
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
	wakeIdle         = 0 // owner not waiting
	wakeArmed        = 1 // owner spinning; a waker just flips the word
	wakeSleeping     = 2 // owner in the kernel; a waker must futex-wake
	wakeSignaled     = 3
	wakeOpen         = 4 // owner spinning, armed, with the hand-off cell open
	wakeHanding      = 5 // a pusher is writing the cell
	wakeHanded       = 6 // the cell holds an entry for the owner
	wakeOpenSleeping = 7 // owner in the kernel, with the cell open
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

// sharedConst is a constant that C defines too, by its C name.
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
	{"CX_WAKE_OPEN", wakeOpen}, {"CX_WAKE_HANDING", wakeHanding}, {"CX_WAKE_HANDED", wakeHanded},
	{"CX_WAKE_OPEN_SLEEPING", wakeOpenSleeping},
	{"CX_FUT_HANDLE", futHandle}, {"CX_FUT_QUEUED", futQueued},
	{"CX_FUT_PROMISE", futPromise}, {"CX_FUT_STARTED", futStarted},
	{"CX_FUT_CLAIMED", futClaimed}, {"CX_FUT_DONE", futDone},
	{"CX_FUT_SLEEPERS", futSleepers}, {"CX_FUT_EXT", futExt},
	{"CX_FUT_GEN_SHIFT", futGenShift}, {"CX_FUT_GEN_MASK", futGenMask},
	{"CX_SPIN_NS_DEFAULT", defaultSpinNs}, {"CX_SPIN_MIN_NS", minSpinNs},
	{"CX_SPIN_PROBE_EVERY", spinProbeEvery},
}

// sharedStructs are the structs that C defines too, by their C typedefs.
// Their fields' C names are the Go names in snake case (HighWater:
// high_water); an embedded struct's fields count as the outer struct's.
var sharedStructs = []struct {
	name string
	typ  reflect.Type
}{
	{"cx_entry", reflect.TypeOf(Entry{})},
	{"cx_counters", reflect.TypeOf(Counters{})},
	{"cx_ingress", reflect.TypeOf(Ingress{})},
	{"cx_future", reflect.TypeOf(Future{})},
}

// sharedValue is one entry of CX_SHARED_VALUES: the C expression, as
// CX_SHARED_NAMES spells it, and Go's value for it.
type sharedValue struct {
	name  string
	value int64
}

// sharedList is Go's side of CX_SHARED_VALUES (capi/cx/shared.h), in its
// order: each struct's size, then its fields' offsets, then the constants.
func sharedList() []sharedValue {
	var v []sharedValue
	for _, s := range sharedStructs {
		v = append(v, sharedValue{"sizeof(" + s.name + ")", int64(s.typ.Size())})
		for _, f := range sharedFields(s.typ, 0) {
			v = append(v, sharedValue{"offsetof(" + s.name + ", " + f.name + ")", int64(f.offset)})
		}
	}
	for _, c := range sharedConsts {
		v = append(v, sharedValue{c.name, c.value})
	}
	return v
}

type sharedField struct {
	name   string // C's
	offset uintptr
}

func sharedFields(t reflect.Type, base uintptr) []sharedField {
	var out []sharedField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, sharedFields(f.Type, base+f.Offset)...)
			continue
		}
		out = append(out, sharedField{snakeCase(f.Name), base + f.Offset})
	}
	return out
}

// SharedValues lists, in the order of CX_SHARED_VALUES (capi/cx/shared.h),
// every size, offset and constant that C and Go share. capi compares it
// with the list compiled into C at load.
func SharedValues() []int64 {
	list := sharedList()
	v := make([]int64, len(list))
	for i, s := range list {
		v[i] = s.value
	}
	return v
}

func snakeCase(goName string) string {
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
