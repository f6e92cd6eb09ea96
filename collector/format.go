package collector

import (
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
	// AppendParse, when set, is Parse appending the record's posts to
	// posts, so that a caller parsing many records collects them in one
	// array rather than one slice per record. It gives the same posts
	// and errors as Parse.
	AppendParse func(posts []store.Post, rec []byte, now time.Time) ([]store.Post, []error)
	// ForFile, when set, is called once a file is detected as this format,
	// for formats whose records need the files beside them (X's own archive
	// names the account in account.js, not in each tweet): companion reads
	// one of those by name (os.ErrNotExist when it is not there). The
	// format it returns parses the file.
	ForFile func(companion func(name string) ([]byte, error)) (*Format, error)
	// Companions names the files ForFile may read.
	Companions []string
}
