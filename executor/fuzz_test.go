package executor

import (
	"unsafe"

	"ctexec/capi/cx"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// FuzzExecutor decodes its input into a sequence of operations on the core
// (New with or without an old executor and RunBatch, Submit, bulk submits
// past a chunk, RunUntil, promise completion, Cancel, Free, Wait,
// AddDoneCallback; timers as the C API's timer store feeds them through
// Runner.MoveDue, on a harness clock: due ones join the queue each time the
// owner looks at it, a cancel races their firing, a quit or Free cancels
// the pending ones, a timer to a quit executor goes down the chain), applies each one to the reference model (model_test.go)
// and then to the core, and fails on the first difference: a status, an
// item run out of order or not at all, a done callback fired out of order,
// or a difference in any executor's queue length and quit flag or any
// future's outcome. Items run operations of their own, so runs nest.
//
// Everything runs on one goroutine; ThreadID is just a number. A run never
// sleeps: RunUntil has timeout 0, or its future is already done, or a
// "completer" item queued ahead of the call completes it. Races between
// threads are the C model tester's job (tests/model/model_tester.c).
//
//	go test -run='^$' -fuzz=FuzzExecutor -fuzztime=1h -fuzzminimizetime=10s -timeout=0 ./executor
func FuzzExecutor(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		runModelCheck(t, data)
	})
}

// Limits keep one input's work small and bounded.
const (
	maxOps     = 400 // operations, at every depth
	maxExecs   = 8
	maxFutures = 96
	maxDepth   = 5 // operations nested inside items
	completer  = ThreadID(99)
)

type itemSpec struct {
	result    uintptr
	code      Status
	completes int  // a promise this item completes (the completer), or -1
	bulk      bool // one of many: runs no operations and is not traced
}

type harness struct {
	t     *testing.T
	in    []byte
	pos   int
	ops   int
	m     refModel
	execs []*Executor
	futs  []*Future
	gens  []uint32 // the generation each future's handle names
	items []itemSpec
	log   []logEntry // callback firings seen on the core
	depth []int      // per executor: the depth of its current run
	trace []traceEntry
	bulks int
	// Timers, played by the harness as the C API's timer store
	// (capi/cx/timers.c) would: pending per executor in (due, seq) order,
	// moved by the Runner's MoveDue while flagTimers is set.
	clock int
	tms   map[int][]fuzzTimer
}

type fuzzTimer struct {
	due, item int
	fut       *Future
}

func runModelCheck(t *testing.T, data []byte) {
	h := &harness{t: t, in: data, tms: map[int][]fuzzTimer{}}
	// A core that sleeps when the model says it must not would hang the
	// fuzzer; fail loudly instead.
	watchdog := time.AfterFunc(20*time.Second, func() {
		panic(fmt.Sprintf("FuzzExecutor: a run hung; input %q%s", data, h.traceText()))
	})
	defer watchdog.Stop()
	for h.pos < len(h.in) && h.ops < maxOps {
		h.op(0)
	}
	h.finish()
}

// next returns the next input byte, 0 once the input is used up.
func (h *harness) next() byte {
	if h.pos >= len(h.in) {
		return 0
	}
	b := h.in[h.pos]
	h.pos++
	return b
}

func (h *harness) pick(n int) int { return int(h.next()) % n }

func (h *harness) thread() ThreadID { return ThreadID(1 + h.pick(4)) }

func (h *harness) failf(format string, args ...any) {
	h.t.Helper()
	h.t.Fatalf("%s\ntrace (model applied first, then the core):%s\ninput: %q",
		fmt.Sprintf(format, args...), h.traceText(), h.in)
}

// traceEntry is formatted only when a check fails: formatting every
// operation would cost more than running it.
type traceEntry struct {
	depth  int
	format string
	args   []any
}

func (h *harness) tracef(depth int, format string, args ...any) {
	h.trace = append(h.trace, traceEntry{depth, format, args})
}

