package geo

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "record the current data and rules fingerprint for Version in testdata/version.txt")

// TestVersionCoversData: the embedded data and the matching code have the
// fingerprint recorded with the current Version. A change to either without
// a new Version would leave stored figures attributed by the old rules and
// new posts by the new ones.
func TestVersionCoversData(t *testing.T) {
	files, err := filepath.Glob("data/*")
	if err != nil {
		t.Fatal(err)
	}
	code, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	norm, err := filepath.Glob("internal/textnorm/*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(code, norm...) {
		if !strings.HasSuffix(f, "_test.go") && filepath.Base(f) != "version.go" {
			files = append(files, f)
		}
	}
	slices.Sort(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(filepath.ToSlash(f) + "\x00"))
		h.Write(b)
	}
	got := Version + " " + hex.EncodeToString(h.Sum(nil)) + "\n"
	const record = "testdata/version.txt"
	if *update {
		if err := os.WriteFile(record, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != got {
		wv, _, _ := strings.Cut(string(want), " ")
		if wv == Version {
			t.Fatalf("the gazetteer data or matching code changed under Version %q: set a new Version in version.go, then run go test ./aggregator/geo -run TestVersionCoversData -update", Version)
		}
		t.Fatalf("Version is %q but %s records %q: run go test ./aggregator/geo -run TestVersionCoversData -update", Version, record, strings.TrimSpace(string(want)))
	}
}
