package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/config"
)

const runTestCampaigns = `
campaigns:
  - name: allforpalestine
    hashtags: [AllForPalestine]
    timezone: Asia/Gaza
`

func TestRunUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yml")
	if err := os.WriteFile(cfg, []byte(runTestCampaigns), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "t.db")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"Nothing", nil, "give -config FILE, or -tag"},
		{"ConfigAndTag", []string{"-config", cfg, "-tag", "x"}, "not both"},
		{"QuickFlagWithConfig", []string{"-config", cfg, "-tz", "Asia/Gaza", "-mastodon", "http://127.0.0.1:1"}, "-mastodon, -tz only go with -tag"},
		{"BadTag", []string{"-tag", "two words", "-db", db}, `-tag "two words"`},
		{"BadZone", []string{"-tag", "AllForPalestine", "-tz", "Mars/Olympus", "-db", db}, `-tz "Mars/Olympus"`},
		{"LocalZone", []string{"-tag", "AllForPalestine", "-tz", "Local", "-db", db}, `-tz "Local"`},
		{"ExtraArgs", []string{"-config", cfg, "extra"}, "unexpected arguments"},
		{"BadLogFormat", []string{"-config", cfg, "-log-format", "xml"}, "-log-format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out lockedBuffer
			env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }, Now: time.Now}
			err := run(t.Context(), env, append([]string{"run"}, tc.args...))
			if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want a usage error containing %q", err, tc.want)
			}
		})
	}
}

func TestCampaignName(t *testing.T) {
	for tag, want := range map[string]string{
		"allforpalestine":    "allforpalestine",
		"free_palestine2026": "free_palestine2026",
		"كلنا_لفلسطين":       "campaign",
		"_x-y":               "x-y",
	} {
		if got := campaignName(tag); got != want || !config.ValidCampaignName(got) {
			t.Errorf("campaignName(%q) = %q, want %q (URL-safe)", tag, got, want)
		}
	}
}

func TestQuickStartConfigDefaults(t *testing.T) {
	cfg, err := quickStartConfig([]string{"#AllForPalestine", "كلنا_لفلسطين", "allforpalestine"}, "Asia/Gaza", nil, bluesky.DefaultJetstream)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Campaigns[0]
	if c.Name != "allforpalestine" || c.Title != "#AllForPalestine" || !slices.Equal(c.Hashtags, []string{"allforpalestine", "كلنا_لفلسطين"}) ||
		c.Location.String() != "Asia/Gaza" {
		t.Errorf("campaign = %+v", c)
	}
	s := cfg.Sources
	if s.X != nil || s.Twitter != nil || s.Mastodon == nil || s.Bluesky == nil {
		t.Fatalf("sources = %+v: want Mastodon and Bluesky only (no credentials)", s)
	}
	if want := []string{"https://mastodon.social", "https://mastodon.online", "https://mstdn.social"}; !slices.Equal(s.Mastodon.Instances, want) {
		t.Errorf("instances = %v, want %v", s.Mastodon.Instances, want)
	}
	if s.Bluesky.Jetstream != "wss://jetstream2.us-east.bsky.network/subscribe" {
		t.Errorf("jetstream = %q", s.Bluesky.Jetstream)
	}
	if cfg.DB != "tagpulse.db" || cfg.Listen != "127.0.0.1:8080" {
		t.Errorf("db, listen = %q, %q", cfg.DB, cfg.Listen)
	}
}

