package cx

import "unsafe"

// PushResult is the outcome of a push (shim.h, cx_push_t).
type PushResult int

// The values of shim.h's cx_push_t and completion kinds; cx.go checks them
// against C at init. They stand here, outside cgo, so that the package
// type-checks for targets built without a C compiler (nocgo.go).
const (
	Pushed PushResult = iota
	PushQuit
	PushFull
	PushNoMem
)

const (
	ByItem = iota
	ByPromise
	ByCancel
)

// The owner's next step (ingress.c, cx_owner_next).
const (
	NextTaken  = iota // took a batch; unlocked
	NextArmed         // nothing queued: armed, unlocked; the owner waits
	NextLocked        // the policy decides; the lock is held
)

// Taken is what the owner's take swapped out of an ingress (ingress.c,
// cx_take_locked): the list of full chunks (FullN of them from FullHead,
// linked: TakenNext), then the current chunk Buf with Len entries.
type Taken struct {
	FullHead unsafe.Pointer
	FullN    uint64
	Buf      unsafe.Pointer
	Len      uint64
}

// The answers of a wait for room (ingress.c, cx_room_wait).
const (
	RoomOK       = iota // the queue has room: push again
	RoomQuit            // the executor quit or was freed
	RoomTimedOut        // the deadline passed first
)

// FlagFailFull is the ingress flag of a bounded queue that fails when full
// instead of waiting for room (shim.h, CX_FLAG_FAIL_FULL).
const FlagFailFull = 1 << 16
