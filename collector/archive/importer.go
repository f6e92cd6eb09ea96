package archive

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/collector/mastodon"
	"github.com/tagpulse/tagpulse/collector/telegram"
	"github.com/tagpulse/tagpulse/collector/x"
	"github.com/tagpulse/tagpulse/store"
)

// formats are tried in order on a file's first record.
var formats = []*collector.Format{&formatZeeschuimer, &format4CAT, &mastodon.Format, &mastodon.FormatOutbox, &bluesky.Format, &bluesky.FormatRecords, &bluesky.FormatCAR, &bluesky.FormatJetstream, &x.FormatTwitterV1, &x.FormatXArchive, &x.FormatTwarcCSV, &x.FormatTwarc2, &telegram.Format}

// Companions lists the files that some format reads beside the archive
// imported (account.js, actor.json…), for a client that sends an archive to
// a running tagpulse.
func Companions() []string {
	var names []string
	for _, f := range formats {
		names = append(names, f.Companions...)
	}
	return names
}

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

// Result is what importing one file did.
type Result struct {
	File        string
	Format      string
	Compression string // "gzip" when the file was gzip-compressed, else ""
	Records     int    // JSON records read
	collector.IngestResult
	// OutsideWindow counts the matched posts whose day falls outside the
	// window of every campaign whose hashtags they carry: they are stored
	// (a later window change counts them) but no figure counts them now.
	OutsideWindow int
	// Implausible counts the matched posts whose time cannot be true
	// (before their platform existed, or over a day after they were
	// collected): stored, but counted in no campaign (store.Plausible).
	Implausible int
	// OutsideCampaigns names those campaigns, in configuration order.
	OutsideCampaigns []string
	// Size is the file's size in bytes, and Read how many of them were
	// read so far (compressed, for a gzip file; read ahead of what is
	// ingested): Read/Size tells a progress bar how far an import is.
	Size, Read int64
}

// ErrUnknownFormat is returned (wrapped, with the file's name) by Import for
// a file in which no format could be recognised.
var ErrUnknownFormat = errors.New("unknown archive format")

// ErrEmpty is returned (wrapped, with the file's name) by Import for a file
// with nothing in it: no bytes, only blank lines, or an empty JSON array.
var ErrEmpty = errors.New("the file is empty")

// knownFormats lists the formats for people: "mastodon, bluesky, …".
func knownFormats() string { return "known formats: " + strings.Join(Formats(), ", ") }

// Options tune Import.
type Options struct {
	Now       func() time.Time // collection time to record; time.Now when nil
	BatchSize int              // records per store transaction (default 2000)
	// Malformed is called for each malformed record, never two at once.
	// Records are reported in file order, except that a break in a JSON
	// array or value stream (after which the rest of the file is skipped)
	// can be reported before malformed records that precede it.
	Malformed func(m collector.Malformed)
	Progress  func(r Result) // called after each batch
	// Companion reads a file that the archive's format keeps beside the
	// one imported (Format.Companions: X's account.js, Mastodon's
	// actor.json). Import reads them from the file's directory; for
	// ImportReader, nil means none is at hand (os.ErrNotExist).
	Companion func(name string) ([]byte, error)
}

// withDefaults fills in the defaults of Now and BatchSize.
func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 2000
	}
	return o
}

type record struct {
	line int
	data []byte
	// chunk holds data when the record was split out of a chunk of lines
	// in place (readLines); nil when data is its own.
	chunk *chunk
}

// Import reads an archive file, detects its format from the first record, and
// ingests the posts that match a campaign in batches, one transaction each.
// Malformed records are reported (file:line) through opts.Malformed, counted
// and skipped; everything else lands. Importing the same file again adds
// nothing: posts are deduplicated by platform and ID.
func Import(ctx context.Context, db collector.Sink, m *collector.Matcher, path string, opts Options) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{File: path}, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	if opts.Companion == nil {
		dir := filepath.Dir(path)
		opts.Companion = func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, filepath.Base(name))) }
	}
	return ImportReader(ctx, db, m, path, f, opts)
}

