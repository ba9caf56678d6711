//go:build !cgo

package cx

// Without cgo there is no machinery: the package type-checks (go vet for
// other targets) but every call panics. The library needs cgo.

import (
	"runtime/cgo"
	"unsafe"
)

const errNoCgo = "ctexec: the machinery (capi/cx) needs cgo"

var _ unsafe.Pointer
var _ cgo.Handle

func Lock(in unsafe.Pointer)                                               { panic(errNoCgo) }
func Unlock(in unsafe.Pointer)                                             { panic(errNoCgo) }
func Signal(in unsafe.Pointer)                                             { panic(errNoCgo) }
func RoomWait(in unsafe.Pointer, leftNs int64) int                         { panic(errNoCgo) }
func MakeRoom(in unsafe.Pointer)                                           { panic(errNoCgo) }
func Quit(in unsafe.Pointer)                                               { panic(errNoCgo) }
func QuitLocked(in unsafe.Pointer) int32                                   { panic(errNoCgo) }
func QuitWake(in unsafe.Pointer, w int32)                                  { panic(errNoCgo) }
func RunEndUnlock(in unsafe.Pointer)                                       { panic(errNoCgo) }
func HostAttachLocked(in unsafe.Pointer, held uint64) bool                 { panic(errNoCgo) }
func HostIdleLocked(in unsafe.Pointer, held uint64, force bool) bool       { panic(errNoCgo) }
func Now() int64                                                           { panic(errNoCgo) }
func ChunkPut(c unsafe.Pointer)                                            { panic(errNoCgo) }
func SlotAlloc() (slot, in unsafe.Pointer)                                 { panic(errNoCgo) }
func SlotRelease(slot unsafe.Pointer)                                      { panic(errNoCgo) }
func Push(in unsafe.Pointer, fn, arg uintptr, f unsafe.Pointer) PushResult { panic(errNoCgo) }
func RunBatch(runner uintptr, in unsafe.Pointer, lanes bool, batch unsafe.Pointer, n int, cnt unsafe.Pointer) (done int, ran bool, result uintptr, rc int32) {
	panic(errNoCgo)
}
func RunUrgent(runner uintptr, in, cnt unsafe.Pointer, max uint64) uint64    { panic(errNoCgo) }
func PushUrgent(in unsafe.Pointer, fn, arg uintptr) PushResult               { panic(errNoCgo) }
func GoItemFn() uintptr                                                      { panic(errNoCgo) }
func GoRunner(run func(arg uintptr) (result uintptr, code int32)) cgo.Handle { panic(errNoCgo) }
func Discard(entries unsafe.Pointer, n int)                                  { panic(errNoCgo) }
func MoveDue(in unsafe.Pointer)                                              { panic(errNoCgo) }
func HostWake(in unsafe.Pointer, notify bool)                                { panic(errNoCgo) }
func HostClear(in unsafe.Pointer)                                            { panic(errNoCgo) }
func RunWatch(in, f unsafe.Pointer) bool                                     { panic(errNoCgo) }
func RunStopLocked(in unsafe.Pointer)                                        { panic(errNoCgo) }
func RunUnwatch(in, f unsafe.Pointer)                                        { panic(errNoCgo) }
func Settle(f unsafe.Pointer)                                                { panic(errNoCgo) }
func SettleQuit(in unsafe.Pointer)                                           { panic(errNoCgo) }
func FutAlloc(bits uint32) unsafe.Pointer                                    { panic(errNoCgo) }
func FutRelease(f unsafe.Pointer)                                            { panic(errNoCgo) }
func FutComplete(f unsafe.Pointer, gen uint32, kind int, result uintptr, code int32) int32 {
	panic(errNoCgo)
}
func FutStart(f unsafe.Pointer) bool                                              { panic(errNoCgo) }
func FutFree(f unsafe.Pointer, gen uint32) int32                                  { panic(errNoCgo) }
func FutWait(f unsafe.Pointer, gen uint32, timeoutNs int64) (uintptr, int32)      { panic(errNoCgo) }
func FutAddDone(f unsafe.Pointer, gen uint32, cb func()) int32                    { panic(errNoCgo) }
func TakenNext(c unsafe.Pointer) unsafe.Pointer                                   { panic(errNoCgo) }
func OwnerArmUnlock(in unsafe.Pointer)                                            { panic(errNoCgo) }
func TakeAllLocked(in unsafe.Pointer) Taken                                       { panic(errNoCgo) }
func OwnerNext(in unsafe.Pointer, deadline int64) (int, Taken)                    { panic(errNoCgo) }
func Take(in unsafe.Pointer) (Taken, bool)                                        { panic(errNoCgo) }
func IngressInit(in unsafe.Pointer, owner, max uint64, flags uint32, chunks bool) { panic(errNoCgo) }
func PoolPut(in, c unsafe.Pointer)                                                { panic(errNoCgo) }
func PoolDrain(in unsafe.Pointer)                                                 { panic(errNoCgo) }
func RunIdle(in unsafe.Pointer, leftNs int64, fast bool, runner uintptr) bool     { panic(errNoCgo) }
