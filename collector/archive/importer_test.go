package archive_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/archive"
	"github.com/tagpulse/tagpulse/store"
)

// importFile writes content to a file named name and imports it.
func importFile(t *testing.T, db *store.DB, m *collector.Matcher, name string, content []byte) (archive.Result, []collector.Malformed, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	var bad []collector.Malformed
	res, err := archive.Import(context.Background(), db, m, path, archive.Options{Malformed: func(m collector.Malformed) { bad = append(bad, m) }})
	return res, bad, err
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A file whose format cannot be detected fails the same way whatever its
// length or shape, naming the file; it never passes as an empty success.
func TestImportUndetectableFormatFails(t *testing.T) {
	for name, content := range map[string]string{
		"one-line":          "not json\n",
		"one-line-no-nl":    "not json",
		"two-lines":         "not json\nstill not json\n",
		"json-of-no-format": `{"hello":"world"}` + "\n",
		"broken-object":     "{ not json\n",
		"broken-array":      "[not json]\n",
		"gzip-junk":         string(gzipped(t, []byte("not json\n"))),
	} {
		t.Run(name, func(t *testing.T) {
			res, _, err := importFile(t, xOpenStore(t), mbMatcher("brexit"), "a.json", []byte(content))
			if err == nil {
				t.Fatalf("import succeeded: %+v; want an unknown-format error", res)
			}
			if !errors.Is(err, archive.ErrUnknownFormat) || !strings.Contains(err.Error(), "a.json") {
				t.Errorf("error = %q; want unknown archive format, naming a.json", err)
			}
			if strings.Contains(err.Error(), "[") {
				t.Errorf("error lists formats as a Go slice: %q", err)
			}
			for _, f := range archive.Formats() {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not name the known format %s", err, f)
				}
			}
		})
	}
}

// An empty file is an error that says the file is empty, not a format
// problem and not a success.
func TestImportEmptyFile(t *testing.T) {
	for name, content := range map[string][]byte{
		"zero-bytes":  nil,
		"whitespace":  []byte("\n  \n\t\r\n"),
		"empty-gzip":  gzipped(t, nil),
		"empty-array": []byte("[]\n"),
	} {
		t.Run(name, func(t *testing.T) {
			res, _, err := importFile(t, xOpenStore(t), mbMatcher("brexit"), "e.jsonl", content)
			if err == nil {
				t.Fatalf("import succeeded: %+v; want an empty-file error", res)
			}
			if !errors.Is(err, archive.ErrEmpty) || !strings.Contains(err.Error(), "e.jsonl") || !strings.Contains(err.Error(), "empty") {
				t.Errorf("error = %q; want it to say e.jsonl is empty", err)
			}
			if errors.Is(err, archive.ErrUnknownFormat) {
				t.Errorf("an empty file reported as an unknown format: %q", err)
			}
		})
	}
}

// v1Line is one v1.1 status with #brexit.
func v1Line(id string, at time.Time) string {
	return `{"id_str":"` + id + `","created_at":"` + at.UTC().Format(time.RubyDate) + `","full_text":"#brexit","user":{"id_str":"1","screen_name":"a"},"entities":{"hashtags":[{"text":"brexit"}]}}`
}

