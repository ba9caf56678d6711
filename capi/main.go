// Command capi is the cgo boundary of libctexec (build with
// -buildmode=c-shared). It converts, looks handles up safely, guards against
// panics, and calls host callbacks through C trampolines. The semantics live
// in package executor; shim.c holds the public entry points and the fork
// guard.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -fvisibility=hidden
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime/cgo"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"ctexec/executor"
)

func main() {}

func init() {
	// CTEXEC_SPIN_NS tunes how long waiters spin before they sleep (0: never
	// spin). Read once at load; see executor.SpinNs.
	if v, err := strconv.ParseInt(getenv("CTEXEC_SPIN_NS"), 10, 64); err == nil && v >= 0 {
		executor.SpinNs = v
	}
	checkLayout()
}

// runner runs items through the C trampolines: one Go→C call per item
// with a future, one per run of fire-and-forget items.
var runner = executor.Runner{
	Run: func(c executor.Call) (uintptr, executor.Status) {
		o := C.cx_call(C.uintptr_t(c.Fn), C.uintptr_t(c.Arg))
		return uintptr(o.result), executor.Status(o.rc)
	},
	RunMany: func(batch []executor.Entry) {
		// The batch lives in mmap'd memory, not the Go heap, so passing it
		// costs cgocheck nothing.
		C.cx_run_many((*C.cx_entry)(unsafe.Pointer(&batch[0])), C.size_t(len(batch)))
	},
}

