package executor

import (
	"sync/atomic"
	"unsafe"
)

// ThreadID identifies an OS thread. The core never looks inside it: the
// caller passes its own identity to the calls whose rules depend on the
// thread. The C API gives each thread a number on its first call and never
// reuses it (capi/cx/shim.c, cx_self).
type ThreadID uint64

// Call is one work item: two opaque words that the executor's Runner
// interprets. In the C API they are a C function pointer and its argument.
type Call struct{ Fn, Arg uintptr }

// Runner runs items on the owner thread.
type Runner struct {
	// Run runs one item and returns its result and status (OK or a host
	// code > 0; anything else is reported to its future as EINVAL).
	Run func(Call) (result uintptr, code Status)
	// RunBatch, if set, runs entries from the front of batch, in order,
	// with their futures started and completed as the protocol in
	// shared.go says, and returns how many it finished. It stops early at
	// an entry that needs Go (a future with a Go side): if it ran that
	// item already (ran), result and code are its outcome, for the core
	// to complete; otherwise the core runs it. The C API uses it to cross
	// into C once per batch instead of once per item. The slice lives
	// outside the Go heap. cnt, if not nil, counts each item as it starts
	// or is skipped (shared.go: Counters). in is the executor's ingress;
	// with lanes, RunBatch looks at its urgent lane before each entry and
	// after the last one, and runs the urgent items queued then
	// (RunUrgent); if the look after a call's last entry ran items, the
	// next call does not look before its first entry, so that a normal
	// item runs between two looks. Without lanes (a RunReady, which
	// budgets the lanes itself) it does not look.
	RunBatch func(in *Ingress, lanes bool, batch []Entry, cnt *Counters) (done int, ran bool, result uintptr, code Status)
	// RunUrgent, if set, runs up to max items of in's urgent lane (those
	// queued when it looks, oldest first) and returns how many it took.
	RunUrgent func(in *Ingress, cnt *Counters, max uint64) uint64
	// Release, if set, takes back a future slot whose handle and item are
	// both gone; it must be the pool that made the slot (the C API's pool
	// for the slots it passes to SubmitWith). nil: the pure-Go pool.
	Release func(*Future)
	// WakeHost and ClearHost, if set, serve executors attached to a host
	// loop (AttachHost; the C API's descriptor and notify callback).
	// WakeHost makes in's descriptor readable and, if notify, calls the
	// notify callback; it runs on the pushing thread, outside the lock.
	// ClearHost makes the descriptor unreadable; it runs on the owner.
	WakeHost  func(in *Ingress, notify bool)
	ClearHost func(in *Ingress)
	// Push, if set, is the push of shared.go, where the ingress is shared
	// with C (the C API: capi/cx/shim.c, cx_push), so that it exists once:
	// OK, EQUIT (in quit), full (a bounded queue) or ENOMEM.
	Push func(in *Ingress, c Call, f *Future) Status
	// The side state of futures, when the futures are C slots (the C API:
	// capi/cx/future_ext.c), so that a thread the Go runtime has never seen
	// completes a watched future without entering Go. nil: the Go side
	// (futureExt) serves them.
	//   - Watch makes in's run watch f: a completion of f quits in (sets
	//     flagQuit under in's lock) before it publishes f; false if f is
	//     done already.
	//   - StopWatchLocked ends that with in's lock held: a completion no
	//     longer quits in. Unwatch then forgets the watch, lock not held.
	//   - Settle returns once a completion of f in progress has published
	//     it; SettleQuit does that for the future whose completion quit in.
	//   - Discard completes the futures of a freed executor's entries with
	//     ECANCELLED, running their done callbacks.
	Watch           func(in *Ingress, f *Future) bool
	StopWatchLocked func(in *Ingress)
	Unwatch         func(in *Ingress, f *Future)
	Settle          func(f *Future)
	SettleQuit      func(in *Ingress)
	Discard         func(entries []Entry)
	// MoveDue, if set, moves in's due timers to the back of its queue
	// (capi/cx/timers.c: the timers live in C). The owner calls it, lock not
	// held, before it looks at the queue, and only while flagTimers is
	// set, so an executor without timers pays one flag test.
	MoveDue func(in *Ingress)
}

