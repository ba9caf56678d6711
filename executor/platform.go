package executor

import (
	"time"

	"ctexec/capi/cx"
)

// Go never waits here. Every wait (the idle owner, waiters on futures,
// submitters waiting for room) is the machinery's, in C (capi/cx: spin,
// then a futex, WaitOnAddress, os_sync_wait_on_address or the parking lot
// on a 32-bit word of shared memory), never a channel receive: the callers
// of this package are usually C threads that entered Go through cgo; such
// a goroutine is locked to its OS thread, and parking it on the Go
// scheduler costs an OS handoff in each direction (48–75 µs measured)
// where a futex costs the kernel wake-up alone.

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

// The spin of every waiter is C's (capi/cx/wait.c, cx_spin: idle owners,
// waiters on futures, submitters waiting for room); these are the Go
// mirrors of its constants (capi/cx/shared.h: CX_SPIN_*), checked at load
// with the other shared values.
// defaultSpinNs is the longest a waiter spins before it sleeps (the
// machinery reads CTEXEC_SPIN_NS at load; 0 disables spinning): waking a
// sleeping thread costs about 20 µs on a virtual CPU, so a spin only helps
// while the other thread is running, and the budget must exceed the
// wake-up time for a pair of threads to leave the slow mode. Once a
// spinner's budget collapses below minSpinNs, one wait in spinProbeEvery
// still probes with the full budget.
const (
	defaultSpinNs  = 50_000
	minSpinNs      = 1_000
	spinProbeEvery = 32
)
