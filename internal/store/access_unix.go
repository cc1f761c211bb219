//go:build linux || darwin || freebsd || netbsd || openbsd

package store

import (
	"io/fs"
	"syscall"
)

// canWrite asks the kernel whether this user may write path: permission
// bits, ACLs and read-only mounts included; root may write anything.
func canWrite(path string) error {
	if err := syscall.Access(path, 0x2 /* W_OK */); err != nil {
		return &fs.PathError{Op: "access", Path: path, Err: err}
	}
	return nil
}
