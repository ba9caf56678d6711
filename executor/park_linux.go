//go:build linux && !ctexec_parkinglot

package executor

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Linux: raw futex syscalls and anonymous mmap. Under the C API these are
// replaced by capi's (platform.go); they serve pure-Go users.

const (
	futexWaitOp = 0 | 128 // FUTEX_WAIT | FUTEX_PRIVATE_FLAG
	futexWakeOp = 1 | 128 // FUTEX_WAKE | FUTEX_PRIVATE_FLAG
)

var osPlatform = Platform{
	Sleep: func(addr *atomic.Uint32, val uint32, ns int64) {
		var tsp unsafe.Pointer
		var ts syscall.Timespec
		if ns >= 0 {
			ts = syscall.NsecToTimespec(ns)
			tsp = unsafe.Pointer(&ts)
		}
		syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWaitOp,
			uintptr(val), uintptr(tsp), 0, 0)
	},
	Wake: func(addr *atomic.Uint32, all bool) {
		n := uintptr(1)
		if all {
			n = 1<<31 - 1
		}
		syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWakeOp, n, 0, 0, 0)
	},
	AllocChunk: func(size uintptr) unsafe.Pointer {
		mem, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE,
			syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			return nil
		}
		return unsafe.Pointer(&mem[0])
	},
	FreeChunk: func(p unsafe.Pointer, size uintptr) {
		syscall.Munmap(unsafe.Slice((*byte)(p), size))
	},
}