func (h *harness) traceText() string {
	var b strings.Builder
	for _, e := range h.trace {
		b.WriteString("\n  " + strings.Repeat("  ", e.depth))
		fmt.Fprintf(&b, e.format, e.args...)
	}
	return b.String()
}

func (h *harness) expect(what string, got, want Status) {
	h.t.Helper()
	if got != want {
		h.failf("%s: core %v, model %v", what, got, want)
	}
}

// op decodes and applies one operation.
func (h *harness) op(depth int) {
	h.ops++
	switch c := h.next() % 32; {
	case c == 0 && h.next() == 0xb5:
		h.opBulk(depth)
	case c < 2:
		h.opNew(depth)
	case c < 12:
		h.opSubmit(depth)
	case c < 14:
		h.opRun(depth, false)
	case c < 15:
		h.opRunReady(depth)
	case c < 17:
		h.opRun(depth, true)
	case c < 19:
		h.opPromise(depth)
	case c < 21:
		h.opSetResult(depth)
	case c < 22:
		h.opSetError(depth)
	case c < 25:
		h.opCancel(depth)
	case c < 27:
		h.opFree(depth)
	case c < 28:
		h.opWait(depth)
	case c < 29:
		h.opFreeFuture(depth)
	case c == 31:
		if h.next()&1 == 0 {
			h.opTimer(depth)
		} else {
			h.opTick(depth)
		}
	default:
		h.opCallback(depth)
	}
	h.check()
}

// setTimersFlag sets or clears flagTimers on e's ingress, under its lock,
// as the C timer store does.
func (h *harness) setTimersFlag(e int) {
	in := h.execs[e].in.Load()
	in.lock()
	if len(h.tms[e]) > 0 {
		in.Flags.Store(in.Flags.Load() | flagTimers)
	} else {
		in.Flags.Store(in.Flags.Load() &^ flagTimers)
	}
	in.unlock()
}

// opTimer submits a timer due 0..3 ticks from now, from any thread (the
// owner may): on e, or down its chain if e quit (ChainLive).
func (h *harness) opTimer(depth int) {
	e := h.exec(depth)
	withFuture := h.next()&1 == 0 && len(h.futs) < maxFutures
	due := h.clock + h.pick(4) // 0: due at the next look (a short delay that has passed)
	st, at, item, fut := h.m.submitTimer(e, withFuture, due)
	h.tracef(depth, "Timer(e%d, due %d, future %v) = %v on e%d item %d f%d", e, due, withFuture, st, at, item, fut)
	target := e
	if h.execs[e].Quit() {
		target = -1
		if in := h.execs[e].ChainLive(); in != nil {
			for i, x := range h.execs {
				if x.in.Load() == in {
					target = i
				}
			}
		}
	}
	if (target < 0) != (st != OK) || (st == OK && target != at) {
		h.failf("Timer(e%d): core target e%d, model %v on e%d", e, target, st, at)
	}
	if st != OK {
		return
	}
	h.items = append(h.items, itemSpec{result: uintptr(item*10 + 1), completes: -1})
	var f *Future
	if withFuture {
		f = newFuture(futHandle | futQueued)
		h.addFuture(f)
	}
	ts := h.tms[target]
	i := len(ts)
	for i > 0 && ts[i-1].due > due {
		i--
	}
	h.tms[target] = append(ts[:i], append([]fuzzTimer{{due, item, f}}, ts[i:]...)...)
	h.setTimersFlag(target)
}

// opTick moves the clock on.
func (h *harness) opTick(depth int) {
	h.clock += 1 + h.pick(3)
	h.m.clock = h.clock
	h.tracef(depth, "clock = %d", h.clock)
}

