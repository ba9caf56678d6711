package executor

import (
	"sync"
	"sync/atomic"
)

// ThreadID identifies an OS thread. The core never looks inside it: the
// caller passes its own identity (pthread_self() in the C API) to the calls
// whose rules depend on the thread.
type ThreadID uint64

// Call is one work item: two opaque words that the executor's Runner
// interprets. In the C API they are a C function pointer and its argument.
type Call struct{ Fn, Arg uintptr }

// A Runner runs one Call on the owner thread and returns its result and
// status (OK or a host code > 0; anything else is reported as EINVAL).
type Runner func(Call) (result uintptr, code Status)

type item struct {
	call Call
	fut  *Future // nil: fire and forget
}

// Values of Executor.wake, the futex word the owner sleeps on.
const (
	wakeIdle     = 0 // owner not waiting
	wakeArmed    = 1 // owner spinning; a waker just flips the word
	wakeSleeping = 2 // owner in the kernel; a waker must futex-wake
	wakeSignaled = 3
)

// SpinNs is how long a waiter (the owner with nothing to run, or a thread in
// Future.Wait) spins before it sleeps in the kernel. Waking a sleeping
// thread costs about 20 µs on a virtual CPU; a short spin lets a busy
// round trip avoid it, and costs an idle owner one spin per sleep.
var SpinNs int64 = 10_000

// spinUntil spins until cond() holds (true) or SpinNs or the deadline has
// passed (false).
func spinUntil(deadline int64, cond func() bool) bool {
	if SpinNs <= 0 {
		return cond()
	}
	end := now() + SpinNs
	if deadline >= 0 && deadline < end {
		end = deadline
	}
	for i := 0; ; i++ {
		if cond() {
			return true
		}
		if i&63 == 63 && now() >= end {
			return false
		}
	}
}

// An Executor runs submitted items on its owner thread, inside RunUntil.
// It has asgiref's CurrentThreadExecutor semantics:
//   - Submit from the owner is ESAMETHREAD; RunUntil from elsewhere is
//     EWRONGTHREAD.
//   - When RunUntil's future completes the executor quits; items queued
//     before that moment still run before RunUntil returns.
//   - Submit to a quit executor walks the old-executor chain to the nearest
//     one that has not quit, or fails with EQUIT.
//
// The queue is a slice that the owner swaps out whole per wake-up, so a
// batch costs one lock acquisition and steady-state submits allocate
// nothing.
type Executor struct {
	owner  ThreadID
	old    *Executor
	runner Runner

	mu      sync.Mutex
	queue   []item
	spare   []item // the previous batch's backing array, reused
	quit    bool   // quit, or freed
	freed   bool
	running bool
	target  *Future // the future RunUntil is waiting for
	waiting bool    // the owner is (about to be) asleep on wake

	wake atomic.Uint32
}

// New returns an executor owned by owner, forwarding to old (may be nil)
// once it has quit. runner runs each item.
func New(owner ThreadID, old *Executor, runner Runner) *Executor {
	return &Executor{owner: owner, old: old, runner: runner}
}

// Owner returns the owner thread's identity.
func (e *Executor) Owner() ThreadID { return e.owner }

// Submit queues c on e, or on the nearest executor in its chain that has not
// quit. With withFuture it also returns the item's future; otherwise the
// item is fire and forget and nothing is allocated. It fails with
// ESAMETHREAD when from is e's owner, and EQUIT when the whole chain quit.
func (e *Executor) Submit(from ThreadID, c Call, withFuture bool) (*Future, Status) {
	if from == e.owner {
		return nil, ESAMETHREAD
	}
	var f *Future
	if withFuture {
		f = &Future{}
	}
	for x := e; x != nil; x = x.old {
		x.mu.Lock()
		if x.quit {
			x.mu.Unlock()
			continue
		}
		x.queue = append(x.queue, item{c, f})
		wake := x.waiting
		x.waiting = false
		x.mu.Unlock()
		if wake {
			x.signal()
		}
		return f, OK
	}
	return nil, EQUIT
}

// signal wakes the owner if it is spinning or asleep.
func (e *Executor) signal() {
	if e.wake.Swap(wakeSignaled) == wakeSleeping {
		futexWakeAll(&e.wake)
	}
}

// targetDone is called by a completing future that e is running until.
func (e *Executor) targetDone(f *Future) {
	e.mu.Lock()
	if e.target != f || !e.running {
		e.mu.Unlock()
		return
	}
	e.quit = true
	wake := e.waiting
	e.waiting = false
	e.mu.Unlock()
	if wake {
		e.signal()
	}
}

