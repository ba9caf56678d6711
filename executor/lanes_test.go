package executor

import (
	"fmt"
	"testing"
	"unsafe"

	"ctexec/capi/cx"
)

// The urgent lane as the core drives it: the lane and the batch runner's
// looks are the machinery's (capi/cx/submit_with.c, run.c:
// cx_run_batch); these tests queue Go items in it (Fn 1, urgent item
// "u<Arg>") beside normal ones (Fn 0, "n<Arg>") and hold the core's policy
// to the header: urgent-only work wakes a run, urgent items run before
// normal ones queued earlier, each lane is FIFO, and RunReady's snapshot
// and budget count both lanes, urgent first.
type fakeLane struct {
	t       *testing.T
	e       *Executor
	order   []string
	onNorma func(i int) // called as normal item i runs
}

func newFakeLane(t *testing.T) *fakeLane {
	l := &fakeLane{t: t}
	r := Runner{Run: func(c Call) (uintptr, Status) {
		if c.Fn == 1 {
			l.order = append(l.order, fmt.Sprintf("u%d", c.Arg))
		} else {
			l.normal(int(c.Arg))
		}
		return 0, OK
	}}
	l.e = New(owner, nil, r, nil)
	return l
}

func (l *fakeLane) normal(i int) {
	l.order = append(l.order, fmt.Sprintf("n%d", i))
	if l.onNorma != nil {
		l.onNorma(i)
	}
}

// push queues urgent item "u<k>" through the machinery's push.
func (l *fakeLane) push(name string) {
	var k uintptr
	fmt.Sscanf(name, "u%d", &k)
	in := unsafe.Pointer(l.e.in.Load())
	if got := cx.PushUrgent(in, cx.GoItemFn(), goItem(Call{Fn: 1, Arg: k})); got != cx.Pushed {
		l.t.Fatalf("urgent push: %v", got)
	}
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
