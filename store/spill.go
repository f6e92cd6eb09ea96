package store

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
)

// A Spill holds the posts of a backlog sorted into runs (the aggregator
// makes one a pass of a catch-up in passes), each post as the log stores
// it, in a temporary file beside the store: a pass then reads its posts in
// one sequential walk of its run instead of seeking through the whole log
// for each. At ten million posts a pass's posts lie on almost every page of
// the log, so the seeks cost more per post the larger the backlog; a run
// costs the same per post at any size.
//
// The file is removed as soon as it is made (it stays until it is closed,
// on systems that allow that), so a crash leaves nothing behind; it holds
// only copies of the log's values, so losing it loses nothing: the next
// catch-up spills again. It takes about as much disk as the backlog's
// posts take in the log.
//
// Writers (one a goroutine) fill runs; once every writer has flushed, Seal
// orders each run, and then any number of transactions read runs at once.
type Spill struct {
	f      *os.File
	name   string // removed by Close when it could not be removed at once
	chunk  int    // the size a writer fills a run's buffer to
	size   atomic.Int64
	mu     sync.Mutex
	runs   [][]spillChunk // by run
	sealed bool
}

// spillChunk is a piece of a run in the file, written by the writer of that
// order, the nth it wrote of the run.
type spillChunk struct {
	order, n int
	off      int64
	len      int
}

// NewSpill makes an empty spill of runs runs in the store's directory.
func (db *DB) NewSpill(runs int) (*Spill, error) {
	f, err := os.CreateTemp(filepath.Dir(db.path), "."+filepath.Base(db.path)+".spill-*")
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	s := &Spill{f: f, runs: make([][]spillChunk, runs)}
	if err := os.Remove(f.Name()); err != nil {
		s.name = f.Name()
	}
	// a writer's buffers together: about 16 MB, 64 KB to 1 MB a run
	s.chunk = min(1<<20, max(64<<10, 16<<20/max(1, runs)))
	return s, nil
}

// Close closes the spill and frees its disk space.
func (s *Spill) Close() error {
	err := s.f.Close()
	if s.name != "" {
		if e := os.Remove(s.name); e != nil && !errors.Is(e, os.ErrNotExist) && err == nil {
			err = e
		}
	}
	return err
}

// Bytes is the size of the spill's file.
func (s *Spill) Bytes() int64 { return s.size.Load() }

// A SpillWriter fills the runs of a spill from one goroutine.
type SpillWriter struct {
	s     *Spill
	order int
	bufs  [][]byte
	n     []int // chunks written, by run
}

// Writer returns a writer of the spill. Each run's posts are read in the
// order of the writers' order, then in the order each writer added them.
func (s *Spill) Writer(order int) *SpillWriter {
	return &SpillWriter{s: s, order: order, bufs: make([][]byte, len(s.runs)), n: make([]int, len(s.runs))}
}

// add adds to a run a post as the log stores it, with its sequence number
// and author bucket.
func (w *SpillWriter) add(run int, seq uint64, bucket int, v []byte) error {
	b := w.bufs[run]
	if b == nil {
		b = make([]byte, 0, w.s.chunk)
	}
	b = binary.BigEndian.AppendUint64(b, seq)
	b = append(b, byte(bucket))
	b = binary.AppendUvarint(b, uint64(len(v)))
	b = append(b, v...)
	w.bufs[run] = b
	if len(b) >= w.s.chunk {
		return w.flushRun(run)
	}
	return nil
}

func (w *SpillWriter) flushRun(run int) error {
	b := w.bufs[run]
	if len(b) == 0 {
		return nil
	}
	s := w.s
	off := s.size.Add(int64(len(b))) - int64(len(b))
	if _, err := s.f.WriteAt(b, off); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	s.mu.Lock()
	s.runs[run] = append(s.runs[run], spillChunk{order: w.order, n: w.n[run], off: off, len: len(b)})
	s.mu.Unlock()
	w.n[run]++
	w.bufs[run] = b[:0]
	return nil
}

// Flush writes what the writer holds; the writer is done with.
func (w *SpillWriter) Flush() error {
	for run := range w.bufs {
		if err := w.flushRun(run); err != nil {
			return err
		}
	}
	w.bufs = nil
	return nil
}

// Seal orders each run's chunks, once every writer has flushed.
func (s *Spill) Seal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.runs {
		slices.SortFunc(r, func(x, y spillChunk) int { return cmp.Or(cmp.Compare(x.order, y.order), cmp.Compare(x.n, y.n)) })
	}
	s.sealed = true
}

// Release forgets a run, which is read no more.
func (s *Spill) Release(run int) {
	s.mu.Lock()
	s.runs[run] = nil
	s.mu.Unlock()
}

// SpillPosts adds to w each post with after < seq <= upto whose author's
// bucket run maps to a run (run returns -1 for none), in log order, as the
// log stores it (it decodes no more of a post than its author).
func (t *RollupTx) SpillPosts(w *SpillWriter, after, upto uint64, run func(bucket int) int) error {
	c := t.tx.Bucket(bucketPosts).Cursor()
	for k, v := c.Seek(be64(after + 1)); k != nil; k, v = c.Next() {
		seq := binary.BigEndian.Uint64(k)
		if seq > upto {
			break
		}
		var bucket int
		if platform, id, ok := postAuthor(v); ok {
			bucket = authorBucketOf(platform, id)
		} else {
			var p Post
			if err := decodeStored(t.tx, v, &p); err != nil {
				return fmt.Errorf("post %d: %w", seq, err)
			}
			bucket = AuthorBucket(p.Author.Key(p.Platform))
		}
		if r := run(bucket); r >= 0 {
			if err := w.add(r, seq, bucket, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// SpilledPosts calls fn for each post of a sealed spill's run whose author
// bucket want wants, in the run's order (log order when the writers'
// orders follow the log), decoding the posts as t's store does: t is a
// transaction of the store the spill was made from. The posts are decoded
// into one Post: fn's p is valid until fn returns (its strings stay).
func (t *RollupTx) SpilledPosts(s *Spill, run int, want func(bucket int) bool, fn func(seq uint64, p *Post) error) error {
	s.mu.Lock()
	if !s.sealed {
		s.mu.Unlock()
		return errors.New("spill: read before it is sealed")
	}
	chunks := s.runs[run]
	s.mu.Unlock()
	var buf []byte
	var dec postDecoder
	for _, ch := range chunks {
		if cap(buf) < ch.len {
			buf = make([]byte, ch.len)
		}
		b := buf[:ch.len]
		if _, err := s.f.ReadAt(b, ch.off); err != nil {
			return fmt.Errorf("spill: %w", err)
		}
		for len(b) > 0 {
			if len(b) < 10 {
				return errors.New("spill: short record")
			}
			seq, bucket := binary.BigEndian.Uint64(b), int(b[8])
			n, m := binary.Uvarint(b[9:])
			if m <= 0 || uint64(len(b)-9-m) < n {
				return errors.New("spill: short record")
			}
			v := b[9+m : 9+m+int(n)]
			b = b[9+m+int(n):]
			if !want(bucket) {
				continue
			}
			p, err := dec.decode(t.tx, v)
			if err != nil {
				return fmt.Errorf("post %d: %w", seq, err)
			}
			if err := fn(seq, p); err != nil {
				return err
			}
		}
	}
	return nil
}
