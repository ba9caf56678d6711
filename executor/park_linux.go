package executor

import (
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Waits are raw futex syscalls, never channel receives. The callers of this
// package are usually C threads that entered Go through cgo; such a goroutine
// is locked to its OS thread, and parking it on the Go scheduler costs an OS
// handoff in each direction (48–75 µs measured) where a futex costs the
// kernel wake-up alone.

const (
	futexWait   = 0 | 128 // FUTEX_WAIT | FUTEX_PRIVATE_FLAG
	futexWakeOp = 1 | 128 // FUTEX_WAKE | FUTEX_PRIVATE_FLAG
)

// futexSleep blocks while *addr == val, at most ns nanoseconds (ns < 0:
// forever). It may return early; callers re-check their condition.
func futexSleep(addr *atomic.Uint32, val uint32, ns int64) {
	var tsp unsafe.Pointer
	var ts syscall.Timespec
	if ns >= 0 {
		ts = syscall.NsecToTimespec(ns)
		tsp = unsafe.Pointer(&ts)
	}
	syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWait,
		uintptr(val), uintptr(tsp), 0, 0)
}

// futexWake wakes up to n threads sleeping on addr.
func futexWake(addr *atomic.Uint32, n int) {
	syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWakeOp,
		uintptr(n), 0, 0, 0)
}

// futexWakeAll wakes every thread sleeping on addr.
func futexWakeAll(addr *atomic.Uint32) { futexWake(addr, 1<<31-1) }

// base anchors monotonic time; now() is nanoseconds since it.
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
