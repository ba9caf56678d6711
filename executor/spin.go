package executor

import (
	"sync/atomic"

	"ctexec/capi/cx"
)

// SpinNs is the longest a waiter (the owner with nothing to run, or a
// thread in Future.Wait) spins before it sleeps in the kernel; 0 disables
// spinning. Waking a sleeping thread costs about 20 µs on a virtual CPU, so
// a spin only helps while the other thread is running: then a round trip
// takes well under a microsecond instead of tens of them.
var SpinNs = cx.SpinNs() // CTEXEC_SPIN_NS, read by the machinery at load

const defaultSpinNs = 50_000

// A spinner adapts the spin budget to whether spinning pays. A spin that
// ends in success doubles the budget, or raises it to four times what the
// spin took if that is more (at most SpinNs); one that fails halves it. So
// a lone failure is repaired by the next success, and only failures in a
// row collapse the budget. (Setting it to 4x the last success made one slow
// answer after a run of fast ones collapse it at once: measured, a
// ctexec_call loop with both threads on CPU then slept through one round
// trip in six.) Once the budget has collapsed (both
// threads share a CPU, or the other side is slow), one wait in 32 still
// probes with the full SpinNs, so the fast mode is found again when the
// other thread runs freely. The budget must exceed the wake-up time for
// a pair of threads to leave the slow mode, hence the 50 µs ceiling.
type spinner struct {
	budget atomic.Int64
	waits  atomic.Uint32
}

// Idle owners and threads waiting for a future spin in C (capi/cx/future.c,
// cx_spin), with this algorithm and its constants (shared.go exports them
// to C). Here it serves only submitters waiting for room (bounds.go,
// roomSpin), whose wait is the bound policy's.

const (
	minSpinNs      = 1_000
	spinProbeEvery = 32 // once collapsed, one wait in this many probes
)

// spinUntil spins until cond() holds (true) or the budget or the deadline
// has passed (false).
func (sp *spinner) spinUntil(deadline int64, cond func() bool) bool {
	limit := SpinNs
	if limit <= 0 {
		return cond()
	}
	budget := sp.budget.Load()
	if budget == 0 { // first use
		budget = limit
	}
	if budget < minSpinNs {
		if sp.waits.Add(1)%spinProbeEvery != 0 {
			return cond()
		}
		budget = limit
	}
	start := now()
	end := start + min(budget, limit)
	if deadline >= 0 && deadline < end {
		end = deadline
	}
	for i := 0; ; i++ {
		if cond() {
			if i > 0 {
				sp.budget.Store(min(limit, max(2*budget, 4*(now()-start), minSpinNs)))
			}
			return true
		}
		if i&63 == 63 && now() >= end {
			sp.budget.Store(budget / 2)
			return false
		}
		relax()
	}
}

// relaxSink keeps relax's loop from being optimised away.
var relaxSink uint32

// relax burns a few nanoseconds without touching shared memory, so that a
// spinning reader does not keep stealing the cache line the thread it
// waits for is about to write (Go has no PAUSE instruction).
func relax() {
	x := uint32(1)
	for j := 0; j < 16; j++ {
		x = x*1664525 + 1013904223
	}
	if x == 0 {
		relaxSink = x
	}
}