// watch makes e's run watch f (admit); false if f is done already.
func (e *Executor) watch(f *Future) bool {
	if e.runner.Watch != nil {
		return e.runner.Watch(e.in.Load(), f)
	}
	return f.watch(e)
}

// unwatch forgets the watch of a run that ended without f's completion.
func (e *Executor) unwatch(f *Future) {
	if e.runner.Unwatch != nil {
		e.runner.Unwatch(e.in.Load(), f)
		return
	}
	f.unwatch(e)
}

// settle returns once f, whose completion quit e, is published done.
func (e *Executor) settle(f *Future) {
	if e.runner.Settle != nil {
		e.runner.Settle(f) // the completion unlinked the watch
		return
	}
	f.settle()
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
// submits allocate nothing. An entry carries its item's future slot.
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
	freed     bool
	heap      bool // chunks in the Go heap: no C side, futures in the Go heap
	running   bool
	readyRun  bool    // inside RunReady: RunBatch leaves the urgent lane to runHeld
	target    *Future // the future RunUntil is waiting for
	quitBy    *Future // the target whose completion made e quit
	// held is a batch RunReady took but did not finish (its budget ran
	// out); its entries from heldNext on run before anything queued later.
	held     batch
	heldNext uint64
	// The run in progress, for RunUntilResume: its deadline and when it
	// began to wait (statistics).
	deadline int64
	sleptAt  int64

	// Set at creation (Options), then read-only.
	cnt          *Counters // &in.Counters when pushes are counted, else nil
	failWhenFull bool
	seg          uint64 // items per counted run segment: a power of two <= stampEvery
	st           *stats // nil without Options.Stats
	wd           *watchdog
}

// Options are the creation-time settings of NewWith; the zero value is
// New's behaviour.
type Options struct {
	Stats        bool   // keep statistics (Stats)
	MaxQueued    uint64 // 0: unbounded; else at most this many queued, not started
	FailWhenFull bool   // a push to a full queue fails with EAGAIN instead of waiting
	StallNs      int64  // > 0: call OnStall when the oldest queued item waited this long
	OnStall      func(ageNs int64)
}

// New returns an executor owned by owner, forwarding to old (may be nil)
// once it has quit. in may be nil; the C API passes an Ingress in C memory
// so that its fast path can push without entering Go.
func New(owner ThreadID, old *Executor, runner Runner, in *Ingress) *Executor {
	return NewWith(owner, old, runner, in, Options{})
}

// NewWith is New with options. The caller has checked them (StallNs > 0
// needs OnStall).
func NewWith(owner ThreadID, old *Executor, runner Runner, in *Ingress, o Options) *Executor {
	heap := in == nil
	if heap {
		in = new(Ingress)
	}
	// in may be recycled C memory: reset every field.
	in.Lock.Store(0)
	in.Flags.Store(0)
	in.Wake.Store(wakeIdle)
	in.Owner, in.Buf, in.Len, in.Cap = uint64(owner), nil, 0, 0
	in.Room.Store(0)
	in.Max, in.Pushed, in.HighWater, in.StartedSeen = o.MaxQueued, 0, 0, 0
	in.Started.Store(0)
	in.Cancelled.Store(0)
	e := &Executor{owner: owner, old: old, runner: runner, heap: heap, failWhenFull: o.FailWhenFull}
	e.configure(in, o)
	e.in.Store(in)
	if o.StallNs > 0 {
		e.wd = e.startWatchdog(o.StallNs, o.OnStall)
	}
	if !heap {
		// A first chunk now, so that the first submits take the C fast path
		// instead of entering Go for it: short-lived executors (asgiref
		// makes one per async_to_sync call) are often submitted to from a
		// thread that has never entered Go, and that first entry costs
		// tens of microseconds. A failed mmap leaves Cap 0: the first
		// submit then tries again in Go. And a spare one in e's pool, which
		// the first batch the owner takes leaves in the ingress, so that
		// submits go on in C while the owner runs it (recycle then pools
		// the batch's chunks for the next swap).
		e.nextChunkLocked()
		if c := getChunk(); c != nil {
			e.pool = append(e.pool, c)
		}
	}
	return e
}

