package config_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/config"
)

func TestInstagramThreadsYouTube(t *testing.T) {
	yml := `campaigns: [{name: afp, hashtags: [a], timezone: UTC}]
sources:
  instagram: {user_id: "17841405309211844", access_token: "${IG}", base_url: "http://127.0.0.1:1", every: 10m, max_pages: 2, hashtag_limit: 20, timeout: 5s}
  threads: {access_token: "${TH}", search_mode: keyword, daily_queries: 1000, max_pages: 2, backfill: 6h, base_url: "http://127.0.0.1:2"}
  youtube: {api_key: "${YT}", daily_units: 20000, search_cost: 100, max_pages: 1, every: 20m, backfill: 2h, base_url: "http://127.0.0.1:3"}
`
	vars := map[string]string{"IG": "ig-secret", "TH": "th-secret", "YT": "yt-secret"}
	cfg, err := config.Parse([]byte(yml), "t.yml", env(vars))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Sources
	wantIG := config.Instagram{UserID: "17841405309211844", AccessToken: "ig-secret", BaseURL: "http://127.0.0.1:1", Every: 10 * time.Minute, MaxPages: 2, HashtagLimit: 20, Timeout: 5 * time.Second}
	if s.Instagram == nil || *s.Instagram != wantIG {
		t.Errorf("instagram = %+v", s.Instagram)
	}
	wantTH := config.Threads{AccessToken: "th-secret", SearchMode: "keyword", DailyQueries: 1000, MaxPages: 2, Backfill: 6 * time.Hour, BaseURL: "http://127.0.0.1:2"}
	if s.Threads == nil || *s.Threads != wantTH {
		t.Errorf("threads = %+v", s.Threads)
	}
	wantYT := config.YouTube{APIKey: "yt-secret", DailyUnits: 20000, SearchCost: 100, MaxPages: 1, Every: 20 * time.Minute, Backfill: 2 * time.Hour, BaseURL: "http://127.0.0.1:3"}
	if s.YouTube == nil || *s.YouTube != wantYT {
		t.Errorf("youtube = %+v", s.YouTube)
	}
	sec := s.Secrets()
	for _, v := range vars {
		if !slices.Contains(sec, v) {
			t.Errorf("secrets %v lack %s", sec, v)
		}
	}
}

func TestInstagramThreadsYouTubeErrors(t *testing.T) {
	const campaign = "campaigns:\n  - name: a\n    hashtags: [a]\n    timezone: UTC\nsources:\n" // lines 1–5
	for _, tt := range []struct {
		name, in string
		line     int
		key, msg string
	}{
		{"IGNoUser", campaign + "  instagram: {access_token: t}\n", 6, "sources.instagram.user_id", "missing"},
		{"IGUser", campaign + "  instagram:\n    user_id: \"@me\"\n    access_token: t\n", 7, "sources.instagram.user_id", "digits only"},
		{"IGNoToken", campaign + "  instagram:\n    user_id: \"1\"\n", 6, "sources.instagram.access_token", "TAGPULSE_INSTAGRAM_TOKEN"},
		{"IGLimit", campaign + "  instagram:\n    user_id: \"1\"\n    access_token: t\n    hashtag_limit: 31\n", 9, "sources.instagram.hashtag_limit", "1 to 30"},
		{"THMode", campaign + "  threads:\n    access_token: t\n    search_mode: top\n", 8, "sources.threads.search_mode", "want tag or keyword"},
		{"THNoToken", campaign + "  threads: {search_mode: tag}\n", 6, "sources.threads.access_token", "TAGPULSE_THREADS_TOKEN"},
		{"YTNoKey", campaign + "  youtube: {daily_units: 10000}\n", 6, "sources.youtube.api_key", "TAGPULSE_YOUTUBE_API_KEY"},
		{"YTURL", campaign + "  youtube:\n    api_key: k\n    base_url: www.googleapis.com\n", 8, "sources.youtube.base_url", "is not a URL"},
		{"YTUnknown", campaign + "  youtube:\n    api_key: k\n    quota: 5\n", 8, "sources.youtube.quota", "unknown key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.in), "tagpulse.yml", env(nil))
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *config.Error", err)
			}
			if ce.Line != tt.line || ce.Key != tt.key || !strings.Contains(ce.Err.Error(), tt.msg) {
				t.Errorf("error = %q\nwant    tagpulse.yml:%d: %s: …%s…", err, tt.line, tt.key, tt.msg)
			}
		})
	}
}
