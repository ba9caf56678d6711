package executor

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Futures are slots (shared.go has the layout and the protocol). Their hot
// state is one word, so that the C API can submit with a future, wait,
// poll, cancel, complete a promise and free without entering Go. What
// cannot live in a word (done callbacks, the runs watching a future) lives
// in a futureExt, made on first need and found by the slot's address.

// A futureExt is the Go side of a future that has done callbacks or runs
// watching it. Guarded by the future's extLock.
type futureExt struct {
	watchers  []*Executor     // executors in RunUntil on this future
	cbs       []func(*Future) // done callbacks, in registration order
	cbRunning bool            // the completer is still running callbacks
}

// exts maps *Future to its *futureExt while futExt is set.
var exts sync.Map

// extLocks guard the Go side of futures; a future uses the one its address
// hashes to. Lock order: a future's extLock, then an executor's ingress
// lock.
var extLocks [64]struct {
	sync.Mutex
	_ [56]byte // one lock per cache line
}

func (f *Future) extLock() *sync.Mutex {
	return &extLocks[uintptr(unsafe.Pointer(f))/unsafe.Sizeof(Future{})%uintptr(len(extLocks))].Mutex
}

func (f *Future) ext() *futureExt {
	x, _ := exts.Load(f)
	return x.(*futureExt)
}

// ensureExtLocked returns f's Go side, making it if s (f's state just
// read) has none. It returns nil if the state moved on meanwhile; the
// caller reads it again.
func (f *Future) ensureExtLocked(s uint32) *futureExt {
	if s&futExt != 0 {
		return f.ext()
	}
	x := &futureExt{}
	exts.Store(f, x)
	if f.State.CompareAndSwap(s, s|futExt) {
		return x
	}
	exts.Delete(f)
	return nil
}

// newFuture makes a future in the Go heap, for pure-Go users; the C API
// makes its slots in C memory (capi/cx/future.c). Futures are carved out of
// blocks of 64, so that a submit with a future costs 1/64 of an
// allocation; a block stays alive while any of its futures is referenced.
func newFuture(bits uint32) *Future {
	for {
		b := curBlock.Load()
		if b != nil {
			if i := b.next.Add(1) - 1; i < int32(len(b.fs)) {
				b.fs[i].State.Store(bits)
				return &b.fs[i]
			}
		}
		nb := &futureBlock{}
		nb.next.Store(1)
		if curBlock.CompareAndSwap(b, nb) {
			nb.fs[0].State.Store(bits)
			return &nb.fs[0]
		}
	}
}

type futureBlock struct {
	next atomic.Int32
	fs   [64]Future
}

var curBlock atomic.Pointer[futureBlock]

// recycle ends f's generation: the generation goes up, the bits are
// cleared, and a waiter still asleep on it (a host bug: it freed a handle
// another thread waits on) wakes up to EBADHANDLE.
func (f *Future) recycle() {
	gen := (f.State.Load()>>futGenShift + 1) & futGenMask
	if f.State.Swap(gen<<futGenShift)&futSleepers != 0 {
		futexWakeAll(&f.State)
	}
}

// DropExt forgets f's Go side; called when f's slot is released.
func DropExt(f *Future) {
	if f.State.Load()&futExt == 0 {
		return
	}
	mu := f.extLock()
	mu.Lock()
	exts.Delete(f)
	mu.Unlock()
}

// release returns a slot whose handle and item are both gone to its pool.
func (r *Runner) release(f *Future) {
	DropExt(f)
	if r.Release != nil {
		r.Release(f)
		return
	}
	f.recycle() // the garbage collector takes it from here
}

// ---- the state word ----------------------------------------------------

// NewPromise returns a pending future that the caller completes with
// SetResult, SetError or Cancel.
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
func (f *Future) Outcome() (uintptr, Status) { return f.outcomeAt(f.Gen()) }

func (f *Future) outcomeAt(gen uint32) (uintptr, Status) {
	s := f.State.Load()
	if !live(s, gen) {
		return 0, EBADHANDLE
	}
	if s&futDone == 0 {
		return 0, ETIMEDOUT
	}
	r, c := f.Result, Status(f.Code)
	if !f.Holds(gen) { // freed and reused while we read: the values are not ours
		return 0, EBADHANDLE
	}
	return r, c
}

// A completion says who completes a future, which decides what it may do.
type completion int

const (
	byItem    completion = iota // the item is over (the owner, or Free discarding it)
	byPromise                   // SetResult/SetError through the handle
	byCancel                    // Cancel through the handle: only before the item starts
)

