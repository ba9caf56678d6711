package executor

import "sync/atomic"

// ThreadID identifies an OS thread. The core never looks inside it: the
// caller passes its own identity (pthread_self() in the C API) to the calls
// whose rules depend on the thread.
type ThreadID uint64

// Call is one work item: two opaque words that the executor's Runner
// interprets. In the C API they are a C function pointer and its argument.
type Call struct{ Fn, Arg uintptr }

// Runner runs items on the owner thread.
type Runner struct {
	// Run runs one item and returns its result and status (OK or a host
	// code > 0; anything else is reported to its future as EINVAL).
	Run func(Call) (result uintptr, code Status)
	// RunMany, if set, runs a run of fire-and-forget entries in order. The
	// C API uses it to cross into C once per run instead of once per item.
	// The slice lives outside the Go heap.
	RunMany func([]Entry)
}

// Values of Ingress.Wake, the futex word the owner sleeps on.
const (
	wakeIdle     = 0 // owner not waiting
	wakeArmed    = 1 // owner spinning; a waker just flips the word
	wakeSleeping = 2 // owner in the kernel; a waker must futex-wake
	wakeSignaled = 3
)

// SpinNs is the longest a waiter (the owner with nothing to run, or a
// thread in Future.Wait) spins before it sleeps in the kernel; 0 disables
// spinning. Waking a sleeping thread costs about 20 µs on a virtual CPU, so
// a spin only helps while the other thread is running: then a round trip
// takes well under a microsecond instead of tens of them.
var SpinNs int64 = 50_000

// A spinner adapts the spin budget to whether spinning pays. A spin that
// ends in success sets the budget to four times what it took (at most
// SpinNs); one that fails halves it. Once the budget has collapsed (both
// threads share a CPU, or the other side is slow), one wait in 32 still
// probes with the full SpinNs, so the fast mode is found again when the
// other thread runs freely. The budget must exceed the wake-up time for
// a pair of threads to leave the slow mode, hence the 50 µs ceiling.
type spinner struct {
	budget atomic.Int64
	waits  atomic.Uint32
}

// ownerSpin serves idle owners, waitSpin threads in Future.Wait. They are
// process-wide: they track whether this process's threads get CPUs.
var ownerSpin, waitSpin spinner

const minSpinNs = 1_000

// spinUntil spins until cond() holds (true) or the budget or the deadline
// has passed (false).
func (sp *spinner) spinUntil(deadline int64, cond func() bool) bool {
	limit := SpinNs
	if limit <= 0 {
		return cond()
	}
	budget := sp.budget.Load()
	if budget == 0 { // first use
		budget = limit
	}
	if budget < minSpinNs {
		if sp.waits.Add(1)%32 != 0 {
			return cond()
		}
		budget = limit
	}
	start := now()
	end := start + min(budget, limit)
	if deadline >= 0 && deadline < end {
		end = deadline
	}
	for i := 0; ; i++ {
		if cond() {
			if i > 0 {
				sp.budget.Store(min(limit, max(4*(now()-start), minSpinNs)))
			}
			return true
		}
		if i&63 == 63 && now() >= end {
			sp.budget.Store(budget / 2)
			return false
		}
		relax()
	}
}

// relaxSink keeps relax's loop from being optimised away.
var relaxSink uint32

