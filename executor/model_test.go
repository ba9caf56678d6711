package executor

// A reference model of the executor's semantics, written from the contract
// (include/ctexec.h, asgiref's CurrentThreadExecutor) rather than from the
// core's code: plain structs, plain slices, no locks, no futexes. The fuzz
// harness (fuzz_test.go) applies every operation to the model first, then to
// the core, and compares the statuses, the order in which items run, the
// order of done callbacks and the visible state after each operation.

// refExec models one executor.
type refExec struct {
	owner   ThreadID
	old     int   // index of the old executor, -1 for none
	queue   []int // items waiting, not yet taken by a run
	batch   []int // items taken by the current run and not yet reached
	quit    bool  // its run's future completed, or it was freed
	freed   bool
	running bool
	target  int  // the future the current run waits for
	poll    bool // the current run has timeout 0: one batch, then give up
	batches int  // batches the current run has taken
	// A RunReady is running: left more items (skipped ones included) may
	// be reached. Its batch stays between calls (held items).
	ready     bool
	left, ran int
	// Options: a bound of max items queued and not started
	// (0: none), which fails (fail) or times out at once (the harness
	// submits with timeout 0); counted: the statistics' counters.
	max                         int
	fail, stats                 bool
	submitted, started, skipped int
	rejected                    int
	// Timers not yet moved into the queue, in (due, seq) order: the C
	// API's timers as far as the core sees them (Runner.MoveDue).
	timers []refTimer
	// The urgent lane (fire-and-forget items only; the machinery's lane,
	// capi/cx/submit_with.c): items queued in it, the snapshot being run,
	// whether the owner looked before the current entry, and whether the
	// lane was ever used. batched: runs go through the machinery's batch
	// runner (cx_run_batch), which looks before every entry (always, now;
	// once the core's own loop looked once per batch).
	urgent, usnap []int
	looked, uused bool
	batched       bool
	// RunBatch (cx_run_batch) also looks after its last entry (lastFF:
	// that entry ran inside it, as every entry does now); after: that look ran
	// items, so the next RunBatch call does not look before its first
	// entry (the C slot's urgent_after, cleared as a call starts).
	lastFF, after bool
}

// refTimer is a pending timer: its item runs no earlier than clock due.
type refTimer struct{ due, seq, item int }

// refFuture models one future: a promise or an item's future.
type refFuture struct {
	promise bool
	done    bool
	started bool // its item began running
	result  uintptr
	code    Status
	cbs     []int // done callbacks waiting, in registration order
	freed   bool  // the handle was freed: every call on it is EBADHANDLE
}

// refItem models one accepted submit.
type refItem struct {
	fut  int // -1: fire and forget
	exec int // the executor it was queued on
	ran  bool
}

// refCallback is a done callback: it records that it fired and, when
// promise >= 0, completes that promise with SetResult(value), as a host's
// callback that wakes a loop would.
type refCallback struct {
	promise int
	value   uintptr
}

// logEntry is one done-callback firing: which callback, on which future,
// and the status of its SetResult (OK when it has none).
type logEntry struct {
	cb, fut int
	st      Status
}

type refModel struct {
	clock int // the harness's clock, for timers
	tseq  int
	execs []*refExec
	futs  []*refFuture
	items []*refItem
	cbs   []refCallback
	log   []logEntry
}

func (m *refModel) newExec(owner ThreadID, old int) int {
	m.execs = append(m.execs, &refExec{owner: owner, old: old, target: -1, batched: true})
	return len(m.execs) - 1
}

func (m *refModel) newPromise() int {
	m.futs = append(m.futs, &refFuture{promise: true})
	return len(m.futs) - 1
}

// submit returns the status, the new item (or -1) and its future (or -1).
// The owner check looks at the target executor only; then the chain is
// walked to the first executor that has not quit.
func (m *refModel) submit(e int, from ThreadID, withFuture bool) (st Status, item, fut int) {
	if from == m.execs[e].owner {
		return ESAMETHREAD, -1, -1
	}
	for x := e; x >= 0; x = m.execs[x].old {
		if m.execs[x].quit {
			continue
		}
		if rx := m.execs[x]; rx.max > 0 && len(rx.queue)+len(rx.batch) >= rx.max {
			rx.rejected++
			if rx.fail {
				return EAGAIN, -1, -1
			}
			return ETIMEDOUT, -1, -1
		}
		m.execs[x].submitted++
		fut = -1
		if withFuture {
			m.futs = append(m.futs, &refFuture{})
			fut = len(m.futs) - 1
		}
		m.items = append(m.items, &refItem{fut: fut, exec: x})
		item = len(m.items) - 1
		m.execs[x].queue = append(m.execs[x].queue, item)
		return OK, item, fut
	}
	return EQUIT, -1, -1
}