// RunUntil runs queued items on the calling thread, which must be the
// owner, until f completes; then the executor quits, the items queued
// before that are run, and it returns OK. With timeoutNs >= 0 it returns
// ETIMEDOUT if f is still pending when the time runs out; the executor
// then has not quit and RunUntil may be called again. It returns
// EWRONGTHREAD off the owner, EBUSY when re-entered, and EQUIT when an
// earlier RunUntil already made it quit.
func (e *Executor) RunUntil(from ThreadID, f *Future, timeoutNs int64) Status {
	if from != e.owner {
		return EWRONGTHREAD
	}
	e.mu.Lock()
	switch {
	case e.running:
		e.mu.Unlock()
		return EBUSY
	case e.quit:
		e.mu.Unlock()
		return EQUIT
	}
	e.running = true
	e.target = f
	e.mu.Unlock()

	if !f.watch(e) {
		e.mu.Lock()
		e.quit = true
		e.mu.Unlock()
	}
	deadline := deadlineFor(timeoutNs)
	for {
		e.mu.Lock()
		if len(e.queue) == 0 {
			if e.quit {
				e.finishRun()
				return OK
			}
			if deadline >= 0 && now() >= deadline {
				e.finishRun()
				f.unwatch(e)
				return ETIMEDOUT
			}
			e.waiting = true
			e.wake.Store(wakeArmed)
			e.mu.Unlock()
			e.sleep(deadline)
			continue
		}
		batch := e.queue
		e.queue, e.spare = e.spare[:0], nil
		e.mu.Unlock()

		e.runBatch(batch)

		e.mu.Lock()
		if e.spare == nil && cap(batch) <= 4096 {
			e.spare = batch[:0]
		}
		stop := !e.quit && deadline >= 0 && now() >= deadline
		e.mu.Unlock()
		if stop {
			// The queue may have refilled, but the time is up; the items
			// wait for the next call.
			e.mu.Lock()
			e.finishRun()
			f.unwatch(e)
			return ETIMEDOUT
		}
	}
}

// finishRun ends a RunUntil. Called with e.mu held; releases it.
func (e *Executor) finishRun() {
	e.running = false
	e.target = nil
	e.waiting = false
	e.mu.Unlock()
}

// sleep waits, spinning first, until signal() or the deadline.
func (e *Executor) sleep(deadline int64) {
	signaled := func() bool { return e.wake.Load() == wakeSignaled }
	if !spinUntil(deadline, signaled) && e.wake.CompareAndSwap(wakeArmed, wakeSleeping) {
		left := int64(-1)
		if deadline >= 0 {
			left = max(deadline-now(), 0)
		}
		futexSleep(&e.wake, wakeSleeping, left)
	}
	e.mu.Lock()
	e.waiting = false
	e.wake.Store(wakeIdle)
	e.mu.Unlock()
}

func (e *Executor) runBatch(batch []item) {
	for i := range batch {
		it := &batch[i]
		if it.fut == nil {
			e.runner(it.call)
		} else if it.fut.start() {
			r, code := e.runner(it.call)
			if code < 0 {
				r, code = 0, EINVAL
			}
			it.fut.complete(r, code, false)
		}
		*it = item{} // drop the future for the GC
	}
}

// Free discards e: the items still queued never run and their futures
// complete with ECANCELLED. A freed executor counts as quit for chains that
// lead to it. It returns the number of items discarded, or EBUSY while e
// is inside RunUntil.
func (e *Executor) Free() (discarded int, st Status) {
	e.mu.Lock()
	if e.running {
		e.mu.Unlock()
		return 0, EBUSY
	}
	if e.freed {
		e.mu.Unlock()
		return 0, EBADHANDLE
	}
	e.quit, e.freed = true, true
	q := e.queue
	e.queue, e.spare = nil, nil
	e.mu.Unlock()
	for _, it := range q {
		if it.fut != nil {
			it.fut.complete(0, ECANCELLED, false)
		}
	}
	return len(q), OK
}

// Queued returns the number of items waiting on e.
func (e *Executor) Queued() int {
	e.mu.Lock()
	n := len(e.queue)
	e.mu.Unlock()
	return n
}

// Quit reports whether e has quit (or was freed).
func (e *Executor) Quit() bool {
	e.mu.Lock()
	q := e.quit
	e.mu.Unlock()
	return q
}