// moveDue is Runner.MoveDue: the due timers of e, pushed in order until a
// push fails (quit, full).
func (h *harness) moveDue(e int) {
	ts, n := h.tms[e], 0
	for n < len(ts) && ts[n].due <= h.clock {
		// As cx_timers_move_due: a timer whose cancel won is dropped
		// (its queued reference released), not pushed; a push would mark
		// the done future with where it is queued.
		if f := ts[n].fut; f != nil && f.Done() {
			itemOver(f, 0, ECANCELLED)
			n++
			continue
		}
		if h.execs[e].push(Call{Fn: uintptr(ts[n].item)}, ts[n].fut) != OK {
			break
		}
		n++
	}
	h.tms[e] = ts[n:]
	h.setTimersFlag(e)
}

// dropTimers cancels e's pending timers on both sides (at quit and free).
func (h *harness) dropTimers(e int) {
	for _, t := range h.tms[e] {
		if t.fut != nil {
			itemOver(t.fut, 0, ECANCELLED)
		}
	}
	delete(h.tms, e)
	h.setTimersFlag(e)
	h.m.dropTimers(e)
}

func (h *harness) opNew(depth int) {
	if len(h.execs) >= maxExecs {
		return
	}
	owner := ThreadID(1 + h.pick(3))
	old := h.pick(len(h.execs)+1) - 1
	var oldEx *Executor
	if old >= 0 {
		oldEx = h.execs[old]
	}
	many := h.next()&1 == 0
	i := h.m.newExec(owner, old)
	var o Options
	if b := h.next(); b&3 == 0 { // options: a bound and/or statistics
		x := h.m.execs[i]
		if b&4 != 0 {
			x.max = 1 + int(b>>5)%6
		}
		x.fail, x.stats = b&8 != 0, b&16 != 0
		o = Options{Stats: x.stats, MaxQueued: uint64(x.max), FailWhenFull: x.fail}
	}
	_ = many // once the choice of a Go or a C batch runner; every run is the machinery's now
	h.execs = append(h.execs, NewWith(owner, oldEx, h.runner(i), nil, o))
	h.depth = append(h.depth, 0)
	h.tracef(depth, "e%d = New(owner %d, old e%d, %+v)", i, owner, old, o)
}

// exec picks an executor, creating the first one if there is none.
func (h *harness) exec(depth int) int {
	if len(h.execs) == 0 {
		i := h.m.newExec(1, -1)
		h.execs = append(h.execs, New(1, nil, h.runner(i), nil))
		h.depth = append(h.depth, 0)
		h.tracef(depth, "e%d = New(owner 1, old -1)", i)
	}
	return h.pick(len(h.execs))
}

// future picks a future, creating a promise if there is none.
func (h *harness) future(depth int) int {
	if len(h.futs) == 0 {
		h.newPromise(depth)
	}
	return h.pick(len(h.futs))
}

func (h *harness) addFuture(f *Future) {
	h.futs = append(h.futs, f)
	h.gens = append(h.gens, f.Gen())
}

func (h *harness) newPromise(depth int) int {
	i := h.m.newPromise()
	h.addFuture(NewPromise())
	h.tracef(depth, "f%d = NewPromise()", i)
	return i
}

func (h *harness) opPromise(depth int) {
	if len(h.futs) < maxFutures {
		h.newPromise(depth)
	}
}

func (h *harness) opSubmit(depth int) {
	e, from := h.exec(depth), h.thread()
	withFuture := h.next()&1 == 0 && len(h.futs) < maxFutures
	spec := itemSpec{result: uintptr(len(h.items)*10 + 1), completes: -1}
	switch h.pick(6) {
	case 0:
		spec.code = Status(1 + h.pick(9)) // a host error
	case 1:
		spec.code = Status(-1 - h.pick(3)) // breaks the contract
	case 5:
		if h.urgent(depth, e, from, withFuture, spec) {
			return
		}
	}
	h.submit(depth, e, from, withFuture, spec)
}

