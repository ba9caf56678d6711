package executor

import "time"

// The stall watchdog (Options.StallNs): a goroutine that looks at a
// counted executor every StallNs/4 (at least every millisecond). The head
// of the queue is the item numbered Started (capi/cx/shared.h: Counters); while
// it stays the head, with items queued, it has waited at least since the
// first look that saw it there, so the age reported is a lower bound, at
// most one period late. After a report the watchdog stays quiet until the
// owner has caught up: until every item queued at the report has started.

type watchdog struct {
	quit, done chan struct{}
}

func (e *Executor) startWatchdog(stallNs int64, onStall func(int64)) *watchdog {
	w := &watchdog{quit: make(chan struct{}), done: make(chan struct{})}
	period := max(time.Duration(stallNs/4), time.Millisecond)
	go func() {
		defer close(w.done)
		t := time.NewTicker(period)
		defer t.Stop()
		var head, rearm uint64
		var since int64
		seen, armed := false, true
		for {
			select {
			case <-w.quit:
				return
			case <-t.C:
			}
			in := e.in.Load()
			in.lock()
			pushed := in.Pushed
			in.unlock()
			started, tnow := in.Started.Load(), now()
			if !armed && started >= rearm {
				armed = true
			}
			switch {
			case pushed == started:
				seen = false
			case !seen || started != head:
				head, since, seen = started, tnow, true
			case armed && tnow-since >= stallNs:
				armed, rearm = false, pushed
				onStall(tnow - since)
			}
		}
	}()
	return w
}

// stop ends the watchdog and waits until its goroutine, and any stall call
// it is making, has returned. nil-safe.
func (w *watchdog) stop() {
	if w != nil {
		close(w.quit)
		<-w.done
	}
}
