package executor

import (
	"unsafe"

	"ctexec/capi/cx"
)

// signal, lock and unlock are the machinery's (capi/cx/ingress.c: cx_signal,
// cx_lock, cx_unlock), with their protocol in capi/cx/shared.h: one
// implementation, which C's pushes and Go's owner share.
func (in *Ingress) signal() { cx.Signal(unsafe.Pointer(in)) }
func (in *Ingress) lock()   { cx.Lock(unsafe.Pointer(in)) }
func (in *Ingress) unlock() { cx.Unlock(unsafe.Pointer(in)) }

const entrySize = unsafe.Sizeof(Entry{})

// chunkBytes is the size of a chunk: chunkLen entries (24 pages), then
// one int64 stamp per stampEvery positions (capi/cx/shared.h: counted push), then
// the link of Ingress.FullHead's list.
const chunkBytes = chunkLen*entrySize + chunkLen/stampEvery*8 + 8

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

// putChunk gives an empty chunk back to the process-wide pool that C's
// pushes grow queues from (capi/cx/chunks.c).
func putChunk(c chunk) { cx.ChunkPut(c) }