// putChunk returns an unused chunk to the process-wide pool.
func (e *Executor) putChunk(c chunk) {
	if !e.heap {
		putChunk(c)
	}
}

// Owner returns the owner thread's identity.
func (e *Executor) Owner() ThreadID { return e.owner }

// Submit queues c on e, or on the nearest executor in its chain that has not
// quit. With withFuture it also returns the item's future; otherwise the
// item is fire and forget and nothing is allocated. It fails with
// ESAMETHREAD when from is e's owner, EQUIT when the whole chain quit, and
// ENOMEM when a queue cannot grow.
func (e *Executor) Submit(from ThreadID, c Call, withFuture bool) (*Future, Status) {
	return e.submitNew(from, c, withFuture, -1)
}

// submitNew is Submit with SubmitTimeout's bound on a wait for room.
func (e *Executor) submitNew(from ThreadID, c Call, withFuture bool, timeoutNs int64) (*Future, Status) {
	var f *Future
	if withFuture {
		f = newFuture(futHandle | futQueued)
	}
	if st := e.SubmitTimeout(from, c, f, timeoutNs); st != OK {
		if f != nil {
			e.runner.release(f)
		}
		return nil, st
	}
	return f, OK
}

// SubmitWith is Submit with a future slot the caller made (State with
// futHandle|futQueued), or nil for fire and forget. On failure the caller
// still owns the slot.
func (e *Executor) SubmitWith(from ThreadID, c Call, f *Future) Status {
	return e.SubmitTimeout(from, c, f, -1)
}

// SubmitTimeout is SubmitWith that waits at most timeoutNs (< 0: as long
// as it takes) for room in a full bounded queue that blocks, then fails
// with ETIMEDOUT. A full queue that fails gives EAGAIN; a queue that quits
// while the submit waits sends the item down the chain, and one that is
// freed meanwhile gives ECANCELLED.
func (e *Executor) SubmitTimeout(from ThreadID, c Call, f *Future, timeoutNs int64) Status {
	if from == e.owner {
		return ESAMETHREAD
	}
	deadline, haveDeadline := int64(-1), false
	for x := e; x != nil; x = x.old {
		st := x.push(c, f)
		for st == full {
			if x.failWhenFull {
				x.reject()
				return EAGAIN
			}
			if !haveDeadline {
				deadline, haveDeadline = deadlineFor(timeoutNs), true
			}
			if st = x.waitRoom(deadline); st == OK {
				st = x.push(c, f)
			}
		}
		if st != EQUIT {
			return st
		}
	}
	e.settleChain()
	return EQUIT
}

// settleChain makes every target of e's chain done before EQUIT is
// reported: whoever sees EQUIT must also see them done.
func (e *Executor) settleChain() {
	for x := e; x != nil; x = x.old {
		in := x.in.Load()
		in.lock()
		q, freed := x.quitBy, x.freed
		in.unlock()
		switch {
		case x.runner.SettleQuit != nil && !freed:
			x.runner.SettleQuit(in)
		case q != nil:
			q.settle()
		}
	}
}

// ChainLive returns the ingress of the first executor of e's old-executor
// chain (e excluded) that has not quit, for a timer submitted to e after
// it quit (capi/cx/timers.c inserts it there), or nil (EQUIT) once every
// target of the chain is done, as SubmitTimeout would report it.
func (e *Executor) ChainLive() *Ingress {
	for x := e.old; x != nil; x = x.old {
		if in := x.in.Load(); in.Flags.Load()&flagQuit == 0 {
			return in
		}
	}
	e.settleChain()
	return nil
}