// ImportReader is Import of an archive read from r, named name in the
// summary and in file:line reports: a file streamed to a running tagpulse
// (import -server), or one read from elsewhere.
func ImportReader(ctx context.Context, db collector.Sink, m *collector.Matcher, name string, in io.Reader, opts Options) (Result, error) {
	// The bytes read so far and, for a file, its size: how far the
	// import is, for a progress bar.
	var size int64
	if st, ok := in.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil {
			size = fi.Size()
		}
	}
	cr := &countingReader{r: in}
	content, compression, err := decompressed(cr)
	if err != nil {
		return Result{File: name}, fmt.Errorf("import %s: %w", name, err)
	}
	if opts.Companion == nil {
		opts.Companion = func(string) ([]byte, error) { return nil, os.ErrNotExist }
	}
	r := &importRun{path: name, opts: opts.withDefaults(), read: cr, res: Result{File: name, Compression: compression, Size: size}}

	// Three stages, so that both cores stay busy while the store is
	// written: reading records, parsing them (on every core), and ingesting
	// in file order.
	// Batches are cut at BatchSize records or BatchBytes, whichever comes
	// first, and each stage holds one: at most five batches are in memory
	// (being read, queued, parsed, queued, stored), so an import holds about
	// 5 × BatchBytes of records plus their parsed posts, whatever the size
	// of the records (one record larger than BatchBytes is a batch alone).
	// A file of lines is read in chunks that its records point into
	// (readLines): a batch holds its records' chunks, at most one chunk
	// more than its records at each end, and a chunk is reused once the
	// batches that hold it are stored.
	recs := make(chan []record, 1)
	readErr := make(chan error, 1)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { readErr <- readRecords(rctx, content, r.opts.BatchSize, recs, r.malformed) }()
	stage := parseStage(rctx, cancel, r.opts.Companion, recs, r.opts.Now)
	failure := r.ingest(db, m, stage, cancel)
	err = r.outcome(failure, <-readErr)
	r.res.Read = cr.n.Load()
	return r.res, err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// importRun is one Import's running total. The reader and the ingest loop
// both report into it, under mu.
type importRun struct {
	path string
	opts Options
	read *countingReader
	mu   sync.Mutex
	res  Result
}

// malformed counts and reports a malformed record at line.
func (r *importRun) malformed(line int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Malformed++
	if r.opts.Malformed != nil {
		where := fmt.Sprintf("%s:%d", r.path, line)
		if be := (*bluesky.BlockError)(nil); errors.As(err, &be) {
			where, err = fmt.Sprintf("%s:block %d", r.path, be.Block), be.Err // a CAR file has blocks, not lines
		}
		r.opts.Malformed(collector.Malformed{Where: where, Err: err})
	}
}

// parsedBatch is one batch of records and their posts, or the error that
// stops the import (no format recognised).
type parsedBatch struct {
	recs   []record
	parsed []parsed
	format *collector.Format
	err    error
}

// parseStage detects the format from the first batch and parses every batch
// in order. When no format fits it sends the error, cancels the read and
// drains recs.
func parseStage(ctx context.Context, cancel context.CancelFunc, companion func(string) ([]byte, error), recs <-chan []record, now func() time.Time) <-chan parsedBatch {
	stage := make(chan parsedBatch, 1) // see Import: memory is bounded by batches in flight
	go func() {
		defer close(stage)
		var format *collector.Format
		for batch := range recs {
			if format == nil {
				f, err := detectFormat(batch)
				if err == nil && f.ForFile != nil {
					f, err = f.ForFile(companion)
				}
				if err != nil {
					releaseRecords(batch)
					stage <- parsedBatch{err: err}
					cancel()
					for b := range recs {
						releaseRecords(b)
					}
					return
				}
				format = f
			}
			select {
			case stage <- parsedBatch{recs: batch, parsed: parseBatch(format, batch, now()), format: format}:
			case <-ctx.Done():
				releaseRecords(batch)
				for b := range recs {
					releaseRecords(b)
				}
				return
			}
		}
	}()
	return stage
}

// ingest stores the parsed batches in file order, one transaction each, and
// names the campaigns whose windows some matched posts fell outside. It
// returns the first failure, after which it cancels the read and drains
// stage.
func (r *importRun) ingest(db collector.Sink, m *collector.Matcher, stage <-chan parsedBatch, cancel context.CancelFunc) error {
	var failure error
	campaigns := m.Campaigns()
	outsideOf := make([]bool, len(campaigns))
	var posts []store.Post
	for pb := range stage {
		if failure != nil {
			releaseRecords(pb.recs)
			continue // drain
		}
		if pb.err != nil {
			failure = pb.err
			continue
		}
		var err error
		if posts, err = r.ingestBatch(db, m, pb, posts[:0], campaigns, outsideOf); err != nil {
			failure = err
			cancel()
		}
		// The batch is stored and its malformed records reported: its
		// records' chunks can be read into again.
		releaseRecords(pb.recs)
	}
	for i, out := range outsideOf {
		if out {
			r.res.OutsideCampaigns = append(r.res.OutsideCampaigns, campaigns[i].Name)
		}
	}
	return failure
}

