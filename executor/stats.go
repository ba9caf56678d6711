package executor

import (
	"math/bits"
	"sync/atomic"
)

// Statistics (Options.Stats). Counters are exact: pushes are counted
// under the ingress lock and starts by the owner (capi/cx/shared.h). The wait
// from push to start is sampled: pushes stamp the entries at every
// stampEvery-th chunk position, and the owner reads the stamp as the
// segment that starts with that entry begins (Executor.run). Samples go
// into a fixed histogram of 4 buckets per power of two, written by the
// owner only and read by anyone.

const histBuckets = 256

type stats struct {
	rejected   atomic.Uint64
	discarded  atomic.Uint64
	samples    atomic.Uint64
	maxWait    atomic.Int64
	busy, idle atomic.Int64
	hist       [histBuckets]atomic.Uint64
}

// bucket is the histogram index of v >= 0 ns: exact below 8, then 4
// buckets per power of two.
func bucket(v int64) int {
	if v < 4 {
		return int(max(v, 0))
	}
	k := bits.Len64(uint64(v)) - 1 // v in [2^k, 2^(k+1)), k >= 2
	return 4*(k-1) + int(uint64(v)>>(k-2)&3)
}

// bucketTop is the largest value in bucket i.
func bucketTop(i int) int64 {
	if i < 4 {
		return int64(i)
	}
	k, sub := i/4+1, int64(i%4)
	return 1<<k + (sub+1)<<(k-2) - 1
}

// clock is the owner's time for busy/idle accounting; 0 without stats.
func (s *stats) clock() int64 {
	if s == nil {
		return 0
	}
	return now()
}

func (s *stats) busySince(t int64) {
	if s != nil {
		s.busy.Add(now() - t)
	}
}

func (s *stats) idleSince(t int64) {
	if s != nil {
		s.idle.Add(now() - t)
	}
}

// sample records the wait of an item pushed at stamp, starting now.
func (s *stats) sample(stamp int64) {
	w := max(stampNow()-stamp, 0)
	s.hist[bucket(w)].Add(1)
	s.samples.Add(1)
	if w > s.maxWait.Load() {
		s.maxWait.Store(w)
	}
}

// percentile is the top of the bucket holding the p-th (0..1) sample,
// capped at the largest sample.
func (s *stats) percentile(p float64) int64 {
	var counts [histBuckets]uint64
	var n uint64
	for i := range s.hist {
		counts[i] = s.hist[i].Load()
		n += counts[i]
	}
	if n == 0 {
		return 0
	}
	rank := uint64(p*float64(n) + 0.999999)
	rank = max(rank, 1)
	var seen uint64
	for i, c := range counts {
		if seen += c; seen >= rank {
			return min(bucketTop(i), s.maxWait.Load())
		}
	}
	return s.maxWait.Load()
}

// Stats is a snapshot of an executor's statistics (ctexec_stats).
type Stats struct {
	Stats                                          bool // made with Options.Stats
	Queued, HighWater                              uint64
	Submitted, Run, Cancelled, Discarded, Rejected uint64
	WaitSamples                                    uint64
	WaitP50, WaitP99, WaitMax, Busy, Idle          int64
}

// Stats returns e's statistics. Queued is exact for a counted executor,
// and otherwise the items not yet taken by the owner; the rest is zero
// without Options.Stats. Any thread.
func (e *Executor) Stats() Stats {
	in := e.in.Load()
	in.lock()
	var out Stats
	if e.cnt == nil {
		out.Queued = e.queuedLocked()
	} else {
		out.Queued = in.Pushed - in.Started.Load()
	}
	pushed, highWater := in.Pushed, in.HighWater
	in.unlock()
	s := e.st
	if s == nil {
		return out
	}
	started, cancelled := e.cnt.Started.Load(), e.cnt.Cancelled.Load()
	out.Stats, out.Submitted, out.HighWater = true, pushed, highWater
	out.Run, out.Cancelled = started-cancelled, cancelled
	out.Discarded, out.Rejected = s.discarded.Load(), s.rejected.Load()
	out.WaitSamples, out.WaitMax = s.samples.Load(), s.maxWait.Load()
	out.WaitP50, out.WaitP99 = s.percentile(0.50), s.percentile(0.99)
	out.Busy, out.Idle = s.busy.Load(), s.idle.Load()
	return out
}

// totals are the counters of freed executors that kept statistics.
var totals struct {
	submitted, run, cancelled, discarded, rejected atomic.Uint64
}

// freed adds e's counters to the process totals as Free discards n items;
// in is e's ingress, locked.
func (s *stats) freed(in *Ingress, n uint64) {
	if s == nil {
		return
	}
	s.discarded.Add(n)
	started, cancelled := in.Started.Load(), in.Cancelled.Load()
	totals.submitted.Add(in.Pushed)
	totals.run.Add(started - cancelled)
	totals.cancelled.Add(cancelled)
	totals.discarded.Add(n)
	totals.rejected.Add(s.rejected.Load())
}

// Totals returns the counters summed over every executor that kept
// statistics: the freed ones' totals plus live, the snapshots of the
// live ones (the caller gathers them).
func Totals(live []Stats) Stats {
	out := Stats{
		Submitted: totals.submitted.Load(), Run: totals.run.Load(),
		Cancelled: totals.cancelled.Load(), Discarded: totals.discarded.Load(),
		Rejected: totals.rejected.Load(),
	}
	for _, s := range live {
		out.Queued += s.Queued
		if s.Stats {
			out.Submitted += s.Submitted
			out.Run += s.Run
			out.Cancelled += s.Cancelled
			out.Rejected += s.Rejected
		}
	}
	return out
}
