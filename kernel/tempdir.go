package kernel

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// tempPrefix starts the names of the temporary directories of the runner:
// the kernels' private directories and nbrun's result caches.
const tempPrefix = "stochgrad-"

// lockName is the file in each temporary directory that its owner holds
// locked while it lives. The kernel frees the lock of a dead process, so a
// directory whose lock can be taken outlived its owner.
const lockName = ".owner.lock"

// TempDir makes a new directory in os.TempDir() named stochgrad-KIND-*,
// held locked by this process until release removes it. A run killed before
// release leaves it for RemoveStaleTempDirs.
func TempDir(kind string) (dir string, release func(), err error) {
	dir, err = os.MkdirTemp("", tempPrefix+kind+"-")
	if err != nil {
		return "", nil, fmt.Errorf("kernel: %w", err)
	}
	// The lock file gets its name only once locked, so that
	// RemoveStaleTempDirs never takes a new directory for a stale one.
	lock, err := os.OpenFile(filepath.Join(dir, lockName+".new"), os.O_CREATE|os.O_RDWR, 0o600)
	if err == nil {
		err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err == nil {
		err = os.Rename(lock.Name(), filepath.Join(dir, lockName))
	}
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("kernel: lock %s: %w", dir, err)
	}
	return dir, func() {
		os.RemoveAll(dir)
		lock.Close()
	}, nil
}

// RemoveStaleTempDirs removes the directories TempDir made for processes
// that have died without removing them (killed with SIGKILL, say), with
// everything in them: a kernel's connection file, log and temporary
// directory, where GoNB builds cells. Directories of live runs are kept.
func RemoveStaleTempDirs() error {
	tmp := os.TempDir()
	des, err := os.ReadDir(tmp)
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	var errs []error
	for _, de := range des {
		if !de.IsDir() || !strings.HasPrefix(de.Name(), tempPrefix) {
			continue
		}
		dir := filepath.Join(tmp, de.Name())
		lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR, 0)
		if err != nil {
			continue // not made by TempDir, or not yet locked
		}
		if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			if err := os.RemoveAll(dir); err != nil {
				errs = append(errs, err)
			}
		}
		lock.Close()
	}
	return errors.Join(errs...)
}
