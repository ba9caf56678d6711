package executor

import (
	"testing"

	"ctexec/capi/cx"
)

// TestSharedValuesMatchC compares Go's mirror of the shared memory
// (shared.go) with its definition, capi/cx/shared.h, as compiled into the
// machinery: every size, offset and constant, by name, in the order the
// library's load-time check compares them.
func TestSharedValuesMatchC(t *testing.T) {
	goList := sharedList()
	if got := SharedValues(); len(got) != len(goList) {
		t.Fatalf("SharedValues has %d values, sharedList %d", len(got), len(goList))
	}
	cNames, cValues := cx.SharedC()
	for i := 0; i < max(len(goList), len(cNames)); i++ {
		switch {
		case i >= len(cNames):
			t.Errorf("value %d, %s: in Go only (capi/cx/shared.h: CX_SHARED_LIST)", i, goList[i].name)
		case i >= len(goList):
			t.Errorf("value %d, %s: in C only (executor/shared.go: sharedList)", i, cNames[i])
		case goList[i].name != cNames[i]:
			t.Errorf("value %d is %s in Go but %s in C: the lists differ in order or content", i, goList[i].name, cNames[i])
		case goList[i].value != cValues[i]:
			t.Errorf("%s: Go has %d, C has %d", cNames[i], goList[i].value, cValues[i])
		}
	}
}
