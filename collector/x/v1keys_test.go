package x

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/tagpulse/tagpulse/bench/v11gen"
)

// envelope is what FormatTwitterV1.Parse decides with encoding/json: the
// record is a search response or a premium page.
func envelope(rec []byte) bool {
	var env struct {
		Statuses []json.RawMessage `json:"statuses"`
		Results  []json.RawMessage `json:"results"`
	}
	return json.Unmarshal(rec, &env) == nil && (env.Statuses != nil || env.Results != nil)
}

var envelopeSeeds = []string{
	`{"statuses":[{"id_str":"1"}],"search_metadata":{}}`,
	`{"search_metadata":{"statuses":"x"},"Results":[]}`,
	`{"id_str":"1","full_text":"the \"statuses\" of \\\"results\\\"","user":{"results":[1]}}`,
	`{"a":[{"b":"}"},"]"],"n":-1.5e3,"t":true,"statuses":null}`,
	`{"stat\u0075ses":[]}`,
	` { "results" : [ ] } `,
	`{"a":1`,
	`{"a":"\\"}`,
	`[{"statuses":[]}]`,
	`{}`,
}

// TestTopLevelKeyFilter: the cheap filter in front of the envelope decode
// never says no to a record encoding/json decodes as an envelope, and says
// no to the generated statuses, which carry "statuses" and "results" in
// their texts only where a test puts them.
func TestTopLevelKeyFilter(t *testing.T) {
	for _, s := range envelopeSeeds {
		if envelope([]byte(s)) && !hasTopLevelKey([]byte(s), "statuses", "results") {
			t.Errorf("%s: an envelope the filter refuses", s)
		}
	}
	for _, s := range []string{envelopeSeeds[1], envelopeSeeds[4], envelopeSeeds[5]} {
		if !envelope([]byte(s)) {
			t.Errorf("%s: seed meant as an envelope is not one", s)
		}
	}
	if hasTopLevelKey([]byte(envelopeSeeds[2]), "statuses", "results") {
		t.Error("nested and quoted keys taken for top-level ones")
	}
	var gen bytes.Buffer
	if _, err := v11gen.Write(&gen, 500, v11gen.Options{Seed: 5}); err != nil {
		t.Fatal(err)
	}
	for i, line := range bytes.Split(bytes.TrimSpace(gen.Bytes()), []byte("\n")) {
		if hasTopLevelKey(line, "statuses", "results") {
			t.Fatalf("generated status %d taken for an envelope", i)
		}
	}
}

func FuzzTopLevelKeyFilter(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		if envelope(rec) && !hasTopLevelKey(rec, "statuses", "results") {
			t.Fatalf("%q: an envelope the filter refuses", rec)
		}
	})
}
