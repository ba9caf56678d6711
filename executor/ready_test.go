package executor

import (
	"testing"
)

// pushN queues n items from another thread that append their index to *order.
func pushN(t *testing.T, e *Executor, from, n int, order *[]int) {
	inThread(func() {
		for i := from; i < from+n; i++ {
			i := i
			if _, st := e.Submit(other, call(func() (uintptr, Status) { *order = append(*order, i); return 0, OK }), false); st != OK {
				t.Errorf("submit: %v", st)
			}
		}
	})
}

func TestRunReadyBudgetKeepsFIFOAcrossChunks(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	var order []int
	n := chunkLen + 100 // the budget must stop inside a multi-chunk batch
	pushN(t, e, 0, n, &order)
	ran, more, st := e.RunReady(owner, chunkLen-10, -1)
	if st != OK || ran != chunkLen-10 || !more || e.Queued() != 110 {
		t.Fatalf("ran=%d more=%v st=%v queued=%d", ran, more, st, e.Queued())
	}
	pushN(t, e, n, 5, &order) // queued after the held items: they run after them
	ran, more, st = e.RunReady(owner, 0, -1)
	if st != OK || ran != 115 || more {
		t.Fatalf("ran=%d more=%v st=%v", ran, more, st)
	}
	for i, v := range order {
		if v != i {
			t.Fatalf("order[%d] = %d", i, v)
		}
	}
	if len(order) != n+5 || e.Queued() != 0 {
		t.Fatalf("ran %d, queued %d", len(order), e.Queued())
	}
}

func TestRunReadySnapshotLeavesLaterItems(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	var order []int
	var e2 *Executor = e
	inThread(func() {
		e2.Submit(other, call(func() (uintptr, Status) {
			order = append(order, 0)
			// queued while the call runs: not part of its snapshot
			inThread(func() {
				e2.Submit(other, call(func() (uintptr, Status) { order = append(order, 1); return 0, OK }), false)
			})
			return 0, OK
		}), false)
	})
	if ran, more, _ := e.RunReady(owner, 0, -1); ran != 1 || !more {
		t.Fatalf("ran=%d more=%v", ran, more)
	}
	if ran, more, _ := e.RunReady(owner, 0, -1); ran != 1 || more || len(order) != 2 {
		t.Fatalf("ran=%d more=%v order=%v", ran, more, order)
	}
}

func TestRunReadyTimeBudgetRunsOneAtLeast(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	var order []int
	pushN(t, e, 0, 3, &order)
	if ran, more, _ := e.RunReady(owner, 0, 0); ran != 1 || !more {
		t.Fatalf("ran=%d more=%v", ran, more)
	}
	if ran, more, _ := e.RunReady(owner, 0, -1); ran != 2 || more {
		t.Fatalf("ran=%d more=%v", ran, more)
	}
}

func TestRunReadyStatuses(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	if _, _, st := e.RunReady(other, 0, -1); st != EWRONGTHREAD {
		t.Fatalf("other thread: %v", st)
	}
	var inner Status
	inThread(func() {
		e.Submit(other, call(func() (uintptr, Status) { _, _, inner = e.RunReady(owner, 0, -1); return 0, OK }), false)
	})
	if _, _, st := e.RunReady(owner, 0, -1); st != OK || inner != EBUSY {
		t.Fatalf("got %v, inner %v", st, inner)
	}
}

// A refused RunReady (EBUSY, from an item of a run on e) moves no due
// timer: the move comes after the checks. Without flagTimers RunReady
// never calls the move at all.
func TestRunReadyRefusedMovesNoTimer(t *testing.T) {
	moves := 0
	e := New(owner, nil, Runner{Run: runTable, MoveDue: func(*Ingress) { moves++ }}, nil)
	var inner Status
	innerMoves := -1
	nested := call(func() (uintptr, Status) {
		before := moves
		_, _, inner = e.RunReady(owner, 0, -1)
		innerMoves = moves - before
		return 0, OK
	})
	inThread(func() { e.Submit(other, nested, false) })
	if _, _, st := e.RunReady(owner, 0, -1); st != OK || inner != EBUSY || moves != 0 {
		t.Fatalf("no timers: got %v, inner %v, moves %d (want 0)", st, inner, moves)
	}
	in := e.in.Load()
	in.lock()
	in.Flags.Store(in.Flags.Load() | flagTimers)
	in.unlock()
	inThread(func() { e.Submit(other, nested, false) })
	if _, _, st := e.RunReady(owner, 0, -1); st != OK || inner != EBUSY || moves != 1 || innerMoves != 0 {
		t.Fatalf("timers: got %v, inner %v, moves %d (want 1), by the refused call %d (want 0)", st, inner, moves, innerMoves)
	}
}

func TestRunUntilRunsHeldItemsFirst(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	var order []int
	pushN(t, e, 0, 10, &order)
	e.RunReady(owner, 4, -1)
	pushN(t, e, 10, 2, &order)
	p := NewPromise()
	p.SetResult(0)
	if st := e.RunUntil(owner, p, -1); st != OK || len(order) != 12 {
		t.Fatalf("st=%v order=%v", st, order)
	}
	for i, v := range order {
		if v != i {
			t.Fatalf("order = %v", order)
		}
	}
}

func TestFreeCancelsHeldItems(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	var fs []*Future
	inThread(func() {
		for i := 0; i < 3; i++ {
			f, _ := e.Submit(other, call(func() (uintptr, Status) { return 7, OK }), true)
			fs = append(fs, f)
		}
	})
	e.RunReady(owner, 1, -1)
	if n, st := e.Free(); n != 2 || st != OK {
		t.Fatalf("free: %d %v", n, st)
	}
	if _, code := fs[0].Outcome(); code != OK {
		t.Fatalf("first: %v", code)
	}
	for _, f := range fs[1:] {
		if _, code := f.Outcome(); code != ECANCELLED {
			t.Fatalf("held: %v", code)
		}
	}
}

// The host is told once per transition from drained to not: the owner
// sets flagHostIdle when it finds the queue empty, and the first push
// after that clears it and wakes the host (the machinery's cx_host_wake);
// pushes while it is clear tell no one.
func TestHostWokenOncePerTransition(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	idle := func() bool { return e.in.Load().Flags.Load()&flagHostIdle != 0 }
	if e.AttachHost() {
		t.Fatal("pending on an empty queue")
	}
	if !idle() {
		t.Fatal("attached to an empty queue, but the host was not marked drained")
	}
	var order []int
	pushN(t, e, 0, 100, &order)
	if idle() {
		t.Fatal("a push to a drained host did not take its idle mark")
	}
	if _, more, _ := e.RunReady(owner, 10, -1); !more || idle() {
		t.Fatal("budget left items but the host was marked drained")
	}
	if _, more, _ := e.RunReady(owner, 0, -1); more || !idle() {
		t.Fatalf("more=%v idle=%v after a drain", more, idle())
	}
	pushN(t, e, 100, 1, &order)
	if idle() {
		t.Fatal("a push after the drain did not wake the host")
	}
	p := NewPromise()
	p.SetResult(0)
	e.RunUntil(owner, p, -1) // run_until drains too, and tells the host
	if !idle() || len(order) != 101 {
		t.Fatalf("idle=%v ran=%d", idle(), len(order))
	}
}
