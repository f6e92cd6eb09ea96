package archive_test

import (
	"path/filepath"
	"testing"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/internal/testneed"
	"github.com/tagpulse/tagpulse/store"
)

// fixtureDir returns ../../../shared/fixtures/<sub>: the real payloads beside
// the clone. In CI a missing directory fails the test; elsewhere it skips.
func fixtureDir(t *testing.T, sub string) string {
	t.Helper()
	return testneed.Path(t, filepath.Join("..", "..", "..", "shared", "fixtures", sub))
}

// xFixtureDir returns ../../../shared/fixtures/<sub>; see fixtureDir.
func xFixtureDir(t *testing.T, sub string) string { t.Helper(); return fixtureDir(t, sub) }

func xOpenStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "x.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mbMatcher(tags ...string) *collector.Matcher {
	return collector.NewMatcher([]store.Campaign{{Name: "c", Hashtags: tags, Timezone: "UTC"}})
}
