package executor

import (
	"unsafe"

	"ctexec/capi/cx"
)

// Futures are slots in C memory (capi/cx/shared.h has the layout and
// the protocol; capi/cx/future.c and future_ext.c implement every transition,
// once). Their hot state is one word, so that the C API submits with a
// future, waits, polls, cancels, completes a promise and frees without
// entering Go. The methods below are Go's view: reads of the word, and
// calls into the machinery for every transition.

// newFuture takes a slot from the machinery's pool with the given state
// bits (futHandle|futQueued for an item's future); nil when none is left.
func newFuture(bits uint32) *Future { return (*Future)(cx.FutAlloc(bits)) }

// release gives back a slot that was never queued or handed out.
func (f *Future) release() { cx.FutRelease(unsafe.Pointer(f)) }

// NewPromise returns a pending future that the caller completes with
// SetResult, SetError or Cancel; nil when no slot is left.
func NewPromise() *Future { return newFuture(futHandle | futPromise) }

// Gen returns the generation of f's slot: with f, what a handle names.
func (f *Future) Gen() uint32 { return f.State.Load() >> futGenShift }

// live reports whether s is generation gen of a slot whose handle is held.
func live(s, gen uint32) bool { return s>>futGenShift == gen && s&futHandle != 0 }

// Holds reports whether the handle for generation gen of f is still held.
func (f *Future) Holds(gen uint32) bool { return live(f.State.Load(), gen) }

// Done reports whether f has completed.
func (f *Future) Done() bool { return f.State.Load()&futDone != 0 }

// IsPromise reports whether f was made by NewPromise.
func (f *Future) IsPromise() bool { return f.State.Load()&futPromise != 0 }

// Outcome returns the result and status of a done future. For a pending
// future it returns (0, ETIMEDOUT), which is what a zero-timeout Wait reports.
func (f *Future) Outcome() (uintptr, Status) { return f.WaitAt(f.Gen(), 0) }

// SetResult completes a promise with a result.
func (f *Future) SetResult(result uintptr) Status { return f.SetResultAt(f.Gen(), result) }

// SetResultAt is SetResult through a handle for generation gen.
func (f *Future) SetResultAt(gen uint32, result uintptr) Status {
	return Status(cx.FutComplete(unsafe.Pointer(f), gen, cx.ByPromise, result, int32(OK)))
}

// SetError completes a promise with a host error code, which must be > 0.
func (f *Future) SetError(code Status) Status { return f.SetErrorAt(f.Gen(), code) }

// SetErrorAt is SetError through a handle for generation gen.
func (f *Future) SetErrorAt(gen uint32, code Status) Status {
	if !f.Holds(gen) {
		return EBADHANDLE
	}
	if code <= 0 {
		return EINVAL
	}
	return Status(cx.FutComplete(unsafe.Pointer(f), gen, cx.ByPromise, 0, int32(code)))
}

// Cancel completes f with ECANCELLED if it is pending and, for an item's
// future, the item has not started. It returns OK if this call cancelled f,
// ESTATE if it was too late. Exactly one of Cancel and the item's start wins.
func (f *Future) Cancel() Status { return f.CancelAt(f.Gen()) }

// CancelAt is Cancel through a handle for generation gen.
func (f *Future) CancelAt(gen uint32) Status {
	return Status(cx.FutComplete(unsafe.Pointer(f), gen, cx.ByCancel, 0, int32(ECANCELLED)))
}

// Free lets go of the handle of generation gen; the slot goes back to the
// pool once its item is over too. Freeing never cancels.
func (f *Future) Free(gen uint32) Status { return Status(cx.FutFree(unsafe.Pointer(f), gen)) }

// AddDoneCallback arranges for cb(f) to run once when f completes, on the
// completing thread; or now, on this one, if f is already done and its
// earlier callbacks have all run (otherwise after them, on the completing
// thread).
func (f *Future) AddDoneCallback(cb func(*Future)) { f.AddDoneCallbackAt(f.Gen(), cb) }

// AddDoneCallbackAt is AddDoneCallback through a handle for generation gen.
func (f *Future) AddDoneCallbackAt(gen uint32, cb func(*Future)) Status {
	return Status(cx.FutAddDone(unsafe.Pointer(f), gen, func() { cb(f) }))
}

// Wait blocks until f completes or timeoutNs passes (< 0: forever, 0: poll)
// and returns the outcome, or (0, ETIMEDOUT). The wait is the machinery's
// (cx_fut_wait: spin, then sleep on the state word), made through a cgo
// call; the C API waits the same way without entering Go.
func (f *Future) Wait(timeoutNs int64) (uintptr, Status) { return f.WaitAt(f.Gen(), timeoutNs) }

// WaitAt is Wait through a handle for generation gen.
func (f *Future) WaitAt(gen uint32, timeoutNs int64) (uintptr, Status) {
	r, st := cx.FutWait(unsafe.Pointer(f), gen, timeoutNs)
	return r, Status(st)
}
