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
	if v, err := strconv.ParseInt(os.Getenv("CTEXEC_SPIN_NS"), 10, 64); err == nil && v >= 0 {
		executor.SpinNs = v
	}
}

// runC runs one item through the C trampoline.
func runC(c executor.Call) (uintptr, executor.Status) {
	o := C.cx_call(C.uintptr_t(c.Fn), C.uintptr_t(c.Arg))
	return uintptr(o.result), executor.Status(o.rc)
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
var panicAt = os.Getenv("CTEXEC_DEBUG_PANIC")

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

// executors maps the address of each live C struct to its entry. A ctexec*
// is validated here before it is dereferenced, so forged, freed and
// double-freed pointers give EBADHANDLE instead of a crash.
var (
	executors   sync.Map // uintptr -> *exEntry
	liveExecs   atomic.Int64
	liveFutures atomic.Int64
)

// Freed structs are kept in quarantine before their memory goes back to
// malloc, so that a use after free is reported as EBADHANDLE and does not
// silently reach a new executor that happens to get the same address.
const quarantineLen = 256

var (
	quarantineMu sync.Mutex
	quarantine   []unsafe.Pointer
)

func lookupExec(p C.uintptr_t) *exEntry {
	v, ok := executors.Load(uintptr(p))
	if !ok {
		return nil
	}
	return v.(*exEntry)
}

//export ctexecgo_new
func ctexecgo_new(old C.uintptr_t, self C.uint64_t, out *C.uintptr_t) (rc C.int) {
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
	mem := (*C.struct_ctexec)(C.calloc(1, C.size_t(unsafe.Sizeof(C.struct_ctexec{}))))
	if mem == nil {
		return C.CTEXEC_ENOMEM
	}
	e := &exEntry{ex: executor.New(executor.ThreadID(self), oldEx, runC)}
	e.handle = cgo.NewHandle(e)
	mem.magic = C.CX_MAGIC_LIVE
	mem.handle = C.uint64_t(e.handle)
	addr := uintptr(unsafe.Pointer(mem))
	executors.Store(addr, e)
	liveExecs.Add(1)
	*out = C.uintptr_t(addr)
	return C.CTEXEC_OK
}

//export ctexecgo_submit
func ctexecgo_submit(ex, fn, arg C.uintptr_t, wantFuture C.int, self C.uint64_t, out *C.uint64_t) (rc C.int) {
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

//export ctexecgo_run_until
func ctexecgo_run_until(ex C.uintptr_t, fh C.uint64_t, timeout C.int64_t, self C.uint64_t) (rc C.int) {
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
func ctexecgo_free(ex C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	hook("free")
	e := lookupExec(ex)
	if e == nil {
		return C.CTEXEC_EBADHANDLE
	}
	if _, st := e.ex.Free(); st != executor.OK {
		return C.int(st)
	}
	if _, loaded := executors.LoadAndDelete(uintptr(ex)); !loaded {
		return C.CTEXEC_EBADHANDLE // lost a race with another free
	}
	e.handle.Delete()
	liveExecs.Add(-1)
	mem := (*C.struct_ctexec)(unsafe.Pointer(uintptr(ex)))
	mem.magic = C.CX_MAGIC_DEAD
	mem.handle = 0
	quarantineMu.Lock()
	quarantine = append(quarantine, unsafe.Pointer(mem))
	var release unsafe.Pointer
	if len(quarantine) > quarantineLen {
		release = quarantine[0]
		quarantine = append(quarantine[:0], quarantine[1:]...)
	}
	quarantineMu.Unlock()
	if release != nil {
		C.free(release)
	}
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