// urgent queues a fire-and-forget item in e's urgent lane, as the C side's
// push does (capi/cx/submit_with.c: cx_push_rec: the lane, then the count in
// Ingress.Urgent, under the lock), if the model can follow it: not from the
// owner, no future, e live and uncounted (the counters of a bound are the
// C push's), and not inside a RunReady of e before its lane was first used
// (RunReady then runs many normal items per step). false: not queued.
func (h *harness) urgent(depth, e int, from ThreadID, withFuture bool, spec itemSpec) bool {
	x := h.m.execs[e]
	if withFuture || from == x.owner || x.quit || x.freed || x.max > 0 || x.stats || (x.ready && !x.uused) {
		return false
	}
	item := h.m.pushUrgent(e)
	h.tracef(depth, "Urgent(e%d, from %d, code %v) = item %d", e, from, spec.code, item)
	h.items = append(h.items, spec)
	if item != len(h.items)-1 {
		h.failf("harness: item numbering")
	}
	in := unsafe.Pointer(h.execs[e].in.Load())
	if got := cx.PushUrgent(in, cx.GoItemFn(), goItem(Call{Fn: uintptr(item)})); got != cx.Pushed {
		h.failf("urgent push to e%d: %v", e, got)
	}
	return true
}

// opBulk queues enough fire-and-forget items (with a few futures among
// them) to fill more than one ingress chunk.
func (h *harness) opBulk(depth int) {
	if h.bulks >= 2 {
		return
	}
	h.bulks++
	e, from, n := h.exec(depth), h.thread(), chunkLen-16+h.pick(64)
	h.tracef(depth, "bulk: %d submits to e%d from %d", n, e, from)
	for i := 0; i < n; i++ {
		withFuture := i%512 == 7 && len(h.futs) < maxFutures
		st, item, fut := h.m.submit(e, from, withFuture)
		if item >= 0 {
			h.items = append(h.items, itemSpec{result: uintptr(item*10 + 1), completes: -1, bulk: true})
		}
		f, got := h.execs[e].submitNew(from, Call{Fn: uintptr(max(item, 0))}, withFuture, 0)
		h.expect("bulk Submit", got, st)
		if (f != nil) != (fut >= 0) {
			h.failf("bulk Submit: core future %v, model f%d", f, fut)
		}
		if f != nil {
			h.addFuture(f)
		}
	}
}

// submit submits as the model does (a full bounded queue that blocks
// times out at once: the harness never waits) and returns the status.
func (h *harness) submit(depth, e int, from ThreadID, withFuture bool, spec itemSpec) Status {
	st, item, fut := h.m.submit(e, from, withFuture)
	h.tracef(depth, "Submit(e%d, from %d, future %v, code %v) = %v item %d f%d",
		e, from, withFuture, spec.code, st, item, fut)
	if item >= 0 {
		h.items = append(h.items, spec)
		if item != len(h.items)-1 {
			h.failf("harness: item numbering")
		}
	}
	f, got := h.execs[e].submitNew(from, Call{Fn: uintptr(max(item, 0))}, withFuture, 0)
	h.expect("Submit", got, st)
	if (f != nil) != (fut >= 0) {
		h.failf("Submit: core future %v, model f%d", f, fut)
	}
	if f != nil {
		h.addFuture(f)
	}
	return st
}

