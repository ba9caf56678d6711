package cx

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