// submitTimer adds a timer (any thread, the owner too) on e or, if e
// quit, on the first executor down its chain that has not; EQUIT if none.
func (m *refModel) submitTimer(e int, withFuture bool, due int) (st Status, at, item, fut int) {
	for x := e; x >= 0; x = m.execs[x].old {
		rx := m.execs[x]
		if rx.quit {
			continue
		}
		fut = -1
		if withFuture {
			m.futs = append(m.futs, &refFuture{})
			fut = len(m.futs) - 1
		}
		m.items = append(m.items, &refItem{fut: fut, exec: x})
		item = len(m.items) - 1
		m.tseq++
		t := refTimer{due, m.tseq, item}
		i := len(rx.timers)
		for i > 0 && rx.timers[i-1].due > due {
			i--
		}
		rx.timers = append(rx.timers[:i], append([]refTimer{t}, rx.timers[i:]...)...)
		return OK, x, item, fut
	}
	return EQUIT, -1, -1, -1
}

// moveDue moves e's due timers to the back of its queue, in order, as the
// owner does each time it looks at the queue; a full bounded queue (or a
// quit executor) leaves the rest pending.
func (m *refModel) moveDue(e int) {
	x := m.execs[e]
	for !x.quit && len(x.timers) > 0 && x.timers[0].due <= m.clock {
		// A timer whose cancel already won is dropped, not queued: it is
		// neither submitted nor skipped (cx_timers_move_due).
		if f := m.items[x.timers[0].item].fut; f >= 0 && m.futs[f].done {
			x.timers = x.timers[1:]
			continue
		}
		if x.max > 0 && len(x.queue)+len(x.batch) >= x.max {
			return
		}
		x.submitted++
		x.queue = append(x.queue, x.timers[0].item)
		x.timers = x.timers[1:]
	}
}

// dropTimers cancels e's pending timers: at quit (the end of its run) and
// at free.
func (m *refModel) dropTimers(e int) {
	x := m.execs[e]
	for _, t := range x.timers {
		if f := m.items[t.item].fut; f >= 0 && !m.futs[f].done {
			m.complete(f, 0, ECANCELLED)
		}
	}
	x.timers = nil
}

// pushUrgent queues a fire-and-forget item in e's urgent lane.
func (m *refModel) pushUrgent(e int) int {
	m.items = append(m.items, &refItem{fut: -1, exec: e})
	x := m.execs[e]
	x.urgent = append(x.urgent, len(m.items)-1)
	x.uused = true
	return len(m.items) - 1
}

// look takes a snapshot of x's urgent lane, at most max items.
func (x *refExec) look(max int) {
	n := min(len(x.urgent), max)
	x.usnap = append(x.usnap, x.urgent[:n]...)
	x.urgent = x.urgent[n:]
	x.looked = true
}

// complete sets a future's outcome: the runs waiting for it quit, then its
// callbacks fire in order (each one may complete a promise in turn).
func (m *refModel) complete(f int, result uintptr, code Status) {
	rf := m.futs[f]
	if rf.done {
		panic("model: future completed twice")
	}
	rf.done, rf.result, rf.code = true, result, code
	for _, x := range m.execs {
		if x.running && x.target == f {
			x.quit = true
		}
	}
	cbs := rf.cbs
	rf.cbs = nil
	for _, cb := range cbs {
		m.fire(cb, f)
	}
}

func (m *refModel) fire(cb, f int) {
	st := OK
	if p := m.cbs[cb].promise; p >= 0 {
		st = m.setResult(p, m.cbs[cb].value)
	}
	m.log = append(m.log, logEntry{cb, f, st})
}

