package geo

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/tagpulse/tagpulse/internal/testneed"
)

// devSet is the shared development set of profile locations, relative to this
// package's folder.
const devSet = "../../../shared/geo/locations-dev.tsv"

type devRow struct{ text, want string }

func readDevSet(t testing.TB) []devRow {
	t.Helper()
	f, err := os.Open(testneed.Path(t, devSet))
	if err != nil {
		t.Fatalf("open dev set: %v", err)
	}
	f.Close()
	return readSet(t, devSet)
}

// readSet reads a TSV of "text<TAB>code" rows, skipping # comments.
func readSet(t testing.TB, path string) []devRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var rows []devRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") && !strings.Contains(line, "\t") {
			continue
		}
		text, rest, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("%s line %q: no tab", path, line)
		}
		want, _, _ := strings.Cut(rest, "\t") // a third column, if any, names the source
		rows = append(rows, devRow{text, strings.TrimSpace(want)})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read dev set: %v", err)
	}
	if len(rows) == 0 {
		t.Fatal("dev set is empty")
	}
	return rows
}

// TestDevSetQuality measures precision and recall on the development set:
// precision = right answers / all answers that name a country (a ZZ row
// answered with a country is wrong); recall = right answers / rows whose
// answer is a country.
func TestDevSetQuality(t *testing.T) {
	checkQuality(t, readDevSet(t), 0.97, 0.90)
}

// TestExtraSetQuality checks the package's own regression set, written by
// hand during development (testdata/locations-extra.tsv).
func TestExtraSetQuality(t *testing.T) {
	checkQuality(t, readSet(t, "testdata/locations-extra.tsv"), 0.97, 0.95)
}

// TestExtraSetOneCase checks the same set written all in lower case, as
// many people write their location ("london, uk"), and all in capitals.
func TestExtraSetOneCase(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(string) string
	}{{"lower", strings.ToLower}, {"upper", strings.ToUpper}} {
		t.Run(c.name, func(t *testing.T) {
			rows := readSet(t, "testdata/locations-extra.tsv")
			for i := range rows {
				rows[i].text = c.f(rows[i].text)
			}
			checkQuality(t, rows, 0.97, 0.93)
		})
	}
}

// TestRealSetQuality measures the dev half of the real profile locations
// (testdata/locations-real-dev.tsv, taken from public archives and labelled
// by judgement; see testdata/PROVENANCE.md). The rules were tuned on it.
func TestRealSetQuality(t *testing.T) {
	checkQuality(t, readSet(t, "testdata/locations-real-dev.tsv"), 0.97, 0.90)
}

// TestRealSetHeldAside reports the held-aside half of the real profile
// locations, which the rules were not tuned on. It asserts nothing beyond
// the file being readable: the figures are for reading (go test -v).
func TestRealSetHeldAside(t *testing.T) {
	p, r := quality(t, readSet(t, "testdata/locations-real-held.tsv"))
	t.Logf("held-aside half: precision %.3f, recall %.3f (goal 0.97 / 0.90, not asserted)", p, r)
}

func checkQuality(t *testing.T, rows []devRow, minPrecision, minRecall float64) {
	t.Helper()
	precision, recall := quality(t, rows)
	if precision < minPrecision {
		t.Errorf("precision %.3f, want ≥ %.2f", precision, minPrecision)
	}
	if recall < minRecall {
		t.Errorf("recall %.3f, want ≥ %.2f", recall, minRecall)
	}
}

// quality logs each wrong and missed row and returns precision and recall.
func quality(t *testing.T, rows []devRow) (precision, recall float64) {
	t.Helper()
	a, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var answered, right, countries int
	for _, r := range rows {
		got := a.Locate(r.text)
		if r.want != Unknown {
			countries++
		}
		if got.Country == Unknown {
			if r.want != Unknown {
				t.Logf("miss   %-32q want %s", r.text, r.want)
			}
			continue
		}
		answered++
		if got.Country == r.want {
			right++
		} else {
			t.Logf("wrong  %-32q got %s (%s %.2f) want %s", r.text, got.Country, got.Method, got.Confidence, r.want)
		}
	}
	precision = float64(right) / float64(max(answered, 1))
	recall = float64(right) / float64(max(countries, 1))
	t.Logf("%d rows, precision %.3f (%d/%d), recall %.3f (%d/%d)", len(rows), precision, right, answered, recall, right, countries)
	return precision, recall
}
