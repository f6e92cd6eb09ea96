package store

import (
	"errors"
	"fmt"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged is matched (errors.Is) by the error Check returns when a page of
// the file cannot be read: bbolt asserts a page's identity and panics when it
// does not hold, and a page pointing past the mapped file faults.
var ErrDamaged = errors.New("store file is damaged")

// DamagedError names the bucket whose pages could not be read.
type DamagedError struct {
	Bucket string // top-level bucket, with nested bucket names after "/"
	Cause  string // what bbolt or the runtime said
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("bucket %q: its pages cannot be read (%s)", e.Bucket, e.Cause)
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// readAll reads every key and value of every bucket in tx, in this
// goroutine, turning bbolt's assertion panics and memory faults on damaged
// pages into a DamagedError naming the bucket. bbolt's own tx.Check runs in
// a goroutine of its own, where such a panic cannot be recovered and ends
// the process; after this walk it only meets pages already read.
func readAll(tx *bolt.Tx) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &DamagedError{Bucket: "(the list of buckets)", Cause: fmt.Sprint(r)}
		}
	}()
	c := tx.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		name := append([]byte(nil), k...)
		if err := readBucket(string(name), func() *bolt.Bucket { return tx.Bucket(name) }); err != nil {
			return err
		}
	}
	return nil
}

func readBucket(name string, open func() *bolt.Bucket) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &DamagedError{Bucket: name, Cause: fmt.Sprint(r)}
		}
	}()
	b := open()
	if b == nil {
		return nil
	}
	var sink byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			child := append([]byte(nil), k...)
			if err := readBucket(name+"/"+string(child), func() *bolt.Bucket { return b.Bucket(child) }); err != nil {
				return err
			}
			continue
		}
		// Touch the value's last byte: a length running past the mapped
		// file faults here, not later in a reader.
		if len(v) > 0 {
			sink ^= v[len(v)-1]
		}
	}
	_ = sink
	return nil
}
