package executor

import (
	"runtime"
	"sync/atomic"
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

// fullLocked reports whether a bounded queue has no room for a push. It
// refreshes StartedSeen: the slow path can afford the owner's cache line.
func (in *Ingress) fullLocked() bool {
	in.StartedSeen = in.Started.Load()
	return in.Max != 0 && in.Pushed-in.StartedSeen >= in.Max
}

// Room is a sequence number, even while no waiter sleeps; a waiter that
// stops spinning and sleeps sets its low bit first (roomSleeping).
const roomSleeping = 1

// takeRoomWaitersLocked clears flagRoomWait and, if it was set, moves Room
// on to its next even value, so that spinning waiters see room and one
// about to sleep on the old value does not. It reports whether a waiter
// may be asleep: the caller then wakes Room's sleepers after unlocking (a
// wake-up that only spinning waiters need would cost a syscall for
// nothing: measured, it made a bound of 1,024 spend a third of its time in
// the kernel).
func (in *Ingress) takeRoomWaitersLocked() (sleepers bool) {
	return cx.TakeRoomWaitersLocked(unsafe.Pointer(in))
}

// makeRoom wakes the submitters waiting for room once the queue is down to
// half its bound: one wake-up per Max/2 items, not one per item.
func (e *Executor) makeRoom() {
	in := e.in.Load()
	if in.Flags.Load()&flagRoomWait == 0 {
		return
	}
	in.lock()
	wake := in.Pushed-in.Started.Load() <= in.Max/2 && in.takeRoomWaitersLocked()
	in.unlock()
	if wake {
		futexWakeAll(&in.Room)
	}
}

// waitRoom waits until e's queue has room (OK), e quits (EQUIT: the item
// goes down the chain), e is freed (ECANCELLED) or deadline passes
// (ETIMEDOUT). It reloads e's ingress at each turn: Free swaps in a
// tombstone, and wakes the sleepers on the old one before it returns.
func (e *Executor) waitRoom(deadline int64) Status {
	for {
		in := e.in.Load()
		in.lock()
		switch {
		case e.freed:
			in.unlock()
			return ECANCELLED
		case in.Flags.Load()&flagQuit != 0:
			in.unlock()
			return EQUIT
		case !in.fullLocked():
			in.unlock()
			return OK
		case deadline >= 0 && now() >= deadline:
			in.unlock()
			e.reject()
			return ETIMEDOUT
		}
		seq := in.Room.Load()
		in.Flags.Store(in.Flags.Load() | flagRoomWait)
		in.unlock()
		// Half a bound of 1,024 drains in tens of microseconds, about
		// what waking a sleeper costs: spin first, as the owner does.
		if roomSpinUntil(deadline, func() bool { return in.Room.Load() != seq }) {
			continue
		}
		if seq&roomSleeping == 0 && !in.Room.CompareAndSwap(seq, seq|roomSleeping) {
			continue // room was made meanwhile
		}
		left := int64(-1)
		if deadline >= 0 {
			left = max(deadline-now(), 0)
		}
		futexSleep(&in.Room, seq|roomSleeping, left)
	}
}

// roomSpin serves submitters waiting for room. At most roomSpinMax of them
// spin at once, the others sleep at once: the owner needs a CPU to make
// room, and spinning submitters on every CPU starve it (measured: with 2
// submitters on 2 vCPUs both spinning, a bound of 1,024 ran at 0.56x of
// unbounded). The C waiter has the same rule (capi/cx/future.c).
var (
	roomSpin     spinner
	roomSpinners atomic.Int32
	roomSpinMax  = int32(max(1, runtime.NumCPU()-1))
)

func roomSpinUntil(deadline int64, cond func() bool) bool {
	if roomSpinners.Add(1) > roomSpinMax {
		roomSpinners.Add(-1)
		return cond()
	}
	ok := roomSpin.spinUntil(deadline, cond)
	roomSpinners.Add(-1)
	return ok
}

// reject counts a submit refused by a full queue.
func (e *Executor) reject() {
	if e.st != nil {
		e.st.rejected.Add(1)
	}
}
