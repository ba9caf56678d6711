package executor

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Test items are closures kept in a table; Call.Fn is the index.
var (
	tableMu sync.Mutex
	table   []func() (uintptr, Status)
)

func call(fn func() (uintptr, Status)) Call {
	tableMu.Lock()
	defer tableMu.Unlock()
	table = append(table, fn)
	return Call{Fn: uintptr(len(table) - 1)}
}

func runTable(c Call) (uintptr, Status) {
	tableMu.Lock()
	fn := table[c.Fn]
	tableMu.Unlock()
	return fn()
}

const owner, other ThreadID = 1, 2

// inThread runs fn on a goroutine standing in for another thread and waits.
func inThread(fn func()) {
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	<-done
}

func TestSubmitFromOwnerFails(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	ran := false
	f, st := e.Submit(owner, call(func() (uintptr, Status) { ran = true; return 0, OK }), true)
	if st != ESAMETHREAD || f != nil || e.Queued() != 0 {
		t.Fatalf("got %v %v queued=%d", f, st, e.Queued())
	}
	e.Free()
	if ran {
		t.Fatal("callback ran")
	}
}

func TestRunFromOtherThreadFails(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	p := NewPromise()
	if st := e.RunUntil(other, p, -1); st != EWRONGTHREAD {
		t.Fatalf("got %v", st)
	}
}

func TestRunsInFIFOOrderAndDrainsAfterQuit(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	p := NewPromise()
	var order []int
	var futs []*Future
	inThread(func() {
		for i := 0; i < 5; i++ {
			i := i
			f, st := e.Submit(other, call(func() (uintptr, Status) {
				order = append(order, i)
				return uintptr(i * 10), OK
			}), true)
			if st != OK {
				t.Errorf("submit %d: %v", i, st)
			}
			futs = append(futs, f)
		}
		p.SetResult(0) // completes before any item ran: they must still run
	})
	if st := e.RunUntil(owner, p, -1); st != OK {
		t.Fatalf("run: %v", st)
	}
	for i, f := range futs {
		if r, st := f.Wait(0); st != OK || r != uintptr(i*10) {
			t.Fatalf("item %d: %v %v", i, r, st)
		}
	}
	if len(order) != 5 || order[0] != 0 || order[4] != 4 {
		t.Fatalf("order %v", order)
	}
	if st := e.RunUntil(owner, NewPromise(), -1); st != EQUIT {
		t.Fatalf("second run: %v", st)
	}
}

func TestSubmitAfterQuitChainsToOld(t *testing.T) {
	outer := New(owner, nil, Runner{Run: runTable}, nil)
	inner := New(owner, outer, Runner{Run: runTable}, nil)
	p := NewPromise()
	p.SetResult(0)
	if st := inner.RunUntil(owner, p, -1); st != OK {
		t.Fatal(st)
	}
	var f *Future
	inThread(func() { f, _ = inner.Submit(other, call(func() (uintptr, Status) { return 7, OK }), true) })
	if outer.Queued() != 1 || inner.Queued() != 0 {
		t.Fatalf("queued outer=%d inner=%d", outer.Queued(), inner.Queued())
	}
	done := NewPromise()
	f.AddDoneCallback(func(*Future) { done.SetResult(0) })
	if st := outer.RunUntil(owner, done, -1); st != OK {
		t.Fatal(st)
	}
	if r, st := f.Wait(0); r != 7 || st != OK {
		t.Fatal(r, st)
	}
	if _, st := inner.Submit(other, call(func() (uintptr, Status) { return 0, OK }), false); st != EQUIT {
		t.Fatalf("whole chain quit: %v", st)
	}
}

func TestFreedExecutorCountsAsQuit(t *testing.T) {
	outer := New(owner, nil, Runner{Run: runTable}, nil)
	inner := New(owner, outer, Runner{Run: runTable}, nil)
	if _, st := outer.Free(); st != OK {
		t.Fatal(st)
	}
	p := NewPromise()
	p.SetResult(0)
	inner.RunUntil(owner, p, -1)
	if _, st := inner.Submit(other, call(func() (uintptr, Status) { return 0, OK }), false); st != EQUIT {
		t.Fatal(st)
	}
}

func TestNestedRunAndReentryIsBusy(t *testing.T) {
	outer := New(owner, nil, Runner{Run: runTable}, nil)
	outerDone := NewPromise()
	var innerSt, reentrySt Status
	var innerRan atomic.Bool
	inThread(func() {
		outer.Submit(other, call(func() (uintptr, Status) {
			// on the owner: nest a loop
			reentrySt = outer.RunUntil(owner, NewPromise(), -1)
			inner := New(owner, outer, Runner{Run: runTable}, nil)
			innerDone := NewPromise()
			go func() {
				inner.Submit(other, call(func() (uintptr, Status) { innerRan.Store(true); return 0, OK }), false)
				innerDone.SetResult(0)
			}()
			innerSt = inner.RunUntil(owner, innerDone, -1)
			outerDone.SetResult(0)
			return 0, OK
		}), false)
	})
	if st := outer.RunUntil(owner, outerDone, -1); st != OK {
		t.Fatal(st)
	}
	if reentrySt != EBUSY || innerSt != OK || !innerRan.Load() {
		t.Fatalf("reentry=%v inner=%v ran=%v", reentrySt, innerSt, innerRan.Load())
	}
}