// TestRunQuickStart runs 'tagpulse run -tag …' with no configuration,
// its Mastodon and Jetstream addresses pointed at fakes.
func TestRunQuickStart(t *testing.T) {
	mast := platformtest.NewMastodon()
	t.Cleanup(mast.Close)
	jet := platformtest.NewJetstream()
	t.Cleanup(jet.Close)
	av := platformtest.NewAppView()
	t.Cleanup(av.Close)
	mast.Add(
		platformtest.Toot{Text: "#AllForPalestine", Tags: []string{"AllForPalestine"}},
		platformtest.Toot{Text: "#كلنا_لفلسطين", Tags: []string{"كلنا_لفلسطين"}},
		platformtest.Toot{Text: "#cats", Tags: []string{"cats"}},
	)
	jet.Add(platformtest.Skeet{Text: "#AllForPalestine", Tags: []string{"AllForPalestine"}}, platformtest.Skeet{Text: "#cats", Tags: []string{"cats"}})

	db := filepath.Join(t.TempDir(), "quick.db")
	r := startRun(t, func(string) string { return "" }, "-tag", "AllForPalestine", "-tag", "كلنا_لفلسطين", "-tz", "Asia/Gaza",
		"-db", db, "-addr", "127.0.0.1:0", "-mastodon", mast.URL, "-jetstream", jet.URL(), "-appview", av.URL)
	waitTotals(t, r, "allforpalestine", map[string]int64{"bluesky": 1, "mastodon": 2})
	if want := "tagpulse run: open http://" + r.addr + "/"; !strings.Contains(r.log.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, r.log)
	}

	var campaigns []struct {
		Name     string   `json:"name"`
		Hashtags []string `json:"hashtags"`
		Timezone string   `json:"timezone"`
	}
	if err := r.getJSON("/api/v1/campaigns", &campaigns); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(campaigns); got != "[{allforpalestine [allforpalestine كلنا_لفلسطين] Asia/Gaza}]" {
		t.Errorf("campaigns = %s", got)
	}
	var health []collector.SourceHealth
	if err := r.getJSON("/api/v1/sources", &health); err != nil {
		t.Fatal(err)
	}
	if len(health) != 4 || health[0].Name != "bluesky" || health[1].Name != "bluesky:engagement" || health[2].Name != "bluesky:profiles" || !strings.HasPrefix(health[3].Name, "mastodon:127.0.0.1:") {
		t.Errorf("sources = %+v", health)
	}
	if _, err := r.stop(t); err != nil {
		t.Errorf("run: %v", err)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("store not at -db: %v", err)
	}
}

// TestRunRefusesIncompleteSources: a source without its credentials or
// addresses stops run before it serves, naming the key.
func TestRunRefusesIncompleteSources(t *testing.T) {
	// 30 hashtags of 28 letters: a search query of 30×29 + 29×4 = 986 characters.
	var long []string
	for i := range 30 {
		long = append(long, fmt.Sprintf("SolidarityWithPalestineDay%02d", i))
	}
	longCampaigns := fmt.Sprintf("campaigns:\n  - {name: week, timezone: UTC, hashtags: [%s]}\n", strings.Join(long, ", "))
	for _, tc := range []struct{ campaigns, sources, want string }{
		{"", "x: {every: 1m}", "sources.x.bearer_token"},
		{"", "twitter: {consumer_key: a}", "sources.twitter"},
		{"", "mastodon: {every: 1m}", "sources.mastodon.instances"},
		{"", "mastodon: {instances: [a.example, a.example]}", "listed twice"},
		{"", "bluesky: {jetstream: 'ftp://x'}", "sources.bluesky"},
		{longCampaigns, "x: {bearer_token: t}", `sources.x: campaign "week": its 30 hashtags make a search query of 986 characters`},
		{longCampaigns, "x: {bearer_token: t, max_query_length: 985}", "of 986 characters (#solidaritywithpalestineday00 OR #solida…) and the platform takes at most 985"},
		{longCampaigns, "twitter: {bearer_token: t}", "sources.twitter: campaign \"week\": its 30 hashtags make a search query of 986 characters"},
		// At the limit: run starts (and is stopped once it serves).
		{longCampaigns, "x: {bearer_token: t, max_query_length: 986, base_url: 'http://127.0.0.1:1'}", ""},
	} {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "c.yml")
		if tc.campaigns == "" {
			tc.campaigns = runTestCampaigns
		}
		yml := fmt.Sprintf("db: %s\n%s\nsources:\n  %s\n", filepath.Join(dir, "t.db"), tc.campaigns, tc.sources)
		if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
			t.Fatal(err)
		}
		var out lockedBuffer
		ctx, cancel := context.WithCancel(t.Context())
		served := false
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }, Now: time.Now,
			Ready: func(string) { served = true; cancel() }}
		err := run(ctx, env, []string{"run", "-config", cfg, "-addr", "127.0.0.1:0"})
		cancel()
		if tc.want == "" {
			if err != nil || !served {
				t.Errorf("%s: error = %v, served = %t; want it to start", tc.sources, err, served)
			}
			continue
		}
		if served {
			t.Errorf("%s: served", tc.sources)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want one naming %s", tc.sources, err, tc.want)
		}
		// Every one names the file, the line and the key.
		if err != nil && !regexp.MustCompile("^"+regexp.QuoteMeta(cfg)+`:\d+: sources\.`).MatchString(err.Error()) {
			t.Errorf("%s: error = %v, want it to start with %s:LINE: sources.…", tc.sources, err, cfg)
		}
	}
}

