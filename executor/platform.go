package executor

import (
	"sync/atomic"
	"time"
	"unsafe"
)

// The platform layer: everything the core does differently per OS is
// behind the hooks below. Waits are on a 32-bit word, never channel
// receives. The callers of this package are usually C threads that entered
// Go through cgo; such a goroutine is locked to its OS thread, and parking
// it on the Go scheduler costs an OS handoff in each direction (48–75 µs
// measured) where a futex costs the kernel wake-up alone.
//
// Decision: the defaults are per OS (park_linux.go: futex and
// mmap; park_other.go: a parking lot in Go and heap chunks), for pure-Go
// users. The C API installs its own C platform layer with SetPlatform at
// load, so that under the C API Go and C wait on the shared words
// (executor/shared.go) through one and the same primitive by construction,
// whichever it is (futex, WaitOnAddress, os_sync_wait_on_address or the C
// parking lot), and Go never makes an OS call of its own there.
//
// Fences: the waits and wakes order no memory. Every waker publishes with a
// sequentially consistent atomic (a Swap, CAS or Store on the word itself)
// before it calls wake, and every sleeper re-reads the word with an atomic
// load after the sleep returns; those atomics are the fences.

// Platform is the set of OS services the core uses.
type Platform struct {
	// Sleep blocks while *addr == val, at most ns nanoseconds (ns < 0:
	// forever). It may return early; callers re-check their condition.
	Sleep func(addr *atomic.Uint32, val uint32, ns int64)
	// Wake wakes one sleeper on addr (all == false) or every sleeper.
	Wake func(addr *atomic.Uint32, all bool)
	// AllocChunk returns size bytes of zeroed memory outside the Go heap
	// (nil on failure); FreeChunk gives it back.
	AllocChunk func(size uintptr) unsafe.Pointer
	FreeChunk  func(p unsafe.Pointer, size uintptr)
	// GetChunk and PutChunk, if set, are the process-wide pool of chunks
	// (of chunkBytes) that C pushes grow queues from too; nil: the core's
	// own pool over AllocChunk and FreeChunk.
	GetChunk func() unsafe.Pointer
	PutChunk func(unsafe.Pointer)
	// Now, if set, is a monotonic clock in nanoseconds that C code shares
	// (pushes in C stamp items with it); nil: the core's own clock.
	Now func() int64
}

var plat = osPlatform

// SetPlatform replaces the platform layer. Call it before the first
// executor or future exists (the C API calls it from its init).
func SetPlatform(p Platform) { plat = p }

func futexSleep(addr *atomic.Uint32, val uint32, ns int64) { plat.Sleep(addr, val, ns) }

// futexWake wakes one thread sleeping on addr.
func futexWake(addr *atomic.Uint32) { plat.Wake(addr, false) }

// futexWakeAll wakes every thread sleeping on addr.
func futexWakeAll(addr *atomic.Uint32) { plat.Wake(addr, true) }

func allocChunk() chunk { return plat.AllocChunk(chunkBytes) }

func freeChunk(c chunk) { plat.FreeChunk(c, chunkBytes) }

// stampNow is the clock of the statistics' wait samples, which C stamps
// too: the platform's Now when it has one (the C API's cx_now), else now.
func stampNow() int64 {
	if plat.Now != nil {
		return plat.Now()
	}
	return now()
}

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
