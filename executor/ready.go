package executor

// Embedding: a host event loop (GLib, libuv, asyncio, a GUI) owns the
// owner thread and cannot block in RunUntil. It attaches to the executor
// (AttachHost: the C API's descriptor or notify callback), hears from
// pushes when work arrives, and calls RunReady, which runs part of the
// queue without blocking and tells the host when the queue is empty again.

import (
	"unsafe"

	"ctexec/capi/cx"
)

// len is the number of entries in b.
func (b batch) len() uint64 {
	if len(b.chunks) == 0 {
		return 0
	}
	return uint64(len(b.chunks)-1)*chunkLen + b.last
}

// at locates b's entry i: its chunk c, and the positions lo (i's) to hi
// (the end of what b holds in c).
func (b batch) at(i uint64) (c chunk, lo, hi uint64) {
	k, hi := i/chunkLen, uint64(chunkLen)
	if k == uint64(len(b.chunks))-1 {
		hi = b.last
	}
	return b.chunks[k], i % chunkLen, hi
}

// span returns b's entries from index i to the end of i's chunk.
func (b batch) span(i uint64) []Entry {
	c, lo, hi := b.at(i)
	return chunkEntries(c, hi)[lo:]
}

func (e *Executor) heldLeftLocked() uint64 { return e.held.len() - e.heldNext }

// emptyLocked reports whether nothing waits on e.
func (e *Executor) emptyLocked() bool {
	in := e.in.Load()
	return in.Len == 0 && in.FullN == 0 && e.heldLeftLocked() == 0 && urgentQueued(in) == 0
}

// AttachHost connects e to a host loop: pushes then wake it through the
// machinery (capi/cx/embed.c: cx_host_wake, cx_host_clear). It reports
// whether work is queued that the host was not woken for: the caller then
// wakes what it just attached. The flags are C's (capi/cx/ingress.c,
// cx_host_attach_locked, which has the protocol); held items count as
// queued, so the lock is held across the call, on this rare path only.
func (e *Executor) AttachHost() (pending bool) {
	in := e.in.Load()
	in.lock()
	pending = cx.HostAttachLocked(unsafe.Pointer(in), e.heldLeftLocked())
	in.unlock()
	return pending
}

// hostIdleLocked tells an attached host that the queue is empty. The owner
// calls it, lock held, having found the queue empty; it returns with the
// lock held. The descriptor is cleared before the queue is checked again,
// so a push in between is never lost: it reports false, with the
// descriptor readable again, if work came in meanwhile. The transition is
// C's (capi/cx/ingress.c, cx_host_idle_locked); the flags are read here
// first, so that an executor with no host, or one told already, makes no
// call into C.
func (e *Executor) hostIdleLocked() bool {
	in := e.in.Load()
	if fl := in.Flags.Load(); fl&flagHost == 0 || fl&flagHostIdle != 0 {
		return true
	}
	return cx.HostIdleLocked(unsafe.Pointer(in), e.heldLeftLocked(), false)
}

// hostStillIdleLocked is hostIdleLocked for RunReady, which clears the
// descriptor even when the host was told already (see cx_host_idle_locked
// with force: a push's raise can land after the owner drained).
func (e *Executor) hostStillIdleLocked() bool {
	in := e.in.Load()
	if in.Flags.Load()&flagHost == 0 {
		return true
	}
	return cx.HostIdleLocked(unsafe.Pointer(in), e.heldLeftLocked(), true)
}

// RunReady runs queued items on the calling thread, which must be the
// owner, without ever waiting for more: in FIFO order, at most maxItems of
// them (0: every item queued when the call started; items queued during
// the call wait for the next one), and no more once maxNs has passed
// (< 0: no time limit; at least one item runs if any is queued). Items are
// started, run and completed as in RunUntil. It returns how many ran and
// whether any remain queued; if none remain, an attached host is told so.
//
// RunReady never quits e and never waits for a future: on a quit executor
// it runs what is left and returns. It fails with EWRONGTHREAD off the
// owner and EBUSY inside RunUntil or RunReady on e (from an item); a call
// that fails has no effect: it moves no due timer into the queue.
func (e *Executor) RunReady(from ThreadID, maxItems uint64, maxNs int64) (ran uint64, more bool, st Status) {
	if from != e.owner {
		return 0, false, EWRONGTHREAD
	}
	in := e.in.Load()
	in.lock()
	if e.running {
		in.unlock()
		return 0, false, EBUSY
	}
	e.running = true
	// Due timers join the queue only now, past the checks, so that a
	// refused call moves none (and this call's snapshot has them).
	if in.Flags.Load()&flagTimers != 0 {
		in.unlock()
		e.moveDue(in)
		in.lock()
	}
	limit := e.queuedLocked()
	in.unlock()
	if maxItems != 0 && maxItems < limit {
		limit = maxItems
	}
	e.readyRun = true
	ran = e.runHeld(limit, deadlineFor(maxNs))
	e.readyRun = false
	in.lock()
	e.running = false
	empty := e.emptyLocked() && e.hostStillIdleLocked()
	in.unlock()
	return ran, !empty, OK
}

