package executor

import (
	"unsafe"

	"ctexec/capi/cx"
)

// Bounded queues and counted pushes. An executor made with a
// bound, statistics or a watchdog counts its pushes and its starts
// (shared.go: counted push, Counters); one made without pays for none of
// it, since the push paths test flagCount together with flagQuit.

// full is push's internal answer for a full bounded queue; SubmitTimeout
// turns it into EAGAIN or a wait for room. Never returned to callers.
const full Status = -1 << 20

// configure sets e's counting from o, before anyone else sees e, and
// returns the ingress flags that it needs.
func (e *Executor) configure(in *Ingress, o Options) (fl uint32) {
	if o.MaxQueued > 0 || o.Stats || o.StallNs > 0 {
		fl |= flagCount
		e.cnt = &in.Counters
	}
	if o.FailWhenFull {
		fl |= cx.FlagFailFull // C's submits then do not wait for room
	}
	if o.Stats {
		fl |= flagStamp
		e.st = &stats{}
	}
	// Segments: small enough that a bounded queue hears of room while the
	// owner is still in its batch (a quarter of the bound), large enough
	// to cost one Go→C crossing per up to stampEvery items. A power of
	// two, so that every stamped position starts a segment.
	e.seg = stampEvery
	if q := o.MaxQueued / 4; o.MaxQueued > 0 && q < stampEvery {
		e.seg = 1
		for e.seg*2 <= q {
			e.seg *= 2
		}
	}
	return fl
}

// makeRoom wakes the submitters waiting for room once the queue is down to
// half its bound (capi/cx/ingress.c, cx_make_room): one wake-up per Max/2
// items, not one per item. The flag is read here first, so that a
// segment with no waiter costs no call into C.
func (e *Executor) makeRoom() {
	in := e.in.Load()
	if in.Flags.Load()&flagRoomWait != 0 {
		cx.MakeRoom(unsafe.Pointer(in))
	}
}

// waitRoom waits until e's queue has room (OK), e quits (EQUIT: the item
// goes down the chain), e is freed (ECANCELLED) or deadline passes
// (ETIMEDOUT). The wait (check, spin, sleep) is the machinery's
// (capi/cx/ingress.c, cx_room_wait), one call made without the lock; this
// is its policy. Free sets the quit bit on the ingress before it swaps in a
// tombstone and wakes the waiters, so a wait on the old ingress answers
// quit, and freed tells the two apart.
func (e *Executor) waitRoom(deadline int64) Status {
	in := e.in.Load()
	left := int64(-1)
	if deadline >= 0 {
		left = max(deadline-now(), 0) // C's clock is not now()'s
	}
	switch cx.RoomWait(unsafe.Pointer(in), left) {
	case cx.RoomOK:
		return OK
	case cx.RoomTimedOut:
		e.reject()
		return ETIMEDOUT
	}
	if e.Freed() {
		return ECANCELLED
	}
	return EQUIT
}

// Freed reports whether e was freed: a submit that waited for room in C
// (capi/cx/shim.c, cx_enqueue) and saw it quit fails with ECANCELLED then.
func (e *Executor) Freed() bool {
	in := e.in.Load()
	in.lock()
	freed := e.freed
	in.unlock()
	return freed
}

// reject counts a submit refused by a full queue.
func (e *Executor) reject() {
	if e.st != nil {
		e.st.rejected.Add(1)
	}
}
