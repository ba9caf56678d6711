package executor

import (
	"sync/atomic"
	"time"
	"unsafe"

	"ctexec/capi/cx"
)

// Waits are on a 32-bit word, never channel receives, through the
// machinery's platform layer (capi/cx/platform.c: futex, WaitOnAddress,
// os_sync_wait_on_address or the parking lot), so that Go and C wait on
// the shared words (capi/cx/shared.h) through one primitive by construction. The
// callers of this package are usually C threads that entered Go through
// cgo; such a goroutine is locked to its OS thread, and parking it on the
// Go scheduler costs an OS handoff in each direction (48–75 µs measured)
// where a futex costs the kernel wake-up alone.
//
// Fences: the waits and wakes order no memory. Every waker publishes with a
// sequentially consistent atomic (a Swap, CAS or Store on the word itself)
// before it calls wake, and every sleeper re-reads the word with an atomic
// load after the sleep returns; those atomics are the fences.

// futexSleep blocks while *addr == val, at most ns (< 0: forever); it may
// return early, and callers re-check their condition.
func futexSleep(addr *atomic.Uint32, val uint32, ns int64) {
	cx.WaitOn(unsafe.Pointer(addr), val, ns)
}

// futexWakeAll wakes every thread sleeping on addr.
func futexWakeAll(addr *atomic.Uint32) { cx.WakeAll(unsafe.Pointer(addr)) }

// stampNow is the clock of the statistics' wait samples, which C's pushes
// stamp too (cx_now).
func stampNow() int64 { return cx.Now() }

// base anchors monotonic time; now() is nanoseconds since it. Go's
// monotonic clock is portable; deadlines never cross into C.
var base = time.Now()

func now() int64 { return int64(time.Since(base)) }

// deadlineFor turns a relative timeout into an absolute one; -1 is forever.
func deadlineFor(timeoutNs int64) int64 {
	if timeoutNs < 0 {
		return -1
	}
	d := now() + timeoutNs
	if d < 0 { // overflow: a huge timeout is forever
		return -1
	}
	return d
}