func (m *refModel) setResult(f int, r uintptr) Status {
	switch rf := m.futs[f]; {
	case rf.freed:
		return EBADHANDLE
	case !rf.promise:
		return EINVAL
	case rf.done:
		return ESTATE
	}
	m.complete(f, r, OK)
	return OK
}

func (m *refModel) setError(f int, code Status) Status {
	switch rf := m.futs[f]; {
	case rf.freed:
		return EBADHANDLE
	case !rf.promise || code <= 0:
		return EINVAL
	case rf.done:
		return ESTATE
	}
	m.complete(f, 0, code)
	return OK
}

func (m *refModel) cancel(f int) Status {
	if m.futs[f].freed {
		return EBADHANDLE
	}
	if rf := m.futs[f]; rf.done || rf.started {
		return ESTATE
	}
	m.complete(f, 0, ECANCELLED)
	return OK
}

func (m *refModel) outcome(f int) (uintptr, Status) {
	if m.futs[f].freed {
		return 0, EBADHANDLE
	}
	if rf := m.futs[f]; rf.done {
		return rf.result, rf.code
	}
	return 0, ETIMEDOUT
}

func (m *refModel) addCallback(f int, cb refCallback) Status {
	if m.futs[f].freed {
		return EBADHANDLE
	}
	m.cbs = append(m.cbs, cb)
	id := len(m.cbs) - 1
	if m.futs[f].done {
		m.fire(id, f)
		return OK
	}
	m.futs[f].cbs = append(m.futs[f].cbs, id)
	return OK
}

// freeFuture lets go of the handle. It cancels nothing: the item still
// runs and the callbacks still fire.
func (m *refModel) freeFuture(f int) Status {
	if m.futs[f].freed {
		return EBADHANDLE
	}
	m.futs[f].freed = true
	return OK
}

// free discards the queue: the items never run, and their futures that are
// still pending complete with ECANCELLED, in queue order.
func (m *refModel) free(e int) (int, Status) {
	x := m.execs[e]
	switch {
	case x.running:
		return 0, EBUSY
	case x.freed:
		return 0, EBADHANDLE
	}
	x.quit, x.freed = true, true
	q := append(x.batch, x.queue...) // held items first: they are older
	x.queue, x.batch = nil, nil
	x.urgent = nil // discarded after the core's Free, not counted by it (capi: cx_urgent_discard)
	for _, it := range q {
		if f := m.items[it].fut; f >= 0 && !m.futs[f].done {
			m.complete(f, 0, ECANCELLED)
		}
	}
	return len(q), OK
}

// runStart models the checks at the top of RunUntil and, when they pass,
// starts the run (status OK). A future that is already done makes the
// executor quit at once.
func (m *refModel) runStart(e int, from ThreadID, f int, poll bool) Status {
	x := m.execs[e]
	switch {
	case from != x.owner:
		return EWRONGTHREAD
	case x.running:
		return EBUSY
	case x.quit:
		return EQUIT
	}
	x.running, x.target, x.poll, x.batches = true, f, poll, 0
	if m.futs[f].done {
		x.quit = true
	}
	return OK
}

// errBlocks is what runNext reports when the run would now sleep: the
// harness never lets that happen.
const errBlocks Status = -1000

// runNext says what a started run does next: run an item (ok true), or
// return a status. Items whose futures are done (cancelled) are skipped.
// A run takes the whole queue as one batch; with timeout 0 it stops after
// its first batch unless the executor has quit by then.
func (m *refModel) runNext(e int) (item int, ret Status, ok bool) {
	x := m.execs[e]
	if x.ready {
		return m.readyNext(e)
	}
	for {
		if len(x.usnap) > 0 { // a snapshot of the urgent lane runs first
			it := x.usnap[0]
			x.usnap = x.usnap[1:]
			m.startItem(it)
			return it, OK, true
		}
		if len(x.batch) == 0 {
			if x.batched && x.lastFF && len(x.urgent) > 0 {
				x.lastFF = false
				x.look(len(x.urgent))
				x.after = true
				continue
			}
			x.lastFF = false
			x.looked = x.after
			if x.poll && x.batches > 0 && !x.quit {
				return -1, ETIMEDOUT, false // no further look at the queue
			}
			m.moveDue(e)
			switch {
			case len(x.queue) == 0 && len(x.urgent) == 0 && x.quit:
				return -1, OK, false
			case len(x.queue) == 0 && len(x.urgent) == 0 && x.poll:
				return -1, ETIMEDOUT, false
			case len(x.queue) == 0 && len(x.urgent) == 0:
				return -1, errBlocks, false
			}
			x.batches++
			// The core looks once per batch when RunBatch will not (no
			// RunBatch, or urgent items alone: an empty batch).
			if !x.batched || len(x.queue) == 0 {
				x.look(len(x.urgent))
			}
			x.batch, x.queue = x.queue, nil
			continue
		}
		// RunBatch looks before each entry, skipped ones too.
		if x.batched && !x.looked && len(x.urgent) > 0 {
			x.look(len(x.urgent))
			continue
		}
		it := x.batch[0]
		x.batch = x.batch[1:]
		x.looked, x.after = false, false
		x.lastFF = x.batched
		if !m.startItem(it) {
			continue
		}
		return it, OK, true
	}
}

