package collector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// Format is one archive format the importer understands. Records are JSON
// values: the lines of a JSONL file, the elements of a top-level array, or a
// whole single-object file.
type Format struct {
	Name string
	// Detect reports whether a record (the first of the file) is of this format.
	Detect func(rec []byte) bool
	// Parse turns one record into posts; a record may hold several (a v2
	// page, a search response). Items inside it that cannot be parsed are
	// returned in bad, and the rest still count.
	Parse func(rec []byte, now time.Time) (posts []store.Post, bad []error)
}

// formats are tried in order on a file's first record.
var formats = []*Format{&FormatMastodon, &FormatBluesky, &FormatJetstream, &FormatTwitterV1, &FormatTwarc2}

// Formats returns the names of the archive formats, in detection order.
func Formats() []string {
	var names []string
	for _, f := range formats {
		if f.Detect != nil {
			names = append(names, f.Name)
		}
	}
	return names
}

// FormatTwitterV1 is one v1.1 status per record (twarc1, the v1.1 API, most
// tweet archives), or a v1.1 search response with "statuses".
var FormatTwitterV1 = Format{
	Name: "twitter-v1.1",
	Detect: func(rec []byte) bool {
		var probe struct {
			IDStr     string          `json:"id_str"`
			CreatedAt string          `json:"created_at"`
			User      json.RawMessage `json:"user"`
			Statuses  json.RawMessage `json:"statuses"`
		}
		if json.Unmarshal(rec, &probe) != nil {
			return false
		}
		if probe.Statuses != nil {
			return true
		}
		_, err := time.Parse(time.RubyDate, probe.CreatedAt)
		return probe.IDStr != "" && probe.User != nil && err == nil
	},
	Parse: func(rec []byte, now time.Time) ([]store.Post, []error) {
		var env struct {
			Statuses []json.RawMessage `json:"statuses"`
		}
		if bytes.Contains(rec, []byte(`"statuses"`)) && json.Unmarshal(rec, &env) == nil && env.Statuses != nil {
			var posts []store.Post
			var bad []error
			for i, s := range env.Statuses {
				p, err := ParseTweetV1(s, store.SourceImport, now)
				if err != nil {
					bad = append(bad, fmt.Errorf("statuses[%d]: %w", i, err))
					continue
				}
				posts = append(posts, p)
			}
			return posts, bad
		}
		p, err := ParseTweetV1(rec, store.SourceImport, now)
		if err != nil {
			return nil, []error{err}
		}
		return []store.Post{p}, nil
	},
}

// ImportResult is what importing one file did.
type ImportResult struct {
	File    string
	Format  string
	Records int // JSON records read
	IngestResult
}

// ImportOptions tune Import.
type ImportOptions struct {
	Now       func() time.Time     // collection time to record; time.Now when nil
	BatchSize int                  // records per store transaction (default 2000)
	Malformed func(m Malformed)    // called for each malformed record, in file order
	Progress  func(r ImportResult) // called after each batch
}

type record struct {
	line int
	data []byte
}

// Import reads an archive file, detects its format from the first record, and
// ingests the posts that match a campaign in batches, one transaction each.
// Malformed records are reported (file:line) through opts.Malformed, counted
// and skipped; everything else lands. Importing the same file again adds
// nothing: posts are deduplicated by platform and ID.
func Import(ctx context.Context, db *store.DB, m *Matcher, path string, opts ImportOptions) (ImportResult, error) {
	res := ImportResult{File: path}
	f, err := os.Open(path)
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	batchSize := opts.BatchSize
	if batchSize <= 0 {
		batchSize = 2000
	}
	var mu sync.Mutex // the reader and the ingest loop both report
	malformed := func(line int, err error) {
		mu.Lock()
		defer mu.Unlock()
		res.Malformed++
		if opts.Malformed != nil {
			opts.Malformed(Malformed{Where: fmt.Sprintf("%s:%d", path, line), Err: err})
		}
	}

	recs := make(chan []record, 4)
	readErr := make(chan error, 1)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { readErr <- readRecords(rctx, f, batchSize, recs, malformed) }()

	// Three stages, so that both cores stay busy while the store is
	// written: reading records, parsing them (on every core), and ingesting
	// in file order.
	type parsedBatch struct {
		recs   []record
		parsed []parsed
		format *Format
		err    error
	}
	stage := make(chan parsedBatch, 8)
	go func() {
		defer close(stage)
		var format *Format
		for batch := range recs {
			if format == nil {
				f, err := detectFormat(batch)
				if err != nil {
					stage <- parsedBatch{err: err}
					cancel()
					for range recs {
					}
					return
				}
				format = f
			}
			select {
			case stage <- parsedBatch{recs: batch, parsed: parseBatch(format, batch, now()), format: format}:
			case <-rctx.Done():
				for range recs {
				}
				return
			}
		}
	}()
	var posts []store.Post
	var failure error
	for pb := range stage {
		if failure != nil {
			continue // drain
		}
		if pb.err != nil {
			failure = pb.err
			continue
		}
		mu.Lock()
		res.Format = pb.format.Name
		res.Records += len(pb.recs)
		mu.Unlock()
		posts = posts[:0]
		for i, pr := range pb.parsed {
			for _, e := range pr.bad {
				malformed(pb.recs[i].line, e)
			}
			posts = append(posts, pr.posts...)
		}
		ir, err := Ingest(db, m, "", Page{Posts: posts})
		if err != nil {
			failure = err
			cancel()
			continue
		}
		mu.Lock()
		res.Fetched += ir.Fetched
		res.Matched += ir.Matched
		res.Added += ir.Added
		res.Duplicates += ir.Duplicates
		snapshot := res
		mu.Unlock()
		if opts.Progress != nil {
			opts.Progress(snapshot)
		}
	}
	if failure != nil {
		<-readErr
		return res, fmt.Errorf("import %s: %w", path, failure)
	}
	if err := <-readErr; err != nil {
		return res, fmt.Errorf("import %s: %w", path, err)
	}
	if res.Records == 0 && res.Malformed == 0 {
		return res, fmt.Errorf("import %s: no records", path)
	}
	return res, nil
}

