package executor

import "strconv"

// Status is an outcome code. Zero is success, negative values are the
// library's own codes, positive values are host error codes carried through
// untouched. include/ctexec.h defines the codes; TestStatusMatchesHeader
// holds these values and names to it. Values never change; new codes are
// only added.
type Status int

const (
	OK           Status = 0
	EINVAL       Status = -1
	EBADHANDLE   Status = -2
	EWRONGTHREAD Status = -3
	ESAMETHREAD  Status = -4
	EQUIT        Status = -5
	EBUSY        Status = -6
	ECANCELLED   Status = -7
	ETIMEDOUT    Status = -8
	ESTATE       Status = -9
	EFORK        Status = -10
	EPANIC       Status = -11
	ENOMEM       Status = -12
	EDEADLK      Status = -13
	EAGAIN       Status = -14
)

var statusNames = map[Status]string{
	OK: "OK", EINVAL: "EINVAL", EBADHANDLE: "EBADHANDLE", EWRONGTHREAD: "EWRONGTHREAD",
	ESAMETHREAD: "ESAMETHREAD", EQUIT: "EQUIT", EBUSY: "EBUSY", ECANCELLED: "ECANCELLED",
	ETIMEDOUT: "ETIMEDOUT", ESTATE: "ESTATE", EFORK: "EFORK", EPANIC: "EPANIC", ENOMEM: "ENOMEM",
	EDEADLK: "EDEADLK", EAGAIN: "EAGAIN",
}

func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	if s > 0 {
		return "host error " + strconv.Itoa(int(s))
	}
	return "status " + strconv.Itoa(int(s))
}
