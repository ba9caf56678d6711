// Command capi is the cgo boundary of libctexec (build with
// -buildmode=c-shared). It converts, looks handles up safely, guards against
// panics, and calls host callbacks through C trampolines. The semantics live
// in package executor; shim.c holds the public entry points and the fork
// guard.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -I${SRCDIR}/cx -DCTEXEC_BUILDING
#cgo !windows CFLAGS: -fvisibility=hidden
#cgo windows LDFLAGS: -lsynchronization
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"runtime/cgo"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	_ "ctexec/capi/cx" // the C machinery: its C objects link into the library
	"ctexec/executor"
)

func main() {}

func init() {
	checkShared()
}

// runner is the C API's: items are C functions that the machinery
// (capi/cx) runs in batches; every transition on shared memory is its.
var runner = executor.Runner{}

// checkShared compares every size, offset and constant that Go and C share
// (Go's mirrors in executor/shared.go) with the values compiled into the C
// side from capi/cx/shared.h, which defines them. A mismatch would corrupt
// queues and futures, so the library refuses every call instead.
func checkShared() {
	want := executor.SharedValues()
	got := unsafe.Slice((*int64)(unsafe.Pointer(&C.cx_shared_values[0])), C.CX_SHARED_COUNT)
	if len(want) != len(got) {
		fmt.Fprintf(os.Stderr, "libctexec: Go/C shared definitions differ: %d values in Go, %d in C\n", len(want), len(got))
		C.cx_poisoned = 1
		return
	}
	for i := range want {
		if want[i] != got[i] {
			fmt.Fprintf(os.Stderr, "libctexec: Go/C shared definitions differ at value %d: %d != %d (compare executor/shared.go with capi/cx/shared.h; TestSharedValuesMatchC names it)\n", i, want[i], got[i])
			C.cx_poisoned = 1
			return
		}
	}
}

// ---- panic guard -------------------------------------------------------

var panicOnce sync.Once

// guard turns a panic into EPANIC and poisons the library: after a panic
// the core's invariants can no longer be trusted, so every later call is
// refused (in C, before it reaches Go) rather than risk a hang or a lost
// item. The stack is printed once.
func guard(rc *C.int) {
	r := recover()
	if r == nil {
		return
	}
	C.cx_poisoned = 1
	*rc = C.CTEXEC_EPANIC
	panicOnce.Do(func() {
		fmt.Fprintf(os.Stderr, "libctexec: internal panic, refusing further calls: %v\n%s", r, debug.Stack())
	})
}

// hook panics on purpose in the entry point named by CTEXEC_DEBUG_PANIC,
// for the tests of the panic guard (shim.h, CX_HOOK, does the same for the
// entry points that never enter Go).
func hook(name string) {
	if C.cx_debug_panic[0] != 0 && C.GoString(&C.cx_debug_panic[0]) == name {
		panic("CTEXEC_DEBUG_PANIC=" + name)
	}
}

//export ctexecgo_debug_panic
func ctexecgo_debug_panic() (rc C.int) {
	defer guard(&rc)
	panic("CTEXEC_DEBUG_PANIC=" + C.GoString(&C.cx_debug_panic[0]))
}

// ---- executors ---------------------------------------------------------

type exEntry struct {
	ex     *executor.Executor
	handle cgo.Handle
	// yieldAt is when the owner's run next passes through the Go
	// scheduler (ownerYield); owner-only.
	yieldAt int64
}

// Executor pointers are validated in C (capi/cx/slots.c, cx_valid) against the slab
// of slots; Go receives the slot's handle.
var (
	executors sync.Map // cgo.Handle -> *exEntry, for the counts
	liveExecs atomic.Int64
)

// lookupExec resolves an executor handle; a handle deleted by a concurrent
// free gives nil.
func lookupExec(h C.uint64_t) (e *exEntry) {
	if h == 0 {
		return nil
	}
	defer func() {
		if recover() != nil {
			e = nil
		}
	}()
	e, _ = cgo.Handle(h).Value().(*exEntry)
	return e
}

