package aggregator_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// The rule tests below give every expected figure by hand, from the rules
// as DESIGN.md states them, not from the aggregator's own recount (which
// shares its reading of a post with the incremental path, so it could not
// catch a wrong rule).

// ruleCampaign is #afp in Gaza time (UTC+2 in November), 29–30 November.
var ruleCampaign = store.Campaign{Name: "afp", Hashtags: []string{"afp"}, Timezone: "Asia/Gaza", From: "2026-11-29", To: "2026-11-30"}

func rulePosts() []store.Post {
	utc := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }
	return []store.Post{
		post("1", "a", utc(28, 21, 59), store.KindOriginal, 100, "PS", "afp"), // 23:59 on the 28th in Gaza: before the window
		post("2", "a", utc(28, 22, 0), store.KindOriginal, 120, "uk", "afp"),  // midnight: the 29th; UK is GB
		post("3", "b", utc(29, 10, 0), store.KindRepost, 10, " ps ", "afp"),   // 12:00; case and spaces do not matter
		post("8", "b", utc(29, 11, 0), store.KindOriginal, 12, "fr", "afp"),   // 13:00
		post("4", "a", utc(30, 8, 0), store.KindReply, 130, "", "afp"),        // no place: ZZ
		post("5", "c", utc(30, 21, 59), store.KindQuote, 7, "X1", "afp"),      // 23:59 on the 30th; not a country: ZZ
		post("6", "c", utc(30, 22, 0), store.KindOriginal, 9, "PS", "afp"),    // 1 December: after the window
		post("7", "d", utc(29, 12, 0), store.KindOriginal, 50, "PS", "other"), // not the campaign's hashtag
	}
}

