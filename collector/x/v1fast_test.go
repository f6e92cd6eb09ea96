package x

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/bench/v11gen"
	"github.com/tagpulse/tagpulse/internal/testneed"
	"github.com/tagpulse/tagpulse/store"
)

// parseTweetV1Std is ParseTweetV1 through encoding/json alone: the
// reference the fast decoder is held to.
func parseTweetV1Std(raw []byte, now time.Time) (store.Post, error) {
	var t tweetV1
	if err := json.Unmarshal(raw, &t); err != nil {
		return store.Post{}, err
	}
	return postFromTweetV1(&t, store.SourceImport, now, nil)
}

// v1Statuses returns every v1.1 status object in a file: a single status, a
// search response's statuses, or one of either per line.
func v1Statuses(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var env struct {
			Statuses []json.RawMessage `json:"statuses"`
			IDStr    string            `json:"id_str"`
		}
		if json.Unmarshal(raw, &env) != nil {
			continue
		}
		for _, s := range env.Statuses {
			out = append(out, s)
		}
		if env.IDStr != "" {
			out = append(out, raw)
		}
	}
	return out
}

// TestFastDecoderMatchesStd: for every v1.1 status in the shared fixtures
// and archives, and for generated ones (retweets carrying their original,
// quotes, places), ParseTweetV1 gives the very post encoding/json through
// go-twitter's types gives; a malformed status fails with the standard
// library's error.
func TestFastDecoderMatchesStd(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var files []string
	for _, sub := range []string{"twitter_v1", filepath.Join("archives", "twitter")} {
		dir := testneed.Path(t, filepath.Join("..", "..", "..", "shared", "fixtures", sub))
		m, err := filepath.Glob(filepath.Join(dir, "*.json*"))
		if err != nil || len(m) == 0 {
			t.Fatalf("no fixtures in %s: %v", dir, err)
		}
		files = append(files, m...)
	}
	var statuses [][]byte
	for _, f := range files {
		if strings.HasSuffix(f, ".headers.json") {
			continue
		}
		statuses = append(statuses, v1Statuses(t, f)...)
	}
	fixtures := len(statuses)
	if fixtures < 10 {
		t.Fatalf("only %d statuses in the fixtures", fixtures)
	}
	var gen bytes.Buffer
	if _, err := v11gen.Write(&gen, 2000, v11gen.Options{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	statuses = append(statuses, bytes.Split(bytes.TrimSpace(gen.Bytes()), []byte("\n"))...)
	for i, raw := range statuses {
		want, werr := parseTweetV1Std(raw, now)
		got, gerr := ParseTweetV1(raw, store.SourceImport, now)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("status %d: std error %v, fast error %v", i, werr, gerr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("status %d: fast decoder gives\n%+v\nstd gives\n%+v", i, got, want)
		}
	}
	t.Logf("%d fixture statuses, %d generated", fixtures, len(statuses)-fixtures)
	for _, bad := range []string{`{"id_str":"1","user":{"id_str":"2"},"created_at":"Mon Nov 30 10:00:00 +0000 2026","full_text":"x}`, `{"id_str":1}`, `[1,2]`} {
		var t1 tweetV1
		stdErr := json.Unmarshal([]byte(bad), &t1)
		_, err := ParseTweetV1([]byte(bad), store.SourceImport, now)
		if err == nil || stdErr == nil || !strings.Contains(err.Error(), stdErr.Error()) {
			t.Errorf("%s: error %v, want the standard library's %v", bad, err, stdErr)
		}
	}
}
