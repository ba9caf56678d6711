package cx

/*
#include "shim.h"
static const char *cx_shared_name(int i) {
    static const char *const names[CX_SHARED_COUNT] = CX_SHARED_NAMES;
    return names[i];
}
*/
import "C"

import "unsafe"

// SharedC returns CX_SHARED_VALUES (shared.h) as compiled into the
// machinery: the array cx_shared_values that capi compares with
// executor.SharedValues at load, with the C expression of each value.
func SharedC() (names []string, values []int64) {
	n := int(C.CX_SHARED_COUNT)
	vals := unsafe.Slice((*int64)(unsafe.Pointer(&C.cx_shared_values[0])), n)
	for i := range n {
		names = append(names, C.GoString(C.cx_shared_name(C.int(i))))
		values = append(values, vals[i])
	}
	return names, values
}
