package dashboard

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
)

// TestCSVEveryTextCellIsSafe: a cell that would start a formula gets an
// apostrophe in whichever column it is (lang in the report CSV, a post's id
// in the top CSV were missed), and numbers stay numbers.
func TestCSVEveryTextCellIsSafe(t *testing.T) {
	var buf bytes.Buffer
	rows := []aggregator.Row{{Lang: "=1+1"}, {Lang: "@cmd"}, {Lang: "-2+3"}, {Lang: "en"}}
	rows[0].Posts, rows[1].Posts = 7, 3
	if err := WriteCSV(&buf, []string{aggregator.ByLang}, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var langs []string
	for _, r := range recs[1:] {
		langs = append(langs, r[0])
	}
	if want := []string{"'=1+1", "'@cmd", "'-2+3", "en"}; !slices.Equal(langs, want) {
		t.Errorf("lang column %q, want %q", langs, want)
	}
	if recs[1][1] != "7" || recs[2][1] != "3" {
		t.Errorf("figures %q %q", recs[1][1], recs[2][1])
	}

	buf.Reset()
	cw := NewCSVWriter(&buf)
	cw.Write([]string{"-3", "12.5", "-0.25", "-", "+1", "=SUM(A1)", "\tx", "2026-11-29", "1-2"})
	cw.Flush()
	got, _ := csv.NewReader(&buf).Read()
	if want := []string{"-3", "12.5", "-0.25", "'-", "'+1", "'=SUM(A1)", "'\tx", "2026-11-29", "1-2"}; !slices.Equal(got, want) {
		t.Errorf("cells %q, want %q", got, want)
	}

	// Through the API: posts whose ids would be formulas, in the top list.
	f := newFixture(t, nil)
	f.fill(t)
	for i, id := range []string{"=1+1", "@cmd"} {
		p := f.post("allforpalestine", f.now.Add(-time.Minute))
		p.ID, p.Engagement = id, int64(100000-i)
		f.add(t, p)
	}
	w := f.get(t, "/api/v1/campaigns/afp/top?format=csv")
	recs, err = csv.NewReader(w.Body).ReadAll()
	if err != nil || len(recs) < 3 {
		t.Fatalf("top CSV: %v %v", recs, err)
	}
	if recs[0][2] != "id" || recs[1][2] != "'=1+1" || recs[2][2] != "'@cmd" || recs[1][8] != "100000" {
		t.Errorf("top CSV rows %q %q", recs[1], recs[2])
	}
}
