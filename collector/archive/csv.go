package archive

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// isCSVHeader reports whether the file starts with a CSV header line of the
// kind tweet tools write (twarc-csv): several named columns, among them id
// and text.
func isCSVHeader(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	cols, err := csv.NewReader(bytes.NewReader(head)).Read()
	return err == nil && len(cols) >= 3 && slices.Contains(cols, "id") && slices.Contains(cols, "text")
}

// readCSV reads a CSV file with a header line into records: each row a JSON
// object of column name to cell, numbered by the line the row starts on
// (cells may span lines). A row whose number of cells differs from the
// header's is malformed; the others stand.
func readCSV(br *bufio.Reader, batchSize int, send func([]record) bool, malformed func(int, error)) error {
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // checked here, so that one bad row does not end the file
	cr.LazyQuotes = false
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("line 1: the CSV header cannot be read: %w", err)
	}
	header = slices.Clone(header)
	batch := make([]record, 0, batchSize)
	lim := batchLimit{size: batchSize}
	rows := 0
	for {
		cells, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote {
				malformed(pe.StartLine, fmt.Errorf("CSV quoting breaks here, rest of file skipped: %w", pe.Err))
				break
			}
			malformed(pe.StartLine, fmt.Errorf("not a CSV row: %w", pe.Err))
			continue
		}
		if err != nil {
			if len(batch) > 0 && !send(batch) {
				return context.Canceled
			}
			return fmt.Errorf("line %d: %w; the rows before it were imported", line, err)
		}
		if len(cells) != len(header) {
			malformed(line, fmt.Errorf("%d cells where the header names %d columns", len(cells), len(header)))
			continue
		}
		row := make(map[string]string, len(header))
		for i, c := range header {
			row[c] = cells[i]
		}
		data, err := json.Marshal(row)
		if err != nil {
			malformed(line, err)
			continue
		}
		batch = append(batch, record{line: line, data: data})
		rows++
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
	if rows == 0 {
		return fmt.Errorf("%w (a CSV header and no rows): nothing to import; if it should hold posts, export or download it again", ErrEmpty)
	}
	return nil
}
