package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/internal/testneed"
)

// brexitArchive is the shared twarc2 sample: one page of 100 #brexit
// tweets from 22 September 2021.
func brexitArchive(t *testing.T) string {
	t.Helper()
	dir := testneed.Path(t, filepath.Join("..", "..", "..", "shared", "fixtures", "archives", "twitter"))
	return filepath.Join(dir, "twarc2_search_recent_brexit_2021-09-22.jsonl")
}

func writeBrexitConfig(t *testing.T, dir, window string) string {
	t.Helper()
	return writeFile(t, filepath.Join(dir, "tagpulse.yml"), fmt.Sprintf(`db: %s
campaigns:
  - name: brexit
    hashtags: [brexit]
    timezone: Europe/London
%s`, filepath.Join(dir, "tagpulse.db"), window))
}

func TestImportSummaryWords(t *testing.T) {
	dir := t.TempDir()
	cfg := writeBrexitConfig(t, dir, "")
	out, errs, code := runCmd(t, "import", "-config", cfg, brexitArchive(t))
	if code != 0 {
		t.Fatalf("import exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, ": twarc2, 1 record, 100 posts, 100 match a campaign's hashtags: 100 added, 0 already stored, 0 malformed skipped") {
		t.Errorf("summary = %q", out)
	}
	if strings.Contains(out, "outside") {
		t.Errorf("summary speaks of a window the campaign does not have: %q", out)
	}

	// one of each
	at := time.Date(2021, 9, 22, 12, 0, 0, 0, time.UTC)
	one := writeFile(t, filepath.Join(dir, "one.jsonl"),
		tw{id: "1", user: "a", at: at, kind: "original", tags: []string{"brexit"}}.json()+"\n")
	out, errs, code = runCmd(t, "import", "-config", cfg, one)
	if code != 0 || !strings.Contains(out, "one.jsonl: twitter-v1.1, 1 record, 1 post, 1 matches a campaign's hashtags: 1 added, 0 already stored, 0 malformed skipped") {
		t.Errorf("import exit %d, summary:\n%s%s", code, out, errs)
	}

	// help lists the formats as words, not a Go slice
	_, errs, _ = runCmd(t, "import", "-h")
	if !strings.Contains(errs, "zeeschuimer, 4cat, mastodon, mastodon-outbox, bluesky, bluesky-records, bluesky-car, jetstream, twitter-v1.1, x-archive, twarc-csv, twarc2, telegram") || strings.Contains(errs, "[mastodon") {
		t.Errorf("import -h:\n%s", errs)
	}
}

// A file whose format cannot be told fails alike on one line or two, naming
// the file; an empty file says so. Both make import exit 1.
func TestImportRefusesUnknownAndEmptyFiles(t *testing.T) {
	dir := t.TempDir()
	cfg := writeBrexitConfig(t, dir, "")
	for _, tc := range []struct{ name, content, want, end string }{
		{"one.json", "not json\n", "one.json: unknown archive format", "1 of 1 files could not be imported"},
		{"two.json", "not json\nnot json\n", "two.json: unknown archive format", "1 of 1 files could not be imported"},
		{"empty.json", "", "empty.json: the file is empty", "the file holds nothing to import"},
		{"blank.json", "\n \n", "blank.json: the file is empty", "the file holds nothing to import"},
		{"end.json", "[]\n", "end.json: the file is empty (an empty JSON array)", "the file holds nothing to import"},
	} {
		path := writeFile(t, filepath.Join(dir, tc.name), tc.content)
		out, errs, code := runCmd(t, "import", "-config", cfg, path)
		if code != 1 || !strings.Contains(errs, tc.want) || !strings.Contains(errs, tc.end) {
			t.Errorf("%s: exit %d, want 1 and %q\nstdout: %s\nstderr: %s", tc.name, code, tc.want, out, errs)
		}
		if strings.Contains(errs, "[") {
			t.Errorf("%s: formats listed as a Go slice: %s", tc.name, errs)
		}
		if strings.Contains(out, "records") || strings.Contains(out, "record,") {
			t.Errorf("%s: a summary for a failed file: %s", tc.name, out)
		}
	}
}

// A harvest that ends in an empty page ([], the real end of paging) is a
// note beside the files that held posts, not a failure; only a run in which
// nothing was readable fails.
func TestImportEmptyLastPageIsANote(t *testing.T) {
	dir := t.TempDir()
	cfg := writeBrexitConfig(t, dir, "")
	last := writeFile(t, filepath.Join(dir, "page-0002.json"), "[]\n")
	out, errs, code := runCmd(t, "import", "-config", cfg, brexitArchive(t), last)
	if code != 0 || !strings.Contains(out, "100 added") || !strings.Contains(errs, "note: import "+last+": the file is empty") {
		t.Errorf("import exit %d; want 0, 100 added and a note on the empty page\nstdout: %s\nstderr: %s", code, out, errs)
	}
	other := writeFile(t, filepath.Join(dir, "none.json"), "")
	_, errs, code = runCmd(t, "import", "-config", cfg, last, other)
	if code != 1 || !strings.Contains(errs, "none of the 2 files holds anything to import") {
		t.Errorf("only empty files: exit %d; want 1\n%s", code, errs)
	}
}

func TestImportGzipFile(t *testing.T) {
	dir := t.TempDir()
	cfg := writeBrexitConfig(t, dir, "")
	plain, err := os.ReadFile(brexitArchive(t))
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(plain)
	zw.Close()
	path := writeFile(t, filepath.Join(dir, "brexit.jsonl.gz"), z.String())
	out, errs, code := runCmd(t, "import", "-config", cfg, path)
	if code != 0 || !strings.Contains(out, "brexit.jsonl.gz: twarc2 (gzip), 1 record, 100 posts") || !strings.Contains(out, "100 added") {
		t.Errorf("import exit %d:\n%s%s", code, out, errs)
	}

	// Cut short: what came before the cut lands and is summed up; the
	// import fails, naming the file and line.
	var lines []string
	for i := 0; i < 5000; i++ {
		lines = append(lines, tw{id: fmt.Sprint(10_000 + i), user: "a", at: time.Date(2021, 9, 22, 12, 0, 0, 0, time.UTC), kind: "original", tags: []string{"brexit"}}.json())
	}
	z.Reset()
	zw = gzip.NewWriter(&z)
	zw.Write([]byte(strings.Join(lines, "\n")))
	zw.Close()
	path = writeFile(t, filepath.Join(dir, "cut.gz"), z.String()[:z.Len()/2])
	out, errs, code = runCmd(t, "import", "-config", cfg, path)
	if code != 1 || !strings.Contains(errs, "cut.gz: line ") || !strings.Contains(errs, "gzip data cut short or damaged") ||
		!strings.Contains(out, "cut.gz: twitter-v1.1 (gzip), ") || !strings.Contains(out, "(up to the error)") {
		t.Errorf("import of a cut gzip file: exit %d\n%s%s", code, out, errs)
	}
	// The same cut where no record before it matched a campaign: still
	// summed up ("0 match").
	for i := range lines {
		lines[i] = strings.ReplaceAll(lines[i], "brexit", "cats")
	}
	z.Reset()
	zw = gzip.NewWriter(&z)
	zw.Write([]byte(strings.Join(lines, "\n")))
	zw.Close()
	path = writeFile(t, filepath.Join(dir, "cats.gz"), z.String()[:z.Len()/2])
	out, errs, code = runCmd(t, "import", "-config", cfg, path)
	if code != 1 || !strings.Contains(out, "cats.gz: twitter-v1.1 (gzip), ") || !strings.Contains(out, ", 0 match") || !strings.Contains(out, "(up to the error)") {
		t.Errorf("import of a cut gzip file with nothing matching: exit %d\n%s%s", code, out, errs)
	}
}

// Posts outside the campaign's window are stored but not counted, and the
// summary says so, with the window.
func TestImportSaysPostsFallOutsideTheWindow(t *testing.T) {
	dir := t.TempDir()
	cfg := writeBrexitConfig(t, dir, "    from: 2026-01-01\n    to: 2026-01-31\n")
	out, errs, code := runCmd(t, "import", "-config", cfg, brexitArchive(t))
	if code != 0 {
		t.Fatalf("import exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "100 match a campaign's hashtags: 100 added, 0 already stored, 0 malformed skipped; 100 outside the campaign's window (2026-01-01 to 2026-01-31), not counted") {
		t.Errorf("summary = %q", out)
	}
	// stored, not counted
	rep, errs, code := runCmd(t, "report", "-config", cfg, "-by", "day", "-format", "json")
	var rows []reportRow
	if code != 0 || json.Unmarshal([]byte(rep), &rows) != nil {
		t.Fatalf("report exit %d: %s%s", code, rep, errs)
	}
	for _, r := range rows {
		if r.Posts != 0 {
			t.Errorf("report counts posts outside the window: %+v", r)
		}
	}

	// A window from 22 September counts them all.
	cfg = writeBrexitConfig(t, dir, "    from: 2021-09-22\n")
	out, errs, code = runCmd(t, "import", "-config", cfg, brexitArchive(t))
	if code != 0 || strings.Contains(out, "outside") || !strings.Contains(out, "100 already stored") {
		t.Errorf("import exit %d: %s%s", code, out, errs)
	}
	rep, errs, code = runCmd(t, "report", "-config", cfg, "-by", "day", "-format", "json")
	rows = nil
	if code != 0 || json.Unmarshal([]byte(rep), &rows) != nil {
		t.Fatalf("report exit %d: %s%s", code, rep, errs)
	}
	total := int64(0)
	for _, r := range rows {
		total += r.Posts
	}
	if total != 100 {
		t.Errorf("after widening the window the report counts %d posts, want the 100 stored", total)
	}

	// Two campaigns on the tag, neither window holding the posts.
	writeFile(t, cfg, fmt.Sprintf(`db: %s
campaigns:
  - name: brexit
    hashtags: [brexit]
    timezone: Europe/London
    to: 2020-12-31
  - name: brexit2
    hashtags: [Brexit]
    timezone: UTC
    from: 2026-01-01
`, filepath.Join(dir, "tagpulse.db")))
	out, errs, code = runCmd(t, "import", "-config", cfg, brexitArchive(t))
	if code != 0 || !strings.Contains(out, "; 100 outside the windows of campaigns brexit (up to 2020-12-31) and brexit2 (from 2026-01-01), not counted") {
		t.Errorf("import exit %d: %s%s", code, out, errs)
	}
}