// relax burns a few nanoseconds without touching shared memory, so that a
// spinning reader does not keep stealing the cache line the thread it
// waits for is about to write (Go has no PAUSE instruction).
func relax() {
	x := uint32(1)
	for j := 0; j < 16; j++ {
		x = x*1664525 + 1013904223
	}
	if x == 0 {
		relaxSink = x
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
// Items queue in chunks of an Ingress buffer that the owner swaps out whole
// per wake-up, so a batch costs one lock acquisition and steady-state
// submits allocate nothing. The futures of queued items are kept, in queue order,
// in futq, which is swapped together with the buffer.
type Executor struct {
	owner  ThreadID
	old    *Executor
	runner Runner
	// in is swapped for a quit-flagged tombstone by Free, so that the C
	// memory of a freed executor can be reused while chains still lead to
	// this object.
	in atomic.Pointer[Ingress]

	// Guarded by in's lock.
	full      []chunk // full chunks queued before in's current one
	spareFull []chunk
	pool      []chunk // empty chunks kept for reuse, pages faulted in
	futq      []*Future
	spareFutq []*Future
	freed     bool
	running   bool
	target    *Future // the future RunUntil is waiting for
	quitBy    *Future // the target whose completion made e quit
}

// New returns an executor owned by owner, forwarding to old (may be nil)
// once it has quit. in may be nil; the C API passes an Ingress in C memory
// so that its fast path can push without entering Go.
func New(owner ThreadID, old *Executor, runner Runner, in *Ingress) *Executor {
	if in == nil {
		in = new(Ingress)
	}
	// in may be recycled C memory: reset every field.
	in.Lock.Store(0)
	in.Flags.Store(0)
	in.Wake.Store(wakeIdle)
	in.Owner, in.Buf, in.Len, in.Cap = uint64(owner), nil, 0, 0
	e := &Executor{owner: owner, old: old, runner: runner}
	e.in.Store(in)
	return e
}

// Owner returns the owner thread's identity.
func (e *Executor) Owner() ThreadID { return e.owner }

// Submit queues c on e, or on the nearest executor in its chain that has not
// quit. With withFuture it also returns the item's future; otherwise the
// item is fire and forget and nothing is allocated. It fails with
// ESAMETHREAD when from is e's owner, EQUIT when the whole chain quit, and
// ENOMEM when a queue cannot grow.
func (e *Executor) Submit(from ThreadID, c Call, withFuture bool) (*Future, Status) {
	if from == e.owner {
		return nil, ESAMETHREAD
	}
	var f *Future
	if withFuture {
		f = newFuture()
	}
	for x := e; x != nil; x = x.old {
		switch st := x.push(c, f); st {
		case EQUIT:
			continue
		case OK:
			return f, OK
		default:
			return nil, st
		}
	}
	// Whoever sees EQUIT must also see every target of the chain done.
	for x := e; x != nil; x = x.old {
		in := x.in.Load()
		in.lock()
		q := x.quitBy
		in.unlock()
		if q != nil {
			q.settle()
		}
	}
	return nil, EQUIT
}

// push appends one entry unless x has quit.
func (x *Executor) push(c Call, f *Future) Status {
	in := x.in.Load()
	in.lock()
	if in.Flags.Load()&flagQuit != 0 {
		in.unlock()
		return EQUIT
	}
	if in.Len == in.Cap && !x.nextChunkLocked() {
		in.unlock()
		return ENOMEM
	}
	ent := Entry{Call: c}
	if f != nil {
		ent.HasFuture = 1
		x.futq = append(x.futq, f)
	}
	chunkEntries(in.Buf, chunkLen)[in.Len] = ent
	in.Len++
	wake := in.takeWaiterLocked()
	in.unlock()
	if wake {
		in.signal()
	}
	return OK
}

// nextChunkLocked queues the full current chunk and starts a new one.
func (x *Executor) nextChunkLocked() bool {
	in := x.in.Load()
	c := x.takeChunkLocked()
	if c == nil {
		return false
	}
	if in.Buf != nil {
		x.full = append(x.full, in.Buf)
	}
	in.Buf, in.Len, in.Cap = c, 0, chunkLen
	return true
}

// maxPool bounds the empty chunks an executor keeps (1.5 MiB).
const maxPool = 16

// takeChunkLocked returns a pooled chunk, or one from the process pool.
func (x *Executor) takeChunkLocked() chunk {
	if c := x.popPoolLocked(); c != nil {
		return c
	}
	return getChunk()
}

// popPoolLocked returns a chunk from x's own pool, or nil.
func (x *Executor) popPoolLocked() chunk {
	n := len(x.pool)
	if n == 0 {
		return nil
	}
	c := x.pool[n-1]
	x.pool = x.pool[:n-1]
	return c
}

// takeWaiterLocked clears the waiting flag and reports whether it was set.
func (in *Ingress) takeWaiterLocked() bool {
	fl := in.Flags.Load()
	if fl&flagWaiting == 0 {
		return false
	}
	in.Flags.Store(fl &^ flagWaiting)
	return true
}

// signal wakes the owner if it is spinning or asleep.
func (in *Ingress) signal() {
	if in.Wake.Swap(wakeSignaled) == wakeSleeping {
		futexWakeAll(&in.Wake)
	}
}

// targetDone is called by a completing future that e is running until.
func (e *Executor) targetDone(f *Future) {
	in := e.in.Load()
	in.lock()
	if e.target != f || !e.running {
		in.unlock()
		return
	}
	in.Flags.Store(in.Flags.Load() | flagQuit)
	e.quitBy = f
	wake := in.takeWaiterLocked()
	in.unlock()
	if wake {
		in.signal()
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
	in := e.in.Load()
	in.lock()
	switch {
	case e.running:
		in.unlock()
		return EBUSY
	case in.Flags.Load()&flagQuit != 0:
		in.unlock()
		return EQUIT
	}
	e.running = true
	e.target = f
	in.unlock()

	if !f.watch(e) {
		in.lock()
		in.Flags.Store(in.Flags.Load() | flagQuit)
		in.unlock()
	}
	deadline := deadlineFor(timeoutNs)
	for {
		in.lock()
		in.takeWaiterLocked()
		in.Wake.Store(wakeIdle)
		if in.Len == 0 && len(e.full) == 0 {
			if in.Flags.Load()&flagQuit != 0 {
				e.finishRunLocked()
				// f's completer quits e before it publishes f as done;
				// wait out that instant so that f is done when we return.
				f.settle()
				return OK
			}
			if deadline >= 0 && now() >= deadline {
				e.finishRunLocked()
				f.unwatch(e)
				return ETIMEDOUT
			}
			in.Flags.Store(in.Flags.Load() | flagWaiting)
			in.Wake.Store(wakeArmed)
			in.unlock()
			e.sleep(deadline)
			continue
		}
		// Swap the whole queue out: the full chunks, the current one, and
		// their futures. Submitters go on into a fresh chunk.
		chunks := append(e.full, in.Buf)
		last := in.Len
		futs := e.futq
		e.full, e.spareFull = e.spareFull[:0], nil
		e.futq, e.spareFutq = e.spareFutq[:0], nil
		in.Buf, in.Len, in.Cap = e.popPoolLocked(), 0, 0
		if in.Buf != nil {
			in.Cap = chunkLen
		}
		in.unlock()

		k := 0
		for i, c := range chunks {
			n := uint64(chunkLen)
			if i == len(chunks)-1 {
				n = last
			}
			k = e.run(chunkEntries(c, n), futs, k)
		}
		clear(futs)

		in.lock()
		var excess []chunk
		for i, c := range chunks {
			if len(e.pool) < maxPool {
				e.pool = append(e.pool, c)
			} else {
				excess = chunks[i:]
				break
			}
		}
		// chunks' backing array becomes e.full again only at the next swap,
		// made by this goroutine after excess is handled.
		e.spareFull = chunks[:0]
		if e.spareFutq == nil {
			e.spareFutq = futs[:0]
		}
		stop := in.Flags.Load()&flagQuit == 0 && deadline >= 0 && now() >= deadline
		if stop {
			// The time is up; what is queued waits for the next call.
			e.finishRunLocked()
		} else {
			in.unlock()
		}
		for _, c := range excess {
			putChunk(c)
		}
		if stop {
			f.unwatch(e)
			return ETIMEDOUT
		}
	}
}

// finishRunLocked ends a RunUntil. Called with the lock held; releases it.
func (e *Executor) finishRunLocked() {
	e.running = false
	e.target = nil
	in := e.in.Load()
	in.Flags.Store(in.Flags.Load() &^ flagWaiting)
	in.unlock()
}

// sleep waits, spinning first, until signal() or the deadline. The caller
// disarms (clears flagWaiting, resets Wake) the next time it holds the lock.
func (e *Executor) sleep(deadline int64) {
	in := e.in.Load()
	signaled := func() bool { return in.Wake.Load() == wakeSignaled }
	if !ownerSpin.spinUntil(deadline, signaled) && in.Wake.CompareAndSwap(wakeArmed, wakeSleeping) {
		left := int64(-1)
		if deadline >= 0 {
			left = max(deadline-now(), 0)
		}
		futexSleep(&in.Wake, wakeSleeping, left)
	}
}

// run runs part of a swapped-out batch in order, and returns the index in
// futs of the next item's future. Runs of fire-and-forget entries go to
// RunMany in one call; an item with a future is started (unless
// cancelled), run and completed before the next item starts.
func (e *Executor) run(batch []Entry, futs []*Future, k int) int {
	for i := 0; i < len(batch); {
		if batch[i].HasFuture == 0 {
			j := i + 1
			for j < len(batch) && batch[j].HasFuture == 0 {
				j++
			}
			if e.runner.RunMany != nil {
				e.runner.RunMany(batch[i:j])
			} else {
				for _, ent := range batch[i:j] {
					e.runner.Run(ent.Call)
				}
			}
			i = j
			continue
		}
		f := futs[k]
		k++
		if f.start() {
			r, code := e.runner.Run(batch[i].Call)
			if code < 0 {
				r, code = 0, EINVAL
			}
			f.complete(r, code, false)
		}
		i++
	}
	return k
}

// Free discards e: the items still queued never run and their futures
// complete with ECANCELLED. A freed executor counts as quit for chains that
// lead to it. Once Free returns, e never touches the Ingress it was given
// again, so its memory may be reused. It returns the number of items discarded, EBUSY while e is
// inside RunUntil, or EBADHANDLE if it was already freed.
func (e *Executor) Free() (discarded int, st Status) {
	in := e.in.Load()
	in.lock()
	if e.running {
		in.unlock()
		return 0, EBUSY
	}
	if e.freed {
		in.unlock()
		return 0, EBADHANDLE
	}
	e.freed = true
	in.Flags.Store(in.Flags.Load() | flagQuit)
	chunks := append(e.full, e.pool...)
	if in.Buf != nil {
		chunks = append(chunks, in.Buf)
	}
	n := uint64(len(e.full))*chunkLen + in.Len
	futs := e.futq
	in.Buf, in.Len, in.Cap = nil, 0, 0
	e.full, e.spareFull, e.pool, e.futq, e.spareFutq = nil, nil, nil, nil, nil
	tomb := &Ingress{Owner: in.Owner}
	tomb.Flags.Store(flagQuit)
	e.in.Store(tomb)
	in.unlock()
	for _, f := range futs {
		f.complete(0, ECANCELLED, false)
	}
	for _, c := range chunks {
		putChunk(c)
	}
	return int(n), OK
}

// Queued returns the number of items waiting on e.
func (e *Executor) Queued() int {
	in := e.in.Load()
	in.lock()
	n := uint64(len(e.full))*chunkLen + in.Len
	in.unlock()
	return int(n)
}

// Quit reports whether e has quit (or was freed).
func (e *Executor) Quit() bool {
	return e.in.Load().Flags.Load()&flagQuit != 0
}