// opRun runs an executor. blocking uses timeout -1; the harness only lets
// that happen when the run cannot sleep.
func (h *harness) opRun(depth int, blocking bool) {
	e, from, f := h.exec(depth), h.thread(), h.future(depth)
	if h.m.futs[f].freed {
		return // the C API refuses a freed handle before the core sees it
	}
	if h.next()&3 == 0 {
		from = h.m.execs[e].owner // make most runs get past the owner check
	}
	x := h.m.execs[e]
	if blocking && from == x.owner && !x.running && !x.quit && !h.m.futs[f].done {
		if h.m.futs[f].promise {
			// Queue an item that completes f; it runs in the first batch
			// (unless a full bounded queue refuses it).
			if h.submit(depth, e, completer, false, itemSpec{completes: f}) != OK {
				blocking = false
			}
		} else {
			blocking = false
		}
	}
	timeout := int64(0)
	if blocking {
		timeout = -1
	}
	want := h.m.runStart(e, from, f, !blocking)
	h.tracef(depth, "RunUntil(e%d, from %d, f%d, timeout %d) starts: %v", e, from, f, timeout, want)
	saved := h.depth[e]
	h.depth[e] = depth
	got := h.execs[e].RunUntil(from, h.futs[f], timeout)
	h.depth[e] = saved
	if want != OK {
		h.expect("RunUntil", got, want)
		return
	}
	it, ret, more := h.m.runNext(e)
	if more {
		h.failf("RunUntil(e%d) returned %v; model would run item %d first", e, got, it)
	}
	if ret == errBlocks {
		h.failf("RunUntil(e%d) returned %v; model would sleep", e, got)
	}
	h.m.runEnd(e)
	h.tracef(depth, "RunUntil(e%d) = %v", e, got)
	h.expect("RunUntil", got, ret)
	if got == OK && h.m.execs[e].quit {
		h.dropTimers(e) // quit: pending timers are cancelled before the run returns
	}
}

// opRunReady runs part of an executor's queue, as a host loop does: a
// budget of items (0: the queue as it is now), no time limit.
func (h *harness) opRunReady(depth int) {
	e, from := h.exec(depth), h.thread()
	if h.m.execs[e].freed {
		return // the C API refuses a freed executor before the core sees it
	}
	if h.next()&3 != 0 {
		from = h.m.execs[e].owner
	}
	max := uint64(h.pick(4)) // 0: all queued now
	want := h.m.readyStart(e, from, int(max))
	h.tracef(depth, "RunReady(e%d, from %d, max %d) starts: %v", e, from, max, want)
	saved := h.depth[e]
	h.depth[e] = depth
	ran, more, got := h.execs[e].RunReady(from, max, -1)
	h.depth[e] = saved
	h.expect("RunReady", got, want)
	if want != OK {
		return
	}
	wantRan, wantMore := h.m.readyEnd(e)
	h.tracef(depth, "RunReady(e%d) = %d, more %v", e, ran, more)
	if ran != uint64(wantRan) || more != wantMore {
		h.failf("RunReady(e%d) = %d, more %v; model %d, more %v", e, ran, more, wantRan, wantMore)
	}
}

// runner returns the Runner of executor e: its items are Go items that
// the machinery's batch runner runs (capi/cx/gocalls.c), looking at the
// urgent lane as it does for C items. runItem checks that the core runs
// the item the model expects next, then runs the item's operations.
func (h *harness) runner(e int) Runner {
	return Runner{Run: func(c Call) (uintptr, Status) { return h.runItem(e, c, false) },
		MoveDue: func(*Ingress) { h.moveDue(e) }}
}

func (h *harness) runItem(e int, c Call, inMany bool) (uintptr, Status) {
	it, depth := int(c.Fn), h.depth[e]
	want, ret, more := h.m.runNext(e)
	if !more {
		h.failf("e%d ran item %d; model would return %v", e, it, ret)
	}
	if want != it {
		h.failf("e%d ran item %d; model expects item %d", e, it, want)
	}
	spec := h.items[it]
	if inMany && h.m.items[it].fut >= 0 {
		h.failf("e%d: item %d has a future but ran as fire and forget", e, it)
	}
	if spec.bulk {
		h.m.itemReturned(it, spec.result, spec.code)
		return spec.result, spec.code
	}
	h.tracef(depth+1, "item %d runs on e%d", it, e)
	if spec.completes >= 0 {
		h.setResult(depth+1, spec.completes, 1000)
	} else if d := depth + 1; d <= maxDepth {
		for n := h.pick(4); n > 0 && h.ops < maxOps; n-- {
			h.op(d)
		}
	}
	h.m.itemReturned(it, spec.result, spec.code)
	return spec.result, spec.code
}