// ingestBatch reports a batch's malformed items, ingests its posts and adds
// what it did to the total. It collects the posts in posts and returns it,
// so that the next batch can reuse its array.
func (r *importRun) ingestBatch(db collector.Sink, m *collector.Matcher, pb parsedBatch, posts []store.Post, campaigns []store.Campaign, outsideOf []bool) ([]store.Post, error) {
	r.mu.Lock()
	r.res.Format = pb.format.Name
	r.mu.Unlock()
	outside, implausible := 0, 0
	for _, pr := range pb.parsed {
		posts = append(posts, pr.posts...)
		for j := range pr.posts {
			switch p := &pr.posts[j]; {
			case !store.Plausible(p):
				if carriesAny(campaigns, p) {
					implausible++
				}
			case outsideWindows(campaigns, p, outsideOf):
				outside++
			}
		}
	}
	ir, err := collector.Ingest(db, m, "", collector.Page{Posts: posts})
	if err != nil {
		return posts, err
	}
	for i, pr := range pb.parsed { // reported with the batch they were in
		for _, e := range pr.bad {
			r.malformed(pb.recs[i].line, e)
		}
	}
	r.mu.Lock()
	// Counted with what the batch stored, so that a failed batch (a full
	// disk) leaves a summary whose counts agree with the store.
	r.res.Records += len(pb.recs)
	r.res.Fetched += ir.Fetched
	r.res.Matched += ir.Matched
	r.res.Added += ir.Added
	r.res.Duplicates += ir.Duplicates
	r.res.OutsideWindow += outside
	r.res.Implausible += implausible
	snapshot := r.res
	r.mu.Unlock()
	snapshot.Read = r.read.n.Load()
	if r.opts.Progress != nil {
		r.opts.Progress(snapshot)
	}
	return posts, nil
}

// outcome is the error Import returns, naming the file: the failure that
// stopped the ingest, else the reader's, else none unless no record
// decided the format.
func (r *importRun) outcome(failure, readErr error) error {
	if failure != nil {
		if errors.Is(failure, syscall.ENOSPC) {
			return fmt.Errorf("import %s: the disk is full (%w): free some space and import the file again; the %d posts stored so far stay, and are skipped as duplicates", r.path, failure, r.res.Added)
		}
		return fmt.Errorf("import %s: %w", r.path, failure)
	}
	if readErr != nil {
		if errors.Is(readErr, ErrEmpty) && r.res.Compression != "" {
			readErr = fmt.Errorf("%w once decompressed: nothing to import; if it should hold posts, export or download it again", ErrEmpty)
		}
		return fmt.Errorf("import %s: %w", r.path, readErr)
	}
	if r.res.Format == "" {
		// Every record was malformed before one could decide the format:
		// the same failure as a first record of no known format.
		return fmt.Errorf("import %s: %w: no record in the file is JSON (%s)", r.path, ErrUnknownFormat, knownFormats())
	}
	return nil
}

// carriesAny reports whether a post carries some campaign's hashtags.
func carriesAny(campaigns []store.Campaign, p *store.Post) bool {
	for i := range campaigns {
		if campaigns[i].Matches(p.Hashtags) {
			return true
		}
	}
	return false
}

// outsideWindows reports whether a post carries some campaign's hashtags
// but falls, by its day in each such campaign's zone, outside all of their
// windows; if so it marks those campaigns in of. It asks the rule the
// aggregator counts by (store.Campaign.DayOf).
func outsideWindows(campaigns []store.Campaign, p *store.Post, of []bool) bool {
	matched := false
	for i := range campaigns {
		_, counts, carries := campaigns[i].DayOf(p.Hashtags, p.CreatedAt)
		if counts {
			return false
		}
		matched = matched || carries
	}
	if !matched {
		return false
	}
	for i := range campaigns {
		if campaigns[i].Matches(p.Hashtags) {
			of[i] = true
		}
	}
	return true
}

// detectFormat judges a file by its first record.
func detectFormat(batch []record) (*collector.Format, error) {
	if len(batch) > 0 {
		for _, f := range formats {
			if f.Detect != nil && f.Detect(batch[0].data) {
				return f, nil
			}
		}
		return nil, fmt.Errorf("%w: %s, which is not a record of any format import reads (%s)", ErrUnknownFormat, describeRecord(batch[0]), knownFormats())
	}
	return nil, fmt.Errorf("%w (%s)", ErrUnknownFormat, knownFormats())
}