// push appends one entry unless x has quit.
func (e *Executor) push(c Call, f *Future) Status {
	in := e.in.Load()
	if in.Flags.Load()&flagQuit != 0 { // for good: a freed executor's tombstone, too
		return EQUIT
	}
	if e.runner.Push != nil {
		return e.runner.Push(in, c, f)
	}
	in.lock()
	if in.Flags.Load()&flagQuit != 0 {
		in.unlock()
		return EQUIT
	}
	fl := in.Flags.Load()
	if fl&flagCount != 0 && in.fullLocked() {
		in.unlock()
		return full
	}
	if in.Len == in.Cap && !e.nextChunkLocked() {
		in.unlock()
		return ENOMEM
	}
	if f != nil {
		f.Result = uintptr(unsafe.Pointer(in)) // where it is queued: capi/cx/deadlock.c
	}
	if fl&flagCount != 0 {
		in.countLocked(fl)
	}
	chunkEntries(in.Buf, chunkLen)[in.Len] = Entry{Call: c, Fut: f}
	in.Len++
	in.Flags.Store(fl &^ (flagWaiting | flagHostIdle))
	in.unlock()
	if fl&flagWaiting != 0 {
		in.signal()
	}
	if fl&flagHostIdle != 0 {
		e.runner.WakeHost(in, true)
	}
	return OK
}

// nextChunkLocked queues the full current chunk and starts a new one.
func (e *Executor) nextChunkLocked() bool {
	in := e.in.Load()
	c := e.takeChunkLocked()
	if c == nil {
		return false
	}
	if in.Buf != nil {
		e.full = append(e.full, in.Buf)
	}
	in.Buf, in.Len, in.Cap = c, 0, chunkLen
	return true
}

// maxPool bounds the empty chunks an executor keeps (1.5 MiB).
const maxPool = 16

// takeChunkLocked returns a pooled chunk, or one from the process pool.
func (e *Executor) takeChunkLocked() chunk {
	if c := e.popPoolLocked(); c != nil {
		return c
	}
	if e.heap {
		return heapChunk()
	}
	return getChunk()
}

// popPoolLocked returns a chunk from x's own pool, or nil.
func (e *Executor) popPoolLocked() chunk {
	n := len(e.pool)
	if n == 0 {
		return nil
	}
	c := e.pool[n-1]
	e.pool = e.pool[:n-1]
	return c
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
	room := in.takeRoomWaitersLocked()
	in.unlock()
	if wake {
		in.signal()
	}
	if room {
		futexWakeAll(&in.Room)
	}
}

// RunUntil runs queued items on the calling thread, which must be the
// owner, until f completes; then the executor quits, the items queued
// before that are run, and it returns OK. With timeoutNs >= 0 it returns
// ETIMEDOUT if f is still pending when the time runs out; the executor
// then has not quit and RunUntil may be called again. It returns
// EWRONGTHREAD off the owner, EBUSY when re-entered, and EQUIT when an
// earlier RunUntil already made it quit.
//
// RunUntil waits for work itself. The C API runs the same steps with
// RunUntilStart and RunUntilResume and waits in C between them, so that no
// thread ever sleeps inside a Go frame.
func (e *Executor) RunUntil(from ThreadID, f *Future, timeoutNs int64) Status {
	st, wait, left := e.RunUntilStart(from, f, timeoutNs)
	for wait {
		e.sleep(left)
		st, wait, left = e.RunUntilResume(f)
	}
	return st
}

// RunUntilStart starts RunUntil and runs what is queued. It returns the
// run's outcome (wait false), or wait true when the queue is empty and f
// pending: the owner is then armed (flagWaiting, Wake = wakeArmed), and
// the caller waits on Wake, for at most left ns (< 0: no limit), until it
// is no longer wakeArmed (shared.go: signal), then calls RunUntilResume.
func (e *Executor) RunUntilStart(from ThreadID, f *Future, timeoutNs int64) (st Status, wait bool, left int64) {
	if st := e.admit(from, f); st != OK {
		return st, false, 0
	}
	e.deadline = deadlineFor(timeoutNs)
	e.runLeftovers()
	return e.runSteps(f)
}

// RunUntilResume goes on with a run that RunUntilStart or RunUntilResume
// left waiting.
func (e *Executor) RunUntilResume(f *Future) (st Status, wait bool, left int64) {
	e.st.idleSince(e.sleptAt)
	return e.runSteps(f)
}