func (h *harness) setResult(depth, f int, r uintptr) {
	want := h.m.setResult(f, r)
	h.tracef(depth, "f%d.SetResult(%d) = %v", f, r, want)
	h.expect("SetResult", h.futs[f].SetResultAt(h.gens[f], r), want)
}

func (h *harness) opSetResult(depth int) {
	f := h.future(depth)
	h.setResult(depth, f, uintptr(h.next()))
}

func (h *harness) opSetError(depth int) {
	f, code := h.future(depth), Status(h.pick(5)-1)
	want := h.m.setError(f, code)
	h.tracef(depth, "f%d.SetError(%d) = %v", f, code, want)
	h.expect("SetError", h.futs[f].SetErrorAt(h.gens[f], code), want)
}

func (h *harness) opCancel(depth int) {
	f := h.future(depth)
	want := h.m.cancel(f)
	h.tracef(depth, "f%d.Cancel() = %v", f, want)
	h.expect("Cancel", h.futs[f].CancelAt(h.gens[f]), want)
}

func (h *harness) opFree(depth int) {
	e := h.exec(depth)
	n, want := h.m.free(e)
	h.tracef(depth, "e%d.Free() = %d, %v", e, n, want)
	gotN, got := h.execs[e].Free()
	h.expect("Free", got, want)
	if got == OK {
		h.dropTimers(e)
	}
	if gotN != n {
		h.failf("Free(e%d) discarded %d items, model %d", e, gotN, n)
	}
}

// opFreeFuture lets go of a future's handle, as ctexec_future_free does;
// the slot goes back to its pool once its item is over too.
func (h *harness) opFreeFuture(depth int) {
	f := h.future(depth)
	// A run waiting for f would then wait for ever (its completer could no
	// longer complete it): a host bug the harness does not commit.
	for _, x := range h.m.execs {
		if x.running && x.target == f {
			return
		}
	}
	for i, it := range h.items {
		if it.completes == f && !h.m.items[i].ran {
			return
		}
	}
	want := h.m.freeFuture(f)
	h.tracef(depth, "f%d.Free() = %v", f, want)
	h.expect("Free", h.futs[f].Free(h.gens[f]), want)
}

func (h *harness) opWait(depth int) {
	f := h.future(depth)
	timeout := int64(0)
	if h.m.futs[f].done && h.next()&1 == 0 {
		timeout = -1 // returns at once
	}
	r, want := h.m.outcome(f)
	h.tracef(depth, "f%d.Wait(%d) = %d, %v", f, timeout, r, want)
	gotR, got := h.futs[f].WaitAt(h.gens[f], timeout)
	h.expect("Wait", got, want)
	if gotR != r {
		h.failf("Wait(f%d) result %d, model %d", f, gotR, r)
	}
}

func (h *harness) opCallback(depth int) {
	f := h.future(depth)
	cb := refCallback{promise: -1}
	if h.next()&1 == 0 {
		cb.promise, cb.value = h.pick(len(h.futs)), uintptr(2000+len(h.m.cbs))
	}
	id := len(h.m.cbs)
	h.tracef(depth, "f%d.AddDoneCallback(cb%d: completes f%d)", f, id, cb.promise)
	want := h.m.addCallback(f, cb)
	got := h.futs[f].AddDoneCallbackAt(h.gens[f], func(got *Future) {
		if got != h.futs[f] {
			h.failf("cb%d got the wrong future", id)
		}
		st := OK
		if cb.promise >= 0 {
			st = h.futs[cb.promise].SetResultAt(h.gens[cb.promise], cb.value)
		}
		h.log = append(h.log, logEntry{id, f, st})
	})
	h.expect("AddDoneCallback", got, want)
}

