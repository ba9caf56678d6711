// Package cx is libctexec's C machinery: every transition on memory that
// Go and C share (the ingress lock, push, the future slots and their waits,
// the urgent lane, timers, the host descriptor, deadlock detection), the
// platform layer under them, and the C entry points of include/ctexec.h.
// Its protocol is written beside the code, in shim.h and each file's
// opening comment; docs/internals.md maps each behaviour to its file.
//
// It is a cgo package of its own, apart from the library's main package
// (capi), so that Go code other than the shipped library can link the same
// machinery. The entry points reach the policy (package executor, through
// capi's Go exports) only through the table cx_go, which capi fills at load
// (capi/gohooks.c).
package cx

/*
#cgo CFLAGS: -I${SRCDIR}/../../include -DCTEXEC_BUILDING
#cgo !windows CFLAGS: -fvisibility=hidden
#cgo windows LDFLAGS: -lsynchronization
#include "shim.h"
*/
import "C"