// runSteps takes and runs batches until the run ends or must wait.
func (e *Executor) runSteps(f *Future) (st Status, wait bool, left int64) {
	for {
		b, st, more, wait := e.nextBatch(f, e.deadline)
		if wait {
			e.sleptAt = e.st.clock()
			left = -1
			if e.deadline >= 0 {
				left = max(e.deadline-now(), 0)
			}
			return OK, true, left
		}
		if !more {
			return st, false, 0
		}
		e.runBatch(b)
		if e.recycle(b, e.deadline) {
			e.unwatch(f)
			return ETIMEDOUT, false, 0
		}
	}
}

// admit starts a run: the checks, then e watches f. A future that is
// already done quits e at once (its queue is still drained).
func (e *Executor) admit(from ThreadID, f *Future) Status {
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
	e.running, e.target = true, f
	in.unlock()
	if !e.watch(f) {
		in.lock()
		in.Flags.Store(in.Flags.Load() | flagQuit)
		in.unlock()
	}
	return OK
}

// A batch is one swapped-out queue: its chunks, every one full but the
// last, which holds last entries.
type batch struct {
	chunks []chunk
	last   uint64
}

// nextBatch takes all the queued work (more is true), or finishes the run:
// with OK once e has quit and its queue is empty, with ETIMEDOUT once the
// deadline has passed with the queue empty; or, with nothing queued, arms
// the owner and says so (wait): the caller waits, then calls it again.
func (e *Executor) nextBatch(f *Future, deadline int64) (b batch, st Status, more, wait bool) {
	in := e.in.Load()
	for {
		if in.Flags.Load()&flagTimers != 0 && e.runner.MoveDue != nil {
			e.runner.MoveDue(in)
		}
		in.lock()
		in.takeWaiterLocked()
		in.Wake.Store(wakeIdle)
		switch {
		case in.Len > 0 || e.fullLocked() > 0:
			b = e.takeBatchLocked()
			in.unlock()
			return b, OK, true, false
		case urgentQueued(in) > 0: // an empty batch: runBatch runs the lane
			in.unlock()
			return b, OK, true, false
		case !e.hostIdleLocked():
			in.unlock()
			continue // a push came in while the host's descriptor was cleared
		case in.Flags.Load()&flagQuit != 0:
			e.finishRunLocked()
			// f's completer quits e before it publishes f as done; wait
			// out that instant so that f is done when we return.
			e.settle(f)
			return b, OK, false, false
		case deadline >= 0 && now() >= deadline:
			e.finishRunLocked()
			e.unwatch(f)
			return b, ETIMEDOUT, false, false
		}
		in.Flags.Store(in.Flags.Load() | flagWaiting)
		in.Wake.Store(wakeArmed)
		in.unlock()
		return b, OK, false, true
	}
}

// takeBatchLocked swaps the whole queue out: the full chunks, the current
// one. Submitters go on into a fresh chunk.
func (e *Executor) takeBatchLocked() batch {
	in := e.in.Load()
	e.drainFullLocked()
	b := batch{chunks: append(e.full, in.Buf), last: in.Len}
	e.full, e.spareFull = e.spareFull[:0], nil
	in.Buf, in.Len, in.Cap = e.popPoolLocked(), 0, 0
	if in.Buf != nil {
		in.Cap = chunkLen
	}
	return b
}

// runBatch runs every item of b in order. RunBatch looks at the urgent
// lane before each of b's items; here the lane is run only when RunBatch
// will not look first (a wake-up for urgent items alone, an empty b, or no
// RunBatch), so that two looks never come without a normal item between
// them while one is queued.
func (e *Executor) runBatch(b batch) {
	if in := e.in.Load(); e.runner.RunUrgent != nil && (e.runner.RunBatch == nil || b.len() == 0) && urgentQueued(in) > 0 {
		e.runner.RunUrgent(in, e.cnt, ^uint64(0))
	}
	for i, c := range b.chunks {
		n := uint64(chunkLen)
		if i == len(b.chunks)-1 {
			n = b.last
		}
		e.run(c, 0, n)
	}
}

