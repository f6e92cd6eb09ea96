package archive

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// chunkSize is the size of the chunks readLines reads a file in. A line
// longer than a chunk gets a chunk of its own, as large as it needs.
const chunkSize = 1 << 20

// A chunk is a piece of the file that readLines splits into records in
// place: its records' data point into buf, so that no line is copied. A
// batch does not own a chunk alone (a chunk's lines can fall in two
// batches): refs counts the records still in use, and one more while the
// reader fills it; the last release returns it to chunkPool.
type chunk struct {
	buf  []byte
	refs atomic.Int64
}

var chunkPool = sync.Pool{New: func() any { return &chunk{buf: make([]byte, chunkSize)} }}

func newChunk(size int) *chunk {
	var c *chunk
	if size <= chunkSize {
		c = chunkPool.Get().(*chunk)
	} else {
		c = &chunk{buf: make([]byte, size)}
	}
	c.refs.Store(1) // the reader's
	return c
}

func (c *chunk) release(n int64) {
	if c.refs.Add(-n) == 0 && len(c.buf) == chunkSize {
		chunkPool.Put(c)
	}
}

// releaseRecords gives back the chunks of a batch's records once nothing
// reads their data any more (the posts parsed from them are strings of
// their own). Records not read in chunks are left to the garbage
// collector.
func releaseRecords(batch []record) { chunkRuns(batch, (*chunk).release) }

func chunkRuns(batch []record, f func(*chunk, int64)) {
	var c *chunk
	var n int64
	for i := range batch {
		if batch[i].chunk != c {
			if c != nil {
				f(c, n)
			}
			c, n = batch[i].chunk, 0
		}
		n++
	}
	if c != nil {
		f(c, n)
	}
}

// readLines reads a file of one JSON record per line, sending the records
// in batches. It reads the file in chunks and splits them into lines in
// place, numbering the lines as it goes. br is r with some of it read
// ahead; once its buffer is empty readLines reads r itself, into the chunk
// rather than through br's buffer.
func readLines(ctx context.Context, br *bufio.Reader, r io.Reader, batchSize int, send func([]record) bool, malformed func(int, error)) error {
	batch := make([]record, 0, batchSize)
	lim := batchLimit{size: batchSize}
	sendBatch := func() bool {
		if !send(batch) {
			releaseRecords(batch)
			return false
		}
		batch = make([]record, 0, batchSize)
		return true
	}
	line, size, blank := 0, 0, true
	// take handles one line (without its '\n'); it reports whether the
	// batch is to be sent.
	take := func(b []byte, c *chunk) bool {
		line++
		b = bytes.TrimSpace(b)
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a byte-order mark
		}
		if len(b) > 0 {
			blank = false
			// Parsing reports invalid JSON; only the first record,
			// which decides the format, is checked here.
			if line <= 1 && !json.Valid(b) {
				malformed(line, errors.New("not valid JSON"))
			} else {
				c.refs.Add(1)
				batch = append(batch, record{line: line, data: b, chunk: c})
			}
		}
		return lim.full(batch)
	}
	c := newChunk(chunkSize)
	defer func() { c.release(1) }()
	start, end := 0, 0 // c.buf[start:end] is read and not yet split
	for {
		if end == len(c.buf) {
			// The chunk is full: carry its partial line over to a new
			// one, larger when that line is over half of one.
			n := chunkSize
			for n < 2*(end-start) {
				n *= 2
			}
			next := newChunk(n)
			end = copy(next.buf, c.buf[start:end])
			start = 0
			c.release(1)
			c = next
		}
		var n int
		var err error
		if br.Buffered() > 0 {
			n, err = br.Read(c.buf[end:])
		} else {
			n, err = r.Read(c.buf[end:])
		}
		size += n
		for i := end; ; {
			j := bytes.IndexByte(c.buf[i:end+n], '\n')
			if j < 0 {
				break
			}
			full := take(c.buf[start:i+j+1], c)
			i += j + 1
			start = i
			if full && !sendBatch() {
				return ctx.Err()
			}
		}
		end += n
		if err == io.EOF {
			break
		}
		if err != nil {
			// The file breaks inside line+1 (a damaged or cut-short gzip
			// stream, a read error): the lines before it stand.
			if len(batch) > 0 && !sendBatch() {
				return ctx.Err()
			}
			if line == 0 {
				return fmt.Errorf("line 1: %w", err)
			}
			return fmt.Errorf("line %d: %w; the lines before it were imported", line+1, err)
		}
	}
	if start < end && take(c.buf[start:end], c) && !sendBatch() {
		return ctx.Err()
	}
	if len(batch) > 0 && !sendBatch() {
		return ctx.Err()
	}
	switch {
	case size == 0:
		return fmt.Errorf("%w (0 bytes): nothing to import; if it should hold posts, export or download it again", ErrEmpty)
	case blank:
		return fmt.Errorf("%w (only blank lines): nothing to import; if it should hold posts, export or download it again", ErrEmpty)
	}
	return nil
}
