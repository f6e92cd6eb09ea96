package dashboard

import (
	"encoding/csv"
	"io"
	"slices"
)

// CSVWriter writes CSV that is safe to open in a spreadsheet: every cell
// that would start a formula (=, +, -, @, tab or carriage return first) gets
// a leading apostrophe, whichever column it is in, unless it is a plain
// decimal number ("-3", "12.5"), which stays a number. Post texts, handles,
// ids and language tags all come from other people; neutralising here, at
// the writer, rather than column by column, leaves no column forgotten.
type CSVWriter struct {
	w   *csv.Writer
	rec []string
}

// NewCSVWriter returns a CSVWriter writing to w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: csv.NewWriter(w)} }

// Write writes one record, each cell made safe (rec is not modified).
func (c *CSVWriter) Write(rec []string) error {
	c.rec = c.rec[:0]
	for _, s := range rec {
		c.rec = append(c.rec, csvCell(s))
	}
	return c.w.Write(c.rec)
}

// Flush writes any buffered data and returns the first error met.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// csvCell is one cell as CSVWriter writes it.
func csvCell(s string) string {
	if isDecimal(s) {
		return s
	}
	return CSVSafe(s)
}

// isDecimal reports whether s is a plain decimal number: an optional minus,
// digits, optionally a point and more digits.
func isDecimal(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	digits := func(s string) int {
		n := 0
		for n < len(s) && '0' <= s[n] && s[n] <= '9' {
			n++
		}
		return n
	}
	n := digits(s)
	if n == 0 {
		return false
	}
	s = s[n:]
	if s == "" {
		return true
	}
	if s[0] != '.' {
		return false
	}
	n = digits(s[1:])
	return n > 0 && n == len(s)-1
}

// CSVSafe keeps spreadsheet programs from running text that other people
// wrote as a formula (CSV injection): a cell starting with = + - @, a tab or
// a carriage return gets a leading apostrophe. CSVWriter applies it to every
// cell that is not a number.
func CSVSafe(s string) string {
	if s != "" && slices.Contains([]byte("=+-@\t\r"), s[0]) {
		return "'" + s
	}
	return s
}
