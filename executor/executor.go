package executor

import (
	"runtime/cgo"
	"sync/atomic"
	"unsafe"

	"ctexec/capi/cx"
)

// ThreadID identifies an OS thread. The core never looks inside it: the
// caller passes its own identity to the calls whose rules depend on the
// thread. The C API gives each thread a number on its first call and never
// reuses it (capi/cx/slots.c, cx_self).
type ThreadID uint64

// Call is one work item: two opaque words that the executor's Runner
// interprets. In the C API they are a C function pointer and its argument.
type Call struct{ Fn, Arg uintptr }

// Runner adapts an executor for the tests of this package. The zero value
// is the C API's: items are C functions (ctexec_fn).
type Runner struct {
	// Run, if set, runs items that are Go calls instead, whose Fn and Arg
	// each fit in half a word. They are queued as Go items of the machinery
	// (capi/cx/gocalls.c: a C function that calls back into Go), so that
	// the machinery's batch runner runs them, starts and completes their
	// futures and looks at the urgent lane exactly as it does for C
	// items. It returns the item's result and status (OK or a host code
	// > 0; anything else is reported to its future as EINVAL).
	Run func(Call) (result uintptr, code Status)
	// MoveDue, if set, stands in for the machinery's move of due timers
	// (capi/cx/timers.c) on a harness clock. The owner calls it, lock not
	// held, before it looks at the queue, while flagTimers is set.
	MoveDue func(in *Ingress)
}

// goHalf is half a word's bits: a Go item's argument packs Fn and Arg in
// one word (on 64-bit targets each below 2^32).
const goHalf = unsafe.Sizeof(uintptr(0)) * 4

// goItem packs a Go call into a Go item's argument.
func goItem(c Call) uintptr {
	if c.Fn>>goHalf != 0 || c.Arg>>goHalf != 0 {
		panic("executor: a Go item's Fn and Arg must fit in half a word")
	}
	return c.Fn<<goHalf | c.Arg
}

// The runs watching futures live in the machinery (capi/cx/future_ext.c),
// so that a thread the Go runtime has never seen completes a watched
// future without entering Go: its completion quits the watching run (sets
// flagQuit under the ingress lock) before it publishes the future.

// watch makes e's run watch f (admit); false if f is done already.
func (e *Executor) watch(f *Future) bool { return cx.RunWatch(e.inPtr(), unsafe.Pointer(f)) }

// unwatch forgets the watch of a run that ended without f's completion.
func (e *Executor) unwatch(f *Future) { cx.RunUnwatch(e.inPtr(), unsafe.Pointer(f)) }

// settle returns once f, whose completion quit e, is published done.
func (e *Executor) settle(f *Future) { cx.Settle(unsafe.Pointer(f)) }

// inPtr is e's ingress, for the machinery.
func (e *Executor) inPtr() unsafe.Pointer { return unsafe.Pointer(e.in.Load()) }

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
	goRun  cgo.Handle // the machinery's handle of runner.Run; 0 without
	// in is swapped for a quit-flagged tombstone by Free, so that the C
	// memory of a freed executor can be reused while chains still lead to
	// this object.
	in atomic.Pointer[Ingress]

	// The owner's alone: a batch's slice kept for the next take. (Its
	// empty chunks are the machinery's: capi/cx/ingress.c, the owner's
	// pool.)
	spareFull []chunk

	// Guarded by in's lock.
	freed    bool
	running  bool
	readyRun bool    // inside RunReady: cx_run_batch leaves the urgent lane to runHeld
	target   *Future // the future RunUntil is waiting for
	// held is a batch RunReady took but did not finish (its budget ran
	// out); its entries from heldNext on run before anything queued later.
	held     batch
	heldNext uint64
	// The run in progress, for RunUntilResume: its deadline and when it
	// began to wait (statistics).
	deadline int64
	sleptAt  int64

	// Set at creation (Options), then read-only. slot is the executor
	// slot New allocated when given no ingress (released by Free).
	slot         unsafe.Pointer
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
	var slot unsafe.Pointer
	if in == nil {
		var p unsafe.Pointer
		if slot, p = cx.SlotAlloc(); slot == nil {
			panic("executor: no executor slot left")
		}
		in = (*Ingress)(p)
	}
	e := &Executor{owner: owner, old: old, runner: runner, slot: slot, failWhenFull: o.FailWhenFull}
	if run := runner.Run; run != nil {
		e.goRun = cx.GoRunner(func(arg uintptr) (uintptr, int32) {
			r, st := run(Call{Fn: arg >> goHalf, Arg: arg & (1<<goHalf - 1)})
			return r, int32(st)
		})
	}
	// in may be recycled C memory: the machinery resets every field, and
	// gives it a first chunk and a spare one.
	cx.IngressInit(unsafe.Pointer(in), uint64(owner), o.MaxQueued, e.configure(in, o), true)
	e.in.Store(in)
	if o.StallNs > 0 {
		e.wd = e.startWatchdog(o.StallNs, o.OnStall)
	}
	return e
}