// describeRecord says what a record that no format reads looks like, for
// the person who has to find out what wrote the file: the top-level keys of
// an object (a pretty-printed file's "line 1" is only "{").
func describeRecord(r record) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(r.data, &obj) == nil && obj != nil {
		if len(obj) == 0 {
			return fmt.Sprintf("the first record (line %d) is an empty JSON object", r.line)
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, strconv.Quote(k))
		}
		sort.Strings(keys)
		more := ""
		if len(keys) > 12 {
			more = fmt.Sprintf(" and %d more", len(keys)-12)
			keys = keys[:12]
		}
		return fmt.Sprintf("the first record (line %d) is a JSON object with the keys %s%s", r.line, strings.Join(keys, ", "), more)
	}
	var arr []json.RawMessage
	if json.Unmarshal(r.data, &arr) == nil {
		return fmt.Sprintf("the first record (line %d) is a JSON array", r.line)
	}
	return fmt.Sprintf("the first record (line %d) is a JSON %s", r.line, jsonKind(r.data))
}

func jsonKind(b []byte) string {
	switch firstNonSpace(b) {
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// decompressed returns the file's content: gzip-compressed files, told by
// their magic bytes whatever their name, are decompressed as they are read
// (concatenated gzip members too, as "cat a.gz b.gz" writes them). Other
// compressions are refused, saying how to decompress them.
func decompressed(f io.Reader) (io.Reader, string, error) {
	br := bufio.NewReaderSize(f, 64<<10)
	magic, _ := br.Peek(6)
	for _, c := range []struct {
		magic, name, how string
	}{
		{"PK\x03\x04", "a zip archive", "unpack it first (unzip FILE) and import the JSON files in it"},
		{"BZh", "bzip2-compressed", "decompress it first (bunzip2 FILE), or recompress it with gzip"},
		{"\xfd7zXZ\x00", "xz-compressed", "decompress it first (unxz FILE), or recompress it with gzip"},
		{"\x28\xb5\x2f\xfd", "zstd-compressed", "decompress it first (unzstd FILE), or recompress it with gzip"},
	} {
		if bytes.HasPrefix(magic, []byte(c.magic)) {
			return nil, "", fmt.Errorf("the file is %s, which import does not read: %s", c.name, c.how)
		}
	}
	if !bytes.HasPrefix(magic, []byte{0x1f, 0x8b}) {
		return br, "", nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, "", fmt.Errorf("the file starts as gzip does but cannot be read as gzip: %w", err)
	}
	return &decompressReader{r: zr, name: "gzip"}, "gzip", nil
}

// decompressReader marks errors of the decompressor, which are about the
// file, not about one record.
type decompressReader struct {
	r    io.Reader
	name string
}

func (d *decompressReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = &decompressError{name: d.name, err: err}
	}
	return n, err
}

type decompressError struct {
	name string
	err  error
}

func (e *decompressError) Error() string {
	return fmt.Sprintf("%s data cut short or damaged (%v)", e.name, e.err)
}

func (e *decompressError) Unwrap() error { return e.err }

type parsed struct {
	posts []store.Post
	bad   []error
}

// parseBatch parses records on every core, keeping file order. Each
// worker takes a run of consecutive records, so that it reads the batch's
// memory in order (records are cold by now: read ahead while the batch
// before was parsed). A format with AppendParse has each worker collect
// its records' posts in one array.
func parseBatch(f *collector.Format, batch []record, now time.Time) []parsed {
	out := make([]parsed, len(batch))
	workers := runtime.GOMAXPROCS(0)
	if workers > len(batch) {
		workers = len(batch)
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			if f.AppendParse == nil {
				for i := lo; i < hi; i++ {
					p, bad := f.Parse(batch[i].data, now)
					for j := range p {
						arrived(&p[j])
					}
					out[i] = parsed{p, bad}
				}
				return
			}
			// One post a record, as most are: the array's size. The
			// records' posts are cut from it once it no longer grows.
			posts := make([]store.Post, 0, hi-lo)
			ends := make([]int, 0, hi-lo)
			for i := lo; i < hi; i++ {
				start := len(posts)
				var bad []error
				posts, bad = f.AppendParse(posts, batch[i].data, now)
				for j := start; j < len(posts); j++ {
					arrived(&posts[j])
				}
				out[i].bad = bad
				ends = append(ends, len(posts))
			}
			start := 0
			for k, i := 0, lo; i < hi; k, i = k+1, i+1 {
				if ends[k] > start {
					out[i].posts = posts[start:ends[k]:ends[k]]
				}
				start = ends[k]
			}
		}(w*len(batch)/workers, (w+1)*len(batch)/workers)
	}
	wg.Wait()
	return out
}

