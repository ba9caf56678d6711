// Package gobench measures the Go core (package executor) without the cgo
// boundary: time and, above all, heap allocations per item. Run it with
//
//	go test -run '^$' -bench . -benchmem ./bench/gobench
//
// Besides the usual B/op and allocs/op (integers, per b.N), every benchmark
// reports allocs/item and B/item as exact fractions read from
// runtime.MemStats, so an amortised 0.02 allocations per item shows as such
// instead of rounding to 0.
package gobench

import (
	"runtime"
	"runtime/cgo"
	"sync"
	"testing"

	"ctexec/executor"
)

const (
	owner     executor.ThreadID = 1
	submitter executor.ThreadID = 2
)

// window is how many futures a submitter keeps in flight before it waits
// for them, as in the C benchmark's throughput-with-future workload.
const window = 128

func noop(executor.Call) (uintptr, executor.Status) { return 0, executor.OK }

// measure runs submit on `submitters` goroutines, b.N items in all, while
// the benchmark goroutine runs the executor as its owner.
func measure(b *testing.B, submitters int, submit func(e *executor.Executor, n int)) {
	e := executor.New(owner, nil, executor.Runner{Run: noop}, nil)
	done := executor.NewPromise()
	per := b.N / submitters
	extra := b.N - per*submitters
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < submitters; i++ {
		n := per
		if i == 0 {
			n += extra
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			submit(e, n)
		}()
	}
	go func() {
		wg.Wait()
		done.SetResult(0)
	}()
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.ReportAllocs()
	b.ResetTimer()
	close(start)
	if st := e.RunUntil(owner, done, -1); st != executor.OK {
		b.Fatalf("RunUntil: %v", st)
	}
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(b.N), "allocs/item")
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/float64(b.N), "B/item")
	if q := e.Queued(); q != 0 {
		b.Fatalf("%d items left queued", q)
	}
}

func fireAndForget(e *executor.Executor, n int) {
	for i := 0; i < n; i++ {
		if _, st := e.Submit(submitter, executor.Call{Fn: 1, Arg: uintptr(i)}, false); st != executor.OK {
			panic(st)
		}
	}
}

// withFuture submits with a future per item and waits for each; the future
// is dropped after the wait (the GC frees it).
func withFuture(e *executor.Executor, n int) {
	futs := make([]*executor.Future, 0, window)
	for n > 0 {
		k := min(n, window)
		for i := 0; i < k; i++ {
			f, st := e.Submit(submitter, executor.Call{Fn: 1}, true)
			if st != executor.OK {
				panic(st)
			}
			futs = append(futs, f)
		}
		for _, f := range futs {
			if _, st := f.Wait(-1); st != executor.OK {
				panic(st)
			}
		}
		futs = futs[:0]
		n -= k
	}
}

// withFutureHandle adds what the C API does per future on top of the core:
// a cgo.Handle made at submit, looked up for the wait, deleted at free.
func withFutureHandle(e *executor.Executor, n int) {
	hs := make([]cgo.Handle, 0, window)
	for n > 0 {
		k := min(n, window)
		for i := 0; i < k; i++ {
			f, st := e.Submit(submitter, executor.Call{Fn: 1}, true)
			if st != executor.OK {
				panic(st)
			}
			hs = append(hs, cgo.NewHandle(f))
		}
		for _, h := range hs {
			if _, st := h.Value().(*executor.Future).Wait(-1); st != executor.OK {
				panic(st)
			}
			h.Delete()
		}
		hs = hs[:0]
		n -= k
	}
}

func BenchmarkFireAndForget1(b *testing.B) { measure(b, 1, fireAndForget) }
func BenchmarkFireAndForget2(b *testing.B) { measure(b, 2, fireAndForget) }
func BenchmarkFuture1(b *testing.B)        { measure(b, 1, withFuture) }
func BenchmarkFuture2(b *testing.B)        { measure(b, 2, withFuture) }
func BenchmarkFutureHandle1(b *testing.B)  { measure(b, 1, withFutureHandle) }
func BenchmarkFutureHandle2(b *testing.B)  { measure(b, 2, withFutureHandle) }