// claim makes the caller f's only completer: it sets futClaimed, and the
// caller writes Code and Result and publishes. Without the ext lock
// (locked false) it refuses futures with a Go side: toExt is then true and
// the caller must go through completeExt.
func (f *Future) claim(gen uint32, k completion, locked bool) (st Status, toExt bool) {
	for {
		s := f.State.Load()
		switch {
		case s>>futGenShift != gen || k != byItem && s&futHandle == 0:
			return EBADHANDLE, false
		case k == byPromise && s&futPromise == 0:
			return EINVAL, false
		case s&(futClaimed|futDone) != 0 || k == byCancel && s&futStarted != 0:
			return ESTATE, false
		case s&futExt != 0 && !locked:
			return OK, true
		}
		if f.State.CompareAndSwap(s, s|futClaimed) {
			return OK, false
		}
	}
}

// publish makes a claimed f done and wakes its waiters; byItem also lets
// go of the entry's reference. It reports whether that was the slot's last
// reference, in which case the caller releases the slot.
func (f *Future) publish(k completion) (release bool) {
	for {
		s := f.State.Load()
		n := (s | futDone) &^ (futClaimed | futSleepers)
		if k == byItem {
			n &^= futQueued
		}
		if f.State.CompareAndSwap(s, n) {
			if s&futSleepers != 0 {
				futexWakeAll(&f.State)
			}
			return k == byItem && n&(futHandle|futQueued) == 0
		}
	}
}

// complete sets the outcome of generation gen of f once.
func (f *Future) complete(gen uint32, result uintptr, code Status, k completion) (st Status, release bool) {
	st, toExt := f.claim(gen, k, false)
	if toExt {
		return f.completeExt(gen, result, code, k)
	}
	if st != OK {
		return st, false
	}
	f.Code, f.Result = int32(code), result
	return OK, f.publish(k)
}

// completeExt completes a future that has a Go side. The executors running
// until f quit before anyone can see f done: a submit made after Done()
// returned true must never land on them. Callbacks run after the lock is
// dropped, in order; those registered meanwhile are appended and run here
// too, so that registration order holds even across threads.
func (f *Future) completeExt(gen uint32, result uintptr, code Status, k completion) (Status, bool) {
	mu := f.extLock()
	mu.Lock()
	if st, _ := f.claim(gen, k, true); st != OK {
		mu.Unlock()
		return st, false
	}
	f.Code, f.Result = int32(code), result
	x := f.ext()
	for _, e := range x.watchers {
		e.targetDone(f)
	}
	x.watchers = nil
	cbs := x.cbs
	x.cbs = nil
	x.cbRunning = len(cbs) > 0
	release := f.publish(k)
	mu.Unlock()
	for len(cbs) > 0 {
		for _, cb := range cbs {
			cb(f)
		}
		mu.Lock()
		cbs, x.cbs = x.cbs, nil
		x.cbRunning = len(cbs) > 0
		mu.Unlock()
	}
	return OK, release
}

// SetResult completes a promise with a result.
func (f *Future) SetResult(result uintptr) Status { return f.SetResultAt(f.Gen(), result) }

// SetResultAt is SetResult through a handle for generation gen.
func (f *Future) SetResultAt(gen uint32, result uintptr) Status {
	st, _ := f.complete(gen, result, OK, byPromise)
	return st
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
	st, _ := f.complete(gen, 0, code, byPromise)
	return st
}

// Cancel completes f with ECANCELLED if it is pending and, for an item's
// future, the item has not started. It returns OK if this call cancelled f,
// ESTATE if it was too late. Exactly one of Cancel and the item's start wins.
func (f *Future) Cancel() Status { return f.CancelAt(f.Gen()) }

// CancelAt is Cancel through a handle for generation gen.
func (f *Future) CancelAt(gen uint32) Status {
	st, _ := f.complete(gen, 0, ECANCELLED, byCancel)
	return st
}

// Free lets go of the handle of generation gen. It reports whether that was
// the slot's last reference (the item is over, or f is a promise): the
// caller then releases the slot. Freeing never cancels.
func (f *Future) Free(gen uint32) (st Status, release bool) {
	for {
		s := f.State.Load()
		if !live(s, gen) {
			return EBADHANDLE, false
		}
		n := s &^ futHandle
		if f.State.CompareAndSwap(s, n) {
			return OK, n&futQueued == 0
		}
	}
}

// start marks an item's future as running. It returns false if the future
// was cancelled first, in which case the item must be skipped.
func (f *Future) start() bool {
	for {
		s := f.State.Load()
		if s&(futClaimed|futDone) != 0 {
			return false
		}
		if f.State.CompareAndSwap(s, s|futStarted) {
			return true
		}
	}
}

