package executor

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// include/ctexec.h is the truth for status codes: each value is a
// #define CTEXEC_<name>, each text a row of CTEXEC_STATUS_TEXTS. This test
// holds the Status constants and their names to it.
func TestStatusMatchesHeader(t *testing.T) {
	header, err := os.ReadFile("../include/ctexec.h")
	if err != nil {
		t.Fatal(err)
	}
	defines := regexp.MustCompile(`(?m)^#define CTEXEC_(OK|E[A-Z]+)\s+\(?(-?\d+)\)?`).FindAllSubmatch(header, -1)
	rows := regexp.MustCompile(`X\((\w+), "`).FindAllSubmatch(header, -1)
	if len(defines) == 0 || len(rows) == 0 {
		t.Fatal("no status codes found in ctexec.h")
	}

	inHeader := map[Status]string{}
	for _, d := range defines {
		name := string(d[1])
		v, _ := strconv.Atoi(string(d[2]))
		s := Status(v)
		if prev, dup := inHeader[s]; dup {
			t.Errorf("ctexec.h: CTEXEC_%s and CTEXEC_%s are both %d", prev, name, v)
		}
		inHeader[s] = name
		if got, ok := statusNames[s]; !ok {
			t.Errorf("ctexec.h has CTEXEC_%s = %d; status.go has no Status %d", name, v, v)
		} else if got != name {
			t.Errorf("Status %d: status.go names it %s, ctexec.h CTEXEC_%s", v, got, name)
		}
		if s.String() != name {
			t.Errorf("Status(%d).String() = %q, want %q", v, s.String(), name)
		}
	}
	for s, name := range statusNames {
		if _, ok := inHeader[s]; !ok {
			t.Errorf("status.go has %s = %d; ctexec.h does not", name, int(s))
		}
	}

	// One text row per code, in the order of the #defines.
	if len(rows) != len(defines) {
		t.Errorf("ctexec.h: %d status codes but %d CTEXEC_STATUS_TEXTS rows", len(defines), len(rows))
	}
	for i := 0; i < len(rows) && i < len(defines); i++ {
		if string(rows[i][1]) != string(defines[i][1]) {
			t.Errorf("ctexec.h: CTEXEC_STATUS_TEXTS row %d is %s, the #define is CTEXEC_%s", i, rows[i][1], defines[i][1])
		}
	}
}