// recycle keeps b's chunks (up to maxPool) and slices for the next swap,
// and reports whether the deadline has passed while e has not quit; the
// run is then finished and what is queued waits for the next call.
func (e *Executor) recycle(b batch, deadline int64) (timedOut bool) {
	in := e.in.Load()
	in.lock()
	var excess []chunk
	for _, c := range b.chunks {
		switch {
		case c == nil: // handed back early (dropHeldChunk)
		case len(e.pool) < maxPool:
			e.pool = append(e.pool, c)
		default:
			excess = append(excess, c)
		}
	}
	// b.chunks' backing array becomes e.full again only at the next swap,
	// made by this goroutine after excess is handled.
	if b.chunks != nil { // not an empty batch (urgent items alone)
		e.spareFull = b.chunks[:0]
	}
	timedOut = in.Flags.Load()&flagQuit == 0 && deadline >= 0 && now() >= deadline
	if timedOut {
		if e.emptyLocked() {
			e.hostIdleLocked() // a drain, for an attached host too
		}
		e.finishRunLocked()
	} else {
		in.unlock()
	}
	for _, c := range excess {
		e.putChunk(c)
	}
	return timedOut
}

// finishRunLocked ends a RunUntil. Called with the lock held; releases it.
func (e *Executor) finishRunLocked() {
	e.running = false
	e.target = nil
	in := e.in.Load()
	if e.runner.StopWatchLocked != nil {
		e.runner.StopWatchLocked(in)
	}
	in.Flags.Store(in.Flags.Load() &^ flagWaiting)
	in.unlock()
}

// sleep waits, spinning first, until signal() or left ns (< 0: no limit)
// have passed; pure-Go users only (the C API waits in C: capi/cx/future.c,
// cx_owner_wait). The caller disarms (clears flagWaiting, resets Wake)
// the next time it holds the lock.
func (e *Executor) sleep(left int64) {
	in := e.in.Load()
	deadline := int64(-1)
	if left >= 0 {
		deadline = now() + left
	}
	signaled := func() bool { return in.Wake.Load() == wakeSignaled }
	if !ownerSpin.spinUntil(deadline, signaled) && in.Wake.CompareAndSwap(wakeArmed, wakeSleeping) {
		if deadline >= 0 {
			left = max(deadline-now(), 0)
		}
		futexSleep(&in.Wake, wakeSleeping, left)
	}
}

// run runs entries lo to hi of chunk c, part of a swapped-out batch, in
// order. A counted executor runs them in segments of e.seg, so that
// submitters waiting for room hear of it as items start, and times the
// sampled items (those at multiples of stampEvery) as their segment
// starts.
func (e *Executor) run(c chunk, lo, hi uint64) {
	entries := chunkEntries(c, hi)
	if e.cnt == nil {
		e.runEntries(entries[lo:])
		return
	}
	t := e.st.clock()
	for lo < hi {
		end := min(hi, (lo/e.seg+1)*e.seg)
		if e.st != nil && lo%stampEvery == 0 {
			e.st.sample(chunkStamps(c)[lo/stampEvery])
		}
		e.runEntries(entries[lo:end])
		lo = end
		e.makeRoom()
	}
	e.st.busySince(t)
}

// runEntries runs entries in order: through RunBatch where it can, one
// item at a time where it cannot. An item with a future is started (unless
// cancelled), run and completed before the next starts.
func (e *Executor) runEntries(batch []Entry) {
	cnt := e.cnt
	for len(batch) > 0 {
		if e.runner.RunBatch != nil {
			k, ran, r, code := e.runner.RunBatch(e.in.Load(), !e.readyRun, batch, cnt)
			if batch = batch[k:]; len(batch) == 0 {
				return
			}
			if ran {
				r, code = checked(r, code)
				e.itemOver(batch[0].Fut, r, code)
				batch = batch[1:]
				continue
			}
		}
		ent := batch[0]
		batch = batch[1:]
		cnt.starting()
		switch f := ent.Fut; {
		case f == nil:
			e.runner.Run(ent.Call)
		case f.start():
			r, code := checked(e.runner.Run(ent.Call))
			e.itemOver(f, r, code)
		default: // cancelled
			cnt.skipped()
			e.itemOver(f, 0, ECANCELLED)
		}
	}
}

// checked is a callback's outcome as its future reports it: a negative
// code breaks the contract and becomes EINVAL, and the result is dropped.
func checked(r uintptr, code Status) (uintptr, Status) {
	if code < 0 {
		return 0, EINVAL
	}
	return r, code
}