// detectFormat judges a file by its first record.
func detectFormat(batch []record) (*Format, error) {
	if len(batch) > 0 {
		for _, f := range formats {
			if f.Detect != nil && f.Detect(batch[0].data) {
				return f, nil
			}
		}
	}
	return nil, fmt.Errorf("unknown archive format (known: %v)", Formats())
}

type parsed struct {
	posts []store.Post
	bad   []error
}

// parseBatch parses records on every core, keeping file order.
func parseBatch(f *Format, batch []record, now time.Time) []parsed {
	out := make([]parsed, len(batch))
	workers := runtime.GOMAXPROCS(0)
	if workers > len(batch) {
		workers = len(batch)
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(batch); i += workers {
				p, bad := f.Parse(batch[i].data, now)
				out[i] = parsed{p, bad}
			}
		}(w)
	}
	wg.Wait()
	return out
}

// readRecords splits a file into JSON records, sending them in batches. A
// file that starts with '[' is one array; otherwise each line is a record,
// unless the first line is not a whole JSON value, in which case the file is
// read as a stream of (pretty-printed) JSON values.
func readRecords(ctx context.Context, r io.Reader, batchSize int, out chan<- []record, malformed func(int, error)) error {
	defer close(out)
	br := bufio.NewReaderSize(r, 1<<20)
	head, _ := br.Peek(4096)
	first := firstNonSpace(head)
	send := func(b []record) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if first == '[' || (first == '{' && !firstLineIsValue(br)) {
		return readJSONValues(br, first == '[', batchSize, send, malformed)
	}
	batch := make([]record, 0, batchSize)
	line := 0
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			b = bytes.TrimSpace(b)
			if len(b) > 0 {
				// Parsing reports invalid JSON; only the first record,
				// which decides the format, is checked here.
				if line <= 1 && !json.Valid(b) {
					malformed(line, errors.New("not valid JSON"))
				} else {
					batch = append(batch, record{line: line, data: b})
				}
			}
			if len(batch) == batchSize {
				if !send(batch) {
					return ctx.Err()
				}
				batch = make([]record, 0, batchSize)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if len(batch) > 0 && !send(batch) {
		return ctx.Err()
	}
	return nil
}

func firstNonSpace(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n\ufeff")
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

func firstLineIsValue(br *bufio.Reader) bool {
	head, _ := br.Peek(br.Size())
	head = bytes.TrimLeft(head, " \t\r\n")
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	return json.Valid(bytes.TrimSpace(head))
}

// readJSONValues reads a top-level array's elements (array) or a stream of
// JSON values, as records numbered by the line they start on.
func readJSONValues(br *bufio.Reader, array bool, batchSize int, send func([]record) bool, malformed func(int, error)) error {
	lc := &lineCounter{r: br}
	dec := json.NewDecoder(lc)
	if array {
		if _, err := dec.Token(); err != nil {
			malformed(1, fmt.Errorf("not a JSON array: %w", err))
			return nil
		}
	}
	batch := make([]record, 0, batchSize)
	for array && dec.More() || !array {
		var raw json.RawMessage
		start := lc.lineAt(dec.InputOffset())
		err := dec.Decode(&raw)
		if err == io.EOF && !array {
			break
		}
		if err != nil {
			// A syntax error leaves no way to find the next record.
			malformed(start, fmt.Errorf("JSON ends or breaks here, rest of file skipped: %w", err))
			break
		}
		batch = append(batch, record{line: lc.lineAt(dec.InputOffset() - int64(len(raw))), data: raw})
		if len(batch) == batchSize {
			if !send(batch) {
				return context.Canceled
			}
			batch = make([]record, 0, batchSize)
		}
	}
	if len(batch) > 0 && !send(batch) {
		return context.Canceled
	}
	return nil
}

// lineCounter remembers where lines start so a decoder offset maps to a line.
type lineCounter struct {
	r      io.Reader
	off    int64
	starts []int64 // offsets of the first byte of lines 2, 3, …
}

func (l *lineCounter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			l.starts = append(l.starts, l.off+int64(i)+1)
		}
	}
	l.off += int64(n)
	return n, err
}

func (l *lineCounter) lineAt(off int64) int {
	// first line whose start is > off, by binary search
	lo, hi := 0, len(l.starts)
	for lo < hi {
		mid := (lo + hi) / 2
		if l.starts[mid] <= off {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo + 1
}
