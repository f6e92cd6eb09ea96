package x_test

import (
	"path/filepath"
	"testing"

	"github.com/tagpulse/tagpulse/internal/testneed"
)

// fixtureDir returns ../../../shared/fixtures/<sub>: the real payloads beside
// the clone. In CI a missing directory fails the test; elsewhere it skips.
func fixtureDir(t *testing.T, sub string) string {
	t.Helper()
	return testneed.Path(t, filepath.Join("..", "..", "..", "shared", "fixtures", sub))
}
