package cx

// The Go exports that capi/cx/gocalls.c calls (a file with exports may
// hold only declarations in its preamble).

/*
#include <stdint.h>
*/
import "C"

import "runtime/cgo"

//export cxgo_done
func cxgo_done(ud C.uintptr_t) {
	h := cgo.Handle(ud)
	cb := h.Value().(func())
	h.Delete()
	cb()
}

//export cxgo_item
func cxgo_item(runner C.uintptr_t, arg C.uintptr_t, result *C.uintptr_t) C.int {
	run := cgo.Handle(runner).Value().(func(uintptr) (uintptr, int32))
	r, rc := run(uintptr(arg))
	*result = C.uintptr_t(r)
	return C.int(rc)
}