//export ctexecgo_new
func ctexecgo_new(old C.uint64_t, self C.uint64_t, opts *C.ctexec_options, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	hook("new")
	var oldEx *executor.Executor
	if old != 0 {
		e := lookupExec(old)
		if e == nil {
			return C.CTEXEC_EBADHANDLE
		}
		oldEx = e.ex
	}
	slot := C.cx_slot_alloc()
	if slot == nil {
		return C.CTEXEC_ENOMEM
	}
	in := (*executor.Ingress)(unsafe.Pointer(&slot.in))
	o := executor.Options{
		Stats:        opts.flags&C.CTEXEC_OPT_STATS != 0,
		MaxQueued:    uint64(opts.max_queued),
		FailWhenFull: opts.when_full == C.CTEXEC_FULL_FAIL,
		StallNs:      int64(opts.stall_ns),
	}
	if o.StallNs > 0 {
		fn, ud, ex := uintptr(unsafe.Pointer(opts.on_stall)), uintptr(opts.stall_userdata), uintptr(unsafe.Pointer(slot))
		o.OnStall = func(age int64) {
			defer guard(new(C.int))
			C.cx_stall(C.uintptr_t(fn), C.uintptr_t(ex), C.int64_t(age), C.uintptr_t(ud))
		}
	}
	e := &exEntry{ex: executor.NewWith(executor.ThreadID(self), oldEx, runner, in, o)}
	e.handle = cgo.NewHandle(e)
	slot.handle = C.uint64_t(e.handle)
	slot.magic = C.CX_MAGIC_LIVE
	executors.Store(e.handle, e)
	liveExecs.Add(1)
	*out = C.uintptr_t(uintptr(unsafe.Pointer(slot)))
	return C.CTEXEC_OK
}

// ctexecgo_taker sets *out to the ingress (in its C slot) of the executor
// that a submit to ex would go to now, or 0 if ex's whole chain quit: a
// DISPATCH to a quit executor runs inline when its caller owns that one
// (submit_with.c).
//
//export ctexecgo_taker
func ctexecgo_taker(ex C.uint64_t, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	e := lookupExec(ex)
	if e == nil {
		return C.CTEXEC_EBADHANDLE
	}
	*out = C.uintptr_t(uintptr(unsafe.Pointer(e.ex.Taker())))
	return C.CTEXEC_OK
}

//export ctexecgo_submit
func ctexecgo_submit(ex C.uint64_t, fn, arg C.uintptr_t, fut *C.cx_future, self C.uint64_t, timeout C.int64_t, waited C.int) (rc C.int) {
	defer guard(&rc)
	e := lookupExec(ex)
	// waited: the submit waited for room in C (cx_enqueue) and the
	// executor quit or was freed meanwhile, or the wait timed out. A
	// waiter on a freed executor fails with ECANCELLED, as in waitRoom.
	if e == nil {
		if waited != 0 {
			return C.CTEXEC_ECANCELLED
		}
		return C.CTEXEC_EBADHANDLE
	}
	if waited != 0 && e.ex.Freed() {
		return C.CTEXEC_ECANCELLED
	}
	c := executor.Call{Fn: uintptr(fn), Arg: uintptr(arg)}
	return C.int(e.ex.SubmitTimeout(executor.ThreadID(self), c, slot(fut), int64(timeout)))
}