// itemOver delivers an item's outcome to its future and lets go of the
// entry's reference to it.
func (e *Executor) itemOver(f *Future, r uintptr, code Status) {
	if f.itemOver(r, code) {
		e.runner.release(f)
	}
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
	room := in.takeRoomWaitersLocked()
	e.drainFullLocked()
	chunks := append(e.full, e.pool...)
	if in.Buf != nil {
		chunks = append(chunks, in.Buf)
	}
	// Held items first: they are the oldest, and futures are cancelled in
	// queue order.
	queued := make([][]Entry, 0, len(e.held.chunks)+len(e.full)+1)
	for i := e.heldNext; i < e.held.len(); {
		span := e.held.span(i)
		queued = append(queued, span)
		i += uint64(len(span))
	}
	for _, c := range e.full {
		queued = append(queued, chunkEntries(c, chunkLen))
	}
	if in.Buf != nil {
		queued = append(queued, chunkEntries(in.Buf, in.Len))
	}
	n := uint64(len(e.full))*chunkLen + in.Len + e.heldLeftLocked()
	for _, c := range e.held.chunks {
		if c != nil { // nil: handed back early (dropHeldChunk)
			chunks = append(chunks, c)
		}
	}
	e.held, e.heldNext = batch{}, 0
	in.Buf, in.Len, in.Cap = nil, 0, 0
	e.full, e.spareFull, e.pool = nil, nil, nil
	e.st.freed(in, n)
	tomb := &Ingress{Owner: in.Owner}
	tomb.Flags.Store(flagQuit)
	e.in.Store(tomb)
	in.unlock()
	if room {
		futexWakeAll(&in.Room)
	}
	e.wd.stop()
	for _, entries := range queued {
		if e.runner.Discard != nil {
			e.runner.Discard(entries)
			continue
		}
		for _, ent := range entries {
			if ent.Fut != nil {
				e.itemOver(ent.Fut, 0, ECANCELLED)
			}
		}
	}
	for _, c := range chunks {
		e.putChunk(c)
	}
	return int(n), OK
}

// Queued returns the number of items waiting on e.
func (e *Executor) Queued() int {
	in := e.in.Load()
	in.lock()
	n := e.queuedLocked()
	in.unlock()
	return int(n)
}

// queuedLocked is the number of items waiting on e, held ones included.
func (e *Executor) queuedLocked() uint64 {
	in := e.in.Load()
	return uint64(e.fullLocked())*chunkLen + in.Len + e.heldLeftLocked() + urgentQueued(in)
}

// urgentQueued is the number of items in in's urgent lane (Ingress.Urgent).
func urgentQueued(in *Ingress) uint64 { return in.Urgent.Load() & urgentCount }

// urgentUsed marks an ingress whose urgent lane was ever used; urgentCount
// masks the number of items queued in it.
const (
	urgentUsed  = 1 << 32
	urgentCount = urgentUsed - 1
)

// fullLocked is the number of full chunks queued: e's, and those pushes
// queued on the ingress since the owner last took them (FullHead).
func (e *Executor) fullLocked() int { return len(e.full) + int(e.in.Load().FullN) }

// drainFullLocked moves the full chunks that pushes queued on the ingress
// to e's own list, in order, after those e queued itself.
func (e *Executor) drainFullLocked() {
	in := e.in.Load()
	for c := in.FullHead; c != nil; c = *chunkLink(c) {
		e.full = append(e.full, c)
	}
	in.FullHead, in.FullTail, in.FullN = nil, nil, 0
}

// Quit reports whether e has quit (or was freed).
func (e *Executor) Quit() bool {
	return e.in.Load().Flags.Load()&flagQuit != 0
}

// Taker is the ingress of the executor that a submit to e would go to
// now: e's, or that of the first executor down its chain that has not
// quit; nil if the whole chain quit. (The C API's DISPATCH runs an item
// inline when the caller owns that executor.)
func (e *Executor) Taker() *Ingress {
	for x := e; x != nil; x = x.old {
		if in := x.in.Load(); in.Flags.Load()&flagQuit == 0 {
			return in
		}
	}
	return nil
}
