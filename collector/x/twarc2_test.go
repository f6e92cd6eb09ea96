package x_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/archive"
	"github.com/tagpulse/tagpulse/store"
)

func TestTwarc2ImportMalformed(t *testing.T) {
	dir := xFixtureDir(t, filepath.Join("archives", "twitter"))
	page, err := os.ReadFile(filepath.Join(dir, "twarc2_search_recent_brexit_2021-09-22.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{
		strings.TrimSpace(string(page)),
		`{"data":[{"id":"1440716797032816699","text":"cut sh`, // a line cut short
		`{"data":[{"id":"1440716797032816700","text":"#AllForPalestine now","author_id":"9","created_at":"2026-11-29T10:00:00.000Z"},` +
			`{"id":7,"text":["bad"]}],"includes":{"users":[{"id":"9","username":"nine","public_metrics":{"followers_count":3}}]},` +
			`"errors":[{"title":"Not Found Error","detail":"Could not find tweet"}],"__twarc":{"version":"2.14.0"}}`,
		``,
	}
	path := filepath.Join(t.TempDir(), "mixed.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	db := xOpenStore(t)
	m := collector.NewMatcher([]store.Campaign{{Name: "c", Hashtags: []string{"brexit", "allforpalestine"}}})
	var bad []collector.Malformed
	res, err := archive.Import(context.Background(), db, m, path, archive.Options{Malformed: func(m collector.Malformed) { bad = append(bad, m) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "twarc2" || res.Added != 101 || res.Malformed != 2 || len(bad) != 2 {
		t.Fatalf("import = %+v, malformed %v; want twarc2, 101 added, 2 malformed", res, bad)
	}
	if !strings.HasSuffix(bad[0].Where, "mixed.jsonl:2") || !strings.HasSuffix(bad[1].Where, "mixed.jsonl:3") {
		t.Errorf("malformed at %s and %s, want lines 2 and 3", bad[0].Where, bad[1].Where)
	}
	p, err := db.Get(store.PlatformX, "1440716797032816700")
	if err != nil || p.Author.Handle != "nine" || p.Author.Followers != 3 || p.Source != store.SourceX || p.Arrival != store.ArrivalImport {
		t.Errorf("good tweet beside a bad one: %+v, %v", p, err)
	}
}