// startItem starts item it, just taken from a batch: false if its future
// was cancelled first (the item is skipped), else it runs now.
func (m *refModel) startItem(it int) bool {
	x := m.execs[m.items[it].exec]
	x.started++
	if f := m.items[it].fut; f >= 0 {
		if m.futs[f].done {
			x.skipped++
			return false
		}
		m.futs[f].started = true
	}
	m.items[it].ran = true
	return true
}

// itemReturned completes an item's future with its callback's outcome; a
// negative code breaks the contract and is reported as EINVAL.
func (m *refModel) itemReturned(it int, r uintptr, code Status) {
	f := m.items[it].fut
	if f < 0 {
		return
	}
	if code < 0 {
		r, code = 0, EINVAL
	}
	m.complete(f, r, code)
}

// runEnd ends a run that returned.
func (m *refModel) runEnd(e int) {
	x := m.execs[e]
	x.running, x.target, x.batch, x.looked = false, -1, nil, false
}

// readyStart models the checks of RunReady and starts it: due timers join
// the queue, then its budget is max items, or every item queued now (held
// ones included) when max is 0.
func (m *refModel) readyStart(e int, from ThreadID, max int) Status {
	x := m.execs[e]
	switch {
	case from != x.owner:
		return EWRONGTHREAD
	case x.running:
		return EBUSY
	}
	m.moveDue(e) // only past the checks: a refused call moves no timer
	n := len(x.batch) + len(x.queue) + len(x.urgent)
	if max != 0 && max < n {
		n = max
	}
	x.running, x.ready, x.left, x.ran = true, true, n, 0
	return OK
}

// readyNext is runNext inside RunReady: the held batch first, then the
// queue as a new batch; every item reached counts against the budget,
// including cancelled ones, which are skipped.
func (m *refModel) readyNext(e int) (item int, ret Status, ok bool) {
	x := m.execs[e]
	for x.left > 0 {
		if len(x.usnap) > 0 {
			it := x.usnap[0]
			x.usnap = x.usnap[1:]
			x.left--
			x.ran++
			m.startItem(it)
			return it, OK, true
		}
		// Once the lane was used, RunReady looks before each normal item,
		// within its budget (ready.go: runHeld).
		if x.uused && !x.looked && len(x.urgent) > 0 {
			x.look(x.left)
			continue
		}
		x.looked = false
		if len(x.batch) == 0 {
			if len(x.queue) == 0 {
				if x.uused && len(x.urgent) > 0 {
					continue
				}
				break
			}
			x.batch, x.queue = x.queue, nil
		}
		it := x.batch[0]
		x.batch = x.batch[1:]
		x.after = false // RunBatch, without lanes, starts a call
		x.left--
		x.ran++
		if !m.startItem(it) {
			continue
		}
		return it, OK, true
	}
	return -1, OK, false
}

// readyEnd ends a RunReady: the items its budget allowed were reached
// (the skipped ones after the last item that ran are reached here), and
// it reports how many, and whether any remain.
func (m *refModel) readyEnd(e int) (ran int, more bool) {
	x := m.execs[e]
	for {
		if _, _, ok := m.readyNext(e); !ok {
			break
		}
		panic("model: RunReady returned before its budget was used")
	}
	x.running, x.ready, x.looked = false, false, false
	return x.ran, len(x.batch)+len(x.queue)+len(x.urgent) > 0
}
