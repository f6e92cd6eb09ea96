package x

import "bytes"

// hasTopLevelKey reports whether the JSON object rec may have one of keys
// (lower-case ASCII) at its top level, in any case as encoding/json matches
// them; a key with an escape or a non-ASCII byte may, too. It skips strings with
// IndexByte, so that a status (a few kilobytes of mostly strings) is looked
// through in about a microsecond; bytes.Contains over the whole record,
// whose '"' every few bytes defeats its fast path, cost five. When rec is
// not a well-formed object it answers true, leaving the decision to a full
// decode.
func hasTopLevelKey(rec []byte, keys ...string) bool {
	i := skipSpace(rec, 0)
	if i >= len(rec) || rec[i] != '{' {
		return true
	}
	i++
	for {
		i = skipSpace(rec, i)
		if i >= len(rec) {
			return true
		}
		if rec[i] == '}' {
			return false
		}
		if rec[i] != '"' {
			return true
		}
		end := stringEnd(rec, i)
		if end < 0 {
			return true
		}
		key := rec[i+1 : end-1]
		for _, c := range key {
			if c == '\\' || c >= 0x80 {
				return true
			}
		}
		for _, k := range keys {
			if bytes.EqualFold(key, []byte(k)) {
				return true
			}
		}
		i = skipSpace(rec, end)
		if i >= len(rec) || rec[i] != ':' {
			return true
		}
		if i = skipValue(rec, skipSpace(rec, i+1)); i < 0 {
			return true
		}
		i = skipSpace(rec, i)
		if i >= len(rec) {
			return true
		}
		switch rec[i] {
		case ',':
			i++
		case '}':
			return false
		default:
			return true
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string starting at b[i] ('"'),
// or -1 when it does not end.
func stringEnd(b []byte, i int) int {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return -1
		}
		q := i + j
		n := 0 // backslashes before the quote
		for k := q - 1; k >= i && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		i = q + 1
	}
}

// skipValue returns the index just past the value starting at b[i], or -1
// when it is cut short. It checks only what it needs to find the end.
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			if i = stringEnd(b, i); i < 0 {
				return -1
			}
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				return -1
			}
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r', ':':
			if depth == 0 {
				return i
			}
		default:
			if depth == 0 {
				// A number or literal: up to the next delimiter.
				for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
					i++
				}
				return i
			}
		}
		i++
	}
	return -1
}
