package archive

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// choppyReader returns what it reads in pieces of random sizes, as a pipe
// or a decompressor does.
type choppyReader struct {
	r   io.Reader
	rnd *rand.Rand
	err error // returned instead of io.EOF
}

func (c *choppyReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1+c.rnd.IntN(min(len(p), 300_000))]
	}
	n, err := c.r.Read(p)
	if err == io.EOF && c.err != nil {
		err = c.err
	}
	return n, err
}

// linesFile builds a file of JSON lines of random lengths (some longer
// than a chunk, some blank, some ending in "\r\n"; the first one short, as
// a file read line by line starts) and the records
// readRecords must make of it, numbered as the lines are.
func linesFile(rnd *rand.Rand, n int) ([]byte, []record) {
	var file bytes.Buffer
	var want []record
	for line := 1; line <= n; line++ {
		kind := rnd.IntN(8)
		if line == 1 {
			kind = 7 // the first line decides how the file is read: a short record
		}
		switch kind {
		case 0:
			file.WriteString(" \t\n") // blank
			continue
		case 1:
			file.WriteString("\n")
			continue
		}
		size := rnd.IntN(3000)
		if line > 1 {
			switch rnd.IntN(200) {
			case 0, 1, 2:
				size = chunkSize - 20 + rnd.IntN(40) // about one chunk
			case 3:
				size = chunkSize*2 + rnd.IntN(chunkSize*2) // several
			}
		}
		rec := fmt.Sprintf(`{"line":%d,"pad":"%s"}`, line, strings.Repeat("x", size))
		want = append(want, record{line: line, data: []byte(rec)})
		file.WriteString("  " + rec)
		if rnd.IntN(3) == 0 {
			file.WriteString("\r")
		}
		file.WriteString("\n")
	}
	// The last line may lack its newline.
	if rnd.IntN(2) == 0 {
		want = append(want, record{line: n + 1, data: []byte(`{"last":true}`)})
		file.WriteString(`{"last":true}`)
	}
	return file.Bytes(), want
}

// readAll runs readRecords over r and returns its records and error,
// checking as it goes that a batch's data stay as read until the batch is
// released, while the reader reads on into chunks given back.
func readAll(t *testing.T, r io.Reader, batchSize int) ([]record, error) {
	t.Helper()
	ctx := context.Background()
	out := make(chan []record, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- readRecords(ctx, r, batchSize, out, func(line int, err error) { t.Errorf("line %d malformed: %v", line, err) })
	}()
	var got []record
	var held [][]record
	var copies [][][]byte
	for batch := range out {
		var c [][]byte
		for _, rec := range batch {
			got = append(got, record{line: rec.line, data: bytes.Clone(rec.data)})
			c = append(c, bytes.Clone(rec.data))
		}
		held, copies = append(held, batch), append(copies, c)
		if len(held) == 3 { // three batches in flight, then the oldest is done
			for i, rec := range held[0] {
				if !bytes.Equal(rec.data, copies[0][i]) {
					t.Fatalf("line %d changed before its batch was released", rec.line)
				}
			}
			releaseRecords(held[0])
			held, copies = held[1:], copies[1:]
		}
	}
	return got, <-errc
}

func sameRecords(t *testing.T, got, want []record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].line != want[i].line || !bytes.Equal(got[i].data, want[i].data) {
			t.Fatalf("record %d: line %d %.60q…, want line %d %.60q…", i, got[i].line, got[i].data, want[i].line, want[i].data)
		}
	}
}

// TestReadLinesInChunks: lines split in place out of chunks are the
// file's lines, trimmed and numbered exactly (blank lines counted, a
// byte-order mark dropped), whatever the sizes of the reads, for lines
// shorter and longer than a chunk and lines across two chunks, plain and
// gzip-compressed.
func TestReadLinesInChunks(t *testing.T) {
	for seed := range uint64(4) {
		rnd := rand.New(rand.NewPCG(seed, 17))
		file, want := linesFile(rnd, 3000)
		got, err := readAll(t, &choppyReader{r: bytes.NewReader(file), rnd: rnd}, 1+rnd.IntN(700))
		if err != nil {
			t.Fatal(err)
		}
		sameRecords(t, got, want)

		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(file)
		zw.Close()
		content, compression, err := decompressed(&choppyReader{r: bytes.NewReader(gz.Bytes()), rnd: rnd})
		if err != nil || compression != "gzip" {
			t.Fatal(compression, err)
		}
		got, err = readAll(t, content, 2000)
		if err != nil {
			t.Fatal(err)
		}
		sameRecords(t, got, want)
	}
}

// TestReadLinesBreak: a read that fails inside a line stops the file
// there, naming that line, after sending every line before it.
func TestReadLinesBreak(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	file, want := linesFile(rnd, 500)
	cut := bytes.LastIndexByte(file[:len(file)*2/3], '\n') + 1
	broken := errors.New("the disk broke")
	lines := bytes.Count(file[:cut], []byte("\n"))
	for len(want) > 0 && want[len(want)-1].line > lines {
		want = want[:len(want)-1]
	}
	got, err := readAll(t, &choppyReader{r: bytes.NewReader(file[:cut+5]), rnd: rnd, err: broken}, 100)
	if !errors.Is(err, broken) || !strings.HasPrefix(err.Error(), fmt.Sprintf("line %d: ", lines+1)) {
		t.Fatalf("error %v, want line %d: %v", err, lines+1, broken)
	}
	sameRecords(t, got, want)
}
