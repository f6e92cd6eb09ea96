package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tagpulse/tagpulse/config"
)

// largeConfig is a valid configuration of n campaigns with tags hashtags
// each, in block style.
func largeConfig(n, tags int) []byte {
	var b strings.Builder
	b.WriteString("db: large.db\ncampaigns:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - name: c%05d\n    title: \"Campaign %d\"\n    timezone: Asia/Gaza\n    hashtags:\n", i, i)
		for j := range tags {
			fmt.Fprintf(&b, "      - Tag%dx%d\n", i, j)
		}
	}
	return []byte(b.String())
}

// TestLargeConfig: 20,000 campaigns are read as written (a node cap once
// made thousands of false "hashtags: missing" errors at wrong lines).
func TestLargeConfig(t *testing.T) {
	const n, tags = 20_000, 2
	cfg, err := config.Parse(largeConfig(n, tags), "large.yml", nil)
	if err != nil {
		t.Fatalf("%.500s", err)
	}
	if len(cfg.Campaigns) != n {
		t.Fatalf("%d campaigns, want %d", len(cfg.Campaigns), n)
	}
	for _, i := range []int{0, 1, n / 2, n - 1} {
		c := cfg.Campaigns[i]
		if c.Name != fmt.Sprintf("c%05d", i) || len(c.Hashtags) != tags || c.Hashtags[tags-1] != fmt.Sprintf("tag%dx%d", i, tags-1) || c.Location.String() != "Asia/Gaza" {
			t.Errorf("campaigns[%d] = %+v", i, c)
		}
	}
	// A problem in the last campaign is reported at its line, alone.
	data := largeConfig(n, tags)
	bad := strings.Replace(string(data), "      - Tag19999x1\n", "      - \"Tag 19999\"\n", 1)
	line := strings.Count(bad[:strings.Index(bad, "\"Tag 19999\"")], "\n") + 1
	_, err = config.Parse([]byte(bad), "large.yml", nil)
	want := fmt.Sprintf("large.yml:%d: campaigns[19999].hashtags[1]: hashtag \"Tag 19999\" contains a space", line)
	if err == nil || err.Error() != want {
		t.Errorf("error = %.300v\nwant %s", err, want)
	}
}

// TestTooManyHashtags: past MaxHashtags the file is refused with one
// message naming the limit.
func TestTooManyHashtags(t *testing.T) {
	in := "a: &tags [" + strings.Repeat("t,", 1000) + "t]\ncampaigns:\n" + strings.Repeat("  - {name: x, timezone: UTC, hashtags: *tags}\n", config.MaxHashtags/1000)
	_, err := config.Parse([]byte(in), "many.yml", nil)
	want := fmt.Sprintf("many.yml:2: campaigns: %d hashtags in all: tagpulse takes at most %d", (config.MaxHashtags/1000)*1001, config.MaxHashtags)
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %.300v\nwant %s…", err, want)
	}
}

// BenchmarkParseLarge: 20,000 campaigns of 2 and of 10 hashtags (200,000
// in all).
func BenchmarkParseLarge(b *testing.B) {
	for _, tags := range []int{2, 10} {
		b.Run(fmt.Sprintf("campaigns=20000/hashtags=%d", tags), func(b *testing.B) {
			data := largeConfig(20_000, tags)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := config.Parse(data, "large.yml", nil); err != nil {
					b.Fatalf("%.300s", err)
				}
			}
		})
	}
}