// runHeld runs up to limit items, the held ones first, then from batches
// it takes from the queue (never more than the queue held when it started
// if limit came from that count), stopping between items once deadline
// (>= 0) has passed, after the first. Unfinished batches stay held.
func (e *Executor) runHeld(limit uint64, deadline int64) (ran uint64) {
	in := e.in.Load()
	for ran < limit && (ran == 0 || deadline < 0 || now() < deadline) {
		// The urgent lane first, within the budget: RunBatch does not look
		// at it here, so an executor that ever used the lane runs its
		// normal items one per turn of this loop, looking before each.
		lanes := in.Urgent.Load()&urgentUsed != 0
		if lanes && urgentQueued(in) > 0 {
			max := limit - ran
			if deadline >= 0 {
				max = 1
			}
			if ran += cx.RunUrgent(uintptr(e.goRun), unsafe.Pointer(in), unsafe.Pointer(e.cnt), max); ran >= limit || (deadline >= 0 && now() >= deadline) {
				break
			}
		}
		if e.heldNext == e.held.len() {
			e.dropHeld()
			b, ok := e.take()
			if !ok {
				if lanes && urgentQueued(in) > 0 {
					continue
				}
				break
			}
			in.lock() // held items count as queued (queuedLocked)
			e.held = b
			in.unlock()
		}
		c, lo, hi := e.held.at(e.heldNext)
		n := min(hi-lo, limit-ran)
		if deadline >= 0 || lanes {
			n = 1
		}
		in.lock()
		e.heldNext += n // taken: no longer counted as queued
		in.unlock()
		e.run(c, lo, lo+n)
		ran += n
		if k := int(e.heldNext/chunkLen) - 1; lo+n == chunkLen && k < len(e.held.chunks)-1 {
			e.dropHeldChunk(k)
		}
	}
	if e.heldNext == e.held.len() {
		e.dropHeld()
	}
	return ran
}

// dropHeldChunk hands back chunk k of the held batch, whose items have all
// run. A held batch can span hundreds of chunks (a host loop that was
// away while a million items were queued); returning each as soon as it is
// done spreads the cost of giving memory back over the host's turns,
// instead of putting it all on the turn that ends the batch (16-21 ms of
// one turn for 245 chunks here, which starved the host's timers). The
// slot is left nil: nothing reads a held chunk before heldNext again, and
// recycle and Free skip nil chunks.
func (e *Executor) dropHeldChunk(k int) {
	in := e.in.Load()
	in.lock()
	c := e.held.chunks[k]
	e.held.chunks[k] = nil
	in.unlock()
	cx.PoolPut(unsafe.Pointer(in), c)
}

// dropHeld recycles a finished held batch.
func (e *Executor) dropHeld() {
	if len(e.held.chunks) == 0 {
		return
	}
	e.recycle(e.held, -1)
	in := e.in.Load()
	in.lock()
	e.held, e.heldNext = batch{}, 0
	in.unlock()
}

// runLeftovers runs, at the start of RunUntil, the items an earlier
// RunReady held: they are older than anything queued. They are taken all
// at once, like a batch, so they no longer count as queued.
func (e *Executor) runLeftovers() {
	in := e.in.Load()
	in.lock()
	b, i := e.held, e.heldNext
	e.held, e.heldNext = batch{}, 0
	in.unlock()
	for i < b.len() {
		c, lo, hi := b.at(i)
		e.run(c, lo, hi)
		i += hi - lo
	}
	if len(b.chunks) > 0 {
		e.recycle(b, -1)
	}
}