// arrived marks a parsed post as imported: its source is its platform
// (x, mastodon, bluesky, …), whatever the parser set, and its arrival is
// store.ArrivalImport. Every format goes through here, so no parser needs
// to know it is being imported.
func arrived(p *store.Post) {
	p.Source, p.Arrival = p.Platform, store.ArrivalImport
}

// readRecords splits a file into JSON records, sending them in batches. A
// file that starts with '[' is one array; otherwise each line is a record,
// unless the first line is not a whole JSON value, in which case the file is
// read as a stream of (pretty-printed) JSON values.
func readRecords(ctx context.Context, r io.Reader, batchSize int, out chan<- []record, malformed func(int, error)) error {
	defer close(out)
	br := bufio.NewReaderSize(r, 1<<20)
	head, _ := br.Peek(4096)
	if rest, ok := x.StripYTD(head); ok {
		// X's own archive: "window.YTD.tweets.part0 = [" on the first
		// line; what follows the '=' is a JSON array.
		br.Discard(len(head) - len(rest))
		head = rest
	}
	first := firstNonSpace(head)
	send := func(b []record) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if bluesky.IsCAR(head) {
		return readCAR(br, batchSize, send, malformed)
	}
	if first == '{' && telegram.IsExport(bytes.TrimLeft(head, " \t\r\n\ufeff")) {
		return readTelegram(br, batchSize, send, malformed)
	}
	if first == '[' || (first == '{' && !firstLineIsValue(br)) {
		return readJSONValues(br, first == '[', batchSize, send, malformed)
	}
	if first != '{' && isCSVHeader(head) {
		return readCSV(br, batchSize, send, malformed)
	}
	return readLines(ctx, br, r, batchSize, send, malformed)
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
	lim := batchLimit{size: batchSize}
	n, broken := 0, false
	for array && dec.More() || !array {
		var raw json.RawMessage
		start := lc.lineAt(dec.InputOffset())
		err := dec.Decode(&raw)
		if err == io.EOF && !array {
			break
		}
		if de := (*decompressError)(nil); errors.As(err, &de) {
			if len(batch) > 0 && !send(batch) {
				return context.Canceled
			}
			if n == 0 {
				return fmt.Errorf("line %d: %w", start, err)
			}
			return fmt.Errorf("line %d: %w; the records before it were imported", start, err)
		}
		if err != nil {
			// A syntax error leaves no way to find the next record.
			malformed(start, fmt.Errorf("JSON ends or breaks here, rest of file skipped: %w", err))
			broken = true
			break
		}
		batch = append(batch, record{line: lc.lineAt(dec.InputOffset() - int64(len(raw))), data: raw})
		n++
		if lim.full(batch) {
			if !send(batch) {
				return context.Canceled
			}
			batch = make([]record, 0, batchSize)
		}
	}
	if len(batch) > 0 && !send(batch) {
		return context.Canceled
	}
	if array && n == 0 && !broken {
		return fmt.Errorf("%w (an empty JSON array): nothing to import; if it should hold posts, export or download it again", ErrEmpty)
	}
	return nil
}

// lineCounter remembers where lines start so a decoder offset maps to a
// line. Its callers ask for offsets that never decrease, so it forgets the
// lines before the last offset asked for: a pretty-printed file of millions
// of lines does not cost a slice of them all.
type lineCounter struct {
	r      io.Reader
	off    int64
	starts []int64 // offsets of the first byte of the lines after base+1
	base   int     // lines forgotten: their starts were at or before an offset asked for
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
	line := l.base + lo + 1
	if lo > 4096 && lo > len(l.starts)/2 { // forget them, a half at a time at most
		l.starts = l.starts[:copy(l.starts, l.starts[lo:])]
		l.base += lo
	}
	return line
}

// BatchBytes bounds the record bytes of one import batch (BatchSize bounds
// its records): with 100 KB records a batch is 80 records, not 2,000.
const BatchBytes = 8 << 20

// batchLimit says when a batch being filled is full: BatchSize records, or
// BatchBytes of them. It counts the bytes of records appended since its
// last call, so a batch costs it one pass.
type batchLimit struct {
	size        int
	seen, bytes int
}

func (l *batchLimit) full(batch []record) bool {
	if len(batch) < l.seen { // a new batch
		l.seen, l.bytes = 0, 0
	}
	for _, r := range batch[l.seen:] {
		l.bytes += len(r.data)
	}
	l.seen = len(batch)
	if len(batch) >= l.size || l.bytes >= BatchBytes {
		l.seen, l.bytes = 0, 0
		return true
	}
	return false
}
