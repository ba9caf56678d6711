//go:build !cgo

package cx

func SharedC() (names []string, values []int64) { panic(errNoCgo) }
