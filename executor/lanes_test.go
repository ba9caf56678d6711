package executor

import (
	"fmt"
	"testing"
)

// The urgent lane as the core sees it: Ingress.Urgent, Runner.RunUrgent and
// RunBatch's lanes flag. The lane itself is C's (capi/cx/submit_with.c); here
// fakeLane plays that part, as the C side would: RunBatch looks at the lane
// before each entry when told to, RunUrgent runs a snapshot. These tests
// hold the core's policy to the header: urgent-only work wakes a run,
// urgent items run before normal ones queued earlier, each lane is FIFO,
// RunReady's snapshot and budget count both lanes, urgent first, and
// RunReady never lets RunBatch look on its own (it budgets the lane).
type fakeLane struct {
	t       *testing.T
	e       *Executor
	lane    []string
	order   []string
	looks   map[bool]int // RunBatch calls by their lanes flag
	after   bool         // the C slot's urgent_after
	onNorma func(i int)  // called as normal item i runs
}

func newFakeLane(t *testing.T) *fakeLane {
	l := &fakeLane{t: t, looks: map[bool]int{}}
	r := Runner{
		Run: func(c Call) (uintptr, Status) { l.normal(int(c.Arg)); return 0, OK },
		RunBatch: func(in *Ingress, lanes bool, batch []Entry, cnt *Counters) (int, bool, uintptr, Status) {
			l.looks[lanes]++
			// As cx_run_batch: a look before each entry and after the last,
			// none before the first right after such a look ran items.
			after := l.after && len(batch) > 0
			if len(batch) > 0 {
				l.after = false
			}
			for i, ent := range batch {
				if lanes && !(i == 0 && after) && urgentQueued(in) > 0 {
					l.runUrgent(in, cnt, ^uint64(0))
				}
				cnt.starting()
				l.normal(int(ent.Arg))
			}
			if lanes && len(batch) > 0 && urgentQueued(in) > 0 && l.runUrgent(in, cnt, ^uint64(0)) > 0 {
				l.after = true
			}
			return len(batch), false, 0, OK
		},
		RunUrgent: func(in *Ingress, cnt *Counters, max uint64) uint64 { return l.runUrgent(in, cnt, max) },
	}
	l.e = New(owner, nil, r, nil)
	return l
}

func (l *fakeLane) normal(i int) {
	l.order = append(l.order, fmt.Sprintf("n%d", i))
	if l.onNorma != nil {
		l.onNorma(i)
	}
}

// push queues an urgent item as C's push does: under the lock, the count
// and the used bit in Ingress.Urgent.
func (l *fakeLane) push(name string) {
	in := l.e.in.Load()
	in.lock()
	l.lane = append(l.lane, name)
	in.Urgent.Store((in.Urgent.Load() + 1) | urgentUsed)
	in.unlock()
}

func (l *fakeLane) runUrgent(in *Ingress, cnt *Counters, max uint64) uint64 {
	in.lock()
	n := min(uint64(len(l.lane)), max)
	snap := l.lane[:n]
	l.lane = l.lane[n:]
	in.Urgent.Store(in.Urgent.Load() - n)
	in.unlock()
	for _, s := range snap {
		cnt.starting()
		l.order = append(l.order, s)
	}
	return n
}

func (l *fakeLane) submit(n0, n int) {
	inThread(func() {
		for i := n0; i < n0+n; i++ {
			if st := l.e.SubmitWith(other, Call{Arg: uintptr(i)}, nil); st != OK {
				l.t.Errorf("submit: %v", st)
			}
		}
	})
}

func (l *fakeLane) want(s string) {
	l.t.Helper()
	if got := fmt.Sprint(l.order); got != s {
		l.t.Fatalf("order %s, want %s", got, s)
	}
	l.order = nil
}

func TestUrgentLaneBeforeNormalAndFIFO(t *testing.T) {
	l := newFakeLane(t)
	l.submit(0, 3)
	l.push("u0")
	l.submit(3, 2)
	l.push("u1")
	if q := l.e.Queued(); q != 7 {
		t.Fatalf("Queued %d, want 7 (both lanes)", q)
	}
	p := NewPromise()
	if st := l.e.RunUntil(owner, p, 0); st != ETIMEDOUT {
		t.Fatalf("RunUntil: %v", st)
	}
	l.want("[u0 u1 n0 n1 n2 n3 n4]")
	if l.looks[true] == 0 || l.looks[false] != 0 {
		t.Fatalf("RunBatch lanes flags %v: RunUntil lets it look", l.looks)
	}
	// Urgent work alone wakes a run.
	l.push("u2")
	if st := l.e.RunUntil(owner, p, 0); st != ETIMEDOUT {
		t.Fatalf("RunUntil: %v", st)
	}
	l.want("[u2]")
	// Inside one batch: an urgent item queued by item 0 runs before item 1;
	// one queued by the urgent item itself waits for a normal item.
	l.onNorma = func(i int) {
		if i == 10 {
			l.push("u3")
		}
	}
	l.submit(10, 3)
	if st := l.e.RunUntil(owner, p, 0); st != ETIMEDOUT {
		t.Fatalf("RunUntil: %v", st)
	}
	l.want("[n10 u3 n11 n12]")
}

func TestUrgentLaneRunReadyBudget(t *testing.T) {
	l := newFakeLane(t)
	l.submit(0, 5)
	l.push("u0")
	l.push("u1")
	l.push("u2")
	ran, more, st := l.e.RunReady(owner, 4, -1)
	if st != OK || ran != 4 || !more {
		t.Fatalf("RunReady = %d %v %v", ran, more, st)
	}
	l.want("[u0 u1 u2 n0]")
	// An urgent item queued between calls runs first in the next; one
	// queued by a normal item runs before the next normal item.
	l.push("u3")
	l.onNorma = func(i int) {
		if i == 1 {
			l.push("u4")
		}
	}
	// The budget (0: the 5 items queued now) counts u4, queued during the
	// call, when it runs: n4 waits for the next call.
	ran, more, st = l.e.RunReady(owner, 0, -1)
	if st != OK || ran != 5 || !more {
		t.Fatalf("RunReady = %d %v %v", ran, more, st)
	}
	l.want("[u3 n1 u4 n2 n3]")
	if ran, more, st = l.e.RunReady(owner, 0, -1); st != OK || ran != 1 || more {
		t.Fatalf("RunReady = %d %v %v", ran, more, st)
	}
	l.want("[n4]")
	if l.looks[true] != 0 {
		t.Fatalf("RunBatch lanes flags %v: RunReady budgets the lane itself", l.looks)
	}
	// A time budget: at least one item, the urgent one first.
	l.onNorma = nil
	l.submit(5, 2)
	l.push("u5")
	ran, more, st = l.e.RunReady(owner, 0, 0)
	if st != OK || ran != 1 || !more {
		t.Fatalf("RunReady = %d %v %v", ran, more, st)
	}
	l.want("[u5]")
}
