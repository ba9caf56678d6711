//go:build !linux || ctexec_parkinglot

package executor

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Everywhere but Linux, pure-Go users get a parking lot written in Go:
// sleepers queue in one of 64 mutex-guarded buckets chosen by the word's
// address, and a wake dequeues them from there. The C API never uses it
// (it installs its C platform layer, platform.go); the tag
// ctexec_parkinglot selects it on Linux so that `go test` covers it.
//
// No wake-up is lost: a sleeper compares the word under its bucket's lock,
// and a waker changes the word before it takes that lock.

type parker struct {
	addr *atomic.Uint32
	ch   chan struct{} // closed by the waker
	next *parker
}

type parkBucket struct {
	mu   sync.Mutex
	head *parker
	_    [40]byte // one bucket per cache line
}

var parkLot [64]parkBucket

func bucketFor(addr *atomic.Uint32) *parkBucket {
	return &parkLot[(uint64(uintptr(unsafe.Pointer(addr)))>>2*0x9e3779b97f4a7c15)>>58]
}

var osPlatform = Platform{
	Sleep: func(addr *atomic.Uint32, val uint32, ns int64) {
		b := bucketFor(addr)
		b.mu.Lock()
		if addr.Load() != val {
			b.mu.Unlock()
			return
		}
		p := &parker{addr: addr, ch: make(chan struct{}), next: b.head}
		b.head = p
		b.mu.Unlock()
		if ns < 0 {
			<-p.ch
			return
		}
		t := time.NewTimer(time.Duration(ns))
		select {
		case <-p.ch:
			t.Stop()
			return
		case <-t.C:
		}
		b.mu.Lock() // timed out: leave the queue unless a waker took us
		for pp := &b.head; *pp != nil; pp = &(*pp).next {
			if *pp == p {
				*pp = p.next
				break
			}
		}
		b.mu.Unlock()
	},
	Wake: func(addr *atomic.Uint32, all bool) {
		b := bucketFor(addr)
		b.mu.Lock()
		for pp := &b.head; *pp != nil; {
			p := *pp
			if p.addr != addr {
				pp = &p.next
				continue
			}
			*pp = p.next
			close(p.ch)
			if !all {
				break
			}
		}
		b.mu.Unlock()
	},
	// Pure-Go users' chunks hold no C pointers that Go must not see, so
	// the Go heap serves; the pointer keeps the chunk alive.
	AllocChunk: func(size uintptr) unsafe.Pointer {
		return unsafe.Pointer(unsafe.SliceData(make([]byte, size)))
	},
	FreeChunk: func(unsafe.Pointer, uintptr) {},
}