// TestRunWithoutSourcesServesStoredFigures: with no sources (a store filled
// by import) run serves the figures until it is stopped, rather than ending
// as soon as the (empty) scheduler returns.
func TestRunWithoutSourcesServesStoredFigures(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	archive := writeFile(t, filepath.Join(dir, "a.jsonl"),
		tw{id: "1", user: "a", at: at, kind: "original", tags: []string{"AllForPalestine"}}.json()+"\n"+
			tw{id: "2", user: "b", at: at, kind: "original", tags: []string{"AllForPalestine"}}.json()+"\n")
	if _, errs, code := runCmd(t, "import", "-config", cfg, archive); code != 0 {
		t.Fatal(errs)
	}
	r := startRun(t, func(string) string { return "" }, "-config", cfg, "-addr", "127.0.0.1:0")
	waitTotals(t, r, "afp", map[string]int64{"x": 2})
	if !strings.Contains(r.log.String(), "serving the stored figures (no sources to collect from)") {
		t.Errorf("output:\n%s", r.log)
	}
	// Before the fix run ended by itself within milliseconds of serving.
	// Absence can only be watched for a while: half a second.
	select {
	case err := <-r.done:
		r.done <- err
		t.Fatalf("run ended by itself: %v\n%s", err, r.log)
	case <-time.After(500 * time.Millisecond):
	}
	waitTotals(t, r, "afp", map[string]int64{"x": 2})
	if _, err := r.stop(t); err != nil {
		t.Errorf("run: %v", err)
	}
}

// TestRunSkipsSearchForLongPastCampaigns: X's recent search reaches 7 days
// back, so a campaign whose window ended before that is not polled (it
// would spend quota on posts that count nowhere); a current one is.
func TestRunSkipsSearchForLongPastCampaigns(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "c.yml"), fmt.Sprintf(`db: %s
campaigns:
  - {name: old, hashtags: [OldTag], timezone: UTC, from: 2025-01-01, to: 2025-01-31}
  - {name: now, hashtags: [NowTag], timezone: UTC}
sources:
  x: {bearer_token: tok-0123456789abcdef, base_url: "http://127.0.0.1:1", every: 1h}
`, filepath.Join(dir, "t.db")))
	r := startRun(t, func(string) string { return "" }, "-config", cfg, "-addr", "127.0.0.1:0")
	var health []collector.SourceHealth
	if err := r.getJSON("/api/v1/sources", &health); err != nil {
		t.Fatal(err)
	}
	if len(health) != 1 || health[0].Name != "x:now" {
		t.Errorf("sources = %+v, want x:now only", health)
	}
	if !strings.Contains(r.log.String(), "not polled") || !strings.Contains(r.log.String(), "source=x:old") {
		t.Errorf("log:\n%s", r.log)
	}
}
