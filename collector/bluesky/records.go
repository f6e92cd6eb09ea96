package bluesky

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
)

// FormatRecords is pages of com.atproto.repo.listRecords for the
// app.bsky.feed.post collection ({"records": [{"uri", "cid", "value"}],
// "cursor"}), as tools that back up an account's posts from its PDS write
// them: the raw post records, without the AppView's counts or the author's
// handle. Each record is a post by the DID in its at-URI; records of other
// collections (likes, follows) are not posts and are passed over.
var FormatRecords = collector.Format{
	Name:   "bluesky-records",
	Detect: isRecordsPage,
	Parse:  parseRecordsPage,
}

type repoRecord struct {
	URI   string          `json:"uri"`
	CID   string          `json:"cid"`
	Value json.RawMessage `json:"value"`
}

func isRecordsPage(rec []byte) bool {
	if !bytes.Contains(rec, []byte(`"records"`)) {
		return false
	}
	var page struct {
		Records []repoRecord `json:"records"`
	}
	if json.Unmarshal(rec, &page) != nil || len(page.Records) == 0 {
		return false
	}
	_, coll, _, ok := bskyParseATURI(page.Records[0].URI)
	return ok && coll != "" && len(page.Records[0].Value) > 0
}

func parseRecordsPage(rec []byte, now time.Time) ([]store.Post, []error) {
	var page struct {
		Records []repoRecord `json:"records"`
	}
	if err := json.Unmarshal(rec, &page); err != nil {
		return nil, []error{fmt.Errorf("not a listRecords page: %w", err)}
	}
	var posts []store.Post
	var bad []error
	for i, r := range page.Records {
		if _, coll, _, ok := bskyParseATURI(r.URI); ok && coll != bskyCollectionPost {
			continue
		}
		var pr bskyPostRecord
		if err := json.Unmarshal(r.Value, &pr); err != nil {
			bad = append(bad, fmt.Errorf("records[%d]: %w", i, err))
			continue
		}
		p, err := bskyPost(r.URI, &pr, time.Time{}, store.SourceImport, now) // createdAt as written: an archive is not live
		if err != nil {
			bad = append(bad, fmt.Errorf("records[%d]: %w", i, err))
			continue
		}
		posts = append(posts, p)
	}
	return posts, bad
}
