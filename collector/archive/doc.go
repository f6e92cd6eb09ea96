// Package archive imports archive files into the store: it detects the
// format of a file from its first record among the formats of every
// platform package (Formats), reads JSONL, JSON arrays, JSON value streams
// and gzip, reports each malformed record as file:line, counts and skips
// it, and sums up what was read, matched, added, already stored and outside
// every campaign window (Result).
package archive