// check compares everything visible on the core with the model.
func (h *harness) check() {
	h.t.Helper()
	if len(h.log) != len(h.m.log) {
		h.failf("callbacks fired: core %v, model %v", h.log, h.m.log)
	}
	for i := range h.log {
		if h.log[i] != h.m.log[i] {
			h.failf("callback firing %d: core %+v, model %+v", i, h.log[i], h.m.log[i])
		}
	}
	for i, e := range h.execs {
		x := h.m.execs[i]
		if x.ready {
			continue // the core counts RunReady's current span as queued
		}
		queued := len(x.queue) + len(x.urgent)
		if !x.running {
			queued += len(x.batch) // held by an earlier RunReady
		}
		if e.Quit() != x.quit || e.Queued() != queued {
			h.failf("e%d: core quit %v queued %d, model quit %v queued %d",
				i, e.Quit(), e.Queued(), x.quit, queued)
		}
	}
	for i, e := range h.execs {
		h.checkStats(i, e)
	}
	for i, f := range h.futs {
		r, st := f.WaitAt(h.gens[i], 0)
		mr, mst := h.m.outcome(i)
		if h.m.futs[i].freed {
			if st != mst {
				h.failf("f%d (freed): core %v, model %v", i, st, mst)
			}
			continue
		}
		if f.Done() != h.m.futs[i].done || r != mr || st != mst || f.IsPromise() != h.m.futs[i].promise {
			h.failf("f%d: core done %v outcome %d %v, model done %v outcome %d %v",
				i, f.Done(), r, st, h.m.futs[i].done, mr, mst)
		}
	}
}

// checkStats compares a counted executor's exact figures with the model:
// queued (submitted, not yet started or skipped, even inside a run), and
// with statistics the counters.
func (h *harness) checkStats(i int, e *Executor) {
	x := h.m.execs[i]
	if x.freed || x.max == 0 && !x.stats {
		return
	}
	got := e.Stats()
	want := Stats{Stats: x.stats, Queued: uint64(len(x.queue) + len(x.batch))}
	if x.stats {
		want.Submitted, want.Run = uint64(x.submitted), uint64(x.started-x.skipped)
		want.Cancelled, want.Rejected = uint64(x.skipped), uint64(x.rejected)
	}
	if got.Queued != want.Queued || got.Submitted != want.Submitted || got.Run != want.Run ||
		got.Cancelled != want.Cancelled || got.Rejected != want.Rejected || got.Stats != want.Stats {
		h.failf("e%d stats: core %+v, model %+v", i, got, want)
	}
	if got.HighWater > uint64(x.max) && x.max > 0 {
		h.failf("e%d: high water %d above the bound %d", i, got.HighWater, x.max)
	}
}

// finish frees every executor and checks that no item was lost: each one
// ran exactly once or its future completed without it (cancelled or
// discarded), and every item future is done.
func (h *harness) finish() {
	for e := range h.execs {
		n, want := h.m.free(e)
		gotN, got := h.execs[e].Free()
		h.tracef(0, "e%d.Free() = %d, %v", e, n, want)
		h.expect("final Free", got, want)
		if got == OK {
			h.dropTimers(e)
		}
		if gotN != n {
			h.failf("final Free(e%d) discarded %d items, model %d", e, gotN, n)
		}
	}
	h.check()
	// Every slot whose handle was freed went back to the machinery's pool
	// (its generation moved on; the pool may have handed it out again
	// since); the others are held still, each by one future only: a slot
	// released twice would be handed out twice.
	held := map[*Future]int{}
	for i, f := range h.futs {
		s := f.State.Load()
		if h.m.futs[i].freed {
			if s>>futGenShift == h.gens[i] {
				h.failf("f%d: freed, state %#x: never released", i, s)
			}
			continue
		}
		if s>>futGenShift != h.gens[i] || s&futHandle == 0 {
			h.failf("f%d: handle held, but state %#x", i, s)
		}
		if j, dup := held[f]; dup {
			h.failf("f%d and f%d hold one slot: it was released twice", j, i)
		}
		held[f] = i
	}
	for i, it := range h.m.items {
		if it.fut >= 0 && !h.m.futs[it.fut].done {
			h.failf("item %d: future f%d pending after every executor was freed", i, it.fut)
		}
		if it.fut >= 0 && it.ran == (h.m.futs[it.fut].code == ECANCELLED) {
			h.failf("item %d: ran %v but its future's outcome is %v", i, it.ran, h.m.futs[it.fut].code)
		}
	}
}

