package executor

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Bounded queues, statistics and the watchdog in the core (the C
// API's tests are tests/core/test_limits.c); run under -race.

func TestBoundedBlockRunsEverythingOnce(t *testing.T) {
	const subs, per, bound = 4, 20000, 16
	var ran [subs * per]atomic.Int32
	runner := Runner{Run: func(c Call) (uintptr, Status) { ran[c.Arg].Add(1); return 0, OK }}
	e := NewWith(owner, nil, runner, nil, Options{MaxQueued: bound, Stats: true})
	done := NewPromise()
	var wg sync.WaitGroup
	var finished atomic.Int32
	for s := 0; s < subs; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if st := e.SubmitWith(other, Call{Arg: uintptr(s*per + i)}, nil); st != OK {
					t.Errorf("submit: %v", st)
					return
				}
			}
			if finished.Add(1) == subs {
				done.SetResult(0)
			}
		}(s)
	}
	runtime.LockOSThread()
	if st := e.RunUntil(owner, done, -1); st != OK {
		t.Fatal(st)
	}
	runtime.UnlockOSThread()
	wg.Wait()
	for i := range ran {
		if n := ran[i].Load(); n != 1 {
			t.Fatalf("item %d ran %d times", i, n)
		}
	}
	st := e.Stats()
	if st.Submitted != subs*per || st.Run != subs*per || st.HighWater > bound || st.Queued != 0 {
		t.Fatalf("stats %+v", st)
	}
	e.Free()
}

func TestBoundedWaiterReleasedByFree(t *testing.T) {
	e := NewWith(owner, nil, Runner{Run: runTable}, nil, Options{MaxQueued: 1})
	nop := call(func() (uintptr, Status) { return 0, OK })
	if _, st := e.Submit(other, nop, false); st != OK {
		t.Fatal(st)
	}
	got := make(chan Status)
	go func() {
		_, st := e.Submit(other, nop, true)
		got <- st
	}()
	select {
	case st := <-got:
		t.Fatalf("a submit to a full queue returned %v", st)
	case <-time.After(30 * time.Millisecond):
	}
	if n, st := e.Free(); st != OK || n != 1 {
		t.Fatalf("Free = %d, %v", n, st)
	}
	if st := <-got; st != ECANCELLED {
		t.Fatalf("blocked submit after Free = %v", st)
	}
}

func TestBoundedFailAndTimeout(t *testing.T) {
	nop := call(func() (uintptr, Status) { return 0, OK })
	fail := NewWith(owner, nil, Runner{Run: runTable}, nil, Options{MaxQueued: 2, FailWhenFull: true, Stats: true})
	block := NewWith(owner, nil, Runner{Run: runTable}, nil, Options{MaxQueued: 2, Stats: true})
	for i := 0; i < 2; i++ {
		fail.Submit(other, nop, false)
		block.Submit(other, nop, false)
	}
	if _, st := fail.Submit(other, nop, true); st != EAGAIN {
		t.Fatalf("fail mode: %v", st)
	}
	t0 := time.Now()
	if st := block.SubmitTimeout(other, nop, nil, int64(20*time.Millisecond)); st != ETIMEDOUT || time.Since(t0) < 20*time.Millisecond {
		t.Fatalf("block mode: %v after %v", st, time.Since(t0))
	}
	if fail.Stats().Rejected != 1 || block.Stats().Rejected != 1 {
		t.Fatalf("rejected: %d, %d", fail.Stats().Rejected, block.Stats().Rejected)
	}
	fail.Free()
	block.Free()
}

func TestWatchdogOncePerStall(t *testing.T) {
	var calls atomic.Int32
	var age atomic.Int64
	e := NewWith(owner, nil, Runner{Run: runTable}, nil, Options{StallNs: int64(20 * time.Millisecond),
		OnStall: func(a int64) { age.Store(a); calls.Add(1) }})
	nop := call(func() (uintptr, Status) { return 0, OK })
	e.Submit(other, nop, false)
	time.Sleep(150 * time.Millisecond) // nobody runs it: one stall, one call
	if n := calls.Load(); n != 1 || age.Load() < int64(20*time.Millisecond) {
		t.Fatalf("%d calls, age %v", n, time.Duration(age.Load()))
	}
	e.Free()
	time.Sleep(50 * time.Millisecond)
	if calls.Load() != 1 {
		t.Fatal("called after Free")
	}
}

func TestHistogramBuckets(t *testing.T) {
	for _, v := range []int64{0, 1, 3, 4, 7, 8, 9, 1000, 1 << 20, 1<<40 + 12345, 1<<62 + 1} {
		i := bucket(v)
		if top := bucketTop(i); top < v || (i > 0 && bucketTop(i-1) >= v) {
			t.Fatalf("value %d in bucket %d: top %d, previous top %d", v, i, top, bucketTop(i-1))
		}
		if v >= 8 && float64(bucketTop(i)) > 1.25*float64(v) {
			t.Fatalf("value %d: bucket top %d is more than 25%% above", v, bucketTop(i))
		}
	}
}