// putChunk returns an unused chunk to the process-wide pool.
func (e *Executor) putChunk(c chunk) { putChunk(c) }

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
		if f = newFuture(futHandle | futQueued); f == nil {
			return nil, ENOMEM
		}
	}
	if st := e.SubmitTimeout(from, c, f, timeoutNs); st != OK {
		if f != nil {
			f.release()
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
		freed := x.freed
		in.unlock()
		if !freed {
			cx.SettleQuit(unsafe.Pointer(in))
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

// push appends one entry unless e has quit: the machinery's push
// (capi/cx/shim.c, cx_push_entry), the one C's submits make.
func (e *Executor) push(c Call, f *Future) Status {
	in := e.in.Load()
	if in.Flags.Load()&flagQuit != 0 { // for good: a freed executor's tombstone, too
		return EQUIT
	}
	if e.goRun != 0 {
		c = Call{Fn: cx.GoItemFn(), Arg: goItem(c)}
	}
	switch cx.Push(unsafe.Pointer(in), c.Fn, c.Arg, unsafe.Pointer(f)) {
	case cx.Pushed:
		return OK
	case cx.PushQuit:
		return EQUIT
	case cx.PushFull:
		return full
	}
	return ENOMEM
}

// RunUntil runs queued items on the calling thread, which must be the
// owner, until f completes; then the executor quits, the items queued
// before that are run, and it returns OK. With timeoutNs >= 0 it returns
// ETIMEDOUT if f is still pending when the time runs out; the executor
// then has not quit and RunUntil may be called again. It returns
// EWRONGTHREAD off the owner, EBUSY when re-entered, and EQUIT when an
// earlier RunUntil already made it quit.
//
// RunUntil serves Go callers (this package's tests). The C API runs the
// same steps from C (capi/cx/shim.c, ctexec_run_until_timeout), so that no
// thread ever sleeps inside a Go frame; RunUntil's wait is the same C wait
// (cx_owner_wait), made through a cgo call.
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
// pending: the owner is then armed (flagWaiting, Wake = wakeArmed or
// wakeOpen), and the caller waits with cx.RunIdle, for at most left ns
// (< 0: no limit), until it is signalled or handed an entry, which RunIdle
// runs (capi/cx/shared.h: signal, hand-off), then calls RunUntilResume.
// Nothing else may wait after an arming: only RunIdle empties the
// hand-off cell.
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
		cx.Quit(unsafe.Pointer(in))
	}
	return OK
}

// A batch is one swapped-out queue: its chunks, every one full but the
// last, which holds last entries.
type batch struct {
	chunks []chunk
	last   uint64
}

// moveDue moves e's due timers to the back of the queue (capi/cx/timers.c,
// or the tests' harness clock). The owner calls it, lock not held, once
// flagTimers is set, so an executor that never had a timer never calls it.
func (e *Executor) moveDue(in *Ingress) {
	if e.runner.MoveDue != nil {
		e.runner.MoveDue(in)
	} else {
		cx.MoveDue(unsafe.Pointer(in))
	}
}

// nextBatch takes all the queued work (more is true), or finishes the run:
// with OK once e has quit and its queue is empty, with ETIMEDOUT once the
// deadline has passed with the queue empty; or, with nothing queued, arms
// the owner and says so (wait): the caller waits, then calls it again.
//
// The common steps, take and arm, are one call into the machinery, which
// holds the ingress lock only for the stores they make (cx_owner_next);
// the policy decides the rest with the lock held.
func (e *Executor) nextBatch(f *Future, deadline int64) (b batch, st Status, more, wait bool) {
	in := e.in.Load()
	for {
		if in.Flags.Load()&flagTimers != 0 {
			e.moveDue(in)
		}
		next, t := cx.OwnerNext(unsafe.Pointer(in), deadline)
		if next == cx.NextTaken {
			return e.batchOf(t), OK, true, false
		}
		if next == cx.NextArmed {
			return b, OK, false, true
		}
		switch {
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
		cx.OwnerArmUnlock(unsafe.Pointer(in))
		return b, OK, false, true
	}
}

// batchOf is the batch of what the machinery took from the queue (its
// full chunks, then the current one), in e.spareFull's slice.
func (e *Executor) batchOf(t cx.Taken) batch {
	chunks := e.spareFull[:0]
	e.spareFull = nil
	for c, k := t.FullHead, uint64(0); k < t.FullN; c, k = cx.TakenNext(c), k+1 {
		chunks = append(chunks, c)
	}
	if t.Buf == nil { // taken with no spare, then grown: every chunk is full
		if len(chunks) == 0 {
			return batch{}
		}
		return batch{chunks: chunks, last: chunkLen}
	}
	return batch{chunks: append(chunks, t.Buf), last: t.Len}
}

// take takes everything queued into a batch; ok is false when nothing is.
func (e *Executor) take() (b batch, ok bool) {
	t, ok := cx.Take(e.inPtr())
	if !ok {
		return b, false
	}
	return e.batchOf(t), true
}

// runBatch runs every item of b in order. The machinery's batch runner
// (cx_run_batch) looks at the urgent lane before each of b's items; here
// the lane is run only for a wake-up for urgent items alone (an empty b),
// so that two looks never come without a normal item between them while
// one is queued.
func (e *Executor) runBatch(b batch) {
	if in := e.in.Load(); b.len() == 0 && urgentQueued(in) > 0 {
		cx.RunUrgent(uintptr(e.goRun), unsafe.Pointer(in), unsafe.Pointer(e.cnt), ^uint64(0))
	}
	for i, c := range b.chunks {
		n := uint64(chunkLen)
		if i == len(b.chunks)-1 {
			n = b.last
		}
		e.run(c, 0, n)
	}
}

// recycle gives b's chunks back to the owner's pool, keeps its slice for
// the next take, and reports whether the deadline has passed while e has
// not quit; the run is then finished and what is queued waits for the
// next call.
func (e *Executor) recycle(b batch, deadline int64) (timedOut bool) {
	for _, c := range b.chunks {
		if c != nil { // nil: handed back early (dropHeldChunk)
			cx.PoolPut(e.inPtr(), c)
		}
	}
	if b.chunks != nil { // not an empty batch (urgent items alone)
		e.spareFull = b.chunks[:0]
	}
	in := e.in.Load()
	if deadline < 0 || in.Flags.Load()&flagQuit != 0 || now() < deadline {
		return false
	}
	in.lock()
	if in.Flags.Load()&flagQuit != 0 { // quit meanwhile: the run goes on to drain
		in.unlock()
		return false
	}
	if e.emptyLocked() {
		e.hostIdleLocked() // a drain, for an attached host too
	}
	e.finishRunLocked()
	return true
}

// finishRunLocked ends a RunUntil. Called with the lock held; releases it.
func (e *Executor) finishRunLocked() {
	e.running = false
	e.target = nil
	in := e.in.Load()
	cx.RunEndUnlock(unsafe.Pointer(in))
}

// sleep is RunUntil's wait for Go callers: the C API's own
// (capi/cx/run.c, cx_run_idle: spin, then sleep on Wake until signalled or
// left ns (< 0: no limit) have passed, and in a run with no deadline take
// and run the batches that wake it). The next step disarms.
func (e *Executor) sleep(left int64) { cx.RunIdle(e.inPtr(), left, e.deadline < 0, uintptr(e.goRun)) }

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

// runEntries runs entries in order through the machinery's batch runner
// (cx_run_batch), one call per batch: each item's future is started (or
// the item skipped if cancelled), the item run and its future completed
// before the next starts.
func (e *Executor) runEntries(batch []Entry) {
	for len(batch) > 0 {
		k, ran, r, code := cx.RunBatch(uintptr(e.goRun), e.inPtr(), !e.readyRun, unsafe.Pointer(&batch[0]), len(batch), unsafe.Pointer(e.cnt))
		if batch = batch[k:]; len(batch) == 0 {
			return
		}
		if ran {
			r, code := checked(r, Status(code))
			itemOver(batch[0].Fut, r, code)
			batch = batch[1:]
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

// itemOver delivers an item's outcome to its future unless it is complete
// already (cancelled), and lets go of the entry's reference to it
// (cx_fut_complete, which releases the slot if that was the last).
func itemOver(f *Future, r uintptr, code Status) {
	cx.FutComplete(unsafe.Pointer(f), f.Gen(), cx.ByItem, r, int32(code))
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
	wake := cx.QuitLocked(unsafe.Pointer(in))
	// Everything queued, and the current chunk even when empty.
	rest := e.batchOf(cx.TakeAllLocked(unsafe.Pointer(in)))
	var chunks []chunk
	// Held items first: they are the oldest, and futures are cancelled in
	// queue order.
	queued := make([][]Entry, 0, len(e.held.chunks)+len(rest.chunks))
	spans := func(b batch, i uint64) {
		for i < b.len() {
			span := b.span(i)
			queued = append(queued, span)
			i += uint64(len(span))
		}
	}
	spans(e.held, e.heldNext)
	spans(rest, 0)
	n := rest.len() + e.heldLeftLocked()
	for _, c := range append(e.held.chunks, rest.chunks...) {
		if c != nil { // nil: handed back early (dropHeldChunk)
			chunks = append(chunks, c)
		}
	}
	e.held, e.heldNext = batch{}, 0
	e.spareFull = nil
	e.st.freed(in, n)
	tomb := &Ingress{}
	cx.IngressInit(unsafe.Pointer(tomb), in.Owner, 0, flagQuit, false)
	e.in.Store(tomb)
	in.unlock()
	cx.QuitWake(unsafe.Pointer(in), wake)
	e.wd.stop()
	for _, entries := range queued {
		if len(entries) > 0 {
			cx.Discard(unsafe.Pointer(&entries[0]), len(entries))
		}
	}
	for _, c := range chunks {
		e.putChunk(c)
	}
	cx.PoolDrain(unsafe.Pointer(in)) // no run is in progress (running is false)
	if e.slot != nil {
		cx.SlotRelease(e.slot)
	}
	if e.goRun != 0 {
		e.goRun.Delete()
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
	return in.FullN*chunkLen + in.Len + e.heldLeftLocked() + urgentQueued(in)
}

// urgentQueued is the number of items in in's urgent lane (Ingress.Urgent).
func urgentQueued(in *Ingress) uint64 { return in.Urgent.Load() & urgentCount }

// urgentUsed marks an ingress whose urgent lane was ever used; urgentCount
// masks the number of items queued in it.
const (
	urgentUsed  = 1 << 32
	urgentCount = urgentUsed - 1
)

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