// fuzzSeeds are the seed corpus: a few hand-written scenarios, then inputs
// from a fixed pseudo-random source. They also run as plain tests.
func fuzzSeeds() [][]byte {
	const (
		opNew, opSubmit, opRun, opRunBlock, opPromise = 0, 2, 12, 15, 17
		opSet, opErr, opCancel, opFree, opWait, opCb  = 19, 21, 22, 25, 27, 29
	)
	const opTimers = 31 // then 0: a timer, 1: a tick
	seeds := [][]byte{
		{},
		// Timers on e0 from its owner and another thread, one with a
		// future that is cancelled; the clock moves; a blocking run fires
		// the due ones and cancels the rest when it quits.
		{opNew, 0, 0, 1, 4, opTimers, 0, 0, 0, 0, opTimers, 0, 0, 0, 3, opCancel, 0,
			opTimers, 1, 1, opPromise, opRunBlock, 0, 0, 1, 0, opTimers, 1, 2, opFree, 0},
		// A timer to a quit executor lands down the chain, stays a timer.
		{opNew, 0, 0, 1, 4, opNew, 0, 1, 0, 4, opPromise, opSet, 0, 7, opRun, 1, 0, 0, 0,
			opTimers, 0, 1, 0, 0, opTimers, 1, 3, opRunBlock, 0, 0, 0, 0},
		// New e0 (owner 1); submit from 2 with a future; run it until
		// promise f1 with a completer; wait on the item.
		{opNew, 0, 0, 1, opSubmit, 0, 1, 0, 5, opPromise, opRunBlock, 0, 0, 1, 0, opWait, 0},
		// Chain: e0, e1 (old e0); quit e1 with a done promise; submit to
		// e1 lands on e0; free everything.
		{opNew, 0, 0, 1, opNew, 0, 1, 0, opPromise, opSet, 0, 7, opRun, 1, 0, 0, 0,
			opSubmit, 1, 1, 0, 5, opSubmit, 0, 1, 1, 5, opRunBlock, 0, 0, 0, 0},
		// Cancel before the run, then run: the item is skipped.
		{opNew, 0, 0, 0, opSubmit, 0, 1, 0, 5, opCancel, 0, opPromise, opRun, 0, 0, 1, 0},
		// A done callback that completes the run's own promise.
		{opNew, 0, 0, 1, opPromise, opPromise, opCb, 0, 0, 1, opSubmit, 0, 2, 0, 5,
			opSet, 0, 3, opRunBlock, 0, 0, 1, 0},
		// Free with items queued: their futures are cancelled.
		{opNew, 1, 0, 0, opSubmit, 0, 0, 0, 5, opSubmit, 0, 0, 2, 5, opCb, 1, 1, opFree, 0},
		// Items nest: the item submits to e1 and runs e1 inside e0's run.
		{opNew, 0, 0, 1, opNew, 0, 1, 0, opSubmit, 0, 1, 0, 5, opPromise,
			opRun, 0, 0, 1, 0, 3, opSubmit, 1, 2, 1, 5, opRun, 1, 0, 1, 0, opWait, 1},
		// More than one ingress chunk, run to completion, then freed.
		{opNew, 0, 0, 0, 0, 0xb5, 0, 1, 40, opPromise, opRunBlock, 0, 0, 0, 0},
		{opNew, 0, 0, 1, 0, 0xb5, 0, 1, 63, opSubmit, 0, 1, 0, 5, opPromise, opRun, 0, 0, 0, 0, opFree, 0},
	}
	r := rand.New(rand.NewSource(20261125))
	for i := 0; i < 150; i++ {
		s := make([]byte, 16+r.Intn(400))
		r.Read(s)
		seeds = append(seeds, s)
	}
	return seeds
}