// ctexecgo_stats fills out with ex's statistics, or with the process
// totals when ex is 0.
//
//export ctexecgo_stats
func ctexecgo_stats(ex C.uint64_t, out *C.ctexec_stats_t) (rc C.int) {
	defer guard(&rc)
	hook("stats")
	var st executor.Stats
	if ex == 0 {
		var live []executor.Stats
		executors.Range(func(_, v any) bool {
			live = append(live, v.(*exEntry).ex.Stats())
			return true
		})
		st = executor.Totals(live)
	} else {
		e := lookupExec(ex)
		if e == nil {
			return C.CTEXEC_EBADHANDLE
		}
		st = e.ex.Stats()
	}
	out.flags = 0 // process totals, or an executor without statistics
	if st.Stats {
		out.flags = C.CTEXEC_OPT_STATS
	}
	out.queued, out.high_water = C.uint64_t(st.Queued), C.uint64_t(st.HighWater)
	out.submitted, out.run = C.uint64_t(st.Submitted), C.uint64_t(st.Run)
	out.cancelled, out.discarded = C.uint64_t(st.Cancelled), C.uint64_t(st.Discarded)
	out.rejected, out.wait_samples = C.uint64_t(st.Rejected), C.uint64_t(st.WaitSamples)
	out.wait_p50_ns, out.wait_p99_ns = C.int64_t(st.WaitP50), C.int64_t(st.WaitP99)
	out.wait_max_ns, out.busy_ns, out.idle_ns = C.int64_t(st.WaitMax), C.int64_t(st.Busy), C.int64_t(st.Idle)
	return C.CTEXEC_OK
}

// ctexecgo_run_until starts a run and runs what is queued. With *wait set
// the owner is armed to wait, at most *left ns (< 0: no limit), in C
// (cx_owner_wait), and then calls ctexecgo_run_resume: Go is entered to
// run batches, never to wait.
//
//export ctexecgo_run_until
func ctexecgo_run_until(ex C.uint64_t, fut *C.cx_future, gen C.uint32_t, timeout C.int64_t, self C.uint64_t, left *C.int64_t, wait *C.int) (rc C.int) {
	defer guard(&rc)
	hook("run_until")
	e := lookupExec(ex)
	f := slot(fut)
	if e == nil || !f.Holds(uint32(gen)) {
		return C.CTEXEC_EBADHANDLE
	}
	st, w, l := e.ex.RunUntilStart(executor.ThreadID(self), f, int64(timeout))
	return runStep(st, w, l, left, wait)
}

//export ctexecgo_run_resume
func ctexecgo_run_resume(ex C.uint64_t, fut *C.cx_future, slept C.int, left *C.int64_t, wait *C.int) (rc C.int) {
	defer guard(&rc)
	e := lookupExec(ex)
	if e == nil {
		return C.CTEXEC_EBADHANDLE
	}
	st, w, l := e.ex.RunUntilResume(slot(fut))
	if w {
		l = e.ownerYield(slept != 0, l)
	}
	return runStep(st, w, l, left, wait)
}

// yieldEveryNs is how long a busy owner's run goes at most without passing
// through the Go scheduler: well under the runtime's 10 ms slice
// (forcePreemptNS) after which sysmon treats the P as stale.
const yieldEveryNs = 4_000_000

// ownerYield lets a busy owner's goroutine through the Go scheduler every
// yieldEveryNs; the owner is armed, so a push meanwhile is seen when it is
// back in cx_owner_wait.
//
// The owner's run alternates between C (cx_owner_wait) and Go (this
// step) on one callback goroutine, which never passes through schedule(),
// so its P's schedtick never moves. Once it has not moved for 10 ms,
// sysmon takes the P from the owner each time it finds the owner in C (a
// forced retake of a P in a syscall), on every 20 us tick (each retake
// keeps sysmon from backing off), and wakes an M to hand it to; the
// owner's next entry takes an idle P on the slow path. With both threads
// spinning on 2 vCPUs, those wakes take the CPUs from the spinners: the
// round trip went from 1.6-1.9 us (when the owner spun inside Go, where
// sysmon preempts it once per 10 ms instead) to 2.9 us. A yield costs one
// handoff, the same as that preemption. A wake-up from a sleep (slept)
// does not yield: it pays a retake anyway, and a yield there would
// lengthen the sleeping round trip.
// It returns the wait's time limit, left (< 0: none), less the yield.
func (e *exEntry) ownerYield(slept bool, left int64) int64 {
	t := int64(time.Since(clockBase))
	switch {
	case e.yieldAt == 0:
		e.yieldAt = t + yieldEveryNs
	case t >= e.yieldAt && !slept:
		runtime.Gosched()
		t2 := int64(time.Since(clockBase))
		e.yieldAt = t2 + yieldEveryNs
		if left >= 0 {
			left = max(left-(t2-t), 0)
		}
	}
	return left
}

