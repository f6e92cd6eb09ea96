package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
)

// ErrTruncated is returned by Open when the file is shorter than its own
// meta page says it is (a copy cut short, a disk that filled during a copy):
// mapping it would crash the process with SIGBUS on the first read past the
// end. Restore the file from a backup.
var ErrTruncated = errors.New("store is truncated")

// bbolt's on-disk meta page, as written by go.etcd.io/bbolt v1.4
// (internal/common/meta.go and page.go): a 16-byte page header, then magic,
// version, page size, flags (uint32 each), the root bucket (root pgid,
// sequence), the freelist pgid, the high-water mark pgid, the txid and an
// FNV-64a checksum of the fields before it, all in the machine's byte order.
const (
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	metaOffset      = 16
	metaSize        = 64
	metaSumOffset   = 56 // within the meta: bytes before the checksum
	metaPgidOffset  = 40
	metaTxidOffset  = 48
	metaPsizeOffset = 8
)

type metaPage struct {
	pageSize uint32
	pgid     uint64 // high-water mark: pages 0..pgid-1 are in use
	txid     uint64
}

// readMeta decodes one meta page's fields from buf (the page from its
// start); ok is false when the page is not a valid meta page.
func readMeta(buf []byte) (m metaPage, ok bool) {
	if len(buf) < metaOffset+metaSize {
		return m, false
	}
	b := buf[metaOffset : metaOffset+metaSize]
	ne := binary.NativeEndian
	if ne.Uint32(b[0:]) != boltMagic || ne.Uint32(b[4:]) != boltVersion {
		return m, false
	}
	h := fnv.New64a()
	h.Write(b[:metaSumOffset])
	if h.Sum64() != ne.Uint64(b[metaSumOffset:]) {
		return m, false
	}
	return metaPage{pageSize: ne.Uint32(b[metaPsizeOffset:]), pgid: ne.Uint64(b[metaPgidOffset:]), txid: ne.Uint64(b[metaTxidOffset:])}, true
}

// checkNotTruncated reads the file's two meta pages (the newest valid one is
// the one bbolt will use) and fails with ErrTruncated when the file holds
// fewer bytes than the meta page's high-water mark says are in use. A file
// that does not exist or is empty is left to bbolt (it creates one); a file
// with no valid meta page is too (bbolt says it is invalid).
func checkNotTruncated(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return nil // bbolt reports why it cannot open the file
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return nil
	}
	size := st.Size()
	buf := make([]byte, metaOffset+metaSize)
	var metas []metaPage
	if n, _ := f.ReadAt(buf, 0); n == len(buf) {
		if m, ok := readMeta(buf); ok {
			metas = append(metas, m)
		}
	}
	// The second meta page is one page in; its size is in the first, or,
	// when that one is damaged, the usual page sizes are tried.
	offsets := []int64{4096, 16384, 65536, int64(os.Getpagesize())}
	if len(metas) == 1 {
		offsets = []int64{int64(metas[0].pageSize)}
	}
	for _, off := range offsets {
		if n, err := f.ReadAt(buf, off); n == len(buf) || (err == io.EOF && n == len(buf)) {
			if m, ok := readMeta(buf); ok && int64(m.pageSize) == off {
				metas = append(metas, m)
				break
			}
		}
	}
	if len(metas) == 0 {
		return nil
	}
	m := metas[0]
	for _, o := range metas[1:] {
		if o.txid > m.txid {
			m = o
		}
	}
	want := int64(m.pgid) * int64(m.pageSize)
	if size < want {
		return &TruncatedError{Path: path, Size: size, Want: want}
	}
	return nil
}

// TruncatedError says which file is truncated and by how much; it matches
// ErrTruncated with errors.Is.
type TruncatedError struct {
	Path       string
	Size, Want int64 // bytes in the file, bytes its meta page says are in use
}

func (e *TruncatedError) Error() string {
	return fmt.Sprintf("the store %s is truncated (%d of %d bytes): restore from a backup", e.Path, e.Size, e.Want)
}

// Is makes errors.Is(err, ErrTruncated) true.
func (e *TruncatedError) Is(target error) bool { return target == ErrTruncated }