func ruleAggregator(t *testing.T) *aggregator.Aggregator {
	t.Helper()
	db := storetest.Open(t)
	a := aggregator.New(db, []store.Campaign{ruleCampaign}, aggregator.Options{})
	if _, err := db.Append(rulePosts(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	return a
}

func sameRows(t *testing.T, what string, got, want []aggregator.Row) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// TestDayRule: a post counts on its day in the campaign's zone, inside the
// window, with participants (distinct authors), new participants (first
// post in the campaign that day) and reach (each author's followers as of
// their latest post in the period).
func TestDayRule(t *testing.T) {
	a := ruleAggregator(t)
	sameRows(t, "by day", fig(t, a, aggregator.Query{Campaign: "afp", By: []string{"day"}}), []aggregator.Row{
		// a (120, post 2) and b (12, post 8, later than post 3); both new: post 1 is outside the window.
		{Day: "2026-11-29", Figures: store.Figures{Posts: 3, Originals: 2, Reposts: 1, Participants: 2, NewParticipants: 2, Reach: 132}},
		// a (130) is not new; c (7) is.
		{Day: "2026-11-30", Figures: store.Figures{Posts: 2, Replies: 1, Quotes: 1, Participants: 2, NewParticipants: 1, Reach: 137}},
	})
	sameRows(t, "totals", fig(t, a, aggregator.Query{Campaign: "afp"}), []aggregator.Row{
		{Figures: store.Figures{Posts: 5, Originals: 2, Reposts: 1, Replies: 1, Quotes: 1, Participants: 3, NewParticipants: 3, Reach: 130 + 12 + 7}},
	})
	sameRows(t, "hours of the 29th", fig(t, a, aggregator.Query{Campaign: "afp", By: []string{"hour"}, From: "2026-11-29", To: "2026-11-29"}), []aggregator.Row{
		{Hour: "2026-11-29T00:00:00+02:00", Figures: store.Figures{Posts: 1, Originals: 1, Participants: 1, NewParticipants: 1, Reach: 120}},
		{Hour: "2026-11-29T12:00:00+02:00", Figures: store.Figures{Posts: 1, Reposts: 1, Participants: 1, NewParticipants: 1, Reach: 10}},
		{Hour: "2026-11-29T13:00:00+02:00", Figures: store.Figures{Posts: 1, Originals: 1, Participants: 1, NewParticipants: 0, Reach: 12}},
	})
}

// TestCountryRule: a post's country is its place's ISO code, upper-cased
// and trimmed, UK as GB; anything else is ZZ. Reach in a country counts an
// author's followers as of their latest post of the day.
func TestCountryRule(t *testing.T) {
	a := ruleAggregator(t)
	sameRows(t, "by day and country", fig(t, a, aggregator.Query{Campaign: "afp", By: []string{"day", "country"}}), []aggregator.Row{
		{Day: "2026-11-29", Country: "FR", Figures: store.Figures{Posts: 1, Originals: 1, Participants: 1, NewParticipants: 1, Reach: 12}},
		{Day: "2026-11-29", Country: "GB", Figures: store.Figures{Posts: 1, Originals: 1, Participants: 1, NewParticipants: 1, Reach: 120}},
		{Day: "2026-11-29", Country: "PS", Figures: store.Figures{Posts: 1, Reposts: 1, Participants: 1, NewParticipants: 1, Reach: 12}},
		{Day: "2026-11-30", Country: "ZZ", Figures: store.Figures{Posts: 2, Replies: 1, Quotes: 1, Participants: 2, NewParticipants: 1, Reach: 137}},
	})
	for signals, want := range map[string]aggregator.Attribution{
		"GB": {Country: "GB", Method: "place", Confidence: 1}, "uk": {Country: "GB", Method: "place", Confidence: 1},
		" ps ": {Country: "PS", Method: "place", Confidence: 1}, "ZZ": {Country: "ZZ", Method: "none"},
		"USA": {Country: "ZZ", Method: "none"}, "X1": {Country: "ZZ", Method: "none"}, "": {Country: "ZZ", Method: "none"},
	} {
		if got := aggregator.PlaceOnly(store.Signals{PlaceCountry: signals}); got != want {
			t.Errorf("PlaceOnly(%q) = %+v, want %+v", signals, got, want)
		}
	}
	// An attribution that says nothing is counted as ZZ by method none.
	db := storetest.Open(t)
	b := aggregator.New(db, []store.Campaign{ruleCampaign}, aggregator.Options{Attribute: func(store.Signals) aggregator.Attribution { return aggregator.Attribution{} }})
	if _, err := db.Append(rulePosts()[1:2], nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	sameRows(t, "silent attribution", fig(t, b, aggregator.Query{Campaign: "afp", By: []string{"method"}}), []aggregator.Row{
		{Method: "none", Figures: store.Figures{Posts: 1, Originals: 1, Participants: 1, NewParticipants: 1, Reach: 120}},
	})
	sameRows(t, "silent attribution by country", fig(t, b, aggregator.Query{Campaign: "afp", By: []string{"country"}}), []aggregator.Row{
		{Country: "ZZ", Figures: store.Figures{Posts: 1, Originals: 1, Participants: 1, NewParticipants: 1, Reach: 120}},
	})
}

// TestParseQuery: one set of rules for the API and the command line.
func TestParseQuery(t *testing.T) {
	q, err := aggregator.ParseQuery("afp", "day, country", "2026-11-29", "2026-11-30")
	if err != nil || q.Campaign != "afp" || len(q.By) != 2 || q.By[1] != "country" || q.From != "2026-11-29" {
		t.Fatalf("ParseQuery = %+v, %v", q, err)
	}
	for _, c := range [][3]string{
		{"day", "0000-01-01", ""}, {"day", "", "9999-12-31"}, {"day", "1899-12-31", ""}, {"day", "2026-11-31", ""},
		{"day", "2026-11-30", "2026-11-29"}, {"country", "2026-11-29", ""}, {"day,hour", "", ""}, {"country,kind", "", ""},
		{"bogus", "", ""}, {"day,day", "", ""}, {"day,source_kind", "", ""},
	} {
		if _, err := aggregator.ParseQuery("afp", c[0], c[1], c[2]); err == nil {
			t.Errorf("ParseQuery(by=%s from=%s to=%s) succeeded", c[0], c[1], c[2])
		}
		// Report refuses a Query built without ParseQuery by the same rules.
		by, _ := aggregator.ParseBy(c[0])
		a := ruleAggregator(t)
		if _, err := a.Report(aggregator.Query{Campaign: "afp", By: by, From: c[1], To: c[2]}); err == nil && by != nil {
			t.Errorf("Report(by=%s from=%s to=%s) succeeded", c[0], c[1], c[2])
		}
	}
}