func TestRunUntilTimeoutDoesNotQuit(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	p := NewPromise()
	t0 := time.Now()
	if st := e.RunUntil(owner, p, int64(20*time.Millisecond)); st != ETIMEDOUT {
		t.Fatal(st)
	}
	if time.Since(t0) < 20*time.Millisecond {
		t.Fatal("returned early")
	}
	if e.Quit() {
		t.Fatal("quit after timeout")
	}
	p.SetResult(0) // completes between calls: must not quit the idle executor
	var ran bool
	inThread(func() { e.Submit(other, call(func() (uintptr, Status) { ran = true; return 0, OK }), false) })
	if st := e.RunUntil(owner, p, 0); st != OK || !ran {
		t.Fatal(st, ran)
	}
}

func TestCancelledItemIsSkipped(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	ran := false
	var f *Future
	inThread(func() { f, _ = e.Submit(other, call(func() (uintptr, Status) { ran = true; return 0, OK }), true) })
	if st := f.Cancel(); st != OK {
		t.Fatal(st)
	}
	if st := f.Cancel(); st != ESTATE {
		t.Fatal("second cancel", st)
	}
	p := NewPromise()
	p.SetResult(0)
	e.RunUntil(owner, p, -1)
	if _, st := f.Wait(0); ran || st != ECANCELLED {
		t.Fatal(ran, st)
	}
}

func TestCancelLosesOnceStarted(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	var f *Future
	var cancelSt Status
	inThread(func() {
		f, _ = e.Submit(other, call(func() (uintptr, Status) { cancelSt = f.Cancel(); return 3, OK }), true)
	})
	p := NewPromise()
	p.SetResult(0)
	e.RunUntil(owner, p, -1)
	if r, st := f.Wait(0); cancelSt != ESTATE || st != OK || r != 3 {
		t.Fatal(cancelSt, r, st)
	}
}

func TestHostErrorAndNegativeCode(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	var a, b *Future
	inThread(func() {
		a, _ = e.Submit(other, call(func() (uintptr, Status) { return 9, 42 }), true)
		b, _ = e.Submit(other, call(func() (uintptr, Status) { return 9, -3 }), true)
	})
	p := NewPromise()
	p.SetResult(0)
	e.RunUntil(owner, p, -1)
	if _, st := a.Wait(0); st != 42 {
		t.Fatal(st)
	}
	if r, st := b.Wait(0); st != EINVAL || r != 0 {
		t.Fatal(r, st)
	}
}

func TestFreeDiscardsPending(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	ran := false
	var f *Future
	inThread(func() {
		f, _ = e.Submit(other, call(func() (uintptr, Status) { ran = true; return 0, OK }), true)
		e.Submit(other, call(func() (uintptr, Status) { ran = true; return 0, OK }), false)
	})
	n, st := e.Free()
	if st != OK || n != 2 {
		t.Fatal(n, st)
	}
	if _, st := f.Wait(0); st != ECANCELLED || ran {
		t.Fatal(st, ran)
	}
	if _, st := e.Free(); st != EBADHANDLE {
		t.Fatal("double free", st)
	}
}

func TestFreeWhileRunningIsBusy(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	p := NewPromise()
	var freeSt Status
	inThread(func() {
		e.Submit(other, call(func() (uintptr, Status) {
			_, freeSt = e.Free()
			p.SetResult(0)
			return 0, OK
		}), false)
	})
	e.RunUntil(owner, p, -1)
	if freeSt != EBUSY {
		t.Fatal(freeSt)
	}
}

func TestPromiseCompletesOnce(t *testing.T) {
	p := NewPromise()
	if st := p.SetError(0); st != EINVAL {
		t.Fatal(st)
	}
	if st := p.SetError(5); st != OK {
		t.Fatal(st)
	}
	if st := p.SetResult(1); st != ESTATE {
		t.Fatal(st)
	}
	if st := p.Cancel(); st != ESTATE {
		t.Fatal(st)
	}
	if _, st := p.Wait(-1); st != 5 {
		t.Fatal(st)
	}
	e := New(1, nil, Runner{Run: func(Call) (uintptr, Status) { return 0, OK }}, nil)
	f, _ := e.Submit(2, Call{}, true)
	if st := f.SetResult(1); st != EINVAL {
		t.Fatal("item futures are not promises", st)
	}
}