// checkLayout verifies that executor.Entry and executor.Ingress match the C
// mirrors the fast path uses. A mismatch would corrupt queues, so the
// library refuses every call instead.
func checkLayout() {
	var in executor.Ingress
	got := [8]uintptr{
		unsafe.Sizeof(executor.Entry{}), unsafe.Sizeof(in),
		unsafe.Offsetof(in.Flags), unsafe.Offsetof(in.Wake), unsafe.Offsetof(in.Owner),
		unsafe.Offsetof(in.Buf), unsafe.Offsetof(in.Len), unsafe.Offsetof(in.Cap),
	}
	for i, g := range got {
		if uintptr(C.cx_layout[i]) != g {
			fmt.Fprintf(os.Stderr, "libctexec: Go/C ingress layout mismatch at %d: %d != %d\n", i, g, C.cx_layout[i])
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

// panicAt names an entry point that panics on purpose, for the tests of the
// panic guard (CTEXEC_DEBUG_PANIC=submit, for example). Read once at load.
var panicAt = getenv("CTEXEC_DEBUG_PANIC")

// getenv reads the C environment. os.Getenv sees only the environment the
// process started with, not what the host set before it loaded us.
func getenv(name string) string {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	if v := C.getenv(cs); v != nil {
		return C.GoString(v)
	}
	return ""
}

func hook(name string) {
	if panicAt != "" && panicAt == name {
		panic("CTEXEC_DEBUG_PANIC=" + name)
	}
}

// ---- executors ---------------------------------------------------------

type exEntry struct {
	ex     *executor.Executor
	handle cgo.Handle
}

// Executor pointers are validated in C (shim.c, cx_valid) against the slab
// of slots; Go receives the slot's handle.
var (
	executors   sync.Map // cgo.Handle -> *exEntry, for the counts
	liveExecs   atomic.Int64
	liveFutures atomic.Int64
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
func ctexecgo_new(old C.uint64_t, self C.uint64_t, out *C.uintptr_t) (rc C.int) {
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
	e := &exEntry{ex: executor.New(executor.ThreadID(self), oldEx, runner, in)}
	e.handle = cgo.NewHandle(e)
	slot.handle = C.uint64_t(e.handle)
	slot.magic = C.CX_MAGIC_LIVE
	executors.Store(e.handle, e)
	liveExecs.Add(1)
	*out = C.uintptr_t(uintptr(unsafe.Pointer(slot)))
	return C.CTEXEC_OK
}

//export ctexecgo_submit
func ctexecgo_submit(ex C.uint64_t, fn, arg C.uintptr_t, wantFuture C.int, self C.uint64_t, out *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	hook("submit")
	e := lookupExec(ex)
	if e == nil {
		return C.CTEXEC_EBADHANDLE
	}
	f, st := e.ex.Submit(executor.ThreadID(self), executor.Call{Fn: uintptr(fn), Arg: uintptr(arg)}, wantFuture != 0)
	if st != executor.OK {
		return C.int(st)
	}
	if f != nil {
		*out = newFutureHandle(f)
	}
	return C.CTEXEC_OK
}

//export ctexecgo_call
func ctexecgo_call(ex C.uint64_t, fn, arg C.uintptr_t, self C.uint64_t, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	hook("call")
	e := lookupExec(ex)
	if e == nil {
		return C.CTEXEC_EBADHANDLE
	}
	// The future never gets a handle: it lives only for this call.
	f, st := e.ex.Submit(executor.ThreadID(self), executor.Call{Fn: uintptr(fn), Arg: uintptr(arg)}, true)
	if st != executor.OK {
		return C.int(st)
	}
	r, st := f.Wait(-1)
	*out = C.uintptr_t(r)
	return C.int(st)
}

//export ctexecgo_run_until
func ctexecgo_run_until(ex C.uint64_t, fh C.uint64_t, timeout C.int64_t, self C.uint64_t) (rc C.int) {
	defer guard(&rc)
	hook("run_until")
	e := lookupExec(ex)
	f := lookupFuture(fh)
	if e == nil || f == nil {
		return C.CTEXEC_EBADHANDLE
	}
	return C.int(e.ex.RunUntil(executor.ThreadID(self), f, int64(timeout)))
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

// ---- futures -----------------------------------------------------------

// Futures are cgo.Handle values. Handles are never reused, and Value and
// Delete panic on a handle that is not live, so lookups recover from that
// panic locally (it is a bad handle, not an internal fault).

func newFutureHandle(f *executor.Future) C.uint64_t {
	liveFutures.Add(1)
	return C.uint64_t(cgo.NewHandle(f))
}

func lookupFuture(h C.uint64_t) (f *executor.Future) {
	if h == 0 {
		return nil
	}
	defer func() {
		if recover() != nil {
			f = nil
		}
	}()
	f, _ = cgo.Handle(h).Value().(*executor.Future)
	return f
}

func deleteHandle(h C.uint64_t) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	cgo.Handle(h).Delete()
	return true
}

//export ctexecgo_future_new
func ctexecgo_future_new(out *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	hook("future_new")
	*out = newFutureHandle(executor.NewPromise())
	return C.CTEXEC_OK
}

//export ctexecgo_future_complete
func ctexecgo_future_complete(fh C.uint64_t, result C.uintptr_t, isError, code C.int) (rc C.int) {
	defer guard(&rc)
	hook("future_complete")
	f := lookupFuture(fh)
	if f == nil {
		return C.CTEXEC_EBADHANDLE
	}
	if isError == 0 {
		return C.int(f.SetResult(uintptr(result)))
	}
	return C.int(f.SetError(executor.Status(code)))
}

//export ctexecgo_future_cancel
func ctexecgo_future_cancel(fh C.uint64_t) (rc C.int) {
	defer guard(&rc)
	f := lookupFuture(fh)
	if f == nil {
		return C.CTEXEC_EBADHANDLE
	}
	return C.int(f.Cancel())
}

//export ctexecgo_future_done
func ctexecgo_future_done(fh C.uint64_t) (rc C.int) {
	defer guard(&rc)
	f := lookupFuture(fh)
	if f == nil {
		return C.CTEXEC_EBADHANDLE
	}
	if f.Done() {
		return 1
	}
	return 0
}

//export ctexecgo_future_wait
func ctexecgo_future_wait(fh C.uint64_t, timeout C.int64_t, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	hook("future_wait")
	f := lookupFuture(fh)
	if f == nil {
		return C.CTEXEC_EBADHANDLE
	}
	r, st := f.Wait(int64(timeout))
	*out = C.uintptr_t(r)
	return C.int(st)
}

//export ctexecgo_future_add_done_callback
func ctexecgo_future_add_done_callback(fh C.uint64_t, cb, userdata C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	f := lookupFuture(fh)
	if f == nil {
		return C.CTEXEC_EBADHANDLE
	}
	f.AddDoneCallback(func(*executor.Future) { C.cx_done(cb, fh, userdata) })
	return C.CTEXEC_OK
}

//export ctexecgo_future_free
func ctexecgo_future_free(fh C.uint64_t) (rc C.int) {
	defer guard(&rc)
	hook("future_free")
	if lookupFuture(fh) == nil || !deleteHandle(fh) {
		return C.CTEXEC_EBADHANDLE
	}
	liveFutures.Add(-1)
	return C.CTEXEC_OK
}

//export ctexecgo_live_counts
func ctexecgo_live_counts(execs, futures, queued *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	var q int
	executors.Range(func(_, v any) bool {
		q += v.(*exEntry).ex.Queued()
		return true
	})
	*execs = C.uint64_t(liveExecs.Load())
	*futures = C.uint64_t(liveFutures.Load())
	*queued = C.uint64_t(q)
	return C.CTEXEC_OK
}