// gzip-compressed archives are read as if decompressed, told by their magic
// bytes whatever the name, with lines counted in the decompressed text.
func TestImportGzip(t *testing.T) {
	dir := xFixtureDir(t, filepath.Join("archives", "twitter"))
	good := func(id string) string { return v1Line(id, time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)) }
	for _, name := range []string{"twarc1_v11_search_dlfteach_2018.jsonl", "twarc2_mixed_pages_withheld_reliance.jsonl", "twarc2_search_recent_brexit_2021-09-22.jsonl"} {
		t.Run(name, func(t *testing.T) {
			plain, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			m := collector.NewMatcher([]store.Campaign{{Name: "c", Hashtags: []string{"brexit", "dlfteach", "reliance"}}})
			want, _, err := importFile(t, xOpenStore(t), m, name, plain)
			if err != nil {
				t.Fatal(err)
			}
			if want.Added == 0 {
				t.Fatalf("plain import added nothing: %+v", want)
			}
			// no .gz in the name: the content decides
			got, _, err := importFile(t, xOpenStore(t), m, "archive.jsonl", gzipped(t, plain))
			if err != nil {
				t.Fatal(err)
			}
			if got.Compression != "gzip" || got.Format != want.Format || got.Records != want.Records || got.Added != want.Added || got.Malformed != want.Malformed {
				t.Errorf("gzip import = %+v\nwant as plain %+v, compression gzip", got, want)
			}
		})
	}

	t.Run("malformed-lines", func(t *testing.T) {
		text := strings.Join([]string{good("1"), good("2"), `{"id_str":"3","created_at": broken`, "", good("4"), `{"id_str":`}, "\n")
		res, bad, err := importFile(t, xOpenStore(t), mbMatcher("brexit"), "t.jsonl.gz", gzipped(t, []byte(text)))
		if err != nil {
			t.Fatal(err)
		}
		if res.Added != 3 || len(bad) != 2 || !strings.HasSuffix(bad[0].Where, "t.jsonl.gz:3") || !strings.HasSuffix(bad[1].Where, "t.jsonl.gz:6") {
			t.Fatalf("import = %+v, malformed %v; want 3 added, lines 3 and 6 malformed", res, bad)
		}
	})

	t.Run("concatenated", func(t *testing.T) {
		// cat a.gz b.gz > ab.gz is a valid gzip file holding both.
		plain, err := os.ReadFile(filepath.Join(dir, "twarc1_v11_search_dlfteach_2018.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.SplitAfter(bytes.TrimSpace(plain), []byte("\n"))
		both := append(gzipped(t, bytes.Join(lines[:2], nil)), gzipped(t, bytes.Join(lines[2:], nil))...)
		res, _, err := importFile(t, xOpenStore(t), mbMatcher("dlfteach"), "ab.gz", both)
		if err != nil || res.Records != len(lines) {
			t.Fatalf("import = %+v, %v; want %d records", res, err, len(lines))
		}
	})

	t.Run("cut-short", func(t *testing.T) {
		// A download cut short: the records before the cut land, and the
		// import fails saying why.
		var lines []string
		for i := 0; i < 5000; i++ {
			lines = append(lines, good(fmt.Sprint(1000+i)))
		}
		z := gzipped(t, []byte(strings.Join(lines, "\n")))
		z = z[:len(z)/2]
		zr, err := gzip.NewReader(bytes.NewReader(z))
		if err != nil {
			t.Fatal(err)
		}
		prefix, err := io.ReadAll(zr)
		if err == nil {
			t.Fatal("the cut gzip stream reads without error")
		}
		whole := bytes.Count(prefix, []byte("\n"))
		db := xOpenStore(t)
		res, _, err := importFile(t, db, mbMatcher("brexit"), "cut.gz", z)
		if err == nil || !strings.Contains(err.Error(), "cut.gz") || !strings.Contains(err.Error(), "gzip") {
			t.Fatalf("error = %v; want a gzip error naming cut.gz", err)
		}
		if whole < 100 || res.Added != whole || db.PostCount() != whole {
			t.Errorf("import = %+v, %d stored; want the %d whole lines before the cut", res, db.PostCount(), whole)
		}
	})
}

// Posts that carry a campaign's hashtags but fall outside the window of
// every such campaign are stored and counted as outside.
func TestImportCountsPostsOutsideWindows(t *testing.T) {
	dir := xFixtureDir(t, filepath.Join("archives", "twitter"))
	page, err := os.ReadFile(filepath.Join(dir, "twarc2_search_recent_brexit_2021-09-22.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	jan := store.Campaign{Name: "jan", Hashtags: []string{"brexit"}, Timezone: "UTC", From: "2026-01-01", To: "2026-01-31"}
	sep := store.Campaign{Name: "sep", Hashtags: []string{"brexit"}, Timezone: "UTC", From: "2021-09-01", To: "2021-09-30"}
	open := store.Campaign{Name: "open", Hashtags: []string{"brexit"}, Timezone: "UTC"}
	other := store.Campaign{Name: "other", Hashtags: []string{"allforpalestine"}, Timezone: "UTC", From: "2021-09-01"}
	for _, tc := range []struct {
		campaigns []store.Campaign
		outside   int
		names     []string
	}{
		{[]store.Campaign{jan}, 100, []string{"jan"}},
		{[]store.Campaign{jan, other}, 100, []string{"jan"}},
		{[]store.Campaign{jan, sep}, 0, nil},
		{[]store.Campaign{open, jan}, 0, nil},
	} {
		res, _, err := importFile(t, xOpenStore(t), collector.NewMatcher(tc.campaigns), "brexit.jsonl", page)
		if err != nil {
			t.Fatal(err)
		}
		if res.Matched != 100 || res.Added != 100 || res.OutsideWindow != tc.outside || strings.Join(res.OutsideCampaigns, ",") != strings.Join(tc.names, ",") {
			t.Errorf("campaigns %v: import = %+v; want 100 matched and added, %d outside %v", tc.campaigns, res, tc.outside, tc.names)
		}
	}

	// Days are the campaign's: 23:30 UTC on 31 January is 1 February in Gaza.
	gaza, err := time.LoadLocation("Asia/Gaza")
	if err != nil {
		t.Fatal(err)
	}
	c := store.Campaign{Name: "jan", Hashtags: []string{"brexit"}, Timezone: "Asia/Gaza", Location: gaza, From: "2026-01-01", To: "2026-01-31"}
	line := v1Line("1", time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC)) + "\n"
	res, _, err := importFile(t, xOpenStore(t), collector.NewMatcher([]store.Campaign{c}), "late.jsonl", []byte(line))
	if err != nil || res.Added != 1 || res.OutsideWindow != 1 {
		t.Errorf("import = %+v, %v; want 1 added, outside the window in Gaza time", res, err)
	}
}

// Compressions import does not read are named, with what to do, instead of
// being read as broken JSON.
func TestImportNamesOtherCompressions(t *testing.T) {
	for magic, want := range map[string]string{
		"PK\x03\x04\x14\x00":   "zip archive",
		"BZh91AY&SY":           "bzip2",
		"\xfd7zXZ\x00\x00":     "xz",
		"\x28\xb5\x2f\xfd\x00": "zstd",
	} {
		_, bad, err := importFile(t, xOpenStore(t), mbMatcher("brexit"), "a.jsonl", []byte(magic+"rest of the file"))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "a.jsonl") || len(bad) != 0 {
			t.Errorf("%q: error %v, malformed %v; want it named %s", magic, err, bad, want)
		}
	}
}