// itemOver completes an item's future with (result, code) unless it is
// already complete (cancelled), and lets go of the entry's reference. It
// reports whether the slot must be released.
func (f *Future) itemOver(result uintptr, code Status) (release bool) {
	if st, release := f.complete(f.Gen(), result, code, byItem); st == OK {
		return release
	}
	for {
		s := f.State.Load()
		n := s &^ futQueued
		if f.State.CompareAndSwap(s, n) {
			return n&futHandle == 0
		}
	}
}

// awaitPublished waits out a completion that claimed f without a Go side
// and has yet to publish it: a few stores away.
func (f *Future) awaitPublished() {
	for f.State.Load()&futDone == 0 {
		runtime.Gosched()
	}
}

// AddDoneCallback arranges for cb(f) to run once when f completes, on the
// completing goroutine; or now, on this one, if f is already done and its
// earlier callbacks have all run (otherwise after them, on the completing
// goroutine).
func (f *Future) AddDoneCallback(cb func(*Future)) { f.AddDoneCallbackAt(f.Gen(), cb) }

// AddDoneCallbackAt is AddDoneCallback through a handle for generation gen.
func (f *Future) AddDoneCallbackAt(gen uint32, cb func(*Future)) Status {
	x, st := f.attach(gen, true)
	if st != OK {
		return st
	}
	mu := f.extLock()
	if x == nil { // done: now, unless earlier callbacks are still running
		if f.State.Load()&futExt != 0 {
			if y := f.ext(); y.cbRunning {
				y.cbs = append(y.cbs, cb)
				mu.Unlock()
				return OK
			}
		}
		mu.Unlock()
		cb(f)
		return OK
	}
	x.cbs = append(x.cbs, cb)
	mu.Unlock()
	return OK
}

// watch registers e to be told when f completes. It returns false, and
// registers nothing, if f is already done.
func (f *Future) watch(e *Executor) bool {
	x, _ := f.attach(0, false)
	defer f.extLock().Unlock()
	if x == nil {
		return false
	}
	x.watchers = append(x.watchers, e)
	return true
}

// attach returns f's Go side, made if need be, with f's ext lock held; or
// nil, with the lock held too, if f is done. A completion that claimed f
// without a Go side is waited out first. With checkHandle it fails, lock
// released, unless generation gen's handle is held.
func (f *Future) attach(gen uint32, checkHandle bool) (*futureExt, Status) {
	mu := f.extLock()
	for {
		mu.Lock()
		s := f.State.Load()
		switch {
		case checkHandle && !live(s, gen):
			mu.Unlock()
			return nil, EBADHANDLE
		case s&futDone != 0:
			return nil, OK
		case s&futClaimed != 0:
			mu.Unlock()
			f.awaitPublished()
			continue
		}
		if x := f.ensureExtLocked(s); x != nil {
			return x, OK
		}
		mu.Unlock()
	}
}

func (f *Future) unwatch(e *Executor) {
	mu := f.extLock()
	mu.Lock()
	if f.State.Load()&futExt != 0 {
		x := f.ext()
		for i, w := range x.watchers {
			if w == e {
				x.watchers = append(x.watchers[:i], x.watchers[i+1:]...)
				break
			}
		}
	}
	mu.Unlock()
}

// settle returns once a completion in progress has published f as done. A
// completing future quits the executors running until it just before it
// publishes itself (both under its ext lock), so a caller that saw such an
// executor quit calls settle to see f done too.
func (f *Future) settle() {
	mu := f.extLock()
	mu.Lock()
	mu.Unlock() //nolint:staticcheck // an empty critical section is the point
}

// Wait blocks until f completes or timeoutNs passes (< 0: forever, 0: poll)
// and returns the outcome, or (0, ETIMEDOUT). It spins briefly before it
// sleeps, so a waiter whose item is about to finish never pays a wake-up.
func (f *Future) Wait(timeoutNs int64) (uintptr, Status) { return f.WaitAt(f.Gen(), timeoutNs) }

// WaitAt is Wait through a handle for generation gen.
func (f *Future) WaitAt(gen uint32, timeoutNs int64) (uintptr, Status) {
	s := f.State.Load()
	if !live(s, gen) || s&futDone != 0 || timeoutNs == 0 {
		return f.outcomeAt(gen)
	}
	deadline := deadlineFor(timeoutNs)
	waitSpin.spinUntil(deadline, func() bool { return f.State.Load()&futDone != 0 })
	for {
		s := f.State.Load()
		if !live(s, gen) || s&futDone != 0 {
			break
		}
		left := int64(-1)
		if deadline >= 0 {
			if left = deadline - now(); left <= 0 {
				break
			}
		}
		if s&futSleepers == 0 {
			if !f.State.CompareAndSwap(s, s|futSleepers) {
				continue
			}
			s |= futSleepers
		}
		futexSleep(&f.State, s, left)
	}
	return f.outcomeAt(gen)
}
