package executor

import (
	"sync"
	"sync/atomic"
)

// Values of Future.word, which doubles as the futex word waiters sleep on.
const (
	futPending  = 0 // not done, nobody asleep
	futSleepers = 1 // not done, at least one waiter may be in the kernel
	futDone     = 2
)

// A Future is the eventual outcome of a submitted item (Submit) or a promise
// the host completes itself (NewPromise). It completes exactly once: with a
// result and OK, with a host error code (> 0), with ECANCELLED, or with
// EINVAL when an item's callback broke the contract.
type Future struct {
	word atomic.Uint32 // futPending, futSleepers or futDone

	mu       sync.Mutex
	promise  bool // made by NewPromise: SetResult/SetError allowed
	started  bool // its item began running: Cancel is too late
	result   uintptr
	code     Status
	watchers []*Executor     // executors in RunUntil on this future
	cbs      []func(*Future) // done callbacks, in registration order
	// cbRunning: the completing goroutine is still running callbacks.
	cbRunning bool
}

// NewPromise returns a pending future that the caller completes with
// SetResult, SetError or Cancel.
func NewPromise() *Future {
	f := newFuture()
	f.promise = true
	return f
}

// Futures are carved out of slabs of 64, so that a submit with a future
// costs 1/64 of an allocation instead of one. A slab stays alive while any
// of its futures is referenced: at most 63 idle futures (about 6 KiB) are
// retained per live one, a fair price for the allocation rate it saves.
type futureSlab struct {
	next atomic.Int32
	fs   [64]Future
}

var curSlab atomic.Pointer[futureSlab]

func newFuture() *Future {
	for {
		s := curSlab.Load()
		if s != nil {
			if i := s.next.Add(1) - 1; i < int32(len(s.fs)) {
				return &s.fs[i]
			}
		}
		ns := &futureSlab{}
		ns.next.Store(1)
		if curSlab.CompareAndSwap(s, ns) {
			return &ns.fs[0]
		}
	}
}

// Done reports whether f has completed.
func (f *Future) Done() bool { return f.word.Load() == futDone }

// IsPromise reports whether f was made by NewPromise.
func (f *Future) IsPromise() bool { return f.promise }

// Outcome returns the result and status of a done future. For a pending
// future it returns (0, ETIMEDOUT), which is what a zero-timeout Wait reports.
func (f *Future) Outcome() (uintptr, Status) {
	if !f.Done() {
		return 0, ETIMEDOUT
	}
	f.mu.Lock()
	r, c := f.result, f.code
	f.mu.Unlock()
	return r, c
}

// SetResult completes a promise with a result.
func (f *Future) SetResult(result uintptr) Status {
	if !f.promise {
		return EINVAL
	}
	return f.complete(result, OK, false)
}

// SetError completes a promise with a host error code, which must be > 0.
func (f *Future) SetError(code Status) Status {
	if !f.promise || code <= 0 {
		return EINVAL
	}
	return f.complete(0, code, false)
}

// Cancel completes f with ECANCELLED if it is pending and, for an item's
// future, the item has not started. It returns OK if this call cancelled f,
// ESTATE if it was too late. Exactly one of Cancel and the item's start wins.
func (f *Future) Cancel() Status { return f.complete(0, ECANCELLED, true) }

// start marks an item's future as running. It returns false if the future
// was cancelled first, in which case the item must be skipped.
func (f *Future) start() bool {
	f.mu.Lock()
	ok := !f.Done() && !f.started
	f.started = ok
	f.mu.Unlock()
	return ok
}

// complete sets the outcome once. beforeStart refuses futures whose item
// already started (that is what makes Cancel lose to the start).
func (f *Future) complete(result uintptr, code Status, beforeStart bool) Status {
	f.mu.Lock()
	if f.Done() || (beforeStart && f.started) {
		f.mu.Unlock()
		return ESTATE
	}
	f.result, f.code = result, code
	// The executors running until f quit before anyone can see f done: a
	// submit made after f.Done() returned true must never land on them.
	// (Lock order: f.mu, then an executor's ingress lock.)
	for _, e := range f.watchers {
		e.targetDone(f)
	}
	f.watchers = nil
	cbs := f.cbs
	f.cbs = nil
	f.cbRunning = len(cbs) > 0
	if f.word.Swap(futDone) == futSleepers {
		futexWakeAll(&f.word)
	}
	f.mu.Unlock()
	// Callbacks run outside the lock: they may call back into f. Callbacks
	// registered meanwhile are appended and run here, in order, so that
	// registration order holds even across threads.
	for len(cbs) > 0 {
		for _, cb := range cbs {
			cb(f)
		}
		f.mu.Lock()
		cbs, f.cbs = f.cbs, nil
		f.cbRunning = len(cbs) > 0
		f.mu.Unlock()
	}
	return OK
}

// settle returns once a completion in progress has published f as done. A
// completing future quits the executors running until it just before it
// publishes itself (both under f.mu), so a caller that saw such an executor
// quit calls settle to see f done too.
func (f *Future) settle() {
	f.mu.Lock()
	f.mu.Unlock() //nolint:staticcheck // an empty critical section is the point
}

// AddDoneCallback arranges for cb(f) to run once when f completes, on the
// completing goroutine; or now, on this one, if f is already done and its
// earlier callbacks have all run (otherwise after them, on the completing
// goroutine).
func (f *Future) AddDoneCallback(cb func(*Future)) {
	f.mu.Lock()
	if !f.Done() || f.cbRunning {
		f.cbs = append(f.cbs, cb)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	cb(f)
}

// watch registers e to be told when f completes. It returns false, and
// registers nothing, if f is already done.
func (f *Future) watch(e *Executor) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Done() {
		return false
	}
	f.watchers = append(f.watchers, e)
	return true
}

func (f *Future) unwatch(e *Executor) {
	f.mu.Lock()
	for i, w := range f.watchers {
		if w == e {
			f.watchers = append(f.watchers[:i], f.watchers[i+1:]...)
			break
		}
	}
	f.mu.Unlock()
}

// Wait blocks until f completes or timeoutNs passes (< 0: forever, 0: poll)
// and returns the outcome, or (0, ETIMEDOUT). It spins briefly before it
// sleeps, so a waiter whose item is about to finish never pays a wake-up.
func (f *Future) Wait(timeoutNs int64) (uintptr, Status) {
	if f.Done() || timeoutNs == 0 {
		return f.Outcome()
	}
	deadline := deadlineFor(timeoutNs)
	if waitSpin.spinUntil(deadline, func() bool { return f.Done() }) {
		return f.Outcome()
	}
	for !f.Done() {
		left := int64(-1)
		if deadline >= 0 {
			if left = deadline - now(); left <= 0 {
				break
			}
		}
		if f.word.CompareAndSwap(futPending, futSleepers) || f.word.Load() == futSleepers {
			futexSleep(&f.word, futSleepers, left)
		}
	}
	return f.Outcome()
}