// clockBase is the origin of ownerYield's monotonic clock.
var clockBase = time.Now()

// runStep reports a step of a run to C.
func runStep(st executor.Status, wait bool, left int64, l *C.int64_t, w *C.int) C.int {
	*l, *w = C.int64_t(left), 0
	if wait {
		*w = 1
	}
	return C.int(st)
}

//export ctexecgo_run_ready
func ctexecgo_run_ready(ex C.uint64_t, maxItems C.uint64_t, maxNs C.int64_t, self C.uint64_t, ran *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	hook("run_ready")
	e := lookupExec(ex)
	if e == nil {
		return C.CTEXEC_EBADHANDLE
	}
	n, more, st := e.ex.RunReady(executor.ThreadID(self), uint64(maxItems), int64(maxNs))
	if st != executor.OK {
		return C.int(st)
	}
	*ran = C.uint64_t(n)
	if more {
		return 1
	}
	return 0
}

// ctexecgo_chain_live finds where a timer submitted to the quit executor
// ex goes: the slot of the first executor down its chain that has not
// quit (*out), or CTEXEC_EQUIT when there is none (timers.c).
//
//export ctexecgo_chain_live
func ctexecgo_chain_live(ex C.uint64_t, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	e := lookupExec(ex)
	if e == nil {
		return C.CTEXEC_EBADHANDLE
	}
	in := e.ex.ChainLive()
	if in == nil {
		return C.CTEXEC_EQUIT
	}
	*out = C.uintptr_t(uintptr(unsafe.Pointer(in)))
	return C.CTEXEC_OK
}

// ctexecgo_attach attaches the executor to a host loop: 1 if work is
// queued that the host was not woken for, else 0, or a negative status.
//
//export ctexecgo_attach
func ctexecgo_attach(ex C.uint64_t) (rc C.int) {
	defer guard(&rc)
	e := lookupExec(ex)
	if e == nil {
		return C.CTEXEC_EBADHANDLE
	}
	if e.ex.AttachHost() {
		return 1
	}
	return 0
}

// deleteHandle deletes an executor's handle; Delete panics on a handle
// that is not live, which is a bad handle here, not an internal fault.
func deleteHandle(h C.uint64_t) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	cgo.Handle(h).Delete()
	return true
}

//export ctexecgo_free
func ctexecgo_free(ex C.uint64_t) (rc C.int) {
	defer guard(&rc)
	hook("free")
	e := lookupExec(ex)
	if e == nil {
		return C.CTEXEC_EBADHANDLE
	}
	if _, st := e.ex.Free(); st != executor.OK {
		return C.int(st)
	}
	executors.Delete(e.handle)
	if !deleteHandle(ex) {
		return C.CTEXEC_EBADHANDLE
	}
	liveExecs.Add(-1)
	return C.CTEXEC_OK
}

// ---- futures ----------------------------------------------------------

// Futures are slots in C memory (capi/cx/future.c, future_ext.c), which
// handles every call on them without entering Go.

// slot converts a slot pointer from C. The slab is C memory, never moved
// or unmapped, and C passes only addresses inside it, so the typed pointer
// is safe on a Go stack.
func slot(p *C.cx_future) *executor.Future {
	return (*executor.Future)(unsafe.Pointer(p))
}

//export ctexecgo_live_counts
func ctexecgo_live_counts(execs, queued *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	hook("live_counts")
	var q int
	executors.Range(func(_, v any) bool {
		q += v.(*exEntry).ex.Queued()
		return true
	})
	*execs = C.uint64_t(liveExecs.Load())
	*queued = C.uint64_t(q)
	return C.CTEXEC_OK
}
