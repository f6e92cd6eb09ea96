package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/dashboard"
	"github.com/tagpulse/tagpulse/store"
)

// TestReportAndAPIRefuseTheSame: `tagpulse report` and /api/v1 check a
// query by one rule (aggregator.ParseQuery), so a day out of range, days in
// the wrong order or totals over a range are refused by both, with the same
// words. (report -from 0000-01-01 used to print year-0 rows the API refused.)
func TestReportAndAPIRefuseTheSame(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	archive := writeFile(t, filepath.Join(dir, "a.jsonl"), tw{id: "1", user: "a", at: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC),
		kind: "original", followers: 5, country: "PS", tags: []string{"AllForPalestine"}, lang: "en"}.json()+"\n")
	if _, errs, code := runCmd(t, "import", "-config", cfg, archive); code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
	cases := []struct {
		flags []string // report's
		api   string   // the same query through the API
		want  string   // what both say
	}{
		{[]string{"-by", "day", "-from", "0000-01-01"}, "/days?from=0000-01-01", `from "0000-01-01" is outside the days tagpulse answers for (1900-01-01 to 9998-12-31)`},
		{[]string{"-by", "day,country", "-to", "9999-01-01"}, "/days?by=country&to=9999-01-01", `to "9999-01-01" is outside the days`},
		{[]string{"-by", "hour", "-from", "2026-11-31"}, "/hours?from=2026-11-31", `from "2026-11-31" is not a day (YYYY-MM-DD)`},
		{[]string{"-by", "day", "-from", "2026-11-30", "-to", "2026-11-29"}, "/days?from=2026-11-30&to=2026-11-29", "from 2026-11-30 is after to 2026-11-29"},
		{[]string{"-by", "country", "-from", "2026-11-29"}, "/totals?by=country&from=2026-11-29", "participants and reach cannot be added up across days"},
	}
	for _, c := range cases {
		_, errs, code := runCmd(t, append([]string{"report", "-config", cfg}, c.flags...)...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("report %v: exit %d, stderr %q; want 2 and %q", c.flags, code, errs, c.want)
		}
	}

	db, err := store.Open(filepath.Join(dir, "tagpulse.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs, err := db.Campaigns()
	if err != nil {
		t.Fatal(err)
	}
	h, err := dashboard.NewHandler(dashboard.Options{Aggregator: aggregator.New(db, cs, aggregator.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/campaigns/afp"+c.api, nil))
		var body struct{ Error string }
		json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != http.StatusBadRequest || !strings.Contains(body.Error, c.want) {
			t.Errorf("GET %s: %d %s; want 400 and %q", c.api, w.Code, w.Body, c.want)
		}
	}
}
