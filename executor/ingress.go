package executor

import (
	"sync"
	"unsafe"
)

// takeWaiterLocked clears the waiting flag and reports whether it was set.
func (in *Ingress) takeWaiterLocked() bool {
	fl := in.Flags.Load()
	if fl&flagWaiting == 0 {
		return false
	}
	in.Flags.Store(fl &^ flagWaiting)
	return true
}

// signal wakes the owner if it is spinning or asleep.
func (in *Ingress) signal() {
	if in.Wake.Swap(wakeSignaled) == wakeSleeping {
		futexWakeAll(&in.Wake)
	}
}

// lock is a three-state futex mutex (0 free, 1 held, 2 held with waiters).
// The C fast path implements the same protocol on the same word.
func (in *Ingress) lock() {
	if in.Lock.CompareAndSwap(0, 1) {
		return
	}
	for i := 0; i < 100; i++ {
		if in.Lock.Load() == 0 && in.Lock.CompareAndSwap(0, 1) {
			return
		}
	}
	for in.Lock.Swap(2) != 0 {
		futexSleep(&in.Lock, 2, -1)
	}
}

func (in *Ingress) unlock() {
	if in.Lock.Swap(0) == 2 {
		futexWake(&in.Lock)
	}
}

const entrySize = unsafe.Sizeof(Entry{})

// chunkBytes is the size of a chunk: chunkLen entries (24 pages), then
// one int64 stamp per stampEvery positions (shared.go: counted push), then
// the link of Ingress.FullHead's list.
const chunkBytes = chunkLen*entrySize + chunkLen/stampEvery*8 + 8

// chunkLink is c's link in Ingress.FullHead's list: its last word.
func chunkLink(c chunk) *unsafe.Pointer { return (*unsafe.Pointer)(unsafe.Add(c, chunkBytes-8)) }

// A chunk is a fixed-size buffer of entries outside the Go heap. A queue is
// the executor's list of full chunks plus the ingress's current chunk, so
// growing never copies or remaps what is queued.
type chunk = unsafe.Pointer

func chunkEntries(c chunk, n uint64) []Entry {
	return unsafe.Slice((*Entry)(c), chunkLen)[:n]
}

// chunkStamps returns c's stamps: stamp k is the time the entry at
// position k*stampEvery was pushed, if it was stamped.
func chunkStamps(c chunk) []int64 {
	return unsafe.Slice((*int64)(unsafe.Add(c, chunkLen*entrySize)), chunkLen/stampEvery)
}

// spareChunks is a process-wide pool of empty chunks, so that short-lived
// executors (asgiref makes one per async_to_sync call) do not pay an mmap
// and page faults each. Chunks here have their pages faulted in.
var spareChunks struct {
	sync.Mutex
	list []chunk
}

const maxSpareChunks = 64 // 6 MiB

// getChunk returns a chunk from the process-wide pool, or a new one.
func getChunk() chunk {
	if plat.GetChunk != nil {
		return plat.GetChunk()
	}
	spareChunks.Lock()
	if n := len(spareChunks.list); n > 0 {
		c := spareChunks.list[n-1]
		spareChunks.list = spareChunks.list[:n-1]
		spareChunks.Unlock()
		return c
	}
	spareChunks.Unlock()
	return allocChunk()
}

// putChunk returns a chunk to the process-wide pool, or unmaps it.
func putChunk(c chunk) {
	if plat.PutChunk != nil {
		plat.PutChunk(c)
		return
	}
	spareChunks.Lock()
	if len(spareChunks.list) < maxSpareChunks {
		spareChunks.list = append(spareChunks.list, c)
		c = nil
	}
	spareChunks.Unlock()
	if c != nil {
		freeChunk(c)
	}
}

// heapChunk returns a chunk in the Go heap, for executors that no C code
// touches: the garbage collector then sees the futures their entries hold.
func heapChunk() chunk {
	c := new(struct {
		entries [chunkLen]Entry
		stamps  [chunkLen / stampEvery]int64
		link    unsafe.Pointer
	})
	return unsafe.Pointer(&c.entries[0])
}