func TestDoneCallbacksRunOnceInOrder(t *testing.T) {
	p := NewPromise()
	var got []int
	p.AddDoneCallback(func(*Future) { got = append(got, 1) })
	p.AddDoneCallback(func(*Future) { got = append(got, 2) })
	p.SetResult(0)
	p.AddDoneCallback(func(*Future) { got = append(got, 3) })
	if len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatal(got)
	}
}

func TestWaitTimesOutAndWakes(t *testing.T) {
	p := NewPromise()
	if _, st := p.Wait(int64(5 * time.Millisecond)); st != ETIMEDOUT {
		t.Fatal(st)
	}
	go func() { time.Sleep(20 * time.Millisecond); p.SetResult(11) }()
	if r, st := p.Wait(-1); st != OK || r != 11 {
		t.Fatal(r, st)
	}
}

func TestManySubmittersEveryItemRunsOnce(t *testing.T) {
	e := New(owner, nil, Runner{Run: runTable}, nil)
	const n, per = 4, 5000
	var count atomic.Int64
	fn := call(func() (uintptr, Status) { count.Add(1); return 0, OK })
	done := NewPromise()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < per; j++ {
				if j%10 == 0 {
					f, _ := e.Submit(other, fn, true)
					if _, st := f.Wait(-1); st != OK {
						t.Error(st)
					}
				} else {
					e.Submit(other, fn, false)
				}
			}
		}()
	}
	go func() { wg.Wait(); done.SetResult(0) }()
	if st := e.RunUntil(owner, done, -1); st != OK {
		t.Fatal(st)
	}
	if count.Load() != n*per {
		t.Fatal(count.Load())
	}
}

func TestSubmitAllocatesNothingFireAndForget(t *testing.T) {
	e := New(owner, nil, Runner{Run: func(Call) (uintptr, Status) { return 0, OK }}, nil)
	// Warm the queue's backing arrays.
	for i := 0; i < 100; i++ {
		e.Submit(other, Call{}, false)
	}
	p := NewPromise()
	e.RunUntil(owner, p, 0)
	allocs := testing.AllocsPerRun(1000, func() {
		e.Submit(other, Call{}, false)
		if e.Queued() >= 64 {
			e.RunUntil(owner, p, 0)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per fire-and-forget submit", allocs)
	}
}

// Queues spanning many chunks keep FIFO order, pair each item with its own
// future, and are discarded whole by Free.
func TestQueueAcrossChunks(t *testing.T) {
	e := New(owner, nil, Runner{Run: func(c Call) (uintptr, Status) { return c.Arg * 2, OK }}, nil)
	const n = 3*chunkLen + 17
	var order []uintptr
	e2 := New(owner, nil, Runner{Run: func(c Call) (uintptr, Status) { order = append(order, c.Arg); return c.Arg * 2, OK }}, nil)
	futs := map[uintptr]*Future{}
	for i := uintptr(0); i < n; i++ {
		f, st := e2.Submit(other, Call{Arg: i}, i%7 == 0)
		if st != OK {
			t.Fatal(st)
		}
		if f != nil {
			futs[i] = f
		}
	}
	if e2.Queued() != n {
		t.Fatalf("queued %d", e2.Queued())
	}
	p := NewPromise()
	p.SetResult(0)
	if st := e2.RunUntil(owner, p, -1); st != OK {
		t.Fatal(st)
	}
	if len(order) != n {
		t.Fatalf("ran %d of %d", len(order), n)
	}
	for i, v := range order {
		if v != uintptr(i) {
			t.Fatalf("order[%d] = %d", i, v)
		}
	}
	for i, f := range futs {
		if r, st := f.Wait(0); st != OK || r != i*2 {
			t.Fatalf("future %d: %d %v", i, r, st)
		}
	}
	var fs []*Future
	for i := 0; i < n; i++ {
		f, _ := e.Submit(other, Call{Arg: uintptr(i)}, i%5 == 0)
		if f != nil {
			fs = append(fs, f)
		}
	}
	if d, st := e.Free(); st != OK || d != n {
		t.Fatal(d, st)
	}
	for _, f := range fs {
		if _, st := f.Wait(0); st != ECANCELLED {
			t.Fatal(st)
		}
	}
}

func TestSubmitWithFutureAllocatesUnderOne(t *testing.T) {
	e := New(owner, nil, Runner{Run: func(Call) (uintptr, Status) { return 0, OK }}, nil)
	p := NewPromise()
	for i := 0; i < 100; i++ {
		e.Submit(other, Call{}, true)
	}
	e.RunUntil(owner, p, 0)
	allocs := testing.AllocsPerRun(2000, func() {
		e.Submit(other, Call{}, true)
		if e.Queued() >= 64 {
			e.RunUntil(owner, p, 0)
		}
	})
	if allocs > 0.1 {
		t.Fatalf("%v allocs per submit with a future", allocs)
	}
}
